/* par/column.h — columns and tables: the partitions of bags and frames.
 *
 * A column is a typed array in the Arrow columnar layout: a validity
 * bitmap (absent when nothing is null; bit i set = element i valid), and
 * the values: int64 and float64 as arrays, bool as one byte per element
 * (0 or 1; converted to Arrow's bitmap on export), strings as int64
 * offsets (length + 1 of them) into one byte buffer, lists as int64
 * offsets into a child column. A table is a list of named columns of one
 * length. Both are par_values (objects), so they are refcounted, immutable
 * once built, and flow through graphs like any task result.
 *
 * Accessors return pointers into the column, valid while the caller holds
 * a reference to it. */
#ifndef PAR_COLUMN_H
#define PAR_COLUMN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum par_dtype {
        PAR_DTYPE_NONE = 0,
        PAR_DTYPE_INT64,
        PAR_DTYPE_FLOAT64,
        PAR_DTYPE_BOOL,
        PAR_DTYPE_STRING,
        PAR_DTYPE_LIST, /* a list per element; see par_column_child */
        PAR_DTYPE_FLOAT32 /* arrays only (par/array.h): columns refuse it */
} par_dtype;

/* "int64", "float64", "bool", "string" (pandas prints "object"), "list",
 * "float32". */
PAR_API const char *par_dtype_name(par_dtype t);

/* ---- building ------------------------------------------------------------ */

/* New columns, copying the caller's data; each returns a new reference or
 * NULL when memory runs out. `validity` may be NULL (all valid); otherwise
 * it is a bitmap of (n + 7) / 8 bytes, bit i (LSB first) set when element
 * i is valid. */
PAR_API par_value *par_column_from_int64(const int64_t *v, int64_t n,
                                         const uint8_t *validity);
PAR_API par_value *par_column_from_float64(const double *v, int64_t n,
                                           const uint8_t *validity);
PAR_API par_value *par_column_from_bool(const bool *v, int64_t n,
                                        const uint8_t *validity);
/* New int64 / float64 columns of n values, all valid, that the caller
 * fills in place: *data points at the n uninitialized values. The caller owns the returned reference and may write
 * through *data until the value is shared (returned from an op, put in a
 * table, handed to another thread); afterwards it is immutable like every
 * value. This saves the copy par_column_from_* makes when an op produces
 * a large column. NULL (and *data NULL) when memory runs out or n < 0. */
PAR_API par_value *par_column_new_int64(int64_t n, int64_t **data);
PAR_API par_value *par_column_new_float64(int64_t n, double **data);
/* Strings in the Arrow layout: string i is bytes[offsets[i] ..
 * offsets[i+1]); offsets has n + 1 non-decreasing entries. */
PAR_API par_value *par_column_from_strings(const char *bytes,
                                           const int64_t *offsets, int64_t n,
                                           const uint8_t *validity);
/* NUL-terminated C strings; a NULL entry is a null element. */
PAR_API par_value *par_column_from_cstrings(const char *const *s, int64_t n);

/* A table of `ncols` columns (each retained) named names[i] (copied). All
 * columns must have one length. Returns NULL on a length mismatch, a
 * non-column, or no memory. */
PAR_API par_value *par_table_new(size_t ncols, const char *const *names,
                                 par_value *const *columns);

/* ---- reading ---------------------------------------------------------------- */

PAR_API bool par_value_is_column(const par_value *v);
PAR_API bool par_value_is_table(const par_value *v);

PAR_API par_dtype par_column_dtype(const par_value *col);
PAR_API int64_t par_column_length(const par_value *col);
PAR_API int64_t par_column_null_count(const par_value *col);
/* The validity bitmap, or NULL when every element is valid. */
PAR_API const uint8_t *par_column_validity(const par_value *col);
PAR_API bool par_column_is_valid(const par_value *col, int64_t i);

/* The values; NULL if the column has another dtype. */
PAR_API const int64_t *par_column_int64(const par_value *col);
PAR_API const double *par_column_float64(const par_value *col);
PAR_API const uint8_t *par_column_bool(const par_value *col);
/* Strings: the offsets (length + 1) and the bytes. */
PAR_API const int64_t *par_column_offsets(const par_value *col);
PAR_API const char *par_column_bytes(const par_value *col);
/* String i (not NUL-terminated) and its length; NULL if out of range. */
PAR_API const char *par_column_string(const par_value *col, int64_t i,
                                      size_t *len);
/* A list column's child column (borrowed). Element i of the list column
 * is child[offsets[i] .. offsets[i+1]). */
PAR_API par_value *par_column_child(const par_value *col);

/* Element i as a new scalar value (int64, float64, bool, string; null
 * for an invalid element; a list value for list columns). */
PAR_API par_value *par_column_get(const par_value *col, int64_t i);

PAR_API size_t par_table_ncols(const par_value *t);
PAR_API int64_t par_table_length(const par_value *t);
PAR_API const char *par_table_name(const par_value *t, size_t i);
/* Column i (borrowed), or NULL. */
PAR_API par_value *par_table_column(const par_value *t, size_t i);
/* The index of the column named `name`, or -1. */
PAR_API int par_table_find(const par_value *t, const char *name);

#ifdef __cplusplus
}
#endif
#endif /* PAR_COLUMN_H */
