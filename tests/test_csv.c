/* tests/test_csv.c — CSV kernels: splitting, header, block parsing (types,
 * missing values, quoting, errors with their positions), writing in
 * pandas' layout, bit-exact round trips of doubles, agreement with a
 * naive reference tokenizer on random input, and robustness on random
 * bytes and truncations. Both tokenizer paths (AVX2 and portable) run.
 *
 * `test_csv bench [rows [reps]]` measures parse and format speed on the talk's
 * layout (an int64 index and two float64 columns) instead. */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend_harness.h"
#include "check.h"
#include "kernels/csv.h"
#include "kernels/numfmt.h"
#include "par.h"
#include "par/column.h"
#include "par/value.h"

int par__csv_set_isa(int level); /* csv_read.c, for tests */

static const par__csv_format FMT = {',', '"'};

/* ---- helpers ------------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
        /* SplitMix64 */
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        return z ^ (z >> 31);
}

static double rnd_unit(void)
{
        return (double)(rnd() >> 11) * 0x1p-53;
}

/* Parses `text` (header row included) with everything inferred unless
 * dtypes/keep are given. Returns the table or NULL (err filled). */
static par_value *parse_full(const char *text, size_t n, const par_dtype *dtypes,
                             const bool *keep, const char *name, par_error *err)
{
        char **names = NULL;
        size_t ncols = 0, used = 0;
        if (par__csv_parse_header(text, n, &FMT, name, &names, &ncols, &used, err) < 0)
                return NULL;
        int64_t line = 1;
        for (size_t i = 0; i < used; i++)
                line += text[i] == '\n';
        par__csv_parse o = {.name = name, .first_line = line, .fmt = FMT,
                            .ncols = ncols, .names = (const char *const *)names,
                            .dtypes = dtypes, .keep = keep};
        par_value *t = NULL;
        par__csv_parse_block(text + used, n - used, &o, &t, err);
        par__csv_free_names(names, ncols);
        return t;
}

static par_value *parse_str(const char *text, const par_dtype *dtypes,
                            const bool *keep, par_error *err)
{
        return parse_full(text, strlen(text), dtypes, keep, "t.csv", err);
}

/* Parses a block with given names (no header), returning the error code. */
static int parse_block_named(const char *text, size_t ncols, const char *const *names,
                             const par_dtype *dtypes, int64_t first_line,
                             par_value **out, par_error *err)
{
        par__csv_parse o = {.name = "gen-003.csv", .first_line = first_line,
                            .fmt = FMT, .ncols = ncols, .names = names,
                            .dtypes = dtypes};
        return par__csv_parse_block(text, strlen(text), &o, out, err);
}

static bool col_str_eq(const par_value *col, int64_t i, const char *want)
{
        if (!want)
                return !par_column_is_valid(col, i);
        size_t len;
        const char *s = par_column_string(col, i, &len);
        return s && par_column_is_valid(col, i) && len == strlen(want) &&
               memcmp(s, want, len) == 0;
}

static char *format(const par_value *t, const par__csv_write *w, size_t *len)
{
        char *buf = NULL;
        size_t cap = 0;
        *len = 0;
        par_error e = {0};
        int rc = par__csv_format_table(t, w, &buf, len, &cap, &e);
        CHECK_MSG(rc == 0, "format: %s", e.message);
        return buf;
}

/* ---- splitting ---------------------------------------------------------------- */

static void test_split(void)
{
        const char *s = "a,b\n\"x\ny\",1\n\"p\"\"q\",2\nlast,3";
        size_t n = strlen(s);
        CHECK(par__csv_count_quotes(s, n, '"') == 6);
        CHECK(par__csv_count_quotes(s, 0, '"') == 0);
        /* from 0: the header's newline */
        CHECK(par__csv_next_row(s, n, 0, false, '"') == 4);
        /* inside the quoted newline: must not split there */
        CHECK(par__csv_next_row(s, n, 4, false, '"') == 12);
        CHECK(par__csv_next_row(s, n, 6, false, '"') == 12);
        CHECK(par__csv_next_row(s, n, 7, false, '"') == 12); /* at the '\n' in quotes */
        CHECK(par__csv_next_row(s, n, 12, false, '"') == 21);
        CHECK(par__csv_next_row(s, n, 14, false, '"') == 21); /* inside "" */
        CHECK(par__csv_next_row(s, n, 21, false, '"') == n);  /* no more */
        CHECK(par__csv_next_row(s, n, n, false, '"') == n);
        CHECK(par__csv_next_row(s, n, n + 5, false, '"') == n);
        /* starting inside quotes: buf[0] is in a quoted field */
        const char *t = "a\nb\",c\nd\n";
        CHECK(par__csv_next_row(t, strlen(t), 0, true, '"') == 7);
        CHECK(par__csv_next_row(t, strlen(t), 0, false, '"') == 2);
        CHECK(par__csv_next_row(t, strlen(t), 2, false, '"') == strlen(t));
        /* parity on a long buffer across many blocks, against a count */
        size_t big = 100000;
        char *b = malloc(big);
        for (size_t i = 0; i < big; i++) {
                uint64_t r = rnd() % 16;
                b[i] = r == 0 ? '"' : r == 1 ? '\n' : 'x';
        }
        size_t q = 0;
        for (size_t i = 0; i < big; i++)
                q += b[i] == '"';
        CHECK(par__csv_count_quotes(b, big, '"') == q);
        /* every row start found by next_row follows an unquoted newline */
        size_t pos = 0, rows = 0;
        bool ok = true;
        while (pos < big) {
                size_t nx = par__csv_next_row(b, big, pos, false, '"');
                if (nx <= pos) {
                        ok = false;
                        break;
                }
                if (nx < big && (b[nx - 1] != '\n' ||
                                 par__csv_count_quotes(b, nx, '"') % 2))
                        ok = false;
                pos = nx;
                rows++;
        }
        CHECK(ok && rows > 1);
        free(b);
}

/* ---- header ----------------------------------------------------------------- */

static bool names_are(char **names, size_t n, const char *const *want, size_t wn)
{
        if (n != wn)
                return false;
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], want[i]) != 0)
                        return false;
        return true;
}

static void test_header(void)
{
        char **names;
        size_t n, used;
        par_error e = {0};
        const char *h = "\xEF\xBB\xBF,a,\"b,c\",\"d\"\"e\",,f\r\n1,2,3,4,5,6\n";
        CHECK_OK(par__csv_parse_header(h, strlen(h), &FMT, "x.csv", &names, &n, &used, &e), &e);
        const char *w1[] = {"Unnamed: 0", "a", "b,c", "d\"e", "Unnamed: 4", "f"};
        CHECK(names_are(names, n, w1, 6));
        CHECK(used == 3 + strlen(",a,\"b,c\",\"d\"\"e\",,f\r\n"));
        par__csv_free_names(names, n);

        /* a quoted newline in a name; no line end at all */
        h = "\"x\ny\",z";
        CHECK_OK(par__csv_parse_header(h, strlen(h), &FMT, "x.csv", &names, &n, &used, &e), &e);
        const char *w2[] = {"x\ny", "z"};
        CHECK(names_are(names, n, w2, 2) && used == strlen(h));
        par__csv_free_names(names, n);

        /* duplicates renamed as pandas does */
        h = "a,a,b,a.1,a\n";
        CHECK_OK(par__csv_parse_header(h, strlen(h), &FMT, "x.csv", &names, &n, &used, &e), &e);
        const char *w3[] = {"a", "a.2", "b", "a.1", "a.3"};
        CHECK(names_are(names, n, w3, 5));
        par__csv_free_names(names, n);

        /* empty lines before the header are skipped, as pandas does */
        h = "\n\r\nq\n";
        CHECK_OK(par__csv_parse_header(h, strlen(h), &FMT, "x.csv", &names, &n, &used, &e), &e);
        const char *w4[] = {"q"};
        CHECK(names_are(names, n, w4, 1) && used == strlen(h));
        par__csv_free_names(names, n);

        /* a lone empty cell */
        h = ",\n";
        CHECK_OK(par__csv_parse_header(h, strlen(h), &FMT, "x.csv", &names, &n, &used, &e), &e);
        const char *w5[] = {"Unnamed: 0", "Unnamed: 1"};
        CHECK(names_are(names, n, w5, 2));
        par__csv_free_names(names, n);

        h = "a,\"b\nc,d\n";
        CHECK(par__csv_parse_header(h, strlen(h), &FMT, "x.csv", &names, &n, &used, &e) == PAR_EPARSE);
        CHECK_MSG(strcmp(e.message, "x.csv:1: unterminated quoted field") == 0, "%s", e.message);
        CHECK(names == NULL && n == 0);
        CHECK(par__csv_parse_header("", 0, &FMT, "x.csv", &names, &n, &used, &e) == PAR_EPARSE);
        CHECK_MSG(strcmp(e.message, "x.csv: no columns to parse from file") == 0, "%s", e.message);
        CHECK(par__csv_parse_header("\xEF\xBB\xBF", 3, &FMT, "x.csv", &names, &n, &used, &e) == PAR_EPARSE);
}

/* ---- parsing ------------------------------------------------------------------ */

static void test_types(void)
{
        par_error e = {0};
        const char *text =
                "i,f,b,s,m,n,q\n"
                "1,1.5,True,x,1,,\"7\"\n"
                "-2,2,false,\"y,z\",2.5,,\"\"\n"
                "+3,-1e-3,TRUE,\"he said \"\"hi\"\"\",3,,\"9\"\n"
                "4,inf,FALSE,\"two\nlines\",x,,10\n";
        par_value *t = parse_str(text, NULL, NULL, &e);
        CHECK_MSG(t != NULL, "%s", e.message);
        if (!t)
                return;
        CHECK(par_table_ncols(t) == 7 && par_table_length(t) == 4);
        par_value *i = par_table_column(t, 0), *f = par_table_column(t, 1),
                  *b = par_table_column(t, 2), *s = par_table_column(t, 3),
                  *m = par_table_column(t, 4), *nn = par_table_column(t, 5),
                  *q = par_table_column(t, 6);
        CHECK(par_column_dtype(i) == PAR_DTYPE_INT64);
        CHECK(par_column_int64(i)[0] == 1 && par_column_int64(i)[1] == -2 &&
              par_column_int64(i)[2] == 3 && par_column_int64(i)[3] == 4);
        CHECK(par_column_validity(i) == NULL);
        CHECK(par_column_dtype(f) == PAR_DTYPE_FLOAT64);
        CHECK(par_column_float64(f)[0] == 1.5 && par_column_float64(f)[1] == 2.0 &&
              par_column_float64(f)[2] == -1e-3 && isinf(par_column_float64(f)[3]));
        CHECK(par_column_dtype(b) == PAR_DTYPE_BOOL);
        CHECK(par_column_bool(b)[0] == 1 && par_column_bool(b)[1] == 0 &&
              par_column_bool(b)[2] == 1 && par_column_bool(b)[3] == 0);
        CHECK(par_column_dtype(s) == PAR_DTYPE_STRING);
        CHECK(col_str_eq(s, 0, "x") && col_str_eq(s, 1, "y,z") &&
              col_str_eq(s, 2, "he said \"hi\"") && col_str_eq(s, 3, "two\nlines"));
        CHECK(par_column_dtype(m) == PAR_DTYPE_STRING); /* numbers then text */
        CHECK(col_str_eq(m, 0, "1") && col_str_eq(m, 1, "2.5") && col_str_eq(m, 3, "x"));
        /* all missing: float64 NaN, as pandas */
        CHECK(par_column_dtype(nn) == PAR_DTYPE_FLOAT64 && par_column_null_count(nn) == 4);
        CHECK(isnan(par_column_float64(nn)[0]));
        /* quoted numbers are numbers; "" is missing; int with NA -> float */
        CHECK(par_column_dtype(q) == PAR_DTYPE_FLOAT64);
        CHECK(par_column_float64(q)[0] == 7 && isnan(par_column_float64(q)[1]) &&
              !par_column_is_valid(q, 1) && par_column_float64(q)[3] == 10);
        CHECK(strcmp(par_table_name(t, 6), "q") == 0);
        par_value_release(t);
}

static void test_missing(void)
{
        par_error e = {0};
        const char *text =
                "i,f,s,b,k\n"
                "1,1.5,a,True,NA\n"
                ",NaN,,,nan\n"
                "NULL,n/a,N/A,None,-1.#IND\n"
                "4,-nan,#N/A N/A,<NA>,\n"
                "5,#NA,null,False,1.#QNAN\n"
                "-6,2.5,\"NA\",true,-1.#QNAN\n";
        par_value *t = parse_str(text, NULL, NULL, &e);
        CHECK_MSG(t != NULL, "%s", e.message);
        if (!t)
                return;
        par_value *i = par_table_column(t, 0), *f = par_table_column(t, 1),
                  *s = par_table_column(t, 2), *b = par_table_column(t, 3),
                  *k = par_table_column(t, 4);
        /* int with missing -> float64 with NaN and cleared validity */
        CHECK(par_column_dtype(i) == PAR_DTYPE_FLOAT64 && par_column_null_count(i) == 2);
        const double *iv = par_column_float64(i);
        CHECK(iv[0] == 1 && isnan(iv[1]) && isnan(iv[2]) && iv[3] == 4 && iv[5] == -6);
        CHECK(!par_column_is_valid(i, 1) && !par_column_is_valid(i, 2) &&
              par_column_is_valid(i, 3));
        CHECK(par_column_dtype(f) == PAR_DTYPE_FLOAT64 && par_column_null_count(f) == 4);
        CHECK(isnan(par_column_float64(f)[1]) && !par_column_is_valid(f, 1) &&
              par_column_float64(f)[5] == 2.5);
        CHECK(par_column_dtype(s) == PAR_DTYPE_STRING && par_column_null_count(s) == 5);
        CHECK(col_str_eq(s, 0, "a") && col_str_eq(s, 1, NULL) && col_str_eq(s, 5, NULL));
        CHECK(par_column_dtype(b) == PAR_DTYPE_BOOL && par_column_null_count(b) == 3);
        CHECK(par_column_bool(b)[0] == 1 && !par_column_is_valid(b, 1) &&
              par_column_bool(b)[4] == 0 && par_column_bool(b)[5] == 1);
        CHECK(par_column_dtype(k) == PAR_DTYPE_FLOAT64 && par_column_null_count(k) == 6);
        par_value_release(t);

        /* bool after leading missing values; "NAN" is a (valid) float NaN */
        t = parse_str("a,b,c\n,,1\n,NAN,2\nFalse,3,x\n", NULL, NULL, &e);
        CHECK(t && par_column_dtype(par_table_column(t, 0)) == PAR_DTYPE_BOOL);
        CHECK(t && par_column_dtype(par_table_column(t, 1)) == PAR_DTYPE_FLOAT64);
        CHECK(t && par_column_is_valid(par_table_column(t, 1), 1) &&
              par_column_null_count(par_table_column(t, 1)) == 1);
        CHECK(t && par_column_dtype(par_table_column(t, 2)) == PAR_DTYPE_STRING);
        par_value_release(t);

        /* "-0" is int64 0, but -0.0 if the column becomes float64 */
        t = parse_str("a,b,c\n-0,-0,-0\n,1.5,1\n", NULL, NULL, &e);
        CHECK(t && par_column_dtype(par_table_column(t, 0)) == PAR_DTYPE_FLOAT64 &&
              signbit(par_column_float64(par_table_column(t, 0))[0]));
        CHECK(t && par_column_dtype(par_table_column(t, 1)) == PAR_DTYPE_FLOAT64 &&
              signbit(par_column_float64(par_table_column(t, 1))[0]));
        CHECK(t && par_column_dtype(par_table_column(t, 2)) == PAR_DTYPE_INT64 &&
              par_column_int64(par_table_column(t, 2))[0] == 0);
        par_value_release(t);

        /* no rows: columns of objects, as pandas */
        t = parse_str("a,b\n", NULL, NULL, &e);
        CHECK(t && par_table_length(t) == 0 && par_table_ncols(t) == 2 &&
              par_column_dtype(par_table_column(t, 0)) == PAR_DTYPE_STRING);
        par_value_release(t);
}

static void test_layout(void)
{
        par_error e = {0};
        /* CRLF, empty lines (also CRLF ones) skipped, no final line end */
        const char *text = "a,b\r\n1,x\r\n\r\n\n2,\"y\r\nz\"\r\n3,w\r";
        par_value *t = parse_str(text, NULL, NULL, &e);
        CHECK_MSG(t != NULL, "%s", e.message);
        if (t) {
                CHECK(par_table_length(t) == 3);
                CHECK(par_column_int64(par_table_column(t, 0))[2] == 3);
                par_value *s = par_table_column(t, 1);
                CHECK(col_str_eq(s, 0, "x") && col_str_eq(s, 1, "y\r\nz") &&
                      col_str_eq(s, 2, "w"));
                par_value_release(t);
        }
        /* a single column with an empty line: skipped (pandas) */
        t = parse_str("a\n1\n\n2\n", NULL, NULL, &e);
        CHECK(t && par_table_length(t) == 2 &&
              par_column_dtype(par_table_column(t, 0)) == PAR_DTYPE_INT64);
        par_value_release(t);
        /* but a quoted empty field is a row with a missing value */
        t = parse_str("a\n1\n\"\"\n2\n", NULL, NULL, &e);
        CHECK(t && par_table_length(t) == 3 &&
              par_column_dtype(par_table_column(t, 0)) == PAR_DTYPE_FLOAT64);
        par_value_release(t);
        /* quote in the middle of a field: parity rule */
        t = parse_str("a,b\nab\"c,d\"e,1\n", NULL, NULL, &e);
        CHECK(t && col_str_eq(par_table_column(t, 0), 0, "abc,de"));
        par_value_release(t);
        /* spaces around numbers, as pandas allows; not around booleans */
        t = parse_str("a,b,c,d\n 1, 2.5 ,True,7\n2\t,3, x,\t8.5\n", NULL, NULL, &e);
        CHECK(t && par_column_dtype(par_table_column(t, 0)) == PAR_DTYPE_INT64 &&
              par_column_int64(par_table_column(t, 0))[0] == 1);
        CHECK(t && par_column_dtype(par_table_column(t, 1)) == PAR_DTYPE_FLOAT64 &&
              par_column_float64(par_table_column(t, 1))[0] == 2.5);
        CHECK(t && par_column_dtype(par_table_column(t, 2)) == PAR_DTYPE_STRING);
        CHECK(t && par_column_dtype(par_table_column(t, 3)) == PAR_DTYPE_FLOAT64 &&
              par_column_float64(par_table_column(t, 3))[1] == 8.5);
        par_value_release(t);
        /* a wide table: few rows per chunk */
        {
                size_t nc = 3000, rows = 40;
                char *w = malloc(nc * 8 * (rows + 1));
                size_t at = 0;
                for (size_t c = 0; c < nc; c++)
                        at += (size_t)sprintf(w + at, "%sc%zu", c ? "," : "", c);
                w[at++] = '\n';
                for (size_t r = 0; r < rows; r++) {
                        for (size_t c = 0; c < nc; c++)
                                at += (size_t)sprintf(w + at, "%s%zu", c ? "," : "",
                                                      r * c + (c == 7 && r == 33 ? 1000000 : 0));
                        w[at++] = '\n';
                }
                par_value *wt = parse_full(w, at, NULL, NULL, "wide.csv", &e);
                CHECK_MSG(wt != NULL, "%s", e.message);
                if (wt) {
                        CHECK(par_table_ncols(wt) == nc && par_table_length(wt) == (int64_t)rows);
                        const int64_t *c7 = par_column_int64(par_table_column(wt, 7));
                        const int64_t *cl = par_column_int64(par_table_column(wt, nc - 1));
                        CHECK(c7 && c7[33] == 33 * 7 + 1000000 && cl &&
                              cl[39] == (int64_t)(39 * (nc - 1)));
                        par_value_release(wt);
                }
                free(w);
        }
        /* other delimiter */
        par__csv_format semi = {';', '\''};
        par__csv_parse o = {.name = "s.csv", .first_line = 2, .fmt = semi, .ncols = 2,
                            .names = (const char *const[]){"p", "q"}};
        const char *sb = "1;'a;b'\n2;'it''s'\n";
        CHECK(par__csv_parse_block(sb, strlen(sb), &o, &t, &e) == 0);
        CHECK(t && col_str_eq(par_table_column(t, 1), 0, "a;b") &&
              col_str_eq(par_table_column(t, 1), 1, "it's"));
        par_value_release(t);
}

static void test_dtypes_usecols(void)
{
        par_error e = {0};
        const char *text = "a,b,c,d,e\n1,2,x,True,5\n,3.5,,,6\n3,,z,false,\n";
        par_dtype dt[] = {PAR_DTYPE_INT64, PAR_DTYPE_STRING, PAR_DTYPE_STRING,
                          PAR_DTYPE_BOOL, PAR_DTYPE_FLOAT64};
        par_value *t = parse_str(text, dt, NULL, &e);
        CHECK_MSG(t != NULL, "%s", e.message);
        if (t) {
                par_value *a = par_table_column(t, 0), *b = par_table_column(t, 1),
                          *d = par_table_column(t, 3), *ee = par_table_column(t, 4);
                /* explicit int64 keeps int64, with a null element */
                CHECK(par_column_dtype(a) == PAR_DTYPE_INT64 && par_column_null_count(a) == 1);
                CHECK(par_column_int64(a)[0] == 1 && par_column_int64(a)[2] == 3 &&
                      !par_column_is_valid(a, 1));
                CHECK(par_column_dtype(b) == PAR_DTYPE_STRING && col_str_eq(b, 0, "2") &&
                      col_str_eq(b, 1, "3.5") && col_str_eq(b, 2, NULL));
                CHECK(par_column_dtype(d) == PAR_DTYPE_BOOL && par_column_null_count(d) == 1);
                CHECK(par_column_dtype(ee) == PAR_DTYPE_FLOAT64 &&
                      par_column_float64(ee)[0] == 5 && par_column_null_count(ee) == 1);
                par_value_release(t);
        }
        bool keep[] = {false, true, false, true, false};
        t = parse_str(text, NULL, keep, &e);
        CHECK_MSG(t != NULL, "%s", e.message);
        if (t) {
                CHECK(par_table_ncols(t) == 2 && strcmp(par_table_name(t, 0), "b") == 0 &&
                      strcmp(par_table_name(t, 1), "d") == 0);
                CHECK(par_column_dtype(par_table_column(t, 0)) == PAR_DTYPE_FLOAT64);
                CHECK(par_column_dtype(par_table_column(t, 1)) == PAR_DTYPE_BOOL);
                par_value_release(t);
        }
        /* skipped columns are not checked for their type */
        par_dtype dt2[] = {PAR_DTYPE_NONE, PAR_DTYPE_NONE, PAR_DTYPE_INT64,
                           PAR_DTYPE_NONE, PAR_DTYPE_NONE};
        bool keep2[] = {true, true, false, true, true};
        t = parse_str(text, dt2, keep2, &e);
        CHECK(t && par_table_ncols(t) == 4);
        par_value_release(t);
}

static void expect_error(const char *text, size_t ncols, const par_dtype *dt,
                         int64_t first_line, const char *want)
{
        static const char *const names[] = {"a", "b", "c", "d"};
        par_error e = {0};
        par_value *t = (par_value *)1;
        int rc = parse_block_named(text, ncols, names, dt, first_line, &t, &e);
        CHECK_MSG(rc == PAR_EPARSE && t == NULL, "rc %d for %s", rc, want);
        CHECK_MSG(strcmp(e.message, want) == 0, "got '%s', want '%s'", e.message, want);
}

static void test_errors(void)
{
        expect_error("1,2,3\n4,5\n6,7,8\n", 3, NULL, 1041,
                     "gen-003.csv:1042: expected 3 fields, found 2");
        expect_error("1,2,3\n4,5,6,7\n", 3, NULL, 5,
                     "gen-003.csv:6: expected 3 fields, found 4");
        /* quoted newlines and empty lines count as lines */
        expect_error("\"a\nb\",2,3\n\n\r\n4,5", 3, NULL, 10,
                     "gen-003.csv:14: expected 3 fields, found 2");
        /* last row without a line end */
        expect_error("1,2,3\n4,5,6\n7", 3, NULL, 2, "gen-003.csv:4: expected 3 fields, found 1");
        /* unterminated quote: the line where the field starts */
        expect_error("1,2,3\n4,\"5,6\n7,8,9\n", 3, NULL, 5,
                     "gen-003.csv:6: unterminated quoted field");
        expect_error("\"", 1, NULL, 7, "gen-003.csv:7: unterminated quoted field");
        par_dtype f3[] = {PAR_DTYPE_INT64, PAR_DTYPE_INT64, PAR_DTYPE_FLOAT64};
        expect_error("1,2,3.5\n4,5,abc\n", 3, f3, 87,
                     "gen-003.csv:88:5: 'abc' is not a float64 (column c)");
        expect_error("1,2,3.5\n4,5.5,1\n", 3, f3, 1,
                     "gen-003.csv:2:3: '5.5' is not an int64 (column b)");
        /* the earliest error in the file wins: row 2's type error before
         * row 3's field count, and the leftmost field within a row */
        expect_error("1,2,3\n4,x,y\n5,6\n", 3, f3, 1,
                     "gen-003.csv:2:3: 'x' is not an int64 (column b)");
        /* column counted in bytes from the line start; quoted text shown
         * without quotes; a field after a quoted newline */
        expect_error("1,\"a\nb\",\"q\"\"r\"\n", 3,
                     (const par_dtype[]){PAR_DTYPE_INT64, PAR_DTYPE_STRING, PAR_DTYPE_BOOL},
                     3, "gen-003.csv:4:4: 'q\"r' is not a bool (column c)");
        /* a type error in a later chunk (many rows before it) */
        size_t rows = 20000;
        char *big = malloc(rows * 8 + 32);
        size_t at = 0;
        for (size_t r = 0; r < rows; r++)
                at += (size_t)sprintf(big + at, "%zu,%zu\n", r, r % 7);
        at += (size_t)sprintf(big + at, "1,zz\n");
        expect_error(big, 2, (const par_dtype[]){PAR_DTYPE_INT64, PAR_DTYPE_INT64}, 2,
                     "gen-003.csv:20002:3: 'zz' is not an int64 (column b)");
        free(big);
}

/* Columns that change type in a later chunk: int -> float, missing ->
 * bool, int -> string (the earlier chunks are read again). */
static void test_late_changes(void)
{
        size_t rows = 50000;
        char *text = malloc(rows * 40 + 64);
        size_t at = (size_t)sprintf(text, "i,f,b,s,t\n");
        for (size_t r = 0; r < rows; r++) {
                bool last = r == rows - 1;
                at += (size_t)sprintf(text + at, "%zu,%s,%s,%s,%s\n", r,
                                      last ? "0.5" : "7", last ? "True" : "",
                                      last ? "word" : (r % 3 ? "12" : "\"1\"\"3\""),
                                      r == 30000 ? "s" : r % 5 ? "\"x,y\"" : "");
        }
        par_error e = {0};
        par_value *t = parse_full(text, at, NULL, NULL, "late.csv", &e);
        CHECK_MSG(t != NULL, "%s", e.message);
        if (t) {
                par_value *i = par_table_column(t, 0), *f = par_table_column(t, 1),
                          *b = par_table_column(t, 2), *s = par_table_column(t, 3),
                          *u = par_table_column(t, 4);
                CHECK(par_table_length(t) == (int64_t)rows);
                CHECK(par_column_dtype(i) == PAR_DTYPE_INT64 &&
                      par_column_int64(i)[rows - 1] == (int64_t)rows - 1);
                CHECK(par_column_dtype(f) == PAR_DTYPE_FLOAT64 &&
                      par_column_float64(f)[0] == 7 && par_column_float64(f)[rows - 1] == 0.5);
                CHECK(par_column_dtype(b) == PAR_DTYPE_BOOL &&
                      par_column_null_count(b) == (int64_t)rows - 1 &&
                      par_column_bool(b)[rows - 1] == 1);
                CHECK(par_column_dtype(s) == PAR_DTYPE_STRING && par_column_null_count(s) == 0);
                bool ok = true;
                for (size_t r = 0; r + 1 < rows; r++)
                        ok &= col_str_eq(s, (int64_t)r, r % 3 ? "12" : "1\"3");
                CHECK(ok && col_str_eq(s, (int64_t)rows - 1, "word"));
                CHECK(par_column_dtype(u) == PAR_DTYPE_STRING);
                ok = true;
                for (size_t r = 0; r < rows; r++)
                        ok &= col_str_eq(u, (int64_t)r,
                                         r == 30000 ? "s" : r % 5 ? "x,y" : NULL);
                CHECK(ok);
                par_value_release(t);
        }
        free(text);
}

/* ---- a naive reference tokenizer, against the fast one --------------------------- */

typedef struct ref_row {
        size_t nf;
        char *f[8];
        size_t len[8];
        bool quoted[8];
} ref_row;

/* Splits under the parity rule, one byte at a time. Returns the number of
 * rows, or -1 for an unterminated quote, -2 for a row with another field
 * count than the first. */
static long ref_tokenize(const char *s, size_t n, ref_row *rows, size_t maxrows,
                         size_t *ncols, size_t *nalloc)
{
        size_t nr = 0, i = 0;
        *ncols = 0;
        *nalloc = 0;
        while (i < n) {
                /* find the row end: '\n' outside quotes */
                bool in = false;
                size_t j = i;
                for (; j < n; j++) {
                        if (s[j] == '"')
                                in = !in;
                        else if (s[j] == '\n' && !in)
                                break;
                }
                if (in)
                        return -1;
                size_t e = j;
                if (e > i && s[e - 1] == '\r')
                        e--;
                if (e > i) {
                        ref_row *r = &rows[nr];
                        r->nf = 0;
                        size_t fs = i;
                        in = false;
                        for (size_t k = i; k <= e; k++) {
                                if (k < e && s[k] == '"') {
                                        in = !in;
                                        continue;
                                }
                                if (k < e && (s[k] != ',' || in))
                                        continue;
                                if (r->nf < 8) {
                                        char *o = malloc(k - fs + 1);
                                        size_t ol = 0;
                                        bool q = false, qin = false;
                                        for (size_t m = fs; m < k; m++) {
                                                if (s[m] == '"') {
                                                        q = true;
                                                        if (qin && m + 1 < k && s[m + 1] == '"') {
                                                                o[ol++] = '"';
                                                                m++;
                                                        } else {
                                                                qin = !qin;
                                                        }
                                                } else {
                                                        o[ol++] = s[m];
                                                }
                                        }
                                        o[ol] = 0;
                                        r->f[r->nf] = o;
                                        r->len[r->nf] = ol;
                                        r->quoted[r->nf] = q;
                                }
                                r->nf++;
                                fs = k + 1;
                        }
                        if (nr == 0)
                                *ncols = r->nf;
                        size_t nf = r->nf;
                        if (nf != *ncols || nr + 1 >= maxrows) {
                                for (size_t m = 0; m < nf && m < 8; m++)
                                        free(r->f[m]);
                                return -2;
                        }
                        nr++;
                        *nalloc = nr;
                }
                i = j + 1;
        }
        return (long)nr;
}

static bool is_na_ref(const char *s, size_t n)
{
        static const char *const na[] = {"", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan",
                                         "NULL", "null", "None", "<NA>", "#N/A", "#NA",
                                         "1.#IND", "1.#QNAN", "-1.#IND", "-1.#QNAN",
                                         "#N/A N/A"};
        for (size_t i = 0; i < sizeof na / sizeof *na; i++)
                if (strlen(na[i]) == n && memcmp(na[i], s, n) == 0)
                        return true;
        return false;
}

static void test_reference(int iters)
{
        static const char alphabet[] = "ab,\"\n\r1N";
        ref_row *rows = malloc(2048 * sizeof *rows);
        int agree = 0, total = 0;
        for (int it = 0; it < iters; it++) {
                size_t n = 1 + rnd() % 600;
                char *s = malloc(n);
                /* mostly well-formed: fewer quotes */
                for (size_t i = 0; i < n; i++) {
                        uint64_t r = rnd() % 32;
                        s[i] = r < 6 ? ',' : r < 9 ? '\n' : r == 9 ? '"' : r == 10 ? '\r'
                                                                         : alphabet[r % 8 == 3 ? 0 : r % 8];
                }
                size_t ncols, nalloc;
                long nr = ref_tokenize(s, n, rows, 2048, &ncols, &nalloc);
                char **hdr = malloc((ncols ? ncols : 1) * sizeof *hdr);
                for (size_t c = 0; c < ncols; c++) {
                        hdr[c] = malloc(24);
                        snprintf(hdr[c], 24, "c%zu", c);
                }
                par_dtype *dt = malloc((ncols ? ncols : 1) * sizeof *dt);
                for (size_t c = 0; c < ncols; c++)
                        dt[c] = PAR_DTYPE_STRING;
                par__csv_parse o = {.name = "r.csv", .first_line = 1, .fmt = FMT,
                                    .ncols = ncols ? ncols : 1,
                                    .names = (const char *const *)hdr, .dtypes = dt};
                if (!ncols) {
                        o.ncols = 0;
                }
                par_value *t = NULL;
                par_error e = {0};
                int rc = par__csv_parse_block(s, n, &o, &t, &e);
                total++;
                bool ok;
                if (nr < 0) {
                        ok = rc == PAR_EPARSE &&
                             (nr == -1) == (strstr(e.message, "unterminated") != NULL);
                } else {
                        ok = rc == 0 && par_table_length(t) == nr &&
                             par_table_ncols(t) == ncols;
                        for (long r = 0; ok && r < nr; r++)
                                for (size_t c = 0; ok && c < ncols && c < 8; c++) {
                                        par_value *col = par_table_column(t, c);
                                        const char *want = rows[r].f[c];
                                        size_t wl = rows[r].len[c];
                                        if (is_na_ref(want, wl))
                                                ok = !par_column_is_valid(col, r);
                                        else {
                                                size_t gl;
                                                const char *got = par_column_string(col, r, &gl);
                                                ok = got && gl == wl && memcmp(got, want, wl) == 0;
                                        }
                                }
                        /* inferred types parse too */
                        par_value *t2 = NULL;
                        o.dtypes = NULL;
                        ok = ok && par__csv_parse_block(s, n, &o, &t2, &e) == 0 &&
                             par_table_length(t2) == nr;
                        par_value_release(t2);
                }
                if (ok)
                        agree++;
                else if (total - agree <= 3)
                        fprintf(stderr, "reference mismatch (nr %ld, rc %d: %s) on %zu bytes\n",
                                nr, rc, e.message, n);
                for (size_t r = 0; r < nalloc; r++)
                        for (size_t c = 0; c < rows[r].nf && c < 8; c++)
                                free(rows[r].f[c]);
                par_value_release(t);
                for (size_t c = 0; c < ncols; c++)
                        free(hdr[c]);
                free(hdr);
                free(dt);
                free(s);
        }
        CHECK_MSG(agree == total, "%d of %d agree", agree, total);
        free(rows);
}

/* Well-formed random CSV (fields of every kind, quoted ones with
 * delimiters, newlines and doubled quotes, CRLF, empty lines), compared
 * with the reference split, and the inferred types and values with what
 * the rules of csv.h give for the reference's fields. Big inputs span
 * many chunks. */
static const char *const gen_plain[] = {"abc", "True", "false", "NA", "", "x y", "-", "1e5",
                                        "inf", "nan", "+7", "-0", "1.5", "007", "TRUE"};

static size_t gen_field(char *o, int style)
{
        char tmp[64];
        const char *s;
        switch (style) {
        case 0: snprintf(tmp, sizeof tmp, "%" PRId64, (int64_t)rnd() >> (rnd() % 64)); s = tmp; break;
        case 1: snprintf(tmp, sizeof tmp, "%.17g", (rnd_unit() - 0.5) * 1e3); s = tmp; break;
        case 2: s = rnd() % 2 ? "True" : "False"; break;
        default: s = gen_plain[rnd() % (sizeof gen_plain / sizeof *gen_plain)]; break;
        }
        if (rnd() % 20 == 0)
                s = rnd() % 2 ? "" : "NA";
        size_t at = 0;
        if (style == 4 || rnd() % 16 == 0) {
                o[at++] = '"';
                for (const char *p = s; *p; p++)
                        o[at++] = *p;
                if (style == 4) {
                        static const char *const extra[] = {",", "\n", "\"\"", "\r\n", "q"};
                        const char *x = extra[rnd() % 5];
                        memcpy(o + at, x, strlen(x));
                        at += strlen(x);
                }
                o[at++] = '"';
        } else {
                memcpy(o, s, strlen(s));
                at = strlen(s);
        }
        return at;
}

enum { E_INT, E_FLOAT, E_BOOL, E_STR };

/* Numbers may have ASCII whitespace around them (pandas). */
static void ref_strip(const char **s, size_t *n)
{
        while (*n && strchr(" \t\n\v\f\r", (*s)[0]) && (*s)[0])
                (*s)++, (*n)--;
        while (*n && strchr(" \t\n\v\f\r", (*s)[*n - 1]) && (*s)[*n - 1])
                (*n)--;
}

static bool ref_int(const char *s, size_t n, int64_t *v)
{
        ref_strip(&s, &n);
        if (!n || n > 30)
                return false;
        char b[32];
        memcpy(b, s, n);
        b[n] = 0;
        size_t i = b[0] == '+' || b[0] == '-';
        if (i == n)
                return false;
        for (size_t k = i; k < n; k++)
                if (b[k] < '0' || b[k] > '9')
                        return false;
        char *end;
        errno = 0;
        long long x = strtoll(b, &end, 10);
        *v = x;
        return errno == 0;
}

static bool ref_float(const char *s, size_t n, double *v)
{
        ref_strip(&s, &n);
        if (n == 3 && (s[0] == 'n' || s[0] == 'N') && (s[1] == 'a' || s[1] == 'A') &&
            (s[2] == 'n' || s[2] == 'N')) {
                *v = NAN;
                return true;
        }
        if (!n || n > 60 || s[0] == 'n' || s[0] == 'N' ||
            (n > 1 && (s[1] == 'x' || s[1] == 'X')))
                return false;
        char b[64];
        memcpy(b, s, n);
        b[n] = 0;
        char *end;
        *v = strtod(b, &end);
        return end == b + n;
}

static void check_generated(const char *text, size_t n, size_t ncols, const char *what)
{
        ref_row *rows = malloc(200000 * sizeof *rows);
        size_t nc, nalloc;
        long nr = ref_tokenize(text, n, rows, 200000, &nc, &nalloc);
        CHECK_MSG(nr >= 1 && nc == ncols, "%s: reference says %ld", what, nr);
        par_error e = {0};
        par_value *t = nr >= 1 ? parse_full(text, n, NULL, NULL, "g.csv", &e) : NULL;
        CHECK_MSG(t != NULL, "%s: %s", what, e.message);
        for (size_t c = 0; t && c < ncols && c < 8; c++) {
                /* the rules of csv.h over the reference's fields */
                bool all_int = true, all_num = true, all_bool = true;
                size_t present = 0;
                for (long r = 1; r < nr; r++) {
                        const char *f = rows[r].f[c];
                        size_t l = rows[r].len[c];
                        int64_t iv;
                        double dv;
                        if (is_na_ref(f, l))
                                continue;
                        present++;
                        all_int &= ref_int(f, l, &iv);
                        all_num &= ref_int(f, l, &iv) || ref_float(f, l, &dv);
                        all_bool &= (l == 4 && (!memcmp(f, "True", 4) || !memcmp(f, "TRUE", 4) ||
                                                !memcmp(f, "true", 4))) ||
                                    (l == 5 && (!memcmp(f, "False", 5) || !memcmp(f, "FALSE", 5) ||
                                                !memcmp(f, "false", 5)));
                }
                int kind = nr == 1 ? E_STR
                           : !present ? E_FLOAT
                           : all_int ? (present == (size_t)nr - 1 ? E_INT : E_FLOAT)
                           : all_num ? E_FLOAT
                           : all_bool ? E_BOOL
                                      : E_STR;
                static const par_dtype dt[] = {PAR_DTYPE_INT64, PAR_DTYPE_FLOAT64,
                                               PAR_DTYPE_BOOL, PAR_DTYPE_STRING};
                par_value *col = par_table_column(t, c);
                CHECK_MSG(par_column_dtype(col) == dt[kind], "%s: column %zu is %s, want %s",
                          what, c, par_dtype_name(par_column_dtype(col)),
                          par_dtype_name(dt[kind]));
                if (par_column_dtype(col) != dt[kind])
                        continue;
                size_t bad = 0;
                for (long r = 1; r < nr; r++) {
                        const char *f = rows[r].f[c];
                        size_t l = rows[r].len[c];
                        int64_t i = r - 1, iv;
                        double dv;
                        if (is_na_ref(f, l)) {
                                bad += par_column_is_valid(col, i);
                                continue;
                        }
                        switch (kind) {
                        case E_INT:
                                bad += !ref_int(f, l, &iv) || par_column_int64(col)[i] != iv;
                                break;
                        case E_FLOAT:
                                if (!ref_int(f, l, &iv) || !ref_float(f, l, &dv))
                                        ref_float(f, l, &dv);
                                bad += memcmp(&par_column_float64(col)[i], &dv, 8) != 0 &&
                                       !(isnan(dv) && isnan(par_column_float64(col)[i]));
                                break;
                        case E_BOOL:
                                bad += par_column_bool(col)[i] != (f[0] == 'T' || f[0] == 't');
                                break;
                        default:
                                if (!par_column_is_valid(col, i) || !col_str_eq(col, i, f)) {
                                        size_t gl = 0;
                                        const char *g = par_column_string(col, i, &gl);
                                        if (!bad)
                                                fprintf(stderr, "row %" PRId64 ": got [%.*s], want [%s]\n",
                                                        i, g && gl < 100 ? (int)gl : 0,
                                                        g ? g : "", f);
                                        bad++;
                                }
                        }
                }
                CHECK_MSG(bad == 0, "%s: column %zu: %zu values differ", what, c, bad);

        }
        par_value_release(t);
        for (size_t r = 0; r < nalloc; r++)
                for (size_t c = 0; c < rows[r].nf && c < 8; c++)
                        free(rows[r].f[c]);
        free(rows);
}

/* ---- the incremental parser ---------------------------------------------------- */

/* Whether two tables hold the same columns, bit for bit. */
static bool tables_same(const par_value *a, const par_value *b)
{
        if (par_table_ncols(a) != par_table_ncols(b) ||
            par_table_length(a) != par_table_length(b))
                return false;
        int64_t n = par_table_length(a);
        for (size_t c = 0; c < par_table_ncols(a); c++) {
                const par_value *x = par_table_column(a, c), *y = par_table_column(b, c);
                if (strcmp(par_table_name(a, c), par_table_name(b, c)) != 0 ||
                    par_column_dtype(x) != par_column_dtype(y) ||
                    par_column_null_count(x) != par_column_null_count(y))
                        return false;
                for (int64_t i = 0; i < n; i++) {
                        if (par_column_is_valid(x, i) != par_column_is_valid(y, i))
                                return false;
                        switch (par_column_dtype(x)) {
                        case PAR_DTYPE_INT64:
                                if (par_column_int64(x)[i] != par_column_int64(y)[i])
                                        return false;
                                break;
                        case PAR_DTYPE_FLOAT64:
                                if (memcmp(&par_column_float64(x)[i], &par_column_float64(y)[i],
                                           8) != 0)
                                        return false;
                                break;
                        case PAR_DTYPE_BOOL:
                                if (par_column_is_valid(x, i) &&
                                    par_column_bool(x)[i] != par_column_bool(y)[i])
                                        return false;
                                break;
                        default: {
                                size_t lx = 0, ly = 0;
                                const char *sx = par_column_string(x, i, &lx);
                                const char *sy = par_column_string(y, i, &ly);
                                if (par_column_is_valid(x, i) &&
                                    (lx != ly || (lx && memcmp(sx, sy, lx) != 0)))
                                        return false;
                        }
                        }
                }
        }
        return true;
}

/* Parses text[0..n) (rows only, header excluded) through the incremental
 * parser in pieces cut at random row ends. Returns 1 if the parser asked
 * for the whole text, 0 and *out otherwise, < 0 on an error. */
static int parse_pieces(const char *text, size_t n, const par__csv_parse *o,
                        par_value **out)
{
        par__csv_parser *p = NULL;
        par_error e = {0};
        int rc = par__csv_parser_new(o, &p, &e);
        CHECK_MSG(rc == 0, "parser_new: %s", e.message);
        if (rc < 0)
                return rc;
        size_t at = 0;
        while (rc == 0 && at < n) {
                /* the row ends after at, outside quotes; take a random one */
                size_t ends[64], ne = 0;
                bool inq = false;
                for (size_t i = at; i < n && ne < 64; i++) {
                        if (text[i] == FMT.quote)
                                inq = !inq;
                        else if (text[i] == '\n' && !inq)
                                ends[ne++] = i + 1;
                }
                size_t cut = ne ? ends[rnd() % ne] : n;
                if (ne < 64 && rnd() % 2)
                        cut = n;
                rc = par__csv_parser_feed(p, text + at, cut - at, n, &e);
                at = cut;
        }
        if (rc == 0)
                rc = par__csv_parser_finish(p, out, &e);
        par__csv_parser_free(p);
        return rc;
}

/* The incremental parser gives par__csv_parse_block's table, or asks for
 * the whole text only where it must. */
static void check_pieces(const char *text, size_t n, const par_dtype *dtypes,
                         bool must_stream, const char *what)
{
        char **names = NULL;
        size_t ncols = 0, used = 0;
        par_error e = {0};
        if (par__csv_parse_header(text, n, &FMT, "p.csv", &names, &ncols, &used, &e) < 0)
                return;
        par__csv_parse o = {.name = "p.csv", .first_line = 2, .fmt = FMT, .ncols = ncols,
                            .names = (const char *const *)names, .dtypes = dtypes};
        par_value *whole = NULL, *pieces = NULL;
        int rw = par__csv_parse_block(text + used, n - used, &o, &whole, &e);
        int rp = parse_pieces(text + used, n - used, &o, &pieces);
        CHECK_MSG(rp >= 0, "%s: pieces failed: %d", what, rp);
        if (rp == 0) {
                CHECK_MSG(rw == 0, "%s: pieces parsed what the whole text does not", what);
                CHECK_MSG(rw != 0 || tables_same(whole, pieces), "%s: pieces differ", what);
        }
        CHECK_MSG(!must_stream || rp == 0, "%s: the pieces were refused", what);
        par_value_release(whole);
        par_value_release(pieces);
        par__csv_free_names(names, ncols);
}

static void test_pieces(void)
{
        /* numbers only: streams, and equals the whole parse */
        size_t cap = 200000 * 64, at = 0;
        char *text = malloc(cap);
        at += (size_t)sprintf(text, ",a,b,c\n");
        for (int r = 0; r < 200000; r++) {
                double a = (rnd_unit() - 0.5) * 8;
                at += (size_t)sprintf(text + at, "%d,%.17g,%.*g,%d\n", r, a,
                                      (int)(1 + rnd() % 17), a * 4 + 3, (int)(rnd() % 3) - 1);
        }
        check_pieces(text, at, NULL, true, "numbers");
        /* a column turns float late: still streams */
        at += (size_t)sprintf(text + at, "7,1,2,0.5\n");
        check_pieces(text, at, NULL, true, "late float");
        /* late NA: int64 becomes float64 with NaN */
        at += (size_t)sprintf(text + at, "8,1,2,NA\n");
        check_pieces(text, at, NULL, true, "late NA");
        /* a column turns string late: refused (or equal) */
        size_t keep = at;
        at += (size_t)sprintf(text + at, "9,1,2,abc\n");
        check_pieces(text, at, NULL, false, "late string");
        /* quoted fields with newlines, CRLF */
        at = keep;
        for (int r = 0; r < 3000; r++)
                at += (size_t)sprintf(text + at, "%d,\"1%s\",2,3\r\n", r,
                                      r % 7 ? "" : "\n");
        check_pieces(text, at, NULL, false, "quoted");
        /* a wrong field count late: refused */
        at = keep;
        at += (size_t)sprintf(text + at, "1,2\n");
        check_pieces(text, at, NULL, false, "field count");
        /* a given dtype that does not fit: refused */
        at = keep;
        at += (size_t)sprintf(text + at, "1,2,3,x\n");
        par_dtype dt[4] = {PAR_DTYPE_NONE, PAR_DTYPE_NONE, PAR_DTYPE_NONE, PAR_DTYPE_INT64};
        check_pieces(text, at, dt, false, "type error");
        free(text);
}

/* read_csv reads a partition a piece (1 MiB) at a time: rows that span
 * pieces, quoted newlines, and errors far into a partition (reported as
 * for the whole text). */
static void test_pieces_frame(void)
{
        char dir[] = "/tmp/test_csv_XXXXXX", path[64];
        if (!mkdtemp(dir)) {
                CHECK_MSG(false, "mkdtemp: %s", strerror(errno));
                return;
        }
        snprintf(path, sizeof path, "%s/p.csv", dir);
        size_t cap = 80000 * 80, at = 0;
        char *text = malloc(cap);
        at += (size_t)sprintf(text, "i,a,s\n");
        for (int r = 0; r < 80000; r++)
                at += (size_t)sprintf(text + at, "%d,%.17g,\"x%s%d\"\n", r,
                                      rnd_unit() * 100, r % 1000 == 999 ? "\n,\"\"" : "", r);
        par_client *c = NULL;
        par_error e = {0};
        CHECK_MSG(test_client_new(NULL, &c, &e) == 0, "%s", e.message);
        for (int round = 0; round < 3 && c; round++) {
                size_t n = at;
                const char *want_msg = NULL;
                char msg[128];
                if (round == 1) { /* a type error far in */
                        n += (size_t)sprintf(text + n, "1,abc,\"y\"\n");
                        snprintf(msg, sizeof msg, "p.csv:%d:3: 'abc' is not a float64", 80000 + 80 + 2);
                        want_msg = msg;
                } else if (round == 2) { /* a short row far in */
                        n += (size_t)sprintf(text + n, "1,2\n");
                        snprintf(msg, sizeof msg, "p.csv:%d: expected 3 fields, found 2",
                                 80000 + 80 + 2);
                        want_msg = msg;
                }
                FILE *f = fopen(path, "wb");
                CHECK(f && fwrite(text, 1, n, f) == n && fclose(f) == 0);
                par_frame *fr = NULL;
                par_value *got = NULL;
                static const char *const a_name[] = {"a"};
                static const par_dtype a_float[] = {PAR_DTYPE_FLOAT64};
                par_read_csv_opts ro = {0};
                if (round == 1)
                        ro = (par_read_csv_opts){.dtype_names = a_name, .dtypes = a_float,
                                                 .ndtypes = 1};
                int rc = par_read_csv(path, &ro, &fr, &e);
                CHECK_MSG(rc == 0, "read_csv: %s", e.message);
                if (rc == 0)
                        rc = par_frame_compute(c, fr, &got, &e);
                par_frame_release(fr);
                if (want_msg) {
                        CHECK_MSG(rc == PAR_EPARSE && strstr(e.message, want_msg),
                                  "round %d: %d %s", round, rc, e.message);
                } else {
                        CHECK_MSG(rc == 0, "compute: %s", e.message);
                        par_value *whole = rc == 0 ? parse_full(text, n, NULL, NULL, "p.csv", &e)
                                                   : NULL;
                        CHECK(whole && got && tables_same(whole, got));
                        par_value_release(whole);
                }
                par_value_release(got);
        }
        par_client_free(c);
        remove(path);
        rmdir(dir);
        free(text);
}

static void test_generated(int iters, size_t big_rows)
{
        for (int it = 0; it <= iters; it++) {
                size_t ncols = 1 + rnd() % 5;
                size_t nrows = it == iters ? big_rows : rnd() % 60;
                int style[8];
                for (size_t c = 0; c < ncols; c++)
                        style[c] = (int)(rnd() % 5);
                char *text = malloc((nrows + 1) * ncols * 40 + 64);
                size_t at = 0;
                for (size_t c = 0; c < ncols; c++)
                        at += (size_t)sprintf(text + at, "%sc%zu", c ? "," : "", c);
                text[at++] = '\n';
                for (size_t r = 0; r < nrows; r++) {
                        if (rnd() % 50 == 0)
                                text[at++] = '\n';
                        for (size_t c = 0; c < ncols; c++) {
                                if (c)
                                        text[at++] = ',';
                                /* a column changes its style late, sometimes */
                                int st = style[c];
                                if (r == nrows - 1 - (nrows > 9000 ? 3000 : 0) && rnd() % 3 == 0)
                                        st = (int)(rnd() % 5);
                                at += gen_field(text + at, st);
                        }
                        if (rnd() % 4 == 0)
                                text[at++] = '\r';
                        text[at++] = '\n';
                }
                if (at && rnd() % 3 == 0)
                        at--; /* no final line end */
                char what[64];
                snprintf(what, sizeof what, "generated #%d (%zu rows)", it, nrows);
                check_generated(text, at, ncols, what);
                check_pieces(text, at, NULL, false, what);
                free(text);
        }
}

/* ---- writing ------------------------------------------------------------------- */

static par_value *small_table(void)
{
        int64_t iv[] = {1, INT64_MIN, 0, INT64_MAX, 0, 42, -7};
        uint8_t ivalid[] = {0x7b}; /* row 2 null */
        double xv[] = {0.1, -0.0, 1e16, 1e-05, NAN, INFINITY, 5e-324};
        bool bv[] = {true, false, false, true, false, true, false};
        uint8_t bvalid[] = {0x3b}; /* rows 2 and 6 null */
        const char *sv[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "", NULL, "caf\xc3\xa9"};
        double yv[] = {1.5, 2.0, 123456789.125, -3.0, 1.7976931348623157e+308, 2.5e-300,
                       1234567890123456.7};
        par_value *cols[] = {par_column_from_int64(iv, 7, ivalid),
                             par_column_from_float64(xv, 7, NULL),
                             par_column_from_bool(bv, 7, bvalid),
                             par_column_from_cstrings(sv, 7),
                             par_column_from_float64(yv, 7, NULL)};
        const char *names[] = {"i", "x", "b", "s", "name, with comma"};
        par_value *t = par_table_new(5, names, cols);
        for (int i = 0; i < 5; i++)
                par_value_release(cols[i]);
        return t;
}

/* Written by pandas 1.5.3 (df.to_csv(), with a RangeIndex from 10, and
 * index=False), except that the empty string in column s is "" there only
 * when it is the row's only field. */
static const char want_index[] =
        ",i,x,b,s,\"name, with comma\"\n"
        "10,1,0.1,True,plain,1.5\n"
        "11,-9223372036854775808,-0.0,False,\"a,b\",2.0\n"
        "12,,1e+16,,\"say \"\"hi\"\"\",123456789.125\n"
        "13,9223372036854775807,1e-05,True,\"two\nlines\",-3.0\n"
        "14,0,,False,,1.7976931348623157e+308\n"
        "15,42,inf,True,,2.5e-300\n"
        "16,-7,5e-324,,caf\xc3\xa9,1234567890123456.8\n";
static const char want_noindex[] =
        "i,x,b,s,\"name, with comma\"\n"
        "1,0.1,True,plain,1.5\n"
        "-9223372036854775808,-0.0,False,\"a,b\",2.0\n"
        ",1e+16,,\"say \"\"hi\"\"\",123456789.125\n"
        "9223372036854775807,1e-05,True,\"two\nlines\",-3.0\n"
        "0,,False,,1.7976931348623157e+308\n"
        "42,inf,True,,2.5e-300\n"
        "-7,5e-324,,caf\xc3\xa9,1234567890123456.8\n";
static const char want_single[] =
        "s\nplain\n\"a,b\"\n\"say \"\"hi\"\"\"\n\"two\nlines\"\n\"\"\n\"\"\ncaf\xc3\xa9\n";
static const char want_label[] =
        "idx,s\n10,plain\n11,\"a,b\"\n12,\"say \"\"hi\"\"\"\n13,\"two\nlines\"\n14,\n15,\n"
        "16,caf\xc3\xa9\n";

static void test_write(void)
{
        par_value *t = small_table();
        CHECK(t != NULL);
        size_t len;
        par__csv_write w = {.fmt = FMT, .header = true, .index = true, .index_start = 10};
        char *out = format(t, &w, &len);
        CHECK_MSG(len == strlen(want_index) && memcmp(out, want_index, len) == 0,
                  "got:\n%.*s", (int)len, out);
        free(out);
        w.index = false;
        out = format(t, &w, &len);
        CHECK_MSG(len == strlen(want_noindex) && memcmp(out, want_noindex, len) == 0,
                  "got:\n%.*s", (int)len, out);
        free(out);

        const char *sn[] = {"s"};
        par_value *sc[] = {par_table_column(t, 3)};
        par_value *st = par_table_new(1, sn, sc);
        out = format(st, &w, &len);
        CHECK_MSG(len == strlen(want_single) && memcmp(out, want_single, len) == 0,
                  "got:\n%.*s", (int)len, out);
        free(out);
        w.index = true;
        w.index_label = "idx";
        out = format(st, &w, &len);
        CHECK_MSG(len == strlen(want_label) && memcmp(out, want_label, len) == 0,
                  "got:\n%.*s", (int)len, out);
        free(out);
        par_value_release(st);

        /* appending to an existing buffer, without the header */
        char *buf = malloc(4);
        memcpy(buf, "XY", 2);
        size_t blen = 2, cap = 4;
        par__csv_write w2 = {.fmt = FMT, .header = false, .index = false};
        par_error e = {0};
        CHECK_OK(par__csv_format_table(t, &w2, &buf, &blen, &cap, &e), &e);
        CHECK(blen == 2 + strlen(want_noindex) - strlen("i,x,b,s,\"name, with comma\"\n"));
        CHECK(memcmp(buf, "XY1,0.1,True,plain,1.5\n", 23) == 0);
        free(buf);

        /* written text reads back to the same table */
        w.index = false;
        out = format(t, &w, &len);
        par_value *back = parse_full(out, len, NULL, NULL, "w.csv", &e);
        CHECK_MSG(back != NULL, "%s", e.message);
        if (back) {
                CHECK(par_column_dtype(par_table_column(back, 0)) == PAR_DTYPE_FLOAT64);
                CHECK(par_column_dtype(par_table_column(back, 2)) == PAR_DTYPE_BOOL);
                CHECK(col_str_eq(par_table_column(back, 3), 3, "two\nlines"));
                CHECK(col_str_eq(par_table_column(back, 3), 2, "say \"hi\""));
                const double *y = par_column_float64(par_table_column(back, 4));
                CHECK(y && y[6] == 1234567890123456.7 && y[4] == 1.7976931348623157e+308);
                par_value_release(back);
        }
        free(out);

        /* a list column cannot be written */
        par_value_release(t);
}

/* Random doubles of every kind, written and read back bit for bit. */
static void test_roundtrip(size_t n)
{
        double *x = malloc(n * sizeof *x);
        int64_t *k = malloc(n * sizeof *k);
        for (size_t i = 0; i < n; i++) {
                uint64_t bits;
                switch (i % 8) {
                case 0: bits = rnd(); break;                               /* anything */
                case 1: bits = rnd() & 0x800fffffffffffffu; break;         /* subnormal */
                case 2: bits = (rnd() & 0x800fffffffffffffu) | 0x7fe0000000000000u; break; /* huge */
                case 3: bits = (rnd() & 0x800fffffffffffffu) | 0x0010000000000000u; break; /* tiny */
                case 4: { double d = (rnd_unit() - 0.5) * 1e6; memcpy(&bits, &d, 8); break; }
                case 5: { double d = (double)(int64_t)(rnd() % 2000001) - 1e6; memcpy(&bits, &d, 8); break; }
                case 6: bits = i % 16 == 6 ? 0x8000000000000000u : 1; break; /* -0.0, 5e-324 */
                default: bits = rnd() >> (rnd() % 64); break;
                }
                if ((bits & 0x7ff0000000000000u) == 0x7ff0000000000000u)
                        bits &= ~0x0010000000000000u; /* no NaN or infinity */
                memcpy(&x[i], &bits, 8);
                k[i] = (int64_t)rnd() >> (rnd() % 64);
        }
        par_value *cols[] = {par_column_from_float64(x, (int64_t)n, NULL),
                             par_column_from_int64(k, (int64_t)n, NULL)};
        const char *names[] = {"x", "k"};
        par_value *t = par_table_new(2, names, cols);
        par_value_release(cols[0]);
        par_value_release(cols[1]);
        size_t len;
        par__csv_write w = {.fmt = FMT, .header = true, .index = true};
        char *out = format(t, &w, &len);
        par_error e = {0};
        par_value *back = parse_full(out, len, NULL, NULL, "rt.csv", &e);
        CHECK_MSG(back != NULL, "%s", e.message);
        if (back) {
                CHECK(par_table_ncols(back) == 3 &&
                      strcmp(par_table_name(back, 0), "Unnamed: 0") == 0);
                const int64_t *idx = par_column_int64(par_table_column(back, 0));
                const double *y = par_column_float64(par_table_column(back, 1));
                const int64_t *kk = par_column_int64(par_table_column(back, 2));
                CHECK(idx && y && kk);
                size_t bad = 0;
                for (size_t i = 0; y && idx && kk && i < n; i++)
                        bad += memcmp(&x[i], &y[i], 8) != 0 || kk[i] != k[i] ||
                               idx[i] != (int64_t)i;
                CHECK_MSG(bad == 0, "%zu of %zu differ", bad, n);
                par_value_release(back);
        }
        free(out);
        par_value_release(t);
        free(x);
        free(k);
}

/* ---- robustness -------------------------------------------------------------------- */

static void test_fuzz(int iters)
{
        static const char pool[] = ",\"\n\r0123456789.eE+-abNTrue\xEF\xBB\xBF";
        size_t ok = 0;
        for (int it = 0; it < iters; it++) {
                size_t n = rnd() % 300;
                char *s = malloc(n + 1);
                bool bytes = it % 3 == 0;
                for (size_t i = 0; i < n; i++)
                        s[i] = bytes ? (char)rnd() : pool[rnd() % (sizeof pool - 1)];
                par_error e = {0};
                par_value *t = parse_full(s, n, NULL, NULL, "f.csv", &e);
                ok += t != NULL;
                par_value_release(t);
                /* with fixed dtypes and some columns skipped */
                char **names;
                size_t nc, used;
                if (par__csv_parse_header(s, n, &FMT, "f.csv", &names, &nc, &used, &e) == 0) {
                        par_dtype *dt = malloc(nc * sizeof *dt);
                        bool *keep = malloc(nc * sizeof *keep);
                        for (size_t c = 0; c < nc; c++) {
                                dt[c] = (par_dtype)(rnd() % 5);
                                keep[c] = rnd() % 4 != 0;
                        }
                        par__csv_parse o = {.name = "f.csv", .first_line = 2, .fmt = FMT,
                                            .ncols = nc, .names = (const char *const *)names,
                                            .dtypes = dt, .keep = keep};
                        t = NULL;
                        if (par__csv_parse_block(s + used, n - used, &o, &t, &e) == 0) {
                                size_t len;
                                par__csv_write w = {.fmt = FMT, .header = true, .index = true};
                                free(format(t, &w, &len));
                        } else {
                                CHECK(e.message[0] != 0 && t == NULL);
                        }
                        par_value_release(t);
                        free(dt);
                        free(keep);
                        par__csv_free_names(names, nc);
                }
                for (size_t from = 0; from <= n; from += 1 + rnd() % 8)
                        (void)par__csv_next_row(s, n, from, rnd() & 1, '"');
                free(s);
        }
        CHECK(ok > 0);

        /* random truncations of valid CSV */
        par_value *t = small_table();
        size_t len;
        par__csv_write w = {.fmt = FMT, .header = true, .index = true};
        char *out = format(t, &w, &len);
        par_value_release(t);
        for (int it = 0; it < iters; it++) {
                size_t cut = rnd() % (len + 1);
                char *s = malloc(cut ? cut : 1);
                memcpy(s, out, cut);
                if (cut && rnd() % 2)
                        s[rnd() % cut] = "\",\n\rx"[rnd() % 5];
                par_error e = {0};
                par_value *b = parse_full(s, cut, NULL, NULL, "cut.csv", &e);
                par_value_release(b);
                free(s);
        }
        free(out);
}

/* ---- out of memory --------------------------------------------------------------- */

static long oom_allocs, oom_live, oom_fail_at = -1;

static void *oom_malloc(size_t n, void *ud)
{
        (void)ud;
        if (oom_allocs++ == oom_fail_at)
                return NULL;
        void *p = malloc(n);
        if (p)
                oom_live++;
        return p;
}

static void *oom_realloc(void *p, size_t n, void *ud)
{
        (void)ud;
        if (oom_allocs++ == oom_fail_at)
                return NULL;
        void *q = realloc(p, n);
        if (q && !p)
                oom_live++;
        return q;
}

static void oom_free(void *p, void *ud)
{
        (void)ud;
        if (p)
                oom_live--;
        free(p);
}

/* Header, block (two chunks, a column that becomes a string in the second,
 * nulls, quoted fields) and writing, failing each allocation in turn:
 * each run fails with PAR_ENOMEM or succeeds, and frees every block. */
static int oom_workload(const char *text, size_t n)
{
        par_error e = {0};
        char **names = NULL;
        size_t nc, used;
        int rc = par__csv_parse_header(text, n, &FMT, "oom.csv", &names, &nc, &used, &e);
        if (rc < 0)
                return rc;
        par__csv_parse o = {.name = "oom.csv", .first_line = 2, .fmt = FMT, .ncols = nc,
                            .names = (const char *const *)names};
        /* The incremental parser on the first half, in two pieces. */
        par__csv_parser *p = NULL;
        par_value *t = NULL;
        const char *body = text + used;
        const char *q1 = memchr(body + (n - used) / 4, '\n', n - used - (n - used) / 4);
        const char *q2 = memchr(body + (n - used) / 2, '\n', n - used - (n - used) / 2);
        rc = par__csv_parser_new(&o, &p, &e);
        if (rc == 0)
                rc = par__csv_parser_feed(p, body, (size_t)(q1 + 1 - body), n - used, &e);
        if (rc == 0)
                rc = par__csv_parser_feed(p, q1 + 1, (size_t)(q2 - q1), n - used, &e);
        if (rc == 0)
                rc = par__csv_parser_finish(p, &t, &e);
        par__csv_parser_free(p);
        if (oom_fail_at < 0)
                CHECK(rc == 0 && t && par_table_length(t) > 2000);
        par_value_release(t);
        t = NULL;
        if (rc < 0) {
                par__csv_free_names(names, nc);
                return rc;
        }
        rc = par__csv_parse_block(text + used, n - used, &o, &t, &e);
        par__csv_free_names(names, nc);
        if (rc < 0)
                return rc;
        if (oom_fail_at < 0) /* the run without failures: what it covers */
                CHECK(par_table_ncols(t) == 4 && strcmp(par_table_name(t, 1), "a.1") == 0 &&
                      strcmp(par_table_name(t, 3), "Unnamed: 3") == 0 &&
                      par_column_dtype(par_table_column(t, 1)) == PAR_DTYPE_FLOAT64 &&
                      par_column_dtype(par_table_column(t, 3)) == PAR_DTYPE_STRING);
        char *buf = NULL;
        size_t len = 0, cap = 0;
        par__csv_write w = {.fmt = FMT, .header = true, .index = true};
        rc = par__csv_format_table(t, &w, &buf, &len, &cap, &e);
        oom_free(buf, NULL);
        par_value_release(t);
        return rc;
}

static void test_oom(void)
{
        if (TEST_SKIP_IF_MPI(TEST_WHY_ALLOCATOR))
                return;
        size_t rows = 6000;
        char *text = malloc(rows * 32 + 64);
        size_t n = (size_t)sprintf(text, "a,a,\"c\",\n");
        for (size_t r = 0; r < rows; r++)
                n += (size_t)sprintf(text + n, "%zu,%s,\"q%zu\",%s\n", r, r % 9 ? "1.5" : "",
                                     r, r == rows - 2 ? "w" : r % 2 ? "7" : "NA");
        par_allocator a = {oom_malloc, oom_realloc, oom_free, NULL};
        oom_allocs = oom_live = 0;
        oom_fail_at = -1;
        par_set_allocator(&a);
        int rc = oom_workload(text, n);
        par_set_allocator(NULL);
        CHECK(rc == 0 && oom_live == 0);
        long total = oom_allocs;
        int bad = 0;
        for (long at = 0; at < total; at++) {
                oom_allocs = oom_live = 0;
                oom_fail_at = at;
                par_set_allocator(&a);
                rc = oom_workload(text, n);
                par_set_allocator(NULL);
                if ((rc != PAR_ENOMEM && rc != 0) || oom_live != 0) {
                        if (bad++ < 3)
                                fprintf(stderr, "oom at %ld of %ld: rc %d, %ld blocks left\n",
                                        at, total, rc, oom_live);
                }
        }
        CHECK_MSG(bad == 0 && total > 20, "%d failures in %ld allocations", bad, total);
        free(text);
}

/* ---- speed ---------------------------------------------------------------------------- */

/* CPU time of this thread: the measure per core, less sensitive to a
 * loaded machine than the wall clock. */
static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double normal(void)
{
        double u = rnd_unit(), v = rnd_unit();
        return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

/* The talk's layout: an int64 index and two float64 columns, a ~ normal(4,
 * 2) and b = 4a + 3 plus noise. */
static void bench(size_t rows, int reps)
{
        double *a = malloc(rows * sizeof *a), *b = malloc(rows * sizeof *b);
        for (size_t i = 0; i < rows; i++) {
                a[i] = 4 + 2 * normal();
                b[i] = 4 * a[i] + 3 + normal();
        }
        par_value *cols[] = {par_column_from_float64(a, (int64_t)rows, NULL),
                             par_column_from_float64(b, (int64_t)rows, NULL)};
        const char *names[] = {"a", "b"};
        par_value *t = par_table_new(2, names, cols);
        par_value_release(cols[0]);
        par_value_release(cols[1]);
        par__csv_write w = {.fmt = FMT, .header = true, .index = true};
        double best_w = 1e9, best_r = 1e9;
        char *out = NULL;
        size_t len = 0, cap = 0;
        for (int r = 0; r < reps; r++) {
                /* the buffer is reused, as when writing partition after
                 * partition */
                len = 0;
                double t0 = now();
                par__csv_format_table(t, &w, &out, &len, &cap, NULL);
                double dt = now() - t0;
                if (dt < best_w)
                        best_w = dt;
        }
        char **hn;
        size_t nc, used;
        par__csv_parse_header(out, len, &FMT, "bench.csv", &hn, &nc, &used, NULL);
        par__csv_parse o = {.name = "bench.csv", .first_line = 2, .fmt = FMT, .ncols = nc,
                            .names = (const char *const *)hn};
        bool exact = true;
        for (int r = 0; r < reps; r++) {
                par_value *back = NULL;
                double t0 = now();
                par__csv_parse_block(out + used, len - used, &o, &back, NULL);
                double dt = now() - t0;
                if (dt < best_r)
                        best_r = dt;
                const double *y = par_column_float64(par_table_column(back, 2));
                exact = exact && y && memcmp(y, b, rows * sizeof *b) == 0;
                par_value_release(back);
        }
        printf("bench: %zu rows, %.1f MB; format %.1f ms = %.0f MB/s; parse %.1f ms = %.0f MB/s; %s\n",
               rows, (double)len / 1e6, best_w * 1e3, (double)len / 1e6 / best_w,
               best_r * 1e3, (double)len / 1e6 / best_r, exact ? "bit-exact" : "NOT EXACT");
        par__csv_free_names(hn, nc);
        free(out);
        par_value_release(t);
        free(a);
        free(b);
}

int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "bench") == 0) {
                /* Keep freed memory in the heap, as a long-running process's
                 * malloc does once its mmap threshold has adapted, so that
                 * page faults on fresh memory do not dominate. */
#ifdef M_MMAP_THRESHOLD
                mallopt(M_MMAP_THRESHOLD, 1 << 30);
                mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
                size_t rows = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 625000;
                int reps = argc > 3 ? atoi(argv[3]) : 7;
                for (int isa = 2; isa >= 0; isa -= 2) {
                        int got = par__csv_set_isa(isa);
                        printf("isa %d: ", got);
                        bench(rows, reps < 1 ? 1 : reps);
                        if (got == 0)
                                break;
                }
                return 0;
        }
        TEST_BACKEND_BEGIN(&argc, &argv);
        const char *seed = getenv("TEST_CSV_SEED");
        if (seed)
                rng_state = strtoull(seed, NULL, 10);
        for (int isa = 2; isa >= 0; isa -= 2) {
                int got = par__csv_set_isa(isa);
                test_split();
                test_header();
                test_types();
                test_missing();
                test_layout();
                test_dtypes_usecols();
                test_errors();
                test_late_changes();
                test_reference(got == isa ? 2000 : 0);
                test_generated(got == isa ? 300 : 0, 40000);
                test_pieces();
                test_fuzz(1500);
                if (got == 0)
                        break;
        }
        par__csv_set_isa(-1);
        test_write();
        test_pieces_frame();
        test_roundtrip(100000);
        test_oom();
        return test_backend_end(check_done("test_csv"));
}
