/* Fork-join on every executor: nested fib against the closed form,
 * par_for covering every index exactly once for many grains, nesting of
 * loops inside spawned jobs, concurrent callers from outside, and the
 * thread-count settings. */
#include <pthread.h>
#include <stdatomic.h>

#include "check.h"
#include "executors.h"

static long fib_serial(int n)
{
        long a = 0, b = 1;
        for (int i = 0; i < n; i++) {
                long t = a + b;
                a = b;
                b = t;
        }
        return a;
}

typedef struct fib_arg {
        int n;
        long r;
} fib_arg;

static void fib_task(void *p)
{
        fib_arg *a = p;
        if (a->n < 2) {
                a->r = a->n;
                return;
        }
        fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
        par_group g = {0};
        par_job jx, jy;
        par_spawn(&g, &jx, fib_task, &x);
        par_spawn(&g, &jy, fib_task, &y);
        par_group_wait(&g);
        a->r = x.r + y.r;
}

typedef struct cover {
        atomic_int *hits;
        atomic_long calls;
} cover;

static void cover_body(void *p, int64_t lo, int64_t hi)
{
        cover *c = p;
        atomic_fetch_add(&c->calls, 1);
        for (int64_t i = lo; i < hi; i++)
                atomic_fetch_add_explicit(&c->hits[i], 1, memory_order_relaxed);
}

static int count_exact(cover *c, int64_t n)
{
        int64_t ok = 0;
        for (int64_t i = 0; i < n; i++)
                ok += atomic_load(&c->hits[i]) == 1;
        for (int64_t i = 0; i < n; i++)
                atomic_store(&c->hits[i], 0);
        return ok == n;
}

/* A loop inside each spawned job inside a loop: nesting three deep. */
typedef struct nest {
        atomic_long sum;
} nest;

static void inner(void *p, int64_t lo, int64_t hi)
{
        nest *s = p;
        long t = 0;
        for (int64_t i = lo; i < hi; i++)
                t += i;
        atomic_fetch_add(&s->sum, t);
}

static void outer(void *p, int64_t lo, int64_t hi)
{
        for (int64_t i = lo; i < hi; i++)
                par_for(0, 1000, 10, inner, p);
}

static void nest_body(void *p)
{
        par_for(0, 50, 1, outer, p);
}

typedef struct ext {
        par_executor *ex;
        long result;
} ext;

static void *external_caller(void *p)
{
        ext *e = p;
        fib_arg a = {18, 0};
        par_executor_run(e->ex, fib_task, &a);
        e->result = a.r;
        return NULL;
}

static void where_am_i(void *p)
{
        par_executor **seen = p;
        *seen = par_executor_current();
}

int main(void)
{
        enum { N = 100003 };
        cover c = {.hits = calloc(N, sizeof(atomic_int))};
        for (int k = 0; k < TEST_NKINDS; k++) {
                for (int threads = 1; threads <= 4; threads *= 2) {
                        par_executor *ex = test_executor(k, threads);
                        if (!ex)
                                continue;
                        printf("  %s, %d threads\n", test_kind_names[k], threads);
                        fib_arg a = {23, 0};
                        par_executor_run(ex, fib_task, &a);
                        CHECK_MSG(a.r == fib_serial(23), "%s: fib(23) = %ld",
                                  test_kind_names[k], a.r);

                        int64_t grains[] = {1, 7, 1000, 0, N + 5};
                        for (size_t gi = 0; gi < 5; gi++) {
                                atomic_store(&c.calls, 0);
                                par_executor_for(ex, 0, N, grains[gi],
                                                 cover_body, &c);
                                CHECK_MSG(count_exact(&c, N),
                                          "%s: grain %lld misses or repeats",
                                          test_kind_names[k],
                                          (long long)grains[gi]);
                        }
                        /* Empty and offset ranges. */
                        atomic_store(&c.calls, 0);
                        par_executor_for(ex, 5, 5, 1, cover_body, &c);
                        CHECK(atomic_load(&c.calls) == 0);
                        par_executor_for(ex, 100, 200, 3, cover_body, &c);
                        int64_t ok = 0;
                        for (int64_t i = 0; i < N; i++)
                                ok += atomic_load(&c.hits[i]) ==
                                      (i >= 100 && i < 200);
                        CHECK(ok == N);
                        for (int64_t i = 0; i < N; i++)
                                atomic_store(&c.hits[i], 0);

                        nest s = {0};
                        par_executor_run(ex, nest_body, &s);
                        CHECK(atomic_load(&s.sum) == 50L * 999 * 1000 / 2);

                        ext e[3];
                        pthread_t t[3];
                        for (int i = 0; i < 3; i++) {
                                e[i] = (ext){ex, 0};
                                pthread_create(&t[i], NULL, external_caller, &e[i]);
                        }
                        for (int i = 0; i < 3; i++) {
                                pthread_join(t[i], NULL);
                                CHECK(e[i].result == fib_serial(18));
                        }

                        par_executor *seen = NULL;
                        par_executor_run(ex, where_am_i, &seen);
                        CHECK(seen == ex);
                        CHECK(par_executor_current() == NULL);
                        CHECK(par_executor_threads(ex) ==
                              (test_kinds[k] == PAR_EXEC_SERIAL ? 1 : threads));
                        par_executor_free(ex);
                }
        }

        /* Outside any executor, fork-join runs inline. */
        fib_arg a = {15, 0};
        fib_task(&a);
        CHECK(a.r == fib_serial(15));

        /* Thread-count settings. */
        par_error err = {0};
        par_executor *ex = NULL;
        setenv("PAR_NUM_THREADS", "3", 1);
        CHECK_OK(par_executor_new(NULL, &ex, &err), &err);
        CHECK(ex && par_executor_threads(ex) == 3);
        CHECK(ex && strcmp(par_executor_name(ex), "pool") == 0);
        par_executor_free(ex);
        setenv("PAR_NUM_THREADS", "three", 1);
        CHECK(par_executor_new(NULL, &ex, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "PAR_NUM_THREADS='three'") != NULL);
        CHECK(ex == NULL);
        setenv("PAR_NUM_THREADS", "0", 1);
        CHECK(par_executor_new(NULL, &ex, &err) == PAR_EINVAL);
        unsetenv("PAR_NUM_THREADS");
        CHECK(par_executor_new(&(par_executor_opts){.threads = -2}, &ex, &err) ==
              PAR_EINVAL);
        CHECK(par_executor_new(&(par_executor_opts){.kind = 99}, &ex, &err) ==
              PAR_EINVAL);
        CHECK_OK(par_executor_new(NULL, &ex, &err), &err);
        CHECK(par_executor_threads(ex) == par_cpu_count());
        par_executor_free(ex);
        par_executor_free(NULL);
        free(c.hits);
        return check_done("test_pool");
}
