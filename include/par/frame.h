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

/* Column statistics over the whole frame, as a delayed float64 (int64 for
 * sum/min/max of int64 columns): stat is one of par_stat (bag.h). */
PAR_API int par_frame_stat(par_frame *f, const char *column, par_stat stat,
                           par_delayed **out, par_error *err);

/* Number of rows, as a delayed int64. */
PAR_API int par_frame_count_rows(par_frame *f, par_delayed **out,
                                 par_error *err);

/* The last n rows (computing partitions from the end only as needed). */
PAR_API int par_frame_tail(par_client *c, par_frame *f, int64_t n,
                           par_value **out, int64_t *got, par_error *err);

/* Distinct values of a column with their counts: a delayed table
 * ("value", "count") sorted by count (descending), then value, as pandas'
 * value_counts. Nulls are not counted. */
PAR_API int par_frame_value_counts(par_frame *f, const char *column,
                                   par_delayed **out, par_error *err);

/* Group-by aggregation: groups rows by the `key` column and reduces each
 * columns[i] with stats[i] (SUM, MIN, MAX, MEAN, or 0 for a count): a
 * delayed table with "key" and one column per aggregation, named
 * "<column>_<stat>", sorted by key. Partial results are per-partition
 * sorted groups merged in a tree (split_every 8). */
PAR_API int par_frame_groupby_agg(par_frame *f, const char *key, size_t n,
                                  const char *const *columns,
                                  const par_stat *stats, par_delayed **out,
                                  par_error *err);

/* Summary statistics of the numeric columns: a delayed table with a
 * "stat" column (count, mean, std, min, max) and one float64 column per
 * numeric column, as pandas' describe (std with ddof 1) without the
 * quantiles. */
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
