/* libpar/kernels/csv_write.c — tables to CSV text in pandas' to_csv layout
 * (kernels/csv.h).
 *
 * Rows are formatted in batches: the batch's worst-case size (fixed widths
 * for numbers, twice the bytes for strings, which may be quoted with every
 * quote doubled) is reserved once, then the cells are written with no
 * bounds checks by the formatters of kernels/numfmt.h.
 *
 * Python's csv module (which pandas uses) quotes a field that holds the
 * delimiter, the quote or the line terminator, and writes a row whose only
 * field is empty as `""` so that it is not read back as an empty line. We
 * also quote fields holding '\r', as csv.h asks (Python does not when the
 * line terminator is "\n"), so that such strings read back unchanged. */
#include <string.h>

#include "core/internal.h"
#include "kernels/csv.h"
#include "kernels/numfmt.h"
#include "value/column.h"

typedef struct wcol {
        par_dtype dtype;
        const void *data;
        const int64_t *offs;
        const uint8_t *valid;
} wcol;

#define BATCH 256

static int reserve(char **buf, size_t *len, size_t *cap, size_t extra)
{
        if (extra > SIZE_MAX - *len)
                return PAR_ENOMEM;
        void *p = *buf;
        int rc = par__grow(&p, cap, *len + extra, 1);
        *buf = p;
        return rc;
}

static inline bool needs_quote(const char *s, size_t n, const uint8_t *special)
{
        for (size_t i = 0; i < n; i++)
                if (special[(unsigned char)s[i]])
                        return true;
        return false;
}

/* Writes a string field; room for 2 * n + 2 bytes. */
static inline char *put_string(char *p, const char *s, size_t n, char quote,
                               const uint8_t *special)
{
        if (PAR__LIKELY(!needs_quote(s, n, special))) {
                memcpy(p, s, n);
                return p + n;
        }
        *p++ = quote;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == quote)
                        *p++ = quote;
                *p++ = s[i];
        }
        *p++ = quote;
        return p;
}

static int put_header(const par__table *tb, const par__csv_write *o,
                      const uint8_t *special, char **buf, size_t *len,
                      size_t *cap)
{
        size_t need = 3 + (o->index_label ? 2 * strlen(o->index_label) + 3 : 3);
        for (size_t j = 0; j < tb->ncols; j++)
                need += 2 * strlen(tb->names[j]) + 3;
        if (reserve(buf, len, cap, need) < 0)
                return PAR_ENOMEM;
        char *p = *buf + *len, *row = p;
        const char quote = o->fmt.quote;
        size_t nf = tb->ncols + (o->index ? 1 : 0);
        if (o->index) {
                const char *l = o->index_label ? o->index_label : "";
                p = put_string(p, l, strlen(l), quote, special);
        }
        for (size_t j = 0; j < tb->ncols; j++) {
                if (j || o->index)
                        *p++ = o->fmt.delim;
                p = put_string(p, tb->names[j], strlen(tb->names[j]), quote, special);
        }
        if (nf == 1 && p == row) {
                *p++ = quote;
                *p++ = quote;
        }
        *p++ = '\n';
        *len = (size_t)(p - *buf);
        return 0;
}

int par__csv_format_table(const par_value *t, const par__csv_write *o,
                          char **buf, size_t *len, size_t *cap, par_error *err)
{
        const par__table *tb = par__table_of(t);
        if (!tb || !o || !buf || !len || !cap)
                return par__errorf(err, PAR_EINVAL,
                                   "csv: format_table needs a table and a buffer");
        const char delim = o->fmt.delim, quote = o->fmt.quote;
        const size_t ncols = tb->ncols;
        const int64_t nrows = tb->length;
        wcol *cols = par__malloc((ncols ? ncols : 1) * sizeof *cols);
        if (!cols)
                return PAR__ENOMEM(err, "writing CSV");
        size_t fixed = 1 + (o->index ? 21 : 0); /* per row, besides strings */
        bool strings = false;
        for (size_t j = 0; j < ncols; j++) {
                const par__column *c = par__column_of(tb->cols[j]);
                par_dtype d = c ? c->dtype : PAR_DTYPE_NONE;
                switch (d) {
                case PAR_DTYPE_INT64: fixed += 21; break;
                case PAR_DTYPE_FLOAT64: fixed += PAR__DOUBLE_MAX_CHARS + 1; break;
                case PAR_DTYPE_BOOL: fixed += 6; break;
                case PAR_DTYPE_STRING: fixed += 3; strings = true; break;
                default:
                        par__free(cols);
                        return par__errorf(err, PAR_ETYPE,
                                           "cannot write column %s of type %s as CSV",
                                           tb->names[j], par_dtype_name(d));
                }
                cols[j] = (wcol){d, c->data, c->offsets, c->validity};
        }
        uint8_t special[256] = {0};
        special[(unsigned char)delim] = special[(unsigned char)quote] = 1;
        special['\n'] = special['\r'] = 1;

        if (o->header && put_header(tb, o, special, buf, len, cap) < 0)
                goto nomem;

        const size_t nf = ncols + (o->index ? 1 : 0);
        for (int64_t r0 = 0; r0 < nrows; r0 += BATCH) {
                int64_t r1 = nrows - r0 < BATCH ? nrows : r0 + BATCH;
                size_t need = (size_t)(r1 - r0) * fixed;
                if (strings)
                        for (size_t j = 0; j < ncols; j++)
                                if (cols[j].dtype == PAR_DTYPE_STRING)
                                        need += 2 * (size_t)(cols[j].offs[r1] -
                                                             cols[j].offs[r0]);
                if (reserve(buf, len, cap, need) < 0)
                        goto nomem;
                char *p = *buf + *len;
                for (int64_t r = r0; r < r1; r++) {
                        char *row = p;
                        if (o->index)
                                p += par__format_int64(
                                        (int64_t)((uint64_t)o->index_start + (uint64_t)r),
                                        p);
                        for (size_t j = 0; j < ncols; j++) {
                                const wcol *c = &cols[j];
                                if (j || o->index)
                                        *p++ = delim;
                                if (c->valid && !(c->valid[r >> 3] >> (r & 7) & 1))
                                        continue;
                                switch (c->dtype) {
                                case PAR_DTYPE_INT64:
                                        p += par__format_int64(((const int64_t *)c->data)[r], p);
                                        break;
                                case PAR_DTYPE_FLOAT64: {
                                        double x = ((const double *)c->data)[r];
                                        if (x == x)
                                                p += par__format_double(x, p);
                                        break;
                                }
                                case PAR_DTYPE_BOOL:
                                        if (((const uint8_t *)c->data)[r]) {
                                                memcpy(p, "True", 4);
                                                p += 4;
                                        } else {
                                                memcpy(p, "False", 5);
                                                p += 5;
                                        }
                                        break;
                                default: {
                                        const char *s = (const char *)c->data + c->offs[r];
                                        p = put_string(p, s,
                                                       (size_t)(c->offs[r + 1] - c->offs[r]),
                                                       quote, special);
                                        break;
                                }
                                }
                        }
                        if (nf == 1 && p == row) {
                                *p++ = quote;
                                *p++ = quote;
                        }
                        *p++ = '\n';
                }
                *len = (size_t)(p - *buf);
        }
        par__free(cols);
        return 0;
nomem:
        par__free(cols);
        return PAR__ENOMEM(err, "writing CSV");
}
