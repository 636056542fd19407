/* libpar/graph/internal.h — the graph's storage, and plans: a graph
 * compiled for one computation (culled, checked, fused) and the state of
 * running it. Not installed. */
#ifndef PAR_GRAPH_INTERNAL_H
#define PAR_GRAPH_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/internal.h"
#include "par/graph.h"
#include "sched/internal.h"

/* Interned strings: each distinct string gets a small id. */
typedef struct par__strtab {
        char **str;      /* id -> string (owned) */
        uint64_t *hash;  /* id -> hash */
        size_t n, cap;
        uint32_t *slots; /* open addressing: id + 1, 0 = empty */
        size_t nslots;   /* power of two */
        uint32_t recent[4]; /* ids of recently used strings (ids + 1) */
        unsigned next_recent;
} par__strtab;

int par__strtab_intern(par__strtab *t, const char *s, size_t len, uint32_t *id);
/* Returns the id of s, or UINT32_MAX if absent. */
uint32_t par__strtab_find(const par__strtab *t, const char *s, size_t len);
void par__strtab_free(par__strtab *t);

/* A stored argument: a literal value (owned), or a key reference. */
typedef struct par__garg {
        par_value *value; /* NULL for a key reference */
        uint32_t key_name;
        uint32_t task; /* the referenced task if it existed when this
                        * argument was added (tasks are never removed),
                        * else UINT32_MAX: resolved at compile time */
        int64_t key_index;
} par__garg;

typedef struct par__task {
        uint32_t name; /* key name id */
        uint32_t op;   /* op name id */
        int64_t index;
        uint32_t arg0, nargs;
} par__task;

struct par_graph {
        par__task *tasks;
        size_t ntasks, taskcap;
        par__garg *args;
        size_t nargs, argcap;
        par__strtab names; /* key names and op names */
        /* (name, index) -> task: each slot holds the key's 32-bit hash tag
         * (high half) and task + 1 (low half); 0 = empty. The tag lets a
         * probe skip non-matching tasks without touching them. */
        uint64_t *kmap;
        size_t kslots;
};

/* The task holding (name id, index), or UINT32_MAX. */
uint32_t par__graph_find(const par_graph *g, uint32_t name, int64_t index);
uint32_t par__graph_find_key(const par_graph *g, par_key key);
int par__graph_format_task_key(const par_graph *g, uint32_t t, char *buf,
                               size_t size);

/* A literal argument (not a key or handle) as a new value; NULL for those
 * kinds, a NULL value, or no memory. */
par_value *par__value_from_arg(const par_arg *a);

/* Adds to dst every task of src whose key dst does not have. */
int par__graph_merge(par_graph *dst, const par_graph *src, par_error *err);

/* ---- plans --------------------------------------------------------------- */

typedef struct par__plan par__plan;

/* A schedulable unit: a chain of fused tasks run back to back. */
typedef struct par__unit {
        par_job job; /* first: the job is the unit */
        par__plan *plan;
        uint32_t first, count; /* range of plan->chain */
        uint32_t out0, nout;   /* range of plan->out (dependent units) */
        atomic_uint pending;   /* unfinished dependency edges */
} par__unit;

struct par_task_ctx {
        par__plan *plan;
        uint32_t task;
        par_error *err;
};

typedef void (*par__plan_done_fn)(par__plan *p, void *ud);

struct par__plan {
        const par_graph *g;
        par_graph *owned; /* freed with the plan, if set */
        par_executor *ex;
        par_op_fn *op_of_name; /* by name id; NULL where unused */
        uint32_t *argdep;      /* graph argument -> task it references */
        uint32_t *task_unit;   /* task -> unit, UINT32_MAX if culled */
        par_value **slot;      /* task -> result while alive */
        atomic_uint *uses;     /* task -> references not yet consumed */
        uint32_t *chain;       /* unit-ordered task lists */
        uint32_t *out;         /* dependent units, by unit */
        par__unit *units;
        size_t nunits;
        uint32_t *roots;
        size_t nroots;
        uint32_t *want; /* requested tasks, in request order */
        size_t nwant;
        par_graph_stats stats;

        atomic_size_t remaining; /* units left, plus one for the start job */
        atomic_bool canceled;
        atomic_bool failed;
        pthread_mutex_t err_lock;
        par_error error; /* the first failure */

        par_job start;
        par__plan_done_fn done_fn;
        void *done_ud;
        par__event done;
};

/* Compiles the tasks `keys` need. The graph must outlive the plan (or be
 * handed over with par__plan_own_graph). */
int par__plan_new(const par_graph *g, size_t nkeys, const par_key *keys,
                  const par_compute_opts *opts, par__plan **out,
                  par_error *err);

/* The plan frees `g` when it is freed. */
void par__plan_own_graph(par__plan *p, par_graph *g);

/* Starts running on `ex`. `done_fn` (may be NULL) runs once, on whatever
 * thread finishes last, after which par__plan_wait returns. On a
 * non-asynchronous executor this returns only when the plan is done. */
void par__plan_start(par__plan *p, par_executor *ex, par__plan_done_fn done_fn,
                     void *ud);

void par__plan_wait(par__plan *p);

/* After done: 0, or the first failure (copied to err). */
int par__plan_status(par__plan *p, par_error *err);

/* After a successful run: a new reference to requested result i. */
par_value *par__plan_result(par__plan *p, size_t i);

/* Asks the running plan to skip the tasks that have not started. */
void par__plan_cancel(par__plan *p);

void par__plan_free(par__plan *p);

#endif
