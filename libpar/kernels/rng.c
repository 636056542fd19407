/* libpar/kernels/rng.c — counter-based random streams (see rng.h).
 *
 * Generator. Philox4x32-10 as defined in J. K. Salmon, M. A. Moraes,
 * R. O. Dror, D. E. Shaw, "Parallel random numbers: as easy as 1, 2, 3",
 * SC 2011 (the Random123 library): a 128-bit counter (four 32-bit words
 * c0..c3) and a 64-bit key (k0, k1) go through ten rounds of
 *
 *     (c0, c1, c2, c3) <- (hi(M1*c2) ^ c1 ^ k0, lo(M1*c2),
 *                          hi(M0*c0) ^ c3 ^ k1, lo(M0*c0))
 *
 * with M0 = 0xD2511F53, M1 = 0xCD9E8D57 (hi/lo: the halves of the 64-bit
 * product), the key bumped between rounds by the Weyl constants
 * (k0, k1) += (0x9E3779B9, 0xBB67AE85). Checked against the paper's
 * known-answer vectors in tests/test_rng.c.
 *
 * Word mapping of par__philox4x32_10(key, ctr_lo, ctr_hi): k0 = low 32
 * bits of key, k1 = high 32 bits; c0 = low half of ctr_lo, c1 = high half
 * of ctr_lo, c2 = low half of ctr_hi, c3 = high half of ctr_hi; out[i] is
 * Random123's output word i. (So Random123's counter {c0,c1,c2,c3} is
 * ctr_lo = c1:c0, ctr_hi = c3:c2, and its key {k0,k1} is key = k1:k0.)
 *
 * Stream layout. Element i (0 <= i < 2^64) of stream (seed, stream) comes
 * from block j = i / 2:
 *
 *     key = seed, ctr_lo = j (< 2^63, top bit clear), ctr_hi = stream,
 *     x0 = out[1]:out[0] (64 bits, for even i), x1 = out[3]:out[2] (odd i)
 *
 * Nothing else enters, so element i is a pure function of (seed, stream, i)
 * and fills of any offsets and lengths splice exactly. Counters with the
 * top bit of ctr_lo set are never used by the first draws; they hold the
 * rare retry draws of par__rng_integers (below).
 *
 *   uniform   (x >> 11) * 2^-53 from element i's 64 bits: 53 random bits,
 *             in [0, 1), exactly the doubles k 2^-53.
 *   normal    Box-Muller (G. E. P. Box, M. E. Muller, "A note on the
 *             generation of random normal deviates", Ann. Math. Stat. 29,
 *             1958), one pair per block: u = 1 - U(x0) in (0, 1] (53 bits),
 *             r = sqrt(-2 ln u), angle t from x1 (2 bits of quadrant and 52
 *             bits within it); element 2j = r cos t, element 2j+1 = r sin t.
 *             Exact in distribution up to the 53-bit resolution of u (the
 *             largest |z| is sqrt(106 ln 2) = 8.57). No rejection, so every
 *             element costs the same and the loop vectorizes.
 *   integers  Lemire's multiply-and-reject (D. Lemire, "Fast random integer
 *             generation in an interval", ACM TOMACS 29(1), 2019): m = x*R
 *             (128 bits, R = hi - lo), result lo + (m >> 64) unless the low
 *             half is < 2^64 mod R; then retry r = 1, 2, ... of element i
 *             uses block (key = seed + r*K (mod 2^64), ctr_lo = 2^63 | j,
 *             ctr_hi = stream), words of the same half as x, with
 *             K = 0x9E3779B97F4A7C15 (odd, 2^64/golden ratio). The retries
 *             are a fixed per-element sequence, so element i never depends
 *             on what other elements drew.
 *
 * ln and sin/cos are this file's own, written for the ranges Box-Muller
 * needs, with only +, -, *, /, sqrt and bit operations (so they vectorize,
 * and give the same bits on every path):
 *   ln u:   u = 2^k m, m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact),
 *           s = f/(2+f), ln(1+f) = 2 atanh s = 2s + s R with R the atanh
 *           series 2z/3 + 2z^2/5 + ... in z = s^2 (10 terms: |s| <= 0.1716
 *           leaves < 2^-60 relative), assembled as
 *           k ln2_hi - ((f^2/2 - (s (f^2/2 + R) + k ln2_lo)) - f) with ln 2
 *           split so that k ln2_hi is exact: the argument reduction and
 *           assembly of fdlibm's e_log.c (Sun Microsystems, 1993), here with
 *           Taylor instead of minimax coefficients.
 *   sincos: the angle is split already: t = q pi/2 + p, q in 0..3 from two
 *           random bits, p = (g - 1/2) pi/2 in [-pi/4, pi/4) from 52 more
 *           (g in [0, 1)); sin p and cos p by their Taylor series to p^17
 *           and p^16 (remainders below 2^-58 relative), then the exact
 *           quadrant swap and negations.
 * tests/test_rng.c compares the normals with libm's log, sin and cos of the
 * same formula: within a few units of 2^-53 r.
 *
 * Speed. A fill runs in batches of RNG_B = 8 blocks (16 elements) through
 * one batch function: whole batches straight into the output, partial ones
 * (an odd offset, a short tail) through a temporary. Each batch exists
 * twice: portable C (any compiler and CPU; the reference) and AVX2 (x86-64
 * with gcc or clang: target attribute, chosen at the first call with
 * __builtin_cpu_supports; the environment variable PAR_RNG_ISA=generic
 * forces the C path): four blocks per 256-bit vector, two vectors
 * interleaved, vpmuludq for the 32x32->64 products, then the transform
 * operation for operation as the C code does it. AVX2 brings no FMA and
 * contraction is off (below), so both paths compute the same IEEE
 * operations in the same order and give the same bits (the test's golden
 * checksums run on both). About 2 ns per uniform and 4 ns per normal on
 * one 2.6 GHz Zen 4 core; the C path is about 5 times slower. */
#include "kernels/rng.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Bit-identical results on every path need each a*b+c to stay two
 * roundings: no contraction into fused multiply-adds (GCC contracts by
 * default in GNU C modes, clang within expressions). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#if defined(__x86_64__) && defined(__GNUC__)
#define RNG_X86 1
#include <immintrin.h>
#define RNG_AVX2 __attribute__((target("avx2")))
#else
#define RNG_X86 0
#endif

#if defined(__GNUC__)
#define RNG_INLINE static inline __attribute__((always_inline))
#else
#define RNG_INLINE static inline
#endif

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
#define PHILOX_ROUNDS 10

/* Blocks per batch (two elements per block). */
#define RNG_B 8
#define RNG_E (2 * RNG_B)

#define J_MASK UINT64_C(0x7FFFFFFFFFFFFFFF)
#define RETRY_BIT UINT64_C(0x8000000000000000)
#define RETRY_KEY_STEP UINT64_C(0x9E3779B97F4A7C15)

/* ---- Philox4x32-10 ------------------------------------------------------ */

void par__philox4x32_10(uint64_t key, uint64_t ctr_lo, uint64_t ctr_hi,
                        uint32_t out[4])
{
        uint32_t c0 = (uint32_t)ctr_lo, c1 = (uint32_t)(ctr_lo >> 32);
        uint32_t c2 = (uint32_t)ctr_hi, c3 = (uint32_t)(ctr_hi >> 32);
        uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
        int r;
        for (r = 0; r < PHILOX_ROUNDS; r++) {
                uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
                uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
                uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
                uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
                c1 = (uint32_t)p1;
                c3 = (uint32_t)p0;
                c0 = n0;
                c2 = n2;
                k0 += PHILOX_W0;
                k1 += PHILOX_W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
}

/* Blocks j0 .. j0+RNG_B-1 (mod 2^63) of (seed, stream): x0[b], x1[b] are
 * the two 64-bit halves of block j0+b. */
RNG_INLINE void philox_batch(uint64_t seed, uint64_t stream, uint64_t j0,
                             uint64_t x0[RNG_B], uint64_t x1[RNG_B])
{
        uint32_t c0[RNG_B], c1[RNG_B], c2[RNG_B], c3[RNG_B];
        uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
        int b, r;
        for (b = 0; b < RNG_B; b++) {
                uint64_t j = (j0 + (uint64_t)b) & J_MASK;
                c0[b] = (uint32_t)j;
                c1[b] = (uint32_t)(j >> 32);
                c2[b] = (uint32_t)stream;
                c3[b] = (uint32_t)(stream >> 32);
        }
        for (r = 0; r < PHILOX_ROUNDS; r++) {
                for (b = 0; b < RNG_B; b++) {
                        uint64_t p0 = (uint64_t)PHILOX_M0 * c0[b];
                        uint64_t p1 = (uint64_t)PHILOX_M1 * c2[b];
                        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[b] ^ k0;
                        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3[b] ^ k1;
                        c1[b] = (uint32_t)p1;
                        c3[b] = (uint32_t)p0;
                        c0[b] = n0;
                        c2[b] = n2;
                }
                k0 += PHILOX_W0;
                k1 += PHILOX_W1;
        }
        for (b = 0; b < RNG_B; b++) {
                x0[b] = (uint64_t)c1[b] << 32 | c0[b];
                x1[b] = (uint64_t)c3[b] << 32 | c2[b];
        }
}

/* ---- bits to doubles ---------------------------------------------------- */

RNG_INLINE double as_double(uint64_t u)
{
        double d;
        memcpy(&d, &u, sizeof d);
        return d;
}

RNG_INLINE uint64_t as_u64(double d)
{
        uint64_t u;
        memcpy(&u, &d, sizeof u);
        return u;
}

#define EXP_2P52 UINT64_C(0x4330000000000000) /* bits of 2^52 */
#define MANT_MASK UINT64_C(0x000FFFFFFFFFFFFF)

/* (x >> 11) * 2^-53, exactly, with only bit operations and additions (no
 * 64-bit integer to double conversion, which SSE/AVX2 lack): the low 52
 * bits become 2^52 + low - 2^52, the 53rd adds 2^52 or 0. */
RNG_INLINE double u53(uint64_t x)
{
        uint64_t m = x >> 11;
        double low = as_double(EXP_2P52 | (m & MANT_MASK)) - 0x1p52;
        double top = as_double(EXP_2P52 & ((uint64_t)0 - (m >> 52)));
        return (low + top) * 0x1p-53;
}

/* ---- ln on (0, 1] and sincos of a split angle --------------------------- */

#define LN2_HI 0x1.62e42fefa3800p-1 /* 42 bits: k * LN2_HI is exact */
#define LN2_LO 0x1.ef35793c76730p-45
#define SQRT2 1.4142135623730951

/* ln u for normal, finite u > 0 (here u in [2^-53, 1]). */
RNG_INLINE double rng_log(double u)
{
        uint64_t bits = as_u64(u);
        uint64_t e = bits >> 52; /* biased exponent, sign is 0 */
        double m = as_double((bits & MANT_MASK) | UINT64_C(0x3FF0000000000000));
        int big = m > SQRT2;
        double f, s, z, R, hfsq, k;
        /* m in [sqrt(1/2), sqrt(2)) */
        m = big ? m * 0.5 : m;
        e += (uint64_t)big;
        /* k = e - 1023 as a double, exactly, without int->double */
        k = (as_double(EXP_2P52 | e) - 0x1p52) - 1023.0;
        f = m - 1.0; /* exact (Sterbenz) */
        s = f / (2.0 + f);
        z = s * s;
        /* R = sum_{n=1}^{10} 2 z^n / (2n+1) */
        R = 2.0 / 21.0;
        R = R * z + 2.0 / 19.0;
        R = R * z + 2.0 / 17.0;
        R = R * z + 2.0 / 15.0;
        R = R * z + 2.0 / 13.0;
        R = R * z + 2.0 / 11.0;
        R = R * z + 2.0 / 9.0;
        R = R * z + 2.0 / 7.0;
        R = R * z + 2.0 / 5.0;
        R = R * z + 2.0 / 3.0;
        R = R * z;
        hfsq = 0.5 * f * f;
        return k * LN2_HI - ((hfsq - (s * (hfsq + R) + k * LN2_LO)) - f);
}

/* Taylor coefficients 1/n! */
#define IF2 (1.0 / 2.0)
#define IF3 (1.0 / 6.0)
#define IF4 (1.0 / 24.0)
#define IF5 (1.0 / 120.0)
#define IF6 (1.0 / 720.0)
#define IF7 (1.0 / 5040.0)
#define IF8 (1.0 / 40320.0)
#define IF9 (1.0 / 362880.0)
#define IF10 (1.0 / 3628800.0)
#define IF11 (1.0 / 39916800.0)
#define IF12 (1.0 / 479001600.0)
#define IF13 (1.0 / 6227020800.0)
#define IF14 (1.0 / 87178291200.0)
#define IF15 (1.0 / 1307674368000.0)
#define IF16 (1.0 / 20922789888000.0)
#define IF17 (1.0 / 355687428096000.0)

#define PI_2 0x1.921fb54442d18p+0

/* Normal pair from one block. */
RNG_INLINE void box_muller(uint64_t x0, uint64_t x1, double *z0, double *z1)
{
        double u = 1.0 - u53(x0); /* (0, 1], exact */
        double r = sqrt(-2.0 * rng_log(u));
        uint64_t q = x1 >> 62;
        /* p = (g - 1/2) pi/2 with g = 52 bits of x1 in [0, 1) */
        double g = as_double(UINT64_C(0x3FF0000000000000) |
                             ((x1 >> 10) & MANT_MASK));
        double p = (g - 1.5) * PI_2;
        double z = p * p;
        double sp, cp, c, s;
        sp = -IF17;
        sp = sp * z + IF15;
        sp = sp * z - IF13;
        sp = sp * z + IF11;
        sp = sp * z - IF9;
        sp = sp * z + IF7;
        sp = sp * z - IF5;
        sp = sp * z + IF3;
        sp = p - p * z * sp;
        cp = IF16;
        cp = cp * z - IF14;
        cp = cp * z + IF12;
        cp = cp * z - IF10;
        cp = cp * z + IF8;
        cp = cp * z - IF6;
        cp = cp * z + IF4;
        cp = cp * z - IF2;
        cp = 1.0 + z * cp;
        /* t = q pi/2 + p: q odd swaps, the signs follow the quadrant */
        c = (q & 1) ? sp : cp;
        s = (q & 1) ? cp : sp;
        c = as_double(as_u64(c) ^ (((q + 1) >> 1) & 1) << 63);
        s = as_double(as_u64(s) ^ (q >> 1) << 63);
        *z0 = r * c;
        *z1 = r * s;
}

/* ---- batches: portable C ------------------------------------------------ */

/* A batch computes the RNG_E elements 2*j0 .. 2*j0 + RNG_E - 1 (blocks
 * j0 .. j0 + RNG_B - 1). The AVX2 batches below compute the very same
 * values with the same IEEE operations in the same order. */

/* Uniform modes: plain [0, 1); lo + w u; lo + w u lowered to `top`. */
enum { U_PLAIN, U_AFFINE, U_CLAMPED };

static void bits_batch_c(uint64_t seed, uint64_t stream, uint64_t j0,
                         uint64_t *out)
{
        uint64_t x0[RNG_B], x1[RNG_B];
        int b;
        philox_batch(seed, stream, j0, x0, x1);
        for (b = 0; b < RNG_B; b++) {
                out[2 * b] = x0[b];
                out[2 * b + 1] = x1[b];
        }
}

static void uniform_batch_c(uint64_t seed, uint64_t stream, uint64_t j0,
                            int mode, double lo, double w, double top,
                            double *out)
{
        uint64_t x0[RNG_B], x1[RNG_B];
        int b, k;
        philox_batch(seed, stream, j0, x0, x1);
        for (b = 0; b < RNG_B; b++) {
                out[2 * b] = u53(x0[b]);
                out[2 * b + 1] = u53(x1[b]);
        }
        if (mode == U_PLAIN)
                return;
        for (k = 0; k < RNG_E; k++) {
                double v = lo + w * out[k];
                out[k] = mode == U_CLAMPED && !(v < top) ? top : v;
        }
}

static void normal_batch_c(uint64_t seed, uint64_t stream, uint64_t j0,
                           double mean, double sd, double *out)
{
        uint64_t x0[RNG_B], x1[RNG_B];
        int b;
        philox_batch(seed, stream, j0, x0, x1);
        for (b = 0; b < RNG_B; b++) {
                double z0, z1;
                box_muller(x0[b], x1[b], &z0, &z1);
                out[2 * b] = mean + sd * z0;
                out[2 * b + 1] = mean + sd * z1;
        }
}

/* ---- batches: AVX2 ------------------------------------------------------ */

#if RNG_X86
/* Four blocks per 256-bit vector, one 64-bit lane per block; each Philox
 * word sits in the low half of its lane, so one vpmuludq gives the four
 * full 32x32->64 products. The high halves of c0..c3 may hold garbage:
 * vpmuludq ignores them and the final assembly masks or shifts them out.
 * Two vectors (RNG_B = 8 blocks) run interleaved for instruction-level
 * parallelism. */
#define RNG_G 2
_Static_assert(RNG_B == 4 * RNG_G, "the AVX2 batches are two vectors of four blocks");

RNG_AVX2 RNG_INLINE void philox_avx2(uint64_t seed, uint64_t stream,
                                     uint64_t j0, __m256i x0[RNG_G],
                                     __m256i x1[RNG_G])
{
        const __m256i m0 = _mm256_set1_epi64x(PHILOX_M0);
        const __m256i m1 = _mm256_set1_epi64x(PHILOX_M1);
        const __m256i lo32 = _mm256_set1_epi64x(0xFFFFFFFF);
        const __m256i jmask = _mm256_set1_epi64x((long long)J_MASK);
        const __m256i s_lo = _mm256_set1_epi64x((long long)stream);
        const __m256i s_hi = _mm256_set1_epi64x((long long)(stream >> 32));
        __m256i j = _mm256_add_epi64(_mm256_set1_epi64x((long long)j0),
                                     _mm256_setr_epi64x(0, 1, 2, 3));
        /* group a: blocks j0..j0+3, group b: j0+4..j0+7 */
        __m256i a0 = _mm256_and_si256(j, jmask), a1, a2 = s_lo, a3 = s_hi;
        __m256i b0 = _mm256_and_si256(
                _mm256_add_epi64(j, _mm256_set1_epi64x(4)), jmask);
        __m256i b1, b2 = s_lo, b3 = s_hi;
        uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
        int r;
        a1 = _mm256_srli_epi64(a0, 32);
        b1 = _mm256_srli_epi64(b0, 32);
        for (r = 0; r < PHILOX_ROUNDS; r++) {
                const __m256i kk0 = _mm256_set1_epi64x(k0);
                const __m256i kk1 = _mm256_set1_epi64x(k1);
                __m256i pa0 = _mm256_mul_epu32(a0, m0);
                __m256i pa1 = _mm256_mul_epu32(a2, m1);
                __m256i pb0 = _mm256_mul_epu32(b0, m0);
                __m256i pb1 = _mm256_mul_epu32(b2, m1);
                a0 = _mm256_xor_si256(
                        _mm256_xor_si256(_mm256_srli_epi64(pa1, 32), a1), kk0);
                a2 = _mm256_xor_si256(
                        _mm256_xor_si256(_mm256_srli_epi64(pa0, 32), a3), kk1);
                b0 = _mm256_xor_si256(
                        _mm256_xor_si256(_mm256_srli_epi64(pb1, 32), b1), kk0);
                b2 = _mm256_xor_si256(
                        _mm256_xor_si256(_mm256_srli_epi64(pb0, 32), b3), kk1);
                a1 = pa1;
                a3 = pa0;
                b1 = pb1;
                b3 = pb0;
                k0 += PHILOX_W0;
                k1 += PHILOX_W1;
        }
        x0[0] = _mm256_or_si256(_mm256_slli_epi64(a1, 32),
                                _mm256_and_si256(a0, lo32));
        x1[0] = _mm256_or_si256(_mm256_slli_epi64(a3, 32),
                                _mm256_and_si256(a2, lo32));
        x0[1] = _mm256_or_si256(_mm256_slli_epi64(b1, 32),
                                _mm256_and_si256(b0, lo32));
        x1[1] = _mm256_or_si256(_mm256_slli_epi64(b3, 32),
                                _mm256_and_si256(b2, lo32));
}

/* Stores a and b interleaved: out[0..8) = a0 b0 a1 b1 a2 b2 a3 b3. */
RNG_AVX2 RNG_INLINE void store_pairs_pd(double *out, __m256d a, __m256d b)
{
        __m256d lo = _mm256_unpacklo_pd(a, b); /* a0 b0 a2 b2 */
        __m256d hi = _mm256_unpackhi_pd(a, b); /* a1 b1 a3 b3 */
        _mm256_storeu_pd(out, _mm256_permute2f128_pd(lo, hi, 0x20));
        _mm256_storeu_pd(out + 4, _mm256_permute2f128_pd(lo, hi, 0x31));
}

RNG_AVX2 RNG_INLINE __m256d u53_avx2(__m256i x)
{
        const __m256i exp52 = _mm256_set1_epi64x((long long)EXP_2P52);
        const __m256i mant = _mm256_set1_epi64x((long long)MANT_MASK);
        __m256i m = _mm256_srli_epi64(x, 11);
        __m256d low = _mm256_sub_pd(
                _mm256_castsi256_pd(
                        _mm256_or_si256(exp52, _mm256_and_si256(m, mant))),
                _mm256_set1_pd(0x1p52));
        __m256d top = _mm256_castsi256_pd(_mm256_and_si256(
                exp52, _mm256_sub_epi64(_mm256_setzero_si256(),
                                        _mm256_srli_epi64(m, 52))));
        return _mm256_mul_pd(_mm256_add_pd(low, top), _mm256_set1_pd(0x1p-53));
}

#define V(c) _mm256_set1_pd(c)

/* rng_log, lane by lane. */
RNG_AVX2 RNG_INLINE __m256d log_avx2(__m256d u)
{
        const __m256i mant = _mm256_set1_epi64x((long long)MANT_MASK);
        __m256i bits = _mm256_castpd_si256(u);
        __m256i e = _mm256_srli_epi64(bits, 52);
        __m256d m = _mm256_castsi256_pd(_mm256_or_si256(
                _mm256_and_si256(bits, mant),
                _mm256_set1_epi64x(0x3FF0000000000000)));
        __m256d big = _mm256_cmp_pd(m, V(SQRT2), _CMP_GT_OQ);
        __m256d f, s, z, R, hfsq, k;
        m = _mm256_blendv_pd(m, _mm256_mul_pd(m, V(0.5)), big);
        e = _mm256_sub_epi64(e, _mm256_castpd_si256(big));
        k = _mm256_sub_pd(
                _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(
                                      _mm256_set1_epi64x((long long)EXP_2P52), e)),
                              V(0x1p52)),
                V(1023.0));
        f = _mm256_sub_pd(m, V(1.0));
        s = _mm256_div_pd(f, _mm256_add_pd(V(2.0), f));
        z = _mm256_mul_pd(s, s);
        R = V(2.0 / 21.0);
        R = _mm256_add_pd(_mm256_mul_pd(R, z), V(2.0 / 19.0));
        R = _mm256_add_pd(_mm256_mul_pd(R, z), V(2.0 / 17.0));
        R = _mm256_add_pd(_mm256_mul_pd(R, z), V(2.0 / 15.0));
        R = _mm256_add_pd(_mm256_mul_pd(R, z), V(2.0 / 13.0));
        R = _mm256_add_pd(_mm256_mul_pd(R, z), V(2.0 / 11.0));
        R = _mm256_add_pd(_mm256_mul_pd(R, z), V(2.0 / 9.0));
        R = _mm256_add_pd(_mm256_mul_pd(R, z), V(2.0 / 7.0));
        R = _mm256_add_pd(_mm256_mul_pd(R, z), V(2.0 / 5.0));
        R = _mm256_add_pd(_mm256_mul_pd(R, z), V(2.0 / 3.0));
        R = _mm256_mul_pd(R, z);
        hfsq = _mm256_mul_pd(_mm256_mul_pd(V(0.5), f), f);
        /* k LN2_HI - ((hfsq - (s (hfsq + R) + k LN2_LO)) - f) */
        return _mm256_sub_pd(
                _mm256_mul_pd(k, V(LN2_HI)),
                _mm256_sub_pd(
                        _mm256_sub_pd(
                                hfsq,
                                _mm256_add_pd(
                                        _mm256_mul_pd(s, _mm256_add_pd(hfsq, R)),
                                        _mm256_mul_pd(k, V(LN2_LO)))),
                        f));
}

/* box_muller, lane by lane. */
RNG_AVX2 RNG_INLINE void box_muller_avx2(__m256i x0, __m256i x1, __m256d *z0,
                                         __m256d *z1)
{
        const __m256i one = _mm256_set1_epi64x(1);
        __m256d u = _mm256_sub_pd(V(1.0), u53_avx2(x0));
        __m256d r = _mm256_sqrt_pd(_mm256_mul_pd(V(-2.0), log_avx2(u)));
        __m256i q = _mm256_srli_epi64(x1, 62);
        __m256d g = _mm256_castsi256_pd(_mm256_or_si256(
                _mm256_set1_epi64x(0x3FF0000000000000),
                _mm256_and_si256(_mm256_srli_epi64(x1, 10),
                                 _mm256_set1_epi64x((long long)MANT_MASK))));
        __m256d p = _mm256_mul_pd(_mm256_sub_pd(g, V(1.5)), V(PI_2));
        __m256d z = _mm256_mul_pd(p, p);
        __m256d sp, cp, c, s, swap;
        sp = V(-IF17);
        sp = _mm256_add_pd(_mm256_mul_pd(sp, z), V(IF15));
        sp = _mm256_sub_pd(_mm256_mul_pd(sp, z), V(IF13));
        sp = _mm256_add_pd(_mm256_mul_pd(sp, z), V(IF11));
        sp = _mm256_sub_pd(_mm256_mul_pd(sp, z), V(IF9));
        sp = _mm256_add_pd(_mm256_mul_pd(sp, z), V(IF7));
        sp = _mm256_sub_pd(_mm256_mul_pd(sp, z), V(IF5));
        sp = _mm256_add_pd(_mm256_mul_pd(sp, z), V(IF3));
        sp = _mm256_sub_pd(p, _mm256_mul_pd(_mm256_mul_pd(p, z), sp));
        cp = V(IF16);
        cp = _mm256_sub_pd(_mm256_mul_pd(cp, z), V(IF14));
        cp = _mm256_add_pd(_mm256_mul_pd(cp, z), V(IF12));
        cp = _mm256_sub_pd(_mm256_mul_pd(cp, z), V(IF10));
        cp = _mm256_add_pd(_mm256_mul_pd(cp, z), V(IF8));
        cp = _mm256_sub_pd(_mm256_mul_pd(cp, z), V(IF6));
        cp = _mm256_add_pd(_mm256_mul_pd(cp, z), V(IF4));
        cp = _mm256_sub_pd(_mm256_mul_pd(cp, z), V(IF2));
        cp = _mm256_add_pd(V(1.0), _mm256_mul_pd(z, cp));
        swap = _mm256_castsi256_pd(_mm256_sub_epi64(
                _mm256_setzero_si256(), _mm256_and_si256(q, one)));
        c = _mm256_blendv_pd(cp, sp, swap);
        s = _mm256_blendv_pd(sp, cp, swap);
        c = _mm256_xor_pd(c, _mm256_castsi256_pd(_mm256_slli_epi64(
                                     _mm256_and_si256(_mm256_srli_epi64(
                                                              _mm256_add_epi64(q, one), 1),
                                                      one),
                                     63)));
        s = _mm256_xor_pd(s, _mm256_castsi256_pd(_mm256_slli_epi64(
                                     _mm256_srli_epi64(q, 1), 63)));
        *z0 = _mm256_mul_pd(r, c);
        *z1 = _mm256_mul_pd(r, s);
}

RNG_AVX2 RNG_INLINE void store_pairs_si(uint64_t *out, __m256i a, __m256i b)
{
        __m256i lo = _mm256_unpacklo_epi64(a, b); /* a0 b0 a2 b2 */
        __m256i hi = _mm256_unpackhi_epi64(a, b); /* a1 b1 a3 b3 */
        _mm256_storeu_si256((__m256i *)out, _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256((__m256i *)(out + 4),
                            _mm256_permute2x128_si256(lo, hi, 0x31));
}

RNG_AVX2 static void bits_batch_avx2(uint64_t seed, uint64_t stream,
                                     uint64_t j0, uint64_t *out)
{
        __m256i x0[RNG_G], x1[RNG_G];
        philox_avx2(seed, stream, j0, x0, x1);
        store_pairs_si(out, x0[0], x1[0]);
        store_pairs_si(out + 8, x0[1], x1[1]);
}

RNG_AVX2 RNG_INLINE __m256d uniform_map_avx2(__m256i x, int mode, double lo,
                                             double w, double top)
{
        __m256d v = u53_avx2(x);
        if (mode != U_PLAIN)
                v = _mm256_add_pd(_mm256_set1_pd(lo),
                                  _mm256_mul_pd(_mm256_set1_pd(w), v));
        if (mode == U_CLAMPED) /* minpd(v, top) = v < top ? v : top */
                v = _mm256_min_pd(v, _mm256_set1_pd(top));
        return v;
}

RNG_AVX2 static void uniform_batch_avx2(uint64_t seed, uint64_t stream,
                                        uint64_t j0, int mode, double lo,
                                        double w, double top, double *out)
{
        __m256i x0[RNG_G], x1[RNG_G];
        philox_avx2(seed, stream, j0, x0, x1);
        store_pairs_pd(out, uniform_map_avx2(x0[0], mode, lo, w, top),
                       uniform_map_avx2(x1[0], mode, lo, w, top));
        store_pairs_pd(out + 8, uniform_map_avx2(x0[1], mode, lo, w, top),
                       uniform_map_avx2(x1[1], mode, lo, w, top));
}

RNG_AVX2 static void normal_batch_avx2(uint64_t seed, uint64_t stream,
                                       uint64_t j0, double mean, double sd,
                                       double *out)
{
        __m256i x0[RNG_G], x1[RNG_G];
        __m256d za0, za1, zb0, zb1;
        philox_avx2(seed, stream, j0, x0, x1);
        box_muller_avx2(x0[0], x1[0], &za0, &za1);
        box_muller_avx2(x0[1], x1[1], &zb0, &zb1);
        za0 = _mm256_add_pd(V(mean), _mm256_mul_pd(V(sd), za0));
        za1 = _mm256_add_pd(V(mean), _mm256_mul_pd(V(sd), za1));
        zb0 = _mm256_add_pd(V(mean), _mm256_mul_pd(V(sd), zb0));
        zb1 = _mm256_add_pd(V(mean), _mm256_mul_pd(V(sd), zb1));
        store_pairs_pd(out, za0, za1);
        store_pairs_pd(out + 8, zb0, zb1);
}
#undef V
#endif /* RNG_X86 */

/* ---- fills -------------------------------------------------------------- */

/* Elements [offset, offset + n) into out: whole batches straight into
 * `out`, the partial ones (an odd offset, a short tail) through a
 * temporary, with the same batch function. */
#define RNG_FILL_BODY(T, BATCH, ...)                                          \
        do {                                                                  \
                uint64_t i_ = offset;                                         \
                while (n > 0) {                                               \
                        uint64_t j0_ = i_ >> 1;                               \
                        size_t skip_ = (size_t)(i_ & 1), take_;               \
                        T tmp_[RNG_E];                                        \
                        if (skip_ == 0 && n >= RNG_E) {                       \
                                BATCH(seed, stream, j0_, __VA_ARGS__, out);   \
                                take_ = RNG_E;                                \
                        } else {                                              \
                                BATCH(seed, stream, j0_, __VA_ARGS__, tmp_);  \
                                take_ = RNG_E - skip_;                        \
                                if (take_ > n)                                \
                                        take_ = n;                            \
                                memcpy(out, tmp_ + skip_, take_ * sizeof(T)); \
                        }                                                     \
                        out += take_;                                         \
                        n -= take_;                                           \
                        i_ += take_;                                          \
                }                                                             \
        } while (0)

#define RNG_BITS_ARGS uint64_t seed, uint64_t stream, uint64_t offset, \
        uint64_t *out, size_t n
#define RNG_UNIFORM_ARGS uint64_t seed, uint64_t stream, uint64_t offset, \
        int mode, double lo, double w, double top, double *out, size_t n
#define RNG_NORMAL_ARGS uint64_t seed, uint64_t stream, uint64_t offset, \
        double mean, double sd, double *out, size_t n

/* bits_batch_c takes no extra arguments; give the macro one to drop. */
#define BITS_C(seed, stream, j0, unused, out) bits_batch_c(seed, stream, j0, out)

static void bits_fill_c(RNG_BITS_ARGS)
{
        RNG_FILL_BODY(uint64_t, BITS_C, 0);
}

static void uniform_fill_c(RNG_UNIFORM_ARGS)
{
        RNG_FILL_BODY(double, uniform_batch_c, mode, lo, w, top);
}

static void normal_fill_c(RNG_NORMAL_ARGS)
{
        RNG_FILL_BODY(double, normal_batch_c, mean, sd);
}

#if RNG_X86
#define BITS_AVX2(seed, stream, j0, unused, out) \
        bits_batch_avx2(seed, stream, j0, out)

RNG_AVX2 static void bits_fill_avx2(RNG_BITS_ARGS)
{
        RNG_FILL_BODY(uint64_t, BITS_AVX2, 0);
}

RNG_AVX2 static void uniform_fill_avx2(RNG_UNIFORM_ARGS)
{
        RNG_FILL_BODY(double, uniform_batch_avx2, mode, lo, w, top);
}

RNG_AVX2 static void normal_fill_avx2(RNG_NORMAL_ARGS)
{
        RNG_FILL_BODY(double, normal_batch_avx2, mean, sd);
}
#endif

/* ---- dispatch ----------------------------------------------------------- */

/* 0: portable C, 1: AVX2. Chosen once per process: AVX2 where the CPU has
 * it, unless the environment variable PAR_RNG_ISA is "generic" (the tests
 * use it to check that both paths give the same bits). A racing first use
 * computes the same answer twice. */
static atomic_int rng_isa_cached = -1;

static int rng_isa(void)
{
        int v = atomic_load_explicit(&rng_isa_cached, memory_order_relaxed);
        if (v >= 0)
                return v;
        v = 0;
#if RNG_X86
        {
                const char *e = getenv("PAR_RNG_ISA");
                if (!(e && strcmp(e, "generic") == 0)) {
                        __builtin_cpu_init();
                        v = __builtin_cpu_supports("avx2") ? 1 : 0;
                }
        }
#endif
        atomic_store_explicit(&rng_isa_cached, v, memory_order_relaxed);
        return v;
}

static void bits_fill(RNG_BITS_ARGS)
{
#if RNG_X86
        if (rng_isa() == 1) {
                bits_fill_avx2(seed, stream, offset, out, n);
                return;
        }
#endif
        bits_fill_c(seed, stream, offset, out, n);
}

static void uniform_fill(RNG_UNIFORM_ARGS)
{
#if RNG_X86
        if (rng_isa() == 1) {
                uniform_fill_avx2(seed, stream, offset, mode, lo, w, top, out, n);
                return;
        }
#endif
        uniform_fill_c(seed, stream, offset, mode, lo, w, top, out, n);
}

/* ---- the API ------------------------------------------------------------ */

void par__rng_uniform(uint64_t seed, uint64_t stream, uint64_t offset,
                      double *out, size_t n)
{
        uniform_fill(seed, stream, offset, U_PLAIN, 0.0, 1.0, 1.0, out, n);
}

/* [lo, hi): lo + (hi - lo) u, lowered to the largest double below hi where
 * rounding reached hi. If hi - lo overflows: 2 (lo/2 + (hi/2 - lo/2) u),
 * the same in exact arithmetic (lo/2 and hi/2 are exact: an overflowing
 * width excludes subnormals), then lowered likewise. hi <= lo (or a NaN)
 * gives lo + (hi - lo) u as it falls. */
void par__rng_uniform_range(uint64_t seed, uint64_t stream, uint64_t offset,
                            double lo, double hi, double *out, size_t n)
{
        double w = hi - lo, top;
        size_t k;
        if (!(hi > lo)) {
                uniform_fill(seed, stream, offset, U_AFFINE, lo, w, 0.0, out, n);
                return;
        }
        top = nextafter(hi, -INFINITY);
        if (isfinite(w)) {
                uniform_fill(seed, stream, offset, U_CLAMPED, lo, w, top, out, n);
                return;
        }
        uniform_fill(seed, stream, offset, U_AFFINE, 0.5 * lo,
                     0.5 * hi - 0.5 * lo, 0.0, out, n);
        for (k = 0; k < n; k++) {
                double v = 2.0 * out[k];
                out[k] = v < top ? v : top;
        }
}

void par__rng_normal(uint64_t seed, uint64_t stream, uint64_t offset,
                     double mean, double sd, double *out, size_t n)
{
#if RNG_X86
        if (rng_isa() == 1) {
                normal_fill_avx2(seed, stream, offset, mean, sd, out, n);
                return;
        }
#endif
        normal_fill_c(seed, stream, offset, mean, sd, out, n);
}

/* ---- integers ----------------------------------------------------------- */

/* The 128-bit product x * R: high half returned, low half in *lo. */
static inline uint64_t mul_hi_lo(uint64_t x, uint64_t R, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__)
        __extension__ typedef unsigned __int128 u128;
        u128 m = (u128)x * R;
        *lo = (uint64_t)m;
        return (uint64_t)(m >> 64);
#else
        uint64_t xl = x & 0xFFFFFFFFu, xh = x >> 32;
        uint64_t rl = R & 0xFFFFFFFFu, rh = R >> 32;
        uint64_t ll = xl * rl, lh = xl * rh, hl = xh * rl, hh = xh * rh;
        uint64_t mid = (ll >> 32) + (lh & 0xFFFFFFFFu) + (hl & 0xFFFFFFFFu);
        *lo = (mid << 32) | (ll & 0xFFFFFFFFu);
        return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/* Retry r >= 1 of element i (see the top of the file). */
static uint64_t integer_retry(uint64_t seed, uint64_t stream, uint64_t i,
                              uint64_t r)
{
        uint32_t w[4];
        unsigned h = (unsigned)(i & 1) * 2;
        par__philox4x32_10(seed + r * RETRY_KEY_STEP,
                           RETRY_BIT | ((i >> 1) & J_MASK), stream, w);
        return (uint64_t)w[h + 1] << 32 | w[h];
}

void par__rng_integers(uint64_t seed, uint64_t stream, uint64_t offset,
                       int64_t lo, int64_t hi, int64_t *out, size_t n)
{
        uint64_t *o = (uint64_t *)out; /* same object, unsigned view */
        uint64_t R, t, base = (uint64_t)lo;
        size_t k;
        if (hi <= lo) {
                for (k = 0; k < n; k++)
                        out[k] = lo;
                return;
        }
        R = (uint64_t)hi - (uint64_t)lo; /* 1 .. 2^64 - 1 */
        t = (0 - R) % R;                 /* 2^64 mod R: reject below it */
        bits_fill(seed, stream, offset, o, n);
        for (k = 0; k < n; k++) {
                uint64_t l, m = mul_hi_lo(o[k], R, &l);
                uint64_t r = 0;
                while (l < t)
                        m = mul_hi_lo(integer_retry(seed, stream, offset + k, ++r),
                                      R, &l);
                o[k] = base + m;
        }
}
