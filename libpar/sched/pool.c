/* The work-stealing pool.
 *
 * Each worker owns a Chase-Lev deque (deque.h). A worker runs its own
 * newest job first (depth-first, cache-warm), and when it has none steals
 * the oldest job of a random victim (the biggest piece of work left
 * there), then looks at the injection queue, where threads outside the
 * pool put their work. A worker that finds nothing spins briefly and then
 * parks on a futex, so an idle pool uses no CPU.
 *
 * Parking protocol (no lost wake-ups). A worker about to sleep increments
 * `sleepers`, reads `epoch`, checks every queue once more, and sleeps only
 * if `epoch` still holds the value it read. A thread that makes work
 * available publishes it, issues a seq_cst fence, and then reads
 * `sleepers`; if it is non-zero it bumps `epoch` and wakes one sleeper.
 * By the fences, either the waker sees the sleeper's increment, or the
 * sleeper's last check sees the new work. */
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sched/deque.h"
#include "sched/internal.h"

_Thread_local par__tls_state par__tls __attribute__((tls_model("initial-exec")));

typedef struct par__worker {
        par__deque deque; /* first: cache-line aligned */
        struct par__pool *pool;
        int index;
        uint64_t rng;
        pthread_t thread;
} par__worker;

typedef struct par__pool {
        par_executor base;
        par__worker **workers;
        int nworkers;
        int started;

        /* Injection queue: a ring of jobs under a mutex; `injected` lets
         * workers skip the lock when it is empty. */
        pthread_mutex_t inj_lock;
        par_job **inj;
        size_t inj_head, inj_count, inj_cap;
        _Alignas(PAR__CACHELINE) atomic_size_t injected;

        _Alignas(PAR__CACHELINE) atomic_uint epoch;
        atomic_int sleepers;
        atomic_bool stop;
} par__pool;

/* ---- futex -------------------------------------------------------------- */

void par__futex_wait(atomic_uint *addr, unsigned expected, int64_t timeout_ns)
{
        struct timespec ts, *tp = NULL;
        if (timeout_ns >= 0) {
                ts.tv_sec = timeout_ns / 1000000000;
                ts.tv_nsec = timeout_ns % 1000000000;
                tp = &ts;
        }
        /* EINTR, EAGAIN and ETIMEDOUT all mean "look again": callers loop. */
        syscall(SYS_futex, (void *)addr, FUTEX_WAIT_PRIVATE, expected, tp,
                NULL, 0);
}

void par__futex_wake(atomic_uint *addr, int n)
{
        syscall(SYS_futex, (void *)addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* ---- waking and parking ----------------------------------------------------- */

static inline void pool_notify(par__pool *p)
{
        /* The fence pairs with the one in worker_park(); see the file
         * comment. With one worker there is nobody else to wake. */
        if (p->nworkers == 1 && par__tls.worker)
                return;
        atomic_thread_fence(memory_order_seq_cst);
        if (atomic_load_explicit(&p->sleepers, memory_order_relaxed) > 0) {
                atomic_fetch_add_explicit(&p->epoch, 1, memory_order_relaxed);
                par__futex_wake(&p->epoch, 1);
        }
}

static bool pool_has_work(par__pool *p)
{
        if (atomic_load_explicit(&p->injected, memory_order_acquire))
                return true;
        for (int i = 0; i < p->nworkers; i++)
                if (par__deque_maybe_nonempty(&p->workers[i]->deque))
                        return true;
        return false;
}

static void worker_park(par__worker *w)
{
        par__pool *p = w->pool;
        atomic_fetch_add_explicit(&p->sleepers, 1, memory_order_seq_cst);
        atomic_thread_fence(memory_order_seq_cst);
        unsigned e = atomic_load_explicit(&p->epoch, memory_order_relaxed);
        if (!pool_has_work(p) &&
            !atomic_load_explicit(&p->stop, memory_order_acquire))
                par__futex_wait(&p->epoch, e, -1);
        atomic_fetch_sub_explicit(&p->sleepers, 1, memory_order_relaxed);
}

/* ---- finding work -------------------------------------------------------------- */

static par_job *inject_pop(par__pool *p)
{
        if (!atomic_load_explicit(&p->injected, memory_order_acquire))
                return NULL;
        par_job *job = NULL;
        pthread_mutex_lock(&p->inj_lock);
        if (p->inj_count) {
                job = p->inj[p->inj_head];
                p->inj_head = (p->inj_head + 1) % p->inj_cap;
                p->inj_count--;
                atomic_store_explicit(&p->injected, p->inj_count,
                                      memory_order_release);
        }
        pthread_mutex_unlock(&p->inj_lock);
        return job;
}

/* Puts a job on the injection queue. Returns PAR_ENOMEM if the ring could
 * not grow. */
static int inject_push(par__pool *p, par_job *job)
{
        pthread_mutex_lock(&p->inj_lock);
        if (p->inj_count == p->inj_cap) {
                size_t ncap = p->inj_cap ? 2 * p->inj_cap : 64;
                par_job **n = par__malloc(ncap * sizeof *n);
                if (!n) {
                        pthread_mutex_unlock(&p->inj_lock);
                        return PAR_ENOMEM;
                }
                for (size_t i = 0; i < p->inj_count; i++)
                        n[i] = p->inj[(p->inj_head + i) % p->inj_cap];
                par__free(p->inj);
                p->inj = n;
                p->inj_head = 0;
                p->inj_cap = ncap;
        }
        p->inj[(p->inj_head + p->inj_count) % p->inj_cap] = job;
        p->inj_count++;
        atomic_store_explicit(&p->injected, p->inj_count, memory_order_release);
        pthread_mutex_unlock(&p->inj_lock);
        pool_notify(p);
        return 0;
}

static inline uint64_t next_rand(par__worker *w)
{
        /* xorshift64: enough to spread victims. */
        uint64_t x = w->rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        w->rng = x;
        return x;
}

static par_job *steal_round(par__worker *w)
{
        par__pool *p = w->pool;
        int n = p->nworkers;
        if (n <= 1)
                return NULL;
        int start = (int)(next_rand(w) % (uint64_t)n);
        bool contended = false;
        for (int k = 0; k < n; k++) {
                par__worker *v = p->workers[(start + k) % n];
                if (v == w)
                        continue;
                par_job *job = par__deque_steal(&v->deque);
                if (job == PAR__DEQUE_ABORT) {
                        contended = true;
                        continue;
                }
                if (job)
                        return job;
        }
        return contended ? PAR__DEQUE_ABORT : NULL;
}

static par_job *find_work(par__worker *w)
{
        par_job *job = par__deque_take(&w->deque);
        if (job)
                return job;
        for (int tries = 0; tries < 4; tries++) {
                job = steal_round(w);
                if (job != PAR__DEQUE_ABORT)
                        break;
        }
        if (job && job != PAR__DEQUE_ABORT)
                return job;
        return inject_pop(w->pool);
}

bool par__pool_help_one(par__worker *w)
{
        par_job *job = find_work(w);
        if (!job)
                return false;
        job->run(job);
        return true;
}

/* ---- workers --------------------------------------------------------------------- */

#define SPIN_ROUNDS 256

static void *worker_main(void *arg)
{
        par__worker *w = arg;
        par__pool *p = w->pool;
        par__tls.ex = &p->base;
        par__tls.worker = w;
        while (!atomic_load_explicit(&p->stop, memory_order_acquire)) {
                par_job *job = find_work(w);
                if (job) {
                        job->run(job);
                        continue;
                }
                /* Spin a little: new work often arrives within a cache-line
                 * round trip, and parking costs a system call each way. */
                int spins = 0;
                while (spins < SPIN_ROUNDS && !pool_has_work(p) &&
                       !atomic_load_explicit(&p->stop, memory_order_relaxed)) {
                        par__cpu_relax();
                        spins++;
                }
                if (spins == SPIN_ROUNDS)
                        worker_park(w);
        }
        par__tls.ex = NULL;
        par__tls.worker = NULL;
        return NULL;
}

/* Waits for the group while running other jobs. Only on a pool worker. */
static void worker_wait(par__worker *w, par_group *g)
{
        unsigned idle = 0;
        while (__atomic_load_n(&g->pending, __ATOMIC_ACQUIRE) != 0) {
                par_job *job = find_work(w);
                if (job) {
                        job->run(job);
                        idle = 0;
                        continue;
                }
                /* The missing jobs run on other workers. Spin, then yield
                 * the core: on a loaded machine the thief may need it. */
                if (++idle < 64)
                        par__cpu_relax();
                else
                        sched_yield();
        }
}

/* ---- fork-join fast path --------------------------------------------------- */

void par__job_run_spawned(par_job *job)
{
        par_group *g = job->group;
        job->fn(job->arg);
        /* Release: the waiter's acquire load of 0 sees the job's writes. The
         * job and the group may be gone right after this. */
        __atomic_fetch_sub(&g->pending, 1, __ATOMIC_RELEASE);
}

void par_spawn(par_group *g, par_job *job, void (*fn)(void *), void *arg)
{
        job->run = par__job_run_spawned;
        job->fn = fn;
        job->arg = arg;
        job->group = g;
        __atomic_fetch_add(&g->pending, 1, __ATOMIC_RELAXED);
        par__worker *w = par__tls.worker;
        if (PAR__LIKELY(w != NULL)) {
                if (PAR__LIKELY(par__deque_push(&w->deque, job) == 0)) {
                        pool_notify(w->pool);
                        return;
                }
                job->run(job); /* the deque could not grow: run it here */
                return;
        }
        par_executor *ex = par__tls.ex;
        if (ex)
                ex->vt->spawn(ex, job);
        else
                job->run(job);
}

void par_group_wait(par_group *g)
{
        if (__atomic_load_n(&g->pending, __ATOMIC_ACQUIRE) == 0)
                return;
        par__worker *w = par__tls.worker;
        if (w) {
                worker_wait(w, g);
                return;
        }
        par_executor *ex = par__tls.ex;
        if (ex) {
                ex->vt->wait(ex, g);
                return;
        }
        /* Spawned outside any executor: the jobs ran inline, so pending
         * can only be non-zero through misuse (a group shared with another
         * thread). Wait for that thread. */
        while (__atomic_load_n(&g->pending, __ATOMIC_ACQUIRE) != 0)
                sched_yield();
}

/* ---- events ------------------------------------------------------------------- */

void par__event_set(par__event *e)
{
        atomic_store_explicit(&e->state, 1, memory_order_release);
        par__futex_wake(&e->state, INT_MAX);
}

bool par__event_is_set(par__event *e)
{
        return atomic_load_explicit(&e->state, memory_order_acquire) != 0;
}

bool par__event_timedwait(par__event *e, int64_t timeout_ns)
{
        par__worker *w = par__tls.worker;
        uint64_t deadline = timeout_ns >= 0 ? par_now_ns() + (uint64_t)timeout_ns
                                            : UINT64_MAX;
        unsigned idle = 0;
        while (!par__event_is_set(e)) {
                if (w) {
                        /* A worker never sleeps while it waits: it runs
                         * other jobs, which may be the ones it waits for. */
                        if (par__pool_help_one(w)) {
                                idle = 0;
                        } else if (++idle < 64) {
                                par__cpu_relax();
                        } else {
                                sched_yield();
                        }
                } else if (idle < 128) {
                        idle++;
                        par__cpu_relax();
                } else {
                        uint64_t now = par_now_ns();
                        if (now >= deadline)
                                return false;
                        int64_t left = deadline == UINT64_MAX
                                               ? -1
                                               : (int64_t)(deadline - now);
                        par__futex_wait(&e->state, 0, left);
                }
                if (w && par_now_ns() >= deadline)
                        return false;
        }
        return true;
}

void par__event_wait(par__event *e)
{
        (void)par__event_timedwait(e, -1);
}

/* ---- the executor's methods ----------------------------------------------------- */

typedef struct run_ctx {
        par_job job;
        void (*fn)(void *);
        void *arg;
        par__event done;
} run_ctx;

static void run_root(par_job *job)
{
        run_ctx *r = (run_ctx *)job;
        r->fn(r->arg);
        par__event_set(&r->done);
}

static void pool_run(par_executor *ex, void (*fn)(void *), void *arg)
{
        par__pool *p = (par__pool *)ex;
        if (par__tls.worker && par__tls.worker->pool == p) {
                fn(arg);
                return;
        }
        run_ctx r = {.job = {.run = run_root}, .fn = fn, .arg = arg};
        par__event_init(&r.done);
        if (inject_push(p, &r.job) < 0) {
                fn(arg); /* no memory to queue it: run it here */
                return;
        }
        par__event_wait(&r.done);
}

static void pool_submit(par_executor *ex, par_job *job)
{
        par__pool *p = (par__pool *)ex;
        par__worker *w = par__tls.worker;
        if (w && w->pool == p && par__deque_push(&w->deque, job) == 0) {
                pool_notify(p);
                return;
        }
        if (inject_push(p, job) < 0)
                job->run(job); /* out of memory: run it on this thread */
}

static void pool_spawn(par_executor *ex, par_job *job)
{
        /* Reached only from a thread whose TLS names this pool but which
         * is not one of its workers, which cannot happen; run inline. */
        (void)ex;
        job->run(job);
}

static void pool_wait(par_executor *ex, par_group *g)
{
        (void)ex;
        while (__atomic_load_n(&g->pending, __ATOMIC_ACQUIRE) != 0)
                sched_yield();
}

typedef struct for_ctx {
        void (*fn)(void *, int64_t, int64_t);
        void *ctx;
        int64_t grain;
} for_ctx;

typedef struct for_sub {
        const for_ctx *c;
        int64_t lo, hi;
} for_sub;

static void for_range(const for_ctx *c, int64_t lo, int64_t hi);

static void for_sub_run(void *arg)
{
        for_sub *s = arg;
        for_range(s->c, s->lo, s->hi);
}

/* Splits [lo, hi) in halves, spawning the upper half each time and going
 * on with the lower, until the rest is at most one grain; runs it; joins.
 * A thief thus takes the largest untouched half. */
static void for_range(const for_ctx *c, int64_t lo, int64_t hi)
{
        enum { MAX_SPLITS = 48 };
        par_group g = {0};
        par_job jobs[MAX_SPLITS];
        for_sub subs[MAX_SPLITS];
        int n = 0;
        while (hi - lo > c->grain && n < MAX_SPLITS) {
                int64_t mid = lo + (hi - lo) / 2;
                subs[n] = (for_sub){c, mid, hi};
                par_spawn(&g, &jobs[n], for_sub_run, &subs[n]);
                n++;
                hi = mid;
        }
        c->fn(c->ctx, lo, hi);
        par_group_wait(&g);
}

static void for_entry(void *arg)
{
        const for_sub *s = arg;
        for_range(s->c, s->lo, s->hi);
}

static void pool_for(par_executor *ex, int64_t begin, int64_t end, int64_t grain,
                     void (*fn)(void *, int64_t, int64_t), void *ctx)
{
        for_ctx c = {fn, ctx, grain};
        for_sub s = {&c, begin, end};
        pool_run(ex, for_entry, &s);
}

static void pool_destroy(par_executor *ex)
{
        par__pool *p = (par__pool *)ex;
        atomic_store_explicit(&p->stop, true, memory_order_release);
        atomic_fetch_add_explicit(&p->epoch, 1, memory_order_seq_cst);
        par__futex_wake(&p->epoch, INT_MAX);
        for (int i = 0; i < p->started; i++)
                pthread_join(p->workers[i]->thread, NULL);
        for (int i = 0; p->workers && i < p->nworkers; i++) {
                if (!p->workers[i])
                        continue;
                par__deque_destroy(&p->workers[i]->deque);
                par__free_aligned(p->workers[i]);
        }
        par__free(p->workers);
        par__free(p->inj);
        pthread_mutex_destroy(&p->inj_lock);
        par__free_aligned(p);
}

static const par__exec_vtable pool_vtable = {
        .version = 1,
        .name = "pool",
        .async = true,
        .destroy = pool_destroy,
        .run = pool_run,
        .spawn = pool_spawn,
        .wait = pool_wait,
        .parallel_for = pool_for,
        .submit = pool_submit,
};

int par__pool_new(int threads, par_executor **out, par_error *err)
{
        par__pool *p = par__malloc_aligned(sizeof *p, PAR__CACHELINE);
        if (!p)
                return PAR__ENOMEM(err, "creating the thread pool");
        p->base.vt = &pool_vtable;
        p->base.kind = PAR_EXEC_POOL;
        p->base.threads = threads;
        p->nworkers = threads;
        pthread_mutex_init(&p->inj_lock, NULL);
        atomic_init(&p->injected, 0);
        atomic_init(&p->epoch, 0);
        atomic_init(&p->sleepers, 0);
        atomic_init(&p->stop, false);
        p->workers = par__calloc((size_t)threads, sizeof *p->workers);
        if (!p->workers)
                goto nomem;
        for (int i = 0; i < threads; i++) {
                /* Aligned so the deque's fields own their cache lines. */
                par__worker *w = par__malloc_aligned(sizeof *w, PAR__CACHELINE);
                if (!w)
                        goto nomem;
                if (par__deque_init(&w->deque, 256) < 0) {
                        par__free_aligned(w);
                        goto nomem;
                }
                w->pool = p;
                w->index = i;
                w->rng = par__hash_mix((uint64_t)i + 1) | 1;
                p->workers[i] = w;
        }
        for (int i = 0; i < threads; i++) {
                int rc = pthread_create(&p->workers[i]->thread, NULL,
                                        worker_main, p->workers[i]);
                if (rc != 0) {
                        pool_destroy(&p->base);
                        return par__errorf(err, PAR_ESYS,
                                           "starting worker thread %d of %d: "
                                           "pthread_create failed (error %d)",
                                           i + 1, threads, rc);
                }
                p->started++;
        }
        *out = &p->base;
        return 0;
nomem:
        pool_destroy(&p->base);
        return PAR__ENOMEM(err, "creating the thread pool");
}

int par_worker_index(void)
{
        return par__tls.worker ? par__tls.worker->index : -1;
}
