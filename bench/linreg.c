/* bench/linreg.c — X^T X and an exact least-squares fit over in-memory
 * float64 data: n rows and p features, x_j ~ N(4, 2) independent, target
 * y = 3 + sum_j (4 + j) x_j (for p = 1 the talk's y = 4x + 3).
 *
 * Benches:
 *   xtx           X^T X (the p x p Gram matrix), uncentered.
 *   linreg_exact  the least-squares fit of y on X with an intercept.
 *
 * Shapes: --shapes "1e8x1,1e7x16" (the default: the two), or one
 * shape with --n and --p; --smoke: 1e5x1 and 1e4x16. Each shape's data
 * are made, used and freed in turn.
 *
 * Implementations:
 *   par             par_array_gram / par_linear_regression_fit on arrays
 *                   made with par_array_from_buffer (chunks of --chunk rows,
 *                   default 625000 as in the talk; copying the buffers into
 *                   chunks is setup, not timed) on a pool of --threads
 *                   workers. One run = building the graph and computing it.
 *   openblas-dsyrk  what a C program does with OpenBLAS on the same
 *                   buffers, single-threaded (openblas_set_num_threads(1)):
 *                   xtx is one cblas_dsyrk over X; linreg_exact puts [X, 1]
 *                   in an n x (p+1) column-major matrix (setup, not timed),
 *                   then cblas_dsyrk for [X 1]^T [X 1], cblas_dgemv for
 *                   [X 1]^T y and LAPACKE_dposv for the small system.
 *
 * Metrics, one JSON line each per (bench, impl, shape): seconds (median
 * of --runs), GB_per_s (the data read per run, 8np bytes for xtx and
 * 8n(p+1) for linreg_exact — X and y, not the column of ones — over
 * seconds) and abs_error (xtx, p = 1 only: |result - sum x^2| against a
 * long-double sum; linreg_exact: the largest error of the coefficients
 * and the intercept against the exact ones; also as text in "sci", which
 * bench/run's rounding of numbers leaves alone). Each line carries "p" and
 * "stage" ("p=P"), so that bench/run tells the shapes apart; the GB_per_s
 * and abs_error lines say "in_total": false (no ratio is made of them:
 * the ratio of the seconds says it).
 *
 * usage: linreg [--bench xtx|linreg_exact] [--impl par|openblas-dsyrk]
 *               [--threads T] [--shapes NxP,...] [--n N] [--p P]
 *               [--chunk ROWS] [--runs R] [--smoke] */
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
        "usage: linreg [--bench xtx|linreg_exact] [--impl par|openblas-dsyrk]\n"
        "              [--threads T] [--shapes NxP,...] [--n N] [--p P] [--chunk ROWS]\n"
        "              [--runs R] [--smoke]\n"
        "X^T X (bench xtx) and an exact least-squares fit of y = 3 + sum (4+j) x_j\n"
        "(bench linreg_exact) over n in-memory rows of p features (default shapes\n"
        "1e8x1,1e7x16); JSON lines with the metrics seconds, GB_per_s and abs_error\n"
        "for par and single-threaded OpenBLAS.\n";

#define MAXP 64

typedef struct data {
        long long n;
        int p;
        double *x; /* n x p, column-major */
        double *y;
        long double xx; /* p = 1: sum of x^2, the xtx reference */
} data;

/* x_j ~ N(4, 2) by Box-Muller over a xorshift generator (the data, not the
 * subject). */
static void make_data(data *d)
{
        uint64_t s = 0x2545F4914F6CDD1Dull;
        long long i, N = d->n * d->p;
        for (i = 0; i < N; i += 2) {
                double u1, u2, r, t;
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                u1 = ((double)(s >> 11) + 0.5) * 0x1.0p-53;
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                u2 = ((double)(s >> 11) + 0.5) * 0x1.0p-53;
                r = sqrt(-2 * log(u1));
                t = 6.283185307179586 * u2;
                d->x[i] = 4 + 2 * r * cos(t);
                if (i + 1 < N)
                        d->x[i + 1] = 4 + 2 * r * sin(t);
        }
        for (i = 0; i < d->n; i++)
                d->y[i] = 3;
        for (int j = 0; j < d->p; j++)
                for (i = 0; i < d->n; i++)
                        d->y[i] += (4 + j) * d->x[j * d->n + i];
        d->xx = 0;
        if (d->p == 1)
                for (i = 0; i < d->n; i++)
                        d->xx += (long double)d->x[i] * d->x[i];
}

/* The fit's error against the exact coefficients 4 + j and intercept 3. */
static double fit_error(const double *coef, double intercept, int p)
{
        double e = fabs(intercept - 3);
        for (int j = 0; j < p; j++)
                e = fmax(e, fabs(coef[j] - (4 + j)));
        return e;
}

/* The three lines of one (bench, impl, shape). abs_error is the same in
 * every run (the computation is deterministic) and is written with an
 * exponent (bench_emit's fixed-point form would print 1e-15 as 0); it is
 * left out when negative (not known). */
static void emit3(const char *bench, const char *impl, int threads, const data *d,
                  double *secs, int runs, double bytes, double abs_error,
                  const char *more)
{
        double rate[BENCH_MAX_RUNS];
        char extra[256], side[300];
        int r;
        snprintf(extra, sizeof extra, "\"p\":%d,\"stage\":\"p=%d\"%s%s", d->p, d->p,
                 more ? "," : "", more ? more : "");
        snprintf(side, sizeof side, "%s,\"in_total\":false", extra);
        for (r = 0; r < runs; r++)
                rate[r] = bytes / 1e9 / secs[r];
        bench_emit(bench, impl, threads, d->n, "GB_per_s", rate, runs, side);
        if (abs_error >= 0)
                printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"threads\":%d,\"n\":%lld,"
                       "\"metric\":\"abs_error\",\"value\":%.3e,\"runs\":%d,\"min\":%.3e,"
                       "\"max\":%.3e,\"sci\":\"%.3e\",%s}\n",
                       bench, impl, threads, d->n, abs_error, runs, abs_error, abs_error,
                       abs_error, side);
        bench_emit(bench, impl, threads, d->n, "seconds", secs, runs, extra);
}

/* ---- par --------------------------------------------------------------------------- */

static int run_par(const data *d, const bench_opts *o, long long chunk, int do_xtx,
                   int do_fit)
{
        par_client_opts co = {PAR_EXEC_POOL, o->threads};
        par_client *c = NULL;
        par_error err = {0};
        par_array *X = NULL, *y = NULL;
        double secs[BENCH_MAX_RUNS], e_xtx = -1, e_fit = 0;
        char extra[128];
        int r, rc = 0;
        if (par_client_new(&co, &c, &err) != 0 ||
            par_array_from_buffer(d->x, d->n, d->p, chunk, PAR_COL_MAJOR, &X, &err) != 0 ||
            par_array_from_vector(d->y, d->n, chunk, &y, &err) != 0) {
                fprintf(stderr, "linreg: par: setup: %s\n", err.message);
                rc = 1;
                goto done;
        }
        snprintf(extra, sizeof extra, "\"chunks\":%lld,\"chunk_rows\":%lld",
                 (long long)par_array_nchunks(X), chunk);
        for (r = -1; do_xtx && r < o->runs; r++) { /* run -1: warm-up, not timed */
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
                if (d->p == 1)
                        e_xtx = fabs((double)((long double)par_ndarray_get(v, 0, 0) - d->xx));
                par_value_release(v);
                par_array_release(g);
        }
        if (do_xtx)
                emit3("xtx", "par", o->threads, d, secs, o->runs,
                      8.0 * (double)d->n * d->p, e_xtx, extra);
        for (r = -1; do_fit && r < o->runs; r++) {
                par_linear_regression m = {0};
                double t0 = bench_now_ns();
                if (par_linear_regression_fit(c, NULL, X, y, &m, &err) != 0) {
                        fprintf(stderr, "linreg: par: %s\n", err.message);
                        rc = err.code == PAR_ENOTSUP ? BENCH_EXIT_SKIP : 1;
                        goto done;
                }
                if (r >= 0)
                        secs[r] = (bench_now_ns() - t0) * 1e-9;
                e_fit = fit_error(m.coef, m.intercept, d->p);
                par_linear_regression_clear(&m);
        }
        if (do_fit && e_fit > 1e-9) {
                fprintf(stderr, "linreg: par: error %.3g exceeds 1e-9\n", e_fit);
                rc = 1;
        }
        if (do_fit)
                emit3("linreg_exact", "par", o->threads, d, secs, o->runs,
                      8.0 * (double)d->n * (d->p + 1), e_fit, extra);
done:
        par_array_release(X);
        par_array_release(y);
        par_client_free(c);
        return rc;
}

/* ---- OpenBLAS ---------------------------------------------------------------------------- */

static int run_openblas(const data *d, const bench_opts *o, int do_xtx, int do_fit)
{
#if HAVE_BLAS
        double secs[BENCH_MAX_RUNS], e_xtx = -1, e_fit = 0;
        int p = d->p, e = p + 1, r;
        lapack_int n = (lapack_int)d->n;
        if (d->n > 0x7fffffffLL) {
                fprintf(stderr, "linreg: openblas-dsyrk: n too large\n");
                return 1;
        }
        openblas_set_num_threads(1);
        double *G = malloc((size_t)e * e * sizeof *G), *b = malloc((size_t)e * sizeof *b);
        for (r = -1; do_xtx && r < o->runs; r++) {
                double t0 = bench_now_ns();
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, p, n, 1.0, d->x, n, 0.0,
                            G, p);
                if (r >= 0)
                        secs[r] = (bench_now_ns() - t0) * 1e-9;
                if (p == 1)
                        e_xtx = fabs((double)((long double)G[0] - d->xx));
        }
        if (do_xtx)
                emit3("xtx", "openblas-dsyrk", 1, d, secs, o->runs, 8.0 * (double)d->n * p,
                      e_xtx, NULL);
        double *X1 = do_fit ? malloc((size_t)d->n * e * sizeof *X1) : NULL;
        if (do_fit && !X1) {
                fprintf(stderr, "linreg: openblas-dsyrk: out of memory\n");
                free(G);
                free(b);
                return 1;
        }
        if (do_fit) {
                memcpy(X1, d->x, (size_t)d->n * p * sizeof *X1);
                for (long long i = 0; i < d->n; i++)
                        X1[(long long)p * d->n + i] = 1.0;
        }
        for (r = -1; do_fit && r < o->runs; r++) {
                double t0 = bench_now_ns();
                lapack_int info;
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, e, n, 1.0, X1, n, 0.0, G,
                            e);
                cblas_dgemv(CblasColMajor, CblasTrans, n, e, 1.0, X1, n, d->y, 1, 0.0, b, 1);
                info = LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', e, 1, G, e, b, e);
                if (r >= 0)
                        secs[r] = (bench_now_ns() - t0) * 1e-9;
                if (info != 0) {
                        fprintf(stderr, "linreg: openblas-dsyrk: dposv info %d\n", (int)info);
                        free(X1);
                        free(G);
                        free(b);
                        return 1;
                }
                e_fit = fit_error(b, b[p], p);
        }
        if (do_fit)
                emit3("linreg_exact", "openblas-dsyrk", 1, d, secs, o->runs,
                      8.0 * (double)d->n * e, e_fit, NULL);
        free(X1);
        free(G);
        free(b);
        return 0;
#else
        (void)d;
        (void)o;
        (void)do_xtx;
        (void)do_fit;
        fprintf(stderr, "linreg: openblas-dsyrk: not in this build (no OpenBLAS)\n");
        return BENCH_EXIT_SKIP;
#endif
}

/* "NxP" -> n, p. */
static int parse_shape(const char *s, long long *n, int *p)
{
        char buf[64];
        const char *x = strchr(s, 'x');
        long long pp;
        if (!x || (size_t)(x - s) >= sizeof buf)
                return -1;
        memcpy(buf, s, (size_t)(x - s));
        buf[x - s] = 0;
        if (bench_parse_ll(buf, 2, n) || bench_parse_ll(x + 1, 1, &pp) || pp > MAXP)
                return -1;
        *p = (int)pp;
        return 0;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"par", "openblas-dsyrk"};
        bench_opts o;
        const char *v = NULL, *shapes = NULL, *bench = NULL;
        long long chunk = -1, pn = -1;
        int rc = 0, r, got;
        if ((got = bench_take_opt(&argc, argv, "--chunk", &v)) != 0 &&
            (got < 0 || bench_parse_ll(v, 1, &chunk))) {
                fprintf(stderr, "linreg: bad --chunk\n%s", usage);
                return 2;
        }
        if ((got = bench_take_opt(&argc, argv, "--p", &v)) != 0 &&
            (got < 0 || bench_parse_ll(v, 1, &pn) || pn > MAXP)) {
                fprintf(stderr, "linreg: bad --p (1..%d)\n%s", MAXP, usage);
                return 2;
        }
        if (bench_take_opt(&argc, argv, "--shapes", &shapes) < 0 ||
            bench_take_opt(&argc, argv, "--bench", &bench) < 0) {
                fputs(usage, stderr);
                return 2;
        }
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 2, "linreg");
        if (bench && strcmp(bench, "xtx") != 0 && strcmp(bench, "linreg_exact") != 0) {
                fprintf(stderr, "linreg: unknown --bench '%s'\n%s", bench, usage);
                return 2;
        }
        int do_xtx = !bench || strcmp(bench, "xtx") == 0;
        int do_fit = !bench || strcmp(bench, "linreg_exact") == 0;
        char one[64];
        if (o.n >= 0 || pn > 0) {
                snprintf(one, sizeof one, "%lldx%lld", o.n >= 0 ? o.n : o.smoke ? 100000 : 10000000,
                         pn > 0 ? pn : 1);
                shapes = one;
        } else if (!shapes) {
                shapes = o.smoke ? "1e5x1,1e4x16" : "1e8x1,1e7x16";
        }
        if (chunk < 0)
                chunk = o.smoke ? 10000 : 625000;
        char *list = strdup(shapes), *save = NULL;
        for (char *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
                data d;
                if (parse_shape(s, &d.n, &d.p) < 0) {
                        fprintf(stderr, "linreg: bad shape '%s' (NxP, n >= 2, p <= %d)\n%s",
                                s, MAXP, usage);
                        free(list);
                        return 2;
                }
                d.x = malloc((size_t)d.n * d.p * sizeof *d.x);
                d.y = malloc((size_t)d.n * sizeof *d.y);
                if (!d.x || !d.y) {
                        fprintf(stderr, "linreg: out of memory for %s\n", s);
                        free(list);
                        return 1;
                }
                make_data(&d);
                if (bench_want(&o, "par")) {
                        r = run_par(&d, &o, chunk, do_xtx, do_fit);
                        if (r == 1 || (r == BENCH_EXIT_SKIP && o.impl))
                                rc = r;
                }
                if (bench_want(&o, "openblas-dsyrk")) {
                        r = run_openblas(&d, &o, do_xtx, do_fit);
                        if (r == 1 || (r == BENCH_EXIT_SKIP && o.impl))
                                rc = r;
                }
                free(d.x);
                free(d.y);
        }
        free(list);
        return rc;
}
