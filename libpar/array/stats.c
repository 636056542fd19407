/* Array statistics beyond sums: var and std with ddof, argmin and argmax,
 * along an axis, as tree reductions of per-chunk partials (the tree
 * builder is reduce.c's) or one task per chunk for rows. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "array/internal.h"

/* As reduce.c: results must not depend on the compiler fusing a*b+c. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define BLOCK 256

/* ---- var and std --------------------------------------------------------------------- */

/* A moments partial: {count, k} then k means and k sums of squared
 * deviations (M2). */
static par_value *var_value(int64_t count, int64_t k, const double *mean,
                            const double *m2)
{
        size_t bytes = 2 * sizeof(int64_t) + 2 * (size_t)k * sizeof(double);
        char *buf = par__malloc(bytes);
        if (!buf)
                return NULL;
        int64_t hdr[2] = {count, k};
        memcpy(buf, hdr, sizeof hdr);
        memcpy(buf + sizeof hdr, mean, (size_t)k * sizeof *mean);
        memcpy(buf + sizeof hdr + (size_t)k * sizeof *mean, m2, (size_t)k * sizeof *m2);
        par_value *r = par_value_blob(buf, bytes);
        par__free(buf);
        return r;
}

/* Reads a var partial into count, k and copies of the arrays (freed by
 * the caller: one block, *mean first). */
static int var_read(const par_value *v, int64_t *count, int64_t *k, double **mean,
                    double **m2)
{
        size_t len = 0;
        const char *p = par_value_type(v) == PAR_TYPE_BLOB ? par_value_bytes(v, &len)
                                                           : NULL;
        int64_t hdr[2];
        if (!p || len < sizeof hdr)
                return -1;
        memcpy(hdr, p, sizeof hdr);
        if (hdr[0] < 0 || hdr[1] < 0 ||
            len != sizeof hdr + 2 * (size_t)hdr[1] * sizeof(double))
                return -1;
        double *m = par__malloc((size_t)(2 * hdr[1] + 1) * sizeof *m);
        if (!m)
                return -2;
        memcpy(m, p + sizeof hdr, 2 * (size_t)hdr[1] * sizeof *m);
        *count = hdr[0];
        *k = hdr[1];
        *mean = m;
        *m2 = m + hdr[1];
        return 0;
}

/* Chan, Golub and LeVeque: (na, ma, sa) += (nb, mb, sb). */
static void var_merge(int64_t *na, double *ma, double *sa, int64_t nb, double mb,
                      double sb)
{
        if (nb == 0)
                return;
        if (*na == 0) {
                *na = nb;
                *ma = mb;
                *sa = sb;
                return;
        }
        double n = (double)(*na + nb), d = mb - *ma;
        *ma += d * (double)nb / n;
        *sa += sb + d * d * (double)*na * (double)nb / n;
        *na += nb;
}

/* Mean and M2 of n values `stride` apart: two passes, the second over
 * deviations from the first's mean. */
static void column_moments(const double *p, int64_t n, int64_t stride, double *mean,
                           double *m2)
{
        double m = n ? par__sum_strided(p, n, stride) / (double)n : 0.0;
        double s = 0;
        for (int64_t i0 = 0; i0 < n; i0 += BLOCK) {
                int64_t nb = n - i0 < BLOCK ? n - i0 : BLOCK;
                double b = 0;
                for (int64_t i = i0; i < i0 + nb; i++) {
                        double d = p[i * stride] - m;
                        b += d * d;
                }
                s += b;
        }
        *mean = m;
        *m2 = s;
}

/* (chunk, all) -> a var partial per column, or of everything. */
static int op_var_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        if (!nd || !nd->data) /* float64 only */
                return par_task_fail(ctx, PAR_ETYPE, "var: the chunk is not an ndarray");
        bool all = par_value_int64_of(args[1]) != 0;
        int64_t k = nd->cols;
        double *m = par__malloc((size_t)(2 * k + 1) * sizeof *m);
        if (!m)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t j = 0; j < k; j++)
                column_moments(nd->data + j * nd->cs, nd->rows, nd->rs, &m[j], &m[k + j]);
        if (all) {
                int64_t cnt = 0;
                double mean = 0, m2 = 0;
                for (int64_t j = 0; j < k; j++)
                        var_merge(&cnt, &mean, &m2, nd->rows, m[j], m[k + j]);
                *out = var_value(cnt, 1, &mean, &m2);
        } else {
                *out = var_value(nd->rows, k, m, m + k);
        }
        par__free(m);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_var_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                          par_value **out)
{
        int64_t cnt = 0, k = 0;
        double *mean = NULL, *m2 = NULL;
        int rc = n ? var_read(args[0], &cnt, &k, &mean, &m2) : -1;
        if (rc < 0)
                return rc == -2 ? par_task_fail(ctx, PAR_ENOMEM, "out of memory")
                                : par_task_fail(ctx, PAR_EINVAL, "var: malformed partial");
        int64_t *cn = par__malloc((size_t)(k + 1) * sizeof *cn);
        for (int64_t j = 0; cn && j < k; j++)
                cn[j] = cnt;
        for (size_t i = 1; cn && i < n; i++) {
                int64_t c2, k2;
                double *mb, *sb;
                rc = var_read(args[i], &c2, &k2, &mb, &sb);
                if (rc == 0 && k2 != k) {
                        par__free(mb);
                        rc = -1;
                }
                if (rc < 0)
                        break;
                for (int64_t j = 0; j < k; j++)
                        var_merge(&cn[j], &mean[j], &m2[j], c2, mb[j], sb[j]);
                par__free(mb);
        }
        if (cn && rc == 0)
                *out = var_value(k ? cn[0] : cnt + 0, k, mean, m2);
        par__free(mean);
        par__free(cn);
        if (!cn || rc == -2)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        if (rc < 0)
                return par_task_fail(ctx, PAR_EINVAL, "var: partial does not match");
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* NumPy's var: M2 / max(n - ddof, 0). */
static double var_of(int64_t n, double m2, int64_t ddof, bool sd)
{
        double d = (double)(n - ddof > 0 ? n - ddof : 0);
        double v = m2 / d;
        if (n == 0)
                v = NAN;
        return sd ? sqrt(v) : v;
}

/* (partial, ndim, ddof, std) -> the result chunk. */
static int op_var_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        int64_t cnt, k;
        double *mean, *m2;
        int rc = var_read(args[0], &cnt, &k, &mean, &m2);
        if (rc < 0)
                return rc == -2 ? par_task_fail(ctx, PAR_ENOMEM, "out of memory")
                                : par_task_fail(ctx, PAR_EINVAL, "var: malformed partial");
        int ndim = (int)par_value_int64_of(args[1]);
        int64_t ddof = par_value_int64_of(args[2]);
        bool sd = par_value_int64_of(args[3]) != 0;
        par__nd *nd = par__nd_alloc(ndim, ndim == 0 ? 1 : k, 1);
        for (int64_t j = 0; nd && j < k; j++)
                nd->data[j] = var_of(cnt, m2[j], ddof, sd);
        par__free(mean);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (chunk, ddof, std) -> per row: a 1-d chunk. */
static int op_var_rows(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        if (!nd || !nd->data) /* float64 only */
                return par_task_fail(ctx, PAR_ETYPE, "var: the chunk is not an ndarray");
        int64_t ddof = par_value_int64_of(args[1]);
        bool sd = par_value_int64_of(args[2]) != 0;
        par__nd *r = par__nd_alloc(1, nd->rows, 1);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t i = 0; i < nd->rows; i++) {
                double mean, m2;
                column_moments(nd->data + i * nd->rs, nd->cols, nd->cs, &mean, &m2);
                r->data[i] = var_of(nd->cols, m2, ddof, sd);
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* One task per chunk of `op`(chunk, args...): a row-wise reduction. */
static int rows_layer(par_array *a, const char *prefix, const char *op, size_t nargs,
                      const par_arg *extra, par_array **out, par_error *err)
{
        if (a->ncb > 1) { /* each row whole in one chunk */
                par_array *rb = NULL;
                int rc = par__array_rowblocks(a, &rb, err);
                if (rc == 0)
                        rc = rows_layer(rb, prefix, op, nargs, extra, out, err);
                par_array_release(rb);
                return rc;
        }
        uint64_t h = par__hash_bytes(a->name, strlen(a->name),
                                     par__hash_bytes(op, strlen(op), 0x726f77u));
        for (size_t i = 0; i < nargs; i++)
                h = par__hash_mix(h ^ (uint64_t)extra[i].u.i);
        char name[128];
        par__array_token(prefix, h, name, sizeof name);
        par_graph *g = par_graph_new();
        par_arg args[4];
        int rc = g && nargs < 4 ? 0 : PAR__ENOMEM(err, "building a reduction");
        for (size_t i = 0; rc == 0 && i < nargs; i++)
                args[i + 1] = extra[i];
        for (int64_t i = 0; i < a->nchunks && rc == 0; i++) {
                args[0] = par_arg_key(a->name, i);
                rc = par_graph_add(g, par_key_make(name, i), op, nargs + 1, args, err);
        }
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__array_new(g, name, 1, 1, a->nchunks, a->chunk_rows, 1, &a->layer,
                              out, err);
}

/* The axis normalized; an error when out of range. */
static int norm_axis(const char *what, const par_array *a, int *axis, par_error *err)
{
        if (*axis != PAR_AXIS_ALL && *axis < 0)
                *axis += a->ndim;
        if (*axis != PAR_AXIS_ALL && (*axis < 0 || *axis >= a->ndim))
                return par__errorf(err, PAR_EINVAL,
                                   "%s: axis %d is out of range for a %d-d array", what,
                                   *axis, a->ndim);
        return 0;
}

static int var_f64(par_array *a, int axis, int64_t ddof, bool sd,
                   const par_agg_opts *opts, par_array **out, par_error *err);

int par_array_var(par_array *a, int axis, int64_t ddof, bool sd,
                  const par_agg_opts *opts, par_array **out, par_error *err)
{
        const char *what = sd ? "std" : "var";
        if (!a || !out)
                return par__errorf(err, PAR_EINVAL, "%s: array and out are required",
                                   what);
        *out = NULL;
        if (a->dtype == PAR_DTYPE_FLOAT64)
                return var_f64(a, axis, ddof, sd, opts, out, err);
        /* Other dtypes: computed in float64; float32 results rounded back
         * to float32 (NumPy's dtype), the others float64. */
        par_array *f = NULL, *r = NULL;
        int rc = par__array_as_f64(a, &f, err);
        if (rc == 0)
                rc = var_f64(f, axis, ddof, sd, opts, &r, err);
        if (rc == 0)
                rc = par__array_astype(r, a->dtype == PAR_DTYPE_FLOAT32 ? PAR_DTYPE_FLOAT32
                                                                        : PAR_DTYPE_FLOAT64,
                                       out, err);
        par_array_release(f);
        par_array_release(r);
        return rc;
}

static int var_f64(par_array *a, int axis, int64_t ddof, bool sd,
                   const par_agg_opts *opts, par_array **out, par_error *err)
{
        const char *what = sd ? "std" : "var";
        if (ddof < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: ddof = %" PRId64 "; expected at least 0", what,
                                   ddof);
        int rc = norm_axis(what, a, &axis, err);
        if (rc < 0)
                return rc;
        if (axis == 1) {
                par_arg extra[2] = {par_arg_int64(ddof), par_arg_int64(sd)};
                return rows_layer(a, what, "par.array.var_rows", 2, extra, out, err);
        }
        bool all = axis == PAR_AXIS_ALL || a->ndim < 2;
        int ndim = all ? 0 : 1;
        par_arg pargs[1] = {par_arg_int64(all)};
        par_arg fargs[3] = {par_arg_int64(ndim), par_arg_int64(ddof), par_arg_int64(sd)};
        return par__array_tree_layer(a, what, "par.array.var_part", 1, pargs,
                                     "par.array.var_combine", 0, NULL,
                                     "par.array.var_final", 3, fargs,
                                     opts ? opts->split_every : 0, ndim,
                                     all ? 1 : a->cols, 1, out, err);
}

/* ---- argmin and argmax ------------------------------------------------------------------ */

/* An arg partial: {rows, k, cols} then k values and k indices. Indices
 * count from the partial's first row: a row (axis 0) or a flat row-major
 * index (everything, k = 1). */
static par_value *arg_value(int64_t rows, int64_t k, int64_t cols, const double *v,
                            const int64_t *idx)
{
        size_t bytes = 3 * sizeof(int64_t) + (size_t)k * 16;
        char *buf = par__malloc(bytes);
        if (!buf)
                return NULL;
        int64_t hdr[3] = {rows, k, cols};
        memcpy(buf, hdr, sizeof hdr);
        memcpy(buf + sizeof hdr, v, (size_t)k * 8);
        memcpy(buf + sizeof hdr + (size_t)k * 8, idx, (size_t)k * 8);
        par_value *r = par_value_blob(buf, bytes);
        par__free(buf);
        return r;
}

static int arg_read(const par_value *v, int64_t hdr[3], const char **vals,
                    const char **idx)
{
        size_t len = 0;
        const char *p = par_value_type(v) == PAR_TYPE_BLOB ? par_value_bytes(v, &len)
                                                           : NULL;
        if (!p || len < 3 * sizeof(int64_t))
                return -1;
        memcpy(hdr, p, 3 * sizeof *hdr);
        if (hdr[0] < 0 || hdr[1] < 0 || len != 3 * sizeof(int64_t) + (size_t)hdr[1] * 16)
                return -1;
        *vals = p + 3 * sizeof(int64_t);
        *idx = *vals + (size_t)hdr[1] * 8;
        return 0;
}

/* Whether x (at a later index) beats the best so far, m: NaN first, then
 * strictly smaller (larger), so ties keep the first, as NumPy. */
static bool arg_better(double x, double m, bool have, bool is_max)
{
        if (!have)
                return true;
        if (isnan(m))
                return false;
        if (isnan(x))
                return true;
        return is_max ? x > m : x < m;
}

/* As arg_better for values at flat indices fx and fm (-1: none yet). */
static bool flat_better(double x, int64_t fx, double m, int64_t fm, bool is_max)
{
        if (fm < 0)
                return true;
        if (isnan(m) || isnan(x))
                return isnan(m) && isnan(x) ? fx < fm : isnan(x);
        if (x == m)
                return fx < fm;
        return is_max ? x > m : x < m;
}

/* (chunk, is_max, all) -> an arg partial. */
static int op_arg_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        if (!nd || !nd->data) /* float64 only */
                return par_task_fail(ctx, PAR_ETYPE, "arg: the chunk is not an ndarray");
        bool is_max = par_value_int64_of(args[1]) != 0;
        bool all = par_value_int64_of(args[2]) != 0;
        int64_t k = nd->cols;
        double *v = par__malloc((size_t)(k + 1) * sizeof *v);
        int64_t *idx = par__malloc((size_t)(k + 1) * sizeof *idx);
        if (!v || !idx) {
                par__free(v);
                par__free(idx);
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        for (int64_t j = 0; j < k; j++) {
                const double *p = nd->data + j * nd->cs;
                idx[j] = -1;
                v[j] = NAN;
                for (int64_t i = 0; i < nd->rows; i++)
                        if (arg_better(p[i * nd->rs], v[j], idx[j] >= 0, is_max)) {
                                v[j] = p[i * nd->rs];
                                idx[j] = i;
                                if (isnan(v[j]))
                                        break;
                        }
        }
        if (all) {
                /* Across the columns by flat index i * cols + j. */
                double bv = NAN;
                int64_t bi = -1;
                for (int64_t j = 0; j < k; j++) {
                        if (idx[j] < 0)
                                continue;
                        int64_t f = idx[j] * k + j;
                        bool take = flat_better(v[j], f, bv, bi, is_max);
                        if (take) {
                                bv = v[j];
                                bi = f;
                        }
                }
                v[0] = bv;
                idx[0] = bi;
                k = 1;
        }
        *out = arg_value(nd->rows, k, nd->cols, v, idx);
        par__free(v);
        par__free(idx);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (is_max, partials... in row order) -> their merge; the first best wins
 * ties. */
static int op_arg_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                          par_value **out)
{
        int64_t hdr[3];
        const char *pv, *pi;
        if (n < 2 || arg_read(args[1], hdr, &pv, &pi) < 0)
                return par_task_fail(ctx, PAR_EINVAL, "arg: malformed partial");
        int64_t k = hdr[1], rows = hdr[0], cols = hdr[2];
        bool is_max = par_value_int64_of(args[0]) != 0;
        double *v = par__malloc((size_t)(k + 1) * sizeof *v);
        int64_t *idx = par__malloc((size_t)(k + 1) * sizeof *idx);
        if (!v || !idx) {
                par__free(v);
                par__free(idx);
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        memcpy(v, pv, (size_t)k * 8);
        memcpy(idx, pi, (size_t)k * 8);
        /* Flat indices (k = 1 of a 2-d array) move by whole rows. */
        int64_t scale = k == 1 && cols > 1 ? cols : 1;
        int rc = 0;
        for (size_t i = 2; i < n && rc == 0; i++) {
                int64_t h2[3];
                if (arg_read(args[i], h2, &pv, &pi) < 0 || h2[1] != k) {
                        rc = -1;
                        break;
                }
                for (int64_t j = 0; j < k; j++) {
                        double x;
                        int64_t xi;
                        memcpy(&x, pv + j * 8, 8);
                        memcpy(&xi, pi + j * 8, 8);
                        if (xi >= 0 && arg_better(x, v[j], idx[j] >= 0, is_max)) {
                                v[j] = x;
                                idx[j] = xi + rows * scale;
                        }
                }
                rows += h2[0];
        }
        if (rc == 0)
                *out = arg_value(rows, k, cols, v, idx);
        par__free(v);
        par__free(idx);
        if (rc < 0)
                return par_task_fail(ctx, PAR_EINVAL, "arg: partial does not match");
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (partial, ndim, is_max) -> the indices as a float64 chunk. */
static int op_arg_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        int64_t hdr[3];
        const char *pv, *pi;
        if (arg_read(args[0], hdr, &pv, &pi) < 0)
                return par_task_fail(ctx, PAR_EINVAL, "arg: malformed partial");
        int ndim = (int)par_value_int64_of(args[1]);
        const char *what = par_value_int64_of(args[2]) ? "argmax" : "argmin";
        int64_t k = hdr[1];
        par__nd *nd = par__nd_alloc(ndim, ndim == 0 ? 1 : k, 1);
        if (!nd)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t j = 0; j < k; j++) {
                int64_t xi;
                memcpy(&xi, pi + j * 8, 8);
                if (xi < 0) {
                        par__nd_discard(nd);
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "attempt to get %s of an empty sequence",
                                             what);
                }
                nd->data[j] = (double)xi;
        }
        *out = par__nd_finish(nd);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (chunk, is_max) -> per row: the column index. */
static int op_arg_rows(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        (void)n;
        const par__nd *nd = par__nd_of(args[0]);
        if (!nd || !nd->data) /* float64 only */
                return par_task_fail(ctx, PAR_ETYPE, "arg: the chunk is not an ndarray");
        bool is_max = par_value_int64_of(args[1]) != 0;
        if (nd->cols == 0 && nd->rows > 0)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "attempt to get %s of an empty sequence",
                                     is_max ? "argmax" : "argmin");
        par__nd *r = par__nd_alloc(1, nd->rows, 1);
        if (!r)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t i = 0; i < nd->rows; i++) {
                const double *p = nd->data + i * nd->rs;
                double m = NAN;
                int64_t b = -1;
                for (int64_t j = 0; j < nd->cols; j++)
                        if (arg_better(p[j * nd->cs], m, b >= 0, is_max)) {
                                m = p[j * nd->cs];
                                b = j;
                        }
                r->data[i] = (double)b;
        }
        *out = par__nd_finish(r);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int arg_f64(par_array *a, bool is_max, int axis, const par_agg_opts *opts,
                   par_array **out, par_error *err);

/* The indices as int64, NumPy's dtype. Other dtypes are searched as
 * float64, which keeps the order of float32 and bool values and of int64
 * values up to 2^53 in magnitude. */
static int arg_reduce(par_array *a, bool is_max, int axis, const par_agg_opts *opts,
                      par_array **out, par_error *err)
{
        const char *what = is_max ? "argmax" : "argmin";
        if (!a || !out)
                return par__errorf(err, PAR_EINVAL, "%s: array and out are required",
                                   what);
        *out = NULL;
        par_array *f = NULL, *r = NULL;
        int rc = par__array_as_f64(a, &f, err);
        if (rc == 0)
                rc = arg_f64(f, is_max, axis, opts, &r, err);
        if (rc == 0)
                rc = par__array_astype(r, PAR_DTYPE_INT64, out, err);
        par_array_release(f);
        par_array_release(r);
        return rc;
}

static int arg_f64(par_array *a, bool is_max, int axis, const par_agg_opts *opts,
                   par_array **out, par_error *err)
{
        const char *what = is_max ? "argmax" : "argmin";
        int rc = norm_axis(what, a, &axis, err);
        if (rc < 0)
                return rc;
        if (axis == 1) {
                par_arg extra[1] = {par_arg_int64(is_max)};
                return rows_layer(a, what, "par.array.arg_rows", 1, extra, out, err);
        }
        bool all = axis == PAR_AXIS_ALL || a->ndim < 2;
        if (all && a->ncb > 1) { /* the flat index needs whole rows */
                par_array *rb = NULL;
                rc = par__array_rowblocks(a, &rb, err);
                if (rc == 0)
                        rc = arg_reduce(rb, is_max, axis, opts, out, err);
                par_array_release(rb);
                return rc;
        }
        int ndim = all ? 0 : 1;
        par_arg pargs[2] = {par_arg_int64(is_max), par_arg_int64(all)};
        par_arg fargs[2] = {par_arg_int64(ndim), par_arg_int64(is_max)};
        return par__array_tree_layer(a, what, "par.array.arg_part", 2, pargs,
                            "par.array.arg_combine", 1, &pargs[0], "par.array.arg_final",
                            2, fargs, opts ? opts->split_every : 0, ndim,
                            all ? 1 : a->cols, 1, out, err);
}

int par_array_argmin(par_array *a, int axis, const par_agg_opts *opts, par_array **out,
                     par_error *err)
{
        return arg_reduce(a, false, axis, opts, out, err);
}

int par_array_argmax(par_array *a, int axis, const par_agg_opts *opts, par_array **out,
                     par_error *err)
{
        return arg_reduce(a, true, axis, opts, out, err);
}

void par__array_register_stats_ops(void)
{
        par_op_register("par.array.var_part", op_var_part, NULL);
        par_op_register("par.array.var_combine", op_var_combine, NULL);
        par_op_register("par.array.var_final", op_var_final, NULL);
        par_op_register("par.array.var_rows", op_var_rows, NULL);
        par_op_register("par.array.arg_part", op_arg_part, NULL);
        par_op_register("par.array.arg_combine", op_arg_combine, NULL);
        par_op_register("par.array.arg_final", op_arg_final, NULL);
        par_op_register("par.array.arg_rows", op_arg_rows, NULL);
}
