/* par/ml.h — linear models on chunked arrays (dask-ml's LinearRegression).
 *
 * dask-ml's interface, made explicit: an options struct instead of keyword
 * arguments, a result struct instead of fitted attributes (coef_ is
 * `coef`, intercept_ is `intercept`, n_iter_ is `n_iter`).
 *
 * The solver. dask-ml's LinearRegression defaults to solver='admm' with
 * penalty='l2' and C=1.0, that is a ridge penalty of lambda = 1/C = 1
 * minimized iteratively to a tolerance: it is not plain least squares and
 * gives coefficients near, not at, the least-squares answer (the talk's
 * 3.99999902 for an exact 4). par's default, PAR_SOLVER_EXACT, is ordinary
 * least squares solved exactly: one pass over the data accumulates the
 * centered cross-products of [X, y] per chunk (each chunk shifted by an
 * estimate of its mean, summed in register blocks), merges the chunks'
 * means and co-moments pairwise (Chan, Golub and LeVeque's update) in a
 * tree, then solves the p x p normal equations by Cholesky (LAPACKE
 * dposv) after scaling them to unit diagonal. The intercept is handled by
 * the centering, never as a column of ones. For y = 4x + 3 exactly the
 * answer is 4 and 3 to about 1e-14.
 *
 * When the scaled normal matrix is singular or nearly so (Cholesky fails
 * or LAPACKE dpocon's reciprocal condition estimate is below `rcond`),
 * the normal equations have squared X's condition number past what they
 * can solve, so the fit makes a second pass over the data instead: least
 * squares by TSQR (par_array_lstsq) of X and y, both centered chunk by
 * chunk with the first pass's means when there is an intercept. That is
 * backward stable in X itself: with columns x and x + 1e-7 noise it
 * matches numpy.linalg.lstsq to about 1e-10 where the normal equations
 * are off in the first digit. The small system R x = Q'y is solved by
 * SVD (LAPACKE dgelsd) with NumPy's cutoff: singular values of the
 * (centered) X below machine epsilon times max(n, p) times the largest
 * count as zero. That gives `rank`; when it is below p the answer is the
 * minimum-norm one, as scikit-learn's LinearRegression gives for
 * rank-deficient X (a duplicated column shares its weight equally; the
 * intercept is not in the norm), and `min_norm` says so. With
 * `require_full_rank` a rank below p fails with PAR_EINVAL instead. A
 * ridge fit (l2, lambda > 0) never needs the second pass for rank; if its
 * shifted equations are still ill-conditioned they are solved by dgelsd
 * (cutoff `rcond`) as before, `min_norm` set (PAR_EINVAL with
 * `require_full_rank`). NaN or infinite inputs fail with PAR_EINVAL: a
 * fit never returns NaN coefficients.
 *
 * BLAS threads. The parallelism comes from the tasks, so par sets
 * OpenBLAS to one thread (openblas_set_num_threads(1), process-wide) the
 * first time a fit or a Gram matrix uses BLAS or LAPACK. Built without
 * OpenBLAS/LAPACKE (meson -Dblas=disabled), fitting fails with
 * PAR_ENOTSUP.
 *
 * Penalties and the objective. Every model minimizes, over the
 * coefficients beta (p numbers) and the intercept b (never penalized),
 *
 *     F(beta, b) = sum_i loss(y_i, eta_i) + lambda * P(beta),
 *     eta_i = x_i . beta + b,   lambda = 1 / C,
 *     P(beta) = (1 - l1_ratio) / 2 * |beta|_2^2 + l1_ratio * |beta|_1,
 *
 * with loss = (y - eta)^2 / 2 for LinearRegression and the log loss
 * log(1 + e^eta) - y eta for LogisticRegression; penalty l2 is l1_ratio
 * 0, l1 is l1_ratio 1, none is lambda 0. The loss is a SUM over the rows
 * (dask-glm's scaling), so in scikit-learn's terms:
 *   LinearRegression l2          = Ridge(alpha = lambda)
 *   LinearRegression l1          = Lasso(alpha = lambda / n)
 *   LinearRegression elastic_net = ElasticNet(alpha = lambda / n, l1_ratio)
 *   LogisticRegression           = LogisticRegression(C, penalty, l1_ratio)
 *
 * Solvers. EXACT (linear only; l1 and elastic-net refused) solves the
 * normal equations from one pass of cross-products (a second, TSQR, pass
 * when they are ill-conditioned, as above); with l2, lambda is
 * added to their diagonal (closed-form ridge). The iterative solvers work
 * on the features standardized internally (x - mean) / std (plain x / rms
 * without an intercept; the penalty stays on the original beta, so the
 * answer is the same), which makes their steps well scaled:
 *   LBFGS            limited-memory BFGS (10 pairs), Armijo backtracking;
 *                    smooth penalties only (none, l2).
 *   NEWTON           Newton's method with the Hessian summed over chunks
 *                    and a backtracking line search; none, l2.
 *   GRADIENT_DESCENT gradient steps with a backtracking (Armijo) step that
 *                    grows after each success; none, l2.
 *   PROXIMAL_GRAD    FISTA with backtracking and restarts; any penalty
 *                    (soft-thresholding for the l1 part).
 *   ADMM             consensus ADMM as dask-glm's: each chunk solves its
 *                    own unpenalized problem plus (rho/2)|w - z + u_i|^2,
 *                    the driver averages, applies the penalty's proximal
 *                    step (z) and updates the duals u_i; stops when the
 *                    primal and dual residuals fall below Boyd et al.'s
 *                    abstol/reltol bounds. Linear: each chunk's problem is
 *                    a ridge solve whose Cholesky factor is computed once
 *                    (from the chunk's cross-products, on the driver) and
 *                    reused every iteration, so iterations do not touch
 *                    the data. Logistic: a task per chunk runs a few
 *                    Newton steps from its previous answer.
 * Each iteration of LBFGS, NEWTON, GRADIENT_DESCENT and PROXIMAL_GRAD is
 * one computation on the client: a task per chunk for its loss, gradient
 * (and Hessian) and a tree sum; the p-dimensional update runs on the
 * caller's thread. The chunks are computed once per fit (a lazy source is
 * not recomputed per iteration) and held, standardized, in memory: a fit
 * needs about as much memory again as X. Results depend only on the data
 * and the chunking (fixed tree shapes, no racing sums): the same chunking
 * gives the same bits on every executor and thread count.
 *
 * Stopping. The smooth solvers stop when the largest component of the
 * gradient of F (for PROXIMAL_GRAD: of its gradient mapping) in the
 * standardized coordinates is at most tol * n, that is when the gradient
 * of the mean loss is below tol; ADMM uses abstol and reltol. A fit that
 * reaches max_iter first still returns its last iterate, with converged
 * false (as scikit-learn, which warns).
 *
 * Defaults, and why they differ from dask-ml's. Zero-initialized options
 * ask for plain, unpenalized fits: LinearRegression exact least squares,
 * LogisticRegression maximum likelihood by LBFGS. dask-ml's estimators
 * default to solver='admm', penalty='l2', C=1 (lambda = 1): a ridge fit,
 * not least squares, stopped at admm's loose tolerances (abstol 1e-4,
 * reltol 1e-2). Ask for that explicitly: .penalty = PAR_PENALTY_L2,
 * .C = 1, .solver = PAR_SOLVER_ADMM. */
#ifndef PAR_ML_H
#define PAR_ML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "array.h"
#include "client.h"
#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum par_solver {
        PAR_SOLVER_EXACT = 0, /* linear default: normal equations, exactly;
                               * for logistic regression it means LBFGS */
        PAR_SOLVER_ADMM,
        PAR_SOLVER_LBFGS,
        PAR_SOLVER_NEWTON,
        PAR_SOLVER_GRADIENT_DESCENT,
        PAR_SOLVER_PROXIMAL_GRAD
} par_solver;

typedef enum par_penalty {
        PAR_PENALTY_NONE = 0, /* the default */
        PAR_PENALTY_L2,
        PAR_PENALTY_L1,
        PAR_PENALTY_ELASTIC_NET /* l1_ratio * |b|_1 + (1 - l1_ratio)/2 |b|^2 */
} par_penalty;

/* The options every solver shares (the tail of both option structs), zero
 * meaning the default (fields named as dask-ml's keywords):
 *   penalty    PAR_PENALTY_NONE.
 *   C          the inverse penalty strength, lambda = 1 / C; 0 means 1.
 *              Negative, infinite or NaN: PAR_EINVAL.
 *   l1_ratio   elastic-net mixing in [0, 1] (only for ELASTIC_NET; 0
 *              there means 0.5, the value dask-glm's ElasticNet uses).
 *   max_iter   iterations (ADMM: consensus rounds); 0 means 100 (250 for
 *              ADMM, as dask-glm).
 *   tol        the stopping tolerance above; 0 means 1e-4 (dask-ml's).
 *   rho        ADMM's augmented-Lagrangian weight relative to a chunk's
 *              curvature: the weight is rho * n / nchunks for least
 *              squares and rho * n / (4 nchunks) for the log loss (the
 *              loss is a sum over rows, and the standardized features
 *              make a chunk's Hessian about that); 0 means 1.
 *   abstol, reltol  ADMM's stopping bounds (Boyd et al. 2011, 3.3.1, with
 *              sqrt(nchunks (p+1)) as the dimension, on the coefficients
 *              of the standardized features); 0 means dask-glm's 1e-4 and
 *              1e-2.
 * The other solvers ignore rho, abstol and reltol; EXACT ignores them
 * all but penalty and C. */
/* Options; zero means the default. */
typedef struct par_linear_regression_opts {
        /* dask-ml's fit_intercept=True is the default; set this for
         * fit_intercept=False (the model then goes through the origin and
         * the cross-products are not centered). */
        bool no_intercept;
        par_solver solver;
        /* The reciprocal condition of the scaled normal equations below
         * which they are not solved by Cholesky (then by TSQR of the
         * data, or for ridge by SVD of the equations); 0 means 1e-12. */
        double rcond;
        /* Fail with PAR_EINVAL instead of giving the minimum-norm answer
         * when X is rank-deficient. */
        bool require_full_rank;
        /* Partials combined per task of the tree reduction; 0 means 8. */
        int split_every;
        /* Penalty and iterative solvers: see above. */
        par_penalty penalty;
        double C;
        double l1_ratio;
        int max_iter;
        double tol;
        double rho;
        double abstol;
        double reltol;
} par_linear_regression_opts;

/* A fitted model. Zero-initialize it before fitting; release what a fit
 * allocated with par_linear_regression_clear. */
typedef struct par_linear_regression {
        int64_t n_features;  /* p */
        double *coef;        /* coef_: p numbers (owned) */
        double intercept;    /* intercept_ (0 with no_intercept) */
        int n_iter;          /* n_iter_: 1 for EXACT, else iterations */
        int64_t n_samples;
        int rank;            /* X's effective rank (p when Cholesky
                              * sufficed, or the rank the TSQR fallback
                              * found; p for the iterative solvers) */
        double rcond;        /* dpocon's estimate for the scaled matrix
                              * (EXACT only; 0 otherwise) */
        bool min_norm;       /* rank < p: the minimum-norm answer */
        bool fit_intercept;
        par_solver solver;
        par_penalty penalty;
        double lambda;       /* 1 / C (0 without a penalty) */
        bool converged;      /* false: stopped at max_iter */
        double objective;    /* F at the answer (iterative solvers; 0
                              * for EXACT) */
} par_linear_regression;

/* Fits y ~ X: X is a 2-D array (n_samples, n_features), y a 1-D array of
 * n_samples or a 2-D one with one column (the talk's a[:, 2:3]). X and y
 * must be chunked alike by rows (the same number of row blocks, with
 * equal lengths where both are known; checked per chunk when computed
 * otherwise). Arrays of other dtypes (float32, int64, bool) are converted
 * to float64 as each chunk is read, and a grid's column blocks are joined
 * per row block first (one task per row block), in every function of this
 * header that takes X or y. Computes on `c` and fills *m (a previous fit's coef is freed). n_iter
 * is 1 for EXACT, else the iterations (ADMM: rounds) run. The penalty,
 * solvers and defaults: see the top of this header.
 * Errors: PAR_EINVAL (shapes, chunking, NaN or infinite data, singular
 * with require_full_rank, n_samples < 1, an unknown solver or penalty,
 * C < 0, l1_ratio outside [0, 1], an l1 part with EXACT, LBFGS, NEWTON or
 * GRADIENT_DESCENT), PAR_ENOTSUP (no LAPACKE in this build), PAR_ENOMEM,
 * a task's error. */
PAR_API int par_linear_regression_fit(par_client *c,
                                      const par_linear_regression_opts *opts,
                                      par_array *X, par_array *y,
                                      par_linear_regression *m, par_error *err);

/* Frees the model's coefficients and zeroes it. NULL is a no-op. */
PAR_API void par_linear_regression_clear(par_linear_regression *m);

/* The predictions X @ coef + intercept: a lazy 1-D array chunked as X's
 * rows. Errors: PAR_EINVAL (X not 2-D with n_features columns, a model
 * that was not fitted). */
PAR_API int par_linear_regression_predict(const par_linear_regression *m,
                                          par_array *X, par_array **out,
                                          par_error *err);

/* The coefficient of determination R^2 = 1 - SS_res / SS_tot of the
 * predictions for X against y, computed now on `c` in one pass (per chunk
 * residuals and y's shifted moments, merged in a tree). As scikit-learn:
 * when y is constant, 1.0 for perfect predictions, else 0.0. */
PAR_API int par_linear_regression_score(par_client *c,
                                        const par_linear_regression *m,
                                        par_array *X, par_array *y, double *r2,
                                        par_error *err);

/* ---- logistic regression ---------------------------------------------------------- */

/* Options; zero means the default: an intercept, no penalty, LBFGS
 * (PAR_SOLVER_EXACT, 0, means LBFGS here). dask-ml's defaults are
 * .penalty = PAR_PENALTY_L2, .C = 1, .solver = PAR_SOLVER_ADMM. */
typedef struct par_logistic_regression_opts {
        bool no_intercept;
        par_solver solver;
        int split_every; /* as for linear regression; 0 means 8 */
        par_penalty penalty;
        double C;
        double l1_ratio;
        int max_iter;
        double tol;
        double rho;
        double abstol;
        double reltol;
} par_logistic_regression_opts;

/* A fitted model: zero-initialize, release with
 * par_logistic_regression_clear. */
typedef struct par_logistic_regression {
        int64_t n_features;
        double *coef;     /* p numbers (owned) */
        double intercept; /* 0 with no_intercept */
        int n_iter;
        int64_t n_samples;
        bool fit_intercept;
        par_solver solver; /* the one used (LBFGS for 0) */
        par_penalty penalty;
        double lambda;
        bool converged;
        double objective;
} par_logistic_regression;

/* Fits P(y = 1 | x) = 1 / (1 + exp(-(x . coef + intercept))) by
 * minimizing F above with the log loss. y holds labels 0 and 1 only
 * (another value, NaN included, fails with PAR_EINVAL naming the chunk
 * and the row); X and y chunked alike. Errors: as
 * par_linear_regression_fit. */
PAR_API int par_logistic_regression_fit(par_client *c,
                                        const par_logistic_regression_opts *opts,
                                        par_array *X, par_array *y,
                                        par_logistic_regression *m,
                                        par_error *err);

/* Frees the coefficients and zeroes the model. NULL is a no-op. */
PAR_API void par_logistic_regression_clear(par_logistic_regression *m);

/* The predicted labels (0.0 or 1.0: 1 where the probability exceeds 0.5)
 * for X: a lazy 1-D array chunked as X's rows. Errors: PAR_EINVAL (X not
 * 2-D with n_features columns, a model that was not fitted). */
PAR_API int par_logistic_regression_predict(const par_logistic_regression *m,
                                            par_array *X, par_array **out,
                                            par_error *err);

/* P(y = 1 | x) for X as a lazy 1-D array (dask-ml's predict_proba; the
 * second column of scikit-learn's). Errors: as predict. */
PAR_API int par_logistic_regression_predict_proba(const par_logistic_regression *m,
                                                  par_array *X, par_array **out,
                                                  par_error *err);

/* The accuracy: the fraction of rows whose predicted label equals y,
 * computed now on `c` (a count per chunk and a tree sum). Errors:
 * PAR_EINVAL (shapes, chunking, no rows), a task's error. */
PAR_API int par_logistic_regression_score(par_client *c,
                                          const par_logistic_regression *m,
                                          par_array *X, par_array *y,
                                          double *accuracy, par_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PAR_ML_H */
