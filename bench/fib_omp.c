/* bench/fib_omp.c — peer of fib.c: naive fib(N) with OpenMP tasks, both
 * children of every internal node as `omp task`, then `omp taskwait`.
 * Tasks = 2*(F(N+1)-1); metric ns_per_task.
 *
 * Built twice: gcc -fopenmp (impl "libgomp") and clang -fopenmp=libomp
 * (impl "libomp"). The impl name follows the compiler unless
 * BENCH_OMP_IMPL is defined.
 * usage: fib_omp [--threads T] [--n N] [--runs R] [--smoke] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime under -std=c17 */
#endif
#include <omp.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_util.h"

#ifndef BENCH_OMP_IMPL
#ifdef __clang__
#define BENCH_OMP_IMPL "libomp"
#else
#define BENCH_OMP_IMPL "libgomp"
#endif
#endif

static const char usage[] =
        "usage: fib_omp [--threads T] [--n N] [--runs R] [--smoke]\n"
        "naive fib(N) (default 30) with OpenMP task, task, taskwait per node;\n"
        "prints one JSON line, impl " BENCH_OMP_IMPL ", metric ns_per_task.\n";

static int64_t fib_task(int n)
{
        int64_t x = 0, y = 0;
        if (n < 2)
                return n;
#pragma omp task shared(x) firstprivate(n)
        x = fib_task(n - 1);
#pragma omp task shared(y) firstprivate(n)
        y = fib_task(n - 2);
#pragma omp taskwait
        return x + y;
}

/* fib(n) on a team of `threads`; *team receives the team's size. */
static int64_t fib_team(int n, int threads, int *team)
{
        int64_t res = -1;
#pragma omp parallel num_threads(threads) shared(res)
#pragma omp single
        {
                *team = omp_get_num_threads();
                res = fib_task(n);
        }
        return res;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {BENCH_OMP_IMPL};
        static double vals[BENCH_MAX_RUNS];
        bench_opts o;
        int n, r, team = 0, wn;
        double tasks;
        long long want;

        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 1, "fib_omp");
        n = o.n >= 0 ? (int)o.n : o.smoke ? 15 : 30;
        if (n < 2 || n > 60) {
                fprintf(stderr, "fib_omp: --n must be in [2, 60]\n");
                return 2;
        }
        omp_set_dynamic(0);
        omp_set_num_threads(o.threads);
        tasks = 2.0 * (double)(bench_fib_iter(n + 1) - 1);
        want = bench_fib_iter(n);

        wn = n < 20 ? n : 20; /* warm-up: starts the team */
        if (fib_team(wn, o.threads, &team) != bench_fib_iter(wn)) {
                fprintf(stderr, "fib_omp: warm-up result wrong\n");
                return 1;
        }
        for (r = 0; r < o.runs; r++) {
                double t0 = bench_now_ns();
                int64_t res = fib_team(n, o.threads, &team);
                double t1 = bench_now_ns();
                if (res != want) {
                        fprintf(stderr, "fib_omp: fib(%d) = %lld, want %lld\n", n,
                                (long long)res, want);
                        return 1;
                }
                vals[r] = (t1 - t0) / tasks;
        }
        bench_emit("fib", BENCH_OMP_IMPL, team, n, "ns_per_task", vals, o.runs, NULL);
        return 0;
}
