/* The wire format: every value kind and object type survives a round trip
 * (checked element by element against the par accessors, doubles by their
 * bits); graphs built by bags, frames and arrays compute the same results
 * after a round trip as before, and the results equal sums computed here
 * in plain C; every truncation and random corruption of valid messages
 * fails cleanly; unknown versions, kinds, tags and ops are rejected with
 * messages that say so; running out of memory anywhere leaks nothing. */
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>

#include "array/internal.h"
#include "check.h"
#include "par.h"
#include "value/column.h"
#include "wire/wire.h"

/* ---- independent comparisons --------------------------------------------------- */

static bool same_bits(double a, double b)
{
        return memcmp(&a, &b, sizeof a) == 0;
}

static bool value_equiv(const par_value *a, const par_value *b);

static bool column_equiv(const par_value *a, const par_value *b)
{
        if (!par_value_is_column(a) || !par_value_is_column(b))
                return false;
        if (par_column_dtype(a) != par_column_dtype(b) ||
            par_column_length(a) != par_column_length(b) ||
            par_column_null_count(a) != par_column_null_count(b) ||
            (par_column_null_count(b) == 0) != (par_column_validity(b) == NULL))
                return false;
        for (int64_t i = 0; i < par_column_length(a); i++) {
                if (par_column_is_valid(a, i) != par_column_is_valid(b, i))
                        return false;
                par_value *x = par_column_get(a, i), *y = par_column_get(b, i);
                bool ok = x && y && value_equiv(x, y);
                par_value_release(x);
                par_value_release(y);
                if (!ok)
                        return false;
        }
        return true;
}

static bool table_equiv(const par_value *a, const par_value *b)
{
        if (par_table_ncols(a) != par_table_ncols(b) ||
            par_table_length(a) != par_table_length(b))
                return false;
        for (size_t i = 0; i < par_table_ncols(a); i++)
                if (strcmp(par_table_name(a, i), par_table_name(b, i)) != 0 ||
                    !column_equiv(par_table_column(a, i),
                                  par_table_column(b, i)))
                        return false;
        return true;
}

static bool ndarray_equiv(const par_value *a, const par_value *b)
{
        if (par_ndarray_ndim(a) != par_ndarray_ndim(b) ||
            par_ndarray_dtype(a) != par_ndarray_dtype(b) ||
            par_ndarray_rows(a) != par_ndarray_rows(b) ||
            par_ndarray_cols(a) != par_ndarray_cols(b))
                return false;
        if (par_ndarray_dtype(a) == PAR_DTYPE_FLOAT64) {
                for (int64_t i = 0; i < par_ndarray_rows(a); i++)
                        for (int64_t j = 0; j < par_ndarray_cols(a); j++)
                                if (!same_bits(par_ndarray_get(a, i, j),
                                               par_ndarray_get(b, i, j)))
                                        return false;
                return true;
        }
        /* Other dtypes: the elements' bytes, in one order. */
        size_t n = (size_t)(par_ndarray_rows(a) * par_ndarray_cols(a)) * 8 + 8;
        uint8_t *x = calloc(1, n), *y = calloc(1, n);
        bool eq = x && y && par_ndarray_copy_raw(a, PAR_COL_MAJOR, x, NULL) == 0 &&
                  par_ndarray_copy_raw(b, PAR_COL_MAJOR, y, NULL) == 0 &&
                  memcmp(x, y, n) == 0;
        free(x);
        free(y);
        return eq;
}

static bool qr_equiv(const par__qr_factor *a, const par__qr_factor *b)
{
        if (!b || a->rows != b->rows || a->k != b->k || a->m != b->m ||
            a->nchild != b->nchild)
                return false;
        for (int64_t i = 0; i <= a->nchild; i++)
                if (a->off[i] != b->off[i])
                        return false;
        for (int64_t i = 0; i < a->m; i++)
                if (!same_bits(a->tau[i], b->tau[i]))
                        return false;
        for (int64_t i = 0; i < a->rows * a->k; i++)
                if (!same_bits(a->a[i], b->a[i]))
                        return false;
        return true;
}

static bool value_equiv(const par_value *a, const par_value *b)
{
        if (par_value_type(a) != par_value_type(b))
                return false;
        if (par_value_is_column(a))
                return column_equiv(a, b);
        if (par_value_is_table(a))
                return par_value_is_table(b) && table_equiv(a, b);
        if (par_value_is_ndarray(a))
                return par_value_is_ndarray(b) && ndarray_equiv(a, b);
        if (par__qr_factor_of(a))
                return qr_equiv(par__qr_factor_of(a), par__qr_factor_of(b));
        if (par_value_type(a) == PAR_TYPE_LIST) {
                size_t n = par_value_list_size(a);
                if (n != par_value_list_size(b))
                        return false;
                for (size_t i = 0; i < n; i++)
                        if (!value_equiv(par_value_list_item(a, i),
                                         par_value_list_item(b, i)))
                                return false;
                return true;
        }
        return par_value_equal(a, b);
}

/* ---- helpers -------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
        uint64_t x = rng_state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return rng_state = x;
}

/* Encodes and decodes v; checks the copy is equivalent and that the whole
 * message was consumed. Returns the encoded size. */
static size_t round_trip(const par_value *v, const char *what)
{
        par__wbuf b = {0};
        par_error err = {0};
        par_value *out = NULL;
        size_t used = 0;
        int rc = par__wire_encode_value(&b, v, &err);
        CHECK_MSG(rc == 0, "%s: encode: %s", what, err.message);
        rc = par__wire_decode_value(b.data, b.len, &used, &out, &err);
        CHECK_MSG(rc == 0, "%s: decode: %s", what, err.message);
        CHECK_MSG(used == b.len, "%s: used %zu of %zu", what, used, b.len);
        CHECK_MSG(out && value_equiv(v, out), "%s: not equal after a round trip",
                  what);
        size_t n = b.len;
        par_value_release(out);
        par__wbuf_free(&b);
        return n;
}

static const double specials[] = {0.0, -0.0, 1.5, -2.25e300, 4.9e-324,
                                  INFINITY, -INFINITY};

static double nan_with_payload(uint64_t payload)
{
        uint64_t bits = UINT64_C(0x7ff0000000000000) | (payload & 0xfffffffffffffu);
        if (!(bits & 0xfffffffffffffu))
                bits |= 1;
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
}

/* A list column: rows of int64 items, some rows null. */
static par_value *make_list_column(int64_t n)
{
        int64_t total = 0;
        for (int64_t i = 0; i < n; i++)
                total += i % 4;
        int64_t *items = malloc((size_t)(total ? total : 1) * sizeof *items);
        uint8_t *valid = calloc((size_t)total / 8 + 1, 1);
        for (int64_t i = 0; i < total; i++) {
                items[i] = i * 7 - 3;
                if (i % 7 != 3)
                        valid[i / 8] |= (uint8_t)(1u << (i % 8));
        }
        /* Null items too, so a sliced list's child range starts at any
         * bit of the child's validity bitmap. */
        par_value *child = par_column_from_int64(items, total, valid);
        free(items);
        free(valid);
        par__column *c = par__column_alloc(PAR_DTYPE_LIST, n, 0);
        c->child = child;
        int64_t at = 0;
        par__column_add_validity(c);
        for (int64_t i = 0; i < n; i++) {
                at += i % 4;
                c->offsets[i + 1] = at;
                if (i % 5 == 2)
                        par__column_set_null(c, i);
        }
        return par__column_finish(c);
}

/* A table of every column dtype, n rows, with nulls in each column. */
static par_value *make_table(int64_t n)
{
        int64_t *iv = calloc((size_t)n + 1, sizeof *iv);
        double *fv = calloc((size_t)n + 1, sizeof *fv);
        bool *bv = calloc((size_t)n + 1, sizeof *bv);
        const char **sv = calloc((size_t)n + 1, sizeof *sv);
        uint8_t *valid = calloc((size_t)(n + 8) / 8, 1);
        static const char *words[] = {"", "a", "bé", "in the beginning", "x\ty"};
        for (int64_t i = 0; i < n; i++) {
                iv[i] = (int64_t)(rnd() >> 1) * (i % 2 ? -1 : 1);
                fv[i] = i % 9 == 8 ? nan_with_payload(rnd())
                                   : specials[i % 7] * (double)(i + 1);
                bv[i] = rnd() & 1;
                sv[i] = i % 6 == 5 ? NULL : words[i % 5];
                if (i % 3)
                        valid[i / 8] |= (uint8_t)(1u << (i % 8));
        }
        par_value *cols[5] = {
                par_column_from_int64(iv, n, valid),
                par_column_from_float64(fv, n, valid),
                par_column_from_bool(bv, n, valid),
                par_column_from_cstrings(sv, n),
                make_list_column(n),
        };
        const char *names[5] = {"id", "x", "flag", "text", "items"};
        par_value *t = par_table_new(5, names, cols);
        for (int i = 0; i < 5; i++)
                par_value_release(cols[i]);
        free(iv);
        free(fv);
        free(bv);
        free(sv);
        free(valid);
        return t;
}

/* ---- values -------------------------------------------------------------------------- */

static void test_scalars(void)
{
        par_value *vs[32];
        size_t n = 0;
        vs[n++] = par_value_null();
        vs[n++] = par_value_bool(true);
        vs[n++] = par_value_bool(false);
        vs[n++] = par_value_int64(0);
        vs[n++] = par_value_int64(INT64_MIN);
        vs[n++] = par_value_int64(INT64_MAX);
        for (size_t i = 0; i < sizeof specials / sizeof *specials; i++)
                vs[n++] = par_value_float64(specials[i]);
        vs[n++] = par_value_float64(nan_with_payload(0x123456789));
        vs[n++] = par_value_float64(-nan_with_payload(1));
        vs[n++] = par_value_string("", 0);
        vs[n++] = par_value_string("nul\0inside", 10);
        vs[n++] = par_value_cstring("in the beginning God created");
        vs[n++] = par_value_blob("\x00\xff\x80", 3);
        vs[n++] = par_value_blob(NULL, 0);
        vs[n++] = par_value_list(0, NULL);
        par_value *all = par_value_list(n, vs); /* everything so far */
        vs[n++] = all;
        par_value *two[2] = {vs[n - 1], vs[n - 2]};
        vs[n++] = par_value_list(2, two);
        for (size_t i = 0; i < n; i++) {
                char what[64];
                snprintf(what, sizeof what, "scalar %zu", i);
                round_trip(vs[i], what);
        }
        /* A NaN's payload and the sign of zero survive (par_value_equal
         * compares bits, but say it explicitly). */
        par__wbuf b = {0};
        par_value *out = NULL;
        double nz = -0.0;
        par_value *v = par_value_float64(nz);
        CHECK(par__wire_encode_value(&b, v, NULL) == 0);
        CHECK(par__wire_decode_value(b.data, b.len, NULL, &out, NULL) == 0);
        CHECK(out && signbit(par_value_float64_of(out)));
        par_value_release(out);
        par_value_release(v);
        par__wbuf_free(&b);
        for (size_t i = 0; i < n; i++)
                par_value_release(vs[i]);
}

static par_value *nest(int depth)
{
        par_value *v = par_value_int64(depth);
        for (int i = 1; i < depth; i++) {
                par_value *l = par_value_list(1, &v);
                par_value_release(v);
                v = l;
        }
        return v;
}

static void test_depth(void)
{
        par_value *ok = nest(PAR__WIRE_MAX_DEPTH);
        round_trip(ok, "deepest list");
        par_value *deep = nest(PAR__WIRE_MAX_DEPTH + 1);
        par__wbuf b = {0};
        par_error err = {0};
        CHECK(par__wire_encode_value(&b, deep, &err) == PAR_ERANGE);
        CHECK(strstr(err.message, "deeper") != NULL);
        CHECK(b.len == 0);
        par__wbuf_free(&b);
        /* A hostile message a million lists deep fails without recursing
         * that far. */
        size_t depth = 1000000;
        uint8_t *m = malloc(16 + depth * 9 + 9);
        memcpy(m, "PARW\x01\x00\x01\x00", 8);
        uint64_t len = depth * 9 + 9;
        for (int i = 0; i < 8; i++)
                m[8 + i] = (uint8_t)(len >> (8 * i));
        for (size_t i = 0; i < depth; i++) {
                m[16 + i * 9] = 6;
                memcpy(m + 16 + i * 9 + 1, "\x01\0\0\0\0\0\0\0", 8);
        }
        memcpy(m + 16 + depth * 9, "\x02\0\0\0\0\0\0\0\0", 9);
        par_value *out = NULL;
        CHECK(par__wire_decode_value(m, 16 + len, NULL, &out, &err) ==
              PAR_EPARSE);
        CHECK(out == NULL && strstr(err.message, "deeper than 64") != NULL);
        free(m);
        par_value_release(ok);
        par_value_release(deep);
}

static void test_columns(void)
{
        par_value *t = make_table(1000);
        CHECK(t != NULL);
        round_trip(t, "table");
        for (size_t i = 0; i < par_table_ncols(t); i++) {
                par_value *c = par_table_column(t, i);
                round_trip(c, par_table_name(t, i));
                /* Slices at odd starts: offsets are rebased and validity
                 * bits shifted on the way out. */
                int64_t starts[] = {0, 1, 3, 8, 13, 999, 1000};
                for (size_t k = 0; k < sizeof starts / sizeof *starts; k++) {
                        int64_t s = starts[k], len = (1000 - s) / 2 + (s & 1);
                        par_value *sl = par__column_slice(c, s, len);
                        CHECK(sl != NULL);
                        char what[80];
                        snprintf(what, sizeof what, "slice %" PRId64 "+%" PRId64
                                 " of %s", s, len, par_table_name(t, i));
                        round_trip(sl, what);
                        /* A list column's slice of a slice. */
                        if (par_column_dtype(c) == PAR_DTYPE_LIST && len > 2) {
                                par_value *sl2 = par__column_slice(sl, 1, len - 2);
                                round_trip(sl2, "slice of a list slice");
                                par_value_release(sl2);
                        }
                        par_value_release(sl);
                }
        }
        par_value *empty = make_table(0);
        round_trip(empty, "empty table");
        par_value *none = par_table_new(0, NULL, NULL);
        round_trip(none, "table without columns");
        /* A list of columns and tables, as bag partitions travel. */
        par_value *items[3] = {t, par_table_column(t, 3), empty};
        par_value *l = par_value_list(3, items);
        round_trip(l, "list of objects");
        par_value_release(l);
        par_value_release(none);
        par_value_release(empty);
        par_value_release(t);
}

static void test_ndarrays(void)
{
        double d[12];
        for (int i = 0; i < 12; i++)
                d[i] = i == 5 ? nan_with_payload(77) : i * 1.25 - 3;
        par_value *a = par_ndarray_from_buffer(d, 4, 3, PAR_ROW_MAJOR);
        round_trip(a, "2-D ndarray");
        /* A strided view: rows 1..3, columns 2 and 0 (stepping -2). */
        const par__nd *nd = par__nd_of(a);
        par_value *view = par__nd_view(a, 2, 3, 2, nd->data + 1 + 2 * nd->cs,
                                       nd->rs, -2 * nd->cs);
        round_trip(view, "ndarray view");
        par_value *row = par__nd_view(a, 2, 3, 4, nd->data, nd->cs, nd->rs);
        round_trip(row, "transposed view");
        par__nd *v1 = par__nd_alloc(1, 5, 1);
        for (int i = 0; i < 5; i++)
                v1->data[i] = -i;
        par_value *one = par__nd_finish(v1);
        round_trip(one, "1-D ndarray");
        par__nd *v0 = par__nd_alloc(0, 1, 1);
        v0->data[0] = -0.0;
        par_value *zero = par__nd_finish(v0);
        round_trip(zero, "0-D ndarray");
        par_value *empty = par_ndarray_from_buffer(NULL, 0, 3, PAR_COL_MAJOR);
        round_trip(empty, "empty ndarray");
        par_value_release(empty);
        par_value_release(zero);
        par_value_release(one);
        par_value_release(row);
        par_value_release(view);
        par_value_release(a);
}

/* Typed chunks: int64 (its extremes, exact), float32 (a NaN payload, -0),
 * bool; contiguous, strided views, empty. float64 keeps the encoding it
 * had before dtypes (dtype code 0 in the ndim byte); unknown codes and
 * bool bytes other than 0/1 are refused. */
static void test_typed_ndarrays(void)
{
        int64_t iv[12];
        float fv[12];
        uint8_t bv[12];
        for (int i = 0; i < 12; i++) {
                iv[i] = i == 0 ? INT64_MAX : i == 1 ? INT64_MIN : ((int64_t)1 << 53) + i;
                uint32_t bits = UINT32_C(0x7fc00000) | (uint32_t)(i + 1);
                memcpy(&fv[i], &bits, 4);
                if (i > 2)
                        fv[i] = i == 3 ? -0.0f : (float)i / 3.0f;
                bv[i] = i % 3 == 0;
        }
        static const char *const names[3] = {"int64", "float32", "bool"};
        const void *bufs[3] = {iv, fv, bv};
        const par_dtype ts[3] = {PAR_DTYPE_INT64, PAR_DTYPE_FLOAT32, PAR_DTYPE_BOOL};
        const int codes[3] = {2, 1, 3}; /* docs/wire.md */
        char what[64];
        for (int k = 0; k < 3; k++) {
                par_value *a = par_ndarray_from_typed(bufs[k], ts[k], 4, 3, PAR_ROW_MAJOR);
                CHECK(a && par_ndarray_dtype(a) == ts[k]);
                snprintf(what, sizeof what, "2-D %s ndarray", names[k]);
                round_trip(a, what);
                const par__nd *nd = par__nd_of(a);
                size_t es = ts[k] == PAR_DTYPE_BOOL ? 1 : ts[k] == PAR_DTYPE_FLOAT32 ? 4 : 8;
                par_value *view = par__nd_view_t(a, 2, 3, 2,
                                                 (char *)nd->ptr + (1 + 2 * nd->cs) * (int64_t)es,
                                                 nd->rs, -2 * nd->cs);
                CHECK(par_ndarray_dtype(view) == ts[k]);
                snprintf(what, sizeof what, "%s view", names[k]);
                round_trip(view, what);
                par_value *empty = par_ndarray_from_typed(NULL, ts[k], 0, 3, PAR_COL_MAJOR);
                snprintf(what, sizeof what, "empty %s ndarray", names[k]);
                round_trip(empty, what);
                /* The ndim byte carries the dtype code in its high bits. */
                par__wbuf b = {0};
                CHECK(par__wire_encode_value(&b, a, NULL) == 0);
                const size_t H = PAR__WIRE_HEADER_SIZE; /* the value's tag */
                CHECK(b.len >= H + 18 && b.data[H] == 18 /* the ndarray tag */ &&
                      (b.data[H + 1] & 0x0f) == 2 && (b.data[H + 1] >> 4) == codes[k]);
                par_value *out = NULL;
                par_error err = {0};
                if (ts[k] == PAR_DTYPE_BOOL && b.len > H + 18 + 4) {
                        b.data[H + 18 + 4] = 7;
                        CHECK(par__wire_decode_value(b.data, b.len, NULL, &out, &err) < 0);
                        CHECK_MSG(strstr(err.message, "expected 0 or 1"), "%s", err.message);
                }
                b.data[H + 1] = (uint8_t)(2 | 5 << 4);
                CHECK(par__wire_decode_value(b.data, b.len, NULL, &out, &err) < 0 && !out);
                CHECK_MSG(strstr(err.message, "dtype code"), "%s", err.message);
                par__wbuf_free(&b);
                par_value_release(empty);
                par_value_release(view);
                par_value_release(a);
        }
        /* float64: the ndim byte is the plain ndim, as before dtypes. */
        double d[3] = {1, 2, 3};
        par_value *f = par_ndarray_from_buffer(d, 3, 1, PAR_COL_MAJOR);
        par__wbuf b = {0};
        CHECK(par__wire_encode_value(&b, f, NULL) == 0);
        CHECK(b.len == PAR__WIRE_HEADER_SIZE + 18 + 24 &&
              b.data[PAR__WIRE_HEADER_SIZE] == 18 /* the ndarray tag */ &&
              b.data[PAR__WIRE_HEADER_SIZE + 1] == 2);
        par__wbuf_free(&b);
        par_value_release(f);
}

/* TSQR's factors (par.linalg.qr_factor): a chunk's, a tree node's with
 * three children, an empty one; and a node whose offsets break the tree's
 * invariants is refused. */
static void check_truncations(const uint8_t *m, size_t n, int kind);

static par_value *make_qr(int64_t rows, int64_t k, int64_t nchild)
{
        par__qr_factor *f = par__qr_factor_alloc(rows, k, nchild);
        CHECK(f != NULL);
        for (int64_t i = 0; i < f->m; i++)
                f->tau[i] = 1 + i * 0.5;
        for (int64_t i = 0; i < rows * k; i++)
                f->a[i] = i == 3 ? nan_with_payload(9) : (double)i / 7 - 2;
        for (int64_t c = 0; c <= nchild; c++)
                f->off[c] = rows * c / (nchild ? nchild : 1);
        par_value *v = par__qr_factor_value(f);
        CHECK(v != NULL);
        return v;
}

static void test_qr_factors(void)
{
        par_value *chunk = make_qr(7, 3, 0), *node = make_qr(9, 3, 3);
        par_value *wide = make_qr(2, 5, 0), *empty = make_qr(0, 4, 0);
        round_trip(chunk, "a chunk's TSQR factor");
        round_trip(node, "a TSQR tree node");
        round_trip(wide, "a factor with fewer rows than columns");
        round_trip(empty, "an empty factor");
        /* In a list, as a task's arguments travel. */
        par_value *l = par_value_list(2, (par_value *[]){chunk, node});
        round_trip(l, "a list of factors");
        par_value_release(l);
        /* Offsets out of order: a clear error, nothing leaked. */
        par__wbuf b = {0};
        par_error err = {0};
        par_value *out = NULL;
        size_t used = 0;
        CHECK(par__wire_encode_value(&b, node, &err) == 0);
        check_truncations(b.data, b.len, PAR__WIRE_VALUE);
        /* header 16, tag 1, rows, k, nchild 24, off[0] 8: off[1] at 49. */
        int64_t bad = 8;
        memcpy(b.data + 49, &bad, 8);
        CHECK(par__wire_decode_value(b.data, b.len, &used, &out, &err) == PAR_EPARSE);
        CHECK_MSG(strstr(err.message, "offset") != NULL, "%s", err.message);
        CHECK(out == NULL);
        par__wbuf_free(&b);
        par_value_release(empty);
        par_value_release(wide);
        par_value_release(node);
        par_value_release(chunk);
}

static void thing_free(void *p)
{
        (void)p;
}

static const par_object_type thing_type = {"test.thing", thing_free, NULL,
                                           NULL};

static void test_unsupported_object(void)
{
        static int payload;
        par_value *o = par_value_object(&thing_type, &payload);
        par_value *i = par_value_int64(1);
        par_value *items[2] = {i, o};
        par_value *l = par_value_list(2, items);
        par__wbuf b = {0};
        par_error err = {0};
        CHECK(par__wbuf_put(&b, "before", 6, NULL) == 0);
        size_t before = b.len;
        CHECK(par__wire_encode_value(&b, l, &err) == PAR_ENOTSUP);
        CHECK(strstr(err.message, "test.thing") != NULL);
        CHECK(b.len == before); /* the buffer is as it was */
        par__wbuf_free(&b);
        par_value_release(l);
        par_value_release(i);
        par_value_release(o);
}

/* ---- the scatter form ------------------------------------------------------------- */

static void test_scatter(void)
{
        int64_t n = 100000;
        double *x = malloc((size_t)n * 3 * sizeof *x);
        for (int64_t i = 0; i < n * 3; i++)
                x[i] = (double)i / 3;
        par_value *t = make_table(n);
        par_value *nd = par_ndarray_from_buffer(x, n, 3, PAR_COL_MAJOR);
        par_value *tr = par_ndarray_from_buffer(x, n, 3, PAR_ROW_MAJOR);
        par_value *small = make_table(10);
        par_value *items[4] = {t, nd, small, tr};
        par_value *l = par_value_list(4, items);
        par__wbuf plain = {0}, flat = {0};
        par__wiov io = {0};
        par_error err = {0};
        /* Two messages back to back in both forms. */
        CHECK(par__wire_encode_value(&plain, l, &err) == 0);
        CHECK(par__wire_encode_value(&plain, small, &err) == 0);
        CHECK_OK(par__wire_encode_value_iov(&io, l, &err), &err);
        CHECK_OK(par__wire_encode_value_iov(&io, small, &err), &err);
        /* int64, float64, offsets, string bytes of the big table (not the
         * list child, bool or validity) and the column-major ndarray. */
        CHECK(io.nseg >= 5);
        CHECK(io.meta.len + io.borrowed == plain.len);
        CHECK(io.meta.len < plain.len / 4);
        CHECK(par__wiov_flatten(&io, &flat, &err) == 0);
        CHECK(flat.len == plain.len && memcmp(flat.data, plain.data, plain.len) == 0);
        /* A failure leaves the scatter buffer as it was. */
        static int payload;
        par_value *o = par_value_object(&thing_type, &payload);
        par_value *bad_items[2] = {t, o};
        par_value *bad = par_value_list(2, bad_items);
        size_t nseg = io.nseg, meta = io.meta.len, borrowed = io.borrowed;
        CHECK(par__wire_encode_value_iov(&io, bad, &err) == PAR_ENOTSUP);
        CHECK(io.nseg == nseg && io.meta.len == meta && io.borrowed == borrowed);
        par_value_release(bad);
        par_value_release(o);
        par__wiov_free(&io);
        par__wbuf_free(&flat);
        par__wbuf_free(&plain);
        par_value_release(l);
        par_value_release(small);
        par_value_release(tr);
        par_value_release(nd);
        par_value_release(t);
        free(x);
}

/* ---- errors, control, framing --------------------------------------------------- */

static void test_error_and_control(void)
{
        par__wbuf b = {0};
        par_error err = {0};
        char msg[16];
        int code = 0;
        size_t used = 0;
        const char *text = "task ('sum-1', 3) failed: division by zero";
        CHECK(par__wire_encode_error(&b, PAR_ETASK, text, &err) == 0);
        size_t first = b.len;
        CHECK(par__wire_encode_error(&b, 0, "x", &err) == PAR_EINVAL);
        CHECK(b.len == first);
        par_value *keys[2] = {par_value_cstring("sum-1"), par_value_int64(3)};
        par_value *arg = par_value_list(2, keys);
        CHECK(par__wire_encode_control(&b, 7, arg, &err) == 0);
        size_t second = b.len;
        CHECK(par__wire_encode_control(&b, 8, NULL, &err) == 0);
        /* Three messages back to back, walked with peek. */
        int kind = 0;
        size_t total = 0;
        CHECK(par__wire_peek(b.data, 16, &kind, &total, &err) == 0);
        CHECK(kind == PAR__WIRE_ERROR && total == first);
        CHECK(par__wire_peek(b.data + first, 16, &kind, &total, &err) == 0);
        CHECK(kind == PAR__WIRE_CONTROL && total == second - first);
        CHECK(par__wire_decode_error(b.data, b.len, &used, &code, msg,
                                     sizeof msg, &err) == 0);
        CHECK(used == first && code == PAR_ETASK);
        CHECK(strncmp(msg, text, sizeof msg - 1) == 0 && strlen(msg) == 15);
        char full[128];
        CHECK(par__wire_decode_error(b.data, b.len, NULL, &code, full,
                                     sizeof full, &err) == 0);
        CHECK(strcmp(full, text) == 0);
        uint32_t op = 0;
        par_value *got = NULL;
        CHECK(par__wire_decode_control(b.data + first, b.len - first, &used,
                                       &op, &got, &err) == 0);
        CHECK(op == 7 && got && value_equiv(got, arg));
        CHECK(used == second - first);
        par_value_release(got);
        CHECK(par__wire_decode_control(b.data + second, b.len - second, &used,
                                       &op, &got, &err) == 0);
        CHECK(op == 8 && got == NULL);
        /* The wrong decoder for a message names both kinds. */
        CHECK(par__wire_decode_value(b.data, b.len, NULL, &got, &err) ==
              PAR_EPARSE);
        CHECK(strstr(err.message, "byte 6") &&
              strstr(err.message, "expected a value message") &&
              strstr(err.message, "error message"));
        par_value_release(arg);
        par_value_release(keys[0]);
        par_value_release(keys[1]);
        par__wbuf_free(&b);
}

static void test_rejects(void)
{
        par__wbuf b = {0};
        par_error err = {0};
        par_value *v = par_value_int64(42), *out = NULL;
        CHECK(par__wire_encode_value(&b, v, &err) == 0);
        /* Version 2. */
        b.data[4] = 2;
        CHECK(par__wire_decode_value(b.data, b.len, NULL, &out, &err) ==
              PAR_ENOTSUP);
        CHECK(strstr(err.message, "version 2") != NULL &&
              strstr(err.message, "byte 4") != NULL);
        CHECK(par__wire_peek(b.data, b.len, NULL, NULL, NULL) == PAR_ENOTSUP);
        b.data[4] = 1;
        /* Kind 9. */
        b.data[6] = 9;
        CHECK(par__wire_decode_value(b.data, b.len, NULL, &out, &err) ==
              PAR_EPARSE);
        CHECK(strstr(err.message, "message kind") != NULL);
        b.data[6] = 1;
        /* Magic. */
        b.data[0] = 'Q';
        CHECK(par__wire_decode_value(b.data, b.len, NULL, &out, &err) ==
              PAR_EPARSE);
        CHECK(strstr(err.message, "byte 0") && strstr(err.message, "magic"));
        b.data[0] = 'P';
        /* Unknown value tag. */
        b.data[16] = 9;
        CHECK(par__wire_decode_value(b.data, b.len, NULL, &out, &err) ==
              PAR_EPARSE);
        CHECK(strstr(err.message, "byte 16") &&
              strstr(err.message, "value tag"));
        b.data[16] = 2;
        /* Trailing bytes inside the payload. */
        b.data[8] += 1;
        uint8_t longer[64];
        memcpy(longer, b.data, b.len);
        longer[b.len] = 0;
        CHECK(par__wire_decode_value(longer, b.len + 1, NULL, &out, &err) ==
              PAR_EPARSE);
        CHECK(strstr(err.message, "more bytes") != NULL);
        b.data[8] -= 1;
        CHECK(par__wire_decode_value(b.data, b.len, NULL, &out, &err) == 0);
        CHECK(out && par_value_int64_of(out) == 42);
        par_value_release(out);
        out = NULL;
        /* A bool that is neither 0 nor 1, and a column length the input
         * cannot back (no allocation of 2^60 elements is attempted). */
        static const uint8_t bad_bool[] = {'P', 'A', 'R', 'W', 1, 0, 1, 0, 2, 0,
                                           0,   0,   0,   0,   0, 0, 1, 7};
        CHECK(par__wire_decode_value(bad_bool, sizeof bad_bool, NULL, &out,
                                     &err) == PAR_EPARSE);
        CHECK(strstr(err.message, "byte 17") && strstr(err.message, "bool"));
        static const uint8_t huge[] = {'P', 'A', 'R', 'W', 1, 0, 1, 0, 11, 0, 0,
                                       0,   0,   0,   0,   0, 16, 1, 0, 0,  0, 0,
                                       0,   0,   0,   0,   0x10};
        CHECK(par__wire_decode_value(huge, sizeof huge, NULL, &out, &err) ==
              PAR_EPARSE);
        CHECK(strstr(err.message, "length of a column") != NULL);
        CHECK(par__wire_decode_value(NULL, 0, NULL, &out, &err) == PAR_EPARSE);
        par_value_release(v);
        par__wbuf_free(&b);
}

/* Every prefix of a valid message fails, both cut short (n smaller) and
 * with the header claiming the shorter payload. */
static void check_truncations(const uint8_t *m, size_t n, int kind)
{
        uint8_t *copy = malloc(n);
        int bad = 0;
        for (size_t k = 0; k < n; k++) {
                par_value *v = NULL;
                par_graph *g = NULL;
                par_error err = {0};
                memcpy(copy, m, n);
                for (int pass = 0; pass < 2; pass++) {
                        if (pass == 1) {
                                if (k < 16)
                                        break;
                                uint64_t len = k - 16;
                                for (int i = 0; i < 8; i++)
                                        copy[8 + i] = (uint8_t)(len >> (8 * i));
                        }
                        int rc;
                        if (kind == PAR__WIRE_GRAPH)
                                rc = par__wire_decode_graph(copy, k, NULL, &g,
                                                            &err);
                        else
                                rc = par__wire_decode_value(copy, k, NULL, &v,
                                                            &err);
                        if (rc >= 0 || v || g || !strstr(err.message, "byte"))
                                bad++;
                        par_value_release(v);
                        par_graph_free(g);
                        v = NULL;
                        g = NULL;
                }
        }
        CHECK_MSG(bad == 0, "%d truncations of a %zu-byte message decoded",
                  bad, n);
        free(copy);
}

/* Random corruption: 1 to 4 bytes changed, many times. Whatever decodes
 * must encode again. */
static void check_flips(const uint8_t *m, size_t n, int kind, int rounds)
{
        uint8_t *copy = malloc(n);
        int decoded = 0, reencode_failed = 0;
        for (int r = 0; r < rounds; r++) {
                memcpy(copy, m, n);
                int flips = 1 + (int)(rnd() % 4);
                for (int f = 0; f < flips; f++) {
                        size_t at = rnd() % n;
                        copy[at] = rnd() % 3 == 0 ? (uint8_t)rnd()
                                                  : copy[at] ^ (uint8_t)(1u << (rnd() % 8));
                }
                par__wbuf b = {0};
                if (kind == PAR__WIRE_GRAPH) {
                        par_graph *g = NULL;
                        if (par__wire_decode_graph(copy, n, NULL, &g, NULL) == 0) {
                                decoded++;
                                reencode_failed +=
                                        par__wire_encode_graph(&b, g, NULL) != 0;
                        }
                        par_graph_free(g);
                } else {
                        par_value *v = NULL;
                        if (par__wire_decode_value(copy, n, NULL, &v, NULL) == 0) {
                                decoded++;
                                reencode_failed +=
                                        par__wire_encode_value(&b, v, NULL) != 0;
                        }
                        par_value_release(v);
                }
                par__wbuf_free(&b);
        }
        CHECK(reencode_failed == 0);
        CHECK(decoded < rounds); /* corruption is noticed, mostly */
        free(copy);
}

/* ---- graphs ------------------------------------------------------------------------- */

static par_executor *ex;

/* op(args...) = the list of its arguments. */
static int op_pack(par_task_ctx *ctx, size_t n, par_value *const *args,
                   par_value **out)
{
        (void)ctx;
        *out = par_value_list(n, args);
        return *out ? 0 : PAR_ENOMEM;
}

/* Round-trips g; computes `key` on both; returns the result of the copy
 * (new reference) after checking it equals the original's. */
static par_value *graph_round_trip(const par_graph *g, par_key key,
                                   const char *what, par__wbuf *keep)
{
        par__wbuf b = {0}, b2 = {0};
        par_error err = {0};
        par_graph *g2 = NULL;
        par_value *r1 = NULL, *r2 = NULL;
        size_t used = 0;
        CHECK_OK(par__wire_encode_graph(&b, g, &err), &err);
        int rc = par__wire_decode_graph(b.data, b.len, &used, &g2, &err);
        CHECK_MSG(rc == 0, "%s: %s", what, err.message);
        CHECK(used == b.len);
        CHECK(g2 && par_graph_size(g2) == par_graph_size(g));
        CHECK(g2 && par_graph_contains(g2, key));
        /* Encoding the copy gives the same bytes. */
        CHECK(g2 && par__wire_encode_graph(&b2, g2, &err) == 0 &&
              b2.len == b.len && memcmp(b.data, b2.data, b.len) == 0);
        CHECK_OK(par_graph_compute(ex, g, 1, &key, &r1, NULL, &err), &err);
        if (g2)
                CHECK_OK(par_graph_compute(ex, g2, 1, &key, &r2, NULL, &err),
                         &err);
        CHECK_MSG(r1 && r2 && value_equiv(r1, r2), "%s: results differ", what);
        par_value_release(r1);
        par_graph_free(g2);
        par__wbuf_free(&b2);
        if (keep)
                *keep = b;
        else
                par__wbuf_free(&b);
        return r2;
}

static par_graph *graph_of(par_delayed *d)
{
        par_graph *g = par_graph_new();
        CHECK(par_delayed_to_graph(d, g, NULL) == 0);
        return g;
}

static void test_graph_bag(par__wbuf *keep)
{
        par_error err = {0};
        par_bag *r = NULL, *m = NULL, *f = NULL;
        par_delayed *d = NULL;
        CHECK_OK(par_bag_range(1000, 7, &r, &err), &err);
        par_expr *e = par_add(par_mul(par_x(), par_int(3)), par_int(1));
        par_expr *p = par_eq(par_mod(par_x(), par_int(2)), par_int(0));
        CHECK_OK(par_bag_map(r, e, &m, &err), &err);
        CHECK_OK(par_bag_filter(m, p, &f, &err), &err);
        CHECK_OK(par_bag_stat(f, PAR_STAT_SUM, &(par_agg_opts){.split_every = 2},
                              &d, &err), &err);
        int64_t expect = 0;
        for (int64_t i = 0; i < 1000; i++)
                if ((3 * i + 1) % 2 == 0)
                        expect += 3 * i + 1;
        par_graph *g = graph_of(d);
        par_value *got = graph_round_trip(g, par_delayed_key(d), "bag sum", keep);
        CHECK(got && par_value_int64_of(got) == expect);
        par_value_release(got);
        par_graph_free(g);
        par_delayed_release(d);
        par_expr_release(e);
        par_expr_release(p);
        par_bag_release(f);
        par_bag_release(m);
        par_bag_release(r);

        /* Strings: count the items containing "an". */
        const char *words[] = {"banana", "apple", "mango", "kiwi", "pecan",
                               "fig", "anise", "plum"};
        CHECK_OK(par_bag_from_strings(words, 8, 3, &r, &err), &err);
        p = par_contains(par_x(), "an");
        CHECK_OK(par_bag_filter(r, p, &f, &err), &err);
        CHECK_OK(par_bag_count(f, NULL, &d, &err), &err);
        g = graph_of(d);
        got = graph_round_trip(g, par_delayed_key(d), "bag count", NULL);
        int64_t n = 0;
        for (int i = 0; i < 8; i++)
                n += strstr(words[i], "an") != NULL;
        CHECK(got && par_value_int64_of(got) == n);
        par_value_release(got);
        par_graph_free(g);
        par_delayed_release(d);
        par_expr_release(p);
        par_bag_release(f);
        par_bag_release(r);
}

static void test_graph_frame(void)
{
        par_error err = {0};
        par_value *tables[3];
        double expect = 0;
        for (int t = 0; t < 3; t++) {
                int64_t a[50];
                double x[50];
                for (int i = 0; i < 50; i++) {
                        a[i] = t * 50 + i;
                        x[i] = (double)(i % 7) - 2.5;
                        double c = (double)(a[i] * 2) + x[i];
                        if (c > 10)
                                expect += c;
                }
                par_value *cols[2] = {par_column_from_int64(a, 50, NULL),
                                      par_column_from_float64(x, 50, NULL)};
                tables[t] = par_table_new(2, (const char *[]){"a", "x"}, cols);
                par_value_release(cols[0]);
                par_value_release(cols[1]);
        }
        par_frame *f = NULL, *f2 = NULL, *f3 = NULL;
        CHECK_OK(par_frame_from_tables(3, tables, &f, &err), &err);
        par_expr *e = par_add(par_mul(par_col("a"), par_int(2)), par_col("x"));
        par_expr *p = par_gt(par_col("c"), par_int(10));
        CHECK_OK(par_frame_assign(f, "c", e, &f2, &err), &err);
        CHECK_OK(par_frame_filter(f2, p, &f3, &err), &err);
        par_delayed *d = NULL;
        CHECK_OK(par_frame_stat(f3, "c", PAR_STAT_SUM, &d, &err), &err);
        par_graph *g = graph_of(d);
        par_value *got = graph_round_trip(g, par_delayed_key(d), "frame sum", NULL);
        CHECK(got && fabs(par_value_float64_of(got) - expect) <= 1e-9 * fabs(expect));
        par_value_release(got);
        par_graph_free(g);
        par_delayed_release(d);
        /* A whole partition (a table) as the result. */
        CHECK_OK(par_frame_partition(f3, 1, &d, &err), &err);
        g = graph_of(d);
        got = graph_round_trip(g, par_delayed_key(d), "frame partition", NULL);
        CHECK(got && par_value_is_table(got) && par_table_ncols(got) == 3);
        par_value_release(got);
        par_graph_free(g);
        par_delayed_release(d);
        par_expr_release(e);
        par_expr_release(p);
        par_frame_release(f3);
        par_frame_release(f2);
        par_frame_release(f);
        for (int t = 0; t < 3; t++)
                par_value_release(tables[t]);
}

static void test_graph_array(void)
{
        par_error err = {0};
        double data[100 * 3];
        double sums[3] = {0};
        for (int i = 0; i < 100; i++)
                for (int j = 0; j < 3; j++) {
                        data[i * 3 + j] = (double)((i * 31 + j * 17) % 23) / 4;
                        sums[j] += data[i * 3 + j];
                }
        par_array *a = NULL, *s = NULL;
        CHECK_OK(par_array_from_buffer(data, 100, 3, 17, PAR_ROW_MAJOR, &a, &err),
                 &err);
        CHECK_OK(par_array_reduce(a, PAR_STAT_SUM, 0, NULL, &s, &err), &err);
        par_delayed *d = NULL;
        CHECK_OK(par_array_chunk(s, 0, &d, &err), &err);
        par_graph *g = graph_of(d);
        par_value *got = graph_round_trip(g, par_delayed_key(d), "array sum", NULL);
        for (int j = 0; j < 3; j++)
                CHECK(got && fabs(par_ndarray_get(got, j, 0) - sums[j]) < 1e-9);
        par_value_release(got);
        par_graph_free(g);
        par_delayed_release(d);
        par_array_release(s);
        par_array_release(a);
}

/* Every argument kind, by hand. */
static par_graph *make_arg_graph(void)
{
        par_graph *g = par_graph_new();
        par_value *t = make_table(20);
        par_value *items[2] = {t, par_value_float64(nan_with_payload(5))};
        par_value *l = par_value_list(2, items);
        par_arg args[] = {
                (par_arg){.kind = PAR_ARG_NULL},
                par_arg_bool(true),
                par_arg_int64(INT64_MIN),
                par_arg_float64(-0.0),
                par_arg_string("λ string"),
                par_arg_blob("\0\1\2", 3),
                par_arg_value(l),
                par_arg_key("base", 4),
                par_arg_key("plain", PAR_NO_INDEX),
        };
        CHECK(par_graph_add(g, par_key_make("base", 4), "wire.pack", 2, args,
                            NULL) == 0);
        CHECK(par_graph_add(g, par_key_make("plain", PAR_NO_INDEX), "wire.pack",
                            0, NULL, NULL) == 0);
        CHECK(par_graph_add(g, par_key_make("top", 0), "wire.pack",
                            sizeof args / sizeof *args, args, NULL) == 0);
        par_value_release(l);
        par_value_release(items[1]);
        par_value_release(t);
        return g;
}

static void test_graph_args(void)
{
        par_graph *g = make_arg_graph();
        par_value *got = graph_round_trip(g, par_key_make("top", 0), "every arg",
                                          NULL);
        CHECK(got && par_value_list_size(got) == 9);
        par_value_release(got);

        /* An op this process does not know: named with the task's key. */
        par__wbuf b = {0};
        par_error err = {0};
        par_graph *g2 = NULL;
        CHECK(par_graph_add(g, par_key_make("odd", 3), "no.such.op", 0, NULL,
                            NULL) == 0);
        CHECK(par__wire_encode_graph(&b, g, &err) == 0);
        CHECK(par__wire_decode_graph(b.data, b.len, NULL, &g2, &err) ==
              PAR_ENOENT);
        CHECK(g2 == NULL && strstr(err.message, "'no.such.op'") &&
              strstr(err.message, "('odd', 3)"));
        par__wbuf_free(&b);
        par_graph_free(g);
}

/* ---- out of memory ------------------------------------------------------------------- */

static atomic_long allocs, live;
static long fail_at = -1;

static void *t_malloc(size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&allocs, 1) == fail_at)
                return NULL;
        void *p = malloc(n);
        if (p)
                atomic_fetch_add(&live, 1);
        return p;
}

static void *t_realloc(void *p, size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&allocs, 1) == fail_at)
                return NULL;
        void *q = realloc(p, n);
        if (q && !p)
                atomic_fetch_add(&live, 1);
        return q;
}

static void t_free(void *p, void *ud)
{
        (void)ud;
        if (p)
                atomic_fetch_sub(&live, 1);
        free(p);
}

/* Encodes v and g, decodes both messages; frees everything. */
static int oom_scenario(const par_value *v, const par_graph *g,
                        const par__wbuf *msgs)
{
        par__wbuf b = {0};
        par_value *out = NULL;
        par_graph *g2 = NULL;
        par_error err = {0};
        int rc = par__wire_encode_value(&b, v, &err);
        if (rc == 0)
                rc = par__wire_encode_graph(&b, g, &err);
        if (rc == 0)
                rc = par__wire_decode_value(msgs[0].data, msgs[0].len, NULL,
                                            &out, &err);
        if (rc == 0)
                rc = par__wire_decode_graph(msgs[1].data, msgs[1].len, NULL,
                                            &g2, &err);
        if (rc < 0 && (rc != PAR_ENOMEM || !strstr(err.message, "memory")))
                rc = -1000; /* some other failure: not expected */
        par_value_release(out);
        par_graph_free(g2);
        par__wbuf_free(&b);
        return rc;
}

static void test_oom(void)
{
        par_value *v = make_table(40);
        par_graph *g = make_arg_graph();
        par__wbuf msgs[2] = {{0}, {0}};
        CHECK(par__wire_encode_value(&msgs[0], v, NULL) == 0);
        CHECK(par__wire_encode_graph(&msgs[1], g, NULL) == 0);
        const par_allocator counting = {t_malloc, t_realloc, t_free, NULL};
        fail_at = -1;
        par_set_allocator(&counting);
        int rc = oom_scenario(v, g, msgs);
        par_set_allocator(NULL);
        CHECK(rc == 0 && atomic_load(&live) == 0);
        long total = atomic_load(&allocs);
        int unclean = 0, leaks = 0;
        for (long k = 0; k < total; k++) {
                atomic_store(&allocs, 0);
                atomic_store(&live, 0);
                fail_at = k;
                par_set_allocator(&counting);
                rc = oom_scenario(v, g, msgs);
                par_set_allocator(NULL);
                unclean += rc != PAR_ENOMEM;
                leaks += atomic_load(&live) != 0;
        }
        CHECK_MSG(unclean == 0 && leaks == 0, "%ld allocations: %d runs did "
                  "not fail with PAR_ENOMEM, %d leaked", total, unclean, leaks);
        CHECK(total > 20);
        par__wbuf_free(&msgs[0]);
        par__wbuf_free(&msgs[1]);
        par_graph_free(g);
        par_value_release(v);
}

/* ---- a large column: straight copies ----------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static void test_throughput(void)
{
        int64_t n = 4 << 20; /* 32 MiB of doubles */
        double *x = malloc((size_t)n * sizeof *x);
        for (int64_t i = 0; i < n; i++)
                x[i] = (double)i * 0.5;
        par_value *c = par_column_from_float64(x, n, NULL);
        par__wbuf b = {0};
        par_value *out = NULL;
        double enc[5], dec[5];
        for (int rep = 0; rep < 5; rep++) {
                par_value_release(out);
                out = NULL;
                b.len = 0; /* keep the capacity: warm pages after the first */
                uint64_t t0 = par_now_ns();
                CHECK(par__wire_encode_value(&b, c, NULL) == 0);
                uint64_t t1 = par_now_ns();
                CHECK(par__wire_decode_value(b.data, b.len, NULL, &out, NULL) == 0);
                uint64_t t2 = par_now_ns();
                enc[rep] = (double)b.len / (double)(t1 - t0);
                dec[rep] = (double)b.len / (double)(t2 - t1);
        }
        CHECK(b.len == 16 + 11 + (size_t)n * 8);
        CHECK(out && memcmp(par_column_float64(out), x, (size_t)n * 8) == 0);
        qsort(enc, 5, sizeof *enc, cmp_double);
        qsort(dec, 5, sizeof *dec, cmp_double);
        printf("{\"bench\":\"wire_column\",\"impl\":\"par\",\"n\":%" PRId64
               ",\"metric\":\"encode_GBps\",\"value\":%.2f,\"runs\":5}\n"
               "{\"bench\":\"wire_column\",\"impl\":\"par\",\"n\":%" PRId64
               ",\"metric\":\"decode_GBps\",\"value\":%.2f,\"runs\":5}\n",
               n, enc[2], n, dec[2]);
        par_value_release(out);
        par_value_release(c);
        par__wbuf_free(&b);
        free(x);
}

int main(void)
{
        par_op_register("wire.pack", op_pack, NULL);
        (void)par_op_lookup("par.bag.count"); /* registers the built-ins */
        CHECK(par_executor_new(&(par_executor_opts){.kind = PAR_EXEC_SERIAL},
                               &ex, NULL) == 0);
        test_scalars();
        test_depth();
        test_columns();
        test_ndarrays();
        test_typed_ndarrays();
        test_qr_factors();
        test_unsupported_object();
        test_scatter();
        test_error_and_control();
        test_rejects();

        par__wbuf bagmsg = {0};
        test_graph_bag(&bagmsg);
        test_graph_frame();
        test_graph_array();
        test_graph_args();

        /* Corruption of a value message and of a graph message. */
        par_value *t = make_table(12);
        par__wbuf vm = {0};
        CHECK(par__wire_encode_value(&vm, t, NULL) == 0);
        check_truncations(vm.data, vm.len, PAR__WIRE_VALUE);
        check_flips(vm.data, vm.len, PAR__WIRE_VALUE, 20000);
        par_graph *g = make_arg_graph();
        par__wbuf gm = {0};
        CHECK(par__wire_encode_graph(&gm, g, NULL) == 0);
        check_truncations(gm.data, gm.len, PAR__WIRE_GRAPH);
        check_flips(gm.data, gm.len, PAR__WIRE_GRAPH, 20000);
        check_truncations(bagmsg.data, bagmsg.len, PAR__WIRE_GRAPH);
        check_flips(bagmsg.data, bagmsg.len, PAR__WIRE_GRAPH, 5000);
        par_graph_free(g);
        par__wbuf_free(&gm);
        par__wbuf_free(&vm);
        par__wbuf_free(&bagmsg);
        par_value_release(t);

        test_oom();
        test_throughput();
        par_executor_free(ex);
        return check_done("test_wire");
}
