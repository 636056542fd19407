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
 * Without MPI at build time (meson -Dmpi=disabled or no MPI found),
 * par_mpi_init fails with PAR_ENOTSUP and par_mpi_available() is false. */
#ifndef PAR_MPI_H
#define PAR_MPI_H

#include <stdbool.h>

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

/* Initializes MPI (unless the program already did, with at least
 * MPI_THREAD_SERIALIZED) and takes this process's role.
 *
 * On rank 0 returns PAR_MPI_DRIVER with *out a new client whose backend is
 * MPI; par_client_free() on it tells the workers to stop and finalizes MPI
 * if par_mpi_init initialized it. On ranks >= 1 it serves as a worker until
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

/* True when this build has the MPI backend. */
PAR_API bool par_mpi_available(void);

#ifdef __cplusplus
}
#endif
#endif /* PAR_MPI_H */
