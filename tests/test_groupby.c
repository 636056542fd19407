/* Frame aggregations against pandas, value by value: groupby-agg (one and
 * several keys of int64, string, bool and float64; sum, mean, count, min,
 * max of float64, int64, bool and string columns), value_counts,
 * describe (with exact quantiles) and the column reductions (count, sum,
 * mean, min, max, std, var with ddof 1), over random frames with nulls,
 * few and many groups, and several partitions including empty ones.
 *
 * The test builds the partitions in memory, writes the same rows to a
 * CSV, and runs tests/frame_ref.py (argv[1]) with /usr/bin/python3 on it;
 * without pandas the comparisons are skipped, saying so. The CSV is also
 * read back by par_read_csv in small blocks and grouped again. Also
 * checked: errors name the column; a frame of empty partitions; every
 * allocation failing in turn (clean failure, nothing leaked). */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_harness.h"
#include "check.h"
#include "par.h"

enum { NCOLS = 8 };

static const char *const col_names[NCOLS] = {"ki", "ks", "kb", "kf",
                                             "vf", "vi", "vb", "vs"};
static const par_dtype col_types[NCOLS] = {
        PAR_DTYPE_INT64,   PAR_DTYPE_STRING, PAR_DTYPE_BOOL,
        PAR_DTYPE_FLOAT64, PAR_DTYPE_FLOAT64, PAR_DTYPE_INT64,
        PAR_DTYPE_BOOL,    PAR_DTYPE_STRING};

static const char *const words[] = {"alpha", "Zeta",  "beta", "\xc3\xa9t\xc3\xa9",
                                    "b",     "gamma", "a b",  "delta",
                                    "Alpha", "zz",    "x1",   "x10"};

static uint64_t rng_state;

static uint64_t rnd(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

static double unif(void)
{
        return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* One random frame's rows, column-wise, with null flags. */
typedef struct rows {
        int64_t n;
        int64_t *ki, *vi;
        double *kf, *vf;
        bool *kb, *vb;
        const char **ks, **vs;
        bool *null[NCOLS];
} rows;

static void make_rows(rows *r, int64_t n, int64_t groups, int nwords)
{
        static const double fkeys[] = {-1.5, 0.0, 2.25, 1e10, 0.1};
        r->n = n;
        r->ki = calloc((size_t)n, sizeof *r->ki);
        r->vi = calloc((size_t)n, sizeof *r->vi);
        r->kf = calloc((size_t)n, sizeof *r->kf);
        r->vf = calloc((size_t)n, sizeof *r->vf);
        r->kb = calloc((size_t)n, sizeof *r->kb);
        r->vb = calloc((size_t)n, sizeof *r->vb);
        r->ks = calloc((size_t)n, sizeof *r->ks);
        r->vs = calloc((size_t)n, sizeof *r->vs);
        for (int c = 0; c < NCOLS; c++)
                r->null[c] = calloc((size_t)n, sizeof(bool));
        for (int64_t i = 0; i < n; i++) {
                r->ki[i] = (int64_t)(rnd() % (uint64_t)groups) - groups / 3;
                r->ks[i] = words[rnd() % (uint64_t)nwords];
                r->kb[i] = rnd() & 1;
                r->kf[i] = fkeys[rnd() % 5];
                r->vf[i] = (unif() - 0.3) * 2000.0;
                r->vi[i] = (int64_t)(rnd() % 2000001) - 1000000;
                r->vb[i] = rnd() % 3 == 0;
                r->vs[i] = words[rnd() % 12];
                static const int pct[NCOLS] = {5, 5, 10, 5, 10, 10, 5, 10};
                for (int c = 0; c < NCOLS; c++)
                        r->null[c][i] = (int)(rnd() % 100) < pct[c];
        }
}

static void free_rows(rows *r)
{
        free(r->ki);
        free(r->vi);
        free(r->kf);
        free(r->vf);
        free(r->kb);
        free(r->vb);
        free(r->ks);
        free(r->vs);
        for (int c = 0; c < NCOLS; c++)
                free(r->null[c]);
}

/* Column c of rows [lo, lo + n). */
static par_value *column_of(const rows *r, int c, int64_t lo, int64_t n)
{
        uint8_t *valid = calloc((size_t)n / 8 + 1, 1);
        for (int64_t i = 0; i < n; i++)
                if (!r->null[c][lo + i])
                        valid[i >> 3] |= (uint8_t)(1u << (i & 7));
        par_value *v = NULL;
        switch (c) {
        case 0: v = par_column_from_int64(r->ki + lo, n, valid); break;
        case 5: v = par_column_from_int64(r->vi + lo, n, valid); break;
        case 3: v = par_column_from_float64(r->kf + lo, n, valid); break;
        case 4: v = par_column_from_float64(r->vf + lo, n, valid); break;
        case 2: v = par_column_from_bool(r->kb + lo, n, valid); break;
        case 6: v = par_column_from_bool(r->vb + lo, n, valid); break;
        default: {
                const char **s = calloc((size_t)n + 1, sizeof *s);
                for (int64_t i = 0; i < n; i++)
                        s[i] = r->null[c][lo + i] ? NULL : (c == 1 ? r->ks : r->vs)[lo + i];
                v = par_column_from_cstrings(s, n);
                free(s);
        }
        }
        free(valid);
        return v;
}

/* The rows in np partitions of random lengths; some partitions empty. */
static par_frame *frame_of(const rows *r, int np)
{
        int64_t *cut = calloc((size_t)np + 1, sizeof *cut);
        for (int p = 1; p < np; p++)
                cut[p] = rnd() % 4 == 0 ? -1 : (int64_t)(rnd() % (uint64_t)(r->n + 1));
        cut[np] = r->n;
        /* Sorted cut points; -1 marks repeat the previous one (empty). */
        for (int p = 1; p < np; p++) {
                if (cut[p] < 0)
                        cut[p] = cut[p - 1];
                for (int q = p; q > 0 && cut[q] < cut[q - 1]; q--) {
                        int64_t t = cut[q];
                        cut[q] = cut[q - 1];
                        cut[q - 1] = t;
                }
        }
        par_value **tables = calloc((size_t)np, sizeof *tables);
        for (int p = 0; p < np; p++) {
                par_value *cols[NCOLS];
                for (int c = 0; c < NCOLS; c++)
                        cols[c] = column_of(r, c, cut[p], cut[p + 1] - cut[p]);
                tables[p] = par_table_new(NCOLS, col_names, cols);
                for (int c = 0; c < NCOLS; c++)
                        par_value_release(cols[c]);
        }
        par_frame *f = NULL;
        par_error err = {0};
        CHECK_OK(par_frame_from_tables((size_t)np, tables, &f, &err), &err);
        for (int p = 0; p < np; p++)
                par_value_release(tables[p]);
        free(tables);
        free(cut);
        return f;
}

static void write_csv(const rows *r, const char *path)
{
        FILE *f = fopen(path, "w");
        for (int c = 0; c < NCOLS; c++)
                fprintf(f, "%s%s", c ? "," : "", col_names[c]);
        fputc('\n', f);
        for (int64_t i = 0; i < r->n; i++) {
                for (int c = 0; c < NCOLS; c++) {
                        if (c)
                                fputc(',', f);
                        if (r->null[c][i])
                                continue;
                        switch (c) {
                        case 0: fprintf(f, "%lld", (long long)r->ki[i]); break;
                        case 5: fprintf(f, "%lld", (long long)r->vi[i]); break;
                        case 3: fprintf(f, "%.17g", r->kf[i]); break;
                        case 4: fprintf(f, "%.17g", r->vf[i]); break;
                        case 2: fputs(r->kb[i] ? "True" : "False", f); break;
                        case 6: fputs(r->vb[i] ? "True" : "False", f); break;
                        case 1: fprintf(f, "\"%s\"", r->ks[i]); break;
                        default: fprintf(f, "\"%s\"", r->vs[i]); break;
                        }
                }
                fputc('\n', f);
        }
        fclose(f);
}

/* ---- comparing -------------------------------------------------------------- */

/* Cell (row i) of a column as the reference prints it. */
static void cell_text(const par_value *col, int64_t i, char *buf, size_t size)
{
        if (!par_column_is_valid(col, i)) {
                snprintf(buf, size, "NULL");
                return;
        }
        switch (par_column_dtype(col)) {
        case PAR_DTYPE_INT64:
                snprintf(buf, size, "%lld", (long long)par_column_int64(col)[i]);
                break;
        case PAR_DTYPE_FLOAT64: {
                double x = par_column_float64(col)[i];
                snprintf(buf, size, x != x ? "NULL" : "%.17g", x);
                break;
        }
        case PAR_DTYPE_BOOL:
                snprintf(buf, size, "%d", par_column_bool(col)[i]);
                break;
        default: {
                size_t len = 0;
                const char *s = par_column_string(col, i, &len);
                snprintf(buf, size, "%.*s", (int)len, s);
        }
        }
}

/* Cells agree: equal text, or numbers within rel (relative to the larger
 * magnitude, at least 1). */
static bool same_cell(const char *a, const char *b, double rel)
{
        if (strcmp(a, b) == 0)
                return true;
        char *ea, *eb;
        double x = strtod(a, &ea), y = strtod(b, &eb);
        if (*ea || *eb || ea == a || eb == b)
                return false;
        double m = fabs(x) > fabs(y) ? fabs(x) : fabs(y);
        return fabs(x - y) <= rel * (m > 1 ? m : 1);
}

/* The reference's answer to a query: the text after "== query\n". */
static const char *answer(const char *ref, const char *query)
{
        char head[512];
        snprintf(head, sizeof head, "== %s\n", query);
        const char *p = ref ? strstr(ref, head) : NULL;
        return p ? p + strlen(head) : NULL;
}

/* Compares a table (rows of its columns, from column `from`) with the
 * reference rows. rel_of(col) gives the tolerance of each column. */
static void compare_table(const char *what, const par_value *t, const char *ref,
                          const double *rel)
{
        if (!ref) {
                CHECK_MSG(0, "%s: no reference answer", what);
                return;
        }
        size_t nc = par_table_ncols(t);
        int64_t n = par_table_length(t), i = 0, bad = 0;
        const char *p = ref;
        char cell[256], want[256];
        for (; *p && strncmp(p, "== ", 3) != 0; i++) {
                const char *eol = strchr(p, '\n');
                for (size_t c = 0; c < nc && i < n; c++) {
                        size_t len = strcspn(p, "\t\n");
                        snprintf(want, sizeof want, "%.*s", (int)len, p);
                        p += len + (p[len] == '\t');
                        cell_text(par_table_column(t, c), i, cell, sizeof cell);
                        if (!same_cell(cell, want, rel[c]) && bad++ < 5)
                                fprintf(stderr,
                                        "%s: row %lld column %s: par %s, pandas %s\n",
                                        what, (long long)i, par_table_name(t, c), cell,
                                        want);
                }
                p = eol ? eol + 1 : p + strlen(p);
        }
        CHECK_MSG(i == n && bad == 0, "%s: %lld rows (pandas %lld), %lld cells differ",
                  what, (long long)n, (long long)i, (long long)bad);
}

/* ---- the queries ------------------------------------------------------------ */

typedef struct gquery {
        const char *keys; /* comma-separated */
        const char *aggs; /* col:stat,... */
} gquery;

static const gquery groupbys[] = {
        {"ki", "vf:sum,vf:mean,vf:count,vf:min,vf:max,vi:sum,vi:mean,vi:min,vi:max,"
               "vi:count,vb:sum,vb:mean,vs:count"},
        {"ks", "vf:sum,vf:mean,vi:min,vi:max,vb:min,vb:max,vi:count"},
        {"kb", "vf:mean,vi:sum,vf:max,vs:count"},
        {"kf", "vi:mean,vf:min,vf:count"},
        {"ki,ks", "vf:sum,vi:mean,vf:count,vi:max"},
        {"ks,kb,kf", "vf:mean,vi:sum,vb:sum"},
};

static int split(const char *s, char sep, char out[][32], int max)
{
        int n = 0;
        while (*s && n < max) {
                size_t len = strcspn(s, (char[]){sep, 0});
                snprintf(out[n++], 32, "%.*s", (int)len, s);
                s += len + (s[len] == sep);
        }
        return n;
}

static par_stat stat_of(const char *s)
{
        return strcmp(s, "sum") == 0    ? PAR_STAT_SUM
               : strcmp(s, "mean") == 0 ? PAR_STAT_MEAN
               : strcmp(s, "min") == 0  ? PAR_STAT_MIN
               : strcmp(s, "max") == 0  ? PAR_STAT_MAX
                                        : (par_stat)0;
}

static void check_groupby(par_client *c, par_frame *f, const gquery *q, const char *ref,
                          int split_every)
{
        char keys[8][32], aggs[32][32], cols[32][32], stats[32][32];
        const char *kp[8], *cp[32];
        par_stat st[32];
        int nk = split(q->keys, ',', keys, 8), na = split(q->aggs, ',', aggs, 32);
        double rel[40];
        for (int i = 0; i < nk; i++) {
                kp[i] = keys[i];
                rel[i] = 0;
        }
        for (int i = 0; i < na; i++) {
                char two[2][32];
                split(aggs[i], ':', two, 2);
                memcpy(cols[i], two[0], 32);
                memcpy(stats[i], two[1], 32);
                cp[i] = cols[i];
                st[i] = stat_of(stats[i]);
                rel[nk + i] = st[i] == PAR_STAT_SUM || st[i] == PAR_STAT_MEAN ? 1e-9 : 0;
        }
        par_error err = {0};
        par_delayed *d = NULL;
        par_value *t = NULL;
        par_agg_opts o = {.split_every = split_every};
        CHECK_OK(par_frame_groupby(f, (size_t)nk, kp, (size_t)na, cp, st, &o, &d, &err),
                 &err);
        CHECK_OK(par_compute(c, 1, &d, &t, &err), &err);
        char what[512], query[512];
        snprintf(what, sizeof what, "groupby %s %s", q->keys, q->aggs);
        snprintf(query, sizeof query, "groupby %s %s", q->keys, q->aggs);
        if (t) {
                CHECK_MSG(strcmp(par_table_name(t, 0), keys[0]) == 0, "%s: key named %s",
                          what, par_table_name(t, 0));
                char nm[64];
                snprintf(nm, sizeof nm, "%s_%s", cols[0], stats[0]);
                CHECK(strcmp(par_table_name(t, (size_t)nk), nm) == 0);
                if (ref)
                        compare_table(what, t, answer(ref, query), rel);
        }
        par_value_release(t);
        par_delayed_release(d);
}

static void check_value_counts(par_client *c, par_frame *f, const char *col,
                               const char *ref)
{
        par_error err = {0};
        par_delayed *d = NULL;
        par_value *t = NULL;
        CHECK_OK(par_frame_value_counts(f, col, &d, &err), &err);
        CHECK_OK(par_compute(c, 1, &d, &t, &err), &err);
        char query[64];
        snprintf(query, sizeof query, "value_counts %s", col);
        if (t && ref)
                compare_table(query, t, answer(ref, query), (double[]){0, 0});
        par_value_release(t);
        par_delayed_release(d);
}

static void check_describe(par_client *c, par_frame *f, const char *ref)
{
        par_error err = {0};
        par_delayed *d = NULL;
        par_value *t = NULL;
        CHECK_OK(par_frame_describe(f, &d, &err), &err);
        CHECK_OK(par_compute(c, 1, &d, &t, &err), &err);
        const char *a = answer(ref, "describe");
        if (!t || !a) {
                CHECK(t && (a || !ref));
                par_value_release(t);
                par_delayed_release(d);
                return;
        }
        /* pandas prints a column per line: name, then the 8 stats. */
        size_t nc = par_table_ncols(t);
        CHECK(par_table_length(t) == 8 && nc == 5);
        static const double rel[8] = {0, 1e-12, 1e-10, 0, 1e-12, 1e-12, 1e-12, 0};
        for (size_t col = 1; col < nc; col++) {
                const char *eol = strchr(a, '\n');
                size_t len = strcspn(a, "\t");
                CHECK(strncmp(a, par_table_name(t, col), len) == 0);
                a += len + 1;
                for (int64_t i = 0; i < 8; i++) {
                        char cell[64], want[64];
                        size_t l = strcspn(a, "\t\n");
                        snprintf(want, sizeof want, "%.*s", (int)l, a);
                        a += l + (a[l] == '\t');
                        cell_text(par_table_column(t, col), i, cell, sizeof cell);
                        char s[32];
                        cell_text(par_table_column(t, 0), i, s, sizeof s);
                        CHECK_MSG(same_cell(cell, want, rel[i]),
                                  "describe %s %s: par %s, pandas %s",
                                  par_table_name(t, col), s, cell, want);
                }
                a = eol ? eol + 1 : a;
        }
        par_value_release(t);
        par_delayed_release(d);
}

static void check_stats(par_client *c, par_frame *f, const char *col, const char *ref)
{
        static const par_stat which[7] = {0, PAR_STAT_SUM, PAR_STAT_MEAN, PAR_STAT_MIN,
                                          PAR_STAT_MAX, PAR_STAT_STD, PAR_STAT_VAR};
        static const double rel[7] = {0, 1e-9, 1e-9, 0, 0, 1e-9, 1e-9};
        par_delayed *d[7] = {0};
        par_value *v[7] = {0};
        par_error err = {0};
        for (int i = 0; i < 7; i++)
                CHECK_OK(par_frame_stat(f, col, which[i], &d[i], &err), &err);
        CHECK_OK(par_compute(c, 7, d, v, &err), &err);
        char query[64];
        snprintf(query, sizeof query, "stat %s", col);
        const char *a = answer(ref, query);
        for (int i = 0; i < 7 && a && v[i]; i++) {
                char cell[64], want[64];
                size_t l = strcspn(a, "\t\n");
                snprintf(want, sizeof want, "%.*s", (int)l, a);
                a += l + (a[l] == '\t');
                if (par_value_type(v[i]) == PAR_TYPE_INT64)
                        snprintf(cell, sizeof cell, "%lld",
                                 (long long)par_value_int64_of(v[i]));
                else if (isnan(par_value_float64_of(v[i])))
                        snprintf(cell, sizeof cell, "NULL");
                else
                        snprintf(cell, sizeof cell, "%.17g", par_value_float64_of(v[i]));
                CHECK_MSG(same_cell(cell, want, rel[i]), "%s [%d]: par %s, pandas %s",
                          query, i, cell, want);
        }
        for (int i = 0; i < 7; i++) {
                par_value_release(v[i]);
                par_delayed_release(d[i]);
        }
}

/* pandas' answers to every query, or NULL (pandas missing). */
static char *reference(const char *script, const char *dir, const rows *r)
{
        char csv[256], qf[256], cmd[1024];
        snprintf(csv, sizeof csv, "%s/data.csv", dir);
        snprintf(qf, sizeof qf, "%s/queries.txt", dir);
        write_csv(r, csv);
        FILE *q = fopen(qf, "w");
        for (size_t i = 0; i < sizeof groupbys / sizeof *groupbys; i++)
                fprintf(q, "groupby %s %s\n", groupbys[i].keys, groupbys[i].aggs);
        for (int c = 0; c < 6; c++)
                fprintf(q, "value_counts %s\n", col_names[c]);
        fprintf(q, "describe\nstat vf\nstat vi\nstat vb\n");
        fclose(q);
        char schema[256];
        size_t at = 0;
        for (int c = 0; c < NCOLS; c++)
                at += (size_t)snprintf(schema + at, sizeof schema - at, "%s%s:%s",
                                       c ? "," : "", col_names[c],
                                       par_dtype_name(col_types[c]));
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s %s", script, csv, qf, schema);
        FILE *p = popen(cmd, "r");
        size_t cap = 1 << 20, len = 0;
        char *buf = malloc(cap);
        size_t got;
        while (p && (got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
                len += got;
                if (cap - len < 4096)
                        buf = realloc(buf, cap *= 2);
        }
        buf[len] = '\0';
        int st = p ? pclose(p) : -1;
        if (st != 0 || !strstr(buf, "== end")) {
                CHECK_MSG(0, "frame_ref.py failed (status %d)", st);
                free(buf);
                return NULL;
        }
        return buf;
}

static void check_errors(par_frame *f)
{
        par_error err = {0};
        par_delayed *d = NULL;
        CHECK(par_frame_groupby_agg(f, "nope", 1, (const char *[]){"vf"},
                                    (par_stat[]){PAR_STAT_SUM}, &d, &err) == PAR_EINVAL);
        CHECK_MSG(d == NULL && strstr(err.message, "'nope'"), "%s", err.message);
        CHECK(par_frame_groupby_agg(f, "ki", 1, (const char *[]){"zz"},
                                    (par_stat[]){PAR_STAT_SUM}, &d, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "'zz'"), "%s", err.message);
        CHECK(par_frame_groupby_agg(f, "ki", 1, (const char *[]){"vs"},
                                    (par_stat[]){PAR_STAT_SUM}, &d, &err) == PAR_ETYPE);
        CHECK_MSG(strstr(err.message, "'vs'") && strstr(err.message, "sum"), "%s",
                  err.message);
        CHECK(par_frame_groupby_agg(f, "ki", 1, (const char *[]){"vs"},
                                    (par_stat[]){PAR_STAT_MEAN}, &d, &err) == PAR_ETYPE);
        CHECK_MSG(strstr(err.message, "'vs'") && strstr(err.message, "mean"), "%s",
                  err.message);
        CHECK(par_frame_groupby(f, 0, NULL, 1, (const char *[]){"vf"},
                                (par_stat[]){PAR_STAT_SUM}, NULL, &d, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "no key"), "%s", err.message);
        CHECK(par_frame_groupby(f, 1, (const char *[]){"ki"}, 0, NULL, NULL, NULL, &d,
                                &err) == PAR_EINVAL);
        CHECK(par_frame_value_counts(f, "nope", &d, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "'nope'"), "%s", err.message);
        CHECK(par_frame_stat(f, "vs", PAR_STAT_MEAN, &d, &err) == PAR_ETYPE);
        CHECK_MSG(strstr(err.message, "'vs'"), "%s", err.message);
        CHECK(par_frame_stat(f, "nope", PAR_STAT_SUM, &d, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "'nope'"), "%s", err.message);
        CHECK(d == NULL);
}

/* A frame whose partitions are all empty: no groups, zero counts. */
static void check_empty(par_client *c)
{
        rows r;
        make_rows(&r, 0, 3, 3);
        par_frame *f = frame_of(&r, 3);
        par_error err = {0};
        par_delayed *d[4] = {0};
        par_value *v[4] = {0};
        CHECK_OK(par_frame_groupby_agg(f, "ks", 2, (const char *[]){"vf", "vi"},
                                       (par_stat[]){PAR_STAT_MEAN, PAR_STAT_SUM}, &d[0],
                                       &err),
                 &err);
        CHECK_OK(par_frame_value_counts(f, "ki", &d[1], &err), &err);
        CHECK_OK(par_frame_describe(f, &d[2], &err), &err);
        CHECK_OK(par_frame_stat(f, "vf", PAR_STAT_MEAN, &d[3], &err), &err);
        CHECK_OK(par_compute(c, 4, d, v, &err), &err);
        CHECK(v[0] && par_table_length(v[0]) == 0 && par_table_ncols(v[0]) == 3);
        CHECK(v[1] && par_table_length(v[1]) == 0);
        CHECK(v[2] && par_column_float64(par_table_column(v[2], 1))[0] == 0 &&
              isnan(par_column_float64(par_table_column(v[2], 1))[1]));
        CHECK(v[3] && isnan(par_value_float64_of(v[3])));
        for (int i = 0; i < 4; i++) {
                par_value_release(v[i]);
                par_delayed_release(d[i]);
        }
        par_frame_release(f);
        free_rows(&r);
}

/* The same rows read back by par_read_csv in blocks of 64 KiB (several
 * partitions cut at row starts): the first groupby and describe again. */
static void check_read_csv(par_client *c, const char *dir, const char *ref)
{
        char csv[256];
        snprintf(csv, sizeof csv, "%s/data.csv", dir);
        par_error err = {0};
        par_frame *f = NULL;
        par_read_csv_opts o = {.blocksize = 64 << 10,
                               .dtype_names = col_names,
                               .dtypes = col_types,
                               .ndtypes = NCOLS};
        CHECK_OK(par_read_csv(csv, &o, &f, &err), &err);
        if (!f)
                return;
        CHECK(par_frame_npartitions(f) > 2);
        check_groupby(c, f, &groupbys[0], ref, 0);
        check_groupby(c, f, &groupbys[4], ref, 3);
        check_describe(c, f, ref);
        par_frame_release(f);
}

/* ---- out of memory ------------------------------------------------------------ */

static atomic_long oom_allocs, oom_live;
static long oom_fail_at = -1;

static void *t_malloc(size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&oom_allocs, 1) == oom_fail_at)
                return NULL;
        void *p = malloc(n);
        if (p)
                atomic_fetch_add(&oom_live, 1);
        return p;
}

static void *t_realloc(void *p, size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&oom_allocs, 1) == oom_fail_at)
                return NULL;
        if (!p) {
                p = realloc(p, n);
                if (p)
                        atomic_fetch_add(&oom_live, 1);
                return p;
        }
        return realloc(p, n);
}

static void t_free(void *p, void *ud)
{
        (void)ud;
        if (p)
                atomic_fetch_sub(&oom_live, 1);
        free(p);
}

/* groupby (two keys), value_counts (the direct map), describe and a stat;
 * 0 or a negative status. */
static int oom_scenario(void)
{
        par_error err = {0};
        par_client *c = NULL;
        int rc = test_client_new(&(par_client_opts){.executor = PAR_EXEC_SERIAL}, &c,
                                &err);
        if (rc < 0)
                return rc;
        rows r;
        make_rows(&r, 1500, 20, 6);
        par_value *tables[3] = {0};
        int64_t cut[4] = {0, 1200, 1200, 1500}; /* the first takes the direct map */
        for (int p = 0; p < 3 && rc == 0; p++) {
                par_value *cols[NCOLS];
                for (int k = 0; k < NCOLS; k++)
                        cols[k] = column_of(&r, k, cut[p], cut[p + 1] - cut[p]);
                bool ok = true;
                for (int k = 0; k < NCOLS; k++)
                        ok &= cols[k] != NULL;
                tables[p] = ok ? par_table_new(NCOLS, col_names, cols) : NULL;
                for (int k = 0; k < NCOLS; k++)
                        par_value_release(cols[k]);
                if (!tables[p])
                        rc = PAR_ENOMEM;
        }
        free_rows(&r);
        par_frame *f = NULL;
        if (rc == 0)
                rc = par_frame_from_tables(3, tables, &f, &err);
        par_delayed *d[4] = {0};
        par_value *v[4] = {0};
        if (rc == 0)
                rc = par_frame_groupby(f, 2, (const char *[]){"ks", "kb"}, 3,
                                       (const char *[]){"vf", "vi", "vs"},
                                       (par_stat[]){PAR_STAT_MEAN, PAR_STAT_MAX, 0},
                                       &(par_agg_opts){.split_every = 2}, &d[0], &err);
        if (rc == 0)
                rc = par_frame_value_counts(f, "ki", &d[1], &err);
        if (rc == 0)
                rc = par_frame_describe(f, &d[2], &err);
        if (rc == 0)
                rc = par_frame_stat(f, "vf", PAR_STAT_STD, &d[3], &err);
        if (rc == 0)
                rc = par_compute(c, 4, d, v, &err);
        for (int i = 0; i < 4; i++) {
                par_value_release(v[i]);
                par_delayed_release(d[i]);
        }
        par_frame_release(f);
        for (int p = 0; p < 3; p++)
                par_value_release(tables[p]);
        par_client_free(c);
        return rc;
}

/* Fails each allocation in turn: every run succeeds or fails with a
 * status, and frees every block. */
static void check_oom(void)
{
        if (TEST_SKIP_IF_MPI(TEST_WHY_ALLOCATOR))
                return;
        par_set_allocator(&(par_allocator){t_malloc, t_realloc, t_free, NULL});
        long k = 0, clean = 0, bad = 0;
        for (;; k++) {
                oom_fail_at = k;
                atomic_store(&oom_allocs, 0);
                atomic_store(&oom_live, 0);
                int rc = oom_scenario();
                long live = atomic_load(&oom_live);
                bool hit = atomic_load(&oom_allocs) > k;
                if (live != 0 || (rc != 0 && rc != PAR_ENOMEM && hit)) {
                        if (bad++ < 5)
                                fprintf(stderr, "oom at %ld: rc %d, %ld blocks live\n", k,
                                        rc, live);
                }
                if (!hit)
                        break;
                clean += rc != 0;
        }
        par_set_allocator(NULL);
        oom_fail_at = -1;
        CHECK_MSG(bad == 0 && k > 100, "out of memory: %ld allocations, %ld bad runs", k,
                  bad);
        printf("out of memory: %ld allocations, %ld runs failed cleanly\n", k, clean);
}

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        const char *script = argc > 1 ? argv[1] : NULL;
        bool pandas = script &&
                      system("/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1") == 0;
        if (!pandas)
                printf("python3-pandas (or frame_ref.py) not found: pandas checks "
                       "skipped\n");
        char dir[] = "/tmp/par-test-groupby-XXXXXX";
        CHECK(mkdtemp(dir) != NULL);
        par_error err = {0};
        par_client *c = NULL;
        CHECK_OK(test_client_new(NULL, &c, &err), &err);

        /* rows, key range, words, partitions, split_every */
        static const struct {
                int64_t n, groups;
                int words, parts, split_every;
        } cases[] = {
                {20000, 7, 4, 9, 0},
                {30000, 6000, 12, 23, 2},
                {3000, 50, 12, 1, 0},
        };
        rng_state = 0x2545f4914f6cdd1du;
        for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
                rows r;
                make_rows(&r, cases[k].n, cases[k].groups, cases[k].words);
                par_frame *f = frame_of(&r, cases[k].parts);
                char *ref = pandas ? reference(script, dir, &r) : NULL;
                for (size_t q = 0; q < sizeof groupbys / sizeof *groupbys; q++)
                        check_groupby(c, f, &groupbys[q], ref, cases[k].split_every);
                for (int col = 0; col < 6; col++)
                        check_value_counts(c, f, col_names[col], ref);
                check_describe(c, f, ref);
                check_stats(c, f, "vf", ref);
                check_stats(c, f, "vi", ref);
                check_stats(c, f, "vb", ref);
                if (k == 0)
                        check_errors(f);
                if (k == 0 && ref)
                        check_read_csv(c, dir, ref);
                free(ref);
                par_frame_release(f);
                free_rows(&r);
        }
        check_empty(c);
        par_client_free(c);
        check_oom();
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        CHECK(system(cmd) == 0);
        return test_backend_end(check_done("test_groupby"));
}
