/* The random-stream ops: a partition of numbers from stream `stream` of
 * `seed`, the same on any thread, executor or process. */
#include <inttypes.h>

#include "bag/internal.h"
#include "kernels/rng.h"

static int get_args(par_task_ctx *ctx, size_t n, par_value *const *args,
                    int64_t *seed, int64_t *stream, int64_t *count, double *a,
                    double *b)
{
        par_error e = {0};
        if (n != 5 || par_value_get_int64(args[0], seed, &e) < 0 ||
            par_value_get_int64(args[1], stream, &e) < 0 ||
            par_value_get_int64(args[2], count, &e) < 0 ||
            par_value_get_float64(args[3], a, &e) < 0 ||
            par_value_get_float64(args[4], b, &e) < 0)
                return par_task_fail(ctx, PAR_EINVAL,
                                     "%s takes (seed, stream, count, a, b): %s",
                                     par_task_op(ctx), e.message);
        if (*count < 0)
                return par_task_fail(ctx, PAR_EINVAL, "%s: count %" PRId64
                                                      " is negative",
                                     par_task_op(ctx), *count);
        return 0;
}

typedef enum dist { NORMAL, UNIFORM, INTEGERS } dist;

/* (seed, stream, count, a, b) -> a column of `count` draws of the
 * distribution: N(a, b²), U[a, b), or integers in [a, b). */
static int fill(par_task_ctx *ctx, size_t n, par_value *const *args,
                par_value **out, dist d)
{
        int64_t seed, stream, count;
        double a, b;
        int rc = get_args(ctx, n, args, &seed, &stream, &count, &a, &b);
        if (rc < 0)
                return rc;
        if (d == INTEGERS && !(b > a))
                return par_task_fail(ctx, PAR_EINVAL,
                                     "par.random.integers: need lo < hi, got "
                                     "%g, %g",
                                     a, b);
        par__column *c = par__column_alloc(d == INTEGERS ? PAR_DTYPE_INT64
                                                         : PAR_DTYPE_FLOAT64,
                                           count, 0);
        if (!c)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory for %" PRId64
                                                      " numbers",
                                     count);
        switch (d) {
        case NORMAL:
                par__rng_normal((uint64_t)seed, (uint64_t)stream, 0, a, b, c->data,
                                (size_t)count);
                break;
        case UNIFORM:
                par__rng_uniform_range((uint64_t)seed, (uint64_t)stream, 0, a, b,
                                       c->data, (size_t)count);
                break;
        case INTEGERS:
                par__rng_integers((uint64_t)seed, (uint64_t)stream, 0, (int64_t)a,
                                  (int64_t)b, c->data, (size_t)count);
                break;
        }
        *out = par__column_finish(c);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_normal(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        return fill(ctx, n, args, out, NORMAL);
}

static int op_uniform(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        return fill(ctx, n, args, out, UNIFORM);
}

static int op_integers(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        return fill(ctx, n, args, out, INTEGERS);
}

void par__random_register_ops(void)
{
        par_op_register("par.random.normal", op_normal, NULL);
        par_op_register("par.random.uniform", op_uniform, NULL);
        par_op_register("par.random.integers", op_integers, NULL);
}
