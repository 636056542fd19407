/* Frames: construction, the lazy column operations, and getting results
 * (head, compute, persist, statistics, printing). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "backend/backend.h"
#include "expr/internal.h"
#include "frame/internal.h"

/* ---- tables ------------------------------------------------------------------- */

static par_value *table_map(const par_value *t,
                            par_value *(*fn)(par_value *col, const void *arg),
                            const void *arg)
{
        size_t nc = par_table_ncols(t);
        par_value **cols = par__calloc(nc ? nc : 1, sizeof *cols);
        if (!cols)
                return NULL;
        size_t got = 0;
        for (; got < nc; got++) {
                cols[got] = fn(par_table_column(t, got), arg);
                if (!cols[got])
                        break;
        }
        par_value *r = got == nc ? par__table_with(t, cols) : NULL;
        for (size_t i = 0; i < got; i++)
                par_value_release(cols[i]);
        par__free(cols);
        return r;
}

typedef struct filt {
        const uint8_t *sel;
        int64_t nsel;
} filt;

static par_value *filter_col(par_value *col, const void *arg)
{
        const filt *f = arg;
        return par__column_filter(col, f->sel, f->nsel);
}

par_value *par__table_filter(const par_value *t, const uint8_t *sel, int64_t nsel)
{
        filt f = {sel, nsel};
        return table_map(t, filter_col, &f);
}

typedef struct slc {
        int64_t start, n;
} slc;

static par_value *slice_col(par_value *col, const void *arg)
{
        const slc *s = arg;
        return par__column_slice(col, s->start, s->n);
}

par_value *par__table_slice(par_value *t, int64_t start, int64_t n)
{
        slc s = {start, n};
        return table_map(t, slice_col, &s);
}

par_value *par__table_concat(size_t n, par_value *const *tables)
{
        if (n == 1)
                return par_value_retain(tables[0]);
        size_t nc = par_table_ncols(tables[0]);
        par_value **cols = par__calloc(nc ? nc : 1, sizeof *cols);
        par_value **tmp = par__calloc(n, sizeof *tmp);
        par_value *r = NULL;
        size_t got = 0;
        if (cols && tmp) {
                for (; got < nc; got++) {
                        for (size_t i = 0; i < n; i++)
                                tmp[i] = par_table_column(tables[i], got);
                        cols[got] = par__column_concat(n, tmp);
                        if (!cols[got])
                                break;
                }
                if (got == nc)
                        r = par__table_with(tables[0], cols);
        }
        for (size_t i = 0; cols && i < got; i++)
                par_value_release(cols[i]);
        par__free(cols);
        par__free(tmp);
        return r;
}

/* ---- the frame object ------------------------------------------------------------- */

int par__frame_new(par_graph *g, const char *name, int64_t n, size_t ncols,
                   char *const *names, const par_dtype *dtypes,
                   const int64_t *lengths, size_t nparents,
                   par__layer *const *parents, int nlayers, par_frame **out,
                   par_error *err)
{
        *out = NULL;
        par_frame *f = par__calloc(1, sizeof *f);
        if (!f) {
                par_graph_free(g);
                return PAR__ENOMEM(err, "making a frame");
        }
        f->layer = par__layer_new(g, nparents, parents);
        f->name = par__strdup(name);
        f->names = par__calloc(ncols ? ncols : 1, sizeof *f->names);
        f->dtypes = par__calloc(ncols ? ncols : 1, sizeof *f->dtypes);
        bool ok = f->layer && f->name && f->names && f->dtypes;
        for (size_t i = 0; ok && i < ncols; i++) {
                f->names[i] = par__strdup(names[i]);
                ok = f->names[i] != NULL;
                f->dtypes[i] = dtypes[i];
        }
        f->ncols = ncols;
        if (ok && lengths) {
                f->lengths = par__malloc((size_t)(n ? n : 1) * sizeof *f->lengths);
                ok = f->lengths != NULL;
                if (ok)
                        memcpy(f->lengths, lengths, (size_t)n * sizeof *lengths);
        }
        atomic_init(&f->refs, 1);
        f->npartitions = n;
        f->nlayers = nlayers;
        if (!ok) {
                par_frame_release(f);
                return PAR__ENOMEM(err, "making a frame");
        }
        *out = f;
        return 0;
}

par_frame *par_frame_retain(par_frame *f)
{
        if (f)
                atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
        return f;
}

void par_frame_release(par_frame *f)
{
        if (!f || atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
                return;
        par__layer_release(f->layer);
        for (size_t i = 0; f->names && i < f->ncols; i++)
                par__free(f->names[i]);
        par__free(f->names);
        par__free(f->dtypes);
        par__free(f->lengths);
        par__free(f->name);
        par__free(f);
}

int64_t par_frame_npartitions(const par_frame *f)
{
        return f ? f->npartitions : 0;
}

size_t par_frame_ncols(const par_frame *f)
{
        return f ? f->ncols : 0;
}

const char *par_frame_column_name(const par_frame *f, size_t i)
{
        return f && i < f->ncols ? f->names[i] : NULL;
}

par_dtype par_frame_column_dtype(const par_frame *f, size_t i)
{
        return f && i < f->ncols ? f->dtypes[i] : PAR_DTYPE_NONE;
}

const int64_t *par_frame_lengths(const par_frame *f)
{
        return f ? f->lengths : NULL;
}

int par_frame_partition(const par_frame *f, int64_t i, par_delayed **out,
                        par_error *err)
{
        if (!f || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "par_frame_partition: frame and out are required");
        if (i < 0 || i >= f->npartitions)
                return par__errorf(err, PAR_ERANGE,
                                   "par_frame_partition: partition %" PRId64
                                   " of a frame of %" PRId64 " partitions",
                                   i, f->npartitions);
        return par__delayed_from_layer(f->layer, f->name, i, out, err);
}

int par__frame_as_bag(const par_frame *f, par_bag **out, par_error *err)
{
        /* An empty layer on top of the frame's: the bag's tasks are the
         * frame's own. */
        par_graph *g = par_graph_new();
        if (!g)
                return PAR__ENOMEM(err, "viewing a frame as a bag");
        int rc = par__bag_new(g, f->name, f->npartitions, 0, NULL, out, err);
        if (rc < 0)
                return rc;
        par__layer_release((*out)->layer);
        (*out)->layer = par__layer_retain(f->layer);
        return 0;
}

static int find_col(const par_frame *f, const char *name)
{
        for (size_t i = 0; name && i < f->ncols; i++)
                if (strcmp(f->names[i], name) == 0)
                        return (int)i;
        return -1;
}

static int unknown_col(const par_frame *f, const char *what, const char *name,
                       par_error *err)
{
        char list[400] = "";
        size_t at = 0;
        for (size_t i = 0; i < f->ncols && at < sizeof list; i++)
                at += (size_t)snprintf(list + at, sizeof list - at, "%s'%s'",
                                       i ? ", " : "", f->names[i]);
        return par__errorf(err, PAR_EINVAL, "%s: no column '%s' (columns: %s)",
                           what, name ? name : "(null)", list);
}

/* A layer applying op(partition i, args...) to every partition. */
static int frame_layer(par_frame *f, const char *prefix, const char *op,
                       size_t nargs, const par_arg *args, size_t ncols,
                       char *const *names, const par_dtype *dtypes,
                       bool keep_lengths, par_frame **out, par_error *err)
{
        uint64_t h = par__hash_bytes(op, strlen(op), 0);
        for (size_t i = 0; i < nargs; i++) {
                const par_arg *a = &args[i];
                if (a->kind == PAR_ARG_STRING || a->kind == PAR_ARG_BLOB)
                        h = par__hash_bytes(a->u.bytes.ptr, a->u.bytes.len, h);
                else if (a->kind == PAR_ARG_VALUE)
                        h = par__value_token(a->u.value, h);
                else
                        h = par__hash_mix(h ^ (uint64_t)a->u.i);
        }
        h = par__hash_bytes(f->name, strlen(f->name), h);
        char name[128];
        snprintf(name, sizeof name, "%s-%016" PRIx64, prefix, h);
        par_graph *g = par_graph_new();
        par_arg a[8];
        if (!g || nargs > 7) {
                par_graph_free(g);
                return PAR__ENOMEM(err, "building a frame operation");
        }
        for (size_t i = 0; i < nargs; i++)
                a[i + 1] = args[i];
        int rc = 0;
        for (int64_t i = 0; i < f->npartitions && rc == 0; i++) {
                a[0] = par_arg_key(f->name, i);
                rc = par_graph_add(g, par_key_make(name, i), op, nargs + 1, a, err);
        }
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__frame_new(g, name, f->npartitions, ncols, names, dtypes,
                               keep_lengths ? f->lengths : NULL, 1, &f->layer,
                               f->nlayers + 1, out, err);
}

/* Names and dtypes as values, for task arguments. */
static par_value *names_value(size_t n, char *const *names)
{
        par_value **items = par__calloc(n ? n : 1, sizeof *items);
        if (!items)
                return NULL;
        size_t got = 0;
        for (; got < n; got++) {
                items[got] = par_value_cstring(names[got]);
                if (!items[got])
                        break;
        }
        par_value *v = got == n ? par_value_list(n, items) : NULL;
        for (size_t i = 0; i < got; i++)
                par_value_release(items[i]);
        par__free(items);
        return v;
}

static par_value *dtypes_value(size_t n, const par_dtype *d)
{
        int64_t *v = par__malloc((n ? n : 1) * sizeof *v);
        if (!v)
                return NULL;
        for (size_t i = 0; i < n; i++)
                v[i] = d[i];
        par_value *r = par_value_blob(v, n * sizeof *v);
        par__free(v);
        return r;
}

/* ---- from a bag ------------------------------------------------------------------ */

static int op_from_bag(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        (void)n;
        par_value *part = args[0];
        const par_value *names = args[1];
        size_t len;
        const int64_t *dt = (const int64_t *)(const void *)par_value_bytes(args[2], &len);
        size_t nc = par_value_list_size(names);
        par_value *cols[64];
        const char *cnames[64];
        if (nc > 64)
                return par_task_fail(ctx, PAR_EINVAL, "to_dataframe: too many columns");
        int rc = 0;
        size_t got = 0;
        for (; got < nc && rc == 0; got++) {
                cnames[got] = par_value_bytes(par_value_list_item(names, got), NULL);
                par_value *src;
                if (par_value_is_column(part)) {
                        src = part;
                } else {
                        int i = par_table_find(part, cnames[got]);
                        if (i < 0) {
                                rc = par_task_fail(ctx, PAR_EINVAL,
                                                   "to_dataframe: partition %" PRId64
                                                   " has no field '%s'",
                                                   par_task_key(ctx).index,
                                                   cnames[got]);
                                break;
                        }
                        src = par_table_column(part, (size_t)i);
                }
                par_dtype want = (par_dtype)dt[got], have = par_column_dtype(src);
                if (want == have || want == PAR_DTYPE_NONE) {
                        cols[got] = par_value_retain(src);
                } else if (want == PAR_DTYPE_FLOAT64 &&
                           (have == PAR_DTYPE_INT64 || have == PAR_DTYPE_BOOL)) {
                        par_expr *e = par_call("float64", 1, (par_expr *[]){par_x()});
                        par_error e2 = {0};
                        cols[got] = NULL;
                        rc = e ? par_expr_eval(e, src, &cols[got], &e2) : PAR_ENOMEM;
                        par_expr_release(e);
                        if (rc < 0) {
                                rc = par_task_fail(ctx, rc, "%s", e2.message);
                                break;
                        }
                } else {
                        rc = par_task_fail(ctx, PAR_ETYPE,
                                           "to_dataframe: column '%s' was declared "
                                           "%s but partition %" PRId64 " holds %s",
                                           cnames[got], par_dtype_name(want),
                                           par_task_key(ctx).index,
                                           par_dtype_name(have));
                        break;
                }
        }
        if (rc == 0 && par_value_is_column(part) && nc != 1)
                rc = par_task_fail(ctx, PAR_EINVAL,
                                   "to_dataframe: items are single values; "
                                   "declare one column, not %zu",
                                   nc);
        if (rc == 0) {
                *out = par_table_new(nc, cnames, cols);
                if (!*out)
                        rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < got; i++)
                par_value_release(cols[i]);
        return rc;
}

int par_bag_to_dataframe(par_bag *b, size_t ncols, const char *const *names,
                         const par_dtype *dtypes, par_frame **out, par_error *err)
{
        if (!b || !out || !ncols || !names || !dtypes)
                return par__errorf(err, PAR_EINVAL,
                                   "to_dataframe: bag, names, dtypes and out are "
                                   "required");
        *out = NULL;
        for (size_t i = 0; i < ncols; i++) {
                if (!names[i])
                        return par__errorf(err, PAR_EINVAL,
                                           "to_dataframe: column %zu has no name", i);
                if (dtypes[i] == PAR_DTYPE_LIST || dtypes[i] == PAR_DTYPE_NONE)
                        return par__errorf(err, PAR_EINVAL,
                                           "to_dataframe: column '%s' needs a dtype "
                                           "(int64, float64, bool or string)",
                                           names[i]);
        }
        par_value *nv = names_value(ncols, (char *const *)names);
        par_value *dv = dtypes_value(ncols, dtypes);
        if (!nv || !dv) {
                par_value_release(nv);
                par_value_release(dv);
                return PAR__ENOMEM(err, "making a frame");
        }
        par_arg args[2] = {par_arg_value(nv), par_arg_value(dv)};
        uint64_t h = par__value_token(nv, par__value_token(dv, 0));
        h = par__hash_bytes(b->name, strlen(b->name), h);
        char name[128];
        snprintf(name, sizeof name, "to-dataframe-%016" PRIx64, h);
        par_graph *g = par_graph_new();
        int rc = g ? 0 : PAR__ENOMEM(err, "making a frame");
        for (int64_t i = 0; i < b->npartitions && rc == 0; i++) {
                par_arg a[3] = {par_arg_key(b->name, i), args[0], args[1]};
                rc = par_graph_add(g, par_key_make(name, i), "par.frame.from_bag", 3, a,
                                   err);
        }
        par_value_release(nv);
        par_value_release(dv);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__frame_new(g, name, b->npartitions, ncols, (char *const *)names,
                              dtypes, NULL, 1, &b->layer, 2, out, err);
}

int par_frame_from_tables(size_t n, par_value *const *tables, par_frame **out,
                          par_error *err)
{
        if (!out || !n || !tables)
                return par__errorf(err, PAR_EINVAL,
                                   "par_frame_from_tables: tables and out are "
                                   "required");
        *out = NULL;
        size_t nc = par_table_ncols(tables[0]);
        for (size_t i = 0; i < n; i++) {
                bool ok = par_value_is_table(tables[i]) &&
                          par_table_ncols(tables[i]) == nc;
                for (size_t c = 0; ok && c < nc; c++)
                        ok = strcmp(par_table_name(tables[i], c),
                                    par_table_name(tables[0], c)) == 0 &&
                             par_column_dtype(par_table_column(tables[i], c)) ==
                                     par_column_dtype(par_table_column(tables[0], c));
                if (!ok)
                        return par__errorf(err, PAR_EINVAL,
                                           "par_frame_from_tables: table %zu is not "
                                           "a table with the columns of table 0",
                                           i);
        }
        char **names = par__calloc(nc ? nc : 1, sizeof *names);
        par_dtype *dt = par__calloc(nc ? nc : 1, sizeof *dt);
        int64_t *lengths = par__calloc(n, sizeof *lengths);
        uint64_t h = 0;
        for (size_t i = 0; i < n; i++) {
                h = par__hash_mix(h ^ (uint64_t)(uintptr_t)tables[i]);
                if (lengths)
                        lengths[i] = par_table_length(tables[i]);
        }
        char name[128];
        snprintf(name, sizeof name, "from-tables-%016" PRIx64, h);
        par_graph *g = par_graph_new();
        int rc = names && dt && lengths && g ? 0 : PAR__ENOMEM(err, "making a frame");
        for (size_t c = 0; rc == 0 && c < nc; c++) {
                names[c] = (char *)par_table_name(tables[0], c);
                dt[c] = par_column_dtype(par_table_column(tables[0], c));
        }
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = par_graph_add(g, par_key_make(name, (int64_t)i), "par.identity", 1,
                                   (par_arg[]){par_arg_value(tables[i])}, err);
        if (rc == 0) {
                rc = par__frame_new(g, name, (int64_t)n, nc, names, dt, lengths, 0,
                                    NULL, 1, out, err);
                g = NULL;
        }
        par_graph_free(g);
        par__free(names);
        par__free(dt);
        par__free(lengths);
        return rc;
}

/* ---- lazy operations --------------------------------------------------------------- */

static int op_select(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        (void)n;
        const par_value *names = args[1];
        size_t nc = par_value_list_size(names);
        par_value *cols[256];
        const char *cn[256];
        if (nc > 256)
                return par_task_fail(ctx, PAR_EINVAL, "select: too many columns");
        for (size_t i = 0; i < nc; i++) {
                cn[i] = par_value_bytes(par_value_list_item(names, i), NULL);
                int k = par_table_find(args[0], cn[i]);
                if (k < 0)
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "select: partition %" PRId64
                                             " has no column '%s'",
                                             par_task_key(ctx).index, cn[i]);
                cols[i] = par_table_column(args[0], (size_t)k);
        }
        *out = par_table_new(nc, cn, cols);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_frame_select(par_frame *f, size_t n, const char *const *names,
                     par_frame **out, par_error *err)
{
        if (!f || !out || !n || !names)
                return par__errorf(err, PAR_EINVAL,
                                   "select: frame, column names and out are "
                                   "required");
        *out = NULL;
        par_dtype *dt = par__calloc(n, sizeof *dt);
        if (!dt)
                return PAR__ENOMEM(err, "selecting columns");
        for (size_t i = 0; i < n; i++) {
                int k = find_col(f, names[i]);
                if (k < 0) {
                        par__free(dt);
                        return unknown_col(f, "select", names[i], err);
                }
                dt[i] = f->dtypes[k];
        }
        par_value *nv = names_value(n, (char *const *)names);
        int rc = nv ? frame_layer(f, "select", "par.frame.select", 1,
                                  (par_arg[]){par_arg_value(nv)}, n,
                                  (char *const *)names, dt, true, out, err)
                    : PAR__ENOMEM(err, "selecting columns");
        par_value_release(nv);
        par__free(dt);
        return rc;
}

static int op_assign(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        (void)n;
        const char *name = par_value_bytes(args[1], NULL);
        size_t len;
        const char *blob = par_value_bytes(args[2], &len);
        par_expr *e = NULL;
        par_error err = {0};
        int rc = par_expr_decode(blob, len, &e, &err);
        par_value *col = NULL;
        if (rc == 0)
                rc = par_expr_eval(e, args[0], &col, &err);
        par_expr_release(e);
        if (rc < 0)
                return par_task_fail(ctx, rc, "assign %s: %s", name, err.message);
        size_t nc = par_table_ncols(args[0]);
        int at = par_table_find(args[0], name);
        size_t total = at < 0 ? nc + 1 : nc;
        par_value **cols = par__calloc(total, sizeof *cols);
        const char **cn = par__calloc(total, sizeof *cn);
        if (cols && cn) {
                for (size_t i = 0; i < nc; i++) {
                        cols[i] = par_table_column(args[0], i);
                        cn[i] = par_table_name(args[0], i);
                }
                cols[at < 0 ? nc : (size_t)at] = col;
                cn[at < 0 ? nc : (size_t)at] = name;
                *out = par_table_new(total, cn, cols);
        }
        par__free(cols);
        par__free(cn);
        par_value_release(col);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* The dtype an expression gives on this frame's columns: it is evaluated
 * on an empty table of the frame's schema, so errors show up now. */
static int expr_dtype(const par_frame *f, const par_expr *e, const char *what,
                      par_dtype *dt, par_error *err)
{
        par_value **cols = par__calloc(f->ncols ? f->ncols : 1, sizeof *cols);
        if (!cols)
                return PAR__ENOMEM(err, what);
        int rc = 0;
        for (size_t i = 0; i < f->ncols && rc == 0; i++) {
                par__column *c = par__column_alloc(f->dtypes[i], 0, 0);
                cols[i] = par__column_finish(c);
                if (!cols[i])
                        rc = PAR__ENOMEM(err, what);
        }
        par_value *t = rc == 0 ? par_table_new(f->ncols, (const char *const *)f->names,
                                               cols)
                               : NULL;
        if (rc == 0 && !t)
                rc = PAR__ENOMEM(err, what);
        par_value *out = NULL;
        if (rc == 0) {
                rc = par_expr_eval(e, t, &out, err);
                if (rc < 0)
                        par__error_prefix(err, "%s", what);
                else
                        *dt = par_column_dtype(out);
        }
        par_value_release(out);
        par_value_release(t);
        for (size_t i = 0; i < f->ncols; i++)
                par_value_release(cols[i]);
        par__free(cols);
        return rc;
}

int par_frame_assign(par_frame *f, const char *name, const par_expr *e,
                     par_frame **out, par_error *err)
{
        if (!f || !name || !e || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "assign: frame, name, expression and out are "
                                   "required");
        *out = NULL;
        char what[200];
        snprintf(what, sizeof what, "assign %s", name);
        par_dtype dt;
        int rc = par_expr_check(e, err);
        if (rc == 0)
                rc = expr_dtype(f, e, what, &dt, err);
        if (rc < 0)
                return rc;
        if (dt == PAR_DTYPE_LIST)
                return par__errorf(err, PAR_ETYPE,
                                   "%s: a frame column cannot hold lists", what);
        int at = find_col(f, name);
        size_t nc = at < 0 ? f->ncols + 1 : f->ncols;
        char **names = par__calloc(nc, sizeof *names);
        par_dtype *dts = par__calloc(nc, sizeof *dts);
        par_value *blob = par_expr_encode(e);
        if (!names || !dts || !blob) {
                par__free(names);
                par__free(dts);
                par_value_release(blob);
                return PAR__ENOMEM(err, what);
        }
        for (size_t i = 0; i < f->ncols; i++) {
                names[i] = f->names[i];
                dts[i] = f->dtypes[i];
        }
        names[at < 0 ? f->ncols : (size_t)at] = (char *)name;
        dts[at < 0 ? f->ncols : (size_t)at] = dt;
        rc = frame_layer(f, "assign", "par.frame.assign", 2,
                         (par_arg[]){par_arg_string(name), par_arg_value(blob)}, nc,
                         names, dts, true, out, err);
        par__free(names);
        par__free(dts);
        par_value_release(blob);
        return rc;
}

static int op_frame_filter(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        (void)n;
        size_t len;
        const char *blob = par_value_bytes(args[1], &len);
        par_expr *e = NULL;
        par_error err = {0};
        par_value *mask = NULL;
        int rc = par_expr_decode(blob, len, &e, &err);
        if (rc == 0)
                rc = par_expr_eval(e, args[0], &mask, &err);
        par_expr_release(e);
        if (rc < 0)
                return par_task_fail(ctx, rc, "filter: %s", err.message);
        int64_t rows = par_column_length(mask), nsel = 0;
        const uint8_t *m = par_column_bool(mask);
        uint8_t *sel = par__malloc(rows ? (size_t)rows : 1);
        if (!m || !sel) {
                par__free(sel);
                par_value_release(mask);
                return par_task_fail(ctx, m ? PAR_ENOMEM : PAR_ETYPE,
                                     m ? "out of memory"
                                       : "filter: the predicate is not bool");
        }
        for (int64_t i = 0; i < rows; i++) {
                sel[i] = m[i] && par_column_is_valid(mask, i);
                nsel += sel[i];
        }
        *out = nsel == rows ? par_value_retain(args[0])
                            : par__table_filter(args[0], sel, nsel);
        par__free(sel);
        par_value_release(mask);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

int par_frame_filter(par_frame *f, const par_expr *pred, par_frame **out,
                     par_error *err)
{
        if (!f || !pred || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "filter: frame, predicate and out are required");
        *out = NULL;
        par_dtype dt;
        int rc = par_expr_check(pred, err);
        if (rc == 0)
                rc = expr_dtype(f, pred, "filter", &dt, err);
        if (rc < 0)
                return rc;
        if (dt != PAR_DTYPE_BOOL)
                return par__errorf(err, PAR_ETYPE,
                                   "filter: the predicate gives %s; expected bool",
                                   par_dtype_name(dt));
        par_value *blob = par_expr_encode(pred);
        if (!blob)
                return PAR__ENOMEM(err, "filtering");
        rc = frame_layer(f, "filter", "par.frame.filter", 1,
                         (par_arg[]){par_arg_value(blob)}, f->ncols, f->names,
                         f->dtypes, false, out, err);
        par_value_release(blob);
        return rc;
}

/* ---- results ------------------------------------------------------------------------ */

static int compute_partition(par_client *c, par_frame *f, int64_t i,
                             par_value **out, par_error *err)
{
        par_delayed *d = NULL;
        int rc = par_frame_partition(f, i, &d, err);
        if (rc == 0)
                rc = par_compute(c, 1, &d, out, err);
        par_delayed_release(d);
        return rc;
}

int par_frame_head(par_client *c, par_frame *f, int64_t n, par_value **out,
                   int64_t *got, par_error *err)
{
        if (!c || !f || !out || n < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "head: client, frame, n >= 0 and out are "
                                   "required");
        *out = NULL;
        if (got)
                *got = 0;
        par_value *parts[64];
        size_t np = 0;
        int64_t have = 0;
        int rc = 0;
        for (int64_t i = 0; i < f->npartitions && np < 64 && (have < n || np == 0);
             i++) {
                par_value *p = NULL;
                rc = compute_partition(c, f, i, &p, err);
                if (rc < 0)
                        break;
                int64_t len = par_table_length(p);
                int64_t take = len < n - have ? len : n - have;
                parts[np] = par__table_slice(p, 0, take);
                par_value_release(p);
                if (!parts[np]) {
                        rc = PAR__ENOMEM(err, "head");
                        break;
                }
                np++;
                have += take;
        }
        if (rc == 0 && np) {
                *out = par__table_concat(np, parts);
                if (!*out)
                        rc = PAR__ENOMEM(err, "head");
        }
        for (size_t i = 0; i < np; i++)
                par_value_release(parts[i]);
        if (rc == 0 && got)
                *got = have;
        return rc;
}

static int compute_all(par_client *c, par_frame *f, par_value **tables,
                       par_error *err)
{
        size_t n = (size_t)f->npartitions;
        par_delayed **ds = par__calloc(n ? n : 1, sizeof *ds);
        int rc = ds ? 0 : PAR__ENOMEM(err, "computing a frame");
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = par_frame_partition(f, (int64_t)i, &ds[i], err);
        if (rc == 0)
                rc = par_compute(c, n, ds, tables, err);
        for (size_t i = 0; ds && i < n; i++)
                par_delayed_release(ds[i]);
        par__free(ds);
        return rc;
}

int par_frame_compute(par_client *c, par_frame *f, par_value **out,
                      par_error *err)
{
        if (!c || !f || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "compute: client, frame and out are required");
        *out = NULL;
        size_t n = (size_t)f->npartitions;
        par_value **t = par__calloc(n ? n : 1, sizeof *t);
        if (!t)
                return PAR__ENOMEM(err, "computing a frame");
        int rc = compute_all(c, f, t, err);
        if (rc == 0) {
                *out = par__table_concat(n, t);
                if (!*out)
                        rc = PAR__ENOMEM(err, "computing a frame");
        }
        for (size_t i = 0; i < n; i++)
                par_value_release(t[i]);
        par__free(t);
        return rc;
}

int par_frame_persist(par_client *c, par_frame *f, par_frame **out,
                      par_error *err)
{
        if (!c || !f || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "persist: client, frame and out are required");
        *out = NULL;
        size_t n = (size_t)f->npartitions;
        par_value **t = par__calloc(n ? n : 1, sizeof *t);
        int64_t *lengths = par__calloc(n ? n : 1, sizeof *lengths);
        /* A remote backend (MPI) keeps the partitions where they were made
         * and gives remote values (backend/backend.h) in their place. */
        par__persist_scope(true);
        int rc = t && lengths ? compute_all(c, f, t, err)
                              : PAR__ENOMEM(err, "persisting a frame");
        par__persist_scope(false);
        par_graph *g = NULL;
        if (rc == 0) {
                g = par_graph_new();
                if (!g)
                        rc = PAR__ENOMEM(err, "persisting a frame");
        }
        /* The persisted frame keeps its source's name: its keys stand for
         * the same partitions, now held as values. */
        for (size_t i = 0; i < n && rc == 0; i++) {
                if (!par__remote_rows(t[i], &lengths[i]))
                        lengths[i] = par_table_length(t[i]);
                rc = par_graph_add(g, par_key_make(f->name, (int64_t)i), "par.identity",
                                   1, (par_arg[]){par_arg_value(t[i])}, err);
        }
        if (rc == 0) {
                rc = par__frame_new(g, f->name, f->npartitions, f->ncols, f->names,
                                    f->dtypes, lengths, 0, NULL, 1, out, err);
                g = NULL;
        }
        par_graph_free(g);
        for (size_t i = 0; t && i < n; i++)
                par_value_release(t[i]);
        par__free(t);
        par__free(lengths);
        return rc;
}

static int op_column(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        (void)n;
        const char *name = par_value_bytes(args[1], NULL);
        int i = par_table_find(args[0], name);
        if (i < 0)
                return par_task_fail(ctx, PAR_EINVAL, "no column '%s'", name);
        *out = par_value_retain(par_table_column(args[0], (size_t)i));
        return 0;
}

int par_frame_count_rows(par_frame *f, par_delayed **out, par_error *err)
{
        par_bag *view = NULL;
        int rc = f ? par__frame_as_bag(f, &view, err)
                   : par__errorf(err, PAR_EINVAL, "count: no frame");
        if (rc == 0)
                rc = par_bag_count(view, NULL, out, err);
        par_bag_release(view);
        return rc;
}

/* ---- printing ---------------------------------------------------------------------- */

typedef struct out {
        char *buf;
        size_t size, len;
} out_t;

static void put(out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out_t *o, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
                          o->len < o->size ? o->size - o->len : 0, fmt, ap);
        va_end(ap);
        if (n > 0)
                o->len += (size_t)n;
}

static const char *pandas_dtype(par_dtype t)
{
        return t == PAR_DTYPE_STRING ? "object" : par_dtype_name(t);
}

int par_frame_format(const par_frame *f, char *buf, size_t size)
{
        out_t o = {buf, size, 0};
        if (size)
                buf[0] = '\0';
        char np[64];
        snprintf(np, sizeof np, "npartitions=%" PRId64, f->npartitions);
        int lw = (int)strlen(np);
        int *w = par__calloc(f->ncols ? f->ncols : 1, sizeof *w);
        if (!w)
                return 0;
        for (size_t i = 0; i < f->ncols; i++) {
                int a = (int)strlen(f->names[i]);
                int b = (int)strlen(pandas_dtype(f->dtypes[i]));
                w[i] = a > b ? a : b;
        }
        put(&o, "par DataFrame Structure:\n%*s", lw, "");
        for (size_t i = 0; i < f->ncols; i++)
                put(&o, "  %*s", w[i], f->names[i]);
        put(&o, "\n%s\n%*s", np, lw, "");
        for (size_t i = 0; i < f->ncols; i++)
                put(&o, "  %*s", w[i], pandas_dtype(f->dtypes[i]));
        for (int r = 0; r < 2; r++) {
                put(&o, "\n%*s", lw, "");
                for (size_t i = 0; i < f->ncols; i++)
                        put(&o, "  %*s", w[i], "...");
        }
        put(&o, "\npar Name: %s, %d graph layer%s", f->name, f->nlayers,
            f->nlayers == 1 ? "" : "s");
        par__free(w);
        if (size && o.len >= size)
                buf[size - 1] = '\0';
        return (int)o.len;
}

static int cell(const par_value *col, int64_t i, char *s, size_t n)
{
        if (!par_column_is_valid(col, i))
                return snprintf(s, n, par_column_dtype(col) == PAR_DTYPE_FLOAT64
                                              ? "NaN"
                                              : "None");
        switch (par_column_dtype(col)) {
        case PAR_DTYPE_INT64:
                return snprintf(s, n, "%" PRId64, par_column_int64(col)[i]);
        case PAR_DTYPE_FLOAT64: {
                double x = par_column_float64(col)[i];
                if (isnan(x))
                        return snprintf(s, n, "NaN");
                return snprintf(s, n, "%.6f", x);
        }
        case PAR_DTYPE_BOOL:
                return snprintf(s, n, "%s", par_column_bool(col)[i] ? "True" : "False");
        case PAR_DTYPE_STRING: {
                size_t len;
                const char *p = par_column_string(col, i, &len);
                if (len > 40)
                        return snprintf(s, n, "%.37s...", p);
                return snprintf(s, n, "%.*s", (int)len, p);
        }
        default:
                return snprintf(s, n, "?");
        }
}

int par_table_format(const par_value *t, int64_t index_start, int64_t max_rows,
                     char *buf, size_t size)
{
        out_t o = {buf, size, 0};
        if (size)
                buf[0] = '\0';
        if (!par_value_is_table(t))
                return 0;
        size_t nc = par_table_ncols(t);
        int64_t rows = par_table_length(t);
        if (max_rows > 0 && rows > max_rows)
                rows = max_rows;
        int *w = par__calloc(nc ? nc : 1, sizeof *w);
        if (!w)
                return 0;
        char tmp[128];
        int iw = snprintf(tmp, sizeof tmp, "%" PRId64, index_start + (rows ? rows - 1 : 0));
        for (size_t c = 0; c < nc; c++) {
                w[c] = (int)strlen(par_table_name(t, c));
                for (int64_t r = 0; r < rows; r++) {
                        int l = cell(par_table_column(t, c), r, tmp, sizeof tmp);
                        if (l > w[c])
                                w[c] = l;
                }
        }
        put(&o, "%*s", iw, "");
        for (size_t c = 0; c < nc; c++)
                put(&o, "  %*s", w[c], par_table_name(t, c));
        for (int64_t r = 0; r < rows; r++) {
                put(&o, "\n%-*" PRId64, iw, index_start + r);
                for (size_t c = 0; c < nc; c++) {
                        cell(par_table_column(t, c), r, tmp, sizeof tmp);
                        put(&o, "  %*s", w[c], tmp);
                }
        }
        par__free(w);
        if (size && o.len >= size)
                buf[size - 1] = '\0';
        return (int)o.len;
}

void par__frame_register_ops(void)
{
        par_op_register("par.frame.from_bag", op_from_bag, NULL);
        par_op_register("par.frame.select", op_select, NULL);
        par_op_register("par.frame.assign", op_assign, NULL);
        par_op_register("par.frame.filter", op_frame_filter, NULL);
        par_op_register("par.frame.column", op_column, NULL);
}
