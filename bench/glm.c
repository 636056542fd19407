/* bench/glm.c — ridge regression by par's solvers: the exact closed form
 * against the iterative ones (dask-ml's admm, lbfgs, newton,
 * gradient_descent, proximal_grad), in time and in error.
 *
 * Data: n rows of p features x_j ~ N(j, 1 + j % 3) (column-major, in
 * memory), y = x . beta + 3 + N(0, 1) noise. The model: ridge with C = 1
 * (lambda = 1), dask-ml's default penalty, with each solver's default
 * tolerances (tol 1e-4; admm abstol 1e-4, reltol 1e-2, as dask-glm).
 *
 * Implementations (one client of --threads pool workers; the arrays are
 * made from the buffers in chunks of --chunk rows as setup, not timed):
 *   par                   solver admm (dask-ml's default solver)
 *   par-exact             solver exact: one pass, closed-form ridge
 *   par-lbfgs, par-newton, par-gradient_descent, par-proximal_grad
 *
 * Metrics, one JSON line each per (impl, shape): seconds (median of
 * --runs fits, after one warm-up), abs_error (the largest |difference| of
 * the coefficients and the intercept from par-exact's answer, which is
 * exact to rounding) and n_iter. Extra fields: p, chunks.
 *
 * usage: glm [--impl NAME] [--threads T] [--shapes NxP,...] [--chunk ROWS]
 *            [--runs R] [--smoke]    (default shapes 1e6x1,1e6x16,1e7x1;
 *                                     smoke: 2e4x1,2e4x4) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime, strtok_r under -std=c17 */
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <par.h>

#include "bench_util.h"

static const char usage[] =
        "usage: glm [--impl NAME] [--threads T] [--shapes NxP,...] [--chunk ROWS]\n"
        "           [--runs R] [--smoke]\n"
        "ridge (C = 1) by par's exact, admm, lbfgs, newton, gradient_descent and\n"
        "proximal_grad solvers; JSON lines: seconds, abs_error (vs exact), n_iter.\n";

enum { MAXP = 64 };

static const char *const impls[] = {"par",        "par-exact",
                                    "par-lbfgs",  "par-newton",
                                    "par-gradient_descent", "par-proximal_grad"};
static const par_solver solvers[] = {PAR_SOLVER_ADMM,   PAR_SOLVER_EXACT,
                                     PAR_SOLVER_LBFGS,  PAR_SOLVER_NEWTON,
                                     PAR_SOLVER_GRADIENT_DESCENT,
                                     PAR_SOLVER_PROXIMAL_GRAD};

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static double uniform(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return ((double)(rng >> 11) + 0.5) * 0x1.0p-53;
}

static double normal(void)
{
        return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform());
}

typedef struct data {
        long long n, p;
        double *x, *y; /* x column-major */
} data;

static void make_data(data *d)
{
        double beta[MAXP];
        for (long long j = 0; j < d->p; j++)
                beta[j] = 1 + 0.5 * (double)(j % 5);
        for (long long i = 0; i < d->n; i++)
                d->y[i] = 3 + normal();
        for (long long j = 0; j < d->p; j++)
                for (long long i = 0; i < d->n; i++) {
                        double v = (double)j + (1 + (double)(j % 3)) * normal();
                        d->x[j * d->n + i] = v;
                        d->y[i] += beta[j] * v;
                }
}

static int parse_shape(const char *s, long long *n, long long *p)
{
        char *end = NULL;
        double dn = strtod(s, &end);
        if (!end || *end != 'x')
                return -1;
        long long pp = strtoll(end + 1, &end, 10);
        if (*end || dn < 2 || pp < 1 || pp > MAXP)
                return -1;
        *n = (long long)dn;
        *p = pp;
        return 0;
}

/* Fits with solver k; fills coef (p) and intercept, *iters. */
static int fit(par_client *c, par_array *X, par_array *y, int k, double *coef,
               double *intercept, int *iters, par_error *err)
{
        par_linear_regression m = {0};
        par_linear_regression_opts o = {.solver = solvers[k], .penalty = PAR_PENALTY_L2,
                                        .C = 1};
        int rc = par_linear_regression_fit(c, &o, X, y, &m, err);
        if (rc == 0) {
                memcpy(coef, m.coef, (size_t)m.n_features * sizeof *coef);
                *intercept = m.intercept;
                *iters = m.n_iter;
        }
        par_linear_regression_clear(&m);
        return rc;
}

/* One value, in full precision (bench_emit keeps four decimals, and an
 * error of 1e-9 would print as 0). */
static void emit_one(const char *impl, int threads, long long n, const char *metric,
                     double v, const char *extra)
{
        printf("{\"bench\":\"glm\",\"impl\":\"%s\",\"threads\":%d,\"n\":%lld,"
               "\"metric\":\"%s\",\"value\":%.3g,\"runs\":1,\"min\":%.3g,\"max\":%.3g,%s}\n",
               impl, threads, n, metric, v, v, v, extra);
}

static int run_shape(const data *d, const bench_opts *o, long long chunk)
{
        par_client_opts co = {PAR_EXEC_POOL, o->threads};
        par_client *c = NULL;
        par_error err = {0};
        par_array *X = NULL, *y = NULL;
        int rc = 0;
        if (par_client_new(&co, &c, &err) != 0 ||
            par_array_from_buffer(d->x, d->n, d->p, chunk, PAR_COL_MAJOR, &X, &err) != 0 ||
            par_array_from_vector(d->y, d->n, chunk, &y, &err) != 0) {
                fprintf(stderr, "glm: setup: %s\n", err.message);
                rc = 1;
                goto done;
        }
        double exact[MAXP + 1], coef[MAXP + 1], secs[BENCH_MAX_RUNS];
        int iters = 0;
        if (fit(c, X, y, 1, exact, &exact[d->p], &iters, &err) != 0) {
                fprintf(stderr, "glm: exact: %s\n", err.message);
                rc = err.code == PAR_ENOTSUP ? BENCH_EXIT_SKIP : 1;
                goto done;
        }
        char extra[128];
        snprintf(extra, sizeof extra, "\"p\":%lld,\"chunks\":%lld", d->p,
                 (long long)par_array_nchunks(X));
        for (int k = 0; k < 6; k++) {
                if (!bench_want(o, impls[k]))
                        continue;
                double e = 0;
                for (int r = -1; r < o->runs; r++) { /* run -1: warm-up */
                        double t0 = bench_now_ns();
                        if (fit(c, X, y, k, coef, &coef[d->p], &iters, &err) != 0) {
                                fprintf(stderr, "glm: %s: %s\n", impls[k], err.message);
                                rc = 1;
                                goto done;
                        }
                        if (r >= 0)
                                secs[r] = (bench_now_ns() - t0) * 1e-9;
                }
                for (long long j = 0; j <= d->p; j++)
                        e = fmax(e, fabs(coef[j] - exact[j]));
                bench_emit("glm", impls[k], o->threads, d->n, "seconds", secs, o->runs, extra);
                emit_one(impls[k], o->threads, d->n, "abs_error", e, extra);
                emit_one(impls[k], o->threads, d->n, "n_iter", iters, extra);
                fflush(stdout);
        }
done:
        par_array_release(X);
        par_array_release(y);
        par_client_free(c);
        return rc;
}

int main(int argc, char **argv)
{
        bench_opts o;
        const char *v = NULL, *shapes = NULL;
        long long chunk = -1;
        int got;
        if ((got = bench_take_opt(&argc, argv, "--chunk", &v)) != 0 &&
            (got < 0 || bench_parse_ll(v, 1, &chunk))) {
                fprintf(stderr, "glm: bad --chunk\n%s", usage);
                return 2;
        }
        if (bench_take_opt(&argc, argv, "--shapes", &shapes) < 0) {
                fputs(usage, stderr);
                return 2;
        }
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, impls, 6, "glm");
        if (o.runs < 0)
                o.runs = o.smoke ? 1 : 3;
        if (!shapes)
                shapes = o.smoke ? "2e4x1,2e4x4" : "1e6x1,1e6x16,1e7x1";
        if (chunk < 0)
                chunk = o.smoke ? 2500 : 250000;
        char *list = strdup(shapes), *save = NULL;
        int rc = 0;
        for (char *s = strtok_r(list, ",", &save); s && rc != 1; s = strtok_r(NULL, ",", &save)) {
                data d;
                if (parse_shape(s, &d.n, &d.p) < 0) {
                        fprintf(stderr, "glm: bad shape '%s' (NxP, p <= %d)\n%s", s, MAXP,
                                usage);
                        free(list);
                        return 2;
                }
                d.x = malloc((size_t)(d.n * d.p) * sizeof *d.x);
                d.y = malloc((size_t)d.n * sizeof *d.y);
                if (!d.x || !d.y) {
                        fprintf(stderr, "glm: out of memory for %s\n", s);
                        rc = 1;
                } else {
                        make_data(&d);
                        int r = run_shape(&d, &o, chunk);
                        if (r != 0)
                                rc = r;
                }
                free(d.x);
                free(d.y);
        }
        free(list);
        return rc;
}
