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

static int op_normal(par_task_ctx *ctx, size_t n, par_value *const *args,
                     par_value **out)
{
        int64_t seed, stream, count;
        double mean, sd;
        int rc = get_args(ctx, n, args, &seed, &stream, &count, &mean, &sd);
        if (rc < 0)
                return rc;
        par__column *c = par__column_alloc(PAR_DTYPE_FLOAT64, count, 0);
        if (!c)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory for %" PRId64
                                                      " numbers",
                                     count);
        par__rng_normal((uint64_t)seed, (uint64_t)stream, 0, mean, sd, c->data,
                        (size_t)count);
        *out = par__column_finish(c);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_uniform(par_task_ctx *ctx, size_t n, par_value *const *args,
                      par_value **out)
{
        int64_t seed, stream, count;
        double lo, hi;
        int rc = get_args(ctx, n, args, &seed, &stream, &count, &lo, &hi);
        if (rc < 0)
                return rc;
        par__column *c = par__column_alloc(PAR_DTYPE_FLOAT64, count, 0);
        if (!c)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        par__rng_uniform_range((uint64_t)seed, (uint64_t)stream, 0, lo, hi, c->data,
                               (size_t)count);
        *out = par__column_finish(c);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

static int op_integers(par_task_ctx *ctx, size_t n, par_value *const *args,
                       par_value **out)
{
        int64_t seed, stream, count;
        double lo, hi;
        int rc = get_args(ctx, n, args, &seed, &stream, &count, &lo, &hi);
        if (rc < 0)
                return rc;
        if (!(hi > lo))
                return par_task_fail(ctx, PAR_EINVAL,
                                     "par.random.integers: need lo < hi, got "
                                     "%g, %g",
                                     lo, hi);
        par__column *c = par__column_alloc(PAR_DTYPE_INT64, count, 0);
        if (!c)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        par__rng_integers((uint64_t)seed, (uint64_t)stream, 0, (int64_t)lo,
                          (int64_t)hi, c->data, (size_t)count);
        *out = par__column_finish(c);
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

void par__random_register_ops(void)
{
        par_op_register("par.random.normal", op_normal, NULL);
        par_op_register("par.random.uniform", op_uniform, NULL);
        par_op_register("par.random.integers", op_integers, NULL);
}
