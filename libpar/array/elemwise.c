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
 * first one's chunks.
 *
 * Dtypes. Every instruction carries the dtype of its result (t) and of
 * its operands (ct), fixed when the program is built by NumPy's promotion
 * rules; casts are instructions of their own. A slot of the stack holds
 * doubles (float64 and float32: float32 results are rounded to float
 * after each instruction, so + - * / sqrt are exactly NumPy's) or int64s
 * (int64 and bool, 0/1): integer arithmetic never goes through double. */
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

enum { I_LOAD = 1, I_CONST, I_UNARY, I_BINARY, I_WHERE, I_CAST };

/* Source modes: bit 0, one chunk read by every task (rows broadcast);
 * bit 1, a 1-D vector along the output's columns. */
enum { M_BCAST = 1, M_VEC = 2 };

typedef struct ins {
        int32_t op;
        int32_t arg; /* LOAD: the source; UNARY/BINARY: the function */
        double c;    /* CONST */
        int32_t t;   /* the result's dtype */
        int32_t ct;  /* the operands' dtype (CAST: the source's) */
} ins;

/* Slots of int64 and bool values hold int64s; of float64 and float32,
 * doubles. */
static bool is_int(int32_t t)
{
        return t == PAR_DTYPE_INT64 || t == PAR_DTYPE_BOOL;
}

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

/* np.floor_divide on floats: floor((x - fmod(x, y)) / y), corrected as
 * NumPy's divmod does; division by zero gives x / y (inf or NaN). */
static double py_floordiv(double x, double y)
{
        if (y == 0)
                return x / y;
        double mod = fmod(x, y);
        double div = (x - mod) / y;
        if (mod != 0 && ((y < 0) != (mod < 0)))
                div -= 1.0;
        if (div == 0)
                return copysign(0.0, x / y);
        double fl = floor(div);
        if (div - fl > 0.5)
                fl += 1.0;
        return fl;
}

/* int64 arithmetic wraps (two's complement), as NumPy's. */
static int64_t wrap_add(int64_t x, int64_t y)
{
        return (int64_t)((uint64_t)x + (uint64_t)y);
}

static int64_t wrap_sub(int64_t x, int64_t y)
{
        return (int64_t)((uint64_t)x - (uint64_t)y);
}

static int64_t wrap_mul(int64_t x, int64_t y)
{
        return (int64_t)((uint64_t)x * (uint64_t)y);
}

/* Floor division and its remainder with NumPy's choices: a zero divisor
 * gives 0 (NumPy warns and gives 0), INT64_MIN // -1 wraps to INT64_MIN. */
static int64_t int_floordiv(int64_t x, int64_t y)
{
        if (y == 0)
                return 0;
        if (y == -1)
                return wrap_sub(0, x);
        int64_t q = x / y;
        if ((x % y != 0) && ((x < 0) != (y < 0)))
                q--;
        return q;
}

static int64_t int_mod(int64_t x, int64_t y)
{
        if (y == 0 || y == -1)
                return 0;
        int64_t r = x % y;
        if (r != 0 && ((r < 0) != (y < 0)))
                r += y;
        return r;
}

/* x ** y by squaring, wrapping; y < 0 is refused before (run_block). */
static int64_t int_pow(int64_t x, int64_t y)
{
        uint64_t r = 1, b = (uint64_t)x;
        for (uint64_t e = (uint64_t)y; e; e >>= 1) {
                if (e & 1)
                        r *= b;
                b *= b;
        }
        return (int64_t)r;
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
        X(PAR_ARRAY_OR, "logical_or", (double)(x != 0 || y != 0))           \
        X(PAR_ARRAY_FLOOR_DIVIDE, "floor_divide", py_floordiv(x, y))        \
        X(PAR_ARRAY_XOR, "logical_xor", (double)((x != 0) != (y != 0)))

/* The same on int64 (and bool as 0/1). */
#define INT_UNARY_FNS(X)                                                    \
        X(PAR_ARRAY_NEG, wrap_sub(0, x))                                    \
        X(PAR_ARRAY_ABS, x < 0 ? wrap_sub(0, x) : x)                        \
        X(PAR_ARRAY_SQUARE, wrap_mul(x, x))                                 \
        X(PAR_ARRAY_RECIPROCAL, int_floordiv(1, x) * (x == 1 || x == -1))   \
        X(PAR_ARRAY_SIGN, (int64_t)(x > 0) - (int64_t)(x < 0))              \
        X(PAR_ARRAY_ISNAN, ((void)x, (int64_t)0))                           \
        X(PAR_ARRAY_ISINF, ((void)x, (int64_t)0))                           \
        X(PAR_ARRAY_ISFINITE, ((void)x, (int64_t)1))                        \
        X(PAR_ARRAY_NOT, (int64_t)(x == 0))

#define INT_BINARY_OPS(X)                                                   \
        X(PAR_ARRAY_ADD, wrap_add(x, y))                                    \
        X(PAR_ARRAY_SUB, wrap_sub(x, y))                                    \
        X(PAR_ARRAY_MUL, wrap_mul(x, y))                                    \
        X(PAR_ARRAY_POW, int_pow(x, y))                                     \
        X(PAR_ARRAY_MOD, int_mod(x, y))                                     \
        X(PAR_ARRAY_FLOOR_DIVIDE, int_floordiv(x, y))                       \
        X(PAR_ARRAY_MINIMUM, x < y ? x : y)                                 \
        X(PAR_ARRAY_MAXIMUM, x > y ? x : y)                                 \
        X(PAR_ARRAY_EQ, (int64_t)(x == y))                                  \
        X(PAR_ARRAY_NE, (int64_t)(x != y))                                  \
        X(PAR_ARRAY_LT, (int64_t)(x < y))                                   \
        X(PAR_ARRAY_LE, (int64_t)(x <= y))                                  \
        X(PAR_ARRAY_GT, (int64_t)(x > y))                                   \
        X(PAR_ARRAY_GE, (int64_t)(x >= y))                                  \
        X(PAR_ARRAY_AND, (int64_t)(x != 0 && y != 0))                       \
        X(PAR_ARRAY_OR, (int64_t)(x != 0 || y != 0))                        \
        X(PAR_ARRAY_XOR, (int64_t)((x != 0) != (y != 0)))

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

/* Whether the int64 kernels have fn / op (a program from elsewhere is
 * checked against them). */
static bool int_unary_ok(int fn)
{
#define OK_CASE(E, EXPR) case E:
        switch (fn) {
                INT_UNARY_FNS(OK_CASE)
                return true;
        default:
                return false;
        }
}

static bool int_binary_ok(int op)
{
        switch (op) {
                INT_BINARY_OPS(OK_CASE)
                return true;
        default:
                return false;
        }
#undef OK_CASE
}

/* A stack slot: a block of values, or one value for the whole block; of
 * doubles (p, s) or of int64s (q, is), as the instruction's dtype says. */
typedef struct slot {
        const double *p;
        double s;
        const int64_t *q;
        int64_t is;
        bool scalar;
} slot;

/* The stack's buffers: BLOCK doubles and BLOCK int64s per level. */
typedef struct bufs {
        double *d;
        int64_t *i;
} bufs;

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

static void run_unary_int(int fn, slot *sl, int64_t *d, int64_t nb)
{
#define IUN_CASE(E, EXPR)                                                   \
        case E:                                                             \
                if (sl->scalar) {                                           \
                        int64_t x = sl->is;                                 \
                        sl->is = (EXPR);                                    \
                } else {                                                    \
                        const int64_t *p_ = sl->q;                          \
                        for (int64_t k = 0; k < nb; k++) {                  \
                                int64_t x = p_[k];                          \
                                d[k] = (EXPR);                              \
                        }                                                   \
                        sl->q = d;                                          \
                }                                                           \
                break;
        switch (fn) {
                INT_UNARY_FNS(IUN_CASE)
        default: /* FLOOR, CEIL, TRUNC, RINT never reach ints: cast first */
                break;
        }
#undef IUN_CASE
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

static void run_binary_int(int op, slot *a, const slot *b, int64_t *d, int64_t nb)
{
#define IBIN_CASE(E, EXPR)                                                  \
        case E:                                                             \
                if (a->scalar && b->scalar) {                               \
                        int64_t x = a->is, y = b->is;                       \
                        a->is = (EXPR);                                     \
                } else {                                                    \
                        for (int64_t k = 0; k < nb; k++) {                  \
                                int64_t x = a->scalar ? a->is : a->q[k];    \
                                int64_t y = b->scalar ? b->is : b->q[k];    \
                                d[k] = (EXPR);                              \
                        }                                                   \
                }                                                           \
                break;
        switch (op) {
                INT_BINARY_OPS(IBIN_CASE)
        default:
                break;
        }
#undef IBIN_CASE
        if (!(a->scalar && b->scalar)) {
                a->scalar = false;
                a->q = d;
        }
}

/* Doubles to float32 precision, in place (d is the slot's own buffer, or
 * the slot is a scalar). */
static void round_f32(slot *sl, double *d, int64_t nb)
{
        if (sl->scalar) {
                sl->s = (float)sl->s;
                return;
        }
        for (int64_t k = 0; k < nb; k++)
                d[k] = (float)sl->p[k];
        sl->p = d;
}

/* A slot of doubles (0/1 from a comparison) as int64s in d. */
static void to_int_slot(slot *sl, int64_t *d, int64_t nb)
{
        if (sl->scalar) {
                sl->is = (int64_t)sl->s;
                return;
        }
        for (int64_t k = 0; k < nb; k++)
                d[k] = (int64_t)sl->p[k];
        sl->q = d;
}

/* Where a block fails (a cast with no value, a negative integer power):
 * the row in the block, the column's offset is the caller's. */
typedef struct fault {
        int64_t row;
        double val;
        const char *why;
} fault;

/* Casts a slot from dtype `from` to `to`. Float to int64 truncates toward
 * zero and fails on NaN, infinities and values out of range. */
static int run_cast(slot *sl, int32_t from, int32_t to, double *d, int64_t *q,
                    int64_t nb, fault *f)
{
        if (from == to)
                return 0;
        int64_t n = sl->scalar ? 1 : nb;
        if (!is_int(from) && !is_int(to)) { /* float64 <-> float32 */
                if (to == PAR_DTYPE_FLOAT32)
                        round_f32(sl, d, nb);
                return 0;
        }
        if (is_int(from) && !is_int(to)) {
                double *o = sl->scalar ? &sl->s : d;
                for (int64_t k = 0; k < n; k++) {
                        int64_t x = sl->scalar ? sl->is : sl->q[k];
                        /* int64 to float32 rounds once, not via double */
                        o[k] = to == PAR_DTYPE_FLOAT32 ? (double)(float)x : (double)x;
                }
                if (!sl->scalar)
                        sl->p = d;
                return 0;
        }
        int64_t *o = sl->scalar ? &sl->is : q;
        if (is_int(from)) { /* int64 <-> bool */
                for (int64_t k = 0; k < n && to == PAR_DTYPE_BOOL; k++)
                        o[k] = (sl->scalar ? sl->is : sl->q[k]) != 0;
                if (!sl->scalar && to == PAR_DTYPE_BOOL)
                        sl->q = q;
                return 0;
        }
        for (int64_t k = 0; k < n; k++) {
                double x = sl->scalar ? sl->s : sl->p[k];
                if (to == PAR_DTYPE_BOOL) {
                        o[k] = x != 0; /* NaN is true, as NumPy */
                } else if (x >= -0x1p63 && x < 0x1p63) {
                        o[k] = (int64_t)x;
                } else {
                        *f = (fault){sl->scalar ? 0 : k, x,
                                     "has no int64 value (NaN, infinite or out of range)"};
                        return -1;
                }
        }
        if (!sl->scalar)
                sl->q = q;
        return 0;
}

static void run_where(slot *c, const slot *a, const slot *b, bool ints, double *d,
                      int64_t *q, int64_t nb)
{
        if (c->scalar && a->scalar && b->scalar) {
                if (ints)
                        c->is = c->is ? a->is : b->is;
                else
                        c->s = c->is ? a->s : b->s;
                return;
        }
        for (int64_t k = 0; k < nb; k++) {
                bool t = c->scalar ? c->is : c->q[k];
                const slot *w = t ? a : b;
                if (ints)
                        q[k] = w->scalar ? w->is : w->q[k];
                else
                        d[k] = w->scalar ? w->s : w->p[k];
        }
        c->scalar = false;
        if (ints)
                c->q = q;
        else
                c->p = d;
}

/* ---- the chunk task ------------------------------------------------------------- */

/* A source within one task: element (i, j) is at base + (i * si + j * sj)
 * elements of dtype dt. */
typedef struct src_view {
        const void *base;
        int32_t dt;
        int64_t si, sj;
} src_view;

/* Whether a float function or operator gives 0/1 (a bool result). */
static bool gives_bool(int op, bool unary)
{
        if (unary)
                return op == PAR_ARRAY_ISNAN || op == PAR_ARRAY_ISINF ||
                       op == PAR_ARRAY_ISFINITE || op == PAR_ARRAY_NOT;
        return (op >= PAR_ARRAY_EQ && op <= PAR_ARRAY_OR) || op == PAR_ARRAY_XOR;
}

/* The program, checked: every load names a source, the dtypes are array
 * dtypes, each instruction finds its operands in the slots (of int64s or
 * doubles) its dtypes say, a float instruction gives an int result only
 * where it makes 0/1, the stack never runs dry and ends with one slot.
 * (Programs may come from another rank.) Returns the stack depth, or -1. */
static int check_code(const ins *code, size_t ncode, size_t nsrc)
{
        bool ints[4 * MAX_CODE + 1]; /* each slot's kind */
        int sp = 0, depth = 0;
        if (ncode > 4 * MAX_CODE)
                return -1;
        for (size_t i = 0; i < ncode; i++) {
                const ins *c = &code[i];
                bool ti = is_int(c->t), ci = is_int(c->ct);
                if (!par__array_dtype_ok((par_dtype)c->t) ||
                    (c->op != I_LOAD && c->op != I_CONST &&
                     !par__array_dtype_ok((par_dtype)c->ct)))
                        return -1;
                switch (c->op) {
                case I_LOAD:
                        if (c->arg < 0 || (size_t)c->arg >= nsrc)
                                return -1;
                        ints[sp++] = ti;
                        break;
                case I_CONST:
                        if (ti)
                                return -1;
                        ints[sp++] = false;
                        break;
                case I_UNARY:
                        if (sp < 1 || !unary_name(c->arg) || ints[sp - 1] != ci ||
                            (ci && (!ti || !int_unary_ok(c->arg))) ||
                            (!ci && ti && !(c->t == PAR_DTYPE_BOOL && gives_bool(c->arg, true))))
                                return -1;
                        ints[sp - 1] = ti;
                        break;
                case I_CAST:
                        if (sp < 1 || ints[sp - 1] != ci)
                                return -1;
                        ints[sp - 1] = ti;
                        break;
                case I_BINARY:
                        if (sp < 2 || !binary_name(c->arg) || ints[sp - 1] != ci ||
                            ints[sp - 2] != ci || (ci && (!ti || !int_binary_ok(c->arg))) ||
                            (!ci && ti &&
                             !(c->t == PAR_DTYPE_BOOL && gives_bool(c->arg, false))))
                                return -1;
                        sp--;
                        ints[sp - 1] = ti;
                        break;
                case I_WHERE:
                        if (sp < 3 || !ints[sp - 3] || ints[sp - 2] != ci ||
                            ints[sp - 1] != ci || c->t != c->ct)
                                return -1;
                        sp -= 2;
                        ints[sp - 1] = ti;
                        break;
                default:
                        return -1;
                }
                if (sp > depth)
                        depth = sp;
        }
        return sp == 1 ? depth : -1;
}

/* Loads rows [i0, i0 + nb) of column j of a source into a slot. */
static void load(const src_view *v, slot *s, bufs *b, int sp, int64_t i0, int64_t nb,
                 int64_t j)
{
        int64_t off = j * v->sj + i0 * v->si;
        int64_t n = v->si == 0 ? 1 : nb;
        s->scalar = v->si == 0;
        double *d = b->d + (size_t)sp * BLOCK;
        int64_t *q = b->i + (size_t)sp * BLOCK;
        switch (v->dt) {
        case PAR_DTYPE_FLOAT64: {
                const double *p = (const double *)v->base + off;
                if (s->scalar)
                        s->s = *p;
                else if (v->si == 1)
                        s->p = p;
                else {
                        for (int64_t k = 0; k < n; k++)
                                d[k] = p[k * v->si];
                        s->p = d;
                }
                break;
        }
        case PAR_DTYPE_FLOAT32: {
                const float *p = (const float *)v->base + off;
                for (int64_t k = 0; k < n; k++)
                        d[k] = p[k * v->si];
                s->s = d[0];
                s->p = d;
                break;
        }
        case PAR_DTYPE_INT64: {
                const int64_t *p = (const int64_t *)v->base + off;
                if (s->scalar)
                        s->is = *p;
                else if (v->si == 1)
                        s->q = p;
                else {
                        for (int64_t k = 0; k < n; k++)
                                q[k] = p[k * v->si];
                        s->q = q;
                }
                break;
        }
        default: { /* bool */
                const uint8_t *p = (const uint8_t *)v->base + off;
                for (int64_t k = 0; k < n; k++)
                        q[k] = p[k * v->si];
                s->is = q[0];
                s->q = q;
                break;
        }
        }
}

/* Runs the program over rows [i0, i0 + nb) of column j into dst (of the
 * last instruction's dtype, dst_dt). -1 with *f filled on a fault. */
static int run_block(const ins *code, size_t ncode, const src_view *sv, slot *st,
                     bufs *b, int64_t i0, int64_t nb, int64_t j, void *dst,
                     int32_t dst_dt, fault *f)
{
        int sp = 0;
        for (size_t i = 0; i < ncode; i++) {
                const ins *c = &code[i];
                int top = sp ? sp - 1 : 0;
                double *buf = b->d + (size_t)top * BLOCK;
                int64_t *ibuf = b->i + (size_t)top * BLOCK;
                switch (c->op) {
                case I_LOAD:
                        load(&sv[c->arg], &st[sp], b, sp, i0, nb, j);
                        sp++;
                        break;
                case I_CONST:
                        st[sp].scalar = true;
                        st[sp].s = c->c;
                        sp++;
                        break;
                case I_CAST:
                        if (run_cast(&st[sp - 1], c->ct, c->t, buf, ibuf, nb, f) < 0)
                                return -1;
                        break;
                case I_UNARY:
                        if (is_int(c->ct)) {
                                run_unary_int(c->arg, &st[sp - 1], ibuf, nb);
                                break;
                        }
                        run_unary(c->arg, &st[sp - 1], buf, nb);
                        if (is_int(c->t))
                                to_int_slot(&st[sp - 1], ibuf, nb);
                        else if (c->t == PAR_DTYPE_FLOAT32)
                                round_f32(&st[sp - 1], buf, nb);
                        break;
                case I_BINARY: {
                        sp--;
                        slot *x = &st[sp - 1], *y = &st[sp];
                        buf = b->d + (size_t)(sp - 1) * BLOCK;
                        ibuf = b->i + (size_t)(sp - 1) * BLOCK;
                        if (is_int(c->ct)) {
                                if (c->arg == PAR_ARRAY_POW)
                                        for (int64_t k = 0; k < (y->scalar ? 1 : nb); k++)
                                                if ((y->scalar ? y->is : y->q[k]) < 0) {
                                                        *f = (fault){k,
                                                                     (double)(y->scalar ? y->is : y->q[k]),
                                                                     "is a negative integer power "
                                                                     "(Integers to negative integer "
                                                                     "powers are not allowed)"};
                                                        return -1;
                                                }
                                run_binary_int(c->arg, x, y, ibuf, nb);
                                break;
                        }
                        run_binary(c->arg, x, y, buf, nb);
                        if (is_int(c->t))
                                to_int_slot(x, ibuf, nb);
                        else if (c->t == PAR_DTYPE_FLOAT32)
                                round_f32(x, buf, nb);
                        break;
                }
                case I_WHERE:
                        sp -= 2;
                        run_where(&st[sp - 1], &st[sp], &st[sp + 1], is_int(c->t),
                                  b->d + (size_t)(sp - 1) * BLOCK,
                                  b->i + (size_t)(sp - 1) * BLOCK, nb);
                        break;
                }
        }
        const slot *r = &st[0];
        switch (dst_dt) {
        case PAR_DTYPE_FLOAT64:
                for (int64_t k = 0; k < nb; k++)
                        ((double *)dst)[k] = r->scalar ? r->s : r->p[k];
                break;
        case PAR_DTYPE_FLOAT32:
                for (int64_t k = 0; k < nb; k++)
                        ((float *)dst)[k] = (float)(r->scalar ? r->s : r->p[k]);
                break;
        case PAR_DTYPE_INT64:
                for (int64_t k = 0; k < nb; k++)
                        ((int64_t *)dst)[k] = r->scalar ? r->is : r->q[k];
                break;
        default:
                for (int64_t k = 0; k < nb; k++)
                        ((uint8_t *)dst)[k] = (uint8_t)((r->scalar ? r->is : r->q[k]) != 0);
                break;
        }
        return 0;
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
                sv[k].base = nd->ptr;
                sv[k].dt = nd->dtype;
                if (mode[k] & M_VEC) {
                        sv[k].si = 0;
                        sv[k].sj = nd->rows == 1 ? 0 : nd->rs;
                } else {
                        sv[k].si = (mode[k] & M_BCAST) || nd->rows == 1 ? 0 : nd->rs;
                        sv[k].sj = nd->cols == 1 ? 0 : nd->cs;
                }
        }
        /* Each load must find the dtype the program was typed for. */
        for (int64_t i = 0; i < ncode; i++)
                if (code[i].op == I_LOAD && sv[code[i].arg].dt != code[i].t) {
                        int32_t want = code[i].t, got = sv[code[i].arg].dt;
                        par__free(code);
                        return par_task_fail(ctx, PAR_ETYPE,
                                             "elemwise: chunk %" PRId64 " of input %d is "
                                             "%s; expected %s",
                                             idx, code[i].arg, par_dtype_name(got),
                                             par_dtype_name(want));
                }
        int32_t odt = code[ncode - 1].t;
        par__nd *o = par__nd_alloc_t((int)ndim, R, ndim == 2 ? C : 1, odt);
        bufs b = {par__malloc((size_t)(depth + 1) * BLOCK * sizeof *b.d),
                  par__malloc((size_t)(depth + 1) * BLOCK * sizeof *b.i)};
        slot *st = par__malloc((size_t)(depth + 1) * sizeof *st);
        if (!o || !b.d || !b.i || !st) {
                par__nd_discard(o);
                par__free(b.d);
                par__free(b.i);
                par__free(st);
                par__free(code);
                return par_task_fail(ctx, PAR_ENOMEM,
                                     "elemwise: out of memory for a %" PRId64
                                     " x %" PRId64 " chunk",
                                     R, C);
        }
        size_t es = par__dtype_size(odt);
        fault f = {0, 0, NULL};
        int rc = 0;
        int64_t fj = 0, fi = 0;
        for (int64_t j = 0; j < o->cols && rc == 0; j++)
                for (int64_t i0 = 0; i0 < R && rc == 0; i0 += BLOCK) {
                        rc = run_block(code, (size_t)ncode, sv, st, &b, i0,
                                       R - i0 < BLOCK ? R - i0 : BLOCK, j,
                                       (char *)o->ptr + (size_t)(j * R + i0) * es, odt, &f);
                        fj = j;
                        fi = i0 + f.row;
                }
        par__free(b.d);
        par__free(b.i);
        par__free(st);
        par__free(code);
        if (rc < 0) {
                char key[160];
                par_key_format(par_task_key(ctx), key, sizeof key);
                par__nd_discard(o);
                return par_task_fail(ctx, PAR_EINVAL,
                                     "%s: element (%" PRId64 ", %" PRId64
                                     ") of chunk %" PRId64
                                     " (row within the chunk, column): %g %s",
                                     key, fi, fj, idx, f.val, f.why);
        }
        *out = par__nd_finish(o);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* ---- building ------------------------------------------------------------------- */

typedef struct operand {
        par_array *a; /* NULL: the scalar s */
        double s;
} operand;

/* The dtype of a Python float scalar: "weak", as NEP 50 says: it takes
 * a float array's dtype and makes int and bool arrays float64. */
#define W_FLOAT (-1)

static int32_t otype(const operand *o)
{
        return o->a ? (int32_t)o->a->dtype : W_FLOAT;
}

/* NumPy's promotion: bool < int64 < float64, float32 < float64, and int64
 * with float32 gives float64. */
static int32_t promote(int32_t a, int32_t b)
{
        if (a == b)
                return a;
        if (a == W_FLOAT || b == W_FLOAT) {
                int32_t t = a == W_FLOAT ? b : a;
                return t == PAR_DTYPE_FLOAT32 ? PAR_DTYPE_FLOAT32 : PAR_DTYPE_FLOAT64;
        }
        if (a == PAR_DTYPE_BOOL)
                return b;
        if (b == PAR_DTYPE_BOOL)
                return a;
        return PAR_DTYPE_FLOAT64;
}

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
static int add_operand_code(prog *pg, const operand *o, par_error *err);

/* Appends an operand converted to dtype `to`. A scalar is converted now. */
static int add_operand(prog *pg, const operand *o, int32_t to, par_error *err)
{
        if (!o->a)
                return emit(pg,
                            (ins){I_CONST, 0,
                                  to == PAR_DTYPE_FLOAT32 ? (double)(float)o->s : o->s,
                                  to, to},
                            err);
        int rc = add_operand_code(pg, o, err);
        if (rc == 0 && (int32_t)o->a->dtype != to)
                rc = emit(pg, (ins){I_CAST, to, 0, to, (int32_t)o->a->dtype}, err);
        return rc;
}

static int add_operand_code(prog *pg, const operand *o, par_error *err)
{
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
        return emit(pg, (ins){I_LOAD, k, 0, (int32_t)o->a->dtype, (int32_t)o->a->dtype},
                    err);
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

/* The operands, each converted to to[i], then the instruction `last`, as
 * one elementwise array (of last.t). */
static int build(const char *what, size_t nops, const operand *ops,
                 const int32_t *to, ins last, par_array **out, par_error *err)
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
                rc = add_operand(pg, &ops[i], to[i], err);
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
        if (rc == 0)
                (*out)->dtype = (par_dtype)last.t;
        par_array_release(clhold);
        for (size_t k = 0; k < MAX_SRC; k++)
                par_array_release(owned[k]);
        par__free(pg);
        return rc;
}

/* The dtypes of fn(x): the operand's (ct) and the result's (t). */
static int unary_types(const char *what, int fn, int32_t ta, int32_t *ct, int32_t *t,
                       par_error *err)
{
        *ct = *t = ta;
        switch (fn) {
        case PAR_ARRAY_NEG:
        case PAR_ARRAY_SIGN:
                if (ta == PAR_DTYPE_BOOL)
                        return par__errorf(err, PAR_ETYPE,
                                           "%s: not supported for a bool array, as in "
                                           "NumPy (use logical_not)",
                                           what);
                return 0;
        case PAR_ARRAY_ABS:
                return 0;
        case PAR_ARRAY_SQUARE:
        case PAR_ARRAY_RECIPROCAL: /* NumPy: int8 for bool; int64 here */
                if (ta == PAR_DTYPE_BOOL)
                        *ct = *t = PAR_DTYPE_INT64;
                return 0;
        case PAR_ARRAY_ISNAN:
        case PAR_ARRAY_ISINF:
        case PAR_ARRAY_ISFINITE:
        case PAR_ARRAY_NOT:
                *t = PAR_DTYPE_BOOL;
                return 0;
        default: /* the math functions: floats keep theirs, ints get float64 */
                if (is_int(ta))
                        *ct = *t = PAR_DTYPE_FLOAT64;
                return 0;
        }
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
        if (out)
                *out = NULL;
        int32_t ct = 0, t = 0;
        int rc = unary_types(what, (int)fn, (int32_t)a->dtype, &ct, &t, err);
        if (rc < 0)
                return rc;
        operand o = {a, 0};
        return build(what, 1, &o, &ct, (ins){I_UNARY, (int32_t)fn, 0, t, ct}, out, err);
}

int par__array_astype(par_array *a, par_dtype dtype, par_array **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "astype: out is NULL");
        *out = NULL;
        if (!a)
                return par__errorf(err, PAR_EINVAL, "astype: the array is NULL");
        if (!par__array_dtype_ok(dtype))
                return par__errorf(err, PAR_EINVAL,
                                   "astype: dtype %d is not an array dtype (float64, "
                                   "float32, int64 or bool)",
                                   (int)dtype);
        if (a->dtype == dtype)
                return (*out = par_array_retain(a)), 0;
        operand o = {a, 0};
        int32_t from = (int32_t)a->dtype;
        return build("astype", 1, &o, &from,
                     (ins){I_CAST, (int32_t)dtype, 0, (int32_t)dtype, from}, out, err);
}

int par_array_astype(par_array *a, par_dtype dtype, par_array **out, par_error *err)
{
        return par__array_astype(a, dtype, out, err);
}

int par__array_as_f64(par_array *a, par_array **out, par_error *err)
{
        return par__array_astype(a, PAR_DTYPE_FLOAT64, out, err);
}

/* The dtypes of x op y: both operands are converted to ct, the result is
 * t, and bool + and * become logical or and and (NumPy's bool loops). */
static int binary_types(const char *what, int *op, int32_t ta, int32_t tb, int32_t *ct,
                        int32_t *t, par_error *err)
{
        *ct = promote(ta, tb);
        switch (*op) {
        case PAR_ARRAY_DIV:
                if (is_int(*ct))
                        *ct = PAR_DTYPE_FLOAT64;
                break;
        case PAR_ARRAY_SUB:
                if (*ct == PAR_DTYPE_BOOL)
                        return par__errorf(err, PAR_ETYPE,
                                           "%s: not supported for bool arrays, as in "
                                           "NumPy (use logical_xor)",
                                           what);
                break;
        case PAR_ARRAY_ADD:
                if (*ct == PAR_DTYPE_BOOL)
                        *op = PAR_ARRAY_OR;
                break;
        case PAR_ARRAY_MUL:
                if (*ct == PAR_DTYPE_BOOL)
                        *op = PAR_ARRAY_AND;
                break;
        case PAR_ARRAY_POW:
        case PAR_ARRAY_MOD:
        case PAR_ARRAY_FLOOR_DIVIDE: /* NumPy: int8 for bools; int64 here */
                if (*ct == PAR_DTYPE_BOOL)
                        *ct = PAR_DTYPE_INT64;
                break;
        default:
                break;
        }
        *t = *ct;
        if ((*op >= PAR_ARRAY_EQ && *op <= PAR_ARRAY_OR) || *op == PAR_ARRAY_XOR)
                *t = PAR_DTYPE_BOOL;
        return 0;
}

static int binary(par_array_binop op, operand x, operand y, par_array **out,
                  par_error *err)
{
        const char *what = binary_name((int)op);
        if (out)
                *out = NULL;
        if (!what)
                return par__errorf(err, PAR_EINVAL,
                                   "par_array_binary: unknown operator %d", (int)op);
        int iop = (int)op;
        int32_t ct = 0, t = 0;
        int rc = binary_types(what, &iop, otype(&x), otype(&y), &ct, &t, err);
        if (rc < 0)
                return rc;
        operand ops[2] = {x, y};
        int32_t to[2] = {ct, ct};
        return build(what, 2, ops, to, (ins){I_BINARY, (int32_t)iop, 0, t, ct}, out, err);
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
        int32_t t = promote((int32_t)a->dtype, (int32_t)b->dtype);
        int32_t to[3] = {PAR_DTYPE_BOOL, t, t};
        return build("where", 3, ops, to, (ins){I_WHERE, 0, 0, t, t}, out, err);
}

void par__array_register_elemwise_ops(void)
{
        par_op_register("par.array.elemwise", op_elemwise, NULL);
}
