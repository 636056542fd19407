/* bench/fib.c — fork-join overhead: naive fib(N) with two spawns and a wait
 * per internal node, run inside par_executor_run.
 *
 * Every call with n >= 2 puts both children on a par_group on its stack
 * (par_spawn twice) and joins them with par_group_wait: "mode 2" of the
 * peers (fib_tbb.cpp: task_group run+run+wait; fib_omp.c: task+task+
 * taskwait). Tasks = 2*(F(N+1)-1), metric ns_per_task = wall time / tasks.
 * The result is checked against an iterative fib.
 *
 * Implementations: "par" (PAR_EXEC_POOL), "par-openmp" (PAR_EXEC_OPENMP).
 * usage: fib [--impl par|par-openmp] [--threads T] [--n N] [--runs R] [--smoke]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime under -std=c17 */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <par/core.h>
#include <par/exec.h>

#include "bench_util.h"

static const char usage[] =
        "usage: fib [--impl par|par-openmp] [--threads T] [--n N] [--runs R] [--smoke]\n"
        "naive fib(N) (default 30), two par_spawn + par_group_wait per internal node;\n"
        "prints one JSON line per implementation, metric ns_per_task.\n";

typedef struct fib_arg {
        int n;
        int64_t r;
} fib_arg;

static void fib_task(void *p)
{
        fib_arg *a = (fib_arg *)p;
        fib_arg x, y;
        par_group g;
        par_job jx, jy;
        if (a->n < 2) {
                a->r = a->n;
                return;
        }
        x.n = a->n - 1;
        x.r = 0;
        y.n = a->n - 2;
        y.r = 0;
        par_group_init(&g);
        par_spawn(&g, &jx, fib_task, &x);
        par_spawn(&g, &jy, fib_task, &y);
        par_group_wait(&g);
        a->r = x.r + y.r;
}

/* Runs one implementation; returns 0, 1 (failure) or BENCH_EXIT_SKIP. */
static int run_impl(const char *impl, par_exec_kind kind, const bench_opts *o,
                    int n)
{
        par_executor_opts eo = {0};
        par_executor *ex = NULL;
        par_error err = {0};
        double vals[BENCH_MAX_RUNS];
        double tasks = 2.0 * (double)(bench_fib_iter(n + 1) - 1);
        long long want = bench_fib_iter(n);
        fib_arg a;
        int rc, r;

        eo.kind = kind;
        eo.threads = o->threads;
        rc = par_executor_new(&eo, &ex, &err);
        if (rc == PAR_ENOTSUP) {
                fprintf(stderr, "fib: %s not available: %s\n", impl, err.message);
                return BENCH_EXIT_SKIP;
        }
        if (rc != 0) {
                fprintf(stderr, "fib: %s: par_executor_new: %s\n", impl, err.message);
                return 1;
        }
        /* Warm-up (threads started and parked, caches, deques). */
        a.n = n < 20 ? n : 20;
        a.r = -1;
        par_executor_run(ex, fib_task, &a);
        if (a.r != bench_fib_iter(a.n)) {
                fprintf(stderr, "fib: %s: warm-up fib(%d) = %lld, want %lld\n",
                        impl, a.n, (long long)a.r, bench_fib_iter(a.n));
                par_executor_free(ex);
                return 1;
        }
        for (r = 0; r < o->runs; r++) {
                double t0, t1;
                a.n = n;
                a.r = -1;
                t0 = bench_now_ns();
                par_executor_run(ex, fib_task, &a);
                t1 = bench_now_ns();
                if (a.r != want) {
                        fprintf(stderr, "fib: %s: fib(%d) = %lld, want %lld\n",
                                impl, n, (long long)a.r, want);
                        par_executor_free(ex);
                        return 1;
                }
                vals[r] = tasks > 0 ? (t1 - t0) / tasks : 0.0;
        }
        bench_emit("fib", impl, par_executor_threads(ex), n, "ns_per_task",
                   vals, o->runs, NULL);
        par_executor_free(ex);
        return 0;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"par", "par-openmp"};
        bench_opts o;
        int n, rc = 0, r;

        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 2, "fib");
        n = o.n >= 0 ? (int)o.n : o.smoke ? 15 : 30;
        if (n < 2 || n > 60) {
                fprintf(stderr, "fib: --n must be in [2, 60]\n");
                return 2;
        }
        if (bench_want(&o, "par")) {
                r = run_impl("par", PAR_EXEC_POOL, &o, n);
                if (r == 1 || (r == BENCH_EXIT_SKIP && o.impl))
                        rc = r;
        }
        if (bench_want(&o, "par-openmp")) {
                r = run_impl("par-openmp", PAR_EXEC_OPENMP, &o, n);
                if (r == 1 || (r == BENCH_EXIT_SKIP && o.impl))
                        rc = r;
        }
        return rc;
}
