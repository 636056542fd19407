/* par/mpi.h — the MPI backend: one program under `mpirun -n N`, rank 0
 * driving, ranks 1..N-1 working, as dask-mpi runs Dask.
 *
 *   int main(int argc, char **argv)
 *   {
 *           par_client *c;
 *           par_error err = {0};
 *           int role = par_mpi_init(&argc, &argv, NULL, &c, &err);
 *           if (role < 0) { fprintf(stderr, "%s\n", err.message); return 1; }
 *           if (role == PAR_MPI_WORKER)
 *                   return 0;       // served until rank 0 closed its client
 *           ... use c as any client: bags, frames, arrays, futures ...
 *           par_client_free(c);     // stops the workers, finalizes MPI
 *   }
 *
 * Every rank runs tasks on its own executor (a work-stealing pool by
 * default). Rank 0 compiles each graph, places partition i of every
 * collection on one worker rank and every other task on the rank that
 * holds most of its inputs (so tree reductions combine on the ranks that
 * hold their parts), and ships each worker its own tasks; values move rank
 * to rank directly, and only requested results come to rank 0. A failing
 * task's error reaches the caller as "rank R: task KEY (op OP): ...". Ops
 * are found by name on every rank, so register them in every process
 * (PAR_REGISTER_OP) before par_mpi_init.
 *
 * Several clients, one after another, in one MPI world (MPI can be
 * initialized once per process):
 *
 *           int role = par_mpi_start(&argc, &argv, NULL, &err);
 *           if (role == PAR_MPI_WORKER)
 *                   return 0;       // served every client until finish
 *           for (...) {
 *                   par_mpi_client_new(&c, &err);   // a session
 *                   ...
 *                   par_client_free(c);   // ends the session, not MPI
 *           }
 *           par_mpi_finish(&err);   // stops the workers, finalizes MPI
 *
 * Each client is a *session* on the workers: what it persists stays on
 * their stores until released (or until the client is freed, which drops
 * all of it), and a failure in one session leaves the next unaffected.
 *
 * Without MPI at build time (meson -Dmpi=disabled or no MPI found), every
 * function here but par_mpi_available fails with PAR_ENOTSUP and
 * par_mpi_available() is false. */
#ifndef PAR_MPI_H
#define PAR_MPI_H

#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* par_mpi_init's non-negative results. */
enum par_mpi_role {
        PAR_MPI_DRIVER = 0, /* rank 0: *out is the client */
        PAR_MPI_WORKER = 1  /* rank >= 1: served and finished; exit main */
};

/* Options; zero means the default. */
typedef struct par_mpi_opts {
        par_exec_kind executor; /* each rank's executor (default: the pool) */
        int threads;            /* per rank; 0: PAR_NUM_THREADS, else CPUs */
} par_mpi_opts;

/* par_mpi_start, then on rank 0 par_mpi_client_new: the one-client form.
 *
 * On rank 0 returns PAR_MPI_DRIVER with *out a new client whose backend is
 * MPI; par_client_free() on it also does par_mpi_finish: it tells the
 * workers to stop and finalizes MPI if par_mpi_init initialized it. On ranks >= 1 it serves as a worker until
 * rank 0 frees its client, finalizes MPI likewise and returns
 * PAR_MPI_WORKER with *out NULL; the program should then leave main.
 * A single rank (no mpirun) gets a driver that runs everything itself.
 * Rank 0 runs no tasks when there are workers, and runs one computation
 * across the ranks at a time (futures queue). Free the client on the
 * thread that called par_mpi_init (MPI_Finalize wants that thread), and
 * do not compute on it from inside an op or a future's callback.
 *
 * Errors (all ranks): PAR_ENOTSUP (built without MPI, or MPI gives less
 * than MPI_THREAD_SERIALIZED), PAR_EINVAL, PAR_ENOMEM, PAR_ESYS (an MPI
 * call failed; the message names the call, the rank and MPI's reason).
 * par never calls MPI_Abort. */
PAR_API int par_mpi_init(int *argc, char ***argv, const par_mpi_opts *opts,
                         par_client **out, par_error *err);

/* Starts the MPI world: initializes MPI (unless the program already did,
 * with at least MPI_THREAD_SERIALIZED) and takes this process's role.
 *
 * On rank 0 returns PAR_MPI_DRIVER at once; make clients with
 * par_mpi_client_new and end the world with par_mpi_finish. On ranks >= 1
 * it serves every client rank 0 makes, each as a session of its own,
 * until rank 0 calls par_mpi_finish; then it finalizes MPI (if it
 * initialized it) and returns PAR_MPI_WORKER: the program should leave
 * main. `opts` (NULL: defaults) sets every rank's executor; on rank 0 it
 * is the executor of the clients (used only when there is a single rank).
 * Once per process: a second call, or one after MPI was finalized, fails
 * with PAR_ESTATE.
 *
 * Errors as par_mpi_init's, plus PAR_ESTATE. */
PAR_API int par_mpi_start(int *argc, char ***argv, const par_mpi_opts *opts,
                          par_error *err);

/* Rank 0, after par_mpi_start: *out gets a new client over the running
 * world (a new session on every worker). One client at a time: while one
 * is live, this fails with PAR_ESTATE. par_client_free() on it ends the
 * session: the workers drop everything it persisted and wait for the next
 * client; MPI keeps running. Free it on any thread, but not from inside
 * one of its ops or callbacks. Values persisted by an earlier client
 * cannot be read by a later one (PAR_ESTATE naming both sessions).
 *
 * Errors: PAR_EINVAL (out NULL), PAR_ESTATE (not started here, a worker
 * rank, or a client is live), PAR_ENOMEM, PAR_ESYS. */
PAR_API int par_mpi_client_new(par_client **out, par_error *err);

/* Rank 0: stops the workers (they return PAR_MPI_WORKER from
 * par_mpi_start) and finalizes MPI if par_mpi_start initialized it. Call
 * it on the thread that called par_mpi_start (MPI_Finalize wants that
 * thread) once the last client is freed.
 *
 * Errors: PAR_ESTATE (not started, already finished, or a client is still
 * live: free it first), PAR_ESYS (a send failed; MPI is finalized
 * anyway). */
PAR_API int par_mpi_finish(par_error *err);

/* How many values worker `rank` (-1: all workers, summed) holds persisted
 * for MPI client c, and their size in bytes (par_value_nbytes). Releasing
 * a persisted collection (its last reference) frees its partitions on
 * the workers; this asks every worker, after any such frees, so it is
 * exact. A single-rank world holds nothing remotely (0, 0). Either
 * pointer may be NULL.
 *
 * Errors: PAR_EINVAL (c is not an MPI client, or rank is not a worker's),
 * PAR_ENOMEM, PAR_ESYS. */
PAR_API int par_mpi_stored(par_client *c, int rank, int64_t *values,
                           int64_t *bytes, par_error *err);

/* True when this build has the MPI backend. */
PAR_API bool par_mpi_available(void);

#ifdef __cplusplus
}
#endif
#endif /* PAR_MPI_H */
