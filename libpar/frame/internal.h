/* libpar/frame/internal.h — frames: a layer of tasks (name, 0..n-1) whose
 * results are tables, plus what is known without computing: the columns,
 * their dtypes, and (after persist) the partitions' lengths. */
#ifndef PAR_FRAME_INTERNAL_H
#define PAR_FRAME_INTERNAL_H

#include "bag/internal.h"
#include "par/frame.h"

struct par_frame {
        atomic_size_t refs;
        par__layer *layer;
        char *name;
        int64_t npartitions;
        size_t ncols;
        char **names;
        par_dtype *dtypes;
        int64_t *lengths; /* NULL until known */
        int nlayers;      /* graph layers behind this frame, for printing */
};

/* A new frame owning g (taken), with the given schema (copied). */
int par__frame_new(par_graph *g, const char *name, int64_t n, size_t ncols,
                   char *const *names, const par_dtype *dtypes,
                   const int64_t *lengths, size_t nparents,
                   par__layer *const *parents, int nlayers, par_frame **out,
                   par_error *err);

/* A bag view of a frame (same layer and partitions; items are records). */
int par__frame_as_bag(const par_frame *f, par_bag **out, par_error *err);

/* Rows of a table where sel[i] is set. */
par_value *par__table_filter(const par_value *t, const uint8_t *sel, int64_t nsel);
/* Rows [start, start+n) of a table, sharing buffers. */
par_value *par__table_slice(par_value *t, int64_t start, int64_t n);
/* Tables (same columns) one after another. */
par_value *par__table_concat(size_t n, par_value *const *tables);

/* The index of the column `name`, or PAR_EINVAL with a message naming
 * the operation, the column and the frame's columns. */
int par__frame_find_column(const par_frame *f, const char *op, const char *name,
                           par_error *err);
/* A list value of strings (copied); NULL when memory runs out. */
par_value *par__frame_string_list(size_t n, const char *const *s);

void par__frame_register_ops(void);
void par__frame_register_agg_ops(void);
void par__frame_register_groupby_ops(void);
void par__csv_register_ops(void);

#endif
