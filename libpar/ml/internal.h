/* libpar/ml/internal.h — what the linear-model files share: the checks
 * and per-chunk helpers of linreg.c, and the iterative fit of glm.c and
 * admm.c behind both LinearRegression and LogisticRegression. Not
 * installed. */
#ifndef PAR_ML_INTERNAL_H
#define PAR_ML_INTERNAL_H

#include "array/internal.h"
#include "par/ml.h"

/* ---- linreg.c: inputs and per-chunk helpers ------------------------------------ */

/* The models' view of a caller's array: float64 (other dtypes converted,
 * fused per chunk) with one column block (a grid's blocks joined per row
 * block). *out is a new reference (a itself when nothing is needed);
 * NULL a gives NULL. */
int par__ml_input(par_array *a, par_array **out, par_error *err);
/* par__ml_input of X and of y (which may be NULL); on failure neither is
 * set (both NULL). */
int par__ml_inputs(par_array *X, par_array *y, par_array **x2, par_array **y2,
                   par_error *err);
/* A prediction layer: one task per chunk of X (checked by the caller),
 * op(chunk, coef blob of p doubles, intercept, extra...) (at most 4
 * extra), named from `what` and a hash of X, the coefficients, the
 * intercept and `seed`; 1-D, chunked as X's rows. */
int par__ml_predict_layer(const char *what, const char *op, par_array *X,
                          const double *coef, int64_t p, double intercept,
                          uint64_t seed, size_t nextra, const par_arg *extra,
                          par_array **out, par_error *err);
/* X 2-d, y one column, chunked alike where lengths are known. */
int par__ml_check_xy(const char *what, par_array *X, par_array *y, par_error *err);
/* The chunk of y (one column) and of X (as many rows as y unless y is
 * NULL) inside an op; NULL after par_task_fail (status in *rc). */
const par__nd *par__ml_y_chunk(par_task_ctx *ctx, const par_value *v, const char *what,
                               int *rc);
const par__nd *par__ml_x_chunk(par_task_ctx *ctx, const par_value *v, const par__nd *y,
                               const char *what, int *rc);
/* Columns of X and y with one row stride (copied into *tmp when X's and
 * y's strides differ; the caller frees *tmp). -1 when memory runs out. */
int par__ml_xy_columns(const par__nd *x, const par__nd *y, const double **col,
                       int64_t *rs, double **tmp);
/* out[i] = intercept + x_i . coef. */
void par__ml_predict_rows(const par__nd *x, const double *coef, double intercept,
                          double *out);
/* The coefficients blob of a predict-like op (p doubles). */
int par__ml_coef_arg(par_task_ctx *ctx, const par_value *v, int64_t p,
                     const double **coef);

/* ---- glm.c: the iterative fit ------------------------------------------------------- */

enum { PAR__GLM_LINEAR = 0, PAR__GLM_LOGISTIC = 1 };

/* A fit's settings, defaults resolved. */
typedef struct par__glm_spec {
        int family;
        bool intercept;
        par_solver solver;
        par_penalty penalty;
        double lambda;   /* 0 without a penalty */
        double l1_ratio; /* 0 for l2, 1 for l1 */
        double tol, rho, abstol, reltol;
        int max_iter;
        int split_every;
} par__glm_spec;

/* Resolves the shared options (what = "fit"); errors name the option. */
int par__glm_spec_init(par__glm_spec *s, int family, bool no_intercept,
                       par_solver solver, par_penalty penalty, double C,
                       double l1_ratio, int max_iter, double tol, double rho,
                       double abstol, double reltol, int split_every,
                       par_error *err);

typedef struct par__glm_result {
        double *coef; /* p numbers, owned by the caller after success */
        double intercept;
        int n_iter;
        int64_t n;
        bool converged;
        double objective;
} par__glm_result;

/* Fits by an iterative solver (any but EXACT). */
int par__glm_fit(par_client *c, const par__glm_spec *s, par_array *X, par_array *y,
                 par__glm_result *r, par_error *err);

/* The problem while a fit runs. Coordinates w (q = p + intercept numbers)
 * are those of the standardized features z_j = (x_j - mean_j) / scale_j
 * and, last, the intercept column of ones. */
typedef struct par__glm_data {
        const par__glm_spec *spec;
        par_client *c;
        int64_t p, q, n, nchunks;
        double *mean, *scale; /* p each */
        double *l2, *l1;      /* q each: penalty weights on w */
        par_value **mom;      /* per chunk: centered moments of [X, y] */
        par_value **Z;        /* per chunk: [z, 1, y] blocks, or NULL */
        double objective;     /* set by linear ADMM (it has no blocks) */
} par__glm_data;

/* The smooth part of F at w (loss + the l2 part of the penalty), its
 * gradient g (q) and, when H is not NULL, its Hessian (q x q). One pass
 * over the blocks. */
int par__glm_eval(par__glm_data *d, const double *w, double *f, double *g, double *H,
                  par_error *err);
/* The l1 part of the penalty at w. */
double par__glm_l1(const par__glm_data *d, const double *w);

/* Loss, gradient and (when H) Hessian of one block [z, 1, y] of `rows`
 * rows at w, plus rho/2 |w - v|^2 when v is not NULL. tmp: 2 * rows
 * doubles (rows * q more when H). */
void par__glm_block_eval(const double *Z, int64_t rows, int64_t q, int family,
                         const double *w, const double *v, double rho, double *loss,
                         double *g, double *H, double *tmp);

/* Solves A x = b (q x q, symmetric positive definite, A kept; x into b)
 * by Cholesky; a tiny ridge is added when A is singular. Returns 0,
 * PAR_EINVAL when A stays singular, or PAR_ENOMEM. */
int par__glm_spd_solve(int64_t q, const double *A, double *b);

/* ---- admm.c -------------------------------------------------------------------------------- */

/* Consensus ADMM from w = 0: fills w (q) and the counters. */
int par__glm_admm(par__glm_data *d, double *w, int *n_iter, bool *converged,
                  par_error *err);

void par__glm_register_ops(void);
void par__admm_register_ops(void);
void par__logistic_register_ops(void);

#endif
