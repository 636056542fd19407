/* Bags: creation from memory, ranges, delayed calls and random streams,
 * and the elementwise operations. Each operation adds one layer whose task
 * i reads partition i of the layer below; the graph compiler fuses these
 * chains into one unit per partition. */
#include <inttypes.h>
#include <stdio.h>

#include "bag/internal.h"
#include "expr/internal.h"
#include "graph/internal.h"

int par__bag_new(par_graph *g, const char *name, int64_t n, size_t nparents,
                 par_bag *const *parents, par_bag **out, par_error *err)
{
        *out = NULL;
        par__layer *deps[8];
        if (nparents > 8) {
                par_graph_free(g);
                return par__errorf(err, PAR_EINVAL, "too many parent bags");
        }
        for (size_t i = 0; i < nparents; i++)
                deps[i] = parents[i]->layer;
        par_bag *b = par__calloc(1, sizeof *b);
        if (!b) {
                par_graph_free(g);
                return PAR__ENOMEM(err, "making a bag");
        }
        b->layer = par__layer_new(g, nparents, deps); /* takes g */
        b->name = par__strdup(name);
        if (!b->layer || !b->name) {
                par__layer_release(b->layer);
                par__free(b->name);
                par__free(b);
                return PAR__ENOMEM(err, "making a bag");
        }
        atomic_init(&b->refs, 1);
        b->npartitions = n;
        *out = b;
        return 0;
}

par_bag *par_bag_retain(par_bag *b)
{
        if (b)
                atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
        return b;
}

void par_bag_release(par_bag *b)
{
        if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
                return;
        par__layer_release(b->layer);
        par__free(b->name);
        par__free(b);
}

int64_t par_bag_npartitions(const par_bag *b)
{
        return b ? b->npartitions : 0;
}

const char *par_bag_name(const par_bag *b)
{
        return b ? b->name : NULL;
}

int par_bag_partition(const par_bag *b, int64_t i, par_delayed **out,
                      par_error *err)
{
        if (!b || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "par_bag_partition: bag and out are required");
        if (i < 0 || i >= b->npartitions)
                return par__errorf(err, PAR_ERANGE,
                                   "par_bag_partition: partition %" PRId64
                                   " of a bag of %" PRId64 " partitions",
                                   i, b->npartitions);
        return par__delayed_from_layer(b->layer, b->name, i, out, err);
}

void par__bag_token(const char *prefix, const par_bag *parent,
                    const void *extra, size_t n, char *buf, size_t size)
{
        uint64_t h = par__hash_bytes(prefix, strlen(prefix), 0x626167u);
        if (parent)
                h = par__hash_bytes(parent->name, strlen(parent->name), h);
        if (extra)
                h = par__hash_bytes(extra, n, h);
        snprintf(buf, size, "%s-%016" PRIx64, prefix, h);
}

int par__bag_elementwise(par_bag *b, const char *prefix, const char *op,
                         size_t nargs, const par_arg *args, par_bag **out,
                         par_error *err)
{
        if (!b || !out)
                return par__errorf(err, PAR_EINVAL, "%s: bag and out are required",
                                   prefix);
        *out = NULL;
        /* The token covers the op and its arguments' bytes. */
        uint64_t h = par__hash_bytes(op, strlen(op), 0);
        for (size_t i = 0; i < nargs; i++) {
                const par_arg *a = &args[i];
                switch (a->kind) {
                case PAR_ARG_STRING:
                case PAR_ARG_BLOB:
                        h = par__hash_bytes(a->u.bytes.ptr, a->u.bytes.len, h);
                        break;
                case PAR_ARG_VALUE:
                        h = par__value_token(a->u.value, h);
                        break;
                default:
                        h = par__hash_mix(h ^ (uint64_t)a->u.i);
                        break;
                }
        }
        char name[128];
        par__bag_token(prefix, b, &h, sizeof h, name, sizeof name);
        par_graph *g = par_graph_new();
        par_arg small[8];
        par_arg *a = nargs + 1 <= 8 ? small : par__malloc((nargs + 1) * sizeof *a);
        if (!g || !a) {
                par_graph_free(g);
                if (a != small)
                        par__free(a);
                return PAR__ENOMEM(err, "building a bag operation");
        }
        for (size_t i = 0; i < nargs; i++)
                a[i + 1] = args[i];
        int rc = 0;
        for (int64_t i = 0; i < b->npartitions && rc == 0; i++) {
                a[0] = par_arg_key(b->name, i);
                rc = par_graph_add(g, par_key_make(name, i), op, nargs + 1, a, err);
        }
        if (a != small)
                par__free(a);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__bag_new(g, name, b->npartitions, 1, &b, out, err);
}

/* ---- sources from memory ----------------------------------------------------- */

/* Partition i of n items in p parts: [n*i/p, n*(i+1)/p). */
static int64_t part_start(int64_t n, int64_t p, int64_t i)
{
        return (int64_t)((__int128)n * i / p);
}

static int check_parts(const char *what, int64_t n, int64_t *np, par_error *err)
{
        if (n < 0)
                return par__errorf(err, PAR_EINVAL, "%s: n = %" PRId64
                                                    " is negative",
                                   what, n);
        if (*np < 1)
                return par__errorf(err, PAR_EINVAL,
                                   "%s: npartitions = %" PRId64
                                   "; expected at least 1",
                                   what, *np);
        if (n && *np > n)
                *np = n;
        return 0;
}

/* A bag whose partitions are literal values. Takes the values. */
static int bag_of_values(const char *prefix, int64_t np, par_value **parts,
                         par_bag **out, par_error *err)
{
        uint64_t h = 0;
        for (int64_t i = 0; i < np; i++)
                h = par__value_token(parts[i], h);
        char name[128];
        par__bag_token(prefix, NULL, &h, sizeof h, name, sizeof name);
        par_graph *g = par_graph_new();
        int rc = g ? 0 : PAR__ENOMEM(err, "building a bag");
        for (int64_t i = 0; i < np && rc == 0; i++)
                rc = par_graph_add(g, par_key_make(name, i), "par.identity", 1,
                                   (par_arg[]){par_arg_value(parts[i])}, err);
        for (int64_t i = 0; i < np; i++)
                par_value_release(parts[i]);
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__bag_new(g, name, np, 0, NULL, out, err);
}

typedef par_value *(*slice_fn)(const void *data, int64_t lo, int64_t n);

static par_value *slice_i64(const void *d, int64_t lo, int64_t n)
{
        return par_column_from_int64((const int64_t *)d + lo, n, NULL);
}

static par_value *slice_f64(const void *d, int64_t lo, int64_t n)
{
        return par_column_from_float64((const double *)d + lo, n, NULL);
}

static par_value *slice_str(const void *d, int64_t lo, int64_t n)
{
        return par_column_from_cstrings((const char *const *)d + lo, n);
}

static int from_array(const char *what, const void *data, int64_t n,
                      int64_t np, slice_fn fn, par_bag **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "%s: out is NULL", what);
        *out = NULL;
        int rc = check_parts(what, n, &np, err);
        if (rc < 0)
                return rc;
        if (n && !data)
                return par__errorf(err, PAR_EINVAL, "%s: data is NULL", what);
        par_value **parts = par__calloc((size_t)np, sizeof *parts);
        if (!parts)
                return PAR__ENOMEM(err, what);
        for (int64_t i = 0; i < np; i++) {
                int64_t lo = part_start(n, np, i), hi = part_start(n, np, i + 1);
                parts[i] = fn(data, lo, hi - lo);
                if (!parts[i]) {
                        for (int64_t j = 0; j < i; j++)
                                par_value_release(parts[j]);
                        par__free(parts);
                        return PAR__ENOMEM(err, what);
                }
        }
        rc = bag_of_values("from-sequence", np, parts, out, err);
        par__free(parts);
        return rc;
}

int par_bag_from_int64(const int64_t *v, int64_t n, int64_t np, par_bag **out,
                       par_error *err)
{
        return from_array("par_bag_from_int64", v, n, np, slice_i64, out, err);
}

int par_bag_from_float64(const double *v, int64_t n, int64_t np, par_bag **out,
                         par_error *err)
{
        return from_array("par_bag_from_float64", v, n, np, slice_f64, out, err);
}

int par_bag_from_strings(const char *const *s, int64_t n, int64_t np,
                         par_bag **out, par_error *err)
{
        return from_array("par_bag_from_strings", s, n, np, slice_str, out, err);
}

/* A list of scalars as one column (the list's first item's type). */
static int list_to_column(const par_value *list, int64_t lo, int64_t n,
                          par_value **out, par_error *err)
{
        *out = NULL;
        if (n == 0) {
                *out = par_column_from_int64(NULL, 0, NULL);
                return *out ? 0 : PAR__ENOMEM(err, "making a column");
        }
        par_type t = par_value_type(par_value_list_item(list, (size_t)lo));
        par_dtype dt = t == PAR_TYPE_INT64     ? PAR_DTYPE_INT64
                       : t == PAR_TYPE_FLOAT64 ? PAR_DTYPE_FLOAT64
                       : t == PAR_TYPE_BOOL    ? PAR_DTYPE_BOOL
                       : t == PAR_TYPE_STRING  ? PAR_DTYPE_STRING
                                               : PAR_DTYPE_NONE;
        if (dt == PAR_DTYPE_NONE)
                return par__errorf(err, PAR_ETYPE,
                                   "bag items must be int64, float64, bool or "
                                   "string values; item %" PRId64 " is %s",
                                   lo, par_type_name(t));
        size_t nbytes = 0;
        for (int64_t i = 0; i < n; i++) {
                const par_value *v = par_value_list_item(list, (size_t)(lo + i));
                par_type vt = par_value_type(v);
                bool ok = vt == t || vt == PAR_TYPE_NULL ||
                          (dt == PAR_DTYPE_FLOAT64 && vt == PAR_TYPE_INT64);
                if (!ok)
                        return par__errorf(err, PAR_ETYPE,
                                           "bag items must share one type: item "
                                           "%" PRId64 " is %s, item %" PRId64
                                           " is %s",
                                           lo, par_type_name(t), lo + i,
                                           par_type_name(vt));
                size_t len = 0;
                if (vt == PAR_TYPE_STRING)
                        par_value_bytes(v, &len);
                nbytes += len;
        }
        par__column *c = par__column_alloc(dt, n, nbytes);
        if (!c)
                return PAR__ENOMEM(err, "making a column");
        size_t at = 0;
        for (int64_t i = 0; i < n; i++) {
                const par_value *v = par_value_list_item(list, (size_t)(lo + i));
                if (par_value_type(v) == PAR_TYPE_NULL) {
                        if (par__column_add_validity(c) < 0) {
                                par__column_discard(c);
                                return PAR__ENOMEM(err, "making a column");
                        }
                        par__column_set_null(c, i);
                }
                switch (dt) {
                case PAR_DTYPE_INT64: {
                        int64_t x = 0;
                        par_value_get_int64(v, &x, NULL);
                        ((int64_t *)c->data)[i] = x;
                        break;
                }
                case PAR_DTYPE_FLOAT64: {
                        double x = 0;
                        par_value_get_float64(v, &x, NULL);
                        ((double *)c->data)[i] = x;
                        break;
                }
                case PAR_DTYPE_BOOL: {
                        bool x = false;
                        par_value_get_bool(v, &x, NULL);
                        ((uint8_t *)c->data)[i] = x;
                        break;
                }
                default: {
                        size_t len = 0;
                        const char *s = par_value_bytes(v, &len);
                        if (len)
                                memcpy((char *)c->data + at, s, len);
                        at += len;
                        c->offsets[i + 1] = (int64_t)at;
                        break;
                }
                }
        }
        *out = par__column_finish(c);
        return *out ? 0 : PAR__ENOMEM(err, "making a column");
}

int par__list_to_column(const par_value *list, par_value **out, par_error *err);

int par__list_to_column(const par_value *list, par_value **out, par_error *err)
{
        return list_to_column(list, 0, (int64_t)par_value_list_size(list), out,
                              err);
}

int par_bag_from_sequence(par_value *list, int64_t np, par_bag **out,
                          par_error *err)
{
        if (!out || par_value_type(list) != PAR_TYPE_LIST)
                return par__errorf(err, PAR_EINVAL,
                                   "par_bag_from_sequence: a list value and out "
                                   "are required");
        *out = NULL;
        int64_t n = (int64_t)par_value_list_size(list);
        int rc = check_parts("par_bag_from_sequence", n, &np, err);
        if (rc < 0)
                return rc;
        par_value **parts = par__calloc((size_t)np, sizeof *parts);
        if (!parts)
                return PAR__ENOMEM(err, "making a bag");
        for (int64_t i = 0; i < np && rc == 0; i++) {
                int64_t lo = part_start(n, np, i), hi = part_start(n, np, i + 1);
                rc = list_to_column(list, lo, hi - lo, &parts[i], err);
        }
        if (rc < 0) {
                for (int64_t i = 0; i < np; i++)
                        par_value_release(parts[i]);
                par__free(parts);
                return rc;
        }
        rc = bag_of_values("from-sequence", np, parts, out, err);
        par__free(parts);
        return rc;
}

int par_bag_range(int64_t n, int64_t np, par_bag **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "par_bag_range: out is NULL");
        *out = NULL;
        int rc = check_parts("par_bag_range", n, &np, err);
        if (rc < 0)
                return rc;
        char name[128];
        int64_t key[2] = {n, np};
        par__bag_token("range", NULL, key, sizeof key, name, sizeof name);
        par_graph *g = par_graph_new();
        rc = g ? 0 : PAR__ENOMEM(err, "building a bag");
        for (int64_t i = 0; i < np && rc == 0; i++) {
                int64_t lo = part_start(n, np, i), hi = part_start(n, np, i + 1);
                rc = par_graph_add(g, par_key_make(name, i), "par.bag.range", 2,
                                   (par_arg[]){par_arg_int64(lo), par_arg_int64(hi)},
                                   err);
        }
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__bag_new(g, name, np, 0, NULL, out, err);
}

int par_bag_from_delayed(size_t n, par_delayed *const *parts, par_bag **out,
                         par_error *err)
{
        if (!out || (n && !parts))
                return par__errorf(err, PAR_EINVAL,
                                   "par_bag_from_delayed: delayed calls and out "
                                   "are required");
        *out = NULL;
        if (n == 0)
                return par__errorf(err, PAR_EINVAL,
                                   "par_bag_from_delayed: no delayed calls");
        uint64_t h = 0;
        for (size_t i = 0; i < n; i++) {
                if (!parts[i])
                        return par__errorf(err, PAR_EINVAL,
                                           "par_bag_from_delayed: delayed %zu is "
                                           "NULL",
                                           i);
                par_key k = par_delayed_key(parts[i]);
                h = par__hash_bytes(k.name, strlen(k.name),
                                    par__hash_mix(h ^ (uint64_t)k.index));
        }
        char name[128];
        par__bag_token("from-delayed", NULL, &h, sizeof h, name, sizeof name);
        par_graph *g = par_graph_new();
        int rc = g ? 0 : PAR__ENOMEM(err, "building a bag");
        for (size_t i = 0; i < n && rc == 0; i++) {
                rc = par_delayed_to_graph(parts[i], g, err);
                par_key k = par_delayed_key(parts[i]);
                if (rc == 0)
                        rc = par_graph_add(g, par_key_make(name, (int64_t)i),
                                           "par.bag.as_partition", 1,
                                           (par_arg[]){par_arg_key(k.name, k.index)},
                                           err);
        }
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__bag_new(g, name, (int64_t)n, 0, NULL, out, err);
}

int par_bag_random_normal(uint64_t seed, int64_t n, int64_t np, double mean,
                          double sd, par_bag **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL,
                                   "par_bag_random_normal: out is NULL");
        *out = NULL;
        int rc = check_parts("par_bag_random_normal", n, &np, err);
        if (rc < 0)
                return rc;
        if (!(sd >= 0))
                return par__errorf(err, PAR_EINVAL,
                                   "par_bag_random_normal: sd = %g; expected a "
                                   "number >= 0",
                                   sd);
        char name[128];
        struct {
                uint64_t seed;
                int64_t n, np;
                double mean, sd;
        } key = {seed, n, np, mean, sd};
        par__bag_token("normal", NULL, &key, sizeof key, name, sizeof name);
        par_graph *g = par_graph_new();
        rc = g ? 0 : PAR__ENOMEM(err, "building a bag");
        for (int64_t i = 0; i < np && rc == 0; i++) {
                int64_t cnt = part_start(n, np, i + 1) - part_start(n, np, i);
                rc = par_graph_add(g, par_key_make(name, i), "par.random.normal", 5,
                                   (par_arg[]){par_arg_int64((int64_t)seed),
                                               par_arg_int64(i), par_arg_int64(cnt),
                                               par_arg_float64(mean),
                                               par_arg_float64(sd)},
                                   err);
        }
        if (rc < 0) {
                par_graph_free(g);
                return rc;
        }
        return par__bag_new(g, name, np, 0, NULL, out, err);
}

/* ---- elementwise ------------------------------------------------------------ */

static int expr_op(par_bag *b, const char *prefix, const char *op,
                   const par_expr *e, par_bag **out, par_error *err)
{
        if (out)
                *out = NULL;
        int rc = par_expr_check(e, err);
        if (rc < 0)
                return rc;
        par_value *blob = par_expr_encode(e);
        if (!blob)
                return PAR__ENOMEM(err, "encoding an expression");
        rc = par__bag_elementwise(b, prefix, op, 1,
                                  (par_arg[]){par_arg_value(blob)}, out, err);
        par_value_release(blob);
        return rc;
}

int par_bag_map(par_bag *b, const par_expr *e, par_bag **out, par_error *err)
{
        return expr_op(b, "map", "par.bag.map", e, out, err);
}

int par_bag_filter(par_bag *b, const par_expr *pred, par_bag **out,
                   par_error *err)
{
        return expr_op(b, "filter", "par.bag.filter", pred, out, err);
}

int par_bag_flatten(par_bag *b, par_bag **out, par_error *err)
{
        return par__bag_elementwise(b, "flatten", "par.bag.flatten", 0, NULL, out,
                                    err);
}

int par_bag_pluck(par_bag *b, const char *field, par_bag **out, par_error *err)
{
        if (!field)
                return par__errorf(err, PAR_EINVAL, "par_bag_pluck: no field name");
        return par__bag_elementwise(b, "pluck", "par.bag.pluck", 1,
                                    (par_arg[]){par_arg_string(field)}, out, err);
}

static int with_op(par_bag *b, const char *prefix, const char *wrapper,
                   const char *op, size_t nargs, const par_arg *args,
                   par_bag **out, par_error *err)
{
        if (!op || !par_op_lookup(op))
                return par__errorf(err, PAR_ENOENT,
                                   "%s: op '%s' is not registered "
                                   "(par_op_register)",
                                   prefix, op ? op : "(null)");
        par_arg small[9];
        if (nargs > 8)
                return par__errorf(err, PAR_EINVAL, "%s: at most 8 extra arguments",
                                   prefix);
        small[0] = par_arg_string(op);
        for (size_t i = 0; i < nargs; i++) {
                if (args[i].kind == PAR_ARG_KEY || args[i].kind == PAR_ARG_HANDLE)
                        return par__errorf(err, PAR_EINVAL,
                                           "%s: argument %zu must be a literal",
                                           prefix, i);
                small[i + 1] = args[i];
        }
        return par__bag_elementwise(b, prefix, wrapper, nargs + 1, small, out, err);
}

int par_bag_map_partitions(par_bag *b, const char *op, size_t nargs,
                           const par_arg *args, par_bag **out, par_error *err)
{
        return with_op(b, "map-partitions", "par.bag.apply", op, nargs, args, out,
                       err);
}

int par_bag_filter_op(par_bag *b, const char *op, size_t nargs,
                      const par_arg *args, par_bag **out, par_error *err)
{
        return with_op(b, "filter-op", "par.bag.filter_with", op, nargs, args, out,
                       err);
}

/* ---- fusing read_text with count ------------------------------------------ */

/* The task (name, i) of graph g if its op is `op`: its stored arguments. */
static const par__garg *task_of(const par_graph *g, const char *name, int64_t i,
                                const char *op, uint32_t *nargs)
{
        uint32_t t = par__graph_find_key(g, par_key_make(name, i));
        if (t == UINT32_MAX || strcmp(g->names.str[g->tasks[t].op], op) != 0)
                return NULL;
        *nargs = g->tasks[t].nargs;
        return &g->args[g->tasks[t].arg0];
}

/* The needle of an encoded contains(x, 'literal'), or NULL. */
static par_expr *contains_literal(const par_value *blob)
{
        size_t len;
        const char *p = par_value_bytes(blob, &len);
        par_expr *e = NULL;
        if (!p || par_expr_decode(p, len, &e, NULL) < 0)
                return NULL;
        if (e->kind == PAR__E_CALL && strcmp(e->s, "contains") == 0 && e->n == 2 &&
            e->args[0]->kind == PAR__E_X && e->args[1]->kind == PAR__E_STR)
                return e;
        par_expr_release(e);
        return NULL;
}

int par__bag_fused_count(par_bag *b, par_bag **out, par_error *err)
{
        *out = NULL;
        const par_graph *g = b->layer->graph;
        const char *src = b->name;
        const par_graph *sg = g;
        par_expr *needle = NULL;
        uint32_t n;
        const par__garg *a = task_of(g, b->name, 0, "par.bag.filter", &n);
        if (a) {
                /* filter(contains) over a read_text layer just below */
                if (n != 2 || a[0].value || !a[1].value || b->layer->ndeps != 1)
                        return 0;
                needle = contains_literal(a[1].value);
                if (!needle)
                        return 0;
                src = g->names.str[a[0].key_name];
                sg = b->layer->deps[0]->graph;
        }
        char name[128];
        uint64_t h = par__hash_bytes(src, strlen(src), needle ? 0x66 : 0x63);
        if (needle)
                h = par__hash_bytes(needle->args[1]->s, needle->args[1]->slen, h);
        snprintf(name, sizeof name, "read-count-%016" PRIx64, h);
        par_graph *ng = par_graph_new();
        int rc = ng ? 0 : PAR__ENOMEM(err, "counting");
        bool ok = true;
        for (int64_t i = 0; i < b->npartitions && rc == 0 && ok; i++) {
                if (needle) {
                        /* the filter's task i must read the source's task i */
                        const par__garg *f = task_of(g, b->name, i, "par.bag.filter", &n);
                        ok = f && n == 2 && !f[0].value && f[0].key_index == i &&
                             strcmp(g->names.str[f[0].key_name], src) == 0;
                        if (!ok)
                                break;
                }
                const par__garg *r = task_of(sg, src, i, "par.bag.read_text", &n);
                ok = r && n == 6;
                for (uint32_t k = 0; ok && k < n; k++)
                        ok = r[k].value != NULL;
                if (!ok)
                        break;
                bool include_path = false;
                par_value_get_bool(r[4].value, &include_path, NULL);
                if (include_path) {
                        ok = false;
                        break;
                }
                par_arg args[7];
                for (uint32_t k = 0; k < 6; k++)
                        args[k] = par_arg_value(r[k].value);
                if (needle)
                        args[6] = par_arg_blob(needle->args[1]->s, needle->args[1]->slen);
                rc = par_graph_add(ng, par_key_make(name, i),
                                   needle ? "par.bag.read_count_containing"
                                          : "par.bag.read_count",
                                   needle ? 7 : 6, args, err);
        }
        par_expr_release(needle);
        if (rc < 0 || !ok) {
                par_graph_free(ng);
                return rc;
        }
        return par__bag_new(ng, name, b->npartitions, 0, NULL, out, err);
}
