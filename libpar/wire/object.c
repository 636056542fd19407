/* The object values on the wire: columns (Arrow layout), tables of named
 * columns, ndarray chunks and TSQR's factors. Numeric buffers are copied with one memcpy
 * each way: moving partitions between ranks runs at memory speed. */
#include <inttypes.h>

#include "array/internal.h"
#include "value/column.h"
#include "wire/internal.h"

/* ---- encoding ------------------------------------------------------------------ */

static size_t elem_size(par_dtype t)
{
        return t == PAR_DTYPE_BOOL ? 1 : 8;
}

static bool bit(const uint8_t *bits, int64_t i)
{
        return bits[i >> 3] >> (i & 7) & 1;
}

/* Nulls among bits [start, start + n) of a validity bitmap. */
static int64_t count_nulls(const uint8_t *bits, int64_t start, int64_t n)
{
        int64_t valid = 0, i = 0;
        if (!bits)
                return 0;
        for (; i < n && ((start + i) & 7); i++)
                valid += bit(bits, start + i);
        for (; i + 8 <= n; i += 8)
                valid += __builtin_popcount(bits[(start + i) >> 3]);
        for (; i < n; i++)
                valid += bit(bits, start + i);
        return n - valid;
}

/* Writes bits [start, start + n) as a bitmap of its own, padding zero. */
static int put_validity(par__wbuf *b, const uint8_t *bits, int64_t start,
                        int64_t n, par_error *err)
{
        size_t nb = (size_t)(n + 7) / 8;
        int rc = par__wbuf_reserve(b, nb, err);
        if (rc < 0)
                return rc;
        uint8_t *d = b->data + b->len;
        if (!(start & 7)) {
                memcpy(d, bits + (start >> 3), nb);
        } else {
                memset(d, 0, nb);
                for (int64_t i = 0; i < n; i++)
                        d[i >> 3] |= (uint8_t)(bit(bits, start + i) << (i & 7));
        }
        if (n & 7)
                d[nb - 1] &= (uint8_t)((1u << (n & 7)) - 1);
        b->len += nb;
        return 0;
}

/* Offsets o[0..n] rebased to start at 0. */
static int put_offsets(par__wbuf *b, const int64_t *o, int64_t n,
                       par_error *err)
{
        size_t nb = ((size_t)n + 1) * 8;
        if (o[0] == 0)
                return par__wput_big(b, o, nb, err);
        int rc = par__wbuf_reserve(b, nb, err);
        if (rc < 0)
                return rc;
        for (int64_t i = 0; i <= n; i++) {
                int64_t x = o[i] - o[0];
                memcpy(b->data + b->len + (size_t)i * 8, &x, 8);
        }
        b->len += nb;
        return 0;
}

/* Elements [start, start + n) of column c as a tagged column. */
static int put_column(par__wbuf *b, const par__column *c, int64_t start,
                      int64_t n, int depth, par_error *err)
{
        if (depth > PAR__WIRE_MAX_DEPTH)
                return par__errorf(err, PAR_ERANGE,
                                   "wire: list columns nest deeper than %d "
                                   "levels", PAR__WIRE_MAX_DEPTH);
        if (c->dtype < PAR_DTYPE_INT64 || c->dtype > PAR_DTYPE_LIST)
                return par__errorf(err, PAR_ENOTSUP, "wire: cannot encode a "
                                   "column of dtype %d", (int)c->dtype);
        bool nulls = count_nulls(c->validity, start, n) > 0;
        int rc = par__wbuf_reserve(b, 11, err);
        if (rc < 0)
                return rc;
        par__wput_u8(b, PAR__WTAG_COLUMN, err);
        par__wput_u8(b, (uint8_t)c->dtype, err);
        par__wput_u8(b, nulls, err);
        par__wput_u64(b, (uint64_t)n, err);
        if (nulls && (rc = put_validity(b, c->validity, start, n, err)) < 0)
                return rc;
        switch (c->dtype) {
        case PAR_DTYPE_INT64:
        case PAR_DTYPE_FLOAT64:
                return par__wput_big(b, (const char *)c->data + start * 8,
                                     (size_t)n * 8, err);
        case PAR_DTYPE_BOOL: {
                if ((rc = par__wbuf_reserve(b, (size_t)n, err)) < 0)
                        return rc;
                const uint8_t *s = (const uint8_t *)c->data + start;
                for (int64_t i = 0; i < n; i++)
                        b->data[b->len + (size_t)i] = s[i] != 0;
                b->len += (size_t)n;
                return 0;
        }
        case PAR_DTYPE_STRING: {
                const int64_t *o = c->offsets + start;
                if ((rc = put_offsets(b, o, n, err)) < 0)
                        return rc;
                return par__wput_big(b, (const char *)c->data + o[0],
                                     (size_t)(o[n] - o[0]), err);
        }
        default: { /* list */
                const int64_t *o = c->offsets + start;
                const par__column *child = par__column_of(c->child);
                if (!child)
                        return par__errorf(err, PAR_EINVAL, "wire: a list "
                                           "column without its child column");
                if ((rc = put_offsets(b, o, n, err)) < 0)
                        return rc;
                return put_column(b, child, o[0], o[n] - o[0], depth + 1, err);
        }
        }
}

static int put_bytes(par__wbuf *b, const char *s, par_error *err)
{
        size_t len = strlen(s);
        int rc = par__wput_u64(b, len, err);
        return rc ? rc : par__wbuf_put(b, s, len, err);
}

static int put_table(par__wbuf *b, const par__table *t, int depth,
                     par_error *err)
{
        int rc = par__wput_u8(b, PAR__WTAG_TABLE, err);
        if (rc == 0)
                rc = par__wput_u64(b, t->ncols, err);
        if (rc == 0)
                rc = par__wput_u64(b, (uint64_t)t->length, err);
        for (size_t i = 0; i < t->ncols && rc == 0; i++) {
                const par__column *c = par__column_of(t->cols[i]);
                rc = put_bytes(b, t->names[i], err);
                if (rc == 0)
                        rc = put_column(b, c, 0, c->length, depth + 1, err);
        }
        return rc;
}

/* The dtype of an ndarray in the high four bits of its ndim byte: 0 is
 * float64, so float64 chunks encode as they always have. */
static int nd_code(par_dtype t)
{
        switch (t) {
        case PAR_DTYPE_FLOAT64: return 0;
        case PAR_DTYPE_FLOAT32: return 1;
        case PAR_DTYPE_INT64: return 2;
        case PAR_DTYPE_BOOL: return 3;
        default: return -1;
        }
}

static const par_dtype nd_dtypes[4] = {PAR_DTYPE_FLOAT64, PAR_DTYPE_FLOAT32,
                                       PAR_DTYPE_INT64, PAR_DTYPE_BOOL};

static int put_ndarray(par__wbuf *b, const par_value *v, par_error *err)
{
        int ndim = par_ndarray_ndim(v);
        int64_t rows = par_ndarray_rows(v), cols = par_ndarray_cols(v);
        int64_t rs = par_ndarray_row_stride(v), cs = par_ndarray_col_stride(v);
        const uint8_t *d = par_ndarray_raw(v);
        par_dtype dt = par_ndarray_dtype(v);
        int code = nd_code(dt);
        if (ndim < 0 || ndim > 2 || rows < 0 || cols < 0 || code < 0 ||
            (ndim < 2 && cols != 1) || (ndim == 0 && rows != 1))
                return par__errorf(err, PAR_EINVAL, "wire: an ndarray of %d "
                                   "dimensions, shape %" PRId64 " x %"
                                   PRId64 " and dtype %s breaks the chunk invariants",
                                   ndim, rows, cols, par_dtype_name(dt));
        size_t es = par__dtype_size(dt);
        size_t n = (size_t)rows * (size_t)cols;
        int rc = par__wbuf_reserve(b, 18, err);
        if (rc < 0)
                return rc;
        par__wput_u8(b, PAR__WTAG_NDARRAY, err);
        par__wput_u8(b, (uint8_t)(ndim | code << 4), err);
        par__wput_u64(b, (uint64_t)rows, err);
        par__wput_u64(b, (uint64_t)cols, err);
        if (rs == 1 && (cs == rows || cols <= 1))
                return par__wput_big(b, d, n * es, err);
        /* A strided view: gather it into column-major order. */
        if ((rc = par__wbuf_reserve(b, n * es, err)) < 0)
                return rc;
        for (int64_t j = 0; j < cols; j++) {
                const uint8_t *c = d + (ptrdiff_t)(j * cs) * (ptrdiff_t)es;
                uint8_t *o = b->data + b->len + (size_t)(j * rows) * es;
                if (rs == 1)
                        memcpy(o, c, (size_t)rows * es);
                else
                        for (int64_t i = 0; i < rows; i++)
                                memcpy(o + (size_t)i * es, c + (ptrdiff_t)(i * rs) * (ptrdiff_t)es,
                                       es);
        }
        b->len += n * es;
        return 0;
}

/* u64 rows, u64 k, u64 nchild, i64 off[nchild + 1], f64 tau[m],
 * f64 a[rows * k] (column-major, as the factor holds it). */
static int put_qr_factor(par__wbuf *b, const par__qr_factor *f, par_error *err)
{
        int rc = par__wbuf_reserve(b, 25, err);
        if (rc < 0)
                return rc;
        par__wput_u8(b, PAR__WTAG_QR_FACTOR, err);
        par__wput_u64(b, (uint64_t)f->rows, err);
        par__wput_u64(b, (uint64_t)f->k, err);
        par__wput_u64(b, (uint64_t)f->nchild, err);
        rc = par__wbuf_put(b, f->off, (size_t)(f->nchild + 1) * 8, err);
        if (rc == 0 && f->m)
                rc = par__wbuf_put(b, f->tau, (size_t)f->m * 8, err);
        if (rc == 0 && f->rows && f->k)
                rc = par__wput_big(b, f->a, (size_t)f->rows * (size_t)f->k * 8, err);
        return rc;
}

int par__wire_put_object(par__wbuf *b, const par_value *v, int depth,
                         par_error *err)
{
        const par__column *c = par__column_of(v);
        if (c)
                return put_column(b, c, 0, c->length, depth, err);
        const par__table *t = par__table_of(v);
        if (t)
                return put_table(b, t, depth, err);
        if (par_value_is_ndarray(v))
                return put_ndarray(b, v, err);
        const par__qr_factor *f = par__qr_factor_of(v);
        if (f)
                return put_qr_factor(b, f, err);
        const par_object_type *type = par_value_object_type(v);
        return par__errorf(err, PAR_ENOTSUP,
                           "wire: cannot encode an object of type '%s' "
                           "(the wire carries par.column, par.table, "
                           "par.ndarray and par.linalg.qr_factor objects)",
                           type && type->name ? type->name : "(unnamed)");
}

/* ---- decoding ------------------------------------------------------------------ */

static int64_t load_i64(const uint8_t *p)
{
        int64_t x;
        memcpy(&x, p, 8);
        return x;
}

/* Checks offsets o[0..n] (raw bytes): 0 first, never decreasing, the last
 * at most `limit`. */
static int check_offsets(par__wreader *r, size_t at, const uint8_t *o,
                         size_t n, uint64_t limit)
{
        int64_t prev = load_i64(o);
        if (prev != 0)
                return par__wire_fail(r, at, "expected the first offset to be "
                                      "0, found %" PRId64, prev);
        for (size_t i = 1; i <= n; i++) {
                int64_t x = load_i64(o + i * 8);
                if (x < prev)
                        return par__wire_fail(r, at + i * 8, "expected offset "
                                              "%zu to be at least %" PRId64
                                              ", found %" PRId64, i, prev, x);
                prev = x;
        }
        if ((uint64_t)prev > limit)
                return par__wire_fail(r, at + n * 8, "the last offset is %"
                                      PRId64 " but only %" PRIu64 " bytes "
                                      "follow", prev, limit);
        return 0;
}

static int get_column_body(par__wreader *r, int depth, par_value **out);

/* The values of a column of `n` elements of dtype t, into a new column. */
static int get_column_data(par__wreader *r, par_dtype t, size_t n, int depth,
                           par__column **out)
{
        const uint8_t *p, *o = NULL;
        size_t at = r->pos;
        int rc;
        if (t == PAR_DTYPE_INT64 || t == PAR_DTYPE_FLOAT64 ||
            t == PAR_DTYPE_BOOL) {
                if ((rc = par__wget_bytes(r, n * elem_size(t), &p,
                                          "column values")) < 0)
                        return rc;
                for (size_t i = 0; t == PAR_DTYPE_BOOL && i < n; i++)
                        if (p[i] > 1)
                                return par__wire_fail(r, at + i, "expected a "
                                                      "bool (0 or 1), found "
                                                      "%u", p[i]);
                *out = par__column_alloc(t, (int64_t)n, 0);
                if (!*out)
                        return PAR__ENOMEM(r->err, "decoding a column");
                if (n)
                        memcpy((*out)->data, p, n * elem_size(t));
                return 0;
        }
        if ((rc = par__wget_bytes(r, (n + 1) * 8, &o, "column offsets")) < 0 ||
            (rc = check_offsets(r, at, o, n, par__wleft(r))) < 0)
                return rc;
        size_t last = (size_t)load_i64(o + n * 8);
        par_value *child = NULL;
        if (t == PAR_DTYPE_STRING) {
                if ((rc = par__wget_bytes(r, last, &p, "string bytes")) < 0)
                        return rc;
        } else {
                size_t cat = r->pos;
                if ((rc = get_column_body(r, depth + 1, &child)) < 0)
                        return rc;
                int64_t clen = par_column_length(child);
                if ((uint64_t)clen != last) {
                        par_value_release(child);
                        return par__wire_fail(r, cat, "expected a child column "
                                              "of %zu elements (the last "
                                              "offset), found %" PRId64,
                                              last, clen);
                }
        }
        *out = par__column_alloc(t, (int64_t)n, last);
        if (!*out) {
                par_value_release(child);
                return PAR__ENOMEM(r->err, "decoding a column");
        }
        memcpy((*out)->offsets, o, (n + 1) * 8);
        if (t == PAR_DTYPE_STRING && last)
                memcpy((*out)->data, p, last);
        (*out)->child = child;
        return 0;
}

/* Reads a column (tag included), checking the tag is a column's. */
static int get_column_body(par__wreader *r, int depth, par_value **out)
{
        size_t at = r->pos;
        uint8_t tag, dtype, flags;
        const uint8_t *bits = NULL;
        size_t n;
        int rc;
        *out = NULL;
        if (depth > PAR__WIRE_MAX_DEPTH)
                return par__wire_fail(r, at, "list columns nest deeper than "
                                      "%d levels", PAR__WIRE_MAX_DEPTH);
        if ((rc = par__wget_u8(r, &tag, "a column tag")) < 0)
                return rc;
        if (tag != PAR__WTAG_COLUMN)
                return par__wire_fail(r, at, "expected a column (tag %d), "
                                      "found tag %u", PAR__WTAG_COLUMN, tag);
        if ((rc = par__wget_u8(r, &dtype, "a column dtype")) < 0)
                return rc;
        if (dtype < PAR_DTYPE_INT64 || dtype > PAR_DTYPE_LIST)
                return par__wire_fail(r, at + 1, "expected a column dtype of "
                                      "1 to 5, found %u", dtype);
        if ((rc = par__wget_u8(r, &flags, "column flags")) < 0)
                return rc;
        if (flags > 1)
                return par__wire_fail(r, at + 2, "expected column flags 0 or "
                                      "1, found %u", flags);
        size_t min = dtype == PAR_DTYPE_BOOL ? 1 : 8;
        if ((rc = par__wget_count(r, min, &n, "the length of a column")) < 0)
                return rc;
        if (flags && (rc = par__wget_bytes(r, (n + 7) / 8, &bits,
                                           "a validity bitmap")) < 0)
                return rc;
        par__column *c = NULL;
        if ((rc = get_column_data(r, (par_dtype)dtype, n, depth, &c)) < 0)
                return rc;
        int64_t nulls = count_nulls(bits, 0, (int64_t)n);
        if (nulls) {
                if (par__column_add_validity(c) < 0) {
                        par__column_discard(c);
                        return PAR__ENOMEM(r->err, "decoding a column");
                }
                memcpy(c->validity, bits, (n + 7) / 8);
                if (n & 7)
                        c->validity[n / 8] &= (uint8_t)((1u << (n & 7)) - 1);
                c->null_count = nulls;
        }
        *out = par__column_finish(c);
        return *out ? 0 : PAR__ENOMEM(r->err, "decoding a column");
}

static void free_names(char **names, par_value **cols, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                par__free(names[i]);
                par_value_release(cols[i]);
        }
        par__free(names);
        par__free(cols);
}

static int get_table(par__wreader *r, size_t at, int depth, par_value **out)
{
        size_t ncols, k = 0;
        uint64_t len;
        int rc;
        /* A column takes a name length and a column header: 19 bytes. */
        if ((rc = par__wget_count(r, 19, &ncols, "the column count of a "
                                  "table")) < 0)
                return rc;
        size_t lat = r->pos;
        if ((rc = par__wget_u64(r, &len, "the length of a table")) < 0)
                return rc;
        if (ncols == 0 && len != 0)
                return par__wire_fail(r, lat, "expected length 0 for a table "
                                      "without columns, found %" PRIu64, len);
        char **names = par__calloc(ncols ? ncols : 1, sizeof *names);
        par_value **cols = par__calloc(ncols ? ncols : 1, sizeof *cols);
        if (!names || !cols) {
                par__free(names);
                par__free(cols);
                return PAR__ENOMEM(r->err, "decoding a table");
        }
        for (; k < ncols; k++) {
                size_t nlen, nat = r->pos + 8;
                const uint8_t *s;
                if ((rc = par__wget_count(r, 1, &nlen, "the length of a "
                                          "column name")) < 0 ||
                    (rc = par__wget_bytes(r, nlen, &s, "a column name")) < 0)
                        break;
                if (memchr(s, '\0', nlen)) {
                        rc = par__wire_fail(r, nat, "expected a column name "
                                            "without NUL bytes");
                        break;
                }
                names[k] = par__strndup((const char *)s, nlen);
                if (!names[k]) {
                        rc = PAR__ENOMEM(r->err, "decoding a table");
                        break;
                }
                size_t cat = r->pos;
                if ((rc = get_column_body(r, depth + 1, &cols[k])) < 0)
                        break;
                if ((uint64_t)par_column_length(cols[k]) != len) {
                        rc = par__wire_fail(r, cat, "expected column '%s' to "
                                            "have the table's %" PRIu64
                                            " rows, found %" PRId64, names[k],
                                            len, par_column_length(cols[k]));
                        break;
                }
        }
        if (rc == 0) {
                *out = par_table_new(ncols, (const char *const *)names, cols);
                if (!*out)
                        rc = PAR__ENOMEM(r->err, "decoding a table");
        }
        free_names(names, cols, k < ncols ? k + 1 : ncols);
        (void)at;
        return rc;
}

static int get_ndarray(par__wreader *r, par_value **out)
{
        uint8_t ndim;
        int64_t rows, cols;
        const uint8_t *p;
        size_t at = r->pos;
        int rc;
        if ((rc = par__wget_u8(r, &ndim, "the ndarray's dimensions")) < 0 ||
            (rc = par__wget_i64(r, &rows, "the ndarray's rows")) < 0 ||
            (rc = par__wget_i64(r, &cols, "the ndarray's columns")) < 0)
                return rc;
        unsigned code = ndim >> 4;
        ndim &= 0x0f;
        if (code >= sizeof nd_dtypes / sizeof nd_dtypes[0])
                return par__wire_fail(r, at, "expected an ndarray dtype code (0 "
                                      "float64, 1 float32, 2 int64, 3 bool), found %u",
                                      code);
        par_dtype dt = nd_dtypes[code];
        size_t es = par__dtype_size(dt);
        if (ndim > 2 || rows < 0 || cols < 0 || (ndim < 2 && cols != 1) ||
            (ndim == 0 && rows != 1))
                return par__wire_fail(r, at, "expected an ndarray shape (0-D: "
                                      "1 x 1, 1-D: n x 1, 2-D: n x m), found "
                                      "%u dimensions, %" PRId64 " x %" PRId64,
                                      ndim, rows, cols);
        size_t left = par__wleft(r) / es;
        if (cols && (uint64_t)rows > left / (uint64_t)cols)
                return par__wire_fail(r, at + 1, "an ndarray of %" PRId64
                                      " x %" PRId64 " %s needs more than "
                                      "the %zu bytes that follow", rows, cols,
                                      par_dtype_name(dt), par__wleft(r));
        size_t n = (size_t)rows * (size_t)cols;
        if ((rc = par__wget_bytes(r, n * es, &p, "ndarray values")) < 0)
                return rc;
        for (size_t i = 0; dt == PAR_DTYPE_BOOL && i < n; i++)
                if (p[i] > 1)
                        return par__wire_fail(r, r->pos - n + i,
                                              "bool ndarray element %zu is %u; "
                                              "expected 0 or 1",
                                              i, p[i]);
        par__nd *nd = par__nd_alloc_t(ndim, rows, cols, dt);
        if (!nd)
                return PAR__ENOMEM(r->err, "decoding an ndarray");
        if (n)
                memcpy(nd->ptr, p, n * es);
        *out = par__nd_finish(nd);
        return *out ? 0 : PAR__ENOMEM(r->err, "decoding an ndarray");
}

/* A TSQR factor: the sizes checked against what follows before anything
 * is allocated, the offsets checked as the tree makes them (0 first, never
 * decreasing, the last = rows for a node; just 0 for a chunk). */
static int get_qr_factor(par__wreader *r, par_value **out)
{
        uint64_t rows, k, nchild;
        const uint8_t *po, *pt, *pa;
        size_t at = r->pos;
        int rc;
        if ((rc = par__wget_u64(r, &rows, "the factor's rows")) < 0 ||
            (rc = par__wget_u64(r, &k, "the factor's columns")) < 0)
                return rc;
        size_t left = par__wleft(r) / 8;
        uint64_t m = rows < k ? rows : k;
        if (rows > INT32_MAX || k > INT32_MAX || (k && rows > left / k) ||
            rows * k + m > left)
                return par__wire_fail(r, at, "a factor of %" PRIu64 " x %"
                                      PRIu64 " doubles needs more than the "
                                      "%zu bytes that follow", rows, k,
                                      par__wleft(r));
        size_t oat = r->pos;
        size_t nc;
        if ((rc = par__wget_count(r, 8, &nc, "the factor's child count")) < 0)
                return rc;
        nchild = nc;
        if ((rc = par__wget_bytes(r, (nc + 1) * 8, &po, "the factor's offsets")) < 0)
                return rc;
        int64_t prev = load_i64(po);
        if (prev != 0)
                return par__wire_fail(r, oat + 8, "expected the factor's first "
                                      "offset to be 0, found %" PRId64, prev);
        for (size_t i = 1; i <= nc; i++) {
                int64_t x = load_i64(po + i * 8);
                if (x < prev || (uint64_t)x > rows)
                        return par__wire_fail(r, oat + 8 + i * 8, "expected "
                                              "offset %zu of the factor in [%"
                                              PRId64 ", %" PRIu64 "], found %"
                                              PRId64, i, prev, rows, x);
                prev = x;
        }
        if (nc && (uint64_t)prev != rows)
                return par__wire_fail(r, oat + 8 + nc * 8, "expected the "
                                      "factor's last offset to be its %" PRIu64
                                      " rows, found %" PRId64, rows, prev);
        if ((rc = par__wget_bytes(r, (size_t)m * 8, &pt, "the factor's tau")) < 0 ||
            (rc = par__wget_bytes(r, (size_t)(rows * k) * 8, &pa,
                                  "the factor's values")) < 0)
                return rc;
        par__qr_factor *f = par__qr_factor_alloc((int64_t)rows, (int64_t)k,
                                                 (int64_t)nchild);
        if (!f)
                return PAR__ENOMEM(r->err, "decoding a TSQR factor");
        memcpy(f->off, po, (nc + 1) * 8);
        if (m)
                memcpy(f->tau, pt, (size_t)m * 8);
        if (rows && k)
                memcpy(f->a, pa, (size_t)(rows * k) * 8);
        *out = par__qr_factor_value(f);
        return *out ? 0 : PAR__ENOMEM(r->err, "decoding a TSQR factor");
}

int par__wire_get_object(par__wreader *r, uint8_t tag, size_t at, int depth,
                         par_value **out)
{
        switch (tag) {
        case PAR__WTAG_COLUMN:
                r->pos = at; /* the column reader reads its own tag */
                return get_column_body(r, depth, out);
        case PAR__WTAG_TABLE:
                return get_table(r, at, depth, out);
        case PAR__WTAG_QR_FACTOR:
                return get_qr_factor(r, out);
        default:
                return get_ndarray(r, out);
        }
}
