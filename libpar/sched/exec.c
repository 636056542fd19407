/* The executor front end: choosing and starting an executor, and the
 * public entry points that dispatch through its method table. */
#include <errno.h>
#include <stdlib.h>

#include "par_config.h"
#include "sched/internal.h"

#define PAR__MAX_THREADS 4096

/* Reads PAR_NUM_THREADS. Returns 0 and *n = 0 when unset or empty. */
static int env_threads(int *n, par_error *err)
{
        *n = 0;
        const char *s = getenv("PAR_NUM_THREADS");
        if (!s || !*s)
                return 0;
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || *end || v < 1 || v > PAR__MAX_THREADS)
                return par__errorf(err, PAR_EINVAL,
                                   "PAR_NUM_THREADS='%s': expected a whole "
                                   "number from 1 to %d",
                                   s, PAR__MAX_THREADS);
        *n = (int)v;
        return 0;
}

int par_executor_new(const par_executor_opts *opts, par_executor **out,
                     par_error *err)
{
        par_executor_opts o = opts ? *opts : (par_executor_opts){0};
        if (!out)
                return par__errorf(err, PAR_EINVAL,
                                   "par_executor_new: `out` is NULL");
        *out = NULL;
        if (o.threads < 0 || o.threads > PAR__MAX_THREADS)
                return par__errorf(err, PAR_EINVAL,
                                   "par_executor_new: threads = %d; expected "
                                   "0 (default) or 1 to %d",
                                   o.threads, PAR__MAX_THREADS);
        int threads = o.threads;
        if (!threads) {
                int rc = env_threads(&threads, err);
                if (rc < 0)
                        return rc;
        }
        if (!threads)
                threads = par_cpu_count();
        switch (o.kind) {
        case PAR_EXEC_DEFAULT:
        case PAR_EXEC_POOL:
                return par__pool_new(threads, out, err);
        case PAR_EXEC_SERIAL:
                return par__serial_new(out, err);
        case PAR_EXEC_OPENMP:
#if PAR_HAVE_OPENMP
                return par__openmp_new(threads, out, err);
#else
                return par__errorf(err, PAR_ENOTSUP,
                                   "par_executor_new: this build of par has "
                                   "no OpenMP executor (meson option "
                                   "-Dopenmp=enabled)");
#endif
        }
        return par__errorf(err, PAR_EINVAL,
                           "par_executor_new: unknown executor kind %d",
                           (int)o.kind);
}

void par_executor_free(par_executor *ex)
{
        if (ex)
                ex->vt->destroy(ex);
}

par_exec_kind par_executor_kind(const par_executor *ex)
{
        return ex->kind;
}

const char *par_executor_name(const par_executor *ex)
{
        return ex->vt->name;
}

int par_executor_threads(const par_executor *ex)
{
        return ex->threads;
}

void par_executor_run(par_executor *ex, void (*fn)(void *), void *arg)
{
        ex->vt->run(ex, fn, arg);
}

static int64_t default_grain(par_executor *ex, int64_t n)
{
        /* About eight pieces per thread: enough slack to balance uneven
         * work, few enough that splitting costs nothing measurable. */
        int64_t pieces = 8 * (int64_t)(ex ? ex->threads : 1);
        int64_t g = n / pieces;
        return g > 0 ? g : 1;
}

void par_executor_for(par_executor *ex, int64_t begin, int64_t end,
                      int64_t grain, void (*fn)(void *, int64_t, int64_t),
                      void *ctx)
{
        if (end <= begin)
                return;
        if (grain <= 0)
                grain = default_grain(ex, end - begin);
        ex->vt->parallel_for(ex, begin, end, grain, fn, ctx);
}

void par_for(int64_t begin, int64_t end, int64_t grain,
             void (*fn)(void *, int64_t, int64_t), void *ctx)
{
        if (end <= begin)
                return;
        par_executor *ex = par__tls.ex;
        if (!ex) {
                fn(ctx, begin, end);
                return;
        }
        par_executor_for(ex, begin, end, grain, fn, ctx);
}

par_executor *par_executor_current(void)
{
        return par__tls.ex;
}
