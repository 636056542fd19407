/* Expression trees: construction, checking, formatting and the binary
 * encoding that lets them travel inside graphs. Evaluation is in eval.c. */
#include <inttypes.h>
#include <stdio.h>

#include "expr/internal.h"

static par_expr *node(par__expr_kind k)
{
        par_expr *e = par__calloc(1, sizeof *e);
        if (e) {
                atomic_init(&e->refs, 1);
                e->kind = k;
        }
        return e;
}

par_expr *par_expr_retain(par_expr *e)
{
        if (e)
                atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
        return e;
}

void par_expr_release(par_expr *e)
{
        if (!e || atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1)
                return;
        for (size_t i = 0; i < e->n; i++)
                par_expr_release(e->args[i]);
        par__free(e->args);
        par__free(e->s);
        par__free(e);
}

par_expr *par_x(void)
{
        return node(PAR__E_X);
}

static par_expr *named(par__expr_kind k, const char *s, size_t len)
{
        if (!s)
                return NULL;
        par_expr *e = node(k);
        if (!e)
                return NULL;
        e->s = par__strndup(s, len);
        e->slen = len;
        if (!e->s) {
                par__free(e);
                return NULL;
        }
        return e;
}

par_expr *par_col(const char *name)
{
        return name ? named(PAR__E_COL, name, strlen(name)) : NULL;
}

par_expr *par_int(int64_t v)
{
        par_expr *e = node(PAR__E_INT);
        if (e)
                e->i = v;
        return e;
}

par_expr *par_float(double v)
{
        par_expr *e = node(PAR__E_FLOAT);
        if (e)
                e->f = v;
        return e;
}

par_expr *par_str(const char *s)
{
        return s ? named(PAR__E_STR, s, strlen(s)) : NULL;
}

par_expr *par_boolean(bool v)
{
        par_expr *e = node(PAR__E_BOOL);
        if (e)
                e->b = v;
        return e;
}

/* A node with operands, taking them; any NULL operand gives NULL. */
static par_expr *with_args(par__expr_kind k, int op, const char *fn, size_t n,
                           par_expr *const *args)
{
        bool ok = true;
        for (size_t i = 0; i < n; i++)
                ok &= args[i] != NULL;
        par_expr *e = ok ? node(k) : NULL;
        if (e && fn) {
                e->s = par__strdup(fn);
                e->slen = strlen(fn);
        }
        if (e)
                e->args = par__calloc(n ? n : 1, sizeof *e->args);
        if (!e || (fn && !e->s) || !e->args) {
                if (e) {
                        par__free(e->s);
                        par__free(e->args);
                        par__free(e);
                }
                for (size_t i = 0; i < n; i++)
                        par_expr_release(args[i]);
                return NULL;
        }
        e->op = op;
        e->n = n;
        for (size_t i = 0; i < n; i++)
                e->args[i] = args[i];
        return e;
}

static par_expr *bin(int op, par_expr *a, par_expr *b)
{
        return with_args(PAR__E_BIN, op, NULL, 2, (par_expr *[]){a, b});
}

par_expr *par_add(par_expr *a, par_expr *b) { return bin(PAR__OP_ADD, a, b); }
par_expr *par_sub(par_expr *a, par_expr *b) { return bin(PAR__OP_SUB, a, b); }
par_expr *par_mul(par_expr *a, par_expr *b) { return bin(PAR__OP_MUL, a, b); }
par_expr *par_div(par_expr *a, par_expr *b) { return bin(PAR__OP_DIV, a, b); }
par_expr *par_mod(par_expr *a, par_expr *b) { return bin(PAR__OP_MOD, a, b); }
par_expr *par_eq(par_expr *a, par_expr *b) { return bin(PAR__OP_EQ, a, b); }
par_expr *par_ne(par_expr *a, par_expr *b) { return bin(PAR__OP_NE, a, b); }
par_expr *par_lt(par_expr *a, par_expr *b) { return bin(PAR__OP_LT, a, b); }
par_expr *par_le(par_expr *a, par_expr *b) { return bin(PAR__OP_LE, a, b); }
par_expr *par_gt(par_expr *a, par_expr *b) { return bin(PAR__OP_GT, a, b); }
par_expr *par_ge(par_expr *a, par_expr *b) { return bin(PAR__OP_GE, a, b); }
par_expr *par_and(par_expr *a, par_expr *b) { return bin(PAR__OP_AND, a, b); }
par_expr *par_or(par_expr *a, par_expr *b) { return bin(PAR__OP_OR, a, b); }

par_expr *par_neg(par_expr *a)
{
        return with_args(PAR__E_NEG, 0, NULL, 1, &a);
}

par_expr *par_not(par_expr *a)
{
        return with_args(PAR__E_NOT, 0, NULL, 1, &a);
}

par_expr *par_call(const char *fn, size_t n, par_expr *const *args)
{
        if (!fn || (n && !args)) {
                for (size_t i = 0; i < n && args; i++)
                        par_expr_release(args[i]);
                return NULL;
        }
        return with_args(PAR__E_CALL, 0, fn, n, args);
}

par_expr *par_contains(par_expr *s, const char *needle)
{
        return par_call("contains", 2, (par_expr *[]){s, par_str(needle)});
}

par_expr *par_startswith(par_expr *s, const char *prefix)
{
        return par_call("startswith", 2, (par_expr *[]){s, par_str(prefix)});
}

par_expr *par_match(par_expr *s, const char *regex)
{
        return par_call("match", 2, (par_expr *[]){s, par_str(regex)});
}

par_expr *par_lower(par_expr *s) { return par_call("lower", 1, &s); }
par_expr *par_upper(par_expr *s) { return par_call("upper", 1, &s); }
par_expr *par_strip(par_expr *s) { return par_call("strip", 1, &s); }

/* ---- functions ---------------------------------------------------------------- */

static const struct {
        const char *name;
        par__fn id;
        int nargs;         /* -1: 1 or 2 */
        bool literal_arg2; /* the second argument must be a string literal */
} fns[] = {
        {"abs", PAR__FN_ABS, 1, false},
        {"sqrt", PAR__FN_SQRT, 1, false},
        {"exp", PAR__FN_EXP, 1, false},
        {"log", PAR__FN_LOG, 1, false},
        {"floor", PAR__FN_FLOOR, 1, false},
        {"ceil", PAR__FN_CEIL, 1, false},
        {"int64", PAR__FN_INT64, 1, false},
        {"float64", PAR__FN_FLOAT64, 1, false},
        {"string", PAR__FN_STRING, 1, false},
        {"bool", PAR__FN_BOOL, 1, false},
        {"lower", PAR__FN_LOWER, 1, false},
        {"upper", PAR__FN_UPPER, 1, false},
        {"strip", PAR__FN_STRIP, 1, false},
        {"len", PAR__FN_LEN, 1, false},
        {"contains", PAR__FN_CONTAINS, 2, true},
        {"startswith", PAR__FN_STARTSWITH, 2, true},
        {"endswith", PAR__FN_ENDSWITH, 2, true},
        {"match", PAR__FN_MATCH, 2, true},
        {"split", PAR__FN_SPLIT, 1, false},
};

int par__expr_fn(const par_expr *e, par__fn *id, par_error *err)
{
        for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
                if (strcmp(fns[i].name, e->s) != 0)
                        continue;
                if ((size_t)fns[i].nargs != e->n)
                        return par__errorf(err, PAR_EINVAL,
                                           "expression function %s() takes %d "
                                           "argument%s, got %zu",
                                           e->s, fns[i].nargs,
                                           fns[i].nargs == 1 ? "" : "s", e->n);
                if (fns[i].literal_arg2 && e->args[1]->kind != PAR__E_STR)
                        return par__errorf(err, PAR_EINVAL,
                                           "expression function %s(): the "
                                           "second argument must be a string "
                                           "literal",
                                           e->s);
                *id = fns[i].id;
                return 0;
        }
        char known[400];
        size_t at = 0;
        for (size_t i = 0; i < sizeof fns / sizeof fns[0] && at < sizeof known; i++)
                at += (size_t)snprintf(known + at, sizeof known - at, "%s%s",
                                       i ? ", " : "", fns[i].name);
        return par__errorf(err, PAR_EINVAL,
                           "unknown expression function '%s' (known: %s)", e->s,
                           known);
}

int par_expr_check(const par_expr *e, par_error *err)
{
        if (!e)
                return par__errorf(err, PAR_EINVAL, "no expression (NULL)");
        if (e->kind == PAR__E_CALL) {
                par__fn id;
                int rc = par__expr_fn(e, &id, err);
                if (rc < 0)
                        return rc;
        }
        for (size_t i = 0; i < e->n; i++) {
                int rc = par_expr_check(e->args[i], err);
                if (rc < 0)
                        return rc;
        }
        return 0;
}

/* ---- formatting --------------------------------------------------------------- */

static const char *const op_text[] = {
        [PAR__OP_ADD] = "+", [PAR__OP_SUB] = "-",  [PAR__OP_MUL] = "*",
        [PAR__OP_DIV] = "/", [PAR__OP_MOD] = "%",  [PAR__OP_EQ] = "==",
        [PAR__OP_NE] = "!=", [PAR__OP_LT] = "<",   [PAR__OP_LE] = "<=",
        [PAR__OP_GT] = ">",  [PAR__OP_GE] = ">=",  [PAR__OP_AND] = "&",
        [PAR__OP_OR] = "|",
};

static int prec(const par_expr *e)
{
        if (e->kind != PAR__E_BIN)
                return 10;
        switch (e->op) {
        case PAR__OP_OR: return 1;
        case PAR__OP_AND: return 2;
        case PAR__OP_ADD:
        case PAR__OP_SUB: return 5;
        case PAR__OP_MUL:
        case PAR__OP_DIV:
        case PAR__OP_MOD: return 6;
        default: return 3; /* comparisons */
        }
}

typedef struct sbuf {
        char *buf;
        size_t size, len;
} sbuf;

static void sput(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sput(sbuf *b, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->len < b->size ? b->buf + b->len : NULL,
                          b->len < b->size ? b->size - b->len : 0, fmt, ap);
        va_end(ap);
        if (n > 0)
                b->len += (size_t)n;
}

static void fmt(const par_expr *e, sbuf *b)
{
        switch (e->kind) {
        case PAR__E_X: sput(b, "x"); break;
        case PAR__E_COL: sput(b, "%s", e->s); break;
        case PAR__E_INT: sput(b, "%" PRId64, e->i); break;
        case PAR__E_FLOAT: sput(b, "%.17g", e->f); break;
        case PAR__E_STR: sput(b, "'%s'", e->s); break;
        case PAR__E_BOOL: sput(b, "%s", e->b ? "True" : "False"); break;
        case PAR__E_NEG:
        case PAR__E_NOT:
                sput(b, e->kind == PAR__E_NEG ? "-" : "~");
                if (prec(e->args[0]) < 10) {
                        sput(b, "(");
                        fmt(e->args[0], b);
                        sput(b, ")");
                } else {
                        fmt(e->args[0], b);
                }
                break;
        case PAR__E_BIN:
                for (int side = 0; side < 2; side++) {
                        const par_expr *a = e->args[side];
                        bool paren = prec(a) < prec(e) ||
                                     (side == 1 && prec(a) == prec(e));
                        if (side)
                                sput(b, " %s ", op_text[e->op]);
                        if (paren)
                                sput(b, "(");
                        fmt(a, b);
                        if (paren)
                                sput(b, ")");
                }
                break;
        case PAR__E_CALL:
                sput(b, "%s(", e->s);
                for (size_t i = 0; i < e->n; i++) {
                        if (i)
                                sput(b, ", ");
                        fmt(e->args[i], b);
                }
                sput(b, ")");
                break;
        }
}

int par_expr_format(const par_expr *e, char *buf, size_t size)
{
        sbuf b = {buf, size, 0};
        if (size)
                buf[0] = '\0';
        if (e)
                fmt(e, &b);
        else
                sput(&b, "<none>");
        if (size && b.len >= size)
                buf[size - 1] = '\0';
        return (int)b.len;
}

/* ---- encoding ----------------------------------------------------------------- */

/* Format: "PEX" 1, then the root node. A node is its kind byte, then:
 * INT: 8 bytes LE; FLOAT: 8 bytes (IEEE bits, LE); BOOL: 1 byte;
 * COL/STR: u32 LE length + bytes; BIN: op byte + 2 nodes; NEG/NOT: 1 node;
 * CALL: u32 name length + name, u8 nargs, nodes. */

typedef struct wbuf {
        unsigned char *p;
        size_t len, cap;
        bool failed;
} wbuf;

static void wput(wbuf *w, const void *data, size_t n)
{
        if (w->failed)
                return;
        if (par__grow((void **)&w->p, &w->cap, w->len + n, 1) < 0) {
                w->failed = true;
                return;
        }
        memcpy(w->p + w->len, data, n);
        w->len += n;
}

static void wu64(wbuf *w, uint64_t v)
{
        unsigned char b[8];
        for (int i = 0; i < 8; i++)
                b[i] = (unsigned char)(v >> (8 * i));
        wput(w, b, 8);
}

static void wu32(wbuf *w, uint32_t v)
{
        unsigned char b[4];
        for (int i = 0; i < 4; i++)
                b[i] = (unsigned char)(v >> (8 * i));
        wput(w, b, 4);
}

static void encode(const par_expr *e, wbuf *w)
{
        unsigned char k = (unsigned char)e->kind;
        wput(w, &k, 1);
        switch (e->kind) {
        case PAR__E_X:
                break;
        case PAR__E_INT:
                wu64(w, (uint64_t)e->i);
                break;
        case PAR__E_FLOAT: {
                uint64_t bits;
                memcpy(&bits, &e->f, 8);
                wu64(w, bits);
                break;
        }
        case PAR__E_BOOL: {
                unsigned char b = e->b;
                wput(w, &b, 1);
                break;
        }
        case PAR__E_COL:
        case PAR__E_STR:
                wu32(w, (uint32_t)e->slen);
                wput(w, e->s, e->slen);
                break;
        case PAR__E_BIN: {
                unsigned char op = (unsigned char)e->op;
                wput(w, &op, 1);
                encode(e->args[0], w);
                encode(e->args[1], w);
                break;
        }
        case PAR__E_NEG:
        case PAR__E_NOT:
                encode(e->args[0], w);
                break;
        case PAR__E_CALL: {
                wu32(w, (uint32_t)e->slen);
                wput(w, e->s, e->slen);
                unsigned char n = (unsigned char)e->n;
                wput(w, &n, 1);
                for (size_t i = 0; i < e->n; i++)
                        encode(e->args[i], w);
                break;
        }
        }
}

par_value *par_expr_encode(const par_expr *e)
{
        if (!e)
                return NULL;
        wbuf w = {0};
        wput(&w, "PEX\1", 4);
        encode(e, &w);
        par_value *v = w.failed ? NULL : par_value_blob(w.p, w.len);
        par__free(w.p);
        return v;
}

typedef struct rbuf {
        const unsigned char *p;
        size_t len, at;
        par_error *err;
} rbuf;

static int rneed(rbuf *r, size_t n)
{
        if (r->len - r->at < n)
                return par__errorf(r->err, PAR_EPARSE,
                                   "expression encoding truncated at byte %zu "
                                   "(needed %zu more)",
                                   r->at, n);
        return 0;
}

static int decode(rbuf *r, int depth, par_expr **out)
{
        *out = NULL;
        if (depth > 200)
                return par__errorf(r->err, PAR_EPARSE,
                                   "expression encoding nests deeper than 200");
        if (rneed(r, 1) < 0)
                return PAR_EPARSE;
        unsigned kind = r->p[r->at++];
        uint64_t u = 0;
        uint32_t len = 0;
        switch (kind) {
        case PAR__E_X:
                *out = par_x();
                break;
        case PAR__E_INT:
        case PAR__E_FLOAT:
                if (rneed(r, 8) < 0)
                        return PAR_EPARSE;
                for (int i = 0; i < 8; i++)
                        u |= (uint64_t)r->p[r->at + (size_t)i] << (8 * i);
                r->at += 8;
                if (kind == PAR__E_INT) {
                        *out = par_int((int64_t)u);
                } else {
                        double f;
                        memcpy(&f, &u, 8);
                        *out = par_float(f);
                }
                break;
        case PAR__E_BOOL:
                if (rneed(r, 1) < 0)
                        return PAR_EPARSE;
                *out = par_boolean(r->p[r->at++] != 0);
                break;
        case PAR__E_COL:
        case PAR__E_STR:
        case PAR__E_CALL:
                if (rneed(r, 4) < 0)
                        return PAR_EPARSE;
                for (int i = 0; i < 4; i++)
                        len |= (uint32_t)r->p[r->at + (size_t)i] << (8 * i);
                r->at += 4;
                if (rneed(r, len) < 0)
                        return PAR_EPARSE;
                if (kind != PAR__E_CALL) {
                        *out = named((par__expr_kind)kind,
                                     (const char *)r->p + r->at, len);
                        r->at += len;
                        break;
                } else {
                        char *name = par__strndup((const char *)r->p + r->at, len);
                        r->at += len;
                        if (!name || rneed(r, 1) < 0) {
                                par__free(name);
                                return name ? PAR_EPARSE
                                            : PAR__ENOMEM(r->err, "decoding");
                        }
                        size_t n = r->p[r->at++];
                        par_expr *args[256];
                        int rc = 0;
                        size_t k = 0;
                        for (; k < n && rc == 0; k++)
                                rc = decode(r, depth + 1, &args[k]);
                        if (rc < 0) {
                                for (size_t j = 0; j < k; j++)
                                        par_expr_release(args[j]);
                                par__free(name);
                                return rc;
                        }
                        *out = par_call(name, n, args);
                        par__free(name);
                }
                break;
        case PAR__E_BIN: {
                if (rneed(r, 1) < 0)
                        return PAR_EPARSE;
                unsigned op = r->p[r->at++];
                if (op > PAR__OP_OR)
                        return par__errorf(r->err, PAR_EPARSE,
                                           "expression encoding: unknown "
                                           "operator %u at byte %zu",
                                           op, r->at - 1);
                par_expr *a, *b;
                int rc = decode(r, depth + 1, &a);
                if (rc < 0)
                        return rc;
                rc = decode(r, depth + 1, &b);
                if (rc < 0) {
                        par_expr_release(a);
                        return rc;
                }
                *out = bin((int)op, a, b);
                break;
        }
        case PAR__E_NEG:
        case PAR__E_NOT: {
                par_expr *a;
                int rc = decode(r, depth + 1, &a);
                if (rc < 0)
                        return rc;
                *out = kind == PAR__E_NEG ? par_neg(a) : par_not(a);
                break;
        }
        default:
                return par__errorf(r->err, PAR_EPARSE,
                                   "expression encoding: unknown node kind %u "
                                   "at byte %zu",
                                   kind, r->at - 1);
        }
        return *out ? 0 : PAR__ENOMEM(r->err, "decoding an expression");
}

int par_expr_decode(const void *data, size_t len, par_expr **out,
                    par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "par_expr_decode: out is NULL");
        *out = NULL;
        if (!data || len < 4 || memcmp(data, "PEX", 3) != 0)
                return par__errorf(err, PAR_EPARSE,
                                   "not an expression encoding (no 'PEX' "
                                   "header)");
        if (((const unsigned char *)data)[3] != 1)
                return par__errorf(err, PAR_EPARSE,
                                   "expression encoding version %u is not "
                                   "supported (this library reads version 1)",
                                   ((const unsigned char *)data)[3]);
        rbuf r = {data, len, 4, err};
        int rc = decode(&r, 0, out);
        if (rc == 0 && r.at != len) {
                par_expr_release(*out);
                *out = NULL;
                return par__errorf(err, PAR_EPARSE,
                                   "expression encoding has %zu trailing bytes",
                                   len - r.at);
        }
        return rc;
}
