/* bench/map_tiny_omp.c — peer of map_tiny.c on OpenMP: the main thread maps
 * out[i] = 3*i + 1 over [0, n). Metric tasks_per_s = n / wall time; every
 * run is verified.
 *
 * Which OpenMP construct is the fair analogue of par_for? par_for turns an
 * index range into tasks of at most `grain` indices that any worker may run,
 * and it can be called from inside other tasks. The OpenMP construct with
 * those properties is `taskloop grainsize(grain)` (inside parallel +
 * single, so one thread submits, as the main thread does for par): that is
 * impl "libgomp"/"libomp". A worksharing `parallel for schedule(dynamic,
 * grain)` is not task-based (it only works at the top of a parallel region)
 * but is what most OpenMP code writes for a flat loop; it is kept as
 * "libgomp-for"/"libomp-for" for reference.
 *
 * Built twice: gcc -fopenmp (libgomp) and clang -fopenmp=libomp (libomp).
 * usage: map_tiny_omp [--impl RT|RT-for] [--threads T] [--n N] [--grain G]
 *                     [--runs R] [--smoke] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime under -std=c17 */
#endif
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#ifndef BENCH_OMP_IMPL
#ifdef __clang__
#define BENCH_OMP_IMPL "libomp"
#else
#define BENCH_OMP_IMPL "libgomp"
#endif
#endif

#ifdef __clang__
/* clang 14 warns about a signed/unsigned compare in the code it generates
 * for `taskloop` over an int64_t index; the loops here are correct. */
#pragma clang diagnostic ignored "-Wsign-compare"
#endif

static const char usage[] =
        "usage: map_tiny_omp [--impl " BENCH_OMP_IMPL "|" BENCH_OMP_IMPL "-for] [--threads T]\n"
        "                    [--n N] [--grain G] [--runs R] [--smoke]\n"
        "out[i] = 3*i+1 over [0, N) (N default 1e6, G default 1): " BENCH_OMP_IMPL " = omp\n"
        "taskloop grainsize(G) from one thread; -for = parallel for schedule(dynamic, G)\n"
        "(G = 0: runtime defaults). Metric tasks_per_s.\n";

static void map_taskloop(int64_t *out, int64_t n, int64_t grain, int threads, int *team)
{
#pragma omp parallel num_threads(threads)
#pragma omp single
        {
                *team = omp_get_num_threads();
                if (grain > 0) {
#pragma omp taskloop grainsize(grain)
                        for (int64_t i = 0; i < n; i++)
                                out[i] = 3 * i + 1;
                } else {
#pragma omp taskloop
                        for (int64_t i = 0; i < n; i++)
                                out[i] = 3 * i + 1;
                }
        }
}

static void map_for(int64_t *out, int64_t n, int64_t grain, int threads, int *team)
{
        int chunk = grain > 0 ? (int)grain : 1;
#pragma omp parallel num_threads(threads)
        {
#pragma omp single nowait
                *team = omp_get_num_threads();
                if (grain > 0) {
#pragma omp for schedule(dynamic, chunk)
                        for (int64_t i = 0; i < n; i++)
                                out[i] = 3 * i + 1;
                } else {
#pragma omp for schedule(static)
                        for (int64_t i = 0; i < n; i++)
                                out[i] = 3 * i + 1;
                }
        }
}

static int run_impl(const char *impl, int use_for, const bench_opts *o, int64_t n,
                    int64_t grain, int64_t *out)
{
        static double vals[BENCH_MAX_RUNS];
        char extra[64];
        int r, team = 0;
        int64_t i;
        int64_t wn = n < 10000 ? n : 10000;
        if (use_for) /* warm-up */
                map_for(out, wn, grain, o->threads, &team);
        else
                map_taskloop(out, wn, grain, o->threads, &team);
        for (r = 0; r < o->runs; r++) {
                double t0, t1;
                memset(out, 0, (size_t)n * sizeof *out);
                t0 = bench_now_ns();
                if (use_for)
                        map_for(out, n, grain, o->threads, &team);
                else
                        map_taskloop(out, n, grain, o->threads, &team);
                t1 = bench_now_ns();
                for (i = 0; i < n; i++) {
                        if (out[i] != 3 * i + 1) {
                                fprintf(stderr, "map_tiny_omp: %s: out[%lld] wrong\n", impl,
                                        (long long)i);
                                return 1;
                        }
                }
                vals[r] = t1 > t0 ? (double)n * 1e9 / (t1 - t0) : 0.0;
        }
        snprintf(extra, sizeof extra, "\"grain\":%lld", (long long)grain);
        bench_emit("map_tiny", impl, team, n, "tasks_per_s", vals, o->runs, extra);
        return 0;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {BENCH_OMP_IMPL, BENCH_OMP_IMPL "-for"};
        bench_opts o;
        int64_t n, grain, *out;
        int rc = 0;

        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 2, "map_tiny_omp");
        n = o.n >= 0 ? o.n : o.smoke ? 10000 : 1000000;
        grain = o.grain >= 0 ? o.grain : 1;
        if (n < 1 || grain > 1000000000) {
                fprintf(stderr, "map_tiny_omp: --n must be >= 1 and --grain <= 1e9\n");
                return 2;
        }
        omp_set_dynamic(0);
        omp_set_num_threads(o.threads);
        out = (int64_t *)malloc((size_t)n * sizeof *out);
        if (!out) {
                fprintf(stderr, "map_tiny_omp: out of memory\n");
                return 1;
        }
        if (bench_want(&o, known[0]) && run_impl(known[0], 0, &o, n, grain, out))
                rc = 1;
        if (bench_want(&o, known[1]) && run_impl(known[1], 1, &o, n, grain, out))
                rc = 1;
        free(out);
        return rc;
}
