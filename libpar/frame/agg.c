/* Frame aggregations and reshaping: column statistics, describe, tail,
 * repartition (groupby and value_counts are in groupby.c). Aggregations
 * are tree reductions (par__bag_tree) over a bag view of the frame. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "frame/internal.h"

/* ---- column statistics ------------------------------------------------------- */

/* A partial of one column's statistics; merged by Chan, Golub and
 * LeVeque's pairwise update of count, mean and M2. */
typedef struct fstats {
        int64_t n;
        int64_t isum, imin, imax;
        double sum, mean, m2, min, max;
} fstats;

static double value_at(const par_value *col, int64_t i)
{
        const int64_t *iv = par_column_int64(col);
        const double *fv = par_column_float64(col);
        return fv ? fv[i] : iv ? (double)iv[i] : (double)par_column_bool(col)[i];
}

/* Valid, non-NaN values of a numeric column, as doubles (*n of them). */
static double *valid_values(const par_value *col, int64_t *n)
{
        int64_t len = par_column_length(col), k = 0;
        double *x = par__malloc((size_t)(len ? len : 1) * sizeof *x);
        if (!x)
                return NULL;
        const uint8_t *valid = par_column_validity(col);
        for (int64_t i = 0; i < len; i++) {
                if (valid && !(valid[i >> 3] >> (i & 7) & 1))
                        continue;
                double v = value_at(col, i);
                if (v == v)
                        x[k++] = v;
        }
        *n = k;
        return x;
}

/* Pairwise summation, as NumPy's, so means agree with pandas' closely. */
static double pairwise_sum(const double *x, int64_t n)
{
        if (n <= 128) {
                double s = 0;
                for (int64_t i = 0; i < n; i++)
                        s += x[i];
                return s;
        }
        int64_t m = n / 2;
        return pairwise_sum(x, m) + pairwise_sum(x + m, n - m);
}

static void fstats_of(const par_value *col, const double *x, int64_t n, fstats *s)
{
        memset(s, 0, sizeof *s);
        s->n = n;
        s->imin = INT64_MAX;
        s->imax = INT64_MIN;
        s->min = INFINITY;
        s->max = -INFINITY;
        const int64_t *iv = par_column_int64(col);
        const uint8_t *bv = par_column_bool(col);
        int64_t len = par_column_length(col);
        for (int64_t i = 0; (iv || bv) && i < len; i++) {
                if (!par_column_is_valid(col, i))
                        continue;
                int64_t v = iv ? iv[i] : bv[i];
                s->isum = (int64_t)((uint64_t)s->isum + (uint64_t)v);
                s->imin = v < s->imin ? v : s->imin;
                s->imax = v > s->imax ? v : s->imax;
        }
        s->sum = pairwise_sum(x, n);
        s->mean = n ? s->sum / (double)n : 0;
        for (int64_t i = 0; i < n; i++) {
                double d = x[i] - s->mean;
                s->m2 += d * d;
                s->min = x[i] < s->min ? x[i] : s->min;
                s->max = x[i] > s->max ? x[i] : s->max;
        }
}

static void fstats_merge(fstats *a, const fstats *b)
{
        if (!b->n)
                return;
        if (!a->n) {
                *a = *b;
                return;
        }
        int64_t n = a->n + b->n;
        double delta = b->mean - a->mean;
        a->mean += delta * (double)b->n / (double)n;
        a->m2 += b->m2 + delta * delta * (double)a->n * (double)b->n / (double)n;
        a->sum += b->sum;
        a->isum = (int64_t)((uint64_t)a->isum + (uint64_t)b->isum);
        a->imin = b->imin < a->imin ? b->imin : a->imin;
        a->imax = b->imax > a->imax ? b->imax : a->imax;
        a->min = b->min < a->min ? b->min : a->min;
        a->max = b->max > a->max ? b->max : a->max;
        a->n = n;
}

/* The named numeric column of a partition, or a task failure. */
static int numeric_column(par_task_ctx *ctx, const char *op, const par_value *t,
                          const char *name, par_value **col)
{
        int64_t part = par_task_key(ctx).index;
        int c = par_value_is_table(t) ? par_table_find(t, name) : -1;
        if (c < 0)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "%s: partition %" PRId64 " has no column '%s'", op,
                                     part, name);
        *col = par_table_column(t, (size_t)c);
        par_dtype dt = par_column_dtype(*col);
        if (dt != PAR_DTYPE_INT64 && dt != PAR_DTYPE_FLOAT64 && dt != PAR_DTYPE_BOOL)
                return par_task_fail(ctx, PAR_ETYPE,
                                     "%s: column '%s' of partition %" PRId64
                                     " is %s; expected numbers",
                                     op, name, part, par_dtype_name(dt));
        return 0;
}

/* (table, column) -> fstats blob */
static int op_stat_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        par_value *col = NULL;
        int rc = numeric_column(ctx, "stat", args[0], par_value_bytes(args[1], NULL),
                                &col);
        if (rc < 0)
                return rc;
        int64_t k = 0;
        double *x = valid_values(col, &k);
        if (!x)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        fstats s;
        fstats_of(col, x, k, &s);
        par__free(x);
        *out = par_value_blob(&s, sizeof s);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int get_fstats(par_task_ctx *ctx, const par_value *v, fstats *s)
{
        size_t len;
        const char *p = par_value_bytes(v, &len);
        if (!p || len != sizeof *s)
                return par_task_fail(ctx, PAR_EINVAL, "stat: bad partial");
        memcpy(s, p, sizeof *s);
        return 0;
}

/* (fstats...) -> fstats */
static int op_stat_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        fstats acc, s;
        memset(&acc, 0, sizeof acc);
        for (size_t i = 0; i < n; i++) {
                int rc = get_fstats(ctx, args[i], &s);
                if (rc < 0)
                        return rc;
                fstats_merge(&acc, &s);
        }
        *out = par_value_blob(&acc, sizeof acc);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* (stat, dtype, fstats) -> the value */
static int op_stat_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        int64_t which = par_value_int64_of(args[0]);
        bool isint = par_value_int64_of(args[1]) != PAR_DTYPE_FLOAT64;
        fstats s;
        int rc = get_fstats(ctx, args[2], &s);
        if (rc < 0)
                return rc;
        double nn = (double)s.n;
        switch (which) {
        case 0:
                *out = par_value_int64(s.n);
                break;
        case PAR_STAT_SUM:
                *out = isint ? par_value_int64(s.isum) : par_value_float64(s.sum);
                break;
        case PAR_STAT_MIN:
        case PAR_STAT_MAX:
                if (!s.n)
                        *out = par_value_float64(NAN);
                else if (isint)
                        *out = par_value_int64(which == PAR_STAT_MIN ? s.imin : s.imax);
                else
                        *out = par_value_float64(which == PAR_STAT_MIN ? s.min : s.max);
                break;
        case PAR_STAT_MEAN:
                *out = par_value_float64(s.n ? s.mean : NAN);
                break;
        case PAR_STAT_VAR:
                *out = par_value_float64(s.n > 1 ? s.m2 / (nn - 1) : NAN);
                break;
        default:
                *out = par_value_float64(s.n > 1 ? sqrt(s.m2 / (nn - 1)) : NAN);
                break;
        }
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_frame_stat(par_frame *f, const char *column, par_stat stat,
                   par_delayed **out, par_error *err)
{
        if (out)
                *out = NULL;
        if (!f || !column || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "stat: frame, column and out are required");
        if ((int)stat < 0 || stat > PAR_STAT_STD)
                return par__errorf(err, PAR_EINVAL, "stat: unknown statistic %d of '%s'",
                                   (int)stat, column);
        int k = par__frame_find_column(f, "stat", column, err);
        if (k < 0)
                return k;
        par_dtype t = f->dtypes[k];
        if (t != PAR_DTYPE_INT64 && t != PAR_DTYPE_FLOAT64 && t != PAR_DTYPE_BOOL)
                return par__errorf(err, PAR_ETYPE,
                                   "stat: column '%s' is %s; expected numbers", column,
                                   par_dtype_name(t));
        static const char *const names[] = {"count", "sum", "min", "max", "mean", "var",
                                            "std"};
        par_bag *view = NULL;
        int rc = par__frame_as_bag(f, &view, err);
        if (rc == 0)
                rc = par__bag_tree(view, names[stat], "par.frame.stat_part", 1,
                                   (par_arg[]){par_arg_string(column)},
                                   "par.frame.stat_combine", 0, NULL,
                                   "par.frame.stat_final", 2,
                                   (par_arg[]){par_arg_int64(stat), par_arg_int64(t)}, 0,
                                   out, err);
        par_bag_release(view);
        return rc;
}

/* ---- describe ---------------------------------------------------------------- */

/* (table, names) -> a list of float64 columns: each named column's valid
 * values. */
static int op_describe_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                            par_value **out)
{
        (void)n;
        size_t k = par_value_list_size(args[1]);
        par_value **cols = par__calloc(k ? k : 1, sizeof *cols);
        if (!cols)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        int rc = 0;
        for (size_t i = 0; i < k && rc == 0; i++) {
                par_value *col = NULL;
                const char *name = par_value_bytes(par_value_list_item(args[1], i), NULL);
                rc = numeric_column(ctx, "describe", args[0], name, &col);
                if (rc < 0)
                        break;
                int64_t m = 0;
                double *x = valid_values(col, &m);
                cols[i] = x ? par_column_from_float64(x, m, NULL) : NULL;
                par__free(x);
                if (!cols[i])
                        rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        *out = rc == 0 ? par_value_list(k, cols) : NULL;
        if (rc == 0 && !*out)
                rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (size_t i = 0; i < k; i++)
                par_value_release(cols[i]);
        par__free(cols);
        return rc;
}

/* (ncols, lists...) -> one list: the columns concatenated in order. */
static int op_describe_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                               par_value **out)
{
        size_t k = (size_t)par_value_int64_of(args[0]), np = n - 1;
        par_value **cols = par__calloc(k ? k : 1, sizeof *cols);
        par_value **parts = par__calloc(np ? np : 1, sizeof *parts);
        int rc = cols && parts ? 0 : PAR_ENOMEM;
        for (size_t i = 0; i < k && rc == 0; i++) {
                for (size_t p = 0; p < np; p++)
                        parts[p] = par_value_list_item(args[1 + p], i);
                cols[i] = np ? par__column_concat(np, parts)
                             : par_column_from_float64(NULL, 0, NULL);
                if (!cols[i])
                        rc = PAR_ENOMEM;
        }
        *out = rc == 0 ? par_value_list(k, cols) : NULL;
        for (size_t i = 0; cols && i < k; i++)
                par_value_release(cols[i]);
        par__free(cols);
        par__free(parts);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

/* NumPy's linear interpolation at quantile q of sorted x[0..n). */
static double quantile(const double *x, int64_t n, double q)
{
        double vi = (double)n * q + (1 - q) - 1;
        double lo = floor(vi);
        int64_t i = (int64_t)lo;
        if (i < 0)
                return x[0];
        if (i >= n - 1)
                return x[n - 1];
        double t = vi - lo, a = x[i], b = x[i + 1], d = b - a;
        if (a == b)
                return a;
        return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/* count, mean, std, min, 25%, 50%, 75%, max of x (sorted in place). */
static void describe_values(double *x, int64_t n, double v[8])
{
        for (int i = 1; i < 8; i++)
                v[i] = NAN;
        v[0] = (double)n;
        if (!n)
                return;
        double mean = pairwise_sum(x, n) / (double)n, m2 = 0;
        for (int64_t i = 0; i < n; i++)
                m2 += (x[i] - mean) * (x[i] - mean);
        qsort(x, (size_t)n, sizeof *x, cmp_double);
        v[1] = mean;
        v[2] = n > 1 ? sqrt(m2 / (double)(n - 1)) : NAN;
        v[3] = x[0];
        v[4] = quantile(x, n, 0.25);
        v[5] = quantile(x, n, 0.5);
        v[6] = quantile(x, n, 0.75);
        v[7] = x[n - 1];
}

/* (names, list of value columns) -> the describe table. */
static int op_describe(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        (void)n;
        static const char *const stats[8] = {"count", "mean", "std", "min",
                                             "25%",   "50%",  "75%", "max"};
        size_t k = par_value_list_size(args[0]);
        par_value **cols = par__calloc(k + 1, sizeof *cols);
        const char **cn = par__calloc(k + 1, sizeof *cn);
        int rc = cols && cn ? 0 : PAR_ENOMEM;
        if (rc == 0 && !(cols[0] = par_column_from_cstrings(stats, 8)))
                rc = PAR_ENOMEM;
        if (cn)
                cn[0] = "stat";
        for (size_t i = 0; i < k && rc == 0; i++) {
                par_value *c = par_value_list_item(args[1], i);
                int64_t m = par_column_length(c);
                double *x = par__malloc((size_t)(m ? m : 1) * sizeof *x), v[8];
                if (!x) {
                        rc = PAR_ENOMEM;
                        break;
                }
                if (m)
                        memcpy(x, par_column_float64(c), (size_t)m * sizeof *x);
                describe_values(x, m, v);
                par__free(x);
                cn[1 + i] = par_value_bytes(par_value_list_item(args[0], i), NULL);
                if (!(cols[1 + i] = par_column_from_float64(v, 8, NULL)))
                        rc = PAR_ENOMEM;
        }
        *out = rc == 0 ? par_table_new(k + 1, cn, cols) : NULL;
        for (size_t i = 0; cols && i <= k; i++)
                par_value_release(cols[i]);
        par__free(cols);
        par__free(cn);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_frame_describe(par_frame *f, par_delayed **out, par_error *err)
{
        if (out)
                *out = NULL;
        if (!f || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "describe: frame and out are required");
        const char **names = par__calloc(f->ncols ? f->ncols : 1, sizeof *names);
        if (!names)
                return PAR__ENOMEM(err, "describe");
        size_t k = 0;
        for (size_t c = 0; c < f->ncols; c++)
                if (f->dtypes[c] == PAR_DTYPE_INT64 || f->dtypes[c] == PAR_DTYPE_FLOAT64)
                        names[k++] = f->names[c];
        par_value *nl = NULL;
        par_bag *view = NULL;
        int rc = k ? 0
                   : par__errorf(err, PAR_EINVAL,
                                 "describe: the frame has no numeric column");
        if (rc == 0) {
                nl = par__frame_string_list(k, names);
                rc = nl ? par__frame_as_bag(f, &view, err) : PAR__ENOMEM(err, "describe");
        }
        if (rc == 0)
                rc = par__bag_tree(view, "describe", "par.frame.describe_part", 1,
                                   (par_arg[]){par_arg_value(nl)},
                                   "par.frame.describe_combine", 1,
                                   (par_arg[]){par_arg_int64((int64_t)k)},
                                   "par.frame.describe", 1,
                                   (par_arg[]){par_arg_value(nl)}, 0, out, err);
        par_bag_release(view);
        par_value_release(nl);
        par__free(names);
        return rc;
}

int par_frame_tail(par_client *c, par_frame *f, int64_t n, par_value **out,
                   int64_t *got, par_error *err)
{
        if (!c || !f || !out || n < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "tail: client, frame, n >= 0 and out are required");
        *out = NULL;
        if (got)
                *got = 0;
        par_value *parts[64];
        size_t np = 0;
        int64_t have = 0;
        int rc = 0;
        for (int64_t i = f->npartitions - 1; i >= 0 && np < 64 && (have < n || np == 0);
             i--) {
                par_delayed *d = NULL;
                par_value *p = NULL;
                rc = par_frame_partition(f, i, &d, err);
                if (rc == 0)
                        rc = par_compute(c, 1, &d, &p, err);
                par_delayed_release(d);
                if (rc < 0)
                        break;
                int64_t len = par_table_length(p);
                int64_t take = len < n - have ? len : n - have;
                parts[np] = par__table_slice(p, len - take, take);
                par_value_release(p);
                if (!parts[np]) {
                        rc = PAR__ENOMEM(err, "tail");
                        break;
                }
                np++;
                have += take;
        }
        if (rc == 0 && np) {
                /* parts are newest first: reverse into order */
                for (size_t i = 0; i < np / 2; i++) {
                        par_value *t = parts[i];
                        parts[i] = parts[np - 1 - i];
                        parts[np - 1 - i] = t;
                }
                *out = par__table_concat(np, parts);
                if (!*out)
                        rc = PAR__ENOMEM(err, "tail");
        }
        for (size_t i = 0; i < np; i++)
                par_value_release(parts[i]);
        if (rc == 0 && got)
                *got = have;
        return rc;
}

/* (start, count, tables...) -> rows [start, start+count) of the tables
 * taken one after another. */
static int op_rows(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        int64_t start = par_value_int64_of(args[0]), count = par_value_int64_of(args[1]);
        par_value *parts[256];
        size_t np = 0;
        int64_t at = 0;
        for (size_t i = 2; i < n && np < 256; i++) {
                int64_t len = par_table_length(args[i]);
                int64_t lo = start > at ? start - at : 0;
                int64_t hi = start + count - at < len ? start + count - at : len;
                if (hi > lo) {
                        parts[np] = par__table_slice(args[i], lo, hi - lo);
                        if (!parts[np])
                                break;
                        np++;
                }
                at += len;
        }
        if (np == 0)
                parts[np++] = par__table_slice(args[2], 0, 0);
        *out = parts[0] ? par__table_concat(np, parts) : NULL;
        for (size_t i = 0; i < np; i++)
                par_value_release(parts[i]);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_frame_repartition(par_frame *f, int64_t n, par_frame **out, par_error *err)
{
        if (!f || !out || n < 1)
                return par__errorf(err, PAR_EINVAL,
                                   "repartition: a frame, n >= 1 and out are required");
        *out = NULL;
        int64_t old = f->npartitions;
        if (n > old && !f->lengths)
                return par__errorf(err, PAR_EINVAL,
                                   "repartition to %" PRId64 " > %" PRId64
                                   " partitions needs the partition lengths: persist "
                                   "the frame first",
                                   n, old);
        int64_t total = 0;
        for (int64_t i = 0; f->lengths && i < old; i++)
                total += f->lengths[i];
        char name[128];
        snprintf(name, sizeof name, "repartition-%016" PRIx64,
                 par__hash_bytes(f->name, strlen(f->name), (uint64_t)n));
        par_graph *g = par_graph_new();
        par_arg *a = par__malloc((size_t)(old + 2) * sizeof *a);
        int64_t *lengths = f->lengths ? par__malloc((size_t)n * sizeof *lengths) : NULL;
        int rc = g && a && (lengths || !f->lengths) ? 0 : PAR__ENOMEM(err, "repartition");
        for (int64_t j = 0; j < n && rc == 0; j++) {
                size_t k = 0;
                if (f->lengths) {
                        /* Even split of the rows. */
                        int64_t lo = total * j / n, hi = total * (j + 1) / n, at = 0;
                        a[k++] = par_arg_int64(lo);
                        a[k++] = par_arg_int64(hi - lo);
                        int64_t first = -1, cum = 0;
                        for (int64_t i = 0; i < old; i++) {
                                if (cum + f->lengths[i] > lo && cum < hi) {
                                        if (first < 0) {
                                                first = i;
                                                at = cum;
                                        }
                                        a[k++] = par_arg_key(f->name, i);
                                }
                                cum += f->lengths[i];
                        }
                        if (first < 0) {
                                a[k++] = par_arg_key(f->name, old - 1);
                                at = cum - f->lengths[old - 1];
                        }
                        a[0] = par_arg_int64(lo - at);
                        lengths[j] = hi - lo;
                } else {
                        int64_t lo = old * j / n, hi = old * (j + 1) / n;
                        a[k++] = par_arg_int64(0);
                        a[k++] = par_arg_int64(INT64_MAX / 2);
                        for (int64_t i = lo; i < hi; i++)
                                a[k++] = par_arg_key(f->name, i);
                }
                rc = par_graph_add(g, par_key_make(name, j), "par.frame.rows", k, a, err);
        }
        par__free(a);
        if (rc == 0) {
                rc = par__frame_new(g, name, n, f->ncols, f->names, f->dtypes, lengths, 1,
                                    &f->layer, f->nlayers + 1, out, err);
                g = NULL;
        }
        par_graph_free(g);
        par__free(lengths);
        return rc;
}

void par__frame_register_agg_ops(void)
{
        par_op_register("par.frame.stat_part", op_stat_part, NULL);
        par_op_register("par.frame.stat_combine", op_stat_combine, NULL);
        par_op_register("par.frame.stat_final", op_stat_final, NULL);
        par_op_register("par.frame.describe_part", op_describe_part, NULL);
        par_op_register("par.frame.describe_combine", op_describe_combine, NULL);
        par_op_register("par.frame.describe", op_describe, NULL);
        par__frame_register_groupby_ops();
        par_op_register("par.frame.rows", op_rows, NULL);
}
