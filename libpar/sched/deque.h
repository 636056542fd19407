/* libpar/sched/deque.h — the Chase-Lev work-stealing deque.
 *
 * Following N. M. Lê, A. Pop, A. Cohen and F. Zappa Nardelli, "Correct and
 * Efficient Work-Stealing for Weak Memory Models", PPoPP 2013 (figure 1):
 * the owner pushes and takes at the bottom, thieves steal at the top; the
 * only read-modify-write is the CAS on `top` that arbitrates the last
 * element and concurrent thieves. Memory orders are the paper's, with two
 * deliberate strengthenings that cost nothing on x86 and let
 * ThreadSanitizer (which does not model stand-alone fences) see the
 * publication edges: `bottom` is stored with release in push (the paper:
 * release fence + relaxed store), and the owner's restoring stores of
 * `bottom` in take are release stores too (C11 release sequences do not
 * extend through plain stores). The slot and the job it points to are
 * written before that release, so a thief whose acquire load of `bottom`
 * sees the new value sees the job.
 *
 * The array grows when full. Old arrays may still be read by a thief that
 * loaded the array pointer before the swap, so they are kept (chained)
 * until the deque is destroyed; total waste is under the final size. */
#ifndef PAR_SCHED_DEQUE_H
#define PAR_SCHED_DEQUE_H

#include <stdatomic.h>

#include "core/internal.h"
#include "par/exec.h"

typedef struct par__deque_array {
        int64_t mask; /* size - 1; size is a power of two */
        struct par__deque_array *older;
        _Atomic(par_job *) slot[];
} par__deque_array;

typedef struct par__deque {
        /* top is written by thieves, bottom by the owner: separate lines. */
        _Alignas(PAR__CACHELINE) atomic_int_least64_t top;
        _Alignas(PAR__CACHELINE) atomic_int_least64_t bottom;
        _Atomic(par__deque_array *) array;
} par__deque;

#define PAR__DEQUE_EMPTY ((par_job *)0)
#define PAR__DEQUE_ABORT ((par_job *)1)

static inline par__deque_array *par__deque_array_new(int64_t size)
{
        par__deque_array *a = par__malloc(sizeof *a +
                                          (size_t)size * sizeof(a->slot[0]));
        if (!a)
                return NULL;
        a->mask = size - 1;
        a->older = NULL;
        for (int64_t i = 0; i < size; i++)
                atomic_init(&a->slot[i], NULL);
        return a;
}

static inline int par__deque_init(par__deque *q, int64_t size)
{
        par__deque_array *a = par__deque_array_new(size);
        if (!a)
                return PAR_ENOMEM;
        atomic_init(&q->top, 0);
        atomic_init(&q->bottom, 0);
        atomic_init(&q->array, a);
        return 0;
}

static inline void par__deque_destroy(par__deque *q)
{
        par__deque_array *a = atomic_load_explicit(&q->array,
                                                   memory_order_relaxed);
        while (a) {
                par__deque_array *o = a->older;
                par__free(a);
                a = o;
        }
}

/* Doubles the array; owner only. Returns NULL when memory runs out. */
static inline par__deque_array *par__deque_grow(par__deque *q,
                                                par__deque_array *a,
                                                int64_t t, int64_t b)
{
        par__deque_array *n = par__deque_array_new(2 * (a->mask + 1));
        if (!n)
                return NULL;
        for (int64_t i = t; i < b; i++)
                atomic_store_explicit(&n->slot[i & n->mask],
                                      atomic_load_explicit(&a->slot[i & a->mask],
                                                           memory_order_relaxed),
                                      memory_order_relaxed);
        n->older = a;
        atomic_store_explicit(&q->array, n, memory_order_release);
        return n;
}

/* Pushes a job at the bottom. Only the owner may call this. Returns
 * PAR_ENOMEM if the array had to grow and could not (the job is not
 * pushed; the caller runs it inline). */
static inline int par__deque_push(par__deque *q, par_job *job)
{
        int64_t b = atomic_load_explicit(&q->bottom, memory_order_relaxed);
        int64_t t = atomic_load_explicit(&q->top, memory_order_acquire);
        par__deque_array *a = atomic_load_explicit(&q->array,
                                                   memory_order_relaxed);
        if (PAR__UNLIKELY(b - t > a->mask)) {
                a = par__deque_grow(q, a, t, b);
                if (!a)
                        return PAR_ENOMEM;
        }
        atomic_store_explicit(&a->slot[b & a->mask], job, memory_order_relaxed);
        atomic_store_explicit(&q->bottom, b + 1, memory_order_release);
        return 0;
}

/* Takes the newest job from the bottom, or PAR__DEQUE_EMPTY. Only the owner
 * may call this. */
static inline par_job *par__deque_take(par__deque *q)
{
        int64_t b = atomic_load_explicit(&q->bottom, memory_order_relaxed) - 1;
        par__deque_array *a = atomic_load_explicit(&q->array,
                                                   memory_order_relaxed);
        atomic_store_explicit(&q->bottom, b, memory_order_relaxed);
        /* The fence orders the store of bottom before the load of top, so
         * the owner and a thief cannot both take the last job. */
        atomic_thread_fence(memory_order_seq_cst);
        int64_t t = atomic_load_explicit(&q->top, memory_order_relaxed);
        if (t > b) { /* empty */
                atomic_store_explicit(&q->bottom, b + 1, memory_order_release);
                return PAR__DEQUE_EMPTY;
        }
        par_job *job = atomic_load_explicit(&a->slot[b & a->mask],
                                            memory_order_relaxed);
        if (t == b) { /* the last job: race the thieves for it */
                if (!atomic_compare_exchange_strong_explicit(
                            &q->top, &t, t + 1, memory_order_seq_cst,
                            memory_order_relaxed))
                        job = PAR__DEQUE_EMPTY;
                atomic_store_explicit(&q->bottom, b + 1, memory_order_release);
        }
        return job;
}

/* Steals the oldest job from the top. Any thread may call this. Returns a
 * job, PAR__DEQUE_EMPTY, or PAR__DEQUE_ABORT when it lost a race (retry
 * elsewhere). */
static inline par_job *par__deque_steal(par__deque *q)
{
        int64_t t = atomic_load_explicit(&q->top, memory_order_acquire);
        atomic_thread_fence(memory_order_seq_cst);
        int64_t b = atomic_load_explicit(&q->bottom, memory_order_acquire);
        if (t >= b)
                return PAR__DEQUE_EMPTY;
        /* The paper loads the array with consume; acquire is what compilers
         * implement consume as. */
        par__deque_array *a = atomic_load_explicit(&q->array,
                                                   memory_order_acquire);
        par_job *job = atomic_load_explicit(&a->slot[t & a->mask],
                                            memory_order_relaxed);
        if (!atomic_compare_exchange_strong_explicit(&q->top, &t, t + 1,
                                                     memory_order_seq_cst,
                                                     memory_order_relaxed))
                return PAR__DEQUE_ABORT;
        return job;
}

/* A racy estimate of whether the deque holds jobs; for the parking check. */
static inline bool par__deque_maybe_nonempty(par__deque *q)
{
        int64_t t = atomic_load_explicit(&q->top, memory_order_acquire);
        int64_t b = atomic_load_explicit(&q->bottom, memory_order_acquire);
        return b > t;
}

#endif
