/* The OpenMP executor: the same interface on the compiler's OpenMP task
 * runtime (libgomp with gcc), so the pool is always measured against
 * OpenMP in the same run. run() opens a parallel region whose threads all
 * mark themselves as running this executor; one of them runs the function,
 * and spawned or submitted jobs become OpenMP tasks. The region's closing
 * barrier waits for every task. It is not asynchronous: work submitted
 * from outside runs before submit returns. */
#include <omp.h>
#include <pthread.h>

#include "sched/internal.h"

typedef struct par__omp {
        par_executor base;
        pthread_mutex_t lock; /* one top-level region at a time */
} par__omp;

static void omp_run(par_executor *ex, void (*fn)(void *), void *arg)
{
        par__omp *o = (par__omp *)ex;
        if (par__tls.ex == ex) {
                fn(arg);
                return;
        }
        pthread_mutex_lock(&o->lock);
        par__tls_state saved = par__tls;
#pragma omp parallel num_threads(ex->threads)
        {
                par__tls_state mine = par__tls;
                par__tls.ex = ex;
                par__tls.worker = NULL;
#pragma omp single
                fn(arg);
                par__tls = mine;
        }
        par__tls = saved;
        pthread_mutex_unlock(&o->lock);
}

static void omp_spawn(par_executor *ex, par_job *job)
{
        (void)ex;
#pragma omp task firstprivate(job)
        job->run(job);
}

static void omp_wait(par_executor *ex, par_group *g)
{
        (void)ex;
#pragma omp taskwait
        /* taskwait joins this task's children, which include the group's
         * jobs; the loop only guards against a group filled elsewhere. */
        while (__atomic_load_n(&g->pending, __ATOMIC_ACQUIRE) != 0) {
#pragma omp taskyield
        }
}

typedef struct omp_for_args {
        int64_t begin, end, grain;
        void (*fn)(void *, int64_t, int64_t);
        void *ctx;
} omp_for_args;

static void omp_for_body(void *p)
{
        omp_for_args *a = p;
        int64_t nchunks = (a->end - a->begin + a->grain - 1) / a->grain;
#pragma omp taskloop grainsize(1)
        for (int64_t c = 0; c < nchunks; c++) {
                int64_t lo = a->begin + c * a->grain;
                int64_t hi = lo + a->grain < a->end ? lo + a->grain : a->end;
                a->fn(a->ctx, lo, hi);
        }
}

static void omp_for(par_executor *ex, int64_t begin, int64_t end, int64_t grain,
                    void (*fn)(void *, int64_t, int64_t), void *ctx)
{
        omp_for_args a = {begin, end, grain > 0 ? grain : 1, fn, ctx};
        omp_run(ex, omp_for_body, &a);
}

static void run_job(void *p)
{
        par_job *job = p;
        job->run(job);
}

static void omp_submit(par_executor *ex, par_job *job)
{
        if (par__tls.ex != ex) {
                /* From outside: a region of its own, which waits for the
                 * job and every task it creates. */
                omp_run(ex, run_job, job);
                return;
        }
#pragma omp task firstprivate(job)
        job->run(job);
}

static void omp_destroy(par_executor *ex)
{
        par__omp *o = (par__omp *)ex;
        pthread_mutex_destroy(&o->lock);
        par__free(o);
}

static const par__exec_vtable omp_vtable = {
        .version = 1,
        .name = "openmp",
        .async = false,
        .destroy = omp_destroy,
        .run = omp_run,
        .spawn = omp_spawn,
        .wait = omp_wait,
        .parallel_for = omp_for,
        .submit = omp_submit,
};

int par__openmp_new(int threads, par_executor **out, par_error *err)
{
        par__omp *o = par__calloc(1, sizeof *o);
        if (!o)
                return PAR__ENOMEM(err, "creating the OpenMP executor");
        o->base.vt = &omp_vtable;
        o->base.kind = PAR_EXEC_OPENMP;
        o->base.threads = threads;
        pthread_mutex_init(&o->lock, NULL);
        *out = &o->base;
        return 0;
}
