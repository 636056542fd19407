/* par/exec.h — executors and fork-join parallelism.
 *
 * An executor runs work on threads. Three share this interface:
 *
 *   PAR_EXEC_POOL    the work-stealing pool: one Chase-Lev deque per worker,
 *                    random-victim stealing, an injection queue for threads
 *                    outside the pool, idle workers parked (no CPU used);
 *   PAR_EXEC_SERIAL  everything inline on the calling thread, in a fixed
 *                    order (deterministic; for debugging and tests);
 *   PAR_EXEC_OPENMP  OpenMP tasks (the compiler's runtime), so the pool can
 *                    be measured against OpenMP in the same run.
 *
 * Inside work run by an executor, par_spawn()/par_group_wait() and
 * par_for() give nested fork-join parallelism. A worker that waits keeps
 * running other tasks, so nesting never deadlocks. Called from a thread
 * that runs no executor work, they run inline. */
#ifndef PAR_EXEC_H
#define PAR_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum par_exec_kind {
        PAR_EXEC_DEFAULT = 0, /* the pool */
        PAR_EXEC_POOL,
        PAR_EXEC_SERIAL,
        PAR_EXEC_OPENMP
} par_exec_kind;

/* Options; zero means the default. */
typedef struct par_executor_opts {
        par_exec_kind kind;
        /* Worker threads. 0: the PAR_NUM_THREADS environment variable if
         * set, else the number of online CPUs. Ignored by SERIAL. */
        int threads;
} par_executor_opts;

typedef struct par_executor par_executor;

/* Starts an executor. On success *out owns it; free with
 * par_executor_free(). Errors: PAR_EINVAL (bad kind or thread count, or a
 * malformed PAR_NUM_THREADS), PAR_ENOTSUP (OpenMP not built in), PAR_ESYS
 * (a thread could not be started), PAR_ENOMEM. */
PAR_API int par_executor_new(const par_executor_opts *opts, par_executor **out,
                             par_error *err);

/* Stops the workers and frees the executor. Work must have finished (every
 * par_executor_run and graph computation returned). NULL is a no-op. */
PAR_API void par_executor_free(par_executor *ex);

PAR_API par_exec_kind par_executor_kind(const par_executor *ex);

/* "pool", "serial" or "openmp"; static string. */
PAR_API const char *par_executor_name(const par_executor *ex);

/* Number of worker threads (1 for SERIAL). */
PAR_API int par_executor_threads(const par_executor *ex);

/* Runs fn(arg) on the executor and blocks until it and everything it
 * spawned (and waited for) has finished. May be called from any thread,
 * including from inside executor work (then it runs inline). */
PAR_API void par_executor_run(par_executor *ex, void (*fn)(void *arg), void *arg);

/* ---- fork-join --------------------------------------------------------- */

/* A group of spawned jobs to wait for. Zero-initialize (or
 * par_group_init) before the first spawn; the fields are private. */
typedef struct par_group {
        long pending; /* accessed atomically by the library only */
} par_group;

/* A spawned job's storage. It belongs to the spawner, usually on its stack,
 * and must stay alive until par_group_wait() on its group returns. The
 * fields are private. */
typedef struct par_job {
        void (*run)(struct par_job *self);
        void (*fn)(void *arg);
        void *arg;
        par_group *group;
} par_job;

static inline void par_group_init(par_group *g)
{
        g->pending = 0;
}

/* Makes fn(arg) runnable by any worker, as a member of `group`, using `job`
 * as its storage. The caller goes on; par_group_wait() joins. On the pool
 * the job goes on the calling worker's own deque (no locks, no allocation);
 * thieves take the oldest jobs first. */
PAR_API void par_spawn(par_group *group, par_job *job, void (*fn)(void *arg),
                       void *arg);

/* Returns when every job spawned into `group` has finished. While waiting,
 * the thread runs other jobs, its own newest first. */
PAR_API void par_group_wait(par_group *group);

/* Calls fn(ctx, lo, hi) over disjoint subranges covering [begin, end), in
 * parallel, and returns when all have finished. Ranges are split in halves
 * on demand until they are at most `grain` long (0: chosen from the range
 * and thread count), so a steal hands over half of what is left rather than
 * one index. */
PAR_API void par_for(int64_t begin, int64_t end, int64_t grain,
                     void (*fn)(void *ctx, int64_t lo, int64_t hi), void *ctx);

/* par_for() on executor `ex`, callable from any thread (for example the
 * application's main thread, outside the pool): blocks until done. */
PAR_API void par_executor_for(par_executor *ex, int64_t begin, int64_t end,
                              int64_t grain,
                              void (*fn)(void *ctx, int64_t lo, int64_t hi),
                              void *ctx);

/* The executor running the calling thread's current work, or NULL outside
 * any executor. */
PAR_API par_executor *par_executor_current(void);

/* Index of the calling worker thread in [0, threads), or -1 outside. */
PAR_API int par_worker_index(void);

#ifdef __cplusplus
}
#endif
#endif /* PAR_EXEC_H */
