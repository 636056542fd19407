/* libpar/backend/backend.h — the backend interface: what runs a client's
 * graphs. Not installed.
 *
 * A backend is a versioned method table, as SQLite's VFS: `version` first,
 * then the methods; new methods are only appended, and a caller checks
 * `version` before using a method added after version 1. The client
 * (libpar/client/client.c) is the only caller; collections, futures and
 * delayed calls reach a backend only through par__client_run and
 * par__client_launch, so they never know which backend runs them.
 *
 * Implementations: the local one (local.c, the executor in this process)
 * and MPI (mpi.c, rank 0 drives, ranks >= 1 work). docs/backends.md says
 * how to write another. */
#ifndef PAR_BACKEND_INTERNAL_H
#define PAR_BACKEND_INTERNAL_H

#include "client/internal.h"

#define PAR__BACKEND_VERSION 1

typedef struct par__backend par__backend;

typedef struct par__backend_ops {
        int version;      /* PAR__BACKEND_VERSION the table was written for */
        const char *name; /* "local", "mpi": printed by the summary */

        /* Runs `g` (borrowed) and blocks: on success out[i] gets a new
         * reference to the value of keys[i]; on failure all out[i] are NULL
         * and the first failing task's error (key, op and, for remote
         * backends, the rank) is returned. */
        int (*run)(par__backend *b, const par_graph *g, size_t nkeys,
                   const par_key *keys, par_value **out, par_error *err);

        /* Starts running `g` (owned from here, also on failure) for `n`
         * pending futures whose keys are the requested keys, and returns.
         * Each future is finished (par__future_finish) exactly once; after
         * the last, the backend calls par__client_launch_end(). On failure
         * nothing was started and the futures are untouched. */
        int (*launch)(par__backend *b, par_graph *g, size_t n,
                      par_future **futs, par_error *err);

        /* The client summary's text after "Scheduler: " (as snprintf). */
        int (*summary)(const par__backend *b, char *buf, size_t size);

        /* Stops the backend and frees it. Called once no launch is running.
         * The executor (par_client_executor) is freed after this. */
        void (*close)(par__backend *b);
} par__backend_ops;

/* The common head of every backend; implementations embed it first. */
struct par__backend {
        const par__backend_ops *ops;
        par_client *client; /* the client that owns this backend */
};

/* The local backend: the client's executor runs everything. */
int par__backend_local_new(par_client *c, par__backend **out, par_error *err);

/* Persisting on a remote backend (mpi.c). Between par__persist_scope(true)
 * and (false), runs on this thread ask the backend to keep the requested
 * values where they were made; a backend that can (MPI) then returns a
 * *remote value* for each, a small object ("par.remote") naming the rank
 * and its store entry; the local backend ignores the scope. A graph that
 * has a remote value as a literal argument runs that task on its rank,
 * which reads the value from its store. A store entry lives until its
 * remote value is released (FREE) or its client is freed. */
void par__persist_scope(bool on);
bool par__persist_scoped(void);
/* True if v is a remote value; *rows gets its partition's length (rows of
 * a table or ndarray, else -1). */
bool par__remote_rows(const par_value *v, int64_t *rows);

/* A remote value's payload: the rank whose store holds it, under the key
 * and run id that made it there. */
typedef struct par__remote {
        uint64_t session; /* the MPI client (session) that persisted it */
        int rank;
        uint64_t run;
        char *name;
        int64_t index;
        int64_t rows;  /* partition length, or -1 */
        int64_t bytes; /* what the rank holds, as par_value_nbytes */
} par__remote;

/* For backends that cannot read remote values where they are (the local
 * one): if g has remote values as literal arguments, *out gets a copy of
 * g with each replaced by its value, fetched from its rank through the
 * live MPI client that persisted it (which must not be freed meanwhile);
 * else *out is NULL. Errors: PAR_ESTATE (that client is freed), PAR_ENOMEM,
 * and the fetch's own. */
int par__remote_materialize(const par_graph *g, par_graph **out,
                            par_error *err);

/* The payload of a remote value, or NULL if v is not one. */
const par__remote *par__remote_of(const par_value *v);
/* A new remote value (copies key.name); NULL when memory runs out.
 * Releasing its last reference while its session lives frees the value on
 * its rank (the driver sends a FREE). */
par_value *par__remote_new(uint64_t session, int rank, uint64_t run,
                           par_key key, int64_t rows, int64_t bytes);

#endif
