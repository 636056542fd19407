/* par/frame.h — dataframes: lazy, partitioned tables.
 *
 * A frame is split into partitions by rows; each partition is a table of
 * typed columns (par/column.h). Every partition's rows are numbered from
 * 0 (the index, as Dask's frames made from bags), which head() prints and
 * to_csv() writes. The frame knows its columns and their dtypes without
 * computing anything; its partitions' lengths once computed or persisted.
 *
 * Operations return new frames (new references; release with
 * par_frame_release). A derived frame keeps its source alive. Column
 * expressions (par/expr.h) run a column at a time and are fused with the
 * read of each partition.
 *
 * Errors: 0 or a negative status, with a message in the optional
 * par_error naming the operation, the file:line:column or partition, and
 * what was expected. */
#ifndef PAR_FRAME_H
#define PAR_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bag.h"
#include "client.h"
#include "column.h"
#include "core.h"
#include "expr.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct par_frame par_frame;

/* ---- making frames --------------------------------------------------------- */

/* A frame from a bag with a declared schema (as Dask's
 * bag.to_dataframe([('a', float)])): `ncols` names and dtypes. A bag of
 * scalars needs one column; a bag of records takes the named fields, in
 * the order given. The dtypes are checked (and int64 widened to float64
 * where declared) when partitions are computed. */
PAR_API int par_bag_to_dataframe(par_bag *b, size_t ncols,
                                 const char *const *names, const par_dtype *dtypes,
                                 par_frame **out, par_error *err);

/* Options of read_csv; zero means the default. */
typedef struct par_read_csv_opts {
        char delimiter;            /* 0: ',' */
        char quote;                /* 0: '"' */
        /* Bytes per partition: files larger than this are split at row
         * starts (a quoted newline never splits a row). 0: 64 MiB, as
         * Dask. Negative: one partition per file. */
        int64_t blocksize;
        /* Only these columns (NULL: all), by name. */
        const char *const *usecols;
        size_t nusecols;
        /* Explicit dtypes by column name (NULL: infer all). */
        const char *const *dtype_names;
        const par_dtype *dtypes;
        size_t ndtypes;
} par_read_csv_opts;

/* A frame of the CSV files `path` names: a path or a glob ("gen-*.csv",
 * expanded in name order). Every file must start with the same header
 * row. Column dtypes are inferred from the first file's first 256 KiB (as
 * Dask's sample): int64, then float64, bool, string; missing values are
 * the empty field and pandas' NA strings. A later partition whose values
 * do not fit the inferred dtype fails when computed, naming the file,
 * line and column and suggesting an explicit dtype.
 * Errors: PAR_ENOENT (no file matches), PAR_EIO, PAR_EPARSE (a header
 * that differs between files, naming both), PAR_EINVAL (unknown usecols
 * or dtype names). */
PAR_API int par_read_csv(const char *path, const par_read_csv_opts *opts,
                         par_frame **out, par_error *err);

/* A frame of one in-memory table per partition (each retained). */
PAR_API int par_frame_from_tables(size_t n, par_value *const *tables,
                                  par_frame **out, par_error *err);

PAR_API par_frame *par_frame_retain(par_frame *f);
PAR_API void par_frame_release(par_frame *f);

/* ---- structure ----------------------------------------------------------------- */

PAR_API int64_t par_frame_npartitions(const par_frame *f);
PAR_API size_t par_frame_ncols(const par_frame *f);
/* Column i's name (valid while f lives) and dtype. */
PAR_API const char *par_frame_column_name(const par_frame *f, size_t i);
PAR_API par_dtype par_frame_column_dtype(const par_frame *f, size_t i);
/* Partition lengths if known (after persist, or for in-memory frames),
 * else NULL. The array has npartitions entries and lives with f. */
PAR_API const int64_t *par_frame_lengths(const par_frame *f);

/* Partition i as a delayed call (its result is a table). */
PAR_API int par_frame_partition(const par_frame *f, int64_t i, par_delayed **out,
                                par_error *err);

/* The lazy frame's structure, as Dask prints it, without computing:
 *   par DataFrame Structure:
 *                        a        b
 *   npartitions=160
 *                  float64  float64
 *                      ...      ...
 *   par Name: assign-8c1f…, 3 graph layers
 * Returns the length the full text needs, as snprintf. */
PAR_API int par_frame_format(const par_frame *f, char *buf, size_t size);

/* ---- operations (lazy) ------------------------------------------------------- */

/* Only the named columns, in that order. Errors: PAR_EINVAL naming an
 * unknown column and listing the frame's. */
PAR_API int par_frame_select(par_frame *f, size_t n, const char *const *names,
                             par_frame **out, par_error *err);

/* df[name] = e: adds the column (or replaces one of that name). The
 * expression is checked against the frame's columns now. */
PAR_API int par_frame_assign(par_frame *f, const char *name, const par_expr *e,
                             par_frame **out, par_error *err);

/* Keeps the rows where `pred` (a bool expression) is true. */
PAR_API int par_frame_filter(par_frame *f, const par_expr *pred, par_frame **out,
                             par_error *err);

/* ---- results ---------------------------------------------------------------------- */

/* The first n rows, computing only the partitions needed (head) — as a
 * table; *got gets the number of rows found (fewer than n if the frame is
 * shorter). */
PAR_API int par_frame_head(par_client *c, par_frame *f, int64_t n,
                           par_value **out, int64_t *got, par_error *err);

/* The whole frame as one table. */
PAR_API int par_frame_compute(par_client *c, par_frame *f, par_value **out,
                              par_error *err);

/* Computes every partition and returns a frame backed by them (held in
 * memory), with known lengths: later operations start from there. */
PAR_API int par_frame_persist(par_client *c, par_frame *f, par_frame **out,
                              par_error *err);

/* A statistic of one numeric (int64, float64 or bool) column over the
 * whole frame, as pandas' Series reductions: a delayed value. `stat` is a
 * par_stat (bag.h) or 0 for the count of non-null values (int64). Nulls
 * and NaN are skipped. sum: int64 for int64 and bool columns (0 when
 * there are no values), else float64; min, max: int64 for int64 and bool
 * columns, else float64; mean, var, std: float64, var and std with
 * ddof 1 (pandas' default, unlike the bag's ddof 0). With no values,
 * min, max and mean are NaN (float64); var and std are NaN with fewer
 * than two. Partials per partition are merged in a tree (Chan's update of
 * count, mean and M2). Errors: PAR_EINVAL (unknown column, naming it and
 * listing the frame's), PAR_ETYPE (a non-numeric column). */
PAR_API int par_frame_stat(par_frame *f, const char *column, par_stat stat,
                           par_delayed **out, par_error *err);

/* Number of rows, as a delayed int64. */
PAR_API int par_frame_count_rows(par_frame *f, par_delayed **out,
                                 par_error *err);

/* The last n rows (computing partitions from the end only as needed). */
PAR_API int par_frame_tail(par_client *c, par_frame *f, int64_t n,
                           par_value **out, int64_t *got, par_error *err);

/* Distinct values of a column with their counts, as pandas'
 * value_counts(): a delayed table ("value", "count" int64) sorted by count,
 * descending; equal counts keep the order in which the values first
 * appear in the frame (a stable sort; pandas 1.5's quicksort leaves ties
 * in an unspecified order). Nulls (and NaN) are not counted. Computed by
 * the hash aggregation of par_frame_groupby. Errors: PAR_EINVAL (unknown
 * column), PAR_ETYPE (a list column). */
PAR_API int par_frame_value_counts(par_frame *f, const char *column,
                                   par_delayed **out, par_error *err);

/* Group-by aggregation, as pandas'
 *   df.groupby(keys).agg(...).reset_index()
 * with its defaults sort=True, dropna=True: a delayed table with one
 * column per key (named as the key, values as the key's dtype) and one
 * per aggregation, named "<column>_<stat>" (count, sum, mean, min, max),
 * one row per distinct key tuple, sorted by the keys (strings by bytes,
 * which is code-point order for UTF-8). Rows with a null (or NaN) key are
 * dropped.
 *
 * Keys: 1 to 32 columns of int64, float64, bool or string. Aggregations:
 * columns[i] reduced by stats[i], 1 to 64 of them: 0 (count of non-null
 * values, int64, any dtype), PAR_STAT_SUM (int64 for int64 and bool
 * columns, float64 for float64; 0 for a group without values), PAR_STAT_
 * MEAN (float64), PAR_STAT_MIN and PAR_STAT_MAX (the column's dtype).
 * Null and NaN values are skipped; a mean, min or max of a group without
 * values is null. Sums are plain (not compensated) float64 sums.
 *
 * How: each partition is grouped by an open-addressing hash table on the
 * key tuple (group ids for a block of rows first, then one loop per
 * aggregation; a single int64 key of a small range indexes an array
 * instead of hashing), giving a partial table of keys and states (sum,
 * count, min, max); partials are merged by the same hash grouping in a
 * tree of fan-in opts->split_every (0: 8), and the last merge is sorted.
 * opts may be NULL.
 *
 * Errors: PAR_EINVAL (no keys, no aggregations, too many, an unknown key
 * or column — the message names it and lists the frame's columns — or an
 * unknown stat), PAR_ETYPE (sum, mean, min or max of a non-numeric column,
 * naming it; a list key). A partition whose column has another dtype than
 * the frame declares fails when computed, naming column and partition. */
PAR_API int par_frame_groupby(par_frame *f, size_t nkeys, const char *const *keys,
                              size_t n, const char *const *columns,
                              const par_stat *stats, const par_agg_opts *opts,
                              par_delayed **out, par_error *err);

/* par_frame_groupby with one key column and the default options. */
PAR_API int par_frame_groupby_agg(par_frame *f, const char *key, size_t n,
                                  const char *const *columns,
                                  const par_stat *stats, par_delayed **out,
                                  par_error *err);

/* Summary statistics of the int64 and float64 columns, as pandas'
 * describe(): a delayed table with a "stat" column (count, mean, std,
 * min, 25%, 50%, 75%, max) and one float64 column per numeric column
 * (bool and string columns are left out, as pandas does when numbers are
 * present). Nulls and NaN are skipped; std has ddof 1; a column without
 * values has count 0 and NaN elsewhere, one value has std NaN.
 *
 * The quantiles are exact, with NumPy's (pandas') linear interpolation:
 * at q, position q(n - 1) in the sorted values, between the neighbours.
 * Exactness has a price: every column's non-null values are gathered (as
 * float64, 8 bytes a value) and sorted in the final task, so describe
 * suits frames whose numeric columns fit in memory once; Dask's
 * approximate percentiles are not implemented. Errors: PAR_EINVAL (no
 * numeric column). */
PAR_API int par_frame_describe(par_frame *f, par_delayed **out, par_error *err);

/* A frame of `n` partitions. Fewer: adjacent partitions are joined.
 * More: needs known lengths (persist first); rows are split evenly.
 * Errors: PAR_EINVAL (n < 1; more partitions with unknown lengths). */
PAR_API int par_frame_repartition(par_frame *f, int64_t n, par_frame **out,
                                  par_error *err);

/* Options of to_csv; zero means the default (pandas' layout). */
typedef struct par_to_csv_opts {
        char delimiter;       /* 0: ',' */
        bool no_index;        /* leave out the index column */
        bool no_header;
        bool single_file;     /* all partitions into one file, in order */
} par_to_csv_opts;

/* Writes the frame as CSV: one file per partition, `pattern`'s '*'
 * replaced by the partition number zero-padded to the width of the
 * largest (gen-*.csv → gen-000.csv … gen-159.csv), or one file with
 * single_file. Each file is written under a temporary name and renamed
 * when complete, so a failure leaves no partial file; files matching the
 * pattern that this call did not write (from an earlier, longer run) are
 * removed once all are written, so a later read of the pattern sees only
 * this output. *files (if not NULL) gets a list value of the paths.
 * Errors: PAR_EINVAL (no '*' without single_file, or two), PAR_EIO naming
 * the file. */
PAR_API int par_frame_to_csv(par_client *c, par_frame *f, const char *pattern,
                             const par_to_csv_opts *opts, par_value **files,
                             par_error *err);

/* Writes a table as pandas prints a DataFrame: a header of column names,
 * then rows with the index (from `index_start`), columns right-aligned,
 * floats with 6 decimals. At most max_rows rows (0: all). Returns the
 * length the full text needs, as snprintf. */
PAR_API int par_table_format(const par_value *t, int64_t index_start,
                             int64_t max_rows, char *buf, size_t size);

/* ---- the Arrow C Data Interface ------------------------------------------------ */

/* The structs of the Arrow C Data Interface, exactly as its specification
 * publishes them (an ABI, guarded by the macro the specification names so
 * that including Arrow's own header as well is fine). */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
        const char *format;
        const char *name;
        const char *metadata;
        int64_t flags;
        int64_t n_children;
        struct ArrowSchema **children;
        struct ArrowSchema *dictionary;
        void (*release)(struct ArrowSchema *);
        void *private_data;
};

struct ArrowArray {
        int64_t length;
        int64_t null_count;
        int64_t offset;
        int64_t n_buffers;
        int64_t n_children;
        const void **buffers;
        struct ArrowArray **children;
        struct ArrowArray *dictionary;
        void (*release)(struct ArrowArray *);
        void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

/* Exports a table as a struct array (one child per column: int64 "l",
 * float64 "g", bool "b" as a bitmap, string "U" with int64 offsets). The
 * data is shared, not copied: the export holds a reference to the table
 * until the consumer calls the release callbacks (bools are converted to
 * bitmaps, which the export owns). On failure nothing is exported.
 * Errors: PAR_EINVAL (not a table, or a list column), PAR_ENOMEM. */
PAR_API int par_table_to_arrow(const par_value *table, struct ArrowSchema *schema,
                               struct ArrowArray *array, par_error *err);

/* Imports a struct array of int64, float64, bool, and string or large
 * string children ("l", "g", "b", "u", "U") as a new table (copying the
 * data), then releases the schema and array (moving them, as the
 * specification says a consumer does). Errors: PAR_ENOTSUP naming an
 * unsupported format, PAR_EINVAL for malformed input, PAR_ENOMEM. */
PAR_API int par_table_from_arrow(struct ArrowSchema *schema,
                                 struct ArrowArray *array, par_value **out,
                                 par_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PAR_FRAME_H */
