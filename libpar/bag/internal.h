/* libpar/bag/internal.h — bags: a layer of tasks (name, 0..n-1), one per
 * partition, plus the layers upstream. Not installed. */
#ifndef PAR_BAG_INTERNAL_H
#define PAR_BAG_INTERNAL_H

#include "client/internal.h"
#include "par/bag.h"
#include "value/column.h"

struct par_bag {
        atomic_size_t refs;
        par__layer *layer;
        char *name;
        int64_t npartitions;
};

/* A new bag owning `g` (taken, also on failure), whose tasks are (name,
 * 0..n-1), depending on the layers of `parents`. */
int par__bag_new(par_graph *g, const char *name, int64_t n, size_t nparents,
                 par_bag *const *parents, par_bag **out, par_error *err);

/* A token-derived name: "prefix-<16 hex>" from the parent's name, the
 * prefix and extra bytes. */
void par__bag_token(const char *prefix, const par_bag *parent,
                    const void *extra, size_t n, char *buf, size_t size);

/* Builds a bag applying op(parent partition i, args...) to every
 * partition. */
int par__bag_elementwise(par_bag *b, const char *prefix, const char *op,
                         size_t nargs, const par_arg *args, par_bag **out,
                         par_error *err);

/* Tree reduction: per-partition op over the bag, then `combine` in groups
 * of split_every, then `final` (may be NULL) with extra args. Produces a
 * delayed for the result. */
int par__bag_tree(par_bag *b, const char *prefix, const char *part_op,
                  size_t npargs, const par_arg *pargs, const char *combine_op,
                  size_t ncargs, const par_arg *cargs, const char *final_op,
                  size_t nfargs, const par_arg *fargs, int split_every,
                  par_delayed **out, par_error *err);

/* Registers the bag's built-in ops (called once from the op registry). */
void par__bag_register_ops(void);
void par__bag_register_agg_ops(void);
void par__random_register_ops(void);
void par__bag_register_result_ops(void);

/* A list of scalars of one type as a column. */
int par__list_to_column(const par_value *list, par_value **out, par_error *err);

/* Reading text: the op, and the read fused with count and with
 * filter(contains)+count. */
int par__op_read_text(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out);
int par__op_read_count(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out);
int par__op_read_count_containing(par_task_ctx *ctx, size_t n,
                                  par_value *const *args, par_value **out);

/* If b counts lines of a read_text bag (directly, or through one filter by
 * contains(x, literal)), a bag of per-block counts that reads and counts
 * in one pass; else *out = NULL. */
int par__bag_fused_count(par_bag *b, par_bag **out, par_error *err);

#endif
