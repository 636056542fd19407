/* bench/map_tiny.c — 10^6 tiny independent tasks submitted from outside the
 * pool as one map over an index range.
 *
 * The main thread (not a worker) calls par_executor_run with a function
 * that calls par_for(0, n, grain, body, ctx); body writes out[i] = 3*i + 1
 * for its subrange. One index is one task: metric tasks_per_s = n / wall
 * time of par_executor_run. Every run is verified (outside the timing).
 *
 * The default grain is 1, so the range may be split down to single indices
 * (the "10^6 tiny tasks" of performance.md, whose oneTBB anchor is
 * parallel_for over blocked_range(0, n, 1) with simple_partitioner);
 * --grain 0 lets par choose.
 *
 * Implementations: "par" (PAR_EXEC_POOL), "par-openmp" (PAR_EXEC_OPENMP).
 * usage: map_tiny [--impl par|par-openmp] [--threads T] [--n N] [--grain G]
 *                 [--runs R] [--smoke] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime under -std=c17 */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <par/core.h>
#include <par/exec.h>

#include "bench_util.h"

static const char usage[] =
        "usage: map_tiny [--impl par|par-openmp] [--threads T] [--n N] [--grain G]\n"
        "                [--runs R] [--smoke]\n"
        "par_for(0, N, G) from outside the pool, body out[i] = 3*i+1 (N default 1e6,\n"
        "G default 1, 0 = par's choice); one JSON line per implementation, metric\n"
        "tasks_per_s (indices per second).\n";

typedef struct map_state {
        int64_t *out;
        int64_t n;
        int64_t grain;
} map_state;

static void map_body(void *ctx, int64_t lo, int64_t hi)
{
        int64_t *out = ((map_state *)ctx)->out;
        int64_t i;
        for (i = lo; i < hi; i++)
                out[i] = 3 * i + 1;
}

static void map_root(void *arg)
{
        map_state *st = (map_state *)arg;
        par_for(0, st->n, st->grain, map_body, st);
}

static int64_t map_check(const int64_t *out, int64_t n)
{
        int64_t i;
        for (i = 0; i < n; i++)
                if (out[i] != 3 * i + 1)
                        return i;
        return -1;
}

static int run_impl(const char *impl, par_exec_kind kind, const bench_opts *o,
                    int64_t n, int64_t grain, int64_t *out)
{
        par_executor_opts eo = {0};
        par_executor *ex = NULL;
        par_error err = {0};
        double vals[BENCH_MAX_RUNS];
        char extra[64];
        map_state st;
        int rc, r;

        eo.kind = kind;
        eo.threads = o->threads;
        rc = par_executor_new(&eo, &ex, &err);
        if (rc == PAR_ENOTSUP) {
                fprintf(stderr, "map_tiny: %s not available: %s\n", impl, err.message);
                return BENCH_EXIT_SKIP;
        }
        if (rc != 0) {
                fprintf(stderr, "map_tiny: %s: par_executor_new: %s\n", impl, err.message);
                return 1;
        }
        st.out = out;
        st.grain = grain;
        /* Warm-up on a shorter range. */
        st.n = n < 10000 ? n : 10000;
        par_executor_run(ex, map_root, &st);
        st.n = n;
        for (r = 0; r < o->runs; r++) {
                double t0, t1;
                int64_t bad;
                memset(out, 0, (size_t)n * sizeof *out);
                t0 = bench_now_ns();
                par_executor_run(ex, map_root, &st);
                t1 = bench_now_ns();
                bad = map_check(out, n);
                if (bad >= 0) {
                        fprintf(stderr, "map_tiny: %s: out[%lld] = %lld, want %lld\n",
                                impl, (long long)bad, (long long)out[bad],
                                (long long)(3 * bad + 1));
                        par_executor_free(ex);
                        return 1;
                }
                vals[r] = t1 > t0 ? (double)n * 1e9 / (t1 - t0) : 0.0;
        }
        snprintf(extra, sizeof extra, "\"grain\":%lld", (long long)grain);
        bench_emit("map_tiny", impl, par_executor_threads(ex), n, "tasks_per_s",
                   vals, o->runs, extra);
        par_executor_free(ex);
        return 0;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"par", "par-openmp"};
        bench_opts o;
        int64_t n, grain, *out;
        int rc = 0, r;

        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 2, "map_tiny");
        n = o.n >= 0 ? o.n : o.smoke ? 10000 : 1000000;
        grain = o.grain >= 0 ? o.grain : 1;
        if (n < 1) {
                fprintf(stderr, "map_tiny: --n must be >= 1\n");
                return 2;
        }
        out = (int64_t *)malloc((size_t)n * sizeof *out);
        if (!out) {
                fprintf(stderr, "map_tiny: out of memory\n");
                return 1;
        }
        if (bench_want(&o, "par")) {
                r = run_impl("par", PAR_EXEC_POOL, &o, n, grain, out);
                if (r == 1 || (r == BENCH_EXIT_SKIP && o.impl))
                        rc = r;
        }
        if (bench_want(&o, "par-openmp")) {
                r = run_impl("par-openmp", PAR_EXEC_OPENMP, &o, n, grain, out);
                if (r == 1 || (r == BENCH_EXIT_SKIP && o.impl))
                        rc = r;
        }
        free(out);
        return rc;
}
