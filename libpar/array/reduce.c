/* Array reductions: sums, means, minima and maxima along an axis as tree
 * reductions of per-chunk partials; the Gram matrix a.T @ a; and the
 * one-pass moment kernel they and the linear models share.
 *
 * Summation. Every sum runs in three levels: four lanes over a block of
 * 256 rows, blocks added into a group of up to 256 blocks, groups into the
 * chunk's total; chunks' partials then meet in a tree. The rounding error
 * of each level grows with the square root of its own length, so a chunk
 * of 10^7 rows sums about as well as pairwise summation would, at the
 * speed of a plain loop. The lanes are GCC/clang vector extensions: plain
 * SSE2 code on x86-64, the same operations in the same order everywhere,
 * so results do not depend on the machine. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>

#include "array/internal.h"
#include "par_config.h"

#if PAR_HAVE_BLAS
#include <cblas.h>
#endif

/* Results must not depend on the compiler's choice to fuse a*b+c. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define BLOCK 256
#define GROUP 256 /* blocks per group */

/* Four lanes as two native 16-byte vectors (a: rows 0-1, b: rows 2-3 of
 * each group of four). GCC lowers 32-byte generic vectors on SSE2 through
 * memory, so the pairs are spelled out. */
typedef double v2 __attribute__((vector_size(16)));

#define ALWAYS_INLINE static inline __attribute__((always_inline))

#if PAR_HAVE_BLAS
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void blas_one_thread(void)
{
        openblas_set_num_threads(1);
}
#endif

void par__blas_single_thread(void)
{
#if PAR_HAVE_BLAS
        pthread_once(&blas_once, blas_one_thread);
#endif
}

/* ---- sums ---------------------------------------------------------------------------- */

ALWAYS_INLINE v2 load2(const double *p, int64_t stride, bool contig)
{
        v2 v;
        if (contig)
                memcpy(&v, p, sizeof v);
        else
                v = (v2){p[0], p[stride]};
        return v;
}

/* The four lanes' total, always in this order. */
ALWAYS_INLINE double hsum(v2 a, v2 b)
{
        return (a[0] + a[1]) + (b[0] + b[1]);
}

ALWAYS_INLINE double block_sum(const double *p, int64_t nb, int64_t stride,
                               bool contig)
{
        v2 acca = {0, 0}, accb = {0, 0};
        int64_t k = 0;
        for (; k + 4 <= nb; k += 4) {
                acca += load2(p + k * stride, stride, contig);
                accb += load2(p + (k + 2) * stride, stride, contig);
        }
        double b = hsum(acca, accb);
        for (; k < nb; k++)
                b += p[k * stride];
        return b;
}

double par__sum_strided(const double *p, int64_t n, int64_t stride)
{
        double total = 0;
        for (int64_t g0 = 0; g0 < n; g0 += (int64_t)BLOCK * GROUP) {
                int64_t gn = n - g0 < (int64_t)BLOCK * GROUP ? n - g0
                                                             : (int64_t)BLOCK * GROUP;
                double group = 0;
                for (int64_t i0 = 0; i0 < gn; i0 += BLOCK) {
                        int64_t nb = gn - i0 < BLOCK ? gn - i0 : BLOCK;
                        const double *q = p + (g0 + i0) * stride;
                        group += stride == 1 ? block_sum(q, nb, 1, true)
                                             : block_sum(q, nb, stride, false);
                }
                total += group;
        }
        return total;
}

/* ---- moments ------------------------------------------------------------------------- */

#define MAXD 5

/* One block of rows [0, nb): the shifted sums S[j] += sum u_j and products
 * P[j*d+l] += sum u_j u_l (j <= l), u = z - shift. Each d has its own
 * function with named accumulators (X-macros over the columns and the
 * pairs), so they live in registers: loops over arrays of vectors would
 * leave them in memory, a store-forward round trip per row. */
#define COLS_1(X) X(0)
#define COLS_2(X) X(0) X(1)
#define COLS_3(X) X(0) X(1) X(2)
#define COLS_4(X) X(0) X(1) X(2) X(3)
#define COLS_5(X) X(0) X(1) X(2) X(3) X(4)
#define PAIRS_1(X) X(0, 0)
#define PAIRS_2(X) X(0, 0) X(0, 1) X(1, 1)
#define PAIRS_3(X) X(0, 0) X(0, 1) X(0, 2) X(1, 1) X(1, 2) X(2, 2)
#define PAIRS_4(X)                                                          \
        X(0, 0) X(0, 1) X(0, 2) X(0, 3) X(1, 1) X(1, 2) X(1, 3) X(2, 2)     \
        X(2, 3) X(3, 3)
#define PAIRS_5(X)                                                          \
        X(0, 0) X(0, 1) X(0, 2) X(0, 3) X(0, 4) X(1, 1) X(1, 2) X(1, 3)     \
        X(1, 4) X(2, 2) X(2, 3) X(2, 4) X(3, 3) X(3, 4) X(4, 4)

#define MB_DECL_COL(j)                                                      \
        const double *c##j = col[j];                                        \
        const v2 h##j = {sh[j], sh[j]};                                     \
        v2 s##j##a = {0, 0}, s##j##b = {0, 0};
#define MB_DECL_PAIR(j, l) v2 p##j##l##a = {0, 0}, p##j##l##b = {0, 0};
#define MB_LOAD(j, contig)                                                  \
        v2 u##j##a = load2(c##j + k * rs, rs, contig) - h##j;               \
        v2 u##j##b = load2(c##j + (k + 2) * rs, rs, contig) - h##j;         \
        s##j##a += u##j##a;                                                 \
        s##j##b += u##j##b;
#define MB_LOAD_CONTIG(j) MB_LOAD(j, true)
#define MB_LOAD_STRIDED(j) MB_LOAD(j, false)
#define MB_ACC_PAIR(j, l)                                                   \
        p##j##l##a += u##j##a * u##l##a;                                    \
        p##j##l##b += u##j##b * u##l##b;
#define MB_HSUM_COL(j) double bs##j = hsum(s##j##a, s##j##b);
#define MB_HSUM_PAIR(j, l) double bp##j##l = hsum(p##j##l##a, p##j##l##b);
#define MB_TAIL_COL(j)                                                      \
        double t##j = c##j[k * rs] - sh[j];                                 \
        bs##j += t##j;
#define MB_TAIL_PAIR(j, l) bp##j##l += t##j * t##l;
#define MB_STORE_COL(j) S[j] += bs##j;
#define MB_STORE_PAIR(j, l) P[(j) * nd + (l)] += bp##j##l;

#define DEF_MOM_BLOCK(D)                                                    \
        static void mom_block_##D(int64_t nb, const double *const *col,     \
                                  int64_t rs, const double *sh, double *S,  \
                                  double *P)                                \
        {                                                                   \
                const int nd = D;                                           \
                COLS_##D(MB_DECL_COL)                                       \
                PAIRS_##D(MB_DECL_PAIR)                                     \
                int64_t k = 0;                                              \
                if (rs == 1) {                                              \
                        for (; k + 4 <= nb; k += 4) {                       \
                                COLS_##D(MB_LOAD_CONTIG)                    \
                                PAIRS_##D(MB_ACC_PAIR)                      \
                        }                                                   \
                } else {                                                    \
                        for (; k + 4 <= nb; k += 4) {                       \
                                COLS_##D(MB_LOAD_STRIDED)                   \
                                PAIRS_##D(MB_ACC_PAIR)                      \
                        }                                                   \
                }                                                           \
                COLS_##D(MB_HSUM_COL)                                       \
                PAIRS_##D(MB_HSUM_PAIR)                                     \
                for (; k < nb; k++) {                                       \
                        COLS_##D(MB_TAIL_COL)                               \
                        PAIRS_##D(MB_TAIL_PAIR)                             \
                }                                                           \
                COLS_##D(MB_STORE_COL)                                      \
                PAIRS_##D(MB_STORE_PAIR)                                    \
        }

DEF_MOM_BLOCK(1)
DEF_MOM_BLOCK(2)
DEF_MOM_BLOCK(3)
DEF_MOM_BLOCK(4)
DEF_MOM_BLOCK(5)

typedef void (*mom_block_fn)(int64_t nb, const double *const *col, int64_t rs,
                             const double *sh, double *S, double *P);

static const mom_block_fn mom_blocks[MAXD + 1] = {NULL,        mom_block_1,
                                                  mom_block_2, mom_block_3,
                                                  mom_block_4, mom_block_5};

/* The rows in blocks and groups of blocks, for d <= MAXD. */
static void mom_loop(int d, int64_t n, const double *const *col, int64_t rs,
                     const double *sh, double *S, double *P)
{
        mom_block_fn block = mom_blocks[d];
        for (int64_t g0 = 0; g0 < n; g0 += (int64_t)BLOCK * GROUP) {
                int64_t gn = n - g0 < (int64_t)BLOCK * GROUP ? n - g0
                                                             : (int64_t)BLOCK * GROUP;
                double gS[MAXD] = {0}, gP[MAXD * MAXD] = {0};
                const double *c[MAXD];
                for (int64_t i0 = 0; i0 < gn; i0 += BLOCK) {
                        int64_t nb = gn - i0 < BLOCK ? gn - i0 : BLOCK;
                        for (int j = 0; j < d; j++)
                                c[j] = col[j] + (g0 + i0) * rs;
                        block(nb, c, rs, sh, gS, gP);
                }
                for (int j = 0; j < d; j++) {
                        S[j] += gS[j];
                        for (int l = j; l < d; l++)
                                P[j * d + l] += gP[j * d + l];
                }
        }
}

/* d > MAXD: shifted blocks copied into a buffer with a column of ones
 * after the d data columns, then a rank-k update of the (d+1) x (d+1)
 * products: cblas_dsyrk when built with BLAS, whose last column is then
 * the shifted sums. A block is about 256 KiB (at least 512 rows), so each
 * dsyrk call has work enough to pay for itself and the block stays in the
 * cache between the copy and the update. Without BLAS the same products
 * come from the block-summed dot products below. */
static int mom_wide(int64_t n, int d, const double *const *col, int64_t rs,
                    const double *sh, double *S, double *P)
{
        int e = d + 1;
        int64_t wb = 32768 / e < 512 ? 512 : 32768 / e;
        double *buf = par__malloc((size_t)wb * (size_t)e * sizeof *buf);
        /* The upper triangle of C (column-major): C(j, l) = C[j + l*e]. */
        double *C = par__calloc((size_t)e * (size_t)e, sizeof *C);
        if (!buf || !C) {
                par__free(buf);
                par__free(C);
                return -1;
        }
        for (int64_t k = 0; k < wb; k++)
                buf[(int64_t)d * wb + k] = 1.0;
#if PAR_HAVE_BLAS
        par__blas_single_thread();
#endif
        for (int64_t i0 = 0; i0 < n; i0 += wb) {
                int64_t nb = n - i0 < wb ? n - i0 : wb;
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
                }
#if PAR_HAVE_BLAS
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, e, (int)nb, 1.0, buf,
                            (int)wb, 1.0, C, e);
#else
                for (int j = 0; j < d; j++)
                        for (int l = j; l <= d; l++) {
                                const double *u = buf + (int64_t)j * wb;
                                const double *w = buf + (int64_t)l * wb;
                                v2 a0 = {0, 0}, a1 = {0, 0};
                                int64_t k = 0;
                                for (; k + 4 <= nb; k += 4) {
                                        a0 += load2(u + k, 1, true) * load2(w + k, 1, true);
                                        a1 += load2(u + k + 2, 1, true) *
                                              load2(w + k + 2, 1, true);
                                }
                                double t = hsum(a0, a1);
                                for (; k < nb; k++)
                                        t += u[k] * w[k];
                                C[j + l * e] += t;
                        }
#endif
        }
        for (int j = 0; j < d; j++) {
                S[j] += C[j + d * e];
                for (int l = j; l < d; l++)
                        P[j * d + l] += C[j + l * e];
        }
        par__free(C);
        par__free(buf);
        return 0;
}

int par__moments(int64_t n, int d, const double *const *col, int64_t rs,
                 bool centered, double *mean, double *M)
{
        double small[2 * 64];
        double *shp = d <= 64 ? small : par__calloc(2 * (size_t)d, sizeof *shp);
        if (!shp)
                return -1;
        double *S = shp + d;
        memset(S, 0, (size_t)d * sizeof *S);
        memset(M, 0, (size_t)d * (size_t)d * sizeof *M);
        /* The shift: the mean of the first rows, near the chunk's mean, so
         * the shifted sums stay small and the products do not cancel. */
        int64_t ns = n < 32 ? n : 32;
        for (int j = 0; j < d; j++) {
                double s = 0;
                for (int64_t k = 0; centered && k < ns; k++)
                        s += col[j][k * rs];
                shp[j] = centered && ns ? s / (double)ns : 0.0;
        }
        int rc = 0;
        if (d <= MAXD)
                mom_loop(d, n, col, rs, shp, S, M);
        else
                rc = mom_wide(n, d, col, rs, shp, S, M);
        for (int j = 0; rc == 0 && j < d; j++) {
                for (int l = j; l < d; l++) {
                        double v = M[j * d + l];
                        if (centered && n)
                                v -= S[j] * S[l] / (double)n;
                        M[j * d + l] = M[l * d + j] = v;
                }
                mean[j] = !centered ? S[j] : n ? shp[j] + S[j] / (double)n : 0.0;
        }
        if (shp != small)
                par__free(shp);
        return rc;
}

void par__mom_merge(int64_t *an, double *amean, double *aM, int d, bool centered,
                    int64_t bn, const double *bmean, const double *bM)
{
        if (!centered) {
                for (int j = 0; j < d; j++)
                        amean[j] += bmean[j];
                for (int j = 0; j < d * d; j++)
                        aM[j] += bM[j];
                *an += bn;
                return;
        }
        if (bn == 0)
                return;
        if (*an == 0) {
                memcpy(amean, bmean, (size_t)d * sizeof *amean);
                memcpy(aM, bM, (size_t)d * (size_t)d * sizeof *aM);
                *an = bn;
                return;
        }
        /* Chan, Golub and LeVeque: M = Ma + Mb + na nb / n * delta delta^T,
         * mean = ma + delta nb / n. */
        double na = (double)*an, nbd = (double)bn, nt = na + nbd;
        double f = na * nbd / nt, w = nbd / nt;
        double dl[64], *delta = d <= 64 ? dl : par__malloc((size_t)d * sizeof *delta);
        if (!delta) {
                for (int j = 0; j < d; j++)
                        amean[j] = NAN;
                return;
        }
        for (int j = 0; j < d; j++)
                delta[j] = bmean[j] - amean[j];
        for (int j = 0; j < d; j++)
                for (int l = 0; l < d; l++)
                        aM[j * d + l] += bM[j * d + l] + f * delta[j] * delta[l];
        for (int j = 0; j < d; j++)
                amean[j] += delta[j] * w;
        *an += bn;
        if (delta != dl)
                par__free(delta);
}

par_value *par__mom_value(int64_t n, int d, bool centered, const double *mean,
                          const double *M)
{
        size_t nd = (size_t)d, bytes = 3 * sizeof(int64_t) + (nd + nd * nd) * sizeof(double);
        char *buf = par__malloc(bytes);
        if (!buf)
                return NULL;
        int64_t hdr[3] = {n, d, centered};
        memcpy(buf, hdr, sizeof hdr);
        memcpy(buf + sizeof hdr, mean, nd * sizeof *mean);
        memcpy(buf + sizeof hdr + nd * sizeof *mean, M, nd * nd * sizeof *M);
        par_value *v = par_value_blob(buf, bytes);
        par__free(buf);
        return v;
}

int par__mom_read(const par_value *v, par__mom *m)
{
        size_t len = 0;
        const char *p = par_value_type(v) == PAR_TYPE_BLOB ? par_value_bytes(v, &len)
                                                           : NULL;
        if (!p || len < 3 * sizeof(int64_t) || (uintptr_t)p % sizeof(double))
                return -1;
        int64_t hdr[3];
        memcpy(hdr, p, sizeof hdr);
        size_t d = (size_t)hdr[1];
        if (hdr[1] < 0 || hdr[1] > 1 << 20 ||
            len != sizeof hdr + (d + d * d) * sizeof(double))
                return -1;
        m->n = hdr[0];
        m->d = hdr[1];
        m->centered = hdr[2];
        m->mean = (double *)(void *)(p + sizeof hdr);
        m->M = m->mean + d;
        return 0;
}

/* (moments...) -> their merge. */
static int op_mom_merge(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        par__mom first;
        if (n < 1 || par__mom_read(args[0], &first) < 0)
                return par_task_fail(ctx, PAR_EINVAL, "moments: malformed partial");
        int d = (int)first.d;
        bool centered = first.centered != 0;
        double *mean = par__malloc((size_t)d * sizeof *mean);
        double *M = par__malloc((size_t)d * (size_t)d * sizeof *M);
        if (!mean || !M) {
                par__free(mean);
                par__free(M);
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        memcpy(mean, first.mean, (size_t)d * sizeof *mean);
        memcpy(M, first.M, (size_t)d * (size_t)d * sizeof *M);
        int64_t cnt = first.n;
        int rc = 0;
        for (size_t i = 1; i < n && rc == 0; i++) {
                par__mom b;
                if (par__mom_read(args[i], &b) < 0 || b.d != d ||
                    (b.centered != 0) != centered)
                        rc = par_task_fail(ctx, PAR_EINVAL,
                                           "moments: partial %zu does not match", i);
                else
                        par__mom_merge(&cnt, mean, M, d, centered, b.n, b.mean, b.M);
        }
        if (rc == 0) {
                *out = par__mom_value(cnt, d, centered, mean, M);
                if (!*out)
                        rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        par__free(mean);
        par__free(M);
        return rc;
}

/* ---- the Gram matrix ------------------------------------------------------------------- */

static int op_gram_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        if (!nd || !nd->data) /* float64 only */
                return par_task_fail(ctx, PAR_ETYPE, "gram: the chunk is not an ndarray");
        int d = (int)nd->cols;
        const double **col = par__malloc((size_t)(d ? d : 1) * sizeof *col);
        double *mean = par__malloc((size_t)(d ? d : 1) * sizeof *mean);
        double *M = par__malloc((size_t)(d ? d * d : 1) * sizeof *M);
        int rc = col && mean && M ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        if (rc == 0) {
                for (int j = 0; j < d; j++)
                        col[j] = nd->data + j * nd->cs;
                if (par__moments_fast(nd->rows, d, col, nd->rs, false, mean, M) == 0)
                        *out = par__mom_value(nd->rows, d, false, mean, M);
                if (!*out)
                        rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        par__free(col);
        par__free(mean);
        par__free(M);
        return rc;
}

static int op_gram_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        par__mom m;
        if (par__mom_read(args[0], &m) < 0)
                return par_task_fail(ctx, PAR_EINVAL, "gram: malformed partial");
        par__nd *nd = par__nd_alloc(2, m.d, m.d);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        memcpy(nd->data, m.M, (size_t)(m.d * m.d) * sizeof(double)); /* symmetric */
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* A layer of per-chunk `part_op`, a merge tree and `final_op` producing
 * chunk (name, 0) of a new one-chunk array. */
/* The tree over the blocks of column block j (j >= 0), or over every
 * block (j = -1): part tasks, then the tree; the root's key name goes to
 * root. */
static int tree_part(par_graph *g, par_array *a, int64_t j, const char *prefix,
                     uint64_t h, const char *part_op, size_t npargs, const par_arg *pargs,
                     const char *combine_op, size_t ncargs, const par_arg *cargs,
                     int split_every, char *root, par_error *err)
{
        char part[128], pfx[64];
        if (j > 0)
                h = par__hash_mix(h ^ (uint64_t)j * 0x9e3779b97f4a7c15u);
        snprintf(pfx, sizeof pfx, "%s-part", prefix);
        par__array_token(pfx, h, part, sizeof part);
        snprintf(pfx, sizeof pfx, "%s-tree", prefix);
        par_arg args[8];
        for (size_t k = 0; k < npargs; k++)
                args[k + 1] = pargs[k];
        int64_t n = j < 0 ? a->nchunks * a->ncb : a->nchunks;
        int rc = 0;
        for (int64_t i = 0; i < n && rc == 0; i++) {
                args[0] = par_arg_key(a->name, j < 0 ? i : i * a->ncb + j);
                rc = par_graph_add(g, par_key_make(part, i), part_op, npargs + 1, args,
                                   err);
        }
        if (rc == 0)
                rc = par__array_tree(g, pfx, h, part, n, combine_op, ncargs, cargs,
                                     split_every, root, err);
        return rc;
}

int par__array_tree_layer(par_array *a, const char *prefix, const char *part_op,
                          size_t npargs, const par_arg *pargs, const char *combine_op,
                          size_t ncargs, const par_arg *cargs, const char *final_op,
                          size_t nfargs, const par_arg *fargs, int split_every,
                          int ndim, int64_t rows, int64_t cols, par_array **out,
                          par_error *err)
{
        /* On a grid: a reduction to one value per column (ndim 1 over the
         * columns) is a tree per column block, giving a chunk per column
         * block; one to a 0-d value (partials that merge whatever block
         * they come from) one tree over every block; anything else needs
         * whole rows. */
        bool percol = a->ncb > 1 && ndim == 1 && rows == a->cols;
        bool every = a->ncb > 1 && ndim == 0;
        if (a->ncb > 1 && !percol && !every) {
                par_array *rb = NULL;
                int rc = par__array_rowblocks(a, &rb, err);
                if (rc == 0)
                        rc = par__array_tree_layer(rb, prefix, part_op, npargs, pargs,
                                                   combine_op, ncargs, cargs, final_op,
                                                   nfargs, fargs, split_every, ndim, rows,
                                                   cols, out, err);
                par_array_release(rb);
                return rc;
        }
        uint64_t h = par__hash_bytes(a->name, strlen(a->name),
                                     par__hash_bytes(part_op, strlen(part_op), 0));
        for (size_t i = 0; i < npargs; i++)
                h = par__hash_mix(h ^ (uint64_t)pargs[i].u.i);
        for (size_t i = 0; i < nfargs; i++)
                h = par__hash_mix(h ^ (uint64_t)fargs[i].u.i ^ 0x66);
        h = par__hash_mix(h ^ (uint64_t)split_every);
        char root[128], name[128];
        par__array_token(prefix, h ^ 0xf1a1u, name, sizeof name);
        par_graph *g = par_graph_new();
        par_arg args[8];
        if (!g || npargs > 7 || nfargs > 7) {
                par_graph_free(g);
                return PAR__ENOMEM(err, "building a reduction");
        }
        int rc = 0;
        int64_t nout = percol ? a->ncb : 1;
        for (int64_t j = 0; j < nout && rc == 0; j++) {
                rc = tree_part(g, a, percol ? j : every ? -1 : 0, prefix, h, part_op,
                               npargs, pargs, combine_op, ncargs, cargs, split_every,
                               root, err);
                if (rc == 0) {
                        args[0] = par_arg_key(root, PAR_NO_INDEX);
                        for (size_t k = 0; k < nfargs; k++)
                                args[k + 1] = fargs[k];
                        rc = par_graph_add(g, par_key_make(name, j), final_op, nfargs + 1,
                                           args, err);
                }
        }
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        if (percol)
                return par__array_new(g, name, 1, 1, a->ncb, a->chunk_cols, 1, &a->layer,
                                      out, err);
        return par__array_new(g, name, ndim, cols, 1, &rows, 1, &a->layer, out, err);
}

static int tree_layer(par_array *a, const char *prefix, const char *part_op,
                      size_t npargs, const par_arg *pargs, const char *combine_op,
                      const char *final_op, size_t nfargs, const par_arg *fargs,
                      int split_every, int ndim, int64_t rows, int64_t cols,
                      par_array **out, par_error *err)
{
        return par__array_tree_layer(a, prefix, part_op, npargs, pargs, combine_op, 0,
                                     NULL, final_op, nfargs, fargs, split_every, ndim,
                                     rows, cols, out, err);
}

int par_array_gram(par_array *a, const par_agg_opts *opts, par_array **out,
                   par_error *err)
{
        if (!a || !out)
                return par__errorf(err, PAR_EINVAL, "gram: array and out are required");
        *out = NULL;
        if (a->ndim != 2)
                return par__errorf(err, PAR_EINVAL,
                                   "gram: the array is %d-d; expected 2-d", a->ndim);
        /* Linear algebra takes float64: other dtypes are converted. */
        par_array *f = NULL;
        int rc = par__array_as_f64(a, &f, err);
        if (rc == 0)
                rc = tree_layer(f, "gram", "par.array.gram_part", 0, NULL,
                                "par.array.mom_merge", "par.array.gram_final", 0, NULL,
                                opts ? opts->split_every : 0, 2, f->cols, f->cols, out,
                                err);
        par_array_release(f);
        return rc;
}

/* ---- sum, mean, min, max ---------------------------------------------------------------- */

/* A partial: {count, k, stat} then k values (sums, minima or maxima). */
static par_value *red_value(int64_t count, int64_t k, int64_t stat, const double *v)
{
        size_t bytes = 3 * sizeof(int64_t) + (size_t)k * sizeof(double);
        char *buf = par__malloc(bytes);
        if (!buf)
                return NULL;
        int64_t hdr[3] = {count, k, stat};
        memcpy(buf, hdr, sizeof hdr);
        memcpy(buf + sizeof hdr, v, (size_t)k * sizeof *v);
        par_value *r = par_value_blob(buf, bytes);
        par__free(buf);
        return r;
}

static int red_read(const par_value *v, int64_t hdr[3], const double **vals)
{
        size_t len = 0;
        const char *p = par_value_type(v) == PAR_TYPE_BLOB ? par_value_bytes(v, &len)
                                                           : NULL;
        if (!p || len < 3 * sizeof(int64_t) || (uintptr_t)p % sizeof(double))
                return -1;
        memcpy(hdr, p, 3 * sizeof *hdr);
        if (hdr[1] < 0 || len != 3 * sizeof(int64_t) + (size_t)hdr[1] * sizeof(double))
                return -1;
        *vals = (const double *)(const void *)(p + 3 * sizeof(int64_t));
        return 0;
}

/* NaN-propagating min and max, as NumPy's. */
static double fmin_nan(double m, double x)
{
        return (isnan(x) || x < m) ? x : m;
}

static double fmax_nan(double m, double x)
{
        return (isnan(x) || x > m) ? x : m;
}

static double column_extreme(const double *p, int64_t n, int64_t stride, bool is_min)
{
        double m = is_min ? INFINITY : -INFINITY;
        for (int64_t i = 0; i < n && !isnan(m); i++)
                m = is_min ? fmin_nan(m, p[i * stride]) : fmax_nan(m, p[i * stride]);
        return m;
}

/* (chunk, stat, all) -> a partial over each column, or over everything. */
static int op_reduce_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                          par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        if (!nd || !nd->data) /* float64 only */
                return par_task_fail(ctx, PAR_ETYPE,
                                     "reduce: the chunk is not an ndarray");
        int64_t stat = par_value_int64_of(args[1]);
        bool all = par_value_int64_of(args[2]) != 0;
        int64_t k = nd->cols;
        double *v = par__malloc((size_t)(k ? k : 1) * sizeof *v);
        if (!v)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        bool is_sum = stat == PAR_STAT_SUM || stat == PAR_STAT_MEAN;
        for (int64_t j = 0; j < k; j++) {
                const double *p = nd->data + j * nd->cs;
                v[j] = is_sum ? par__sum_strided(p, nd->rows, nd->rs)
                              : column_extreme(p, nd->rows, nd->rs, stat == PAR_STAT_MIN);
        }
        int64_t count = nd->rows;
        if (all) {
                double r = is_sum ? 0 : stat == PAR_STAT_MIN ? INFINITY : -INFINITY;
                for (int64_t j = 0; j < k; j++)
                        r = is_sum ? r + v[j]
                            : stat == PAR_STAT_MIN ? fmin_nan(r, v[j])
                                                   : fmax_nan(r, v[j]);
                v[0] = r;
                count = nd->rows * k;
                k = 1;
        }
        *out = red_value(count, k, stat, v);
        par__free(v);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_reduce_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                             par_value **out)
{
        int64_t hdr[3];
        const double *first;
        if (n < 1 || red_read(args[0], hdr, &first) < 0)
                return par_task_fail(ctx, PAR_EINVAL, "reduce: malformed partial");
        int64_t k = hdr[1], stat = hdr[2], count = hdr[0];
        double *v = par__malloc((size_t)(k ? k : 1) * sizeof *v);
        if (!v)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        memcpy(v, first, (size_t)k * sizeof *v);
        for (size_t i = 1; i < n; i++) {
                int64_t h2[3];
                const double *w;
                if (red_read(args[i], h2, &w) < 0 || h2[1] != k || h2[2] != stat) {
                        par__free(v);
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "reduce: partial %zu does not match", i);
                }
                count += h2[0];
                for (int64_t j = 0; j < k; j++)
                        v[j] = stat == PAR_STAT_MIN   ? fmin_nan(v[j], w[j])
                               : stat == PAR_STAT_MAX ? fmax_nan(v[j], w[j])
                                                      : v[j] + w[j];
        }
        *out = red_value(count, k, stat, v);
        par__free(v);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static const char *stat_name(int64_t stat)
{
        switch (stat) {
        case PAR_STAT_SUM: return "sum";
        case PAR_STAT_MEAN: return "mean";
        case PAR_STAT_MIN: return "minimum";
        case PAR_STAT_MAX: return "maximum";
        default: return "?";
        }
}

/* (partial, ndim) -> the result chunk: (k,) or 0-d. */
static int op_reduce_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        (void)n;
        int64_t hdr[3];
        const double *v;
        if (red_read(args[0], hdr, &v) < 0)
                return par_task_fail(ctx, PAR_EINVAL, "reduce: malformed partial");
        int ndim = (int)par_value_int64_of(args[1]);
        int64_t count = hdr[0], k = hdr[1], stat = hdr[2];
        if (count == 0 && (stat == PAR_STAT_MIN || stat == PAR_STAT_MAX))
                return par_task_fail(ctx, PAR_EINVAL,
                                     "zero-size array to reduction operation %s "
                                     "which has no identity",
                                     stat_name(stat));
        par__nd *nd = par__nd_alloc(ndim, ndim == 0 ? 1 : k, 1);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t j = 0; j < k; j++)
                nd->data[j] = stat == PAR_STAT_MEAN ? (count ? v[j] / (double)count : NAN)
                                                    : v[j];
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (chunk, stat) -> per row: a 1-d chunk. */
static int op_reduce_rows(par_task_ctx *ctx, size_t n, par_value *const *args,
                          par_value **out)
{
        const par__nd *nd = par__nd_of(args[0]);
        if (!nd || !nd->data) /* float64 only */
                return par_task_fail(ctx, PAR_ETYPE,
                                     "reduce: the chunk is not an ndarray");
        int64_t stat = par_value_int64_of(args[1]);
        /* A block's partial (a third argument): an empty block gives the
         * identity; rows_final decides for the whole row. */
        bool part = n > 2 && par_value_int64_of(args[2]);
        if (nd->cols == 0 && nd->rows > 0 && !part &&
            (stat == PAR_STAT_MIN || stat == PAR_STAT_MAX))
                return par_task_fail(ctx, PAR_EINVAL,
                                     "zero-size array to reduction operation %s "
                                     "which has no identity",
                                     stat_name(stat));
        par__nd *r = par__nd_alloc(1, nd->rows, 1);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t i = 0; i < nd->rows; i++) {
                const double *p = nd->data + i * nd->rs;
                double m = stat == PAR_STAT_MIN ? INFINITY : stat == PAR_STAT_MAX ? -INFINITY : 0;
                for (int64_t j = 0; j < nd->cols; j++) {
                        double x = p[j * nd->cs];
                        m = stat == PAR_STAT_MIN   ? fmin_nan(m, x)
                            : stat == PAR_STAT_MAX ? fmax_nan(m, x)
                                                   : m + x;
                }
                if (stat == PAR_STAT_MEAN)
                        m = nd->cols ? m / (double)nd->cols : NAN;
                r->data[i] = m;
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* ---- sum, min, max of int64 and bool: exact, in int64 ---------------------------- */

/* The partials have the layout above with int64 values; sums wrap, as
 * NumPy's int64 sums. */
static int64_t ired(int64_t stat, int64_t m, int64_t x)
{
        return stat == PAR_STAT_MIN   ? (x < m ? x : m)
               : stat == PAR_STAT_MAX ? (x > m ? x : m)
                                      : (int64_t)((uint64_t)m + (uint64_t)x);
}

static int64_t ired_init(int64_t stat)
{
        return stat == PAR_STAT_MIN ? INT64_MAX : stat == PAR_STAT_MAX ? INT64_MIN : 0;
}

static par_value *ired_value(int64_t count, int64_t k, int64_t stat, const int64_t *v)
{
        return red_value(count, k, stat, (const double *)(const void *)v);
}

/* (chunk, stat, all) -> an int64 partial. */
static int op_ireduce_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        if (!nd || !(nd->dtype == PAR_DTYPE_INT64 || nd->dtype == PAR_DTYPE_BOOL))
                return par_task_fail(ctx, PAR_ETYPE,
                                     "reduce: chunk %" PRId64 " is not an int64 or bool "
                                     "ndarray",
                                     par_task_key(ctx).index);
        int64_t stat = par_value_int64_of(args[1]);
        bool all = par_value_int64_of(args[2]) != 0;
        int64_t k = nd->cols;
        int64_t *v = par__malloc((size_t)(k ? k : 1) * sizeof *v);
        if (!v)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t j = 0; j < k; j++) {
                int64_t m = ired_init(stat);
                for (int64_t i = 0; i < nd->rows; i++)
                        m = ired(stat, m, par__nd_geti(nd, i * nd->rs + j * nd->cs));
                v[j] = m;
        }
        int64_t count = nd->rows;
        if (all) {
                int64_t r = ired_init(stat);
                for (int64_t j = 0; j < k; j++)
                        r = ired(stat, r, v[j]);
                v[0] = r;
                count = nd->rows * k;
                k = 1;
        }
        *out = ired_value(count, k, stat, v);
        par__free(v);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_ireduce_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                              par_value **out)
{
        int64_t hdr[3];
        const double *first;
        if (n < 1 || red_read(args[0], hdr, &first) < 0)
                return par_task_fail(ctx, PAR_EINVAL, "reduce: malformed partial");
        int64_t k = hdr[1], stat = hdr[2], count = hdr[0];
        int64_t *v = par__malloc((size_t)(k ? k : 1) * sizeof *v);
        int64_t *w = par__malloc((size_t)(k ? k : 1) * sizeof *w);
        if (!v || !w) {
                par__free(v);
                par__free(w);
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        memcpy(v, first, (size_t)k * sizeof *v);
        for (size_t i = 1; i < n; i++) {
                int64_t h2[3];
                const double *p;
                if (red_read(args[i], h2, &p) < 0 || h2[1] != k || h2[2] != stat) {
                        par__free(v);
                        par__free(w);
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "reduce: partial %zu does not match", i);
                }
                memcpy(w, p, (size_t)k * sizeof *w);
                count += h2[0];
                for (int64_t j = 0; j < k; j++)
                        v[j] = ired(stat, v[j], w[j]);
        }
        *out = ired_value(count, k, stat, v);
        par__free(v);
        par__free(w);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (partial, ndim, dtype) -> the result chunk of dtype (int64 or bool). */
static int op_ireduce_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                            par_value **out)
{
        (void)n;
        int64_t hdr[3];
        const double *p;
        if (red_read(args[0], hdr, &p) < 0)
                return par_task_fail(ctx, PAR_EINVAL, "reduce: malformed partial");
        int ndim = (int)par_value_int64_of(args[1]);
        par_dtype dt = (par_dtype)par_value_int64_of(args[2]);
        int64_t count = hdr[0], k = hdr[1], stat = hdr[2];
        if (count == 0 && (stat == PAR_STAT_MIN || stat == PAR_STAT_MAX))
                return par_task_fail(ctx, PAR_EINVAL,
                                     "zero-size array to reduction operation %s "
                                     "which has no identity",
                                     stat_name(stat));
        par__nd *nd = par__nd_alloc_t(ndim, ndim == 0 ? 1 : k, 1, dt);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t j = 0; j < k; j++) {
                int64_t x;
                memcpy(&x, p + j, sizeof x);
                if (dt == PAR_DTYPE_BOOL)
                        ((uint8_t *)nd->ptr)[j] = x != 0;
                else
                        ((int64_t *)nd->ptr)[j] = x;
        }
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (chunk, stat, dtype) -> per row: a 1-d chunk of dtype. */
static int op_ireduce_rows(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        if (!nd || !(nd->dtype == PAR_DTYPE_INT64 || nd->dtype == PAR_DTYPE_BOOL))
                return par_task_fail(ctx, PAR_ETYPE,
                                     "reduce: chunk %" PRId64 " is not an int64 or bool "
                                     "ndarray",
                                     par_task_key(ctx).index);
        int64_t stat = par_value_int64_of(args[1]);
        par_dtype dt = (par_dtype)par_value_int64_of(args[2]);
        if (nd->cols == 0 && nd->rows > 0 &&
            (stat == PAR_STAT_MIN || stat == PAR_STAT_MAX))
                return par_task_fail(ctx, PAR_EINVAL,
                                     "zero-size array to reduction operation %s "
                                     "which has no identity",
                                     stat_name(stat));
        par__nd *r = par__nd_alloc_t(1, nd->rows, 1, dt);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t i = 0; i < nd->rows; i++) {
                int64_t m = ired_init(stat);
                for (int64_t j = 0; j < nd->cols; j++)
                        m = ired(stat, m, par__nd_geti(nd, i * nd->rs + j * nd->cs));
                if (dt == PAR_DTYPE_BOOL)
                        ((uint8_t *)r->ptr)[i] = m != 0;
                else
                        ((int64_t *)r->ptr)[i] = m;
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (stat, partials...) -> their elementwise sum (SUM, MEAN), min or max:
 * the row partials of the blocks of one row block. */
static int op_rows_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        int64_t stat = par_value_int64_of(args[0]);
        const par__nd *f = n > 1 ? par__nd_of(args[1]) : NULL;
        if (!f)
                return par_task_fail(ctx, PAR_EINVAL, "reduce: malformed row partial");
        par__nd *r = par__nd_alloc(1, f->rows, 1);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t i = 0; i < f->rows; i++)
                r->data[i] = f->data[i * f->rs];
        for (size_t k = 2; k < n; k++) {
                const par__nd *p = par__nd_of(args[k]);
                if (!p || p->rows != f->rows) {
                        par__nd_discard(r);
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "reduce: the blocks of row block %" PRId64
                                             " disagree on their rows",
                                             par_task_key(ctx).index);
                }
                for (int64_t i = 0; i < f->rows; i++) {
                        double x = p->data[i * p->rs], *m = &r->data[i];
                        *m = stat == PAR_STAT_MIN   ? fmin_nan(*m, x)
                             : stat == PAR_STAT_MAX ? fmax_nan(*m, x)
                                                    : *m + x;
                }
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* The float64 reduction of a converted to float64, then converted to
 * `back` (float32 for float32 arrays; float64: none). */
static int reduce_via_f64(par_array *a, par_stat stat, int axis,
                          const par_agg_opts *opts, par_dtype back, par_array **out,
                          par_error *err)
{
        par_array *f = NULL, *r = NULL;
        int rc = par__array_as_f64(a, &f, err);
        if (rc == 0)
                rc = par_array_reduce(f, stat, axis, opts, &r, err);
        if (rc == 0)
                rc = par__array_astype(r, back, out, err);
        par_array_release(f);
        par_array_release(r);
        return rc;
}

/* (combined, stat, cols) -> the row results: the mean divides by cols;
 * min and max of no columns fail as NumPy's. */
static int op_rows_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        const par__nd *f = par__nd_of(args[0]);
        int64_t stat = par_value_int64_of(args[1]);
        int64_t cols = par_value_int64_of(args[2]);
        if (!f)
                return par_task_fail(ctx, PAR_EINVAL, "reduce: malformed row partial");
        if (cols == 0 && f->rows > 0 && (stat == PAR_STAT_MIN || stat == PAR_STAT_MAX))
                return par_task_fail(ctx, PAR_EINVAL,
                                     "zero-size array to reduction operation %s "
                                     "which has no identity",
                                     stat_name(stat));
        par__nd *r = par__nd_alloc(1, f->rows, 1);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t i = 0; i < f->rows; i++) {
                double m = f->data[i * f->rs];
                r->data[i] = stat != PAR_STAT_MEAN ? m : cols ? m / (double)cols : NAN;
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* Axis 1 of a grid, as Dask's: each block reduces its rows, then per row
 * block a tree (split_every at a time) combines the blocks' partials and
 * a final step makes the row block's results. Chunked as the rows. */
static int reduce_rows_grid(par_array *a, par_stat stat, int split_every,
                            par_array **out, par_error *err)
{
        uint64_t h = par__hash_bytes(a->name, strlen(a->name),
                                     0x726f7767u + (uint64_t)stat);
        h = par__hash_mix(h ^ (uint64_t)split_every);
        char name[128], part[64], pfx[64], root[128];
        par__array_token(stat_name(stat), h, name, sizeof name);
        snprintf(part, sizeof part, "%s-part", stat_name(stat));
        snprintf(pfx, sizeof pfx, "%s-tree", stat_name(stat));
        int64_t pstat = stat == PAR_STAT_MEAN ? PAR_STAT_SUM : stat;
        par_graph *g = par_graph_new();
        int rc = g ? 0 : PAR__ENOMEM(err, "building a reduction");
        for (int64_t i = 0; i < a->nchunks && rc == 0; i++) {
                /* Row block i's partials are (run, 0..ncb-1). */
                char run[128];
                par__array_token(part, par__hash_mix(h ^ (uint64_t)i), run, sizeof run);
                for (int64_t j = 0; j < a->ncb && rc == 0; j++)
                        rc = par_graph_add(g, par_key_make(run, j), "par.array.reduce_rows", 3,
                                           (par_arg[]){par_arg_key(a->name, i * a->ncb + j),
                                                       par_arg_int64(pstat), par_arg_int64(1)},
                                           err);
                if (rc == 0)
                        rc = par__array_tree(g, pfx, par__hash_mix(h ^ (uint64_t)i ^ 0x74u),
                                             run, a->ncb, "par.array.rows_combine", 1,
                                             (par_arg[]){par_arg_int64(pstat)}, split_every,
                                             root, err);
                if (rc == 0)
                        rc = par_graph_add(g, par_key_make(name, i), "par.array.rows_final", 3,
                                           (par_arg[]){par_arg_key(root, PAR_NO_INDEX),
                                                       par_arg_int64(stat),
                                                       par_arg_int64(a->cols)},
                                           err);
        }
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__array_new(g, name, 1, 1, a->nchunks, a->chunk_rows, 1, &a->layer, out,
                              err);
}

int par_array_reduce(par_array *a, par_stat stat, int axis, const par_agg_opts *opts,
                     par_array **out, par_error *err)
{
        if (!a || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "reduce: array and out are required");
        *out = NULL;
        if (stat != PAR_STAT_SUM && stat != PAR_STAT_MEAN && stat != PAR_STAT_MIN &&
            stat != PAR_STAT_MAX)
                return par__errorf(err, PAR_ENOTSUP,
                                   "reduce: arrays have sum, mean, min and max "
                                   "(stat %d)",
                                   (int)stat);
        if (axis != PAR_AXIS_ALL && axis < 0)
                axis += a->ndim;
        if (axis != PAR_AXIS_ALL && (axis < 0 || axis >= a->ndim))
                return par__errorf(err, PAR_EINVAL,
                                   "reduce: axis %d is out of range for a %d-d array",
                                   axis, a->ndim);
        /* NumPy's dtypes: float32 stays float32 (summed here in float64,
         * then rounded); the mean of int64 and bool is float64; their sum
         * is int64 and min/max keep the dtype, computed exactly in int64. */
        if (a->dtype == PAR_DTYPE_FLOAT32)
                return reduce_via_f64(a, stat, axis, opts, PAR_DTYPE_FLOAT32, out, err);
        bool ints = a->dtype == PAR_DTYPE_INT64 || a->dtype == PAR_DTYPE_BOOL;
        if (ints && stat == PAR_STAT_MEAN)
                return reduce_via_f64(a, stat, axis, opts, PAR_DTYPE_FLOAT64, out, err);
        if (ints && a->ncb > 1) {
                /* The int64 kernels read whole rows: join the column
                 * blocks of each row block first. */
                par_array *j = NULL;
                int rc = par__array_rowblocks(a, &j, err);
                if (rc == 0)
                        rc = par_array_reduce(j, stat, axis, opts, out, err);
                par_array_release(j);
                return rc;
        }
        par_dtype rdt = stat == PAR_STAT_SUM ? PAR_DTYPE_INT64 : a->dtype;
        if (ints && axis == 1) {
                uint64_t h = par__hash_bytes(a->name, strlen(a->name),
                                             0x69726f77u + (uint64_t)stat);
                char name[128];
                par__array_token(stat_name(stat), h, name, sizeof name);
                par_graph *g = par_graph_new();
                int rc = g ? 0 : PAR__ENOMEM(err, "building a reduction");
                for (int64_t i = 0; i < a->nchunks && rc == 0; i++)
                        rc = par_graph_add(g, par_key_make(name, i), "par.array.ireduce_rows",
                                           3,
                                           (par_arg[]){par_arg_key(a->name, i),
                                                       par_arg_int64(stat),
                                                       par_arg_int64(rdt)},
                                           err);
                if (rc < 0) {
                        par_graph_free(g);
                        return rc;
                }
                rc = par__array_new(g, name, 1, 1, a->nchunks, a->chunk_rows, 1,
                                    &a->layer, out, err);
                if (rc == 0)
                        (*out)->dtype = rdt;
                return rc;
        }
        if (ints) {
                bool all = axis == PAR_AXIS_ALL || a->ndim < 2;
                int ndim = all ? 0 : 1;
                par_arg pargs[2] = {par_arg_int64(stat), par_arg_int64(all)};
                par_arg fargs[2] = {par_arg_int64(ndim), par_arg_int64(rdt)};
                int rc = tree_layer(a, stat_name(stat), "par.array.ireduce_part", 2, pargs,
                                    "par.array.ireduce_combine", "par.array.ireduce_final",
                                    2, fargs, opts ? opts->split_every : 0, ndim,
                                    all ? 1 : a->cols, 1, out, err);
                if (rc == 0)
                        (*out)->dtype = rdt;
                return rc;
        }
        if (axis == 1 && a->ncb > 1)
                return reduce_rows_grid(a, stat, opts ? opts->split_every : 0, out, err);
        if (axis == 1) {
                uint64_t h = par__hash_bytes(a->name, strlen(a->name),
                                             0x726f77u + (uint64_t)stat);
                char name[128];
                par__array_token(stat_name(stat), h, name, sizeof name);
                par_graph *g = par_graph_new();
                int rc = g ? 0 : PAR__ENOMEM(err, "building a reduction");
                for (int64_t i = 0; i < a->nchunks && rc == 0; i++)
                        rc = par_graph_add(g, par_key_make(name, i), "par.array.reduce_rows",
                                           2,
                                           (par_arg[]){par_arg_key(a->name, i),
                                                       par_arg_int64(stat)},
                                           err);
                if (rc < 0) {
                        par_graph_free(g);
                        return rc;
                }
                return par__array_new(g, name, 1, 1, a->nchunks, a->chunk_rows, 1,
                                      &a->layer, out, err);
        }
        /* Axis 0 of a 2-d array keeps the columns; everything else is 0-d. */
        bool all = axis == PAR_AXIS_ALL || a->ndim < 2;
        int ndim = all ? 0 : 1;
        par_arg pargs[2] = {par_arg_int64(stat), par_arg_int64(all)};
        par_arg fargs[1] = {par_arg_int64(ndim)};
        return tree_layer(a, stat_name(stat), "par.array.reduce_part", 2, pargs,
                          "par.array.reduce_combine", "par.array.reduce_final", 1, fargs,
                          opts ? opts->split_every : 0, ndim, all ? 1 : a->cols, 1, out,
                          err);
}

void par__array_register_reduce_ops(void)
{
        par_op_register("par.array.mom_merge", op_mom_merge, NULL);
        par_op_register("par.array.rows_combine", op_rows_combine, NULL);
        par_op_register("par.array.rows_final", op_rows_final, NULL);
        par_op_register("par.array.gram_part", op_gram_part, NULL);
        par_op_register("par.array.gram_final", op_gram_final, NULL);
        par_op_register("par.array.reduce_part", op_reduce_part, NULL);
        par_op_register("par.array.reduce_combine", op_reduce_combine, NULL);
        par_op_register("par.array.reduce_final", op_reduce_final, NULL);
        par_op_register("par.array.reduce_rows", op_reduce_rows, NULL);
        par_op_register("par.array.ireduce_part", op_ireduce_part, NULL);
        par_op_register("par.array.ireduce_combine", op_ireduce_combine, NULL);
        par_op_register("par.array.ireduce_final", op_ireduce_final, NULL);
        par_op_register("par.array.ireduce_rows", op_ireduce_rows, NULL);
        par__array_register_stats_ops();
}
