/* Linear algebra on row-chunked arrays: a @ b with a small b (one dgemm
 * per chunk), a.T @ b (dgemm partials summed in a tree), the tall-and-
 * skinny QR (TSQR: dgeqrf per chunk, the R factors stacked and factored
 * again level by level; Q worked out top-down through the same tree) and
 * least squares through TSQR of [a, b].
 *
 * Chunks are strided views; BLAS wants a leading dimension. A chunk whose
 * rows are adjacent (rs = 1) is passed as it is, column-major with
 * ld = cs; one whose columns are adjacent (cs = 1) as its transpose; any
 * other is copied first. dgeqrf works in place, so TSQR always copies its
 * chunk: that copy, held by the factor until Q is made, is the price of
 * not reading a chunk twice.
 *
 * The tree. Level 0 is one factor per chunk; level l+1 node j factors the
 * stacked R's of level l nodes j*s .. j*s+s-1 (s = split_every); the top
 * level has one node, the root. A factor keeps its Householder reflectors
 * (dgeqrf's output and tau) and, for a tree node, where each child's R
 * starts in its stacked matrix. Q = Q_chunk * Q_node1 * ... * Q_root
 * restricted to the right blocks: the task for a node (or a chunk) takes
 * its parent's product P (rows of the parent x m), picks its own block of
 * rows W and applies its reflectors to [W; 0] (dormqr), giving its own
 * product. The root starts from [I; 0]. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "array/internal.h"
#include "par/linalg.h"
#include "par_config.h"

#if PAR_HAVE_BLAS
#include <cblas.h>
#include <lapacke.h>
#endif

#define MAX_LEVELS 64

/* A count of elements to allocate: at least one. */
static size_t nz(int64_t v)
{
        return v > 0 ? (size_t)v : 1;
}

/* ---- chunks as BLAS operands -------------------------------------------------------- */

/* A chunk as a column-major operand: op(M) is the chunk, M at p with
 * leading dimension ld, transposed when *trans. NULL when it must be
 * copied (negative or overlapping strides). */
static const double *blas_view(const par__nd *nd, int64_t *ld, bool *trans)
{
        int64_t r = nd->rows, c = nd->cols;
        int64_t rs = r <= 1 ? 1 : nd->rs, cs = c <= 1 ? (r > 1 ? r : 1) : nd->cs;
        if (rs == 1 && cs >= (r > 1 ? r : 1)) {
                *ld = cs;
                *trans = false;
                return nd->data;
        }
        if (c <= 1) /* one column, rows rs apart: a 1 x r row of ld rs */
                cs = 1;
        if (cs == 1 && rs >= (c > 1 ? c : 1)) {
                *ld = rs;
                *trans = true;
                return nd->data;
        }
        return NULL;
}

/* Copies the chunk into dst, column-major with leading dimension ld. */
static void nd_copy(const par__nd *nd, double *dst, int64_t ld)
{
        for (int64_t j = 0; j < nd->cols; j++) {
                const double *s = nd->data + j * nd->cs;
                double *d = dst + j * ld;
                if (nd->rs == 1)
                        memcpy(d, s, (size_t)nd->rows * sizeof *d);
                else
                        for (int64_t i = 0; i < nd->rows; i++)
                                d[i] = s[i * nd->rs];
        }
}

/* A BLAS operand for nd: a view, or a copy in *tmp (the caller frees). */
static const double *operand(const par__nd *nd, int64_t *ld, bool *trans,
                             double **tmp)
{
        *tmp = NULL;
        const double *p = blas_view(nd, ld, trans);
        if (p)
                return p;
        int64_t r = nd->rows > 1 ? nd->rows : 1;
        *tmp = par__malloc((size_t)r * (size_t)(nd->cols ? nd->cols : 1) * sizeof **tmp);
        if (!*tmp)
                return NULL;
        nd_copy(nd, *tmp, r);
        *ld = r;
        *trans = false;
        return *tmp;
}

static int chunk_arg(par_task_ctx *ctx, const par_value *v, const char *what,
                     const char *which, const par__nd **out)
{
        *out = par__nd_of(v);
        if (!*out || !(*out)->data)
                return par_task_fail(ctx, PAR_ETYPE,
                                     "%s: chunk %" PRId64 " of %s is not a float64 ndarray",
                                     what, par_task_key(ctx).index, which);
        return 0;
}

/* ---- stacking and reshaping ------------------------------------------------------- */

/* (ndim, chunk...) -> the chunks stacked vertically, contiguous. */
static int op_stack(par_task_ctx *ctx, size_t n, par_value *const *args,
                    par_value **out)
{
        int ndim = (int)par_value_int64_of(args[0]);
        int64_t rows = 0, cols = -1;
        for (size_t i = 1; i < n; i++) {
                const par__nd *c = par__nd_of(args[i]);
                if (!c || !c->data || (cols >= 0 && c->cols != cols))
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "stack: chunk %zu is not an ndarray of "
                                             "%" PRId64 " columns",
                                             i - 1, cols);
                cols = c->cols;
                rows += c->rows;
        }
        par__nd *r = par__nd_alloc(ndim, rows, cols < 0 ? 1 : cols);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        int64_t at = 0;
        for (size_t i = 1; i < n; i++) {
                const par__nd *c = par__nd_of(args[i]);
                nd_copy(c, r->data + at, rows);
                at += c->rows;
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (chunk, ndim) -> the same numbers seen with another ndim; a row (1 x m)
 * made 1-d becomes the vector (m,). */
static int op_reshape(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        (void)n;
        const par__nd *c = par__nd_of(args[0]);
        if (!c || !c->data)
                return par_task_fail(ctx, PAR_ETYPE, "the result is not a float64 ndarray");
        int ndim = (int)par_value_int64_of(args[1]);
        if (ndim == 1 && c->cols != 1 && c->rows == 1)
                *out = par__nd_view(args[0], 1, c->cols, 1, c->data, c->cs, 1);
        else
                *out = par__nd_view(args[0], ndim, c->rows, c->cols, c->data, c->rs,
                                    c->cs);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* ---- matmul and crossprod ------------------------------------------------------------ */

#if PAR_HAVE_BLAS
/* (a chunk, b, ndim) -> a_i @ b. */
static int op_matmul(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        (void)n;
        const par__nd *a = NULL, *b = NULL;
        int rc = chunk_arg(ctx, args[0], "matmul", "a", &a);
        if (rc == 0)
                rc = chunk_arg(ctx, args[1], "matmul", "b", &b);
        if (rc < 0)
                return rc;
        if (a->cols != b->rows)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "matmul: chunk %" PRId64 " of a has %" PRId64
                                     " columns but b has %" PRId64 " rows",
                                     par_task_key(ctx).index, a->cols, b->rows);
        par__nd *r = par__nd_alloc((int)par_value_int64_of(args[2]), a->rows, b->cols);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        if (a->rows > 0 && b->cols > 0) {
                if (a->cols == 0) {
                        memset(r->data, 0, (size_t)(a->rows * b->cols) * sizeof *r->data);
                } else {
                        int64_t lda, ldb;
                        bool ta, tb;
                        double *ta_buf, *tb_buf;
                        const double *pa = operand(a, &lda, &ta, &ta_buf);
                        const double *pb = pa ? operand(b, &ldb, &tb, &tb_buf) : NULL;
                        if (!pb) {
                                par__free(ta_buf);
                                par__nd_discard(r);
                                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
                        }
                        par__blas_single_thread();
                        cblas_dgemm(CblasColMajor, ta ? CblasTrans : CblasNoTrans,
                                    tb ? CblasTrans : CblasNoTrans, (int)a->rows,
                                    (int)b->cols, (int)a->cols, 1.0, pa, (int)lda, pb,
                                    (int)ldb, 0.0, r->data, (int)a->rows);
                        par__free(ta_buf);
                        par__free(tb_buf);
                }
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (a chunk, b chunk) -> a_i.T @ b_i, k x m. */
static int op_cross_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        const par__nd *a = NULL, *b = NULL;
        int rc = chunk_arg(ctx, args[0], "crossprod", "a", &a);
        if (rc == 0)
                rc = chunk_arg(ctx, args[1], "crossprod", "b", &b);
        if (rc < 0)
                return rc;
        if (a->rows != b->rows)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "crossprod: chunk %" PRId64 " of a has %" PRId64
                                     " rows but that of b has %" PRId64
                                     "; chunk a and b alike",
                                     par_task_key(ctx).index, a->rows, b->rows);
        par__nd *r = par__nd_alloc(2, a->cols, b->cols);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        size_t km = (size_t)(a->cols * b->cols);
        if (a->rows == 0 || km == 0) {
                memset(r->data, 0, (km ? km : 1) * sizeof *r->data);
        } else {
                int64_t lda, ldb;
                bool ta, tb;
                double *ta_buf, *tb_buf;
                const double *pa = operand(a, &lda, &ta, &ta_buf);
                const double *pb = pa ? operand(b, &ldb, &tb, &tb_buf) : NULL;
                if (!pb) {
                        par__free(ta_buf);
                        par__nd_discard(r);
                        return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
                }
                par__blas_single_thread();
                /* op(A) = a.T: a stored as is (not ta) is transposed. */
                cblas_dgemm(CblasColMajor, ta ? CblasNoTrans : CblasTrans,
                            tb ? CblasTrans : CblasNoTrans, (int)a->cols, (int)b->cols,
                            (int)a->rows, 1.0, pa, (int)lda, pb, (int)ldb, 0.0, r->data,
                            (int)(a->cols > 0 ? a->cols : 1));
                par__free(ta_buf);
                par__free(tb_buf);
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}
#endif

/* (partial...) -> their sum, in argument order. */
static int op_cross_sum(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        const par__nd *f = par__nd_of(args[0]);
        if (!f || !f->data)
                return par_task_fail(ctx, PAR_EINVAL, "crossprod: malformed partial");
        par__nd *r = par__nd_alloc(f->ndim, f->rows, f->cols);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        int64_t len = f->rows * f->cols;
        nd_copy(f, r->data, f->rows);
        for (size_t i = 1; i < n; i++) {
                const par__nd *p = par__nd_of(args[i]);
                if (!p || !p->data || p->rows != f->rows || p->cols != f->cols) {
                        par__nd_discard(r);
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "crossprod: partial %zu does not match", i);
                }
                /* Partials are contiguous: made by op_cross_part or here. */
                for (int64_t k = 0; k < len; k++)
                        r->data[k] += p->data[k];
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* ---- building graphs ----------------------------------------------------------------- */

static uint64_t name_hash(const char *s, uint64_t h)
{
        return par__hash_bytes(s, strlen(s), h);
}

/* Levels of a tree over n leaves: count[l] nodes at level l (level 0 =
 * the leaves); returns the number of levels above the leaves (>= 1). */
static int tree_shape(int64_t n, int s, int64_t *count)
{
        int levels = 0;
        count[0] = n;
        do {
                count[levels + 1] = (count[levels] + s - 1) / s;
                levels++;
        } while (count[levels] > 1 && levels < MAX_LEVELS - 1);
        return levels;
}

/* Adds the sum tree over (part, 0..n-1) with combine_op; the root is
 * (root, 0). Names from h. */
static int add_tree(par_graph *g, const char *prefix, uint64_t h, const char *part,
                    int64_t n, const char *combine_op, int s, char names[][128],
                    int64_t *count, int *nlevels, par_error *err)
{
        if (s == 0)
                s = 8;
        if (s < 2)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: split_every = %d; expected at least 2", prefix,
                                   s);
        int levels = tree_shape(n, s, count);
        par_arg *a = par__malloc((size_t)s * sizeof *a);
        if (!a)
                return PAR__ENOMEM(err, "building a tree");
        snprintf(names[0], 128, "%s", part);
        int rc = 0;
        for (int l = 1; l <= levels && rc == 0; l++) {
                char pfx[64];
                snprintf(pfx, sizeof pfx, "%s-L%d", prefix, l);
                par__array_token(pfx, h, names[l], 128);
                for (int64_t j = 0; j < count[l] && rc == 0; j++) {
                        size_t k = 0;
                        for (int64_t i = j * s; i < count[l - 1] && i < (j + 1) * s; i++)
                                a[k++] = par_arg_key(names[l - 1], i);
                        rc = par_graph_add(g, par_key_make(names[l], j), combine_op, k, a,
                                           err);
                }
        }
        par__free(a);
        *nlevels = levels;
        return rc;
}

static int need_blas(const char *what, par_error *err)
{
#if PAR_HAVE_BLAS
        (void)what;
        (void)err;
        return 0;
#else
        return par__errorf(err, PAR_ENOTSUP,
                           "%s: this build of par has no OpenBLAS/LAPACKE "
                           "(meson -Dblas=enabled)",
                           what);
#endif
}

/* Blockwise: C(i, k) = sum_j A(i, j) B(j, k), b's rows cut as a's
 * columns (rechunked if not). Each product is a task (cblas_dgemm per
 * block pair); the products of one output block are summed by a tree of
 * up to 8 at a time, whose root is the block (name, i * K + k). */
static int matmul_grid(par_array *a, par_array *b, par_array **out, par_error *err)
{
        par_array *bb = NULL;
        int rc = par__array_rechunk_lens(b, a->ncb, a->chunk_cols, &bb, err);
        if (rc < 0)
                return rc;
        int ndim = b->ndim == 1 ? 1 : 2;
        int64_t nj = a->ncb, nk = ndim == 2 ? bb->ncb : 1, ni = a->nchunks;
        uint64_t h = name_hash(bb->name, name_hash(a->name, 0x6d6d67u));
        char name[128], lv[2][128], pfx[64];
        par__array_token("matmul", h, name, sizeof name);
        par_graph *g = par_graph_new();
        par_arg *args = par__malloc((size_t)(nj > 8 ? nj : 8) * sizeof *args);
        rc = g && args ? 0 : PAR__ENOMEM(err, "building matmul");
        /* Level 0: the products, nj per output block; level l: ceil(n / 8)
         * sums per block; the last level is the output. */
        snprintf(pfx, sizeof pfx, "matmul-L0");
        par__array_token(pfx, h, lv[0], sizeof lv[0]);
        for (int64_t i = 0; i < ni && rc == 0; i++)
                for (int64_t k = 0; k < nk && rc == 0; k++)
                        for (int64_t j = 0; j < nj && rc == 0; j++) {
                                int64_t blk = i * nk + k;
                                const char *to = nj == 1 ? name : lv[0];
                                rc = par_graph_add(
                                        g, par_key_make(to, nj == 1 ? blk : blk * nj + j),
                                        "par.linalg.matmul", 3,
                                        (par_arg[]){par_arg_key(a->name, i * a->ncb + j),
                                                    par_arg_key(bb->name,
                                                                j * (ndim == 2 ? bb->ncb : 1) +
                                                                        k),
                                                    par_arg_int64(ndim)},
                                        err);
                        }
        int64_t n = nj;
        for (int level = 1; n > 1 && rc == 0; level++) {
                int64_t next = (n + 7) / 8;
                const char *from = lv[(level - 1) % 2];
                char *to = lv[level % 2];
                snprintf(pfx, sizeof pfx, "matmul-L%d", level);
                par__array_token(pfx, h, to, sizeof lv[0]);
                for (int64_t blk = 0; blk < ni * nk && rc == 0; blk++)
                        for (int64_t t = 0; t < next && rc == 0; t++) {
                                size_t na = 0;
                                for (int64_t x = t * 8; x < n && x < (t + 1) * 8; x++)
                                        args[na++] = par_arg_key(from, blk * nj + x);
                                rc = par_graph_add(g,
                                                   par_key_make(next == 1 ? name : to,
                                                                next == 1 ? blk : blk * nj + t),
                                                   "par.linalg.cross_sum", na, args, err);
                        }
                n = next;
        }
        par__free(args);
        if (rc < 0) {
                par_graph_free(g);
                par_array_release(bb);
                return rc;
        }
        par__layer *deps[2] = {a->layer, bb->layer};
        rc = par__array_new_grid(g, name, ndim, ni, a->chunk_rows, nk,
                                 ndim == 2 ? bb->chunk_cols : NULL, 2, deps, out, err);
        par_array_release(bb);
        return rc;
}

static int matmul_f64(par_array *a, par_array *b, par_array **out, par_error *err)
{
        if (!a || !b || !out)
                return par__errorf(err, PAR_EINVAL, "matmul: a, b and out are required");
        *out = NULL;
        if (a->ndim != 2)
                return par__errorf(err, PAR_EINVAL,
                                   "matmul: a is %d-d; expected 2-d (n, k)", a->ndim);
        if (b->ndim < 1)
                return par__errorf(err, PAR_EINVAL,
                                   "matmul: b is 0-d; expected (k, m) or (k,)");
        if (b->rows != a->cols)
                return par__errorf(err, PAR_EINVAL,
                                   "matmul: a has %" PRId64 " columns but b has %" PRId64
                                   " rows%s; expected them equal",
                                   a->cols, b->rows, b->rows < 0 ? " (unknown)" : "");
        int rc = need_blas("matmul", err);
        if (rc < 0)
                return rc;
        if (a->ncb > 1 || (b->ndim == 2 && b->ncb > 1))
                return matmul_grid(a, b, out, err);
        uint64_t h = name_hash(b->name, name_hash(a->name, 0x6d6d));
        char name[128], bname[128];
        par__array_token("matmul", h, name, sizeof name);
        par_graph *g = par_graph_new();
        if (!g)
                return PAR__ENOMEM(err, "building matmul");
        int ndim = b->ndim == 1 ? 1 : 2;
        /* b as one chunk: its own chunk 0, or its chunks stacked. */
        par_arg barg = par_arg_key(b->name, 0);
        if (b->nchunks > 1) {
                par__array_token("matmul-b", h, bname, sizeof bname);
                par_arg *sa = par__malloc((size_t)(b->nchunks + 1) * sizeof *sa);
                if (!sa) {
                        par_graph_free(g);
                        return PAR__ENOMEM(err, "building matmul");
                }
                sa[0] = par_arg_int64(2);
                for (int64_t i = 0; i < b->nchunks; i++)
                        sa[i + 1] = par_arg_key(b->name, i);
                rc = par_graph_add(g, par_key_make(bname, 0), "par.linalg.stack",
                                   (size_t)b->nchunks + 1, sa, err);
                par__free(sa);
                barg = par_arg_key(bname, 0);
        }
        for (int64_t i = 0; i < a->nchunks && rc == 0; i++)
                rc = par_graph_add(g, par_key_make(name, i), "par.linalg.matmul", 3,
                                   (par_arg[]){par_arg_key(a->name, i), barg,
                                               par_arg_int64(ndim)},
                                   err);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        par__layer *deps[2] = {a->layer, b->layer};
        return par__array_new(g, name, ndim, ndim == 2 ? b->cols : 1, a->nchunks,
                              a->chunk_rows, 2, deps, out, err);
}

/* Same number of chunks, equal lengths where both are known. */
static int check_alike(const char *what, const char *an, const par_array *a,
                       const char *bn, const par_array *b, par_error *err)
{
        if (a->nchunks != b->nchunks)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: %s has %" PRId64 " chunks and %s %" PRId64
                                   "; chunk them alike",
                                   what, an, a->nchunks, bn, b->nchunks);
        for (int64_t i = 0; i < a->nchunks; i++)
                if (a->chunk_rows[i] >= 0 && b->chunk_rows[i] >= 0 &&
                    a->chunk_rows[i] != b->chunk_rows[i])
                        return par__errorf(err, PAR_EINVAL,
                                           "%s: chunk %" PRId64 " of %s has %" PRId64
                                           " rows and that of %s %" PRId64
                                           "; chunk them alike",
                                           what, i, an, a->chunk_rows[i], bn,
                                           b->chunk_rows[i]);
        return 0;
}

static int crossprod_f64(par_array *a, par_array *b, const par_agg_opts *opts,
                         par_array **out, par_error *err)
{
        if (!a || !b || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "crossprod: a, b and out are required");
        *out = NULL;
        if (a->ncb > 1 || b->ncb > 1) { /* whole rows per chunk */
                par_array *ra = NULL, *rb = NULL;
                int rc = par__array_rowblocks(a, &ra, err);
                if (rc == 0)
                        rc = par__array_rowblocks(b, &rb, err);
                if (rc == 0)
                        rc = par_array_crossprod(ra, rb, opts, out, err);
                par_array_release(ra);
                par_array_release(rb);
                return rc;
        }
        if (a->ndim < 1 || b->ndim < 1)
                return par__errorf(err, PAR_EINVAL,
                                   "crossprod: a is %d-d and b %d-d; expected 1-d or 2-d",
                                   a->ndim, b->ndim);
        int rc = check_alike("crossprod", "a", a, "b", b, err);
        if (rc == 0)
                rc = need_blas("crossprod", err);
        if (rc < 0)
                return rc;
        uint64_t h = name_hash(b->name, name_hash(a->name, 0x6370));
        h = par__hash_mix(h ^ (uint64_t)(opts ? opts->split_every : 0));
        char part[128], name[128], levels[MAX_LEVELS][128];
        int64_t count[MAX_LEVELS];
        int nl = 0;
        par__array_token("crossprod-part", h, part, sizeof part);
        par__array_token("crossprod", h, name, sizeof name);
        par_graph *g = par_graph_new();
        if (!g)
                return PAR__ENOMEM(err, "building crossprod");
        for (int64_t i = 0; i < a->nchunks && rc == 0; i++)
                rc = par_graph_add(g, par_key_make(part, i), "par.linalg.cross_part", 2,
                                   (par_arg[]){par_arg_key(a->name, i),
                                               par_arg_key(b->name, i)},
                                   err);
        if (rc == 0)
                rc = add_tree(g, "crossprod", h, part, a->nchunks, "par.linalg.cross_sum",
                              opts ? opts->split_every : 0, levels, count, &nl, err);
        int ndim = a->ndim == 2 && b->ndim == 2 ? 2 : a->ndim == 2 || b->ndim == 2 ? 1 : 0;
        if (rc == 0)
                rc = par_graph_add(g, par_key_make(name, 0), "par.linalg.reshape", 2,
                                   (par_arg[]){par_arg_key(levels[nl], 0),
                                               par_arg_int64(ndim)},
                                   err);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        /* (k, m); (k,) or (m,) when one side is 1-d; 0-d for two vectors. */
        int64_t rows = ndim == 0 ? 1 : a->ndim == 2 ? a->cols : b->cols;
        int64_t cols = ndim == 2 ? b->cols : 1;
        par__layer *deps[2] = {a->layer, b->layer};
        return par__array_new(g, name, ndim, cols, 1, &rows, 2, deps, out, err);
}

/* ---- TSQR ------------------------------------------------------------------------------- */

/* A factor (par__qr_factor, array/internal.h): dgeqrf's output for a
 * rows x k matrix with its tau's and, for a tree node, its children's
 * offsets. The wire (wire/object.c) encodes it, so the tree can span
 * ranks. */
typedef par__qr_factor qr_factor;

void par__qr_factor_free(par__qr_factor *f)
{
        if (!f)
                return;
        par__free(f->off);
        par__free(f->tau);
        par__free(f->a);
        par__free(f);
}

static void qf_free(void *p)
{
        par__qr_factor_free(p);
}

static size_t qf_nbytes(const void *p)
{
        const qr_factor *f = p;
        return sizeof *f + (size_t)(f->rows * f->k + f->m + f->nchild + 1) * 8;
}

static const par_object_type qf_type = {"par.linalg.qr_factor", qf_free, qf_nbytes,
                                        NULL};

const par__qr_factor *par__qr_factor_of(const par_value *v)
{
        return par_value_object_type(v) == &qf_type ? par_value_object_payload(v) : NULL;
}

par__qr_factor *par__qr_factor_alloc(int64_t rows, int64_t k, int64_t nchild)
{
        if (rows < 0 || k < 0 || nchild < 0)
                return NULL;
        qr_factor *f = par__calloc(1, sizeof *f);
        if (!f)
                return NULL;
        f->rows = rows;
        f->k = k;
        f->m = rows < k ? rows : k;
        f->nchild = nchild;
        f->off = par__calloc((size_t)nchild + 1, sizeof *f->off);
        f->tau = par__malloc(nz(f->m) * sizeof *f->tau);
        f->a = par__malloc(nz(rows * k) * sizeof *f->a);
        if (!f->off || !f->tau || !f->a) {
                par__qr_factor_free(f);
                return NULL;
        }
        return f;
}

par_value *par__qr_factor_value(par__qr_factor *f)
{
        par_value *v = par_value_object(&qf_type, f);
        if (!v)
                par__qr_factor_free(f);
        return v;
}

#if PAR_HAVE_BLAS
/* Factors f->a in place; 0 or dgeqrf's info. */
static int qf_factor(qr_factor *f)
{
        if (f->m == 0)
                return 0;
        par__blas_single_thread();
        return (int)LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)f->rows,
                                   (lapack_int)f->k, f->a, (lapack_int)f->rows, f->tau);
}

static int qf_finish(par_task_ctx *ctx, qr_factor *f, par_value **out)
{
        int info = qf_factor(f);
        if (info != 0) {
                qf_free(f);
                /* LAPACKE checks its input matrix (argument 4) for NaN. */
                return par_task_fail(ctx, PAR_EINVAL, "tsqr: dgeqrf failed (info %d)%s",
                                     info,
                                     info == -4 ? ": the data contain NaN" : "");
        }
        *out = par_value_object(&qf_type, f);
        if (!*out) {
                qf_free(f);
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        return 0;
}

/* (a chunk[, b chunk]) -> the factor of [a_i, b_i]. */
static int op_qr_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        const par__nd *a, *b = NULL;
        int rc = chunk_arg(ctx, args[0], "tsqr", "a", &a);
        if (rc == 0 && n > 1)
                rc = chunk_arg(ctx, args[1], "lstsq", "b", &b);
        if (rc < 0)
                return rc;
        if (b && b->rows != a->rows)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "lstsq: chunk %" PRId64 " of a has %" PRId64
                                     " rows but that of b has %" PRId64
                                     "; chunk a and b alike",
                                     par_task_key(ctx).index, a->rows, b->rows);
        qr_factor *f = par__qr_factor_alloc(a->rows, a->cols + (b ? b->cols : 0), 0);
        if (!f)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        f->off[0] = 0;
        nd_copy(a, f->a, a->rows);
        if (b)
                nd_copy(b, f->a + a->rows * a->cols, a->rows);
        return qf_finish(ctx, f, out);
}

/* (factor...) -> the factor of their stacked R's. */
static int op_qr_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        int64_t rows = 0, k = -1;
        for (size_t i = 0; i < n; i++) {
                const qr_factor *c = par__qr_factor_of(args[i]);
                if (!c || (k >= 0 && c->k != k))
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "tsqr: malformed factor %zu", i);
                k = c->k;
                rows += c->m;
        }
        qr_factor *f = par__qr_factor_alloc(rows, k, (int64_t)n);
        if (!f)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        int64_t at = 0;
        for (size_t i = 0; i < n; i++) {
                const qr_factor *c = par__qr_factor_of(args[i]);
                f->off[i] = at;
                /* R: the upper trapezoid of the child's first m rows. */
                for (int64_t j = 0; j < k; j++)
                        for (int64_t r = 0; r < c->m; r++)
                                f->a[at + r + j * rows] = r <= j ? c->a[r + j * c->rows] : 0.0;
                at += c->m;
        }
        f->off[n] = at;
        return qf_finish(ctx, f, out);
}

/* (root factor, m expected) -> R, m x k. */
static int op_qr_r(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        (void)n;
        const qr_factor *f = par__qr_factor_of(args[0]);
        int64_t want = par_value_int64_of(args[1]);
        if (!f)
                return par_task_fail(ctx, PAR_EINVAL, "tsqr: malformed factor");
        if (f->m != want)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "tsqr: the array has %" PRId64 " rows, fewer than "
                                     "its %" PRId64 " columns; TSQR needs n >= k when "
                                     "the row count is not known in advance",
                                     f->rows, f->k);
        par__nd *r = par__nd_alloc(2, f->m, f->k);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t j = 0; j < f->k; j++)
                for (int64_t i = 0; i < f->m; i++)
                        r->data[i + j * f->m] = i <= j ? f->a[i + j * f->rows] : 0.0;
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (factor, m) -> Q of the root: its reflectors applied to [I_m; 0].
 * (factor, parent factor, parent's product, position) -> this node's (or
 * chunk's) product: its reflectors applied to [W; 0], W = the rows of
 * the parent's product where this node's R sits. */
static int op_qr_q(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        const qr_factor *f = par__qr_factor_of(args[0]);
        if (!f)
                return par_task_fail(ctx, PAR_EINVAL, "tsqr: malformed factor");
        int64_t mq;
        const par__nd *pw = NULL;
        int64_t off = 0;
        if (n == 2) {
                mq = par_value_int64_of(args[1]);
                if (f->m != mq)
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "tsqr: the array has %" PRId64 " rows, fewer "
                                             "than its %" PRId64 " columns",
                                             f->rows, f->k);
        } else {
                const qr_factor *p = par__qr_factor_of(args[1]);
                pw = par__nd_of(args[2]);
                int64_t pos = par_value_int64_of(args[3]);
                if (!p || !pw || pos < 0 || pos >= p->nchild ||
                    p->off[pos + 1] - p->off[pos] != f->m || pw->rows != p->rows)
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "tsqr: the tree's factors do not match");
                mq = pw->cols;
                off = p->off[pos];
        }
        par__nd *r = par__nd_alloc(2, f->rows, mq);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        int64_t ld = f->rows;
        for (int64_t j = 0; j < mq; j++) {
                double *c = r->data + j * ld;
                memset(c, 0, (size_t)ld * sizeof *c);
                for (int64_t i = 0; i < f->m; i++)
                        c[i] = pw ? pw->data[(off + i) * pw->rs + j * pw->cs]
                                  : (double)(i == j);
        }
        if (f->m > 0 && mq > 0) {
                par__blas_single_thread();
                lapack_int info = LAPACKE_dormqr(LAPACK_COL_MAJOR, 'L', 'N',
                                                 (lapack_int)f->rows, (lapack_int)mq,
                                                 (lapack_int)f->m, f->a,
                                                 (lapack_int)f->rows, f->tau, r->data,
                                                 (lapack_int)ld);
                if (info != 0) {
                        par__nd_discard(r);
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "tsqr: dormqr failed (info %d)", (int)info);
                }
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}
#endif

/* The R side of TSQR over [a, b] (b may be NULL): an array of one chunk,
 * R (m x K). Also gives the tree's names and shape for Q. */
typedef struct tsqr_tree {
        char part[128];
        char levels[MAX_LEVELS][128];
        int64_t count[MAX_LEVELS];
        int nl;
        int s;
        int64_t m, k;
} tsqr_tree;

static int tsqr_r(par_array *a, par_array *b, int split_every, tsqr_tree *t,
                  par_array **out, par_error *err)
{
        uint64_t h = name_hash(a->name, 0x7473);
        if (b)
                h = name_hash(b->name, h);
        h = par__hash_mix(h ^ (uint64_t)split_every);
        int64_t k = a->cols + (b ? b->cols : 0);
        t->k = k;
        t->m = a->rows >= 0 && a->rows < k ? a->rows : k;
        t->s = split_every ? split_every : 8;
        char name[128];
        par__array_token(b ? "lstsq-part" : "tsqr-part", h, t->part, sizeof t->part);
        par__array_token(b ? "lstsq-r" : "tsqr-r", h, name, sizeof name);
        par_graph *g = par_graph_new();
        if (!g)
                return PAR__ENOMEM(err, "building tsqr");
        int rc = 0;
        for (int64_t i = 0; i < a->nchunks && rc == 0; i++)
                rc = par_graph_add(g, par_key_make(t->part, i), "par.linalg.qr_part",
                                   b ? 2 : 1,
                                   (par_arg[]){par_arg_key(a->name, i),
                                               par_arg_key(b ? b->name : a->name, i)},
                                   err);
        if (rc == 0)
                rc = add_tree(g, b ? "lstsq" : "tsqr", h, t->part, a->nchunks,
                              "par.linalg.qr_combine", split_every, t->levels, t->count,
                              &t->nl, err);
        if (rc == 0)
                rc = par_graph_add(g, par_key_make(name, 0), "par.linalg.qr_r", 2,
                                   (par_arg[]){par_arg_key(t->levels[t->nl], 0),
                                               par_arg_int64(t->m)},
                                   err);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        par__layer *deps[2] = {a->layer, b ? b->layer : NULL};
        return par__array_new(g, name, 2, k, 1, &t->m, b ? 2 : 1, deps, out, err);
}

/* The Q side: the products top-down, one task per tree node, then one
 * Q chunk per chunk of a. On top of the R array's layer. */
static int tsqr_q(par_array *a, par_array *r, const tsqr_tree *t, par_array **out,
                  par_error *err)
{
        char qw[MAX_LEVELS][128], name[128], pfx[64];
        uint64_t h = name_hash(r->name, 0x7471);
        par__array_token("tsqr-q", h, name, sizeof name);
        par_graph *g = par_graph_new();
        if (!g)
                return PAR__ENOMEM(err, "building tsqr");
        int rc = 0;
        for (int l = t->nl; l >= 0 && rc == 0; l--) {
                if (l == 0)
                        snprintf(qw[0], sizeof qw[0], "%s", name);
                else {
                        snprintf(pfx, sizeof pfx, "tsqr-qw-L%d", l);
                        par__array_token(pfx, h, qw[l], sizeof qw[l]);
                }
                for (int64_t j = 0; j < t->count[l] && rc == 0; j++) {
                        if (l == t->nl)
                                rc = par_graph_add(g, par_key_make(qw[l], j),
                                                   "par.linalg.qr_q", 2,
                                                   (par_arg[]){par_arg_key(t->levels[l], j),
                                                               par_arg_int64(t->m)},
                                                   err);
                        else
                                rc = par_graph_add(
                                        g, par_key_make(qw[l], j), "par.linalg.qr_q", 4,
                                        (par_arg[]){par_arg_key(t->levels[l], j),
                                                    par_arg_key(t->levels[l + 1], j / t->s),
                                                    par_arg_key(qw[l + 1], j / t->s),
                                                    par_arg_int64(j % t->s)},
                                        err);
                }
        }
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__array_new(g, name, 2, t->m, a->nchunks, a->chunk_rows, 1, &r->layer,
                              out, err);
}

static int tsqr_f64(par_array *a, const par_agg_opts *opts, par_array **q,
                    par_array **r, par_error *err)
{
        if (q)
                *q = NULL;
        if (r)
                *r = NULL;
        if (!a || (!q && !r))
                return par__errorf(err, PAR_EINVAL,
                                   "tsqr: the array and q or r are required");
        if (a->ncb > 1) { /* TSQR factors whole rows: join the column blocks */
                par_array *ra = NULL;
                int rc = par__array_rowblocks(a, &ra, err);
                if (rc == 0)
                        rc = par_array_tsqr(ra, opts, q, r, err);
                par_array_release(ra);
                return rc;
        }
        if (a->ndim != 2)
                return par__errorf(err, PAR_EINVAL,
                                   "tsqr: the array is %d-d; expected 2-d (n, k)",
                                   a->ndim);
        int s = opts ? opts->split_every : 0;
        if (s != 0 && s < 2)
                return par__errorf(err, PAR_EINVAL,
                                   "tsqr: split_every = %d; expected at least 2", s);
        int rc = need_blas("tsqr", err);
        if (rc < 0)
                return rc;
        tsqr_tree *t = par__malloc(sizeof *t);
        par_array *ra = NULL;
        if (!t)
                return PAR__ENOMEM(err, "building tsqr");
        rc = tsqr_r(a, NULL, s, t, &ra, err);
        if (rc == 0 && q)
                rc = tsqr_q(a, ra, t, q, err);
        par__free(t);
        if (rc == 0 && r)
                *r = ra;
        else
                par_array_release(ra);
        if (rc < 0 && q) {
                par_array_release(*q);
                *q = NULL;
        }
        return rc;
}

/* ---- least squares ----------------------------------------------------------------------- */

void par_lstsq_result_clear(par_lstsq_result *res)
{
        if (!res)
                return;
        par__free(res->x);
        par__free(res->residuals);
        par__free(res->s);
        memset(res, 0, sizeof *res);
}

static int lstsq_f64(par_client *c, par_array *a, par_array *b,
                     const par_lstsq_opts *opts, par_lstsq_result *res, par_error *err)
{
        if (!c || !a || !b || !res)
                return par__errorf(err, PAR_EINVAL,
                                   "lstsq: client, a, b and the result are required");
        if (a->ncb > 1 || b->ncb > 1) { /* TSQR of whole rows */
                par_array *ra = NULL, *rb = NULL;
                int rc = par__array_rowblocks(a, &ra, err);
                if (rc == 0)
                        rc = par__array_rowblocks(b, &rb, err);
                if (rc == 0)
                        rc = par_array_lstsq(c, ra, rb, opts, res, err);
                par_array_release(ra);
                par_array_release(rb);
                return rc;
        }
        if (a->ndim != 2)
                return par__errorf(err, PAR_EINVAL,
                                   "lstsq: a is %d-d; expected 2-d (n, k)", a->ndim);
        if (b->ndim < 1)
                return par__errorf(err, PAR_EINVAL,
                                   "lstsq: b is 0-d; expected (n,) or (n, m)");
        int s = opts ? opts->split_every : 0;
        if (s != 0 && s < 2)
                return par__errorf(err, PAR_EINVAL,
                                   "lstsq: split_every = %d; expected at least 2", s);
        int rc = check_alike("lstsq", "a", a, "b", b, err);
        if (rc == 0)
                rc = need_blas("lstsq", err);
        if (rc < 0)
                return rc;
#if !PAR_HAVE_BLAS
        return PAR_ENOTSUP;
#else
        int64_t k = a->cols, m = b->cols, K = k + m;
        tsqr_tree *t = par__malloc(sizeof *t);
        par_array *ra = NULL;
        par_value *rv = NULL;
        if (!t)
                return PAR__ENOMEM(err, "lstsq");
        /* R of [a, b]; with unknown lengths assume n >= k + m, else make
         * the R of the known shape. */
        rc = tsqr_r(a, b, s, t, &ra, err);
        par__free(t);
        if (rc == 0)
                rc = par__array_run(c, ra->layer, 1,
                                    (par_key[]){par_key_make(ra->name, 0)}, &rv, err);
        par_array_release(ra);
        if (rc < 0)
                return rc;
        const par__nd *R = par__nd_of(rv);
        /* n: the rows, as the chunks said (known lengths) or as R tells
         * (rows of R < K only when n < K). */
        int64_t n = a->rows >= 0 ? a->rows : R ? R->rows : 0;
        int64_t r = R ? R->rows : 0;
        bool finite = R != NULL;
        for (int64_t j = 0; finite && j < K; j++)
                for (int64_t i = 0; finite && i < r; i++)
                        finite = isfinite(R->data[i * R->rs + j * R->cs]);
        if (!finite) {
                par_value_release(rv);
                return par__errorf(err, PAR_EINVAL,
                                   "lstsq: a or b contains NaN or infinite values");
        }
        int64_t rk = r < k ? r : k; /* rows of R_a */
        int64_t ldb = rk > k ? rk : k;
        if (ldb < 1)
                ldb = 1;
        double rcond = opts && opts->rcond > 0   ? opts->rcond
                       : opts && opts->rcond < 0 ? DBL_EPSILON
                                                 : DBL_EPSILON * (double)(n > k ? n : k);
        double *Ra = par__calloc(nz(rk * k), sizeof *Ra);
        double *B = par__calloc(nz(ldb * m), sizeof *B);
        double *sv = par__calloc(nz(rk), sizeof *sv);
        double *x = par__calloc(nz(k * m), sizeof *x);
        double *resid = NULL;
        lapack_int rank = 0;
        if (!Ra || !B || !sv || !x)
                rc = PAR__ENOMEM(err, "lstsq");
        for (int64_t j = 0; rc == 0 && j < k; j++)
                for (int64_t i = 0; i < rk; i++)
                        Ra[i + j * rk] = R->data[i * R->rs + j * R->cs];
        for (int64_t j = 0; rc == 0 && j < m; j++)
                for (int64_t i = 0; i < rk; i++)
                        B[i + j * ldb] = R->data[i * R->rs + (k + j) * R->cs];
        if (rc == 0 && rk > 0 && k > 0 && m > 0) {
                par__blas_single_thread();
                lapack_int info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, (lapack_int)rk,
                                                 (lapack_int)k, (lapack_int)m, Ra,
                                                 (lapack_int)rk, B, (lapack_int)ldb, sv,
                                                 rcond, &rank);
                if (info != 0)
                        rc = par__errorf(err, PAR_EINVAL,
                                         "lstsq: the SVD did not converge (dgelsd info %d)",
                                         (int)info);
        } else if (rc == 0 && rk > 0 && k > 0) {
                /* No right-hand side: only the singular values and rank. */
                double one = 0;
                par__blas_single_thread();
                lapack_int info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, (lapack_int)rk,
                                                 (lapack_int)k, 1, Ra, (lapack_int)rk,
                                                 ldb == 1 ? &one : B, (lapack_int)ldb, sv,
                                                 rcond, &rank);
                if (info != 0)
                        rc = par__errorf(err, PAR_EINVAL,
                                         "lstsq: the SVD did not converge (dgelsd info %d)",
                                         (int)info);
        }
        for (int64_t j = 0; rc == 0 && j < m; j++)
                for (int64_t i = 0; i < k; i++)
                        x[i + j * k] = B[i + j * ldb];
        /* Residuals: R[k.., k + j] holds the part of b's column j outside
         * a's column space. */
        bool want_res = rc == 0 && rank == k && n > k && m > 0;
        if (want_res && !(resid = par__calloc((size_t)m, sizeof *resid)))
                rc = PAR__ENOMEM(err, "lstsq");
        for (int64_t j = 0; want_res && rc == 0 && j < m; j++)
                for (int64_t i = k; i < r; i++) {
                        double v = R->data[i * R->rs + (k + j) * R->cs];
                        resid[j] += v * v;
                }
        par_value_release(rv);
        par__free(Ra);
        par__free(B);
        if (rc < 0) {
                par__free(sv);
                par__free(x);
                par__free(resid);
                return rc;
        }
        par_lstsq_result_clear(res);
        res->k = k;
        res->m = m;
        res->x = x;
        res->residuals = resid;
        res->nresiduals = resid ? m : 0;
        res->rank = (int)rank;
        res->s = sv;
        res->ns = rk;
        res->n = n;
        return 0;
#endif
}

/* ---- moments of many columns ------------------------------------------------------------ */

/* par__moments for d > 5 columns, on x86-64 with AVX2 and FMA: the same
 * shifted blocks as reduce.c's wide path (the d columns minus their shift,
 * then a column of ones, whose products are the shifted sums), but the
 * products come from a register-tiled kernel instead of one cblas_dsyrk
 * per block. dsyrk on an 18-column block pays its packing and its small-
 * matrix edges every call; the kernel here computes 3 x 3 tiles of the
 * upper triangle with nine accumulators of four rows each, loading six
 * columns of the block (in L1/L2) for nine FMAs, which keeps both FMA
 * pipes busy: about 3x dsyrk's speed at d = 17 here.
 *
 * Rounding: each lane sums a quarter of a block (at most 1024 rows), the
 * blocks are then added, as the wide path's blocks are; FMA makes the
 * results differ from the portable path in the last bits (as dsyrk's,
 * which differ between OpenBLAS kernels anyway). */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define WIDE_TILE 3

__attribute__((target("avx2,fma"))) static void
syrk_tiles(int64_t nb4, int e3, const double *buf, int64_t ld, double *C)
{
        for (int tj = 0; tj < e3; tj += WIDE_TILE)
                for (int ti = 0; ti <= tj; ti += WIDE_TILE) {
                        const double *a0 = buf + ti * ld, *a1 = a0 + ld, *a2 = a1 + ld;
                        const double *b0 = buf + tj * ld, *b1 = b0 + ld, *b2 = b1 + ld;
                        __m256d c00 = _mm256_setzero_pd(), c01 = c00, c02 = c00,
                                c10 = c00, c11 = c00, c12 = c00, c20 = c00, c21 = c00,
                                c22 = c00;
                        for (int64_t k = 0; k < nb4; k += 4) {
                                __m256d x0 = _mm256_loadu_pd(a0 + k);
                                __m256d x1 = _mm256_loadu_pd(a1 + k);
                                __m256d x2 = _mm256_loadu_pd(a2 + k);
                                __m256d y0 = _mm256_loadu_pd(b0 + k);
                                __m256d y1 = _mm256_loadu_pd(b1 + k);
                                __m256d y2 = _mm256_loadu_pd(b2 + k);
                                c00 = _mm256_fmadd_pd(x0, y0, c00);
                                c01 = _mm256_fmadd_pd(x0, y1, c01);
                                c02 = _mm256_fmadd_pd(x0, y2, c02);
                                c10 = _mm256_fmadd_pd(x1, y0, c10);
                                c11 = _mm256_fmadd_pd(x1, y1, c11);
                                c12 = _mm256_fmadd_pd(x1, y2, c12);
                                c20 = _mm256_fmadd_pd(x2, y0, c20);
                                c21 = _mm256_fmadd_pd(x2, y1, c21);
                                c22 = _mm256_fmadd_pd(x2, y2, c22);
                        }
                        __m256d acc[9] = {c00, c01, c02, c10, c11, c12, c20, c21, c22};
                        for (int t = 0; t < 9; t++) {
                                double l[4];
                                _mm256_storeu_pd(l, acc[t]);
                                C[(ti + t / 3) + (int64_t)(tj + t % 3) * e3] +=
                                        (l[0] + l[1]) + (l[2] + l[3]);
                        }
                }
}

/* With AVX-512: 4 x 4 tiles of eight rows, sixteen accumulators (of the
 * 32 registers) for eight loads. */
__attribute__((target("avx512f"))) static void
syrk_tiles512(int64_t nb8, int e4, const double *buf, int64_t ld, double *C)
{
        for (int tj = 0; tj < e4; tj += 4)
                for (int ti = 0; ti <= tj; ti += 4) {
                        const double *a = buf + ti * ld, *b = buf + tj * ld;
                        __m512d c[4][4];
                        for (int u = 0; u < 4; u++)
                                for (int v = 0; v < 4; v++)
                                        c[u][v] = _mm512_setzero_pd();
                        for (int64_t k = 0; k < nb8; k += 8) {
                                __m512d x[4], y[4];
                                for (int u = 0; u < 4; u++) {
                                        x[u] = _mm512_loadu_pd(a + u * ld + k);
                                        y[u] = _mm512_loadu_pd(b + u * ld + k);
                                }
                                for (int u = 0; u < 4; u++)
                                        for (int v = 0; v < 4; v++)
                                                c[u][v] = _mm512_fmadd_pd(x[u], y[v], c[u][v]);
                        }
                        for (int u = 0; u < 4; u++)
                                for (int v = 0; v < 4; v++)
                                        C[(ti + u) + (int64_t)(tj + v) * e4] +=
                                                _mm512_reduce_add_pd(c[u][v]);
                }
}

/* 0: neither; 1: AVX2 and FMA; 2: AVX-512F (which has FMA). */
static int wide_isa(void)
{
        /* Every thread computes the same answer; relaxed atomics make the
         * race to store it well-defined. */
        static _Atomic int isa = -1;
        int v = atomic_load_explicit(&isa, memory_order_relaxed);
        if (v < 0) {
                __builtin_cpu_init();
                v = __builtin_cpu_supports("avx512f")                                ? 2
                    : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1
                                                                                     : 0;
                atomic_store_explicit(&isa, v, memory_order_relaxed);
        }
        return v;
}

/* S[j] += shifted sums, P[j*d+l] += shifted products (j <= l). */
static int wide_tiled(int64_t n, int d, const double *const *col, int64_t rs,
                      const double *sh, double *S, double *P)
{
        int isa = wide_isa(), tile = isa == 2 ? 4 : WIDE_TILE, lanes = isa == 2 ? 8 : 4;
        int e = d + 1, e3 = (e + tile - 1) / tile * tile;
        int64_t wb = (16384 / e3) & ~(int64_t)(lanes - 1);
        if (wb < 64)
                wb = 64;
        double *buf = par__malloc_aligned((size_t)wb * (size_t)e3 * sizeof *buf, 64);
        double *C = par__calloc((size_t)e3 * (size_t)e3, sizeof *C);
        if (!buf || !C) {
                par__free_aligned(buf);
                par__free(C);
                return -1;
        }
        for (int j = d; j < e3; j++)
                for (int64_t k = 0; k < wb; k++)
                        buf[(int64_t)j * wb + k] = j == d ? 1.0 : 0.0;
        for (int64_t i0 = 0; i0 < n; i0 += wb) {
                int64_t nb = n - i0 < wb ? n - i0 : wb;
                int64_t nb4 = (nb + lanes - 1) & ~(int64_t)(lanes - 1);
                for (int j = 0; j < d; j++) {
                        double *bj = buf + (int64_t)j * wb;
                        const double *c = col[j] + i0 * rs;
                        double h = sh[j];
                        if (rs == 1)
                                for (int64_t k = 0; k < nb; k++)
                                        bj[k] = c[k] - h;
                        else
                                for (int64_t k = 0; k < nb; k++)
                                        bj[k] = c[k * rs] - h;
                        for (int64_t k = nb; k < nb4; k++)
                                bj[k] = 0;
                }
                for (int64_t k = nb; k < nb4; k++)
                        buf[(int64_t)d * wb + k] = 0;
                if (isa == 2)
                        syrk_tiles512(nb4, e3, buf, wb, C);
                else
                        syrk_tiles(nb4, e3, buf, wb, C);
        }
        for (int j = 0; j < d; j++) {
                S[j] += C[j + (int64_t)d * e3];
                for (int l = j; l < d; l++)
                        P[j * d + l] += C[j + (int64_t)l * e3];
        }
        par__free(C);
        par__free_aligned(buf);
        return 0;
}
#endif

/* d <= 5 with AVX2: reduce.c's register loop with its two 16-byte lanes
 * pairs (rows k, k+1 and k+2, k+3) as one 32-byte vector of rows k..k+3.
 * Every lane does the same operations in the same order (no FMA: the
 * target is AVX2 alone and ISO C does not contract), and a block's total
 * is (l0 + l1) + (l2 + l3) as reduce.c's hsum, so the results are bit for
 * bit those of par__moments, with half the instructions: the loop then
 * keeps up with memory on one core. Contiguous columns only (rs = 1). */
#if defined(__x86_64__) && defined(__GNUC__)
#define SM_BLOCK 256
#define SM_GROUP 256
typedef double v4 __attribute__((vector_size(32)));

#define SM_COLS_1(X) X(0)
#define SM_COLS_2(X) X(0) X(1)
#define SM_COLS_3(X) X(0) X(1) X(2)
#define SM_COLS_4(X) X(0) X(1) X(2) X(3)
#define SM_COLS_5(X) X(0) X(1) X(2) X(3) X(4)
#define SM_PAIRS_1(X) X(0, 0)
#define SM_PAIRS_2(X) X(0, 0) X(0, 1) X(1, 1)
#define SM_PAIRS_3(X) X(0, 0) X(0, 1) X(0, 2) X(1, 1) X(1, 2) X(2, 2)
#define SM_PAIRS_4(X)                                                       \
        X(0, 0) X(0, 1) X(0, 2) X(0, 3) X(1, 1) X(1, 2) X(1, 3) X(2, 2)     \
        X(2, 3) X(3, 3)
#define SM_PAIRS_5(X)                                                       \
        X(0, 0) X(0, 1) X(0, 2) X(0, 3) X(0, 4) X(1, 1) X(1, 2) X(1, 3)     \
        X(1, 4) X(2, 2) X(2, 3) X(2, 4) X(3, 3) X(3, 4) X(4, 4)
#define SM_DECL_COL(j)                                                      \
        const double *c##j = col[j];                                        \
        const v4 h##j = {sh[j], sh[j], sh[j], sh[j]};                       \
        v4 s##j = {0, 0, 0, 0};
#define SM_DECL_PAIR(j, l) v4 p##j##l = {0, 0, 0, 0};
#define SM_LOAD(j)                                                          \
        v4 u##j;                                                            \
        memcpy(&u##j, c##j + k, sizeof u##j);                               \
        u##j -= h##j;                                                       \
        s##j += u##j;
#define SM_ACC_PAIR(j, l) p##j##l += u##j * u##l;
#define SM_HSUM_COL(j) double bs##j = (s##j[0] + s##j[1]) + (s##j[2] + s##j[3]);
#define SM_HSUM_PAIR(j, l)                                                  \
        double bp##j##l = (p##j##l[0] + p##j##l[1]) + (p##j##l[2] + p##j##l[3]);
#define SM_TAIL_COL(j)                                                      \
        double t##j = c##j[k] - sh[j];                                      \
        bs##j += t##j;
#define SM_TAIL_PAIR(j, l) bp##j##l += t##j * t##l;
#define SM_STORE_COL(j) S[j] += bs##j;
#define SM_STORE_PAIR(j, l) P[(j) * nd + (l)] += bp##j##l;

#define SM_DEF_BLOCK(D)                                                     \
        __attribute__((target("avx2"))) static void sm_block_##D(           \
                int64_t nb, const double *const *col, const double *sh,     \
                double *S, double *P)                                       \
        {                                                                   \
                const int nd = D;                                           \
                SM_COLS_##D(SM_DECL_COL)                                    \
                SM_PAIRS_##D(SM_DECL_PAIR)                                  \
                int64_t k = 0;                                              \
                for (; k + 4 <= nb; k += 4) {                               \
                        SM_COLS_##D(SM_LOAD)                                \
                        SM_PAIRS_##D(SM_ACC_PAIR)                           \
                }                                                           \
                SM_COLS_##D(SM_HSUM_COL)                                    \
                SM_PAIRS_##D(SM_HSUM_PAIR)                                  \
                for (; k < nb; k++) {                                       \
                        SM_COLS_##D(SM_TAIL_COL)                            \
                        SM_PAIRS_##D(SM_TAIL_PAIR)                          \
                }                                                           \
                SM_COLS_##D(SM_STORE_COL)                                   \
                SM_PAIRS_##D(SM_STORE_PAIR)                                 \
        }

SM_DEF_BLOCK(1)
SM_DEF_BLOCK(2)
SM_DEF_BLOCK(3)
SM_DEF_BLOCK(4)
SM_DEF_BLOCK(5)

typedef void (*sm_block_fn)(int64_t nb, const double *const *col, const double *sh,
                            double *S, double *P);
static const sm_block_fn sm_blocks[6] = {NULL,       sm_block_1, sm_block_2,
                                         sm_block_3, sm_block_4, sm_block_5};

/* reduce.c's mom_loop: blocks, groups of blocks, totals. */
static void small_loop(int d, int64_t n, const double *const *col, const double *sh,
                       double *S, double *P)
{
        sm_block_fn block = sm_blocks[d];
        const int64_t gsize = (int64_t)SM_BLOCK * SM_GROUP;
        for (int64_t g0 = 0; g0 < n; g0 += gsize) {
                int64_t gn = n - g0 < gsize ? n - g0 : gsize;
                double gS[5] = {0}, gP[25] = {0};
                const double *c[5];
                for (int64_t i0 = 0; i0 < gn; i0 += SM_BLOCK) {
                        int64_t nb = gn - i0 < SM_BLOCK ? gn - i0 : SM_BLOCK;
                        for (int j = 0; j < d; j++)
                                c[j] = col[j] + g0 + i0;
                        block(nb, c, sh, gS, gP);
                }
                for (int j = 0; j < d; j++) {
                        S[j] += gS[j];
                        for (int l = j; l < d; l++)
                                P[j * d + l] += gP[j * d + l];
                }
        }
}

static bool have_avx2(void)
{
        static _Atomic int have = -1; /* as wide_isa */
        int v = atomic_load_explicit(&have, memory_order_relaxed);
        if (v < 0) {
                __builtin_cpu_init();
                v = __builtin_cpu_supports("avx2") ? 1 : 0;
                atomic_store_explicit(&have, v, memory_order_relaxed);
        }
        return v;
}
#endif

int par__moments_fast(int64_t n, int d, const double *const *col, int64_t rs,
                      bool centered, double *mean, double *M)
{
#if defined(__x86_64__) && defined(__GNUC__)
        bool small = d <= 5 && (rs == 1 || n <= 1) && have_avx2();
        if (!small && (d <= 5 || !wide_isa()))
                return par__moments(n, d, col, rs, centered, mean, M);
        double *shp = par__calloc(2 * (size_t)d, sizeof *shp);
        if (!shp)
                return -1;
        double *S = shp + d;
        memset(M, 0, (size_t)d * (size_t)d * sizeof *M);
        /* The shift: the mean of the first rows, as par__moments takes. */
        int64_t ns = n < 32 ? n : 32;
        for (int j = 0; j < d; j++) {
                double s = 0;
                for (int64_t k = 0; centered && k < ns; k++)
                        s += col[j][k * rs];
                shp[j] = centered && ns ? s / (double)ns : 0.0;
        }
        int rc = 0;
        if (small)
                small_loop(d, n, col, shp, S, M);
        else
                rc = wide_tiled(n, d, col, rs, shp, S, M);
        for (int j = 0; rc == 0 && j < d; j++) {
                for (int l = j; l < d; l++) {
                        double v = M[j * d + l];
                        if (centered && n)
                                v -= S[j] * S[l] / (double)n;
                        M[j * d + l] = M[l * d + j] = v;
                }
                mean[j] = !centered ? S[j] : n ? shp[j] + S[j] / (double)n : 0.0;
        }
        par__free(shp);
        return rc;
#else
        return par__moments(n, d, col, rs, centered, mean, M);
#endif
}

/* ---- ops ---------------------------------------------------------------------------------- */

/* Called once by the op registry with the other built-ins (graph/registry.c),
 * so every process that runs a graph, a remote rank included, knows them. */
/* ---- dtypes: linear algebra takes float64 ----------------------------------------------- */

/* The public entry points convert float32, int64 and bool operands to
 * float64 (lazily, fused into the chunk tasks' inputs) and compute in
 * float64: results are float64 whatever the inputs' dtypes. */
static int two_f64(par_array *a, par_array *b, par_array **fa, par_array **fb,
                   par_error *err)
{
        *fa = *fb = NULL;
        int rc = a ? par__array_as_f64(a, fa, err) : 0;
        if (rc == 0 && b)
                rc = par__array_as_f64(b, fb, err);
        return rc;
}

int par_array_matmul(par_array *a, par_array *b, par_array **out, par_error *err)
{
        par_array *fa, *fb;
        int rc = two_f64(a, b, &fa, &fb, err);
        if (rc == 0)
                rc = matmul_f64(fa, fb, out, err);
        else if (out)
                *out = NULL;
        par_array_release(fa);
        par_array_release(fb);
        return rc;
}

int par_array_crossprod(par_array *a, par_array *b, const par_agg_opts *opts,
                        par_array **out, par_error *err)
{
        par_array *fa, *fb;
        int rc = two_f64(a, b, &fa, &fb, err);
        if (rc == 0)
                rc = crossprod_f64(fa, fb, opts, out, err);
        else if (out)
                *out = NULL;
        par_array_release(fa);
        par_array_release(fb);
        return rc;
}

int par_array_tsqr(par_array *a, const par_agg_opts *opts, par_array **q,
                   par_array **r, par_error *err)
{
        par_array *fa, *fb;
        int rc = two_f64(a, NULL, &fa, &fb, err);
        if (rc == 0)
                rc = tsqr_f64(fa, opts, q, r, err);
        par_array_release(fa);
        return rc;
}

int par_array_lstsq(par_client *c, par_array *a, par_array *b,
                    const par_lstsq_opts *opts, par_lstsq_result *res, par_error *err)
{
        par_array *fa, *fb;
        int rc = two_f64(a, b, &fa, &fb, err);
        if (rc == 0)
                rc = lstsq_f64(c, fa, fb, opts, res, err);
        par_array_release(fa);
        par_array_release(fb);
        return rc;
}

void par__linalg_register_ops(void)
{
        par_op_register("par.linalg.stack", op_stack, NULL);
        par_op_register("par.linalg.reshape", op_reshape, NULL);
        par_op_register("par.linalg.cross_sum", op_cross_sum, NULL);
#if PAR_HAVE_BLAS
        par_op_register("par.linalg.matmul", op_matmul, NULL);
        par_op_register("par.linalg.cross_part", op_cross_part, NULL);
        par_op_register("par.linalg.qr_part", op_qr_part, NULL);
        par_op_register("par.linalg.qr_combine", op_qr_combine, NULL);
        par_op_register("par.linalg.qr_r", op_qr_r, NULL);
        par_op_register("par.linalg.qr_q", op_qr_q, NULL);
#endif
}

