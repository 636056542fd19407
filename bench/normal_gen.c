/* bench/normal_gen.c — 10^8 normal numbers, gauss(4, 2), generated in
 * parallel vs a serial loop.
 *
 * "par": the N values form 160 partitions (partition p holds elements
 * [p N/160, (p+1) N/160) of the output), and partition p is the stream
 * (seed, stream = p) of the counter-based generator, so every partition is
 * independent and reproducible whatever thread fills it. par_executor_for
 * over the partition indices (grain 1) on a pool of --threads workers; each
 * partition fills its own slice with par__rng_normal (Philox4x32-10 and
 * Box-Muller, libpar/kernels/rng.c).
 *
 * "serial-loop" (the serial peer): what a plain C program does, one thread,
 * the C library only: Box-Muller with erand48 uniforms and libm's log,
 * sqrt, cos and sin, two values per pair of uniforms, written into the same
 * kind of array. (The same kernel on one thread is "par --threads 1".)
 *
 * One run = filling all N values (the array is allocated and touched once,
 * before the timed runs). Metric: seconds per run (median of --runs), with
 * ns_per_value = seconds / N * 1e9 as an extra member. When both
 * implementations run, their runs are interleaved (par, serial, par, ...)
 * and a ratio line follows: par's time over the serial loop's, run by run
 * (median, min, max); below 1 means par is faster.
 *
 * Verification (outside the timing): par's output is checked element by
 * element at 4096 sampled places against single-element fills (purity), and
 * each implementation's mean and standard deviation against 4 and 2 (5
 * standard errors) after its first timed run.
 *
 * usage: normal_gen [--impl par|serial-loop] [--threads T] [--n N]
 *                   [--runs R] [--smoke]   (smoke: N = 10^6, one run) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime, erand48 under -std=c17 */
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <par.h>

#include "bench_util.h"
#include "kernels/rng.h"

#define PARTS 160
#define MEAN 4.0
#define SD 2.0
#define SEED UINT64_C(20240601)
#define TWO_PI 6.283185307179586

static const char usage[] =
        "usage: normal_gen [--impl par|serial-loop] [--threads T] [--n N] [--runs R]\n"
        "                  [--smoke]\n"
        "N normals (default 1e8; --smoke 1e6) of mean 4, sd 2: par fills 160 partitions\n"
        "(stream = partition) with par_executor_for; serial-loop is Box-Muller with\n"
        "erand48 and libm on one thread. JSON lines, metric seconds, then the ratio\n"
        "par/serial-loop (par's time over the serial loop's).\n";

typedef struct gen_state {
        double *out;
        int64_t n;
} gen_state;

/* floor(n p / PARTS), without overflow: n = q PARTS + r. */
static int64_t part_start(int64_t n, int64_t p)
{
        return n / PARTS * p + n % PARTS * p / PARTS;
}

static void gen_parts(void *ctx, int64_t lo, int64_t hi)
{
        gen_state *st = (gen_state *)ctx;
        int64_t p;
        for (p = lo; p < hi; p++) {
                int64_t a = part_start(st->n, p), b = part_start(st->n, p + 1);
                par__rng_normal(SEED, (uint64_t)p, 0, MEAN, SD, st->out + a,
                                (size_t)(b - a));
        }
}

static double run_par(par_executor *ex, double *out, int64_t n)
{
        gen_state st;
        double t0, t1;
        st.out = out;
        st.n = n;
        t0 = bench_now_ns();
        par_executor_for(ex, 0, PARTS, 1, gen_parts, &st);
        t1 = bench_now_ns();
        return (t1 - t0) * 1e-9;
}

/* The serial peer: textbook Box-Muller on the C library. */
static double run_serial(double *out, int64_t n, unsigned short xsubi[3])
{
        double t0, t1;
        int64_t i;
        t0 = bench_now_ns();
        for (i = 0; i < n; i += 2) {
                double u1 = 1.0 - erand48(xsubi); /* (0, 1] */
                double u2 = erand48(xsubi);
                double r = sqrt(-2.0 * log(u1));
                out[i] = MEAN + SD * (r * cos(TWO_PI * u2));
                if (i + 1 < n)
                        out[i + 1] = MEAN + SD * (r * sin(TWO_PI * u2));
        }
        t1 = bench_now_ns();
        return (t1 - t0) * 1e-9;
}

/* Mean and sd within 5 standard errors of MEAN and SD. */
static int check_moments(const char *impl, const double *out, int64_t n)
{
        double s = 0, ss = 0, mean, sd;
        int64_t i;
        for (i = 0; i < n; i++)
                s += out[i];
        mean = s / (double)n;
        for (i = 0; i < n; i++)
                ss += (out[i] - mean) * (out[i] - mean);
        sd = sqrt(ss / (double)(n - 1));
        if (!(fabs(mean - MEAN) < 5 * SD / sqrt((double)n)) ||
            !(fabs(sd - SD) < 5 * SD / sqrt(2.0 * (double)n))) {
                fprintf(stderr, "normal_gen: %s: mean %.6f sd %.6f, want %g %g\n",
                        impl, mean, sd, MEAN, SD);
                return 1;
        }
        return 0;
}

/* par's elements at sampled places equal single-element fills. */
static int check_purity(const double *out, int64_t n)
{
        uint64_t x = 0x9E3779B97F4A7C15u;
        int k;
        for (k = 0; k < 4096; k++) {
                int64_t i, p, a;
                double v;
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                i = (int64_t)(x % (uint64_t)n);
                p = (int64_t)((double)i / (double)n * PARTS); /* a guess */
                if (p >= PARTS)
                        p = PARTS - 1;
                while (p > 0 && part_start(n, p) > i)
                        p--;
                while (p + 1 < PARTS && part_start(n, p + 1) <= i)
                        p++;
                a = part_start(n, p);
                par__rng_normal(SEED, (uint64_t)p, (uint64_t)(i - a), MEAN, SD, &v, 1);
                if (memcmp(&v, &out[i], sizeof v) != 0) {
                        fprintf(stderr, "normal_gen: par: out[%lld] = %.17g, a single"
                                " fill gives %.17g\n", (long long)i, out[i], v);
                        return 1;
                }
        }
        return 0;
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"par", "serial-loop"};
        double par_s[BENCH_MAX_RUNS], ser_s[BENCH_MAX_RUNS], ratio[BENCH_MAX_RUNS];
        double per_value[BENCH_MAX_RUNS], med, mn, mx;
        unsigned short xsubi[3] = {0x330E, 0xABCD, 0x1234};
        par_executor_opts eo = {0};
        par_executor *ex = NULL;
        par_error err = {0};
        bench_opts o;
        int want_par, want_ser, r, threads = 0, rc;
        char extra[64];
        int64_t n;
        double *out;

        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 2, "normal_gen");
        n = o.n >= 0 ? o.n : o.smoke ? 1000000 : 100000000;
        if (n < 2) {
                fprintf(stderr, "normal_gen: --n must be >= 2\n");
                return 2;
        }
        want_par = bench_want(&o, "par");
        want_ser = bench_want(&o, "serial-loop");
        out = (double *)malloc((size_t)n * sizeof *out);
        if (!out) {
                fprintf(stderr, "normal_gen: out of memory (%lld doubles)\n",
                        (long long)n);
                return 1;
        }
        /* page faults before timing (a zero memset after malloc may become
         * calloc, which touches nothing) */
        memset(out, 0x55, (size_t)n * sizeof *out);

        if (want_par) {
                eo.kind = PAR_EXEC_POOL;
                eo.threads = o.threads;
                rc = par_executor_new(&eo, &ex, &err);
                if (rc != 0) {
                        fprintf(stderr, "normal_gen: par_executor_new: %s\n",
                                err.message);
                        free(out);
                        return 1;
                }
                threads = par_executor_threads(ex);
                run_par(ex, out, n); /* warm-up: workers started, caches */
        }
        for (r = 0; r < o.runs; r++) {
                if (want_par) {
                        par_s[r] = run_par(ex, out, n);
                        if (r == 0 && (check_purity(out, n) ||
                                       check_moments("par", out, n))) {
                                par_executor_free(ex);
                                free(out);
                                return 1;
                        }
                }
                if (want_ser) {
                        ser_s[r] = run_serial(out, n, xsubi);
                        if (r == 0 && check_moments("serial-loop", out, n)) {
                                par_executor_free(ex);
                                free(out);
                                return 1;
                        }
                }
                if (want_par && want_ser)
                        ratio[r] = par_s[r] / ser_s[r];
        }
        if (want_par) {
                for (r = 0; r < o.runs; r++)
                        per_value[r] = par_s[r] * 1e9 / (double)n;
                bench_stats(per_value, o.runs, &med, &mn, &mx);
                snprintf(extra, sizeof extra, "\"ns_per_value\":%.3f", med);
                bench_emit("normal_gen", "par", threads, n, "seconds", par_s,
                           o.runs, extra);
        }
        if (want_ser) {
                for (r = 0; r < o.runs; r++)
                        per_value[r] = ser_s[r] * 1e9 / (double)n;
                bench_stats(per_value, o.runs, &med, &mn, &mx);
                snprintf(extra, sizeof extra, "\"ns_per_value\":%.3f", med);
                bench_emit("normal_gen", "serial-loop", 1, n, "seconds", ser_s,
                           o.runs, extra);
        }
        if (want_par && want_ser)
                bench_emit("normal_gen", "par/serial-loop", threads, n, "ratio",
                           ratio, o.runs, NULL);
        par_executor_free(ex);
        free(out);
        return 0;
}
