/* Aggregations over bags: a per-partition op gives a partial result, a
 * tree of combine ops (fan-in split_every) merges partials, a final op
 * shapes the answer. Partials are small (a count, a stats record, a sorted
 * table of distinct values), so only they move between tasks. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bag/internal.h"

/* ---- the tree ---------------------------------------------------------------- */

int par__bag_tree(par_bag *b, const char *prefix, const char *part_op,
                  size_t npargs, const par_arg *pargs, const char *combine_op,
                  size_t ncargs, const par_arg *cargs, const char *final_op,
                  size_t nfargs, const par_arg *fargs, int split_every,
                  par_delayed **out, par_error *err)
{
        if (!b || !out)
                return par__errorf(err, PAR_EINVAL, "%s: bag and out are required",
                                   prefix);
        *out = NULL;
        if (split_every == 0)
                split_every = 8;
        if (split_every < 2)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: split_every = %d; expected at least 2",
                                   prefix, split_every);
        size_t maxargs = (size_t)split_every + ncargs + npargs + nfargs + 2;
        par_arg *a = par__malloc(maxargs * sizeof *a);
        par_graph *g = par_graph_new();
        char names[3][128];
        if (!a || !g) {
                par__free(a);
                par_graph_free(g);
                return PAR__ENOMEM(err, "building an aggregation");
        }
        uint64_t h = par__hash_bytes(part_op, strlen(part_op), 0);
        for (size_t i = 0; i < npargs; i++)
                h = par__hash_mix(h ^ (uint64_t)pargs[i].u.i) +
                    (pargs[i].kind == PAR_ARG_STRING || pargs[i].kind == PAR_ARG_BLOB
                             ? par__hash_bytes(pargs[i].u.bytes.ptr,
                                               pargs[i].u.bytes.len, 1)
                     : pargs[i].kind == PAR_ARG_VALUE
                             ? par__value_token(pargs[i].u.value, 1)
                             : 0);
        for (size_t i = 0; i < nfargs; i++)
                h = par__hash_mix(h ^ (uint64_t)fargs[i].u.i ^ 0x66);
        h = par__hash_mix(h ^ (uint64_t)split_every);
        char pfx[64];
        snprintf(pfx, sizeof pfx, "%s-part", prefix);
        par__bag_token(pfx, b, &h, sizeof h, names[0], sizeof names[0]);
        int rc = 0;
        for (int64_t i = 0; i < b->npartitions && rc == 0; i++) {
                a[0] = par_arg_key(b->name, i);
                for (size_t k = 0; k < npargs; k++)
                        a[1 + k] = pargs[k];
                rc = par_graph_add(g, par_key_make(names[0], i), part_op, 1 + npargs,
                                   a, err);
        }
        /* Combine levels, alternating between two names per level. */
        const char *cur = names[0];
        int64_t ncur = b->npartitions;
        int level = 0;
        char levelname[2][128];
        while (rc == 0 && ncur > 1) {
                char *next = levelname[level & 1];
                uint64_t lh = h ^ (uint64_t)(level + 1) * 0x9e37u;
                snprintf(pfx, sizeof pfx, "%s-agg", prefix);
                par__bag_token(pfx, b, &lh, sizeof lh, next, 128);
                int64_t nnext = (ncur + split_every - 1) / split_every;
                for (int64_t j = 0; j < nnext && rc == 0; j++) {
                        size_t k = 0;
                        for (size_t c = 0; c < ncargs; c++)
                                a[k++] = cargs[c];
                        for (int64_t i = j * split_every;
                             i < ncur && i < (j + 1) * split_every; i++)
                                a[k++] = par_arg_key(cur, i);
                        rc = par_graph_add(g, par_key_make(next, j), combine_op, k, a,
                                           err);
                }
                /* `cur` must outlive the adds above: copy before reuse. */
                memcpy(names[1 + (level & 1)], next, 128);
                cur = names[1 + (level & 1)];
                ncur = nnext;
                level++;
        }
        char final[128];
        snprintf(pfx, sizeof pfx, "%s", prefix);
        uint64_t fh = h ^ 0xf1a1u;
        par__bag_token(pfx, b, &fh, sizeof fh, final, sizeof final);
        if (rc == 0) {
                size_t k = 0;
                for (size_t c = 0; c < nfargs; c++)
                        a[k++] = fargs[c];
                if (ncur == 1) {
                        a[k++] = par_arg_key(cur, 0);
                        rc = par_graph_add(g, par_key_make(final, PAR_NO_INDEX),
                                           final_op ? final_op : "par.identity", k,
                                           a, err);
                } else {
                        /* An empty bag: combine nothing, then finish. */
                        rc = par_graph_add(g, par_key_make("empty-partial", PAR_NO_INDEX),
                                           combine_op, ncargs, cargs, err);
                        a[k++] = par_arg_key("empty-partial", PAR_NO_INDEX);
                        if (rc == 0)
                                rc = par_graph_add(g, par_key_make(final, PAR_NO_INDEX),
                                                   final_op ? final_op : "par.identity",
                                                   k, a, err);
                }
        }
        par__free(a);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        par__layer *layer = par__layer_new(g, 1, &b->layer);
        if (!layer)
                return PAR__ENOMEM(err, "building an aggregation");
        rc = par__delayed_from_layer(layer, final, PAR_NO_INDEX, out, err);
        par__layer_release(layer);
        return rc;
}

/* ---- count ------------------------------------------------------------------ */

static int op_count_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        *out = par_value_int64(par__partition_length(args[0]));
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_sum_int64(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        int64_t s = 0;
        for (size_t i = 0; i < n; i++)
                s += par_value_int64_of(args[i]);
        *out = par_value_int64(s);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_bag_count(par_bag *b, const par_agg_opts *opts, par_delayed **out,
                  par_error *err)
{
        /* Counting the lines of text (or of text filtered by a substring)
         * needs no line offsets: read and count in one pass per block. */
        par_bag *fused = NULL;
        if (b && out) {
                int rc = par__bag_fused_count(b, &fused, err);
                if (rc < 0)
                        return rc;
        }
        if (fused) {
                int rc = par__bag_tree(fused, "count", "par.identity", 0, NULL,
                                       "par.agg.sum_int64", 0, NULL, NULL, 0, NULL,
                                       opts ? opts->split_every : 0, out, err);
                par_bag_release(fused);
                return rc;
        }
        return par__bag_tree(b, "count", "par.bag.count_part", 0, NULL,
                             "par.agg.sum_int64", 0, NULL, NULL, 0, NULL,
                             opts ? opts->split_every : 0, out, err);
}

/* ---- numeric statistics ------------------------------------------------------- */

typedef struct stats {
        int64_t n;
        int dtype;    /* PAR_DTYPE_INT64 or FLOAT64 (0: no items seen) */
        int64_t isum, imin, imax;
        double sum, mean, m2, min, max;
} stats;

static int stats_of(par_task_ctx *ctx, const par_value *col, stats *s)
{
        memset(s, 0, sizeof *s);
        par_dtype t = par_column_dtype(col);
        int64_t n = par_column_length(col);
        if (t == PAR_DTYPE_BOOL)
                t = PAR_DTYPE_INT64; /* handled via the bytes below */
        if (t != PAR_DTYPE_INT64 && t != PAR_DTYPE_FLOAT64)
                return par_task_fail(ctx, PAR_ETYPE,
                                     "numeric aggregation over %s items "
                                     "(partition %" PRId64 ")",
                                     par_value_is_table(col)
                                             ? "record"
                                             : par_dtype_name(par_column_dtype(col)),
                                     par_task_key(ctx).index);
        s->dtype = t;
        const int64_t *iv = par_column_int64(col);
        const uint8_t *bv = par_column_bool(col);
        const double *fv = par_column_float64(col);
        bool nulls = par_column_validity(col) != NULL;
        s->imin = INT64_MAX;
        s->imax = INT64_MIN;
        s->min = INFINITY;
        s->max = -INFINITY;
        for (int64_t i = 0; i < n; i++) {
                if (nulls && !par_column_is_valid(col, i))
                        continue;
                double x;
                if (t == PAR_DTYPE_INT64) {
                        int64_t v = iv ? iv[i] : bv[i];
                        s->isum = (int64_t)((uint64_t)s->isum + (uint64_t)v);
                        if (v < s->imin)
                                s->imin = v;
                        if (v > s->imax)
                                s->imax = v;
                        x = (double)v;
                } else {
                        x = fv[i];
                        if (x < s->min)
                                s->min = x;
                        if (x > s->max)
                                s->max = x;
                }
                s->n++;
                s->sum += x;
        }
        s->mean = s->n ? s->sum / (double)s->n : 0;
        for (int64_t i = 0; i < n; i++) {
                if (nulls && !par_column_is_valid(col, i))
                        continue;
                double x = t == PAR_DTYPE_INT64 ? (double)(iv ? iv[i] : bv[i]) : fv[i];
                s->m2 += (x - s->mean) * (x - s->mean);
        }
        return 0;
}

/* Chan, Golub and LeVeque's pairwise update of count, mean and M2. */
static void stats_merge(stats *a, const stats *b)
{
        if (!b->n) {
                if (!a->dtype)
                        a->dtype = b->dtype;
                return;
        }
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
        if (b->dtype == PAR_DTYPE_FLOAT64)
                a->dtype = PAR_DTYPE_FLOAT64;
}

static int op_stat_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        stats s;
        int rc = stats_of(ctx, args[0], &s);
        if (rc < 0)
                return rc;
        *out = par_value_blob(&s, sizeof s);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_stat_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        stats acc;
        memset(&acc, 0, sizeof acc);
        for (size_t i = 0; i < n; i++) {
                size_t len;
                const char *p = par_value_bytes(args[i], &len);
                if (!p || len != sizeof(stats))
                        return par_task_fail(ctx, PAR_EINVAL, "bad stats partial");
                stats s;
                memcpy(&s, p, sizeof s);
                stats_merge(&acc, &s);
        }
        *out = par_value_blob(&acc, sizeof acc);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_stat_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        int64_t which = par_value_int64_of(args[0]);
        stats s;
        size_t len;
        const char *p = par_value_bytes(args[1], &len);
        if (!p || len != sizeof s)
                return par_task_fail(ctx, PAR_EINVAL, "bad stats partial");
        memcpy(&s, p, sizeof s);
        bool isint = s.dtype != PAR_DTYPE_FLOAT64;
        if (s.n == 0 && which != PAR_STAT_SUM)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "the bag has no items to take the %s of",
                                     which == PAR_STAT_MIN    ? "min"
                                     : which == PAR_STAT_MAX  ? "max"
                                     : which == PAR_STAT_MEAN ? "mean"
                                     : which == PAR_STAT_VAR  ? "variance"
                                                              : "std");
        switch (which) {
        case PAR_STAT_SUM:
                *out = isint ? par_value_int64(s.isum) : par_value_float64(s.sum);
                break;
        case PAR_STAT_MIN:
                *out = isint ? par_value_int64(s.imin) : par_value_float64(s.min);
                break;
        case PAR_STAT_MAX:
                *out = isint ? par_value_int64(s.imax) : par_value_float64(s.max);
                break;
        case PAR_STAT_MEAN:
                *out = par_value_float64(s.mean);
                break;
        case PAR_STAT_VAR:
                *out = par_value_float64(s.m2 / (double)s.n);
                break;
        default:
                *out = par_value_float64(sqrt(s.m2 / (double)s.n));
                break;
        }
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_bag_stat(par_bag *b, par_stat stat, const par_agg_opts *opts,
                 par_delayed **out, par_error *err)
{
        if (stat < PAR_STAT_SUM || stat > PAR_STAT_STD)
                return par__errorf(err, PAR_EINVAL, "par_bag_stat: unknown stat %d",
                                   (int)stat);
        static const char *const names[] = {"", "sum", "min", "max", "mean", "var",
                                            "std"};
        return par__bag_tree(b, names[stat], "par.bag.stat_part", 0, NULL,
                             "par.bag.stat_combine", 0, NULL, "par.bag.stat_final",
                             1, (par_arg[]){par_arg_int64(stat)},
                             opts ? opts->split_every : 0, out, err);
}

int par_bag_reduction(par_bag *b, const char *perpartition, const char *aggregate,
                      size_t nargs, const par_arg *args, const par_agg_opts *opts,
                      par_delayed **out, par_error *err)
{
        if (!perpartition || !aggregate || !par_op_lookup(perpartition) ||
            !par_op_lookup(aggregate))
                return par__errorf(err, PAR_ENOENT,
                                   "par_bag_reduction: ops '%s' and '%s' must be "
                                   "registered",
                                   perpartition ? perpartition : "(null)",
                                   aggregate ? aggregate : "(null)");
        return par__bag_tree(b, "reduction", perpartition, nargs, args, aggregate,
                             0, NULL, NULL, 0, NULL, opts ? opts->split_every : 0,
                             out, err);
}

/* ---- sorting-based aggregations ----------------------------------------------- */

/* Orders element i and j of a column: nulls last, NaN after numbers. */
static int cmp_elem(const par_value *col, int64_t i, int64_t j)
{
        bool vi = par_column_is_valid(col, i), vj = par_column_is_valid(col, j);
        if (!vi || !vj)
                return vi == vj ? 0 : (vi ? -1 : 1);
        switch (par_column_dtype(col)) {
        case PAR_DTYPE_INT64: {
                int64_t a = par_column_int64(col)[i], b = par_column_int64(col)[j];
                return (a > b) - (a < b);
        }
        case PAR_DTYPE_FLOAT64: {
                double a = par_column_float64(col)[i], b = par_column_float64(col)[j];
                if (isnan(a) || isnan(b))
                        return isnan(a) == isnan(b) ? 0 : (isnan(a) ? 1 : -1);
                return (a > b) - (a < b);
        }
        case PAR_DTYPE_BOOL: {
                int a = par_column_bool(col)[i], b = par_column_bool(col)[j];
                return (a > b) - (a < b);
        }
        case PAR_DTYPE_STRING: {
                size_t la, lb;
                const char *a = par_column_string(col, i, &la);
                const char *b = par_column_string(col, j, &lb);
                int r = memcmp(a, b, la < lb ? la : lb);
                return r ? r : (la > lb) - (la < lb);
        }
        default:
                return 0;
        }
}

typedef struct sort_ctx {
        const par_value *col;
        const int64_t *counts; /* tie-break / primary for frequencies */
        bool desc;
} sort_ctx;

static int cmp_idx(const void *pa, const void *pb, void *arg)
{
        const sort_ctx *s = arg;
        int64_t i = *(const int64_t *)pa, j = *(const int64_t *)pb;
        int r = cmp_elem(s->col, i, j);
        if (s->desc)
                r = -r;
        return r ? r : (i > j) - (i < j); /* stable */
}

/* Rows `idx[0..n)` of a column as a new column. */
static par_value *gather(const par_value *col, const int64_t *idx, int64_t n)
{
        int64_t len = par_column_length(col);
        (void)len;
        par_dtype t = par_column_dtype(col);
        size_t nbytes = 0;
        if (t == PAR_DTYPE_STRING)
                for (int64_t k = 0; k < n; k++) {
                        size_t l;
                        par_column_string(col, idx[k], &l);
                        nbytes += l;
                }
        par__column *c = par__column_alloc(t, n, nbytes);
        if (!c)
                return NULL;
        size_t at = 0;
        for (int64_t k = 0; k < n; k++) {
                int64_t i = idx[k];
                if (!par_column_is_valid(col, i)) {
                        if (par__column_add_validity(c) < 0) {
                                par__column_discard(c);
                                return NULL;
                        }
                        par__column_set_null(c, k);
                }
                switch (t) {
                case PAR_DTYPE_INT64:
                        ((int64_t *)c->data)[k] = par_column_int64(col)[i];
                        break;
                case PAR_DTYPE_FLOAT64:
                        ((double *)c->data)[k] = par_column_float64(col)[i];
                        break;
                case PAR_DTYPE_BOOL:
                        ((uint8_t *)c->data)[k] = par_column_bool(col)[i];
                        break;
                default: {
                        size_t l;
                        const char *s = par_column_string(col, i, &l);
                        memcpy((char *)c->data + at, s, l);
                        at += l;
                        c->offsets[k + 1] = (int64_t)at;
                        break;
                }
                }
        }
        return par__column_finish(c);
}

static int64_t *sorted_index(const par_value *col, bool desc)
{
        int64_t n = par_column_length(col);
        int64_t *idx = par__malloc((size_t)(n ? n : 1) * sizeof *idx);
        if (!idx)
                return NULL;
        for (int64_t i = 0; i < n; i++)
                idx[i] = i;
        sort_ctx s = {col, NULL, desc};
        qsort_r(idx, (size_t)n, sizeof *idx, cmp_idx, &s);
        return idx;
}

static int need_column(par_task_ctx *ctx, const par_value *v, const char *what)
{
        par_dtype t = par_column_dtype(v);
        if (t == PAR_DTYPE_INT64 || t == PAR_DTYPE_FLOAT64 || t == PAR_DTYPE_BOOL ||
            t == PAR_DTYPE_STRING)
                return 0;
        return par_task_fail(ctx, PAR_ETYPE,
                             "%s: items must be numbers, bools or strings, got "
                             "%s",
                             what, par_value_is_table(v) ? "records"
                                                         : par_dtype_name(t));
}

/* Distinct values with counts, sorted by value: (values, counts). `w`
 * gives weights (counts of already-counted values) or NULL for 1 each. */
static int count_distinct(const par_value *col, const int64_t *w,
                          par_value **values, par_value **counts)
{
        int64_t n = par_column_length(col);
        int64_t *idx = sorted_index(col, false);
        int64_t *firsts = par__malloc((size_t)(n ? n : 1) * sizeof *firsts);
        int64_t *cnt = par__malloc((size_t)(n ? n : 1) * sizeof *cnt);
        if (!idx || !firsts || !cnt) {
                par__free(idx);
                par__free(firsts);
                par__free(cnt);
                return PAR_ENOMEM;
        }
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++) {
                if (!par_column_is_valid(col, idx[i]))
                        continue; /* nulls are not counted */
                if (k && cmp_elem(col, firsts[k - 1], idx[i]) == 0) {
                        cnt[k - 1] += w ? w[idx[i]] : 1;
                } else {
                        firsts[k] = idx[i];
                        cnt[k] = w ? w[idx[i]] : 1;
                        k++;
                }
        }
        *values = gather(col, firsts, k);
        *counts = par_column_from_int64(cnt, k, NULL);
        par__free(idx);
        par__free(firsts);
        par__free(cnt);
        if (!*values || !*counts) {
                par_value_release(*values);
                par_value_release(*counts);
                return PAR_ENOMEM;
        }
        return 0;
}

static par_value *concat_cols(size_t n, par_value *const *parts, size_t col)
{
        par_value **cols = par__malloc((n ? n : 1) * sizeof *cols);
        if (!cols)
                return NULL;
        for (size_t i = 0; i < n; i++)
                cols[i] = par_value_is_table(parts[i])
                                  ? par_table_column(parts[i], col)
                                  : parts[i];
        par_value *r = par__column_concat(n, cols);
        par__free(cols);
        return r;
}

static int op_freq_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        int rc = need_column(ctx, args[0], "frequencies");
        if (rc < 0)
                return rc;
        par_value *v, *c;
        if (count_distinct(args[0], NULL, &v, &c) < 0)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        *out = par_table_new(2, (const char *[]){"value", "count"},
                             (par_value *[]){v, c});
        par_value_release(v);
        par_value_release(c);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_freq_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        if (n == 0) {
                par_value *v = par_column_from_int64(NULL, 0, NULL);
                par_value *c = par_column_from_int64(NULL, 0, NULL);
                *out = v && c ? par_table_new(2, (const char *[]){"value", "count"},
                                              (par_value *[]){v, c})
                              : NULL;
                par_value_release(v);
                par_value_release(c);
                return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        par_value *vals = concat_cols(n, args, 0), *cnts = concat_cols(n, args, 1);
        if (!vals || !cnts) {
                par_value_release(vals);
                par_value_release(cnts);
                return par_task_fail(ctx, PAR_ETYPE,
                                     "frequencies: partitions hold items of "
                                     "different types");
        }
        par_value *v, *c;
        int rc = count_distinct(vals, par_column_int64(cnts), &v, &c);
        par_value_release(vals);
        par_value_release(cnts);
        if (rc < 0)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        *out = par_table_new(2, (const char *[]){"value", "count"},
                             (par_value *[]){v, c});
        par_value_release(v);
        par_value_release(c);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

typedef struct freq_sort {
        const par_value *vals;
        const int64_t *cnt;
} freq_sort;

static int cmp_freq(const void *pa, const void *pb, void *arg)
{
        const freq_sort *f = arg;
        int64_t i = *(const int64_t *)pa, j = *(const int64_t *)pb;
        if (f->cnt[i] != f->cnt[j])
                return f->cnt[i] > f->cnt[j] ? -1 : 1;
        return cmp_elem(f->vals, i, j);
}

static int op_freq_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        par_value *vals = par_table_column(args[0], 0);
        par_value *cnts = par_table_column(args[0], 1);
        int64_t len = par_column_length(vals);
        int64_t *idx = par__malloc((size_t)(len ? len : 1) * sizeof *idx);
        if (!idx)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        for (int64_t i = 0; i < len; i++)
                idx[i] = i;
        freq_sort f = {vals, par_column_int64(cnts)};
        qsort_r(idx, (size_t)len, sizeof *idx, cmp_freq, &f);
        par_value *v = gather(vals, idx, len), *c = gather(cnts, idx, len);
        par__free(idx);
        *out = v && c ? par_table_new(2, (const char *[]){"value", "count"},
                                      (par_value *[]){v, c})
                      : NULL;
        par_value_release(v);
        par_value_release(c);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_bag_frequencies(par_bag *b, const par_agg_opts *opts, par_delayed **out,
                        par_error *err)
{
        return par__bag_tree(b, "frequencies", "par.bag.freq_part", 0, NULL,
                             "par.bag.freq_combine", 0, NULL, "par.bag.freq_final",
                             0, NULL, opts ? opts->split_every : 0, out, err);
}

/* distinct: the values column of a frequencies partial. */
static int op_distinct_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                             par_value **out)
{
        (void)ctx, (void)n;
        *out = par_value_retain(par_table_column(args[0], 0));
        return 0;
}

int par_bag_distinct(par_bag *b, const par_agg_opts *opts, par_delayed **out,
                     par_error *err)
{
        return par__bag_tree(b, "distinct", "par.bag.freq_part", 0, NULL,
                             "par.bag.freq_combine", 0, NULL,
                             "par.bag.distinct_final", 0, NULL,
                             opts ? opts->split_every : 0, out, err);
}

/* topk: args (k, smallest, key, partitions...) for combine; part gets
 * (partition, k, smallest, key). Records are ordered by the key field. */
static int topk_of(par_task_ctx *ctx, const par_value *part, int64_t k,
                   bool smallest, const char *key, par_value **out)
{
        const par_value *col = part;
        if (par_value_is_table(part)) {
                int i = key && *key ? par_table_find(part, key) : -1;
                if (i < 0)
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "topk: records need a key field%s%s",
                                             key && *key ? "; no field " : "",
                                             key && *key ? key : "");
                col = par_table_column(part, (size_t)i);
        }
        int rc = need_column(ctx, col, "topk");
        if (rc < 0)
                return rc;
        int64_t *idx = sorted_index(col, !smallest);
        if (!idx)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        int64_t len = par_column_length(col);
        int64_t m = k < len ? k : len;
        if (par_value_is_table(part)) {
                size_t nc = par_table_ncols(part);
                par_value *cols[64];
                if (nc > 64) {
                        par__free(idx);
                        return par_task_fail(ctx, PAR_EINVAL, "topk: too many fields");
                }
                size_t got = 0;
                for (; got < nc; got++) {
                        cols[got] = gather(par_table_column(part, got), idx, m);
                        if (!cols[got])
                                break;
                }
                *out = got == nc ? par__table_with(part, cols) : NULL;
                for (size_t i = 0; i < got; i++)
                        par_value_release(cols[i]);
        } else {
                *out = gather(col, idx, m);
        }
        par__free(idx);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_topk_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        bool smallest = false;
        par_value_get_bool(args[2], &smallest, NULL);
        return topk_of(ctx, args[0], par_value_int64_of(args[1]), smallest,
                       par_value_bytes(args[3], NULL), out);
}

static int op_topk_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        int64_t k = par_value_int64_of(args[0]);
        bool smallest = false;
        par_value_get_bool(args[1], &smallest, NULL);
        const char *key = par_value_bytes(args[2], NULL);
        size_t np = n - 3;
        if (np == 0) {
                *out = par_column_from_int64(NULL, 0, NULL);
                return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        par_value *all;
        if (par_value_is_table(args[3])) {
                size_t nc = par_table_ncols(args[3]);
                par_value *cols[64];
                size_t got = 0;
                for (; got < nc && got < 64; got++) {
                        cols[got] = concat_cols(np, args + 3, got);
                        if (!cols[got])
                                break;
                }
                all = got == nc ? par__table_with(args[3], cols) : NULL;
                for (size_t i = 0; i < got; i++)
                        par_value_release(cols[i]);
        } else {
                all = par__column_concat(np, args + 3);
        }
        if (!all)
                return par_task_fail(ctx, PAR_ETYPE,
                                     "topk: partitions hold items of different "
                                     "types");
        int rc = topk_of(ctx, all, k, smallest, key, out);
        par_value_release(all);
        return rc;
}

int par_bag_topk(par_bag *b, int64_t k, const char *key, bool smallest,
                 const par_agg_opts *opts, par_delayed **out, par_error *err)
{
        if (k < 0)
                return par__errorf(err, PAR_EINVAL, "topk: k = %" PRId64
                                                    " is negative",
                                   k);
        par_arg a[3] = {par_arg_int64(k), par_arg_bool(smallest),
                        par_arg_string(key ? key : "")};
        return par__bag_tree(b, "topk", "par.bag.topk_part", 3, a,
                             "par.bag.topk_combine", 3, a, NULL, 0, NULL,
                             opts ? opts->split_every : 0, out, err);
}

/* ---- foldby ----------------------------------------------------------------- */

/* Partial: table (key, n, sum, min, max) sorted by key, numeric value. */
static int groups_of(par_task_ctx *ctx, const par_value *keys,
                     const int64_t *gn, const double *gsum, const double *gmin,
                     const double *gmax, const double *val, par_value **out)
{
        int64_t n = par_column_length(keys);
        int64_t *idx = sorted_index(keys, false);
        int64_t *first = par__malloc((size_t)(n ? n : 1) * sizeof *first);
        int64_t *cn = par__malloc((size_t)(n ? n : 1) * sizeof *cn);
        double *cs = par__malloc((size_t)(n ? n : 1) * sizeof *cs);
        double *cmin = par__malloc((size_t)(n ? n : 1) * sizeof *cmin);
        double *cmax = par__malloc((size_t)(n ? n : 1) * sizeof *cmax);
        int rc = idx && first && cn && cs && cmin && cmax ? 0 : PAR_ENOMEM;
        int64_t g = 0;
        for (int64_t i = 0; i < n && rc == 0; i++) {
                int64_t r = idx[i];
                if (!par_column_is_valid(keys, r))
                        continue;
                double vn = gn ? (double)gn[r] : 1;
                double vs = gsum ? gsum[r] : val[r];
                double vmin = gmin ? gmin[r] : val[r];
                double vmax = gmax ? gmax[r] : val[r];
                if (g && cmp_elem(keys, first[g - 1], r) == 0) {
                        cn[g - 1] += (int64_t)vn;
                        cs[g - 1] += vs;
                        cmin[g - 1] = vmin < cmin[g - 1] ? vmin : cmin[g - 1];
                        cmax[g - 1] = vmax > cmax[g - 1] ? vmax : cmax[g - 1];
                } else {
                        first[g] = r;
                        cn[g] = (int64_t)vn;
                        cs[g] = vs;
                        cmin[g] = vmin;
                        cmax[g] = vmax;
                        g++;
                }
        }
        par_value *cols[5] = {0};
        if (rc == 0) {
                cols[0] = gather(keys, first, g);
                cols[1] = par_column_from_int64(cn, g, NULL);
                cols[2] = par_column_from_float64(cs, g, NULL);
                cols[3] = par_column_from_float64(cmin, g, NULL);
                cols[4] = par_column_from_float64(cmax, g, NULL);
                *out = cols[0] && cols[1] && cols[2] && cols[3] && cols[4]
                               ? par_table_new(5,
                                               (const char *[]){"key", "n", "sum",
                                                                "min", "max"},
                                               cols)
                               : NULL;
                if (!*out)
                        rc = PAR_ENOMEM;
        }
        for (int i = 0; i < 5; i++)
                par_value_release(cols[i]);
        par__free(idx);
        par__free(first);
        par__free(cn);
        par__free(cs);
        par__free(cmin);
        par__free(cmax);
        return rc < 0 ? par_task_fail(ctx, PAR_ENOMEM, "out of memory") : 0;
}

static int op_foldby_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                          par_value **out)
{
        (void)n;
        par_expr *ke = NULL, *ve = NULL;
        par_error e = {0};
        size_t l1, l2;
        const char *p1 = par_value_bytes(args[1], &l1);
        const char *p2 = par_value_bytes(args[2], &l2);
        int rc = par_expr_decode(p1, l1, &ke, &e);
        if (rc == 0)
                rc = par_expr_decode(p2, l2, &ve, &e);
        par_value *keys = NULL, *vals = NULL;
        if (rc == 0)
                rc = par_expr_eval(ke, args[0], &keys, &e);
        if (rc == 0)
                rc = par_expr_eval(ve, args[0], &vals, &e);
        par_expr_release(ke);
        par_expr_release(ve);
        if (rc < 0) {
                par_value_release(keys);
                par_value_release(vals);
                return par_task_fail(ctx, rc, "foldby: %s", e.message);
        }
        int64_t len = par_column_length(vals);
        double *v = par__malloc((size_t)(len ? len : 1) * sizeof *v);
        rc = 0;
        if (!v) {
                rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        } else if (par_column_dtype(vals) == PAR_DTYPE_FLOAT64) {
                memcpy(v, par_column_float64(vals), (size_t)len * sizeof *v);
        } else if (par_column_dtype(vals) == PAR_DTYPE_INT64) {
                for (int64_t i = 0; i < len; i++)
                        v[i] = (double)par_column_int64(vals)[i];
        } else if (par_column_dtype(vals) == PAR_DTYPE_BOOL) {
                for (int64_t i = 0; i < len; i++)
                        v[i] = par_column_bool(vals)[i];
        } else {
                rc = par_task_fail(ctx, PAR_ETYPE,
                                   "foldby: the value expression gave %s; "
                                   "expected numbers",
                                   par_dtype_name(par_column_dtype(vals)));
        }
        if (rc == 0)
                rc = need_column(ctx, keys, "foldby key");
        if (rc == 0)
                rc = groups_of(ctx, keys, NULL, NULL, NULL, NULL, v, out);
        par__free(v);
        par_value_release(keys);
        par_value_release(vals);
        return rc;
}

static int op_foldby_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                             par_value **out)
{
        if (n == 0)
                return par_task_fail(ctx, PAR_EINVAL, "foldby: the bag is empty");
        par_value *c[5];
        int got = 0;
        for (; got < 5; got++) {
                c[got] = concat_cols(n, args, (size_t)got);
                if (!c[got])
                        break;
        }
        int rc;
        if (got < 5)
                rc = par_task_fail(ctx, PAR_ETYPE,
                                   "foldby: partitions give keys of different "
                                   "types");
        else
                rc = groups_of(ctx, c[0], par_column_int64(c[1]),
                               par_column_float64(c[2]), par_column_float64(c[3]),
                               par_column_float64(c[4]), NULL, out);
        for (int i = 0; i < got; i++)
                par_value_release(c[i]);
        return rc;
}

static int op_foldby_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        (void)n;
        int64_t stat = par_value_int64_of(args[0]);
        const par_value *t = args[1];
        par_value *keys = par_table_column(t, 0);
        int64_t len = par_column_length(keys);
        const int64_t *cn = par_column_int64(par_table_column(t, 1));
        const double *cs = par_column_float64(par_table_column(t, 2));
        const double *cmin = par_column_float64(par_table_column(t, 3));
        const double *cmax = par_column_float64(par_table_column(t, 4));
        par_value *vals;
        if (stat == 0) {
                vals = par_column_from_int64(cn, len, NULL);
        } else {
                double *v = par__malloc((size_t)(len ? len : 1) * sizeof *v);
                if (!v)
                        return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
                for (int64_t i = 0; i < len; i++)
                        v[i] = stat == PAR_STAT_SUM   ? cs[i]
                               : stat == PAR_STAT_MIN ? cmin[i]
                               : stat == PAR_STAT_MAX ? cmax[i]
                                                      : cs[i] / (double)cn[i];
                vals = par_column_from_float64(v, len, NULL);
                par__free(v);
        }
        *out = vals ? par_table_new(2, (const char *[]){"key", "value"},
                                    (par_value *[]){keys, vals})
                    : NULL;
        par_value_release(vals);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_bag_foldby(par_bag *b, const par_expr *key, const par_expr *value,
                   par_stat stat, const par_agg_opts *opts, par_delayed **out,
                   par_error *err)
{
        if (stat != 0 && stat != PAR_STAT_SUM && stat != PAR_STAT_MIN &&
            stat != PAR_STAT_MAX && stat != PAR_STAT_MEAN)
                return par__errorf(err, PAR_EINVAL,
                                   "foldby: stat must be 0 (count), SUM, MIN, MAX "
                                   "or MEAN");
        int rc = par_expr_check(key, err);
        if (rc == 0)
                rc = par_expr_check(value, err);
        if (rc < 0)
                return rc;
        par_value *kb = par_expr_encode(key), *vb = par_expr_encode(value);
        if (!kb || !vb) {
                par_value_release(kb);
                par_value_release(vb);
                return PAR__ENOMEM(err, "encoding expressions");
        }
        rc = par__bag_tree(b, "foldby", "par.bag.foldby_part", 2,
                           (par_arg[]){par_arg_value(kb), par_arg_value(vb)},
                           "par.bag.foldby_combine", 0, NULL,
                           "par.bag.foldby_final", 1,
                           (par_arg[]){par_arg_int64(stat)},
                           opts ? opts->split_every : 0, out, err);
        par_value_release(kb);
        par_value_release(vb);
        return rc;
}

/* (partition, binop name, initial) -> binop(...binop(initial, x0)..., xn) */
static int op_fold_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                        par_value **out)
{
        (void)n;
        const char *name = par_value_bytes(args[1], NULL);
        par_op_fn fn = par_op_lookup(name);
        if (!fn)
                return par_task_fail(ctx, PAR_ENOENT, "fold: op '%s' is not "
                                                      "registered", name);
        const par_value *part = args[0];
        if (!par_value_is_column(part))
                return par_task_fail(ctx, PAR_ETYPE,
                                     "fold: items must be single values, not "
                                     "records");
        par_value *acc = par_value_retain(args[2]);
        int64_t len = par_column_length(part);
        for (int64_t i = 0; i < len; i++) {
                par_value *x = par_column_get(part, i);
                par_value *next = NULL;
                int rc = x ? fn(ctx, 2, (par_value *[]){acc, x}, &next)
                           : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
                par_value_release(x);
                par_value_release(acc);
                if (rc < 0)
                        return rc;
                acc = next;
        }
        *out = acc;
        return 0;
}

/* (combine name, partials...) -> combine(combine(p0, p1), p2)... */
static int op_fold_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        const char *name = par_value_bytes(args[0], NULL);
        par_op_fn fn = par_op_lookup(name);
        if (!fn)
                return par_task_fail(ctx, PAR_ENOENT, "fold: op '%s' is not "
                                                      "registered", name);
        if (n < 2)
                return par_task_fail(ctx, PAR_EINVAL, "fold: nothing to combine");
        par_value *acc = par_value_retain(args[1]);
        for (size_t i = 2; i < n; i++) {
                par_value *next = NULL;
                int rc = fn(ctx, 2, (par_value *[]){acc, args[i]}, &next);
                par_value_release(acc);
                if (rc < 0)
                        return rc;
                acc = next;
        }
        *out = acc;
        return 0;
}

int par_bag_fold(par_bag *b, const char *binop, const char *combine,
                 par_value *initial, const par_agg_opts *opts, par_delayed **out,
                 par_error *err)
{
        if (!combine)
                combine = binop;
        if (!binop || !par_op_lookup(binop) || !par_op_lookup(combine))
                return par__errorf(err, PAR_ENOENT,
                                   "fold: ops '%s' and '%s' must be registered",
                                   binop ? binop : "(null)",
                                   combine ? combine : "(null)");
        if (!initial)
                return par__errorf(err, PAR_EINVAL, "fold: an initial value is "
                                                    "required");
        par_arg pa[2] = {par_arg_string(binop), par_arg_value(initial)};
        par_arg ca[1] = {par_arg_string(combine)};
        return par__bag_tree(b, "fold", "par.bag.fold_part", 2, pa,
                             "par.bag.fold_combine", 1, ca, NULL, 0, NULL,
                             opts ? opts->split_every : 0, out, err);
}

void par__bag_register_agg_ops(void)
{
        par_op_register("par.bag.fold_part", op_fold_part, NULL);
        par_op_register("par.bag.fold_combine", op_fold_combine, NULL);
        par_op_register("par.bag.count_part", op_count_part, NULL);
        par_op_register("par.agg.sum_int64", op_sum_int64, NULL);
        par_op_register("par.bag.stat_part", op_stat_part, NULL);
        par_op_register("par.bag.stat_combine", op_stat_combine, NULL);
        par_op_register("par.bag.stat_final", op_stat_final, NULL);
        par_op_register("par.bag.freq_part", op_freq_part, NULL);
        par_op_register("par.bag.freq_combine", op_freq_combine, NULL);
        par_op_register("par.bag.freq_final", op_freq_final, NULL);
        par_op_register("par.bag.distinct_final", op_distinct_final, NULL);
        par_op_register("par.bag.topk_part", op_topk_part, NULL);
        par_op_register("par.bag.topk_combine", op_topk_combine, NULL);
        par_op_register("par.bag.foldby_part", op_foldby_part, NULL);
        par_op_register("par.bag.foldby_combine", op_foldby_combine, NULL);
        par_op_register("par.bag.foldby_final", op_foldby_final, NULL);
}
