/* libpar/value/column.h — building columns and tables inside the library.
 * Kernels allocate a column, fill its buffers directly, and finish it into
 * a value. Not installed. */
#ifndef PAR_VALUE_COLUMN_H
#define PAR_VALUE_COLUMN_H

#include "core/internal.h"
#include "par/column.h"

typedef struct par__column {
        par_dtype dtype;
        int64_t length;
        int64_t null_count;
        uint8_t *validity; /* NULL: all valid */
        void *data;        /* values, or string bytes */
        int64_t *offsets;  /* strings and lists: length + 1 */
        size_t nbytes;     /* string bytes held by data */
        par_value *child;  /* lists: the child column (owned reference) */
        /* If set, data/offsets/validity belong to this value (a column
         * this one is a slice of, or a buffer) and are not freed here. */
        par_value *base;
} par__column;

typedef struct par__table {
        size_t ncols;
        int64_t length;
        char **names;
        par_value **cols;
} par__table;

/* A column of `n` elements. For strings `nbytes` bytes of data are
 * allocated (grow with par__column_reserve_bytes); for lists the child is
 * attached by the caller. Data is uninitialized; offsets[0] = 0. Returns
 * NULL when memory runs out. */
par__column *par__column_alloc(par_dtype t, int64_t n, size_t nbytes);
int par__column_reserve_bytes(par__column *c, size_t nbytes);
/* Adds an all-valid validity bitmap (to clear bits in). */
int par__column_add_validity(par__column *c);
void par__column_set_null(par__column *c, int64_t i);
/* Wraps the column in a value (taking it); NULL on failure (it is freed). */
par_value *par__column_finish(par__column *c);
void par__column_discard(par__column *c);

/* A string column that adopts `bytes` (allocated with par__malloc, now
 * owned by the column) and `offsets` (likewise). */
par_value *par__column_adopt_strings(char *bytes, size_t nbytes,
                                     int64_t *offsets, int64_t n);

/* The column behind a value, or NULL if it is not one. */
const par__column *par__column_of(const par_value *v);
const par__table *par__table_of(const par_value *v);

/* Elements [start, start + n) of a column, sharing its buffers. */
par_value *par__column_slice(par_value *col, int64_t start, int64_t n);

/* A column of the elements whose sel[i] is non-zero (copying). */
par_value *par__column_filter(const par_value *col, const uint8_t *sel,
                              int64_t nsel);

/* Concatenates columns of one dtype. */
par_value *par__column_concat(size_t n, par_value *const *cols);

/* A table with the same names as `like` but other columns (retained). */
par_value *par__table_with(const par_value *like, par_value *const *cols);

/* Length of a partition: a column's or a table's. */
int64_t par__partition_length(const par_value *v);

extern const par_object_type par__column_type;
extern const par_object_type par__table_type;

#endif
