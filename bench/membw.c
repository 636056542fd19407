/* bench/membw.c — the machine's memory read bandwidth, STREAM-like: the
 * sum of a float64 array far larger than the caches, split into T equal
 * slices summed by T threads at once (bench membw, impl stream, metric
 * GB_per_s = the array's bytes / 1e9 / seconds of the slowest thread).
 * It is the yardstick of the one-pass benches (xtx, linreg_exact): bench/run
 * runs it in the same rounds, so their GB_per_s can be read against the
 * bandwidth of the same minutes.
 *
 * The loop: eight independent lanes (four 16-byte vectors), so the adds
 * never wait on each other and one core issues loads as fast as memory
 * answers. The array is touched (written) before timing, so no page is
 * faulted in a timed run; each thread reads its own slice, which it also
 * wrote first (first-touch placement).
 *
 * usage: membw [--threads T] [--n N] [--runs R] [--smoke]
 *   N: doubles (default 2^27 = 1 GiB; smoke 2^22) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static const char usage[] =
        "usage: membw [--threads T] [--n N] [--runs R] [--smoke]\n"
        "Memory read bandwidth: T threads sum their slices of an array of N doubles\n"
        "(default 2^27 = 1 GiB); one JSON line, bench membw, impl stream, GB_per_s.\n";

typedef double v2 __attribute__((vector_size(16)));

typedef struct slice {
        double *p;
        long long n;
        double sum;
        pthread_barrier_t *start;
        double ns;
} slice;

static double sum(const double *p, long long n)
{
        v2 a = {0, 0}, b = {0, 0}, c = {0, 0}, d = {0, 0};
        long long i = 0;
        for (; i + 8 <= n; i += 8) {
                v2 x, y, z, w;
                memcpy(&x, p + i, sizeof x);
                memcpy(&y, p + i + 2, sizeof y);
                memcpy(&z, p + i + 4, sizeof z);
                memcpy(&w, p + i + 6, sizeof w);
                a += x;
                b += y;
                c += z;
                d += w;
        }
        a += b + c + d;
        double s = a[0] + a[1];
        for (; i < n; i++)
                s += p[i];
        return s;
}

static void *touch(void *arg)
{
        slice *s = arg;
        for (long long i = 0; i < s->n; i++)
                s->p[i] = (double)(i & 1023);
        return NULL;
}

static void *run(void *arg)
{
        slice *s = arg;
        pthread_barrier_wait(s->start);
        double t0 = bench_now_ns();
        s->sum = sum(s->p, s->n);
        s->ns = bench_now_ns() - t0;
        return NULL;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"stream"};
        bench_opts o;
        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 1, "membw");
        long long n = o.n >= 0 ? o.n : o.smoke ? (1LL << 22) : (1LL << 27);
        int T = o.threads, runs = o.runs > 0 ? o.runs : o.smoke ? 1 : 5;
        if (n < T) {
                fprintf(stderr, "membw: --n must be at least the thread count\n");
                return 2;
        }
        double *p = NULL;
        if (posix_memalign((void **)&p, 64, (size_t)n * sizeof *p) != 0) {
                fprintf(stderr, "membw: out of memory for n = %lld\n", n);
                return 1;
        }
        slice *sl = calloc((size_t)T, sizeof *sl);
        pthread_t *th = calloc((size_t)T, sizeof *th);
        pthread_barrier_t start;
        if (!sl || !th)
                return 1;
        for (int t = 0; t < T; t++) {
                long long lo = n * t / T, hi = n * (t + 1) / T;
                sl[t].p = p + lo;
                sl[t].n = hi - lo;
                sl[t].start = &start;
                pthread_create(&th[t], NULL, touch, &sl[t]);
        }
        for (int t = 0; t < T; t++)
                pthread_join(th[t], NULL);
        /* The expected sum: i & 1023 over each slice. */
        double want = 0;
        for (int t = 0; t < T; t++) {
                long long m = sl[t].n, full = m / 1024, rest = m % 1024;
                want += (double)full * (1023.0 * 1024 / 2) + (double)rest * (rest - 1) / 2;
        }
        double rate[BENCH_MAX_RUNS];
        for (int r = -1; r < runs; r++) { /* run -1: warm-up */
                pthread_barrier_init(&start, NULL, (unsigned)T);
                for (int t = 0; t < T; t++)
                        pthread_create(&th[t], NULL, run, &sl[t]);
                double slow = 0, got = 0;
                for (int t = 0; t < T; t++) {
                        pthread_join(th[t], NULL);
                        slow = sl[t].ns > slow ? sl[t].ns : slow;
                        got += sl[t].sum;
                }
                pthread_barrier_destroy(&start);
                if (got != want) {
                        fprintf(stderr, "membw: sum %.17g, expected %.17g\n", got, want);
                        return 1;
                }
                if (r >= 0)
                        rate[r] = (double)n * 8 / slow; /* bytes per ns = GB/s */
        }
        char extra[64];
        snprintf(extra, sizeof extra, "\"bytes\":%lld", n * 8);
        bench_emit("membw", "stream", T, n, "GB_per_s", rate, runs, extra);
        free(sl);
        free(th);
        free(p);
        return 0;
}
