/* par/linalg.h — linear algebra on chunked arrays (dask.array.linalg).
 *
 * The arrays are par/array.h's: float64, 2-D (or 1-D), split into a grid
 * of blocks. The operations here are the ones a tall-and-skinny matrix
 * needs, each one pass over the chunks plus a small tree. Except matmul,
 * which works block by block, they need whole rows in a chunk (TSQR
 * factors rows; crossprod pairs rows of a and b): an input of several
 * column blocks has its column blocks joined first, automatically, by one
 * task per row block (Dask instead refuses such an input to tsqr):
 *
 *   par_array_matmul     a @ b: row-chunked a (n, k) times a small b (k, m),
 *                        one cblas_dgemm per chunk (lazy, chunked as a).
 *   par_array_crossprod  a.T @ b for two arrays chunked alike: per chunk
 *                        dgemm partials, summed in a tree (lazy, one chunk).
 *   par_array_tsqr       the QR factorization of a tall-and-skinny matrix:
 *                        per chunk LAPACKE dgeqrf, the chunks' R factors
 *                        stacked and factored again in a tree; R is one
 *                        chunk, Q (optional) is chunked as a and computed
 *                        from the tree top-down (lazy).
 *   par_array_lstsq      numpy.linalg.lstsq through TSQR (computes now).
 *
 * BLAS threads. The parallelism comes from the tasks, so par sets
 * OpenBLAS to one thread (process-wide, once) when a task first calls
 * BLAS or LAPACK, as par/ml.h says. Built without OpenBLAS/LAPACKE
 * (meson -Dblas=disabled), these functions fail with PAR_ENOTSUP.
 *
 * Errors: 0 or a negative status, with a message in the optional
 * par_error naming the operation, the operand and what was expected. A
 * problem that shows only when a chunk is computed (chunk lengths that
 * were unknown, a matrix with fewer rows than columns) fails that
 * computation with PAR_EINVAL naming the chunk. */
#ifndef PAR_LINALG_H
#define PAR_LINALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "array.h"
#include "bag.h"
#include "client.h"
#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* a @ b. a is 2-D (n, k); b is 2-D (k, m) or 1-D (k,).
 * a of one column block and b of one column block: b must be small
 * enough for one task to hold (its chunks are stacked into one when it
 * has several); the result is chunked as a: (n, m), or (n,) when b is
 * 1-D; chunk i is one cblas_dgemm of a's chunk i (a view of any strides)
 * by b.
 * Otherwise (a grid): blockwise, as Dask's, C(i, l) = sum_j A(i, j)
 * B(j, l): b's rows are rechunked to a's column blocks when they differ,
 * each block pair is one cblas_dgemm task, and the products of an output
 * block are summed by a tree, 8 at a time. The result has a's row blocks
 * and b's column blocks. New reference in *out; a and b are kept alive by
 * it.
 * Errors: PAR_EINVAL (a not 2-D, b's row count not k or unknown),
 * PAR_ENOTSUP (no BLAS), PAR_ENOMEM. */
PAR_API int par_array_matmul(par_array *a, par_array *b, par_array **out,
                             par_error *err);

/* a.T @ b (R's crossprod(a, b)): a is 2-D (n, k) or 1-D (n,), b 2-D
 * (n, m) or 1-D (n,), chunked alike (the same number of chunks, equal
 * lengths where known; checked per chunk when computed otherwise). The
 * result is one chunk: (k, m); (k,) when b is 1-D and a is 2-D, (m,) when
 * a is 1-D and b 2-D; 0-D when both are 1-D (a dot product). Each chunk pair gives a k x m partial by
 * cblas_dgemm; the partials are summed in a tree, split_every at a time
 * (opts; 0 means 8). crossprod(a, a) is the Gram matrix a.T @ a.
 * Errors: PAR_EINVAL (dimensions, chunking), PAR_ENOTSUP, PAR_ENOMEM. */
PAR_API int par_array_crossprod(par_array *a, par_array *b,
                                const par_agg_opts *opts, par_array **out,
                                par_error *err);

/* The reduced QR factorization a = Q R of a 2-D array (n, k), n >= k
 * (numpy.linalg.qr(a, mode='reduced'), dask.array.linalg.tsqr). Each
 * chunk is factored by LAPACKE dgeqrf; the chunks' R factors are stacked
 * split_every at a time (opts; 0 means 8) and factored again, level by
 * level, until one R is left. R: (m, k) with m = min(n, k), upper
 * triangular, one chunk. Q: (n, m), chunked as a, with orthonormal
 * columns; Q's chunk i applies chunk i's Householder reflectors (dormqr)
 * to its block of the tree's product, which is worked out top-down, one
 * task per tree node; computing only R never forms Q. As LAPACK (and
 * NumPy), the signs of R's rows are whatever the reflectors give: R's
 * diagonal may be negative.
 * q or r may be NULL when not wanted (not both); each gets a new
 * reference. When a's row count is unknown, m is taken as k and a matrix
 * with fewer rows than columns fails when computed.
 * Errors: PAR_EINVAL (a not 2-D, n < k when known, both outputs NULL),
 * PAR_ENOTSUP, PAR_ENOMEM. */
PAR_API int par_array_tsqr(par_array *a, const par_agg_opts *opts,
                           par_array **q, par_array **r, par_error *err);

/* Options of par_array_lstsq; zero means the default. */
typedef struct par_lstsq_opts {
        /* Singular values of a below rcond times the largest count as
         * zero (numpy's rcond). 0 means numpy's default, machine epsilon
         * times max(n, k); a negative value means machine epsilon. */
        double rcond;
        /* Partials combined per task of the TSQR tree; 0 means 8. */
        int split_every;
} par_lstsq_opts;

/* numpy.linalg.lstsq's four results, filled by par_array_lstsq.
 * Zero-initialize it; release it with par_lstsq_result_clear. */
typedef struct par_lstsq_result {
        int64_t k;          /* unknowns: a's columns */
        int64_t m;          /* right-hand sides: b's columns (1 if 1-D) */
        double *x;          /* k x m solution, column-major: x[j + l*k] */
        /* Squared 2-norms of each column's residual b - a x (m numbers),
         * as NumPy: only when rank == k and n > k; else NULL and 0. */
        double *residuals;
        int64_t nresiduals;
        int rank;           /* the effective rank of a */
        double *s;          /* a's singular values, descending */
        int64_t ns;         /* min(n, k) */
        int64_t n;          /* rows */
} par_lstsq_result;

/* Solves min |a x - b| in the 2-norm, as numpy.linalg.lstsq(a, b, rcond)
 * does, computing on c. a is 2-D (n, k); b is 1-D (n,) or 2-D (n, m),
 * chunked as a. One pass: TSQR of the stacked [a, b], whose R holds R_a,
 * Q^T b and the residuals' norms in its last m columns (a's Q is never
 * formed), then the small system R_a x = Q^T b by LAPACKE dgelsd (an SVD
 * of R_a: a's singular values, the rank, and the minimum-norm answer when
 * a is rank-deficient or n < k). Fills *res (a previous result is
 * cleared on success; on failure *res is left as it was). Errors: PAR_EINVAL (shapes, chunking, NaN or infinite data,
 * the SVD not converging), PAR_ENOTSUP, PAR_ENOMEM, a task's error. */
PAR_API int par_array_lstsq(par_client *c, par_array *a, par_array *b,
                            const par_lstsq_opts *opts, par_lstsq_result *res,
                            par_error *err);

/* Frees what par_array_lstsq allocated and zeroes *res. NULL is a no-op. */
PAR_API void par_lstsq_result_clear(par_lstsq_result *res);

#ifdef __cplusplus
}
#endif
#endif /* PAR_LINALG_H */
