/* bench/bench_util.h — shared helpers of the runtime benchmarks and their
 * peers: command-line options, a monotonic clock, and the JSON-lines output
 * described in performance.md (the project's shared notes):
 *
 *   {"bench":"fib","impl":"par","threads":2,"n":30,"metric":"ns_per_task",
 *    "value":38.2,"runs":7,"min":37.9,"max":40.1}
 *
 * `value` is the median of the timed runs. Header-only (static functions)
 * and valid C17 and C++17, so the oneTBB peer uses it too.
 *
 * Options every program accepts:
 *   --threads N   worker threads (default: online CPUs; 2 with --smoke)
 *   --n N         problem size (each program has its own default)
 *   --runs R      timed runs; the JSON line carries their median/min/max
 *   --impl NAME   run one implementation only (programs with several)
 *   --grain G     range grain (map_tiny)
 *   --smoke       one short run at a small size, for the test suite
 *   --help
 * Exit status: 0 ok, 1 verification or runtime failure, 2 usage error,
 * 77 the requested implementation is not available in this build. */
#ifndef PAR_BENCH_UTIL_H
#define PAR_BENCH_UTIL_H

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_EXIT_SKIP 77
#define BENCH_MAX_RUNS 1000

typedef struct bench_opts {
        int threads;     /* > 0 */
        long long n;     /* -1: the program's default */
        int runs;        /* -1: the program's default */
        long long grain; /* -1: the program's default */
        int smoke;
        const char *impl; /* NULL: all */
} bench_opts;

static inline double bench_now_ns(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static inline int bench_online_cpus(void)
{
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        return c > 0 ? (int)c : 1;
}

static inline int bench_parse_ll(const char *s, long long lo, long long *out)
{
        char *end = NULL;
        long long v;
        if (!s || !*s)
                return -1;
        v = strtoll(s, &end, 10);
        if (*end == 'e' || *end == 'E') { /* accept 1e6 */
                char *end2 = NULL;
                long e = strtol(end + 1, &end2, 10);
                if (*end2 || e < 0 || e > 18)
                        return -1;
                while (e-- > 0)
                        v *= 10;
                end = end2;
        }
        if (*end || v < lo)
                return -1;
        *out = v;
        return 0;
}

/* Parses the common options; on a usage error or --help it exits. */
static inline void bench_parse(int argc, char **argv, bench_opts *o, const char *usage)
{
        int i;
        o->threads = 0;
        o->n = -1;
        o->runs = -1;
        o->grain = -1;
        o->smoke = 0;
        o->impl = NULL;
        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *val = NULL;
                const char *eq;
                char name[32];
                size_t len;
                long long v = 0;
                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        fputs(usage, stdout);
                        exit(0);
                }
                if (strcmp(a, "--smoke") == 0) {
                        o->smoke = 1;
                        continue;
                }
                if (strncmp(a, "--", 2) != 0)
                        goto bad;
                eq = strchr(a, '=');
                len = eq ? (size_t)(eq - a) : strlen(a);
                if (len >= sizeof name)
                        goto bad;
                memcpy(name, a, len);
                name[len] = '\0';
                if (eq)
                        val = eq + 1;
                else if (i + 1 < argc)
                        val = argv[++i];
                else
                        goto bad;
                if (strcmp(name, "--impl") == 0) {
                        o->impl = val;
                        continue;
                }
                if (strcmp(name, "--threads") == 0) {
                        if (bench_parse_ll(val, 1, &v) || v > 4096)
                                goto bad;
                        o->threads = (int)v;
                } else if (strcmp(name, "--n") == 0) {
                        if (bench_parse_ll(val, 0, &v))
                                goto bad;
                        o->n = v;
                } else if (strcmp(name, "--runs") == 0) {
                        if (bench_parse_ll(val, 1, &v) || v > BENCH_MAX_RUNS)
                                goto bad;
                        o->runs = (int)v;
                } else if (strcmp(name, "--grain") == 0) {
                        if (bench_parse_ll(val, 0, &v))
                                goto bad;
                        o->grain = v;
                } else {
                        goto bad;
                }
        }
        if (o->threads == 0)
                o->threads = o->smoke ? 2 : bench_online_cpus();
        if (o->runs < 0)
                o->runs = o->smoke ? 1 : 5;
        return;
bad:
        fprintf(stderr, "%s: bad argument '%s'%s%s\n%s", argv[0], argv[i],
                i > 1 && argv[i][0] != '-' ? " after " : "",
                i > 1 && argv[i][0] != '-' ? argv[i - 1] : "", usage);
        exit(2);
}

/* True if implementation `name` is selected by --impl (or no --impl). */
/* kB from /proc/self/status ("VmHWM:", "VmRSS:"), or -1. */
static inline long long bench_proc_status_kb(const char *key)
{
        char line[256];
        long long v = -1;
        size_t kl = strlen(key);
        FILE *f = fopen("/proc/self/status", "r");
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, key, kl) == 0) {
                        v = strtoll(line + kl, NULL, 10);
                        break;
                }
        fclose(f);
        return v;
}

/* Resets VmHWM to the current RSS (Linux >= 4.0); 0 if it worked. */
static inline int bench_reset_peak_rss(void)
{
        int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
        int ok;
        if (fd < 0)
                return -1;
        ok = write(fd, "5", 1) == 1;
        close(fd);
        return ok ? 0 : -1;
}

static inline int bench_want(const bench_opts *o, const char *name)
{
        return o->impl == NULL || strcmp(o->impl, name) == 0;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;
        return x < y ? -1 : x > y ? 1 : 0;
}

/* Median, min and max of v[0..k) (sorts v). */
static inline void bench_stats(double *v, int k, double *med, double *mn, double *mx)
{
        qsort(v, (size_t)k, sizeof *v, bench_cmp_double);
        *mn = v[0];
        *mx = v[k - 1];
        *med = (k % 2) ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

/* Writes a JSON number: finite, and not in exponent form. */
static inline void bench_put_num(FILE *f, double v)
{
        if (!isfinite(v))
                fputs("null", f);
        else if (fabs(v) >= 1e4)
                fprintf(f, "%.0f", v);
        else if (fabs(v) >= 10)
                fprintf(f, "%.2f", v);
        else
                fprintf(f, "%.4f", v);
}

/* Prints the result line of one implementation. `vals` holds the k timed
 * run values (it is sorted in place). `extra` is either NULL or more
 * members, e.g. "\"grain\":1", appended before the closing brace. */
static inline void bench_emit(const char *bench, const char *impl, int threads,
                       long long n, const char *metric, double *vals, int k,
                       const char *extra)
{
        double med, mn, mx;
        bench_stats(vals, k, &med, &mn, &mx);
        printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"threads\":%d,\"n\":%lld,"
               "\"metric\":\"%s\",\"value\":",
               bench, impl, threads, n, metric);
        bench_put_num(stdout, med);
        printf(",\"runs\":%d,\"min\":", k);
        bench_put_num(stdout, mn);
        fputs(",\"max\":", stdout);
        bench_put_num(stdout, mx);
        if (extra && *extra)
                printf(",%s", extra);
        fputs("}\n", stdout);
        fflush(stdout);
}

/* Reports an --impl that this program does not know. */
static inline void bench_check_impl(const bench_opts *o, const char *const *known,
                             int nknown, const char *prog)
{
        int i;
        if (!o->impl)
                return;
        for (i = 0; i < nknown; i++)
                if (strcmp(o->impl, known[i]) == 0)
                        return;
        fprintf(stderr, "%s: unknown --impl '%s' (known:", prog, o->impl);
        for (i = 0; i < nknown; i++)
                fprintf(stderr, " %s", known[i]);
        fputs(")\n", stderr);
        exit(2);
}

/* Takes "--name VALUE" or "--name=VALUE" out of argv, so the rest can go
 * to bench_parse; returns 1 if found (value in *val), 0 if not, -1 if the
 * value is missing. For programs with options of their own. */
static inline int bench_take_opt(int *argc, char **argv, const char *name,
                                 const char **val)
{
        size_t len = strlen(name);
        for (int i = 1; i < *argc; i++) {
                int used;
                if (strncmp(argv[i], name, len) != 0)
                        continue;
                if (argv[i][len] == '=') {
                        *val = argv[i] + len + 1;
                        used = 1;
                } else if (argv[i][len] == '\0') {
                        if (i + 1 >= *argc)
                                return -1;
                        *val = argv[i + 1];
                        used = 2;
                } else {
                        continue;
                }
                for (int j = i; j + used < *argc; j++)
                        argv[j] = argv[j + used];
                *argc -= used;
                argv[*argc] = NULL;
                return 1;
        }
        return 0;
}

/* Takes the flag `name` out of argv; 1 if it was there. */
static inline int bench_take_flag(int *argc, char **argv, const char *name)
{
        for (int i = 1; i < *argc; i++)
                if (strcmp(argv[i], name) == 0) {
                        for (int j = i; j + 1 < *argc; j++)
                                argv[j] = argv[j + 1];
                        (*argc)--;
                        argv[*argc] = NULL;
                        return 1;
                }
        return 0;
}

/* F(k) by iteration: the reference the fib results are checked against. */
static inline long long bench_fib_iter(int k)
{
        long long a = 0, b = 1;
        int i;
        for (i = 0; i < k; i++) {
                long long t = a + b;
                a = b;
                b = t;
        }
        return a;
}

#endif /* PAR_BENCH_UTIL_H */
