/* libpar/expr/internal.h — the expression tree. Not installed. */
#ifndef PAR_EXPR_INTERNAL_H
#define PAR_EXPR_INTERNAL_H

#include <stdatomic.h>

#include "core/internal.h"
#include "par/expr.h"

typedef enum par__expr_kind {
        PAR__E_X = 1,
        PAR__E_COL,
        PAR__E_INT,
        PAR__E_FLOAT,
        PAR__E_STR,
        PAR__E_BOOL,
        PAR__E_BIN,
        PAR__E_NEG,
        PAR__E_NOT,
        PAR__E_CALL
} par__expr_kind;

enum {
        PAR__OP_ADD = 0,
        PAR__OP_SUB,
        PAR__OP_MUL,
        PAR__OP_DIV,
        PAR__OP_MOD,
        PAR__OP_EQ,
        PAR__OP_NE,
        PAR__OP_LT,
        PAR__OP_LE,
        PAR__OP_GT,
        PAR__OP_GE,
        PAR__OP_AND,
        PAR__OP_OR
};

typedef enum par__fn {
        PAR__FN_ABS,
        PAR__FN_SQRT,
        PAR__FN_EXP,
        PAR__FN_LOG,
        PAR__FN_FLOOR,
        PAR__FN_CEIL,
        PAR__FN_INT64,
        PAR__FN_FLOAT64,
        PAR__FN_STRING,
        PAR__FN_BOOL,
        PAR__FN_LOWER,
        PAR__FN_UPPER,
        PAR__FN_STRIP,
        PAR__FN_LEN,
        PAR__FN_CONTAINS,
        PAR__FN_STARTSWITH,
        PAR__FN_ENDSWITH,
        PAR__FN_MATCH,
        PAR__FN_SPLIT
} par__fn;

struct par_expr {
        atomic_size_t refs;
        par__expr_kind kind;
        int op;        /* BIN */
        char *s;       /* COL name, STR value, CALL function name */
        size_t slen;
        int64_t i;
        double f;
        bool b;
        size_t n;      /* operands */
        par_expr **args;
};

/* Resolves a CALL node's function, checking arity. */
int par__expr_fn(const par_expr *e, par__fn *id, par_error *err);

#endif
