/* par/expr.h — expressions: small trees evaluated a whole column at a time.
 *
 * Bags and frames take expressions for map, filter and assign:
 *
 *     par_expr *e = par_add(par_mul(par_int(4), par_col("a")), par_int(3));
 *
 * Constructors take ownership of the expressions passed to them, so trees
 * compose without temporaries; a NULL operand (from an earlier failure)
 * makes the result NULL and frees the other operands. Release the root with
 * par_expr_release(). Expressions are immutable and serializable, so they
 * travel inside task graphs to other threads and processes.
 *
 * Types follow Python and pandas: int64 op int64 stays int64 except `/`
 * (float64); mixing int64 and float64 gives float64; comparisons give
 * bool. A null element gives a null result. */
#ifndef PAR_EXPR_H
#define PAR_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct par_expr par_expr;

/* The element itself (for bags of scalars or text), and a named column or
 * record field. */
PAR_API par_expr *par_x(void);
PAR_API par_expr *par_col(const char *name);

/* Literals. */
PAR_API par_expr *par_int(int64_t v);
PAR_API par_expr *par_float(double v);
PAR_API par_expr *par_str(const char *s);
PAR_API par_expr *par_boolean(bool v);

/* Arithmetic, comparison and logic. */
PAR_API par_expr *par_add(par_expr *a, par_expr *b);
PAR_API par_expr *par_sub(par_expr *a, par_expr *b);
PAR_API par_expr *par_mul(par_expr *a, par_expr *b);
PAR_API par_expr *par_div(par_expr *a, par_expr *b);  /* always float64 */
PAR_API par_expr *par_mod(par_expr *a, par_expr *b);  /* Python's sign rule */
PAR_API par_expr *par_neg(par_expr *a);
PAR_API par_expr *par_eq(par_expr *a, par_expr *b);
PAR_API par_expr *par_ne(par_expr *a, par_expr *b);
PAR_API par_expr *par_lt(par_expr *a, par_expr *b);
PAR_API par_expr *par_le(par_expr *a, par_expr *b);
PAR_API par_expr *par_gt(par_expr *a, par_expr *b);
PAR_API par_expr *par_ge(par_expr *a, par_expr *b);
PAR_API par_expr *par_and(par_expr *a, par_expr *b);
PAR_API par_expr *par_or(par_expr *a, par_expr *b);
PAR_API par_expr *par_not(par_expr *a);

/* A named function of `n` arguments (taking ownership of them):
 *   math:    "abs" "sqrt" "exp" "log" "floor" "ceil"          (x) -> float64
 *   casts:   "int64" "float64" "string" "bool"                (x)
 *   strings: "lower" "upper" "strip"                           (s) -> string
 *            "len"                                             (s) -> int64
 *            "contains" "startswith" "endswith"      (s, literal) -> bool
 *            "match"                 (s, literal regex, PCRE2) -> bool
 *            "split"                        (s) -> list of words
 * Unknown names and wrong arities are reported when the expression is
 * evaluated (par_expr_check reports them earlier). */
PAR_API par_expr *par_call(const char *fn, size_t n, par_expr *const *args);

/* Shorthands for common calls. */
PAR_API par_expr *par_contains(par_expr *s, const char *needle);
PAR_API par_expr *par_startswith(par_expr *s, const char *prefix);
PAR_API par_expr *par_match(par_expr *s, const char *regex);
PAR_API par_expr *par_lower(par_expr *s);
PAR_API par_expr *par_upper(par_expr *s);
PAR_API par_expr *par_strip(par_expr *s);

PAR_API par_expr *par_expr_retain(par_expr *e);
/* NULL is a no-op. */
PAR_API void par_expr_release(par_expr *e);

/* Checks function names and arities. Errors: PAR_EINVAL naming the
 * function and what it expects. */
PAR_API int par_expr_check(const par_expr *e, par_error *err);

/* Writes the expression in infix form ("4 * a + 3"); returns the length
 * the full text needs, as snprintf. */
PAR_API int par_expr_format(const par_expr *e, char *buf, size_t size);

/* Evaluates `e` over a partition (a column or a table, see par/column.h)
 * and stores a new column of the partition's length in *out (a literal
 * alone gives a column of repeated values).
 * Errors: PAR_EINVAL (unknown column or function, wrong arity; the message
 * names it and lists what exists), PAR_ETYPE (an operation the operand
 * types do not support, naming both), PAR_ENOMEM. */
PAR_API int par_expr_eval(const par_expr *e, const par_value *partition,
                          par_value **out, par_error *err);

/* Serialization: par_expr_encode returns a new blob value holding the
 * expression; par_expr_decode reads one back (bounds-checked; PAR_EPARSE on
 * malformed input). */
PAR_API par_value *par_expr_encode(const par_expr *e);
PAR_API int par_expr_decode(const void *data, size_t len, par_expr **out,
                            par_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PAR_EXPR_H */
