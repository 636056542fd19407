/* Elementwise operations, fused per chunk.
 *
 * An elementwise array is a program over source arrays: postfix
 * instructions (load source k, a constant, a function of the top of the
 * stack, an operator on the top two) run by one task per output chunk. An
 * operation on an elementwise operand splices the operand's program into
 * its own instead of reading the operand's chunks, so `4 * x + 3` is one
 * layer of one task per chunk over x's chunks, not a layer and a temporary
 * chunk per operator. The task runs the program a column at a time, in
 * blocks of BLOCK rows: the stack's temporaries are BLOCK doubles each and
 * stay in the L1 cache, so a chunk is read once and its result written
 * once, whatever the length of the expression.
 *
 * Broadcasting follows NumPy's rules for up to two dimensions, shapes
 * aligned at the right: a source "aligned" with the output has the
 * output's rows and is read chunk by chunk (chunk i of every aligned
 * source meets in task i); a source whose rows broadcast (one row, a 1-D
 * row vector against a 2-D output, a 0-d scalar) has one chunk that every
 * task reads. Aligned sources chunked differently are rechunked to the
 * first one's chunks. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "array/internal.h"

/* Results must be NumPy's: no fused multiply-adds. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define BLOCK 256
#define MAX_CODE 128 /* longer operands are read as sources, not spliced */
#define MAX_SRC 32
#define MAGIC INT64_C(0x31574550) /* "PEW1" */

enum { I_LOAD = 1, I_CONST, I_UNARY, I_BINARY, I_WHERE };

/* Source modes: bit 0, one chunk read by every task (rows broadcast);
 * bit 1, a 1-D vector along the output's columns. */
enum { M_BCAST = 1, M_VEC = 2 };

typedef struct ins {
        int32_t op;
        int32_t arg; /* LOAD: the source; UNARY/BINARY: the function */
        double c;    /* CONST */
} ins;

struct par__ew {
        size_t nsrc;
        par_array **src;
        size_t ncode;
        ins *code;
};

void par__ew_free(struct par__ew *ew)
{
        if (!ew)
                return;
        for (size_t i = 0; i < ew->nsrc; i++)
                par_array_release(ew->src[i]);
        par__free(ew->src);
        par__free(ew->code);
        par__free(ew);
}

/* ---- the operations ------------------------------------------------------------ */

static double py_mod(double x, double y)
{
        double r = fmod(x, y);
        if (r != 0 && ((r < 0) != (y < 0)))
                r += y;
        else if (r == 0)
                r = copysign(0.0, y);
        return r;
}

static double nan_min(double x, double y)
{
        return isnan(x) || x < y ? x : y;
}

static double nan_max(double x, double y)
{
        return isnan(x) || x > y ? x : y;
}

static double sign_of(double x)
{
        return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x;
}

#define UNARY_FNS(X)                                                        \
        X(PAR_ARRAY_NEG, "negative", -x)                                    \
        X(PAR_ARRAY_ABS, "absolute", fabs(x))                               \
        X(PAR_ARRAY_SQRT, "sqrt", sqrt(x))                                  \
        X(PAR_ARRAY_SQUARE, "square", x * x)                                \
        X(PAR_ARRAY_RECIPROCAL, "reciprocal", 1.0 / x)                      \
        X(PAR_ARRAY_EXP, "exp", exp(x))                                     \
        X(PAR_ARRAY_EXPM1, "expm1", expm1(x))                               \
        X(PAR_ARRAY_LOG, "log", log(x))                                     \
        X(PAR_ARRAY_LOG1P, "log1p", log1p(x))                               \
        X(PAR_ARRAY_LOG2, "log2", log2(x))                                  \
        X(PAR_ARRAY_LOG10, "log10", log10(x))                               \
        X(PAR_ARRAY_SIN, "sin", sin(x))                                     \
        X(PAR_ARRAY_COS, "cos", cos(x))                                     \
        X(PAR_ARRAY_TAN, "tan", tan(x))                                     \
        X(PAR_ARRAY_ARCSIN, "arcsin", asin(x))                              \
        X(PAR_ARRAY_ARCCOS, "arccos", acos(x))                              \
        X(PAR_ARRAY_ARCTAN, "arctan", atan(x))                              \
        X(PAR_ARRAY_SINH, "sinh", sinh(x))                                  \
        X(PAR_ARRAY_COSH, "cosh", cosh(x))                                  \
        X(PAR_ARRAY_TANH, "tanh", tanh(x))                                  \
        X(PAR_ARRAY_FLOOR, "floor", floor(x))                               \
        X(PAR_ARRAY_CEIL, "ceil", ceil(x))                                  \
        X(PAR_ARRAY_TRUNC, "trunc", trunc(x))                               \
        X(PAR_ARRAY_RINT, "rint", nearbyint(x))                             \
        X(PAR_ARRAY_SIGN, "sign", sign_of(x))                               \
        X(PAR_ARRAY_ISNAN, "isnan", (double)(isnan(x) != 0))                \
        X(PAR_ARRAY_ISINF, "isinf", (double)(isinf(x) != 0))                \
        X(PAR_ARRAY_ISFINITE, "isfinite", (double)(isfinite(x) != 0))       \
        X(PAR_ARRAY_NOT, "logical_not", (double)(x == 0))

#define BINARY_OPS(X)                                                       \
        X(PAR_ARRAY_ADD, "add", x + y)                                      \
        X(PAR_ARRAY_SUB, "subtract", x - y)                                 \
        X(PAR_ARRAY_MUL, "multiply", x * y)                                 \
        X(PAR_ARRAY_DIV, "true_divide", x / y)                              \
        X(PAR_ARRAY_POW, "power", pow(x, y))                                \
        X(PAR_ARRAY_MOD, "remainder", py_mod(x, y))                         \
        X(PAR_ARRAY_MINIMUM, "minimum", nan_min(x, y))                      \
        X(PAR_ARRAY_MAXIMUM, "maximum", nan_max(x, y))                      \
        X(PAR_ARRAY_EQ, "equal", (double)(x == y))                          \
        X(PAR_ARRAY_NE, "not_equal", (double)(x != y))                      \
        X(PAR_ARRAY_LT, "less", (double)(x < y))                            \
        X(PAR_ARRAY_LE, "less_equal", (double)(x <= y))                     \
        X(PAR_ARRAY_GT, "greater", (double)(x > y))                         \
        X(PAR_ARRAY_GE, "greater_equal", (double)(x >= y))                  \
        X(PAR_ARRAY_AND, "logical_and", (double)(x != 0 && y != 0))         \
        X(PAR_ARRAY_OR, "logical_or", (double)(x != 0 || y != 0))

static const char *unary_name(int fn)
{
#define NAME_CASE(E, S, EXPR)                                               \
        case E:                                                             \
                return S;
        switch (fn) {
                UNARY_FNS(NAME_CASE)
        default:
                return NULL;
        }
}

static const char *binary_name(int op)
{
        switch (op) {
                BINARY_OPS(NAME_CASE)
        default:
                return NULL;
        }
#undef NAME_CASE
}

/* A stack slot: a block of values, or one value for the whole block. */
typedef struct slot {
        const double *p;
        double s;
        bool scalar;
} slot;

static void run_unary(int fn, slot *sl, double *d, int64_t nb)
{
#define UN_CASE(E, S, EXPR)                                                 \
        case E:                                                             \
                if (sl->scalar) {                                            \
                        double x_ = sl->s;                                   \
                        {                                                   \
                                double x = x_;                              \
                                x_ = (EXPR);                                \
                        }                                                   \
                        sl->s = x_;                                          \
                } else {                                                    \
                        const double *p_ = sl->p;                            \
                        for (int64_t k = 0; k < nb; k++) {                  \
                                double x = p_[k];                           \
                                d[k] = (EXPR);                              \
                        }                                                   \
                        sl->p = d;                                           \
                }                                                           \
                break;
        switch (fn) {
                UNARY_FNS(UN_CASE)
        default:
                break;
        }
#undef UN_CASE
}

static void run_binary(int op, slot *a, const slot *b, double *d, int64_t nb)
{
#define BIN_CASE(E, S, EXPR)                                                \
        case E:                                                             \
                if (a->scalar && b->scalar) {                               \
                        double x = a->s, y = b->s;                          \
                        a->s = (EXPR);                                      \
                } else if (b->scalar) {                                     \
                        const double *pa = a->p;                            \
                        double y = b->s;                                    \
                        for (int64_t k = 0; k < nb; k++) {                  \
                                double x = pa[k];                           \
                                d[k] = (EXPR);                              \
                        }                                                   \
                } else if (a->scalar) {                                     \
                        const double *pb = b->p;                            \
                        double x = a->s;                                    \
                        for (int64_t k = 0; k < nb; k++) {                  \
                                double y = pb[k];                           \
                                d[k] = (EXPR);                              \
                        }                                                   \
                } else {                                                    \
                        const double *pa = a->p, *pb = b->p;                \
                        for (int64_t k = 0; k < nb; k++) {                  \
                                double x = pa[k], y = pb[k];                \
                                d[k] = (EXPR);                              \
                        }                                                   \
                }                                                           \
                break;
        switch (op) {
                BINARY_OPS(BIN_CASE)
        default:
                break;
        }
#undef BIN_CASE
        if (!(a->scalar && b->scalar)) {
                a->scalar = false;
                a->p = d;
        }
}

static double at(const slot *s, int64_t k)
{
        return s->scalar ? s->s : s->p[k];
}

static void run_where(slot *c, const slot *a, const slot *b, double *d, int64_t nb)
{
        if (c->scalar && a->scalar && b->scalar) {
                c->s = c->s != 0 ? a->s : b->s;
                return;
        }
        for (int64_t k = 0; k < nb; k++)
                d[k] = at(c, k) != 0 ? at(a, k) : at(b, k);
        c->scalar = false;
        c->p = d;
}

/* ---- the chunk task ------------------------------------------------------------- */

/* A source within one task: element (i, j) is base[i * si + j * sj]. */
typedef struct src_view {
        const double *base;
        int64_t si, sj;
} src_view;

/* The program, checked: every load names a source, the stack never runs
 * dry and ends with one slot. Returns the stack depth, or -1. */
static int check_code(const ins *code, size_t ncode, size_t nsrc)
{
        int sp = 0, depth = 0;
        for (size_t i = 0; i < ncode; i++) {
                const ins *c = &code[i];
                switch (c->op) {
                case I_LOAD:
                        if (c->arg < 0 || (size_t)c->arg >= nsrc)
                                return -1;
                        sp++;
                        break;
                case I_CONST:
                        sp++;
                        break;
                case I_UNARY:
                        if (sp < 1 || !unary_name(c->arg))
                                return -1;
                        break;
                case I_BINARY:
                        if (sp < 2 || !binary_name(c->arg))
                                return -1;
                        sp--;
                        break;
                case I_WHERE:
                        if (sp < 3)
                                return -1;
                        sp -= 2;
                        break;
                default:
                        return -1;
                }
                if (sp > depth)
                        depth = sp;
        }
        return sp == 1 ? depth : -1;
}

/* Runs the program over rows [i0, i0 + nb) of column j into dst. */
static void run_block(const ins *code, size_t ncode, const src_view *sv, slot *st,
                      double *bufs, int64_t i0, int64_t nb, int64_t j, double *dst)
{
        int sp = 0;
        for (size_t i = 0; i < ncode; i++) {
                const ins *c = &code[i];
                double *buf = bufs + (size_t)(sp ? sp - 1 : 0) * BLOCK;
                switch (c->op) {
                case I_LOAD: {
                        const src_view *v = &sv[c->arg];
                        const double *p = v->base + j * v->sj + i0 * v->si;
                        slot *s = &st[sp];
                        if (v->si == 0) {
                                s->scalar = true;
                                s->s = *p;
                        } else if (v->si == 1) {
                                s->scalar = false;
                                s->p = p;
                        } else {
                                double *b = bufs + (size_t)sp * BLOCK;
                                for (int64_t k = 0; k < nb; k++)
                                        b[k] = p[k * v->si];
                                s->scalar = false;
                                s->p = b;
                        }
                        sp++;
                        break;
                }
                case I_CONST:
                        st[sp].scalar = true;
                        st[sp].s = c->c;
                        sp++;
                        break;
                case I_UNARY:
                        run_unary(c->arg, &st[sp - 1], buf, nb);
                        break;
                case I_BINARY:
                        sp--;
                        run_binary(c->arg, &st[sp - 1], &st[sp],
                                   bufs + (size_t)(sp - 1) * BLOCK, nb);
                        break;
                case I_WHERE:
                        sp -= 2;
                        run_where(&st[sp - 1], &st[sp], &st[sp + 1],
                                  bufs + (size_t)(sp - 1) * BLOCK, nb);
                        break;
                }
        }
        if (st[0].scalar)
                for (int64_t k = 0; k < nb; k++)
                        dst[k] = st[0].s;
        else
                memcpy(dst, st[0].p, (size_t)nb * sizeof *dst);
}

/* The program blob: {MAGIC, nsrc, ncode, ndim, cols}, nsrc modes, then the
 * instructions. */
#define HDR 5

/* (program, source chunks...) -> the output chunk. */
static int op_elemwise(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        int64_t idx = par_task_key(ctx).index;
        size_t len = 0;
        const char *p = par_value_type(args[0]) == PAR_TYPE_BLOB
                                ? par_value_bytes(args[0], &len)
                                : NULL;
        int64_t hdr[HDR];
        if (!p || len < sizeof hdr)
                return par_task_fail(ctx, PAR_EINVAL, "elemwise: malformed program");
        memcpy(hdr, p, sizeof hdr);
        int64_t nsrc = hdr[1], ncode = hdr[2], ndim = hdr[3], C = hdr[4];
        /* A block of a grid of several column blocks gets its own width
         * as a last argument. */
        if (nsrc >= 0 && (size_t)nsrc + 2 == n)
                C = par_value_int64_of(args[n - 1]);
        if (hdr[0] != MAGIC || nsrc < 0 || nsrc > MAX_SRC || ncode < 1 ||
            ncode > 4 * MAX_CODE || ((size_t)nsrc + 1 != n && (size_t)nsrc + 2 != n) ||
            C < 0 ||
            len != sizeof hdr + (size_t)nsrc * 8 + (size_t)ncode * sizeof(ins))
                return par_task_fail(ctx, PAR_EINVAL, "elemwise: malformed program");
        int64_t mode[MAX_SRC];
        memcpy(mode, p + sizeof hdr, (size_t)nsrc * sizeof *mode);
        ins *code = par__malloc((size_t)ncode * sizeof *code);
        if (!code)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        memcpy(code, p + sizeof hdr + (size_t)nsrc * 8, (size_t)ncode * sizeof *code);
        int depth = check_code(code, (size_t)ncode, (size_t)nsrc);
        if (depth < 0) {
                par__free(code);
                return par_task_fail(ctx, PAR_EINVAL, "elemwise: malformed program");
        }
        /* The output's rows: those of the aligned sources, which must agree
         * (they may not be known until now). */
        int64_t R = -1, first = -1;
        src_view sv[MAX_SRC];
        for (int64_t k = 0; k < nsrc; k++) {
                const par__nd *nd = par__nd_of(args[k + 1]);
                if (!nd) {
                        par__free(code);
                        return par_task_fail(ctx, PAR_ETYPE,
                                             "elemwise: input %" PRId64
                                             " of chunk %" PRId64 " is not an ndarray",
                                             k, idx);
                }
                if (!(mode[k] & M_BCAST) && R < 0) {
                        R = nd->rows;
                        first = k;
                } else if (!(mode[k] & M_BCAST) && nd->rows != R) {
                        par__free(code);
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "elemwise: chunk %" PRId64 " of input %" PRId64
                                             " has %" PRId64 " rows; input %" PRId64
                                             " has %" PRId64
                                             " (the chunk lengths differ)",
                                             idx, k, nd->rows, first, R);
                }
        }
        if (R < 0)
                R = 1;
        for (int64_t k = 0; k < nsrc; k++) {
                const par__nd *nd = par__nd_of(args[k + 1]);
                int64_t along = mode[k] & M_VEC ? nd->rows : nd->cols;
                bool ok = along == C || along == 1;
                if (mode[k] & M_BCAST)
                        ok = ok && (nd->rows == 1 || (mode[k] & M_VEC) || R == 0);
                if (!ok || (mode[k] & M_VEC ? nd->cols != 1 : false)) {
                        par__free(code);
                        return par_task_fail(ctx, PAR_EINVAL,
                                             "elemwise: chunk %" PRId64 " of input %" PRId64
                                             " is %" PRId64 " x %" PRId64
                                             "; it does not broadcast to %" PRId64
                                             " x %" PRId64,
                                             idx, k, nd->rows, nd->cols, R, C);
                }
                sv[k].base = nd->data;
                if (mode[k] & M_VEC) {
                        sv[k].si = 0;
                        sv[k].sj = nd->rows == 1 ? 0 : nd->rs;
                } else {
                        sv[k].si = (mode[k] & M_BCAST) || nd->rows == 1 ? 0 : nd->rs;
                        sv[k].sj = nd->cols == 1 ? 0 : nd->cs;
                }
        }
        par__nd *o = par__nd_alloc((int)ndim, R, ndim == 2 ? C : 1);
        double *bufs = par__malloc((size_t)(depth + 1) * BLOCK * sizeof *bufs);
        slot *st = par__malloc((size_t)(depth + 1) * sizeof *st);
        if (!o || !bufs || !st) {
                par__nd_discard(o);
                par__free(bufs);
                par__free(st);
                par__free(code);
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "elemwise: out of memory for a %" PRId64
                                     " x %" PRId64 " chunk",
                                     R, C);
        }
        for (int64_t j = 0; j < o->cols; j++)
                for (int64_t i0 = 0; i0 < R; i0 += BLOCK)
                        run_block(code, (size_t)ncode, sv, st, bufs, i0,
                                  R - i0 < BLOCK ? R - i0 : BLOCK, j,
                                  o->data + j * R + i0);
        par__free(bufs);
        par__free(st);
        par__free(code);
        *out = par__nd_finish(o);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* ---- building ------------------------------------------------------------------- */

typedef struct operand {
        par_array *a; /* NULL: the scalar s */
        double s;
} operand;

typedef struct prog {
        par_array *src[MAX_SRC];
        size_t nsrc;
        ins code[4 * MAX_CODE];
        size_t ncode;
} prog;

static int src_index(prog *pg, par_array *a)
{
        for (size_t i = 0; i < pg->nsrc; i++)
                if (pg->src[i] == a || strcmp(pg->src[i]->name, a->name) == 0)
                        return (int)i;
        if (pg->nsrc == MAX_SRC)
                return -1;
        pg->src[pg->nsrc] = a;
        return (int)pg->nsrc++;
}

static int emit(prog *pg, ins c, par_error *err)
{
        if (pg->ncode == sizeof pg->code / sizeof pg->code[0])
                return par__errorf(err, PAR_EINVAL,
                                   "elemwise: the expression is too long");
        pg->code[pg->ncode++] = c;
        return 0;
}

/* Appends an operand: splices an elementwise operand's program when it is
 * short enough and its sources fit, else loads the operand itself. */
static int add_operand(prog *pg, const operand *o, par_error *err)
{
        if (!o->a)
                return emit(pg, (ins){I_CONST, 0, o->s}, err);
        const struct par__ew *ew = o->a->ew;
        bool splice = ew && ew->ncode <= MAX_CODE &&
                      pg->ncode + ew->ncode <= sizeof pg->code / sizeof pg->code[0];
        if (splice) {
                size_t n0 = pg->nsrc, c0 = pg->ncode;
                for (size_t i = 0; i < ew->ncode && splice; i++) {
                        ins c = ew->code[i];
                        if (c.op == I_LOAD) {
                                c.arg = src_index(pg, ew->src[c.arg]);
                                splice = c.arg >= 0;
                        }
                        if (splice)
                                pg->code[pg->ncode++] = c;
                }
                if (splice)
                        return 0;
                pg->nsrc = n0; /* undo: load the operand whole */
                pg->ncode = c0;
        }
        int k = src_index(pg, o->a);
        if (k < 0)
                return par__errorf(err, PAR_EINVAL,
                                   "elemwise: more than %d input arrays", MAX_SRC);
        return emit(pg, (ins){I_LOAD, k, 0}, err);
}

static void shape_str(const par_array *a, char *buf, size_t size)
{
        char r[32];
        if (a->rows < 0)
                snprintf(r, sizeof r, "nan");
        else
                snprintf(r, sizeof r, "%" PRId64, a->rows);
        if (a->ndim == 0)
                snprintf(buf, size, "()");
        else if (a->ndim == 1)
                snprintf(buf, size, "(%s,)", r);
        else
                snprintf(buf, size, "(%s, %" PRId64 ")", r, a->cols);
}

/* One axis of NumPy's broadcast: sizes n and m (-1 unknown) meet. */
static bool bcast_dim(int64_t *n, int64_t m)
{
        if (*n == m || m == 1)
                return true;
        if (*n == 1) {
                *n = m;
                return true;
        }
        return false;
}

/* The output shape of the operands; an error names the two shapes that do
 * not broadcast. */
static int out_shape(const char *what, size_t nops, const operand *ops, int *ndim,
                     int64_t *rows, int64_t *cols, par_error *err)
{
        *ndim = 0;
        for (size_t i = 0; i < nops; i++)
                if (ops[i].a && ops[i].a->ndim > *ndim)
                        *ndim = ops[i].a->ndim;
        *rows = 1;
        *cols = 1;
        const par_array *prev = NULL;
        for (size_t i = 0; i < nops; i++) {
                const par_array *a = ops[i].a;
                if (!a)
                        continue;
                bool ok = true;
                if (*ndim == 2 && a->ndim == 2)
                        ok = bcast_dim(rows, a->rows) && bcast_dim(cols, a->cols);
                else if (*ndim == 2 && a->ndim == 1)
                        ok = a->rows >= 0 && bcast_dim(cols, a->rows);
                else if (*ndim == 1 && a->ndim == 1)
                        ok = bcast_dim(rows, a->rows);
                if (!ok) {
                        char s1[80], s2[80];
                        shape_str(prev ? prev : a, s1, sizeof s1);
                        shape_str(a, s2, sizeof s2);
                        return par__errorf(err, PAR_EINVAL,
                                           "%s: operands could not be broadcast "
                                           "together with shapes %s %s%s",
                                           what, s1, s2,
                                           a->rows < 0 || *rows < 0
                                                   ? " (unknown chunk lengths: "
                                                     "compute them first)"
                                                   : "");
                }
                if (!prev || a->ndim == *ndim)
                        prev = a;
        }
        if (*ndim < 2)
                *cols = 1;
        if (*ndim == 0)
                *rows = 1;
        return 0;
}

static bool same_chunks(const par_array *a, const par_array *b)
{
        if (a->nchunks != b->nchunks)
                return false;
        for (int64_t i = 0; i < a->nchunks; i++)
                if (a->chunk_rows[i] >= 0 && b->chunk_rows[i] >= 0 &&
                    a->chunk_rows[i] != b->chunk_rows[i])
                        return false;
        return true;
}

/* The output's column blocks: those of the first aligned 2-D source that
 * spans the columns, else the first broadcast one, else the first vector
 * along the columns of known lengths, else one block. */
static void out_cols(const prog *pg, int ndim, int64_t rows, int64_t cols,
                     int64_t *nc, const int64_t **cl)
{
        static const int64_t one = 1;
        *nc = 1;
        *cl = ndim == 2 ? NULL : &one;
        if (ndim != 2)
                return;
        for (int pass = 0; pass < 3; pass++)
                for (size_t k = 0; k < pg->nsrc; k++) {
                        const par_array *a = pg->src[k];
                        bool aligned = a->rows == rows || rows == 1 || a->rows < 0;
                        bool hit = pass < 2 ? a->ndim == 2 && a->cols == cols &&
                                                      aligned == (pass == 0)
                                            : a->ndim == 1 && a->rows == cols;
                        if (hit) {
                                *nc = pass < 2 ? a->ncb : a->nchunks;
                                *cl = pass < 2 ? a->chunk_cols : a->chunk_rows;
                                return;
                        }
                }
}

/* The sources' modes against the output; sources chunked unlike the
 * output's grid (rows: the first aligned source's; columns: out_cols) are
 * replaced by rechunked copies (owned by `owned`). */
static int source_modes(const char *what, prog *pg, int ndim, int64_t rows,
                        int64_t cols, int64_t nc, const int64_t *cl, int64_t *mode,
                        par_array **owned, par_array **ref, par_error *err)
{
        *ref = NULL;
        for (size_t k = 0; k < pg->nsrc; k++) {
                par_array *a = pg->src[k];
                bool aligned = a->ndim == ndim && (a->rows == rows || rows == 1 ||
                                                   a->rows < 0);
                if (ndim == 0)
                        aligned = true;
                mode[k] = aligned ? 0 : M_BCAST;
                if (a->ndim == 1 && ndim == 2)
                        mode[k] = M_BCAST | M_VEC;
                /* Spanning the output's columns: cut like them. */
                bool cdiff = false;
                if (ndim == 2 && a->ndim == 2 && a->cols == cols) {
                        cdiff = a->ncb != nc;
                        for (int64_t j = 0; !cdiff && j < nc; j++)
                                cdiff = a->chunk_cols[j] != cl[j];
                }
                /* (A vector of several chunks meets only a grid of
                 * several column blocks.) */
                if ((mode[k] & M_VEC) && nc > 1 && a->rows == cols) {
                        bool same = a->nchunks == nc;
                        for (int64_t j = 0; same && j < nc; j++)
                                same = a->chunk_rows[j] == cl[j];
                        if (!same) {
                                int rc = par__array_rechunk_lens(a, nc, cl, &owned[k], err);
                                if (rc < 0)
                                        return rc;
                                pg->src[k] = a = owned[k];
                        }
                        continue;
                }
                if ((mode[k] & M_BCAST) && a->nchunks != 1)
                        return par__errorf(err, PAR_EINVAL,
                                           "%s: a broadcast operand has %" PRId64
                                           " chunks; expected one (rechunk it)",
                                           what, a->nchunks);
                if (mode[k] & M_BCAST) {
                        if (cdiff) {
                                int rc = par__array_rechunk_grid(a, 0, NULL, nc, cl,
                                                                 &owned[k], err);
                                if (rc < 0)
                                        return rc;
                                pg->src[k] = owned[k];
                        }
                        continue;
                }
                bool rdiff = *ref && !same_chunks(*ref, a);
                if (!*ref)
                        *ref = a;
                if (rdiff && ((*ref)->rows < 0 || a->rows < 0))
                        return par__errorf(err, PAR_EINVAL,
                                           "%s: operands have %" PRId64 " and %" PRId64
                                           " chunks of unknown lengths; compute the "
                                           "lengths (lengths=true) first",
                                           what, (*ref)->nchunks, a->nchunks);
                int rc = 0;
                if (cdiff)
                        rc = par__array_rechunk_grid(a, rdiff ? (*ref)->nchunks : 0,
                                                     rdiff ? (*ref)->chunk_rows : NULL, nc,
                                                     cl, &owned[k], err);
                else if (rdiff)
                        rc = par__array_rechunk_lens(a, (*ref)->nchunks, (*ref)->chunk_rows,
                                                     &owned[k], err);
                if (rc < 0)
                        return rc;
                if (owned[k]) {
                        if (*ref == a)
                                *ref = owned[k];
                        pg->src[k] = owned[k];
                }
        }
        return 0;
}

static int make_layer(const char *what, prog *pg, int ndim, int64_t cols,
                      int64_t ncb, const int64_t *cl, const int64_t *mode,
                      const par_array *ref, par_array **out, par_error *err)
{
        size_t blen = HDR * 8 + pg->nsrc * 8 + pg->ncode * sizeof(ins);
        char *blob = par__malloc(blen);
        if (!blob)
                return PAR__ENOMEM(err, what);
        int64_t hdr[HDR] = {MAGIC, (int64_t)pg->nsrc, (int64_t)pg->ncode, ndim, cols};
        memcpy(blob, hdr, sizeof hdr);
        memcpy(blob + sizeof hdr, mode, pg->nsrc * 8);
        memcpy(blob + sizeof hdr + pg->nsrc * 8, pg->code, pg->ncode * sizeof(ins));
        uint64_t h = par__hash_bytes(blob, blen, 0xe1e3u);
        for (size_t k = 0; k < pg->nsrc; k++)
                h = par__hash_bytes(pg->src[k]->name, strlen(pg->src[k]->name), h);
        par_value *prog_v = par_value_blob(blob, blen);
        par__free(blob);
        char name[128];
        par__array_token(what, h, name, sizeof name);
        int64_t nc = ref ? ref->nchunks : 1;
        int64_t *lens = par__malloc((size_t)nc * sizeof *lens);
        par__layer *parents[MAX_SRC];
        par_arg args[MAX_SRC + 2];
        par_graph *g = par_graph_new();
        int rc = g && lens && prog_v ? 0 : PAR__ENOMEM(err, what);
        size_t np = 0;
        for (size_t k = 0; k < pg->nsrc; k++) {
                bool dup = false;
                for (size_t i = 0; i < np; i++)
                        dup = dup || parents[i] == pg->src[k]->layer;
                if (!dup)
                        parents[np++] = pg->src[k]->layer;
        }
        args[0] = par_arg_value(prog_v);
        for (int64_t i = 0; i < nc && rc == 0; i++) {
                /* A chunk's length: the first aligned source that knows it. */
                lens[i] = ref ? -1 : 1;
                for (int64_t j = 0; j < ncb && rc == 0; j++) {
                        /* Block (i, j) reads block (i or 0, j or 0) of each
                         * source: 0 along an axis it is broadcast on. */
                        for (size_t k = 0; k < pg->nsrc; k++) {
                                const par_array *s = pg->src[k];
                                bool b = mode[k] & M_BCAST;
                                int64_t idx;
                                if (mode[k] & M_VEC)
                                        idx = s->nchunks == ncb ? j : 0;
                                else
                                        idx = (b ? 0 : i) * s->ncb + (s->ncb == ncb ? j : 0);
                                args[k + 1] = par_arg_key(s->name, idx);
                                if (!b && lens[i] < 0)
                                        lens[i] = s->chunk_rows[i];
                        }
                        size_t na = pg->nsrc + 1;
                        if (ncb > 1)
                                args[na++] = par_arg_int64(cl[j]);
                        rc = par_graph_add(g, par_key_make(name, i * ncb + j),
                                           "par.array.elemwise", na, args, err);
                }
        }
        par_value_release(prog_v);
        if (rc == 0) {
                rc = par__array_new_grid(g, name, ndim, nc, lens, ncb,
                                         ncb > 1 ? cl : &cols, np, parents, out, err);
                g = NULL;
        }
        par_graph_free(g);
        par__free(lens);
        if (rc < 0)
                return rc;
        struct par__ew *ew = par__calloc(1, sizeof *ew);
        if (ew) {
                ew->src = par__malloc(pg->nsrc * sizeof *ew->src);
                ew->code = par__malloc(pg->ncode * sizeof *ew->code);
        }
        if (!ew || !ew->src || !ew->code) {
                par__ew_free(ew);
                par_array_release(*out);
                *out = NULL;
                return PAR__ENOMEM(err, what);
        }
        for (size_t k = 0; k < pg->nsrc; k++)
                ew->src[k] = par_array_retain(pg->src[k]);
        ew->nsrc = pg->nsrc;
        memcpy(ew->code, pg->code, pg->ncode * sizeof *ew->code);
        ew->ncode = pg->ncode;
        (*out)->ew = ew;
        return 0;
}

/* The operands, then the instruction `last`, as one elementwise array. */
static int build(const char *what, size_t nops, const operand *ops, ins last,
                 par_array **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "%s: out is NULL", what);
        *out = NULL;
        bool any = false;
        for (size_t i = 0; i < nops; i++)
                any = any || ops[i].a;
        if (!any)
                return par__errorf(err, PAR_EINVAL, "%s: an array operand is required",
                                   what);
        int ndim;
        int64_t rows, cols;
        int rc = out_shape(what, nops, ops, &ndim, &rows, &cols, err);
        if (rc < 0)
                return rc;
        prog *pg = par__calloc(1, sizeof *pg);
        if (!pg)
                return PAR__ENOMEM(err, what);
        for (size_t i = 0; i < nops && rc == 0; i++)
                rc = add_operand(pg, &ops[i], err);
        if (rc == 0)
                rc = emit(pg, last, err);
        int64_t mode[MAX_SRC];
        par_array *owned[MAX_SRC] = {NULL};
        const par_array *ref = NULL;
        int64_t ncb = 1;
        const int64_t *cl = NULL;
        par_array *clhold = NULL;
        if (rc == 0) {
                out_cols(pg, ndim, rows, cols, &ncb, &cl);
                /* The lengths live with a source that may be replaced. */
                for (size_t k = 0; k < pg->nsrc && !clhold; k++)
                        if (cl == pg->src[k]->chunk_cols || cl == pg->src[k]->chunk_rows)
                                clhold = par_array_retain(pg->src[k]);
                if (!cl)
                        cl = &cols;
                rc = source_modes(what, pg, ndim, rows, cols, ncb, cl, mode, owned,
                                  (par_array **)&ref, err);
        }
        if (rc == 0)
                rc = make_layer(what, pg, ndim, cols, ncb, cl, mode, ref, out, err);
        par_array_release(clhold);
        for (size_t k = 0; k < MAX_SRC; k++)
                par_array_release(owned[k]);
        par__free(pg);
        return rc;
}

int par_array_unary(par_array_fn fn, par_array *a, par_array **out, par_error *err)
{
        const char *what = unary_name((int)fn);
        if (!what) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL, "par_array_unary: unknown function %d",
                                   (int)fn);
        }
        if (!a) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL, "%s: the array is NULL", what);
        }
        operand o = {a, 0};
        return build(what, 1, &o, (ins){I_UNARY, (int32_t)fn, 0}, out, err);
}

static int binary(par_array_binop op, operand x, operand y, par_array **out,
                  par_error *err)
{
        const char *what = binary_name((int)op);
        if (!what) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL,
                                   "par_array_binary: unknown operator %d", (int)op);
        }
        operand ops[2] = {x, y};
        return build(what, 2, ops, (ins){I_BINARY, (int32_t)op, 0}, out, err);
}

int par_array_binary(par_array_binop op, par_array *a, par_array *b, par_array **out,
                     par_error *err)
{
        if (!a || !b) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL, "par_array_binary: an array is NULL");
        }
        return binary(op, (operand){a, 0}, (operand){b, 0}, out, err);
}

int par_array_binary_scalar(par_array_binop op, par_array *a, double s,
                            par_array **out, par_error *err)
{
        if (!a) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL,
                                   "par_array_binary_scalar: the array is NULL");
        }
        return binary(op, (operand){a, 0}, (operand){NULL, s}, out, err);
}

int par_array_scalar_binary(par_array_binop op, double s, par_array *a,
                            par_array **out, par_error *err)
{
        if (!a) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL,
                                   "par_array_scalar_binary: the array is NULL");
        }
        return binary(op, (operand){NULL, s}, (operand){a, 0}, out, err);
}

int par_array_where(par_array *cond, par_array *a, par_array *b, par_array **out,
                    par_error *err)
{
        if (!cond || !a || !b) {
                if (out)
                        *out = NULL;
                return par__errorf(err, PAR_EINVAL, "where: an array is NULL");
        }
        operand ops[3] = {{cond, 0}, {a, 0}, {b, 0}};
        return build("where", 3, ops, (ins){I_WHERE, 0, 0}, out, err);
}

void par__array_register_elemwise_ops(void)
{
        par_op_register("par.array.elemwise", op_elemwise, NULL);
}
