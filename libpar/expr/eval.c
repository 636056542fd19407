/* Evaluating expressions a column at a time. Each node yields either a
 * column or a scalar; binary operations loop over two arrays with strides
 * of 0 (a scalar) or 1 (a column), specialized so the compiler vectorizes
 * the common cases. Nulls propagate: a result element is null when any
 * operand element is. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "expr/internal.h"
#include "kernels/text.h"
#include "value/column.h"

typedef struct vec {
        par_value *col; /* a column (owned), or NULL for a scalar */
        par_dtype dtype;
        bool null; /* scalar null */
        int64_t i;
        double f;
        bool b;
        const char *s;
        size_t slen;
} vec;

static void vec_free(vec *v)
{
        par_value_release(v->col);
        v->col = NULL;
}

static const char *vec_type(const vec *v)
{
        return par_dtype_name(v->dtype);
}

typedef struct ctx {
        const par_value *part;
        int64_t n;
        par_error *err;
} ctx;

static int eval(ctx *c, const par_expr *e, vec *out);

static bool is_num(par_dtype t)
{
        return t == PAR_DTYPE_INT64 || t == PAR_DTYPE_FLOAT64 ||
               t == PAR_DTYPE_BOOL;
}

/* Validity of the result of combining a and b: NULL when all valid. The
 * caller owns the returned bitmap. *all_null is set when a scalar operand
 * is null. */
static int combine_validity(const vec *a, const vec *b, int64_t n,
                            uint8_t **out, bool *all_null)
{
        *out = NULL;
        *all_null = (!a->col && a->null) || (b && !b->col && b->null);
        const uint8_t *va = a->col ? par_column_validity(a->col) : NULL;
        const uint8_t *vb = b && b->col ? par_column_validity(b->col) : NULL;
        if (!va && !vb && !*all_null)
                return 0;
        size_t nb = (size_t)(n + 7) / 8;
        uint8_t *v = par__malloc(nb ? nb : 1);
        if (!v)
                return PAR_ENOMEM;
        for (size_t k = 0; k < nb; k++) {
                uint8_t x = *all_null ? 0 : 0xff;
                if (va)
                        x &= va[k];
                if (vb)
                        x &= vb[k];
                v[k] = x;
        }
        *out = v;
        return 0;
}

static par_value *finish_with_validity(par__column *col, uint8_t *validity)
{
        if (validity) {
                col->validity = validity;
                int64_t nulls = 0;
                for (int64_t i = 0; i < col->length; i++)
                        nulls += !(validity[i >> 3] >> (i & 7) & 1);
                col->null_count = nulls;
                if (!nulls) {
                        par__free(validity);
                        col->validity = NULL;
                }
        }
        return par__column_finish(col);
}

/* Operands viewed as arrays of one numeric type, with stride 0 or 1. */
typedef struct nview {
        const double *f;
        const int64_t *i;
        size_t stride;
        double fs;
        int64_t is;
        void *tmp;
} nview;

static int view_f64(const vec *v, int64_t n, nview *o)
{
        memset(o, 0, sizeof *o);
        if (!v->col) {
                o->fs = v->dtype == PAR_DTYPE_FLOAT64 ? v->f
                        : v->dtype == PAR_DTYPE_INT64 ? (double)v->i
                                                      : (double)v->b;
                o->f = &o->fs;
                return 0;
        }
        o->stride = 1;
        if (v->dtype == PAR_DTYPE_FLOAT64) {
                o->f = par_column_float64(v->col);
                return 0;
        }
        double *t = par__malloc((size_t)(n ? n : 1) * sizeof *t);
        if (!t)
                return PAR_ENOMEM;
        if (v->dtype == PAR_DTYPE_INT64) {
                const int64_t *s = par_column_int64(v->col);
                for (int64_t k = 0; k < n; k++)
                        t[k] = (double)s[k];
        } else {
                const uint8_t *s = par_column_bool(v->col);
                for (int64_t k = 0; k < n; k++)
                        t[k] = s[k];
        }
        o->f = t;
        o->tmp = t;
        return 0;
}

static int view_i64(const vec *v, int64_t n, nview *o)
{
        memset(o, 0, sizeof *o);
        if (!v->col) {
                o->is = v->dtype == PAR_DTYPE_INT64 ? v->i : (int64_t)v->b;
                o->i = &o->is;
                return 0;
        }
        o->stride = 1;
        if (v->dtype == PAR_DTYPE_INT64) {
                o->i = par_column_int64(v->col);
                return 0;
        }
        int64_t *t = par__malloc((size_t)(n ? n : 1) * sizeof *t);
        if (!t)
                return PAR_ENOMEM;
        const uint8_t *s = par_column_bool(v->col);
        for (int64_t k = 0; k < n; k++)
                t[k] = s[k];
        o->i = t;
        o->tmp = t;
        return 0;
}

/* out[k] = EXPR(x, y) for x = A[k*sa], y = B[k*sb], in three shapes. */
#define BINLOOP(OUT, A, B, SA, SB, N, EXPR)                                     \
        do {                                                                    \
                if ((SA) && (SB)) {                                             \
                        for (int64_t k = 0; k < (N); k++) {                     \
                                __typeof__(*(A)) x = (A)[k];                    \
                                __typeof__(*(B)) y = (B)[k];                    \
                                (OUT)[k] = (EXPR);                              \
                        }                                                       \
                } else if (SA) {                                                \
                        __typeof__(*(B)) y = (B)[0];                            \
                        for (int64_t k = 0; k < (N); k++) {                     \
                                __typeof__(*(A)) x = (A)[k];                    \
                                (OUT)[k] = (EXPR);                              \
                        }                                                       \
                } else {                                                        \
                        __typeof__(*(A)) x = (A)[0];                            \
                        for (int64_t k = 0; k < (N); k++) {                     \
                                __typeof__(*(B)) y = (B)[(SB) ? k : 0];         \
                                (OUT)[k] = (EXPR);                              \
                        }                                                       \
                }                                                               \
        } while (0)

static int64_t py_mod_i(int64_t x, int64_t y)
{
        if (y == 0)
                return 0;
        if (y == -1)
                return 0;
        int64_t r = x % y;
        return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}

static double py_mod_f(double x, double y)
{
        double r = fmod(x, y);
        return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}

static int num_binop(ctx *c, int op, const vec *a, const vec *b, vec *out)
{
        int64_t n = c->n;
        bool use_int = a->dtype != PAR_DTYPE_FLOAT64 &&
                       b->dtype != PAR_DTYPE_FLOAT64 && op != PAR__OP_DIV;
        bool cmp = op >= PAR__OP_EQ && op <= PAR__OP_GE;
        par_dtype rt = cmp ? PAR_DTYPE_BOOL
                       : use_int ? PAR_DTYPE_INT64
                                 : PAR_DTYPE_FLOAT64;
        if (!a->col && !b->col) {
                /* Both scalars: fold with the same rules on length-1. */
        }
        uint8_t *validity;
        bool all_null;
        if (combine_validity(a, b, n, &validity, &all_null) < 0)
                return PAR__ENOMEM(c->err, "evaluating an expression");
        par__column *col = par__column_alloc(rt, n, 0);
        nview va, vb;
        int rc = col ? 0 : PAR_ENOMEM;
        if (rc == 0)
                rc = use_int ? view_i64(a, n, &va) : view_f64(a, n, &va);
        if (rc == 0) {
                rc = use_int ? view_i64(b, n, &vb) : view_f64(b, n, &vb);
                if (rc < 0)
                        par__free(va.tmp);
        }
        if (rc < 0) {
                par__free(validity);
                par__column_discard(col);
                return PAR__ENOMEM(c->err, "evaluating an expression");
        }
        size_t sa = va.stride, sb = vb.stride;
        if (use_int) {
                const int64_t *A = va.i, *B = vb.i;
                int64_t *o = col->data;
                uint8_t *ob = col->data;
                switch (op) {
                case PAR__OP_ADD:
                        BINLOOP(o, A, B, sa, sb, n,
                                (int64_t)((uint64_t)x + (uint64_t)y));
                        break;
                case PAR__OP_SUB:
                        BINLOOP(o, A, B, sa, sb, n,
                                (int64_t)((uint64_t)x - (uint64_t)y));
                        break;
                case PAR__OP_MUL:
                        BINLOOP(o, A, B, sa, sb, n,
                                (int64_t)((uint64_t)x * (uint64_t)y));
                        break;
                case PAR__OP_MOD:
                        BINLOOP(o, A, B, sa, sb, n, py_mod_i(x, y));
                        break;
                case PAR__OP_EQ: BINLOOP(ob, A, B, sa, sb, n, x == y); break;
                case PAR__OP_NE: BINLOOP(ob, A, B, sa, sb, n, x != y); break;
                case PAR__OP_LT: BINLOOP(ob, A, B, sa, sb, n, x < y); break;
                case PAR__OP_LE: BINLOOP(ob, A, B, sa, sb, n, x <= y); break;
                case PAR__OP_GT: BINLOOP(ob, A, B, sa, sb, n, x > y); break;
                case PAR__OP_GE: BINLOOP(ob, A, B, sa, sb, n, x >= y); break;
                }
                /* Integer modulo by zero: null, as pandas gives NaN. */
                if (op == PAR__OP_MOD) {
                        for (int64_t k = 0; k < n; k++) {
                                if (B[sb ? k : 0] != 0)
                                        continue;
                                if (!validity) {
                                        size_t nb = (size_t)(n + 7) / 8;
                                        validity = par__malloc(nb ? nb : 1);
                                        if (!validity)
                                                break;
                                        memset(validity, 0xff, nb);
                                }
                                validity[k >> 3] &= (uint8_t)~(1u << (k & 7));
                        }
                }
        } else {
                const double *A = va.f, *B = vb.f;
                double *o = col->data;
                uint8_t *ob = col->data;
                switch (op) {
                case PAR__OP_ADD: BINLOOP(o, A, B, sa, sb, n, x + y); break;
                case PAR__OP_SUB: BINLOOP(o, A, B, sa, sb, n, x - y); break;
                case PAR__OP_MUL: BINLOOP(o, A, B, sa, sb, n, x * y); break;
                case PAR__OP_DIV: BINLOOP(o, A, B, sa, sb, n, x / y); break;
                case PAR__OP_MOD: BINLOOP(o, A, B, sa, sb, n, py_mod_f(x, y)); break;
                case PAR__OP_EQ: BINLOOP(ob, A, B, sa, sb, n, x == y); break;
                case PAR__OP_NE: BINLOOP(ob, A, B, sa, sb, n, x != y); break;
                case PAR__OP_LT: BINLOOP(ob, A, B, sa, sb, n, x < y); break;
                case PAR__OP_LE: BINLOOP(ob, A, B, sa, sb, n, x <= y); break;
                case PAR__OP_GT: BINLOOP(ob, A, B, sa, sb, n, x > y); break;
                case PAR__OP_GE: BINLOOP(ob, A, B, sa, sb, n, x >= y); break;
                }
        }
        par__free(va.tmp);
        par__free(vb.tmp);
        out->col = finish_with_validity(col, validity);
        out->dtype = rt;
        return out->col ? 0 : PAR__ENOMEM(c->err, "evaluating an expression");
}

/* The start of a binary operation: the result's validity (operands
 * combined) and its column of n elements of type t. */
static int begin_binary(ctx *c, const vec *a, const vec *b, par_dtype t,
                        par__column **col, uint8_t **validity)
{
        bool all_null;
        if (combine_validity(a, b, c->n, validity, &all_null) < 0)
                return PAR_ENOMEM;
        *col = par__column_alloc(t, c->n, 0);
        if (!*col) {
                par__free(*validity);
                return PAR_ENOMEM;
        }
        return 0;
}

/* The end of one: the column, with its validity, becomes the result. */
static int end_binary(ctx *c, par__column *col, uint8_t *validity, vec *out)
{
        par_dtype t = col->dtype;
        out->col = finish_with_validity(col, validity);
        out->dtype = t;
        return out->col ? 0 : PAR__ENOMEM(c->err, "evaluating an expression");
}

static int str_compare(ctx *c, int op, const vec *a, const vec *b, vec *out)
{
        int64_t n = c->n;
        uint8_t *validity;
        par__column *col;
        if (begin_binary(c, a, b, PAR_DTYPE_BOOL, &col, &validity) < 0)
                return PAR__ENOMEM(c->err, "evaluating an expression");
        uint8_t *o = col->data;
        for (int64_t k = 0; k < n; k++) {
                size_t la, lb;
                const char *sa = a->col ? par_column_string(a->col, k, &la) : a->s;
                const char *sb = b->col ? par_column_string(b->col, k, &lb) : b->s;
                if (!a->col)
                        la = a->slen;
                if (!b->col)
                        lb = b->slen;
                int r = memcmp(sa, sb, la < lb ? la : lb);
                if (r == 0)
                        r = (la > lb) - (la < lb);
                switch (op) {
                case PAR__OP_EQ: o[k] = r == 0; break;
                case PAR__OP_NE: o[k] = r != 0; break;
                case PAR__OP_LT: o[k] = r < 0; break;
                case PAR__OP_LE: o[k] = r <= 0; break;
                case PAR__OP_GT: o[k] = r > 0; break;
                default: o[k] = r >= 0; break;
                }
        }
        return end_binary(c, col, validity, out);
}

static int bool_binop(ctx *c, int op, const vec *a, const vec *b, vec *out)
{
        int64_t n = c->n;
        uint8_t *validity;
        par__column *col;
        if (begin_binary(c, a, b, PAR_DTYPE_BOOL, &col, &validity) < 0)
                return PAR__ENOMEM(c->err, "evaluating an expression");
        const uint8_t *A = a->col ? par_column_bool(a->col) : (const uint8_t *)&a->b;
        const uint8_t *B = b->col ? par_column_bool(b->col) : (const uint8_t *)&b->b;
        uint8_t as = a->col ? 1 : 0, bs = b->col ? 1 : 0;
        uint8_t *o = col->data;
        if (op == PAR__OP_AND)
                BINLOOP(o, A, B, as, bs, n, (uint8_t)(x & y));
        else
                BINLOOP(o, A, B, as, bs, n, (uint8_t)(x | y));
        return end_binary(c, col, validity, out);
}

static const char *const op_name[] = {"+", "-", "*", "/", "%", "==", "!=",
                                      "<", "<=", ">", ">=", "&", "|"};

static int binop(ctx *c, const par_expr *e, vec *out)
{
        vec a = {0}, b = {0};
        int rc = eval(c, e->args[0], &a);
        if (rc < 0)
                return rc;
        rc = eval(c, e->args[1], &b);
        if (rc < 0) {
                vec_free(&a);
                return rc;
        }
        int op = e->op;
        bool cmp = op >= PAR__OP_EQ && op <= PAR__OP_GE;
        if ((op == PAR__OP_AND || op == PAR__OP_OR) &&
            a.dtype == PAR_DTYPE_BOOL && b.dtype == PAR_DTYPE_BOOL)
                rc = bool_binop(c, op, &a, &b, out);
        else if (op != PAR__OP_AND && op != PAR__OP_OR && is_num(a.dtype) &&
                 is_num(b.dtype))
                rc = num_binop(c, op, &a, &b, out);
        else if (cmp && a.dtype == PAR_DTYPE_STRING && b.dtype == PAR_DTYPE_STRING)
                rc = str_compare(c, op, &a, &b, out);
        else
                rc = par__errorf(c->err, PAR_ETYPE,
                                 "expression: operator %s does not apply to "
                                 "%s and %s",
                                 op_name[op], vec_type(&a), vec_type(&b));
        vec_free(&a);
        vec_free(&b);
        return rc;
}

/* ---- unary ------------------------------------------------------------------- */

static int broadcast(ctx *c, const vec *s, par_value **out);

static int unary(ctx *c, const par_expr *e, vec *out)
{
        vec a = {0};
        int rc = eval(c, e->args[0], &a);
        if (rc < 0)
                return rc;
        if (!a.col) {
                rc = broadcast(c, &a, &a.col);
                if (rc < 0)
                        return rc;
        }
        int64_t n = c->n;
        bool neg = e->kind == PAR__E_NEG;
        if (neg ? !is_num(a.dtype) || a.dtype == PAR_DTYPE_BOOL
                : a.dtype != PAR_DTYPE_BOOL) {
                rc = par__errorf(c->err, PAR_ETYPE, "expression: %s does not "
                                                    "apply to %s",
                                 neg ? "negation (-)" : "logical not (~)",
                                 vec_type(&a));
                vec_free(&a);
                return rc;
        }
        par__column *col = par__column_alloc(a.dtype, n, 0);
        uint8_t *validity = NULL;
        const uint8_t *va = par_column_validity(a.col);
        if (col && va) {
                size_t nb = (size_t)(n + 7) / 8;
                validity = par__malloc(nb ? nb : 1);
                if (validity)
                        memcpy(validity, va, nb);
        }
        if (!col || (va && !validity)) {
                par__column_discard(col);
                vec_free(&a);
                return PAR__ENOMEM(c->err, "evaluating an expression");
        }
        if (a.dtype == PAR_DTYPE_INT64) {
                const int64_t *s = par_column_int64(a.col);
                int64_t *o = col->data;
                for (int64_t k = 0; k < n; k++)
                        o[k] = (int64_t)(0 - (uint64_t)s[k]);
        } else if (a.dtype == PAR_DTYPE_FLOAT64) {
                const double *s = par_column_float64(a.col);
                double *o = col->data;
                for (int64_t k = 0; k < n; k++)
                        o[k] = -s[k];
        } else {
                const uint8_t *s = par_column_bool(a.col);
                uint8_t *o = col->data;
                for (int64_t k = 0; k < n; k++)
                        o[k] = !s[k];
        }
        vec_free(&a);
        out->col = finish_with_validity(col, validity);
        out->dtype = col->dtype;
        return out->col ? 0 : PAR__ENOMEM(c->err, "evaluating an expression");
}

/* ---- calls ------------------------------------------------------------------ */

static int copy_validity(const par_value *src, par__column *dst)
{
        const uint8_t *v = par_column_validity(src);
        if (!v)
                return 0;
        if (par__column_add_validity(dst) < 0)
                return PAR_ENOMEM;
        memcpy(dst->validity, v, (size_t)(dst->length + 7) / 8);
        dst->null_count = par_column_null_count(src);
        return 0;
}

static int math_fn(ctx *c, par__fn fn, const vec *a, vec *out)
{
        int64_t n = c->n;
        nview v;
        if (view_f64(a, n, &v) < 0)
                return PAR__ENOMEM(c->err, "evaluating an expression");
        par__column *col = par__column_alloc(PAR_DTYPE_FLOAT64, n, 0);
        if (!col || copy_validity(a->col, col) < 0) {
                par__column_discard(col);
                par__free(v.tmp);
                return PAR__ENOMEM(c->err, "evaluating an expression");
        }
        double *o = col->data;
        const double *s = v.f;
        for (int64_t k = 0; k < n; k++) {
                double x = s[k];
                switch (fn) {
                case PAR__FN_ABS: o[k] = fabs(x); break;
                case PAR__FN_SQRT: o[k] = sqrt(x); break;
                case PAR__FN_EXP: o[k] = exp(x); break;
                case PAR__FN_LOG: o[k] = log(x); break;
                case PAR__FN_FLOOR: o[k] = floor(x); break;
                default: o[k] = ceil(x); break;
                }
        }
        par__free(v.tmp);
        out->col = par__column_finish(col);
        out->dtype = PAR_DTYPE_FLOAT64;
        return out->col ? 0 : PAR__ENOMEM(c->err, "evaluating an expression");
}

/* Shortest "%.Ng" that reads back exactly, Python-style ("3.0", "0.1"). */
static int format_double(double x, char *buf, size_t size)
{
        if (isnan(x))
                return snprintf(buf, size, "nan");
        if (isinf(x))
                return snprintf(buf, size, x > 0 ? "inf" : "-inf");
        int n = 0;
        for (int p = 1; p <= 17; p++) {
                n = snprintf(buf, size, "%.*g", p, x);
                if (strtod(buf, NULL) == x)
                        break;
        }
        if (!strpbrk(buf, ".eEn"))
                n += snprintf(buf + n, size - (size_t)n, ".0");
        return n;
}

static int cast_fn(ctx *c, par__fn fn, const vec *a, vec *out)
{
        int64_t n = c->n;
        par_dtype to = fn == PAR__FN_INT64     ? PAR_DTYPE_INT64
                       : fn == PAR__FN_FLOAT64 ? PAR_DTYPE_FLOAT64
                       : fn == PAR__FN_BOOL    ? PAR_DTYPE_BOOL
                                               : PAR_DTYPE_STRING;
        if (a->dtype == to) {
                out->col = par_value_retain(a->col);
                out->dtype = to;
                return 0;
        }
        if (a->dtype == PAR_DTYPE_LIST)
                return par__errorf(c->err, PAR_ETYPE,
                                   "expression: cannot cast list to %s",
                                   par_dtype_name(to));
        par__column *col = par__column_alloc(to, n, to == PAR_DTYPE_STRING ? (size_t)n * 8 : 0);
        if (!col || copy_validity(a->col, col) < 0) {
                par__column_discard(col);
                return PAR__ENOMEM(c->err, "evaluating an expression");
        }
        size_t at = 0;
        for (int64_t k = 0; k < n; k++) {
                bool valid = par_column_is_valid(a->col, k);
                int64_t iv = 0;
                double fv = 0;
                const char *sv = NULL;
                size_t sl = 0;
                switch (a->dtype) {
                case PAR_DTYPE_INT64: iv = par_column_int64(a->col)[k]; fv = (double)iv; break;
                case PAR_DTYPE_FLOAT64: fv = par_column_float64(a->col)[k]; iv = (int64_t)fv; break;
                case PAR_DTYPE_BOOL: iv = par_column_bool(a->col)[k]; fv = (double)iv; break;
                default: sv = par_column_string(a->col, k, &sl); break;
                }
                if (a->dtype == PAR_DTYPE_STRING && valid && to != PAR_DTYPE_STRING) {
                        char tmp[64];
                        size_t l = sl < sizeof tmp - 1 ? sl : sizeof tmp - 1;
                        memcpy(tmp, sv, l);
                        tmp[l] = '\0';
                        char *end;
                        errno = 0;
                        if (to == PAR_DTYPE_INT64) {
                                iv = strtoll(tmp, &end, 10);
                        } else if (to == PAR_DTYPE_FLOAT64) {
                                fv = strtod(tmp, &end);
                        } else {
                                iv = sl > 0;
                                end = tmp + l;
                        }
                        if (to != PAR_DTYPE_BOOL && (end == tmp || *end || errno || sl != l)) {
                                par__column_discard(col);
                                return par__errorf(c->err, PAR_EPARSE,
                                                   "expression %s(): '%.*s' (row "
                                                   "%" PRId64 ") is not a valid %s",
                                                   par_dtype_name(to), (int)l,
                                                   tmp, k, par_dtype_name(to));
                        }
                        fv = to == PAR_DTYPE_FLOAT64 ? fv : (double)iv;
                }
                switch (to) {
                case PAR_DTYPE_INT64:
                        if (a->dtype == PAR_DTYPE_FLOAT64 && valid &&
                            !(fv >= -9.2233720368547758e18 && fv < 9.2233720368547758e18)) {
                                par__column_discard(col);
                                return par__errorf(c->err, PAR_ERANGE,
                                                   "expression int64(): %g (row "
                                                   "%" PRId64 ") does not fit in "
                                                   "int64",
                                                   fv, k);
                        }
                        ((int64_t *)col->data)[k] = valid ? iv : 0;
                        break;
                case PAR_DTYPE_FLOAT64:
                        ((double *)col->data)[k] = valid ? fv : 0;
                        break;
                case PAR_DTYPE_BOOL:
                        ((uint8_t *)col->data)[k] =
                                a->dtype == PAR_DTYPE_FLOAT64 ? fv != 0 : iv != 0;
                        break;
                default: {
                        char tmp[64];
                        int len = 0;
                        if (!valid)
                                len = 0;
                        else if (a->dtype == PAR_DTYPE_INT64)
                                len = snprintf(tmp, sizeof tmp, "%" PRId64, iv);
                        else if (a->dtype == PAR_DTYPE_FLOAT64)
                                len = format_double(fv, tmp, sizeof tmp);
                        else
                                len = snprintf(tmp, sizeof tmp, "%s",
                                               iv ? "True" : "False");
                        if (par__column_reserve_bytes(col, at + (size_t)len) < 0) {
                                par__column_discard(col);
                                return PAR__ENOMEM(c->err, "evaluating an expression");
                        }
                        memcpy((char *)col->data + at, tmp, (size_t)len);
                        at += (size_t)len;
                        col->offsets[k + 1] = (int64_t)at;
                        break;
                }
                }
        }
        out->col = par__column_finish(col);
        out->dtype = to;
        return out->col ? 0 : PAR__ENOMEM(c->err, "evaluating an expression");
}

static int need_string(ctx *c, const char *fn, const vec *a)
{
        if (a->dtype == PAR_DTYPE_STRING)
                return 0;
        return par__errorf(c->err, PAR_ETYPE,
                           "expression %s(): expected a string, got %s", fn,
                           vec_type(a));
}

static int case_fn(ctx *c, par__fn fn, const vec *a, vec *out)
{
        const par__column *s = par__column_of(a->col);
        int64_t n = s->length;
        int64_t base = s->offsets[0];
        size_t nbytes = (size_t)(s->offsets[n] - base);
        par__column *col = par__column_alloc(PAR_DTYPE_STRING, n, nbytes);
        if (!col || copy_validity(a->col, col) < 0) {
                par__column_discard(col);
                return PAR__ENOMEM(c->err, "evaluating an expression");
        }
        const char *src = (const char *)s->data + base;
        if (fn == PAR__FN_STRIP) {
                size_t at = 0;
                for (int64_t k = 0; k < n; k++) {
                        size_t start, len = par__strip(
                                              src + s->offsets[k] - base,
                                              (size_t)(s->offsets[k + 1] - s->offsets[k]),
                                              &start);
                        memcpy((char *)col->data + at,
                               src + s->offsets[k] - base + start, len);
                        at += len;
                        col->offsets[k + 1] = (int64_t)at;
                }
        } else {
                if (fn == PAR__FN_LOWER)
                        par__ascii_lower(src, nbytes, col->data);
                else
                        par__ascii_upper(src, nbytes, col->data);
                for (int64_t k = 0; k <= n; k++)
                        col->offsets[k] = s->offsets[k] - base;
        }
        out->col = par__column_finish(col);
        out->dtype = PAR_DTYPE_STRING;
        return out->col ? 0 : PAR__ENOMEM(c->err, "evaluating an expression");
}

static int len_fn(ctx *c, const vec *a, vec *out)
{
        const par__column *s = par__column_of(a->col);
        int64_t n = s->length;
        par__column *col = par__column_alloc(PAR_DTYPE_INT64, n, 0);
        if (!col || copy_validity(a->col, col) < 0) {
                par__column_discard(col);
                return PAR__ENOMEM(c->err, "evaluating an expression");
        }
        int64_t *o = col->data;
        const unsigned char *d = s->data;
        for (int64_t k = 0; k < n; k++) {
                int64_t cp = 0; /* code points: bytes that start one */
                for (int64_t j = s->offsets[k]; j < s->offsets[k + 1]; j++)
                        cp += (d[j] & 0xC0) != 0x80;
                o[k] = cp;
        }
        out->col = par__column_finish(col);
        out->dtype = PAR_DTYPE_INT64;
        return out->col ? 0 : PAR__ENOMEM(c->err, "evaluating an expression");
}

static int pred_fn(ctx *c, par__fn fn, const vec *a, const char *lit,
                   size_t llen, vec *out)
{
        const par__column *s = par__column_of(a->col);
        int64_t n = s->length;
        par__column *col = par__column_alloc(PAR_DTYPE_BOOL, n, 0);
        if (!col || copy_validity(a->col, col) < 0) {
                par__column_discard(col);
                return PAR__ENOMEM(c->err, "evaluating an expression");
        }
        uint8_t *o = col->data;
        const char *d = s->data;
        const int64_t *off = s->offsets;
        if (fn == PAR__FN_CONTAINS) {
                memset(o, 0, (size_t)n);
                if (llen == 0) {
                        memset(o, 1, (size_t)n);
                } else {
                        /* Search the whole buffer; map each hit to its
                         * string and go on from that string's end. */
                        int64_t k = 0, at = off[0], end = off[n];
                        while (at < end && k < n) {
                                const char *hit = par__find(d + at, (size_t)(end - at),
                                                            lit, llen);
                                if (!hit)
                                        break;
                                int64_t pos = hit - d;
                                while (k < n && off[k + 1] <= pos)
                                        k++;
                                if (k >= n)
                                        break;
                                if (pos + (int64_t)llen <= off[k + 1]) {
                                        o[k] = 1;
                                        at = off[k + 1];
                                        k++;
                                } else {
                                        at = pos + 1; /* spans a boundary */
                                }
                        }
                }
        } else if (fn == PAR__FN_MATCH) {
                par__regex *re = NULL;
                int rc = par__regex_new(lit, llen, &re, c->err);
                if (rc < 0) {
                        par__column_discard(col);
                        return rc;
                }
                for (int64_t k = 0; k < n; k++)
                        o[k] = par__regex_search(re, d + off[k],
                                                 (size_t)(off[k + 1] - off[k]));
                par__regex_free(re);
        } else {
                for (int64_t k = 0; k < n; k++) {
                        size_t len = (size_t)(off[k + 1] - off[k]);
                        const char *str = d + off[k];
                        o[k] = len >= llen &&
                               memcmp(fn == PAR__FN_STARTSWITH ? str
                                                               : str + len - llen,
                                      lit, llen) == 0;
                }
        }
        out->col = par__column_finish(col);
        out->dtype = PAR_DTYPE_BOOL;
        return out->col ? 0 : PAR__ENOMEM(c->err, "evaluating an expression");
}

typedef struct words {
        char *bytes;
        size_t nbytes, cap;
        int64_t *offs;
        size_t n, ocap;
        bool failed;
} words;

static void add_word(void *p, const char *w, size_t len)
{
        words *ws = p;
        if (ws->failed)
                return;
        if (par__grow((void **)&ws->bytes, &ws->cap, ws->nbytes + len, 1) < 0 ||
            par__grow((void **)&ws->offs, &ws->ocap, ws->n + 2, sizeof *ws->offs) < 0) {
                ws->failed = true;
                return;
        }
        memcpy(ws->bytes + ws->nbytes, w, len);
        ws->nbytes += len;
        ws->offs[++ws->n] = (int64_t)ws->nbytes;
}

static int split_fn(ctx *c, const vec *a, vec *out)
{
        const par__column *s = par__column_of(a->col);
        int64_t n = s->length;
        words ws = {0};
        if (par__grow((void **)&ws.offs, &ws.ocap, 1, sizeof *ws.offs) < 0)
                return PAR__ENOMEM(c->err, "splitting words");
        ws.offs[0] = 0;
        par__column *col = par__column_alloc(PAR_DTYPE_LIST, n, 0);
        if (!col) {
                par__free(ws.offs);
                return PAR__ENOMEM(c->err, "splitting words");
        }
        for (int64_t k = 0; k < n; k++) {
                par__split_words((const char *)s->data + s->offsets[k],
                                 (size_t)(s->offsets[k + 1] - s->offsets[k]),
                                 add_word, &ws);
                col->offsets[k + 1] = (int64_t)ws.n;
        }
        if (ws.failed) {
                par__free(ws.bytes);
                par__free(ws.offs);
                par__column_discard(col);
                return PAR__ENOMEM(c->err, "splitting words");
        }
        if (!ws.bytes)
                ws.bytes = par__malloc(1);
        col->child = par__column_adopt_strings(ws.bytes, ws.nbytes, ws.offs,
                                               (int64_t)ws.n);
        if (!col->child) {
                par__column_discard(col);
                return PAR__ENOMEM(c->err, "splitting words");
        }
        out->col = par__column_finish(col);
        out->dtype = PAR_DTYPE_LIST;
        return out->col ? 0 : PAR__ENOMEM(c->err, "splitting words");
}

static int call(ctx *c, const par_expr *e, vec *out)
{
        par__fn fn;
        int rc = par__expr_fn(e, &fn, c->err);
        if (rc < 0)
                return rc;
        vec a = {0};
        rc = eval(c, e->args[0], &a);
        if (rc < 0)
                return rc;
        if (!a.col && (rc = broadcast(c, &a, &a.col)) < 0)
                return rc;
        switch (fn) {
        case PAR__FN_ABS:
        case PAR__FN_SQRT:
        case PAR__FN_EXP:
        case PAR__FN_LOG:
        case PAR__FN_FLOOR:
        case PAR__FN_CEIL:
                rc = is_num(a.dtype)
                             ? math_fn(c, fn, &a, out)
                             : par__errorf(c->err, PAR_ETYPE,
                                           "expression %s(): expected a number, "
                                           "got %s",
                                           e->s, vec_type(&a));
                break;
        case PAR__FN_INT64:
        case PAR__FN_FLOAT64:
        case PAR__FN_STRING:
        case PAR__FN_BOOL:
                rc = cast_fn(c, fn, &a, out);
                break;
        case PAR__FN_LOWER:
        case PAR__FN_UPPER:
        case PAR__FN_STRIP:
                rc = need_string(c, e->s, &a);
                if (rc == 0)
                        rc = case_fn(c, fn, &a, out);
                break;
        case PAR__FN_LEN:
                rc = need_string(c, e->s, &a);
                if (rc == 0)
                        rc = len_fn(c, &a, out);
                break;
        case PAR__FN_SPLIT:
                rc = need_string(c, e->s, &a);
                if (rc == 0)
                        rc = split_fn(c, &a, out);
                break;
        default:
                rc = need_string(c, e->s, &a);
                if (rc == 0)
                        rc = pred_fn(c, fn, &a, e->args[1]->s, e->args[1]->slen,
                                     out);
                break;
        }
        vec_free(&a);
        return rc;
}

/* ---- leaves and the driver ------------------------------------------------------- */

static int broadcast(ctx *c, const vec *s, par_value **out)
{
        int64_t n = c->n;
        par__column *col = par__column_alloc(s->dtype, n,
                                             s->dtype == PAR_DTYPE_STRING
                                                     ? s->slen * (size_t)n
                                                     : 0);
        if (!col)
                return PAR__ENOMEM(c->err, "evaluating an expression");
        for (int64_t k = 0; k < n; k++) {
                switch (s->dtype) {
                case PAR_DTYPE_INT64: ((int64_t *)col->data)[k] = s->i; break;
                case PAR_DTYPE_FLOAT64: ((double *)col->data)[k] = s->f; break;
                case PAR_DTYPE_BOOL: ((uint8_t *)col->data)[k] = s->b; break;
                default:
                        memcpy((char *)col->data + (size_t)k * s->slen, s->s,
                               s->slen);
                        col->offsets[k + 1] = (k + 1) * (int64_t)s->slen;
                        break;
                }
        }
        if (s->null) {
                if (par__column_add_validity(col) < 0) {
                        par__column_discard(col);
                        return PAR__ENOMEM(c->err, "evaluating an expression");
                }
                for (int64_t k = 0; k < n; k++)
                        par__column_set_null(col, k);
        }
        *out = par__column_finish(col);
        return *out ? 0 : PAR__ENOMEM(c->err, "evaluating an expression");
}

static int leaf_column(ctx *c, const par_expr *e, vec *out)
{
        const par_value *p = c->part;
        if (e->kind == PAR__E_X) {
                if (!par_value_is_column(p))
                        return par__errorf(c->err, PAR_EINVAL,
                                           "expression: x (the element) used on "
                                           "records; name a field with "
                                           "par_col()");
                out->col = par_value_retain((par_value *)p);
        } else {
                int i = par_table_find(p, e->s);
                if (i < 0) {
                        char names[300] = "";
                        size_t at = 0;
                        for (size_t k = 0; k < par_table_ncols(p) && at < sizeof names; k++)
                                at += (size_t)snprintf(names + at, sizeof names - at,
                                                       "%s'%s'", k ? ", " : "",
                                                       par_table_name(p, k));
                        return par__errorf(c->err, PAR_EINVAL,
                                           "expression: no column '%s' (columns: "
                                           "%s)",
                                           e->s,
                                           par_value_is_table(p) ? names
                                                                 : "none; the "
                                                                   "partition "
                                                                   "is not a "
                                                                   "table");
                }
                out->col = par_value_retain(par_table_column(p, (size_t)i));
        }
        out->dtype = par_column_dtype(out->col);
        return 0;
}

static int eval(ctx *c, const par_expr *e, vec *out)
{
        memset(out, 0, sizeof *out);
        switch (e->kind) {
        case PAR__E_X:
        case PAR__E_COL:
                return leaf_column(c, e, out);
        case PAR__E_INT:
                out->dtype = PAR_DTYPE_INT64;
                out->i = e->i;
                return 0;
        case PAR__E_FLOAT:
                out->dtype = PAR_DTYPE_FLOAT64;
                out->f = e->f;
                return 0;
        case PAR__E_BOOL:
                out->dtype = PAR_DTYPE_BOOL;
                out->b = e->b;
                return 0;
        case PAR__E_STR:
                out->dtype = PAR_DTYPE_STRING;
                out->s = e->s;
                out->slen = e->slen;
                return 0;
        case PAR__E_BIN:
                return binop(c, e, out);
        case PAR__E_NEG:
        case PAR__E_NOT:
                return unary(c, e, out);
        case PAR__E_CALL:
                return call(c, e, out);
        }
        return par__errorf(c->err, PAR_EINVAL, "expression: bad node");
}

int par_expr_eval(const par_expr *e, const par_value *partition,
                  par_value **out, par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "par_expr_eval: out is NULL");
        *out = NULL;
        if (!e || !partition)
                return par__errorf(err, PAR_EINVAL,
                                   "par_expr_eval: expression and partition are "
                                   "required");
        ctx c = {partition, par__partition_length(partition), err};
        vec v;
        int rc = eval(&c, e, &v);
        if (rc < 0)
                return rc;
        if (!v.col && (rc = broadcast(&c, &v, &v.col)) < 0)
                return rc;
        *out = v.col;
        return 0;
}
