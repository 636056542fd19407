/* tests/test_numfmt.c — numbers to text and back (libpar/kernels/numfmt.h).
 *
 * References, each independent of the code under test:
 *   - a table of doubles with the strings Python 3's repr gives for them;
 *   - round trip: format then parse gives the same bits, for N random bit
 *     patterns (all exponents, subnormals, integers, values near powers of
 *     ten and two) and the extremes; N = 10^6, or argv[1];
 *   - shortest digits: for one value in 32 of those and the 20000 smallest
 *     subnormals, the fewest significant digits p for which glibc's
 *     correctly rounded "%.{p-1}e" reads back to the same double, laid out
 *     here by Python's rule, must equal the output (powers of two are left
 *     to python: there the nearest p-digit decimal need not be the one);
 *   - if python3 is on PATH: 10^4 doubles (every power of two, then random)
 *     against repr() run by python3 (skipped, with a note, when python3 is
 *     missing or does not run);
 *   - parsing against glibc's strtod (correctly rounded) on N/10 random
 *     decimal strings (up to 780 digits, exponents near both limits) and,
 *     for N/20 random doubles, the exact halfway point to the next double
 *     and strings just above and below it;
 *   - int64 against snprintf/strtoll, and rejection cases for both parsers.
 *
 * usage: test_numfmt [N]   (N random bit patterns for the round trip) */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kernels/numfmt.h"

/* ---- helpers --------------------------------------------------------------- */

static uint64_t rng_state = UINT64_C(0x9E3779B97F4A7C15);

static uint64_t next_u64(void)
{
        /* splitmix64 */
        uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
        z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
        return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
        return next_u64() % n;
}

static uint64_t bits_of(double x)
{
        uint64_t b;
        memcpy(&b, &x, sizeof b);
        return b;
}

static double of_bits(uint64_t b)
{
        double x;
        memcpy(&x, &b, sizeof x);
        return x;
}

/* Formats x into a NUL-terminated string; checks the length bound. */
static size_t fmt(double x, char *out)
{
        char buf[PAR__DOUBLE_MAX_CHARS + 8];
        size_t n;
        memset(buf, '#', sizeof buf);
        n = par__format_double(x, buf);
        CHECK_MSG(n > 0 && n <= PAR__DOUBLE_MAX_CHARS, "length %zu", n);
        CHECK_MSG(buf[PAR__DOUBLE_MAX_CHARS] == '#', "wrote past the bound");
        if (n > PAR__DOUBLE_MAX_CHARS)
                n = PAR__DOUBLE_MAX_CHARS;
        memcpy(out, buf, n);
        out[n] = '\0';
        return n;
}

static int parse_str(const char *s, double *out)
{
        return par__parse_double(s, s + strlen(s), out);
}

static int same_double(double a, double b)
{
        if (isnan(a) && isnan(b))
                return 1;
        return bits_of(a) == bits_of(b);
}

/* ---- Python's repr, from a table ------------------------------------------ */

static void test_repr_table(void)
{
        static const struct {
                double x;
                const char *repr;
        } cases[] = {
                {0.1, "0.1"},
                {0.2, "0.2"},
                {0.30000000000000004, "0.30000000000000004"},
                {1.0, "1.0"},
                {-1.0, "-1.0"},
                {2.5, "2.5"},
                {100.0, "100.0"},
                {123.0, "123.0"},
                {123.456, "123.456"},
                {-123.456, "-123.456"},
                {0.0, "0.0"},
                {-0.0, "-0.0"},
                {1e16, "1e+16"},
                {-1e16, "-1e+16"},
                {1e15, "1000000000000000.0"},
                {9999999999999998.0, "9999999999999998.0"},
                {9007199254740992.0, "9007199254740992.0"},
                {9007199254740994.0, "9007199254740994.0"},
                {1234567890123456.8, "1234567890123456.8"},
                {123456789012345678.0, "1.2345678901234568e+17"},
                {1e17, "1e+17"},
                {1.5e16, "1.5e+16"},
                {1e22, "1e+22"},
                {1e23, "1e+23"},
                {0.0001, "0.0001"},
                {0.00012345, "0.00012345"},
                {1e-05, "1e-05"},
                {1.5e-05, "1.5e-05"},
                {9.999999999999999e-05, "9.999999999999999e-05"},
                {0.001, "0.001"},
                {1e-7, "1e-07"},
                {1e-10, "1e-10"},
                {1e100, "1e+100"},
                {1e-100, "1e-100"},
                {5e-324, "5e-324"},
                {-5e-324, "-5e-324"},
                {1e-323, "1e-323"},
                {2.2250738585072014e-308, "2.2250738585072014e-308"},
                {2.225073858507201e-308, "2.225073858507201e-308"},
                {1.7976931348623157e308, "1.7976931348623157e+308"},
                {-1.7976931348623157e308, "-1.7976931348623157e+308"},
                {3.141592653589793, "3.141592653589793"},
                {2.718281828459045, "2.718281828459045"},
                {1.0 / 3.0, "0.3333333333333333"},
                {2.0 / 3.0, "0.6666666666666666"},
                {4.35, "4.35"},
                {0.5, "0.5"},
                {0.125, "0.125"},
                {1024.0, "1024.0"},
                {65536.5, "65536.5"},
                {4294967296.0, "4294967296.0"},
                {9007199254740993.0, "9007199254740992.0"},
                {12345678.9, "12345678.9"},
                {0.1 + 0.7, "0.7999999999999999"},
                {1.1, "1.1"},
                {5.0e-5, "5e-05"},
                {1e-4 * 3, "0.00030000000000000003"},
                {2e15 + 0.5, "2000000000000000.5"},
                {4503599627370495.5, "4503599627370495.5"},
                {1e21, "1e+21"},
                {123e18, "1.23e+20"},
                {8.41e21, "8.41e+21"},
                {5e-310, "5e-310"},
                {2.9802322387695312e-08, "2.9802322387695312e-08"},
                /* powers of two: the gap below is half the gap above */
                {0x1p1023, "8.98846567431158e+307"},
                {0x1p1000, "1.0715086071862673e+301"},
                {0x1p500, "3.273390607896142e+150"},
                {0x1p100, "1.2676506002282294e+30"},
                {0x1p60, "1.152921504606847e+18"},
                {0x1p54, "1.8014398509481984e+16"},
                {0x1p53, "9007199254740992.0"},
                {0x1p-20, "9.5367431640625e-07"},
                {0x1p-30, "9.313225746154785e-10"},
                {0x1p-100, "7.888609052210118e-31"},
                {0x1p-500, "3.054936363499605e-151"},
                {0x1p-1000, "9.332636185032189e-302"},
                {0x1p-1022, "2.2250738585072014e-308"},
                {0x1p-1023, "1.1125369292536007e-308"},
                {0x1p-1060, "8.095e-320"},
        };
        char s[64];
        size_t i;
        for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                fmt(cases[i].x, s);
                CHECK_MSG(strcmp(s, cases[i].repr) == 0, "case %zu: got \"%s\", want \"%s\"",
                          i, s, cases[i].repr);
        }
        fmt(NAN, s);
        CHECK(strcmp(s, "nan") == 0);
        fmt(-NAN, s);
        CHECK(strcmp(s, "nan") == 0);
        fmt(of_bits(UINT64_C(0x7FF0000000000001)), s);
        CHECK(strcmp(s, "nan") == 0);
        fmt(INFINITY, s);
        CHECK(strcmp(s, "inf") == 0);
        fmt(-INFINITY, s);
        CHECK(strcmp(s, "-inf") == 0);
}

/* ---- shortest digits, from glibc's correctly rounded %e ------------------- */

/* Python's repr of finite nonzero x, built from the fewest significant digits
 * that glibc's %.{p-1}e needs to round-trip. Returns 0, or -1 if x is a power
 * of two (mantissa zero), where the closest p-digit decimal may not be the
 * one shortest-digit algorithms pick (the interval is lopsided). */
static int reference_repr(double x, char *out)
{
        char e[64], digits[32];
        int p, nd = 0, exp10, k;
        char *q = out;
        if ((bits_of(x) & UINT64_C(0x000FFFFFFFFFFFFF)) == 0)
                return -1;
        for (p = 1; p <= 17; p++) {
                snprintf(e, sizeof e, "%.*e", p - 1, x);
                if (strtod(e, NULL) == x)
                        break;
        }
        /* e: [-]d[.ddd]e[+-]XX */
        {
                const char *c = e;
                if (*c == '-')
                        *q++ = *c++;
                for (; *c != 'e'; c++)
                        if (*c != '.')
                                digits[nd++] = *c;
                exp10 = atoi(c + 1);
        }
        while (nd > 1 && digits[nd - 1] == '0')
                nd--;
        if (exp10 >= -4 && exp10 < 16) {
                if (exp10 < 0) {
                        *q++ = '0';
                        *q++ = '.';
                        for (k = 0; k < -exp10 - 1; k++)
                                *q++ = '0';
                        memcpy(q, digits, (size_t)nd);
                        q += nd;
                } else if (nd <= exp10 + 1) {
                        memcpy(q, digits, (size_t)nd);
                        q += nd;
                        for (k = nd; k < exp10 + 1; k++)
                                *q++ = '0';
                        *q++ = '.';
                        *q++ = '0';
                } else {
                        memcpy(q, digits, (size_t)exp10 + 1);
                        q += exp10 + 1;
                        *q++ = '.';
                        memcpy(q, digits + exp10 + 1, (size_t)(nd - exp10 - 1));
                        q += nd - exp10 - 1;
                }
                *q = '\0';
        } else {
                *q++ = digits[0];
                if (nd > 1) {
                        *q++ = '.';
                        memcpy(q, digits + 1, (size_t)nd - 1);
                        q += nd - 1;
                }
                sprintf(q, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
        }
        return 0;
}

/* A random double from one of several families. */
static double random_double(void)
{
        uint64_t r = next_u64();
        switch (below(10)) {
        case 0: /* subnormal */
                return of_bits((r & UINT64_C(0x800FFFFFFFFFFFFF)));
        case 1: /* integer */
                return (double)(int64_t)(r >> below(64)) * (r & 1 ? -1 : 1);
        case 2: { /* near a power of ten, a few ulps away */
                double p = pow(10.0, (double)((int)below(640) - 325));
                uint64_t b = bits_of(p);
                if (b == 0 || isinf(p))
                        return p;
                return of_bits(b + below(7) - 3);
        }
        case 3: /* a few significant digits times a power of ten */
                return (double)below(100000) * pow(10.0, (double)((int)below(50) - 25));
        case 4: /* exponents around the positional/scientific switch */
                return of_bits((r & UINT64_C(0x800FFFFFFFFFFFFF)) |
                               ((uint64_t)(1023 - 20 + below(80)) << 52));
        case 5: /* power of two */
                return of_bits(((uint64_t)below(2047)) << 52);
        default: /* any bit pattern */
                return of_bits(r);
        }
}

static void test_round_trip(long long n)
{
        static const double fixed[] = {
                0.0, -0.0, INFINITY, -INFINITY, DBL_MAX, -DBL_MAX, DBL_MIN, -DBL_MIN,
                5e-324, -5e-324, DBL_EPSILON, 1.0, -1.0, 1e16, 1e-4, 1e-5, 1e15,
                9007199254740992.0, 2.2250738585072009e-308, 0x1.fffffffffffffp-1,
                0x1p-1022, 0x1.0000000000001p0, 9.999999999999999e15, 1e23,
        };
        char s[64], ref[64];
        long long i, bad = 0, badref = 0, checked = 0;
        size_t k;
        for (k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
                double y = -1;
                fmt(fixed[k], s);
                CHECK_MSG(parse_str(s, &y) == 0 && same_double(y, fixed[k]),
                          "fixed %zu: \"%s\"", k, s);
        }
        {
                double y = 0;
                fmt(NAN, s);
                CHECK(parse_str(s, &y) == 0 && isnan(y));
        }
        for (i = 0; i < n; i++) {
                double x = random_double(), y = 0;
                int rc;
                fmt(x, s);
                rc = parse_str(s, &y);
                if (rc != 0 || !same_double(x, y)) {
                        if (isnan(x) && rc == 0 && isnan(y))
                                continue;
                        if (bad++ < 10)
                                fprintf(stderr, "round trip: %a (%016" PRIx64 ") -> \"%s\" -> %a\n",
                                        x, bits_of(x), s, y);
                }
                if ((i & 31) == 0 && isfinite(x) && x != 0 && reference_repr(x, ref) == 0) {
                        checked++;
                        if (strcmp(s, ref) != 0 && badref++ < 10)
                                fprintf(stderr, "shortest: %a -> \"%s\", reference \"%s\"\n", x,
                                        s, ref);
                }
        }
        /* the smallest subnormals, where the shortest decimal is short */
        for (i = 1; i <= 20000; i++) {
                double x = of_bits((uint64_t)i), y = 0;
                fmt(x, s);
                if ((parse_str(s, &y) != 0 || y != x) && bad++ < 10)
                        fprintf(stderr, "round trip: %a -> \"%s\" -> %a\n", x, s, y);
                reference_repr(x, ref);
                checked++;
                if (strcmp(s, ref) != 0 && badref++ < 10)
                        fprintf(stderr, "shortest: %a -> \"%s\", reference \"%s\"\n", x, s, ref);
        }
        CHECK_MSG(bad == 0, "%lld of %lld did not round-trip", bad, n);
        CHECK_MSG(badref == 0, "%lld of %lld differ from the %%e reference", badref, checked);
}

/* ---- against python3's repr ------------------------------------------------ */

/* python3 starts slowly (a pyenv shim takes seconds), so it is started
 * first, reading its input from a file, and read after the other tests. */
enum { PY_N = 10000 };
static double py_xs[PY_N];
static char py_path[512];
static FILE *py_pipe;

static void python_start(void)
{
        char cmd[1024];
        FILE *f;
        int fd, i;
        if (system("command -v python3 >/dev/null 2>&1") != 0) {
                printf("test_numfmt: python3 not found, skipping the repr comparison\n");
                return;
        }
        {
                const char *dir = getenv("TMPDIR");
                snprintf(py_path, sizeof py_path, "%s/test_numfmt_XXXXXX",
                         dir && *dir ? dir : "/tmp");
        }
        fd = mkstemp(py_path);
        CHECK(fd >= 0);
        if (fd < 0)
                return;
        f = fdopen(fd, "w");
        for (i = 0; i < PY_N; i++) {
                double x = random_double();
                if (i < 2098) /* every power of two, 2^-1074 to 2^1023 */
                        x = ldexp(i % 2 ? -1.0 : 1.0, i - 1074);
                else if (i % 3 == 0) /* the benchmark's kind of data: around 4 */
                        x = 4.0 + 12.0 * ((double)(next_u64() >> 11) / 9007199254740992.0 - 0.5);
                py_xs[i] = x;
                fprintf(f, "%016" PRIx64 "\n", bits_of(x));
        }
        fclose(f);
        snprintf(cmd, sizeof cmd,
                 "python3 -c 'import sys, struct\n"
                 "for l in sys.stdin: print(repr(struct.unpack(\"<d\", "
                 "struct.pack(\"<Q\", int(l, 16)))[0]))' < %s 2>/dev/null",
                 py_path);
        fflush(NULL);
        py_pipe = popen(cmd, "r");
        CHECK(py_pipe != NULL);
}

static void python_finish(void)
{
        char line[128], s[64];
        int i, bad = 0, got = 0, rc;
        if (!py_pipe)
                return;
        for (i = 0; i < PY_N && fgets(line, sizeof line, py_pipe); i++) {
                line[strcspn(line, "\n")] = '\0';
                got++;
                fmt(py_xs[i], s);
                if (strcmp(s, line) != 0 && bad++ < 10)
                        fprintf(stderr, "python: %a -> \"%s\", repr \"%s\"\n", py_xs[i], s, line);
        }
        rc = pclose(py_pipe);
        unlink(py_path);
        if (got == 0 && rc != 0) {
                printf("test_numfmt: python3 did not run, skipping the repr comparison\n");
                return;
        }
        CHECK_MSG(got == PY_N && rc == 0, "python3 gave %d lines, status %d", got, rc);
        CHECK_MSG(bad == 0, "%d of %d differ from python3's repr", bad, got);
        printf("test_numfmt: %d doubles compared with python3's repr\n", got);
}

/* ---- parsing against strtod ------------------------------------------------ */

static int check_parse_vs_strtod(const char *s)
{
        double want, got = 0;
        char *end;
        int rc;
        errno = 0;
        want = strtod(s, &end);
        if (*end != '\0') {
                fprintf(stderr, "generator bug: strtod stopped in \"%s\"\n", s);
                return 1;
        }
        rc = parse_str(s, &got);
        if (rc != 0 || !same_double(got, want)) {
                fprintf(stderr, "parse \"%.120s\"%s: rc %d got %a, strtod %a\n", s,
                        strlen(s) > 120 ? "..." : "", rc, got, want);
                return 1;
        }
        return 0;
}

/* A random decimal string: sign, digits with a point somewhere, exponent. */
static void random_decimal(char *s, size_t cap)
{
        size_t n = 0, nd, k, point;
        int has_exp, e;
        if (below(2))
                s[n++] = below(2) ? '-' : '+';
        nd = below(8) == 0 ? 1 + below(780) : 1 + below(40);
        if (nd + 32 > cap)
                nd = cap - 32;
        point = below(3) == 0 ? nd + 1 : below(nd + 1); /* nd + 1: no point */
        for (k = 0; k < nd; k++) {
                if (k == point)
                        s[n++] = '.';
                s[n++] = (char)('0' + (k == 0 && below(4) ? 1 + below(9) : below(10)));
        }
        if (point == nd)
                s[n++] = '.';
        has_exp = below(4) != 0;
        if (has_exp) {
                switch (below(4)) {
                case 0:
                        e = (int)below(41) - 20;
                        break;
                case 1: /* near the top */
                        e = 280 + (int)below(50) - (int)(point < nd ? point : nd);
                        break;
                case 2: /* near the bottom, subnormals */
                        e = -350 + (int)below(60) - (int)(point < nd ? point : nd);
                        break;
                default:
                        e = (int)below(800) - 400;
                }
                n += (size_t)snprintf(s + n, cap - n, "%c%s%d", below(2) ? 'e' : 'E',
                                      e >= 0 && below(2) ? "+" : "", e);
        }
        s[n] = '\0';
}

/* The exact decimal of the midpoint between x and the next double up (exact
 * in x87 long double: 64 significant bits), and strings just off it. */
static int halfway_cases(double x)
{
        char s[1200];
        long double lo = x, hi = nextafter(x, INFINITY), mid = (lo + hi) / 2;
        int fails = 0;
        size_t n;
        if (isinf(hi) || LDBL_MANT_DIG < 64)
                return 0;
        snprintf(s, sizeof s, "%.1100Le", mid);
        /* trim trailing zeros of the mantissa: keeps the value exact */
        {
                char *e = strchr(s, 'e');
                char *t = e;
                char ex[16];
                strcpy(ex, e);
                while (t[-1] == '0')
                        t--;
                if (t[-1] == '.')
                        t--;
                strcpy(t, ex);
        }
        fails += check_parse_vs_strtod(s);
        /* one more digit above the midpoint */
        {
                char t[1200], *e = strchr(s, 'e');
                n = (size_t)(e - s);
                memcpy(t, s, n);
                if (!memchr(t, '.', n))
                        t[n++] = '.';
                t[n++] = '0';
                t[n++] = '0';
                t[n++] = '1';
                strcpy(t + n, e);
                fails += check_parse_vs_strtod(t);
        }
        /* just below: %.*Le with fewer digits rounds the midpoint down or up;
         * use the midpoint minus a tiny amount via nextafterl */
        snprintf(s, sizeof s, "%.40Le", nextafterl(mid, 0));
        fails += check_parse_vs_strtod(s);
        return fails;
}

static void test_parse(long long n)
{
        static const struct {
                const char *s;
                double want;
        } exact[] = {
                {"0", 0.0},
                {"-0", -0.0},
                {"-0.0", -0.0},
                {"+0.0e10", 0.0},
                {"1", 1.0},
                {"1.", 1.0},
                {".5", 0.5},
                {"-.5", -0.5},
                {"+1.5", 1.5},
                {"00012", 12.0},
                {"1e5", 1e5},
                {"1E5", 1e5},
                {"1e+5", 1e5},
                {"1e-5", 1e-5},
                {"0.1", 0.1},
                {"9007199254740993", 9007199254740992.0},
                {"9007199254740993.0000000000000000000001", 9007199254740994.0},
                {"9007199254740995", 9007199254740996.0},
                {"1.7976931348623157e308", DBL_MAX},
                {"1.7976931348623158e308", DBL_MAX},
                {"1.7976931348623159e308", INFINITY},
                {"1e400", INFINITY},
                {"-1e400", -INFINITY},
                {"1e-400", 0.0},
                {"-1e-400", -0.0},
                {"1e999999999999999999999", INFINITY},
                {"1e-999999999999999999999", 0.0},
                {"0e999999999999999999999", 0.0},
                {"0.0000000000000000000000000000001e330", 1e299},
                {"100000000000000000000000000000000000e-360", 0.0},
                {"5e-324", 5e-324},
                {"2.4703282292062328e-324", 5e-324},
                {"2.4703282292062327e-324", 0.0},
                {"2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125e-324", 0.0},
                {"2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125001e-324", 5e-324},
                {"2.2250738585072011e-308", 2.225073858507201e-308},
                /* the fast paths: Clinger's, the 64-bit one, their limits */
                {"1e22", 1e22},
                {"1e23", 1e23},
                {"9007199254740992e-22", 9007199254740992e-22},
                {"9007199254740993e-22", 9007199254740993e-22},
                {"1234567890123456789e-27", 1234567890123456789e-27},
                {"1234567890123456789e27", 1234567890123456789e27},
                {"1234567890123456789e28", 1234567890123456789e28},
                {"12345678901234567890", 12345678901234567890.0},
                {"0.000000000000000000000000001", 1e-27},
                {"00000000000000000000000000000.5", 0.5},
                {"0.00000000000000000000000000000000000000001234", 1.234e-41},
                {"100000000000000008", 100000000000000000.0},
                {"100000000000000024", 100000000000000032.0},
                {"1000000000000000080e-1", 100000000000000000.0},
                {"23.602538532212705", 23.602538532212705},
                {"5.150634633053176", 5.150634633053176},
                {"5.", 5.0},
                {"+.5e1", 5.0},
                {"5.e-1", 0.5},
                {"inf", INFINITY},
                {"INF", INFINITY},
                {"-Infinity", -INFINITY},
                {"+infinity", INFINITY},
        };
        static const char *const rejects[] = {
                "", "+", "-", " 1", "1 ", "1\t", "\n1", "1e", "1e+", "1e-", "e5", ".", "-.",
                ".e1", "1..2", "1.2.3", "0x10", "0x1p3", "nan(1)", "nan()", "infx", "in",
                "infinit", "infinityy", "--1", "+-1", "-+1", "1,5", "1_000", "1e5.0",
                "1e5e5", "abc", "n", "-nan(", "1-", "1+1", "∞",
        };
        char s[1000];
        size_t k;
        long long i, fails = 0;
        double y;
        for (k = 0; k < sizeof exact / sizeof exact[0]; k++) {
                y = 12345;
                CHECK_MSG(parse_str(exact[k].s, &y) == 0 && same_double(y, exact[k].want),
                          "\"%.60s\" -> %a, want %a", exact[k].s, y, exact[k].want);
                CHECK_MSG(check_parse_vs_strtod(exact[k].s) == 0, "\"%.60s\"", exact[k].s);
        }
        for (k = 0; k < sizeof rejects / sizeof rejects[0]; k++) {
                y = 12345;
                CHECK_MSG(parse_str(rejects[k], &y) == -1 && y == 12345, "accepted \"%s\"",
                          rejects[k]);
        }
        /* NaN in any case, either sign */
        CHECK(parse_str("nan", &y) == 0 && isnan(y));
        CHECK(parse_str("NaN", &y) == 0 && isnan(y));
        CHECK(parse_str("-NAN", &y) == 0 && isnan(y));
        CHECK(parse_str("+nan", &y) == 0 && isnan(y));
        /* the range is the number: a NUL or text after end is not read */
        {
                static const char nul[] = "1\0", twelve[] = "12", e5[] = "1e5";
                CHECK(par__parse_double(nul, nul + 2, &y) == -1);
                CHECK(par__parse_double(twelve, twelve + 1, &y) == 0 && y == 1.0);
                CHECK(par__parse_double(e5, e5 + 2, &y) == -1);
        }
        CHECK(par__parse_double("x", "x", &y) == -1);

        for (i = 0; i < n; i++) {
                random_decimal(s, sizeof s);
                if (check_parse_vs_strtod(s) && ++fails > 10)
                        break;
        }
        CHECK_MSG(fails == 0, "%lld random decimal strings differ from strtod", fails);

        fails = 0;
        for (i = 0; i < n / 20; i++) {
                double x = random_double();
                if (!isfinite(x))
                        continue;
                x = fabs(x);
                fails += halfway_cases(x);
                if (fails > 10)
                        break;
        }
        CHECK_MSG(fails == 0, "%lld halfway cases differ from strtod", fails);

        /* Inputs of the fast paths (at most 19 significant digits, small
         * exponents) and just past their limits. */
        fails = 0;
        for (i = 0; i < n; i++) {
                size_t at = 0, nd = 1 + below(21), point = below(nd + 2), z = below(4) ? 0 : below(30);
                if (below(2))
                        s[at++] = '-';
                for (k = 0; k < z; k++) /* leading zeros */
                        s[at++] = '0';
                for (k = 0; k < nd; k++) {
                        if (k == point)
                                s[at++] = '.';
                        s[at++] = (char)('0' + below(10));
                }
                if (below(2))
                        at += (size_t)sprintf(s + at, "e%d", (int)below(61) - 30);
                s[at] = 0;
                if (check_parse_vs_strtod(s) && ++fails > 10)
                        break;
        }
        CHECK_MSG(fails == 0, "%lld short decimals differ from strtod", fails);
        /* Exact ties between two doubles in [2^53, 2^64), written with up
         * to 19 digits: the 64-bit path must see them and defer. */
        fails = 0;
        for (i = 0; i < n / 10; i++) {
                double x = ldexp(1.0 + (double)below(1u << 30) / (1u << 30), 53 + (int)below(10));
                long double mid = ((long double)x + (long double)nextafter(x, INFINITY)) / 2;
                unsigned long long m = (unsigned long long)mid;
                snprintf(s, sizeof s, "%llu", m);
                fails += check_parse_vs_strtod(s);
                if (strlen(s) < 19) {
                        snprintf(s, sizeof s, "%llu0e-1", m);
                        fails += check_parse_vs_strtod(s);
                }
                snprintf(s, sizeof s, "%llu.0", m);
                fails += check_parse_vs_strtod(s);
                if (fails > 10)
                        break;
        }
        CHECK_MSG(fails == 0, "%lld ties of 19 digits or fewer differ from strtod", fails);
}

/* ---- int64 ------------------------------------------------------------------ */

static int parse_i64(const char *s, int64_t *out)
{
        return par__parse_int64(s, s + strlen(s), out);
}

static void test_int64(long long n)
{
        static const int64_t fixed[] = {
                0, 1, -1, 9, 10, 99, 100, 101, 12345678, 123456789, 99999999, 100000000,
                999999999999999999, 1000000000000000000, INT64_MAX, INT64_MIN, INT64_MIN + 1,
                INT64_MAX - 1, -10, -100, 4294967296, -4294967296,
        };
        static const struct {
                const char *s;
                int64_t want;
        } accepts[] = {
                {"0", 0},
                {"-0", 0},
                {"+0", 0},
                {"+5", 5},
                {"-5", -5},
                {"007", 7},
                {"0000000000000000000000000000123", 123},
                {"-0000000000000000000000009223372036854775808", INT64_MIN},
                {"9223372036854775807", INT64_MAX},
                {"-9223372036854775808", INT64_MIN},
                {"12345678", 12345678},
                {"1234567812345678", 1234567812345678},
                {"-1234567890123456789", -1234567890123456789},
        };
        static const char *const rejects[] = {
                "", "+", "-", " 1", "1 ", " ", "1.0", "1.", "1e3", "0x1", "--1", "+-1",
                "9223372036854775808", "-9223372036854775809", "18446744073709551616",
                "99999999999999999999", "99999999999999999999999999", "12a45678901",
                "1234567a", "a2345678", "123456789012345x", "1234567:", "1234567/",
                "1_000", "１", "0-", "1,000", "nan", "inf",
        };
        char s[64], ref[64];
        size_t k, len;
        long long i, bad = 0;
        int64_t v;
        for (k = 0; k < sizeof fixed / sizeof fixed[0]; k++) {
                len = par__format_int64(fixed[k], s);
                s[len] = '\0';
                snprintf(ref, sizeof ref, "%" PRId64, fixed[k]);
                CHECK_MSG(strcmp(s, ref) == 0, "format %s -> \"%s\"", ref, s);
                v = 42;
                CHECK_MSG(parse_i64(ref, &v) == 0 && v == fixed[k], "parse \"%s\"", ref);
        }
        for (k = 0; k < sizeof accepts / sizeof accepts[0]; k++) {
                v = 42;
                CHECK_MSG(parse_i64(accepts[k].s, &v) == 0 && v == accepts[k].want,
                          "parse \"%s\" -> %" PRId64, accepts[k].s, v);
        }
        for (k = 0; k < sizeof rejects / sizeof rejects[0]; k++) {
                v = 42;
                CHECK_MSG(parse_i64(rejects[k], &v) == -1 && v == 42, "accepted \"%s\"",
                          rejects[k]);
        }
        {
                static const char twelve[] = "12", nine[] = "123456789", nul[] = "1\0";
                CHECK(par__parse_int64(twelve, twelve + 1, &v) == 0 && v == 1);
                CHECK(par__parse_int64(nine, nine + 8, &v) == 0 && v == 12345678);
                CHECK(par__parse_int64(nul, nul + 2, &v) == -1);
        }
        for (i = 0; i < n; i++) {
                int64_t x = (int64_t)(next_u64() >> below(64));
                int64_t y = 42;
                char *end;
                long long want;
                if (below(2))
                        x = -x;
                len = par__format_int64(x, s);
                s[len] = '\0';
                snprintf(ref, sizeof ref, "%" PRId64, x);
                if ((strcmp(s, ref) != 0 || parse_i64(s, &y) != 0 || y != x) && bad++ < 10)
                        fprintf(stderr, "int64 %s -> \"%s\" -> %" PRId64 "\n", ref, s, y);
                /* a random digit string against strtoll */
                {
                        size_t nd = 1 + below(21), j;
                        int rc;
                        for (j = 0; j < nd; j++)
                                s[j] = (char)('0' + (j == 0 ? below(10) : below(10)));
                        s[nd] = '\0';
                        errno = 0;
                        want = strtoll(s, &end, 10);
                        rc = parse_i64(s, &y);
                        if (errno == ERANGE ? rc != -1 : (rc != 0 || y != want)) {
                                if (bad++ < 10)
                                        fprintf(stderr, "int64 parse \"%s\": rc %d %" PRId64
                                                        ", strtoll %lld\n", s, rc, y, want);
                        }
                }
        }
        CHECK_MSG(bad == 0, "%lld int64 failures", bad);
}

int main(int argc, char **argv)
{
        long long n = 1000000;
        if (argc > 1) {
                n = atoll(argv[1]);
                if (n <= 0) {
                        fprintf(stderr, "usage: test_numfmt [N]\n");
                        return 2;
                }
        }
        python_start();
        test_repr_table();
        test_round_trip(n);
        test_parse(n / 10);
        test_int64(n / 10);
        python_finish();
        return check_done("test_numfmt");
}
