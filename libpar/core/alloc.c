/* The allocator hook. Every allocation of the library goes through here so
 * that tests can make the n-th allocation fail and check that each caller
 * fails cleanly and leaks nothing. */
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/internal.h"

/* Large blocks are recycled. Partitions come and go in blocks of
 * megabytes (a text block, a CSV buffer, a column, a partition received
 * from another rank), and glibc gives every block above its mmap
 * threshold fresh pages and unmaps them on free; on virtual machines a
 * fresh page costs microseconds (about 12 us here), so a 64 MiB block
 * costs more to fault in than to fill, and a rank receiving partitions
 * from others at several GB/s would spend most of its time faulting.
 * Freed blocks of at least LARGE bytes are kept (up to CACHE_SLOTS of
 * them and cache_budget() bytes in all: an eighth of the physical memory,
 * between 256 MiB and 2 GiB) and handed out again for requests they fit
 * without wasting more than half. Kept blocks were in use a moment
 * before, so the peak memory does not grow; what is kept is returned at
 * exit or when the allocator changes. Only with the C library's
 * allocator: an installed allocator sees every call. */
#define LARGE ((size_t)1 << 20)
#define CACHE_SLOTS 256

static size_t cache_budget(void)
{
        static size_t budget; /* computed once, under cache_lock */
        if (!budget) {
                long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
                size_t b = pages > 0 && size > 0
                                   ? (size_t)pages / 8 * (size_t)size
                                   : (size_t)256 << 20;
                if (b < ((size_t)256 << 20))
                        b = (size_t)256 << 20;
                if (b > ((size_t)2 << 30))
                        b = (size_t)2 << 30;
                budget = b;
        }
        return budget;
}

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
        void *p;
        size_t size;
} cache[CACHE_SLOTS];
static size_t cache_n, cache_total;
static bool system_alloc = true;

static void *cache_take(size_t n)
{
        void *p = NULL;
        pthread_mutex_lock(&cache_lock);
        size_t best = CACHE_SLOTS;
        for (size_t i = 0; i < cache_n; i++)
                if (cache[i].size >= n && cache[i].size <= 2 * n &&
                    (best == CACHE_SLOTS || cache[i].size < cache[best].size))
                        best = i;
        if (best != CACHE_SLOTS) {
                p = cache[best].p;
                cache_total -= cache[best].size;
                memmove(&cache[best], &cache[best + 1],
                        (--cache_n - best) * sizeof cache[0]);
        }
        pthread_mutex_unlock(&cache_lock);
        return p;
}

/* Keeps p if there is room; returns false if the caller must free it. */
static bool cache_put(void *p, size_t size)
{
        bool kept = false;
        pthread_mutex_lock(&cache_lock);
        size_t budget = cache_budget();
        if (size <= budget / 2) {
                /* Make room by dropping the oldest entries. */
                while (cache_n && (cache_n == CACHE_SLOTS ||
                                   cache_total + size > budget)) {
                        free(cache[0].p);
                        cache_total -= cache[0].size;
                        memmove(&cache[0], &cache[1],
                                --cache_n * sizeof cache[0]);
                }
                cache[cache_n].p = p;
                cache[cache_n].size = size;
                cache_n++;
                cache_total += size;
                kept = true;
        }
        pthread_mutex_unlock(&cache_lock);
        return kept;
}

/* Frees the kept blocks (at exit, and when the allocator changes). */
static void cache_flush(void)
{
        pthread_mutex_lock(&cache_lock);
        for (size_t i = 0; i < cache_n; i++)
                free(cache[i].p);
        cache_n = 0;
        cache_total = 0;
        pthread_mutex_unlock(&cache_lock);
}

__attribute__((destructor)) static void alloc_fini(void)
{
        cache_flush();
}

/* Faults in the pages of a fresh large block [p, p + n) with one call.
 * On this kind of virtual machine a page faulted by a first touch costs
 * about 12 us, one populated by MADV_POPULATE_WRITE (Linux 5.14) about
 * 0.6 us; older kernels refuse the advice and the pages fault as before. */
static void populate(void *p, size_t n)
{
#if defined(__linux__)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
        const uintptr_t page = 4096;
        uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
        uintptr_t e = ((uintptr_t)p + n) & ~(page - 1);
        if (e > a)
                (void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
        (void)p;
        (void)n;
#endif
}

static void *sys_malloc(size_t n, void *ud)
{
        (void)ud;
        return malloc(n);
}

static void *sys_realloc(void *p, size_t n, void *ud)
{
        (void)ud;
        return realloc(p, n);
}

static void sys_free(void *p, void *ud)
{
        (void)ud;
        free(p);
}

/* Read on every allocation and written only while no par object exists
 * (the documented contract of par_set_allocator), so no lock is needed. */
static par_allocator alloc = {sys_malloc, sys_realloc, sys_free, NULL};

void par_set_allocator(const par_allocator *a)
{
        cache_flush();
        if (a && a->malloc && a->realloc && a->free) {
                alloc = *a;
                system_alloc = false;
        } else {
                alloc = (par_allocator){sys_malloc, sys_realloc, sys_free, NULL};
                system_alloc = true;
        }
}

void *par__malloc(size_t n)
{
        if (n >= LARGE && system_alloc) {
                void *p = cache_take(n);
                if (!p && (p = alloc.malloc(n, alloc.ud)) != NULL)
                        populate(p, n);
                return p;
        }
        return alloc.malloc(n ? n : 1, alloc.ud);
}

void *par__calloc(size_t count, size_t size)
{
        if (size && count > SIZE_MAX / size)
                return NULL;
        size_t n = count * size;
        void *p = par__malloc(n);
        if (p)
                memset(p, 0, n ? n : 1);
        return p;
}

void *par__realloc(void *p, size_t n)
{
        if (!p)
                return par__malloc(n);
        if (n >= LARGE && system_alloc) {
                /* Growing into a recycled block costs a copy; growing in
                 * place (glibc's mremap) costs a page fault per new page,
                 * which on virtual machines is far more. */
                size_t old = malloc_usable_size(p);
                if (n <= old)
                        return p;
                void *q = cache_take(n);
                if (q) {
                        memcpy(q, p, old);
                        par__free(p);
                        return q;
                }
                q = alloc.realloc(p, n, alloc.ud);
                if (q)
                        populate((char *)q + old, n - old);
                return q;
        }
        return alloc.realloc(p, n ? n : 1, alloc.ud);
}

void par__free(void *p)
{
        if (!p)
                return;
        if (system_alloc) {
                size_t size = malloc_usable_size(p);
                if (size >= LARGE && cache_put(p, size))
                        return;
        }
        alloc.free(p, alloc.ud);
}

char *par__strndup(const char *s, size_t n)
{
        char *d = par__malloc(n + 1);
        if (!d)
                return NULL;
        memcpy(d, s, n);
        d[n] = '\0';
        return d;
}

char *par__strdup(const char *s)
{
        return par__strndup(s, strlen(s));
}

int par__grow(void **buf, size_t *cap, size_t need, size_t elem)
{
        if (need <= *cap)
                return 0;
        size_t ncap = *cap ? *cap : 8;
        while (ncap < need) {
                if (ncap > SIZE_MAX / 2 / elem)
                        return PAR_ENOMEM;
                ncap *= 2;
        }
        void *p = par__realloc(*buf, ncap * elem);
        if (!p)
                return PAR_ENOMEM;
        *buf = p;
        *cap = ncap;
        return 0;
}

void *par__malloc_aligned(size_t n, size_t align)
{
        /* Over-allocate and keep the original pointer just below the
         * aligned block, so par__free_aligned can find it. */
        if (n > SIZE_MAX - align - sizeof(void *))
                return NULL;
        char *raw = par__malloc(n + align + sizeof(void *));
        if (!raw)
                return NULL;
        uintptr_t a = ((uintptr_t)(raw + sizeof(void *)) + align - 1) &
                      ~(uintptr_t)(align - 1);
        ((void **)a)[-1] = raw;
        memset((void *)a, 0, n);
        return (void *)a;
}

void par__free_aligned(void *p)
{
        if (p)
                par__free(((void **)p)[-1]);
}
