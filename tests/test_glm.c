/* Linear and logistic models with penalties and iterative solvers, against
 * scikit-learn (tests/glm_ref.py, run by /usr/bin/python3 on the numbers
 * this test writes; skipped, saying so, without scikit-learn):
 *   - ridge by the exact solver = Ridge(alpha = lambda);
 *   - admm and proximal_grad for ridge, lasso and elastic-net = Ridge,
 *     Lasso(alpha = lambda / n), ElasticNet, within their tolerance;
 *   - lbfgs, newton, gradient_descent on least squares and ridge = the
 *     exact solver's answer;
 *   - logistic regression without penalty, with l2 (every solver) and l1
 *     (proximal_grad, admm) = LogisticRegression(C) (lbfgs; saga for l1);
 *   - predict, predict_proba and score = NumPy on the fitted coefficients;
 *   - bad input fails with PAR_EINVAL and a message; the same chunking
 *     gives the same bits on the pool and the serial executor. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp, popen, clock_gettime under -std=c17 */
#endif
#include <libgen.h>
#include <stdatomic.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend_harness.h"
#include "check.h"
#include "par.h"
#include "par_config.h"

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static double uniform(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return ((double)(rng_state >> 11) + 0.5) * 0x1.0p-53;
}

static double normal(void)
{
        return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform());
}

/* A data set: row-major X (n x p), y. */
typedef struct data {
        int64_t n, p;
        double *X, *y;
} data;

/* y = X beta + b0 + noise, features with different offsets and scales. */
static data make_linear(int64_t n, int64_t p)
{
        data d = {n, p, malloc((size_t)(n * p) * sizeof(double)),
                  malloc((size_t)n * sizeof(double))};
        double beta[16];
        for (int64_t j = 0; j < p; j++)
                beta[j] = j % 3 == 2 ? 0.01 : 2 * normal(); /* some small */
        for (int64_t i = 0; i < n; i++) {
                d.y[i] = 1.5 + 0.5 * normal();
                for (int64_t j = 0; j < p; j++) {
                        double x = (double)j - 1 + (0.5 + (double)(j % 3)) * normal();
                        d.X[i * p + j] = x;
                        d.y[i] += beta[j] * x;
                }
        }
        return d;
}

/* Labels from a logistic model on roughly standard features. */
static data make_logistic(int64_t n, int64_t p)
{
        data d = {n, p, malloc((size_t)(n * p) * sizeof(double)),
                  malloc((size_t)n * sizeof(double))};
        for (int64_t i = 0; i < n; i++) {
                double eta = 0.3;
                for (int64_t j = 0; j < p; j++) {
                        double x = 0.2 * (double)j + normal();
                        d.X[i * p + j] = x;
                        eta += (j % 2 ? -1.0 : 1.2) * x / (double)(j + 1);
                }
                d.y[i] = uniform() < 1 / (1 + exp(-eta)) ? 1 : 0;
        }
        return d;
}

static void data_free(data *d)
{
        free(d->X);
        free(d->y);
}

static void arrays(const data *d, int64_t chunk, par_array **X, par_array **y)
{
        par_error err = {0};
        *X = *y = NULL;
        CHECK_OK(par_array_from_buffer(d->X, d->n, d->p, chunk, PAR_ROW_MAJOR, X, &err),
                 &err);
        CHECK_OK(par_array_from_vector(d->y, d->n, chunk, y, &err), &err);
}

static int fit_linear(par_client *c, const data *d, int64_t chunk,
                      const par_linear_regression_opts *o, par_linear_regression *m,
                      par_error *err)
{
        par_array *X, *y;
        arrays(d, chunk, &X, &y);
        int rc = par_linear_regression_fit(c, o, X, y, m, err);
        par_array_release(X);
        par_array_release(y);
        return rc;
}

static int fit_logistic(par_client *c, const data *d, int64_t chunk,
                        const par_logistic_regression_opts *o, par_logistic_regression *m,
                        par_error *err)
{
        par_array *X, *y;
        arrays(d, chunk, &X, &y);
        int rc = par_logistic_regression_fit(c, o, X, y, m, err);
        par_array_release(X);
        par_array_release(y);
        return rc;
}

/* ---- the reference --------------------------------------------------------------------- */

static char tmpdir[64];
static char script[4096];
static int have_sklearn = -1;

static int sklearn_ok(void)
{
        if (have_sklearn < 0) {
                have_sklearn = script[0] &&
                               system("/usr/bin/python3 -c 'import sklearn' >/dev/null "
                                      "2>&1") == 0;
                if (!have_sklearn)
                        printf("  NOTE: /usr/bin/python3 with scikit-learn (or "
                               "tests/glm_ref.py) not found; the comparisons with "
                               "scikit-learn are skipped\n");
        }
        return have_sklearn;
}

static int write_data(const data *d)
{
        char path[128];
        snprintf(path, sizeof path, "%s/X.f8", tmpdir);
        FILE *f = fopen(path, "wb");
        if (!f)
                return -1;
        fwrite(d->X, sizeof(double), (size_t)(d->n * d->p), f);
        fclose(f);
        snprintf(path, sizeof path, "%s/y.f8", tmpdir);
        f = fopen(path, "wb");
        if (!f)
                return -1;
        fwrite(d->y, sizeof(double), (size_t)d->n, f);
        fclose(f);
        return 0;
}

/* One fit scikit-learn makes: its intercept, then its coefficients. */
typedef struct ref_fit {
        const char *model, *penalty;
        double lambda, l1_ratio;
        bool intercept;
        double coef[17];
} ref_fit;

/* Runs every fit of `fits` in one python process. Returns 0, or -1 when
 * scikit-learn is missing (skipped) or failed (a check fails). */
static int sklearn_fits(const data *d, ref_fit *fits, int nfits)
{
        if (!sklearn_ok() || write_data(d) < 0)
                return -1;
        char cmd[8192];
        int len = snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %lld %lld fit", script,
                           tmpdir, (long long)d->n, (long long)d->p);
        for (int k = 0; k < nfits && len < (int)sizeof cmd; k++)
                len += snprintf(cmd + len, sizeof cmd - (size_t)len, " %s,%s,%.17g,%.17g,%d",
                                fits[k].model, fits[k].penalty, fits[k].lambda,
                                fits[k].l1_ratio, fits[k].intercept ? 1 : 0);
        FILE *pp = popen(cmd, "r");
        int64_t got = 0, want = (int64_t)nfits * (d->p + 1);
        while (pp && got < want &&
               fscanf(pp, "%lf", &fits[got / (d->p + 1)].coef[got % (d->p + 1)]) == 1)
                got++;
        int st = pp ? pclose(pp) : -1;
        if (got != want || st != 0) {
                fprintf(stderr, "glm_ref.py failed (status %d, %lld numbers)\n", st,
                        (long long)got);
                CHECK(0);
                return -1;
        }
        return 0;
}

/* max |a - b| over the intercept and coefficients, relative to 1 + |ref|. */
static double coef_diff(double intercept, const double *coef, const double *ref, int64_t p)
{
        double scale = 1, e = fabs(intercept - ref[0]);
        for (int64_t j = 0; j < p; j++) {
                scale = fmax(scale, fabs(ref[1 + j]));
                e = fmax(e, fabs(coef[j] - ref[1 + j]));
        }
        return e / fmax(scale, fabs(ref[0]));
}

static double now_s(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double last_report;

static void report(const char *what, double diff, double tol, int n_iter, bool converged)
{
        double t = now_s();
        printf("  %-44s max rel diff %.2e (tol %.0e), %d iterations%s, %.2f s\n", what, diff,
               tol, n_iter, converged ? "" : " (NOT converged)", t - last_report);
        last_report = t;
        CHECK_MSG(diff <= tol, "%s: %.3g > %.3g", what, diff, tol);
        CHECK_MSG(converged, "%s did not converge", what);
}

/* ---- linear models --------------------------------------------------------------------- */

static const char *const solver_names[] = {"exact",  "admm",
                                           "lbfgs",  "newton",
                                           "gradient_descent", "proximal_grad"};

/* The reference fits of the two data sets, made once. */
static ref_fit lin_refs[] = {
        {"linear", "l2", 500, 0, true, {0}},
        {"linear", "l2", 500, 0, false, {0}},
        {"linear", "l1", 500, 1, true, {0}}, /* Lasso(alpha = 0.1) */
        {"linear", "elastic_net", 500, 0.7, true, {0}},
};
static ref_fit log_refs[] = {
        {"logistic", "none", 0, 0, true, {0}},
        {"logistic", "l2", 100, 0, true, {0}},  /* C = 0.01 */
        {"logistic", "l1", 200, 1, true, {0}},  /* C = 0.005 */
};
static bool lin_ok, log_ok;

static void test_ridge_exact(par_client *c, const data *d)
{
        par_error err = {0};
        par_linear_regression m = {0};
        par_linear_regression_opts o = {.penalty = PAR_PENALTY_L2, .C = 0.002};
        CHECK_OK(fit_linear(c, d, 700, &o, &m, &err), &err);
        CHECK(m.lambda == 500 && m.penalty == PAR_PENALTY_L2 && m.n_iter == 1);
        if (lin_ok)
                report("ridge exact vs Ridge(alpha=500)",
                       coef_diff(m.intercept, m.coef, lin_refs[0].coef, d->p),
                       1e-10, m.n_iter, m.converged);
        par_linear_regression_clear(&m);
        /* Without intercept. */
        o.no_intercept = true;
        CHECK_OK(fit_linear(c, d, 700, &o, &m, &err), &err);
        if (lin_ok)
                report("ridge exact, no intercept",
                       coef_diff(m.intercept, m.coef, lin_refs[1].coef, d->p),
                       1e-10, m.n_iter, m.converged);
        par_linear_regression_clear(&m);
}

/* Every iterative solver that accepts the penalty against `ref`. */
static void linear_solvers(par_client *c, const data *d, par_penalty pen, double C,
                           double l1_ratio, const double *ref, const char *what)
{
        for (int s = PAR_SOLVER_ADMM; s <= PAR_SOLVER_PROXIMAL_GRAD; s++) {
                bool smooth = s != PAR_SOLVER_ADMM && s != PAR_SOLVER_PROXIMAL_GRAD;
                if (smooth && (pen == PAR_PENALTY_L1 || pen == PAR_PENALTY_ELASTIC_NET))
                        continue;
                par_error err = {0};
                par_linear_regression m = {0};
                par_linear_regression_opts o = {
                        .solver = (par_solver)s, .penalty = pen, .C = C,
                        .l1_ratio = l1_ratio, .max_iter = 2000, .tol = 1e-8,
                        .abstol = 1e-10, .reltol = 1e-10};
                CHECK_OK(fit_linear(c, d, 700, &o, &m, &err), &err);
                if (!m.coef)
                        continue;
                char label[96];
                snprintf(label, sizeof label, "%s, %s", what, solver_names[s]);
                report(label, coef_diff(m.intercept, m.coef, ref, d->p), 1e-6, m.n_iter,
                       m.converged);
                CHECK(m.solver == (par_solver)s && m.n_samples == d->n);
                par_linear_regression_clear(&m);
        }
}

static void test_linear_iterative(par_client *c, const data *d)
{
        par_error err = {0};
        double ref[17] = {0};
        /* OLS and ridge: the exact solver is the reference (it is checked
         * against scikit-learn above and in test_linreg). */
        par_linear_regression m = {0};
        CHECK_OK(fit_linear(c, d, 700, NULL, &m, &err), &err);
        ref[0] = m.intercept;
        memcpy(ref + 1, m.coef, (size_t)d->p * sizeof *ref);
        par_linear_regression_clear(&m);
        linear_solvers(c, d, PAR_PENALTY_NONE, 0, 0, ref, "least squares vs exact");
        par_linear_regression_opts o = {.penalty = PAR_PENALTY_L2, .C = 0.002};
        CHECK_OK(fit_linear(c, d, 700, &o, &m, &err), &err);
        ref[0] = m.intercept;
        memcpy(ref + 1, m.coef, (size_t)d->p * sizeof *ref);
        par_linear_regression_clear(&m);
        linear_solvers(c, d, PAR_PENALTY_L2, 0.002, 0, ref, "ridge vs exact");
        /* Lasso and elastic net against scikit-learn. */
        double lam = lin_refs[2].lambda;
        if (lin_ok) {
                int zeros = 0;
                for (int64_t j = 0; j < d->p; j++)
                        zeros += lin_refs[2].coef[1 + j] == 0;
                printf("  Lasso(alpha=0.1): %d of %lld coefficients zero\n", zeros,
                       (long long)d->p);
                CHECK(zeros > 0);
                linear_solvers(c, d, PAR_PENALTY_L1, 1 / lam, 0, lin_refs[2].coef,
                               "lasso vs Lasso");
                linear_solvers(c, d, PAR_PENALTY_ELASTIC_NET, 1 / lam, 0.7, lin_refs[3].coef,
                               "elastic-net vs ElasticNet");
        }
}

/* X and y sliced from one array (the talk's a[:, 0:p], a[:, p:p+1]):
 * the column views and a 2-d y give the exact answer too. */
static void test_slices(par_client *c, const data *d)
{
        par_error err = {0};
        int64_t n = d->n, p = d->p;
        double *xy = malloc((size_t)(n * (p + 1)) * sizeof *xy);
        for (int64_t i = 0; i < n; i++) {
                memcpy(xy + i * (p + 1), d->X + i * p, (size_t)p * sizeof *xy);
                xy[i * (p + 1) + p] = d->y[i];
        }
        par_array *a = NULL, *X = NULL, *y = NULL;
        CHECK_OK(par_array_from_buffer(xy, n, p + 1, 900, PAR_ROW_MAJOR, &a, &err), &err);
        CHECK_OK(par_array_slice(a, PAR_NONE, PAR_NONE, PAR_NONE, 0, p, PAR_NONE, &X, &err),
                 &err);
        CHECK_OK(par_array_slice(a, PAR_NONE, PAR_NONE, PAR_NONE, p, p + 1, PAR_NONE, &y,
                                 &err),
                 &err);
        par_linear_regression e = {0}, m = {0};
        par_linear_regression_opts oe = {.penalty = PAR_PENALTY_L2, .C = 0.01};
        par_linear_regression_opts om = {.penalty = PAR_PENALTY_L2, .C = 0.01,
                                         .solver = PAR_SOLVER_NEWTON, .tol = 1e-10};
        CHECK_OK(par_linear_regression_fit(c, &oe, X, y, &e, &err), &err);
        CHECK_OK(par_linear_regression_fit(c, &om, X, y, &m, &err), &err);
        if (e.coef && m.coef) {
                double ref[17];
                ref[0] = e.intercept;
                memcpy(ref + 1, e.coef, (size_t)p * sizeof *ref);
                report("sliced X and 2-d y, newton vs exact",
                       coef_diff(m.intercept, m.coef, ref, p), 1e-10, m.n_iter, m.converged);
        }
        par_linear_regression_clear(&e);
        par_linear_regression_clear(&m);
        par_array_release(X);
        par_array_release(y);
        par_array_release(a);
        free(xy);
}

/* dask-ml's default: admm, l2, C = 1, loose tolerances. */
static void test_dask_ml_default(par_client *c, const data *d)
{
        par_error err = {0};
        par_linear_regression e = {0}, a = {0};
        par_linear_regression_opts oe = {.penalty = PAR_PENALTY_L2, .C = 1};
        par_linear_regression_opts oa = {.penalty = PAR_PENALTY_L2, .C = 1,
                                         .solver = PAR_SOLVER_ADMM};
        CHECK_OK(fit_linear(c, d, 700, &oe, &e, &err), &err);
        CHECK_OK(fit_linear(c, d, 700, &oa, &a, &err), &err);
        if (e.coef && a.coef) {
                double ref[17];
                ref[0] = e.intercept;
                memcpy(ref + 1, e.coef, (size_t)d->p * sizeof *ref);
                double diff = coef_diff(a.intercept, a.coef, ref, d->p);
                printf("  dask-ml defaults (admm, l2, C=1): rel diff from exact ridge "
                       "%.2e after %d rounds\n",
                       diff, a.n_iter);
                CHECK(a.converged && diff < 1e-2);
        }
        par_linear_regression_clear(&e);
        par_linear_regression_clear(&a);
}

/* ---- logistic regression --------------------------------------------------------------- */

static void logistic_solvers(par_client *c, const data *d, par_penalty pen, double C,
                             const double *ref, const char *what)
{
        for (int s = PAR_SOLVER_ADMM; s <= PAR_SOLVER_PROXIMAL_GRAD; s++) {
                bool smooth = s != PAR_SOLVER_ADMM && s != PAR_SOLVER_PROXIMAL_GRAD;
                if (smooth && pen == PAR_PENALTY_L1)
                        continue;
                par_error err = {0};
                par_logistic_regression m = {0};
                par_logistic_regression_opts o = {
                        .solver = (par_solver)s, .penalty = pen, .C = C,
                        .max_iter = s == PAR_SOLVER_GRADIENT_DESCENT ? 5000 : 1000,
                        .tol = 1e-8, .abstol = 1e-9, .reltol = 1e-9};
                CHECK_OK(fit_logistic(c, d, 450, &o, &m, &err), &err);
                if (!m.coef)
                        continue;
                char label[96];
                snprintf(label, sizeof label, "%s, %s", what, solver_names[s]);
                report(label, coef_diff(m.intercept, m.coef, ref, d->p), 2e-5, m.n_iter,
                       m.converged);
                par_logistic_regression_clear(&m);
        }
}

static void test_logistic(par_client *c, const data *d)
{
        if (log_ok) {
                logistic_solvers(c, d, PAR_PENALTY_NONE, 0, log_refs[0].coef,
                                 "logistic vs LogisticRegression(None)");
                logistic_solvers(c, d, PAR_PENALTY_L2, 0.01, log_refs[1].coef,
                                 "logistic l2 vs LogisticRegression(C=.01)");
                const double *ref = log_refs[2].coef;
                int zeros = 0;
                for (int64_t j = 0; j < d->p; j++)
                        zeros += fabs(ref[1 + j]) < 1e-9;
                printf("  LogisticRegression(l1, C=.005): %d of %lld coefficients zero\n",
                       zeros, (long long)d->p);
                logistic_solvers(c, d, PAR_PENALTY_L1, 0.005, ref,
                                 "logistic l1 vs LogisticRegression(l1)");
        }
        /* Zero-initialized options: unpenalized, lbfgs. */
        par_error err = {0};
        par_logistic_regression m = {0};
        CHECK_OK(fit_logistic(c, d, 450, NULL, &m, &err), &err);
        CHECK(m.solver == PAR_SOLVER_LBFGS && m.penalty == PAR_PENALTY_NONE && m.converged);
        par_logistic_regression_clear(&m);
}

/* predict, predict_proba, score against NumPy on the same coefficients. */
static void test_predict(par_client *c, const data *d)
{
        par_error err = {0};
        par_logistic_regression m = {0};
        par_logistic_regression_opts o = {.penalty = PAR_PENALTY_L2, .C = 0.1};
        CHECK_OK(fit_logistic(c, d, 450, &o, &m, &err), &err);
        if (!m.coef)
                return;
        par_array *X, *y, *pl = NULL, *pp = NULL;
        arrays(d, 450, &X, &y);
        CHECK_OK(par_logistic_regression_predict(&m, X, &pl, &err), &err);
        CHECK_OK(par_logistic_regression_predict_proba(&m, X, &pp, &err), &err);
        double acc = -1;
        CHECK_OK(par_logistic_regression_score(c, &m, X, y, &acc, &err), &err);
        par_value *lv = NULL, *pv = NULL;
        CHECK_OK(par_array_compute(c, pl, &lv, &err), &err);
        CHECK_OK(par_array_compute(c, pp, &pv, &err), &err);
        if (lv && pv && sklearn_ok() && write_data(d) == 0) {
                char path[128], cmd[4400];
                snprintf(path, sizeof path, "%s/w.f8", tmpdir);
                FILE *f = fopen(path, "wb");
                if (f) {
                        fwrite(&m.intercept, sizeof(double), 1, f);
                        fwrite(m.coef, sizeof(double), (size_t)d->p, f);
                        fclose(f);
                }
                snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %lld %lld predict", script,
                         tmpdir, (long long)d->n, (long long)d->p);
                FILE *p = popen(cmd, "r");
                double ref_acc = -1, dp = 0;
                int64_t bad_labels = 0, rows = 0;
                if (p && fscanf(p, "%lf", &ref_acc) == 1) {
                        double a, b;
                        while (rows < d->n && fscanf(p, "%lf %lf", &a, &b) == 2) {
                                dp = fmax(dp, fabs(a - par_ndarray_get(pv, rows, 0)));
                                bad_labels += b != par_ndarray_get(lv, rows, 0);
                                rows++;
                        }
                }
                CHECK(p && pclose(p) == 0);
                printf("  predict_proba vs numpy: max |diff| %.2e; labels differing %lld; "
                       "accuracy %.6f (numpy %.6f)\n",
                       dp, (long long)bad_labels, acc, ref_acc);
                CHECK(rows == d->n && dp <= 1e-14 && bad_labels == 0 && acc == ref_acc);
        }
        par_value_release(lv);
        par_value_release(pv);
        par_array_release(pl);
        par_array_release(pp);
        par_array_release(X);
        par_array_release(y);
        par_logistic_regression_clear(&m);
}

/* ---- errors and determinism ------------------------------------------------------------- */

static void expect_einval(int rc, const par_error *err, const char *what, const char *needle)
{
        printf("  %s: %s\n", what, err->message);
        CHECK_MSG(rc == PAR_EINVAL, "%s: rc %d", what, rc);
        CHECK_MSG(strstr(err->message, needle) != NULL, "%s: message '%s' lacks '%s'", what,
                  err->message, needle);
}

static void test_errors(par_client *c, const data *lin, const data *logi)
{
        par_error err = {0};
        par_linear_regression m = {0};
        par_logistic_regression lm = {0};
        par_array *X = NULL, *y = NULL;
        /* X and y chunked differently. */
        CHECK_OK(par_array_from_buffer(lin->X, lin->n, lin->p, 700, PAR_ROW_MAJOR, &X, &err),
                 &err);
        CHECK_OK(par_array_from_vector(lin->y, lin->n, 500, &y, &err), &err);
        par_linear_regression_opts oa = {.solver = PAR_SOLVER_ADMM};
        expect_einval(par_linear_regression_fit(c, &oa, X, y, &m, &err), &err,
                      "mismatched chunks", "chunk");
        par_array_release(X);
        par_array_release(y);
        /* NaN. */
        data bad = *lin;
        bad.X = malloc((size_t)(lin->n * lin->p) * sizeof(double));
        memcpy(bad.X, lin->X, (size_t)(lin->n * lin->p) * sizeof(double));
        bad.X[1234 * lin->p + 1] = NAN;
        par_linear_regression_opts ol = {.solver = PAR_SOLVER_LBFGS};
        expect_einval(fit_linear(c, &bad, 700, &ol, &m, &err), &err, "NaN in X", "NaN");
        free(bad.X);
        /* Labels outside {0, 1}. */
        bad = *logi;
        bad.y = malloc((size_t)logi->n * sizeof(double));
        memcpy(bad.y, logi->y, (size_t)logi->n * sizeof(double));
        bad.y[999] = 2;
        expect_einval(fit_logistic(c, &bad, 450, NULL, &lm, &err), &err, "label 2",
                      "labels 0 and 1");
        bad.y[999] = NAN;
        expect_einval(fit_logistic(c, &bad, 450, NULL, &lm, &err), &err, "label NaN",
                      "labels 0 and 1");
        free(bad.y);
        /* Options. */
        par_linear_regression_opts o = {.penalty = PAR_PENALTY_L2, .C = -1};
        expect_einval(fit_linear(c, lin, 700, &o, &m, &err), &err, "C < 0", "C = -1");
        o = (par_linear_regression_opts){.solver = (par_solver)99};
        expect_einval(fit_linear(c, lin, 700, &o, &m, &err), &err, "unknown solver",
                      "unknown solver 99");
        o = (par_linear_regression_opts){.penalty = (par_penalty)7};
        expect_einval(fit_linear(c, lin, 700, &o, &m, &err), &err, "unknown penalty",
                      "unknown penalty 7");
        o = (par_linear_regression_opts){.penalty = PAR_PENALTY_L1};
        expect_einval(fit_linear(c, lin, 700, &o, &m, &err), &err, "exact with l1",
                      "admm or proximal_grad");
        par_logistic_regression_opts lo = {.penalty = PAR_PENALTY_L1,
                                           .solver = PAR_SOLVER_NEWTON};
        expect_einval(fit_logistic(c, logi, 450, &lo, &lm, &err), &err, "newton with l1",
                      "smooth penalty");
        lo = (par_logistic_regression_opts){.penalty = PAR_PENALTY_ELASTIC_NET,
                                            .l1_ratio = 1.5};
        expect_einval(fit_logistic(c, logi, 450, &lo, &lm, &err), &err, "l1_ratio 1.5",
                      "l1_ratio");
        CHECK(m.coef == NULL && lm.coef == NULL);
        /* An unfitted model. */
        par_array *pa = NULL;
        arrays(logi, 450, &X, &y);
        expect_einval(par_logistic_regression_predict(&lm, X, &pa, &err), &err,
                      "predict unfitted", "not fitted");
        par_array_release(X);
        par_array_release(y);
}

static void test_determinism(const data *lin, const data *logi)
{
        static const par_exec_kind kinds[] = {PAR_EXEC_POOL, PAR_EXEC_POOL, PAR_EXEC_SERIAL};
        par_logistic_regression lm[3] = {{0}};
        par_linear_regression m[3] = {{0}};
        for (int k = 0; k < 3; k++) {
                par_error err = {0};
                par_client *c = NULL;
                par_client_opts co = {kinds[k], 0};
                CHECK_OK(test_client_new(&co, &c, &err), &err);
                par_logistic_regression_opts lo = {.solver = PAR_SOLVER_ADMM,
                                                   .penalty = PAR_PENALTY_L2, .C = 0.1};
                CHECK_OK(fit_logistic(c, logi, 450, &lo, &lm[k], &err), &err);
                par_linear_regression_opts o = {.solver = PAR_SOLVER_LBFGS,
                                                .penalty = PAR_PENALTY_L2, .C = 0.01};
                CHECK_OK(fit_linear(c, lin, 700, &o, &m[k], &err), &err);
                par_client_free(c);
        }
        for (int k = 1; k < 3; k++) {
                if (!lm[0].coef || !lm[k].coef || !m[0].coef || !m[k].coef)
                        continue;
                CHECK(lm[k].intercept == lm[0].intercept && lm[k].n_iter == lm[0].n_iter);
                CHECK(memcmp(lm[k].coef, lm[0].coef, (size_t)logi->p * sizeof(double)) == 0);
                CHECK(m[k].intercept == m[0].intercept);
                CHECK(memcmp(m[k].coef, m[0].coef, (size_t)lin->p * sizeof(double)) == 0);
        }
        printf("  determinism: admm logistic and lbfgs ridge bit-identical on pool, pool, "
               "serial\n");
        for (int k = 0; k < 3; k++) {
                par_logistic_regression_clear(&lm[k]);
                par_linear_regression_clear(&m[k]);
        }
}

/* ---- out of memory ----------------------------------------------------------------------- */

static atomic_long oom_allocs, oom_live;
static long oom_fail_at = -1;

static void *oom_malloc(size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&oom_allocs, 1) == oom_fail_at)
                return NULL;
        void *p = malloc(n);
        if (p)
                atomic_fetch_add(&oom_live, 1);
        return p;
}

static void *oom_realloc(void *p, size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&oom_allocs, 1) == oom_fail_at)
                return NULL;
        return realloc(p, n);
}

static void oom_free(void *p, void *ud)
{
        (void)ud;
        if (p)
                atomic_fetch_sub(&oom_live, 1);
        free(p);
}

/* Every fit path once, small: logistic admm, linear lbfgs and admm with
 * l1, score. */
static par_error oom_err;

static int oom_scenario(const data *lin, const data *logi)
{
        par_error err = {0};
        par_client *c = NULL;
        int rc = test_client_new(&(par_client_opts){.executor = PAR_EXEC_SERIAL}, &c, &err);
        par_array *X = NULL, *y = NULL;
        par_logistic_regression lm = {0};
        par_linear_regression m = {0};
        if (rc == 0)
                rc = par_array_from_buffer(logi->X, logi->n, logi->p, 40, PAR_ROW_MAJOR, &X,
                                           &err);
        if (rc == 0)
                rc = par_array_from_vector(logi->y, logi->n, 40, &y, &err);
        par_logistic_regression_opts lo = {.solver = PAR_SOLVER_ADMM, .max_iter = 3,
                                           .penalty = PAR_PENALTY_L2};
        if (rc == 0)
                rc = par_logistic_regression_fit(c, &lo, X, y, &lm, &err);
        double acc = 0;
        if (rc == 0)
                rc = par_logistic_regression_score(c, &lm, X, y, &acc, &err);
        par_array_release(X);
        par_array_release(y);
        X = y = NULL;
        if (rc == 0)
                rc = par_array_from_buffer(lin->X, lin->n, lin->p, 40, PAR_ROW_MAJOR, &X,
                                           &err);
        if (rc == 0)
                rc = par_array_from_vector(lin->y, lin->n, 40, &y, &err);
        par_linear_regression_opts o = {.solver = PAR_SOLVER_LBFGS, .max_iter = 3};
        if (rc == 0)
                rc = par_linear_regression_fit(c, &o, X, y, &m, &err);
        o = (par_linear_regression_opts){.solver = PAR_SOLVER_ADMM, .max_iter = 3,
                                         .penalty = PAR_PENALTY_L1};
        if (rc == 0)
                rc = par_linear_regression_fit(c, &o, X, y, &m, &err);
        par_array_release(X);
        par_array_release(y);
        par_logistic_regression_clear(&lm);
        par_linear_regression_clear(&m);
        par_client_free(c);
        oom_err = err;
        return rc;
}

static void test_oom(void)
{
        if (TEST_SKIP_IF_MPI(TEST_WHY_ALLOCATOR))
                return;
        data lin = make_linear(100, 3), logi = make_logistic(100, 2);
        const par_allocator counting = {oom_malloc, oom_realloc, oom_free, NULL};
        par_set_allocator(&counting);
        int rc = oom_scenario(&lin, &logi);
        par_set_allocator(NULL);
        CHECK(rc == 0 && atomic_load(&oom_live) == 0);
        long total = atomic_load(&oom_allocs), failures = 0, leaks = 0;
        for (long at = 0; at < total; at++) {
                atomic_store(&oom_allocs, 0);
                atomic_store(&oom_live, 0);
                oom_fail_at = at;
                par_set_allocator(&counting);
                rc = oom_scenario(&lin, &logi);
                par_set_allocator(NULL);
                failures += rc < 0;
                CHECK_MSG(rc == 0 || rc == PAR_ENOMEM || rc == PAR_ETASK,
                          "failing allocation %ld gave %s: %s", at, par_status_name(rc),
                          oom_err.message);
                if (atomic_load(&oom_live) != 0 && leaks++ < 5)
                        CHECK_MSG(0, "failing allocation %ld leaked %ld blocks", at,
                                  atomic_load(&oom_live));
        }
        oom_fail_at = -1;
        printf("  out of memory: %ld allocations failed in turn, %ld fits failed cleanly, "
               "%ld leaked\n",
               total, failures, leaks);
        data_free(&lin);
        data_free(&logi);
}

/* tests/glm_ref.py, next to this file. */
static void find_script(void)
{
        const char *env = getenv("PAR_GLM_REF");
        char src[4096];
        snprintf(src, sizeof src, "%s", __FILE__);
        const char *dir = dirname(src);
        static const char *const up[] = {"", "../", "../../"};
        if (env && access(env, R_OK) == 0) {
                snprintf(script, sizeof script, "%s", env);
                return;
        }
        for (int i = 0; i < 3; i++) {
                char s[4096];
                snprintf(s, sizeof s, "%s%s/glm_ref.py", dir[0] == '/' ? "" : up[i], dir);
                if (access(s, R_OK) == 0) {
                        snprintf(script, sizeof script, "%s", s);
                        return;
                }
        }
}

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
#if !PAR_HAVE_BLAS
        printf("test_glm: built without OpenBLAS/LAPACKE; fit must say so\n");
        {
                par_error err = {0};
                par_client *c = NULL;
                test_client_new(NULL, &c, &err);
                data d = make_logistic(100, 2);
                par_logistic_regression m = {0};
                CHECK(fit_logistic(c, &d, 50, NULL, &m, &err) == PAR_ENOTSUP);
                data_free(&d);
                par_client_free(c);
        }
        return test_backend_end(check_done("test_glm"));
#else
        find_script();
        snprintf(tmpdir, sizeof tmpdir, "/tmp/par-glm-XXXXXX");
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }
        data lin = make_linear(5000, 6);
        data logi = make_logistic(3000, 4);
        lin_refs[2].lambda = lin_refs[3].lambda = 0.1 * (double)lin.n;
        lin_ok = sklearn_fits(&lin, lin_refs, 4) == 0;
        log_ok = sklearn_fits(&logi, log_refs, 3) == 0;
        last_report = now_s();
        par_error err = {0};
        par_client *c = NULL;
        CHECK_OK(test_client_new(NULL, &c, &err), &err);
        test_ridge_exact(c, &lin);
        test_linear_iterative(c, &lin);
        test_slices(c, &lin);
        test_dask_ml_default(c, &lin);
        test_logistic(c, &logi);
        test_predict(c, &logi);
        test_errors(c, &lin, &logi);
        par_client_free(c);
        test_determinism(&lin, &logi);
        test_oom();
        data_free(&lin);
        data_free(&logi);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", tmpdir);
        return test_backend_end(check_done("test_glm"));
#endif
}
