/* libpar/array/internal.h — arrays: a layer of tasks (name, 0..nchunks-1)
 * whose results are ndarray chunks, plus what is known without computing
 * (dimensions, columns, chunk lengths). Also the chunk object, the
 * one-pass moment kernel the reductions and linear models share, and the
 * tree-reduction builder. Not installed. */
#ifndef PAR_ARRAY_INTERNAL_H
#define PAR_ARRAY_INTERNAL_H

#include <stdatomic.h>

#include "client/internal.h"
#include "par/array.h"

/* A chunk: a strided matrix of one dtype (float64, float32, int64, or
 * bool stored as one byte 0/1). Element (i, j) is at ptr + (i * rs + j *
 * cs) elements. `data` is the same pointer as a double *, and is set only
 * for float64 chunks (NULL otherwise): code that reads doubles (linear
 * algebra, the linear models) sees a NULL rather than misreading another
 * dtype. A contiguous chunk is column-major: rs = 1, cs = rows. A view
 * keeps the value it views (`base`) alive; an owner holds `alloc`. 1-D
 * chunks have cols = 1; 0-D ones rows = cols = 1. */
typedef struct par__nd {
        int ndim;
        par_dtype dtype;
        int64_t rows, cols;
        double *data;
        void *ptr;
        int64_t rs, cs;
        void *alloc;
        par_value *base;
} par__nd;

/* The array dtypes: float64, float32, int64, bool. */
bool par__array_dtype_ok(par_dtype t);
/* Bytes per element (0 for a dtype arrays do not have). */
size_t par__dtype_size(par_dtype t);
/* Element (i, j) of a chunk as a double (int64 rounds beyond 2^53). */
double par__nd_getd(const par__nd *nd, int64_t i, int64_t j);
/* Element at offset `off` (in elements) from ptr, as int64 (int64 and bool
 * chunks only). */
static inline int64_t par__nd_geti(const par__nd *nd, int64_t off)
{
        return nd->dtype == PAR_DTYPE_BOOL ? (int64_t)((const uint8_t *)nd->ptr)[off]
                                           : ((const int64_t *)nd->ptr)[off];
}

/* The chunk grid: `nchunks` row blocks of chunk_rows[i] rows by `ncb`
 * column blocks of chunk_cols[j] columns (ncb = 1 for 0-D and 1-D
 * arrays, and for every array made by the row-only code: then block i is
 * chunk i as before). Block (i, j) is the task (name, i * ncb + j), row
 * blocks outermost, so an array of one column block keeps its keys.
 * Column lengths are always known; row lengths may be unknown (-1). Code
 * that needs whole rows in one chunk (moments, TSQR, the GLM/regression
 * passes, to_raw) first calls par__array_rowblocks. */
struct par_array {
        atomic_size_t refs;
        par__layer *layer;
        char *name;
        int ndim;
        int64_t cols;        /* 2-D: columns; else 1 */
        int64_t nchunks;     /* row blocks, >= 1 */
        int64_t *chunk_rows; /* -1 where unknown */
        int64_t rows;        /* -1 if any chunk length is unknown */
        par_dtype dtype;     /* of every chunk; par__array_new sets float64 */
        int64_t ncb;         /* column blocks, >= 1 */
        int64_t *chunk_cols; /* ncb lengths summing to cols */
        /* An elementwise array also keeps its program over source arrays
         * (elemwise.c), so an operation on it can fuse into one task per
         * chunk instead of stacking a layer per operation. NULL otherwise. */
        struct par__ew *ew;
};

/* Frees an elementwise program (elemwise.c); NULL is a no-op. */
void par__ew_free(struct par__ew *ew);
/* Rows rechunked to the given lengths (rechunk.c); lens has n entries
 * summing to a's row count, which must be known. */
int par__array_rechunk_lens(par_array *a, int64_t n, const int64_t *lens,
                            par_array **out, par_error *err);

/* A new array owning g (taken, also on failure) whose chunks are (name,
 * 0..nchunks-1), on top of `nparents` layers. chunk_rows is copied. */
int par__array_new(par_graph *g, const char *name, int ndim, int64_t cols,
                   int64_t nchunks, const int64_t *chunk_rows, size_t nparents,
                   par__layer *const *parents, par_array **out, par_error *err);

/* par__array_new with a grid: nrb row blocks (chunk_rows, copied) by ncb
 * column blocks (chunk_cols, copied; ignored, one block of one column,
 * unless ndim == 2). Block (i, j) is (name, i * ncb + j). */
int par__array_new_grid(par_graph *g, const char *name, int ndim, int64_t nrb,
                        const int64_t *chunk_rows, int64_t ncb,
                        const int64_t *chunk_cols, size_t nparents,
                        par__layer *const *parents, par_array **out,
                        par_error *err);

/* a with one column block: a retained when it has one, else a layer of
 * one task per row block joining that row's blocks side by side (rechunk
 * of the columns only, so unknown row lengths are fine). */
int par__array_rowblocks(par_array *a, par_array **out, par_error *err);

/* 0, or PAR_EINVAL when a has several column blocks: for code that reads
 * chunk i as (name, i) with every column (libpar/ml), naming `what` and
 * `which` array and how to fix it. */
int par__array_need_rows(const char *what, const char *which, const par_array *a,
                         par_error *err);

/* a rechunked to the grid (nr row lengths, nc column lengths). nr = 0
 * keeps the row blocks as they are (unknown lengths allowed); nc = 0
 * keeps the column blocks. Same grid: a retained (rechunk.c). */
int par__array_rechunk_grid(par_array *a, int64_t nr, const int64_t *rlens,
                            int64_t nc, const int64_t *clens, par_array **out,
                            par_error *err);

/* Resolves a chunk spec along an axis of `total` elements (-1 unknown)
 * into *n lengths in *lens (the caller frees). keep: what size 0 means
 * (true: *n = 0, keep the current chunks; false: an error). Errors name
 * `what` and the axis (array.c). */
int par__chunk_spec_resolve(const char *what, int axis, const par_chunk_spec *s,
                            int64_t total, bool keep, int64_t *n, int64_t **lens,
                            par_error *err);

/* The chunk behind a value, or NULL. */
const par__nd *par__nd_of(const par_value *v);
/* A contiguous column-major float64 chunk (data uninitialized); NULL when
 * memory runs out. Finish it into a value, or discard it. */
par__nd *par__nd_alloc(int ndim, int64_t rows, int64_t cols);
/* The same, of any array dtype. */
par__nd *par__nd_alloc_t(int ndim, int64_t rows, int64_t cols, par_dtype dtype);
par_value *par__nd_finish(par__nd *nd); /* takes nd; NULL (freed) on failure */
void par__nd_discard(par__nd *nd);
/* A view of `base`'s buffer (base retained). NULL when memory runs out. */
par_value *par__nd_view(par_value *base, int ndim, int64_t rows, int64_t cols,
                        double *data, int64_t rs, int64_t cs);
/* The same for base's dtype; ptr points at the view's element (0, 0). */
par_value *par__nd_view_t(par_value *base, int ndim, int64_t rows, int64_t cols,
                          void *ptr, int64_t rs, int64_t cs);
/* a converted to `dtype` (elementwise, fused: elemwise.c); a retained when
 * it has that dtype already. */
int par__array_astype(par_array *a, par_dtype dtype, par_array **out,
                      par_error *err);
/* For code that takes float64 (linear algebra, statistics): *out is a as
 * float64 (a retained when it is), to be released by the caller. */
int par__array_as_f64(par_array *a, par_array **out, par_error *err);

/* Computes `nkeys` tasks of the graph behind `layer` on c's executor. */
int par__array_run(par_client *c, const par__layer *layer, size_t nkeys,
                   const par_key *keys, par_value **out, par_error *err);

/* Adds to g a tree that combines the tasks (part, 0..n-1), split_every at
 * a time, with combine_op(cargs..., partials...), until one task is left;
 * writes its key name into final (128 bytes; index PAR_NO_INDEX). Names
 * derive from `token`. n >= 1. */
int par__array_tree(par_graph *g, const char *prefix, uint64_t token,
                    const char *part, int64_t n, const char *combine_op,
                    size_t ncargs, const par_arg *cargs, int split_every,
                    char *final, par_error *err);

/* A one-chunk array (name, 0) reducing a: `part_op`(chunk, pargs...) per
 * chunk, a tree of `combine_op`(cargs..., partials...), then
 * `final_op`(root, fargs...) (at most 7 pargs and fargs). The result has
 * `ndim` dimensions, `rows` rows and `cols` columns (reduce.c). On a grid
 * of several column blocks: a 1-D result of a's column count is a tree
 * per column block (result chunk j from column block j); a 0-D result one
 * tree over every block (the partials must merge whatever block they come
 * from); any other result is built on par__array_rowblocks(a). */
int par__array_tree_layer(par_array *a, const char *prefix, const char *part_op,
                          size_t npargs, const par_arg *pargs, const char *combine_op,
                          size_t ncargs, const par_arg *cargs, const char *final_op,
                          size_t nfargs, const par_arg *fargs, int split_every,
                          int ndim, int64_t rows, int64_t cols, par_array **out,
                          par_error *err);

/* "prefix-<16 hex>" from the hash h. */
void par__array_token(const char *prefix, uint64_t h, char *buf, size_t size);

/* ---- moments: one pass over columns -------------------------------------------- */

/* Moments of d columns over n rows: with `centered`, the means and the
 * co-moment matrix M[j*d+k] = sum_i (z_ij - mean_j)(z_ik - mean_k);
 * without, `mean` holds the column sums and M the raw cross-products
 * sum_i z_ij z_ik. col[j] points at row 0 of column j; rows are `rs`
 * elements apart. The loop is blocked (sums of 256-row blocks added to
 * the totals) in four lanes, over data shifted by an estimate of each
 * column's mean when centered, so the error stays near a few units of
 * rounding of the result. For d <= 5 it is one fused register loop; for
 * larger d it uses cblas_dsyrk on shifted blocks when built with BLAS.
 * Returns 0, or -1 when memory runs out. */
int par__moments(int64_t n, int d, const double *const *col, int64_t rs,
                 bool centered, double *mean, double *M);

/* Moments as a blob value: {n, d, centered} then mean[d], M[d*d]. */
typedef struct par__mom {
        int64_t n;
        int64_t d;
        int64_t centered;
        double *mean; /* points into the blob or a caller buffer */
        double *M;
} par__mom;

par_value *par__mom_value(int64_t n, int d, bool centered, const double *mean,
                          const double *M);
/* Reads a blob written by par__mom_value; -1 if malformed. The pointers
 * point into the value. */
int par__mom_read(const par_value *v, par__mom *m);
/* a += b (Chan, Golub and LeVeque's pairwise update when centered; plain
 * sums otherwise). a's buffers must be writable. */
void par__mom_merge(int64_t *an, double *amean, double *aM, int d, bool centered,
                    int64_t bn, const double *bmean, const double *bM);

/* par__moments, faster where the machine allows (linalg.c): for d > 5 on
 * x86-64 with AVX2 and FMA, a register-tiled kernel on the same shifted
 * blocks instead of cblas_dsyrk per block; otherwise par__moments itself.
 * Same contract and accuracy; results may differ in the last bits. */
int par__moments_fast(int64_t n, int d, const double *const *col, int64_t rs,
                      bool centered, double *mean, double *M);

/* Sum of n elements `stride` apart, in blocks and lanes (as above). */
double par__sum_strided(const double *p, int64_t n, int64_t stride);

/* Sets OpenBLAS to one thread, once per process (BLAS builds only). */
void par__blas_single_thread(void);

/* ---- TSQR factors (linalg.c) ------------------------------------------------ */

/* A TSQR factor, the value type "par.linalg.qr_factor" (linalg.c):
 * dgeqrf's output for a rows x k matrix, column-major (R on and above
 * the diagonal, reflectors below), its m = min(rows, k) tau's, and for a
 * tree node (nchild > 0) off[0..nchild], where child c's R starts in the
 * stacked matrix (off[0] = 0, off[nchild] = rows); a chunk's factor has
 * nchild = 0 and off[0] = 0. */
typedef struct par__qr_factor {
        int64_t rows, k, m;
        int64_t nchild;
        int64_t *off;   /* nchild + 1 */
        double *tau;    /* m */
        double *a;      /* rows * k */
} par__qr_factor;

/* A factor with uninitialized tau and a, off zeroed; NULL when memory
 * runs out or a size is negative. */
par__qr_factor *par__qr_factor_alloc(int64_t rows, int64_t k, int64_t nchild);
/* Frees a factor not made into a value; NULL is a no-op. */
void par__qr_factor_free(par__qr_factor *f);
/* The factor as a value (takes f; NULL, f freed, when memory runs out). */
par_value *par__qr_factor_value(par__qr_factor *f);
/* The factor behind a value, or NULL when v is not one. */
const par__qr_factor *par__qr_factor_of(const par_value *v);

void par__array_register_ops(void);
void par__array_register_reduce_ops(void);
void par__array_register_create_ops(void);
void par__array_register_elemwise_ops(void);
void par__array_register_rechunk_ops(void);
void par__array_register_store_ops(void);
void par__array_register_stats_ops(void);
void par__ml_register_ops(void);
/* Registers the linear algebra ops (linalg.c); called by the registry
 * with the other built-ins. */
void par__linalg_register_ops(void);

#endif
