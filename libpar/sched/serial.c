/* The serial executor: every job runs on the calling thread, in an order
 * fixed by the program alone. Spawned jobs run at once, inline; submitted
 * (group-less) jobs go on a LIFO stack that run() drains after its
 * function returns, so a graph runs depth-first without recursion. It is
 * the reference the parallel executors are tested against, and the easy
 * one to debug. */
#include <pthread.h>

#include "sched/internal.h"

typedef struct par__serial {
        par_executor base;
        pthread_mutex_t lock; /* one run() at a time */
        par_job **stack;
        size_t n, cap;
        int depth; /* nesting of run() on the owning thread */
} par__serial;

static void serial_drain(par__serial *s)
{
        while (s->n) {
                par_job *job = s->stack[--s->n];
                job->run(job);
        }
}

static void serial_run(par_executor *ex, void (*fn)(void *), void *arg)
{
        par__serial *s = (par__serial *)ex;
        if (par__tls.ex == ex) { /* nested: we already hold the lock */
                fn(arg);
                return;
        }
        pthread_mutex_lock(&s->lock);
        par__tls_state saved = par__tls;
        par__tls.ex = ex;
        par__tls.worker = NULL;
        fn(arg);
        serial_drain(s);
        par__tls = saved;
        pthread_mutex_unlock(&s->lock);
}

static void serial_spawn(par_executor *ex, par_job *job)
{
        (void)ex;
        job->run(job);
}

static void serial_wait(par_executor *ex, par_group *g)
{
        (void)ex;
        (void)g; /* everything spawned has already run */
}

static void serial_for(par_executor *ex, int64_t begin, int64_t end,
                       int64_t grain, void (*fn)(void *, int64_t, int64_t),
                       void *ctx)
{
        (void)ex;
        if (grain <= 0)
                grain = end - begin;
        for (int64_t lo = begin; lo < end; lo += grain)
                fn(ctx, lo, end - lo > grain ? lo + grain : end);
}

static void serial_submit(par_executor *ex, par_job *job)
{
        par__serial *s = (par__serial *)ex;
        if (par__tls.ex != ex) {
                /* From outside: run it (and what it submits) now. */
                pthread_mutex_lock(&s->lock);
                par__tls_state saved = par__tls;
                par__tls.ex = ex;
                par__tls.worker = NULL;
                job->run(job);
                serial_drain(s);
                par__tls = saved;
                pthread_mutex_unlock(&s->lock);
                return;
        }
        if (par__grow((void **)&s->stack, &s->cap, s->n + 1, sizeof *s->stack) < 0) {
                job->run(job); /* no memory for the stack: run it now */
                return;
        }
        s->stack[s->n++] = job;
}

static void serial_destroy(par_executor *ex)
{
        par__serial *s = (par__serial *)ex;
        pthread_mutex_destroy(&s->lock);
        par__free(s->stack);
        par__free(s);
}

static const par__exec_vtable serial_vtable = {
        .version = 1,
        .name = "serial",
        .async = false,
        .destroy = serial_destroy,
        .run = serial_run,
        .spawn = serial_spawn,
        .wait = serial_wait,
        .parallel_for = serial_for,
        .submit = serial_submit,
};

int par__serial_new(par_executor **out, par_error *err)
{
        par__serial *s = par__calloc(1, sizeof *s);
        if (!s)
                return PAR__ENOMEM(err, "creating the serial executor");
        s->base.vt = &serial_vtable;
        s->base.kind = PAR_EXEC_SERIAL;
        s->base.threads = 1;
        pthread_mutex_init(&s->lock, NULL);
        *out = &s->base;
        return 0;
}
