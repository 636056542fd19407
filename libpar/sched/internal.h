/* libpar/sched/internal.h — the executor interface shared by the pool, the
 * serial executor and the OpenMP executor, and by the graph runner that
 * drives them. Not installed. */
#ifndef PAR_SCHED_INTERNAL_H
#define PAR_SCHED_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>

#include "core/internal.h"
#include "par/exec.h"

/* The method table every executor implements, versioned as SQLite's VFS:
 * new methods are only ever appended and `version` says how many there
 * are, so a table written for an older version keeps working. */
typedef struct par__exec_vtable {
        int version; /* 1 */
        const char *name;
        /* True if `submit` from a thread outside the executor returns at
         * once (work runs on the executor's own threads). */
        bool async;
        void (*destroy)(par_executor *ex);
        /* Runs fn(arg) inside the executor and blocks until it returns and
         * every job it submitted has run. */
        void (*run)(par_executor *ex, void (*fn)(void *), void *arg);
        /* Fork-join on a job whose storage the caller owns. */
        void (*spawn)(par_executor *ex, par_job *job);
        void (*wait)(par_executor *ex, par_group *g);
        void (*parallel_for)(par_executor *ex, int64_t begin, int64_t end,
                             int64_t grain,
                             void (*fn)(void *, int64_t, int64_t), void *ctx);
        /* Makes job->run(job) runnable with no group: the job accounts for
         * its own completion. From inside executor work (or, for async
         * executors, from any thread). */
        void (*submit)(par_executor *ex, par_job *job);
} par__exec_vtable;

struct par_executor {
        const par__exec_vtable *vt;
        par_exec_kind kind;
        int threads;
};

struct par__worker;

/* What the calling thread is running: the executor and, on a pool worker,
 * its worker. Initial-exec TLS keeps the lookup to one instruction in the
 * hot spawn path. */
typedef struct par__tls_state {
        par_executor *ex;
        struct par__worker *worker;
} par__tls_state;

extern _Thread_local par__tls_state par__tls
        __attribute__((tls_model("initial-exec")));

int par__pool_new(int threads, par_executor **out, par_error *err);
int par__serial_new(par_executor **out, par_error *err);
int par__openmp_new(int threads, par_executor **out, par_error *err);

/* Runs a job that was spawned into a group: its function, then the group's
 * count drops (release, so the waiter sees the job's writes). */
void par__job_run_spawned(par_job *job);

/* Submits a group-less job to `ex` (see vtable.submit). */
static inline void par__exec_submit(par_executor *ex, par_job *job)
{
        ex->vt->submit(ex, job);
}

/* A one-shot event: set once, waited on by any number of threads. A pool
 * worker that waits keeps running jobs (so waiting inside a task cannot
 * deadlock); other threads sleep on a futex. */
typedef struct par__event {
        atomic_uint state; /* 0 unset, 1 set */
} par__event;

static inline void par__event_init(par__event *e)
{
        atomic_init(&e->state, 0);
}

void par__event_set(par__event *e);
bool par__event_is_set(par__event *e);
void par__event_wait(par__event *e);
/* As par__event_wait with a limit; returns false on timeout. Pool workers
 * ignore the limit only if it is negative. */
bool par__event_timedwait(par__event *e, int64_t timeout_ns);

/* Futex primitives (Linux). */
void par__futex_wait(atomic_uint *addr, unsigned expected, int64_t timeout_ns);
void par__futex_wake(atomic_uint *addr, int n);

/* Helps the calling pool worker make progress: runs one available job.
 * Returns false if none was found. Only on a pool worker. */
bool par__pool_help_one(struct par__worker *w);

static inline void par__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield");
#endif
}

#endif
