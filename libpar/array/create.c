/* Making arrays from nothing: full (zeros, ones), arange and random
 * arrays. Each is one layer of tasks, one per chunk, whose arguments say
 * which rows to make, so nothing is allocated until a chunk is computed.
 *
 * Random arrays draw element (r, j) of a (rows, cols) array as element
 * r * cols + j (row-major order) of the Philox stream (seed, 0): a chunk
 * fills its own range of the stream, so the array is the same whatever
 * the chunking, thread count or executor. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "array/internal.h"
#include "kernels/rng.h"

enum { RAND_NORMAL, RAND_UNIFORM };

/* ---- ops ------------------------------------------------------------------------ */

/* (rows, cols, ndim, value[, dtype]) -> a chunk of one value: a float64
 * value for float dtypes, an int64 one for int64 and bool. */
static int op_full(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        int64_t rows = par_value_int64_of(args[0]);
        int64_t cols = par_value_int64_of(args[1]);
        par_dtype dt = n > 4 ? (par_dtype)par_value_int64_of(args[4]) : PAR_DTYPE_FLOAT64;
        par__nd *nd = par__nd_alloc_t((int)par_value_int64_of(args[2]), rows, cols, dt);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "full: out of memory for a %" PRId64 " x %" PRId64
                                     " %s chunk",
                                     rows, cols, par_dtype_name(dt));
        int64_t count = rows * cols;
        if (dt == PAR_DTYPE_FLOAT64 || dt == PAR_DTYPE_FLOAT32) {
                double v = par_value_float64_of(args[3]);
                for (int64_t k = 0; k < count; k++)
                        if (dt == PAR_DTYPE_FLOAT64)
                                ((double *)nd->ptr)[k] = v;
                        else
                                ((float *)nd->ptr)[k] = (float)v;
        } else {
                int64_t v = par_value_int64_of(args[3]);
                for (int64_t k = 0; k < count; k++)
                        if (dt == PAR_DTYPE_INT64)
                                ((int64_t *)nd->ptr)[k] = v;
                        else
                                ((uint8_t *)nd->ptr)[k] = v != 0;
        }
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (start, step, first, count) -> int64 start + (first + k) * step. */
static int op_arange_i64(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        int64_t start = par_value_int64_of(args[0]);
        int64_t step = par_value_int64_of(args[1]);
        int64_t first = par_value_int64_of(args[2]);
        int64_t count = par_value_int64_of(args[3]);
        par__nd *nd = par__nd_alloc_t(1, count, 1, PAR_DTYPE_INT64);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "arange: out of memory for %" PRId64 " numbers",
                                     count);
        int64_t *d = nd->ptr;
        /* Every element lies between start and stop: no overflow. */
        for (int64_t k = 0; k < count; k++)
                d[k] = start + (first + k) * step;
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (start, step, first, count) -> start + (first + k) * step, k < count. */
static int op_arange(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        (void)n;
        double start = par_value_float64_of(args[0]);
        double step = par_value_float64_of(args[1]);
        int64_t first = par_value_int64_of(args[2]);
        int64_t count = par_value_int64_of(args[3]);
        par__nd *nd = par__nd_alloc(1, count, 1);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "arange: out of memory for %" PRId64 " numbers",
                                     count);
        for (int64_t k = 0; k < count; k++)
                nd->data[k] = start + (double)(first + k) * step;
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (seed, dist, a, b, r0, rows, cols, ndim[, c0, total_cols]) -> rows [r0,
 * r0 + rows) (and columns [c0, c0 + cols) of total_cols) of the random
 * array: drawn in row-major order, stored column-major. */
static int op_random(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        (void)n;
        uint64_t seed = (uint64_t)par_value_int64_of(args[0]);
        int64_t dist = par_value_int64_of(args[1]);
        double a = par_value_float64_of(args[2]);
        double b = par_value_float64_of(args[3]);
        int64_t r0 = par_value_int64_of(args[4]);
        int64_t rows = par_value_int64_of(args[5]);
        int64_t cols = par_value_int64_of(args[6]);
        par__nd *nd = par__nd_alloc((int)par_value_int64_of(args[7]), rows, cols);
        double *tmp = cols > 1 ? par__malloc((size_t)(rows * cols) * sizeof *tmp) : NULL;
        if (!nd || (cols > 1 && !tmp)) {
                par__nd_discard(nd);
                par__free(tmp);
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "random: out of memory for a %" PRId64 " x %" PRId64
                                     " chunk",
                                     rows, cols);
        }
        double *dst = cols > 1 ? tmp : nd->data;
        /* A block of a grid: columns [c0, c0 + cols) of an array of `total`
         * columns, so each of its rows is its own run of draws. */
        int64_t c0 = n > 8 ? par_value_int64_of(args[8]) : 0;
        int64_t total = n > 9 ? par_value_int64_of(args[9]) : cols;
        bool runs = total != cols;
        uint64_t off = (uint64_t)r0 * (uint64_t)total + (uint64_t)c0;
        size_t cnt = runs ? (size_t)cols : (size_t)(rows * cols);
        for (int64_t i = 0; i < (runs ? rows : 1); i++) {
                if (dist == RAND_NORMAL)
                        par__rng_normal(seed, 0, off, a, b, dst + i * (int64_t)cnt, cnt);
                else
                        par__rng_uniform_range(seed, 0, off, a, b, dst + i * (int64_t)cnt,
                                               cnt);
                off += (uint64_t)total;
        }
        if (tmp) {
                for (int64_t i = 0; i < rows; i++)
                        for (int64_t j = 0; j < cols; j++)
                                nd->data[j * rows + i] = tmp[i * cols + j];
                par__free(tmp);
        }
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* ---- building ------------------------------------------------------------------- */

/* Checks a shape and a uniform chunk length; *nc receives the chunk count. */
static int check_shape(const char *what, int ndim, const int64_t *shape,
                       int64_t chunk_rows, int64_t *rows, int64_t *cols,
                       int64_t *nc, par_error *err)
{
        if (ndim != 1 && ndim != 2)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: ndim = %d; expected 1 or 2", what, ndim);
        if (!shape)
                return par__errorf(err, PAR_EINVAL, "%s: shape is NULL", what);
        *rows = shape[0];
        *cols = ndim == 2 ? shape[1] : 1;
        if (*rows < 0 || *cols < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: shape (%" PRId64 ", %" PRId64 ") is negative",
                                   what, *rows, *cols);
        if (*cols && (uint64_t)*rows > (uint64_t)INT64_MAX / 8 / (uint64_t)*cols)
                return par__errorf(err, PAR_EINVAL, "%s: the array is too large", what);
        if (chunk_rows < 1)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: chunk_rows = %" PRId64 "; expected at least 1",
                                   what, chunk_rows);
        *nc = *rows ? (*rows + chunk_rows - 1) / chunk_rows : 1;
        return 0;
}

/* One task per block: op(fixed args before, r0, rows, fixed args after). */
typedef struct maker {
        const char *prefix;
        const char *op;
        int ndim;
        int64_t rows, cols, chunk_rows;
        uint64_t hash;
        /* Builds block (r0.., c0..)'s arguments into args; returns the
         * count. */
        size_t (*args)(const struct maker *m, int64_t r0, int64_t len, par_arg *args);
        const void *ctx;
        par_dtype dtype; /* of the chunks the op makes (0: float64) */
        /* The grid (make_grid): the block being made, and whether the
         * array has several column blocks. */
        int64_t c0, w;
        bool grid;
} maker;

/* The nr x nc blocks of rows rl and columns cl. */
static int make_grid(maker *m, int64_t nr, const int64_t *rl, int64_t nc,
                     const int64_t *cl, par_array **out, par_error *err)
{
        char name[128];
        uint64_t h = par__hash_mix(m->hash ^ (uint64_t)m->rows * 0x9e37u);
        h = par__hash_mix(h ^ (uint64_t)m->cols ^ ((uint64_t)m->chunk_rows << 20) ^
                          ((uint64_t)m->ndim << 62));
        if (m->grid) {
                h = par__hash_bytes(rl, (size_t)nr * sizeof *rl, h);
                h = par__hash_bytes(cl, (size_t)nc * sizeof *cl, h);
        }
        par__array_token(m->prefix, h, name, sizeof name);
        par_graph *g = par_graph_new();
        int rc = g ? 0 : PAR__ENOMEM(err, m->prefix);
        for (int64_t i = 0, r0 = 0; i < nr && rc == 0; r0 += rl[i++]) {
                m->c0 = 0;
                for (int64_t j = 0; j < nc && rc == 0; m->c0 += cl[j++]) {
                        m->w = cl[j];
                        par_arg args[12];
                        size_t na = m->args(m, r0, rl[i], args);
                        rc = par_graph_add(g, par_key_make(name, i * nc + j), m->op, na,
                                           args, err);
                }
        }
        if (rc == 0) {
                rc = par__array_new_grid(g, name, m->ndim, nr, rl, nc, cl, 0, NULL, out,
                                         err);
                g = NULL;
                if (rc == 0 && m->dtype)
                        (*out)->dtype = m->dtype;
        }
        par_graph_free(g);
        return rc;
}

static int make(maker *m, int64_t nc, par_array **out, par_error *err)
{
        (void)nc;
        int64_t nr = 0, *rl = NULL;
        int rc = par__chunk_spec_resolve(m->prefix, 0,
                                         &(par_chunk_spec){m->chunk_rows, 0, NULL},
                                         m->rows, false, &nr, &rl, err);
        if (rc == 0)
                rc = make_grid(m, nr, rl, 1, &m->cols, out, err);
        par__free(rl);
        return rc;
}

/* make_grid from the specs (chunks[1] read for ndim 2 only). */
static int make_chunks(maker *m, const par_chunk_spec *chunks, par_array **out,
                       par_error *err)
{
        if (!chunks)
                return par__errorf(err, PAR_EINVAL, "%s: chunks is NULL", m->prefix);
        int64_t nr = 0, nc = 1, *rl = NULL, *cl = NULL;
        int rc = par__chunk_spec_resolve(m->prefix, 0, &chunks[0], m->rows, false, &nr,
                                         &rl, err);
        if (rc == 0 && m->ndim == 2)
                rc = par__chunk_spec_resolve(m->prefix, 1, &chunks[1], m->cols, false,
                                             &nc, &cl, err);
        m->grid = true;
        if (rc == 0)
                rc = make_grid(m, nr, rl, nc, cl ? cl : &m->cols, out, err);
        par__free(rl);
        par__free(cl);
        return rc;
}

typedef struct full_spec {
        double f;
        int64_t i;
} full_spec;

static size_t full_args(const maker *m, int64_t r0, int64_t len, par_arg *a)
{
        (void)r0;
        const full_spec *v = m->ctx;
        a[0] = par_arg_int64(len);
        a[1] = par_arg_int64(m->w);
        a[2] = par_arg_int64(m->ndim);
        bool f = m->dtype == PAR_DTYPE_FLOAT64 || m->dtype == PAR_DTYPE_FLOAT32;
        a[3] = f ? par_arg_float64(v->f) : par_arg_int64(v->i);
        a[4] = par_arg_int64(m->dtype);
        /* float64 chunks keep the four-argument form. */
        return m->dtype == PAR_DTYPE_FLOAT64 ? 4 : 5;
}

/* value as an int64 the way astype converts it (toward zero); an error
 * for NaN, infinities and values out of range. */
static int to_int64(const char *what, double value, int64_t *out, par_error *err)
{
        if (!(value >= -0x1p63 && value < 0x1p63))
                return par__errorf(err, PAR_EINVAL,
                                   "%s: %g cannot be converted to int64 (NaN, infinite "
                                   "or out of range)",
                                   what, value);
        *out = (int64_t)value;
        return 0;
}

/* full of `dtype` on chunk_rows (chunks NULL) or on a grid. */
static int full_array(int ndim, const int64_t *shape, int64_t chunk_rows,
                      const par_chunk_spec *chunks, double value, par_dtype dtype,
                      par_array **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "full: out is NULL");
        *out = NULL;
        if (!par__array_dtype_ok(dtype))
                return par__errorf(err, PAR_EINVAL,
                                   "full: dtype %d is not an array dtype (float64, "
                                   "float32, int64 or bool)",
                                   (int)dtype);
        int64_t rows = 0, cols = 0, nc = 0;
        int rc = check_shape("full", ndim, shape, chunks ? 1 : chunk_rows, &rows, &cols,
                             &nc, err);
        if (rc < 0)
                return rc;
        full_spec v = {value, 0};
        if (dtype == PAR_DTYPE_INT64 && (rc = to_int64("full", value, &v.i, err)) < 0)
                return rc;
        if (dtype == PAR_DTYPE_BOOL)
                v.i = value != 0; /* NaN is true, as NumPy */
        if (dtype == PAR_DTYPE_FLOAT32)
                v.f = (float)value;
        uint64_t bits;
        memcpy(&bits, &v.f, sizeof bits);
        uint64_t h = par__hash_mix(bits ^ 0xf011u);
        if (dtype != PAR_DTYPE_FLOAT64)
                h = par__hash_mix(h ^ (uint64_t)v.i ^ ((uint64_t)dtype << 40));
        maker m = {"full", "par.array.full", ndim, rows, cols, chunk_rows,
                   h, full_args, &v, dtype, 0, 0, false};
        return chunks ? make_chunks(&m, chunks, out, err) : make(&m, nc, out, err);
}

int par_array_full_typed(int ndim, const int64_t *shape, int64_t chunk_rows,
                         double value, par_dtype dtype, par_array **out,
                         par_error *err)
{
        return full_array(ndim, shape, chunk_rows, NULL, value, dtype, out, err);
}

int par_array_full(int ndim, const int64_t *shape, int64_t chunk_rows, double value,
                   par_array **out, par_error *err)
{
        return full_array(ndim, shape, chunk_rows, NULL, value, PAR_DTYPE_FLOAT64, out,
                          err);
}

int par_array_full_chunks(int ndim, const int64_t *shape, const par_chunk_spec *chunks,
                          double value, par_array **out, par_error *err)
{
        if (!chunks) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL, "full: chunks is NULL");
        }
        return full_array(ndim, shape, 0, chunks, value, PAR_DTYPE_FLOAT64, out, err);
}

int par_array_zeros_chunks(int ndim, const int64_t *shape, const par_chunk_spec *chunks,
                           par_array **out, par_error *err)
{
        return par_array_full_chunks(ndim, shape, chunks, 0.0, out, err);
}

int par_array_ones_chunks(int ndim, const int64_t *shape, const par_chunk_spec *chunks,
                          par_array **out, par_error *err)
{
        return par_array_full_chunks(ndim, shape, chunks, 1.0, out, err);
}

int par_array_zeros(int ndim, const int64_t *shape, int64_t chunk_rows,
                    par_array **out, par_error *err)
{
        return par_array_full(ndim, shape, chunk_rows, 0.0, out, err);
}

int par_array_ones(int ndim, const int64_t *shape, int64_t chunk_rows,
                   par_array **out, par_error *err)
{
        return par_array_full(ndim, shape, chunk_rows, 1.0, out, err);
}

int par_array_zeros_typed(int ndim, const int64_t *shape, int64_t chunk_rows,
                          par_dtype dtype, par_array **out, par_error *err)
{
        return par_array_full_typed(ndim, shape, chunk_rows, 0.0, dtype, out, err);
}

int par_array_ones_typed(int ndim, const int64_t *shape, int64_t chunk_rows,
                         par_dtype dtype, par_array **out, par_error *err)
{
        return par_array_full_typed(ndim, shape, chunk_rows, 1.0, dtype, out, err);
}

static size_t arange_i64_args(const maker *m, int64_t r0, int64_t len, par_arg *a)
{
        const int64_t *se = m->ctx;
        a[0] = par_arg_int64(se[0]);
        a[1] = par_arg_int64(se[1]);
        a[2] = par_arg_int64(r0);
        a[3] = par_arg_int64(len);
        return 4;
}

int par_array_arange_int64(int64_t start, int64_t stop, int64_t step,
                           int64_t chunk_rows, par_array **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "arange: out is NULL");
        *out = NULL;
        if (step == 0)
                return par__errorf(err, PAR_EINVAL, "arange: step 0; expected a step "
                                                    "other than 0");
        /* ceil((stop - start) / step) without overflow: the span fits in
         * 64 unsigned bits. */
        int64_t len = 0;
        if (step > 0 && stop > start) {
                uint64_t span = (uint64_t)stop - (uint64_t)start;
                len = (int64_t)((span - 1) / (uint64_t)step + 1);
        } else if (step < 0 && stop < start) {
                uint64_t span = (uint64_t)start - (uint64_t)stop;
                uint64_t st = step == INT64_MIN ? (uint64_t)1 << 63 : (uint64_t)-step;
                len = (int64_t)((span - 1) / st + 1);
        }
        int64_t shape[1] = {len}, rows = 0, cols = 0, nc = 0;
        int rc = check_shape("arange", 1, shape, chunk_rows, &rows, &cols, &nc, err);
        if (rc < 0)
                return rc;
        int64_t se[2] = {start, step};
        uint64_t h = par__hash_bytes(se, sizeof se, 0xa7a611u);
        maker m = {"arange", "par.array.arange_i64", 1, rows, 1, chunk_rows, h,
                   arange_i64_args, se, PAR_DTYPE_INT64, 0, 0, false};
        return make(&m, nc, out, err);
}

static size_t arange_args(const maker *m, int64_t r0, int64_t len, par_arg *a)
{
        const double *se = m->ctx;
        a[0] = par_arg_float64(se[0]);
        a[1] = par_arg_float64(se[1]);
        a[2] = par_arg_int64(r0);
        a[3] = par_arg_int64(len);
        return 4;
}

int par_array_arange(double start, double stop, double step, int64_t chunk_rows,
                     par_array **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "arange: out is NULL");
        *out = NULL;
        if (step == 0 || !isfinite(step) || !isfinite(start) || !isfinite(stop))
                return par__errorf(err, PAR_EINVAL,
                                   "arange: start %g, stop %g, step %g; expected "
                                   "finite numbers and a step other than 0",
                                   start, stop, step);
        double len = ceil((stop - start) / step);
        if (!(len > 0))
                len = 0;
        if (len > (double)(INT64_MAX / 8))
                return par__errorf(err, PAR_EINVAL, "arange: %g elements are too many",
                                   len);
        int64_t shape[1] = {(int64_t)len}, rows = 0, cols = 0, nc = 0;
        int rc = check_shape("arange", 1, shape, chunk_rows, &rows, &cols, &nc, err);
        if (rc < 0)
                return rc;
        double se[2] = {start, step};
        uint64_t h = par__hash_bytes(se, sizeof se, 0xa7a6u);
        maker m = {"arange", "par.array.arange", 1, rows, 1, chunk_rows, h,
                   arange_args, se, PAR_DTYPE_FLOAT64, 0, 0, false};
        return make(&m, nc, out, err);
}

typedef struct rand_spec {
        uint64_t seed;
        int64_t dist;
        double a, b;
} rand_spec;

static size_t random_args(const maker *m, int64_t r0, int64_t len, par_arg *a)
{
        const rand_spec *s = m->ctx;
        a[0] = par_arg_int64((int64_t)s->seed);
        a[1] = par_arg_int64(s->dist);
        a[2] = par_arg_float64(s->a);
        a[3] = par_arg_float64(s->b);
        a[4] = par_arg_int64(r0);
        a[5] = par_arg_int64(len);
        a[6] = par_arg_int64(m->w);
        a[7] = par_arg_int64(m->ndim);
        if (m->w == m->cols)
                return 8;
        a[8] = par_arg_int64(m->c0);
        a[9] = par_arg_int64(m->cols);
        return 10;
}

static int random_array(const char *what, rand_spec s, int ndim, const int64_t *shape,
                        int64_t chunk_rows, const par_chunk_spec *chunks,
                        par_array **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "%s: out is NULL", what);
        *out = NULL;
        int64_t rows = 0, cols = 0, nc = 0;
        int rc = check_shape(what, ndim, shape, chunks ? 1 : chunk_rows, &rows, &cols,
                             &nc, err);
        if (rc < 0)
                return rc;
        if (!isfinite(s.a) || !isfinite(s.b) || (s.dist == RAND_NORMAL && s.b < 0))
                return par__errorf(err, PAR_EINVAL,
                                   "%s: parameters %g, %g; expected finite numbers%s",
                                   what, s.a, s.b,
                                   s.dist == RAND_NORMAL ? " and sd >= 0" : "");
        uint64_t h = par__hash_bytes(&s, sizeof s, 0x7a7du);
        maker m = {what, "par.array.random", ndim, rows, cols, chunk_rows, h,
                   random_args, &s, PAR_DTYPE_FLOAT64, 0, 0, false};
        return chunks ? make_chunks(&m, chunks, out, err) : make(&m, nc, out, err);
}

int par_array_random_normal(uint64_t seed, double mean, double sd, int ndim,
                            const int64_t *shape, int64_t chunk_rows, par_array **out,
                            par_error *err)
{
        rand_spec s = {seed, RAND_NORMAL, mean, sd};
        return random_array("normal", s, ndim, shape, chunk_rows, NULL, out, err);
}

int par_array_random_normal_chunks(uint64_t seed, double mean, double sd, int ndim,
                                   const int64_t *shape, const par_chunk_spec *chunks,
                                   par_array **out, par_error *err)
{
        rand_spec s = {seed, RAND_NORMAL, mean, sd};
        if (!chunks) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL, "normal: chunks is NULL");
        }
        return random_array("normal", s, ndim, shape, 0, chunks, out, err);
}

int par_array_random_uniform(uint64_t seed, double lo, double hi, int ndim,
                             const int64_t *shape, int64_t chunk_rows, par_array **out,
                             par_error *err)
{
        rand_spec s = {seed, RAND_UNIFORM, lo, hi};
        return random_array("uniform", s, ndim, shape, chunk_rows, NULL, out, err);
}

int par_array_random_uniform_chunks(uint64_t seed, double lo, double hi, int ndim,
                                    const int64_t *shape, const par_chunk_spec *chunks,
                                    par_array **out, par_error *err)
{
        rand_spec s = {seed, RAND_UNIFORM, lo, hi};
        if (!chunks) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL, "uniform: chunks is NULL");
        }
        return random_array("uniform", s, ndim, shape, 0, chunks, out, err);
}

void par__array_register_create_ops(void)
{
        par_op_register("par.array.full", op_full, NULL);
        par_op_register("par.array.arange", op_arange, NULL);
        par_op_register("par.array.arange_i64", op_arange_i64, NULL);
        par_op_register("par.array.random", op_random, NULL);
}
