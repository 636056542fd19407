/* Linear regression against exact answers and against NumPy:
 *   - the talk's pipeline (normals -> frame -> b = 4a + 3 -> array with
 *     lengths -> column slices -> fit) gives 4 and 3 within 1e-12, on the
 *     pool and the serial executor, bit for bit the same;
 *   - the talk's shape (an int64 index column, a, b) from in-memory tables;
 *   - random data with 3 and 7 features (the register loop and the dsyrk
 *     path), with and without intercept, against numpy.linalg.lstsq run by
 *     /usr/bin/python3 on the same numbers (skipped, saying so, without
 *     NumPy);
 *   - rank-deficient X (a duplicated column, a sum of columns, a constant
 *     column): the minimum-norm answer, or PAR_EINVAL on request, never NaN;
 *   - ill-conditioned X (columns x and x + 1e-7 noise): solved by TSQR of
 *     the data to NumPy's answer, where the normal equations lose it;
 *   - predict, score, and the errors. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend_harness.h"
#include "check.h"
#include "par.h"
#include "par_config.h"

#if PAR_HAVE_BLAS
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

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
#endif

/* Fits row-major X, y (chunks of `chunk` rows) and returns the model. */
static int fit_buffers(par_client *c, const double *X, const double *y, int64_t n,
                       int64_t p, int64_t chunk, const par_linear_regression_opts *o,
                       par_linear_regression *m, par_error *err)
{
        par_array *xa = NULL, *ya = NULL;
        int rc = par_array_from_buffer(X, n, p, chunk, PAR_ROW_MAJOR, &xa, err);
        if (rc == 0)
                rc = par_array_from_vector(y, n, chunk, &ya, err);
        if (rc == 0)
                rc = par_linear_regression_fit(c, o, xa, ya, m, err);
        par_array_release(xa);
        par_array_release(ya);
        return rc;
}

#if PAR_HAVE_BLAS
static par_array *col_slice(par_array *a, int64_t j)
{
        par_array *s = NULL;
        par_error err = {0};
        CHECK_OK(par_array_slice(a, PAR_NONE, PAR_NONE, PAR_NONE, j, j + 1, PAR_NONE, &s,
                                 &err),
                 &err);
        return s;
}

/* The talk: gauss_bag -> to_dataframe -> b = 4a + 3 -> to_dask_array ->
 * fit(array[:, 0:1], array[:, 1:2]). */
static void talk_fit(par_client *c, bool lengths, par_linear_regression *m)
{
        par_error err = {0};
        par_bag *bag = NULL;
        par_frame *f = NULL, *g = NULL;
        par_array *a = NULL;
        CHECK_OK(par_bag_random_normal(2019, 1000000, 16, 4, 2, &bag, &err), &err);
        CHECK_OK(par_bag_to_dataframe(bag, 1, (const char *[]){"a"},
                                      (par_dtype[]){PAR_DTYPE_FLOAT64}, &f, &err),
                 &err);
        par_expr *e = par_add(par_mul(par_int(4), par_col("a")), par_int(3));
        CHECK_OK(par_frame_assign(f, "b", e, &g, &err), &err);
        par_expr_release(e);
        CHECK_OK(par_frame_to_array(c, g, lengths, &a, &err), &err);
        par_array *X = col_slice(a, 0), *y = col_slice(a, 1);
        CHECK_OK(par_linear_regression_fit(c, NULL, X, y, m, &err), &err);
        par_array_release(X);
        par_array_release(y);
        par_array_release(a);
        par_frame_release(g);
        par_frame_release(f);
        par_bag_release(bag);
}

static void test_talk(void)
{
        par_linear_regression m[3] = {{0}};
        static const par_exec_kind kinds[] = {PAR_EXEC_POOL, PAR_EXEC_SERIAL, PAR_EXEC_POOL};
        for (int k = 0; k < 3; k++) {
                par_error err = {0};
                par_client *c = NULL;
                par_client_opts o = {kinds[k], 0};
                CHECK_OK(test_client_new(&o, &c, &err), &err);
                talk_fit(c, k != 2, &m[k]);
                par_client_free(c);
        }
        double e_coef = fabs(m[0].coef[0] - 4), e_icpt = fabs(m[0].intercept - 3);
        printf("  talk: coef_ %.17g  intercept_ %.17g  (|error| %.3g, %.3g)\n",
               m[0].coef[0], m[0].intercept, e_coef, e_icpt);
        CHECK_MSG(e_coef <= 1e-12 && e_icpt <= 1e-12, "coef %.17g intercept %.17g",
                  m[0].coef[0], m[0].intercept);
        CHECK(m[0].n_features == 1 && m[0].n_samples == 1000000 && m[0].n_iter == 1);
        CHECK(m[0].rank == 1 && !m[0].min_norm && m[0].fit_intercept);
        /* The same bits on every executor and with unknown chunk lengths. */
        for (int k = 1; k < 3; k++)
                CHECK(m[k].coef[0] == m[0].coef[0] && m[k].intercept == m[0].intercept);
        for (int k = 0; k < 3; k++)
                par_linear_regression_clear(&m[k]);
        CHECK(m[0].coef == NULL);
}

/* The talk's shape: read_csv gave an int64 index column, a and b; the fit
 * takes array[:, 1:2] and array[:, 2:3]. Also predict and score. */
static void test_talk_shape(par_client *c)
{
        enum { P = 16, N = 62500 };
        par_error err = {0};
        static int64_t idx[N];
        static double av[N], bv[N];
        par_value *tables[P];
        for (int p = 0; p < P; p++) {
                for (int i = 0; i < N; i++) {
                        idx[i] = i;
                        av[i] = 4 + 2 * normal();
                        bv[i] = 4 * av[i] + 3;
                }
                par_value *cols[3] = {par_column_from_int64(idx, N, NULL),
                                      par_column_from_float64(av, N, NULL),
                                      par_column_from_float64(bv, N, NULL)};
                tables[p] = par_table_new(3, (const char *[]){"Unnamed: 0", "a", "b"}, cols);
                for (int j = 0; j < 3; j++)
                        par_value_release(cols[j]);
        }
        par_frame *f = NULL;
        par_array *a = NULL;
        CHECK_OK(par_frame_from_tables(P, tables, &f, &err), &err);
        CHECK_OK(par_frame_to_array(c, f, true, &a, &err), &err);
        char line[256];
        par_array_format(a, line, sizeof line);
        CHECK_MSG(strcmp(line, "Bytes 24.00 MB  Shape (1000000, 3)  Chunk (62500, 3)  32 "
                               "Tasks  16 Chunks  float64") == 0,
                  "%s", line);
        par_array *X = col_slice(a, 1), *y = col_slice(a, 2);
        par_linear_regression m = {0};
        CHECK_OK(par_linear_regression_fit(c, NULL, X, y, &m, &err), &err);
        printf("  talk shape: coef_ %.17g  intercept_ %.17g\n", m.coef[0], m.intercept);
        CHECK(fabs(m.coef[0] - 4) <= 1e-12 && fabs(m.intercept - 3) <= 1e-12);
        double r2 = 0;
        CHECK_OK(par_linear_regression_score(c, &m, X, y, &r2, &err), &err);
        CHECK_MSG(fabs(r2 - 1) <= 1e-12, "r2 %.17g", r2);
        par_array *pred = NULL;
        par_value *pv = NULL, *xv = NULL;
        CHECK_OK(par_linear_regression_predict(&m, X, &pred, &err), &err);
        CHECK(par_array_nchunks(pred) == P);
        CHECK_OK(par_array_compute(c, pred, &pv, &err), &err);
        CHECK_OK(par_array_compute(c, X, &xv, &err), &err);
        int bad = 0;
        for (int64_t i = 0; i < (int64_t)P * N; i++) {
                double want = m.intercept + m.coef[0] * par_ndarray_get(xv, i, 0);
                bad += par_ndarray_get(pv, i, 0) != want;
        }
        CHECK_MSG(bad == 0, "%d predictions differ", bad);
        par_value_release(pv);
        par_value_release(xv);
        par_array_release(pred);
        /* Errors: X 1-d, y of two columns, chunked differently, a model
         * with other features. */
        par_array *two = NULL, *vec = NULL;
        CHECK_OK(par_array_slice(a, PAR_NONE, PAR_NONE, PAR_NONE, 1, 3, PAR_NONE, &two, &err),
                 &err);
        par_linear_regression m2 = {0};
        CHECK(par_linear_regression_fit(c, NULL, X, two, &m2, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "one column") != NULL);
        CHECK_OK(par_array_from_vector(av, N, 1000, &vec, &err), &err);
        CHECK(par_linear_regression_fit(c, NULL, vec, vec, &m2, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "2-d") != NULL);
        par_array *half = NULL;
        CHECK_OK(par_array_slice(a, 0, 500000, PAR_NONE, 1, 2, PAR_NONE, &half, &err), &err);
        CHECK(par_linear_regression_fit(c, NULL, X, half, &m2, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "chunk") != NULL);
        CHECK(par_linear_regression_predict(&m, two, &pred, &err) == PAR_EINVAL);
        CHECK(par_linear_regression_predict(&m2, X, &pred, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "not fitted") != NULL);
        CHECK(m2.coef == NULL);
        par_array_release(half);
        par_array_release(vec);
        par_array_release(two);
        par_linear_regression_clear(&m);
        par_array_release(X);
        par_array_release(y);
        par_array_release(a);
        par_frame_release(f);
        for (int p = 0; p < P; p++)
                par_value_release(tables[p]);
}

/* ---- NumPy as the reference ---------------------------------------------------------- */

static const char lstsq_py[] =
        "import sys\n"
        "import numpy as np\n"
        "path, n, p, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])\n"
        "d = np.fromfile(path, dtype='<f8')\n"
        "X = d[:n * p].reshape(n, p)\n"
        "y = d[n * p:n * p + n]\n"
        "if mode == 0:  # through the origin\n"
        "    coef = np.linalg.lstsq(X, y, rcond=None)[0]\n"
        "    b = 0.0\n"
        "elif mode == 1:  # a column of ones\n"
        "    s = np.linalg.lstsq(np.column_stack([X, np.ones(n)]), y, rcond=None)[0]\n"
        "    coef, b = s[:p], s[p]\n"
        "elif mode == 3:  # centered, numpy's cutoff\n"
        "    xm, ym = X.mean(axis=0), y.mean()\n"
        "    coef = np.linalg.lstsq(X - xm, y - ym, rcond=None)[0]\n"
        "    b = ym - xm @ coef\n"
        "elif mode == 4:  # the normal equations by SVD (par's old fallback)\n"
        "    xm, ym = X.mean(axis=0), y.mean()\n"
        "    A = (X - xm).T @ (X - xm)\n"
        "    coef = np.linalg.lstsq(A, (X - xm).T @ (y - ym), rcond=1e-12)[0]\n"
        "    b = ym - xm @ coef\n"
        "else:  # centered, minimum norm (scikit-learn's LinearRegression)\n"
        "    xm, ym = X.mean(axis=0), y.mean()\n"
        "    coef = np.linalg.lstsq(X - xm, y - ym, rcond=1e-10)[0]\n"
        "    b = ym - xm @ coef\n"
        "print(' '.join(repr(float(v)) for v in list(coef) + [b]))\n";

static char tmpdir[64];
static int have_numpy = -1;

static int numpy_ok(void)
{
        if (have_numpy < 0) {
                have_numpy = system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
                if (!have_numpy)
                        printf("  NOTE: /usr/bin/python3 with numpy not found; the "
                               "comparisons with numpy.linalg.lstsq are skipped\n");
        }
        return have_numpy;
}

/* NumPy's answer for row-major X (n x p) and y: p coefficients, then the
 * intercept. Returns 0, or -1 (printed) on failure. */
static int numpy_lstsq(const double *X, const double *y, int64_t n, int64_t p, int mode,
                       double *out)
{
        char data[128], script[128], cmd[512];
        snprintf(data, sizeof data, "%s/xy.f8", tmpdir);
        snprintf(script, sizeof script, "%s/lstsq.py", tmpdir);
        FILE *f = fopen(data, "wb");
        FILE *s = fopen(script, "w");
        if (!f || !s) {
                perror("writing the numpy input");
                if (f)
                        fclose(f);
                if (s)
                        fclose(s);
                return -1;
        }
        fwrite(X, sizeof *X, (size_t)(n * p), f);
        fwrite(y, sizeof *y, (size_t)n, f);
        fclose(f);
        fputs(lstsq_py, s);
        fclose(s);
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %lld %lld %d", script, data,
                 (long long)n, (long long)p, mode);
        FILE *pp = popen(cmd, "r");
        int got = 0;
        while (pp && got <= p && fscanf(pp, "%lf", &out[got]) == 1)
                got++;
        int st = pp ? pclose(pp) : -1;
        if (got != p + 1 || st != 0) {
                fprintf(stderr, "numpy lstsq failed (status %d, %d numbers)\n", st, got);
                return -1;
        }
        return 0;
}

static void test_random(par_client *c, int64_t p, bool intercept)
{
        enum { N = 20000 };
        par_error err = {0};
        double *X = malloc((size_t)(N * p) * sizeof *X), *y = malloc(N * sizeof *y);
        double beta[16], b0 = intercept ? -7.25 : 0;
        for (int64_t j = 0; j < p; j++)
                beta[j] = 3 * normal();
        for (int64_t i = 0; i < N; i++) {
                y[i] = b0 + 0.1 * normal();
                for (int64_t j = 0; j < p; j++) {
                        /* Columns with offsets and scales far apart. */
                        double x = (double)(j * 10) + pow(10, (double)(j % 4) - 1) * normal();
                        X[i * p + j] = x;
                        y[i] += beta[j] * x;
                }
        }
        par_linear_regression m = {0};
        par_linear_regression_opts o = {0};
        o.no_intercept = !intercept;
        CHECK_OK(fit_buffers(c, X, y, N, p, 1500, &o, &m, &err), &err);
        CHECK(m.n_features == p && !m.min_norm && m.rank == p);
        double ref[17];
        if (numpy_ok() && numpy_lstsq(X, y, N, p, intercept ? 1 : 0, ref) == 0) {
                double worst = 0;
                for (int64_t j = 0; j <= p; j++) {
                        double got = j < p ? m.coef[j] : m.intercept;
                        double d = fabs(got - ref[j]) / (1 + fabs(ref[j]));
                        worst = d > worst ? d : worst;
                }
                printf("  p=%lld %s: max relative difference from numpy lstsq %.3g "
                       "(rcond %.3g)\n",
                       (long long)p, intercept ? "with intercept" : "through 0", worst,
                       m.rcond);
                CHECK_MSG(worst < 1e-9, "p=%lld: %.3g", (long long)p, worst);
        }
        /* score against a long-double R^2 of the same predictions. */
        double r2 = 0;
        par_array *xa = NULL, *ya = NULL;
        CHECK_OK(par_array_from_buffer(X, N, p, 1500, PAR_ROW_MAJOR, &xa, &err), &err);
        CHECK_OK(par_array_from_vector(y, N, 1500, &ya, &err), &err);
        CHECK_OK(par_linear_regression_score(c, &m, xa, ya, &r2, &err), &err);
        long double ym = 0, ss_res = 0, ss_tot = 0;
        for (int64_t i = 0; i < N; i++)
                ym += y[i];
        ym /= N;
        for (int64_t i = 0; i < N; i++) {
                double yhat = m.intercept;
                for (int64_t j = 0; j < p; j++)
                        yhat += X[i * p + j] * m.coef[j];
                ss_res += (y[i] - (long double)yhat) * (y[i] - (long double)yhat);
                ss_tot += (y[i] - ym) * (y[i] - ym);
        }
        double want = (double)(1 - ss_res / ss_tot);
        CHECK_MSG(fabs(r2 - want) < 1e-12, "r2 %.17g vs %.17g", r2, want);
        par_array_release(xa);
        par_array_release(ya);
        par_linear_regression_clear(&m);
        free(X);
        free(y);
}

static void test_rank_deficient(par_client *c)
{
        enum { N = 10000 };
        par_error err = {0};
        static double X[N * 3], y[N];
        /* A duplicated column: the weight is shared. */
        for (int i = 0; i < N; i++) {
                double x = 4 + 2 * normal();
                X[i * 2] = X[i * 2 + 1] = x;
                y[i] = 4 * x + 3;
        }
        par_linear_regression m = {0};
        CHECK_OK(fit_buffers(c, X, y, N, 2, 999, NULL, &m, &err), &err);
        printf("  duplicated column: coef [%.15g, %.15g] intercept %.15g rank %d "
               "rcond %.3g%s\n",
               m.coef[0], m.coef[1], m.intercept, m.rank, m.rcond,
               m.min_norm ? " (minimum norm)" : "");
        CHECK(m.min_norm && m.rank == 1);
        CHECK(fabs(m.coef[0] - 2) < 1e-9 && fabs(m.coef[1] - 2) < 1e-9 &&
              fabs(m.intercept - 3) < 1e-9);
        par_linear_regression_opts strict = {0};
        strict.require_full_rank = true;
        CHECK(fit_buffers(c, X, y, N, 2, 999, &strict, &m, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "rank-deficient") != NULL);
        printf("  with require_full_rank: %s\n", err.message);
        /* The failed fit left the earlier result alone. */
        CHECK(m.coef && isfinite(m.coef[0]));

        /* A column that is the sum of two others, against numpy. */
        for (int i = 0; i < N; i++) {
                double a = normal(), b = 3 + normal();
                X[i * 3] = a;
                X[i * 3 + 1] = b;
                X[i * 3 + 2] = a + b;
                y[i] = 1 + 2 * a - b + 0.01 * normal();
        }
        CHECK_OK(fit_buffers(c, X, y, N, 3, 999, NULL, &m, &err), &err);
        CHECK(m.min_norm && m.rank == 2);
        bool finite = isfinite(m.intercept);
        for (int j = 0; j < 3; j++)
                finite = finite && isfinite(m.coef[j]);
        CHECK(finite);
        double ref[4];
        if (numpy_ok() && numpy_lstsq(X, y, N, 3, 2, ref) == 0) {
                double worst = 0;
                for (int j = 0; j < 4; j++) {
                        double got = j < 3 ? m.coef[j] : m.intercept;
                        worst = fmax(worst, fabs(got - ref[j]) / (1 + fabs(ref[j])));
                }
                printf("  x3 = x1 + x2: max relative difference from numpy's "
                       "minimum-norm lstsq %.3g\n",
                       worst);
                CHECK_MSG(worst < 1e-8, "%.3g", worst);
        }

        /* A constant column gets weight 0. */
        for (int i = 0; i < N; i++) {
                X[i * 2] = normal();
                X[i * 2 + 1] = 5;
                y[i] = 3 * X[i * 2] + 1;
        }
        CHECK_OK(fit_buffers(c, X, y, N, 2, 999, NULL, &m, &err), &err);
        CHECK(m.min_norm && fabs(m.coef[1]) < 1e-12 && fabs(m.coef[0] - 3) < 1e-12 &&
              fabs(m.intercept - 1) < 1e-12);

        /* NaN in y: a clear error, not NaN coefficients. */
        y[1234] = NAN;
        CHECK(fit_buffers(c, X, y, N, 2, 999, NULL, &m, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "NaN") != NULL);
        /* One row with an intercept: the slope is undetermined. */
        CHECK_OK(fit_buffers(c, X, y, 1, 1, 999, NULL, &m, &err), &err);
        CHECK(m.min_norm && m.coef[0] == 0 && m.intercept == y[0]);
        par_linear_regression_clear(&m);
}

/* Nearly collinear columns, x and x + 1e-7 noise: the normal equations
 * square a condition number near 1e8 past what doubles hold, so the
 * Cholesky is refused and the fit solves by TSQR of the data. NumPy's
 * lstsq of the centered data is the reference; the old fallback (the
 * normal equations by SVD) is off by far more. */
static void test_ill_conditioned(par_client *c)
{
        enum { N = 20000, P = 2 };
        par_error err = {0};
        static double X[N * P], y[N];
        for (int i = 0; i < N; i++) {
                double x = 4 + normal();
                X[i * P] = x;
                X[i * P + 1] = x + 1e-7 * normal();
                y[i] = 1 + 2 * X[i * P] + 3 * X[i * P + 1] + 1e-9 * normal();
        }
        par_linear_regression m = {0};
        CHECK_OK(fit_buffers(c, X, y, N, P, 1700, NULL, &m, &err), &err);
        CHECK(m.rank == P && !m.min_norm && m.rcond < 1e-12);
        double ref[P + 1], old[P + 1];
        if (!numpy_ok() || numpy_lstsq(X, y, N, P, 3, ref) < 0 ||
            numpy_lstsq(X, y, N, P, 4, old) < 0) {
                par_linear_regression_clear(&m);
                return;
        }
        double worst = 0, worst_old = 0;
        for (int j = 0; j <= P; j++) {
                double got = j < P ? m.coef[j] : m.intercept;
                worst = fmax(worst, fabs(got - ref[j]) / (1 + fabs(ref[j])));
                worst_old = fmax(worst_old, fabs(old[j] - ref[j]) / (1 + fabs(ref[j])));
        }
        printf("  ill-conditioned: coef [%.12g, %.12g] (numpy [%.12g, %.12g]) rcond "
               "%.3g; max relative difference from numpy lstsq %.3g, the normal "
               "equations' %.3g\n",
               m.coef[0], m.coef[1], ref[0], ref[1], m.rcond, worst, worst_old);
        CHECK_MSG(worst < 1e-6, "%.3g", worst);
        CHECK_MSG(worst_old > 1e-3, "the normal equations were not worse: %.3g",
                  worst_old);
        /* Through the origin, against numpy's plain lstsq. */
        par_linear_regression_opts o = {0};
        o.no_intercept = true;
        CHECK_OK(fit_buffers(c, X, y, N, P, 1700, &o, &m, &err), &err);
        if (numpy_lstsq(X, y, N, P, 0, ref) == 0) {
                worst = 0;
                for (int j = 0; j < P; j++)
                        worst = fmax(worst, fabs(m.coef[j] - ref[j]) / (1 + fabs(ref[j])));
                printf("  ill-conditioned through 0: max relative difference %.3g\n",
                       worst);
                CHECK_MSG(worst < 1e-6 && m.intercept == 0, "%.3g", worst);
        }
        /* A duplicated column besides: rank 2 of 3, numpy's minimum norm. */
        static double X3[N * 3];
        for (int i = 0; i < N; i++) {
                X3[i * 3] = X[i * P];
                X3[i * 3 + 1] = X[i * P + 1];
                X3[i * 3 + 2] = X[i * P];
        }
        CHECK_OK(fit_buffers(c, X3, y, N, 3, 1700, NULL, &m, &err), &err);
        CHECK(m.min_norm && m.rank == 2);
        double ref3[4];
        if (numpy_lstsq(X3, y, N, 3, 3, ref3) == 0) {
                worst = 0;
                for (int j = 0; j <= 3; j++) {
                        double got = j < 3 ? m.coef[j] : m.intercept;
                        worst = fmax(worst, fabs(got - ref3[j]) / (1 + fabs(ref3[j])));
                }
                printf("  ill-conditioned and rank-deficient: coef [%.10g, %.10g, "
                       "%.10g] rank %d; max relative difference from numpy %.3g\n",
                       m.coef[0], m.coef[1], m.coef[2], m.rank, worst);
                CHECK_MSG(worst < 1e-6, "%.3g", worst);
        }
        par_linear_regression_clear(&m);
}

#endif /* PAR_HAVE_BLAS */

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
#if !PAR_HAVE_BLAS
        printf("test_linreg: built without OpenBLAS/LAPACKE; fit must say so\n");
        {
                par_error err = {0};
                par_client *c = NULL;
                test_client_new(NULL, &c, &err);
                double x[4] = {1, 2, 3, 4};
                par_linear_regression m = {0};
                CHECK(fit_buffers(c, x, x, 4, 1, 2, NULL, &m, &err) == PAR_ENOTSUP);
                par_client_free(c);
        }
        return test_backend_end(check_done("test_linreg"));
#else
        snprintf(tmpdir, sizeof tmpdir, "/tmp/par-linreg-XXXXXX");
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }
        test_talk();
        par_error err = {0};
        par_client *c = NULL;
        CHECK_OK(test_client_new(NULL, &c, &err), &err);
        test_talk_shape(c);
        test_random(c, 3, true);
        test_random(c, 7, true);
        test_random(c, 3, false);
        test_rank_deficient(c);
        test_ill_conditioned(c);
        par_client_free(c);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", tmpdir);
        return test_backend_end(check_done("test_linreg"));
#endif
}
