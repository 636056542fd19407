/* Arrays chunked along both axes (Dask's 2-D chunk grids) against NumPy.
 *
 * The test makes the same 23 x 11 matrix on several grids — uniform
 * blocks with short last ones, ragged explicit lengths with an empty row
 * block, one block, one column per block, one column block — and runs
 * every kind of operation on each: elementwise (fused, across grids, with
 * row and column broadcasts), reductions along each axis and over all,
 * var/std, argmin/argmax, transpose and what follows it, slices with
 * steps (negative too) across block boundaries, blockwise matmul, the
 * moment and TSQR based linear algebra, rechunk round trips, persist and
 * raw stores. Values go to tests/array_ref.py (NumPy, which never
 * sees the chunking), run once with /usr/bin/python3; the grids, task
 * counts, views and errors are checked here against the rules in
 * include/par/array.h. Every case runs on the pool and on the serial
 * executor. */
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_harness.h"
#include "check.h"
#include "numpy_ref.h"
#include "par.h"

enum { R = 23, C = 11, WC = 7, NG = 5 };

static double X[R * C], Y[R * C], W[C * WC], V[C], RV[C], Q[R];

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static double uniform(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return (double)(rng_state >> 11) * 0x1.0p-53;
}

/* ---- reference cases ------------------------------------------------------------- */

typedef struct ref_case {
        char name[48];
        par_array *a;   /* an array to compute, or */
        double *vals;   /* numbers computed already (n of them) */
        int64_t n;
        double rel, abs;
} ref_case;

static ref_case cases[1024];
static int ncases;

static void write_file(const char *name, const double *p, size_t n)
{
        nref_write(name, p, n * sizeof *p);
}

#define INPUTS "x=x.bin:2:23:11,y=y.bin:2:23:11,w=w.bin:2:11:7,v=v.bin:1:11:1,r=r.bin:1:11:1,q=q.bin:2:23:1"

/* Records a case: the lazy array (taken) and its NumPy expression. */
static void add_case(const char *name, par_array *a, const char *expr, double rel,
                     double abs)
{
        CHECK_MSG(a != NULL, "case %s has no array", name);
        if (!a || ncases == (int)(sizeof cases / sizeof cases[0]))
                return;
        ref_case *k = &cases[ncases++];
        snprintf(k->name, sizeof k->name, "%s", name);
        k->a = a;
        k->rel = rel;
        k->abs = abs;
        fprintf(nref_spec, "%s\t%s\t%s\n", name, INPUTS, expr);
}

/* Records numbers computed now (copied) against a NumPy expression. */
static void add_vals(const char *name, const double *v, int64_t n, const char *expr,
                     double rel, double abs)
{
        if (ncases == (int)(sizeof cases / sizeof cases[0]))
                return;
        ref_case *k = &cases[ncases++];
        snprintf(k->name, sizeof k->name, "%s", name);
        k->vals = malloc((size_t)(n ? n : 1) * sizeof *v);
        memcpy(k->vals, v, (size_t)n * sizeof *v);
        k->n = n;
        k->rel = rel;
        k->abs = abs;
        fprintf(nref_spec, "%s\t%s\t%s\n", name, INPUTS, expr);
}

static void compare_case(par_client *c, const ref_case *k)
{
        int ndim;
        int64_t rows, cols;
        double *want = nref_read_f64(k->name, &ndim, &rows, &cols);
        CHECK_MSG(want != NULL, "no NumPy reference for %s", k->name);
        if (!want)
                return;
        int bad = 0;
        if (k->vals) {
                CHECK_MSG(k->n == rows * cols, "%s: %" PRId64 " numbers, NumPy %" PRId64,
                          k->name, k->n, rows * cols);
                for (int64_t i = 0; i < k->n && k->n == rows * cols; i++)
                        if (!nref_close(k->vals[i], want[i], k->rel, k->abs) && bad++ < 3)
                                fprintf(stderr, "%s[%" PRId64 "] = %.17g; NumPy %.17g\n",
                                        k->name, i, k->vals[i], want[i]);
                CHECK_MSG(bad == 0, "%s: %d numbers differ", k->name, bad);
                free(want);
                return;
        }
        par_error err = {0};
        par_value *v = NULL;
        int rc = par_array_compute(c, k->a, &v, &err);
        CHECK_MSG(rc == 0, "%s: %s", k->name, err.message);
        int64_t shape[2] = {0, 0};
        int nd = par_array_shape(k->a, shape);
        if (rc == 0) {
                bool same = nd == ndim && par_ndarray_ndim(v) == ndim &&
                            par_ndarray_rows(v) == rows && par_ndarray_cols(v) == cols &&
                            (ndim == 0 || shape[0] == rows) && (ndim < 2 || shape[1] == cols);
                CHECK_MSG(same,
                          "%s: shape %d-d %" PRId64 " x %" PRId64 ", NumPy %d-d %" PRId64
                          " x %" PRId64,
                          k->name, par_ndarray_ndim(v), par_ndarray_rows(v),
                          par_ndarray_cols(v), ndim, rows, cols);
                for (int64_t i = 0; same && i < rows; i++)
                        for (int64_t j = 0; j < cols; j++) {
                                double g = par_ndarray_get(v, i, j), w = want[i * cols + j];
                                if (!nref_close(g, w, k->rel, k->abs) && bad++ < 3)
                                        fprintf(stderr,
                                                "%s[%" PRId64 ", %" PRId64
                                                "] = %.17g; NumPy %.17g\n",
                                                k->name, i, j, g, w);
                        }
                CHECK_MSG(bad == 0, "%s: %d elements differ", k->name, bad);
        }
        par_value_release(v);
        free(want);
}

/* ---- grids ---------------------------------------------------------------------------- */

static const int64_t RAGGED_R[4] = {1, 0, 10, 12}, RAGGED_C[4] = {2, 0, 7, 2};

/* The grids every case runs on: uniform with short last blocks, ragged
 * explicit lengths (an empty row block), one block, one column per
 * block, one column block of several row blocks. */
static const par_chunk_spec GRIDS[NG][2] = {
        {{5, 0, NULL}, {4, 0, NULL}},
        {{0, 4, RAGGED_R}, {0, 4, RAGGED_C}},
        {{PAR_CHUNK_WHOLE, 0, NULL}, {PAR_CHUNK_WHOLE, 0, NULL}},
        {{PAR_CHUNK_WHOLE, 0, NULL}, {1, 0, NULL}},
        {{3, 0, NULL}, {PAR_CHUNK_WHOLE, 0, NULL}},
};

/* The lengths a spec gives along an axis of n (the rules of array.h). */
static int64_t spec_lens(const par_chunk_spec *s, int64_t n, int64_t *out)
{
        if (s->lens) {
                memcpy(out, s->lens, (size_t)s->n * sizeof *out);
                return s->n;
        }
        int64_t size = s->size == PAR_CHUNK_WHOLE || s->size > n ? n : s->size;
        int64_t k = 0;
        for (int64_t at = 0; at < n; at += size)
                out[k++] = n - at < size ? n - at : size;
        if (k == 0)
                out[k++] = 0;
        return k;
}

static bool same_lens(const int64_t *a, int64_t na, const int64_t *b, int64_t nb)
{
        if (na != nb)
                return false;
        for (int64_t i = 0; i < na; i++)
                if (a[i] != b[i])
                        return false;
        return true;
}

/* a's chunks along axis are exactly want[0..n). */
static void check_chunks(const char *what, const par_array *a, int axis,
                         const int64_t *want, int64_t n)
{
        int64_t got_n = 0;
        const int64_t *got = par_array_chunks(a, axis, &got_n);
        CHECK_MSG(got && same_lens(got, got_n, want, n) &&
                          par_array_numblocks(a, axis) == n,
                  "%s: axis %d has %" PRId64 " blocks, expected %" PRId64, what, axis,
                  got_n, n);
}

static par_array *grid(const double *d, int64_t rows, int64_t cols,
                       const par_chunk_spec *g)
{
        par_error err = {0};
        par_array *a = NULL;
        CHECK_OK(par_array_from_buffer_chunks(d, rows, cols, PAR_ROW_MAJOR, g, &a, &err),
                 &err);
        return a;
}

static par_array *bin(par_array_binop op, par_array *a, par_array *b)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_binary(op, a, b, &o, &err), &err);
        return o;
}

static par_array *bins(par_array_binop op, par_array *a, double s)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_binary_scalar(op, a, s, &o, &err), &err);
        return o;
}

static par_array *tr(par_array *a)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_transpose(a, &o, &err), &err);
        return o;
}

static par_array *red(par_array *a, par_stat st, int axis)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_reduce(a, st, axis, NULL, &o, &err), &err);
        return o;
}

static par_array *slice(par_array *a, int64_t r0, int64_t r1, int64_t rs, int64_t c0,
                        int64_t c1, int64_t cs)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_slice(a, r0, r1, rs, c0, c1, cs, &o, &err), &err);
        return o;
}

static par_array *matmul(par_array *a, par_array *b)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_matmul(a, b, &o, &err), &err);
        return o;
}

/* ---- the cases ------------------------------------------------------------------------ */

static par_array *xs[NG], *ys[NG], *yr, *wa, *va, *ra, *ra4, *qa;

static void make_data(void)
{
        for (int i = 0; i < R * C; i++) {
                X[i] = (uniform() - 0.5) * 100;
                Y[i] = i % 5 == 0 ? X[i] : (uniform() - 0.5) * 10;
        }
        X[3 * C + 4] = X[17 * C + 4]; /* a tie for argmin/argmax */
        for (int i = 0; i < C * WC; i++)
                W[i] = uniform() * 2 - 1;
        for (int i = 0; i < C; i++) {
                V[i] = uniform() * 4 - 2;
                RV[i] = uniform() * 10 - 5;
        }
        for (int i = 0; i < R; i++)
                Q[i] = uniform() + 0.5;
        write_file("x.bin", X, R * C);
        write_file("y.bin", Y, R * C);
        write_file("w.bin", W, C * WC);
        write_file("v.bin", V, C);
        write_file("r.bin", RV, C);
        write_file("q.bin", Q, R);
        par_error err = {0};
        for (int g = 0; g < NG; g++) {
                xs[g] = grid(X, R, C, GRIDS[g]);
                ys[g] = grid(Y, R, C, GRIDS[g]);
        }
        yr = grid(Y, R, C, GRIDS[1]);
        wa = grid(W, C, WC, (par_chunk_spec[2]){{4, 0, NULL}, {3, 0, NULL}});
        CHECK_OK(par_array_from_vector(V, C, 4, &va, &err), &err);
        CHECK_OK(par_array_from_vector(RV, C, C, &ra, &err), &err);
        CHECK_OK(par_array_from_vector(RV, C, 4, &ra4, &err), &err);
        qa = grid(Q, R, 1, (par_chunk_spec[2]){{7, 0, NULL}, {1, 0, NULL}});
}

static void grid_cases(int g)
{
        par_error err = {0};
        par_array *x = xs[g], *o = NULL;
        char nm[48];
#define CASE(label, arr, expr, rel, abs)                                            \
        do {                                                                         \
                snprintf(nm, sizeof nm, "%s_%d", label, g);                          \
                add_case(nm, arr, expr, rel, abs);                                   \
        } while (0)
        /* The grid itself. */
        int64_t rl[R + 1], cl[C + 1];
        int64_t nr = spec_lens(&GRIDS[g][0], R, rl), nc = spec_lens(&GRIDS[g][1], C, cl);
        check_chunks("from_buffer_chunks", x, 0, rl, nr);
        check_chunks("from_buffer_chunks", x, 1, cl, nc);
        CHECK(par_array_nchunks(x) == nr * nc && par_array_ntasks(x) == nr * nc);
        CASE("x", par_array_retain(x), "x", 0, 0);

        /* Elementwise: fused into one task per block. */
        par_array *t = bins(PAR_ARRAY_MUL, x, 2);
        o = bins(PAR_ARRAY_ADD, t, 1);
        par_array_release(t);
        CHECK_MSG(par_array_ntasks(o) == 2 * nr * nc, "%" PRId64, par_array_ntasks(o));
        check_chunks("2x+1", o, 0, rl, nr);
        check_chunks("2x+1", o, 1, cl, nc);
        CASE("lin", o, "2 * x + 1", 0, 0);
        /* Another grid: rechunked to x's. */
        o = bin(PAR_ARRAY_ADD, x, yr);
        check_chunks("x + y", o, 0, rl, nr);
        check_chunks("x + y", o, 1, cl, nc);
        CASE("add_grids", o, "x + y", 0, 0);
        o = bin(PAR_ARRAY_SUB, yr, x);
        CASE("sub_grids", o, "y - x", 0, 0);
        /* Broadcasts: a row vector (one chunk, and four chunks), a column. */
        CASE("sub_row", bin(PAR_ARRAY_SUB, x, ra), "x - r", 0, 0);
        if (nc > 1)
                CASE("mul_row4", bin(PAR_ARRAY_MUL, ra4, x), "r * x", 0, 0);
        o = bin(PAR_ARRAY_MUL, x, qa);
        check_chunks("x * q", o, 1, cl, nc);
        CASE("mul_col", o, "x * q", 0, 0);
        par_array *gt = bins(PAR_ARRAY_GT, x, 0);
        CHECK_OK(par_array_where(gt, x, ys[g], &o, &err), &err);
        par_array_release(gt);
        CASE("where", o, "np.where(x > 0, x, y)", 0, 0);
        par_array *ab = NULL;
        CHECK_OK(par_array_unary(PAR_ARRAY_ABS, x, &ab, &err), &err);
        CHECK_OK(par_array_unary(PAR_ARRAY_SQRT, ab, &o, &err), &err);
        par_array_release(ab);
        CASE("sqrt_abs", o, "np.sqrt(np.abs(x))", 1e-15, 0);

        /* Reductions: axis 0 chunked as the columns, axis 1 as the rows. */
        static const struct {
                par_stat st;
                const char *np;
        } stats[] = {{PAR_STAT_SUM, "sum"},
                     {PAR_STAT_MEAN, "mean"},
                     {PAR_STAT_MIN, "min"},
                     {PAR_STAT_MAX, "max"}};
        for (size_t s = 0; s < 4; s++) {
                char label[32], expr[64];
                o = red(x, stats[s].st, 0);
                check_chunks("reduce axis 0", o, 0, cl, nc);
                snprintf(label, sizeof label, "%s0", stats[s].np);
                snprintf(expr, sizeof expr, "x.%s(axis=0)", stats[s].np);
                CASE(label, o, expr, 1e-13, 1e-12);
                o = red(x, stats[s].st, 1);
                check_chunks("reduce axis 1", o, 0, rl, nr);
                snprintf(label, sizeof label, "%s1", stats[s].np);
                snprintf(expr, sizeof expr, "x.%s(axis=1)", stats[s].np);
                CASE(label, o, expr, 1e-13, 1e-12);
                o = red(x, stats[s].st, PAR_AXIS_ALL);
                snprintf(label, sizeof label, "%sall", stats[s].np);
                snprintf(expr, sizeof expr, "x.%s()", stats[s].np);
                CASE(label, o, expr, 1e-13, 1e-12);
        }
        for (int ax = -1; ax < 2; ax++) {
                int axis = ax < 0 ? PAR_AXIS_ALL : ax;
                char label[32], expr[64];
                const char *ae = ax < 0 ? "None" : ax == 0 ? "0" : "1";
                CHECK_OK(par_array_var(x, axis, 1, false, NULL, &o, &err), &err);
                snprintf(label, sizeof label, "var%d", ax + 1);
                snprintf(expr, sizeof expr, "x.var(axis=%s, ddof=1)", ae);
                CASE(label, o, expr, 1e-12, 1e-12);
                CHECK_OK(par_array_var(x, axis, 0, true, NULL, &o, &err), &err);
                snprintf(label, sizeof label, "std%d", ax + 1);
                snprintf(expr, sizeof expr, "x.std(axis=%s)", ae);
                CASE(label, o, expr, 1e-12, 1e-12);
                CHECK_OK(par_array_argmin(x, axis, NULL, &o, &err), &err);
                if (ax == 0)
                        check_chunks("argmin axis 0", o, 0, cl, nc);
                snprintf(label, sizeof label, "argmin%d", ax + 1);
                snprintf(expr, sizeof expr, "x.argmin(axis=%s)", ae);
                CASE(label, o, expr, 0, 0);
                CHECK_OK(par_array_argmax(x, axis, NULL, &o, &err), &err);
                snprintf(label, sizeof label, "argmax%d", ax + 1);
                snprintf(expr, sizeof expr, "x.argmax(axis=%s)", ae);
                CASE(label, o, expr, 0, 0);
        }

        /* Transpose: the grid swapped, blocks as views. */
        par_array *xt = tr(x);
        check_chunks("x.T", xt, 0, cl, nc);
        check_chunks("x.T", xt, 1, rl, nr);
        CHECK(par_array_ntasks(xt) == 2 * nr * nc);
        CASE("T", par_array_retain(xt), "x.T", 0, 0);
        CASE("T_sum0", red(xt, PAR_STAT_SUM, 0), "x.T.sum(axis=0)", 1e-13, 1e-12);
        CASE("T_sum1", red(xt, PAR_STAT_SUM, 1), "x.T.sum(axis=1)", 1e-13, 1e-12);
        CASE("T_maxall", red(xt, PAR_STAT_MAX, PAR_AXIS_ALL), "x.T.max()", 0, 0);
        CHECK_OK(par_array_argmin(xt, 1, NULL, &o, &err), &err);
        CASE("T_argmin1", o, "x.T.argmin(axis=1)", 0, 0);
        CHECK_OK(par_array_argmax(xt, PAR_AXIS_ALL, NULL, &o, &err), &err);
        CASE("T_argmaxall", o, "x.T.argmax()", 0, 0);
        CASE("TT", tr(xt), "x.T.T", 0, 0);
        t = bins(PAR_ARRAY_MUL, xt, 3);
        par_array *xt2 = tr(yr);
        CASE("T_add", bin(PAR_ARRAY_ADD, t, xt2), "3 * x.T + y.T", 0, 0);
        par_array_release(t);
        par_array_release(xt2);
        CASE("T_slice", slice(xt, 9, 1, -3, 2, 22, 4), "x.T[9:1:-3, 2:22:4]", 0, 0);

        /* Slices with steps across block boundaries. */
        CASE("sl1", slice(x, 2, 20, 3, 1, 10, 2), "x[2:20:3, 1:10:2]", 0, 0);
        CASE("sl2", slice(x, PAR_NONE, PAR_NONE, -2, PAR_NONE, PAR_NONE, -3),
             "x[::-2, ::-3]", 0, 0);
        CASE("sl3", slice(x, 20, 3, -4, 9, 0, -2), "x[20:3:-4, 9:0:-2]", 0, 0);
        CASE("sl4", slice(x, PAR_NONE, PAR_NONE, PAR_NONE, 3, 8, PAR_NONE), "x[:, 3:8]",
             0, 0);
        o = slice(x, 5, 5, PAR_NONE, PAR_NONE, PAR_NONE, PAR_NONE);
        CHECK(par_array_numblocks(o, 0) == 1 && par_array_chunks(o, 0, NULL)[0] == 0);
        CASE("sl_empty", o, "x[5:5, :]", 0, 0);
        /* The slice's grid: one block per touched block, a view each. */
        o = slice(x, 2, 20, 3, 1, 10, 2);
        {
                /* Columns 1, 3, 5, 7, 9: how many fall in each block. */
                int64_t want[C], n = 0, at = 0;
                for (int64_t b = 0; b < nc; at += cl[b++]) {
                        int64_t cnt = 0;
                        for (int64_t j = 1; j < 10; j += 2)
                                cnt += j >= at && j < at + cl[b];
                        if (cnt)
                                want[n++] = cnt;
                }
                check_chunks("slice columns", o, 1, want, n);
        }
        par_array_release(o);

        /* Matmul: blockwise with a tree of sums; b's rows cut as a's columns. */
        CASE("matmul", matmul(x, wa), "x @ w", 1e-12, 1e-12);
        CASE("matvec", matmul(x, va), "x @ v", 1e-12, 1e-12);
        CASE("xtx", matmul(xt, x), "x.T @ x", 1e-12, 1e-10);
        o = matmul(x, wa);
        check_chunks("matmul rows", o, 0, rl, nr);
        par_array_release(o);

        /* Moment and TSQR based linear algebra: whole rows per chunk. */
        CHECK_OK(par_array_gram(x, NULL, &o, &err), &err);
        CASE("gram", o, "x.T @ x", 1e-12, 1e-10);
        CHECK_OK(par_array_crossprod(x, ys[g], NULL, &o, &err), &err);
        CASE("crossprod", o, "x.T @ y", 1e-12, 1e-10);
        par_array *q = NULL, *r = NULL;
        CHECK_OK(par_array_tsqr(x, NULL, &q, &r, &err), &err);
        CASE("qr", matmul(q, r), "x", 0, 1e-10);
        par_array_release(q);
        par_array_release(r);

        /* Rechunk round trip: to the ragged grid, to columns of 5, back. */
        par_array *a1 = NULL, *a2 = NULL, *a3 = NULL;
        CHECK_OK(par_array_rechunk_grid(x, GRIDS[1], &a1, &err), &err);
        check_chunks("rechunk", a1, 0, RAGGED_R, 4);
        check_chunks("rechunk", a1, 1, RAGGED_C, 4);
        CHECK_OK(par_array_rechunk_grid(a1, (par_chunk_spec[2]){{0, 0, NULL}, {5, 0, NULL}},
                                        &a2, &err),
                 &err);
        check_chunks("rechunk keep rows", a2, 0, RAGGED_R, 4);
        CHECK_OK(par_array_rechunk_grid(a2, GRIDS[g], &a3, &err), &err);
        check_chunks("rechunk back", a3, 0, rl, nr);
        check_chunks("rechunk back", a3, 1, cl, nc);
        CASE("rechunk_a", a1, "x", 0, 0);
        CASE("rechunk_b", a2, "x", 0, 0);
        CASE("rechunk_c", a3, "x", 0, 0);
        /* Same grid: the array itself. */
        CHECK_OK(par_array_rechunk_grid(x, GRIDS[g], &o, &err), &err);
        CHECK(o == x);
        par_array_release(o);
        par_array_release(xt);
#undef CASE
}

/* Values that need a client: lstsq, persist, raw files, blocks. */
static void computed_cases(par_client *c, int pass)
{
        par_error err = {0};
        for (int g = 0; g < NG; g++) {
                par_array *x = xs[g];
                char nm[48];
                /* lstsq of x against its first column plus noise (y's). */
                par_array *b = slice(ys[g], PAR_NONE, PAR_NONE, PAR_NONE, 0, 2, PAR_NONE);
                par_lstsq_result res = {0};
                CHECK_OK(par_array_lstsq(c, x, b, NULL, &res, &err), &err);
                if (pass == 0 && res.x) {
                        snprintf(nm, sizeof nm, "lstsq_%d", g);
                        add_vals(nm, res.x, C * 2,
                                 "np.linalg.lstsq(x, y[:, 0:2], rcond=None)[0].T",
                                 1e-9, 1e-11);
                }
                par_lstsq_result_clear(&res);
                par_array_release(b);

                /* persist keeps the grid and the keys. */
                par_array *p = NULL;
                CHECK_OK(par_array_persist(c, x, &p, &err), &err);
                int64_t n0 = 0, n1 = 0;
                const int64_t *p0 = par_array_chunks(p, 0, &n0), *p1 = par_array_chunks(p, 1, &n1);
                int64_t m0 = 0, m1 = 0;
                const int64_t *x0 = par_array_chunks(x, 0, &m0), *x1 = par_array_chunks(x, 1, &m1);
                CHECK(same_lens(p0, n0, x0, m0) && same_lens(p1, n1, x1, m1));
                CHECK(strcmp(par_array_name(p), par_array_name(x)) == 0);
                par_value *pv = NULL, *xv = NULL;
                par_array *p2 = bins(PAR_ARRAY_MUL, p, -1);
                CHECK_OK(par_array_compute(c, p2, &pv, &err), &err);
                CHECK_OK(par_array_compute(c, x, &xv, &err), &err);
                bool same = pv && xv;
                for (int64_t i = 0; same && i < R; i++)
                        for (int64_t j = 0; j < C; j++)
                                same = same && par_ndarray_get(pv, i, j) == -X[i * C + j] &&
                                       par_ndarray_get(xv, i, j) == X[i * C + j];
                CHECK_MSG(same, "persist/compute of grid %d", g);
                par_value_release(pv);
                par_value_release(xv);
                par_array_release(p2);
                par_array_release(p);

                /* A raw file written by blocks, read back. */
                char path[128];
                snprintf(path, sizeof path, "%s/grid%d.raw", nref_dir, g);
                CHECK_OK(par_array_to_raw(c, x, path, PAR_ROW_MAJOR, &err), &err);
                par_array *back = NULL;
                CHECK_OK(par_array_from_raw(path, 2, (int64_t[]){R, C}, PAR_ROW_MAJOR, 4,
                                            &back, &err),
                         &err);
                CHECK_OK(par_array_compute(c, back, &pv, &err), &err);
                double buf[R * C];
                CHECK_OK(par_ndarray_copy(pv, PAR_ROW_MAJOR, buf, &err), &err);
                CHECK_MSG(memcmp(buf, X, sizeof buf) == 0, "to_raw of grid %d", g);
                par_value_release(pv);
                par_array_release(back);
                unlink(path);

                /* Block (i, j) as a delayed: the view's elements. */
                int64_t nr = par_array_numblocks(x, 0), nc = par_array_numblocks(x, 1);
                par_array *xt = tr(x);
                if (g == 0)
                        (void)TEST_SKIP_IF_MPI("transposed blocks are views only in "
                                               "the process that made them");
                for (int64_t i = 0; i < nr; i++)
                        for (int64_t j = 0; j < nc; j++) {
                                par_delayed *d = NULL;
                                par_value *v = NULL;
                                CHECK_OK(par_array_block(xt, j, i, &d, &err), &err);
                                CHECK_OK(par_compute(c, 1, &d, &v, &err), &err);
                                int64_t r0 = 0, c0 = 0;
                                for (int64_t k = 0; k < i; k++)
                                        r0 += x0[k];
                                for (int64_t k = 0; k < j; k++)
                                        c0 += x1[k];
                                bool ok = par_ndarray_rows(v) == x1[j] &&
                                          par_ndarray_cols(v) == x0[i];
                                for (int64_t a = 0; ok && a < x1[j]; a++)
                                        for (int64_t e = 0; e < x0[i]; e++)
                                                ok = ok && par_ndarray_get(v, a, e) ==
                                                                   X[(r0 + e) * C + c0 + a];
                                /* A view of the input block: no copy, so
                                 * its columns are adjacent elements (on
                                 * MPI it comes from a rank as a copy). */
                                if (x0[i] > 1 && x1[j] > 1 && !test_backend_is_mpi())
                                        ok = ok && par_ndarray_col_stride(v) == 1;
                                CHECK_MSG(ok, "block (%" PRId64 ", %" PRId64 ") of x.T, grid %d",
                                          j, i, g);
                                par_value_release(v);
                                par_delayed_release(d);
                                CHECK_OK(par_array_chunk(x, i * nc + j, &d, &err), &err);
                                CHECK_OK(par_compute(c, 1, &d, &v, &err), &err);
                                CHECK(par_ndarray_rows(v) == x0[i] && par_ndarray_cols(v) == x1[j] &&
                                      (x0[i] == 0 || x1[j] == 0 ||
                                       par_ndarray_get(v, 0, 0) == X[r0 * C + c0]));
                                par_value_release(v);
                                par_delayed_release(d);
                        }
                par_array_release(xt);
        }
}

/* Creation on grids: the values do not depend on the grid. */
static void test_creation(par_client *c)
{
        par_error err = {0};
        int64_t shape[2] = {R, C};
        par_array *a = NULL, *b = NULL;
        par_value *va_ = NULL, *vb = NULL;
        for (int dist = 0; dist < 2; dist++) {
                if (dist == 0) {
                        CHECK_OK(par_array_random_normal(9, 1, 2, 2, shape, R, &a, &err), &err);
                        CHECK_OK(par_array_random_normal_chunks(9, 1, 2, 2, shape, GRIDS[1], &b,
                                                                &err),
                                 &err);
                } else {
                        CHECK_OK(par_array_random_uniform(9, -1, 2, 2, shape, 4, &a, &err),
                                 &err);
                        CHECK_OK(par_array_random_uniform_chunks(9, -1, 2, 2, shape, GRIDS[0],
                                                                 &b, &err),
                                 &err);
                }
                CHECK_OK(par_array_compute(c, a, &va_, &err), &err);
                CHECK_OK(par_array_compute(c, b, &vb, &err), &err);
                double da[R * C], db[R * C];
                CHECK_OK(par_ndarray_copy(va_, PAR_ROW_MAJOR, da, &err), &err);
                CHECK_OK(par_ndarray_copy(vb, PAR_ROW_MAJOR, db, &err), &err);
                CHECK_MSG(memcmp(da, db, sizeof da) == 0, "random %d on a grid", dist);
                par_value_release(va_);
                par_value_release(vb);
                par_array_release(a);
                par_array_release(b);
        }
        CHECK_OK(par_array_full_chunks(2, shape, GRIDS[0], 2.5, &a, &err), &err);
        CHECK(par_array_nchunks(a) == 15 && par_array_numblocks(a, 1) == 3);
        CHECK_OK(par_array_compute(c, a, &va_, &err), &err);
        bool ok = par_ndarray_rows(va_) == R && par_ndarray_cols(va_) == C;
        for (int64_t i = 0; ok && i < R; i++)
                for (int64_t j = 0; j < C; j++)
                        ok = ok && par_ndarray_get(va_, i, j) == 2.5;
        CHECK(ok);
        par_value_release(va_);
        par_array_release(a);
        CHECK_OK(par_array_ones_chunks(1, (int64_t[]){10}, (par_chunk_spec[]){{3, 0, NULL}},
                                       &a, &err),
                 &err);
        CHECK(par_array_nchunks(a) == 4 && par_array_numblocks(a, 1) == 0);
        par_array *s = red(a, PAR_STAT_SUM, PAR_AXIS_ALL);
        CHECK_OK(par_array_compute(c, s, &va_, &err), &err);
        CHECK(par_ndarray_get(va_, 0, 0) == 10);
        par_value_release(va_);
        par_array_release(s);
        par_array_release(a);
        /* A vector rechunked by its one axis (chunks[1] not read). */
        int64_t vl[3] = {5, 0, 6};
        CHECK_OK(par_array_rechunk_grid(va, (par_chunk_spec[]){{0, 3, vl}}, &a, &err), &err);
        CHECK(par_array_nchunks(a) == 3 && par_array_numblocks(a, 1) == 0);
        CHECK_OK(par_array_compute(c, a, &va_, &err), &err);
        ok = par_ndarray_rows(va_) == C;
        for (int64_t i = 0; ok && i < C; i++)
                ok = par_ndarray_get(va_, i, 0) == V[i];
        CHECK(ok);
        par_value_release(va_);
        par_array_release(a);
        CHECK_OK(par_array_zeros_chunks(2, (int64_t[]){0, 3}, GRIDS[0], &a, &err), &err);
        CHECK(par_array_numblocks(a, 0) == 1 && par_array_chunks(a, 0, NULL)[0] == 0);
        par_array_release(a);
}

/* Unknown row lengths (a frame's): columns can be rechunked and computed
 * on; rows cannot be. */
static void test_unknown(par_client *c)
{
        par_error err = {0};
        par_bag *bag = NULL;
        CHECK_OK(par_bag_random_normal(3, 400, 4, 3, 2, &bag, &err), &err);
        par_frame *f0 = NULL, *f1 = NULL, *f = NULL;
        CHECK_OK(par_bag_to_dataframe(bag, 1, (const char *[]){"a"},
                                      (par_dtype[]){PAR_DTYPE_FLOAT64}, &f0, &err),
                 &err);
        par_expr *e1 = par_add(par_mul(par_float(4), par_col("a")), par_float(3));
        par_expr *e2 = par_mul(par_col("a"), par_col("a"));
        CHECK_OK(par_frame_assign(f0, "b", e1, &f1, &err), &err);
        CHECK_OK(par_frame_assign(f1, "c", e2, &f, &err), &err);
        par_expr_release(e1);
        par_expr_release(e2);
        par_frame_release(f0);
        par_frame_release(f1);
        par_array *a = NULL, *g = NULL;
        CHECK_OK(par_frame_to_array(NULL, f, false, &a, &err), &err);
        CHECK(par_array_chunk_rows(a)[0] == -1);
        CHECK_OK(par_array_rechunk_grid(a, (par_chunk_spec[2]){{0, 0, NULL}, {2, 0, NULL}},
                                        &g, &err),
                 &err);
        CHECK(par_array_numblocks(g, 1) == 2 && par_array_chunks(g, 0, NULL)[0] == -1);
        /* Rows of unknown lengths cannot be recut. */
        par_array *bad = NULL;
        CHECK(par_array_rechunk_grid(a, (par_chunk_spec[2]){{10, 0, NULL}, {0, 0, NULL}},
                                     &bad, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "lengths=true") != NULL, "%s", err.message);
        CHECK(par_array_transpose(g, &bad, &err) == PAR_EINVAL);
        par_value *va_ = NULL, *vg = NULL;
        CHECK_OK(par_array_compute(c, a, &va_, &err), &err);
        CHECK_OK(par_array_compute(c, g, &vg, &err), &err);
        bool ok = va_ && vg && par_ndarray_rows(vg) == par_ndarray_rows(va_) &&
                  par_ndarray_cols(vg) == 3 && par_ndarray_rows(vg) > 0;
        for (int64_t i = 0; ok && i < par_ndarray_rows(va_); i++)
                for (int64_t j = 0; j < 3; j++)
                        ok = ok && par_ndarray_get(va_, i, j) == par_ndarray_get(vg, i, j);
        CHECK_MSG(ok, "columns rechunked with unknown row lengths");
        /* Elementwise and a reduction along the rows, against the values. */
        par_array *e = bin(PAR_ARRAY_MUL, g, g), *s = red(e, PAR_STAT_SUM, 0);
        CHECK(par_array_numblocks(s, 0) == 2);
        par_value *vs = NULL;
        CHECK_OK(par_array_compute(c, s, &vs, &err), &err);
        for (int64_t j = 0; ok && j < 3; j++) {
                double want = 0;
                for (int64_t i = 0; i < par_ndarray_rows(va_); i++)
                        want += par_ndarray_get(va_, i, j) * par_ndarray_get(va_, i, j);
                ok = fabs(par_ndarray_get(vs, j, 0) - want) <= 1e-10 * want;
        }
        CHECK_MSG(ok, "sum of squares over unknown rows");
        par_value_release(vs);
        par_value_release(va_);
        par_value_release(vg);
        par_array_release(e);
        par_array_release(s);
        par_array_release(g);
        par_array_release(a);
        par_frame_release(f);
        par_bag_release(bag);
}

/* Task counts: the layers par builds, counted as len(x.dask) in Dask. */
static void test_tasks(void)
{
        par_error err = {0};
        par_array *x = xs[0]; /* 5 x 3 blocks */
        CHECK(par_array_ntasks(x) == 15);
        /* A reduction over all: a partial per block, a tree of 8 at a time
         * (2 then 1), and the final step. */
        par_array *s = red(x, PAR_STAT_SUM, PAR_AXIS_ALL);
        CHECK_MSG(par_array_ntasks(s) == 15 + 15 + 2 + 1 + 1, "%" PRId64, par_array_ntasks(s));
        par_array_release(s);
        /* Along axis 0: per column block 5 partials, one combine, a final. */
        s = red(x, PAR_STAT_SUM, 0);
        CHECK_MSG(par_array_ntasks(s) == 15 + 3 * (5 + 1 + 1), "%" PRId64,
                  par_array_ntasks(s));
        par_array_release(s);
        /* Along axis 1: per row block 3 partials, one combine, a final. */
        s = red(x, PAR_STAT_SUM, 1);
        CHECK_MSG(par_array_ntasks(s) == 15 + 5 * (3 + 1 + 1), "%" PRId64,
                  par_array_ntasks(s));
        par_array_release(s);
        /* var along axis 1 needs whole rows: the row blocks joined (5
         * tasks), then one per row block. */
        CHECK_OK(par_array_var(x, 1, 0, false, NULL, &s, &err), &err);
        CHECK_MSG(par_array_ntasks(s) == 15 + 5 + 5, "%" PRId64, par_array_ntasks(s));
        par_array_release(s);
        /* Matmul: w (11 x 7) in blocks of (4, 3) is 3 x 3 blocks; x's
         * columns are cut (4, 4, 3) too, so no rechunk: 5 * 3 * 3 products
         * and 5 * 3 sums. */
        par_array *m = matmul(x, wa);
        CHECK_MSG(par_array_ntasks(m) == 15 + 9 + 45 + 15, "%" PRId64, par_array_ntasks(m));
        CHECK(par_array_numblocks(m, 0) == 5 && par_array_numblocks(m, 1) == 3);
        par_array_release(m);
        /* The transpose of a tall array of one column block: one row block. */
        par_array *t = tr(xs[4]);
        CHECK(par_array_numblocks(t, 0) == 1 && par_array_numblocks(t, 1) == 8);
        CHECK(par_array_ntasks(t) == 16);
        par_array_release(t);
        /* Fused elementwise across two grids: y (4 x 4 blocks) rechunked to
         * x's grid (a task per block), then one task per block. */
        par_array *e = bin(PAR_ARRAY_ADD, x, yr);
        CHECK_MSG(par_array_ntasks(e) == 15 + 16 + 15 + 15, "%" PRId64, par_array_ntasks(e));
        par_array_release(e);
        /* The summary. */
        char line[160];
        par_array_format(x, line, sizeof line);
        CHECK_MSG(strcmp(line, "Bytes 2.02 kB  Shape (23, 11)  Chunk (5, 4)  15 Tasks  15 "
                               "Chunks (5 x 3)  float64") == 0,
                  "%s", line);
        par_array_format(xs[4], line, sizeof line);
        CHECK_MSG(strcmp(line, "Bytes 2.02 kB  Shape (23, 11)  Chunk (3, 11)  8 Tasks  8 "
                               "Chunks  float64") == 0,
                  "%s", line);
}

static void test_errors(par_client *c)
{
        par_error err = {0};
        par_array *a = NULL;
        int64_t bad_r[3] = {10, 10, 2};
        CHECK(par_array_from_buffer_chunks(X, R, C, PAR_ROW_MAJOR,
                                           (par_chunk_spec[2]){{0, 3, bad_r}, {4, 0, NULL}},
                                           &a, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "22") && strstr(err.message, "23") &&
                          strstr(err.message, "rows"),
                  "%s", err.message);
        CHECK(a == NULL);
        int64_t neg[2] = {12, -1};
        CHECK(par_array_from_buffer_chunks(X, R, C, PAR_ROW_MAJOR,
                                           (par_chunk_spec[2]){{5, 0, NULL}, {0, 2, neg}},
                                           &a, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "-1") && strstr(err.message, "columns"), "%s",
                  err.message);
        CHECK(par_array_from_buffer_chunks(X, R, C, PAR_ROW_MAJOR,
                                           (par_chunk_spec[2]){{0, 0, NULL}, {4, 0, NULL}},
                                           &a, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "chunk size 0"), "%s", err.message);
        CHECK(par_array_full_chunks(2, (int64_t[]){R, C},
                                    (par_chunk_spec[2]){{4, 0, NULL}, {-3, 0, NULL}}, 1, &a,
                                    &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "-3") && strstr(err.message, "columns"), "%s",
                  err.message);
        CHECK(par_array_random_normal_chunks(1, 0, 1, 2, (int64_t[]){R, C},
                                             (par_chunk_spec[2]){{0, 0, bad_r}, {4, 0, NULL}},
                                             &a, &err) == PAR_EINVAL);
        CHECK(par_array_from_buffer_chunks(X, R, C, PAR_ROW_MAJOR, NULL, &a, &err) ==
              PAR_EINVAL);
        int64_t cols12[2] = {6, 6};
        CHECK(par_array_rechunk_grid(xs[0], (par_chunk_spec[2]){{0, 0, NULL}, {0, 2, cols12}},
                                     &a, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "12") && strstr(err.message, "11"), "%s", err.message);
        par_delayed *d = NULL;
        CHECK(par_array_block(xs[0], 5, 0, &d, &err) == PAR_ERANGE);
        CHECK_MSG(strstr(err.message, "5 x 3"), "%s", err.message);
        CHECK(par_array_chunk(xs[0], 15, &d, &err) == PAR_ERANGE);
        CHECK(par_array_matmul(xs[0], xs[1], &a, &err) == PAR_EINVAL);
        /* The models read whole rows: a grid's column blocks are joined
         * on entry, so the fit is the one of the same rows in one block. */
        par_linear_regression m = {0}, m1 = {0};
        par_array *y = slice(xs[0], PAR_NONE, PAR_NONE, PAR_NONE, 0, 1, PAR_NONE);
        par_array *x1 = NULL;
        CHECK_OK(par_array_rechunk_grid(xs[0],
                                        (par_chunk_spec[2]){{0, 0, NULL},
                                                            {PAR_CHUNK_WHOLE, 0, NULL}},
                                        &x1, &err),
                 &err);
        CHECK(x1 && par_array_numblocks(x1, 1) == 1);
        CHECK_OK(par_linear_regression_fit(c, NULL, xs[0], y, &m, &err), &err);
        CHECK_OK(par_linear_regression_fit(c, NULL, x1, y, &m1, &err), &err);
        CHECK(m.coef && m1.coef && m.n_features == m1.n_features &&
              memcmp(m.coef, m1.coef, (size_t)m.n_features * sizeof *m.coef) == 0 &&
              m.intercept == m1.intercept);
        par_linear_regression_clear(&m);
        par_linear_regression_clear(&m1);
        par_array_release(x1);
        par_array_release(y);
}

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        char script[1024];
        if (nref_begin("array-grid") < 0)
                return 1;
        if (nref_script(argc, argv, "array_ref.py", script, sizeof script) < 0) {
                fprintf(stderr, "array_ref.py not found\n");
                return 1;
        }
        make_data();
        for (int g = 0; g < NG; g++)
                grid_cases(g);
        test_tasks();

        static const par_exec_kind kinds[] = {PAR_EXEC_POOL, PAR_EXEC_SERIAL};
        static const char *const names[] = {"pool", "serial"};
        int nfixed = ncases;
        for (int k = 0; k < 2; k++) {
                par_error err = {0};
                par_client *c = NULL;
                if (test_client_new(&(par_client_opts){kinds[k], 0}, &c, &err) != 0) {
                        fprintf(stderr, "client: %s\n", err.message);
                        return 1;
                }
                computed_cases(c, k);
                if (k == 0) {
                        nref_run(script);
                        printf("  %d NumPy cases\n", ncases);
                }
                printf("  %s\n", names[k]);
                for (int i = 0; i < (k == 0 ? ncases : nfixed); i++)
                        compare_case(c, &cases[i]);
                test_creation(c);
                test_unknown(c);
                test_errors(c);
                par_client_free(c);
        }
        for (int i = 0; i < ncases; i++) {
                par_array_release(cases[i].a);
                free(cases[i].vals);
        }
        for (int g = 0; g < NG; g++) {
                par_array_release(xs[g]);
                par_array_release(ys[g]);
        }
        par_array *inputs[] = {yr, wa, va, ra, ra4, qa};
        for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
                par_array_release(inputs[i]);
        nref_end();
        return test_backend_end(check_done("test_array_grid"));
}
