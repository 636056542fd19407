/* libpar/kernels/csv.h — CSV parsing and writing over memory buffers.
 * RFC 4180 (quoted fields with embedded delimiters, doubled quotes and
 * newlines), CRLF or LF line ends, pandas-compatible type inference,
 * missing values and output layout. Not installed. */
#ifndef PAR_KERNELS_CSV_H
#define PAR_KERNELS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "par/column.h"
#include "par/core.h"

typedef struct par__csv_format {
        char delim; /* ',' */
        char quote; /* '"' */
} par__csv_format;

/* ---- splitting files into blocks of whole rows ---------------------------- */

/* Number of quote bytes in buf[0..n). The parity of the count from the
 * start of a file to an offset says whether that offset is inside a
 * quoted field (doubled quotes count twice, so they keep the parity). */
size_t par__csv_count_quotes(const char *buf, size_t n, char quote);

/* The offset just past the first '\n' at or after `from` that is outside
 * quotes, given whether buf[0] is inside a quoted field; n if there is
 * none. */
size_t par__csv_next_row(const char *buf, size_t n, size_t from,
                         bool in_quotes, char quote);

/* ---- parsing ---------------------------------------------------------------- */

/* Reads the header row at buf[0..n): *names gets `*ncols` field names
 * (each and the array allocated with par__malloc; free with
 * par__csv_free_names), *consumed the bytes of the row including its line
 * end. A UTF-8 byte-order mark at buf[0] is skipped (and counted in
 * consumed). An empty header cell is named "Unnamed: i" as pandas does
 * (i = its position). Errors: PAR_EPARSE ("name:1: unterminated quoted
 * field"), PAR_ENOMEM. */
int par__csv_parse_header(const char *buf, size_t n, const par__csv_format *fmt,
                          const char *name, char ***names, size_t *ncols,
                          size_t *consumed, par_error *err);
void par__csv_free_names(char **names, size_t n);

typedef struct par__csv_parse {
        const char *name;   /* file name, for messages */
        int64_t first_line; /* 1-based line number of buf[0] in the file */
        par__csv_format fmt;
        size_t ncols;              /* fields every row must have */
        const char *const *names;  /* column names */
        /* Per column: the dtype to parse as, or PAR_DTYPE_NONE to infer.
         * NULL: infer all. */
        const par_dtype *dtypes;
        /* Per column: false to skip it (usecols). NULL: keep all. */
        const bool *keep;
} par__csv_parse;

/* Parses the rows of buf[0..n) — whole rows; the last may lack its line
 * end; "\r\n" and "\n" both end rows; a completely empty line is skipped
 * (as pandas does) — into a table value (*out, new reference) of the kept
 * columns, in order, named names[i].
 *
 * Types. With a dtype given, each field must parse as it (int64:
 * [+-]digits; float64: a decimal or scientific number, "inf", "nan";
 * bool: True/False/true/false/TRUE/FALSE; string: anything). Inferring,
 * a column is int64 if all its present fields are int64, else float64 if
 * all are numbers, else bool if all are booleans, else string.
 * Missing values: the empty field and pandas' default NA strings ("NA",
 * "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None",
 * "<NA>", "#N/A", "#NA", "1.#IND", "1.#QNAN", "-1.#IND", "-1.#QNAN",
 * "#N/A N/A") are null. An int64 column with nulls becomes float64 with
 * NaN (pandas); float64 nulls are NaN with the validity bit cleared;
 * string and bool nulls are null elements. Quoted fields are strings'
 * content with the quotes removed and doubled quotes undoubled.
 *
 * Errors (PAR_EPARSE), naming the file, line and column as
 *   "gen-003.csv:1042: expected 3 fields, found 2"
 *   "gen-007.csv:88:5: 'abc' is not a float64 (column a)"  (line:column,
 *   the column counted in bytes from 1)
 *   "x.csv:7: unterminated quoted field". */
int par__csv_parse_block(const char *buf, size_t n, const par__csv_parse *opts,
                         par_value **out, par_error *err);

/* The same, incrementally, for text read a piece at a time: the pieces
 * are fed in order, each of whole rows (it ends just after a '\n' outside
 * quotes, or at the end of the text), and the result is the table
 * par__csv_parse_block would give for their concatenation. Only pieces
 * that need no earlier text are accepted: feed returns 1 (and the parser
 * must be dropped, the whole text parsed with par__csv_parse_block) on a
 * malformed row or a value of the wrong type (whose message counts lines
 * from the start), and when a column inferred from its first rows turns
 * to string. `total`: the expected length of all the text, to size the
 * columns once (0: unknown). new and finish return 0 or a negative
 * status (PAR_EINVAL, PAR_ENOMEM); finish's *out is a new reference.
 * The options (and the arrays they point to) must outlive the parser. */
typedef struct par__csv_parser par__csv_parser;
int par__csv_parser_new(const par__csv_parse *opts, par__csv_parser **out,
                        par_error *err);
int par__csv_parser_feed(par__csv_parser *p, const char *buf, size_t n,
                         size_t total, par_error *err);
int par__csv_parser_finish(par__csv_parser *p, par_value **out, par_error *err);
void par__csv_parser_free(par__csv_parser *p);

/* ---- writing ------------------------------------------------------------------ */

typedef struct par__csv_write {
        par__csv_format fmt;
        bool header;       /* write the header row */
        bool index;        /* write an index column first (empty header) */
        int64_t index_start; /* first index value */
        const char *index_label; /* header of the index column; NULL = "" */
} par__csv_write;

/* Appends the CSV text of table `t` (header if asked, then one row per
 * table row, "\n" line ends) to the growable buffer *buf (*len bytes used
 * of *cap; grown with par__realloc). Layout as pandas' to_csv: floats in
 * shortest round-trip form (par__format_double), NaN and nulls as empty
 * fields, bools as True/False, strings quoted only when they contain the
 * delimiter, the quote, '\r' or '\n' (quotes doubled).
 * Errors: PAR_ENOMEM, PAR_ETYPE (a column type it cannot write). */
int par__csv_format_table(const par_value *t, const par__csv_write *o,
                          char **buf, size_t *len, size_t *cap, par_error *err);

#endif
