/* bench/mpi_transfer.c — GB/s moving partitions between ranks: through
 * par's MPI backend against raw MPI_Send/MPI_Recv, in the same run.
 *
 * K partitions of S bytes each (float64 columns) live on the worker ranks
 * (partition i on worker 1 + i * workers / K), made before anything is
 * timed, and all go to rank 0:
 *   par-mpi  rank 0 computes the K keys ("part", i) = bench.part(i)
 *            through an MPI client: on its worker, bench.part hands back
 *            the partition that rank already holds (a new reference, as
 *            a persisted partition is handed out), and the backend sends
 *            the column to rank 0 (form 1: the column's own memory, no
 *            copy), which receives it into a new column.
 *   mpi-raw  each worker sends its partitions' buffers with MPI_Send;
 *            rank 0 receives them with MPI_Recv into one buffer.
 * So both sides move data that exists; par's time adds what a real
 * transfer of partitions costs it: the graph's RUN message, the VALUES
 * headers, a new column per partition on rank 0 and the DONE answers.
 * A round runs both, raw first; an MPI client is made for each round (its
 * start-up is not timed). Metric GB_per_s = K * S / 1e9 / seconds, from
 * the start of the compute (raw: a barrier) until rank 0 holds every
 * partition; then a ratio line "par-mpi/mpi-raw" (par's time over raw's;
 * 1/ratio is par's share of raw bandwidth).
 *
 * usage: mpirun -n 3 mpi_transfer [--n K] [--size MIB] [--runs R]
 *                                 [--threads T] [--smoke] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <par.h>

#include "bench_util.h"

static const char usage[] =
        "usage: mpirun -n N mpi_transfer [--n K] [--size MIB] [--runs R]\n"
        "                                [--threads T] [--smoke]\n"
        "K partitions (default 16) of MIB MiB (default 16) made on the worker\n"
        "ranks go to rank 0, through par's MPI backend and through raw\n"
        "MPI_Send/MPI_Recv; metric GB_per_s.\n";

static void fill(double *v, int64_t n, int64_t i)
{
        for (int64_t j = 0; j < n; j++)
                v[j] = (double)i + (double)j;
}

/* This rank's partitions, made before the rounds: parts[i] (NULL where
 * another rank owns partition i) for par, and the same bytes in bufs[i]
 * for the raw round. */
static par_value **parts;
static double **bufs;
static int64_t nparts;

/* bench.part(i): partition i, which this rank holds. */
static int bench_part(par_task_ctx *ctx, size_t nargs, par_value *const *args,
                      par_value **out)
{
        int64_t i = par_value_int64_of(args[0]);
        (void)nargs;
        if (i < 0 || i >= nparts || !parts[i])
                return par_task_fail(ctx, PAR_EINVAL,
                                     "partition %lld is not on this rank",
                                     (long long)i);
        *out = par_value_retain(parts[i]);
        return 0;
}
PAR_REGISTER_OP("bench.part", bench_part)

static int owner(int64_t i, int64_t k, int size)
{
        return 1 + (int)(i * (size - 1) / k);
}

static bool check_part(const double *v, int64_t n, int64_t i)
{
        return n > 0 && v[0] == (double)i && v[n - 1] == (double)i + (double)(n - 1);
}

/* Makes this rank's partitions (workers only); -1 when memory runs out. */
static int make_parts(int rank, int size, int64_t k, int64_t bytes)
{
        nparts = k;
        parts = calloc((size_t)k, sizeof *parts);
        bufs = calloc((size_t)k, sizeof *bufs);
        if (!parts || !bufs)
                return -1;
        for (int64_t i = 0; rank > 0 && i < k; i++) {
                if (owner(i, k, size) != rank)
                        continue;
                double *v;
                parts[i] = par_column_new_float64(bytes / 8, &v);
                bufs[i] = malloc((size_t)bytes);
                if (!parts[i] || !bufs[i])
                        return -1;
                fill(v, bytes / 8, i);
                memcpy(bufs[i], v, (size_t)bytes);
        }
        return 0;
}

static void free_parts(void)
{
        for (int64_t i = 0; i < nparts; i++) {
                par_value_release(parts ? parts[i] : NULL);
                free(bufs ? bufs[i] : NULL);
        }
        free(parts);
        free(bufs);
}

/* One raw round; on rank 0 returns seconds (negative on a bad value). */
static double raw_round(int rank, int size, int64_t k, int64_t bytes,
                        double *buf)
{
        int64_t n = bytes / 8;
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = bench_now_ns();
        bool ok = true;
        if (rank == 0) {
                for (int64_t i = 0; i < k; i++) {
                        MPI_Status st;
                        MPI_Recv(buf, (int)bytes, MPI_BYTE, MPI_ANY_SOURCE,
                                 MPI_ANY_TAG, MPI_COMM_WORLD, &st);
                        ok = ok && check_part(buf, n, st.MPI_TAG);
                }
        } else {
                for (int64_t i = 0; i < k; i++) {
                        if (owner(i, k, size) != rank)
                                continue;
                        MPI_Send(bufs[i], (int)bytes, MPI_BYTE, 0, (int)i,
                                 MPI_COMM_WORLD);
                }
        }
        double s = (bench_now_ns() - t0) / 1e9;
        return ok ? s : -1;
}

/* One par round (a client of its own); rank 0 returns seconds. */
static double par_round(int *argc, char ***argv, int threads, int64_t k,
                        int64_t bytes, int *rc)
{
        par_client *c = NULL;
        par_error err = {0};
        int role = par_mpi_init(argc, argv, &(par_mpi_opts){.threads = threads},
                                &c, &err);
        if (role < 0) {
                fprintf(stderr, "mpi_transfer: par_mpi_init: %s\n", err.message);
                *rc = 1;
                return -1;
        }
        if (role == PAR_MPI_WORKER)
                return 0;
        par_graph *g = par_graph_new();
        par_key *keys = calloc((size_t)k, sizeof *keys);
        par_value **out = calloc((size_t)k, sizeof *out);
        for (int64_t i = 0; g && keys && out && i < k; i++) {
                par_arg a[1] = {par_arg_int64(i)};
                par_graph_add(g, par_key_make("part", i), "bench.part", 1, a,
                              &err);
                keys[i] = par_key_make("part", i);
        }
        double t0 = bench_now_ns();
        int r = g && keys && out
                        ? par_client_graph_compute(c, g, (size_t)k, keys, out, &err)
                        : PAR_ENOMEM;
        double s = (bench_now_ns() - t0) / 1e9;
        for (int64_t i = 0; r == 0 && i < k; i++)
                if (!check_part(par_column_float64(out[i]),
                                par_column_length(out[i]), i))
                        r = PAR_EINVAL;
        if (r != 0) {
                fprintf(stderr, "mpi_transfer: par-mpi: %s\n",
                        r == PAR_EINVAL ? "a partition came back wrong"
                                        : err.message);
                *rc = 1;
        }
        for (int64_t i = 0; out && i < k; i++)
                par_value_release(out[i]);
        free(out);
        free(keys);
        par_graph_free(g);
        par_client_free(c);
        return s;
}

int main(int argc, char **argv)
{
        static double praw[BENCH_MAX_RUNS], ppar[BENCH_MAX_RUNS],
                ratio[BENCH_MAX_RUNS];
        bench_opts o;
        const char *mib = NULL;
        int provided = 0, rank = 0, size = 1, rc = 0;
        MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
        if (bench_take_opt(&argc, argv, "--size", &mib) < 0)
                mib = "x";
        bench_parse(argc, argv, &o, usage);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        if (size < 2) {
                if (rank == 0)
                        fprintf(stderr, "mpi_transfer: run under mpirun -n 2 "
                                        "or more\n");
                MPI_Finalize();
                return BENCH_EXIT_SKIP;
        }
        int64_t k = o.n > 0 ? o.n : o.smoke ? 4 : 16;
        double m = mib ? atof(mib) : o.smoke ? 1 : 16;
        int runs = o.runs > 0 ? o.runs : o.smoke ? 1 : 5;
        if (runs > BENCH_MAX_RUNS)
                runs = BENCH_MAX_RUNS;
        int64_t bytes = (int64_t)(m * 1048576) / 8 * 8;
        if (bytes < 8 || bytes > INT32_MAX) {
                if (rank == 0)
                        fprintf(stderr, "mpi_transfer: --size must be 8 B .. 2 GiB\n");
                MPI_Finalize();
                return 2;
        }
        double *buf = malloc((size_t)bytes);
        if (!buf || make_parts(rank, size, k, bytes) < 0) {
                fprintf(stderr, "mpi_transfer: out of memory\n");
                free(buf);
                free_parts();
                MPI_Finalize();
                return 1;
        }
        for (int r = -1; r < runs; r++) { /* -1: warm-up */
                double sr = raw_round(rank, size, k, bytes, buf);
                double sp = par_round(&argc, &argv, o.threads, k, bytes, &rc);
                if (rank == 0 && sr < 0) {
                        fprintf(stderr, "mpi_transfer: mpi-raw: a partition "
                                        "came back wrong\n");
                        rc = 1;
                }
                if (r >= 0) {
                        double gb = (double)k * (double)bytes / 1e9;
                        praw[r] = gb / sr;
                        ppar[r] = gb / sp;
                        ratio[r] = sp / sr;
                }
        }
        if (rank == 0 && rc == 0) {
                char extra[160];
                snprintf(extra, sizeof extra,
                         "\"partitions\":%" PRId64 ",\"partition_mib\":%.3g,"
                         "\"ranks\":%d",
                         k, m, size);
                /* "threads": each rank's pool, as par_mpi_init picks it. */
                const char *env = getenv("PAR_NUM_THREADS");
                int t = o.threads > 0                ? o.threads
                        : env && atoi(env) > 0       ? atoi(env)
                                                     : (int)sysconf(_SC_NPROCESSORS_ONLN);
                bench_emit("mpi_transfer", "par-mpi", t, k * bytes, "GB_per_s",
                           ppar, runs, extra);
                bench_emit("mpi_transfer", "mpi-raw", t, k * bytes, "GB_per_s",
                           praw, runs, extra);
                bench_emit("mpi_transfer", "par-mpi/mpi-raw", t, k * bytes,
                           "ratio", ratio, runs, NULL);
        }
        free(buf);
        free_parts();
        MPI_Finalize();
        return rc;
}
