/* par/bag.h — bags: lazy, partitioned collections of items.
 *
 * A bag is split into partitions; each partition is a column (text lines,
 * int64, float64, bool, or lists from split) or a table (records), see
 * par/column.h. Operations build a graph and return a new bag (or, for
 * aggregations, a par_delayed whose result you get with par_compute or
 * par_client_compute); nothing runs until then. Elementwise operations
 * chain per partition and are fused into one task per partition, so
 * read → filter → count is one pass over each block.
 *
 * Ownership: every function that returns a bag or delayed returns a new
 * reference; release with par_bag_release / par_delayed_release. A derived
 * bag keeps what it was derived from alive, so releasing the source early
 * is fine. Bags are immutable and may be shared between threads.
 *
 * Errors: functions return 0 or a negative status, with a message in the
 * optional par_error naming the operation, the file or partition, and what
 * was expected. */
#ifndef PAR_BAG_H
#define PAR_BAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "column.h"
#include "core.h"
#include "expr.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct par_bag par_bag;

/* ---- sources ------------------------------------------------------------- */

typedef enum par_compression {
        PAR_COMPRESSION_INFER = 0, /* gzip if the name ends in ".gz" */
        PAR_COMPRESSION_NONE,
        PAR_COMPRESSION_GZIP
} par_compression;

typedef struct par_read_text_opts {
        /* Bytes per partition. 0 (and no blocksize_str): one partition per
         * file. Gzip files are always one partition each. */
        int64_t blocksize;
        /* The same as text: "100KB" (10^3), "64MiB" (2^20), "1e6", "128 B".
         * Takes precedence over `blocksize` when set. */
        const char *blocksize_str;
        char delimiter;          /* line end; 0 means '\n' */
        par_compression compression;
        /* Records of two fields instead of lines: "text" and "path". */
        bool include_path;
} par_read_text_opts;

/* A bag of the lines of the files `path` names: one path or a glob pattern
 * (with * ? [...], expanded in name order); par_read_text_paths takes a
 * list. Lines keep their delimiter; a last line without one still counts. With a blocksize each file is cut into blocks
 * of about that many bytes; a block's lines are those that start in it
 * (after the first delimiter at or after its start, for every block but a
 * file's first), so each line belongs to exactly one partition.
 * Files are sized here, read when computed.
 * Errors: PAR_ENOENT (no file matches, naming the pattern), PAR_EIO
 * (stat failed, naming the file and the reason), PAR_EINVAL (bad
 * blocksize text). */
PAR_API int par_read_text(const char *path, const par_read_text_opts *opts,
                          par_bag **out, par_error *err);
PAR_API int par_read_text_paths(size_t n, const char *const *paths,
                                const par_read_text_opts *opts, par_bag **out,
                                par_error *err);

/* Parses a byte count: "100KB" = 100000, "64MiB" = 67108864, "1.5GB",
 * "1e6", "512". Errors: PAR_EINVAL naming the text. */
PAR_API int par_parse_bytes(const char *text, int64_t *out, par_error *err);

/* Bags from memory, in `npartitions` partitions of near-equal size (at
 * least 1; at most n unless n is 0). Data is copied. */
PAR_API int par_bag_from_int64(const int64_t *v, int64_t n, int64_t npartitions,
                               par_bag **out, par_error *err);
PAR_API int par_bag_from_float64(const double *v, int64_t n, int64_t npartitions,
                                 par_bag **out, par_error *err);
PAR_API int par_bag_from_strings(const char *const *s, int64_t n,
                                 int64_t npartitions, par_bag **out,
                                 par_error *err);
/* Items of a list value (scalars of one type, or strings). */
PAR_API int par_bag_from_sequence(par_value *list, int64_t npartitions,
                                  par_bag **out, par_error *err);

/* 0, 1, ..., n-1 as int64 in `npartitions` partitions. */
PAR_API int par_bag_range(int64_t n, int64_t npartitions, par_bag **out,
                          par_error *err);

/* One partition per delayed call: its result must be a column, a table,
 * or a list of scalars of one type. Partitions are checked when computed
 * (PAR_ETYPE naming the partition). */
PAR_API int par_bag_from_delayed(size_t n, par_delayed *const *parts,
                                 par_bag **out, par_error *err);

/* `n` normal numbers N(mean, sd²) in `npartitions` partitions, from the
 * counter-based generator: partition i is stream i of `seed`, so the
 * numbers are the same on any thread count or backend. The op it uses,
 * "par.random.normal" (seed, stream, count, mean, sd) -> float64 column,
 * can also be called through par_delayed_call. Likewise
 * "par.random.uniform" (seed, stream, count, lo, hi) and
 * "par.random.integers" (seed, stream, count, lo, hi) -> int64. */
PAR_API int par_bag_random_normal(uint64_t seed, int64_t n, int64_t npartitions,
                                  double mean, double sd, par_bag **out,
                                  par_error *err);

/* ---- structure --------------------------------------------------------------- */

PAR_API int64_t par_bag_npartitions(const par_bag *b);

/* The key name of the bag's partitions (partition i is (name, i)). */
PAR_API const char *par_bag_name(const par_bag *b);

/* One partition as a delayed call (index from 0). */
PAR_API int par_bag_partition(const par_bag *b, int64_t i, par_delayed **out,
                              par_error *err);

PAR_API par_bag *par_bag_retain(par_bag *b);
PAR_API void par_bag_release(par_bag *b);

/* ---- elementwise (lazy, fused per partition) ---------------------------------- */

/* Items become e(item) (par_x() is the item; par_col(name) a record field).
 * The expression is referenced, not taken. */
PAR_API int par_bag_map(par_bag *b, const par_expr *e, par_bag **out,
                        par_error *err);

/* Keeps the items for which `pred` is true (a bool expression). */
PAR_API int par_bag_filter(par_bag *b, const par_expr *pred, par_bag **out,
                           par_error *err);

/* Items become lists of words (str.split()), then flatten gives a bag of
 * words. flatten applies to any bag of lists. */
PAR_API int par_bag_flatten(par_bag *b, par_bag **out, par_error *err);

/* Records to one field: a bag of that field's values. */
PAR_API int par_bag_pluck(par_bag *b, const char *field, par_bag **out,
                          par_error *err);

/* Applies a registered op to each partition: op(partition, args...) must
 * return the new partition (a column, a table or a list). */
PAR_API int par_bag_map_partitions(par_bag *b, const char *op, size_t nargs,
                                   const par_arg *args, par_bag **out,
                                   par_error *err);

/* Keeps the items for which a registered predicate returns true: op(partition,
 * args...) must return a bool column of the partition's length. */
PAR_API int par_bag_filter_op(par_bag *b, const char *op, size_t nargs,
                              const par_arg *args, par_bag **out,
                              par_error *err);

/* ---- aggregations (lazy; each gives one value) ---------------------------------- */

/* Options for tree reductions: how many partials each combining task
 * takes (0: 8), as Dask's split_every. */
typedef struct par_agg_opts {
        int split_every;
} par_agg_opts;

/* The number of items (int64). */
PAR_API int par_bag_count(par_bag *b, const par_agg_opts *opts,
                          par_delayed **out, par_error *err);

/* Numeric summaries: sum (int64 for int64 items, else float64), min, max
 * (the items' type), mean, var and std (float64; ddof 0 as Dask's bag).
 * Nulls are skipped. An empty bag gives PAR_EINVAL for min/max/mean/var/
 * std when computed. */
typedef enum par_stat {
        PAR_STAT_SUM = 1,
        PAR_STAT_MIN,
        PAR_STAT_MAX,
        PAR_STAT_MEAN,
        PAR_STAT_VAR,
        PAR_STAT_STD
} par_stat;

PAR_API int par_bag_stat(par_bag *b, par_stat stat, const par_agg_opts *opts,
                         par_delayed **out, par_error *err);

/* A generic tree reduction with registered ops: perpartition(partition,
 * args...) -> value, then aggregate(values...) -> value, applied in a tree
 * of fan-in split_every. fold is the same with aggregate = perpartition's
 * combining op taking a list. */
PAR_API int par_bag_reduction(par_bag *b, const char *perpartition,
                              const char *aggregate, size_t nargs,
                              const par_arg *args, const par_agg_opts *opts,
                              par_delayed **out, par_error *err);

/* Dask's fold: `binop` (a registered op) is called as binop(acc, item)
 * for each item of a partition, starting from `initial`, giving one
 * accumulator per partition; then `combine` (binop if NULL) is called as
 * combine(acc_a, acc_b) over the partials in a tree of fan-in
 * split_every, in partition order. Items are passed as scalar values
 * (par_column_get), so this suits user logic, not bulk numeric work —
 * use par_bag_stat or par_bag_reduction for that. */
PAR_API int par_bag_fold(par_bag *b, const char *binop, const char *combine,
                         par_value *initial, const par_agg_opts *opts,
                         par_delayed **out, par_error *err);

/* Distinct items with their counts: a table ("value", "count") sorted by
 * count (descending), then value. */
PAR_API int par_bag_frequencies(par_bag *b, const par_agg_opts *opts,
                                par_delayed **out, par_error *err);

/* The k largest items (k smallest if `smallest`), sorted, as a column. For
 * records, `key` names the field to order by (the records are returned). */
PAR_API int par_bag_topk(par_bag *b, int64_t k, const char *key, bool smallest,
                         const par_agg_opts *opts, par_delayed **out,
                         par_error *err);

/* The distinct items, sorted, as a column. */
PAR_API int par_bag_distinct(par_bag *b, const par_agg_opts *opts,
                             par_delayed **out, par_error *err);

/* Group-and-reduce (Dask's foldby): groups items by `key` and reduces
 * `value` in each group with `stat` (SUM, MIN, MAX, MEAN; or 0 for a
 * count). Gives a table ("key", "value") sorted by key. */
PAR_API int par_bag_foldby(par_bag *b, const par_expr *key,
                           const par_expr *value, par_stat stat,
                           const par_agg_opts *opts, par_delayed **out,
                           par_error *err);

/* ---- results ------------------------------------------------------------------ */

/* The first n items, computing partitions in order only until n are
 * found. *out gets a column or table of min(n, available) items; if fewer
 * than n exist, *got < n and, if `err` is given, err->message says so
 * (the call still returns 0). */
PAR_API int par_bag_take(par_client *c, par_bag *b, int64_t n, par_value **out,
                         int64_t *got, par_error *err);

/* Computes the whole bag: a list value of its partitions. */
PAR_API int par_bag_compute(par_client *c, par_bag *b, par_value **out,
                            par_error *err);

/* Computes every partition once and keeps them: *out (a new reference)
 * is a bag with the same partitions, held as values, so that later
 * computations on it (or on bags made from it) start from them instead
 * of recomputing b's graph. On the local backend the values are held in
 * this process. On an MPI client each partition stays on the worker rank
 * that made it (only its summary comes to rank 0), and tasks reading it
 * run on that rank; releasing the persisted bag (its last reference, and
 * that of every bag made from it) frees the partitions there, as freeing
 * the client does (par_mpi_stored counts them).
 * Errors: PAR_EINVAL (a NULL argument), PAR_ENOMEM, and any error of
 * computing b (nothing is kept then). */
PAR_API int par_bag_persist(par_client *c, par_bag *b, par_bag **out,
                            par_error *err);

/* Writes one text file per partition: `pattern` with '*' replaced by the
 * partition number zero-padded to the width of the largest. Text items are
 * written as they are (they keep their line ends); other items one per
 * line. Each file is written under a temporary name and renamed when
 * complete, so a failure leaves no partial file. On success *files (if not
 * NULL) gets a list value of the paths written.
 * Errors: PAR_EINVAL (no '*' and more than one partition), PAR_EIO. */
PAR_API int par_bag_to_textfiles(par_client *c, par_bag *b, const char *pattern,
                                 par_value **files, par_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PAR_BAG_H */
