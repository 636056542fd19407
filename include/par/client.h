/* par/client.h — the client, futures and delayed calls.
 *
 * A client owns a backend that runs graphs: the local one (an executor in
 * this process, par_client_new) or MPI (ranks of one program, see
 * par/mpi.h). Collections, futures and delayed calls do not know which
 * backend runs them. Work reaches it two ways:
 *
 *   futures  par_client_submit() starts a task at once and returns a
 *            handle; par_future_result() blocks for its value.
 *   delayed  par_delayed_call() records a call without running it; calls
 *            compose into a graph, and par_compute() runs many of them at
 *            once, sharing the intermediates they have in common.
 *
 * Keys are the op name's last part and a hash ("squared-3f2a9c41d07e5b66")
 * so errors and logs can name them. A delayed call's hash covers only the
 * op and its arguments, so equal calls share a key and run once; each
 * submit gets a key of its own. */
#ifndef PAR_CLIENT_H
#define PAR_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "exec.h"
#include "graph.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct par_client par_client;
typedef struct par_future par_future;
typedef struct par_delayed par_delayed;

/* Options; zero means the default. */
typedef struct par_client_opts {
        par_exec_kind executor; /* PAR_EXEC_DEFAULT: the work-stealing pool */
        int threads;            /* 0: PAR_NUM_THREADS, else online CPUs */
} par_client_opts;

/* Starts a local client: an executor of the given kind in this process.
 * *out owns it; free with par_client_free(). Errors: as
 * par_executor_new(). */
PAR_API int par_client_new(const par_client_opts *opts, par_client **out,
                           par_error *err);

/* Waits for the client's running work, then stops it. Futures stay valid
 * (a future whose task had not run is canceled). NULL is a no-op. */
PAR_API void par_client_free(par_client *c);

/* The executor the client runs on (borrowed). */
PAR_API par_executor *par_client_executor(par_client *c);

/* One line describing the client, as Dask prints a Client: the backend,
 * workers, threads, cores and memory, e.g.
 * "Scheduler: local (pool)  Workers: 1  Threads: 2  Cores: 2  Memory: 25.20 GB"
 * "Scheduler: mpi (3 ranks, pool)  Workers: 2  Threads: 4  Cores: 4  Memory: 50.40 GB".
 * Returns the length the full line needs, as snprintf. */
PAR_API int par_client_summary(const par_client *c, char *buf, size_t size);

/* Runs the tasks `keys` need on the client's backend and blocks, as
 * par_graph_compute does on an executor: on success out[i] gets a new
 * reference to the value of keys[i]; on failure none, and the first
 * failing task's error (its key, op and, on MPI, rank) is returned. The
 * graph is borrowed and not modified. Errors: PAR_EINVAL, as
 * par_graph_compute, PAR_ESYS (the backend's transport failed). */
PAR_API int par_client_graph_compute(par_client *c, const par_graph *g,
                                     size_t nkeys, const par_key *keys,
                                     par_value **out, par_error *err);

/* The name of the client's backend: "local" or "mpi" (static string). */
PAR_API const char *par_client_backend(const par_client *c);

/* ---- futures ----------------------------------------------------------- */

/* Runs op(args...) on the client's backend and returns at once. *out
 * receives a new future (release it with par_future_release). Arguments may
 * be futures (par_arg_future): the task starts when they have finished and
 * gets their results; if one failed or was canceled, so is this one. On the
 * serial and OpenMP executors the task runs before this returns.
 * Errors: PAR_EINVAL, PAR_ENOENT (op not registered), PAR_ENOMEM. */
PAR_API int par_client_submit(par_client *c, const char *op, size_t nargs,
                              const par_arg *args, par_future **out,
                              par_error *err);

/* An argument that stands for the future's result. */
static inline par_arg par_arg_future(const par_future *f)
{
        par_arg a;
        a.kind = PAR_ARG_HANDLE;
        a.u.handle = f;
        return a;
}

typedef enum par_future_state {
        PAR_FUTURE_PENDING = 0,
        PAR_FUTURE_FINISHED,
        PAR_FUTURE_ERROR,
        PAR_FUTURE_CANCELED
} par_future_state;

/* Blocks until the future is done. On success *out gets a new reference to
 * the result. On failure *out is NULL, `err` receives the task's message
 * (which names its key) and the task's status is returned; PAR_ECANCELED
 * if the future was canceled. */
PAR_API int par_future_result(par_future *f, par_value **out, par_error *err);

/* Blocks until the future is done or `timeout_s` seconds pass (negative:
 * no limit). Returns 0 when done, PAR_ETIMEDOUT otherwise. */
PAR_API int par_future_wait(par_future *f, double timeout_s);

PAR_API par_future_state par_future_state_of(const par_future *f);
PAR_API bool par_future_done(const par_future *f);

/* The future's key (name valid while the future lives). */
PAR_API par_key par_future_key(const par_future *f);

/* Cancels the task if it has not started: the future becomes CANCELED and
 * so do futures that depend on it. A running task finishes, but its result
 * is dropped. Returns 0 if the future ended canceled, PAR_ESTATE if it had
 * already finished. */
PAR_API int par_future_cancel(par_future *f);

/* Reference counting; release of NULL is a no-op. */
PAR_API par_future *par_future_retain(par_future *f);
PAR_API void par_future_release(par_future *f);

/* Waits for all `n` futures. On success out[i] receives a new reference to
 * the result of futs[i]. On failure no reference is returned (all out[i]
 * NULL) and the first failed future's error is. */
PAR_API int par_gather(size_t n, par_future *const *futs, par_value **out,
                       par_error *err);

/* Iterates over futures in the order they finish. */
typedef struct par_as_completed par_as_completed;

/* Starts watching `n` futures (each retained until the iterator is freed).
 * Errors: PAR_EINVAL, PAR_ENOMEM. */
PAR_API int par_as_completed_new(size_t n, par_future *const *futs,
                                 par_as_completed **out, par_error *err);

/* Blocks until one more watched future is done and stores its index in
 * *index. Returns 0, or PAR_ENOENT once every future has been returned. */
PAR_API int par_as_completed_next(par_as_completed *ac, size_t *index);

/* Frees the iterator. NULL is a no-op. */
PAR_API void par_as_completed_free(par_as_completed *ac);

/* ---- delayed ----------------------------------------------------------- */

/* Records op(args...) without running it. Arguments may be other delayed
 * calls (par_arg_delayed), whose results they stand for. *out receives a
 * new reference; the delayed keeps references to the calls it uses. Its
 * key is "<op's last name part>-<hash of op and arguments>", so equal
 * calls have equal keys and are computed once per par_compute().
 * Errors: PAR_EINVAL (NULL op, a future argument), PAR_ENOMEM. */
PAR_API int par_delayed_call(const char *op, size_t nargs, const par_arg *args,
                             par_delayed **out, par_error *err);

static inline par_arg par_arg_delayed(const par_delayed *d)
{
        par_arg a;
        a.kind = PAR_ARG_HANDLE;
        a.u.handle = d;
        return a;
}

/* The delayed call's key (valid while it lives). */
PAR_API par_key par_delayed_key(const par_delayed *d);

PAR_API par_delayed *par_delayed_retain(par_delayed *d);
PAR_API void par_delayed_release(par_delayed *d);

/* Adds the tasks of `d` and of every call it depends on to `g` (tasks
 * already present are kept). Used by collections; errors: PAR_ENOMEM. */
PAR_API int par_delayed_to_graph(const par_delayed *d, par_graph *g,
                                 par_error *err);

/* Computes `n` delayed calls together, each shared intermediate once, and
 * blocks. On success out[i] gets a new reference to the result of ds[i];
 * on failure none (the first failing task's error is returned). */
PAR_API int par_compute(par_client *c, size_t n, par_delayed *const *ds,
                        par_value **out, par_error *err);

/* Starts computing `n` delayed calls and returns futures (out[i] for
 * ds[i], new references) at once, as Dask's client.compute. */
PAR_API int par_client_compute(par_client *c, size_t n, par_delayed *const *ds,
                               par_future **out, par_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PAR_CLIENT_H */
