/* Text kernels (libpar/kernels/text.h) against naive references: byte and
 * line counts, line offsets, substring search and line filtering, on
 * random and hand-made inputs, for every instruction-set level this CPU
 * has; case mapping, strip, word splitting; regex search and its errors;
 * gunzip of data compressed here, including multi-member, truncated and
 * corrupt input; and out-of-memory behaviour of regex and gunzip. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend_harness.h"
#include "check.h"
#include "core/internal.h"
#include "kernels/text.h"
#include "par_config.h"

#if defined(PAR_HAVE_ZLIB) && PAR_HAVE_ZLIB
#include <zlib.h>
#endif

/* In text.c, for tests: 0 portable, 2 AVX2; returns the level in force. */
int par__text_set_isa(int level);

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
        uint64_t x = rng_state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return rng_state = x;
}
static size_t rnd_below(size_t n)
{
        return n ? (size_t)(rnd() % n) : 0;
}

/* ---- naive references ---- */

static size_t ref_count_byte(const char *b, size_t n, char d)
{
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
                c += b[i] == d;
        return c;
}

static size_t ref_count_lines(const char *b, size_t n, char d)
{
        return ref_count_byte(b, n, d) + (n > 0 && b[n - 1] != d);
}

static const char *ref_find(const char *h, size_t n, const char *nd, size_t m)
{
        if (m == 0)
                return h;
        for (size_t i = 0; i + m <= n; i++)
                if (memcmp(h + i, nd, m) == 0)
                        return h + i;
        return NULL;
}

static size_t ref_count_containing(const char *b, size_t n, char d,
                                   const char *nd, size_t m)
{
        size_t count = 0, s = 0;
        while (s < n) {
                size_t e = s;
                while (e < n && b[e] != d)
                        e++;
                if (e < n)
                        e++; /* the delimiter is part of the line */
                if (ref_find(b + s, e - s, nd, m))
                        count++;
                s = e;
        }
        return count;
}

/* Checks every line kernel on one input; returns false on a mismatch
 * (after reporting it), so random loops stop at the first. */
static bool check_lines(const char *b, size_t n, char d, const char *nd,
                        size_t m, const char *what)
{
        bool ok = true;
        size_t cb = par__count_byte(b, n, d), rcb = ref_count_byte(b, n, d);
        CHECK_MSG(cb == rcb, "%s: count_byte %zu, expected %zu", what, cb, rcb);
        ok &= cb == rcb;
        size_t cl = par__count_lines(b, n, d), rcl = ref_count_lines(b, n, d);
        CHECK_MSG(cl == rcl, "%s: count_lines %zu, expected %zu", what, cl, rcl);
        ok &= cl == rcl;

        int64_t *st = malloc((rcl + 1) * sizeof *st);
        size_t k = par__line_offsets(b, n, d, st);
        bool off_ok = k == rcl && st[k] == (int64_t)n && (k == 0 || st[0] == 0);
        for (size_t i = 1; off_ok && i < k; i++)
                off_ok = st[i] > st[i - 1] && b[st[i] - 1] == d &&
                         ref_count_byte(b + st[i - 1], (size_t)(st[i] - st[i - 1]), d) == 1;
        CHECK_MSG(off_ok, "%s: line_offsets (k %zu, expected %zu)", what, k, rcl);
        ok &= off_ok;
        free(st);

        if (m > 0) {
                size_t c = par__count_lines_containing(b, n, d, nd, m);
                size_t rc = ref_count_containing(b, n, d, nd, m);
                CHECK_MSG(c == rc, "%s: count_lines_containing('%.*s') %zu, expected %zu",
                          what, (int)(m > 40 ? 40 : m), nd, c, rc);
                ok &= c == rc;
                const char *f = par__find(b, n, nd, m), *rf = ref_find(b, n, nd, m);
                CHECK_MSG(f == rf, "%s: find('%.*s') at %td, expected %td", what,
                          (int)(m > 40 ? 40 : m), nd, f ? f - b : -1,
                          rf ? rf - b : -1);
                ok &= f == rf;
        }
        return ok;
}

#define LINES(lit, d, nd, what) \
        check_lines(lit, sizeof(lit) - 1, d, nd, strlen(nd), what)

static void test_lines_handmade(void)
{
        /* empty buffer */
        int64_t st[4] = {-1, -1, -1, -1};
        CHECK(par__count_byte("", 0, '\n') == 0);
        CHECK(par__count_lines("", 0, '\n') == 0);
        CHECK(par__line_offsets("", 0, '\n', st) == 0 && st[0] == 0);
        CHECK(par__count_lines_containing("", 0, '\n', "a", 1) == 0);
        CHECK(par__find("", 0, "a", 1) == NULL);
        CHECK(LINES("", '\n', "God", "empty"));
        CHECK(LINES("\n", '\n', "\n", "one delimiter"));
        CHECK(LINES("\n\n\n", '\n', "x", "blank lines"));

        /* no trailing delimiter */
        CHECK(par__count_lines("a\nb", 3, '\n') == 2);
        CHECK(par__count_lines("a\nb\n", 4, '\n') == 2);
        CHECK(par__line_offsets("a\nbc", 4, '\n', st) == 2 && st[0] == 0 &&
              st[1] == 2 && st[2] == 4);
        CHECK(par__line_offsets("a\nbc\n", 5, '\n', st) == 2 && st[1] == 2 &&
              st[2] == 5);
        CHECK(LINES("God\nno\nGod", '\n', "God", "last line unterminated"));
        CHECK(par__count_lines_containing("God\nno\nGod", 11, '\n', "God", 3) == 2);

        /* CRLF: the \r stays in the line */
        CHECK(par__count_lines_containing("ab\r\ncd\r\n", 8, '\n', "b\r", 2) == 1);
        CHECK(par__count_lines_containing("ab\r\ncd\r\n", 8, '\n', "\r\n", 2) == 2);
        CHECK(par__count_lines_containing("ab\r\ncd\r\n", 8, '\n', "\r\nc", 3) == 0);
        CHECK(LINES("ab\r\ncd\r\nef", '\n', "d\r", "crlf"));

        /* needle at buffer start / end, spanning a line break */
        CHECK(par__count_lines_containing("God is\nhere\n", 12, '\n', "God", 3) == 1);
        CHECK(par__count_lines_containing("x\nsaid God", 10, '\n', "God", 3) == 1);
        CHECK(par__count_lines_containing("x\nsaid Go\nd", 11, '\n', "God", 3) == 0);
        CHECK(par__count_lines_containing("ab\ncd\n", 6, '\n', "b\nc", 3) == 0);
        CHECK(par__find("ab\ncd", 5, "b\nc", 3) != NULL); /* find is not line-aware */
        CHECK(par__count_lines_containing("ab\ncd\n", 6, '\n', "b\n", 2) == 1);
        CHECK(LINES("God", '\n', "God", "whole buffer is the needle"));
        CHECK(LINES("Go", '\n', "God", "buffer shorter than needle"));

        /* overlapping occurrences count once per line */
        CHECK(par__count_lines_containing("aaaa\naa\na\n", 10, '\n', "aa", 2) == 2);
        CHECK(par__count_lines_containing("abababab\n", 9, '\n', "abab", 4) == 1);

        /* needle of length 1, needle equal to the delimiter */
        CHECK(par__count_lines_containing("a\nb\nab\n", 7, '\n', "a", 1) == 2);
        CHECK(par__count_lines_containing("a\nb\nc", 5, '\n', "\n", 1) == 2);

        /* other delimiters */
        CHECK(par__count_lines("a;b;c", 5, ';') == 3);
        CHECK(par__count_lines_containing("God;dog;God\n;", 13, ';', "God", 3) == 2);
        CHECK(par__count_lines_containing("a\0b\0a", 5, '\0', "a", 1) == 2);
        CHECK(LINES("x\0yGod\0\0God", '\0', "God", "NUL delimiter"));
        CHECK(par__count_lines_containing("ab;cd", 5, ';', "b;c", 3) == 0);
}

static void test_lines_long(void)
{
        /* A line longer than any internal block (and 1 MB of them). */
        size_t n = 1 << 20;
        char *b = malloc(n);
        memset(b, 'x', n);
        CHECK(check_lines(b, n, '\n', "xx", 2, "one long line"));
        memcpy(b + n - 3, "God", 3);
        CHECK(par__count_lines_containing(b, n, '\n', "God", 3) == 1);
        b[n / 2] = '\n';
        CHECK(par__count_lines_containing(b, n, '\n', "God", 3) == 1);
        memcpy(b, "God", 3);
        CHECK(par__count_lines_containing(b, n, '\n', "God", 3) == 2);
        CHECK(par__find(b, n, "God", 3) == b);
        CHECK(check_lines(b, n, '\n', "God", 3, "two long lines"));

        /* Long needles, including periodic input where a first/last byte
         * filter finds a candidate at every position. */
        memset(b, 'a', n);
        char nd[200];
        memset(nd, 'a', sizeof nd);
        nd[sizeof nd - 1] = 'b';
        CHECK(par__find(b, n, nd, sizeof nd) == NULL);
        CHECK(par__count_lines_containing(b, n, '\n', nd, sizeof nd) == 0);
        memcpy(b + n - sizeof nd, nd, sizeof nd);
        CHECK(par__find(b, n, nd, sizeof nd) == b + n - sizeof nd);
        CHECK(par__count_lines_containing(b, n, '\n', nd, sizeof nd) == 1);
        nd[0] = 'b';
        nd[sizeof nd - 1] = 'a';
        CHECK(par__find(b, n, nd, sizeof nd) == NULL);
        memcpy(b + 1000, nd, sizeof nd);
        CHECK(par__find(b, n, nd, sizeof nd) == b + 1000);
        for (size_t i = 0; i < n; i += 1 + rnd_below(300))
                b[i] = '\n';
        CHECK(check_lines(b, 100000, '\n', nd, 30, "periodic, long needle"));
        CHECK(check_lines(b, 100000, '\n', nd + 170, 30, "periodic, long needle 2"));
        free(b);
}

static void test_lines_random(void)
{
        static const char *alphabets[] = {"ab\n", "abc \r\n", "God\n",
                                          "Gods a\n\n", "xyzw;\n"};
        char *b = malloc(5000);
        char nd[80];
        for (int iter = 0; iter < 3000; iter++) {
                const char *al = alphabets[iter % 5];
                size_t alen = strlen(al);
                size_t n = iter % 50 == 0 ? rnd_below(5000) : rnd_below(400);
                for (size_t i = 0; i < n; i++)
                        b[i] = al[rnd_below(alen)];
                char d = iter % 7 == 0 ? ';' : '\n';
                size_t m = 1 + rnd_below(iter % 3 == 0 ? 70 : 5);
                if (n >= m && rnd_below(2)) {
                        memcpy(nd, b + rnd_below(n - m + 1), m); /* from the text */
                } else {
                        for (size_t i = 0; i < m; i++)
                                nd[i] = al[rnd_below(alen)];
                }
                if (!check_lines(b, n, d, nd, m, "random"))
                        break;
        }
        /* Random bytes, with every needle position relative to vector
         * boundaries: a needle planted at each offset of a 200-byte text. */
        for (size_t at = 0; at + 5 <= 200; at++) {
                for (size_t i = 0; i < 200; i++)
                        b[i] = (char)(rnd_below(2) ? 'a' + rnd_below(3) : '\n');
                memcpy(b + at, "\xc3\xa9G\x01z", 5);
                if (!check_lines(b, 200, '\n', "\xc3\xa9G\x01z", 5, "planted") ||
                    !check_lines(b, 200, '\n', "\xc3", 1, "planted 1"))
                        break;
        }
        free(b);
}

/* ---- case, strip, words ---- */

static void collect(void *ctx, const char *w, size_t len)
{
        char *acc = ctx;
        strncat(acc, w, len);
        strcat(acc, "|");
}

static void test_strings(void)
{
        char out[300], in[300];
        for (int i = 0; i < 256; i++)
                in[i] = (char)i;
        CHECK(par__ascii_lower(in, 256, out) == 256);
        bool ok = true;
        for (int i = 0; i < 256; i++)
                ok &= (unsigned char)out[i] ==
                      (i >= 'A' && i <= 'Z' ? i + 32 : i);
        CHECK(ok);
        CHECK(par__ascii_upper(in, 256, out) == 256);
        ok = true;
        for (int i = 0; i < 256; i++)
                ok &= (unsigned char)out[i] ==
                      (i >= 'a' && i <= 'z' ? i - 32 : i);
        CHECK(ok);
        CHECK(par__ascii_lower("GoD Ä", 6, out) == 6 &&
              memcmp(out, "god \xc3\x84", 6) == 0);
        memcpy(in, "In The Beginning", 16);
        par__ascii_upper(in, 16, in); /* in place */
        CHECK(memcmp(in, "IN THE BEGINNING", 16) == 0);

        size_t st;
        CHECK(par__strip(" \t God \r\n", 9, &st) == 3 && st == 3);
        CHECK(par__strip("God", 3, &st) == 3 && st == 0);
        CHECK(par__strip(" \v\f\r\n\t", 6, &st) == 0);
        CHECK(par__strip("", 0, &st) == 0);
        CHECK(par__strip("\xc2\xa0x ", 4, &st) == 3 && st == 0); /* ASCII only */

        char acc[300] = "";
        CHECK(par__split_words("  In the\tbeginning\r\n God ", 25, collect, acc) == 4);
        CHECK(strcmp(acc, "In|the|beginning|God|") == 0);
        acc[0] = '\0';
        CHECK(par__split_words("", 0, collect, acc) == 0 && acc[0] == '\0');
        CHECK(par__split_words(" \n\t ", 4, collect, acc) == 0);
        CHECK(par__split_words("one", 3, NULL, NULL) == 1);
        /* Python's str.split(): \x1c-\x1f and Unicode spaces split too;
         * other UTF-8 (é, and U+2010 which is not a space) does not. */
        acc[0] = '\0';
        const char *u = "a\x1f" "b\xc2\xa0" "caf\xc3\xa9\xe2\x80\x83" "d\xe3\x80\x80"
                        "e\xe2\x80\x90" "f\xe2\x80";
        CHECK(par__split_words(u, strlen(u), collect, acc) == 5);
        CHECK(strcmp(acc, "a|b|caf\xc3\xa9|d|e\xe2\x80\x90" "f\xe2\x80|") == 0);
}

/* ---- allocation accounting (for regex and gunzip) ---- */

static atomic_long n_allocs, n_live;
static long fail_at = -1;

static void *t_malloc(size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&n_allocs, 1) == fail_at)
                return NULL;
        void *p = malloc(n);
        if (p)
                atomic_fetch_add(&n_live, 1);
        return p;
}
static void *t_realloc(void *p, size_t n, void *ud)
{
        (void)ud;
        if (atomic_fetch_add(&n_allocs, 1) == fail_at)
                return NULL;
        return realloc(p, n);
}
static void t_free(void *p, void *ud)
{
        (void)ud;
        if (p)
                atomic_fetch_sub(&n_live, 1);
        free(p);
}
static const par_allocator counting = {t_malloc, t_realloc, t_free, NULL};

/* ---- regex ---- */

#if defined(PAR_HAVE_PCRE2) && PAR_HAVE_PCRE2
static bool re_search(const char *pat, const char *s)
{
        par__regex *re = NULL;
        par_error err = {0};
        if (par__regex_new(pat, strlen(pat), &re, &err) != 0) {
                fprintf(stderr, "regex %s: %s\n", pat, err.message);
                return false;
        }
        bool r = par__regex_search(re, s, strlen(s));
        par__regex_free(re);
        return r;
}

static void test_regex(void)
{
        CHECK(re_search("God", "In the beginning God created"));
        CHECK(!re_search("God", "in the beginning god created"));
        CHECK(re_search("(?i)GOD", "god"));
        CHECK(re_search("^\\d+$", "2024"));
        CHECK(!re_search("^\\d+$", "20x24"));
        CHECK(re_search("\\bcreated\\b", "God created the"));
        CHECK(!re_search("\\bcreat\\b", "God created the"));
        CHECK(re_search("h.aven", "the heaven and"));
        CHECK(re_search("caf\xc3\xa9$", "un caf\xc3\xa9"));
        CHECK(re_search("^.$", "\xc3\xa9"));            /* one character */
        CHECK(re_search("^\\w+$", "\xe6\x97\xa5\xe6\x9c\xac")); /* Unicode \w */
        CHECK(re_search("a|", "xyz"));                  /* empty match */
        CHECK(re_search("God", "\xff\xfe God"));        /* invalid UTF-8 subject */
        CHECK(!re_search("x", ""));

        par__regex *re = NULL, *c = NULL;
        par_error err = {0};
        CHECK(par__regex_new("a(b", 3, &re, &err) == PAR_EINVAL && re == NULL);
        CHECK_MSG(strcmp(err.message,
                         "regex 'a(b': missing closing parenthesis at offset 3") == 0,
                  "%s", err.message);
        CHECK(par__regex_new("x{2,1}", 6, &re, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "regex 'x{2,1}': ") && strstr(err.message, "offset 5"),
                  "%s", err.message);
        CHECK(par__regex_new("\xff", 1, &re, &err) == PAR_EINVAL); /* bad UTF-8 */

        /* The pattern's length counts, not a NUL. */
        CHECK_OK(par__regex_new("Godx", 3, &re, &err), &err);
        CHECK(par__regex_search(re, "God", 3));
        CHECK(!par__regex_search(re, "Go", 2));
        CHECK(!par__regex_search(re, "GoGod", 4)); /* only n bytes are seen */
        CHECK_OK(par__regex_clone(re, &c, &err), &err);
        par__regex_free(re); /* the clone keeps the code alive */
        CHECK(par__regex_search(c, "the God of", 10));
        CHECK(!par__regex_search(c, "the god of", 10));
        par__regex_free(c);
        par__regex_free(NULL);

        /* A backtracking-heavy pattern still answers. */
        char s[64];
        memset(s, 'a', sizeof s);
        CHECK_OK(par__regex_new("(a|aa)+$", 8, &re, &err), &err);
        CHECK(par__regex_search(re, s, sizeof s));
        par__regex_free(re);

        /* Out of memory at every allocation: a clean failure, no leak. */
        par_set_allocator(&counting);
        bool clean = true, reached = false;
        for (fail_at = 0; fail_at < 200; fail_at++) {
                n_allocs = 0;
                re = c = NULL;
                int rc = par__regex_new("G(o)+d", 6, &re, &err);
                if (rc == 0) {
                        rc = par__regex_clone(re, &c, &err);
                        clean &= par__regex_search(re, "God", 3);
                        par__regex_free(re);
                        if (rc == 0) {
                                clean &= par__regex_search(c, "Good", 4);
                                par__regex_free(c);
                        }
                }
                clean &= rc == 0 || rc == PAR_ENOMEM;
                clean &= n_live == 0;
                if (rc == 0 && n_allocs <= fail_at) {
                        reached = true; /* no allocation left to fail */
                        break;
                }
        }
        fail_at = -1;
        par_set_allocator(NULL);
        CHECK(clean && reached);
}
#else
static void test_regex(void)
{
        par__regex *re = NULL;
        par_error err = {0};
        (void)counting;
        CHECK(par__regex_new("God", 3, &re, &err) == PAR_ENOTSUP && re == NULL);
}
#endif

/* ---- gunzip ---- */

#if defined(PAR_HAVE_ZLIB) && PAR_HAVE_ZLIB
/* One gzip member of in[0..n) appended at out + *len. */
static void gz_member(const char *in, size_t n, unsigned char *out, size_t *len,
                      size_t cap)
{
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        int rc = deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
        CHECK(rc == Z_OK);
        zs.next_in = (Bytef *)(uintptr_t)in;
        zs.avail_in = (uInt)n;
        zs.next_out = out + *len;
        zs.avail_out = (uInt)(cap - *len);
        rc = deflate(&zs, Z_FINISH);
        CHECK(rc == Z_STREAM_END);
        *len += zs.total_out;
        deflateEnd(&zs);
}

static int gunzip(const void *in, size_t n, char **out, size_t *outlen,
                  par_error *err)
{
        return par__gunzip("x.gz", in, n, out, outlen, err);
}

static void test_gzip(void)
{
        size_t n = 200000, cap = 2 * n + 1000, glen = 0;
        char *text = malloc(n);
        for (size_t i = 0; i < n; i++)
                text[i] = i % 71 == 70 ? '\n' : "God created"[rnd_below(11)];
        unsigned char *gz = malloc(cap);
        char *out = NULL;
        size_t olen = 0;
        par_error err = {0};

        /* one member */
        gz_member(text, n, gz, &glen, cap);
        size_t one = glen;
        CHECK_OK(gunzip(gz, glen, &out, &olen, &err), &err);
        CHECK(olen == n && memcmp(out, text, n) == 0);
        par__free(out);

        /* two members, then a tiny third (its ISIZE underestimates) */
        gz_member("tail\n", 5, gz, &glen, cap);
        size_t two = glen;
        gz_member(text, 1000, gz, &glen, cap);
        CHECK_OK(gunzip(gz, two, &out, &olen, &err), &err);
        CHECK(olen == n + 5 && memcmp(out, text, n) == 0 &&
              memcmp(out + n, "tail\n", 5) == 0);
        par__free(out);
        gz_member("x", 1, gz, &glen, cap);
        CHECK_OK(gunzip(gz, glen, &out, &olen, &err), &err);
        CHECK(olen == n + 5 + 1000 + 1 && memcmp(out + n + 5, text, 1000) == 0 &&
              out[olen - 1] == 'x');
        par__free(out);

        /* an empty member and an empty file */
        size_t elen = 0;
        unsigned char empty[64];
        gz_member("", 0, empty, &elen, sizeof empty);
        CHECK_OK(gunzip(empty, elen, &out, &olen, &err), &err);
        CHECK(olen == 0 && out != NULL);
        par__free(out);
        CHECK_OK(gunzip("", 0, &out, &olen, &err), &err);
        CHECK(olen == 0 && out != NULL);
        par__free(out);

        /* zero padding after the last member is ignored */
        memset(gz + glen, 0, 100);
        CHECK_OK(gunzip(gz, glen + 100, &out, &olen, &err), &err);
        CHECK(olen == n + 5 + 1000 + 1);
        par__free(out);

        /* errors */
        CHECK(gunzip("hello world", 11, &out, &olen, &err) == PAR_EPARSE &&
              out == NULL && olen == 0);
        CHECK_MSG(strcmp(err.message, "x.gz: not gzip data") == 0, "%s", err.message);
        for (size_t cut = 1; cut < one; cut += cut < 20 ? 1 : one / 7) {
                int rc = gunzip(gz, one - cut, &out, &olen, &err);
                CHECK_MSG(rc == PAR_EPARSE && out == NULL &&
                                  strstr(err.message, "x.gz: truncated"),
                          "cut %zu: %d %s", cut, rc, err.message);
        }
        CHECK(gunzip(gz, 1, &out, &olen, &err) == PAR_EPARSE &&
              strstr(err.message, "truncated"));
        CHECK(gunzip(gz, two - 3, &out, &olen, &err) == PAR_EPARSE &&
              strstr(err.message, "truncated")); /* second member cut */
        memcpy(gz + two, "garbage!", 8);
        CHECK(gunzip(gz, two + 8, &out, &olen, &err) == PAR_EPARSE);
        CHECK_MSG(strstr(err.message, "x.gz: corrupt gzip data at byte "), "%s",
                  err.message);
        gz[one / 2] ^= 0x55; /* damage inside the first member */
        CHECK(gunzip(gz, one, &out, &olen, &err) == PAR_EPARSE && out == NULL);
        CHECK_MSG(strstr(err.message, "x.gz: corrupt gzip data at byte "), "%s",
                  err.message);
        gz[one / 2] ^= 0x55;

        /* Out of memory at every allocation: a clean failure, no leak. */
        par_set_allocator(&counting);
        bool clean = true, reached = false;
        for (fail_at = 0; fail_at < 100; fail_at++) {
                n_allocs = 0;
                out = NULL;
                int rc = gunzip(gz, two, &out, &olen, &err);
                clean &= rc == 0 ? olen == n + 5 : rc == PAR_ENOMEM && out == NULL;
                par__free(out);
                clean &= n_live == 0;
                if (rc == 0 && n_allocs <= fail_at) {
                        reached = true; /* no allocation left to fail */
                        break;
                }
        }
        fail_at = -1;
        par_set_allocator(NULL);
        CHECK(clean && reached);

        free(text);
        free(gz);
}
#else
static void test_gzip(void)
{
        char *out = NULL;
        size_t olen = 0;
        par_error err = {0};
        CHECK(par__gunzip("x.gz", "\x1f\x8b", 2, &out, &olen, &err) == PAR_ENOTSUP);
}
#endif

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        int levels[2] = {0, 2}, done = -1;
        for (int i = 0; i < 2; i++) {
                int l = par__text_set_isa(levels[i]);
                if (l == done)
                        continue; /* the CPU lacks this level */
                done = l;
                printf("text kernels at level %d\n", l);
                test_lines_handmade();
                test_lines_long();
                test_lines_random();
        }
        par__text_set_isa(-1);
        test_strings();
        test_regex();
        test_gzip();
        return test_backend_end(check_done("test_text"));
}
