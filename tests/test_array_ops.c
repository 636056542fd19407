/* Array operations against NumPy and plain C: creation (full, arange,
 * random arrays, deterministic across chunkings and thread counts),
 * elementwise operators and functions with broadcasting, fused into one
 * task per chunk, var/std/argmin/argmax along each axis, transpose,
 * rechunk and raw stores read back bit for bit, on odd chunkings (1-row
 * chunks, uneven last chunks, empty arrays), and the errors.
 *
 * NumPy references: the test writes its inputs as raw float64 files to a
 * temporary folder with a line per case (inputs, a NumPy expression), runs
 * tests/array_ref.py once with /usr/bin/python3, and compares every
 * element of each computed array with the reference within the case's
 * stated tolerance: |got - want| <= abs + rel * |want|, NaN where NaN.
 * Arithmetic, comparisons, selections and data movement must be exact
 * (0, 0): both sides round each operation once, in the same order.
 * Library math functions (exp, sin, ...) may differ between glibc and
 * NumPy's own loops by a few units of rounding: rel 1e-13. Reductions add
 * in different orders: rel 1e-12 (1e-9 for a variance around a mean of
 * 1e9, whose data carry 7 fewer digits). Each case runs on the pool and on
 * the serial executor. */
#include <dirent.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_harness.h"
#include "check.h"
#include "numpy_ref.h"
#include "kernels/rng.h"
#include "par.h"

enum { R = 1003, C = 5 };

static double X[R * C], XN[R * C], Y[R * C], Z[R * C], T[R * C], B[R * C];
static double Q[R], V[R], W[R], RV[C];

static uint64_t rng_state = 88172645463325252ull;

static double uniform(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return (double)(rng_state >> 11) * 0x1.0p-53;
}

/* ---- reference cases ------------------------------------------------------------ */

typedef struct ref_case {
        char name[40];
        par_array *a;
        double rel, abs;
} ref_case;

static ref_case cases[512];
static int ncases;

static void write_file(const char *name, const double *p, size_t n)
{
        nref_write(name, p, n * sizeof *p);
}

/* Records a case: the lazy array (taken) and its NumPy expression. */
static void add_case(const char *name, par_array *a, const char *inputs,
                     const char *expr, double rel, double abs)
{
        CHECK_MSG(a != NULL, "case %s has no array", name);
        if (!a || ncases == (int)(sizeof cases / sizeof cases[0]))
                return;
        ref_case *k = &cases[ncases++];
        snprintf(k->name, sizeof k->name, "%s", name);
        k->a = a;
        k->rel = rel;
        k->abs = abs;
        fprintf(nref_spec, "%s\t%s\t%s\n", name, inputs, expr);
}

static void compare_case(par_client *c, const ref_case *k)
{
        int ndim;
        int64_t rows, cols;
        double *want = nref_read_f64(k->name, &ndim, &rows, &cols);
        CHECK_MSG(want != NULL, "no NumPy reference for %s", k->name);
        if (!want)
                return;
        par_error err = {0};
        par_value *v = NULL;
        int rc = par_array_compute(c, k->a, &v, &err);
        CHECK_MSG(rc == 0, "%s: %s", k->name, err.message);
        int64_t shape[2] = {0, 0};
        int nd = par_array_shape(k->a, shape);
        if (rc == 0) {
                CHECK_MSG(nd == ndim && par_ndarray_ndim(v) == ndim &&
                                  par_ndarray_rows(v) == rows &&
                                  par_ndarray_cols(v) == cols &&
                                  (ndim == 0 || shape[0] == rows) &&
                                  (ndim < 2 || shape[1] == cols),
                          "%s: shape %d-d %" PRId64 " x %" PRId64 " (array %" PRId64
                          "), NumPy %d-d %" PRId64 " x %" PRId64,
                          k->name, par_ndarray_ndim(v), par_ndarray_rows(v),
                          par_ndarray_cols(v), shape[0], ndim, rows, cols);
                int bad = 0;
                for (int64_t i = 0; i < rows && par_ndarray_rows(v) == rows; i++)
                        for (int64_t j = 0; j < cols && par_ndarray_cols(v) == cols; j++) {
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

/* ---- the cases ---------------------------------------------------------------------- */

#define IN_X "x=x.bin:2:1003:5"
#define IN_XN "xn=xn.bin:2:1003:5"
#define IN_Y "y=y.bin:2:1003:5"
#define IN_Z "z=z.bin:2:1003:5"
#define IN_T "t=t.bin:2:1003:5"
#define IN_B "b=b.bin:2:1003:5"
#define IN_Q "q=q.bin:2:1003:1"
#define IN_V "v=v.bin:1:1003:1"
#define IN_W "w=w.bin:1:1003:1"
#define IN_R "r=r.bin:1:5:1"

static par_array *ax, *axn, *ay, *az, *at_, *ab, *aq, *av, *aw, *ar, *ax1;

static par_array *arr(const double *d, int64_t rows, int64_t cols, int64_t ch)
{
        par_error err = {0};
        par_array *a = NULL;
        CHECK_OK(par_array_from_buffer(d, rows, cols, ch, PAR_ROW_MAJOR, &a, &err), &err);
        return a;
}

static par_array *vec(const double *d, int64_t n, int64_t ch)
{
        par_error err = {0};
        par_array *a = NULL;
        CHECK_OK(par_array_from_vector(d, n, ch, &a, &err), &err);
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

static par_array *sbin(par_array_binop op, double s, par_array *a)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_scalar_binary(op, s, a, &o, &err), &err);
        return o;
}

static par_array *un(par_array_fn fn, par_array *a)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_unary(fn, a, &o, &err), &err);
        return o;
}

/* Releases `tmp` and returns `keep`, for expressions built in steps. */
static par_array *drop(par_array *tmp, par_array *keep)
{
        par_array_release(tmp);
        return keep;
}

static void make_data(void)
{
        for (int i = 0; i < R * C; i++) {
                X[i] = (uniform() - 0.5) * 100;
                Y[i] = i % 7 == 0 ? X[i] : i % 11 == 0 ? 0 : (uniform() - 0.5) * 100;
                Z[i] = (uniform() - 0.5) * 10;
                T[i] = floor(X[i] / 10); /* many ties */
                B[i] = 1e9 + X[i];
                XN[i] = i % 13 == 5 ? NAN : i % 17 == 3 ? INFINITY : X[i];
        }
        for (int i = 0; i < R; i++) {
                Q[i] = uniform() + 0.5;
                V[i] = (uniform() - 0.5) * 4;
                W[i] = uniform() * 3;
        }
        for (int j = 0; j < C; j++)
                RV[j] = j + 1.5;
        write_file("x.bin", X, R * C);
        write_file("xn.bin", XN, R * C);
        write_file("y.bin", Y, R * C);
        write_file("z.bin", Z, R * C);
        write_file("t.bin", T, R * C);
        write_file("b.bin", B, R * C);
        write_file("q.bin", Q, R);
        write_file("v.bin", V, R);
        write_file("w.bin", W, R);
        write_file("r.bin", RV, C);
        ax = arr(X, R, C, 97);
        ax1 = arr(X, R, C, 1); /* 1-row chunks */
        axn = arr(XN, R, C, 97);
        ay = arr(Y, R, C, 97);
        az = arr(Z, R, C, 50); /* chunked unlike x */
        at_ = arr(T, R, C, 100);
        ab = arr(B, R, C, 97);
        aq = arr(Q, R, 1, 97);
        av = vec(V, R, 1);
        aw = vec(W, R, 333);
        ar = vec(RV, C, C);
}

static void binary_cases(void)
{
        static const struct {
                par_array_binop op;
                const char *name, *py;
        } ops[] = {
                {PAR_ARRAY_ADD, "add", "x + y"},
                {PAR_ARRAY_SUB, "sub", "x - y"},
                {PAR_ARRAY_MUL, "mul", "x * y"},
                {PAR_ARRAY_DIV, "div", "x / y"},
                {PAR_ARRAY_MOD, "mod", "np.remainder(x, y)"},
                {PAR_ARRAY_MINIMUM, "minimum", "np.minimum(x, y)"},
                {PAR_ARRAY_MAXIMUM, "maximum", "np.maximum(x, y)"},
                {PAR_ARRAY_EQ, "eq", "(x == y) * 1.0"},
                {PAR_ARRAY_NE, "ne", "(x != y) * 1.0"},
                {PAR_ARRAY_LT, "lt", "(x < y) * 1.0"},
                {PAR_ARRAY_LE, "le", "(x <= y) * 1.0"},
                {PAR_ARRAY_GT, "gt", "(x > y) * 1.0"},
                {PAR_ARRAY_GE, "ge", "(x >= y) * 1.0"},
                {PAR_ARRAY_AND, "and", "np.logical_and(x, y) * 1.0"},
                {PAR_ARRAY_OR, "or", "np.logical_or(x, y) * 1.0"},
        };
        char name[40], py[160];
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                snprintf(name, sizeof name, "bin_%s", ops[i].name);
                add_case(name, bin(ops[i].op, ax, ay), IN_X "," IN_Y, ops[i].py, 0, 0);
                /* With NaN and infinity on the left, 1-row chunks on the right. */
                par_array *y1 = arr(Y, R, C, 1);
                snprintf(name, sizeof name, "binnan_%s", ops[i].name);
                snprintf(py, sizeof py, "(lambda x: %s)(xn)", ops[i].py);
                add_case(name, bin(ops[i].op, axn, y1), IN_XN "," IN_Y, py, 0, 0);
                par_array_release(y1);
        }
        /* Powers of positive bases; math library: rel 1e-13. */
        par_array *b = un(PAR_ARRAY_ABS, ax), *e = bins(PAR_ARRAY_MUL, ay, 0.04);
        add_case("pow", bin(PAR_ARRAY_POW, b, e), IN_X "," IN_Y,
                 "np.abs(x) ** (y * 0.04)", 1e-13, 0);
        par_array_release(b);
        par_array_release(e);
        /* Scalars on either side. */
        add_case("rdiv", sbin(PAR_ARRAY_DIV, 1, ax), IN_X, "1 / x", 0, 0);
        add_case("rsub", sbin(PAR_ARRAY_SUB, 2.5, ax), IN_X, "2.5 - x", 0, 0);
        add_case("rmod", sbin(PAR_ARRAY_MOD, 7, ax), IN_X, "np.remainder(7, x)", 0, 0);
        par_array *x2 = bins(PAR_ARRAY_MUL, ax, 0.02);
        add_case("rpow", drop(x2, sbin(PAR_ARRAY_POW, 2, x2)), IN_X, "2.0 ** (x * 0.02)",
                 1e-13, 0);
}

static void unary_cases(void)
{
        static const struct {
                par_array_fn fn;
                const char *np;
        } fns[] = {
                {PAR_ARRAY_NEG, "negative"},     {PAR_ARRAY_ABS, "absolute"},
                {PAR_ARRAY_SQRT, "sqrt"},        {PAR_ARRAY_SQUARE, "square"},
                {PAR_ARRAY_RECIPROCAL, "reciprocal"}, {PAR_ARRAY_EXP, "exp"},
                {PAR_ARRAY_EXPM1, "expm1"},      {PAR_ARRAY_LOG, "log"},
                {PAR_ARRAY_LOG1P, "log1p"},      {PAR_ARRAY_LOG2, "log2"},
                {PAR_ARRAY_LOG10, "log10"},      {PAR_ARRAY_SIN, "sin"},
                {PAR_ARRAY_COS, "cos"},          {PAR_ARRAY_TAN, "tan"},
                {PAR_ARRAY_ARCSIN, "arcsin"},    {PAR_ARRAY_ARCCOS, "arccos"},
                {PAR_ARRAY_ARCTAN, "arctan"},    {PAR_ARRAY_SINH, "sinh"},
                {PAR_ARRAY_COSH, "cosh"},        {PAR_ARRAY_TANH, "tanh"},
                {PAR_ARRAY_FLOOR, "floor"},      {PAR_ARRAY_CEIL, "ceil"},
                {PAR_ARRAY_TRUNC, "trunc"},      {PAR_ARRAY_RINT, "rint"},
                {PAR_ARRAY_SIGN, "sign"},        {PAR_ARRAY_ISNAN, "isnan"},
                {PAR_ARRAY_ISINF, "isinf"},      {PAR_ARRAY_ISFINITE, "isfinite"},
                {PAR_ARRAY_NOT, "logical_not"},
        };
        char name[40], py[120];
        for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
                /* fn(xn * 0.025): domains crossed, NaN and infinity included. */
                par_array *s = bins(PAR_ARRAY_MUL, axn, 0.025);
                snprintf(name, sizeof name, "un_%s", fns[i].np);
                snprintf(py, sizeof py, "np.%s(xn * 0.025) * 1.0", fns[i].np);
                add_case(name, drop(s, un(fns[i].fn, s)), IN_XN, py, 1e-13, 1e-300);
        }
        /* A rounding-halfway case for rint: x * 0.5 has exact halves. */
        par_array *h = bins(PAR_ARRAY_MUL, at_, 0.5);
        add_case("rint_half", drop(h, un(PAR_ARRAY_RINT, h)), IN_T, "np.rint(t * 0.5)", 0,
                 0);
}

static void broadcast_cases(void)
{
        par_error err = {0};
        add_case("bc_row", bin(PAR_ARRAY_ADD, ax, ar), IN_X "," IN_R, "x + r", 0, 0);
        add_case("bc_row_left", bin(PAR_ARRAY_SUB, ar, ax1), IN_X "," IN_R, "r - x", 0, 0);
        add_case("bc_col", bin(PAR_ARRAY_MUL, ax, aq), IN_X "," IN_Q, "x * q", 0, 0);
        add_case("bc_rechunk", bin(PAR_ARRAY_ADD, ax, az), IN_X "," IN_Z, "x + z", 0, 0);
        add_case("bc_vec", bin(PAR_ARRAY_DIV, av, aw), IN_V "," IN_W, "v / w", 0, 0);
        /* Against reductions: (p,) and 0-d results, one chunk each. */
        par_array *m0 = NULL, *m = NULL, *s0 = NULL, *row = NULL;
        CHECK_OK(par_array_reduce(ax, PAR_STAT_MEAN, 0, NULL, &m0, &err), &err);
        CHECK_OK(par_array_reduce(ax, PAR_STAT_MEAN, PAR_AXIS_ALL, NULL, &m, &err), &err);
        CHECK_OK(par_array_var(ax, 0, 0, true, NULL, &s0, &err), &err);
        par_array *d = bin(PAR_ARRAY_SUB, ax, m0);
        add_case("standardize", drop(d, bin(PAR_ARRAY_DIV, d, s0)), IN_X,
                 "(x - x.mean(axis=0)) / x.std(axis=0)", 1e-12, 1e-12);
        add_case("bc_scalar", bin(PAR_ARRAY_SUB, ax, m), IN_X, "x - x.mean()", 1e-12,
                 1e-12);
        /* A (1, p) row from a slice. */
        CHECK_OK(par_array_slice(ax, 0, 1, PAR_NONE, PAR_NONE, PAR_NONE, PAR_NONE, &row,
                                 &err),
                 &err);
        add_case("bc_row2d", bin(PAR_ARRAY_SUB, ax, row), IN_X, "x - x[0:1, :]", 0, 0);
        par_array_release(m0);
        par_array_release(m);
        par_array_release(s0);
        par_array_release(row);
        /* where, and a chain over three arrays. */
        par_array *cond = bins(PAR_ARRAY_GT, ax, 0), *y2 = bins(PAR_ARRAY_MUL, ay, 2);
        par_array *w = NULL;
        CHECK_OK(par_array_where(cond, ax, y2, &w, &err), &err);
        add_case("where", w, IN_X "," IN_Y, "np.where(x > 0, x, y * 2)", 0, 0);
        par_array *a = bin(PAR_ARRAY_ADD, ax, ay), *b = bin(PAR_ARRAY_SUB, ax, az);
        par_array *ab_ = bin(PAR_ARRAY_MUL, a, b);
        add_case("chain3", bins(PAR_ARRAY_ADD, ab_, 1), IN_X "," IN_Y "," IN_Z,
                 "(x + y) * (x - z) + 1", 0, 0);
        par_array_release(ab_);
        par_array_release(a);
        par_array_release(b);
        par_array_release(cond);
        par_array_release(y2);
        /* Strided views as inputs: every other row, reversed columns. */
        par_array *sv = NULL;
        CHECK_OK(par_array_slice(ax, 1, PAR_NONE, 2, PAR_NONE, PAR_NONE, -1, &sv, &err),
                 &err);
        par_array *sw = NULL;
        CHECK_OK(par_array_slice(ay, 0, -1, 2, PAR_NONE, PAR_NONE, PAR_NONE, &sw, &err),
                 &err);
        add_case("views", bin(PAR_ARRAY_MUL, sv, sw), IN_X "," IN_Y,
                 "x[1::2, ::-1] * y[0:-1:2, :]", 0, 0);
        par_array_release(sv);
        par_array_release(sw);
        /* Empty arrays. */
        par_array *e = arr(X, 0, C, 10);
        add_case("empty", bins(PAR_ARRAY_ADD, e, 1), "", "np.zeros((0, 5)) + 1", 0, 0);
        par_array_release(e);
}

static void reduction_cases(void)
{
        par_error err = {0};
        par_agg_opts three = {3};
        static const int axes[] = {0, 1, PAR_AXIS_ALL};
        static const char *const pyaxes[] = {"axis=0", "axis=1", "axis=None"};
        char name[40], py[120];
        for (int k = 0; k < 3; k++) {
                for (int ddof = 0; ddof < 2; ddof++)
                        for (int sd = 0; sd < 2; sd++) {
                                par_array *o = NULL;
                                CHECK_OK(par_array_var(ab, axes[k], ddof, sd, NULL, &o, &err),
                                         &err);
                                snprintf(name, sizeof name, "%s_b_%d_%d", sd ? "std" : "var",
                                         k, ddof);
                                snprintf(py, sizeof py, "np.%s(b, %s, ddof=%d)",
                                         sd ? "std" : "var", pyaxes[k], ddof);
                                add_case(name, o, IN_B, py, 1e-9, 0);
                                CHECK_OK(par_array_var(ax1, axes[k], ddof, sd, &three, &o,
                                                       &err),
                                         &err);
                                snprintf(name, sizeof name, "%s_x1_%d_%d", sd ? "std" : "var",
                                         k, ddof);
                                snprintf(py, sizeof py, "np.%s(x, %s, ddof=%d)",
                                         sd ? "std" : "var", pyaxes[k], ddof);
                                add_case(name, o, IN_X, py, 1e-12, 0);
                        }
                par_array *arrays[3] = {at_, axn, ax1};
                const char *ins[3] = {IN_T, IN_XN, IN_X}, *vars[3] = {"t", "xn", "x"};
                for (int i = 0; i < 3; i++)
                        for (int mx = 0; mx < 2; mx++) {
                                par_array *o = NULL;
                                int rc = mx ? par_array_argmax(arrays[i], axes[k], &three, &o,
                                                               &err)
                                            : par_array_argmin(arrays[i], axes[k], &three, &o,
                                                               &err);
                                CHECK_MSG(rc == 0, "%s", err.message);
                                snprintf(name, sizeof name, "arg%s_%s_%d", mx ? "max" : "min",
                                         vars[i], k);
                                snprintf(py, sizeof py, "np.arg%s(%s, %s) * 1.0",
                                         mx ? "max" : "min", vars[i], pyaxes[k]);
                                add_case(name, o, ins[i], py, 0, 0);
                        }
        }
        /* 1-D: a vector of 1-row chunks. */
        par_array *o = NULL;
        CHECK_OK(par_array_var(av, 0, 1, false, &three, &o, &err), &err);
        add_case("var_v", o, IN_V, "np.var(v, ddof=1)", 1e-12, 0);
        CHECK_OK(par_array_argmax(aw, -1, NULL, &o, &err), &err);
        add_case("argmax_w", o, IN_W, "np.argmax(w) * 1.0", 0, 0);
        /* A reduction of a fused expression. */
        par_array *x3 = bins(PAR_ARRAY_SUB, ax, 3);
        par_array *sq = drop(x3, un(PAR_ARRAY_SQUARE, x3));
        CHECK_OK(par_array_reduce(sq, PAR_STAT_SUM, 1, NULL, &o, &err), &err);
        add_case("sum_sq", o, IN_X, "((x - 3) ** 2).sum(axis=1)", 1e-12, 0);
        par_array_release(sq);
}

static void movement_cases(void)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_transpose(ax, &o, &err), &err);
        add_case("transpose", o, IN_X, "x.T", 0, 0);
        int64_t shape[2];
        CHECK(par_array_shape(o, shape) == 2 && shape[0] == C && shape[1] == R);
        /* Many output chunks: 40 x 30 in chunks of 4 rows. */
        write_file("m.bin", X, 1200);
        par_array *m = arr(X, 40, 30, 4);
        CHECK_OK(par_array_transpose(m, &o, &err), &err);
        CHECK_MSG(par_array_nchunks(o) == 10, "%" PRId64, par_array_nchunks(o));
        add_case("transpose_wide", o, "m=m.bin:2:40:30", "m.T", 0, 0);
        par_array *t2 = NULL;
        CHECK_OK(par_array_transpose(o, &t2, &err), &err);
        add_case("transpose_twice", t2, "m=m.bin:2:40:30", "m", 0, 0);
        /* A transpose inside an expression and a reduction. */
        par_array *s = NULL;
        CHECK_OK(par_array_reduce(o, PAR_STAT_SUM, 1, NULL, &s, &err), &err);
        add_case("transpose_sum", s, "m=m.bin:2:40:30", "m.T.sum(axis=1)", 1e-12, 0);
        par_array_release(m);
        /* Rechunk: 1-row chunks, one chunk, explicit lengths with empties. */
        CHECK_OK(par_array_rechunk(ax, 1, &o, &err), &err);
        CHECK(par_array_nchunks(o) == R && par_array_chunk_rows(o)[R - 1] == 1);
        add_case("rechunk_1", o, IN_X, "x", 0, 0);
        CHECK_OK(par_array_rechunk(ax1, 2000, &o, &err), &err);
        CHECK(par_array_nchunks(o) == 1 && par_array_chunk_rows(o)[0] == R);
        add_case("rechunk_all", o, IN_X, "x", 0, 0);
        int64_t lens[5] = {0, 500, 0, 3, 500};
        CHECK_OK(par_array_rechunk_lengths(az, 5, lens, &o, &err), &err);
        CHECK(par_array_nchunks(o) == 5 && par_array_chunk_rows(o)[3] == 3);
        add_case("rechunk_lens", o, IN_Z, "z", 0, 0);
        CHECK_OK(par_array_rechunk(aw, 100, &o, &err), &err);
        add_case("rechunk_vec", o, IN_W, "w", 0, 0);
}

static void creation_cases(void)
{
        par_error err = {0};
        static const struct {
                double start, stop, step;
                int64_t chunk;
                const char *py;
        } ar_[] = {
                {0.5, 100.3, 0.7, 13, "np.arange(0.5, 100.3, 0.7)"},
                {10, -3, -0.25, 7, "np.arange(10, -3, -0.25)"},
                {0, 0, 1, 5, "np.arange(0.0, 0.0, 1.0)"},
                {0, 10, 1, 3, "np.arange(0.0, 10.0, 1.0)"},
                {1, 2, 3, 1, "np.arange(1.0, 2.0, 3.0)"},
        };
        char name[40];
        for (size_t i = 0; i < sizeof ar_ / sizeof ar_[0]; i++) {
                par_array *a = NULL;
                CHECK_OK(par_array_arange(ar_[i].start, ar_[i].stop, ar_[i].step,
                                          ar_[i].chunk, &a, &err),
                         &err);
                snprintf(name, sizeof name, "arange_%zu", i);
                add_case(name, a, "", ar_[i].py, 1e-14, 1e-13);
        }
        /* arange in an expression: the fused task reads arange's chunk. */
        par_array *a = NULL;
        CHECK_OK(par_array_arange(0, 1003, 1, 97, &a, &err), &err);
        add_case("arange_sin", drop(a, un(PAR_ARRAY_SIN, a)), "", "np.sin(np.arange(1003.0))",
                 1e-13, 1e-300);
}

/* ---- plain C checks --------------------------------------------------------------- */

static void test_full(par_client *c)
{
        par_error err = {0};
        par_array *a = NULL;
        par_value *v = NULL;
        int64_t shape[2] = {1000, 4};
        CHECK_OK(par_array_ones(2, shape, 100, &a, &err), &err);
        char line[200];
        par_array_format(a, line, sizeof line);
        CHECK_MSG(strcmp(line, "Bytes 32.00 kB  Shape (1000, 4)  Chunk (100, 4)  10 Tasks  "
                               "10 Chunks  float64") == 0,
                  "%s", line);
        /* 4 * a + 3: one more task per chunk, not two. */
        par_array *t = bins(PAR_ARRAY_MUL, a, 4), *y = bins(PAR_ARRAY_ADD, t, 3);
        CHECK_MSG(par_array_ntasks(y) == 20, "%" PRId64, par_array_ntasks(y));
        par_array_format(y, line, sizeof line);
        CHECK_MSG(strstr(line, "20 Tasks  10 Chunks") != NULL, "%s", line);
        CHECK_OK(par_array_compute(c, y, &v, &err), &err);
        int bad = 0;
        for (int64_t i = 0; i < 1000; i++)
                for (int64_t j = 0; j < 4; j++)
                        bad += par_ndarray_get(v, i, j) != 7.0;
        CHECK(bad == 0 && par_ndarray_rows(v) == 1000);
        par_value_release(v);
        par_array_release(t);
        par_array_release(y);
        par_array_release(a);
        int64_t n1[1] = {7};
        CHECK_OK(par_array_full(1, n1, 3, -2.5, &a, &err), &err);
        CHECK_OK(par_array_compute(c, a, &v, &err), &err);
        CHECK(par_ndarray_ndim(v) == 1 && par_ndarray_rows(v) == 7 &&
              par_ndarray_get(v, 6, 0) == -2.5);
        par_value_release(v);
        par_array_release(a);
        int64_t z[2] = {0, 3};
        CHECK_OK(par_array_zeros(2, z, 3, &a, &err), &err);
        CHECK(par_array_nchunks(a) == 1);
        CHECK_OK(par_array_compute(c, a, &v, &err), &err);
        CHECK(par_ndarray_rows(v) == 0 && par_ndarray_cols(v) == 3);
        par_value_release(v);
        par_array_release(a);
}

/* Fusion: a long chain over one array, and one over two arrays, are one
 * layer of one task per chunk on top of the inputs. */
static void test_fusion(void)
{
        int64_t base = par_array_ntasks(ax);
        par_array *e = par_array_retain(ax);
        for (int i = 0; i < 20; i++) {
                par_array *n = i % 3 == 0   ? bins(PAR_ARRAY_MUL, e, 1.01)
                               : i % 3 == 1 ? un(PAR_ARRAY_TANH, e)
                                            : sbin(PAR_ARRAY_SUB, 0.5, e);
                par_array_release(e);
                e = n;
        }
        CHECK_MSG(par_array_ntasks(e) == base + par_array_nchunks(ax), "%" PRId64,
                  par_array_ntasks(e));
        par_array *f = bin(PAR_ARRAY_MUL, e, ay);
        CHECK_MSG(par_array_ntasks(f) == base + par_array_ntasks(ay) + par_array_nchunks(ax),
                  "%" PRId64, par_array_ntasks(f));
        par_array_release(f);
        par_array_release(e);
}

static void test_random(void)
{
        par_error err = {0};
        par_client *c1 = NULL, *c2 = NULL;
        CHECK_OK(test_client_new(&(par_client_opts){PAR_EXEC_POOL, 1}, &c1, &err), &err);
        /* Under MPI one client at a time: the ranks' pools differ anyway. */
        if (test_backend_is_mpi())
                c2 = c1;
        else
                CHECK_OK(test_client_new(&(par_client_opts){PAR_EXEC_POOL, 2}, &c2, &err),
                         &err);
        int64_t shape[2] = {R, C};
        for (int u = 0; u < 2; u++) {
                par_array *a = NULL, *b = NULL;
                par_value *va = NULL, *vb = NULL;
                if (u) {
                        CHECK_OK(par_array_random_uniform(42, -2, 3, 2, shape, 97, &a, &err),
                                 &err);
                        CHECK_OK(par_array_random_uniform(42, -2, 3, 2, shape, 1000, &b, &err),
                                 &err);
                } else {
                        CHECK_OK(par_array_random_normal(42, 1, 2, 2, shape, 97, &a, &err),
                                 &err);
                        CHECK_OK(par_array_random_normal(42, 1, 2, 2, shape, 1000, &b, &err),
                                 &err);
                }
                CHECK_OK(par_array_compute(c1, a, &va, &err), &err);
                CHECK_OK(par_array_compute(c2, b, &vb, &err), &err);
                /* The stream itself, filled in one call, row-major. */
                static double flat[R * C];
                if (u)
                        par__rng_uniform_range(42, 0, 0, -2, 3, flat, R * C);
                else
                        par__rng_normal(42, 0, 0, 1, 2, flat, R * C);
                int diff = 0, out = 0;
                double s = 0, s2 = 0;
                for (int64_t i = 0; va && vb && i < R; i++)
                        for (int64_t j = 0; j < C; j++) {
                                double x = par_ndarray_get(va, i, j);
                                diff += x != par_ndarray_get(vb, i, j) || x != flat[i * C + j];
                                out += u && !(x >= -2 && x < 3);
                                s += x;
                                s2 += x * x;
                        }
                CHECK_MSG(diff == 0, "%d elements differ across chunkings/threads", diff);
                CHECK(out == 0);
                double n = R * C, mean = s / n, sd = sqrt(s2 / n - mean * mean);
                double want_mean = u ? 0.5 : 1, want_sd = u ? 5 / sqrt(12) : 2;
                CHECK_MSG(fabs(mean - want_mean) < 5 * want_sd / sqrt(n) &&
                                  fabs(sd - want_sd) < 0.05 * want_sd,
                          "mean %g sd %g", mean, sd);
                /* A different seed gives different numbers. */
                par_array *d = NULL;
                par_value *vd = NULL;
                CHECK_OK(par_array_random_normal(43, 1, 2, 2, shape, 97, &d, &err), &err);
                CHECK_OK(par_array_compute(c2, d, &vd, &err), &err);
                CHECK(par_ndarray_get(vd, 5, 1) != par_ndarray_get(va, 5, 1) || u);
                par_value_release(vd);
                par_array_release(d);
                par_value_release(va);
                par_value_release(vb);
                par_array_release(a);
                par_array_release(b);
        }
        if (c2 != c1)
                par_client_free(c2);
        par_client_free(c1);
}

static bool read_raw(const char *path, double *dst, size_t n)
{
        FILE *f = fopen(path, "rb");
        bool ok = f && fread(dst, sizeof *dst, n, f) == n && fgetc(f) == EOF;
        if (f)
                fclose(f);
        return ok;
}

static int count_tmp_files(void)
{
        DIR *d = opendir(nref_dir);
        int n = 0;
        for (struct dirent *e; d && (e = readdir(d));)
                n += strstr(e->d_name, ".tmp-") != NULL;
        if (d)
                closedir(d);
        return n;
}

static void test_store(par_client *c)
{
        par_error err = {0};
        par_array *o2 = NULL;
        static double back[R * C];
        char path[128];
        snprintf(path, sizeof path, "%s/store.raw", nref_dir);
        par_array *srcs[2] = {ax1, az};
        const double *data[2] = {X, Z};
        for (int k = 0; k < 2; k++)
                for (int l = 0; l < 2; l++) {
                        par_layout lay = l ? PAR_COL_MAJOR : PAR_ROW_MAJOR;
                        CHECK_OK(par_array_to_raw(c, srcs[k], path, lay, &err), &err);
                        CHECK(read_raw(path, back, R * C));
                        int bad = 0;
                        for (int64_t i = 0; i < R; i++)
                                for (int64_t j = 0; j < C; j++)
                                        bad += memcmp(&back[lay ? j * R + i : i * C + j],
                                                      &data[k][i * C + j], 8) != 0;
                        CHECK_MSG(bad == 0, "store %d %d: %d differ", k, l, bad);
                        /* And back through from_raw, in chunks of 7 rows. */
                        par_array *back_a = NULL;
                        par_value *bv = NULL;
                        int64_t shape[2] = {R, C};
                        CHECK_OK(par_array_from_raw(path, 2, shape, lay, 7, &back_a, &err),
                                 &err);
                        CHECK_OK(par_array_compute(c, back_a, &bv, &err), &err);
                        bad = 0;
                        for (int64_t i = 0; bv && i < R; i++)
                                for (int64_t j = 0; j < C; j++) {
                                        double g = par_ndarray_get(bv, i, j);
                                        bad += memcmp(&g, &data[k][i * C + j], 8) != 0;
                                }
                        CHECK_MSG(bv && bad == 0, "from_raw %d %d: %d differ", k, l, bad);
                        par_value_release(bv);
                        par_array_release(back_a);
                }
        /* A fused expression and a 1-D array of 1-row chunks. */
        par_array *e4 = bins(PAR_ARRAY_MUL, ax1, 4);
        par_array *e = drop(e4, bins(PAR_ARRAY_ADD, e4, 3));
        CHECK_OK(par_array_to_raw(c, e, path, PAR_ROW_MAJOR, &err), &err);
        CHECK(read_raw(path, back, R * C));
        int bad = 0;
        for (int i = 0; i < R * C; i++)
                bad += back[i] != 4 * X[i] + 3;
        CHECK(bad == 0);
        par_array_release(e);
        CHECK_OK(par_array_to_raw(c, av, path, PAR_COL_MAJOR, &err), &err);
        CHECK(read_raw(path, back, R) && memcmp(back, V, sizeof V) == 0);
        CHECK(count_tmp_files() == 0);
        /* from_raw: a 1-D file, a wrong size, a missing file, a file cut
         * short after the array was made. */
        par_array *rv = NULL;
        par_value *vv = NULL;
        int64_t n1[1] = {R}, n2[2] = {R, 2};
        CHECK_OK(par_array_from_raw(path, 1, n1, PAR_COL_MAJOR, 100, &rv, &err), &err);
        CHECK_OK(par_array_compute(c, rv, &vv, &err), &err);
        CHECK(vv && par_ndarray_ndim(vv) == 1 && par_ndarray_get(vv, R - 1, 0) == V[R - 1]);
        par_value_release(vv);
        CHECK(par_array_from_raw(path, 2, n2, PAR_ROW_MAJOR, 100, &o2, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "8024 bytes") != NULL, "%s", err.message);
        char missing[160];
        snprintf(missing, sizeof missing, "%s/missing.raw", nref_dir);
        CHECK(par_array_from_raw(missing, 1, n1, PAR_ROW_MAJOR, 100, &o2, &err) == PAR_EIO);
        CHECK(truncate(path, 800) == 0);
        CHECK(par_array_compute(c, rv, &vv, &err) < 0 && !vv);
        CHECK_MSG(strstr(err.message, "too short") != NULL, "%s", err.message);
        par_array_release(rv);
        /* A folder that does not exist: PAR_EIO naming it; nothing left. */
        char bad_path[160];
        snprintf(bad_path, sizeof bad_path, "%s/no/such/dir/x.raw", nref_dir);
        CHECK(par_array_to_raw(c, ax, bad_path, PAR_ROW_MAJOR, &err) == PAR_EIO);
        CHECK(strstr(err.message, "no/such/dir") != NULL);
        /* A failing chunk: the old file stays, no temporary is left. */
        par_array *m = arr(X, 0, C, 10);
        par_array *mn = NULL;
        CHECK_OK(par_array_argmin(m, 0, NULL, &mn, &err), &err);
        struct stat st0, st1;
        CHECK(stat(path, &st0) == 0);
        CHECK(par_array_to_raw(c, mn, path, PAR_ROW_MAJOR, &err) < 0);
        CHECK(strstr(err.message, "empty sequence") != NULL);
        CHECK(stat(path, &st1) == 0 && st1.st_size == st0.st_size);
        CHECK(count_tmp_files() == 0);
        par_array_release(mn);
        par_array_release(m);
}

static void test_errors(par_client *c)
{
        par_error err = {0};
        par_array *o = NULL, *w4 = arr(X, R, 4, 97);
        CHECK(par_array_binary(PAR_ARRAY_ADD, ax, w4, &o, &err) == PAR_EINVAL && !o);
        CHECK_MSG(strstr(err.message, "(1003, 5)") && strstr(err.message, "(1003, 4)"), "%s",
                  err.message);
        par_array *v7 = vec(X, 7, 3);
        CHECK(par_array_binary(PAR_ARRAY_MUL, av, v7, &o, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "(1003,)") && strstr(err.message, "(7,)"), "%s",
                  err.message);
        CHECK(par_array_unary((par_array_fn)999, ax, &o, &err) == PAR_EINVAL);
        CHECK(par_array_binary((par_array_binop)0, ax, ax, &o, &err) == PAR_EINVAL);
        CHECK(par_array_binary(PAR_ARRAY_ADD, NULL, ax, &o, &err) == PAR_EINVAL);
        /* A broadcast operand of several chunks. */
        par_array *r2 = vec(RV, C, 2);
        CHECK(par_array_binary(PAR_ARRAY_ADD, ax, r2, &o, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "chunks") != NULL, "%s", err.message);
        CHECK(par_array_var(ax, 2, 0, false, NULL, &o, &err) == PAR_EINVAL);
        CHECK(par_array_var(ax, 0, -1, false, NULL, &o, &err) == PAR_EINVAL);
        CHECK(par_array_argmin(ax, -3, NULL, &o, &err) == PAR_EINVAL);
        int64_t lens[2] = {500, 502};
        CHECK(par_array_rechunk_lengths(ax, 2, lens, &o, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "1002") && strstr(err.message, "1003"), "%s",
                  err.message);
        CHECK(par_array_rechunk(ax, 0, &o, &err) == PAR_EINVAL);
        CHECK(par_array_arange(0, 1, 0, 5, &o, &err) == PAR_EINVAL);
        CHECK(par_array_arange(0, 1, 0.1, 0, &o, &err) == PAR_EINVAL);
        int64_t shape[2] = {3, -1};
        CHECK(par_array_zeros(2, shape, 5, &o, &err) == PAR_EINVAL);
        CHECK(par_array_zeros(3, shape, 5, &o, &err) == PAR_EINVAL);
        shape[1] = 2;
        CHECK(par_array_random_normal(1, 0, -1, 2, shape, 5, &o, &err) == PAR_EINVAL);
        CHECK(par_array_to_raw(c, ax, NULL, PAR_ROW_MAJOR, &err) == PAR_EINVAL);
        par_array_release(r2);
        par_array_release(v7);
        par_array_release(w4);

        /* Unknown chunk lengths: elementwise works alone and with
         * broadcasts; rechunk, transpose, store and mixing with known
         * lengths say what to do. */
        par_bag *bag = NULL;
        par_frame *f = NULL;
        par_array *a = NULL;
        CHECK_OK(par_bag_random_normal(7, 1000, 4, 0, 1, &bag, &err), &err);
        CHECK_OK(par_bag_to_dataframe(bag, 1, (const char *[]){"a"},
                                      (par_dtype[]){PAR_DTYPE_FLOAT64}, &f, &err),
                 &err);
        CHECK_OK(par_frame_to_array(NULL, f, false, &a, &err), &err);
        int64_t sh[2];
        CHECK(par_array_shape(a, sh) == 2 && sh[0] == -1);
        par_array *a4 = bins(PAR_ARRAY_MUL, a, 4);
        par_array *y = drop(a4, bins(PAR_ARRAY_ADD, a4, 3));
        par_array *mean = NULL, *d = NULL, *am = NULL;
        CHECK_OK(par_array_reduce(a, PAR_STAT_MEAN, 0, NULL, &mean, &err), &err);
        CHECK_OK(par_array_binary(PAR_ARRAY_SUB, a, mean, &d, &err), &err);
        CHECK_OK(par_array_argmax(a, PAR_AXIS_ALL, NULL, &am, &err), &err);
        par_value *vy = NULL, *va = NULL, *vd = NULL, *vm = NULL, *vam = NULL;
        CHECK_OK(par_array_compute(c, a, &va, &err), &err);
        CHECK_OK(par_array_compute(c, y, &vy, &err), &err);
        CHECK_OK(par_array_compute(c, d, &vd, &err), &err);
        CHECK_OK(par_array_compute(c, mean, &vm, &err), &err);
        CHECK_OK(par_array_compute(c, am, &vam, &err), &err);
        int bad = 0;
        int64_t best = 0;
        for (int64_t i = 0; va && vy && vd && vm && i < par_ndarray_rows(va); i++) {
                double x = par_ndarray_get(va, i, 0);
                bad += par_ndarray_get(vy, i, 0) != 4 * x + 3;
                bad += par_ndarray_get(vd, i, 0) != x - par_ndarray_get(vm, 0, 0);
                if (x > par_ndarray_get(va, best, 0))
                        best = i;
        }
        CHECK(va && par_ndarray_rows(va) == 1000 && bad == 0);
        CHECK_MSG(vam && par_ndarray_get(vam, 0, 0) == (double)best, "%g vs %" PRId64,
                  par_ndarray_get(vam, 0, 0), best);
        par_value_release(va);
        par_value_release(vy);
        par_value_release(vd);
        par_value_release(vm);
        par_value_release(vam);
        CHECK(par_array_binary(PAR_ARRAY_ADD, a, aq, &o, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "unknown") != NULL, "%s", err.message);
        CHECK(par_array_rechunk(a, 10, &o, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "lengths=true") != NULL);
        CHECK(par_array_transpose(a, &o, &err) == PAR_EINVAL);
        CHECK(par_array_to_raw(c, a, "unused.raw", PAR_ROW_MAJOR, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "unknown") != NULL);
        par_array_release(mean);
        par_array_release(d);
        par_array_release(am);
        par_array_release(y);
        par_array_release(a);
        par_frame_release(f);
        par_bag_release(bag);

        /* Empty reductions fail when computed, as NumPy. */
        par_array *e = arr(X, 0, C, 4);
        CHECK_OK(par_array_argmax(e, PAR_AXIS_ALL, NULL, &o, &err), &err);
        par_value *v = NULL;
        CHECK(par_array_compute(c, o, &v, &err) < 0 && !v);
        CHECK_MSG(strstr(err.message, "attempt to get argmax of an empty sequence"), "%s",
                  err.message);
        par_array_release(o);
        CHECK_OK(par_array_var(e, 0, 0, false, NULL, &o, &err), &err);
        CHECK_OK(par_array_compute(c, o, &v, &err), &err);
        CHECK(v && par_ndarray_rows(v) == C && isnan(par_ndarray_get(v, 0, 0)));
        par_value_release(v);
        par_array_release(o);
        par_array_release(e);
}

/* ---- out of memory ---------------------------------------------------------------- */

static atomic_long oom_allocs, oom_live;
static long oom_fail_at = -1;

static void *oom_malloc(size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&oom_allocs, 1) == oom_fail_at)
                return NULL;
        void *p = malloc(n);
        if (p)
                atomic_fetch_add(&oom_live, 1);
        return p;
}

static void *oom_realloc(void *p, size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&oom_allocs, 1) == oom_fail_at)
                return NULL;
        void *q = realloc(p, n);
        if (q && !p)
                atomic_fetch_add(&oom_live, 1);
        return q;
}

static void oom_free(void *p, void *ud)
{
        (void)ud;
        if (p)
                atomic_fetch_sub(&oom_live, 1);
        free(p);
}

/* Every new operation once, small. Returns 0 and a checksum. */
static int oom_scenario(const char *path, double *sum)
{
        par_error err = {0};
        par_client *c = NULL;
        par_array *a[12] = {NULL};
        par_value *v = NULL;
        int64_t shape[2] = {30, 3};
        *sum = 0;
        int rc = test_client_new(&(par_client_opts){PAR_EXEC_SERIAL, 1}, &c, &err);
        if (rc == 0)
                rc = par_array_random_normal(5, 0, 1, 2, shape, 7, &a[0], &err);
        if (rc == 0)
                rc = par_array_binary_scalar(PAR_ARRAY_MUL, a[0], 4, &a[1], &err);
        if (rc == 0)
                rc = par_array_unary(PAR_ARRAY_EXP, a[1], &a[2], &err);
        if (rc == 0)
                rc = par_array_var(a[0], 0, 1, true, NULL, &a[3], &err);
        if (rc == 0)
                rc = par_array_binary(PAR_ARRAY_DIV, a[2], a[3], &a[4], &err);
        if (rc == 0)
                rc = par_array_rechunk(a[4], 11, &a[5], &err);
        if (rc == 0)
                rc = par_array_transpose(a[5], &a[6], &err);
        if (rc == 0)
                rc = par_array_argmax(a[6], 1, NULL, &a[7], &err);
        if (rc == 0)
                rc = par_array_arange(0, 3, 1, 4, &a[8], &err);
        if (rc == 0)
                rc = par_array_where(a[0], a[1], a[8], &a[9], &err);
        if (rc == 0)
                rc = par_array_argmin(a[9], PAR_AXIS_ALL, NULL, &a[10], &err);
        if (rc == 0)
                rc = par_array_compute(c, a[7], &v, &err);
        if (rc == 0) {
                *sum += par_ndarray_get(v, 1, 0);
                par_value_release(v);
                v = NULL;
                rc = par_array_compute(c, a[10], &v, &err);
        }
        if (rc == 0) {
                *sum += par_ndarray_get(v, 0, 0);
                par_value_release(v);
                v = NULL;
                rc = par_array_to_raw(c, a[4], path, PAR_ROW_MAJOR, &err);
        }
        if (rc == 0)
                rc = par_array_from_raw(path, 2, shape, PAR_COL_MAJOR, 8, &a[11], &err);
        if (rc == 0)
                rc = par_array_compute(c, a[11], &v, &err);
        if (rc == 0) {
                *sum += par_ndarray_get(v, 29, 2);
                par_value_release(v);
                v = NULL;
        }
        if (rc < 0 && getenv("TEST_VERBOSE"))
                fprintf(stderr, "oom scenario: %s\n", err.message);
        for (int i = 0; i < 12; i++)
                par_array_release(a[i]);
        par_client_free(c);
        return rc;
}

static void test_oom(void)
{
        if (TEST_SKIP_IF_MPI(TEST_WHY_ALLOCATOR))
                return;
        const par_allocator counting = {oom_malloc, oom_realloc, oom_free, NULL};
        (void)par_op_lookup("par.identity");
        char path[128];
        snprintf(path, sizeof path, "%s/oom.raw", nref_dir);
        double expect = 0, got = 0;
        oom_fail_at = -1;
        par_set_allocator(&counting);
        int rc = oom_scenario(path, &expect);
        par_set_allocator(NULL);
        CHECK(rc == 0 && atomic_load(&oom_live) == 0);
        long total = atomic_load(&oom_allocs);
        int bad = 0;
        for (long at = 0; at < total; at++) {
                atomic_store(&oom_allocs, 0);
                atomic_store(&oom_live, 0);
                oom_fail_at = at;
                par_set_allocator(&counting);
                rc = oom_scenario(path, &got);
                par_set_allocator(NULL);
                if (rc == 0 ? got != expect : rc != PAR_ENOMEM) {
                        bad++;
                        fprintf(stderr, "failing allocation %ld gave %s\n", at,
                                par_status_name(rc));
                }
                if (atomic_load(&oom_live) != 0) {
                        bad++;
                        fprintf(stderr, "failing allocation %ld leaked %ld blocks\n", at,
                                atomic_load(&oom_live));
                }
        }
        CHECK_MSG(bad == 0, "%d runs out of %ld misbehaved", bad, total);
        CHECK(count_tmp_files() == 0);
        printf("  out of memory: %ld allocations, each failed in turn\n", total);
}

/* ---- main --------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        char script[1024];
        if (nref_begin("array-ops") < 0)
                return 1;
        if (nref_script(argc, argv, "array_ref.py", script, sizeof script) < 0) {
                fprintf(stderr, "array_ref.py not found\n");
                return 1;
        }
        make_data();
        binary_cases();
        unary_cases();
        broadcast_cases();
        reduction_cases();
        movement_cases();
        creation_cases();
        nref_run(script);
        printf("  %d NumPy cases\n", ncases);

        static const par_exec_kind kinds[] = {PAR_EXEC_POOL, PAR_EXEC_SERIAL};
        static const char *const names[] = {"pool", "serial"};
        for (int k = 0; k < 2; k++) {
                par_error err = {0};
                par_client *c = NULL;
                if (test_client_new(&(par_client_opts){kinds[k], 0}, &c, &err) != 0) {
                        fprintf(stderr, "client: %s\n", err.message);
                        return 1;
                }
                printf("  %s\n", names[k]);
                for (int i = 0; i < ncases; i++)
                        compare_case(c, &cases[i]);
                test_full(c);
                test_store(c);
                test_errors(c);
                par_client_free(c);
        }
        test_fusion();
        test_random();
        test_oom();
        for (int i = 0; i < ncases; i++)
                par_array_release(cases[i].a);
        par_array *inputs[] = {ax, ax1, axn, ay, az, at_, ab, aq, av, aw, ar};
        for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
                par_array_release(inputs[i]);
        nref_end();
        return test_backend_end(check_done("test_array_ops"));
}
