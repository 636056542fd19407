/* Facts about the machine, the clock, and the hash used for keys. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "core/internal.h"

int par_cpu_count(void)
{
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (int)n : 1;
}

uint64_t par_memory_total(void)
{
        long pages = sysconf(_SC_PHYS_PAGES);
        long size = sysconf(_SC_PAGE_SIZE);
        if (pages <= 0 || size <= 0)
                return 0;
        return (uint64_t)pages * (uint64_t)size;
}

uint64_t par_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t par__hash_bytes(const void *data, size_t n, uint64_t seed)
{
        /* Eight bytes at a time through the SplitMix64 finalizer; the tail
         * is padded with its length so "a" and "a\0" differ. Not
         * cryptographic: keys need spread, not secrecy. */
        const unsigned char *p = data;
        uint64_t h = par__hash_mix(seed ^ (n * UINT64_C(0x9e3779b97f4a7c15)));
        while (n >= 8) {
                uint64_t w;
                memcpy(&w, p, 8);
                h = par__hash_mix(h ^ w) + UINT64_C(0x9e3779b97f4a7c15);
                p += 8;
                n -= 8;
        }
        uint64_t w = (uint64_t)n << 56;
        for (size_t i = 0; i < n; i++)
                w |= (uint64_t)p[i] << (8 * i);
        return par__hash_mix(h ^ w);
}

ssize_t par__pread_full(int fd, void *buf, size_t n, int64_t off)
{
        size_t got = 0;
        while (got < n) {
                ssize_t r = pread(fd, (char *)buf + got, n - got,
                                  (off_t)(off + (int64_t)got));
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                if (r == 0)
                        break;
                got += (size_t)r;
        }
        return (ssize_t)got;
}
