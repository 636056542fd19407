/* libpar/client/internal.h — futures and the client's bookkeeping. */
#ifndef PAR_CLIENT_INTERNAL_H
#define PAR_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/internal.h"
#include "graph/internal.h"
#include "par/client.h"

typedef struct par__backend par__backend;

struct par_client {
        par_executor *ex;        /* local executor (the local backend's) */
        par__backend *backend;   /* runs the graphs; see backend/backend.h */
        pthread_mutex_t lock;
        pthread_cond_t idle;
        size_t running; /* launched computations not yet finished */
};

/* A computation started for one or more futures: one plan whose requested
 * keys are the futures' keys, in order. */
typedef struct par__launch {
        par_client *client;
        par__plan *plan;
        size_t n;
        size_t live; /* futures not canceled; at 0 the plan is canceled */
        par_future **futs;
} par__launch;

typedef void (*par__future_cb)(par_future *f, void *ud);

typedef struct par__future_cbrec {
        par__future_cb fn;
        void *ud;
} par__future_cbrec;

struct par_future {
        atomic_size_t refs;
        char *name; /* key name (owned) */
        int64_t index;
        pthread_mutex_t lock;
        _Atomic int state; /* par_future_state */
        par_value *value;
        par_error error;
        par__event done;
        par__future_cbrec *cbs;
        size_t ncbs, cbcap;
        par__launch *launch; /* while running */
        bool canceling;
};

/* Calls fn(f, ud) once f is done: now, on this thread, if it already is;
 * else on the thread that finishes it. Returns PAR_ENOMEM if the callback
 * could not be recorded (then it is not called). */
int par__future_on_done(par_future *f, par__future_cb fn, void *ud);

/* A new pending future named `name` (copied), with two references: the
 * caller's and the machinery's. */
par_future *par__future_new(const char *name, int64_t index);

/* Completes a pending future: with a value (taken) if code == 0, else with
 * the error. No-op if it is already done. Drops the machinery's
 * reference. */
void par__future_finish(par_future *f, int code, par_value *value,
                        const par_error *err);

/* Starts running `g` (owned from here, also on failure) for `n` futures
 * whose names are its requested keys. */
int par__client_launch(par_client *c, par_graph *g, size_t n, par_future **futs,
                       par_error *err);

/* Builds a backend for client `c` (whose executor exists already). */
typedef int (*par__backend_make_fn)(par_client *c, void *ud, par__backend **out,
                                    par_error *err);

/* A client with an executor from `opts` and the backend `make` builds. */
int par__client_new_with(const par_client_opts *opts, par__backend_make_fn make,
                         void *ud, par_client **out, par_error *err);

/* A backend calls this once all futures of one launch are finished. */
void par__client_launch_end(par_client *c);

/* Runs `g` (borrowed) on the client's backend and blocks: out[i] gets a new
 * reference to the value of keys[i]. Every collection computes through this
 * (or par__client_launch), never through the executor directly, so a remote
 * backend can take over. Errors: as par_graph_compute. */
int par__client_run(par_client *c, const par_graph *g, size_t nkeys,
                    const par_key *keys, par_value **out, par_error *err);

/* A layer: an immutable set of tasks plus the layers they reference, as
 * Dask's HighLevelGraph layers. Collections (bags, frames) hold their last
 * layer; computing merges the closure into one graph. */
typedef struct par__layer {
        atomic_size_t refs;
        par_graph *graph;
        size_t ndeps;
        struct par__layer **deps;
} par__layer;

/* Takes `g`, retains deps. Returns NULL (freeing g) when memory runs out. */
par__layer *par__layer_new(par_graph *g, size_t ndeps, par__layer *const *deps);
par__layer *par__layer_retain(par__layer *l);
void par__layer_release(par__layer *l);
/* Adds the tasks of `l` and of every layer it depends on to dst. */
int par__layer_to_graph(const par__layer *l, par_graph *dst, par_error *err);

/* A delayed standing for task `name` of layer `l` (retained). */
int par__delayed_from_layer(par__layer *l, const char *name, int64_t index,
                            par_delayed **out, par_error *err);

/* Hash of a value's content, for tokens. */
uint64_t par__value_token(const par_value *v, uint64_t h);

#endif
