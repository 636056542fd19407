/* Out of memory everywhere: an allocator that fails the k-th allocation,
 * for every k until the scenario no longer hits a failure. Each run must
 * either succeed or fail with a status (never crash), and every byte it
 * allocated must be freed again: the allocator counts live blocks, so
 * this checks for leaks without any tool. */
#include <stdatomic.h>

#include "check.h"
#include "par.h"

static atomic_long allocs, live;
static long fail_at = -1;

static void *t_malloc(size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&allocs, 1) == fail_at)
                return NULL;
        void *p = malloc(n);
        if (p)
                atomic_fetch_add(&live, 1);
        return p;
}

static void *t_realloc(void *p, size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&allocs, 1) == fail_at)
                return NULL;
        return realloc(p, n);
}

static void t_free(void *p, void *ud)
{
        (void)ud;
        if (p)
                atomic_fetch_sub(&live, 1);
        free(p);
}

static int op_add(par_task_ctx *ctx, size_t n, par_value *const *args,
                  par_value **out)
{
        (void)ctx;
        int64_t s = 0;
        for (size_t i = 0; i < n; i++)
                s += par_value_int64_of(args[i]);
        *out = par_value_int64(s);
        return *out ? 0 : PAR_ENOMEM;
}

/* A small workload touching graphs, plans, executors, futures and delayed
 * calls. Returns 0 or a negative status. */
static int scenario(par_exec_kind kind, int64_t *result)
{
        par_error err = {0};
        par_client *c = NULL;
        int rc = par_client_new(&(par_client_opts){.executor = kind, .threads = 2},
                                &c, &err);
        if (rc < 0)
                return rc;
        par_delayed *d[6] = {0};
        rc = par_delayed_call("oom.add", 1, (par_arg[]){par_arg_int64(1)}, &d[0],
                              &err);
        for (int i = 1; i < 6 && rc == 0; i++)
                rc = par_delayed_call("oom.add", 2,
                                      (par_arg[]){par_arg_delayed(d[i - 1]),
                                                  par_arg_int64(i)},
                                      &d[i], &err);
        par_value *v = NULL;
        if (rc == 0)
                rc = par_compute(c, 1, &d[5], &v, &err);
        if (rc == 0) {
                *result = par_value_int64_of(v);
                par_value_release(v);
        }
        par_future *f = NULL, *g = NULL;
        if (rc == 0)
                rc = par_client_submit(c, "oom.add", 2,
                                       (par_arg[]){par_arg_int64(2),
                                                   par_arg_string("x") },
                                       &f, &err);
        if (rc == 0) {
                par_future_release(f);
                rc = par_client_submit(c, "oom.add", 1,
                                       (par_arg[]){par_arg_int64(5)}, &f, &err);
        }
        if (rc == 0)
                rc = par_client_submit(c, "oom.add", 1,
                                       (par_arg[]){par_arg_future(f)}, &g, &err);
        if (rc == 0) {
                rc = par_future_result(g, &v, &err);
                if (rc == 0) {
                        *result += par_value_int64_of(v);
                        par_value_release(v);
                }
        }
        par_future_release(f);
        par_future_release(g);
        for (int i = 0; i < 6; i++)
                par_delayed_release(d[i]);
        par_client_free(c);
        return rc;
}

int main(void)
{
        par_op_register("oom.add", op_add, NULL);
        const par_allocator counting = {t_malloc, t_realloc, t_free, NULL};
        par_exec_kind kinds[] = {PAR_EXEC_SERIAL, PAR_EXEC_POOL};
        for (int k = 0; k < 2; k++) {
                int64_t expect = 0;
                fail_at = -1;
                par_set_allocator(&counting);
                int rc = scenario(kinds[k], &expect);
                par_set_allocator(NULL);
                CHECK(rc == 0 && expect == 1 + 15 + 5);
                CHECK(atomic_load(&live) == 0);
                long total = atomic_load(&allocs);
                int failures = 0, clean = 0;
                for (long at = 0; at < total; at++) {
                        atomic_store(&allocs, 0);
                        atomic_store(&live, 0);
                        fail_at = at;
                        int64_t got = 0;
                        par_set_allocator(&counting);
                        rc = scenario(kinds[k], &got);
                        par_set_allocator(NULL);
                        if (rc == 0) {
                                clean++;
                                CHECK(got == expect);
                        } else {
                                failures++;
                                CHECK_MSG(rc == PAR_ENOMEM || rc == PAR_ETASK,
                                          "failing allocation %ld gave %s", at,
                                          par_status_name(rc));
                        }
                        CHECK_MSG(atomic_load(&live) == 0,
                                  "failing allocation %ld leaked %ld blocks", at,
                                  atomic_load(&live));
                }
                printf("kind %d: %ld allocations; %d runs failed cleanly, %d "
                       "succeeded anyway\n",
                       (int)kinds[k], total, failures, clean);
                atomic_store(&allocs, 0);
        }
        return check_done("test_oom");
}
