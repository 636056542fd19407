/* libpar/kernels/text.c — line counting and splitting, substring search,
 * case mapping, stripping and word splitting (see kernels/text.h).
 *
 * The hot kernels (count_byte, line_offsets, the substring search behind
 * count_lines_containing and find) have two versions: an AVX2 one, chosen
 * at run time when the CPU has AVX2, POPCNT and BMI1, and a portable one
 * (SWAR counting, memchr, a rare-byte memchr filter with memmem as its
 * safety net). par__text_set_isa lets the tests run both on one machine.
 *
 * Substring search filters candidate positions by two bytes of the needle
 * at once: the two rarest (by a fixed ranking of bytes in text), compared
 * against the haystack at their offsets in the needle, 32 positions per
 * vector; only positions where both agree are compared in full. A long
 * needle that keeps producing false candidates (periodic input) hands over
 * to memmem, whose worst case is linear. */
#include <stdatomic.h>
#include <string.h>

#include "core/internal.h"
#include "kernels/text.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define TEXT_X86 1
#include <immintrin.h>
#else
#define TEXT_X86 0
#endif

/* ---- instruction-set selection ------------------------------------------ */

enum { ISA_PORTABLE = 0, ISA_AVX2 = 2 };

/* -1 until first use. Relaxed atomics: every thread computes the same. */
static atomic_int text_isa_level = -1;

static int detect_isa(void)
{
#if TEXT_X86
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") &&
            __builtin_cpu_supports("bmi"))
                return ISA_AVX2;
#endif
        return ISA_PORTABLE;
}

static inline int text_isa(void)
{
        int l = atomic_load_explicit(&text_isa_level, memory_order_relaxed);
        if (PAR__UNLIKELY(l < 0)) {
                l = detect_isa();
                atomic_store_explicit(&text_isa_level, l, memory_order_relaxed);
        }
        return l;
}

/* For tests and benchmarks (not in text.h): restricts the kernels to
 * `level` (0 portable, 2 AVX2; a level the CPU lacks is lowered to what it
 * has; -1 means detect again). Returns the level now in force. */
int par__text_set_isa(int level);
int par__text_set_isa(int level)
{
        int have = detect_isa();
        if (level < 0 || level > have)
                level = have;
        if (level != ISA_AVX2)
                level = ISA_PORTABLE;
        atomic_store_explicit(&text_isa_level, level, memory_order_relaxed);
        return level;
}

/* ---- counting a byte ------------------------------------------------------ */

/* SWAR: 8 bytes per step; each byte of `acc` counts matches in its lane,
 * flushed before it can overflow. */
static size_t count_byte_portable(const unsigned char *p, size_t n,
                                  unsigned char c)
{
        const uint64_t ones = UINT64_C(0x0101010101010101);
        const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
        const uint64_t pat = ones * c;
        size_t count = 0, i = 0;
        while (n - i >= 8) {
                size_t steps = (n - i) / 8;
                if (steps > 255)
                        steps = 255;
                uint64_t acc = 0;
                for (size_t s = 0; s < steps; s++, i += 8) {
                        uint64_t w;
                        memcpy(&w, p + i, 8);
                        uint64_t x = w ^ pat; /* zero bytes where w == c */
                        /* high bit of each byte set iff that byte of x is
                         * non-zero (exact, no carries across bytes) */
                        uint64_t t = ((x & low7) + low7) | x;
                        acc += (~t >> 7) & ones;
                }
                /* sum the eight byte lanes (each <= 255) */
                uint64_t pairs = (acc & UINT64_C(0x00ff00ff00ff00ff)) +
                                 ((acc >> 8) & UINT64_C(0x00ff00ff00ff00ff));
                count += (size_t)((pairs * UINT64_C(0x0001000100010001)) >> 48);
        }
        for (; i < n; i++)
                count += p[i] == c;
        return count;
}

#if TEXT_X86
#define TEXT_AVX2 __attribute__((target("avx2,popcnt,bmi")))

/* 128 bytes per step into four byte-lane accumulators (vpsubb of the
 * compare masks), flushed with vpsadbw every 255 steps. */
TEXT_AVX2 static size_t count_byte_avx2(const unsigned char *p, size_t n,
                                        unsigned char c)
{
        const __m256i pat = _mm256_set1_epi8((char)c);
        const __m256i zero = _mm256_setzero_si256();
        __m256i total = zero;
        size_t i = 0;
        while (n - i >= 128) {
                size_t steps = (n - i) / 128;
                if (steps > 255)
                        steps = 255;
                __m256i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
                for (size_t s = 0; s < steps; s++, i += 128) {
                        const __m256i *q = (const __m256i *)(p + i);
                        a0 = _mm256_sub_epi8(a0, _mm256_cmpeq_epi8(_mm256_loadu_si256(q), pat));
                        a1 = _mm256_sub_epi8(a1, _mm256_cmpeq_epi8(_mm256_loadu_si256(q + 1), pat));
                        a2 = _mm256_sub_epi8(a2, _mm256_cmpeq_epi8(_mm256_loadu_si256(q + 2), pat));
                        a3 = _mm256_sub_epi8(a3, _mm256_cmpeq_epi8(_mm256_loadu_si256(q + 3), pat));
                }
                total = _mm256_add_epi64(total, _mm256_sad_epu8(a0, zero));
                total = _mm256_add_epi64(total, _mm256_sad_epu8(a1, zero));
                total = _mm256_add_epi64(total, _mm256_sad_epu8(a2, zero));
                total = _mm256_add_epi64(total, _mm256_sad_epu8(a3, zero));
        }
        size_t count = (size_t)_mm256_extract_epi64(total, 0) +
                       (size_t)_mm256_extract_epi64(total, 1) +
                       (size_t)_mm256_extract_epi64(total, 2) +
                       (size_t)_mm256_extract_epi64(total, 3);
        for (; n - i >= 32; i += 32) {
                __m256i v = _mm256_loadu_si256((const __m256i *)(p + i));
                count += (size_t)__builtin_popcount(
                        (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, pat)));
        }
        for (; i < n; i++)
                count += p[i] == c;
        return count;
}
#endif

size_t par__count_byte(const char *buf, size_t n, char delim)
{
#if TEXT_X86
        if (text_isa() == ISA_AVX2)
                return count_byte_avx2((const unsigned char *)buf, n,
                                       (unsigned char)delim);
#endif
        return count_byte_portable((const unsigned char *)buf, n,
                                   (unsigned char)delim);
}

size_t par__count_lines(const char *buf, size_t n, char delim)
{
        if (n == 0)
                return 0;
        return par__count_byte(buf, n, delim) + (buf[n - 1] != delim);
}

/* ---- line offsets ------------------------------------------------------- */

/* Both versions write starts[0] = 0 and then p + 1 for every delimiter at
 * p, and return the number written; the caller fixes up the end. */
static size_t line_starts_portable(const char *buf, size_t n, char delim,
                                   int64_t *starts)
{
        size_t k = 0;
        starts[k++] = 0;
        const char *p = buf, *end = buf + n;
        while (p < end) {
                const char *q = memchr(p, delim, (size_t)(end - p));
                if (!q)
                        break;
                starts[k++] = (int64_t)(q - buf) + 1;
                p = q + 1;
        }
        return k;
}

#if TEXT_X86
TEXT_AVX2 static size_t line_starts_avx2(const char *buf, size_t n, char delim,
                                         int64_t *starts)
{
        const __m256i pat = _mm256_set1_epi8(delim);
        size_t k = 0, i = 0;
        starts[k++] = 0;
        for (; n - i >= 64; i += 64) {
                __m256i v0 = _mm256_loadu_si256((const __m256i *)(buf + i));
                __m256i v1 = _mm256_loadu_si256((const __m256i *)(buf + i + 32));
                uint64_t m = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v0, pat)) |
                             (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v1, pat)) << 32;
                int64_t base = (int64_t)i + 1;
                while (m) {
                        starts[k++] = base + __builtin_ctzll(m);
                        m &= m - 1;
                }
        }
        for (; i < n; i++)
                if (buf[i] == delim)
                        starts[k++] = (int64_t)i + 1;
        return k;
}
#endif

size_t par__line_offsets(const char *buf, size_t n, char delim,
                         int64_t *starts)
{
        if (n == 0) {
                starts[0] = 0;
                return 0;
        }
        size_t k;
#if TEXT_X86
        if (text_isa() == ISA_AVX2)
                k = line_starts_avx2(buf, n, delim, starts);
        else
#endif
                k = line_starts_portable(buf, n, delim, starts);
        /* k entries: 0 and one after each delimiter. If the last byte is a
         * delimiter its entry is n, the terminator; otherwise add it. */
        if (buf[n - 1] == delim)
                return k - 1;
        starts[k] = (int64_t)n;
        return k;
}

/* ---- substring search --------------------------------------------------- */

/* How common a byte is in text (higher: more common). A rough ranking for
 * English and UTF-8 text; it only picks which needle bytes to filter on. */
static unsigned byte_rank(unsigned char c)
{
        /* a..z, in the order e t a o i n s h r d l u c m w f g y p b v k */
        static const unsigned char lower[26] = {
                242, 174, 202, 214, 250, 190, 186, 222, 234, 120, 166, 210, 198,
                230, 238, 178, 120, 218, 226, 246, 206, 170, 194, 120, 182, 120};
        if (c >= 'a' && c <= 'z')
                return lower[c - 'a'];
        if (c == ' ')
                return 255;
        if (c == '\n' || c == ',' || c == '.')
                return 170;
        if (c >= '0' && c <= '9')
                return 130;
        if (c >= 'A' && c <= 'Z')
                return (c == 'T' || c == 'A' || c == 'I' || c == 'S') ? 110 : 90;
        if (c >= 0x80)
                return c < 0xc0 ? 140 : 100; /* UTF-8 continuation / lead */
        if (c < 0x20 || c == 0x7f)
                return c == '\t' || c == '\r' ? 100 : 10;
        return 80; /* other ASCII punctuation */
}

typedef struct {
        const unsigned char *needle;
        size_t nlen;
        size_t o1, o2; /* offsets of the filter bytes, o1 != o2 if nlen > 1 */
        unsigned char b1, b2;
} searcher;

static void searcher_init(searcher *s, const char *needle, size_t nlen)
{
        const unsigned char *nd = (const unsigned char *)needle;
        s->needle = nd;
        s->nlen = nlen;
        /* The rarest byte, then the rarest at another offset; ties go to the
         * byte farther from the first (less correlated). */
        size_t o1 = nlen - 1;
        for (size_t i = 0; i + 1 < nlen; i++)
                if (byte_rank(nd[i]) < byte_rank(nd[o1]))
                        o1 = i;
        size_t o2 = o1;
        if (nlen > 1) {
                o2 = o1 == 0 ? nlen - 1 : 0;
                for (size_t i = 0; i < nlen; i++) {
                        if (i == o1)
                                continue;
                        unsigned ri = byte_rank(nd[i]), r2 = byte_rank(nd[o2]);
                        size_t di = i > o1 ? i - o1 : o1 - i;
                        size_t d2 = o2 > o1 ? o2 - o1 : o1 - o2;
                        if (ri < r2 || (ri == r2 && di > d2))
                                o2 = i;
                }
        }
        s->o1 = o1;
        s->o2 = o2;
        s->b1 = nd[o1];
        s->b2 = nd[o2];
}

/* a[0..n) == b[0..n) for 2 <= n: short lengths by two overlapping loads
 * (no call), longer ones by memcmp. */
static inline bool same_bytes(const unsigned char *a, const unsigned char *b,
                              size_t n)
{
        if (n <= 3) {
                uint16_t x0, y0, x1, y1;
                memcpy(&x0, a, 2), memcpy(&y0, b, 2);
                memcpy(&x1, a + n - 2, 2), memcpy(&y1, b + n - 2, 2);
                return ((x0 ^ y0) | (x1 ^ y1)) == 0;
        }
        if (n <= 8) {
                uint32_t x0, y0, x1, y1;
                memcpy(&x0, a, 4), memcpy(&y0, b, 4);
                memcpy(&x1, a + n - 4, 4), memcpy(&y1, b + n - 4, 4);
                return ((x0 ^ y0) | (x1 ^ y1)) == 0;
        }
        if (n <= 16) {
                uint64_t x0, y0, x1, y1;
                memcpy(&x0, a, 8), memcpy(&y0, b, 8);
                memcpy(&x1, a + n - 8, 8), memcpy(&y1, b + n - 8, 8);
                return ((x0 ^ y0) | (x1 ^ y1)) == 0;
        }
        return memcmp(a, b, n) == 0;
}

/* The long needle safety net: when false candidates of a needle longer
 * than 16 bytes have cost more than 4 compared bytes per byte scanned
 * (plus a constant), memmem takes over for the rest of the call. */
static inline bool too_many_false_hits(size_t *false_hits, size_t nlen,
                                       size_t scanned)
{
        return nlen > 16 && ++*false_hits * nlen > 4096 + 4 * scanned;
}

/* Portable: memchr for the rarest byte, check the second, then the rest. */
static const char *find_portable(const searcher *s, const char *hay, size_t n)
{
        const size_t nlen = s->nlen;
        if (n < nlen)
                return NULL;
        if (nlen == 1)
                return memchr(hay, s->b1, n);
        const unsigned char *h = (const unsigned char *)hay;
        const size_t last = n - nlen; /* last start position */
        size_t pos = 0, false_hits = 0;
        while (pos <= last) {
                const unsigned char *q =
                        memchr(h + pos + s->o1, s->b1, last - pos + 1);
                if (!q)
                        return NULL;
                size_t j = (size_t)(q - h) - s->o1;
                if (h[j + s->o2] == s->b2 && same_bytes(h + j, s->needle, nlen))
                        return (const char *)h + j;
                pos = j + 1;
                if (too_many_false_hits(&false_hits, nlen, pos))
                        return memmem(h + pos, n - pos, s->needle, nlen);
        }
        return NULL;
}

#if TEXT_X86
/* Candidate starts j with hay[j + o1] == b1 and hay[j + o2] == b2, 64 per
 * step, then a full compare. */
TEXT_AVX2 static const char *find_avx2(const searcher *s, const char *hay,
                                       size_t n)
{
        const size_t nlen = s->nlen;
        if (n < nlen)
                return NULL;
        if (nlen == 1)
                return memchr(hay, s->b1, n);
        const unsigned char *h = (const unsigned char *)hay;
        const unsigned char *nd = s->needle;
        const size_t last = n - nlen; /* last start position */
        const __m256i v1 = _mm256_set1_epi8((char)s->b1);
        const __m256i v2 = _mm256_set1_epi8((char)s->b2);
        const unsigned char *h1 = h + s->o1, *h2 = h + s->o2;
        size_t i = 0, false_hits = 0;
        /* Full steps: starts i .. i + 63 are all <= last. */
        for (; i <= last && last - i >= 63; i += 64) {
                __m256i a0 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(h1 + i)), v1);
                __m256i b0 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(h2 + i)), v2);
                __m256i a1 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(h1 + i + 32)), v1);
                __m256i b1 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(h2 + i + 32)), v2);
                uint64_t m = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(a0, b0)) |
                             (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_and_si256(a1, b1)) << 32;
                while (m) {
                        size_t j = i + (size_t)__builtin_ctzll(m);
                        if (same_bytes(h + j, nd, nlen))
                                return (const char *)h + j;
                        m &= m - 1;
                        if (too_many_false_hits(&false_hits, nlen, j))
                                return memmem(h + j + 1, n - j - 1, nd, nlen);
                }
        }
        /* Tail: fewer than 64 starts left. */
        for (; i <= last; i++)
                if (h1[i] == s->b1 && h2[i] == s->b2 &&
                    same_bytes(h + i, nd, nlen))
                        return (const char *)h + i;
        return NULL;
}

/* count_lines_containing in one pass: the candidate filter of find_avx2,
 * and after a hit an inline scan for the line's delimiter, then the
 * filter again from the next line. No call per matching line. */
TEXT_AVX2 static size_t count_containing_avx2(const searcher *s,
                                              const char *buf, size_t n,
                                              char delim, size_t *stop)
{
        const size_t nlen = s->nlen;
        const unsigned char *h = (const unsigned char *)buf;
        const unsigned char *nd = s->needle;
        const __m256i v1 = _mm256_set1_epi8((char)s->b1);
        const __m256i v2 = _mm256_set1_epi8((char)s->b2);
        const __m256i vd = _mm256_set1_epi8(delim);
        const unsigned char *h1 = h + s->o1, *h2 = h + s->o2;
        size_t count = 0, false_hits = 0, i = 0;
        *stop = n;
        if (n < nlen)
                return 0;
        const size_t last = n - nlen; /* last start position */
        while (i <= last && last - i >= 63) {
                __m256i a0 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(h1 + i)), v1);
                __m256i b0 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(h2 + i)), v2);
                __m256i a1 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(h1 + i + 32)), v1);
                __m256i b1 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(h2 + i + 32)), v2);
                uint64_t m = (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(a0, b0)) |
                             (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_and_si256(a1, b1)) << 32;
                size_t next = i + 64;
                while (m) {
                        size_t j = i + (size_t)__builtin_ctzll(m);
                        if (nlen == 1 || same_bytes(h + j, nd, nlen)) {
                                count++;
                                /* The line's delimiter is at or after the
                                 * needle's last byte: a few vectors inline,
                                 * then memchr for long lines. */
                                size_t e = j + nlen - 1;
                                for (int k = 0; k < 4 && n - e >= 32; k++, e += 32) {
                                        uint32_t dm = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
                                                _mm256_loadu_si256((const __m256i *)(h + e)), vd));
                                        if (dm) {
                                                e += (size_t)__builtin_ctz(dm);
                                                goto found;
                                        }
                                }
                                {
                                        const unsigned char *q = memchr(h + e, delim, n - e);
                                        if (!q)
                                                return count;
                                        e = (size_t)(q - h);
                                }
                        found:
                                next = e + 1;
                                break;
                        }
                        m &= m - 1;
                        if (too_many_false_hits(&false_hits, nlen, j)) {
                                *stop = j + 1; /* no hit yet on this line */
                                return count;
                        }
                }
                i = next;
        }
        *stop = i;
        return count;
}
#endif

static inline const char *search(const searcher *s, const char *hay, size_t n,
                                 int isa)
{
#if TEXT_X86
        if (isa == ISA_AVX2)
                return find_avx2(s, hay, n);
#endif
        (void)isa;
        return find_portable(s, hay, n);
}

const char *par__find(const char *hay, size_t n, const char *needle,
                      size_t nlen)
{
        if (nlen == 0)
                return hay;
        if (n < nlen)
                return NULL;
        searcher s;
        searcher_init(&s, needle, nlen);
        return search(&s, hay, n, text_isa());
}

size_t par__count_lines_containing(const char *buf, size_t n, char delim,
                                   const char *needle, size_t nlen)
{
        if (nlen == 0)
                return par__count_lines(buf, n, delim);
        /* A line holds at most one delimiter, its last byte: a needle with a
         * delimiter before its last byte can only match across lines. With
         * that excluded, every occurrence lies within one line. */
        if (memchr(needle, delim, nlen - 1))
                return 0;
        searcher s;
        searcher_init(&s, needle, nlen);
        const int isa = text_isa();
        const char *p = buf, *end = buf + n;
        size_t count = 0;
#if TEXT_X86
        if (isa == ISA_AVX2) {
                /* It stops short of the end (the last < 64 positions, or a
                 * periodic input) at a point where the current line has no
                 * counted hit; the loop below finishes. */
                size_t stop;
                count = count_containing_avx2(&s, buf, n, delim, &stop);
                p = buf + stop;
        }
#endif
        while ((size_t)(end - p) >= nlen) {
                const char *h = search(&s, p, (size_t)(end - p), isa);
                if (!h)
                        break;
                count++;
                /* Skip to the next line: its delimiter is at or after the
                 * needle's last byte. */
                const char *from = h + nlen - 1;
                const char *nl = memchr(from, delim, (size_t)(end - from));
                if (!nl)
                        break;
                p = nl + 1;
        }
        return count;
}

/* ---- case mapping, strip, words -------------------------------------- */

/* Branch-free per byte, so the compiler vectorizes these loops. */
size_t par__ascii_lower(const char *s, size_t n, char *out)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                out[i] = (char)(c + (((unsigned char)(c - 'A') < 26) << 5));
        }
        return n;
}

size_t par__ascii_upper(const char *s, size_t n, char *out)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                out[i] = (char)(c - (((unsigned char)(c - 'a') < 26) << 5));
        }
        return n;
}

static inline bool is_strip_space(unsigned char c)
{
        return c == ' ' || (c >= '\t' && c <= '\r');
}

size_t par__strip(const char *s, size_t n, size_t *start)
{
        size_t a = 0, b = n;
        while (a < b && is_strip_space((unsigned char)s[a]))
                a++;
        while (b > a && is_strip_space((unsigned char)s[b - 1]))
                b--;
        *start = a == b ? n : a;
        return b - a;
}

/* Class of each byte for word splitting: 1 ASCII whitespace as Python's
 * str.isspace() has it (\t \n \v \f \r, \x1c-\x1f, space); 2 the lead
 * byte of a possible multi-byte Unicode space; 0 otherwise. */
static const unsigned char word_class[256] = {
        ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1,
        [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, [' '] = 1,
        [0xc2] = 2, [0xe1] = 2, [0xe2] = 2, [0xe3] = 2,
};

/* Length of the Unicode whitespace encoded in UTF-8 at s[0..n) (s[0] of
 * class 2), or 0: U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000 (the spaces of Python's str.split()). */
static size_t unicode_space_len(const unsigned char *s, size_t n)
{
        switch (s[0]) {
        case 0xc2:
                return n >= 2 && (s[1] == 0x85 || s[1] == 0xa0) ? 2 : 0;
        case 0xe1:
                return n >= 3 && s[1] == 0x9a && s[2] == 0x80 ? 3 : 0;
        case 0xe2:
                if (n < 3)
                        return 0;
                if (s[1] == 0x80)
                        return (s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 ||
                                               s[2] == 0xa9 || s[2] == 0xaf
                                       ? 3
                                       : 0;
                return s[1] == 0x81 && s[2] == 0x9f ? 3 : 0;
        case 0xe3:
                return n >= 3 && s[1] == 0x80 && s[2] == 0x80 ? 3 : 0;
        }
        return 0;
}

/* Whitespace length at s[i] (0 when s[i] starts no whitespace). */
static inline size_t space_len(const unsigned char *s, size_t i, size_t n)
{
        unsigned char k = word_class[s[i]];
        if (PAR__LIKELY(k == 0))
                return 0;
        if (k == 1)
                return 1;
        return unicode_space_len(s + i, n - i);
}

size_t par__split_words(const char *s, size_t n,
                        void (*fn)(void *ctx, const char *w, size_t len),
                        void *ctx)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t words = 0, i = 0;
        for (;;) {
                size_t l;
                while (i < n && (l = space_len(u, i, n)) > 0)
                        i += l;
                if (i >= n)
                        break;
                size_t w = i++;
                while (i < n && space_len(u, i, n) == 0)
                        i++;
                if (fn)
                        fn(ctx, s + w, i - w);
                words++;
        }
        return words;
}
