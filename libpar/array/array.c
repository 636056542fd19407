/* Arrays: the chunk object, making arrays (from buffers, from frames),
 * slicing, the summary line, compute and persist. Each operation adds one
 * layer whose task i reads chunk(s) of the layer below, as frames do. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "array/internal.h"
#include "backend/backend.h"
#include "frame/internal.h"

/* ---- the chunk object ------------------------------------------------------------ */

static void nd_free(void *p)
{
        par__nd *nd = p;
        par_value_release(nd->base);
        par__free(nd->alloc);
        par__free(nd);
}

bool par__array_dtype_ok(par_dtype t)
{
        return t == PAR_DTYPE_FLOAT64 || t == PAR_DTYPE_FLOAT32 ||
               t == PAR_DTYPE_INT64 || t == PAR_DTYPE_BOOL;
}

size_t par__dtype_size(par_dtype t)
{
        switch (t) {
        case PAR_DTYPE_FLOAT64:
        case PAR_DTYPE_INT64: return 8;
        case PAR_DTYPE_FLOAT32: return 4;
        case PAR_DTYPE_BOOL: return 1;
        default: return 0;
        }
}

double par__nd_getd(const par__nd *nd, int64_t i, int64_t j)
{
        int64_t off = i * nd->rs + j * nd->cs;
        switch (nd->dtype) {
        case PAR_DTYPE_FLOAT32: return ((const float *)nd->ptr)[off];
        case PAR_DTYPE_INT64: return (double)((const int64_t *)nd->ptr)[off];
        case PAR_DTYPE_BOOL: return ((const uint8_t *)nd->ptr)[off];
        default: return ((const double *)nd->ptr)[off];
        }
}

static size_t nd_nbytes(const void *p)
{
        const par__nd *nd = p;
        return sizeof *nd + (nd->alloc ? (size_t)nd->rows * (size_t)nd->cols *
                                                 par__dtype_size(nd->dtype)
                                       : 0);
}

static int shape_text(int ndim, int64_t rows, int64_t cols, char *buf, size_t size)
{
        char r[32];
        if (rows < 0)
                snprintf(r, sizeof r, "nan");
        else
                snprintf(r, sizeof r, "%" PRId64, rows);
        if (ndim == 0)
                return snprintf(buf, size, "()");
        if (ndim == 1)
                return snprintf(buf, size, "(%s,)", r);
        return snprintf(buf, size, "(%s, %" PRId64 ")", r, cols);
}

static int nd_format(const void *p, char *buf, size_t size)
{
        const par__nd *nd = p;
        char s[80];
        shape_text(nd->ndim, nd->rows, nd->cols, s, sizeof s);
        return snprintf(buf, size, "ndarray%s %s", s, par_dtype_name(nd->dtype));
}

static const par_object_type nd_type = {"par.ndarray", nd_free, nd_nbytes,
                                        nd_format};

const par__nd *par__nd_of(const par_value *v)
{
        return par_value_object_type(v) == &nd_type ? par_value_object_payload(v)
                                                    : NULL;
}

par__nd *par__nd_alloc_t(int ndim, int64_t rows, int64_t cols, par_dtype dtype)
{
        size_t es = par__dtype_size(dtype);
        if (!par__array_dtype_ok(dtype) || rows < 0 || cols < 0 ||
            (cols && (uint64_t)rows > SIZE_MAX / 8 / (uint64_t)cols))
                return NULL;
        par__nd *nd = par__calloc(1, sizeof *nd);
        size_t n = (size_t)rows * (size_t)cols;
        if (nd)
                nd->alloc = par__malloc(n ? n * es : sizeof(double));
        if (!nd || !nd->alloc) {
                par__free(nd);
                return NULL;
        }
        nd->ndim = ndim;
        nd->dtype = dtype;
        nd->rows = rows;
        nd->cols = cols;
        nd->ptr = nd->alloc;
        nd->data = dtype == PAR_DTYPE_FLOAT64 ? nd->alloc : NULL;
        nd->rs = 1;
        nd->cs = rows;
        return nd;
}

par__nd *par__nd_alloc(int ndim, int64_t rows, int64_t cols)
{
        return par__nd_alloc_t(ndim, rows, cols, PAR_DTYPE_FLOAT64);
}

void par__nd_discard(par__nd *nd)
{
        if (nd)
                nd_free(nd);
}

par_value *par__nd_finish(par__nd *nd)
{
        par_value *v = par_value_object(&nd_type, nd);
        if (!v)
                nd_free(nd);
        return v;
}

par_value *par__nd_view_t(par_value *base, int ndim, int64_t rows, int64_t cols,
                          void *ptr, int64_t rs, int64_t cs)
{
        const par__nd *b = par__nd_of(base);
        par__nd *nd = par__calloc(1, sizeof *nd);
        if (!nd)
                return NULL;
        /* A view of a view keeps the owner, not a chain of views. */
        nd->base = par_value_retain(b && b->base ? b->base : base);
        nd->ndim = ndim;
        nd->dtype = b ? b->dtype : PAR_DTYPE_FLOAT64;
        nd->rows = rows;
        nd->cols = cols;
        nd->ptr = ptr;
        nd->data = nd->dtype == PAR_DTYPE_FLOAT64 ? ptr : NULL;
        nd->rs = rs;
        nd->cs = cs;
        return par__nd_finish(nd);
}

par_value *par__nd_view(par_value *base, int ndim, int64_t rows, int64_t cols,
                        double *data, int64_t rs, int64_t cs)
{
        return par__nd_view_t(base, ndim, rows, cols, data, rs, cs);
}

bool par_value_is_ndarray(const par_value *v)
{
        return par__nd_of(v) != NULL;
}

int par_ndarray_ndim(const par_value *v)
{
        const par__nd *nd = par__nd_of(v);
        return nd ? nd->ndim : -1;
}

par_dtype par_ndarray_dtype(const par_value *v)
{
        const par__nd *nd = par__nd_of(v);
        return nd ? nd->dtype : PAR_DTYPE_NONE;
}

int64_t par_ndarray_rows(const par_value *v)
{
        const par__nd *nd = par__nd_of(v);
        return nd ? nd->rows : 0;
}

int64_t par_ndarray_cols(const par_value *v)
{
        const par__nd *nd = par__nd_of(v);
        return nd ? nd->cols : 0;
}

const double *par_ndarray_data(const par_value *v)
{
        const par__nd *nd = par__nd_of(v);
        return nd ? nd->data : NULL;
}

const void *par_ndarray_raw(const par_value *v)
{
        const par__nd *nd = par__nd_of(v);
        return nd ? nd->ptr : NULL;
}

int64_t par_ndarray_row_stride(const par_value *v)
{
        const par__nd *nd = par__nd_of(v);
        return nd ? nd->rs : 0;
}

int64_t par_ndarray_col_stride(const par_value *v)
{
        const par__nd *nd = par__nd_of(v);
        return nd ? nd->cs : 0;
}

double par_ndarray_get(const par_value *v, int64_t i, int64_t j)
{
        const par__nd *nd = par__nd_of(v);
        if (!nd || i < 0 || j < 0 || i >= nd->rows || j >= nd->cols)
                return NAN;
        return par__nd_getd(nd, i, j);
}

int par_ndarray_copy(const par_value *v, par_layout layout, double *dst,
                     par_error *err)
{
        const par__nd *nd = par__nd_of(v);
        if (!nd || (!dst && nd->rows && nd->cols))
                return par__errorf(err, PAR_EINVAL,
                                   "par_ndarray_copy: an ndarray value and a "
                                   "buffer are required");
        for (int64_t j = 0; j < nd->cols; j++)
                for (int64_t i = 0; i < nd->rows; i++)
                        dst[layout == PAR_COL_MAJOR ? j * nd->rows + i : i * nd->cols + j] =
                                par__nd_getd(nd, i, j);
        return 0;
}

int par_ndarray_copy_raw(const par_value *v, par_layout layout, void *dst,
                         par_error *err)
{
        const par__nd *nd = par__nd_of(v);
        if (!nd || (!dst && nd->rows && nd->cols))
                return par__errorf(err, PAR_EINVAL,
                                   "par_ndarray_copy_raw: an ndarray value and a "
                                   "buffer are required");
        size_t es = par__dtype_size(nd->dtype);
        for (int64_t j = 0; j < nd->cols; j++)
                for (int64_t i = 0; i < nd->rows; i++) {
                        int64_t at = layout == PAR_COL_MAJOR ? j * nd->rows + i
                                                             : i * nd->cols + j;
                        memcpy((char *)dst + (size_t)at * es,
                               (const char *)nd->ptr +
                                       (ptrdiff_t)(i * nd->rs + j * nd->cs) * (ptrdiff_t)es,
                               es);
                }
        return 0;
}

/* Fills a contiguous chunk from rows [r0, r0 + nd->rows) and columns
 * [c0, c0 + nd->cols) of a caller buffer of total_rows x total_cols of
 * the chunk's dtype. Bools are normalized to 0/1. */
static void fill_from(par__nd *nd, const void *data, int64_t total_rows,
                      int64_t total_cols, par_layout layout, int64_t r0, int64_t c0)
{
        size_t es = par__dtype_size(nd->dtype);
        const char *src = data;
        for (int64_t j = 0; j < nd->cols; j++) {
                char *d = (char *)nd->ptr + (size_t)(j * nd->rows) * es;
                if (layout == PAR_COL_MAJOR)
                        memcpy(d, src + (size_t)((c0 + j) * total_rows + r0) * es,
                               (size_t)nd->rows * es);
                else
                        for (int64_t i = 0; i < nd->rows; i++)
                                memcpy(d + (size_t)i * es,
                                       src + (size_t)((r0 + i) * total_cols + c0 + j) * es,
                                       es);
        }
        if (nd->dtype == PAR_DTYPE_BOOL) {
                uint8_t *b = nd->ptr;
                for (int64_t k = 0; k < nd->rows * nd->cols; k++)
                        b[k] = b[k] != 0;
        }
}

par_value *par_ndarray_from_buffer(const double *data, int64_t rows, int64_t cols,
                                   par_layout layout)
{
        return par_ndarray_from_typed(data, PAR_DTYPE_FLOAT64, rows, cols, layout);
}

par_value *par_ndarray_from_typed(const void *data, par_dtype dtype, int64_t rows,
                                  int64_t cols, par_layout layout)
{
        if (rows < 0 || cols < 0 || (!data && rows && cols))
                return NULL;
        par__nd *nd = par__nd_alloc_t(2, rows, cols, dtype);
        if (!nd)
                return NULL;
        if (rows && cols)
                fill_from(nd, data, rows, cols, layout, 0, 0);
        return par__nd_finish(nd);
}

/* ---- the array object ---------------------------------------------------------- */

void par__array_token(const char *prefix, uint64_t h, char *buf, size_t size)
{
        h = par__hash_bytes(prefix, strlen(prefix), par__hash_mix(h ^ 0x617272u));
        snprintf(buf, size, "%s-%016" PRIx64, prefix, h);
}

int par__array_new_grid(par_graph *g, const char *name, int ndim, int64_t nrb,
                        const int64_t *chunk_rows, int64_t ncb,
                        const int64_t *chunk_cols, size_t nparents,
                        par__layer *const *parents, par_array **out, par_error *err)
{
        *out = NULL;
        if (ndim != 2) {
                static const int64_t one = 1;
                ncb = 1;
                chunk_cols = &one;
        }
        if (nrb < 1 || ncb < 1) {
                par_graph_free(g);
                return par__errorf(err, PAR_EINVAL, "an array needs at least one chunk");
        }
        par_array *a = par__calloc(1, sizeof *a);
        if (!a) {
                par_graph_free(g);
                return PAR__ENOMEM(err, "making an array");
        }
        atomic_init(&a->refs, 1);
        a->layer = par__layer_new(g, nparents, parents); /* takes g */
        a->name = par__strdup(name);
        a->chunk_rows = par__malloc((size_t)nrb * sizeof *a->chunk_rows);
        a->chunk_cols = par__malloc((size_t)ncb * sizeof *a->chunk_cols);
        if (!a->layer || !a->name || !a->chunk_rows || !a->chunk_cols) {
                par_array_release(a);
                return PAR__ENOMEM(err, "making an array");
        }
        a->ndim = ndim;
        a->dtype = PAR_DTYPE_FLOAT64;
        a->nchunks = nrb;
        a->ncb = ncb;
        a->rows = 0;
        for (int64_t i = 0; i < nrb; i++) {
                a->chunk_rows[i] = chunk_rows[i];
                if (chunk_rows[i] < 0 || a->rows < 0)
                        a->rows = -1;
                else
                        a->rows += chunk_rows[i];
        }
        a->cols = 0;
        for (int64_t j = 0; j < ncb; j++)
                a->cols += a->chunk_cols[j] = chunk_cols[j];
        *out = a;
        return 0;
}

int par__array_new(par_graph *g, const char *name, int ndim, int64_t cols,
                   int64_t nchunks, const int64_t *chunk_rows, size_t nparents,
                   par__layer *const *parents, par_array **out, par_error *err)
{
        return par__array_new_grid(g, name, ndim, nchunks, chunk_rows, 1, &cols,
                                   nparents, parents, out, err);
}

int par__chunk_spec_resolve(const char *what, int axis, const par_chunk_spec *s,
                            int64_t total, bool keep, int64_t *n, int64_t **lens,
                            par_error *err)
{
        *n = 0;
        *lens = NULL;
        const char *ax = axis == 0 ? "rows" : "columns";
        if (!s)
                return par__errorf(err, PAR_EINVAL, "%s: no chunk spec for the %s",
                                   what, ax);
        if (!s->lens && s->size == 0 && keep)
                return 0;
        if (s->lens) {
                if (s->n < 1)
                        return par__errorf(err, PAR_EINVAL,
                                           "%s: %" PRId64 " chunk lengths for the %s; "
                                           "expected at least 1",
                                           what, s->n, ax);
                int64_t sum = 0;
                for (int64_t i = 0; i < s->n; i++) {
                        if (s->lens[i] < 0)
                                return par__errorf(err, PAR_EINVAL,
                                                   "%s: chunk %" PRId64 " of the %s has "
                                                   "length %" PRId64 "; expected at least 0",
                                                   what, i, ax, s->lens[i]);
                        if (s->lens[i] > INT64_MAX - sum)
                                return par__errorf(err, PAR_EINVAL,
                                                   "%s: the %s' chunk lengths overflow",
                                                   what, ax);
                        sum += s->lens[i];
                }
                if (total < 0)
                        return par__errorf(err, PAR_EINVAL,
                                           "%s: the %s' lengths are unknown, so they "
                                           "cannot be rechunked; make the array with "
                                           "lengths=true (or persist it) first",
                                           what, ax);
                if (sum != total)
                        return par__errorf(err, PAR_EINVAL,
                                           "%s: %" PRId64 " chunks of %" PRId64 " %s in "
                                           "all; the array has %" PRId64 " %s",
                                           what, s->n, sum, ax, total, ax);
                *lens = par__malloc((size_t)s->n * sizeof **lens);
                if (!*lens)
                        return PAR__ENOMEM(err, what);
                memcpy(*lens, s->lens, (size_t)s->n * sizeof **lens);
                *n = s->n;
                return 0;
        }
        if (s->size < 1 && s->size != PAR_CHUNK_WHOLE)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: chunk size %" PRId64 " for the %s; expected at "
                                   "least 1, or PAR_CHUNK_WHOLE (-1)%s",
                                   what, s->size, ax, keep ? ", or 0 to keep them" : "");
        if (total < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: the %s' lengths are unknown, so they cannot be "
                                   "rechunked; make the array with lengths=true (or "
                                   "persist it) first",
                                   what, ax);
        int64_t size = s->size == PAR_CHUNK_WHOLE || s->size > total ? total : s->size;
        int64_t nb = size > 0 ? (total + size - 1) / size : 1;
        *lens = par__malloc((size_t)nb * sizeof **lens);
        if (!*lens)
                return PAR__ENOMEM(err, what);
        for (int64_t i = 0; i < nb; i++)
                (*lens)[i] = total - i * size < size ? total - i * size : size;
        if (total == 0)
                (*lens)[0] = 0;
        *n = nb;
        return 0;
}

par_array *par_array_retain(par_array *a)
{
        if (a)
                atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
        return a;
}

void par_array_release(par_array *a)
{
        if (!a || atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) != 1)
                return;
        par__layer_release(a->layer);
        par__ew_free(a->ew);
        par__free(a->name);
        par__free(a->chunk_rows);
        par__free(a->chunk_cols);
        par__free(a);
}

int par_array_shape(const par_array *a, int64_t *shape)
{
        if (!a)
                return -1;
        if (shape && a->ndim >= 1)
                shape[0] = a->rows;
        if (shape && a->ndim == 2)
                shape[1] = a->cols;
        return a->ndim;
}

int64_t par_array_nchunks(const par_array *a)
{
        return a ? a->nchunks * a->ncb : 0;
}

const int64_t *par_array_chunks(const par_array *a, int axis, int64_t *n)
{
        if (n)
                *n = 0;
        if (!a || a->ndim == 0)
                return NULL;
        if (axis < 0)
                axis += a->ndim;
        if (axis == 0) {
                if (n)
                        *n = a->nchunks;
                return a->chunk_rows;
        }
        if (axis == 1 && a->ndim == 2) {
                if (n)
                        *n = a->ncb;
                return a->chunk_cols;
        }
        return NULL;
}

int64_t par_array_numblocks(const par_array *a, int axis)
{
        int64_t n = 0;
        par_array_chunks(a, axis, &n);
        return n;
}

const int64_t *par_array_chunk_rows(const par_array *a)
{
        return a ? a->chunk_rows : NULL;
}

const char *par_array_name(const par_array *a)
{
        return a ? a->name : NULL;
}

/* Grows *v (starting as the caller's array `local`) to hold `need`. */
static bool grow_stack(const par__layer ***v, const par__layer **local, size_t *cap,
                       size_t need)
{
        if (need <= *cap)
                return true;
        size_t ncap = *cap * 2 > need ? *cap * 2 : need;
        const par__layer **p = par__malloc(ncap * sizeof *p);
        if (!p)
                return false;
        memcpy(p, *v, *cap * sizeof *p);
        if (*v != local)
                par__free((void *)*v);
        *v = p;
        *cap = ncap;
        return true;
}

int64_t par_array_ntasks(const par_array *a)
{
        if (!a)
                return 0;
        /* Each distinct layer once, as par__layer_to_graph walks them; on
         * the stack up to 256 layers, so the summary needs no memory. */
        const par__layer *seen0[256], *stack0[256];
        const par__layer **seen = seen0, **stack = stack0;
        size_t nseen = 0, seencap = 256, n = 0, cap = 256;
        int64_t total = 0;
        stack[n++] = a->layer;
        while (n) {
                const par__layer *l = stack[--n];
                bool done = false;
                for (size_t i = 0; i < nseen && !done; i++)
                        done = seen[i] == l;
                if (done)
                        continue;
                if (!grow_stack(&seen, seen0, &seencap, nseen + 1) ||
                    !grow_stack(&stack, stack0, &cap, n + l->ndeps)) {
                        total = -1;
                        break;
                }
                seen[nseen++] = l;
                total += (int64_t)par_graph_size(l->graph);
                for (size_t i = 0; i < l->ndeps; i++)
                        stack[n++] = l->deps[i];
        }
        if (seen != seen0)
                par__free(seen);
        if (stack != stack0)
                par__free(stack);
        return total;
}

int par_array_chunk(const par_array *a, int64_t i, par_delayed **out,
                    par_error *err)
{
        if (!a || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "par_array_chunk: array and out are required");
        *out = NULL;
        if (i < 0 || i >= a->nchunks * a->ncb)
                return par__errorf(err, PAR_ERANGE,
                                   "par_array_chunk: chunk %" PRId64
                                   " of an array of %" PRId64 " chunks",
                                   i, a->nchunks * a->ncb);
        return par__delayed_from_layer(a->layer, a->name, i, out, err);
}

int par_array_block(const par_array *a, int64_t i, int64_t j, par_delayed **out,
                    par_error *err)
{
        if (!a || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "par_array_block: array and out are required");
        *out = NULL;
        if (i < 0 || i >= a->nchunks || j < 0 || j >= a->ncb)
                return par__errorf(err, PAR_ERANGE,
                                   "par_array_block: block (%" PRId64 ", %" PRId64
                                   ") of a grid of %" PRId64 " x %" PRId64 " blocks",
                                   i, j, a->nchunks, a->ncb);
        return par__delayed_from_layer(a->layer, a->name, i * a->ncb + j, out, err);
}

/* ---- from buffers -------------------------------------------------------------------- */

static int check_buffer(const char *what, const void *data, par_dtype dtype,
                        int64_t rows, int64_t cols, par_layout layout,
                        par_array **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "%s: out is NULL", what);
        *out = NULL;
        if (!par__array_dtype_ok(dtype))
                return par__errorf(err, PAR_EINVAL,
                                   "%s: dtype %d is not an array dtype (float64, "
                                   "float32, int64 or bool)",
                                   what, (int)dtype);
        if (rows < 0 || cols < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: shape (%" PRId64 ", %" PRId64
                                   ") is negative",
                                   what, rows, cols);
        if (!data && rows && cols)
                return par__errorf(err, PAR_EINVAL, "%s: data is NULL", what);
        if (layout != PAR_ROW_MAJOR && layout != PAR_COL_MAJOR)
                return par__errorf(err, PAR_EINVAL, "%s: unknown layout %d", what,
                                   (int)layout);
        if (cols && (uint64_t)rows > (uint64_t)INT64_MAX / 8 / (uint64_t)cols)
                return par__errorf(err, PAR_EINVAL, "%s: the array is too large",
                                   what);
        return 0;
}

/* The grid of nr x nc blocks (row lengths rl, column lengths cl) copied
 * from the buffer, one identity task per block. h: the spec's hash. */
static int from_buffer_grid(const char *what, const void *data, par_dtype dtype,
                            int ndim, int64_t rows, int64_t cols, par_layout layout,
                            int64_t nr, const int64_t *rl, int64_t nc,
                            const int64_t *cl, uint64_t h, par_array **out,
                            par_error *err)
{
        par_graph *g = par_graph_new();
        int rc = g ? 0 : PAR__ENOMEM(err, what);
        h = par__hash_mix(h ^ par__hash_mix((uint64_t)rows * 31u + (uint64_t)cols));
        h = par__hash_mix(h ^ ((uint64_t)ndim << 60) ^ ((uint64_t)layout << 56) ^
                          ((uint64_t)dtype << 48));
        if (rc == 0 && rows && cols)
                h = par__hash_bytes(data,
                                    (size_t)rows * (size_t)cols * par__dtype_size(dtype), h);
        char name[128];
        par__array_token("array", h, name, sizeof name);
        for (int64_t i = 0, r0 = 0; i < nr && rc == 0; r0 += rl[i++]) {
                for (int64_t j = 0, c0 = 0; j < nc && rc == 0; c0 += cl[j++]) {
                        par__nd *nd = par__nd_alloc_t(ndim, rl[i], cl[j], dtype);
                        if (!nd) {
                                rc = PAR__ENOMEM(err, what);
                                break;
                        }
                        if (rl[i] && cl[j])
                                fill_from(nd, data, rows, cols, layout, r0, c0);
                        par_value *v = par__nd_finish(nd);
                        if (!v) {
                                rc = PAR__ENOMEM(err, what);
                                break;
                        }
                        rc = par_graph_add(g, par_key_make(name, i * nc + j),
                                           "par.identity", 1,
                                           (par_arg[]){par_arg_value(v)}, err);
                        par_value_release(v);
                }
        }
        if (rc == 0) {
                rc = par__array_new_grid(g, name, ndim, nr, rl, nc, cl, 0, NULL, out,
                                         err);
                g = NULL;
                if (rc == 0)
                        (*out)->dtype = dtype;
        }
        par_graph_free(g);
        return rc;
}

static int from_buffer(const char *what, const void *data, par_dtype dtype, int ndim,
                       int64_t rows, int64_t cols, par_layout layout,
                       int64_t chunk_rows, par_array **out, par_error *err)
{
        int rc = check_buffer(what, data, dtype, rows, cols, layout, out, err);
        if (rc < 0)
                return rc;
        if (chunk_rows < 1)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: chunk_rows = %" PRId64
                                   "; expected at least 1",
                                   what, chunk_rows);
        int64_t nr = 0, *rl = NULL;
        rc = par__chunk_spec_resolve(what, 0, &(par_chunk_spec){chunk_rows, 0, NULL},
                                     rows, false, &nr, &rl, err);
        if (rc == 0)
                rc = from_buffer_grid(what, data, dtype, ndim, rows, cols, layout, nr, rl,
                                      1, &cols, (uint64_t)chunk_rows, out, err);
        par__free(rl);
        return rc;
}

int par_array_from_buffer_chunks(const double *data, int64_t rows, int64_t cols,
                                 par_layout layout, const par_chunk_spec chunks[2],
                                 par_array **out, par_error *err)
{
        const char *what = "par_array_from_buffer_chunks";
        int rc = check_buffer(what, data, PAR_DTYPE_FLOAT64, rows, cols, layout, out,
                              err);
        if (rc < 0)
                return rc;
        if (!chunks)
                return par__errorf(err, PAR_EINVAL, "%s: chunks is NULL", what);
        int64_t nr = 0, nc = 0, *rl = NULL, *cl = NULL;
        rc = par__chunk_spec_resolve(what, 0, &chunks[0], rows, false, &nr, &rl, err);
        if (rc == 0)
                rc = par__chunk_spec_resolve(what, 1, &chunks[1], cols, false, &nc, &cl,
                                             err);
        if (rc == 0) {
                uint64_t h = par__hash_bytes(rl, (size_t)nr * sizeof *rl, 0x6772u);
                h = par__hash_bytes(cl, (size_t)nc * sizeof *cl, h);
                rc = from_buffer_grid(what, data, PAR_DTYPE_FLOAT64, 2, rows, cols, layout,
                                      nr, rl, nc, cl, h, out, err);
        }
        par__free(rl);
        par__free(cl);
        return rc;
}

int par_array_from_buffer(const double *data, int64_t rows, int64_t cols,
                          int64_t chunk_rows, par_layout layout, par_array **out,
                          par_error *err)
{
        return from_buffer("par_array_from_buffer", data, PAR_DTYPE_FLOAT64, 2, rows,
                           cols, layout, chunk_rows, out, err);
}

int par_array_from_vector(const double *data, int64_t n, int64_t chunk_rows,
                          par_array **out, par_error *err)
{
        return from_buffer("par_array_from_vector", data, PAR_DTYPE_FLOAT64, 1, n, 1,
                           PAR_COL_MAJOR, chunk_rows, out, err);
}

int par_array_from_typed(const void *data, par_dtype dtype, int ndim,
                         const int64_t *shape, int64_t chunk_rows, par_layout layout,
                         par_array **out, par_error *err)
{
        if ((ndim != 1 && ndim != 2) || !shape) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL,
                                   "par_array_from_typed: ndim = %d; expected 1 or 2 "
                                   "(and a shape)",
                                   ndim);
        }
        return from_buffer("par_array_from_typed", data, dtype, ndim, shape[0],
                           ndim == 2 ? shape[1] : 1, ndim == 2 ? layout : PAR_COL_MAJOR,
                           chunk_rows, out, err);
}

par_dtype par_array_dtype(const par_array *a)
{
        return a ? a->dtype : PAR_DTYPE_NONE;
}

/* ---- from frames ------------------------------------------------------------------------ */

/* (table, ncols) -> a rows x ncols chunk; int64 and bool become float64,
 * nulls NaN. */
static int op_from_table(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        const par_value *t = args[0];
        int64_t want = par_value_int64_of(args[1]);
        if (!par_value_is_table(t))
                return par_task_fail(ctx, PAR_ETYPE,
                                     "to_array: partition %" PRId64
                                     " is not a table",
                                     par_task_key(ctx).index);
        size_t nc = par_table_ncols(t);
        if ((int64_t)nc != want)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "to_array: partition %" PRId64
                                     " has %zu columns; the frame has %" PRId64,
                                     par_task_key(ctx).index, nc, want);
        int64_t rows = par_table_length(t);
        par__nd *nd = par__nd_alloc(2, rows, (int64_t)nc);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "out of memory for a %" PRId64 " x %zu chunk",
                                     rows, nc);
        for (size_t j = 0; j < nc; j++) {
                const par_value *col = par_table_column(t, j);
                double *d = nd->data + (int64_t)j * rows;
                switch (par_column_dtype(col)) {
                case PAR_DTYPE_FLOAT64:
                        memcpy(d, par_column_float64(col), (size_t)rows * sizeof *d);
                        break;
                case PAR_DTYPE_INT64: {
                        const int64_t *v = par_column_int64(col);
                        for (int64_t i = 0; i < rows; i++)
                                d[i] = (double)v[i];
                        break;
                }
                case PAR_DTYPE_BOOL: {
                        const uint8_t *v = par_column_bool(col);
                        for (int64_t i = 0; i < rows; i++)
                                d[i] = v[i] ? 1.0 : 0.0;
                        break;
                }
                default:
                        par__nd_discard(nd);
                        return par_task_fail(ctx, PAR_ETYPE,
                                             "to_array: column '%s' of partition "
                                             "%" PRId64 " is %s; expected numbers",
                                             par_table_name(t, j),
                                             par_task_key(ctx).index,
                                             par_dtype_name(par_column_dtype(col)));
                }
                if (par_column_validity(col))
                        for (int64_t i = 0; i < rows; i++)
                                if (!par_column_is_valid(col, i))
                                        d[i] = NAN;
        }
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_nrows(par_task_ctx *ctx, size_t n, par_value *const *args,
                    par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        *out = par_value_int64(nd ? nd->rows : par__partition_length(args[0]));
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* The lengths of a frame's partitions, computed. */
static int frame_lengths(par_client *c, par_frame *f, int64_t *lens,
                         par_error *err)
{
        size_t np = (size_t)f->npartitions;
        char name[128];
        par__array_token("lengths", par__hash_bytes(f->name, strlen(f->name), 0),
                         name, sizeof name);
        par_graph *g = par_graph_new();
        par_key *keys = par__calloc(np, sizeof *keys);
        par_value **vals = par__calloc(np, sizeof *vals);
        int rc = g && keys && vals ? 0 : PAR__ENOMEM(err, "computing lengths");
        for (size_t i = 0; i < np && rc == 0; i++) {
                keys[i] = par_key_make(name, (int64_t)i);
                rc = par_graph_add(g, keys[i], "par.array.nrows", 1,
                                   (par_arg[]){par_arg_key(f->name, (int64_t)i)}, err);
        }
        par__layer *l = NULL;
        if (rc == 0) {
                l = par__layer_new(g, 1, &f->layer);
                g = NULL;
                if (!l)
                        rc = PAR__ENOMEM(err, "computing lengths");
        }
        if (rc == 0)
                rc = par__array_run(c, l, np, keys, vals, err);
        for (size_t i = 0; i < np && rc == 0; i++)
                lens[i] = par_value_int64_of(vals[i]);
        for (size_t i = 0; vals && i < np; i++)
                par_value_release(vals[i]);
        par__layer_release(l);
        par_graph_free(g);
        par__free(keys);
        par__free(vals);
        if (rc < 0)
                par__error_prefix(err, "to_array(lengths=true)");
        return rc;
}

int par_frame_to_array(par_client *c, par_frame *f, bool lengths, par_array **out,
                       par_error *err)
{
        if (!f || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "to_array: frame and out are required");
        *out = NULL;
        for (size_t j = 0; j < f->ncols; j++)
                if (f->dtypes[j] != PAR_DTYPE_FLOAT64 && f->dtypes[j] != PAR_DTYPE_INT64 &&
                    f->dtypes[j] != PAR_DTYPE_BOOL)
                        return par__errorf(err, PAR_ETYPE,
                                           "to_array: column '%s' is %s; an array "
                                           "holds numbers (select the numeric "
                                           "columns first)",
                                           f->names[j], par_dtype_name(f->dtypes[j]));
        if (lengths && !f->lengths && !c)
                return par__errorf(err, PAR_EINVAL,
                                   "to_array: lengths=true needs a client to "
                                   "compute the partition lengths");
        size_t np = (size_t)f->npartitions;
        int64_t *lens = par__malloc((np ? np : 1) * sizeof *lens);
        if (!lens)
                return PAR__ENOMEM(err, "to_array");
        int rc = 0;
        if (f->lengths)
                memcpy(lens, f->lengths, np * sizeof *lens);
        else if (lengths)
                rc = frame_lengths(c, f, lens, err);
        else
                for (size_t i = 0; i < np; i++)
                        lens[i] = -1;
        char name[128];
        par__array_token("to-array", par__hash_bytes(f->name, strlen(f->name), 0),
                         name, sizeof name);
        par_graph *g = rc == 0 ? par_graph_new() : NULL;
        if (rc == 0 && !g)
                rc = PAR__ENOMEM(err, "to_array");
        for (size_t i = 0; i < np && rc == 0; i++)
                rc = par_graph_add(g, par_key_make(name, (int64_t)i),
                                   "par.array.from_table", 2,
                                   (par_arg[]){par_arg_key(f->name, (int64_t)i),
                                               par_arg_int64((int64_t)f->ncols)},
                                   err);
        if (rc == 0) {
                rc = par__array_new(g, name, 2, (int64_t)f->ncols, (int64_t)np, lens, 1,
                                    &f->layer, out, err);
                g = NULL;
        }
        par_graph_free(g);
        par__free(lens);
        return rc;
}

/* ---- slicing ------------------------------------------------------------------------------ */

/* Python's slice.indices(n): the first index, the count and the step. */
static int slice_indices(int64_t n, int64_t start, int64_t stop, int64_t step,
                         int64_t *first, int64_t *count, int64_t *stp,
                         const char *what, par_error *err)
{
        if (step == PAR_NONE)
                step = 1;
        if (step == 0)
                return par__errorf(err, PAR_EINVAL, "slice: the %s step is 0",
                                   what);
        if (start == PAR_NONE) {
                start = step < 0 ? n - 1 : 0;
        } else if (start < 0) {
                start += n;
                if (start < 0)
                        start = step < 0 ? -1 : 0;
        } else if (start >= n) {
                start = step < 0 ? n - 1 : n;
        }
        if (stop == PAR_NONE) {
                stop = step < 0 ? -1 : n;
        } else if (stop < 0) {
                stop += n;
                if (stop < 0)
                        stop = step < 0 ? -1 : 0;
        } else if (stop >= n) {
                stop = step < 0 ? n - 1 : n;
        }
        int64_t cnt = 0;
        if (step < 0) {
                if (stop < start)
                        cnt = (start - stop - 1) / (-step) + 1;
        } else if (start < stop) {
                cnt = (stop - start - 1) / step + 1;
        }
        *first = start;
        *count = cnt;
        *stp = step;
        return 0;
}

/* (chunk, r0, rcount, rstep, c0, ccount, cstep, ndim) -> a view. rcount -1:
 * every row. */
static int op_getitem(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        if (!nd)
                return par_task_fail(ctx, PAR_ETYPE, "getitem: the chunk is not an "
                                                     "ndarray");
        int64_t v[7];
        for (int i = 0; i < 7; i++)
                v[i] = par_value_int64_of(args[i + 1]);
        int64_t r0 = v[0], rc = v[1], rs = v[2], c0 = v[3], cc = v[4], cs = v[5];
        if (rc < 0) {
                r0 = 0;
                rc = nd->rows;
                rs = 1;
        }
        if (rc > 0 && (r0 < 0 || r0 >= nd->rows || r0 + (rc - 1) * rs < 0 ||
                       r0 + (rc - 1) * rs >= nd->rows))
                return par_task_fail(ctx, PAR_ERANGE,
                                     "getitem: chunk %" PRId64 " has %" PRId64
                                     " rows; the slice needs rows %" PRId64
                                     "..%" PRId64,
                                     par_task_key(ctx).index, nd->rows, r0,
                                     r0 + (rc - 1) * rs);
        if (cc > 0 && (c0 < 0 || c0 >= nd->cols || c0 + (cc - 1) * cs < 0 ||
                       c0 + (cc - 1) * cs >= nd->cols))
                return par_task_fail(ctx, PAR_ERANGE,
                                     "getitem: chunk %" PRId64 " has %" PRId64
                                     " columns",
                                     par_task_key(ctx).index, nd->cols);
        char *p = nd->ptr;
        if (rc > 0 && cc > 0)
                p += (ptrdiff_t)(r0 * nd->rs + c0 * nd->cs) *
                     (ptrdiff_t)par__dtype_size(nd->dtype);
        *out = par__nd_view_t(args[0], (int)v[6], rc, cc, p, nd->rs * rs, nd->cs * cs);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

typedef struct seg {
        int64_t chunk, r0, count;
} seg;

/* The chunk holding row idx: the largest k with off[k] <= idx. */
static int64_t chunk_of(const int64_t *off, int64_t nc, int64_t idx)
{
        int64_t lo = 0, hi = nc - 1;
        while (lo < hi) {
                int64_t mid = lo + (hi - lo + 1) / 2;
                if (off[mid] <= idx)
                        lo = mid;
                else
                        hi = mid - 1;
        }
        return lo;
}

/* The pieces of blocks (lengths len[0..nb)) that the selection first,
 * first + step, ... (count indices) walks through, in order: per piece the
 * block, the first index within it and how many. An empty selection gives
 * one empty piece of block 0. *out is the caller's to free. */
static int segments(const int64_t *len, int64_t nb, int64_t first, int64_t count,
                    int64_t step, seg **out, size_t *nout, par_error *err)
{
        seg *segs = NULL;
        size_t nseg = 0, segcap = 0;
        int64_t *off = par__malloc((size_t)(nb + 1) * sizeof *off);
        if (!off)
                return PAR__ENOMEM(err, "slicing");
        off[0] = 0;
        for (int64_t k = 0; k < nb; k++)
                off[k + 1] = off[k] + len[k];
        for (int64_t t = 0; t < count;) {
                int64_t idx = first + t * step;
                int64_t k = chunk_of(off, nb, idx);
                /* Skip empty blocks: the last block starting at or before idx. */
                int64_t m = step > 0 ? (off[k + 1] - idx + step - 1) / step
                                     : (idx - off[k]) / (-step) + 1;
                if (m > count - t)
                        m = count - t;
                if (par__grow((void **)&segs, &segcap, nseg + 1, sizeof *segs) < 0) {
                        par__free(off);
                        par__free(segs);
                        return PAR__ENOMEM(err, "slicing");
                }
                segs[nseg++] = (seg){k, idx - off[k], m};
                t += m;
        }
        par__free(off);
        if (nseg == 0) {
                if (par__grow((void **)&segs, &segcap, 1, sizeof *segs) < 0)
                        return PAR__ENOMEM(err, "slicing");
                segs[nseg++] = (seg){0, 0, 0};
        }
        *out = segs;
        *nout = nseg;
        return 0;
}

int par_array_slice(par_array *a, int64_t row_start, int64_t row_stop,
                    int64_t row_step, int64_t col_start, int64_t col_stop,
                    int64_t col_step, par_array **out, par_error *err)
{
        if (!a || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "slice: array and out are required");
        *out = NULL;
        if (a->ndim == 0)
                return par__errorf(err, PAR_EINVAL, "slice: a 0-d array has no rows "
                                                    "to slice");
        if (a->ndim == 1 &&
            (col_start != PAR_NONE || col_stop != PAR_NONE || col_step != PAR_NONE))
                return par__errorf(err, PAR_EINVAL,
                                   "slice: the array is 1-d; pass PAR_NONE for the "
                                   "column slice");
        int64_t c0 = 0, cc = 1, cs = 1;
        int rc = 0;
        if (a->ndim == 2)
                rc = slice_indices(a->cols, col_start, col_stop, col_step, &c0, &cc, &cs,
                                   "column", err);
        if (rc < 0)
                return rc;
        bool all_cols = a->ndim == 1 || (c0 == 0 && cc == a->cols && cs == 1);
        bool whole = (row_start == PAR_NONE || row_start == 0) && row_stop == PAR_NONE &&
                     (row_step == PAR_NONE || row_step == 1);
        int64_t r0 = 0, rcount = 0, rstep = 1;
        if (!whole) {
                if (a->rows < 0)
                        return par__errorf(err, PAR_EINVAL,
                                           "slice: the array's chunk lengths are "
                                           "unknown, so its rows cannot be sliced; "
                                           "make it with lengths=true (or persist "
                                           "it) first");
                rc = slice_indices(a->rows, row_start, row_stop, row_step, &r0, &rcount,
                                   &rstep, "row", err);
                if (rc < 0)
                        return rc;
                whole = r0 == 0 && rcount == a->rows && rstep == 1;
        }
        if (whole && all_cols)
                return (*out = par_array_retain(a)), 0;

        /* The output grid: a row block per input row block the rows touch,
         * a column block per input column block the columns touch. */
        seg *rsegs = NULL, *csegs = NULL;
        size_t nrs = 0, ncs = 0;
        if (whole) {
                rsegs = par__malloc((size_t)a->nchunks * sizeof *rsegs);
                if (!rsegs)
                        return PAR__ENOMEM(err, "slicing");
                for (int64_t k = 0; k < a->nchunks; k++)
                        rsegs[nrs++] = (seg){k, 0, -1};
        } else {
                rc = segments(a->chunk_rows, a->nchunks, r0, rcount, rstep, &rsegs, &nrs,
                              err);
                if (rc < 0)
                        return rc;
        }
        rc = segments(a->chunk_cols, a->ncb, c0, cc, cs, &csegs, &ncs, err);
        if (rc < 0) {
                par__free(rsegs);
                return rc;
        }
        int64_t key[9] = {row_start, row_stop, row_step, col_start, col_stop, col_step,
                          r0, rcount, rstep};
        uint64_t h = par__hash_bytes(key, sizeof key,
                                     par__hash_bytes(a->name, strlen(a->name), 0));
        char name[128];
        par__array_token("getitem", h, name, sizeof name);
        int64_t *lens = par__malloc(nrs * sizeof *lens);
        int64_t *clens = par__malloc(ncs * sizeof *clens);
        par_graph *g = par_graph_new();
        rc = lens && clens && g ? 0 : PAR__ENOMEM(err, "slicing");
        for (size_t j = 0; j < ncs && rc == 0; j++)
                clens[j] = csegs[j].count;
        for (size_t i = 0; i < nrs && rc == 0; i++) {
                const seg *s = &rsegs[i];
                lens[i] = s->count < 0 ? a->chunk_rows[s->chunk] : s->count;
                for (size_t j = 0; j < ncs && rc == 0; j++) {
                        const seg *t = &csegs[j];
                        par_arg args[8] = {par_arg_key(a->name, s->chunk * a->ncb + t->chunk),
                                           par_arg_int64(s->r0),
                                           par_arg_int64(s->count),
                                           par_arg_int64(rstep),
                                           par_arg_int64(t->r0),
                                           par_arg_int64(t->count),
                                           par_arg_int64(cs),
                                           par_arg_int64(a->ndim)};
                        rc = par_graph_add(g, par_key_make(name, (int64_t)(i * ncs + j)),
                                           "par.array.getitem", 8, args, err);
                }
        }
        if (rc == 0) {
                rc = par__array_new_grid(g, name, a->ndim, (int64_t)nrs, lens,
                                         (int64_t)ncs, clens, 1, &a->layer, out, err);
                g = NULL;
                if (rc == 0)
                        (*out)->dtype = a->dtype;
        }
        par_graph_free(g);
        par__free(lens);
        par__free(clens);
        par__free(rsegs);
        par__free(csegs);
        return rc;
}

/* ---- the summary ---------------------------------------------------------------------------- */

/* Dask's format_bytes: powers of 1000, two decimals. */
static void format_bytes(double n, char *buf, size_t size)
{
        static const struct {
                double at;
                const char *unit;
        } units[] = {{1e15, "PB"}, {1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}};
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
                if (n > units[i].at) {
                        snprintf(buf, size, "%.2f %s", n / units[i].at, units[i].unit);
                        return;
                }
        snprintf(buf, size, "%.0f B", n);
}

int par_array_format(const par_array *a, char *buf, size_t size)
{
        if (size)
                buf[0] = '\0';
        if (!a)
                return 0;
        char bytes[64], shape[80], chunk[80];
        if (a->rows < 0)
                snprintf(bytes, sizeof bytes, "unknown");
        else
                format_bytes((double)a->rows * (double)a->cols *
                                     (double)par__dtype_size(a->dtype),
                             bytes, sizeof bytes);
        int64_t big = 0;
        for (int64_t i = 0; i < a->nchunks; i++) {
                if (a->chunk_rows[i] < 0) {
                        big = -1;
                        break;
                }
                if (a->chunk_rows[i] > big)
                        big = a->chunk_rows[i];
        }
        int64_t wide = 0;
        for (int64_t j = 0; j < a->ncb; j++)
                if (a->chunk_cols[j] > wide)
                        wide = a->chunk_cols[j];
        shape_text(a->ndim, a->rows, a->cols, shape, sizeof shape);
        shape_text(a->ndim, big, wide, chunk, sizeof chunk);
        char grid[64] = "";
        if (a->ncb > 1)
                snprintf(grid, sizeof grid, " (%" PRId64 " x %" PRId64 ")", a->nchunks,
                         a->ncb);
        return snprintf(buf, size,
                        "Bytes %s  Shape %s  Chunk %s  %" PRId64 " Tasks  %" PRId64
                        " Chunks%s  %s",
                        bytes, shape, chunk, par_array_ntasks(a), a->nchunks * a->ncb,
                        grid, par_dtype_name(a->dtype));
}

/* ---- computing ------------------------------------------------------------------------------ */

int par__array_run(par_client *c, const par__layer *layer, size_t nkeys,
                   const par_key *keys, par_value **out, par_error *err)
{
        par_graph *g = par_graph_new();
        if (!g)
                return PAR__ENOMEM(err, "building a graph");
        int rc = par__layer_to_graph(layer, g, err);
        if (rc == 0)
                rc = par__client_run(c, g, nkeys, keys, out, err);
        par_graph_free(g);
        return rc;
}

int par__array_tree(par_graph *g, const char *prefix, uint64_t token,
                    const char *part, int64_t n, const char *combine_op,
                    size_t ncargs, const par_arg *cargs, int split_every,
                    char *final, par_error *err)
{
        if (split_every == 0)
                split_every = 8;
        if (split_every < 2)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: split_every = %d; expected at least 2", prefix,
                                   split_every);
        par_arg *a = par__malloc((ncargs + (size_t)split_every) * sizeof *a);
        if (!a)
                return PAR__ENOMEM(err, "building a reduction");
        for (size_t i = 0; i < ncargs; i++)
                a[i] = cargs[i];
        char cur[128], next[128], pfx[64];
        snprintf(cur, sizeof cur, "%s", part);
        int64_t ncur = n;
        int rc = 0;
        for (int level = 0; rc == 0 && (level == 0 || ncur > 1); level++) {
                int64_t nnext = (ncur + split_every - 1) / split_every;
                bool last = nnext == 1;
                if (last) {
                        par__array_token(prefix, token, next, sizeof next);
                } else {
                        snprintf(pfx, sizeof pfx, "%s-agg", prefix);
                        par__array_token(pfx, par__hash_mix(token ^ (uint64_t)(level + 1)),
                                         next, sizeof next);
                }
                for (int64_t j = 0; j < nnext && rc == 0; j++) {
                        size_t k = ncargs;
                        for (int64_t i = j * split_every; i < ncur && i < (j + 1) * split_every;
                             i++)
                                a[k++] = par_arg_key(cur, i);
                        rc = par_graph_add(g, par_key_make(next, last ? PAR_NO_INDEX : j),
                                           combine_op, k, a, err);
                }
                memcpy(cur, next, sizeof cur);
                ncur = nnext;
        }
        par__free(a);
        if (rc == 0)
                memcpy(final, cur, 128);
        return rc;
}

/* Computes every block of a (row-major over the grid) into vals and
 * checks each against the grid. */
static int compute_chunks(par_client *c, par_array *a, par_value **vals,
                          par_error *err)
{
        int64_t nb = a->nchunks * a->ncb;
        par_key *keys = par__malloc((size_t)nb * sizeof *keys);
        if (!keys)
                return PAR__ENOMEM(err, "computing an array");
        for (int64_t i = 0; i < nb; i++)
                keys[i] = par_key_make(a->name, i);
        int rc = par__array_run(c, a->layer, (size_t)nb, keys, vals, err);
        par__free(keys);
        for (int64_t i = 0; i < nb && rc == 0; i++) {
                const par__nd *nd = par__nd_of(vals[i]);
                int64_t rows = nd ? nd->rows : -1;
                bool remote = par__remote_rows(vals[i], &rows);
                int64_t want = a->chunk_rows[i / a->ncb];
                /* Blocks of one row block agree on their rows even when
                 * the lengths were unknown. */
                if (want < 0 && i % a->ncb) {
                        const par__nd *first = par__nd_of(vals[i - i % a->ncb]);
                        want = first ? first->rows : -1;
                        if (!first)
                                par__remote_rows(vals[i - i % a->ncb], &want);
                }
                if ((!nd && !remote) || (nd && nd->cols != a->chunk_cols[i % a->ncb]) ||
                    (nd && nd->dtype != a->dtype) || (want >= 0 && rows != want)) {
                        char k[160];
                        par_key_format(par_key_make(a->name, i), k, sizeof k);
                        rc = par__errorf(err, PAR_EINVAL,
                                         "compute: chunk %s is not a %" PRId64
                                         "-row, %" PRId64 "-column %s ndarray",
                                         k, want, a->chunk_cols[i % a->ncb],
                                         par_dtype_name(a->dtype));
                }
        }
        if (rc < 0)
                for (int64_t i = 0; i < nb; i++) {
                        par_value_release(vals[i]);
                        vals[i] = NULL;
                }
        return rc;
}

/* Copies s (strided) into d, a column-major buffer whose columns are
 * d->rows elements apart, starting at d->ptr. */
static void copy_rows_into(const par__nd *s, const par__nd *d)
{
        size_t es = par__dtype_size(s->dtype);
        for (int64_t j = 0; j < s->cols; j++) {
                const char *p = (const char *)s->ptr + (ptrdiff_t)(j * s->cs) * (ptrdiff_t)es;
                char *q = (char *)d->ptr + (size_t)(j * d->rows) * es;
                if (s->rs == 1)
                        memcpy(q, p, (size_t)s->rows * es);
                else
                        for (int64_t r = 0; r < s->rows; r++)
                                memcpy(q + (size_t)r * es,
                                       p + (ptrdiff_t)(r * s->rs) * (ptrdiff_t)es, es);
        }
}

int par_array_compute(par_client *c, par_array *a, par_value **out, par_error *err)
{
        if (!c || !a || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "compute: client, array and out are required");
        *out = NULL;
        int64_t nb = a->nchunks * a->ncb;
        par_value **vals = par__calloc((size_t)nb, sizeof *vals);
        if (!vals)
                return PAR__ENOMEM(err, "computing an array");
        int rc = compute_chunks(c, a, vals, err);
        if (rc == 0) {
                const par__nd *first = par__nd_of(vals[0]);
                if (nb == 1 && first->ndim == a->ndim && first->rs == 1 &&
                    (first->cs == first->rows || first->cols <= 1)) {
                        *out = par_value_retain(vals[0]);
                } else {
                        int64_t rows = 0;
                        for (int64_t i = 0; i < a->nchunks; i++)
                                rows += par__nd_of(vals[i * a->ncb])->rows;
                        par__nd *nd = par__nd_alloc_t(a->ndim, rows, a->cols, a->dtype);
                        if (nd) {
                                /* Block (i, j) goes to rows at.., columns c0... */
                                int64_t at = 0;
                                size_t es = par__dtype_size(a->dtype);
                                for (int64_t i = 0; i < a->nchunks; i++) {
                                        int64_t c0 = 0;
                                        for (int64_t b = 0; b < a->ncb; b++) {
                                                /* block (i, b) as rows [at, ..)
                                                 * of columns [c0, ..) of nd */
                                                const par__nd *s =
                                                        par__nd_of(vals[i * a->ncb + b]);
                                                par__nd d = *nd;
                                                d.ptr = (char *)nd->ptr +
                                                        (size_t)(c0 * rows + at) * es;
                                                copy_rows_into(s, &d);
                                                c0 += s->cols;
                                        }
                                        at += par__nd_of(vals[i * a->ncb])->rows;
                                }
                                *out = par__nd_finish(nd);
                        }
                        if (!*out)
                                rc = PAR__ENOMEM(err, "computing an array");
                }
        }
        for (int64_t i = 0; i < nb; i++)
                par_value_release(vals[i]);
        par__free(vals);
        return rc;
}

int par_array_persist(par_client *c, par_array *a, par_array **out, par_error *err)
{
        if (!c || !a || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "persist: client, array and out are required");
        *out = NULL;
        size_t n = (size_t)(a->nchunks * a->ncb);
        par_value **vals = par__calloc(n, sizeof *vals);
        int64_t *lens = par__calloc((size_t)a->nchunks, sizeof *lens);
        /* A remote backend (MPI) keeps the chunks where they were made and
         * gives remote values (backend/backend.h) in their place. */
        par__persist_scope(true);
        int rc = vals && lens ? compute_chunks(c, a, vals, err)
                              : PAR__ENOMEM(err, "persisting an array");
        par__persist_scope(false);
        par_graph *g = NULL;
        if (rc == 0 && !(g = par_graph_new()))
                rc = PAR__ENOMEM(err, "persisting an array");
        /* The persisted array keeps the chunk keys: they stand for the same
         * chunks, now held as values. */
        for (size_t i = 0; i < n && rc == 0; i++) {
                int64_t rb = (int64_t)i / a->ncb;
                if (!par__remote_rows(vals[i], &lens[rb]))
                        lens[rb] = par__nd_of(vals[i])->rows;
                rc = par_graph_add(g, par_key_make(a->name, (int64_t)i), "par.identity", 1,
                                   (par_arg[]){par_arg_value(vals[i])}, err);
        }
        if (rc == 0) {
                rc = par__array_new_grid(g, a->name, a->ndim, a->nchunks, lens, a->ncb,
                                         a->chunk_cols, 0, NULL, out, err);
                g = NULL;
                if (rc == 0)
                        (*out)->dtype = a->dtype;
        }
        par_graph_free(g);
        for (size_t i = 0; vals && i < n; i++)
                par_value_release(vals[i]);
        par__free(vals);
        par__free(lens);
        return rc;
}

void par__array_register_ops(void)
{
        par_op_register("par.array.from_table", op_from_table, NULL);
        par_op_register("par.array.nrows", op_nrows, NULL);
        par_op_register("par.array.getitem", op_getitem, NULL);
        par__array_register_reduce_ops();
        par__array_register_create_ops();
        par__array_register_elemwise_ops();
        par__array_register_rechunk_ops();
        par__array_register_store_ops();
}
