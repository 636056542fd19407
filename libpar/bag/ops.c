/* The bag's per-partition ops. Each takes the partition as its first
 * argument and returns a new partition; they are pure, so a graph may run
 * them on any thread or process. */
#include <inttypes.h>

#include "bag/internal.h"
#include "expr/internal.h"

static int op_identity(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        if (n != 1)
                return par_task_fail(ctx, PAR_EINVAL, "par.identity takes 1 "
                                                      "argument");
        *out = par_value_retain(args[0]);
        return 0;
}

static int op_range(par_task_ctx *ctx, size_t n, par_value *const *args,
                    par_value **out)
{
        (void)n;
        int64_t lo = par_value_int64_of(args[0]), hi = par_value_int64_of(args[1]);
        par__column *c = par__column_alloc(PAR_DTYPE_INT64, hi - lo, 0);
        if (!c)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        int64_t *d = c->data;
        for (int64_t i = 0; i < hi - lo; i++)
                d[i] = lo + i;
        *out = par__column_finish(c);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* Checks (or converts) a delayed call's result into a partition. */
static int op_as_partition(par_task_ctx *ctx, size_t n, par_value *const *args,
                           par_value **out)
{
        (void)n;
        par_value *v = args[0];
        if (par_value_is_column(v) || par_value_is_table(v)) {
                *out = par_value_retain(v);
                return 0;
        }
        if (par_value_type(v) == PAR_TYPE_LIST) {
                size_t len = par_value_list_size(v);
                par_value *col = NULL;
                par_error e = {0};
                int rc = par__list_to_column(v, &col, &e);
                if (rc < 0)
                        return par_task_fail(ctx, rc,
                                             "partition %" PRId64
                                             " (a list of %zu items): %s",
                                             par_task_key(ctx).index, len,
                                             e.message);
                *out = col;
                return 0;
        }
        return par_task_fail(ctx, PAR_ETYPE,
                             "partition %" PRId64 " must be a column, a table or "
                             "a list, got %s",
                             par_task_key(ctx).index,
                             par_type_name(par_value_type(v)));
}

static int decode_expr(par_task_ctx *ctx, const par_value *blob, par_expr **e)
{
        size_t len;
        const char *p = par_value_bytes(blob, &len);
        par_error err = {0};
        int rc = par_expr_decode(p, len, e, &err);
        return rc < 0 ? par_task_fail(ctx, rc, "%s", err.message) : 0;
}

static int op_map(par_task_ctx *ctx, size_t n, par_value *const *args,
                  par_value **out)
{
        (void)n;
        par_expr *e;
        int rc = decode_expr(ctx, args[1], &e);
        if (rc < 0)
                return rc;
        par_error err = {0};
        rc = par_expr_eval(e, args[0], out, &err);
        par_expr_release(e);
        return rc < 0 ? par_task_fail(ctx, rc, "map: %s", err.message) : 0;
}

/* Keeps the rows of a partition where mask is true (and valid). */
static int select_rows(par_task_ctx *ctx, const par_value *part,
                       const par_value *mask, par_value **out)
{
        const uint8_t *m = par_column_bool(mask);
        int64_t len = par_column_length(mask);
        if (!m)
                return par_task_fail(ctx, PAR_ETYPE,
                                     "filter: the predicate gave %s, expected "
                                     "bool",
                                     par_dtype_name(par_column_dtype(mask)));
        if (len != par__partition_length(part))
                return par_task_fail(ctx, PAR_EINVAL,
                                     "filter: the predicate gave %" PRId64
                                     " values for %" PRId64 " items",
                                     len, par__partition_length(part));
        uint8_t *sel = par__malloc(len ? (size_t)len : 1);
        if (!sel)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        int64_t nsel = 0;
        for (int64_t i = 0; i < len; i++) {
                sel[i] = m[i] && par_column_is_valid(mask, i);
                nsel += sel[i];
        }
        int rc = 0;
        if (nsel == len) {
                *out = par_value_retain((par_value *)part);
        } else if (par_value_is_column(part)) {
                *out = par__column_filter(part, sel, nsel);
                if (!*out)
                        rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        } else {
                size_t nc = par_table_ncols(part);
                par_value **cols = par__calloc(nc ? nc : 1, sizeof *cols);
                rc = cols ? 0 : PAR_ENOMEM;
                for (size_t i = 0; i < nc && rc == 0; i++) {
                        cols[i] = par__column_filter(par_table_column(part, i), sel,
                                                     nsel);
                        if (!cols[i])
                                rc = PAR_ENOMEM;
                }
                if (rc == 0) {
                        *out = par__table_with(part, cols);
                        if (!*out)
                                rc = PAR_ENOMEM;
                }
                for (size_t i = 0; cols && i < nc; i++)
                        par_value_release(cols[i]);
                par__free(cols);
                if (rc < 0)
                        rc = par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        }
        par__free(sel);
        return rc;
}

static int op_filter(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        (void)n;
        par_expr *e;
        int rc = decode_expr(ctx, args[1], &e);
        if (rc < 0)
                return rc;
        par_error err = {0};
        par_value *mask = NULL;
        rc = par_expr_eval(e, args[0], &mask, &err);
        par_expr_release(e);
        if (rc < 0)
                return par_task_fail(ctx, rc, "filter: %s", err.message);
        rc = select_rows(ctx, args[0], mask, out);
        par_value_release(mask);
        return rc;
}

static int op_flatten(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        (void)n;
        const par__column *c = par__column_of(args[0]);
        if (!c || c->dtype != PAR_DTYPE_LIST)
                return par_task_fail(ctx, PAR_ETYPE,
                                     "flatten: the items must be lists (from "
                                     "split), got %s",
                                     c ? par_dtype_name(c->dtype)
                                       : "a non-column partition");
        int64_t lo = c->offsets[0], hi = c->offsets[c->length];
        *out = par__column_slice(c->child, lo, hi - lo);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_pluck(par_task_ctx *ctx, size_t n, par_value *const *args,
                    par_value **out)
{
        (void)n;
        const char *field = par_value_bytes(args[1], NULL);
        int i = par_table_find(args[0], field);
        if (i < 0)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "pluck: the items have no field '%s'%s",
                                     field,
                                     par_value_is_table(args[0])
                                             ? ""
                                             : " (they are not records)");
        *out = par_value_retain(par_table_column(args[0], (size_t)i));
        return 0;
}

/* Calls a registered op on the partition: args = (partition, op name,
 * extra...). */
static int call_user(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        const char *name = par_value_bytes(args[1], NULL);
        par_op_fn fn = par_op_lookup(name);
        if (!fn)
                return par_task_fail(ctx, PAR_ENOENT,
                                     "op '%s' is not registered in this process",
                                     name);
        par_value *small[10];
        par_value **a = n <= 10 ? small : par__malloc(n * sizeof *a);
        if (!a)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        a[0] = args[0];
        for (size_t i = 2; i < n; i++)
                a[i - 1] = args[i];
        int rc = fn(ctx, n - 1, a, out);
        if (a != small)
                par__free(a);
        return rc;
}

static int op_apply(par_task_ctx *ctx, size_t n, par_value *const *args,
                    par_value **out)
{
        int rc = call_user(ctx, n, args, out);
        if (rc < 0)
                return rc;
        if (par_value_type(*out) == PAR_TYPE_LIST) {
                par_value *col = NULL;
                par_error e = {0};
                rc = par__list_to_column(*out, &col, &e);
                par_value_release(*out);
                *out = col;
                if (rc < 0)
                        return par_task_fail(ctx, rc, "map_partitions: %s",
                                             e.message);
        } else if (!par_value_is_column(*out) && !par_value_is_table(*out)) {
                par_type t = par_value_type(*out);
                par_value_release(*out);
                *out = NULL;
                return par_task_fail(ctx, PAR_ETYPE,
                                     "map_partitions: op '%s' returned %s; "
                                     "expected a column, a table or a list",
                                     par_value_bytes(args[1], NULL),
                                     par_type_name(t));
        }
        return 0;
}

static int op_filter_with(par_task_ctx *ctx, size_t n, par_value *const *args,
                          par_value **out)
{
        par_value *mask = NULL;
        int rc = call_user(ctx, n, args, &mask);
        if (rc < 0)
                return rc;
        if (!par_value_is_column(mask)) {
                par_value_release(mask);
                return par_task_fail(ctx, PAR_ETYPE,
                                     "filter: predicate op '%s' must return a "
                                     "bool column",
                                     par_value_bytes(args[1], NULL));
        }
        rc = select_rows(ctx, args[0], mask, out);
        par_value_release(mask);
        return rc;
}

void par__bag_register_ops(void)
{
        par_op_register("par.identity", op_identity, NULL);
        par_op_register("par.bag.range", op_range, NULL);
        par_op_register("par.bag.as_partition", op_as_partition, NULL);
        par_op_register("par.bag.map", op_map, NULL);
        par_op_register("par.bag.filter", op_filter, NULL);
        par_op_register("par.bag.flatten", op_flatten, NULL);
        par_op_register("par.bag.pluck", op_pluck, NULL);
        par_op_register("par.bag.apply", op_apply, NULL);
        par_op_register("par.bag.filter_with", op_filter_with, NULL);
        par_op_register("par.bag.read_text", par__op_read_text, NULL);
        par_op_register("par.bag.read_count", par__op_read_count, NULL);
        par_op_register("par.bag.read_count_containing",
                        par__op_read_count_containing, NULL);
}
