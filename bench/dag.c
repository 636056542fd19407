/* bench/dag.c — task-graph overhead: a wide tree with fan-in, built and
 * computed end to end.
 *
 * W leaves ("leaf", i) = bench.add(i); then levels ("sum-1", j),
 * ("sum-2", j), ... each task bench.add-ing the results of up to FANIN (4)
 * tasks of the level below (par_arg_key references), until one root.
 * bench.add sums its int64 arguments. W = 10^5 gives 133,337 tasks.
 *
 * One run = par_graph_new + every par_graph_add + par_graph_compute of the
 * root (graph freed after the clock stops). Metric ns_per_task = run time /
 * tasks; the line also carries the medians of the build and compute parts.
 * The root is checked against a serial sum.
 *
 * Implementations: "par" (PAR_EXEC_POOL), "par-serial" (PAR_EXEC_SERIAL),
 * "par-openmp" (PAR_EXEC_OPENMP).
 * usage: dag [--impl par|par-serial|par-openmp] [--threads T] [--n W]
 *            [--runs R] [--smoke] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime under -std=c17 */
#endif
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <par/core.h>
#include <par/exec.h>
#include <par/graph.h>
#include <par/value.h>

#include "bench_util.h"

#define FANIN 4
#define MAX_LEVELS 64

static const char usage[] =
        "usage: dag [--impl par|par-serial|par-openmp] [--threads T] [--n W]\n"
        "           [--runs R] [--smoke]\n"
        "W leaves (default 1e5) summed by a tree of fan-in 4, built with par_graph_add\n"
        "and run with par_graph_compute; one JSON line per implementation, metric\n"
        "ns_per_task (build + compute).\n";

static int bench_add(par_task_ctx *ctx, size_t nargs, par_value *const *args,
                     par_value **out)
{
        int64_t s = 0;
        size_t i;
        for (i = 0; i < nargs; i++) {
                if (par_value_type(args[i]) != PAR_TYPE_INT64)
                        return par_task_fail(ctx, PAR_ETYPE,
                                             "argument %zu is %s, want int64", i,
                                             par_type_name(par_value_type(args[i])));
                s += par_value_int64_of(args[i]);
        }
        *out = par_value_int64(s);
        if (!*out)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        return 0;
}

/* Level names: "leaf", "sum-1", "sum-2", ... */
static char level_name[MAX_LEVELS][16];

static int64_t count_tasks(int64_t w, int *levels)
{
        int64_t total = w, m = w;
        int l = 0;
        while (m > 1) {
                m = (m + FANIN - 1) / FANIN;
                total += m;
                l++;
        }
        *levels = l;
        return total;
}

/* Builds the graph; returns it (NULL on failure, with a message printed)
 * and the root key in *root. */
static par_graph *build(int64_t w, par_key *root)
{
        par_graph *g = par_graph_new();
        par_error err = {0};
        par_arg args[FANIN];
        int64_t i, j, m;
        int l;
        if (!g) {
                fprintf(stderr, "dag: par_graph_new: out of memory\n");
                return NULL;
        }
        for (i = 0; i < w; i++) {
                args[0] = par_arg_int64(i);
                if (par_graph_add(g, par_key_make(level_name[0], i), "bench.add", 1,
                                  args, &err) != 0)
                        goto fail;
        }
        m = w;
        l = 0;
        while (m > 1) {
                int64_t up = (m + FANIN - 1) / FANIN;
                for (j = 0; j < up; j++) {
                        size_t k = 0;
                        for (i = j * FANIN; i < m && i < (j + 1) * FANIN; i++)
                                args[k++] = par_arg_key(level_name[l], i);
                        if (par_graph_add(g, par_key_make(level_name[l + 1], j),
                                          "bench.add", k, args, &err) != 0)
                                goto fail;
                }
                m = up;
                l++;
        }
        *root = par_key_make(level_name[l], 0);
        return g;
fail:
        fprintf(stderr, "dag: par_graph_add: %s\n", err.message);
        par_graph_free(g);
        return NULL;
}

static int run_impl(const char *impl, par_exec_kind kind, const bench_opts *o,
                    int64_t w)
{
        par_executor_opts eo = {0};
        par_executor *ex = NULL;
        par_error err = {0};
        static double vals[BENCH_MAX_RUNS], bvals[BENCH_MAX_RUNS], cvals[BENCH_MAX_RUNS];
        par_graph_stats stats;
        par_compute_opts co;
        double bmed, cmed, mn, mx;
        char extra[256];
        int64_t want = 0, i;
        int levels, rc, r;
        double tasks = (double)count_tasks(w, &levels);

        for (i = 0; i < w; i++) /* the serial reference */
                want += i;
        eo.kind = kind;
        eo.threads = o->threads;
        rc = par_executor_new(&eo, &ex, &err);
        if (rc == PAR_ENOTSUP) {
                fprintf(stderr, "dag: %s not available: %s\n", impl, err.message);
                return BENCH_EXIT_SKIP;
        }
        if (rc != 0) {
                fprintf(stderr, "dag: %s: par_executor_new: %s\n", impl, err.message);
                return 1;
        }
        memset(&stats, 0, sizeof stats);
        memset(&co, 0, sizeof co);
        co.stats = &stats;
        for (r = -1; r < o->runs; r++) { /* run -1: warm-up, not timed */
                par_key root;
                par_value *out = NULL;
                par_graph *g;
                double t0, t1, t2;
                int64_t got;
                t0 = bench_now_ns();
                g = build(w, &root);
                t1 = bench_now_ns();
                if (!g) {
                        par_executor_free(ex);
                        return 1;
                }
                rc = par_graph_compute(ex, g, 1, &root, &out, &co, &err);
                t2 = bench_now_ns();
                if (rc != 0 || !out) {
                        fprintf(stderr, "dag: %s: par_graph_compute: %s (%s)\n", impl,
                                err.message, par_status_name(rc));
                        par_graph_free(g);
                        par_executor_free(ex);
                        return 1;
                }
                got = par_value_type(out) == PAR_TYPE_INT64 ? par_value_int64_of(out) : -1;
                par_value_release(out);
                par_graph_free(g);
                if (got != want) {
                        fprintf(stderr, "dag: %s: root = %" PRId64 ", want %" PRId64 "\n",
                                impl, got, want);
                        par_executor_free(ex);
                        return 1;
                }
                if (r >= 0) {
                        vals[r] = (t2 - t0) / tasks;
                        bvals[r] = (t1 - t0) / tasks;
                        cvals[r] = (t2 - t1) / tasks;
                }
        }
        bench_stats(bvals, o->runs, &bmed, &mn, &mx);
        bench_stats(cvals, o->runs, &cmed, &mn, &mx);
        snprintf(extra, sizeof extra,
                 "\"tasks\":%.0f,\"build_ns_per_task\":%.2f,\"compute_ns_per_task\":%.2f,"
                 "\"units\":%zu,\"fused\":%zu",
                 tasks, bmed, cmed, stats.units, stats.fused);
        bench_emit("dag", impl, par_executor_threads(ex), w, "ns_per_task", vals,
                   o->runs, extra);
        par_executor_free(ex);
        return 0;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"par", "par-serial", "par-openmp"};
        static const par_exec_kind kinds[] = {PAR_EXEC_POOL, PAR_EXEC_SERIAL,
                                              PAR_EXEC_OPENMP};
        bench_opts o;
        par_error err = {0};
        int64_t w;
        int levels, rc = 0, r, k;

        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 3, "dag");
        w = o.n >= 0 ? o.n : o.smoke ? 1000 : 100000;
        if (w < 1 || w > INT64_C(1) << 40) {
                fprintf(stderr, "dag: --n must be in [1, 2^40]\n");
                return 2;
        }
        (void)count_tasks(w, &levels);
        if (levels >= MAX_LEVELS) {
                fprintf(stderr, "dag: too many levels\n");
                return 2;
        }
        strcpy(level_name[0], "leaf");
        for (k = 1; k <= levels; k++)
                snprintf(level_name[k], sizeof level_name[k], "sum-%d", k);
        if (par_op_register("bench.add", bench_add, &err) != 0) {
                fprintf(stderr, "dag: par_op_register: %s\n", err.message);
                return 1;
        }
        for (k = 0; k < 3; k++) {
                if (!bench_want(&o, known[k]))
                        continue;
                r = run_impl(known[k], kinds[k], &o, w);
                if (r == 1 || (r == BENCH_EXIT_SKIP && o.impl))
                        rc = r;
        }
        return rc;
}
