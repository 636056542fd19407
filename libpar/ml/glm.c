/* Iterative fits of linear and logistic models (dask-glm's solvers).
 *
 * A fit first computes every chunk of X and y once, in one computation
 * that also gives each chunk's centered moments of [X, y] and checks the
 * data (finite; labels 0/1 for logistic). The moments, merged in chunk
 * order, give the standardization (mean, scale) of each feature. The
 * solvers then work on w, the coefficients of the standardized features
 * plus the intercept, so a step of one in any direction means about the
 * same: gradient methods need no tuning for the units of the data.
 *
 * The solvers that read the data every iteration (LBFGS, NEWTON,
 * GRADIENT_DESCENT, PROXIMAL_GRAD, and ADMM for logistic) get per-chunk
 * blocks [z, 1, y] (column-major, contiguous) made once by a task per
 * chunk and held as values; an evaluation is one computation: a
 * par.ml.glm_eval task per block and a tree of par.ml.glm_sum tasks, of a
 * shape fixed by the chunk count, so the sums are the same bits on every
 * executor. The update of w (q numbers) runs on the caller's thread. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ml/internal.h"
#include "par_config.h"

#if PAR_HAVE_BLAS
#include <cblas.h>
#include <lapacke.h>
#endif

/* ---- options ------------------------------------------------------------------------------ */

int par__glm_spec_init(par__glm_spec *s, int family, bool no_intercept,
                       par_solver solver, par_penalty penalty, double C,
                       double l1_ratio, int max_iter, double tol, double rho,
                       double abstol, double reltol, int split_every,
                       par_error *err)
{
        memset(s, 0, sizeof *s);
        s->family = family;
        s->intercept = !no_intercept;
        if ((int)solver < PAR_SOLVER_EXACT || (int)solver > PAR_SOLVER_PROXIMAL_GRAD)
                return par__errorf(err, PAR_EINVAL,
                                   "fit: unknown solver %d; expected exact, admm, "
                                   "lbfgs, newton, gradient_descent or proximal_grad",
                                   (int)solver);
        if (family == PAR__GLM_LOGISTIC && solver == PAR_SOLVER_EXACT)
                solver = PAR_SOLVER_LBFGS;
        s->solver = solver;
        if ((int)penalty < PAR_PENALTY_NONE || (int)penalty > PAR_PENALTY_ELASTIC_NET)
                return par__errorf(err, PAR_EINVAL,
                                   "fit: unknown penalty %d; expected none, l2, l1 or "
                                   "elastic_net",
                                   (int)penalty);
        s->penalty = penalty;
        if (C == 0)
                C = 1;
        if (!(C > 0) || !isfinite(C))
                return par__errorf(err, PAR_EINVAL,
                                   "fit: C = %g; expected a positive finite number "
                                   "(the penalty is lambda = 1/C)",
                                   C);
        s->lambda = penalty == PAR_PENALTY_NONE ? 0 : 1 / C;
        if (penalty == PAR_PENALTY_ELASTIC_NET && l1_ratio == 0)
                l1_ratio = 0.5;
        if (!(l1_ratio >= 0 && l1_ratio <= 1))
                return par__errorf(err, PAR_EINVAL,
                                   "fit: l1_ratio = %g; expected a number in [0, 1]",
                                   l1_ratio);
        s->l1_ratio = penalty == PAR_PENALTY_L1            ? 1
                      : penalty == PAR_PENALTY_ELASTIC_NET ? l1_ratio
                                                           : 0;
        if (s->lambda == 0)
                s->l1_ratio = 0;
        bool smooth_only = solver == PAR_SOLVER_LBFGS || solver == PAR_SOLVER_NEWTON ||
                           solver == PAR_SOLVER_GRADIENT_DESCENT;
        if (smooth_only && s->l1_ratio > 0)
                return par__errorf(err, PAR_EINVAL,
                                   "fit: the %s solver needs a smooth penalty (none "
                                   "or l2); for l1 or elastic_net use admm or "
                                   "proximal_grad",
                                   solver == PAR_SOLVER_LBFGS    ? "lbfgs"
                                   : solver == PAR_SOLVER_NEWTON ? "newton"
                                                                 : "gradient_descent");
        if (max_iter < 0)
                return par__errorf(err, PAR_EINVAL, "fit: max_iter = %d; expected >= 0",
                                   max_iter);
        s->max_iter = max_iter ? max_iter : solver == PAR_SOLVER_ADMM ? 250 : 100;
        double *v[4] = {&tol, &rho, &abstol, &reltol};
        static const char *const names[4] = {"tol", "rho", "abstol", "reltol"};
        static const double defaults[4] = {1e-4, 1, 1e-4, 1e-2};
        for (int k = 0; k < 4; k++) {
                if (*v[k] == 0)
                        *v[k] = defaults[k];
                if (!(*v[k] > 0) || !isfinite(*v[k]))
                        return par__errorf(err, PAR_EINVAL,
                                           "fit: %s = %g; expected a positive number",
                                           names[k], *v[k]);
        }
        s->tol = tol;
        s->rho = rho;
        s->abstol = abstol;
        s->reltol = reltol;
        s->split_every = split_every;
        return 0;
}

/* ---- sums of partials ------------------------------------------------------------------ */

/* Reads a blob of k doubles into dst. */
static int doubles_arg(const par_value *v, size_t k, double *dst)
{
        size_t len = 0;
        const char *b = par_value_bytes(v, &len);
        if (!b || len != k * sizeof(double))
                return -1;
        memcpy(dst, b, len);
        return 0;
}

/* (partials...) -> their element-wise sum, added in argument order. */
static int op_glm_sum(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        size_t len = 0;
        if (n < 1 || !par_value_bytes(args[0], &len) || len % sizeof(double))
                return par_task_fail(ctx, PAR_EINVAL, "fit: malformed partial");
        size_t k = len / sizeof(double);
        double *acc = par__malloc(len ? len : 1), *t = par__malloc(len ? len : 1);
        int rc = 0;
        if (!acc || !t) {
                rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
                goto done;
        }
        memcpy(acc, par_value_bytes(args[0], &len), len);
        for (size_t a = 1; a < n; a++) {
                if (doubles_arg(args[a], k, t) < 0) {
                        rc = par_task_fail(ctx, PAR_EINVAL, "fit: malformed partial");
                        goto done;
                }
                for (size_t j = 0; j < k; j++)
                        acc[j] += t[j];
        }
        *out = par_value_blob(acc, len);
        if (!*out)
                rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
done:
        par__free(acc);
        par__free(t);
        return rc;
}

#if PAR_HAVE_BLAS

/* ---- per-block kernels ----------------------------------------------------------------- */

static double log_loss(double eta, double y)
{
        double l = eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta));
        return l - y * eta;
}

static double sigmoid(double eta)
{
        if (eta >= 0)
                return 1 / (1 + exp(-eta));
        double e = exp(eta);
        return e / (1 + e);
}

void par__glm_block_eval(const double *Z, int64_t rows, int64_t q, int family,
                         const double *w, const double *v, double rho, double *loss,
                         double *g, double *H, double *tmp)
{
        double f = 0;
        memset(g, 0, (size_t)q * sizeof *g);
        if (H)
                memset(H, 0, (size_t)(q * q) * sizeof *H);
        if (rows > 0) {
                const double *y = Z + rows * q;
                double *eta = tmp, *r = tmp + rows;
                int n = (int)rows, k = (int)q;
                cblas_dgemv(CblasColMajor, CblasNoTrans, n, k, 1.0, Z, n, w, 1, 0.0, eta, 1);
                if (family == PAR__GLM_LINEAR) {
                        for (int64_t i = 0; i < rows; i++) {
                                r[i] = eta[i] - y[i];
                                f += 0.5 * r[i] * r[i];
                        }
                } else {
                        for (int64_t i = 0; i < rows; i++) {
                                double mu = sigmoid(eta[i]);
                                f += log_loss(eta[i], y[i]);
                                r[i] = mu - y[i];
                                eta[i] = sqrt(mu * (1 - mu)); /* for H */
                        }
                }
                cblas_dgemv(CblasColMajor, CblasTrans, n, k, 1.0, Z, n, r, 1, 0.0, g, 1);
                if (H && family == PAR__GLM_LINEAR) {
                        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, k, n, 1.0, Z, n,
                                    0.0, H, k);
                } else if (H) {
                        double *W = tmp + 2 * rows;
                        for (int64_t j = 0; j < q; j++)
                                for (int64_t i = 0; i < rows; i++)
                                        W[j * rows + i] = Z[j * rows + i] * eta[i];
                        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, k, n, 1.0, W, n,
                                    0.0, H, k);
                }
                for (int64_t j = 0; H && j < q; j++)
                        for (int64_t l = j + 1; l < q; l++)
                                H[j * q + l] = H[l * q + j];
        }
        if (v) {
                for (int64_t j = 0; j < q; j++) {
                        double dj = w[j] - v[j];
                        f += 0.5 * rho * dj * dj;
                        g[j] += rho * dj;
                        if (H)
                                H[j * q + j] += rho;
                }
        }
        *loss = f;
}

int par__glm_spd_solve(int64_t q, const double *A, double *b)
{
        size_t qq = (size_t)(q * q);
        double *L = par__malloc(qq * sizeof *L);
        double *x = par__malloc((size_t)q * sizeof *x);
        if (!L || !x) {
                par__free(L);
                par__free(x);
                return PAR_ENOMEM;
        }
        par__blas_single_thread();
        double dmax = 0;
        for (int64_t j = 0; j < q; j++)
                dmax = fmax(dmax, fabs(A[j * q + j]));
        int rc = PAR_EINVAL;
        /* A singular Hessian (a constant feature, no penalty) gets a ridge
         * far below the data's scale: the step then leaves that direction
         * alone. */
        for (int attempt = 0; attempt < 3 && rc != 0; attempt++) {
                memcpy(L, A, qq * sizeof *L);
                memcpy(x, b, (size_t)q * sizeof *x);
                double jitter = attempt == 0 ? 0 : dmax * (attempt == 1 ? 1e-12 : 1e-8);
                for (int64_t j = 0; j < q; j++)
                        L[j * q + j] += jitter > 0 ? jitter : 0;
                lapack_int n = (lapack_int)q;
                if (LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', n, 1, L, n, x, n) == 0)
                        rc = 0;
        }
        if (rc == 0)
                memcpy(b, x, (size_t)q * sizeof *b);
        par__free(L);
        par__free(x);
        return rc;
}

/* ---- ops ------------------------------------------------------------------------------------ */

/* (X chunk, y chunk, family) -> centered moments of [X, y]; checks the
 * data. */
static int op_glm_check(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        int rc = 0;
        const par__nd *y = par__ml_y_chunk(ctx, args[1], "fit", &rc);
        const par__nd *x = y ? par__ml_x_chunk(ctx, args[0], y, "fit", &rc) : NULL;
        if (!x)
                return rc;
        int64_t chunk = par_task_key(ctx).index;
        if (par_value_int64_of(args[2]) == PAR__GLM_LOGISTIC)
                for (int64_t i = 0; i < y->rows; i++) {
                        double v = y->data[i * y->rs];
                        if (v != 0 && v != 1)
                                return par_task_fail(ctx, PAR_EINVAL,
                                                     "fit: row %" PRId64 " of chunk %" PRId64
                                                     " of y is %g; logistic regression "
                                                     "expects labels 0 and 1",
                                                     i, chunk, v);
                }
        int d = (int)x->cols + 1;
        const double **col = par__malloc((size_t)d * sizeof *col);
        double *mean = par__malloc((size_t)d * sizeof *mean);
        double *M = par__malloc((size_t)d * (size_t)d * sizeof *M);
        double *tmp = NULL;
        int64_t rs = 1;
        if (col && mean && M && par__ml_xy_columns(x, y, col, &rs, &tmp) == 0 &&
            par__moments(x->rows, d, col, rs, true, mean, M) == 0)
                *out = par__mom_value(x->rows, d, true, mean, M);
        bool finite = true;
        for (int j = 0; *out && j < d && finite; j++)
                finite = isfinite(mean[j]) && isfinite(M[j * d + j]);
        par__free(tmp);
        par__free(col);
        par__free(mean);
        par__free(M);
        if (!*out)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        if (!finite)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "fit: chunk %" PRId64 " of X or y contains NaN or "
                                     "infinite values",
                                     chunk);
        return 0;
}

/* The standardization as a blob: {p, intercept} then mean[p], scale[p]. */
static par_value *transform_value(const par__glm_data *d)
{
        size_t p = (size_t)d->p;
        size_t bytes = 2 * sizeof(double) + 2 * p * sizeof(double);
        double *b = par__malloc(bytes);
        if (!b)
                return NULL;
        b[0] = (double)d->p;
        b[1] = d->spec->intercept ? 1 : 0;
        memcpy(b + 2, d->mean, p * sizeof *b);
        memcpy(b + 2 + p, d->scale, p * sizeof *b);
        par_value *v = par_value_blob(b, bytes);
        par__free(b);
        return v;
}

/* (X chunk, y chunk, transform) -> the block [z, 1, y]. */
static int op_glm_block(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        int rc = 0;
        const par__nd *y = par__ml_y_chunk(ctx, args[1], "fit", &rc);
        const par__nd *x = y ? par__ml_x_chunk(ctx, args[0], y, "fit", &rc) : NULL;
        if (!x)
                return rc;
        size_t len = 0;
        const char *tb = par_value_bytes(args[2], &len);
        double hdr[2];
        if (!tb || len < sizeof hdr)
                return par_task_fail(ctx, PAR_EINVAL, "fit: malformed transform");
        memcpy(hdr, tb, sizeof hdr);
        int64_t p = (int64_t)hdr[0], icpt = hdr[1] != 0;
        if (p != x->cols || len != (size_t)(2 + 2 * p) * sizeof(double))
                return par_task_fail(ctx, PAR_EINVAL, "fit: malformed transform");
        int64_t rows = x->rows, q = p + icpt;
        par__nd *z = par__nd_alloc(2, rows, q + 1);
        if (!z)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t j = 0; j < p; j++) {
                double m, s;
                memcpy(&m, tb + (size_t)(2 + j) * sizeof m, sizeof m);
                memcpy(&s, tb + (size_t)(2 + p + j) * sizeof s, sizeof s);
                const double *c = x->data + j * x->cs;
                double *o = z->data + j * rows, inv = 1 / s;
                for (int64_t i = 0; i < rows; i++)
                        o[i] = (c[i * x->rs] - m) * inv;
        }
        for (int64_t i = 0; icpt && i < rows; i++)
                z->data[p * rows + i] = 1;
        for (int64_t i = 0; i < rows; i++)
                z->data[q * rows + i] = y->data[i * y->rs];
        *out = par__nd_finish(z);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (block, w blob, family, want H) -> {loss, g[q], H[q*q]?}. */
static int op_glm_eval(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        (void)n;
        const par__nd *z = par__nd_of(args[0]);
        if (!z || z->cols < 2 || z->rs != 1 || (z->rows > 0 && z->cs != z->rows))
                return par_task_fail(ctx, PAR_EINVAL, "fit: malformed block");
        int64_t q = z->cols - 1, rows = z->rows;
        bool want_h = par_value_int64_of(args[3]) != 0;
        int family = (int)par_value_int64_of(args[2]);
        size_t k = 1 + (size_t)q + (want_h ? (size_t)(q * q) : 0);
        double *buf = par__malloc((k + (size_t)q) * sizeof *buf);
        double *tmp = par__malloc((size_t)(rows * (want_h ? q + 2 : 2) + 1) * sizeof *tmp);
        int rc = 0;
        if (!buf || !tmp) {
                rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        } else if (doubles_arg(args[1], (size_t)q, buf + k) < 0) {
                rc = par_task_fail(ctx, PAR_EINVAL, "fit: malformed coefficients");
        } else {
                par__blas_single_thread();
                par__glm_block_eval(z->data, rows, q, family, buf + k, NULL, 0, &buf[0],
                                    buf + 1, want_h ? buf + 1 + q : NULL, tmp);
                *out = par_value_blob(buf, k * sizeof *buf);
                if (!*out)
                        rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        par__free(buf);
        par__free(tmp);
        return rc;
}

void par__glm_register_ops(void)
{
        par_op_register("par.ml.glm_check", op_glm_check, NULL);
        par_op_register("par.ml.glm_block", op_glm_block, NULL);
        par_op_register("par.ml.glm_eval", op_glm_eval, NULL);
        par_op_register("par.ml.glm_sum", op_glm_sum, NULL);
}

/* ---- the driver side -------------------------------------------------------------------- */

/* Runs op(Z_i, extra...) for every block; with `tree`, sums them with
 * par.ml.glm_sum and stores the total in out[0], else stores each result
 * in out[i]. */
static int blocks_pass(par__glm_data *d, const char *op, size_t nextra, const par_arg *extra,
                       bool tree, par_value **out, par_error *err)
{
        par_graph *g = par_graph_new();
        par_arg args[4];
        int64_t nc = d->nchunks;
        par_key *keys = par__malloc((size_t)nc * sizeof *keys);
        int rc = g && keys && nextra <= 3 ? 0 : PAR__ENOMEM(err, "fitting");
        const char *part = "glm-part";
        for (size_t k = 0; k < nextra; k++)
                args[1 + k] = extra[k];
        for (int64_t i = 0; i < nc && rc == 0; i++) {
                args[0] = par_arg_value(d->Z[i]);
                keys[i] = par_key_make(part, i);
                rc = par_graph_add(g, keys[i], op, 1 + nextra, args, err);
        }
        char root[128];
        if (rc == 0 && tree)
                rc = par__array_tree(g, "glm-sum", 0x676c6du, part, nc, "par.ml.glm_sum", 0,
                                     NULL, d->spec->split_every, root, err);
        if (rc == 0 && tree)
                rc = par__client_run(d->c, g, 1,
                                     (par_key[]){par_key_make(root, PAR_NO_INDEX)}, out,
                                     err);
        else if (rc == 0)
                rc = par__client_run(d->c, g, (size_t)nc, keys, out, err);
        par_graph_free(g);
        par__free(keys);
        return rc;
}

int par__glm_eval(par__glm_data *d, const double *w, double *f, double *g, double *H,
                  par_error *err)
{
        int64_t q = d->q;
        par_value *wv = par_value_blob(w, (size_t)q * sizeof *w);
        if (!wv)
                return PAR__ENOMEM(err, "fitting");
        par_value *sum = NULL;
        int rc = blocks_pass(d, "par.ml.glm_eval", 3,
                             (par_arg[]){par_arg_value(wv),
                                         par_arg_int64(d->spec->family),
                                         par_arg_int64(H != NULL)},
                             true, &sum, err);
        par_value_release(wv);
        if (rc < 0)
                return rc;
        size_t k = 1 + (size_t)q + (H ? (size_t)(q * q) : 0);
        double *buf = par__malloc(k * sizeof *buf);
        if (!buf || doubles_arg(sum, k, buf) < 0) {
                par__free(buf);
                par_value_release(sum);
                return buf ? par__errorf(err, PAR_EINVAL, "fit: malformed sum")
                           : PAR__ENOMEM(err, "fitting");
        }
        par_value_release(sum);
        double fv = buf[0];
        for (int64_t j = 0; j < q; j++) {
                fv += 0.5 * d->l2[j] * w[j] * w[j];
                g[j] = buf[1 + j] + d->l2[j] * w[j];
        }
        if (H) {
                memcpy(H, buf + 1 + q, (size_t)(q * q) * sizeof *H);
                for (int64_t j = 0; j < q; j++)
                        H[j * q + j] += d->l2[j];
        }
        *f = fv;
        par__free(buf);
        return 0;
}

double par__glm_l1(const par__glm_data *d, const double *w)
{
        double s = 0;
        for (int64_t j = 0; j < d->q; j++)
                s += d->l1[j] * fabs(w[j]);
        return s;
}

static double norm_inf(const double *v, int64_t q)
{
        double m = 0;
        for (int64_t j = 0; j < q; j++)
                m = fmax(m, fabs(v[j]));
        return m;
}

static double dot(const double *a, const double *b, int64_t q)
{
        double s = 0;
        for (int64_t j = 0; j < q; j++)
                s += a[j] * b[j];
        return s;
}

/* The rounding error of a sum like f: sufficient-decrease tests allow
 * it, or near the answer, where the decrease is below f's last bits,
 * every step would count as a failure. */
static double fuzz(double f)
{
        return 1e-14 * fabs(f);
}

/* Scratch vectors of the solvers: one allocation, q doubles each. */
static double *vectors(int64_t q, int k)
{
        return par__calloc((size_t)q * (size_t)k, sizeof(double));
}

/* ---- LBFGS ---------------------------------------------------------------------------------- */

enum { LBFGS_M = 10 };

static int solve_lbfgs(par__glm_data *d, double *w, int *it_out, bool *conv,
                       par_error *err)
{
        int64_t q = d->q;
        double gtol = d->spec->tol * (double)d->n;
        double *S = vectors(q, 2 * LBFGS_M + 4);
        if (!S)
                return PAR__ENOMEM(err, "fitting");
        double *Y = S + LBFGS_M * q, *g = Y + LBFGS_M * q, *dir = g + q, *w2 = dir + q,
               *g2 = w2 + q;
        double rho_k[LBFGS_M], alpha[LBFGS_M], f = 0, f2 = 0;
        int npairs = 0, head = 0, it = 0, rc = par__glm_eval(d, w, &f, g, NULL, err);
        *conv = false;
        while (rc == 0 && !(*conv = norm_inf(g, q) <= gtol) && it < d->spec->max_iter) {
                it++;
                /* Two-loop recursion: dir = -H g. */
                for (int64_t j = 0; j < q; j++)
                        dir[j] = -g[j];
                for (int k = 0; k < npairs; k++) {
                        int i = (head - 1 - k + LBFGS_M) % LBFGS_M;
                        alpha[i] = rho_k[i] * dot(S + i * q, dir, q);
                        for (int64_t j = 0; j < q; j++)
                                dir[j] -= alpha[i] * Y[i * q + j];
                }
                double gamma = 1 / (double)d->n; /* z is standardized: H ~ n I */
                if (npairs > 0) {
                        int i = (head - 1 + LBFGS_M) % LBFGS_M;
                        gamma = dot(S + i * q, Y + i * q, q) / dot(Y + i * q, Y + i * q, q);
                }
                for (int64_t j = 0; j < q; j++)
                        dir[j] *= gamma;
                for (int k = npairs - 1; k >= 0; k--) {
                        int i = (head - 1 - k + LBFGS_M) % LBFGS_M;
                        double b = rho_k[i] * dot(Y + i * q, dir, q);
                        for (int64_t j = 0; j < q; j++)
                                dir[j] += (alpha[i] - b) * S[i * q + j];
                }
                double slope = dot(g, dir, q);
                if (!(slope < 0)) { /* not a descent direction: restart */
                        npairs = 0;
                        for (int64_t j = 0; j < q; j++)
                                dir[j] = -g[j] / (double)d->n;
                        slope = dot(g, dir, q);
                }
                double t = 1;
                bool ok = false;
                for (int ls = 0; ls < 50 && rc == 0 && !ok; ls++) {
                        for (int64_t j = 0; j < q; j++)
                                w2[j] = w[j] + t * dir[j];
                        rc = par__glm_eval(d, w2, &f2, g2, NULL, err);
                        ok = rc == 0 && f2 <= f + 1e-4 * t * slope + fuzz(f);
                        t *= 0.5;
                }
                if (rc < 0 || !ok)
                        break; /* no decrease left at double precision */
                double *s = S + head * q, *yv = Y + head * q;
                for (int64_t j = 0; j < q; j++) {
                        s[j] = w2[j] - w[j];
                        yv[j] = g2[j] - g[j];
                }
                double sy = dot(s, yv, q);
                if (sy > 1e-300) {
                        rho_k[head] = 1 / sy;
                        head = (head + 1) % LBFGS_M;
                        npairs += npairs < LBFGS_M;
                }
                memcpy(w, w2, (size_t)q * sizeof *w);
                memcpy(g, g2, (size_t)q * sizeof *g);
                f = f2;
        }
        par__free(S);
        *it_out = it;
        return rc;
}

/* ---- Newton ----------------------------------------------------------------------------- */

static int solve_newton(par__glm_data *d, double *w, int *it_out, bool *conv,
                        par_error *err)
{
        int64_t q = d->q;
        double gtol = d->spec->tol * (double)d->n;
        double *V = vectors(q, 4), *H = par__malloc((size_t)(q * q) * sizeof *H);
        if (!V || !H) {
                par__free(V);
                par__free(H);
                return PAR__ENOMEM(err, "fitting");
        }
        double *g = V, *dir = V + q, *w2 = V + 2 * q, *g2 = V + 3 * q, f = 0, f2 = 0;
        int it = 0, rc = 0;
        *conv = false;
        while (rc == 0 && it < d->spec->max_iter) {
                rc = par__glm_eval(d, w, &f, g, H, err);
                if (rc < 0 || (*conv = norm_inf(g, q) <= gtol))
                        break;
                it++;
                for (int64_t j = 0; j < q; j++)
                        dir[j] = -g[j];
                int src = par__glm_spd_solve(q, H, dir);
                if (src == PAR_ENOMEM) {
                        rc = PAR__ENOMEM(err, "fitting");
                        break;
                } else if (src < 0) {
                        rc = par__errorf(err, PAR_EINVAL,
                                         "fit: newton: the Hessian is singular; add a "
                                         "penalty or remove constant columns");
                        break;
                }
                double slope = dot(g, dir, q), t = 1;
                bool ok = false;
                for (int ls = 0; ls < 50 && rc == 0 && !ok; ls++) {
                        for (int64_t j = 0; j < q; j++)
                                w2[j] = w[j] + t * dir[j];
                        rc = par__glm_eval(d, w2, &f2, g2, NULL, err);
                        ok = rc == 0 && f2 <= f + 1e-4 * t * slope + fuzz(f);
                        t *= 0.5;
                }
                if (rc < 0)
                        break;
                if (!ok) {
                        *conv = norm_inf(g, q) <= 1e3 * gtol;
                        break;
                }
                memcpy(w, w2, (size_t)q * sizeof *w);
                if (norm_inf(g2, q) <= gtol) { /* saves the Hessian pass */
                        *conv = true;
                        break;
                }
        }
        par__free(V);
        par__free(H);
        *it_out = it;
        return rc;
}

/* ---- gradient descent ------------------------------------------------------------------ */

static int solve_gd(par__glm_data *d, double *w, int *it_out, bool *conv, par_error *err)
{
        int64_t q = d->q;
        double gtol = d->spec->tol * (double)d->n;
        double *V = vectors(q, 3);
        if (!V)
                return PAR__ENOMEM(err, "fitting");
        double *g = V, *w2 = V + q, *g2 = V + 2 * q, f = 0, f2 = 0;
        double t = 1 / (double)d->n;
        int it = 0, rc = par__glm_eval(d, w, &f, g, NULL, err);
        *conv = false;
        while (rc == 0 && !(*conv = norm_inf(g, q) <= gtol) && it < d->spec->max_iter) {
                it++;
                double gg = dot(g, g, q);
                bool ok = false;
                for (int ls = 0; ls < 50 && rc == 0 && !ok; ls++) {
                        for (int64_t j = 0; j < q; j++)
                                w2[j] = w[j] - t * g[j];
                        rc = par__glm_eval(d, w2, &f2, g2, NULL, err);
                        ok = rc == 0 && f2 <= f - 0.5 * t * gg + fuzz(f);
                        if (!ok)
                                t *= 0.5;
                }
                if (rc < 0 || !ok)
                        break;
                memcpy(w, w2, (size_t)q * sizeof *w);
                memcpy(g, g2, (size_t)q * sizeof *g);
                f = f2;
                t *= 2; /* try a longer step next time */
        }
        par__free(V);
        *it_out = it;
        return rc;
}

/* ---- proximal gradient (FISTA) ------------------------------------------------------- */

/* The proximal step of t * l1 at v: soft-thresholding. */
static void prox_l1(const par__glm_data *d, const double *v, double t, double *out)
{
        for (int64_t j = 0; j < d->q; j++) {
                double a = t * d->l1[j];
                out[j] = v[j] > a ? v[j] - a : v[j] < -a ? v[j] + a : 0;
        }
}

static int solve_prox(par__glm_data *d, double *w, int *it_out, bool *conv,
                      par_error *err)
{
        int64_t q = d->q;
        double gtol = d->spec->tol * (double)d->n;
        double *V = vectors(q, 5);
        if (!V)
                return PAR__ENOMEM(err, "fitting");
        double *yk = V, *gy = V + q, *wn = V + 2 * q, *gn = V + 3 * q, *tmp = V + 4 * q;
        double t = 1 / (double)d->n, theta = 1, fy = 0, fn = 0;
        /* F(w) + l1(w) at the current iterate, for the restart test. */
        int it = 0, rc = par__glm_eval(d, w, &fy, gy, NULL, err);
        double obj = fy + par__glm_l1(d, w);
        memcpy(yk, w, (size_t)q * sizeof *yk);
        *conv = false;
        while (rc == 0 && it < d->spec->max_iter) {
                it++;
                bool ok = false;
                for (int ls = 0; ls < 50 && rc == 0 && !ok; ls++) {
                        for (int64_t j = 0; j < q; j++)
                                tmp[j] = yk[j] - t * gy[j];
                        prox_l1(d, tmp, t, wn);
                        rc = par__glm_eval(d, wn, &fn, gn, NULL, err);
                        double model = fy, dd = 0;
                        for (int64_t j = 0; j < q; j++) {
                                double s = wn[j] - yk[j];
                                model += gy[j] * s;
                                dd += s * s;
                        }
                        ok = rc == 0 && fn <= model + dd / (2 * t) + fuzz(fy);
                        if (!ok)
                                t *= 0.5;
                }
                if (rc < 0 || !ok)
                        break;
                /* The gradient mapping (y - w+) / t is the composite
                 * problem's gradient: zero exactly at the optimum. */
                double gm = 0;
                for (int64_t j = 0; j < q; j++)
                        gm = fmax(gm, fabs(yk[j] - wn[j]) / t);
                double obj_n = fn + par__glm_l1(d, wn);
                if (gm <= gtol) {
                        memcpy(w, wn, (size_t)q * sizeof *w);
                        *conv = true;
                        break;
                }
                double theta_n = (1 + sqrt(1 + 4 * theta * theta)) / 2;
                if (obj_n > obj) { /* restart: momentum went uphill */
                        theta_n = 1;
                        memcpy(yk, wn, (size_t)q * sizeof *yk);
                        memcpy(gy, gn, (size_t)q * sizeof *gy);
                        fy = fn;
                } else {
                        double beta = (theta - 1) / theta_n;
                        for (int64_t j = 0; j < q; j++)
                                yk[j] = wn[j] + beta * (wn[j] - w[j]);
                        if (beta == 0) {
                                memcpy(gy, gn, (size_t)q * sizeof *gy);
                                fy = fn;
                        } else {
                                rc = par__glm_eval(d, yk, &fy, gy, NULL, err);
                        }
                }
                memcpy(w, wn, (size_t)q * sizeof *w);
                obj = obj_n;
                theta = theta_n;
        }
        par__free(V);
        *it_out = it;
        return rc;
}

/* ---- the fit -------------------------------------------------------------------------------- */

/* Computes X's and y's chunks and their checks in one computation, then
 * the standardization. With `keep`, the chunks' values go to xv and yv
 * (for the blocks); without, only the moments are kept. */
static int prepare(par__glm_data *d, par_array *X, par_array *y, bool keep,
                   par_value **xv, par_value **yv, par_error *err)
{
        int64_t nc = X->nchunks, p = X->cols, dd = p + 1;
        uint64_t h = par__hash_bytes(X->name, strlen(X->name), 0x676c6du);
        h = par__hash_bytes(y->name, strlen(y->name), h);
        char part[128];
        par__array_token("glm-check", h, part, sizeof part);
        par_graph *g = par_graph_new();
        size_t nk = (keep ? 3 : 1) * (size_t)nc;
        par_key *keys = par__malloc(nk * sizeof *keys);
        par_value **vals = par__calloc(nk, sizeof *vals);
        int rc = g && keys && vals ? 0 : PAR__ENOMEM(err, "fitting");
        for (int64_t i = 0; i < nc && rc == 0; i++) {
                keys[i] = par_key_make(part, i);
                if (keep) {
                        keys[nc + i] = par_key_make(X->name, i);
                        keys[2 * nc + i] = par_key_make(y->name, i);
                }
                rc = par_graph_add(g, keys[i], "par.ml.glm_check", 3,
                                   (par_arg[]){par_arg_key(X->name, i),
                                               par_arg_key(y->name, i),
                                               par_arg_int64(d->spec->family)},
                                   err);
        }
        if (rc < 0) {
                par_graph_free(g);
        } else {
                par__layer *deps[2] = {X->layer, y->layer};
                par__layer *l = par__layer_new(g, 2, deps);
                rc = l ? par__array_run(d->c, l, nk, keys, vals, err)
                       : PAR__ENOMEM(err, "fitting");
                par__layer_release(l);
        }
        int64_t n = 0;
        double *mean = par__calloc((size_t)dd, sizeof *mean);
        double *M = par__calloc((size_t)(dd * dd), sizeof *M);
        if (rc == 0 && (!mean || !M))
                rc = PAR__ENOMEM(err, "fitting");
        for (int64_t i = 0; i < nc && rc == 0; i++) {
                par__mom mo;
                if (par__mom_read(vals[i], &mo) < 0 || mo.d != dd)
                        rc = par__errorf(err, PAR_EINVAL, "fit: malformed moments");
                else
                        par__mom_merge(&n, mean, M, (int)dd, true, mo.n, mo.mean, mo.M);
        }
        if (rc == 0 && n < 1)
                rc = par__errorf(err, PAR_EINVAL, "fit: X has no rows");
        for (int64_t j = 0; rc == 0 && j < p; j++) {
                double var = M[j * dd + j] / (double)n;
                double sc = d->spec->intercept ? sqrt(var)
                                               : sqrt(var + mean[j] * mean[j]);
                d->mean[j] = d->spec->intercept ? mean[j] : 0;
                d->scale[j] = sc > 0 && isfinite(sc) ? sc : 1;
                if (!isfinite(var))
                        rc = par__errorf(err, PAR_EINVAL,
                                         "fit: column %" PRId64 " of X is too large "
                                         "to square",
                                         j);
        }
        d->n = n;
        for (int64_t i = 0; i < nc; i++) {
                d->mom[i] = vals ? vals[i] : NULL;
                xv[i] = vals && keep ? vals[nc + i] : NULL;
                yv[i] = vals && keep ? vals[2 * nc + i] : NULL;
        }
        par__free(vals);
        par__free(keys);
        par__free(mean);
        par__free(M);
        return rc;
}

/* The blocks [z, 1, y], one task per chunk. */
static int make_blocks(par__glm_data *d, par_value **xv, par_value **yv, par_error *err)
{
        par_value *tv = transform_value(d);
        par_graph *g = par_graph_new();
        int64_t nc = d->nchunks;
        par_key *keys = par__malloc((size_t)nc * sizeof *keys);
        int rc = tv && g && keys ? 0 : PAR__ENOMEM(err, "fitting");
        for (int64_t i = 0; i < nc && rc == 0; i++) {
                keys[i] = par_key_make("glm-block", i);
                rc = par_graph_add(g, keys[i], "par.ml.glm_block", 3,
                                   (par_arg[]){par_arg_value(xv[i]), par_arg_value(yv[i]),
                                               par_arg_value(tv)},
                                   err);
        }
        if (rc == 0)
                rc = par__client_run(d->c, g, (size_t)nc, keys, d->Z, err);
        par_graph_free(g);
        par__free(keys);
        par_value_release(tv);
        return rc;
}

static void data_free(par__glm_data *d)
{
        for (int64_t i = 0; i < d->nchunks; i++) {
                if (d->mom)
                        par_value_release(d->mom[i]);
                if (d->Z)
                        par_value_release(d->Z[i]);
        }
        par__free(d->mom);
        par__free(d->Z);
        par__free(d->mean);
        par__free(d->scale);
        par__free(d->l2);
        par__free(d->l1);
}

/* Penalty weights on w: beta_j = w_j / scale_j. */
static void penalty_weights(par__glm_data *d)
{
        const par__glm_spec *s = d->spec;
        for (int64_t j = 0; j < d->q; j++) {
                double sc = j < d->p ? d->scale[j] : 0;
                d->l2[j] = j < d->p ? s->lambda * (1 - s->l1_ratio) / (sc * sc) : 0;
                d->l1[j] = j < d->p ? s->lambda * s->l1_ratio / sc : 0;
        }
}

static int run_solver(par__glm_data *d, double *w, int *it, bool *conv, par_error *err)
{
        switch (d->spec->solver) {
        case PAR_SOLVER_ADMM: return par__glm_admm(d, w, it, conv, err);
        case PAR_SOLVER_LBFGS: return solve_lbfgs(d, w, it, conv, err);
        case PAR_SOLVER_NEWTON: return solve_newton(d, w, it, conv, err);
        case PAR_SOLVER_GRADIENT_DESCENT: return solve_gd(d, w, it, conv, err);
        case PAR_SOLVER_PROXIMAL_GRAD: return solve_prox(d, w, it, conv, err);
        default:
                return par__errorf(err, PAR_EINVAL, "fit: solver %d is not iterative",
                                   (int)d->spec->solver);
        }
}

int par__glm_fit(par_client *c, const par__glm_spec *s, par_array *X, par_array *y,
                 par__glm_result *r, par_error *err)
{
        par__glm_data d = {0};
        d.spec = s;
        d.c = c;
        d.p = X->cols;
        d.q = d.p + (s->intercept ? 1 : 0);
        d.nchunks = X->nchunks;
        size_t nc = (size_t)X->nchunks, q = (size_t)d.q;
        d.mom = par__calloc(nc, sizeof *d.mom);
        d.Z = par__calloc(nc, sizeof *d.Z);
        d.mean = par__calloc((size_t)d.p, sizeof *d.mean);
        d.scale = par__calloc((size_t)d.p, sizeof *d.scale);
        d.l2 = par__calloc(q, sizeof *d.l2);
        d.l1 = par__calloc(q, sizeof *d.l1);
        par_value **xv = par__calloc(nc, sizeof *xv), **yv = par__calloc(nc, sizeof *yv);
        double *w = par__calloc(q, sizeof *w), *g = par__calloc(q, sizeof *g);
        int rc = d.mom && d.Z && d.mean && d.scale && d.l2 && d.l1 && xv && yv && w && g
                         ? 0
                         : PAR__ENOMEM(err, "fitting");
        /* Linear ADMM works from the chunks' moments alone. */
        bool blocks = !(s->solver == PAR_SOLVER_ADMM && s->family == PAR__GLM_LINEAR);
        if (rc == 0)
                rc = prepare(&d, X, y, blocks, xv, yv, err);
        if (rc == 0)
                penalty_weights(&d);
        if (rc == 0 && blocks)
                rc = make_blocks(&d, xv, yv, err);
        for (size_t i = 0; xv && yv && i < nc; i++) {
                par_value_release(xv[i]);
                par_value_release(yv[i]);
        }
        par__free(xv);
        par__free(yv);
        int it = 0;
        bool conv = false;
        if (rc == 0)
                rc = run_solver(&d, w, &it, &conv, err);
        double f = 0;
        if (rc == 0 && blocks)
                rc = par__glm_eval(&d, w, &f, g, NULL, err);
        double *coef = rc == 0 ? par__malloc((size_t)d.p * sizeof *coef) : NULL;
        if (rc == 0 && !coef)
                rc = PAR__ENOMEM(err, "fitting");
        if (rc == 0) {
                double b = s->intercept ? w[d.p] : 0;
                bool finite = isfinite(b);
                for (int64_t j = 0; j < d.p; j++) {
                        coef[j] = w[j] / d.scale[j];
                        b -= coef[j] * d.mean[j];
                        finite = finite && isfinite(coef[j]);
                }
                if (!finite) {
                        rc = par__errorf(err, PAR_EINVAL,
                                         "fit: the solver diverged (coefficients are "
                                         "not finite)");
                } else {
                        r->coef = coef;
                        coef = NULL;
                        r->intercept = b;
                        r->n_iter = it;
                        r->n = d.n;
                        r->converged = conv;
                        r->objective = blocks ? f + par__glm_l1(&d, w) : d.objective;
                }
        }
        par__free(coef);
        par__free(w);
        par__free(g);
        data_free(&d);
        return rc;
}

#else /* !PAR_HAVE_BLAS */

void par__glm_register_ops(void)
{
        par_op_register("par.ml.glm_sum", op_glm_sum, NULL);
}

int par__glm_fit(par_client *c, const par__glm_spec *s, par_array *X, par_array *y,
                 par__glm_result *r, par_error *err)
{
        (void)c, (void)s, (void)X, (void)y, (void)r;
        return par__errorf(err, PAR_ENOTSUP,
                           "fit: this build of par has no OpenBLAS/LAPACKE "
                           "(meson -Dblas=enabled)");
}

#endif
