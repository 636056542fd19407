/* The client: submit/result, futures as arguments, gather, as_completed,
 * cancel, errors reaching the caller with the task's key, and delayed calls
 * whose shared intermediates run once. On every executor. */
#include <stdatomic.h>
#include <time.h>

#include "backend_harness.h"
#include "check.h"
#include "executors.h"

static int op_squared(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        int64_t x;
        par_error e = {0};
        if (n != 1 || par_value_get_int64(args[0], &x, &e) < 0)
                return par_task_fail(ctx, PAR_ETYPE, "squared takes one int64: %s",
                                     e.message);
        *out = par_value_int64(x * x);
        return 0;
}

static atomic_int inc_runs;
static int op_inc(par_task_ctx *ctx, size_t n, par_value *const *args,
                  par_value **out)
{
        (void)ctx, (void)n;
        atomic_fetch_add(&inc_runs, 1);
        *out = par_value_int64(par_value_int64_of(args[0]) + 1);
        return 0;
}

static int op_add(par_task_ctx *ctx, size_t n, par_value *const *args,
                  par_value **out)
{
        (void)ctx;
        int64_t s = 0;
        for (size_t i = 0; i < n; i++)
                s += par_value_int64_of(args[i]);
        *out = par_value_int64(s);
        return 0;
}

static int op_fail(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        (void)n, (void)args, (void)out;
        return par_task_fail(ctx, PAR_ERANGE, "division by zero");
}

/* Blocks until the gate opens (at most 10 s), then returns its argument. */
static atomic_int gate_open;
static int op_gate(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        (void)ctx, (void)n;
        uint64_t t0 = par_now_ns();
        while (!atomic_load(&gate_open) && par_now_ns() - t0 < 10000000000ull) {
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
        }
        *out = par_value_retain(args[0]);
        return 0;
}

/* Sleeps arg milliseconds, returns arg. */
static int op_sleep(par_task_ctx *ctx, size_t n, par_value *const *args,
                    par_value **out)
{
        (void)ctx, (void)n;
        int64_t ms = par_value_int64_of(args[0]);
        struct timespec ts = {0, (long)ms * 1000000};
        nanosleep(&ts, NULL);
        *out = par_value_retain(args[0]);
        return 0;
}

PAR_REGISTER_OP("app.squared", op_squared)
PAR_REGISTER_OP("app.inc", op_inc)
PAR_REGISTER_OP("app.add", op_add)
PAR_REGISTER_OP("app.fail", op_fail)
PAR_REGISTER_OP("app.gate", op_gate)
PAR_REGISTER_OP("app.sleep", op_sleep)

static int64_t result_int(par_future *f)
{
        par_value *v = NULL;
        par_error err = {0};
        if (par_future_result(f, &v, &err) < 0) {
                fprintf(stderr, "result: %s\n", err.message);
                return INT64_MIN;
        }
        int64_t x = par_value_int64_of(v);
        par_value_release(v);
        return x;
}

static void futures(par_client *c, bool async)
{
        par_error err = {0};
        par_future *f = NULL;

        /* The talk's cell: submit(squared, 3).result() == 9. */
        CHECK_OK(par_client_submit(c, "app.squared", 1,
                                   (par_arg[]){par_arg_int64(3)}, &f, &err),
                 &err);
        CHECK(result_int(f) == 9);
        CHECK(par_future_state_of(f) == PAR_FUTURE_FINISHED);
        CHECK(strncmp(par_future_key(f).name, "squared-", 8) == 0 &&
              strlen(par_future_key(f).name) == 8 + 16);
        CHECK(par_future_cancel(f) == PAR_ESTATE);

        /* Futures as arguments: ((3^2)+1)^2 = 100. */
        par_future *g = NULL, *h = NULL;
        CHECK_OK(par_client_submit(c, "app.inc", 1, (par_arg[]){par_arg_future(f)},
                                   &g, &err),
                 &err);
        CHECK_OK(par_client_submit(c, "app.squared", 1,
                                   (par_arg[]){par_arg_future(g)}, &h, &err),
                 &err);
        CHECK(result_int(h) == 100);
        par_future_release(f);
        par_future_release(g);
        par_future_release(h);

        /* gather of many. */
        enum { M = 200 };
        par_future *fs[M];
        par_value *vs[M];
        for (int i = 0; i < M; i++)
                CHECK_OK(par_client_submit(c, "app.squared", 1,
                                           (par_arg[]){par_arg_int64(i)}, &fs[i],
                                           &err),
                         &err);
        CHECK_OK(par_gather(M, fs, vs, &err), &err);
        int good = 0;
        for (int i = 0; i < M; i++) {
                good += vs[i] && par_value_int64_of(vs[i]) == (int64_t)i * i;
                par_value_release(vs[i]);
        }
        CHECK(good == M);

        /* as_completed returns each future once. */
        par_as_completed *ac = NULL;
        CHECK_OK(par_as_completed_new(M, fs, &ac, &err), &err);
        char seen[M] = {0};
        size_t idx, count = 0;
        while (par_as_completed_next(ac, &idx) == 0) {
                CHECK(idx < M && !seen[idx]);
                if (idx < M)
                        seen[idx] = 1;
                count++;
        }
        CHECK(count == M);
        par_as_completed_free(ac);
        for (int i = 0; i < M; i++)
                par_future_release(fs[i]);

        /* Completion order: a fast task is reported before a slow one.
         * The MPI backend runs one computation across the ranks at a time,
         * so there the later launch waits for the earlier one. */
        if (async && !TEST_SKIP_IF_MPI("completion order of concurrent "
                                       "launches (MPI runs one at a time)")) {
                par_future *slow = NULL, *fast = NULL;
                par_client_submit(c, "app.sleep", 1, (par_arg[]){par_arg_int64(300)},
                                  &slow, &err);
                par_client_submit(c, "app.sleep", 1, (par_arg[]){par_arg_int64(1)},
                                  &fast, &err);
                CHECK(par_future_wait(slow, 0.01) == PAR_ETIMEDOUT);
                CHECK_OK(par_as_completed_new(2, (par_future *[]){slow, fast}, &ac,
                                              &err),
                         &err);
                CHECK(par_as_completed_next(ac, &idx) == 0 && idx == 1);
                CHECK(par_as_completed_next(ac, &idx) == 0 && idx == 0);
                CHECK(par_as_completed_next(ac, &idx) == PAR_ENOENT);
                par_as_completed_free(ac);
                CHECK(par_future_wait(slow, -1) == 0 && par_future_done(slow));
                par_future_release(slow);
                par_future_release(fast);
        }

        /* An error reaches the caller with the key; dependents fail too. */
        par_future *bad = NULL, *after = NULL;
        CHECK_OK(par_client_submit(c, "app.fail", 0, NULL, &bad, &err), &err);
        CHECK_OK(par_client_submit(c, "app.squared", 1,
                                   (par_arg[]){par_arg_future(bad)}, &after, &err),
                 &err);
        par_value *v = NULL;
        CHECK(par_future_result(bad, &v, &err) == PAR_ERANGE && v == NULL);
        CHECK_MSG(strstr(err.message, "task fail-") &&
                          strstr(err.message, "(op app.fail): division by zero"),
                  "%s", err.message);
        CHECK(par_future_state_of(bad) == PAR_FUTURE_ERROR);
        CHECK(par_future_result(after, &v, &err) == PAR_ERANGE);
        CHECK_MSG(strstr(err.message, "failed") && strstr(err.message, "fail-"),
                  "%s", err.message);
        par_future_release(bad);
        par_future_release(after);

        /* Bad arguments are the caller's error, not the task's. */
        CHECK(par_client_submit(c, "app.missing", 0, NULL, &f, &err) == PAR_ENOENT);
        CHECK(strstr(err.message, "'app.missing'") != NULL && f == NULL);
        CHECK(par_client_submit(c, "app.squared", 1, (par_arg[]){par_arg_key("k", 1)},
                                &f, &err) == PAR_EINVAL);
        /* A type error inside the task names the task. */
        CHECK_OK(par_client_submit(c, "app.squared", 1,
                                   (par_arg[]){par_arg_string("x")}, &f, &err),
                 &err);
        CHECK(par_future_result(f, &v, &err) == PAR_ETYPE);
        CHECK(strstr(err.message, "expected a value of type int64, got string"));
        par_future_release(f);

        /* Cancel: a task waiting for a running one is canceled, and so is
         * what waits for it; the running one still finishes. */
        if (async) {
                atomic_store(&gate_open, 0);
                par_future *running = NULL, *waiting = NULL, *third = NULL;
                par_client_submit(c, "app.gate", 1, (par_arg[]){par_arg_int64(7)},
                                  &running, &err);
                par_client_submit(c, "app.squared", 1,
                                  (par_arg[]){par_arg_future(running)}, &waiting,
                                  &err);
                par_client_submit(c, "app.squared", 1,
                                  (par_arg[]){par_arg_future(waiting)}, &third,
                                  &err);
                CHECK(par_future_cancel(waiting) == 0);
                CHECK(par_future_state_of(waiting) == PAR_FUTURE_CANCELED);
                CHECK(par_future_result(third, &v, &err) == PAR_ECANCELED);
                CHECK(strstr(err.message, "canceled") != NULL);
                CHECK(!par_future_done(running));
                atomic_store(&gate_open, 1);
                CHECK(result_int(running) == 7);
                CHECK(par_future_result(waiting, &v, &err) == PAR_ECANCELED);
                par_future_release(running);
                par_future_release(waiting);
                par_future_release(third);
        }
}

static void delayed(par_client *c)
{
        par_error err = {0};
        par_delayed *x = NULL, *x2 = NULL, *y = NULL, *z = NULL;
        /* x and x2 are the same call: one key, one run. */
        CHECK_OK(par_delayed_call("app.inc", 1, (par_arg[]){par_arg_int64(10)}, &x,
                                  &err),
                 &err);
        CHECK_OK(par_delayed_call("app.inc", 1, (par_arg[]){par_arg_int64(10)}, &x2,
                                  &err),
                 &err);
        CHECK(strcmp(par_delayed_key(x).name, par_delayed_key(x2).name) == 0);
        CHECK_OK(par_delayed_call("app.add", 2,
                                  (par_arg[]){par_arg_delayed(x), par_arg_delayed(x2)},
                                  &y, &err),
                 &err);
        CHECK_OK(par_delayed_call("app.squared", 1, (par_arg[]){par_arg_delayed(x)},
                                  &z, &err),
                 &err);
        atomic_store(&inc_runs, 0);
        par_value *out[2];
        CHECK_OK(par_compute(c, 2, (par_delayed *[]){y, z}, out, &err), &err);
        CHECK(out[0] && par_value_int64_of(out[0]) == 22);
        CHECK(out[1] && par_value_int64_of(out[1]) == 121);
        /* The op runs on a worker rank under MPI: no count here. */
        if (!TEST_SKIP_IF_MPI("counts op runs in this process"))
                CHECK(atomic_load(&inc_runs) == 1);
        par_value_release(out[0]);
        par_value_release(out[1]);

        /* The same graph as futures. */
        par_future *fs[2];
        CHECK_OK(par_client_compute(c, 2, (par_delayed *[]){y, z}, fs, &err), &err);
        CHECK(result_int(fs[0]) == 22 && result_int(fs[1]) == 121);
        par_future_release(fs[0]);
        par_future_release(fs[1]);

        /* A long chain composes and releases without deep recursion. */
        par_delayed *chain = par_delayed_retain(x);
        for (int i = 0; i < 20000; i++) {
                par_delayed *next = NULL;
                par_delayed_call("app.inc", 1, (par_arg[]){par_arg_delayed(chain)},
                                 &next, &err);
                par_delayed_release(chain);
                chain = next;
        }
        CHECK_OK(par_compute(c, 1, &chain, out, &err), &err);
        CHECK(out[0] && par_value_int64_of(out[0]) == 11 + 20000);
        par_value_release(out[0]);
        par_delayed_release(chain);

        /* An error names the failing call's key. */
        par_delayed *bad = NULL, *use = NULL;
        par_delayed_call("app.fail", 0, NULL, &bad, &err);
        par_delayed_call("app.add", 2, (par_arg[]){par_arg_delayed(bad),
                                                   par_arg_delayed(y)},
                         &use, &err);
        CHECK(par_compute(c, 1, &use, out, &err) == PAR_ERANGE);
        CHECK(strstr(err.message, par_delayed_key(bad).name) != NULL);
        CHECK(out[0] == NULL);
        par_delayed *none = NULL;
        CHECK(par_delayed_call("app.inc", 1, (par_arg[]){par_arg_key("k", 0)}, &none,
                               &err) == PAR_EINVAL);
        CHECK(none == NULL);
        par_delayed_release(bad);
        par_delayed_release(use);
        par_delayed_release(x);
        par_delayed_release(x2);
        par_delayed_release(y);
        par_delayed_release(z);
}

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        for (int k = 0; k < TEST_NKINDS; k++) {
                par_error err = {0};
                par_client *c = NULL;
                int rc = test_client_new(
                        &(par_client_opts){.executor = test_kinds[k], .threads = 2},
                        &c, &err);
                if (rc == PAR_ENOTSUP)
                        continue;
                CHECK_OK(rc, &err);
                char line[256];
                par_client_summary(c, line, sizeof line);
                printf("  %s\n", line);
                /* An MPI client names its backend; the executor named
                 * is rank 0's, which runs nothing when there are workers. */
                if (test_backend_is_mpi())
                        CHECK(strstr(line, "mpi (") != NULL);
                else
                        CHECK(strstr(line, test_kind_names[k]) != NULL);
                CHECK(strstr(line, "Cores: ") && strstr(line, "Memory: "));
                bool async = test_kinds[k] == PAR_EXEC_POOL;
                futures(c, async);
                delayed(c);
                par_client_free(c);
        }
        /* A future outlives its client. */
        par_client *c = NULL;
        par_error err = {0};
        CHECK_OK(test_client_new(NULL, &c, &err), &err);
        par_future *f = NULL;
        par_client_submit(c, "app.sleep", 1, (par_arg[]){par_arg_int64(20)}, &f, &err);
        par_client_free(c);
        CHECK(par_future_done(f) && result_int(f) == 20);
        par_future_release(f);
        par_client_free(NULL);
        return test_backend_end(check_done("test_client"));
}
