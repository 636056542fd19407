/* Columns and tables: typed arrays in the Arrow layout, wrapped as
 * par_value objects so they are refcounted and flow through graphs. */
#include <inttypes.h>
#include <stdio.h>

#include "value/column.h"

static void column_free(void *p)
{
        par__column *c = p;
        if (!c)
                return;
        if (c->base) {
                par_value_release(c->base);
        } else {
                par__free(c->data);
                par__free(c->offsets);
        }
        /* Validity is always owned: slices copy their bits. */
        par__free(c->validity);
        par_value_release(c->child);
        par__free(c);
}

static size_t elem_size(par_dtype t)
{
        switch (t) {
        case PAR_DTYPE_INT64:
        case PAR_DTYPE_FLOAT64:
                return 8;
        case PAR_DTYPE_BOOL:
                return 1;
        default:
                return 0;
        }
}

static size_t column_nbytes(const void *p)
{
        const par__column *c = p;
        size_t n = sizeof *c + (c->validity ? (size_t)(c->length + 7) / 8 : 0);
        if (c->base)
                return n;
        n += (size_t)c->length * elem_size(c->dtype) + c->nbytes;
        if (c->offsets)
                n += (size_t)(c->length + 1) * 8;
        if (c->child)
                n += par_value_nbytes(c->child);
        return n;
}

static int column_format(const void *p, char *buf, size_t size)
{
        const par__column *c = p;
        return snprintf(buf, size, "<column %s, %" PRId64 " rows>",
                        par_dtype_name(c->dtype), c->length);
}

const par_object_type par__column_type = {"par.column", column_free,
                                          column_nbytes, column_format};

static void table_free(void *p)
{
        par__table *t = p;
        for (size_t i = 0; i < t->ncols; i++) {
                par__free(t->names[i]);
                par_value_release(t->cols[i]);
        }
        par__free(t->names);
        par__free(t->cols);
        par__free(t);
}

static size_t table_nbytes(const void *p)
{
        const par__table *t = p;
        size_t n = sizeof *t;
        for (size_t i = 0; i < t->ncols; i++)
                n += par_value_nbytes(t->cols[i]);
        return n;
}

static int table_format(const void *p, char *buf, size_t size)
{
        const par__table *t = p;
        return snprintf(buf, size, "<table, %zu columns, %" PRId64 " rows>",
                        t->ncols, t->length);
}

const par_object_type par__table_type = {"par.table", table_free, table_nbytes,
                                         table_format};

const char *par_dtype_name(par_dtype t)
{
        switch (t) {
        case PAR_DTYPE_INT64: return "int64";
        case PAR_DTYPE_FLOAT64: return "float64";
        case PAR_DTYPE_BOOL: return "bool";
        case PAR_DTYPE_STRING: return "string";
        case PAR_DTYPE_LIST: return "list";
        case PAR_DTYPE_FLOAT32: return "float32";
        default: return "none";
        }
}

/* ---- building ---------------------------------------------------------------- */

par__column *par__column_alloc(par_dtype t, int64_t n, size_t nbytes)
{
        if (n < 0 || (uint64_t)n > (SIZE_MAX >> 4))
                return NULL;
        par__column *c = par__calloc(1, sizeof *c);
        if (!c)
                return NULL;
        c->dtype = t;
        c->length = n;
        if (t == PAR_DTYPE_STRING || t == PAR_DTYPE_LIST) {
                c->offsets = par__malloc(((size_t)n + 1) * sizeof *c->offsets);
                if (!c->offsets)
                        goto fail;
                c->offsets[0] = 0;
                if (t == PAR_DTYPE_STRING) {
                        c->data = par__malloc(nbytes ? nbytes : 1);
                        if (!c->data)
                                goto fail;
                        c->nbytes = nbytes;
                }
        } else {
                c->data = par__malloc(n ? (size_t)n * elem_size(t) : 1);
                if (!c->data)
                        goto fail;
        }
        return c;
fail:
        column_free(c);
        return NULL;
}

int par__column_reserve_bytes(par__column *c, size_t nbytes)
{
        if (nbytes <= c->nbytes)
                return 0;
        void *p = par__realloc(c->data, nbytes);
        if (!p)
                return PAR_ENOMEM;
        c->data = p;
        c->nbytes = nbytes;
        return 0;
}

int par__column_add_validity(par__column *c)
{
        if (c->validity)
                return 0;
        size_t nb = (size_t)(c->length + 7) / 8;
        c->validity = par__malloc(nb ? nb : 1);
        if (!c->validity)
                return PAR_ENOMEM;
        memset(c->validity, 0xff, nb);
        return 0;
}

void par__column_set_null(par__column *c, int64_t i)
{
        uint8_t bit = (uint8_t)(1u << (i & 7));
        if (c->validity[i >> 3] & bit) {
                c->validity[i >> 3] &= (uint8_t)~bit;
                c->null_count++;
        }
}

par_value *par__column_finish(par__column *c)
{
        if (!c)
                return NULL;
        par_value *v = par_value_object(&par__column_type, c);
        if (!v)
                column_free(c);
        return v;
}

void par__column_discard(par__column *c)
{
        column_free(c);
}

par_value *par__column_adopt_strings(char *bytes, size_t nbytes,
                                     int64_t *offsets, int64_t n)
{
        par__column *c = par__calloc(1, sizeof *c);
        if (!c) {
                par__free(bytes);
                par__free(offsets);
                return NULL;
        }
        c->dtype = PAR_DTYPE_STRING;
        c->length = n;
        c->data = bytes;
        c->nbytes = nbytes;
        c->offsets = offsets;
        return par__column_finish(c);
}

static int set_validity(par__column *c, const uint8_t *validity)
{
        if (!validity)
                return 0;
        if (par__column_add_validity(c) < 0)
                return PAR_ENOMEM;
        memcpy(c->validity, validity, (size_t)(c->length + 7) / 8);
        int64_t nulls = 0;
        for (int64_t i = 0; i < c->length; i++)
                nulls += !(validity[i >> 3] >> (i & 7) & 1);
        c->null_count = nulls;
        if (!nulls) {
                par__free(c->validity);
                c->validity = NULL;
        }
        return 0;
}

static par_value *from_fixed(par_dtype t, const void *v, int64_t n,
                             const uint8_t *validity)
{
        if (n < 0 || (n && !v))
                return NULL;
        par__column *c = par__column_alloc(t, n, 0);
        if (!c)
                return NULL;
        if (n)
                memcpy(c->data, v, (size_t)n * elem_size(t));
        if (set_validity(c, validity) < 0) {
                column_free(c);
                return NULL;
        }
        return par__column_finish(c);
}

par_value *par_column_from_int64(const int64_t *v, int64_t n,
                                 const uint8_t *validity)
{
        return from_fixed(PAR_DTYPE_INT64, v, n, validity);
}

par_value *par_column_from_float64(const double *v, int64_t n,
                                   const uint8_t *validity)
{
        return from_fixed(PAR_DTYPE_FLOAT64, v, n, validity);
}

/* A column of n values the caller fills in place: the value is made now,
 * and the caller writes through *data before anyone else sees it. */
static par_value *new_fixed(par_dtype t, int64_t n, void **data)
{
        *data = NULL;
        if (n < 0)
                return NULL;
        par__column *c = par__column_alloc(t, n, 0);
        if (!c)
                return NULL;
        par_value *v = par__column_finish(c);
        if (v)
                *data = c->data;
        return v;
}

par_value *par_column_new_int64(int64_t n, int64_t **data)
{
        void *d;
        par_value *v = new_fixed(PAR_DTYPE_INT64, n, &d);
        *data = d;
        return v;
}

par_value *par_column_new_float64(int64_t n, double **data)
{
        void *d;
        par_value *v = new_fixed(PAR_DTYPE_FLOAT64, n, &d);
        *data = d;
        return v;
}

par_value *par_column_from_bool(const bool *v, int64_t n,
                                const uint8_t *validity)
{
        if (n < 0 || (n && !v))
                return NULL;
        par__column *c = par__column_alloc(PAR_DTYPE_BOOL, n, 0);
        if (!c)
                return NULL;
        uint8_t *d = c->data;
        for (int64_t i = 0; i < n; i++)
                d[i] = v[i] ? 1 : 0;
        if (set_validity(c, validity) < 0) {
                column_free(c);
                return NULL;
        }
        return par__column_finish(c);
}

par_value *par_column_from_strings(const char *bytes, const int64_t *offsets,
                                   int64_t n, const uint8_t *validity)
{
        if (n < 0 || !offsets)
                return NULL;
        for (int64_t i = 0; i < n; i++)
                if (offsets[i] < 0 || offsets[i + 1] < offsets[i])
                        return NULL;
        int64_t base = offsets[0];
        size_t nbytes = (size_t)(offsets[n] - base);
        if (nbytes && !bytes)
                return NULL;
        par__column *c = par__column_alloc(PAR_DTYPE_STRING, n, nbytes);
        if (!c)
                return NULL;
        if (nbytes)
                memcpy(c->data, bytes + base, nbytes);
        for (int64_t i = 0; i <= n; i++)
                c->offsets[i] = offsets[i] - base;
        if (set_validity(c, validity) < 0) {
                column_free(c);
                return NULL;
        }
        return par__column_finish(c);
}

par_value *par_column_from_cstrings(const char *const *s, int64_t n)
{
        if (n < 0 || (n && !s))
                return NULL;
        size_t total = 0;
        for (int64_t i = 0; i < n; i++)
                total += s[i] ? strlen(s[i]) : 0;
        par__column *c = par__column_alloc(PAR_DTYPE_STRING, n, total);
        if (!c)
                return NULL;
        size_t at = 0;
        for (int64_t i = 0; i < n; i++) {
                if (!s[i]) {
                        if (par__column_add_validity(c) < 0) {
                                column_free(c);
                                return NULL;
                        }
                        par__column_set_null(c, i);
                } else {
                        size_t len = strlen(s[i]);
                        memcpy((char *)c->data + at, s[i], len);
                        at += len;
                }
                c->offsets[i + 1] = (int64_t)at;
        }
        return par__column_finish(c);
}

par_value *par_table_new(size_t ncols, const char *const *names,
                         par_value *const *columns)
{
        if (ncols && (!names || !columns))
                return NULL;
        int64_t len = ncols ? par_column_length(columns[0]) : 0;
        for (size_t i = 0; i < ncols; i++)
                if (!par_value_is_column(columns[i]) || !names[i] ||
                    par_column_length(columns[i]) != len)
                        return NULL;
        par__table *t = par__calloc(1, sizeof *t);
        if (!t)
                return NULL;
        t->names = par__calloc(ncols ? ncols : 1, sizeof *t->names);
        t->cols = par__calloc(ncols ? ncols : 1, sizeof *t->cols);
        if (!t->names || !t->cols)
                goto fail;
        t->length = len;
        for (size_t i = 0; i < ncols; i++) {
                t->names[i] = par__strdup(names[i]);
                if (!t->names[i])
                        goto fail;
                t->cols[i] = par_value_retain(columns[i]);
                t->ncols = i + 1;
        }
        t->ncols = ncols;
        par_value *v = par_value_object(&par__table_type, t);
        if (v)
                return v;
fail:
        for (size_t i = 0; i < ncols && t->names && t->cols; i++) {
                par__free(t->names[i]);
                par_value_release(t->cols[i]);
        }
        par__free(t->names);
        par__free(t->cols);
        par__free(t);
        return NULL;
}

/* ---- reading ---------------------------------------------------------------- */

const par__column *par__column_of(const par_value *v)
{
        return par_value_object_type(v) == &par__column_type
                       ? par_value_object_payload(v)
                       : NULL;
}

const par__table *par__table_of(const par_value *v)
{
        return par_value_object_type(v) == &par__table_type
                       ? par_value_object_payload(v)
                       : NULL;
}

bool par_value_is_column(const par_value *v)
{
        return par__column_of(v) != NULL;
}

bool par_value_is_table(const par_value *v)
{
        return par__table_of(v) != NULL;
}

par_dtype par_column_dtype(const par_value *col)
{
        const par__column *c = par__column_of(col);
        return c ? c->dtype : PAR_DTYPE_NONE;
}

int64_t par_column_length(const par_value *col)
{
        const par__column *c = par__column_of(col);
        return c ? c->length : 0;
}

int64_t par_column_null_count(const par_value *col)
{
        const par__column *c = par__column_of(col);
        return c ? c->null_count : 0;
}

const uint8_t *par_column_validity(const par_value *col)
{
        const par__column *c = par__column_of(col);
        return c ? c->validity : NULL;
}

bool par_column_is_valid(const par_value *col, int64_t i)
{
        const par__column *c = par__column_of(col);
        if (!c || i < 0 || i >= c->length)
                return false;
        return !c->validity || (c->validity[i >> 3] >> (i & 7) & 1);
}

const int64_t *par_column_int64(const par_value *col)
{
        const par__column *c = par__column_of(col);
        return c && c->dtype == PAR_DTYPE_INT64 ? c->data : NULL;
}

const double *par_column_float64(const par_value *col)
{
        const par__column *c = par__column_of(col);
        return c && c->dtype == PAR_DTYPE_FLOAT64 ? c->data : NULL;
}

const uint8_t *par_column_bool(const par_value *col)
{
        const par__column *c = par__column_of(col);
        return c && c->dtype == PAR_DTYPE_BOOL ? c->data : NULL;
}

const int64_t *par_column_offsets(const par_value *col)
{
        const par__column *c = par__column_of(col);
        return c ? c->offsets : NULL;
}

const char *par_column_bytes(const par_value *col)
{
        const par__column *c = par__column_of(col);
        return c && c->dtype == PAR_DTYPE_STRING ? c->data : NULL;
}

const char *par_column_string(const par_value *col, int64_t i, size_t *len)
{
        const par__column *c = par__column_of(col);
        if (!c || c->dtype != PAR_DTYPE_STRING || i < 0 || i >= c->length)
                return NULL;
        if (len)
                *len = (size_t)(c->offsets[i + 1] - c->offsets[i]);
        return (const char *)c->data + c->offsets[i];
}

par_value *par_column_child(const par_value *col)
{
        const par__column *c = par__column_of(col);
        return c ? c->child : NULL;
}

par_value *par_column_get(const par_value *col, int64_t i)
{
        const par__column *c = par__column_of(col);
        if (!c || i < 0 || i >= c->length)
                return NULL;
        if (!par_column_is_valid(col, i))
                return par_value_null();
        switch (c->dtype) {
        case PAR_DTYPE_INT64:
                return par_value_int64(((const int64_t *)c->data)[i]);
        case PAR_DTYPE_FLOAT64:
                return par_value_float64(((const double *)c->data)[i]);
        case PAR_DTYPE_BOOL:
                return par_value_bool(((const uint8_t *)c->data)[i] != 0);
        case PAR_DTYPE_STRING: {
                size_t len;
                const char *s = par_column_string(col, i, &len);
                return par_value_string(s, len);
        }
        case PAR_DTYPE_LIST: {
                int64_t lo = c->offsets[i], hi = c->offsets[i + 1];
                size_t n = (size_t)(hi - lo);
                par_value **items = par__calloc(n ? n : 1, sizeof *items);
                if (!items)
                        return NULL;
                par_value *out = NULL;
                size_t k = 0;
                for (; k < n; k++) {
                        items[k] = par_column_get(c->child, lo + (int64_t)k);
                        if (!items[k])
                                break;
                }
                if (k == n)
                        out = par_value_list(n, items);
                for (size_t j = 0; j < k; j++)
                        par_value_release(items[j]);
                par__free(items);
                return out;
        }
        default:
                return NULL;
        }
}

size_t par_table_ncols(const par_value *t)
{
        const par__table *tb = par__table_of(t);
        return tb ? tb->ncols : 0;
}

int64_t par_table_length(const par_value *t)
{
        const par__table *tb = par__table_of(t);
        return tb ? tb->length : 0;
}

const char *par_table_name(const par_value *t, size_t i)
{
        const par__table *tb = par__table_of(t);
        return tb && i < tb->ncols ? tb->names[i] : NULL;
}

par_value *par_table_column(const par_value *t, size_t i)
{
        const par__table *tb = par__table_of(t);
        return tb && i < tb->ncols ? tb->cols[i] : NULL;
}

int par_table_find(const par_value *t, const char *name)
{
        const par__table *tb = par__table_of(t);
        for (size_t i = 0; tb && name && i < tb->ncols; i++)
                if (strcmp(tb->names[i], name) == 0)
                        return (int)i;
        return -1;
}

int64_t par__partition_length(const par_value *v)
{
        const par__column *c = par__column_of(v);
        if (c)
                return c->length;
        const par__table *t = par__table_of(v);
        if (t)
                return t->length;
        return (int64_t)par_value_list_size(v);
}

/* ---- slicing, filtering, concatenating ------------------------------------------ */

static int copy_validity_range(par__column *dst, const par__column *src,
                               int64_t start, int64_t n)
{
        if (!src->validity)
                return 0;
        if (par__column_add_validity(dst) < 0)
                return PAR_ENOMEM;
        for (int64_t i = 0; i < n; i++) {
                int64_t j = start + i;
                if (!(src->validity[j >> 3] >> (j & 7) & 1))
                        par__column_set_null(dst, i);
        }
        return 0;
}

par_value *par__column_slice(par_value *col, int64_t start, int64_t n)
{
        const par__column *s = par__column_of(col);
        if (!s || start < 0 || n < 0 || start + n > s->length)
                return NULL;
        par__column *c = par__calloc(1, sizeof *c);
        if (!c)
                return NULL;
        c->dtype = s->dtype;
        c->length = n;
        c->base = par_value_retain(col);
        size_t es = elem_size(s->dtype);
        if (s->offsets) {
                c->offsets = s->offsets + start;
                c->data = s->data;
                c->nbytes = s->nbytes;
        } else {
                c->data = (char *)s->data + (size_t)start * es;
        }
        if (s->child)
                c->child = par_value_retain(s->child);
        if (copy_validity_range(c, s, start, n) < 0) {
                column_free(c);
                return NULL;
        }
        return par__column_finish(c);
}

par_value *par__column_filter(const par_value *col, const uint8_t *sel,
                              int64_t nsel)
{
        const par__column *s = par__column_of(col);
        if (!s || s->dtype == PAR_DTYPE_LIST)
                return NULL;
        size_t nbytes = 0;
        if (s->dtype == PAR_DTYPE_STRING)
                for (int64_t i = 0; i < s->length; i++)
                        if (sel[i])
                                nbytes += (size_t)(s->offsets[i + 1] -
                                                   s->offsets[i]);
        par__column *c = par__column_alloc(s->dtype, nsel, nbytes);
        if (!c)
                return NULL;
        if (s->validity && par__column_add_validity(c) < 0) {
                column_free(c);
                return NULL;
        }
        size_t es = elem_size(s->dtype), at = 0;
        int64_t k = 0;
        for (int64_t i = 0; i < s->length && k < nsel; i++) {
                if (!sel[i])
                        continue;
                if (s->dtype == PAR_DTYPE_STRING) {
                        size_t len = (size_t)(s->offsets[i + 1] - s->offsets[i]);
                        memcpy((char *)c->data + at,
                               (const char *)s->data + s->offsets[i], len);
                        at += len;
                        c->offsets[k + 1] = (int64_t)at;
                } else {
                        memcpy((char *)c->data + (size_t)k * es,
                               (const char *)s->data + (size_t)i * es, es);
                }
                if (s->validity && !(s->validity[i >> 3] >> (i & 7) & 1))
                        par__column_set_null(c, k);
                k++;
        }
        return par__column_finish(c);
}

par_value *par__column_concat(size_t n, par_value *const *cols)
{
        if (!n)
                return NULL;
        const par__column *first = par__column_of(cols[0]);
        if (!first || first->dtype == PAR_DTYPE_LIST)
                return NULL;
        int64_t len = 0;
        size_t nbytes = 0;
        bool nulls = false;
        for (size_t i = 0; i < n; i++) {
                const par__column *s = par__column_of(cols[i]);
                if (!s || s->dtype != first->dtype)
                        return NULL;
                len += s->length;
                nulls |= s->validity != NULL;
                if (s->offsets)
                        nbytes += (size_t)(s->offsets[s->length] - s->offsets[0]);
        }
        par__column *c = par__column_alloc(first->dtype, len, nbytes);
        if (!c || (nulls && par__column_add_validity(c) < 0)) {
                column_free(c);
                return NULL;
        }
        size_t es = elem_size(first->dtype), at = 0;
        int64_t k = 0;
        for (size_t i = 0; i < n; i++) {
                const par__column *s = par__column_of(cols[i]);
                if (s->dtype == PAR_DTYPE_STRING) {
                        size_t b = (size_t)(s->offsets[s->length] - s->offsets[0]);
                        memcpy((char *)c->data + at,
                               (const char *)s->data + s->offsets[0], b);
                        for (int64_t j = 0; j < s->length; j++)
                                c->offsets[k + j + 1] =
                                        (int64_t)at + s->offsets[j + 1] -
                                        s->offsets[0];
                        at += b;
                } else if (s->length) {
                        memcpy((char *)c->data + (size_t)k * es, s->data,
                               (size_t)s->length * es);
                }
                if (s->validity)
                        for (int64_t j = 0; j < s->length; j++)
                                if (!(s->validity[j >> 3] >> (j & 7) & 1))
                                        par__column_set_null(c, k + j);
                k += s->length;
        }
        return par__column_finish(c);
}

par_value *par__table_with(const par_value *like, par_value *const *cols)
{
        const par__table *t = par__table_of(like);
        if (!t)
                return NULL;
        return par_table_new(t->ncols, (const char *const *)t->names, cols);
}
