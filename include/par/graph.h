/* par/graph.h — task graphs: keys, arguments, named ops.
 *
 * A task is a key, an op name, and arguments. Arguments are literal values
 * or references to the keys of other tasks; those references are the task's
 * dependencies. Graphs hold op *names*, never function pointers, so a graph
 * means the same thing in another process: an executor resolves each name
 * in the op registry when it runs the graph and refuses names it does not
 * know.
 *
 * Before running, a graph is culled to what the requested keys need,
 * checked (missing keys, cycles, unknown ops), and chains of single-consumer
 * tasks are fused so a partition's pipeline runs as one unit. */
#ifndef PAR_GRAPH_H
#define PAR_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- keys ------------------------------------------------------------ */

/* A key names one task: a name and, for partitions of a collection, an
 * index (as Dask's ('name', 17) tuples). PAR_NO_INDEX marks a plain key. */
#define PAR_NO_INDEX INT64_C(-1)

typedef struct par_key {
        const char *name;
        int64_t index;
} par_key;

static inline par_key par_key_make(const char *name, int64_t index)
{
        par_key k;
        k.name = name;
        k.index = index;
        return k;
}

/* Formats a key as Dask prints it: "name" or "('name', 17)". Returns the
 * length the full text needs, as snprintf. */
PAR_API int par_key_format(par_key key, char *buf, size_t size);

/* Writes "prefix-<16 hex digits>" where the digits hash `n` bytes of
 * `data` (a deterministic token, as Dask's tokenize). Returns the length
 * the full text needs. */
PAR_API int par_key_token(const char *prefix, const void *data, size_t n,
                          char *buf, size_t size);

/* ---- arguments ------------------------------------------------------- */

typedef enum par_arg_kind {
        PAR_ARG_NULL = 0,
        PAR_ARG_BOOL,
        PAR_ARG_INT64,
        PAR_ARG_FLOAT64,
        PAR_ARG_STRING, /* bytes copied when the task is added */
        PAR_ARG_BLOB,   /* bytes copied when the task is added */
        PAR_ARG_VALUE,  /* a par_value; the graph takes its own reference */
        PAR_ARG_KEY,    /* the result of another task */
        PAR_ARG_HANDLE  /* a future or delayed; only where documented */
} par_arg_kind;

/* One argument of a task. Build them with the par_arg_* helpers; the struct
 * is only read during the call it is passed to, so it may live on the
 * caller's stack. */
typedef struct par_arg {
        par_arg_kind kind;
        union {
                bool b;
                int64_t i;
                double f;
                struct {
                        const void *ptr;
                        size_t len;
                } bytes;
                par_value *value;
                par_key key;
                const void *handle;
        } u;
} par_arg;

static inline par_arg par_arg_int64(int64_t v)
{
        par_arg a;
        a.kind = PAR_ARG_INT64;
        a.u.i = v;
        return a;
}

static inline par_arg par_arg_float64(double v)
{
        par_arg a;
        a.kind = PAR_ARG_FLOAT64;
        a.u.f = v;
        return a;
}

static inline par_arg par_arg_bool(bool v)
{
        par_arg a;
        a.kind = PAR_ARG_BOOL;
        a.u.b = v;
        return a;
}

/* A NUL-terminated string, copied when used. */
static inline par_arg par_arg_string(const char *s)
{
        par_arg a;
        a.kind = PAR_ARG_STRING;
        a.u.bytes.ptr = s;
        a.u.bytes.len = 0;
        while (s && s[a.u.bytes.len])
                a.u.bytes.len++;
        return a;
}

static inline par_arg par_arg_blob(const void *p, size_t n)
{
        par_arg a;
        a.kind = PAR_ARG_BLOB;
        a.u.bytes.ptr = p;
        a.u.bytes.len = n;
        return a;
}

/* A value; the receiver takes its own reference, the caller keeps its. */
static inline par_arg par_arg_value(par_value *v)
{
        par_arg a;
        a.kind = PAR_ARG_VALUE;
        a.u.value = v;
        return a;
}

/* The result of the task named `name` (and `index`). */
static inline par_arg par_arg_key(const char *name, int64_t index)
{
        par_arg a;
        a.kind = PAR_ARG_KEY;
        a.u.key.name = name;
        a.u.key.index = index;
        return a;
}

/* ---- ops --------------------------------------------------------------- */

typedef struct par_task_ctx par_task_ctx;

/* An op: called with the task's arguments, key references already replaced
 * by the results of those tasks (borrowed references: do not release them).
 * On success it stores a new reference in *out and returns 0. On failure it
 * returns a negative status, after par_task_fail() has said why. An op must
 * not keep pointers to its arguments after it returns unless it retained
 * them. */
typedef int (*par_op_fn)(par_task_ctx *ctx, size_t nargs,
                         par_value *const *args, par_value **out);

/* Registers `fn` under `name` (copied). Names are dotted; par's built-ins
 * live under "par.". Registering the same name again with the same function
 * is a no-op; with another function it fails with PAR_EEXIST. Thread-safe.
 * Errors: PAR_EINVAL (empty or NULL name or fn), PAR_EEXIST, PAR_ENOMEM. */
PAR_API int par_op_register(const char *name, par_op_fn fn, par_error *err);

/* The function registered under `name`, or NULL. Thread-safe. */
PAR_API par_op_fn par_op_lookup(const char *name);

/* Registers `fn` under `name` when the program starts (before main), so an
 * application's ops are known in every process that runs its binary. */
#define PAR_REGISTER_OP(name, fn)                                           \
        __attribute__((constructor)) static void par__register_##fn(void)  \
        {                                                                   \
                (void)par_op_register((name), (fn), NULL);                  \
        }

/* The running task's key and op name (valid during the call). */
PAR_API par_key par_task_key(const par_task_ctx *ctx);
PAR_API const char *par_task_op(const par_task_ctx *ctx);

/* Records why the task failed and returns `code` (negative), so an op can
 * `return par_task_fail(ctx, PAR_EINVAL, "expected %s", ...)`. The message
 * reaching the caller names the task's key and op before this text. */
PAR_API int par_task_fail(par_task_ctx *ctx, int code, const char *fmt, ...)
#ifdef __GNUC__
        __attribute__((format(printf, 3, 4)))
#endif
        ;

/* True once the computation this task belongs to has been canceled (a
 * sibling task failed, or the caller canceled it). Long ops may poll it and
 * return PAR_ECANCELED early. */
PAR_API bool par_task_canceled(const par_task_ctx *ctx);

/* ---- graphs ------------------------------------------------------------ */

typedef struct par_graph par_graph;

/* A new empty graph, or NULL when memory runs out. Free with
 * par_graph_free(). A graph is not thread-safe: build it from one thread. */
PAR_API par_graph *par_graph_new(void);

/* Frees the graph and the references it holds. NULL is a no-op. */
PAR_API void par_graph_free(par_graph *g);

/* Adds the task `key` = op(args...). Strings, blobs and the key names are
 * copied; value arguments are retained. Adding a key that already exists
 * fails with PAR_EEXIST. Op names are checked when the graph runs, not
 * here. Errors: PAR_EINVAL (NULL name or op, a handle argument),
 * PAR_EEXIST, PAR_ENOMEM. */
PAR_API int par_graph_add(par_graph *g, par_key key, const char *op,
                          size_t nargs, const par_arg *args, par_error *err);

/* Number of tasks in the graph. */
PAR_API size_t par_graph_size(const par_graph *g);

/* True if the graph holds `key`. */
PAR_API bool par_graph_contains(const par_graph *g, par_key key);

/* Writes the graph in Graphviz dot form to `path` (created or truncated).
 * Errors: PAR_EIO with the path and the system's reason. */
PAR_API int par_graph_to_dot(const par_graph *g, const char *path,
                             par_error *err);

/* Statistics of the last compile, for tests and diagnostics. */
typedef struct par_graph_stats {
        size_t tasks;     /* tasks in the graph */
        size_t culled;    /* tasks dropped as not needed */
        size_t fused;     /* tasks merged into a predecessor's unit */
        size_t units;     /* schedulable units after fusion */
} par_graph_stats;

typedef struct par_executor par_executor;

/* Options for running a graph; zero means the default. */
typedef struct par_compute_opts {
        bool no_fuse;  /* keep every task a unit of its own */
        par_graph_stats *stats; /* if set, receives the compile statistics */
} par_compute_opts;

/* Runs the tasks `keys` need on `ex` and blocks until they finish. On
 * success out[i] receives a new reference to the result of keys[i]. On
 * failure every out[i] is NULL, the first failing task's error is returned
 * (its key and op in the message) and the rest of the computation is
 * canceled. The graph is not modified and can be computed again.
 * Errors: PAR_ENOENT (a requested or referenced key is missing),
 * PAR_ECYCLE, PAR_ENOENT (unknown op), PAR_ENOMEM, or the failing task's
 * status. */
PAR_API int par_graph_compute(par_executor *ex, const par_graph *g,
                              size_t nkeys, const par_key *keys,
                              par_value **out, const par_compute_opts *opts,
                              par_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PAR_GRAPH_H */
