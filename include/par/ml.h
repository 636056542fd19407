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
 * or LAPACKE dpocon's reciprocal condition estimate is below `rcond`), the
 * fit falls back to the minimum-norm least-squares solution of the same
 * equations by SVD (LAPACKE dgelsd, singular values below rcond times the
 * largest treated as zero), as scikit-learn's LinearRegression gives for
 * rank-deficient X (a duplicated column shares its weight equally), and
 * says so in `min_norm` and `rank`; with `require_full_rank` it fails with
 * PAR_EINVAL instead. NaN or infinite inputs fail with PAR_EINVAL: a fit
 * never returns NaN coefficients.
 *
 * BLAS threads. The parallelism comes from the tasks, so par sets
 * OpenBLAS to one thread (openblas_set_num_threads(1), process-wide) the
 * first time a fit or a Gram matrix uses BLAS or LAPACK. Built without
 * OpenBLAS/LAPACKE (meson -Dblas=disabled), fitting fails with
 * PAR_ENOTSUP. */
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
        PAR_SOLVER_EXACT = 0 /* the default: least squares, solved exactly */
} par_solver;

/* Options; zero means the default. */
typedef struct par_linear_regression_opts {
        /* dask-ml's fit_intercept=True is the default; set this for
         * fit_intercept=False (the model then goes through the origin and
         * the cross-products are not centered). */
        bool no_intercept;
        par_solver solver;
        /* The reciprocal condition below which the normal equations count
         * as singular; 0 means 1e-12. */
        double rcond;
        /* Fail with PAR_EINVAL instead of giving the minimum-norm answer
         * when X is rank-deficient. */
        bool require_full_rank;
        /* Partials combined per task of the tree reduction; 0 means 8. */
        int split_every;
} par_linear_regression_opts;

/* A fitted model. Zero-initialize it before fitting; release what a fit
 * allocated with par_linear_regression_clear. */
typedef struct par_linear_regression {
        int64_t n_features;  /* p */
        double *coef;        /* coef_: p numbers (owned) */
        double intercept;    /* intercept_ (0 with no_intercept) */
        int n_iter;          /* n_iter_: passes over the data (1) */
        int64_t n_samples;
        int rank;            /* rank of the normal equations (p if full) */
        double rcond;        /* dpocon's estimate for the scaled matrix */
        bool min_norm;       /* the minimum-norm fallback was used */
        bool fit_intercept;
        par_solver solver;
} par_linear_regression;

/* Fits y ~ X: X is a 2-D array (n_samples, n_features), y a 1-D array of
 * n_samples or a 2-D one with one column (the talk's a[:, 2:3]). X and y
 * must be chunked alike (the same number of chunks, with equal lengths
 * where both are known; checked per chunk when computed otherwise).
 * Computes on `c` and fills *m (a previous fit's coef is freed).
 * Errors: PAR_EINVAL (shapes, chunking, NaN or infinite data, singular
 * with require_full_rank, n_samples < 1), PAR_ENOTSUP (no LAPACKE in
 * this build), PAR_ENOMEM, a task's error. */
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

#ifdef __cplusplus
}
#endif
#endif /* PAR_ML_H */
