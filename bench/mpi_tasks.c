/* bench/mpi_tasks.c — tasks per second across MPI ranks: a wide graph of
 * tiny tasks computed by the MPI backend (rank 0 drives, ranks >= 1 work).
 *
 * W leaves ("leaf", i) = bench.add(i), then levels ("sum-1", j), ... each
 * task bench.add-ing up to 4 tasks of the level below, to one root (the
 * shape of bench/dag.c; W = 2*10^5 gives 266,669 tasks). The root is
 * checked against a serial sum.
 *
 * One run = par_client_graph_compute of the root on a graph built
 * beforehand (the build is timed apart: build_ns_per_task). Metric
 * tasks_per_s = tasks / compute seconds.
 *
 * Implementations: "par-mpi" (the MPI client: compile and place on rank 0,
 * ship each worker its tasks, run, combine across ranks) and "par-local"
 * (a local client on rank 0 alone, in the same run, for reference), then
 * a ratio line "par-mpi/par-local" (time over time: above 1 means the
 * ranks are slower than one local pool).
 *
 * usage: mpirun -n 3 mpi_tasks [--impl par-mpi|par-local] [--threads T]
 *                              [--n W] [--runs R] [--smoke]
 * --threads is per rank. Run alone (one rank) it measures the MPI
 * client's single-rank fallback. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <par.h>

#include "bench_util.h"

#define FANIN 4
#define MAX_LEVELS 64

static const char usage[] =
        "usage: mpirun -n N mpi_tasks [--impl par-mpi|par-local] [--threads T]\n"
        "                             [--n W] [--runs R] [--smoke]\n"
        "W leaves (default 2e5) summed by a tree of fan-in 4, computed through an\n"
        "MPI client (rank 0 drives, ranks >= 1 work) and a local client; metric\n"
        "tasks_per_s. --threads is per rank.\n";

static int bench_add(par_task_ctx *ctx, size_t nargs, par_value *const *args,
                     par_value **out)
{
        int64_t s = 0;
        for (size_t i = 0; i < nargs; i++) {
                if (par_value_type(args[i]) != PAR_TYPE_INT64)
                        return par_task_fail(ctx, PAR_ETYPE,
                                             "argument %zu is not int64", i);
                s += par_value_int64_of(args[i]);
        }
        *out = par_value_int64(s);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}
PAR_REGISTER_OP("bench.add", bench_add)

static char level_name[MAX_LEVELS][16];

static par_graph *build(int64_t w, par_key *root, int64_t *ntasks)
{
        par_graph *g = par_graph_new();
        par_error err = {0};
        par_arg args[FANIN];
        int64_t m = w, total = w;
        int l = 0;
        for (int64_t i = 0; g && i < w; i++) {
                args[0] = par_arg_int64(i);
                if (par_graph_add(g, par_key_make(level_name[0], i), "bench.add",
                                  1, args, &err) != 0)
                        goto fail;
        }
        while (g && m > 1) {
                int64_t up = (m + FANIN - 1) / FANIN;
                for (int64_t j = 0; j < up; j++) {
                        size_t k = 0;
                        for (int64_t i = j * FANIN; i < m && i < (j + 1) * FANIN; i++)
                                args[k++] = par_arg_key(level_name[l], i);
                        if (par_graph_add(g, par_key_make(level_name[l + 1], j),
                                          "bench.add", k, args, &err) != 0)
                                goto fail;
                }
                total += up;
                m = up;
                l++;
        }
        if (!g) {
                fprintf(stderr, "mpi_tasks: out of memory\n");
                return NULL;
        }
        *root = par_key_make(level_name[l], 0);
        *ntasks = total;
        return g;
fail:
        fprintf(stderr, "mpi_tasks: par_graph_add: %s\n", err.message);
        par_graph_free(g);
        return NULL;
}

/* Times R runs on client c; fills secs[] (compute) and bsecs[] (build). */
static int time_runs(par_client *c, const char *impl, int64_t w, int runs,
                     double *secs, double *bsecs, int64_t *ntasks)
{
        int64_t want = w * (w - 1) / 2;
        for (int r = -1; r < runs; r++) { /* run -1: warm-up */
                par_key root;
                par_error err = {0};
                par_value *out = NULL;
                double t0 = bench_now_ns();
                par_graph *g = build(w, &root, ntasks);
                double t1 = bench_now_ns();
                if (!g)
                        return 1;
                int rc = par_client_graph_compute(c, g, 1, &root, &out, &err);
                double t2 = bench_now_ns();
                par_graph_free(g);
                if (rc != 0 || !out || par_value_int64_of(out) != want) {
                        fprintf(stderr, "mpi_tasks: %s: %s (root %" PRId64
                                ", want %" PRId64 ")\n",
                                impl, rc ? err.message : "wrong sum",
                                out ? par_value_int64_of(out) : -1, want);
                        par_value_release(out);
                        return 1;
                }
                par_value_release(out);
                if (r >= 0) {
                        secs[r] = (t2 - t1) / 1e9;
                        bsecs[r] = (t1 - t0) / (double)*ntasks;
                }
        }
        return 0;
}

static void emit(const char *impl, int threads, int64_t w, int64_t ntasks,
                 const double *secs, double *bsecs, int runs, int ranks)
{
        static double rate[BENCH_MAX_RUNS];
        double bmed, mn, mx;
        char extra[256];
        for (int r = 0; r < runs; r++)
                rate[r] = (double)ntasks / secs[r];
        bench_stats(bsecs, runs, &bmed, &mn, &mx);
        snprintf(extra, sizeof extra,
                 "\"tasks\":%" PRId64 ",\"ranks\":%d,\"build_ns_per_task\":%.1f",
                 ntasks, ranks, bmed);
        bench_emit("mpi_tasks", impl, threads, w, "tasks_per_s", rate, runs,
                   extra);
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"par-mpi", "par-local"};
        static double ms[BENCH_MAX_RUNS], mb[BENCH_MAX_RUNS];
        static double ls[BENCH_MAX_RUNS], lb[BENCH_MAX_RUNS];
        bench_opts o;
        par_error err = {0};
        par_client *mc = NULL, *lc = NULL;
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 2, "mpi_tasks");
        int64_t w = o.n > 0 ? o.n : o.smoke ? 1000 : 200000;
        int runs = o.runs > 0 ? o.runs : o.smoke ? 1 : 5;
        if (runs > BENCH_MAX_RUNS)
                runs = BENCH_MAX_RUNS;
        if (w < 2)
                w = 2;
        for (int l = 0; l < MAX_LEVELS; l++)
                snprintf(level_name[l], sizeof level_name[l], l ? "sum-%d" : "leaf",
                         l);
        int role = par_mpi_init(&argc, &argv,
                                &(par_mpi_opts){.threads = o.threads}, &mc, &err);
        if (role == PAR_ENOTSUP) {
                fprintf(stderr, "mpi_tasks: %s\n", err.message);
                return BENCH_EXIT_SKIP;
        }
        if (role < 0) {
                fprintf(stderr, "mpi_tasks: par_mpi_init: %s\n", err.message);
                return 1;
        }
        if (role == PAR_MPI_WORKER)
                return 0;
        char line[256];
        int ranks = 1;
        par_client_summary(mc, line, sizeof line);
        sscanf(line, "Scheduler: mpi (%d", &ranks);
        fprintf(stderr, "mpi_tasks: %s\n", line);
        int threads = par_executor_threads(par_client_executor(mc));
        int rc = 0;
        int64_t ntasks = 0;
        if (bench_want(&o, "par-mpi"))
                rc = time_runs(mc, "par-mpi", w, runs, ms, mb, &ntasks);
        if (rc == 0 && bench_want(&o, "par-local")) {
                rc = par_client_new(&(par_client_opts){.threads = o.threads}, &lc,
                                    &err);
                if (rc == 0)
                        rc = time_runs(lc, "par-local", w, runs, ls, lb, &ntasks);
                else
                        fprintf(stderr, "mpi_tasks: %s\n", err.message);
        }
        if (rc == 0) {
                static double ratio[BENCH_MAX_RUNS];
                if (bench_want(&o, "par-mpi"))
                        emit("par-mpi", threads, w, ntasks, ms, mb, runs, ranks);
                if (bench_want(&o, "par-local"))
                        emit("par-local", threads, w, ntasks, ls, lb, runs, 1);
                if (!o.impl) {
                        for (int r = 0; r < runs; r++)
                                ratio[r] = ms[r] / ls[r];
                        bench_emit("mpi_tasks", "par-mpi/par-local", threads, w,
                                   "ratio", ratio, runs, NULL);
                }
        }
        par_client_free(lc);
        par_client_free(mc);
        return rc;
}
