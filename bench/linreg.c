/* bench/linreg.c — X^T X and an exact least-squares fit over in-memory
 * float64 data: n rows (default 10^7), one feature x ~ N(4, 2), target
 * y = 4x + 3 exactly.
 *
 * Benches:
 *   xtx           x^T x (the 1 x 1 Gram matrix), uncentered.
 *   linreg_exact  the least-squares fit of y on x with an intercept.
 *
 * Implementations:
 *   par             par_array_gram / par_linear_regression_fit on arrays
 *                   made with par_array_from_buffer (chunks of --chunk rows,
 *                   default 625000 as in the talk; copying the buffers into
 *                   chunks is setup, not timed) on a pool of --threads
 *                   workers. One run = building the graph and computing it.
 *   openblas-dsyrk  what a C program does with OpenBLAS on the same
 *                   buffers, single-threaded (openblas_set_num_threads(1)):
 *                   xtx is cblas_dsyrk over the column; linreg_exact puts
 *                   [x, 1] in an n x 2 column-major matrix (setup, not
 *                   timed), then cblas_dsyrk for X^T X, cblas_dgemv for
 *                   X^T y and LAPACKE_dposv for the 2 x 2 system.
 *
 * Metrics, one JSON line each per (bench, impl): seconds (median of
 * --runs), GB_per_s (the data read per run, 8n bytes for xtx and 16n for
 * linreg_exact — x and y, not the column of ones — over seconds) and
 * abs_error (xtx: |result - sum x^2| against a long-double sum;
 * linreg_exact: max(|coef - 4|, |intercept - 3|)).
 *
 * usage: linreg [--impl par|openblas-dsyrk] [--threads T] [--n N]
 *               [--chunk ROWS] [--runs R] [--smoke]   (smoke: N = 10^5) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime under -std=c17 */
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <par.h>

#if defined(BENCH_HAVE_BLAS) && BENCH_HAVE_BLAS
#include <cblas.h>
#include <lapacke.h>
#define HAVE_BLAS 1
#else
#define HAVE_BLAS 0
#endif

#include "bench_util.h"

static const char usage[] =
        "usage: linreg [--impl par|openblas-dsyrk] [--threads T] [--n N] [--chunk ROWS]\n"
        "              [--runs R] [--smoke]\n"
        "x^T x (bench xtx) and an exact least-squares fit of y = 4x + 3 (bench\n"
        "linreg_exact) over n in-memory rows (default 1e7); JSON lines with the metrics\n"
        "seconds, GB_per_s and abs_error for par and single-threaded OpenBLAS.\n";

typedef struct data {
        long long n;
        double *x, *y;
        long double xx; /* sum of x^2, the xtx reference */
} data;

/* x ~ N(4, 2) by Box-Muller over a xorshift generator (the data, not the
 * subject). */
static void make_data(data *d)
{
        uint64_t s = 0x2545F4914F6CDD1Dull;
        long long i;
        d->xx = 0;
        for (i = 0; i < d->n; i += 2) {
                double u1, u2, r, t;
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                u1 = ((double)(s >> 11) + 0.5) * 0x1.0p-53;
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                u2 = ((double)(s >> 11) + 0.5) * 0x1.0p-53;
                r = sqrt(-2 * log(u1));
                t = 6.283185307179586 * u2;
                d->x[i] = 4 + 2 * r * cos(t);
                if (i + 1 < d->n)
                        d->x[i + 1] = 4 + 2 * r * sin(t);
        }
        for (i = 0; i < d->n; i++) {
                d->y[i] = 4 * d->x[i] + 3;
                d->xx += (long double)d->x[i] * d->x[i];
        }
}

/* The three lines of one (bench, impl). abs_error is the same in every
 * run (the computation is deterministic) and is written with an exponent
 * (bench_emit's fixed-point form would print 1e-15 as 0). */
static void emit3(const char *bench, const char *impl, int threads, long long n,
                  double *secs, int runs, double bytes, double abs_error,
                  const char *extra)
{
        double rate[BENCH_MAX_RUNS];
        int r;
        for (r = 0; r < runs; r++)
                rate[r] = bytes / 1e9 / secs[r];
        bench_emit(bench, impl, threads, n, "GB_per_s", rate, runs, extra);
        printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"threads\":%d,\"n\":%lld,"
               "\"metric\":\"abs_error\",\"value\":%.3e,\"runs\":%d,\"min\":%.3e,"
               "\"max\":%.3e%s%s}\n",
               bench, impl, threads, n, abs_error, runs, abs_error, abs_error,
               extra ? "," : "", extra ? extra : "");
        bench_emit(bench, impl, threads, n, "seconds", secs, runs, extra);
}

/* ---- par --------------------------------------------------------------------------- */

static int run_par(const data *d, const bench_opts *o, long long chunk)
{
        par_client_opts co = {PAR_EXEC_POOL, o->threads};
        par_client *c = NULL;
        par_error err = {0};
        par_array *X = NULL, *y = NULL;
        double secs[BENCH_MAX_RUNS], e_xtx = 0, e_fit = 0;
        char extra[128];
        int r, rc = 0;
        if (par_client_new(&co, &c, &err) != 0 ||
            par_array_from_buffer(d->x, d->n, 1, chunk, PAR_COL_MAJOR, &X, &err) != 0 ||
            par_array_from_vector(d->y, d->n, chunk, &y, &err) != 0) {
                fprintf(stderr, "linreg: par: setup: %s\n", err.message);
                rc = 1;
                goto done;
        }
        snprintf(extra, sizeof extra, "\"chunks\":%lld,\"chunk_rows\":%lld",
                 (long long)par_array_nchunks(X), chunk);
        /* xtx */
        for (r = -1; r < o->runs; r++) { /* run -1: warm-up, not timed */
                par_array *g = NULL;
                par_value *v = NULL;
                double t0 = bench_now_ns();
                if (par_array_gram(X, NULL, &g, &err) != 0 ||
                    par_array_compute(c, g, &v, &err) != 0) {
                        fprintf(stderr, "linreg: par: xtx: %s\n", err.message);
                        par_array_release(g);
                        rc = 1;
                        goto done;
                }
                if (r >= 0)
                        secs[r] = (bench_now_ns() - t0) * 1e-9;
                e_xtx = fabs((double)((long double)par_ndarray_get(v, 0, 0) - d->xx));
                par_value_release(v);
                par_array_release(g);
        }
        emit3("xtx", "par", o->threads, d->n, secs, o->runs, 8.0 * (double)d->n, e_xtx,
              extra);
        /* linreg_exact */
        for (r = -1; r < o->runs; r++) {
                par_linear_regression m = {0};
                double t0 = bench_now_ns();
                if (par_linear_regression_fit(c, NULL, X, y, &m, &err) != 0) {
                        fprintf(stderr, "linreg: par: %s\n", err.message);
                        rc = err.code == PAR_ENOTSUP ? BENCH_EXIT_SKIP : 1;
                        goto done;
                }
                if (r >= 0)
                        secs[r] = (bench_now_ns() - t0) * 1e-9;
                e_fit = fmax(fabs(m.coef[0] - 4), fabs(m.intercept - 3));
                par_linear_regression_clear(&m);
        }
        if (e_fit > 1e-12) {
                fprintf(stderr, "linreg: par: error %.3g exceeds 1e-12\n", e_fit);
                rc = 1;
        }
        emit3("linreg_exact", "par", o->threads, d->n, secs, o->runs,
              16.0 * (double)d->n, e_fit, extra);
done:
        par_array_release(X);
        par_array_release(y);
        par_client_free(c);
        return rc;
}

/* ---- OpenBLAS ---------------------------------------------------------------------------- */

static int run_openblas(const data *d, const bench_opts *o)
{
#if HAVE_BLAS
        double secs[BENCH_MAX_RUNS], e_xtx = 0, e_fit = 0;
        double *X1 = malloc((size_t)d->n * 2 * sizeof *X1);
        int r;
        lapack_int n = (lapack_int)d->n;
        if (!X1 || d->n > 0x7fffffffLL) {
                fprintf(stderr, "linreg: openblas-dsyrk: n too large\n");
                free(X1);
                return 1;
        }
        openblas_set_num_threads(1);
        memcpy(X1, d->x, (size_t)d->n * sizeof *X1);
        for (long long i = 0; i < d->n; i++)
                X1[d->n + i] = 1.0;
        for (r = -1; r < o->runs; r++) {
                double c = 0, t0 = bench_now_ns();
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, 1, n, 1.0, d->x, n, 0.0,
                            &c, 1);
                if (r >= 0)
                        secs[r] = (bench_now_ns() - t0) * 1e-9;
                e_xtx = fabs((double)((long double)c - d->xx));
        }
        emit3("xtx", "openblas-dsyrk", 1, d->n, secs, o->runs, 8.0 * (double)d->n, e_xtx,
              NULL);
        for (r = -1; r < o->runs; r++) {
                double A[4] = {0, 0, 0, 0}, b[2] = {0, 0};
                double t0 = bench_now_ns();
                lapack_int info;
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, 2, n, 1.0, X1, n, 0.0, A,
                            2);
                cblas_dgemv(CblasColMajor, CblasTrans, n, 2, 1.0, X1, n, d->y, 1, 0.0, b, 1);
                info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', 2, 1, A, 2, b, 2);
                if (r >= 0)
                        secs[r] = (bench_now_ns() - t0) * 1e-9;
                if (info != 0) {
                        fprintf(stderr, "linreg: openblas-dsyrk: dposv info %d\n", (int)info);
                        free(X1);
                        return 1;
                }
                e_fit = fmax(fabs(b[0] - 4), fabs(b[1] - 3));
        }
        emit3("linreg_exact", "openblas-dsyrk", 1, d->n, secs, o->runs, 16.0 * (double)d->n,
              e_fit, NULL);
        free(X1);
        return 0;
#else
        (void)d;
        (void)o;
        fprintf(stderr, "linreg: openblas-dsyrk: not in this build (no OpenBLAS)\n");
        return BENCH_EXIT_SKIP;
#endif
}

/* Takes "--chunk N" out of argv (bench_parse does not know it). */
static long long take_chunk(int *argc, char **argv)
{
        long long v = -1;
        int i, j;
        for (i = 1; i < *argc; i++) {
                const char *a = argv[i], *val = NULL;
                int take = 0;
                if (strncmp(a, "--chunk=", 8) == 0) {
                        val = a + 8;
                        take = 1;
                } else if (strcmp(a, "--chunk") == 0 && i + 1 < *argc) {
                        val = argv[i + 1];
                        take = 2;
                }
                if (!take)
                        continue;
                if (bench_parse_ll(val, 1, &v)) {
                        fprintf(stderr, "linreg: bad --chunk '%s'\n%s", val, usage);
                        exit(2);
                }
                for (j = i; j + take < *argc; j++)
                        argv[j] = argv[j + take];
                *argc -= take;
                i--;
        }
        return v;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"par", "openblas-dsyrk"};
        bench_opts o;
        data d;
        long long chunk = take_chunk(&argc, argv);
        int rc = 0, r;
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 2, "linreg");
        d.n = o.n >= 0 ? o.n : o.smoke ? 100000 : 10000000;
        if (d.n < 2) {
                fprintf(stderr, "linreg: --n must be at least 2\n");
                return 2;
        }
        if (chunk < 0)
                chunk = o.smoke ? 10000 : 625000;
        d.x = malloc((size_t)d.n * sizeof *d.x);
        d.y = malloc((size_t)d.n * sizeof *d.y);
        if (!d.x || !d.y) {
                fprintf(stderr, "linreg: out of memory for n = %lld\n", d.n);
                return 1;
        }
        make_data(&d);
        if (bench_want(&o, "par")) {
                r = run_par(&d, &o, chunk);
                if (r == 1 || (r == BENCH_EXIT_SKIP && o.impl))
                        rc = r;
        }
        if (bench_want(&o, "openblas-dsyrk")) {
                r = run_openblas(&d, &o);
                if (r == 1 || (r == BENCH_EXIT_SKIP && o.impl))
                        rc = r;
        }
        free(d.x);
        free(d.y);
        return rc;
}
