/* Linear algebra on chunked arrays against NumPy (tests/linalg_ref.py, run
 * by /usr/bin/python3 on the numbers this test writes):
 *   - matmul: uneven chunks, strided views (copied) and plain chunks, a b
 *     of several chunks, a 1-d b;
 *   - crossprod: a.T @ b, a.T @ v, and a dot product of two vectors;
 *   - TSQR: R equals numpy.linalg.qr's R up to the signs of its rows, Q
 *     has orthonormal columns and Q R = a, for a tree of several levels,
 *     one chunk, and chunks shorter than the row of columns;
 *   - lstsq: numpy.linalg.lstsq's solution, residuals, rank and singular
 *     values, for one and two right-hand sides, a rank-deficient a (the
 *     minimum-norm answer), an ill-conditioned one, and n < k;
 *   - errors: shapes and chunkings that do not fit, NaN.
 * The path of linalg_ref.py is the first argument. Without NumPy the
 * comparisons are skipped, saying so; the structural checks still run. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_harness.h"
#include "check.h"
#include "par.h"
#include "par_config.h"

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

static double *randn(int64_t n)
{
        double *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
        for (int64_t i = 0; i < n; i++)
                p[i] = normal();
        return p;
}

static const char *script;
static char tmpdir[64];
static int have_numpy = -1;

static int numpy_ok(void)
{
        if (have_numpy < 0) {
                have_numpy = script && system("/usr/bin/python3 -c 'import numpy' "
                                              ">/dev/null 2>&1") == 0;
                if (!have_numpy)
                        printf("  NOTE: /usr/bin/python3 with numpy (or the script "
                               "linalg_ref.py) not found; the comparisons with "
                               "NumPy are skipped\n");
        }
        return have_numpy;
}

static int write_f8(const char *name, const double *p, int64_t n)
{
        char path[128];
        snprintf(path, sizeof path, "%s/%s", tmpdir, name);
        FILE *f = fopen(path, "wb");
        if (!f)
                return -1;
        size_t w = fwrite(p, sizeof *p, (size_t)n, f);
        return fclose(f) == 0 && w == (size_t)n ? 0 : -1;
}

/* NumPy's answer for `op` (see linalg_ref.py): a is n x k row-major, b
 * (optional) has nb numbers. Returns a malloc'd array and its length in
 * *len, or NULL (printed). */
static double *numpy_ref(const char *op, const double *a, int64_t n, int64_t k,
                         const double *b, int64_t nb, int64_t m, int64_t *len)
{
        char cmd[512], path[128];
        if (write_f8("a.f8", a, n * k) < 0 || (b && write_f8("b.f8", b, nb) < 0)) {
                perror("writing the numpy input");
                return NULL;
        }
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s %lld %lld %lld", script, op,
                 tmpdir, (long long)n, (long long)k, (long long)m);
        if (system(cmd) != 0) {
                fprintf(stderr, "%s failed\n", cmd);
                return NULL;
        }
        snprintf(path, sizeof path, "%s/out.f8", tmpdir);
        FILE *f = fopen(path, "rb");
        if (!f)
                return NULL;
        fseek(f, 0, SEEK_END);
        long bytes = ftell(f);
        fseek(f, 0, SEEK_SET);
        double *out = malloc((size_t)(bytes > 0 ? bytes : 8));
        *len = (int64_t)(fread(out, 1, (size_t)bytes, f) / sizeof *out);
        fclose(f);
        return out;
}

/* Computes an array into a malloc'd row-major buffer. */
static double *compute_rm(par_client *c, par_array *a, int64_t *rows, int64_t *cols)
{
        par_error err = {0};
        par_value *v = NULL;
        CHECK_OK(par_array_compute(c, a, &v, &err), &err);
        if (!v)
                return NULL;
        *rows = par_ndarray_rows(v);
        *cols = par_ndarray_cols(v);
        double *p = malloc((size_t)(*rows * *cols > 0 ? *rows * *cols : 1) * sizeof *p);
        CHECK_OK(par_ndarray_copy(v, PAR_ROW_MAJOR, p, &err), &err);
        par_value_release(v);
        return p;
}

/* max |x - y| / (1 + max |y|) over n numbers. */
static double rel_diff(const double *x, const double *y, int64_t n)
{
        double d = 0, s = 0;
        for (int64_t i = 0; i < n; i++) {
                d = fmax(d, fabs(x[i] - y[i]));
                s = fmax(s, fabs(y[i]));
        }
        return d / (1 + s);
}

static par_array *from_rm(const double *p, int64_t n, int64_t k, int64_t chunk)
{
        par_error err = {0};
        par_array *a = NULL;
        CHECK_OK(par_array_from_buffer(p, n, k, chunk, PAR_ROW_MAJOR, &a, &err), &err);
        return a;
}

static par_array *slice(par_array *a, int64_t r0, int64_t r1, int64_t rstep, int64_t c0,
                        int64_t c1, int64_t cstep)
{
        par_error err = {0};
        par_array *s = NULL;
        CHECK_OK(par_array_slice(a, r0, r1, rstep, c0, c1, cstep, &s, &err), &err);
        return s;
}

/* ---- matmul ---------------------------------------------------------------------------- */

static void test_matmul(par_client *c)
{
        enum { N = 3001, K = 5, M = 3 };
        par_error err = {0};
        double *A = randn(N * K), *B = randn(K * M);
        par_array *a = from_rm(A, N, K, 700), *b = from_rm(B, K, M, 2), *ab = NULL;
        CHECK_OK(par_array_matmul(a, b, &ab, &err), &err);
        int64_t shape[2];
        CHECK(par_array_shape(ab, shape) == 2 && shape[0] == N && shape[1] == M);
        CHECK(par_array_nchunks(ab) == par_array_nchunks(a));
        int64_t r = 0, k = 0, len = 0;
        double *got = ab ? compute_rm(c, ab, &r, &k) : NULL;
        CHECK(got && r == N && k == M);
        double *ref = numpy_ok() ? numpy_ref("matmul", A, N, K, B, K * M, M, &len) : NULL;
        if (ref && got) {
                CHECK(len == N * M);
                double d = rel_diff(got, ref, N * M);
                printf("  matmul: max relative difference from numpy %.3g\n", d);
                CHECK_MSG(d < 1e-13, "%.3g", d);
        }
        free(got);
        free(ref);
        par_array_release(ab);

        /* A strided view (every other row, columns reversed) times a 1-d b. */
        par_array *v = slice(a, PAR_NONE, PAR_NONE, 2, PAR_NONE, PAR_NONE, -1);
        par_array *bv = NULL, *vb = NULL;
        CHECK_OK(par_array_from_vector(B, K, K, &bv, &err), &err);
        CHECK_OK(par_array_matmul(v, bv, &vb, &err), &err);
        CHECK(par_array_shape(vb, shape) == 1 && shape[0] == (N + 1) / 2);
        got = vb ? compute_rm(c, vb, &r, &k) : NULL;
        if (got) {
                double worst = 0;
                for (int64_t i = 0; i < (N + 1) / 2; i++) {
                        long double s = 0;
                        for (int64_t j = 0; j < K; j++)
                                s += (long double)A[2 * i * K + (K - 1 - j)] * B[j];
                        worst = fmax(worst, fabs(got[i] - (double)s));
                }
                CHECK_MSG(worst < 1e-13, "strided matmul differs by %.3g", worst);
        }
        free(got);

        /* Errors: k does not match; a 1-d a. */
        par_array *bad = NULL;
        CHECK(par_array_matmul(a, a, &bad, &err) == PAR_EINVAL && !bad);
        CHECK(strstr(err.message, "columns") != NULL);
        CHECK(par_array_matmul(bv, bv, &bad, &err) == PAR_EINVAL && !bad);
        par_array_release(a);
        par_array_release(b);
        par_array_release(v);
        par_array_release(bv);
        par_array_release(vb);
        free(A);
        free(B);
}

/* ---- crossprod --------------------------------------------------------------------------- */

static void test_crossprod(par_client *c)
{
        enum { N = 4000, K = 6, M = 3 };
        par_error err = {0};
        double *A = randn(N * K), *B = randn(N * M);
        par_array *a = from_rm(A, N, K, 333), *b = from_rm(B, N, M, 333), *ab = NULL;
        par_agg_opts o = {0};
        o.split_every = 3;
        CHECK_OK(par_array_crossprod(a, b, &o, &ab, &err), &err);
        int64_t shape[2], r = 0, k = 0, len = 0;
        CHECK(par_array_shape(ab, shape) == 2 && shape[0] == K && shape[1] == M);
        double *got = ab ? compute_rm(c, ab, &r, &k) : NULL;
        double *ref = numpy_ok() ? numpy_ref("crossprod", A, N, K, B, N * M, M, &len)
                                 : NULL;
        if (ref && got) {
                CHECK(len == K * M && r == K && k == M);
                double d = rel_diff(got, ref, K * M);
                printf("  crossprod: max relative difference from numpy %.3g\n", d);
                CHECK_MSG(d < 1e-12, "%.3g", d);
        }
        free(got);
        free(ref);
        par_array_release(ab);

        /* a.T @ a (the Gram matrix): symmetric, against a long double sum. */
        CHECK_OK(par_array_crossprod(a, a, NULL, &ab, &err), &err);
        got = ab ? compute_rm(c, ab, &r, &k) : NULL;
        if (got) {
                double worst = 0;
                for (int64_t j = 0; j < K; j++)
                        for (int64_t l = 0; l < K; l++) {
                                long double s = 0;
                                for (int64_t i = 0; i < N; i++)
                                        s += (long double)A[i * K + j] * A[i * K + l];
                                worst = fmax(worst, fabs(got[j * K + l] - (double)s) /
                                                            (1 + fabs((double)s)));
                        }
                CHECK_MSG(worst < 1e-12, "gram differs by %.3g", worst);
        }
        free(got);
        par_array_release(ab);

        /* Two vectors: a 0-d dot product; a column of a against a vector. */
        par_array *x = NULL, *y = NULL, *dot = NULL, *av = NULL;
        CHECK_OK(par_array_from_vector(B, N, 333, &x, &err), &err);
        CHECK_OK(par_array_from_vector(B + N, N, 333, &y, &err), &err);
        CHECK_OK(par_array_crossprod(x, y, NULL, &dot, &err), &err);
        CHECK(par_array_shape(dot, NULL) == 0);
        got = dot ? compute_rm(c, dot, &r, &k) : NULL;
        if (got) {
                long double s = 0;
                for (int64_t i = 0; i < N; i++)
                        s += (long double)B[i] * B[N + i];
                CHECK_MSG(fabs(got[0] - (double)s) < 1e-11, "dot %.17g vs %.17g", got[0],
                          (double)s);
        }
        free(got);
        CHECK_OK(par_array_crossprod(a, x, NULL, &av, &err), &err);
        CHECK(par_array_shape(av, shape) == 1 && shape[0] == K);
        /* A vector against a matrix: (M,). */
        par_array *vb = NULL;
        CHECK_OK(par_array_crossprod(x, b, NULL, &vb, &err), &err);
        CHECK(par_array_shape(vb, shape) == 1 && shape[0] == M);
        got = vb ? compute_rm(c, vb, &r, &k) : NULL;
        if (got) {
                CHECK(r == M && k == 1);
                double worst = 0;
                for (int64_t j = 0; j < M; j++) {
                        long double s = 0;
                        for (int64_t i = 0; i < N; i++)
                                s += (long double)B[i] * B[i * M + j];
                        worst = fmax(worst, fabs(got[j] - (double)s));
                }
                CHECK_MSG(worst < 1e-11, "vector.T @ b differs by %.3g", worst);
        }
        free(got);
        par_array_release(vb);

        /* Errors: different chunkings. */
        par_array *a2 = from_rm(A, N, K, 500), *bad = NULL;
        CHECK(par_array_crossprod(a2, b, NULL, &bad, &err) == PAR_EINVAL && !bad);
        CHECK(strstr(err.message, "chunk") != NULL);
        par_array *a3 = slice(a, 0, N - 1, 1, PAR_NONE, PAR_NONE, PAR_NONE);
        CHECK(par_array_crossprod(a3, b, NULL, &bad, &err) == PAR_EINVAL && !bad);
        par_array_release(a2);
        par_array_release(a3);
        par_array_release(x);
        par_array_release(y);
        par_array_release(dot);
        par_array_release(av);
        par_array_release(a);
        par_array_release(b);
        free(A);
        free(B);
}

/* ---- TSQR -------------------------------------------------------------------------------- */

static void check_qr(par_client *c, const double *A, int64_t n, int64_t k,
                     int64_t chunk, int split_every, const char *what)
{
        par_error err = {0};
        par_array *a = from_rm(A, n, k, chunk), *q = NULL, *r = NULL;
        par_agg_opts o = {0};
        o.split_every = split_every;
        CHECK_OK(par_array_tsqr(a, &o, &q, &r, &err), &err);
        int64_t mm = n < k ? n : k, shape[2];
        CHECK(par_array_shape(r, shape) == 2 && shape[0] == mm && shape[1] == k);
        CHECK(par_array_shape(q, shape) == 2 && shape[0] == n && shape[1] == mm);
        CHECK(par_array_nchunks(q) == par_array_nchunks(a));
        int64_t rr = 0, rc = 0, qr = 0, qc = 0, len = 0;
        double *R = r ? compute_rm(c, r, &rr, &rc) : NULL;
        double *Q = q ? compute_rm(c, q, &qr, &qc) : NULL;
        if (!R || !Q) {
                free(R);
                free(Q);
                par_array_release(a);
                par_array_release(q);
                par_array_release(r);
                return;
        }
        /* Q^T Q = I and Q R = A. */
        double orth = 0, recon = 0, scale = 0;
        for (int64_t j = 0; j < mm; j++)
                for (int64_t l = 0; l < mm; l++) {
                        long double s = 0;
                        for (int64_t i = 0; i < n; i++)
                                s += (long double)Q[i * mm + j] * Q[i * mm + l];
                        orth = fmax(orth, fabs((double)s - (j == l)));
                }
        for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < k; j++) {
                        long double s = 0;
                        for (int64_t l = 0; l < mm; l++)
                                s += (long double)Q[i * mm + l] * R[l * k + j];
                        recon = fmax(recon, fabs((double)s - A[i * k + j]));
                        scale = fmax(scale, fabs(A[i * k + j]));
                }
        /* R is upper triangular. */
        double lower = 0;
        for (int64_t i = 0; i < mm; i++)
                for (int64_t j = 0; j < i && j < k; j++)
                        lower = fmax(lower, fabs(R[i * k + j]));
        printf("  tsqr %s: |Q^T Q - I| %.3g, |QR - A| / |A| %.3g\n", what, orth,
               recon / scale);
        CHECK_MSG(orth < 1e-13, "%s: %.3g", what, orth);
        CHECK_MSG(recon / scale < 1e-13, "%s: %.3g", what, recon / scale);
        CHECK(lower == 0);
        double *ref = numpy_ok() ? numpy_ref("qr", A, n, k, NULL, 0, 0, &len) : NULL;
        if (ref) {
                CHECK(len == mm * k);
                /* Up to the signs of the rows. */
                double d = 0, s = 0;
                for (int64_t i = 0; i < mm && len == mm * k; i++) {
                        double sg = (R[i * k + i] < 0) == (ref[i * k + i] < 0) ? 1 : -1;
                        for (int64_t j = 0; j < k; j++) {
                                d = fmax(d, fabs(sg * R[i * k + j] - ref[i * k + j]));
                                s = fmax(s, fabs(ref[i * k + j]));
                        }
                }
                printf("  tsqr %s: R's max relative difference from numpy's (row "
                       "signs aside) %.3g\n",
                       what, d / s);
                CHECK_MSG(d / s < 1e-12, "%s: %.3g", what, d / s);
        }
        free(ref);
        free(R);
        free(Q);
        par_array_release(a);
        par_array_release(q);
        par_array_release(r);
}

static void test_tsqr(par_client *c)
{
        par_error err = {0};
        double *A = randn(5000 * 6);
        /* Columns of very different sizes. */
        for (int64_t i = 0; i < 5000; i++)
                for (int64_t j = 0; j < 6; j++)
                        A[i * 6 + j] = A[i * 6 + j] * pow(10, (double)j - 2) + (double)j;
        check_qr(c, A, 5000, 6, 600, 3, "9 chunks, split_every 3");
        check_qr(c, A, 5000, 6, 5000, 0, "one chunk");
        check_qr(c, A, 50, 6, 4, 2, "chunks of 4 rows < 6 columns");
        check_qr(c, A, 4, 6, 3, 0, "4 x 6 (wide)");

        /* R alone; errors. */
        par_array *a = from_rm(A, 100, 6, 30), *r = NULL, *q = NULL, *v = NULL;
        CHECK_OK(par_array_tsqr(a, NULL, NULL, &r, &err), &err);
        CHECK(r != NULL);
        par_array_release(r);
        r = NULL;
        CHECK(par_array_tsqr(a, NULL, NULL, NULL, &err) == PAR_EINVAL);
        CHECK_OK(par_array_from_vector(A, 100, 30, &v, &err), &err);
        CHECK(par_array_tsqr(v, NULL, &q, &r, &err) == PAR_EINVAL && !q && !r);
        CHECK(strstr(err.message, "2-d") != NULL);
        par_agg_opts o = {0};
        o.split_every = 1;
        CHECK(par_array_tsqr(a, &o, &q, NULL, &err) == PAR_EINVAL && !q);
        par_array_release(a);
        par_array_release(v);
        free(A);
}

/* ---- lstsq -------------------------------------------------------------------------------- */

/* par's lstsq against NumPy's: x within tol (relative), the rank and
 * the number of residuals equal, residuals within max(1e-10, tol) and
 * singular values within 1e-10 (relative). */
static void check_lstsq(par_client *c, const double *A, const double *B, int64_t n,
                        int64_t k, int64_t m, int b_is_vector, int64_t chunk,
                        double tol, const char *what)
{
        par_error err = {0};
        par_array *a = from_rm(A, n, k, chunk), *b = NULL;
        if (b_is_vector)
                CHECK_OK(par_array_from_vector(B, n, chunk, &b, &err), &err);
        else
                b = from_rm(B, n, m, chunk);
        par_lstsq_result res = {0};
        par_lstsq_opts o = {0};
        o.split_every = 4;
        CHECK_OK(par_array_lstsq(c, a, b, &o, &res, &err), &err);
        par_array_release(a);
        par_array_release(b);
        CHECK(res.k == k && res.m == m && res.n == n);
        int64_t len = 0;
        double *ref = numpy_ok() ? numpy_ref("lstsq", A, n, k, B, n * m, m, &len) : NULL;
        if (ref && res.x) {
                /* x (k x m row-major), rank, nres, res[nres], ns, s[ns] */
                double *x = malloc((size_t)(k * m) * sizeof *x);
                for (int64_t j = 0; j < m; j++)
                        for (int64_t i = 0; i < k; i++)
                                x[i * m + j] = res.x[i + j * k];
                double dx = rel_diff(x, ref, k * m);
                int rank = (int)ref[k * m];
                int64_t nres = (int64_t)ref[k * m + 1];
                const double *rres = ref + k * m + 2;
                int64_t ns = (int64_t)rres[nres];
                const double *rs = rres + nres + 1;
                printf("  lstsq %s: rank %d (numpy %d), x's max relative difference "
                       "%.3g\n",
                       what, res.rank, rank, dx);
                CHECK_MSG(dx < tol, "%s: %.3g", what, dx);
                CHECK_MSG(res.rank == rank, "%s: rank %d vs %d", what, res.rank, rank);
                CHECK_MSG(res.nresiduals == nres, "%s: %lld residuals vs %lld", what,
                          (long long)res.nresiduals, (long long)nres);
                for (int64_t j = 0; j < nres && j < res.nresiduals; j++)
                        CHECK_MSG(fabs(res.residuals[j] - rres[j]) <=
                                          fmax(1e-10, tol) * rres[j],
                                  "%s: residual %.17g vs %.17g", what, res.residuals[j],
                                  rres[j]);
                CHECK(res.ns == ns);
                for (int64_t j = 0; j < ns && j < res.ns; j++)
                        CHECK_MSG(fabs(res.s[j] - rs[j]) <= 1e-10 * rs[0] + 1e-300,
                                  "%s: s[%lld] %.17g vs %.17g", what, (long long)j,
                                  res.s[j], rs[j]);
                free(x);
        }
        free(ref);
        par_lstsq_result_clear(&res);
}

static void test_lstsq(par_client *c)
{
        enum { N = 6000, K = 5 };
        par_error err = {0};
        double *A = randn(N * K), *B = randn(N * 2);
        for (int64_t i = 0; i < N; i++) {
                double t = 0;
                for (int64_t j = 0; j < K; j++)
                        t += (double)(j + 1) * A[i * K + j];
                B[i * 2] = 2 + t + 0.01 * B[i * 2];
                B[i * 2 + 1] = B[i * 2 + 1] * 3;
        }
        double *b1 = malloc(N * sizeof *b1);
        for (int64_t i = 0; i < N; i++)
                b1[i] = B[i * 2];
        check_lstsq(c, A, b1, N, K, 1, 1, 700, 1e-12, "1-d b");
        check_lstsq(c, A, B, N, K, 2, 0, 700, 1e-12, "two right-hand sides");
        check_lstsq(c, A, B, N, K, 2, 0, N, 1e-12, "one chunk");

        /* Rank-deficient: column 4 = column 0 + column 1; column 2 doubled
         * into column 3. The minimum-norm answer. */
        double *D = malloc(N * K * sizeof *D);
        memcpy(D, A, N * K * sizeof *D);
        for (int64_t i = 0; i < N; i++) {
                D[i * K + 4] = D[i * K] + D[i * K + 1];
                D[i * K + 3] = 2 * D[i * K + 2];
        }
        check_lstsq(c, D, b1, N, K, 1, 1, 512, 1e-10, "rank-deficient");

        /* Ill-conditioned (cond ~ 1e9): nearly collinear columns. Both
         * solvers are backward stable; forward errors of cond * eps. */
        for (int64_t i = 0; i < N; i++)
                D[i * K + 4] = D[i * K] + D[i * K + 1] + 1e-9 * A[i * K + 4];
        for (int64_t i = 0; i < N; i++)
                D[i * K + 3] = A[i * K + 3];
        check_lstsq(c, D, b1, N, K, 1, 1, 512, 1e-5, "ill-conditioned");

        /* Fewer rows than columns: minimum norm, no residuals. */
        check_lstsq(c, A, b1, 3, K, 1, 1, 2, 1e-12, "3 x 5");

        /* Errors. */
        par_lstsq_result res = {0};
        par_array *a = from_rm(A, N, K, 700), *a2 = from_rm(A, N, K, 800), *v = NULL;
        CHECK_OK(par_array_from_vector(b1, N, 700, &v, &err), &err);
        CHECK(par_array_lstsq(c, a2, v, NULL, &res, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "chunk") != NULL);
        CHECK(par_array_lstsq(c, v, v, NULL, &res, &err) == PAR_EINVAL);
        b1[17] = NAN;
        par_array *vn = NULL;
        CHECK_OK(par_array_from_vector(b1, N, 700, &vn, &err), &err);
        CHECK(par_array_lstsq(c, a, vn, NULL, &res, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "NaN") != NULL);
        CHECK(res.x == NULL);
        par_array_release(a);
        par_array_release(a2);
        par_array_release(v);
        par_array_release(vn);
        free(A);
        free(B);
        free(b1);
        free(D);
}

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        script = argc > 1 ? argv[1] : NULL;
        par_error err = {0};
        par_client *c = NULL;
        CHECK_OK(test_client_new(NULL, &c, &err), &err);
#if !PAR_HAVE_BLAS
        printf("test_linalg: built without OpenBLAS/LAPACKE; the functions must "
               "say so\n");
        double x[4] = {1, 2, 3, 4};
        par_array *a = from_rm(x, 2, 2, 1), *o = NULL;
        CHECK(par_array_matmul(a, a, &o, &err) == PAR_ENOTSUP);
        CHECK(par_array_tsqr(a, NULL, NULL, &o, &err) == PAR_ENOTSUP);
        par_array_release(a);
#else
        snprintf(tmpdir, sizeof tmpdir, "/tmp/par-linalg-XXXXXX");
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }
        test_matmul(c);
        test_crossprod(c);
        test_tsqr(c);
        test_lstsq(c);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", tmpdir);
#endif
        par_client_free(c);
        return test_backend_end(check_done("test_linalg"));
}
