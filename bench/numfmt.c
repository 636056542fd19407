/* bench/numfmt.c — numbers to text and back, one core: par's kernels
 * (libpar/kernels/numfmt.h) against the C library in the same run.
 *
 * Data: N doubles from normal(4, 2) (Box-Muller on splitmix64 uniforms,
 * fixed seed), the talk's data; and N int64 values, round(1000 x).
 *
 *   dtoa     par: par__format_double (shortest round-trip, Python's repr);
 *            printf-17g: snprintf "%.17g" (round-trips, not shortest).
 *            Each writes its values one after another, a newline after each,
 *            into a 1 MiB buffer that is reused when full (as a CSV writer).
 *   strtod   par: par__parse_double; strtod: the C library's strtod. Both
 *            read the same text (par's output, one value a line) and get
 *            the field's start from the same length array; the value is
 *            checked against the original bits after the first run.
 *   i64fmt   par: par__format_int64; printf-lld: snprintf "%lld".
 *   i64parse par: par__parse_int64; strtoll: the C library's strtoll.
 *
 * Metric ns_per_value = wall time of one pass over the N values / N. The
 * implementations' runs are interleaved (par, peer, par, peer, ...); a
 * ratio line per bench follows: par's time over the peer's, run by run
 * (median, min, max); below 1 means par is faster.
 *
 * usage: numfmt [--impl par|printf-17g|strtod|printf-lld|strtoll] [--n N]
 *               [--runs R] [--smoke]   (default N = 10^7, 5 runs; smoke:
 *               N = 10^5, one run). Single-threaded: --threads is accepted
 *               and ignored. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime under -std=c17 */
#endif
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "kernels/numfmt.h"

static const char usage[] =
        "usage: numfmt [--impl par|printf-17g|strtod|printf-lld|strtoll] [--n N]\n"
        "              [--runs R] [--smoke]\n"
        "N normal(4, 2) doubles (default 1e7; --smoke 1e5) formatted (dtoa: par vs\n"
        "printf %.17g) and parsed (strtod: par vs the C library's strtod), and N\n"
        "int64 values (i64fmt: par vs printf %lld; i64parse: par vs strtoll), on one\n"
        "core. JSON lines, metric ns_per_value, then the ratio par/peer per bench.\n";

#define SINK_BYTES (1u << 20)

static uint64_t sm_state = UINT64_C(20240601);

static uint64_t splitmix64(void)
{
        uint64_t z = (sm_state += UINT64_C(0x9E3779B97F4A7C15));
        z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
        return z ^ (z >> 31);
}

/* A uniform in (0, 1]. */
static double uniform01(void)
{
        return ((double)(splitmix64() >> 11) + 1.0) / 9007199254740992.0;
}

static void fill_normal(double *x, int64_t n)
{
        int64_t i;
        for (i = 0; i < n; i += 2) {
                double r = sqrt(-2.0 * log(uniform01()));
                double t = 6.283185307179586 * uniform01();
                x[i] = 4.0 + 2.0 * r * cos(t);
                if (i + 1 < n)
                        x[i + 1] = 4.0 + 2.0 * r * sin(t);
        }
}

/* Defeats dead-code elimination of the checksums. */
static volatile uint64_t sink_sum;

/* ---- the timed passes ------------------------------------------------------ */

static double dtoa_par(const double *x, int64_t n, char *sink)
{
        char *p = sink, *const stop = sink + SINK_BYTES - 64;
        uint64_t total = 0;
        double t0 = bench_now_ns();
        int64_t i;
        for (i = 0; i < n; i++) {
                size_t k = par__format_double(x[i], p);
                p[k] = '\n';
                p += k + 1;
                total += k;
                if (p > stop)
                        p = sink;
        }
        t0 = bench_now_ns() - t0;
        sink_sum += total;
        return t0;
}

static double dtoa_printf(const double *x, int64_t n, char *sink)
{
        char *p = sink, *const stop = sink + SINK_BYTES - 64;
        uint64_t total = 0;
        double t0 = bench_now_ns();
        int64_t i;
        for (i = 0; i < n; i++) {
                int k = snprintf(p, 40, "%.17g\n", x[i]);
                p += k;
                total += (uint64_t)k;
                if (p > stop)
                        p = sink;
        }
        t0 = bench_now_ns() - t0;
        sink_sum += total;
        return t0;
}

static double strtod_par(const char *text, const unsigned char *len, int64_t n, double *out)
{
        const char *p = text;
        double t0 = bench_now_ns();
        int64_t i;
        for (i = 0; i < n; i++) {
                if (par__parse_double(p, p + len[i], &out[i]) != 0)
                        out[i] = -1.0;
                p += len[i] + 1;
        }
        return bench_now_ns() - t0;
}

static double strtod_libc(const char *text, const unsigned char *len, int64_t n, double *out)
{
        const char *p = text;
        double t0 = bench_now_ns();
        int64_t i;
        for (i = 0; i < n; i++) {
                out[i] = strtod(p, NULL);
                p += len[i] + 1;
        }
        return bench_now_ns() - t0;
}

static double i64fmt_par(const int64_t *v, int64_t n, char *sink)
{
        char *p = sink, *const stop = sink + SINK_BYTES - 64;
        uint64_t total = 0;
        double t0 = bench_now_ns();
        int64_t i;
        for (i = 0; i < n; i++) {
                size_t k = par__format_int64(v[i], p);
                p[k] = '\n';
                p += k + 1;
                total += k;
                if (p > stop)
                        p = sink;
        }
        t0 = bench_now_ns() - t0;
        sink_sum += total;
        return t0;
}

static double i64fmt_printf(const int64_t *v, int64_t n, char *sink)
{
        char *p = sink, *const stop = sink + SINK_BYTES - 64;
        uint64_t total = 0;
        double t0 = bench_now_ns();
        int64_t i;
        for (i = 0; i < n; i++) {
                int k = snprintf(p, 40, "%lld\n", (long long)v[i]);
                p += k;
                total += (uint64_t)k;
                if (p > stop)
                        p = sink;
        }
        t0 = bench_now_ns() - t0;
        sink_sum += total;
        return t0;
}

static double i64parse_par(const char *text, const unsigned char *len, int64_t n, int64_t *out)
{
        const char *p = text;
        double t0 = bench_now_ns();
        int64_t i;
        for (i = 0; i < n; i++) {
                if (par__parse_int64(p, p + len[i], &out[i]) != 0)
                        out[i] = INT64_MIN;
                p += len[i] + 1;
        }
        return bench_now_ns() - t0;
}

static double i64parse_libc(const char *text, const unsigned char *len, int64_t n, int64_t *out)
{
        const char *p = text;
        double t0 = bench_now_ns();
        int64_t i;
        for (i = 0; i < n; i++) {
                out[i] = strtoll(p, NULL, 10);
                p += len[i] + 1;
        }
        return bench_now_ns() - t0;
}

/* ---- verification (outside the timing) ------------------------------------ */

static int check_doubles(const char *impl, const double *x, const double *got, int64_t n)
{
        int64_t i;
        for (i = 0; i < n; i++)
                if (memcmp(&x[i], &got[i], sizeof x[i]) != 0) {
                        fprintf(stderr, "numfmt: strtod %s: value %lld is %.17g, want %.17g\n",
                                impl, (long long)i, got[i], x[i]);
                        return 1;
                }
        return 0;
}

static int check_ints(const char *impl, const int64_t *v, const int64_t *got, int64_t n)
{
        int64_t i;
        for (i = 0; i < n; i++)
                if (v[i] != got[i]) {
                        fprintf(stderr, "numfmt: i64parse %s: value %lld is %lld, want %lld\n",
                                impl, (long long)i, (long long)got[i], (long long)v[i]);
                        return 1;
                }
        return 0;
}

/* The first formatted values against printf's %.17g read back by strtod. */
static int check_dtoa(const double *x, int64_t n)
{
        char buf[PAR__DOUBLE_MAX_CHARS + 1];
        int64_t i;
        for (i = 0; i < n && i < 100000; i++) {
                size_t k = par__format_double(x[i], buf);
                buf[k] = '\0';
                if (strtod(buf, NULL) != x[i]) {
                        fprintf(stderr, "numfmt: dtoa par: %.17g -> \"%s\"\n", x[i], buf);
                        return 1;
                }
        }
        return 0;
}

/* ---- output ----------------------------------------------------------------- */

typedef struct pair_result {
        const char *bench, *peer;
        int have_par, have_peer;
        double par_ns[BENCH_MAX_RUNS], peer_ns[BENCH_MAX_RUNS];
} pair_result;

static void emit_pair(pair_result *pr, int64_t n, int runs)
{
        double ratio[BENCH_MAX_RUNS];
        char name[64];
        int r;
        if (pr->have_par && pr->have_peer)
                for (r = 0; r < runs; r++)
                        ratio[r] = pr->par_ns[r] / pr->peer_ns[r];
        if (pr->have_par)
                bench_emit(pr->bench, "par", 1, n, "ns_per_value", pr->par_ns, runs, NULL);
        if (pr->have_peer)
                bench_emit(pr->bench, pr->peer, 1, n, "ns_per_value", pr->peer_ns, runs, NULL);
        if (pr->have_par && pr->have_peer) {
                snprintf(name, sizeof name, "par/%s", pr->peer);
                bench_emit(pr->bench, name, 1, n, "ratio", ratio, runs, NULL);
        }
}

int main(int argc, char **argv)
{
        static const char *const known[] = {"par", "printf-17g", "strtod", "printf-lld",
                                            "strtoll"};
        pair_result dtoa = {"dtoa", "printf-17g", 0, 0, {0}, {0}};
        pair_result pstr = {"strtod", "strtod", 0, 0, {0}, {0}};
        pair_result ifmt = {"i64fmt", "printf-lld", 0, 0, {0}, {0}};
        pair_result ipar = {"i64parse", "strtoll", 0, 0, {0}, {0}};
        bench_opts o;
        int64_t n, i;
        int r, rc = 0;
        double *x = NULL, *got = NULL;
        int64_t *iv = NULL, *igot = NULL;
        char *sink = NULL, *text = NULL, *itext = NULL;
        unsigned char *len = NULL, *ilen = NULL;
        size_t tn;

        bench_parse(argc, argv, &o, usage);
        bench_check_impl(&o, known, 5, "numfmt");
        n = o.n >= 0 ? o.n : o.smoke ? 100000 : 10000000;
        if (n < 1) {
                fprintf(stderr, "numfmt: --n must be >= 1\n");
                return 2;
        }
        dtoa.have_par = pstr.have_par = ifmt.have_par = ipar.have_par = bench_want(&o, "par");
        dtoa.have_peer = bench_want(&o, "printf-17g");
        pstr.have_peer = bench_want(&o, "strtod");
        ifmt.have_peer = bench_want(&o, "printf-lld");
        ipar.have_peer = bench_want(&o, "strtoll");

        x = malloc((size_t)n * sizeof *x);
        got = malloc((size_t)n * sizeof *got);
        iv = malloc((size_t)n * sizeof *iv);
        igot = malloc((size_t)n * sizeof *igot);
        len = malloc((size_t)n);
        ilen = malloc((size_t)n);
        sink = malloc(SINK_BYTES);
        text = malloc((size_t)n * (PAR__DOUBLE_MAX_CHARS + 1));
        itext = malloc((size_t)n * 21);
        if (!x || !got || !iv || !igot || !len || !ilen || !sink || !text || !itext) {
                fprintf(stderr, "numfmt: out of memory (n = %lld)\n", (long long)n);
                rc = 1;
                goto done;
        }
        fill_normal(x, n);
        for (i = 0; i < n; i++)
                iv[i] = (int64_t)llround(1000.0 * x[i]);
        /* The text both parsers read: par's output, one value a line. */
        tn = 0;
        for (i = 0; i < n; i++) {
                size_t k = par__format_double(x[i], text + tn);
                len[i] = (unsigned char)k;
                text[tn + k] = '\n';
                tn += k + 1;
        }
        tn = 0;
        for (i = 0; i < n; i++) {
                size_t k = par__format_int64(iv[i], itext + tn);
                ilen[i] = (unsigned char)k;
                itext[tn + k] = '\n';
                tn += k + 1;
        }
        memset(got, 0, (size_t)n * sizeof *got);
        memset(igot, 0, (size_t)n * sizeof *igot);
        memset(sink, 0, SINK_BYTES);
        if (dtoa.have_par && check_dtoa(x, n)) {
                rc = 1;
                goto done;
        }

        for (r = 0; r < o.runs; r++) {
                const double per = 1.0 / (double)n;
                if (dtoa.have_par)
                        dtoa.par_ns[r] = dtoa_par(x, n, sink) * per;
                if (dtoa.have_peer)
                        dtoa.peer_ns[r] = dtoa_printf(x, n, sink) * per;
                if (pstr.have_par) {
                        pstr.par_ns[r] = strtod_par(text, len, n, got) * per;
                        if (r == 0 && check_doubles("par", x, got, n)) {
                                rc = 1;
                                goto done;
                        }
                }
                if (pstr.have_peer) {
                        pstr.peer_ns[r] = strtod_libc(text, len, n, got) * per;
                        if (r == 0 && check_doubles("strtod", x, got, n)) {
                                rc = 1;
                                goto done;
                        }
                }
                if (ifmt.have_par)
                        ifmt.par_ns[r] = i64fmt_par(iv, n, sink) * per;
                if (ifmt.have_peer)
                        ifmt.peer_ns[r] = i64fmt_printf(iv, n, sink) * per;
                if (ipar.have_par) {
                        ipar.par_ns[r] = i64parse_par(itext, ilen, n, igot) * per;
                        if (r == 0 && check_ints("par", iv, igot, n)) {
                                rc = 1;
                                goto done;
                        }
                }
                if (ipar.have_peer) {
                        ipar.peer_ns[r] = i64parse_libc(itext, ilen, n, igot) * per;
                        if (r == 0 && check_ints("strtoll", iv, igot, n)) {
                                rc = 1;
                                goto done;
                        }
                }
        }
        emit_pair(&dtoa, n, o.runs);
        emit_pair(&pstr, n, o.runs);
        emit_pair(&ifmt, n, o.runs);
        emit_pair(&ipar, n, o.runs);
done:
        free(x);
        free(got);
        free(iv);
        free(igot);
        free(len);
        free(ilen);
        free(sink);
        free(text);
        free(itext);
        return rc;
}
