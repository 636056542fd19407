/* tests/test_rng.c — the counter-based random streams (kernels/rng.h).
 *
 *   - Philox4x32-10 against the known-answer vectors of Random123 (Salmon
 *     et al., SC 2011), and the documented stream layout (element i from
 *     block i/2 of key = seed, counter = (i/2, stream));
 *   - purity: fills at odd offsets and lengths splice exactly, single
 *     elements equal the same elements of a long fill, offsets wrap at 2^64;
 *   - threads: two pthreads filling the two halves of a range (split at an
 *     odd point) give the bits of one single-thread fill;
 *   - code paths: a child process with PAR_RNG_ISA=generic (the portable C
 *     path) must reproduce the same golden checksums as this process (the
 *     AVX2 path where the CPU has it); the checksums also freeze the
 *     streams, which must never change silently;
 *   - statistics (fixed seeds, so deterministic; bounds at 5 standard
 *     errors or p ~ 1e-4): uniform range, resolution, mean, variance and a
 *     chi-square on bins; normal mean, variance, skewness, kurtosis, tail
 *     counts, a chi-square on bins of the normal CDF and a Kolmogorov-
 *     Smirnov test; the normals against libm's log/sin/cos; integers in
 *     range, unbiased where plain multiply-shift would be biased by 50%;
 *   - streams and seeds: different, and uncorrelated.
 *
 * usage: test_rng            (runs everything, spawns the generic child)
 *        test_rng --golden   (the golden checksums and splicing only) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* posix_spawn, environ */
#endif
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "kernels/rng.h"

extern char **environ;

#define PI_2 0x1.921fb54442d18p+0

static uint64_t bits_of(double d)
{
        uint64_t u;
        memcpy(&u, &d, sizeof u);
        return u;
}

/* ---- the generator ------------------------------------------------------ */

static void test_kat(void)
{
        /* Random123 kat_vectors, philox4x32_10: counter {c0,c1,c2,c3}, key
         * {k0,k1} map to ctr_lo = c1:c0, ctr_hi = c3:c2, key = k1:k0. */
        static const struct {
                uint32_t ctr[4], key[2], out[4];
        } kat[] = {
                {{0, 0, 0, 0}, {0, 0},
                 {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
                {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                 {0xffffffff, 0xffffffff},
                 {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
                {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                 {0xa4093822, 0x299f31d0},
                 {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
        };
        size_t k;
        for (k = 0; k < sizeof kat / sizeof kat[0]; k++) {
                uint32_t out[4];
                uint64_t key = (uint64_t)kat[k].key[1] << 32 | kat[k].key[0];
                uint64_t lo = (uint64_t)kat[k].ctr[1] << 32 | kat[k].ctr[0];
                uint64_t hi = (uint64_t)kat[k].ctr[3] << 32 | kat[k].ctr[2];
                par__philox4x32_10(key, lo, hi, out);
                CHECK_MSG(memcmp(out, kat[k].out, sizeof out) == 0,
                          "kat %zu: got %08x %08x %08x %08x", k, out[0], out[1],
                          out[2], out[3]);
        }
}

/* Element i's 64 bits as rng.c documents them. */
static uint64_t ref_bits(uint64_t seed, uint64_t stream, uint64_t i)
{
        uint32_t w[4];
        unsigned h = (unsigned)(i & 1) * 2;
        par__philox4x32_10(seed, (i >> 1) & UINT64_C(0x7FFFFFFFFFFFFFFF), stream, w);
        return (uint64_t)w[h + 1] << 32 | w[h];
}

/* The uniforms are exactly (bits >> 11) 2^-53 of the documented layout;
 * the integers over the full range [INT64_MIN, INT64_MAX) are the high
 * half of bits * (2^64 - 1) (no retries there: 2^64 mod R = 1). */
static void test_layout(void)
{
        enum { N = 1000 };
        static double u[N];
        static int64_t v[N];
        const uint64_t seeds[] = {0, 1, UINT64_C(0xDEADBEEFCAFEF00D)};
        const uint64_t streams[] = {0, 159, UINT64_MAX};
        size_t a, i;
        int bad_u = 0, bad_v = 0;
        for (a = 0; a < 3; a++) {
                uint64_t off = a == 2 ? UINT64_C(0x7FFFFFFFFFFFFF00) * 2 : 3 * a;
                par__rng_uniform(seeds[a], streams[a], off, u, N);
                par__rng_integers(seeds[a], streams[a], off, INT64_MIN, INT64_MAX,
                                  v, N);
                for (i = 0; i < N; i++) {
                        uint64_t x = ref_bits(seeds[a], streams[a], off + i);
                        /* high half of x (2^64 - 1) = x - 1 for x > 0 */
                        uint64_t hi = x ? x - 1 : 0;
                        bad_u += u[i] != (double)(x >> 11) * 0x1p-53;
                        bad_v += (uint64_t)v[i] != (uint64_t)INT64_MIN + hi;
                }
        }
        CHECK_MSG(bad_u == 0, "%d uniforms differ from the layout", bad_u);
        CHECK_MSG(bad_v == 0, "%d integers differ from the layout", bad_v);
}

/* ---- purity and splicing ------------------------------------------------ */

typedef enum { D_UNIFORM, D_RANGE, D_NORMAL, D_INT, D_INT_REJECT, D_COUNT } dist;

static const char *const dist_name[] = {"uniform", "uniform_range", "normal",
                                        "integers", "integers(reject)"};

/* Fills with distribution d; `out` is malloc'd memory of n 8-byte
 * elements (doubles or int64_t: the callers only compare bytes). */
static void fill(dist d, uint64_t seed, uint64_t stream, uint64_t off,
                 void *out, size_t n)
{
        switch (d) {
        case D_UNIFORM:
                par__rng_uniform(seed, stream, off, (double *)out, n);
                break;
        case D_RANGE:
                par__rng_uniform_range(seed, stream, off, -3.0, 5.0,
                                       (double *)out, n);
                break;
        case D_NORMAL:
                par__rng_normal(seed, stream, off, 4.0, 2.0, (double *)out, n);
                break;
        case D_INT:
                par__rng_integers(seed, stream, off, -1000, 1000, (int64_t *)out, n);
                break;
        default: /* R = 3 * 2^61: a quarter of the first draws retry */
                par__rng_integers(seed, stream, off, INT64_MIN,
                                  INT64_MIN + 3 * (INT64_C(1) << 61),
                                  (int64_t *)out, n);
                break;
        }
}

static uint64_t xs_state = 0x9E3779B97F4A7C15u;

static uint64_t xs_next(void) /* xorshift64: test parameters only */
{
        xs_state ^= xs_state << 13;
        xs_state ^= xs_state >> 7;
        xs_state ^= xs_state << 17;
        return xs_state;
}

static void test_splice(void)
{
        enum { N = 5000 };
        uint64_t *whole = malloc(N * 8), *parts = malloc(N * 8), *one = malloc(8);
        const uint64_t offs[] = {0, 1, 7, 12345, UINT64_C(1) << 40,
                                 UINT64_MAX - 2500}; /* the last one wraps */
        int d;
        size_t a, pos, k;
        if (!whole || !parts || !one) {
                CHECK(!"out of memory");
                d = D_COUNT; /* skip */
        } else {
                d = 0;
        }
        for (; d < D_COUNT; d++) {
                for (a = 0; a < sizeof offs / sizeof offs[0]; a++) {
                        uint64_t off = offs[a];
                        int single_ok = 1;
                        fill((dist)d, 11, 3 + a, off, whole, N);
                        /* random odd and even pieces, many shorter than a
                         * batch */
                        pos = 0;
                        while (pos < N) {
                                size_t len = (size_t)(xs_next() % 41);
                                if (xs_next() % 8 == 0)
                                        len = (size_t)(xs_next() % 700);
                                if (len > N - pos)
                                        len = N - pos;
                                fill((dist)d, 11, 3 + a, off + pos, parts + pos, len);
                                pos += len;
                        }
                        CHECK_MSG(memcmp(whole, parts, N * 8) == 0,
                                  "%s: pieces differ from one fill at offset "
                                  "%llu", dist_name[d], (unsigned long long)off);
                        for (k = 0; k < N; k += 97) {
                                fill((dist)d, 11, 3 + a, off + k, one, 1);
                                single_ok &= memcmp(one, whole + k, 8) == 0;
                        }
                        CHECK_MSG(single_ok, "%s: single elements differ at "
                                  "offset %llu", dist_name[d],
                                  (unsigned long long)off);
                        fill((dist)d, 11, 3 + a, off, parts, 0); /* n = 0 */
                }
        }
        free(whole);
        free(parts);
        free(one);
}

/* ---- threads ------------------------------------------------------------ */

typedef struct thread_job {
        dist d;
        uint64_t off;
        uint64_t *out;
        size_t n;
} thread_job;

static void *thread_fill(void *p)
{
        thread_job *j = (thread_job *)p;
        fill(j->d, 2024, 5, j->off, j->out, j->n);
        return NULL;
}

static void test_threads(void)
{
        enum { N = 400001, SPLIT = 123457 };
        uint64_t *one = malloc(N * sizeof *one), *two = malloc(N * sizeof *two);
        int d;
        if (!one || !two) {
                CHECK(!"out of memory");
                free(one);
                free(two);
                return;
        }
        for (d = 0; d < D_COUNT; d++) {
                pthread_t t[2];
                thread_job j[2] = {{(dist)d, 99, two, SPLIT},
                                   {(dist)d, 99 + SPLIT, two + SPLIT, N - SPLIT}};
                int ok = 1, k;
                fill((dist)d, 2024, 5, 99, one, N);
                memset(two, 0, N * sizeof *two);
                for (k = 0; k < 2; k++)
                        ok &= pthread_create(&t[k], NULL, thread_fill, &j[k]) == 0;
                for (k = 0; k < 2; k++)
                        pthread_join(t[k], NULL);
                CHECK(ok);
                CHECK_MSG(memcmp(one, two, N * sizeof *one) == 0,
                          "%s: two threads differ from one", dist_name[d]);
        }
        free(one);
        free(two);
}

/* ---- golden checksums --------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
        const unsigned char *b = (const unsigned char *)p;
        size_t i;
        for (i = 0; i < n; i++) {
                h ^= b[i];
                h *= UINT64_C(0x100000001B3);
        }
        return h;
}

/* FNV-1a of the bits of 20001 elements at offset 777 of (seed 42, stream
 * 7) per distribution, and of a few special cases. */
static void golden(uint64_t out[D_COUNT + 1])
{
        enum { N = 20001 };
        void *buf = malloc(N * 8);
        static double r[6];
        int d;
        for (d = 0; d < D_COUNT; d++) {
                if (buf)
                        fill((dist)d, 42, 7, 777, buf, N);
                out[d] = buf ? fnv1a(UINT64_C(0xCBF29CE484222325), buf, N * 8) : 0;
        }
        free(buf);
        par__rng_uniform_range(1, 2, 3, -DBL_MAX, DBL_MAX, r, 2);
        par__rng_uniform_range(1, 2, 3, 1.0, 0x1.0000000000001p0, r + 2, 2);
        par__rng_normal(UINT64_MAX, UINT64_MAX, UINT64_MAX, 0.0, 1.0, r + 4, 2);
        out[D_COUNT] = fnv1a(UINT64_C(0xCBF29CE484222325), r, sizeof r);
}

static const uint64_t golden_want[D_COUNT + 1] = {
        UINT64_C(0x2c52b36ff3e7e873), /* uniform */
        UINT64_C(0xdd33e8db0969d55d), /* uniform_range(-3, 5) */
        UINT64_C(0x7e0b17cc7ddbf67b), /* normal(4, 2) */
        UINT64_C(0x4791d4be58c74d15), /* integers(-1000, 1000) */
        UINT64_C(0x502028ce69f87f38), /* integers, R = 3 2^61 */
        UINT64_C(0x86979c085a91f041), /* special cases */
};

static void test_golden(void)
{
        uint64_t got[D_COUNT + 1];
        const char *isa = getenv("PAR_RNG_ISA");
        int k;
        golden(got);
        for (k = 0; k <= D_COUNT; k++)
                CHECK_MSG(got[k] == golden_want[k],
                          "golden checksum %d (%s) = 0x%016llx, want 0x%016llx"
                          " (PAR_RNG_ISA=%s)",
                          k, k < D_COUNT ? dist_name[k] : "special",
                          (unsigned long long)got[k],
                          (unsigned long long)golden_want[k], isa ? isa : "");
}

/* Runs this program with --golden under PAR_RNG_ISA=generic. */
static void test_generic_child(const char *self)
{
        size_t n = 0, k;
        char **env;
        char *argv[3];
        pid_t pid;
        int st = 0, rc;
        while (environ[n])
                n++;
        env = calloc(n + 2, sizeof *env);
        if (!env) {
                CHECK(!"out of memory");
                return;
        }
        for (k = 0; k < n; k++)
                env[k] = environ[k];
        env[n] = (char *)"PAR_RNG_ISA=generic";
        argv[0] = (char *)self;
        argv[1] = (char *)"--golden";
        argv[2] = NULL;
        fflush(NULL);
        /* argv[0] first: under valgrind /proc/self/exe is the tool */
        rc = strchr(self, '/') ? posix_spawn(&pid, self, NULL, NULL, argv, env) : -1;
        if (rc != 0)
                rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, env);
        CHECK_MSG(rc == 0, "posix_spawn: %s", strerror(rc));
        if (rc == 0) {
                CHECK(waitpid(pid, &st, 0) == pid);
                CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                          "the generic (PAR_RNG_ISA=generic) child failed: "
                          "status 0x%x", st);
        }
        free(env);
}

/* ---- statistics --------------------------------------------------------- */

static double normal_cdf(double x)
{
        return 0.5 * erfc(-x / sqrt(2.0));
}

/* Chi-square statistic of counts against expected counts; bins with an
 * expectation below 5 pooled with their neighbour. *df gets the degrees
 * of freedom. */
static double chi_square(const double *count, const double *expect, int k, int *df)
{
        double chi = 0, c = 0, e = 0;
        int bins = 0, i;
        for (i = 0; i < k; i++) {
                c += count[i];
                e += expect[i];
                if (e >= 5 || i == k - 1) {
                        chi += (c - e) * (c - e) / e;
                        bins++;
                        c = e = 0;
                }
        }
        *df = bins - 1;
        return chi;
}

/* p ~ 1e-6 bound: df + 5 sqrt(2 df) is generous enough for these df. */
static int chi_ok(double chi, int df)
{
        return chi < df + 5.0 * sqrt(2.0 * df);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y;
}

static void test_uniform_stats(void)
{
        enum { N = 4000000, BINS = 1000 };
        double *u = malloc(N * sizeof *u);
        static double count[BINS], expect[BINS];
        double s1 = 0, s2 = 0, mean, var, chi;
        size_t i, bad = 0, coarse = 0;
        int df, k;
        if (!u) {
                CHECK(!"out of memory");
                return;
        }
        par__rng_uniform(7, 0, 0, u, N);
        for (i = 0; i < N; i++) {
                double x = u[i];
                bad += !(x >= 0.0 && x < 1.0);
                coarse += x * 0x1p53 != floor(x * 0x1p53);
                s1 += x;
                count[(int)(x * BINS)]++;
        }
        mean = s1 / N;
        for (i = 0; i < N; i++)
                s2 += (u[i] - mean) * (u[i] - mean);
        var = s2 / (N - 1);
        CHECK_MSG(bad == 0, "%zu uniforms outside [0, 1)", bad);
        CHECK_MSG(coarse == 0, "%zu uniforms not multiples of 2^-53", coarse);
        /* sd of the mean: sqrt(1/12/N); of the variance: sqrt(1/180/N) */
        CHECK_MSG(fabs(mean - 0.5) < 5 * sqrt(1.0 / 12 / N), "mean %.6f", mean);
        CHECK_MSG(fabs(var - 1.0 / 12) < 5 * sqrt(1.0 / 180 / N), "var %.6f", var);
        for (k = 0; k < BINS; k++)
                expect[k] = (double)N / BINS;
        chi = chi_square(count, expect, BINS, &df);
        CHECK_MSG(chi_ok(chi, df), "uniform chi-square %.1f, df %d", chi, df);

        /* [lo, hi) */
        par__rng_uniform_range(7, 1, 0, -3.0, 5.0, u, N / 4);
        bad = 0;
        s1 = 0;
        for (i = 0; i < N / 4; i++) {
                bad += !(u[i] >= -3.0 && u[i] < 5.0);
                s1 += u[i];
        }
        CHECK_MSG(bad == 0, "%zu uniform_range values outside [-3, 5)", bad);
        CHECK(fabs(s1 / (N / 4) - 1.0) < 5 * 8 * sqrt(1.0 / 12 / (N / 4)));
        /* one double wide: only lo; the whole double range: finite, < hi */
        par__rng_uniform_range(7, 2, 0, 1.0, 0x1.0000000000001p0, u, 1000);
        bad = 0;
        for (i = 0; i < 1000; i++)
                bad += u[i] != 1.0;
        CHECK_MSG(bad == 0, "%zu values of [1, 1+ulp) are not 1", bad);
        par__rng_uniform_range(7, 3, 0, -DBL_MAX, DBL_MAX, u, 1000);
        bad = 0;
        s1 = 0;
        for (i = 0; i < 1000; i++) {
                bad += !(isfinite(u[i]) && u[i] < DBL_MAX);
                s1 += u[i] * 0x1p-1024;
        }
        CHECK_MSG(bad == 0, "%zu values of the full double range are bad", bad);
        CHECK(fabs(s1 / 1000) < 5 * (DBL_MAX * 0x1p-1024) / sqrt(3.0 * 1000));
        free(u);
}

static void test_normal_stats(void)
{
        enum { N = 8000000, KS_N = 400000, BINS = 200 };
        const double mu = 4.0, sigma = 2.0;
        double *z = malloc(N * sizeof *z);
        static double count[BINS + 2], expect[BINS + 2];
        double m1 = 0, m2 = 0, m3 = 0, m4 = 0, mean, var, skew, kurt, chi, d;
        double t3 = 0, t4 = 0, e3, e4, prev;
        size_t i;
        int df, k, bad = 0;
        if (!z) {
                CHECK(!"out of memory");
                return;
        }
        par__rng_normal(12345, 0, 0, mu, sigma, z, N);
        for (i = 0; i < N; i++) {
                bad += !isfinite(z[i]);
                m1 += z[i];
        }
        CHECK_MSG(bad == 0, "%d normals not finite", bad);
        mean = m1 / N;
        for (i = 0; i < N; i++) {
                double x = (z[i] - mean) / sigma, x2 = x * x;
                double a = fabs(z[i] - mu) / sigma;
                m2 += x2;
                m3 += x2 * x;
                m4 += x2 * x2;
                t3 += a > 3;
                t4 += a > 4;
        }
        var = m2 / N * sigma * sigma;
        skew = (m3 / N) / pow(m2 / N, 1.5);
        kurt = (m4 / N) / ((m2 / N) * (m2 / N)) - 3.0;
        /* standard errors: sigma/sqrt(N), sigma^2 sqrt(2/N), sqrt(6/N),
         * sqrt(24/N) */
        CHECK_MSG(fabs(mean - mu) < 5 * sigma / sqrt(N), "mean %.6f", mean);
        CHECK_MSG(fabs(var - sigma * sigma) < 5 * sigma * sigma * sqrt(2.0 / N),
                  "variance %.6f", var);
        CHECK_MSG(fabs(skew) < 5 * sqrt(6.0 / N), "skewness %.6f", skew);
        CHECK_MSG(fabs(kurt) < 5 * sqrt(24.0 / N), "excess kurtosis %.6f", kurt);
        /* tails beyond 3 and 4 sd: binomial counts */
        e3 = N * erfc(3 / sqrt(2.0));
        e4 = N * erfc(4 / sqrt(2.0));
        CHECK_MSG(fabs(t3 - e3) < 5 * sqrt(e3), "beyond 3 sd: %.0f, want %.0f", t3, e3);
        CHECK_MSG(fabs(t4 - e4) < 5 * sqrt(e4), "beyond 4 sd: %.0f, want %.0f", t4, e4);

        /* chi-square on BINS bins of width 0.05 sd over [-5, 5] plus the
         * two tails */
        for (i = 0; i < N; i++) {
                double x = (z[i] - mu) / sigma;
                int b = x < -5 ? 0 : x >= 5 ? BINS + 1 : 1 + (int)((x + 5) * (BINS / 10.0));
                if (b > BINS)
                        b = BINS; /* x just below 5 rounding up */
                count[b]++;
        }
        prev = 0;
        for (k = 0; k <= BINS; k++) {
                double edge = -5 + 10.0 * k / BINS;
                double c = normal_cdf(edge);
                expect[k] = N * (c - prev);
                prev = c;
        }
        expect[BINS + 1] = N * (1 - prev);
        chi = chi_square(count, expect, BINS + 2, &df);
        CHECK_MSG(chi_ok(chi, df), "normal chi-square %.1f, df %d", chi, df);

        /* Kolmogorov-Smirnov on the first KS_N: sqrt(n) D < 2.0 (p ~ 7e-4) */
        qsort(z, KS_N, sizeof *z, cmp_double);
        d = 0;
        for (i = 0; i < KS_N; i++) {
                double c = normal_cdf((z[i] - mu) / sigma);
                double lo = c - (double)i / KS_N, hi = (double)(i + 1) / KS_N - c;
                if (lo > d)
                        d = lo;
                if (hi > d)
                        d = hi;
        }
        CHECK_MSG(sqrt((double)KS_N) * d < 2.0, "KS statistic sqrt(n) D = %.3f",
                  sqrt((double)KS_N) * d);
        free(z);
}

/* The normals against the same formula evaluated with libm (log, sqrt,
 * sin, cos): relative error in units of 2^-53 of r. */
static void test_normal_accuracy(void)
{
        enum { N = 200000 };
        static double z[N];
        double worst = 0;
        size_t i;
        /* offset 6: element 6 + i, i even, is the first of its block's pair */
        par__rng_normal(3, 4, 6, 0.0, 1.0, z, N);
        for (i = 0; i < N; i += 2) {
                uint64_t x0 = ref_bits(3, 4, 6 + i), x1 = ref_bits(3, 4, 7 + i);
                double u = 1.0 - (double)(x0 >> 11) * 0x1p-53;
                double r = sqrt(-2.0 * log(u));
                unsigned q = (unsigned)(x1 >> 62);
                double g = (double)((x1 >> 10) & ((UINT64_C(1) << 52) - 1)) * 0x1p-52;
                double p = (g - 0.5) * PI_2;
                double c = cos(p), s = sin(p), zc, zs, e;
                switch (q) {
                case 0: zc = c, zs = s; break;
                case 1: zc = -s, zs = c; break;
                case 2: zc = -c, zs = -s; break;
                default: zc = s, zs = -c; break;
                }
                e = fmax(fabs(z[i] - r * zc), fabs(z[i + 1] - r * zs)) /
                    (fmax(r, 1e-300) * 0x1p-53);
                if (e > worst)
                        worst = e;
        }
        printf("normal vs libm: worst error %.2f units of 2^-53 r\n", worst);
        CHECK_MSG(worst <= 8, "normals differ from libm by %.2f ulps of r", worst);
}

static void test_integer_stats(void)
{
        enum { N = 600000 };
        static int64_t v[N];
        static double count[3], expect[3];
        double chi, half = 0, e;
        size_t i, bad = 0;
        int df;
        const int64_t lo = INT64_MIN, hi = INT64_MIN + 3 * (INT64_C(1) << 61);
        /* small range: every value, chi-square */
        {
                static double c7[7], e7[7];
                par__rng_integers(1, 1, 0, -3, 4, v, N);
                for (i = 0; i < N; i++) {
                        bad += v[i] < -3 || v[i] >= 4;
                        if (v[i] >= -3 && v[i] < 4)
                                c7[v[i] + 3]++;
                }
                CHECK_MSG(bad == 0, "%zu integers outside [-3, 4)", bad);
                for (i = 0; i < 7; i++)
                        e7[i] = N / 7.0;
                chi = chi_square(c7, e7, 7, &df);
                CHECK_MSG(chi_ok(chi, df), "[-3, 4) chi-square %.1f", chi);
        }
        /* R = 3 * 2^61: multiply-shift without rejection would give classes
         * (v - lo) mod 3 the weights 3/8, 3/8, 2/8 */
        par__rng_integers(2, 2, 0, lo, hi, v, N);
        bad = 0;
        for (i = 0; i < N; i++) {
                uint64_t k = (uint64_t)v[i] - (uint64_t)lo;
                bad += v[i] < lo || v[i] >= hi;
                count[k % 3]++;
                half += k < (UINT64_C(3) << 60);
        }
        CHECK_MSG(bad == 0, "%zu integers outside [lo, lo + 3 2^61)", bad);
        expect[0] = expect[1] = expect[2] = N / 3.0;
        chi = chi_square(count, expect, 3, &df);
        CHECK_MSG(chi_ok(chi, df), "mod-3 classes chi-square %.1f (%.0f %.0f %.0f)",
                  chi, count[0], count[1], count[2]);
        e = N / 2.0;
        CHECK_MSG(fabs(half - e) < 5 * sqrt(N / 4.0), "lower half %.0f of %d", half, N);
        /* degenerate ranges never fail: hi <= lo gives lo */
        par__rng_integers(1, 1, 0, 5, 5, v, 10);
        CHECK(v[0] == 5 && v[9] == 5);
        par__rng_integers(1, 1, 0, INT64_MAX - 1, INT64_MAX, v, 10);
        CHECK(v[3] == INT64_MAX - 1);
}

/* ---- streams and seeds -------------------------------------------------- */

static double correlation(const double *a, const double *b, size_t n)
{
        double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
        size_t i;
        for (i = 0; i < n; i++) {
                ma += a[i];
                mb += b[i];
        }
        ma /= n;
        mb /= n;
        for (i = 0; i < n; i++) {
                sab += (a[i] - ma) * (b[i] - mb);
                saa += (a[i] - ma) * (a[i] - ma);
                sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / sqrt(saa * sbb);
}

static void test_streams(void)
{
        enum { N = 1000000 };
        double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
        const struct {
                uint64_t s1, t1, s2, t2;
        } pairs[] = {
                {1, 0, 1, 1},                   /* neighbouring streams */
                {1, 0, 2, 0},                   /* neighbouring seeds */
                {1, 5, 2, 4},                   /* both */
                {0, 0, 0, UINT64_C(1) << 32},   /* stream high word */
                {0, 0, UINT64_C(1) << 32, 0},   /* seed high word */
        };
        size_t p, i;
        if (!a || !b) {
                CHECK(!"out of memory");
                free(a);
                free(b);
                return;
        }
        for (p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
                size_t same = 0;
                double rho;
                par__rng_normal(pairs[p].s1, pairs[p].t1, 0, 0, 1, a, N);
                par__rng_normal(pairs[p].s2, pairs[p].t2, 0, 0, 1, b, N);
                for (i = 0; i < N; i++)
                        same += bits_of(a[i]) == bits_of(b[i]);
                rho = correlation(a, b, N);
                CHECK_MSG(same == 0, "pair %zu: %zu equal elements", p, same);
                CHECK_MSG(fabs(rho) < 5 / sqrt((double)N),
                          "pair %zu: correlation %.5f", p, rho);
                /* one stream against itself shifted by one and two */
                rho = correlation(a, a + 1, N - 1);
                CHECK_MSG(fabs(rho) < 5 / sqrt((double)N), "lag 1: %.5f", rho);
                rho = correlation(a, a + 2, N - 2);
                CHECK_MSG(fabs(rho) < 5 / sqrt((double)N), "lag 2: %.5f", rho);
        }
        /* squares of a pair's two elements: Box-Muller's pair is
         * independent, so no correlation of the magnitudes either */
        par__rng_normal(9, 9, 0, 0, 1, a, N);
        for (i = 0; i < N / 2; i++) {
                b[i] = a[2 * i] * a[2 * i];
                b[N / 2 + i] = a[2 * i + 1] * a[2 * i + 1];
        }
        {
                double rho = correlation(b, b + N / 2, N / 2);
                CHECK_MSG(fabs(rho) < 5 / sqrt(N / 2.0), "pair squares: %.5f", rho);
        }
        free(a);
        free(b);
}

int main(int argc, char **argv)
{
        int golden_only = argc > 1 && strcmp(argv[1], "--golden") == 0;
        test_kat();
        test_golden();
        test_splice();
        if (golden_only)
                return check_done("test_rng (PAR_RNG_ISA=generic)");
        test_layout();
        test_threads();
        test_uniform_stats();
        test_normal_stats();
        test_normal_accuracy();
        test_integer_stats();
        test_streams();
        if (!getenv("PAR_RNG_ISA"))
                test_generic_child(argv[0]);
        return check_done("test_rng");
}
