/* Linear regression by exact least squares: one pass over the chunks of
 * [X, y] for their means and co-moments (par__moments: shifted, blocked,
 * in registers for up to four features), merged in a tree with Chan's
 * update, then the p x p normal equations solved on the caller's thread:
 * scaled to unit diagonal, Cholesky (dpotrf/dpotrs) when dpocon finds them
 * well conditioned. When they are not, squaring X's condition number has
 * already cost the digits, so an unpenalized fit makes a second pass: TSQR
 * least squares (par_array_lstsq) of X and y, each centered per chunk with
 * the first pass's means when there is an intercept; dgelsd on its R gives
 * the minimum-norm answer when X is rank-deficient. A ridge fit, whose
 * normal equations are as well conditioned as lambda makes them, keeps
 * the minimum-norm solve of those equations (dgelsd).
 * Prediction is a per-chunk map; the score one more pass of moments over
 * [y, residual]. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "ml/internal.h"
#include "par/linalg.h"
#include "par_config.h"

#if PAR_HAVE_BLAS
#include <lapacke.h>
#endif

/* Columns of a chunk X (p of them) and of y as d = p + 1 column pointers
 * with one row stride; copies into `tmp` (owned by the caller, freed with
 * par__free) when X's and y's row strides differ. */
int par__ml_xy_columns(const par__nd *x, const par__nd *y, const double **col,
                       int64_t *rs, double **tmp)
{
        int64_t p = x->cols, n = x->rows;
        *tmp = NULL;
        if (x->rs == y->rs || n <= 1) {
                for (int64_t j = 0; j < p; j++)
                        col[j] = x->data + j * x->cs;
                col[p] = y->data;
                *rs = n <= 1 ? 1 : x->rs; /* one row: strides never matter */
                return 0;
        }
        double *t = par__malloc((size_t)n * (size_t)(p + 1) * sizeof *t);
        if (!t)
                return -1;
        for (int64_t j = 0; j <= p; j++) {
                const double *s = j < p ? x->data + j * x->cs : y->data;
                int64_t st = j < p ? x->rs : y->rs;
                for (int64_t i = 0; i < n; i++)
                        t[j * n + i] = s[i * st];
                col[j] = t + j * n;
        }
        *rs = 1;
        *tmp = t;
        return 0;
}

/* The chunk of y as a 1-d view: 1-d, or 2-d with one column. */
const par__nd *par__ml_y_chunk(par_task_ctx *ctx, const par_value *v, const char *what,
                               int *rc)
{
        const par__nd *y = par__nd_of(v);
        if (!y || y->cols != 1) {
                *rc = par_task_fail(ctx, PAR_EINVAL,
                                    "%s: chunk %" PRId64 " of y is not one column",
                                    what, par_task_key(ctx).index);
                return NULL;
        }
        return y;
}

const par__nd *par__ml_x_chunk(par_task_ctx *ctx, const par_value *v, const par__nd *y,
                               const char *what, int *rc)
{
        const par__nd *x = par__nd_of(v);
        if (!x) {
                *rc = par_task_fail(ctx, PAR_ETYPE, "%s: chunk %" PRId64
                                                    " of X is not an ndarray",
                                    what, par_task_key(ctx).index);
                return NULL;
        }
        if (y && x->rows != y->rows) {
                *rc = par_task_fail(ctx, PAR_EINVAL,
                                    "%s: chunk %" PRId64 " of X has %" PRId64
                                    " rows but that of y has %" PRId64
                                    "; chunk X and y alike",
                                    what, par_task_key(ctx).index, x->rows, y->rows);
                return NULL;
        }
        return x;
}

/* (X chunk, y chunk, centered) -> moments of [X, y]. */
static int op_linreg_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                          par_value **out)
{
        (void)n;
        int rc = 0;
        const par__nd *y = par__ml_y_chunk(ctx, args[1], "fit", &rc);
        const par__nd *x = y ? par__ml_x_chunk(ctx, args[0], y, "fit", &rc) : NULL;
        if (!x)
                return rc;
        bool centered = par_value_int64_of(args[2]) != 0;
        int d = (int)x->cols + 1;
        const double **col = par__malloc((size_t)d * sizeof *col);
        double *mean = par__malloc((size_t)d * sizeof *mean);
        double *M = par__malloc((size_t)d * (size_t)d * sizeof *M);
        double *tmp = NULL;
        int64_t rs = 1;
        if (!col || !mean || !M || par__ml_xy_columns(x, y, col, &rs, &tmp) < 0) {
                rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        } else {
                if (par__moments_fast(x->rows, d, col, rs, centered, mean, M) == 0)
                        *out = par__mom_value(x->rows, d, centered, mean, M);
                if (!*out)
                        rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        par__free(tmp);
        par__free(col);
        par__free(mean);
        par__free(M);
        return rc;
}

/* y_hat[i] = intercept + sum_j x_ij coef_j, into out[i * ostride]. */
void par__ml_predict_rows(const par__nd *x, const double *coef, double intercept,
                          double *out)
{
        for (int64_t i = 0; i < x->rows; i++)
                out[i] = intercept;
        for (int64_t j = 0; j < x->cols; j++) {
                const double *c = x->data + j * x->cs;
                double b = coef[j];
                if (x->rs == 1)
                        for (int64_t i = 0; i < x->rows; i++)
                                out[i] += c[i] * b;
                else
                        for (int64_t i = 0; i < x->rows; i++)
                                out[i] += c[i * x->rs] * b;
        }
}

int par__ml_coef_arg(par_task_ctx *ctx, const par_value *v, int64_t p,
                     const double **coef)
{
        size_t len = 0;
        const char *b = par_value_bytes(v, &len);
        if (!b || len != (size_t)p * sizeof(double) || (uintptr_t)b % sizeof(double))
                return par_task_fail(ctx, PAR_EINVAL,
                                     "predict: chunk %" PRId64 " of X has %" PRId64
                                     " columns; the model has %zu features",
                                     par_task_key(ctx).index, p,
                                     len / sizeof(double));
        *coef = (const double *)(const void *)b;
        return 0;
}

/* (X chunk, coef blob, intercept) -> predictions (1-d). */
static int op_predict(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        (void)n;
        int rc = 0;
        const par__nd *x = par__ml_x_chunk(ctx, args[0], NULL, "predict", &rc);
        const double *coef = NULL;
        if (!x)
                return rc;
        if ((rc = par__ml_coef_arg(ctx, args[1], x->cols, &coef)) < 0)
                return rc;
        par__nd *r = par__nd_alloc(1, x->rows, 1);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        par__ml_predict_rows(x, coef, par_value_float64_of(args[2]), r->data);
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (X chunk, y chunk, coef blob, intercept) -> centered moments of
 * [y, y - y_hat]. */
static int op_r2_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        (void)n;
        int rc = 0;
        const par__nd *y = par__ml_y_chunk(ctx, args[1], "score", &rc);
        const par__nd *x = y ? par__ml_x_chunk(ctx, args[0], y, "score", &rc) : NULL;
        const double *coef = NULL;
        if (!x)
                return rc;
        if ((rc = par__ml_coef_arg(ctx, args[2], x->cols, &coef)) < 0)
                return rc;
        int64_t rows = x->rows;
        double *t = par__malloc((size_t)(rows ? rows : 1) * 2 * sizeof *t);
        if (!t)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        double *yy = t, *res = t + rows;
        par__ml_predict_rows(x, coef, par_value_float64_of(args[3]), res);
        for (int64_t i = 0; i < rows; i++) {
                yy[i] = y->data[i * y->rs];
                res[i] = yy[i] - res[i];
        }
        double mean[2], M[4];
        if (par__moments_fast(rows, 2, (const double *const[]){yy, res}, 1, true, mean, M) == 0)
                *out = par__mom_value(rows, 2, true, mean, M);
        par__free(t);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (chunk, means blob) -> the chunk less its column means, contiguous, of
 * the same ndim: the centered X or y of the QR fallback. */
static int op_center(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        (void)n;
        const par__nd *x = par__nd_of(args[0]);
        size_t len = 0;
        const char *b = par_value_bytes(args[1], &len);
        if (!x || !b || len != (size_t)x->cols * sizeof(double))
                return par_task_fail(ctx, PAR_EINVAL,
                                     "fit: chunk %" PRId64 " does not match the "
                                     "means it is centered with",
                                     par_task_key(ctx).index);
        par__nd *r = par__nd_alloc(x->ndim, x->rows, x->cols);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t j = 0; j < x->cols; j++) {
                double mu;
                memcpy(&mu, b + (size_t)j * sizeof mu, sizeof mu);
                const double *s = x->data + j * x->cs;
                double *d = r->data + j * x->rows;
                for (int64_t i = 0; i < x->rows; i++)
                        d[i] = s[i * x->rs] - mu;
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

void par__ml_register_ops(void)
{
        par_op_register("par.ml.linreg_part", op_linreg_part, NULL);
        par_op_register("par.ml.center", op_center, NULL);
        par_op_register("par.ml.linear_predict", op_predict, NULL);
        par_op_register("par.ml.r2_part", op_r2_part, NULL);
        par__glm_register_ops();
        par__admm_register_ops();
        par__logistic_register_ops();
}

/* ---- checking inputs ------------------------------------------------------------------ */

int par__ml_input(par_array *a, par_array **out, par_error *err)
{
        *out = NULL;
        if (!a)
                return 0;
        par_array *f = NULL;
        int rc = par__array_as_f64(a, &f, err);
        if (rc == 0)
                rc = par__array_rowblocks(f, out, err);
        par_array_release(f);
        return rc;
}

int par__ml_inputs(par_array *X, par_array *y, par_array **x2, par_array **y2,
                   par_error *err)
{
        *y2 = NULL;
        int rc = par__ml_input(X, x2, err);
        if (rc == 0 && (rc = par__ml_input(y, y2, err)) < 0) {
                par_array_release(*x2);
                *x2 = NULL;
        }
        return rc;
}

int par__ml_predict_layer(const char *what, const char *op, par_array *X,
                          const double *coef, int64_t p, double intercept,
                          uint64_t seed, size_t nextra, const par_arg *extra,
                          par_array **out, par_error *err)
{
        par_value *cv = par_value_blob(coef, (size_t)p * sizeof(double));
        if (!cv)
                return PAR__ENOMEM(err, what);
        uint64_t h = par__value_token(cv, par__hash_bytes(X->name, strlen(X->name), seed));
        uint64_t ib;
        memcpy(&ib, &intercept, sizeof ib);
        h = par__hash_mix(h ^ ib);
        char name[128];
        par__array_token(what, h, name, sizeof name);
        par_graph *g = par_graph_new();
        int rc = g ? 0 : PAR__ENOMEM(err, what);
        par_arg args[7] = {par_arg_value(cv), par_arg_value(cv),
                           par_arg_float64(intercept)};
        for (size_t k = 0; k < nextra && k < 4; k++)
                args[3 + k] = extra[k];
        for (int64_t i = 0; i < X->nchunks && rc == 0; i++) {
                args[0] = par_arg_key(X->name, i);
                rc = par_graph_add(g, par_key_make(name, i), op, 3 + nextra, args, err);
        }
        par_value_release(cv);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__array_new(g, name, 1, 1, X->nchunks, X->chunk_rows, 1, &X->layer,
                              out, err);
}

int par__ml_check_xy(const char *what, par_array *X, par_array *y, par_error *err)
{
        if (X->dtype != PAR_DTYPE_FLOAT64 || y->dtype != PAR_DTYPE_FLOAT64)
                return par__errorf(err, PAR_ETYPE,
                                   "%s: X is %s and y %s; the linear models take "
                                   "float64 (convert with par_array_astype)",
                                   what, par_dtype_name(X->dtype), par_dtype_name(y->dtype));
        if (X->ndim != 2)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: X is %d-d; expected 2-d (n_samples, "
                                   "n_features) — slice columns with a[:, i:j]",
                                   what, X->ndim);
        if (par__array_need_rows(what, "X", X, err) < 0 ||
            par__array_need_rows(what, "y", y, err) < 0)
                return PAR_EINVAL;
        if (!(y->ndim == 1 || (y->ndim == 2 && y->cols == 1)))
                return par__errorf(err, PAR_EINVAL,
                                   "%s: y must be 1-d or have one column; it has "
                                   "shape (..., %" PRId64 ") (one target at a time)",
                                   what, y->cols);
        if (X->nchunks != y->nchunks)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: X has %" PRId64 " chunks and y %" PRId64
                                   "; chunk them alike (slice both from one array)",
                                   what, X->nchunks, y->nchunks);
        for (int64_t i = 0; i < X->nchunks; i++)
                if (X->chunk_rows[i] >= 0 && y->chunk_rows[i] >= 0 &&
                    X->chunk_rows[i] != y->chunk_rows[i])
                        return par__errorf(err, PAR_EINVAL,
                                           "%s: chunk %" PRId64 " of X has %" PRId64
                                           " rows and that of y %" PRId64,
                                           what, i, X->chunk_rows[i], y->chunk_rows[i]);
        return 0;
}

/* A layer of part_op(X_i, y_i, extra...) per chunk and a merge tree;
 * computes the root. */
static int moments_pass(par_client *c, const char *prefix, const char *part_op,
                        par_array *X, par_array *y, size_t nextra,
                        const par_arg *extra, int split_every, par_value **out,
                        par_error *err)
{
        uint64_t h = par__hash_bytes(X->name, strlen(X->name), 0x6d6cu);
        h = par__hash_bytes(y->name, strlen(y->name), h);
        for (size_t i = 0; i < nextra; i++)
                h = extra[i].kind == PAR_ARG_VALUE ? par__value_token(extra[i].u.value, h)
                                                   : par__hash_mix(h ^ (uint64_t)extra[i].u.i);
        char part[128], pfx[64], root[128];
        snprintf(pfx, sizeof pfx, "%s-part", prefix);
        par__array_token(pfx, h, part, sizeof part);
        par_graph *g = par_graph_new();
        par_arg args[6];
        if (!g || nextra > 4) {
                par_graph_free(g);
                return PAR__ENOMEM(err, prefix);
        }
        for (size_t k = 0; k < nextra; k++)
                args[2 + k] = extra[k];
        int rc = 0;
        for (int64_t i = 0; i < X->nchunks && rc == 0; i++) {
                args[0] = par_arg_key(X->name, i);
                args[1] = par_arg_key(y->name, i);
                rc = par_graph_add(g, par_key_make(part, i), part_op, 2 + nextra, args, err);
        }
        if (rc == 0)
                rc = par__array_tree(g, prefix, h, part, X->nchunks, "par.array.mom_merge",
                                     0, NULL, split_every, root, err);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        par__layer *deps[2] = {X->layer, y->layer};
        par__layer *l = par__layer_new(g, 2, deps);
        if (!l)
                return PAR__ENOMEM(err, prefix);
        rc = par__array_run(c, l, 1, (par_key[]){par_key_make(root, PAR_NO_INDEX)}, out,
                            err);
        par__layer_release(l);
        return rc;
}

/* ---- fitting ----------------------------------------------------------------------------- */

void par_linear_regression_clear(par_linear_regression *m)
{
        if (!m)
                return;
        par__free(m->coef);
        memset(m, 0, sizeof *m);
}

#if PAR_HAVE_BLAS
/* Solves A beta = b (p x p, symmetric positive semi-definite, row-major =
 * column-major). Fills beta, *rank, *rcond, *min_norm. With `qr`, returns 1
 * instead of falling back to the SVD of A when A is ill-conditioned: the
 * caller then solves by QR of the data (only *rcond is set). */
static int solve_normal(int64_t p, const double *A, const double *b, double tau,
                        bool require_full_rank, bool qr, double *beta, int *rank,
                        double *rcond, bool *min_norm, par_error *err)
{
        lapack_int n = (lapack_int)p;
        size_t pp = (size_t)p * (size_t)p;
        double *As = par__malloc(pp * sizeof *As), *L = par__malloc(pp * sizeof *L);
        double *D = par__malloc((size_t)p * sizeof *D), *z = par__malloc((size_t)p * sizeof *z);
        double *sv = par__malloc((size_t)p * sizeof *sv);
        int rc = 0;
        if (!As || !L || !D || !z || !sv) {
                rc = PAR__ENOMEM(err, "solving the normal equations");
                goto done;
        }
        par__blas_single_thread();
        /* Scale to unit diagonal: cond(As) is what the data allow, not what
         * the columns' units make it. A zero diagonal (a constant column)
         * keeps scale 1 and makes the matrix singular. */
        for (int64_t j = 0; j < p; j++)
                D[j] = A[j * p + j] > 0 ? sqrt(A[j * p + j]) : 1.0;
        for (int64_t j = 0; j < p; j++) {
                for (int64_t k = 0; k < p; k++)
                        As[j * p + k] = A[j * p + k] / D[j] / D[k];
                z[j] = b[j] / D[j];
        }
        memcpy(L, As, pp * sizeof *L);
        *rcond = 0;
        *min_norm = false;
        *rank = (int)p;
        lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, L, n);
        if (info == 0) {
                double anorm = LAPACKE_dlansy(LAPACK_COL_MAJOR, '1', 'U', n, As, n);
                if (LAPACKE_dpocon(LAPACK_COL_MAJOR, 'U', n, L, n, anorm, rcond) != 0)
                        *rcond = 0;
        }
        if (info == 0 && *rcond >= tau) {
                info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', n, 1, L, n, z, n);
                if (info != 0)
                        rc = par__errorf(err, PAR_EINVAL,
                                         "fit: dpotrs failed (info %d)", (int)info);
        } else if (qr) {
                rc = 1;
                goto done;
        } else {
                if (require_full_rank) {
                        rc = par__errorf(err, PAR_EINVAL,
                                         "fit: X is rank-deficient or too ill-"
                                         "conditioned for the normal equations "
                                         "(reciprocal condition %.3g < %.3g%s); "
                                         "remove collinear columns, or allow the "
                                         "minimum-norm solution",
                                         *rcond, tau,
                                         info > 0 ? ", Cholesky failed" : "");
                        goto done;
                }
                /* Minimum norm by SVD: singular values below tau times the
                 * largest count as zero. On the unscaled equations: the
                 * minimum of |beta|, as scikit-learn's, not of |D beta|. */
                lapack_int r = 0;
                memcpy(L, A, pp * sizeof *L);
                memcpy(z, b, (size_t)p * sizeof *z);
                for (int64_t j = 0; j < p; j++)
                        D[j] = 1.0;
                info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, n, n, 1, L, n, z, n, sv, tau, &r);
                if (info != 0) {
                        rc = par__errorf(err, PAR_EINVAL,
                                         "fit: the SVD of the normal equations did "
                                         "not converge (dgelsd info %d)",
                                         (int)info);
                        goto done;
                }
                *rank = (int)r;
                *min_norm = true;
        }
        for (int64_t j = 0; rc == 0 && j < p; j++) {
                beta[j] = z[j] / D[j];
                if (!isfinite(beta[j]))
                        rc = par__errorf(err, PAR_EINVAL,
                                         "fit: coefficient %" PRId64
                                         " is not finite; the data are too ill-"
                                         "conditioned",
                                         j);
        }
done:
        par__free(As);
        par__free(L);
        par__free(D);
        par__free(z);
        par__free(sv);
        return rc;
}
#endif

#if PAR_HAVE_BLAS
/* The array a with `mean` (a->cols numbers) taken from every row, chunk by
 * chunk (par.ml.center). */
static int center_array(par_array *a, const double *mean, par_array **out,
                        par_error *err)
{
        int64_t k = a->cols;
        par_value *mv = par_value_blob(mean, (size_t)k * sizeof *mean);
        if (!mv)
                return PAR__ENOMEM(err, "fit");
        char name[128];
        uint64_t h = par__value_token(mv, par__hash_bytes(a->name, strlen(a->name),
                                                          0x6365u));
        par__array_token("center", h, name, sizeof name);
        par_graph *g = par_graph_new();
        int rc = g ? 0 : PAR__ENOMEM(err, "fit");
        for (int64_t i = 0; i < a->nchunks && rc == 0; i++)
                rc = par_graph_add(g, par_key_make(name, i), "par.ml.center", 2,
                                   (par_arg[]){par_arg_key(a->name, i), par_arg_value(mv)},
                                   err);
        par_value_release(mv);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__array_new(g, name, a->ndim, k, a->nchunks, a->chunk_rows, 1,
                              &a->layer, out, err);
}

/* The second pass for ill-conditioned normal equations: TSQR least
 * squares of X and y (centered with the first pass's means `mean`, p + 1
 * numbers, when `centered`): backward stable in X itself, where the normal
 * equations square its condition number. Numpy's cutoff (singular values
 * of X below eps * max(n, p) times the largest count as zero) gives the
 * rank and, below p, the minimum-norm answer. Fills beta (p) and *rank. */
static int fit_qr(par_client *c, par_array *X, par_array *y, const double *mean,
                  bool centered, int split_every, double *beta, int *rank,
                  par_error *err)
{
        par_array *xa = X, *ya = y;
        int rc = 0;
        if (centered) {
                xa = ya = NULL;
                rc = center_array(X, mean, &xa, err);
                if (rc == 0)
                        rc = center_array(y, mean + X->cols, &ya, err);
        }
        par_lstsq_result res = {0};
        if (rc == 0)
                rc = par_array_lstsq(c, xa, ya,
                                     &(par_lstsq_opts){.split_every = split_every}, &res,
                                     err);
        if (centered) {
                par_array_release(xa);
                par_array_release(ya);
        }
        if (rc < 0)
                return rc;
        if (res.k != X->cols || res.m != 1) {
                par_lstsq_result_clear(&res);
                return par__errorf(err, PAR_EINVAL, "fit: malformed least squares");
        }
        memcpy(beta, res.x, (size_t)res.k * sizeof *beta);
        *rank = res.rank;
        par_lstsq_result_clear(&res);
        return 0;
}

static int fit_iterative(par_client *c, const par__glm_spec *spec, par_array *X,
                         par_array *y, par_linear_regression *m, par_error *err)
{
        par__glm_result r = {0};
        int rc = par__glm_fit(c, spec, X, y, &r, err);
        if (rc < 0)
                return rc;
        par_linear_regression_clear(m);
        m->n_features = X->cols;
        m->coef = r.coef;
        m->intercept = r.intercept;
        m->n_iter = r.n_iter;
        m->n_samples = r.n;
        m->rank = (int)X->cols;
        m->fit_intercept = spec->intercept;
        m->solver = spec->solver;
        m->penalty = spec->lambda > 0 ? spec->penalty : PAR_PENALTY_NONE;
        m->lambda = spec->lambda;
        m->converged = r.converged;
        m->objective = r.objective;
        return 0;
}
#endif

static int fit_in(par_client *c, const par_linear_regression_opts *opts, par_array *X,
                  par_array *y, par_linear_regression *m, par_error *err)
{
        if (!c || !X || !y || !m)
                return par__errorf(err, PAR_EINVAL,
                                   "fit: client, X, y and the model are required");
        par_linear_regression_opts o = {0};
        if (opts)
                o = *opts;
        par__glm_spec spec;
        int rc = par__glm_spec_init(&spec, PAR__GLM_LINEAR, o.no_intercept, o.solver,
                                    o.penalty, o.C, o.l1_ratio, o.max_iter, o.tol, o.rho,
                                    o.abstol, o.reltol, o.split_every, err);
        if (rc < 0)
                return rc;
        if (o.solver == PAR_SOLVER_EXACT && spec.l1_ratio > 0)
                return par__errorf(err, PAR_EINVAL,
                                   "fit: the exact solver has no closed form for an "
                                   "l1 penalty; use solver admm or proximal_grad");
        if (o.rcond == 0)
                o.rcond = 1e-12;
        if (!(o.rcond > 0 && o.rcond < 1))
                return par__errorf(err, PAR_EINVAL,
                                   "fit: rcond = %g; expected a number in (0, 1)",
                                   o.rcond);
        rc = par__ml_check_xy("fit", X, y, err);
        if (rc < 0)
                return rc;
        int64_t p = X->cols;
        if (p < 1)
                return par__errorf(err, PAR_EINVAL, "fit: X has no columns");
        if (p > 4096)
                return par__errorf(err, PAR_EINVAL,
                                   "fit: %" PRId64 " features; at most 4096", p);
#if !PAR_HAVE_BLAS
        return par__errorf(err, PAR_ENOTSUP,
                           "fit: this build of par has no OpenBLAS/LAPACKE "
                           "(meson -Dblas=enabled)");
#else
        if (o.solver != PAR_SOLVER_EXACT)
                return fit_iterative(c, &spec, X, y, m, err);
        bool centered = !o.no_intercept;
        par_value *mv = NULL;
        rc = moments_pass(c, "linreg", "par.ml.linreg_part", X, y, 1,
                          (par_arg[]){par_arg_int64(centered)}, o.split_every, &mv,
                          err);
        if (rc < 0)
                return rc;
        par__mom mo;
        int64_t d = p + 1;
        if (par__mom_read(mv, &mo) < 0 || mo.d != d) {
                par_value_release(mv);
                return par__errorf(err, PAR_EINVAL, "fit: malformed moments");
        }
        if (mo.n < 1) {
                par_value_release(mv);
                return par__errorf(err, PAR_EINVAL, "fit: X has no rows");
        }
        bool finite = true;
        for (int64_t j = 0; j < d && finite; j++)
                finite = isfinite(mo.mean[j]);
        for (int64_t j = 0; j < d * d && finite; j++)
                finite = isfinite(mo.M[j]);
        if (!finite) {
                par_value_release(mv);
                return par__errorf(err, PAR_EINVAL,
                                   "fit: X or y contains NaN or infinite values "
                                   "(or values too large to square)");
        }
        double *A = par__malloc((size_t)(p * p) * sizeof *A);
        double *b = par__malloc((size_t)p * sizeof *b);
        double *beta = par__calloc((size_t)p, sizeof *beta);
        if (!A || !b || !beta)
                rc = PAR__ENOMEM(err, "fitting");
        for (int64_t j = 0; rc == 0 && j < p; j++) {
                for (int64_t k = 0; k < p; k++)
                        A[j * p + k] = mo.M[j * d + k];
                A[j * p + j] += spec.lambda; /* ridge: (X'X + lambda I) */
                b[j] = mo.M[j * d + p];
        }
        int rank = 0;
        double rcond = 0;
        bool min_norm = false;
        /* Unpenalized: past the Cholesky's reach, QR of the data. */
        bool qr = spec.lambda == 0;
        if (rc == 0)
                rc = solve_normal(p, A, b, o.rcond, o.require_full_rank, qr, beta,
                                  &rank, &rcond, &min_norm, err);
        if (rc == 1) {
                rc = fit_qr(c, X, y, mo.mean, centered, o.split_every, beta, &rank,
                            err);
                min_norm = rc == 0 && rank < p;
                if (rc == 0 && min_norm && o.require_full_rank)
                        rc = par__errorf(err, PAR_EINVAL,
                                         "fit: X is rank-deficient (rank %d of %"
                                         PRId64 " columns; reciprocal condition of "
                                         "the normal equations %.3g < %.3g); remove "
                                         "collinear columns, or allow the "
                                         "minimum-norm solution",
                                         rank, p, rcond, o.rcond);
                for (int64_t j = 0; rc == 0 && j < p; j++)
                        if (!isfinite(beta[j]))
                                rc = par__errorf(err, PAR_EINVAL,
                                                 "fit: coefficient %" PRId64
                                                 " is not finite; the data are "
                                                 "too ill-conditioned",
                                                 j);
        }
        double intercept = 0;
        if (rc == 0 && centered) {
                intercept = mo.mean[p];
                for (int64_t j = 0; j < p; j++)
                        intercept -= beta[j] * mo.mean[j];
        }
        int64_t nsamples = mo.n;
        par_value_release(mv);
        par__free(A);
        par__free(b);
        if (rc < 0) {
                par__free(beta);
                return rc;
        }
        par_linear_regression_clear(m);
        m->n_features = p;
        m->coef = beta;
        m->intercept = intercept;
        m->n_iter = 1;
        m->n_samples = nsamples;
        m->rank = rank;
        m->rcond = rcond;
        m->min_norm = min_norm;
        m->fit_intercept = centered;
        m->solver = o.solver;
        m->penalty = spec.lambda > 0 ? o.penalty : PAR_PENALTY_NONE;
        m->lambda = spec.lambda;
        m->converged = true;
        return 0;
#endif
}

/* ---- predicting and scoring ---------------------------------------------------------------- */

static int check_model(const char *what, const par_linear_regression *m,
                       par_array *X, par_error *err)
{
        if (!m || !m->coef || m->n_features < 1)
                return par__errorf(err, PAR_EINVAL, "%s: the model is not fitted",
                                   what);
        if (X->dtype != PAR_DTYPE_FLOAT64)
                return par__errorf(err, PAR_ETYPE,
                                   "%s: X is %s; the linear models take float64 "
                                   "(convert with par_array_astype)",
                                   what, par_dtype_name(X->dtype));
        if (X->ndim != 2 || X->cols != m->n_features)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: X has %" PRId64 " columns; the model has "
                                   "%" PRId64 " features",
                                   what, X->ndim == 2 ? X->cols : 0, m->n_features);
        return par__array_need_rows(what, "X", X, err);
}

static int predict_in(const par_linear_regression *m, par_array *X, par_array **out,
                      par_error *err)
{
        if (!X || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "predict: X and out are required");
        *out = NULL;
        int rc = check_model("predict", m, X, err);
        if (rc < 0)
                return rc;
        return par__ml_predict_layer("predict", "par.ml.linear_predict", X, m->coef,
                                     m->n_features, m->intercept, 0, 0, NULL, out, err);
}

static int score_in(par_client *c, const par_linear_regression *m, par_array *X,
                    par_array *y, double *r2, par_error *err)
{
        if (!c || !X || !y || !r2)
                return par__errorf(err, PAR_EINVAL,
                                   "score: client, X, y and r2 are required");
        int rc = check_model("score", m, X, err);
        if (rc == 0)
                rc = par__ml_check_xy("score", X, y, err);
        if (rc < 0)
                return rc;
        par_value *cv = par_value_blob(m->coef, (size_t)m->n_features * sizeof(double));
        if (!cv)
                return PAR__ENOMEM(err, "scoring");
        par_value *mv = NULL;
        rc = moments_pass(c, "score", "par.ml.r2_part", X, y, 2,
                          (par_arg[]){par_arg_value(cv), par_arg_float64(m->intercept)},
                          0, &mv, err);
        par_value_release(cv);
        if (rc < 0)
                return rc;
        par__mom mo;
        if (par__mom_read(mv, &mo) < 0 || mo.d != 2) {
                par_value_release(mv);
                return par__errorf(err, PAR_EINVAL, "score: malformed moments");
        }
        /* SS_tot = M_yy; SS_res = sum r^2 = M_rr + n mean_r^2. */
        double ss_tot = mo.M[0];
        double ss_res = mo.M[3] + (double)mo.n * mo.mean[1] * mo.mean[1];
        int64_t n = mo.n;
        par_value_release(mv);
        if (n < 1)
                return par__errorf(err, PAR_EINVAL, "score: no samples");
        if (!isfinite(ss_tot) || !isfinite(ss_res))
                return par__errorf(err, PAR_EINVAL,
                                   "score: X or y contains NaN or infinite values");
        if (ss_tot == 0)
                *r2 = ss_res == 0 ? 1.0 : 0.0;
        else
                *r2 = 1.0 - ss_res / ss_tot;
        return 0;
}

/* ---- the public entry points: other dtypes and chunk grids ------------------------------ */

int par_linear_regression_fit(par_client *c, const par_linear_regression_opts *opts,
                              par_array *X, par_array *y, par_linear_regression *m,
                              par_error *err)
{
        par_array *x2, *y2;
        if (!c || !X || !y || !m)
                return fit_in(c, opts, X, y, m, err);
        int rc = par__ml_inputs(X, y, &x2, &y2, err);
        if (rc == 0)
                rc = fit_in(c, opts, x2, y2, m, err);
        par_array_release(x2);
        par_array_release(y2);
        return rc;
}

int par_linear_regression_predict(const par_linear_regression *m, par_array *X,
                                  par_array **out, par_error *err)
{
        par_array *x2, *y2;
        if (!X || !out)
                return predict_in(m, X, out, err);
        int rc = par__ml_inputs(X, NULL, &x2, &y2, err);
        if (rc == 0)
                rc = predict_in(m, x2, out, err);
        else
                *out = NULL;
        par_array_release(x2);
        return rc;
}

int par_linear_regression_score(par_client *c, const par_linear_regression *m,
                                par_array *X, par_array *y, double *r2,
                                par_error *err)
{
        par_array *x2, *y2;
        if (!c || !X || !y || !r2)
                return score_in(c, m, X, y, r2, err);
        int rc = par__ml_inputs(X, y, &x2, &y2, err);
        if (rc == 0)
                rc = score_in(c, m, x2, y2, r2, err);
        par_array_release(x2);
        par_array_release(y2);
        return rc;
}
