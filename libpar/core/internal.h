/* libpar/core/internal.h — helpers shared by every part of the library:
 * allocation through the user's allocator hook, error reporting, hashing.
 * Not installed. */
#ifndef PAR_CORE_INTERNAL_H
#define PAR_CORE_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "par/core.h"

/* Allocation: every allocation of the library goes through these, so the
 * allocator hook (and its fault injection in tests) sees all of them. */
void *par__malloc(size_t n);
void *par__calloc(size_t count, size_t size);
void *par__realloc(void *p, size_t n);
void par__free(void *p);
char *par__strndup(const char *s, size_t n);
char *par__strdup(const char *s);

/* Zeroed memory aligned to `align` (a power of two); free with
 * par__free_aligned. */
void *par__malloc_aligned(size_t n, size_t align);
void par__free_aligned(void *p);

/* Grows *buf (of *cap elements of `elem` bytes) to hold at least `need`
 * elements, doubling. Returns 0 or PAR_ENOMEM (the buffer is unchanged). */
int par__grow(void **buf, size_t *cap, size_t need, size_t elem);

/* Fills `err` (if not NULL) with code and a formatted message and returns
 * code. The PAR__ERR macro prefixes the library's source position only in
 * debug builds; messages speak of the user's inputs, not our files. */
int par__errorf(par_error *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int par__verrorf(par_error *err, int code, const char *fmt, va_list ap);

/* Prepends "prefix: " to an error message already in err. */
void par__error_prefix(par_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#define PAR__ENOMEM(err, what) \
        par__errorf((err), PAR_ENOMEM, "out of memory while %s", (what))

/* Reads n bytes at offset off of fd, retrying short reads and EINTR;
 * fewer only at the end of the file. Returns the count, or -1 (errno). */
ssize_t par__pread_full(int fd, void *buf, size_t n, int64_t off);

/* 64-bit hash of bytes (deterministic across processes and runs). */
uint64_t par__hash_bytes(const void *data, size_t n, uint64_t seed);

static inline uint64_t par__hash_mix(uint64_t x)
{
        /* The finalizer of SplitMix64: a bijection that spreads every input
         * bit over the output. */
        x ^= x >> 30;
        x *= UINT64_C(0xbf58476d1ce4e5b9);
        x ^= x >> 27;
        x *= UINT64_C(0x94d049bb133111eb);
        x ^= x >> 31;
        return x;
}

#define PAR__LIKELY(x) __builtin_expect(!!(x), 1)
#define PAR__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PAR__CACHELINE 64

#endif
