/* Frame aggregations and reshaping: tail, value_counts, groupby-agg,
 * describe, repartition. Aggregations reuse the bag's tree reductions on a
 * bag view of one column. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "frame/internal.h"

static int column_bag(par_frame *f, const char *column, par_bag **out,
                      par_error *err)
{
        *out = NULL;
        size_t i = 0;
        while (i < f->ncols && strcmp(f->names[i], column) != 0)
                i++;
        if (i == f->ncols)
                return par__errorf(err, PAR_EINVAL, "no column '%s' in the frame",
                                   column);
        par_bag *view = NULL;
        int rc = par__frame_as_bag(f, &view, err);
        if (rc == 0)
                rc = par__bag_elementwise(view, "column", "par.frame.column", 1,
                                          (par_arg[]){par_arg_string(column)}, out,
                                          err);
        par_bag_release(view);
        return rc;
}

int par_frame_value_counts(par_frame *f, const char *column, par_delayed **out,
                           par_error *err)
{
        if (!f || !column || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "value_counts: frame, column and out are required");
        par_bag *b = NULL;
        int rc = column_bag(f, column, &b, err);
        if (rc == 0)
                rc = par_bag_frequencies(b, NULL, out, err);
        par_bag_release(b);
        return rc;
}

static const char *stat_name(par_stat s)
{
        switch ((int)s) {
        case 0: return "count";
        case PAR_STAT_SUM: return "sum";
        case PAR_STAT_MIN: return "min";
        case PAR_STAT_MAX: return "max";
        case PAR_STAT_MEAN: return "mean";
        default: return "?";
        }
}

/* (names list, tables...) -> one table: "key" of the first, then each
 * table's "value" under the given name. All are sorted by the same keys. */
static int op_join_groups(par_task_ctx *ctx, size_t n, par_value *const *args,
                          par_value **out)
{
        const par_value *names = args[0];
        size_t k = n - 1;
        par_value *cols[65];
        const char *cn[65];
        if (k > 64)
                return par_task_fail(ctx, PAR_EINVAL, "groupby: too many aggregations");
        cols[0] = par_table_column(args[1], 0);
        cn[0] = "key";
        for (size_t i = 0; i < k; i++) {
                if (par_table_length(args[1 + i]) != par_table_length(args[1]))
                        return par_task_fail(ctx, PAR_EINVAL, "groupby: groups differ");
                cols[1 + i] = par_table_column(args[1 + i], 1);
                cn[1 + i] = par_value_bytes(par_value_list_item(names, i), NULL);
        }
        *out = par_table_new(k + 1, cn, cols);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_frame_groupby_agg(par_frame *f, const char *key, size_t n,
                          const char *const *columns, const par_stat *stats,
                          par_delayed **out, par_error *err)
{
        if (!f || !key || !n || !columns || !stats || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "groupby: frame, key, aggregations and out are "
                                   "required");
        *out = NULL;
        if (n > 64)
                return par__errorf(err, PAR_EINVAL, "groupby: at most 64 aggregations");
        par_bag *view = NULL;
        int rc = par__frame_as_bag(f, &view, err);
        par_delayed *parts[64] = {0};
        par_value *names[64] = {0};
        for (size_t i = 0; i < n && rc == 0; i++) {
                bool found = false;
                for (size_t c = 0; c < f->ncols; c++)
                        found |= strcmp(f->names[c], columns[i]) == 0;
                if (!found) {
                        rc = par__errorf(err, PAR_EINVAL,
                                         "groupby: no column '%s' to aggregate",
                                         columns[i]);
                        break;
                }
                char nm[256];
                snprintf(nm, sizeof nm, "%s_%s", columns[i], stat_name(stats[i]));
                names[i] = par_value_cstring(nm);
                par_expr *ke = par_col(key), *ve = par_col(columns[i]);
                rc = names[i] && ke && ve
                             ? par_bag_foldby(view, ke, ve, stats[i], NULL, &parts[i], err)
                             : PAR__ENOMEM(err, "groupby");
                par_expr_release(ke);
                par_expr_release(ve);
        }
        par_value *nl = rc == 0 ? par_value_list(n, names) : NULL;
        if (rc == 0 && !nl)
                rc = PAR__ENOMEM(err, "groupby");
        if (rc == 0) {
                par_arg a[65];
                a[0] = par_arg_value(nl);
                for (size_t i = 0; i < n; i++)
                        a[1 + i] = par_arg_delayed(parts[i]);
                rc = par_delayed_call("par.frame.join_groups", n + 1, a, out, err);
        }
        par_value_release(nl);
        for (size_t i = 0; i < n; i++) {
                par_delayed_release(parts[i]);
                par_value_release(names[i]);
        }
        par_bag_release(view);
        return rc;
}

/* (values...) -> the describe table: stat names then one column per
 * input; each input is a stats list (count, mean, var_pop, min, max). */
static int op_describe(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        const par_value *names = args[0];
        size_t k = (n - 1) / 5;
        const char *stats[5] = {"count", "mean", "std", "min", "max"};
        par_value *cols[65];
        const char *cn[65];
        if (k > 64)
                return par_task_fail(ctx, PAR_EINVAL, "describe: too many columns");
        cols[0] = par_column_from_cstrings(stats, 5);
        cn[0] = "stat";
        size_t made = 1;
        for (size_t i = 0; i < k && cols[0]; i++) {
                double count = (double)par_value_int64_of(args[1 + 5 * i]);
                double mean = par_value_float64_of(args[2 + 5 * i]);
                double var = par_value_float64_of(args[3 + 5 * i]);
                double mn = par_value_float64_of(args[4 + 5 * i]);
                double mx = par_value_float64_of(args[5 + 5 * i]);
                double sd = count > 1 ? sqrt(var * count / (count - 1)) : NAN;
                double v[5] = {count, mean, sd, mn, mx};
                cols[1 + i] = par_column_from_float64(v, 5, NULL);
                cn[1 + i] = par_value_bytes(par_value_list_item(names, i), NULL);
                if (!cols[1 + i])
                        break;
                made++;
        }
        *out = made == k + 1 ? par_table_new(k + 1, cn, cols) : NULL;
        for (size_t i = 0; i < made; i++)
                par_value_release(cols[i]);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_frame_describe(par_frame *f, par_delayed **out, par_error *err)
{
        if (!f || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "describe: frame and out are required");
        *out = NULL;
        par_arg a[1 + 5 * 64];
        par_delayed *ds[5 * 64] = {0};
        par_value *names[64] = {0};
        size_t k = 0, nd = 0;
        int rc = 0;
        for (size_t c = 0; c < f->ncols && rc == 0 && k < 64; c++) {
                par_dtype t = f->dtypes[c];
                if (t != PAR_DTYPE_INT64 && t != PAR_DTYPE_FLOAT64)
                        continue;
                names[k] = par_value_cstring(f->names[c]);
                if (!names[k]) {
                        rc = PAR__ENOMEM(err, "describe");
                        break;
                }
                par_delayed *cnt = NULL;
                par_bag *b = NULL;
                rc = column_bag(f, f->names[c], &b, err);
                if (rc == 0)
                        rc = par_bag_count(b, NULL, &cnt, err);
                ds[nd++] = cnt;
                par_stat which[4] = {PAR_STAT_MEAN, PAR_STAT_VAR, PAR_STAT_MIN,
                                     PAR_STAT_MAX};
                for (int s = 0; s < 4 && rc == 0; s++) {
                        par_delayed *d = NULL;
                        rc = par_bag_stat(b, which[s], NULL, &d, err);
                        ds[nd++] = d;
                }
                par_bag_release(b);
                k++;
        }
        par_value *nl = rc == 0 ? par_value_list(k, names) : NULL;
        if (rc == 0 && !nl)
                rc = PAR__ENOMEM(err, "describe");
        if (rc == 0 && k == 0)
                rc = par__errorf(err, PAR_EINVAL, "describe: the frame has no numeric "
                                                  "column");
        if (rc == 0) {
                a[0] = par_arg_value(nl);
                for (size_t i = 0; i < nd; i++)
                        a[1 + i] = par_arg_delayed(ds[i]);
                rc = par_delayed_call("par.frame.describe", nd + 1, a, out, err);
        }
        par_value_release(nl);
        for (size_t i = 0; i < nd; i++)
                par_delayed_release(ds[i]);
        for (size_t i = 0; i < k; i++)
                par_value_release(names[i]);
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
        par_op_register("par.frame.join_groups", op_join_groups, NULL);
        par_op_register("par.frame.describe", op_describe, NULL);
        par_op_register("par.frame.rows", op_rows, NULL);
}
