/* The allocator hook. Every allocation of the library goes through here so
 * that tests can make the n-th allocation fail and check that each caller
 * fails cleanly and leaks nothing. */
#include <stdlib.h>

#include "core/internal.h"

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
        if (a && a->malloc && a->realloc && a->free)
                alloc = *a;
        else
                alloc = (par_allocator){sys_malloc, sys_realloc, sys_free, NULL};
}

void *par__malloc(size_t n)
{
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
        return alloc.realloc(p, n ? n : 1, alloc.ud);
}

void par__free(void *p)
{
        if (p)
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
