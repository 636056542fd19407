/* bench/mpi_collections.c — collections across MPI ranks against one
 * process: the same user-visible calls through an MPI client (rank 0
 * drives, ranks >= 1 work) and through a local client on rank 0 alone.
 *
 *   mpi_bag_filter_count  par_read_text(F, blocksize)
 *                           → par_bag_filter(par_contains(par_x(), "God"))
 *                           → par_bag_count, computed. Every rank reads its
 *                         own blocks of F (a file all ranks see).
 *   mpi_linreg            X = par_array_random_normal(seed, 4, 2, n x 1,
 *                         chunks of --chunk rows), y = 4 X + 3 (elementwise
 *                         ops), par_linear_regression_fit (exact): the data
 *                         are made on the ranks; only the small cross
 *                         products come to rank 0.
 *
 * Implementations: "par-mpi" (the MPI client) and "par-local" (a local
 * client of --threads threads in rank 0's process). One timed run is the
 * whole call (graph building included); one untimed warm-up first. The
 * filter counts of both must agree, and the fit must find 4 and 3 (to
 * 1e-6): a difference is an error (exit 1).
 *
 * Output (JSON lines, bench_util.h): metric "seconds" (median of --runs),
 * extra "ranks", and "GB_per_s" (the text's bytes) or "rows".
 *
 * --smoke: a small generated text (~300 KB) in a temporary file unless
 * --file is given, a 16 KiB blocksize, n = 10^5, one run.
 *
 * usage: mpirun -n 3 mpi_collections [--bench mpi_bag_filter_count|
 *            mpi_linreg] [--impl par-mpi|par-local] [--threads T]
 *            [--file F] [--blocksize 64MiB] [--n ROWS] [--chunk ROWS]
 *            [--runs R] [--smoke] */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <par.h>

#include "bench_util.h"

static const char usage[] =
        "usage: mpirun -n N mpi_collections [--bench mpi_bag_filter_count|mpi_linreg]\n"
        "           [--impl par-mpi|par-local] [--threads T] [--file F]\n"
        "           [--blocksize 64MiB] [--n ROWS] [--chunk ROWS] [--runs R] [--smoke]\n"
        "The bag filter-count of a text file and the exact linear fit of generated\n"
        "data, through an MPI client and a local client; metric seconds.\n";

typedef struct conf {
        const char *file, *blocksize, *bench;
        long long n, chunk;
        int runs;
} conf;

static int write_smoke_file(const char *path)
{
        FILE *f = fopen(path, "wb");
        if (!f)
                return -1;
        for (int i = 0; i < 6000; i++)
                fprintf(f, "%d: and God said, let there be light%s\n", i,
                        i % 3 ? "" : " and there was light");
        return fclose(f);
}

/* One filter-count; the count, or -1. */
static int64_t bag_run(par_client *c, const conf *cf, int64_t *nparts)
{
        par_error err = {0};
        par_bag *b = NULL, *f = NULL;
        par_delayed *d = NULL;
        par_value *v = NULL;
        par_read_text_opts ro;
        int64_t got = -1;
        memset(&ro, 0, sizeof ro);
        ro.blocksize_str = cf->blocksize;
        int rc = par_read_text(cf->file, &ro, &b, &err);
        if (rc == 0) {
                par_expr *pred = par_contains(par_x(), "God");
                rc = pred ? par_bag_filter(b, pred, &f, &err) : PAR_ENOMEM;
                par_expr_release(pred);
        }
        if (rc == 0)
                rc = par_bag_count(f, NULL, &d, &err);
        if (rc == 0)
                rc = par_compute(c, 1, &d, &v, &err);
        if (rc == 0)
                rc = par_value_get_int64(v, &got, &err);
        if (rc != 0) {
                fprintf(stderr, "mpi_collections: bag: %s\n", err.message);
                got = -1;
        } else {
                *nparts = par_bag_npartitions(b);
        }
        par_value_release(v);
        par_delayed_release(d);
        par_bag_release(f);
        par_bag_release(b);
        return got;
}

/* One fit; 0 or -1. */
static int linreg_run(par_client *c, const conf *cf)
{
        par_error err = {0};
        par_array *X = NULL, *t = NULL, *y = NULL;
        par_linear_regression m = {0};
        int64_t shape[2] = {cf->n, 1};
        int rc = par_array_random_normal(7, 4, 2, 2, shape, cf->chunk, &X, &err);
        if (rc == 0)
                rc = par_array_binary_scalar(PAR_ARRAY_MUL, X, 4, &t, &err);
        if (rc == 0)
                rc = par_array_binary_scalar(PAR_ARRAY_ADD, t, 3, &y, &err);
        if (rc == 0)
                rc = par_linear_regression_fit(c, NULL, X, y, &m, &err);
        if (rc != 0)
                fprintf(stderr, "mpi_collections: linreg: %s\n", err.message);
        else if (fabs(m.coef[0] - 4) > 1e-6 || fabs(m.intercept - 3) > 1e-6) {
                fprintf(stderr, "mpi_collections: linreg: coef %g, intercept "
                        "%g (want 4, 3)\n", m.coef[0], m.intercept);
                rc = -1;
        }
        par_linear_regression_clear(&m);
        par_array_release(y);
        par_array_release(t);
        par_array_release(X);
        return rc ? -1 : 0;
}

/* Times one bench on one client: warm-up, then runs. Returns -1 on error;
 * *count gets the bag count (checked between impls by the caller). */
static int time_bench(par_client *c, const conf *cf, bool bag, double *secs,
                      int64_t *count, int64_t *nparts)
{
        for (int r = -1; r < cf->runs; r++) {
                double t0 = bench_now_ns();
                if (bag) {
                        int64_t got = bag_run(c, cf, nparts);
                        if (got < 0 || (*count >= 0 && got != *count))
                                return -1;
                        *count = got;
                } else if (linreg_run(c, cf) < 0) {
                        return -1;
                }
                if (r >= 0)
                        secs[r] = (bench_now_ns() - t0) / 1e9;
        }
        return 0;
}

static void emit(const conf *cf, bool bag, const char *impl, int threads,
                 int ranks, double *secs, long long bytes, int64_t count,
                 int64_t nparts)
{
        static double gbs[BENCH_MAX_RUNS];
        char extra[256];
        for (int r = 0; r < cf->runs; r++)
                gbs[r] = (double)bytes / 1e9 / secs[r];
        if (bag) {
                double med, mn, mx;
                bench_stats(gbs, cf->runs, &med, &mn, &mx);
                snprintf(extra, sizeof extra,
                         "\"ranks\":%d,\"count\":%" PRId64 ",\"partitions\":%"
                         PRId64 ",\"GB_per_s\":%.3f,\"blocksize\":\"%s\"",
                         ranks, count, nparts, med, cf->blocksize);
                bench_emit("mpi_bag_filter_count", impl, threads, bytes,
                           "seconds", secs, cf->runs, extra);
        } else {
                snprintf(extra, sizeof extra,
                         "\"ranks\":%d,\"rows\":%lld,\"chunk\":%lld", ranks,
                         cf->n, cf->chunk);
                bench_emit("mpi_linreg", impl, threads, cf->n, "seconds", secs,
                           cf->runs, extra);
        }
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"par-mpi", "par-local"};
        static double ms[BENCH_MAX_RUNS], ls[BENCH_MAX_RUNS];
        conf cf = {.blocksize = NULL, .chunk = 625000};
        const char *chunk = NULL;
        char smoke_path[] = "/tmp/par-bench-mpicoll-XXXXXX";
        bool made = false;
        bench_opts o;
        par_error err = {0};
        par_client *mc = NULL, *lc = NULL;
        if (bench_take_opt(&argc, argv, "--file", &cf.file) < 0 ||
            bench_take_opt(&argc, argv, "--blocksize", &cf.blocksize) < 0 ||
            bench_take_opt(&argc, argv, "--bench", &cf.bench) < 0 ||
            bench_take_opt(&argc, argv, "--chunk", &chunk) < 0) {
                fputs(usage, stderr);
                return 2;
        }
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 2, "mpi_collections");
        if (cf.bench && strcmp(cf.bench, "mpi_bag_filter_count") != 0 &&
            strcmp(cf.bench, "mpi_linreg") != 0) {
                fputs(usage, stderr);
                return 2;
        }
        cf.n = o.n > 0 ? o.n : o.smoke ? 100000 : 20000000;
        cf.runs = o.runs > 0 ? o.runs : o.smoke ? 1 : 5;
        if (cf.runs > BENCH_MAX_RUNS)
                cf.runs = BENCH_MAX_RUNS;
        if (chunk && (bench_parse_ll(chunk, 1, &cf.chunk) != 0)) {
                fputs(usage, stderr);
                return 2;
        }
        if (o.smoke && cf.chunk > cf.n / 8)
                cf.chunk = cf.n / 8 > 0 ? cf.n / 8 : 1;
        if (!cf.blocksize)
                cf.blocksize = o.smoke ? "16KiB" : "64MiB";
        int role = par_mpi_init(&argc, &argv,
                                &(par_mpi_opts){.threads = o.threads}, &mc, &err);
        if (role == PAR_ENOTSUP) {
                fprintf(stderr, "mpi_collections: %s\n", err.message);
                return BENCH_EXIT_SKIP;
        }
        if (role < 0) {
                fprintf(stderr, "mpi_collections: par_mpi_init: %s\n", err.message);
                return 1;
        }
        if (role == PAR_MPI_WORKER)
                return 0;
        bool do_bag = !cf.bench || strcmp(cf.bench, "mpi_bag_filter_count") == 0;
        bool do_lr = !cf.bench || strcmp(cf.bench, "mpi_linreg") == 0;
        /* Rank 0 writes the smoke text; the workers read it only once a
         * run reaches them, after this. */
        if (do_bag && !cf.file && o.smoke) {
                int fd = mkstemp(smoke_path);
                if (fd < 0 || close(fd) != 0 || write_smoke_file(smoke_path) != 0) {
                        fprintf(stderr, "mpi_collections: cannot write %s\n",
                                smoke_path);
                        par_client_free(mc);
                        return 1;
                }
                made = true;
                cf.file = smoke_path;
        }
        struct stat st;
        if (do_bag && !cf.file && !cf.bench) {
                fprintf(stderr, "mpi_collections: no --file: "
                        "mpi_bag_filter_count left out\n");
                do_bag = false;
        }
        if (do_bag && (!cf.file || stat(cf.file, &st) != 0)) {
                fprintf(stderr, "mpi_collections: mpi_bag_filter_count needs "
                        "--file (a text all ranks can read)\n");
                par_client_free(mc);
                return 2;
        }
        char line[256];
        int ranks = 1;
        par_client_summary(mc, line, sizeof line);
        sscanf(line, "Scheduler: mpi (%d", &ranks);
        fprintf(stderr, "mpi_collections: %s\n", line);
        int threads = par_executor_threads(par_client_executor(mc));
        int rc = par_client_new(&(par_client_opts){.threads = o.threads}, &lc, &err);
        if (rc != 0)
                fprintf(stderr, "mpi_collections: %s\n", err.message);
        for (int b = 0; b < 2 && rc == 0; b++) {
                bool bag = b == 0;
                if (bag ? !do_bag : !do_lr)
                        continue;
                int64_t count = -1, np = 0;
                bool mpi = bench_want(&o, "par-mpi"), loc = bench_want(&o, "par-local");
                if (mpi && time_bench(mc, &cf, bag, ms, &count, &np) < 0)
                        rc = 1;
                if (rc == 0 && loc && time_bench(lc, &cf, bag, ls, &count, &np) < 0)
                        rc = 1;
                if (rc != 0) {
                        fprintf(stderr, "mpi_collections: %s failed (or the "
                                "counts differ)\n", bag ? "mpi_bag_filter_count"
                                                        : "mpi_linreg");
                        break;
                }
                long long bytes = bag ? (long long)st.st_size : 0;
                if (mpi)
                        emit(&cf, bag, "par-mpi", threads, ranks, ms, bytes, count, np);
                if (loc)
                        emit(&cf, bag, "par-local", threads, 1, ls, bytes, count, np);
        }
        par_client_free(lc);
        par_client_free(mc);
        if (made)
                unlink(smoke_path);
        return rc;
}
