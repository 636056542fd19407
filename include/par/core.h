/* par/core.h — status codes, the error struct, version and allocator hook.
 *
 * Every fallible par function returns an int status: 0 (PAR_OK) on success,
 * a negative PAR_E* code on failure. Most also take an optional
 * `par_error *err`; when it is not NULL it receives a message that names
 * what failed, where (file:line, task key, op) and what was expected.
 * Passing NULL is always allowed. par never aborts or exits on bad input or
 * on a failing system call. */
#ifndef PAR_CORE_H
#define PAR_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PAR_BUILDING_LIBRARY) && defined(__GNUC__)
#define PAR_API __attribute__((visibility("default")))
#else
#define PAR_API
#endif

#define PAR_VERSION_MAJOR 0
#define PAR_VERSION_MINOR 1
#define PAR_VERSION_PATCH 0
#define PAR_VERSION_STRING "0.1.0"

/* The status codes, with their names and meanings, from one list. */
#define PAR_STATUS_MAP(X)                                                   \
        X(OK, 0, "success")                                                 \
        X(EINVAL, -1, "invalid argument")                                   \
        X(ENOMEM, -2, "out of memory")                                      \
        X(EIO, -3, "input/output error")                                    \
        X(ENOENT, -4, "not found")                                          \
        X(ETYPE, -5, "wrong type")                                          \
        X(ECANCELED, -6, "canceled")                                        \
        X(ETASK, -7, "a task failed")                                       \
        X(ESYS, -8, "a system call failed")                                 \
        X(EPARSE, -9, "malformed input")                                    \
        X(ENOTSUP, -10, "not supported")                                    \
        X(ERANGE, -11, "out of range")                                      \
        X(ESTATE, -12, "invalid state")                                     \
        X(ECYCLE, -13, "the graph has a cycle")                             \
        X(EEXIST, -14, "already exists")                                    \
        X(ETIMEDOUT, -15, "timed out")

enum par_status {
#define PAR__STATUS_ENUM(name, value, text) PAR_##name = (value),
        PAR_STATUS_MAP(PAR__STATUS_ENUM)
#undef PAR__STATUS_ENUM
};

#define PAR_ERROR_MESSAGE_SIZE 512

/* Receives the details of a failure. Zero-initialize it (`par_error e = {0};`).
 * `code` is the status returned; `message` is NUL-terminated and already
 * includes the context (file:line, key, op). */
typedef struct par_error {
        int code;
        char message[PAR_ERROR_MESSAGE_SIZE];
} par_error;

/* The symbolic name of a status ("PAR_EINVAL"), or "PAR_E?" if unknown.
 * The string is static. */
PAR_API const char *par_status_name(int status);

/* A short English description of a status; static string. */
PAR_API const char *par_strerror(int status);

/* Resets `err` to the no-error state. NULL is a no-op. */
PAR_API void par_error_clear(par_error *err);

/* The library's version, "MAJOR.MINOR.PATCH"; static string. */
PAR_API const char *par_version(void);

/* The memory allocator par uses for all its own allocations. Functions get
 * the `ud` pointer given here. `realloc(p, 0)` is never called; `free(NULL)`
 * may be. Tests use this to inject out-of-memory failures: every par
 * function must then fail cleanly with PAR_ENOMEM and leak nothing. */
typedef struct par_allocator {
        void *(*malloc)(size_t size, void *ud);
        void *(*realloc)(void *ptr, size_t size, void *ud);
        void (*free)(void *ptr, void *ud);
        void *ud;
} par_allocator;

/* Installs `a` (copied), or restores the C library's allocator when `a` is
 * NULL. Call it only while no par object exists and no par call is running:
 * memory must be freed by the allocator that gave it. */
PAR_API void par_set_allocator(const par_allocator *a);

/* Number of online CPUs; at least 1. */
PAR_API int par_cpu_count(void);

/* Physical memory in bytes, or 0 if unknown. */
PAR_API uint64_t par_memory_total(void);

/* Monotonic clock in nanoseconds. */
PAR_API uint64_t par_now_ns(void);

#ifdef __cplusplus
}
#endif
#endif /* PAR_CORE_H */
