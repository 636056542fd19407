/* libpar/kernels/numfmt.cpp — numbers to text and back (kernels/numfmt.h).
 *
 * A C++17 translation unit behind C functions: C++ only for std::from_chars.
 *
 * Formatting a double: the shortest decimal that reads back to the same
 * bits, by Schubfach (below), written out in Python's repr layout. Python's
 * rule is on the decimal exponent E of the first significant digit:
 * positional when -4 <= E < 16 ("0.0001", "123.25", "1000000000000000.0":
 * integral values get ".0"), scientific otherwise ("1e+16", "1e-05",
 * "1.2345678901234568e+17", "5e-324": at least two exponent digits);
 * "-0.0", "nan" (whatever the NaN's sign), "inf", "-inf". Integral doubles
 * below 1e16 are written as integers (their exact value is their shortest
 * decimal), through the int64 writer.
 *
 * Why not std::to_chars: libstdc++'s (Ryu-based) shortest to_chars, plus
 * the relayout into Python's form, took about 41 ns per normal(4, 2) value
 * on the development machine against about 29 ns here; fmt's public
 * format_to("{}") took 42 ns (its Dragonbox core alone is 18 ns but is not
 * a public interface). Exactness is tested against a glibc-printf
 * reference, python3's repr and a round trip (tests/test_numfmt.c).
 *
 * Parsing a double: plain decimals of at most 19 significant digits with
 * a small exponent take an exact fast path (below, before the parser).
 * Otherwise the sign, "nan", "inf" and "infinity" (any case) are
 * handled here, so std::from_chars (libstdc++ >= 12: fast_float, correctly
 * rounded, exact on long inputs too) only sees digits, which also keeps out
 * what it accepts beyond the contract ("nan(...)", a second sign).
 * from_chars leaves the value alone when the result overflows or
 * underflows; then the decimal magnitude of the text decides between ±inf
 * and ±0, as strtod does. (fast_float's own header measured about 2 ns
 * faster, not worth a dependency.) Without a floating-point from_chars
 * (libc++ before 20) the text is checked here and read by strtod_l in the C
 * locale.
 *
 * int64: a two-digit table for writing (eight digits per 64-bit division);
 * for reading, eight digits at a time (SWAR) while eight remain. */

#include <charconv>
#include <cstdint>
#include <cstring>
#include <system_error>

/* PAR_NUMFMT_USE_STRTOD: the fallback parser even where from_chars exists
 * (lets the tests cover it). */
#if defined(__cpp_lib_to_chars) && __cpp_lib_to_chars >= 201611L && \
        !defined(PAR_NUMFMT_USE_STRTOD)
#define NUMFMT_FROM_CHARS 1
#else
#define NUMFMT_FROM_CHARS 0
#include <locale.h>
#include <stdlib.h>
extern "C" {
#include "core/internal.h" /* par__malloc, par__free */
}
#endif

#include "kernels/numfmt.h"

namespace {

const char digit_pairs[201] =
        "00010203040506070809"
        "10111213141516171819"
        "20212223242526272829"
        "30313233343536373839"
        "40414243444546474849"
        "50515253545556575859"
        "60616263646566676869"
        "70717273747576777879"
        "80818283848586878889"
        "90919293949596979899";

const uint64_t pow10_u64[20] = {
        1ULL,
        10ULL,
        100ULL,
        1000ULL,
        10000ULL,
        100000ULL,
        1000000ULL,
        10000000ULL,
        100000000ULL,
        1000000000ULL,
        10000000000ULL,
        100000000000ULL,
        1000000000000ULL,
        10000000000000ULL,
        100000000000000ULL,
        1000000000000000ULL,
        10000000000000000ULL,
        100000000000000000ULL,
        1000000000000000000ULL,
        10000000000000000000ULL,
};

/* Number of decimal digits of u (1 for 0). */
inline unsigned count_digits(uint64_t u)
{
        /* floor(log10(2^bits)) estimate, then one correction. */
        u |= 1; /* 0 has one digit, as 1 */
        unsigned bits = 64u - (unsigned)__builtin_clzll(u);
        unsigned d = (bits * 1233u) >> 12;
        return d + (u >= pow10_u64[d]);
}

/* Writes exactly 8 digits of v (< 10^8, zero-padded) at p. The four pairs
 * do not depend on each other. */
inline void write8(uint32_t v, char *p)
{
        const uint32_t a = v / 10000, b = v % 10000;
        std::memcpy(p, digit_pairs + 2 * (a / 100), 2);
        std::memcpy(p + 2, digit_pairs + 2 * (a % 100), 2);
        std::memcpy(p + 4, digit_pairs + 2 * (b / 100), 2);
        std::memcpy(p + 6, digit_pairs + 2 * (b % 100), 2);
}

/* Writes the digits of u ending at p (exclusive); the caller knows how
 * many there are (count_digits). */
inline void write_u64(uint64_t u, char *p)
{
        while (u >= 100000000) {
                const uint64_t q = u / 100000000;
                p -= 8;
                write8((uint32_t)(u - q * 100000000), p);
                u = q;
        }
        uint32_t v = (uint32_t)u;
        while (v >= 100) {
                const uint32_t r = v % 100;
                v /= 100;
                p -= 2;
                std::memcpy(p, digit_pairs + 2 * r, 2);
        }
        if (v >= 10) {
                p -= 2;
                std::memcpy(p, digit_pairs + 2 * v, 2);
        } else {
                *--p = (char)('0' + v);
        }
}

inline size_t format_u64(uint64_t u, char *buf)
{
        unsigned n = count_digits(u);
        write_u64(u, buf + n);
        return n;
}

inline unsigned char lower(char c)
{
        return (unsigned char)c | 0x20u;
}

inline bool eq_nocase(const char *p, const char *word, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (lower(p[i]) != (unsigned char)word[i])
                        return false;
        return true;
}

inline bool is_digit(char c)
{
        return (unsigned char)(c - '0') < 10;
}

/* True if the 8 bytes of v are all ASCII digits. */
inline bool swar_all_digits(uint64_t v)
{
        return ((v & 0xF0F0F0F0F0F0F0F0ULL) == 0x3030303030303030ULL) &&
               (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) ==
                0x3030303030303030ULL);
}

/* The value of 8 ASCII digits loaded little-endian (first digit lowest). */
inline uint32_t swar_parse8(uint64_t v)
{
        v -= 0x3030303030303030ULL;
        v = (v * 10) + (v >> 8); /* pairs */
        v = (((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
             (((v >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
            32;
        return (uint32_t)v;
}

inline bool little_endian()
{
        return __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
}

#if NUMFMT_FROM_CHARS
/* [p, end) is a syntactically valid decimal (digits, optional '.', optional
 * exponent) whose correctly rounded value over- or underflowed. Returns
 * true if its magnitude is >= 1 (so it overflowed). */
bool decimal_at_least_one(const char *p, const char *end)
{
        long long int_digits = 0, first_int = -1, frac_digits = 0, first_frac = -1;
        for (; p < end && is_digit(*p); p++, int_digits++)
                if (first_int < 0 && *p != '0')
                        first_int = int_digits;
        if (p < end && *p == '.')
                for (p++; p < end && is_digit(*p); p++, frac_digits++)
                        if (first_frac < 0 && *p != '0')
                                first_frac = frac_digits;
        long long lead; /* the decimal exponent of the first nonzero digit */
        if (first_int >= 0)
                lead = int_digits - 1 - first_int;
        else if (first_frac >= 0)
                lead = -first_frac - 1;
        else
                return false; /* zero: never out of range */
        long long e = 0;
        bool eneg = false;
        if (p < end && (*p == 'e' || *p == 'E')) {
                p++;
                if (p < end && (*p == '+' || *p == '-')) {
                        eneg = *p == '-';
                        p++;
                }
                for (; p < end && is_digit(*p); p++)
                        if (e < 1000000000000000LL) /* saturate */
                                e = e * 10 + (*p - '0');
        }
        return lead + (eneg ? -e : e) >= 0;
}

#else
/* True if [p, end) is digits with at most one '.' and at least one digit,
 * then optionally e or E, an optional sign and digits. */
bool valid_decimal(const char *p, const char *end)
{
        size_t digits = 0;
        for (; p < end && is_digit(*p); p++)
                digits++;
        if (p < end && *p == '.')
                for (p++; p < end && is_digit(*p); p++)
                        digits++;
        if (digits == 0)
                return false;
        if (p < end && (*p == 'e' || *p == 'E')) {
                p++;
                if (p < end && (*p == '+' || *p == '-'))
                        p++;
                if (p == end)
                        return false;
                for (; p < end && is_digit(*p); p++) {
                }
        }
        return p == end;
}

int parse_with_strtod(const char *p, const char *end, double *out)
{
        static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        char small[128];
        const size_t n = (size_t)(end - p);
        char *z = small;
        if (!valid_decimal(p, end) || c_locale == (locale_t)0)
                return -1;
        if (n >= sizeof small) {
                z = (char *)par__malloc(n + 1);
                if (!z)
                        return -1;
        }
        std::memcpy(z, p, n);
        z[n] = '\0';
        char *stop = nullptr;
        *out = strtod_l(z, &stop, c_locale);
        const bool ok = stop == z + n;
        if (z != small)
                par__free(z);
        return ok ? 0 : -1;
}
#endif

/* ---- shortest digits: Schubfach ------------------------------------------
 *
 * R. Giulietti, "The Schubfach way to render doubles" (2020). For a finite
 * positive double v = c 2^q, the decimals that read back to v are those in
 * the rounding interval [vl, vr] (open when c is odd: ties go to even).
 * With k = floor(log10(width)), at most one multiple of 10^(k+1) lies in
 * it and at least one multiple of 10^k, so the shortest decimal is found
 * among four candidates: sp10, tp10 (the multiples of 10^(k+1) around
 * v 10^-k) and s, s + 1 (those of 10^k); among two of the same length the
 * one nearer v wins, an exact tie going to the even one, as in Python.
 * v 10^-k, vl 10^-k and vr 10^-k (times 4) come from one 64x126-bit
 * product each with g = floor(10^-k 2^-r) + 1, rounded to odd, which keeps
 * every comparison with a multiple of 4 exact (the paper's proof). */

constexpr int Q_MIN = -1074;
constexpr uint64_t C_MIN = 1ULL << 52;
constexpr int K_MIN = -324;
constexpr uint64_t MASK63 = (1ULL << 63) - 1;

/* floor(q log10(2)), floor(log10(3/4 2^q)), floor(e log2(10)): exact for
 * the exponents used here (checked against exact arithmetic for |q| < 1200,
 * |e| < 400 when the constants were chosen). */
inline int flog10pow2(int q)
{
        return (int)(((int64_t)q * 661971961083LL) >> 41);
}

inline int flog10three_quarters_pow2(int q)
{
        return (int)(((int64_t)q * 661971961083LL - 274743187321LL) >> 41);
}

inline int flog2pow10(int e)
{
        return (int)(((int64_t)e * 913124641741LL) >> 38);
}

/* g = g1 2^63 + g0 = floor(10^-k 2^-r) + 1 with r = floor(-k log2(10)) - 125,
 * so 2^125 <= g < 2^126, for k in [-324, 292], entry k + 324. Generated
 * with exact rational arithmetic, in Python:
 *   g = math.floor(Fraction(10)**-k / Fraction(2)**r) + 1
 *   g1, g0 = g >> 63, g & (2**63 - 1) */
const uint64_t g_table[617][2] = {
        {UINT64_C(0x4F0CEDC95A718DD4), UINT64_C(0x5B01E8B09AA0D1B5)}, /* -324 */
        {UINT64_C(0x7E7B160EF71C1621), UINT64_C(0x119CA780F767B5EE)}, /* -323 */
        {UINT64_C(0x652F44D8C5B011B4), UINT64_C(0x0E16EC672C52F7F2)}, /* -322 */
        {UINT64_C(0x50F29D7A37C00E29), UINT64_C(0x581256B8F0425FF5)}, /* -321 */
        {UINT64_C(0x40C21794F96671BA), UINT64_C(0x79A84560C0351991)}, /* -320 */
        {UINT64_C(0x679CF287F570B5F7), UINT64_C(0x75DA089ACD21C281)}, /* -319 */
        {UINT64_C(0x52E3F5399126F7F9), UINT64_C(0x44AE6D48A41B0201)}, /* -318 */
        {UINT64_C(0x424FF76140EBF994), UINT64_C(0x36F1F106E9AF34CD)}, /* -317 */
        {UINT64_C(0x6A198BCECE465C20), UINT64_C(0x57E981A4A918547B)}, /* -316 */
        {UINT64_C(0x54E13CA571D1E34D), UINT64_C(0x2CBACE1D541376C9)}, /* -315 */
        {UINT64_C(0x43E763B78E4182A4), UINT64_C(0x23C8A4E44342C56E)}, /* -314 */
        {UINT64_C(0x6CA56C58E39C043A), UINT64_C(0x060DD4A06B9E08B0)}, /* -313 */
        {UINT64_C(0x56EABD13E9499CFB), UINT64_C(0x1E7176E6BC7E6D59)}, /* -312 */
        {UINT64_C(0x458897432107B0C8), UINT64_C(0x7EC12BEBC9FEBDE1)}, /* -311 */
        {UINT64_C(0x6F40F20501A5E7A7), UINT64_C(0x7E01DFDFA9979635)}, /* -310 */
        {UINT64_C(0x5900C19D9AEB1FB9), UINT64_C(0x4B34B319547944F7)}, /* -309 */
        {UINT64_C(0x4733CE17AF227FC7), UINT64_C(0x55C3C27AA9FA9D93)}, /* -308 */
        {UINT64_C(0x71EC7CF2B1D0CC72), UINT64_C(0x560603F7765DC8EA)}, /* -307 */
        {UINT64_C(0x5B2397288E40A38E), UINT64_C(0x7804CFF92B7E3A55)}, /* -306 */
        {UINT64_C(0x48E945BA0B66E93F), UINT64_C(0x13370CC755FE9511)}, /* -305 */
        {UINT64_C(0x74A86F90123E41FE), UINT64_C(0x51F1AE0BBCCA881B)}, /* -304 */
        {UINT64_C(0x5D538C7341CB67FE), UINT64_C(0x74C1580963D539AF)}, /* -303 */
        {UINT64_C(0x4AA93D29016F8665), UINT64_C(0x43CDE0078310FAF3)}, /* -302 */
        {UINT64_C(0x77752EA8024C0A3C), UINT64_C(0x0616333F381B2B1E)}, /* -301 */
        {UINT64_C(0x5F90F22001D66E96), UINT64_C(0x3811C298F9AF55B1)}, /* -300 */
        {UINT64_C(0x4C73F4E667DEBEDE), UINT64_C(0x600E35472E25DE28)}, /* -299 */
        {UINT64_C(0x7A532170A6313164), UINT64_C(0x3349EED849D6303F)}, /* -298 */
        {UINT64_C(0x61DC1AC084F42783), UINT64_C(0x42A18BE03B11C033)}, /* -297 */
        {UINT64_C(0x4E49AF006A5CEC69), UINT64_C(0x1BB46FE695A7CCF5)}, /* -296 */
        {UINT64_C(0x7D42B19A43C7E0A8), UINT64_C(0x2C53E63DBC3FAE55)}, /* -295 */
        {UINT64_C(0x64355AE1CFD31A20), UINT64_C(0x237651CAFCFFBEAA)}, /* -294 */
        {UINT64_C(0x502AAF1B0CA8E1B3), UINT64_C(0x35F8416F30CC9888)}, /* -293 */
        {UINT64_C(0x402225AF3D53E7C2), UINT64_C(0x5E603458F3D6E06D)}, /* -292 */
        {UINT64_C(0x669D0918621FD937), UINT64_C(0x4A3386F4B957CD7B)}, /* -291 */
        {UINT64_C(0x52173A79E8197A92), UINT64_C(0x6E8F9F2A2DDFD796)}, /* -290 */
        {UINT64_C(0x41AC2EC7ECE12EDB), UINT64_C(0x720C7F54F17FDFAB)}, /* -289 */
        {UINT64_C(0x69137E0CAE3517C6), UINT64_C(0x1CE0CBBB1BFFCC45)}, /* -288 */
        {UINT64_C(0x540F980A24F74638), UINT64_C(0x171A3C95AFFFD69E)}, /* -287 */
        {UINT64_C(0x433FACD4EA5F6B60), UINT64_C(0x127B63AAF3331218)}, /* -286 */
        {UINT64_C(0x6B991487DD657899), UINT64_C(0x6A5F05DE51EB5026)}, /* -285 */
        {UINT64_C(0x5614106CB11DFA14), UINT64_C(0x5518D17EA7EF7352)}, /* -284 */
        {UINT64_C(0x44DCD9F08DB194DD), UINT64_C(0x2A7A41321FF2C2A8)}, /* -283 */
        {UINT64_C(0x6E2E2980E2B5BAFB), UINT64_C(0x5D906850331E043F)}, /* -282 */
        {UINT64_C(0x5824EE00B55E2F2F), UINT64_C(0x647386A68F4B3699)}, /* -281 */
        {UINT64_C(0x4683F19A2AB1BF59), UINT64_C(0x36C2D21ED908F87B)}, /* -280 */
        {UINT64_C(0x70D31C29DDE93228), UINT64_C(0x579E1CFE280E5A5D)}, /* -279 */
        {UINT64_C(0x5A427CEE4B20F4ED), UINT64_C(0x2C7E7D98200B7B7E)}, /* -278 */
        {UINT64_C(0x483530BEA280C3F1), UINT64_C(0x09FECAE019A2C932)}, /* -277 */
        {UINT64_C(0x73884DFDD0CE064E), UINT64_C(0x43314499C29E0EB6)}, /* -276 */
        {UINT64_C(0x5C6D0B3173D8050B), UINT64_C(0x4F5A9D47CEE4D891)}, /* -275 */
        {UINT64_C(0x49F0D5C129799DA2), UINT64_C(0x72AEE4397250AD41)}, /* -274 */
        {UINT64_C(0x764E22CEA8C295D1), UINT64_C(0x377E39F583B44868)}, /* -273 */
        {UINT64_C(0x5EA4E8A553CEDE41), UINT64_C(0x12CB61913629D387)}, /* -272 */
        {UINT64_C(0x4BB72084430BE500), UINT64_C(0x756F8140F8217605)}, /* -271 */
        {UINT64_C(0x792500D39E796E67), UINT64_C(0x6F18CECE59CF233C)}, /* -270 */
        {UINT64_C(0x60EA670FB1FABEB9), UINT64_C(0x3F470BD847D8E8FD)}, /* -269 */
        {UINT64_C(0x4D885272F4C89894), UINT64_C(0x329F3CAD064720CA)}, /* -268 */
        {UINT64_C(0x7C0D50B7EE0DC0ED), UINT64_C(0x37652DE1A3A50143)}, /* -267 */
        {UINT64_C(0x633DDA2CBE716724), UINT64_C(0x2C50F1814FB73436)}, /* -266 */
        {UINT64_C(0x4F64AE8A31F45283), UINT64_C(0x3D0D8E010C92902B)}, /* -265 */
        {UINT64_C(0x7F077DA9E986EA6B), UINT64_C(0x7B48E334E0EA8045)}, /* -264 */
        {UINT64_C(0x659F97BB2138BB89), UINT64_C(0x49071C2A4D88669D)}, /* -263 */
        {UINT64_C(0x514C796280FA2FA1), UINT64_C(0x20D27CEEA46D1EE4)}, /* -262 */
        {UINT64_C(0x4109FAB533FB594D), UINT64_C(0x670ECA58838A7F1D)}, /* -261 */
        {UINT64_C(0x680FF788532BC216), UINT64_C(0x0B4ADD5A6C10CB62)}, /* -260 */
        {UINT64_C(0x533FF939DC2301AB), UINT64_C(0x22A24AAEBCDA3C4E)}, /* -259 */
        {UINT64_C(0x4299942E49B59AEF), UINT64_C(0x354EA22563E1C9D8)}, /* -258 */
        {UINT64_C(0x6A8F537D42BC2B18), UINT64_C(0x554A9D089FCFA95A)}, /* -257 */
        {UINT64_C(0x553F75FDCEFCEF46), UINT64_C(0x776EE406E63FBAAE)}, /* -256 */
        {UINT64_C(0x4432C4CB0BFD8C38), UINT64_C(0x5F8BE99F1E996225)}, /* -255 */
        {UINT64_C(0x6D1E07AB466279F4), UINT64_C(0x327975CB64289D08)}, /* -254 */
        {UINT64_C(0x574B3955D1E86190), UINT64_C(0x28612B091CED4A6D)}, /* -253 */
        {UINT64_C(0x45D5C777DB204E0D), UINT64_C(0x06B4226DB0BDD524)}, /* -252 */
        {UINT64_C(0x6FBC72595E9A167B), UINT64_C(0x24536A491AC95506)}, /* -251 */
        {UINT64_C(0x59638EADE54811FC), UINT64_C(0x1D0F883A7BD44405)}, /* -250 */
        {UINT64_C(0x4782D88B1DD34196), UINT64_C(0x4A72D361FCA9D004)}, /* -249 */
        {UINT64_C(0x726AF411C952028A), UINT64_C(0x43EAEBCFFAA94CD3)}, /* -248 */
        {UINT64_C(0x5B88C3416DDB353B), UINT64_C(0x4FEF230CC88770A9)}, /* -247 */
        {UINT64_C(0x493A35CDF17C2A96), UINT64_C(0x0CBF4F3D6D3926EE)}, /* -246 */
        {UINT64_C(0x7529EFAFE8C6AA89), UINT64_C(0x61321862485B717C)}, /* -245 */
        {UINT64_C(0x5DBB262653D22207), UINT64_C(0x675B46B506AF8DFD)}, /* -244 */
        {UINT64_C(0x4AFC1E850FDB4E6C), UINT64_C(0x52AF6BC405593E64)}, /* -243 */
        {UINT64_C(0x77F9CA6E7FC54A47), UINT64_C(0x377F12D33BC1FD6D)}, /* -242 */
        {UINT64_C(0x5FFB085866376E9F), UINT64_C(0x45FF42429634CABD)}, /* -241 */
        {UINT64_C(0x4CC8D379EB5F8BB2), UINT64_C(0x6B329B68782A3BCB)}, /* -240 */
        {UINT64_C(0x7ADAEBF64565AC51), UINT64_C(0x2B842BDA59DD2C77)}, /* -239 */
        {UINT64_C(0x6248BCC5045156A7), UINT64_C(0x3C69BCAEAE4A89F9)}, /* -238 */
        {UINT64_C(0x4EA0970403744552), UINT64_C(0x6387CA25583BA194)}, /* -237 */
        {UINT64_C(0x7DCDBE6CD253A21E), UINT64_C(0x05A6103BC05F68ED)}, /* -236 */
        {UINT64_C(0x64A498570EA94E7E), UINT64_C(0x37B80CFC99E5ED8A)}, /* -235 */
        {UINT64_C(0x5083AD1272210B98), UINT64_C(0x2C933D96E184BE08)}, /* -234 */
        {UINT64_C(0x40695741F4E73C79), UINT64_C(0x7075CADF1AD09807)}, /* -233 */
        {UINT64_C(0x670EF2032171FA5C), UINT64_C(0x4D8944982AE759A4)}, /* -232 */
        {UINT64_C(0x52725B35B45B2EB0), UINT64_C(0x3E076A135585E150)}, /* -231 */
        {UINT64_C(0x41F515C49048F226), UINT64_C(0x64D2BB42AAD1810D)}, /* -230 */
        {UINT64_C(0x698822D41A0E503E), UINT64_C(0x07B7920444826815)}, /* -229 */
        {UINT64_C(0x546CE8A9AE71D9CB), UINT64_C(0x1FC60E69D0685344)}, /* -228 */
        {UINT64_C(0x438A53BAF1F4AE3C), UINT64_C(0x196B3EBB0D20429D)}, /* -227 */
        {UINT64_C(0x6C1085F7E9877D2D), UINT64_C(0x0F11FDF815006A94)}, /* -226 */
        {UINT64_C(0x56739E5FEE05FDBD), UINT64_C(0x58DB319344005543)}, /* -225 */
        {UINT64_C(0x45294B7FF19E6497), UINT64_C(0x60AF5ADC3666AA9C)}, /* -224 */
        {UINT64_C(0x6EA878CCB5CA3A8C), UINT64_C(0x344BC4938A3DDDC7)}, /* -223 */
        {UINT64_C(0x5886C70A2B082ED6), UINT64_C(0x5D096A0FA1CB17D2)}, /* -222 */
        {UINT64_C(0x46D238D4EF39BF12), UINT64_C(0x173ABB3FB4A27975)}, /* -221 */
        {UINT64_C(0x71505AEE4B8F981D), UINT64_C(0x0B912B992103F588)}, /* -220 */
        {UINT64_C(0x5AA6AF25093FACE4), UINT64_C(0x0940EFADB4032AD3)}, /* -219 */
        {UINT64_C(0x488558EA6DCC8A50), UINT64_C(0x07672624900288A9)}, /* -218 */
        {UINT64_C(0x74088E43E2E0DD4C), UINT64_C(0x723EA36DB337410E)}, /* -217 */
        {UINT64_C(0x5CD3A5031BE71770), UINT64_C(0x5B654F8AF5C5CDA5)}, /* -216 */
        {UINT64_C(0x4A42EA68E31F45F3), UINT64_C(0x62B772D5916B0AEB)}, /* -215 */
        {UINT64_C(0x76D1770E38320986), UINT64_C(0x0458B7BC1BDE77DD)}, /* -214 */
        {UINT64_C(0x5F0DF8D82CF4D46B), UINT64_C(0x1D13C630164B9318)}, /* -213 */
        {UINT64_C(0x4C0B2D79BD90A9EF), UINT64_C(0x30DC9E8CDEA2DC13)}, /* -212 */
        {UINT64_C(0x79AB7BF5FC1AA97F), UINT64_C(0x0160FDAE31049351)}, /* -211 */
        {UINT64_C(0x6155FCC4C9AEEDFF), UINT64_C(0x1AB3FE24F403A90E)}, /* -210 */
        {UINT64_C(0x4DDE63D0A158BE65), UINT64_C(0x6229981D9002EDA5)}, /* -209 */
        {UINT64_C(0x7C97061A9BC130A2), UINT64_C(0x69DC2695B337E2A1)}, /* -208 */
        {UINT64_C(0x63AC04E2163426E8), UINT64_C(0x54B01EDE28F9821B)}, /* -207 */
        {UINT64_C(0x4FBCD0B4DE901F20), UINT64_C(0x43C018B1BA6134E2)}, /* -206 */
        {UINT64_C(0x7F9481216419CB67), UINT64_C(0x1F99C11C5D68549D)}, /* -205 */
        {UINT64_C(0x6610674DE9AE3C52), UINT64_C(0x4C7B00E37DED107E)}, /* -204 */
        {UINT64_C(0x51A6B90B21583042), UINT64_C(0x09FC00B5FE574065)}, /* -203 */
        {UINT64_C(0x41522DA2811359CE), UINT64_C(0x3B3000919845CD1D)}, /* -202 */
        {UINT64_C(0x68837C3734EBC2E3), UINT64_C(0x784CCDB5C06FAE95)}, /* -201 */
        {UINT64_C(0x539C635F5D8968B6), UINT64_C(0x2D0A3E2B00595877)}, /* -200 */
        {UINT64_C(0x42E382B2B13ABA2B), UINT64_C(0x3DA1CB5599E11393)}, /* -199 */
        {UINT64_C(0x6B059DEAB52AC378), UINT64_C(0x629C7888F634EC1E)}, /* -198 */
        {UINT64_C(0x559E17EEF755692D), UINT64_C(0x3549FA072B5D89B1)}, /* -197 */
        {UINT64_C(0x447E798BF91120F1), UINT64_C(0x1107FB38EF7E07C1)}, /* -196 */
        {UINT64_C(0x6D9728DFF4E834B5), UINT64_C(0x01A65EC17F300C68)}, /* -195 */
        {UINT64_C(0x57AC20B32A535D5D), UINT64_C(0x4E1EB23465C009ED)}, /* -194 */
        {UINT64_C(0x46234D5C21DC4AB1), UINT64_C(0x24E55B5D1E333B24)}, /* -193 */
        {UINT64_C(0x70387BC69C93AAB5), UINT64_C(0x216EF894FD1EC506)}, /* -192 */
        {UINT64_C(0x59C6C96BB076222A), UINT64_C(0x4DF2607730E56A6C)}, /* -191 */
        {UINT64_C(0x47D23ABC8D2B4E88), UINT64_C(0x3E5B805F5A5121F0)}, /* -190 */
        {UINT64_C(0x72E9F79415121740), UINT64_C(0x63C59A322A1B697F)}, /* -189 */
        {UINT64_C(0x5BEE5FA9AA74DF67), UINT64_C(0x03047B5B54E2BACC)}, /* -188 */
        {UINT64_C(0x498B7FBAEEC3E5EC), UINT64_C(0x0269FC4910B5623D)}, /* -187 */
        {UINT64_C(0x75ABFF917E063CAC), UINT64_C(0x6A432D41B45569FB)}, /* -186 */
        {UINT64_C(0x5E2332DACB38308A), UINT64_C(0x21CF5767C37787FC)}, /* -185 */
        {UINT64_C(0x4B4F5BE23C2CF3A1), UINT64_C(0x67D912B9692C6CCA)}, /* -184 */
        {UINT64_C(0x787EF969F9E185CF), UINT64_C(0x595B5128A8471476)}, /* -183 */
        {UINT64_C(0x60659454C7E79E3F), UINT64_C(0x6115DA86ED05A9F8)}, /* -182 */
        {UINT64_C(0x4D1E1043D31FB1CC), UINT64_C(0x4DAB1538BD9E2193)}, /* -181 */
        {UINT64_C(0x7B634D3951CC4FAD), UINT64_C(0x62AB552795C9CF52)}, /* -180 */
        {UINT64_C(0x62B5D7610E3D0C8B), UINT64_C(0x0222AA86116E3F75)}, /* -179 */
        {UINT64_C(0x4EF7DF80D830D6D5), UINT64_C(0x4E822204DABE992A)}, /* -178 */
        {UINT64_C(0x7E59659AF38157BC), UINT64_C(0x17369CD49130F510)}, /* -177 */
        {UINT64_C(0x65145148C2CDDFC9), UINT64_C(0x5F5EE3DD40F3F740)}, /* -176 */
        {UINT64_C(0x50DD0DD3CF0B196E), UINT64_C(0x1918B64A9A5CC5CD)}, /* -175 */
        {UINT64_C(0x40B0D7DCA5A27ABE), UINT64_C(0x4746F83BAEB09E3E)}, /* -174 */
        {UINT64_C(0x678159610903F797), UINT64_C(0x253E59F91780FD2F)}, /* -173 */
        {UINT64_C(0x52CDE11A6D9CC612), UINT64_C(0x50FEAE60DF9A6426)}, /* -172 */
        {UINT64_C(0x423E4DAEBE1704DB), UINT64_C(0x5A65584D7FAEB685)}, /* -171 */
        {UINT64_C(0x69FD4917968B3AF9), UINT64_C(0x10A226E265E4573B)}, /* -170 */
        {UINT64_C(0x54CAA0DFABA29594), UINT64_C(0x0D4E8581EB1D1295)}, /* -169 */
        {UINT64_C(0x43D54D7FBC821143), UINT64_C(0x243ED134BC174211)}, /* -168 */
        {UINT64_C(0x6C887BFF94034ED2), UINT64_C(0x06CAE85460253682)}, /* -167 */
        {UINT64_C(0x56D396661002A574), UINT64_C(0x6BD586A9E6842B9B)}, /* -166 */
        {UINT64_C(0x457611EB40021DF7), UINT64_C(0x09779EEE52035616)}, /* -165 */
        {UINT64_C(0x6F234FDECCD02FF1), UINT64_C(0x5BF297E3B66BBCEF)}, /* -164 */
        {UINT64_C(0x58E90CB23D73598E), UINT64_C(0x165BACB62B8963F3)}, /* -163 */
        {UINT64_C(0x4720D6F4FDF5E13E), UINT64_C(0x451623C4EFA11CC2)}, /* -162 */
        {UINT64_C(0x71CE24BB2FEFCECA), UINT64_C(0x3B569FA17F682E03)}, /* -161 */
        {UINT64_C(0x5B0B5095BFF30BD5), UINT64_C(0x15DEE61ACC535803)}, /* -160 */
        {UINT64_C(0x48D5DA11665C0977), UINT64_C(0x2B18B8157042ACCF)}, /* -159 */
        {UINT64_C(0x74895CE8A3C6758B), UINT64_C(0x5E8DF355806AAE18)}, /* -158 */
        {UINT64_C(0x5D3AB0BA1C9EC46F), UINT64_C(0x653E5C4466BBBE7A)}, /* -157 */
        {UINT64_C(0x4A955A2E7D4BD059), UINT64_C(0x3765169D1EFC9861)}, /* -156 */
        {UINT64_C(0x77555D172EDFB3C2), UINT64_C(0x256E8A94FE60F3CF)}, /* -155 */
        {UINT64_C(0x5F777DAC257FC301), UINT64_C(0x6ABED543FEB3F63F)}, /* -154 */
        {UINT64_C(0x4C5F97BCEACC9C01), UINT64_C(0x3BCBDDCFFEF65E99)}, /* -153 */
        {UINT64_C(0x7A328C6177ADC668), UINT64_C(0x5FAC961997F0975B)}, /* -152 */
        {UINT64_C(0x61C209E792F16B86), UINT64_C(0x7FBD44E1465A12AF)}, /* -151 */
        {UINT64_C(0x4E34D4B9425ABC6B), UINT64_C(0x7FCA9D810514DBBF)}, /* -150 */
        {UINT64_C(0x7D21545B9D5DFA46), UINT64_C(0x32DDC8CE6E87C5FF)}, /* -149 */
        {UINT64_C(0x641AA9E2E44B2E9E), UINT64_C(0x5BE4A0A525396B32)}, /* -148 */
        {UINT64_C(0x501554B5836F587E), UINT64_C(0x7CB6E6EA842DEF5C)}, /* -147 */
        {UINT64_C(0x4011109135F2AD32), UINT64_C(0x30925255368B25E3)}, /* -146 */
        {UINT64_C(0x6681B41B89844850), UINT64_C(0x4DB6EA21F0DEA304)}, /* -145 */
        {UINT64_C(0x52015CE2D469D373), UINT64_C(0x57C5881B2718826A)}, /* -144 */
        {UINT64_C(0x419AB0B576BB0F8F), UINT64_C(0x5FD139AF527A01EF)}, /* -143 */
        {UINT64_C(0x68F781225791B27F), UINT64_C(0x4C81F5E550C3364A)}, /* -142 */
        {UINT64_C(0x53F9341B79415B99), UINT64_C(0x239B2B1DDA35C508)}, /* -141 */
        {UINT64_C(0x432DC3492DCDE2E1), UINT64_C(0x02E288E4AE916A6D)}, /* -140 */
        {UINT64_C(0x6B7C6BA849496B01), UINT64_C(0x516A74A1174F10AE)}, /* -139 */
        {UINT64_C(0x55FD22ED076DEF34), UINT64_C(0x4121F6E745D8DA25)}, /* -138 */
        {UINT64_C(0x44CA82573924BF5D), UINT64_C(0x1A8192529E4714EB)}, /* -137 */
        {UINT64_C(0x6E10D08B8EA1322E), UINT64_C(0x5D9C1D50FD3E87DD)}, /* -136 */
        {UINT64_C(0x580D73A2D880F4F2), UINT64_C(0x17B01773FDCB9FE4)}, /* -135 */
        {UINT64_C(0x4671294F139A5D8E), UINT64_C(0x4626792997D61984)}, /* -134 */
        {UINT64_C(0x70B50EE4EC2A2F4A), UINT64_C(0x3D0A5B75BFBCF59F)}, /* -133 */
        {UINT64_C(0x5A2A7250BCEE8C3B), UINT64_C(0x4A6EAF916630C47F)}, /* -132 */
        {UINT64_C(0x4821F50D63F209C9), UINT64_C(0x21F2260DEB5A36CC)}, /* -131 */
        {UINT64_C(0x736988156CB6760E), UINT64_C(0x69837016455D247A)}, /* -130 */
        {UINT64_C(0x5C546CDDF091F80B), UINT64_C(0x6E02C011D1175062)}, /* -129 */
        {UINT64_C(0x49DD23E4C074C66F), UINT64_C(0x719BCCDB0DAC404E)}, /* -128 */
        {UINT64_C(0x762E9FD467213D7F), UINT64_C(0x68F947C4E2AD33B0)}, /* -127 */
        {UINT64_C(0x5E8BB3105280FDFF), UINT64_C(0x6D94396A4EF0F627)}, /* -126 */
        {UINT64_C(0x4BA2F5A6A8673199), UINT64_C(0x3E102DEEA58D91B9)}, /* -125 */
        {UINT64_C(0x7904BC3DDA3EB5C2), UINT64_C(0x3019E3176F48E927)}, /* -124 */
        {UINT64_C(0x60D09697E1CBC49B), UINT64_C(0x4014B5AC590720EC)}, /* -123 */
        {UINT64_C(0x4D73ABACB4A303AF), UINT64_C(0x4CDD5E237A6C1A57)}, /* -122 */
        {UINT64_C(0x7BEC45E12104D2B2), UINT64_C(0x47C8969F2A46908A)}, /* -121 */
        {UINT64_C(0x63236B1A80D0A88E), UINT64_C(0x6CA0787F5505406F)}, /* -120 */
        {UINT64_C(0x4F4F88E200A6ED3F), UINT64_C(0x0A19F9FF773766BF)}, /* -119 */
        {UINT64_C(0x7EE5A7D0010B1531), UINT64_C(0x5CF65CCBF1F23DFE)}, /* -118 */
        {UINT64_C(0x6584864000D5AA8E), UINT64_C(0x172B7D6FF4C1CB32)}, /* -117 */
        {UINT64_C(0x5136D1CCCD77BBA4), UINT64_C(0x78EF978CC3CE3C28)}, /* -116 */
        {UINT64_C(0x40F8A7D70AC62FB7), UINT64_C(0x13F2DFA3CFD83020)}, /* -115 */
        {UINT64_C(0x67F43FBE77A37F8B), UINT64_C(0x398499061959E699)}, /* -114 */
        {UINT64_C(0x5329CC985FB5FFA2), UINT64_C(0x6136E0D1ADE18548)}, /* -113 */
        {UINT64_C(0x4287D6E04C91994F), UINT64_C(0x00F8B3DAF181376D)}, /* -112 */
        {UINT64_C(0x6A72F166E0E8F54B), UINT64_C(0x1B27862B1C01F247)}, /* -111 */
        {UINT64_C(0x5528C11F1A53F76F), UINT64_C(0x2F52D1BC1667F506)}, /* -110 */
        {UINT64_C(0x44209A7F48432C59), UINT64_C(0x0C424163451FF738)}, /* -109 */
        {UINT64_C(0x6D00F7320D3846F4), UINT64_C(0x7A039BD208332526)}, /* -108 */
        {UINT64_C(0x5733F8F4D76038C3), UINT64_C(0x7B361641A028EA85)}, /* -107 */
        {UINT64_C(0x45C32D90AC4CFA36), UINT64_C(0x2F5E78348020BB9E)}, /* -106 */
        {UINT64_C(0x6F9EAF4DE07B29F0), UINT64_C(0x4BCA59ED99CDF8FC)}, /* -105 */
        {UINT64_C(0x594BBF71806287F3), UINT64_C(0x563B7B247B0B2D96)}, /* -104 */
        {UINT64_C(0x476FCC5ACD1B9FF6), UINT64_C(0x11C92F50626F57AC)}, /* -103 */
        {UINT64_C(0x724C7A2AE1C5CCBD), UINT64_C(0x02DB7EE703E55912)}, /* -102 */
        {UINT64_C(0x5B7061BBE7D17097), UINT64_C(0x1BE2CBEC031DE0DC)}, /* -101 */
        {UINT64_C(0x4926B496530DF3AC), UINT64_C(0x164F09899C17E716)}, /* -100 */
        {UINT64_C(0x750ABA8A1E7CB913), UINT64_C(0x3D4B4275C68CA4F0)}, /*  -99 */
        {UINT64_C(0x5DA22ED4E530940F), UINT64_C(0x4AA29B916BA3B726)}, /*  -98 */
        {UINT64_C(0x4AE825771DC07672), UINT64_C(0x6EE87C74561C9285)}, /*  -97 */
        {UINT64_C(0x77D9D58B62CD8A51), UINT64_C(0x3173FA53BCFA8408)}, /*  -96 */
        {UINT64_C(0x5FE177A2B5713B74), UINT64_C(0x278FFB7630C869A0)}, /*  -95 */
        {UINT64_C(0x4CB45FB55DF42F90), UINT64_C(0x1FA662C4F3D387B3)}, /*  -94 */
        {UINT64_C(0x7ABA32BBC986B280), UINT64_C(0x32A3D13B1FB8D91F)}, /*  -93 */
        {UINT64_C(0x622E8EFCA1388ECD), UINT64_C(0x0EE9742F4C93E0E6)}, /*  -92 */
        {UINT64_C(0x4E8BA596E760723D), UINT64_C(0x58BAC3590A0FE71E)}, /*  -91 */
        {UINT64_C(0x7DAC3C24A5671D2F), UINT64_C(0x412AD228101971C9)}, /*  -90 */
        {UINT64_C(0x6489C9B6EAB8E426), UINT64_C(0x00EF0E8673478E3B)}, /*  -89 */
        {UINT64_C(0x506E3AF8BBC71CEB), UINT64_C(0x1A58D86B8F6C71C9)}, /*  -88 */
        {UINT64_C(0x40582F2D6305B0BC), UINT64_C(0x1513E0560C56C16E)}, /*  -87 */
        {UINT64_C(0x66F37EAF04D5E793), UINT64_C(0x3B530089AD579BE2)}, /*  -86 */
        {UINT64_C(0x525C6558D0AB1FA9), UINT64_C(0x15DC006E2446164F)}, /*  -85 */
        {UINT64_C(0x41E384470D55B2ED), UINT64_C(0x5E4999F1B69E783F)}, /*  -84 */
        {UINT64_C(0x696C06D81555EB15), UINT64_C(0x7D428FE92430C065)}, /*  -83 */
        {UINT64_C(0x54566BE0111188DE), UINT64_C(0x31020CBA835A3384)}, /*  -82 */
        {UINT64_C(0x4378564CDA746D7E), UINT64_C(0x5A680A2ECF7B5C69)}, /*  -81 */
        {UINT64_C(0x6BF3BD47C3ED7BFD), UINT64_C(0x770CDD17B25EFA42)}, /*  -80 */
        {UINT64_C(0x565C976C9CBDFCCB), UINT64_C(0x1270B0DFC1E59502)}, /*  -79 */
        {UINT64_C(0x4516DF8A16FE63D5), UINT64_C(0x5B8D5A4C9B1E10CE)}, /*  -78 */
        {UINT64_C(0x6E8AFF4357FD6C89), UINT64_C(0x127BC3ADC4FCE7B0)}, /*  -77 */
        {UINT64_C(0x586F329C466456D4), UINT64_C(0x0EC96957D0CA52F3)}, /*  -76 */
        {UINT64_C(0x46BF5BB038504576), UINT64_C(0x3F07877973D50F29)}, /*  -75 */
        {UINT64_C(0x71322C4D26E6D58A), UINT64_C(0x31A5A58F1FBB4B75)}, /*  -74 */
        {UINT64_C(0x5A8E89D75252446E), UINT64_C(0x5AEAEAD8E62F6F91)}, /*  -73 */
        {UINT64_C(0x487207DF750E9D25), UINT64_C(0x2F22557A51BF8C74)}, /*  -72 */
        {UINT64_C(0x73E9A63254E42EA2), UINT64_C(0x1836EF2A1C65AD86)}, /*  -71 */
        {UINT64_C(0x5CBAEB5B771CF21B), UINT64_C(0x2CF8BF54E3848AD2)}, /*  -70 */
        {UINT64_C(0x4A2F22AF927D8E7C), UINT64_C(0x23FA32AA4F9D3BDB)}, /*  -69 */
        {UINT64_C(0x76B1D118EA627D93), UINT64_C(0x5329EAAA18FB92F8)}, /*  -68 */
        {UINT64_C(0x5EF4A74721E86476), UINT64_C(0x0F54BBBB472FA8C6)}, /*  -67 */
        {UINT64_C(0x4BF6EC38E7ED1D2B), UINT64_C(0x25DD62FC38F2ED6C)}, /*  -66 */
        {UINT64_C(0x798B138E3FE1C845), UINT64_C(0x22FBD1938E517BDF)}, /*  -65 */
        {UINT64_C(0x613C0FA4FFE7D36A), UINT64_C(0x4F2FDADC71DAC97F)}, /*  -64 */
        {UINT64_C(0x4DC9A61D998642BB), UINT64_C(0x58F3157D27E23ACC)}, /*  -63 */
        {UINT64_C(0x7C75D695C2706AC5), UINT64_C(0x74B82261D969F7AD)}, /*  -62 */
        {UINT64_C(0x63917877CEC0556B), UINT64_C(0x10934EB4ADEE5FBE)}, /*  -61 */
        {UINT64_C(0x4FA793930BCD1122), UINT64_C(0x4075D8908B251965)}, /*  -60 */
        {UINT64_C(0x7F7285B812E1B504), UINT64_C(0x00BC8DB411D4F56E)}, /*  -59 */
        {UINT64_C(0x65F537C675815D9C), UINT64_C(0x66FD3E29A7DD9125)}, /*  -58 */
        {UINT64_C(0x5190F96B91344AE3), UINT64_C(0x6BFDCB54864ADA84)}, /*  -57 */
        {UINT64_C(0x4140C78940F6A24F), UINT64_C(0x6FFE3C439EA2486A)}, /*  -56 */
        {UINT64_C(0x6867A5A867F103B2), UINT64_C(0x7FFD2D38FDD073DC)}, /*  -55 */
        {UINT64_C(0x53861E2053273628), UINT64_C(0x6664242D97D9F64A)}, /*  -54 */
        {UINT64_C(0x42D1B1B375B8F820), UINT64_C(0x51E9B68ADFE191D5)}, /*  -53 */
        {UINT64_C(0x6AE91C5255F4C034), UINT64_C(0x1CA924116635B621)}, /*  -52 */
        {UINT64_C(0x558749DB77F70029), UINT64_C(0x63BA83411E915E81)}, /*  -51 */
        {UINT64_C(0x446C3B15F9926687), UINT64_C(0x6962029A7EDAB201)}, /*  -50 */
        {UINT64_C(0x6D79F82328EA3DA6), UINT64_C(0x0F03375D97C45001)}, /*  -49 */
        {UINT64_C(0x5794C6828721CAEB), UINT64_C(0x259C2C4ADFD04001)}, /*  -48 */
        {UINT64_C(0x46109ECED2816F22), UINT64_C(0x5149BD08B30D0001)}, /*  -47 */
        {UINT64_C(0x701A97B150CF1837), UINT64_C(0x3542C80DEB480001)}, /*  -46 */
        {UINT64_C(0x59AEDFC10D7279C5), UINT64_C(0x7768A00B22A00001)}, /*  -45 */
        {UINT64_C(0x47BF19673DF52E37), UINT64_C(0x79208008E8800001)}, /*  -44 */
        {UINT64_C(0x72CB5BD86321E38C), UINT64_C(0x5B67334174000001)}, /*  -43 */
        {UINT64_C(0x5BD5E313828182D6), UINT64_C(0x7C528F6790000001)}, /*  -42 */
        {UINT64_C(0x4977E8DC68679BDF), UINT64_C(0x16A872B940000001)}, /*  -41 */
        {UINT64_C(0x758CA7C70D7292FE), UINT64_C(0x5773EAC200000001)}, /*  -40 */
        {UINT64_C(0x5E0A1FD271287598), UINT64_C(0x45F6556800000001)}, /*  -39 */
        {UINT64_C(0x4B3B4CA85A86C47A), UINT64_C(0x04C5112000000001)}, /*  -38 */
        {UINT64_C(0x785EE10D5DA46D90), UINT64_C(0x07A1B50000000001)}, /*  -37 */
        {UINT64_C(0x604BE73DE4838AD9), UINT64_C(0x52E7C40000000001)}, /*  -36 */
        {UINT64_C(0x4D0985CB1D3608AE), UINT64_C(0x0F1FD00000000001)}, /*  -35 */
        {UINT64_C(0x7B426FAB61F00DE3), UINT64_C(0x31CC800000000001)}, /*  -34 */
        {UINT64_C(0x629B8C891B267182), UINT64_C(0x5B0A000000000001)}, /*  -33 */
        {UINT64_C(0x4EE2D6D415B85ACE), UINT64_C(0x7C08000000000001)}, /*  -32 */
        {UINT64_C(0x7E37BE2022C0914B), UINT64_C(0x1340000000000001)}, /*  -31 */
        {UINT64_C(0x64F964E68233A76F), UINT64_C(0x2900000000000001)}, /*  -30 */
        {UINT64_C(0x50C783EB9B5C85F2), UINT64_C(0x5400000000000001)}, /*  -29 */
        {UINT64_C(0x409F9CBC7C4A04C2), UINT64_C(0x1000000000000001)}, /*  -28 */
        {UINT64_C(0x6765C793FA10079D), UINT64_C(0x0000000000000001)}, /*  -27 */
        {UINT64_C(0x52B7D2DCC80CD2E4), UINT64_C(0x0000000000000001)}, /*  -26 */
        {UINT64_C(0x422CA8B0A00A4250), UINT64_C(0x0000000000000001)}, /*  -25 */
        {UINT64_C(0x69E10DE76676D080), UINT64_C(0x0000000000000001)}, /*  -24 */
        {UINT64_C(0x54B40B1F852BDA00), UINT64_C(0x0000000000000001)}, /*  -23 */
        {UINT64_C(0x43C33C1937564800), UINT64_C(0x0000000000000001)}, /*  -22 */
        {UINT64_C(0x6C6B935B8BBD4000), UINT64_C(0x0000000000000001)}, /*  -21 */
        {UINT64_C(0x56BC75E2D6310000), UINT64_C(0x0000000000000001)}, /*  -20 */
        {UINT64_C(0x4563918244F40000), UINT64_C(0x0000000000000001)}, /*  -19 */
        {UINT64_C(0x6F05B59D3B200000), UINT64_C(0x0000000000000001)}, /*  -18 */
        {UINT64_C(0x58D15E1762800000), UINT64_C(0x0000000000000001)}, /*  -17 */
        {UINT64_C(0x470DE4DF82000000), UINT64_C(0x0000000000000001)}, /*  -16 */
        {UINT64_C(0x71AFD498D0000000), UINT64_C(0x0000000000000001)}, /*  -15 */
        {UINT64_C(0x5AF3107A40000000), UINT64_C(0x0000000000000001)}, /*  -14 */
        {UINT64_C(0x48C2739500000000), UINT64_C(0x0000000000000001)}, /*  -13 */
        {UINT64_C(0x746A528800000000), UINT64_C(0x0000000000000001)}, /*  -12 */
        {UINT64_C(0x5D21DBA000000000), UINT64_C(0x0000000000000001)}, /*  -11 */
        {UINT64_C(0x4A817C8000000000), UINT64_C(0x0000000000000001)}, /*  -10 */
        {UINT64_C(0x7735940000000000), UINT64_C(0x0000000000000001)}, /*   -9 */
        {UINT64_C(0x5F5E100000000000), UINT64_C(0x0000000000000001)}, /*   -8 */
        {UINT64_C(0x4C4B400000000000), UINT64_C(0x0000000000000001)}, /*   -7 */
        {UINT64_C(0x7A12000000000000), UINT64_C(0x0000000000000001)}, /*   -6 */
        {UINT64_C(0x61A8000000000000), UINT64_C(0x0000000000000001)}, /*   -5 */
        {UINT64_C(0x4E20000000000000), UINT64_C(0x0000000000000001)}, /*   -4 */
        {UINT64_C(0x7D00000000000000), UINT64_C(0x0000000000000001)}, /*   -3 */
        {UINT64_C(0x6400000000000000), UINT64_C(0x0000000000000001)}, /*   -2 */
        {UINT64_C(0x5000000000000000), UINT64_C(0x0000000000000001)}, /*   -1 */
        {UINT64_C(0x4000000000000000), UINT64_C(0x0000000000000001)}, /*    0 */
        {UINT64_C(0x6666666666666666), UINT64_C(0x3333333333333334)}, /*    1 */
        {UINT64_C(0x51EB851EB851EB85), UINT64_C(0x0F5C28F5C28F5C29)}, /*    2 */
        {UINT64_C(0x4189374BC6A7EF9D), UINT64_C(0x5916872B020C49BB)}, /*    3 */
        {UINT64_C(0x68DB8BAC710CB295), UINT64_C(0x74F0D844D013A92B)}, /*    4 */
        {UINT64_C(0x53E2D6238DA3C211), UINT64_C(0x43F3E0370CDC8755)}, /*    5 */
        {UINT64_C(0x431BDE82D7B634DA), UINT64_C(0x698FE69270B06C44)}, /*    6 */
        {UINT64_C(0x6B5FCA6AF2BD215E), UINT64_C(0x0F4CA41D811A46D4)}, /*    7 */
        {UINT64_C(0x55E63B88C230E77E), UINT64_C(0x3F70834ACDAE9F10)}, /*    8 */
        {UINT64_C(0x44B82FA09B5A52CB), UINT64_C(0x4C5A02A23E254C0D)}, /*    9 */
        {UINT64_C(0x6DF37F675EF6EADF), UINT64_C(0x2D5CD10396A21347)}, /*   10 */
        {UINT64_C(0x57F5FF85E592557F), UINT64_C(0x3DE3DA69454E75D3)}, /*   11 */
        {UINT64_C(0x465E6604B7A84465), UINT64_C(0x7E4FE1EDD10B9175)}, /*   12 */
        {UINT64_C(0x709709A125DA0709), UINT64_C(0x4A19697C81AC1BEF)}, /*   13 */
        {UINT64_C(0x5A126E1A84AE6C07), UINT64_C(0x54E1213067BCE326)}, /*   14 */
        {UINT64_C(0x480EBE7B9D58566C), UINT64_C(0x43E74DC052FD8285)}, /*   15 */
        {UINT64_C(0x734ACA5F6226F0AD), UINT64_C(0x530BAF9A1E626A6D)}, /*   16 */
        {UINT64_C(0x5C3BD5191B525A24), UINT64_C(0x426FBFAE7EB521F1)}, /*   17 */
        {UINT64_C(0x49C97747490EAE83), UINT64_C(0x4EBFCC8B9890E7F4)}, /*   18 */
        {UINT64_C(0x760F253EDB4AB0D2), UINT64_C(0x4ACC7A78F41B0CBA)}, /*   19 */
        {UINT64_C(0x5E72843249088D75), UINT64_C(0x223D2EC729AF3D62)}, /*   20 */
        {UINT64_C(0x4B8ED0283A6D3DF7), UINT64_C(0x34FDBF05BAF29781)}, /*   21 */
        {UINT64_C(0x78E480405D7B9658), UINT64_C(0x54C931A2C4B758CF)}, /*   22 */
        {UINT64_C(0x60B6CD004AC94513), UINT64_C(0x5D6DC14F03C5E0A5)}, /*   23 */
        {UINT64_C(0x4D5F0A66A23A9DA9), UINT64_C(0x31249AA59C9E4D51)}, /*   24 */
        {UINT64_C(0x7BCB43D769F762A8), UINT64_C(0x4EA0F76F60FD4882)}, /*   25 */
        {UINT64_C(0x63090312BB2C4EED), UINT64_C(0x254D92BF80CAA068)}, /*   26 */
        {UINT64_C(0x4F3A68DBC8F03F24), UINT64_C(0x1DD7A89933D54D20)}, /*   27 */
        {UINT64_C(0x7EC3DAF941806506), UINT64_C(0x62F2A75B86221500)}, /*   28 */
        {UINT64_C(0x65697BFA9ACD1D9F), UINT64_C(0x025BB91604E810CD)}, /*   29 */
        {UINT64_C(0x51212FFBAF0A7E18), UINT64_C(0x684960DE6A5340A4)}, /*   30 */
        {UINT64_C(0x40E7599625A1FE7A), UINT64_C(0x203AB3E521DC33B6)}, /*   31 */
        {UINT64_C(0x67D88F56A29CCA5D), UINT64_C(0x19F7863B696052BD)}, /*   32 */
        {UINT64_C(0x5313A5DEE87D6EB0), UINT64_C(0x7B2C6B62BAB37564)}, /*   33 */
        {UINT64_C(0x42761E4BED31255A), UINT64_C(0x2F56BC4EFBC2C450)}, /*   34 */
        {UINT64_C(0x6A5696DFE1E83BC3), UINT64_C(0x655793B192D13A1A)}, /*   35 */
        {UINT64_C(0x5512124CB4B9C969), UINT64_C(0x377942F475742E7B)}, /*   36 */
        {UINT64_C(0x440E750A2A2E3ABA), UINT64_C(0x5F9435905DF68B96)}, /*   37 */
        {UINT64_C(0x6CE3EE76A9E3912A), UINT64_C(0x65B9EF4D63241289)}, /*   38 */
        {UINT64_C(0x571CBEC554B60DBB), UINT64_C(0x6AFB25D782834207)}, /*   39 */
        {UINT64_C(0x45B0989DDD5E7163), UINT64_C(0x08C8EB12CECF6806)}, /*   40 */
        {UINT64_C(0x6F80F42FC8971BD1), UINT64_C(0x5ADB11B7B14BD9A3)}, /*   41 */
        {UINT64_C(0x5933F68CA078E30E), UINT64_C(0x157C0E2C8DD647B5)}, /*   42 */
        {UINT64_C(0x475CC53D4D2D8271), UINT64_C(0x5DFCD823A4AB6C91)}, /*   43 */
        {UINT64_C(0x722E086215159D82), UINT64_C(0x632E269F6DDF141B)}, /*   44 */
        {UINT64_C(0x5B5806B4DDAAE468), UINT64_C(0x4F581EE5F17F4349)}, /*   45 */
        {UINT64_C(0x49133890B1558386), UINT64_C(0x72ACE584C1329C3B)}, /*   46 */
        {UINT64_C(0x74EB8DB44EEF38D7), UINT64_C(0x6AAE3C079B842D2A)}, /*   47 */
        {UINT64_C(0x5D893E29D8BF60AC), UINT64_C(0x5558300616035755)}, /*   48 */
        {UINT64_C(0x4AD431BB13CC4D56), UINT64_C(0x7779C004DE6912AB)}, /*   49 */
        {UINT64_C(0x77B9E92B52E07BBE), UINT64_C(0x258F99A163DB5111)}, /*   50 */
        {UINT64_C(0x5FC7EDBC424D2FCB), UINT64_C(0x37A614811CAF740D)}, /*   51 */
        {UINT64_C(0x4C9FF163683DBFD5), UINT64_C(0x7951AA00E3BF900B)}, /*   52 */
        {UINT64_C(0x7A998238A6C932EF), UINT64_C(0x754F7667D2CC19AB)}, /*   53 */
        {UINT64_C(0x6214682D523A8F26), UINT64_C(0x2AA5F8530F09AE22)}, /*   54 */
        {UINT64_C(0x4E76B9BDDB620C1E), UINT64_C(0x55519375A5A1581B)}, /*   55 */
        {UINT64_C(0x7D8AC2C95F034697), UINT64_C(0x3BB5B8BC3C3559C5)}, /*   56 */
        {UINT64_C(0x646F023AB2690545), UINT64_C(0x7C9160969691149E)}, /*   57 */
        {UINT64_C(0x5058CE955B87376B), UINT64_C(0x16DAB3ABABA743B2)}, /*   58 */
        {UINT64_C(0x40470BAAAF9F5F88), UINT64_C(0x78AEF622EFB902F5)}, /*   59 */
        {UINT64_C(0x66D812AAB29898DB), UINT64_C(0x0DE4BD04B2C19E54)}, /*   60 */
        {UINT64_C(0x524675555BAD4715), UINT64_C(0x57EA30D08F014B76)}, /*   61 */
        {UINT64_C(0x41D1F7777C8A9F44), UINT64_C(0x4654F3DA0C01092C)}, /*   62 */
        {UINT64_C(0x694FF258C7443207), UINT64_C(0x23BB1FC346680EAC)}, /*   63 */
        {UINT64_C(0x543FF513D29CF4D2), UINT64_C(0x4FC8E635D1ECD88A)}, /*   64 */
        {UINT64_C(0x43665DA9754A5D75), UINT64_C(0x263A51C4A7F0AD3B)}, /*   65 */
        {UINT64_C(0x6BD6FC425543C8BB), UINT64_C(0x56C3B607731AAEC4)}, /*   66 */
        {UINT64_C(0x5645969B77696D62), UINT64_C(0x789C919F8F488BD0)}, /*   67 */
        {UINT64_C(0x4504787C5F878AB5), UINT64_C(0x46E3A7B2D906D640)}, /*   68 */
        {UINT64_C(0x6E6D8D93CC0C1122), UINT64_C(0x3E390C515B3E239A)}, /*   69 */
        {UINT64_C(0x5857A4763CD6741B), UINT64_C(0x4B60D6A77C31B615)}, /*   70 */
        {UINT64_C(0x46AC8391CA4529AF), UINT64_C(0x55E7121F968E2B44)}, /*   71 */
        {UINT64_C(0x711405B6106EA919), UINT64_C(0x0971B698F0E3786D)}, /*   72 */
        {UINT64_C(0x5A766AF80D255414), UINT64_C(0x078E2BAD8D82C6BD)}, /*   73 */
        {UINT64_C(0x485EBBF9A41DDCDC), UINT64_C(0x6C71BC8AD79BD231)}, /*   74 */
        {UINT64_C(0x73CAC65C39C96161), UINT64_C(0x2D82C7448C2C8382)}, /*   75 */
        {UINT64_C(0x5CA23849C7D44DE7), UINT64_C(0x3E023903A356CF9B)}, /*   76 */
        {UINT64_C(0x4A1B603B06437185), UINT64_C(0x7E682D9C82ABD949)}, /*   77 */
        {UINT64_C(0x76923391A39F1C09), UINT64_C(0x4A4048FA6AAC8EDB)}, /*   78 */
        {UINT64_C(0x5EDB5C7482E5B007), UINT64_C(0x55003A61EEF07249)}, /*   79 */
        {UINT64_C(0x4BE2B05D35848CD2), UINT64_C(0x773361E7F259F507)}, /*   80 */
        {UINT64_C(0x796AB3C855A0E151), UINT64_C(0x3EB89CA6508FEE71)}, /*   81 */
        {UINT64_C(0x6122296D114D810D), UINT64_C(0x7EFA16EB73A6585B)}, /*   82 */
        {UINT64_C(0x4DB4EDF0DAA4673E), UINT64_C(0x3261ABEF8FB846AF)}, /*   83 */
        {UINT64_C(0x7C54AFE7C43A3ECA), UINT64_C(0x1D691318E5F3A44B)}, /*   84 */
        {UINT64_C(0x6376F31FD02E98A1), UINT64_C(0x64540F471E5C836F)}, /*   85 */
        {UINT64_C(0x4F925C1973587A1B), UINT64_C(0x0376729F4B7D35F3)}, /*   86 */
        {UINT64_C(0x7F50935BEBC0C35E), UINT64_C(0x38BD84321261EFEB)}, /*   87 */
        {UINT64_C(0x65DA0F7CBC9A35E5), UINT64_C(0x13CAD0280EB4BFEF)}, /*   88 */
        {UINT64_C(0x517B3F96FD482B1D), UINT64_C(0x5CA240200BC3CCBF)}, /*   89 */
        {UINT64_C(0x412F66126439BC17), UINT64_C(0x63B50019A3030A33)}, /*   90 */
        {UINT64_C(0x684BD683D38F9359), UINT64_C(0x1F88002904D1A9EA)}, /*   91 */
        {UINT64_C(0x536FDECFDC72DC47), UINT64_C(0x32D3335403DAEE55)}, /*   92 */
        {UINT64_C(0x42BFE57316C249D2), UINT64_C(0x5BDC291003158B77)}, /*   93 */
        {UINT64_C(0x6ACCA251BE03A951), UINT64_C(0x12F9DB4CD1BC1258)}, /*   94 */
        {UINT64_C(0x557081DAFE695440), UINT64_C(0x7594AF70A7C9A847)}, /*   95 */
        {UINT64_C(0x445A017BFEBAA9CD), UINT64_C(0x4476F2C0863AED06)}, /*   96 */
        {UINT64_C(0x6D5CCF2CCAC442E2), UINT64_C(0x3A57EACDA3917B3C)}, /*   97 */
        {UINT64_C(0x577D728A3BD03581), UINT64_C(0x7B7988A482DAC8FD)}, /*   98 */
        {UINT64_C(0x45FDF53B630CF79B), UINT64_C(0x15FAD3B6CF156D97)}, /*   99 */
        {UINT64_C(0x6FFCBB923814BF5E), UINT64_C(0x565E1F8AE4EF15BE)}, /*  100 */
        {UINT64_C(0x5996FC74F9AA32B2), UINT64_C(0x11E4E608B725AAFF)}, /*  101 */
        {UINT64_C(0x47ABFD2A6154F55B), UINT64_C(0x27EA51A0928488CC)}, /*  102 */
        {UINT64_C(0x72ACC843CEEE555E), UINT64_C(0x7310829A84074146)}, /*  103 */
        {UINT64_C(0x5BBD6D030BF1DDE5), UINT64_C(0x42739BAED005CDD2)}, /*  104 */
        {UINT64_C(0x49645735A327E4B7), UINT64_C(0x4EC2E2F24004A4A8)}, /*  105 */
        {UINT64_C(0x756D5855D1D96DF2), UINT64_C(0x4AD16B1D333AA10C)}, /*  106 */
        {UINT64_C(0x5DF11377DB1457F5), UINT64_C(0x2241227DC2954DA3)}, /*  107 */
        {UINT64_C(0x4B2742C648DD132A), UINT64_C(0x4E9A81FE35443E1C)}, /*  108 */
        {UINT64_C(0x783ED13D4161B844), UINT64_C(0x175D9CC9EED39694)}, /*  109 */
        {UINT64_C(0x603240FDCDE7C69C), UINT64_C(0x7917B0A18BDC7876)}, /*  110 */
        {UINT64_C(0x4CF500CB0B1FD217), UINT64_C(0x1412F3B46FE39392)}, /*  111 */
        {UINT64_C(0x7B219ADE7832E9BE), UINT64_C(0x535185ED7FD285B6)}, /*  112 */
        {UINT64_C(0x628148B1F9C25498), UINT64_C(0x42A79E57997537C5)}, /*  113 */
        {UINT64_C(0x4ECDD3C1949B76E0), UINT64_C(0x3552E512E12A9304)}, /*  114 */
        {UINT64_C(0x7E161F9C20F8BE33), UINT64_C(0x6EEB081E3510EB39)}, /*  115 */
        {UINT64_C(0x64DE7FB01A609829), UINT64_C(0x3F226CE4F740BC2E)}, /*  116 */
        {UINT64_C(0x50B1FFC0151A1354), UINT64_C(0x3281F0B72C33C9BE)}, /*  117 */
        {UINT64_C(0x408E66334414DC43), UINT64_C(0x42018D5F568FD498)}, /*  118 */
        {UINT64_C(0x674A3D1ED354939F), UINT64_C(0x1CCF48988A7FBA8D)}, /*  119 */
        {UINT64_C(0x52A1CA7F0F76DC7F), UINT64_C(0x30A5D3AD3B99620B)}, /*  120 */
        {UINT64_C(0x421B0865A5F8B065), UINT64_C(0x73B7DC8A96144E6F)}, /*  121 */
        {UINT64_C(0x69C4DA3C3CC11A3C), UINT64_C(0x52BFC7442353B0B1)}, /*  122 */
        {UINT64_C(0x549D7B6363CDAE96), UINT64_C(0x756639034F7626F4)}, /*  123 */
        {UINT64_C(0x43B12F82B63E2545), UINT64_C(0x4451C735D92B525D)}, /*  124 */
        {UINT64_C(0x6C4EB26ABD303BA2), UINT64_C(0x3A1C71EFC1DEEA2E)}, /*  125 */
        {UINT64_C(0x56A55B889759C94E), UINT64_C(0x61B05B2634B254F2)}, /*  126 */
        {UINT64_C(0x45511606DF7B0772), UINT64_C(0x1AF37C1E908EAA5B)}, /*  127 */
        {UINT64_C(0x6EE8233E325E7250), UINT64_C(0x2B1F2CFDB41776F8)}, /*  128 */
        {UINT64_C(0x58B9B5CB5B7EC1D9), UINT64_C(0x6F4C23FE29AC5F2D)}, /*  129 */
        {UINT64_C(0x46FAF7D5E2CBCE47), UINT64_C(0x72A34FFE87BD18F1)}, /*  130 */
        {UINT64_C(0x71918C896ADFB073), UINT64_C(0x04387FFDA5FB5B1B)}, /*  131 */
        {UINT64_C(0x5ADAD6D4557FC05C), UINT64_C(0x0360666484C915AF)}, /*  132 */
        {UINT64_C(0x48AF1243779966B0), UINT64_C(0x02B3851D3707448C)}, /*  133 */
        {UINT64_C(0x744B506BF28F0AB3), UINT64_C(0x1DEC082EBE720746)}, /*  134 */
        {UINT64_C(0x5D090D2328726EF5), UINT64_C(0x64BCD358985B3905)}, /*  135 */
        {UINT64_C(0x4A6DA41C205B8BF7), UINT64_C(0x6A30A913AD15C738)}, /*  136 */
        {UINT64_C(0x7715D36033C5ACBF), UINT64_C(0x5D1AA81F7B560B8C)}, /*  137 */
        {UINT64_C(0x5F44A919C3048A32), UINT64_C(0x7DAEECE5FC44D609)}, /*  138 */
        {UINT64_C(0x4C36EDAE359D3B5B), UINT64_C(0x7E258A51969D7808)}, /*  139 */
        {UINT64_C(0x79F17C49EF61F893), UINT64_C(0x16A276E8F0FBF33F)}, /*  140 */
        {UINT64_C(0x618DFD07F2B4C6DC), UINT64_C(0x121B9253F3FCC299)}, /*  141 */
        {UINT64_C(0x4E0B30D328909F16), UINT64_C(0x41AFA84329970214)}, /*  142 */
        {UINT64_C(0x7CDEB4850DB431BD), UINT64_C(0x4F7F739EA8F19CED)}, /*  143 */
        {UINT64_C(0x63E55D373E29C164), UINT64_C(0x3F99294BBA5AE3F1)}, /*  144 */
        {UINT64_C(0x4FEAB0F8FE87CDE9), UINT64_C(0x7FADBAA2FB7BE98D)}, /*  145 */
        {UINT64_C(0x7FDDE7F4CA72E30F), UINT64_C(0x7F7C5DD1925FDC15)}, /*  146 */
        {UINT64_C(0x664B1FF7085BE8D9), UINT64_C(0x4C637E4141E649AB)}, /*  147 */
        {UINT64_C(0x51D5B32C06AFED7A), UINT64_C(0x704F983434B83AEF)}, /*  148 */
        {UINT64_C(0x4177C2899EF32462), UINT64_C(0x26A6135CF6F9C8BF)}, /*  149 */
        {UINT64_C(0x68BF9DA8FE51D3D0), UINT64_C(0x3DD685618B294132)}, /*  150 */
        {UINT64_C(0x53CC7E20CB74A973), UINT64_C(0x4B12044E08EDCDC2)}, /*  151 */
        {UINT64_C(0x4309FE80A2C3BAC2), UINT64_C(0x6F419D0B3A57D7CE)}, /*  152 */
        {UINT64_C(0x6B4330CDD1392AD1), UINT64_C(0x320294DEC3BFBFB0)}, /*  153 */
        {UINT64_C(0x55CF5A3E40FA88A7), UINT64_C(0x419BAA4BCFCC995A)}, /*  154 */
        {UINT64_C(0x44A5E1CB672ED3B9), UINT64_C(0x1AE2EEA30CA3ADE1)}, /*  155 */
        {UINT64_C(0x6DD636123EB152C1), UINT64_C(0x77D17DD1ADD2AFCF)}, /*  156 */
        {UINT64_C(0x57DE91A832277567), UINT64_C(0x797464A7BE42263F)}, /*  157 */
        {UINT64_C(0x464BA7B9C1B92AB9), UINT64_C(0x4790508631CE84FF)}, /*  158 */
        {UINT64_C(0x70790C5C6928445C), UINT64_C(0x0C1A1A704FB0D4CC)}, /*  159 */
        {UINT64_C(0x59FA7049EDB9D049), UINT64_C(0x567B4859D95A43D6)}, /*  160 */
        {UINT64_C(0x47FB8D07F161736E), UINT64_C(0x11FC39E17AAE9CAB)}, /*  161 */
        {UINT64_C(0x732C14D98235857D), UINT64_C(0x032D2968C44A9445)}, /*  162 */
        {UINT64_C(0x5C2343E134F79DFD), UINT64_C(0x4F575453D03BA9D1)}, /*  163 */
        {UINT64_C(0x49B5CFE75D92E4CA), UINT64_C(0x72AC4376402FBB0E)}, /*  164 */
        {UINT64_C(0x75EFB30BC8EB07AB), UINT64_C(0x0446D256CD192B49)}, /*  165 */
        {UINT64_C(0x5E595C096D88D2EF), UINT64_C(0x1D0575123DADBC3A)}, /*  166 */
        {UINT64_C(0x4B7AB0078AD3DBF2), UINT64_C(0x4A6AC40E97BE302F)}, /*  167 */
        {UINT64_C(0x78C44CD8DE1FC650), UINT64_C(0x771139B0F2C9E6B1)}, /*  168 */
        {UINT64_C(0x609D0A4718196B73), UINT64_C(0x78DA948D8F07EBC1)}, /*  169 */
        {UINT64_C(0x4D4A6E9F467ABC5C), UINT64_C(0x60AEDD3E0C065634)}, /*  170 */
        {UINT64_C(0x7BAA4A9870C46094), UINT64_C(0x344AFB9679A3BD20)}, /*  171 */
        {UINT64_C(0x62EEA2138D69E6DD), UINT64_C(0x103BFC78614FCA80)}, /*  172 */
        {UINT64_C(0x4F254E760ABB1F17), UINT64_C(0x26966393810CA200)}, /*  173 */
        {UINT64_C(0x7EA21723445E9825), UINT64_C(0x2423D2859B476999)}, /*  174 */
        {UINT64_C(0x654E78E9037EE01D), UINT64_C(0x69B642047C392148)}, /*  175 */
        {UINT64_C(0x510B93ED9C658017), UINT64_C(0x6E2B680396941AA0)}, /*  176 */
        {UINT64_C(0x40D60FF149EACCDF), UINT64_C(0x71BC53361210154D)}, /*  177 */
        {UINT64_C(0x67BCE64EDCAAE166), UINT64_C(0x1C6085235019BBAE)}, /*  178 */
        {UINT64_C(0x52FD850BE3BBE784), UINT64_C(0x7D1A041C40149625)}, /*  179 */
        {UINT64_C(0x42646A6FE9631F9D), UINT64_C(0x4A7B367D0010781D)}, /*  180 */
        {UINT64_C(0x6A3A43E642383295), UINT64_C(0x5D91F0C8001A59C8)}, /*  181 */
        {UINT64_C(0x54FB698501C68EDE), UINT64_C(0x17A7F3D3334847D4)}, /*  182 */
        {UINT64_C(0x43FC546A67D20BE4), UINT64_C(0x79532975C2A03976)}, /*  183 */
        {UINT64_C(0x6CC6ED770C83463B), UINT64_C(0x0EEB75893766C256)}, /*  184 */
        {UINT64_C(0x57058AC5A39C382F), UINT64_C(0x25892AD42C523512)}, /*  185 */
        {UINT64_C(0x459E089E1C7CF9BF), UINT64_C(0x37A0EF102374F742)}, /*  186 */
        {UINT64_C(0x6F6340FCFA618F98), UINT64_C(0x59017E8038BB2536)}, /*  187 */
        {UINT64_C(0x591C33FD951AD946), UINT64_C(0x7A67986693C8EA91)}, /*  188 */
        {UINT64_C(0x4749C33144157A9F), UINT64_C(0x151FAD1EDCA0BBA8)}, /*  189 */
        {UINT64_C(0x720F9EB539BBF765), UINT64_C(0x0832AE97C76792A5)}, /*  190 */
        {UINT64_C(0x5B3FB22A94965F84), UINT64_C(0x068EF21305EC7551)}, /*  191 */
        {UINT64_C(0x48FFC1BBAA11E603), UINT64_C(0x1ED8C1A8D189F774)}, /*  192 */
        {UINT64_C(0x74CC692C434FD66B), UINT64_C(0x4AF4690E1C0FF253)}, /*  193 */
        {UINT64_C(0x5D705423690CAB89), UINT64_C(0x225D20D816732843)}, /*  194 */
        {UINT64_C(0x4AC0434F873D5607), UINT64_C(0x35174D79AB8F5369)}, /*  195 */
        {UINT64_C(0x779A054C0B955672), UINT64_C(0x21BEE25C45B21F0E)}, /*  196 */
        {UINT64_C(0x5FAE6AA33C77785B), UINT64_C(0x3498B5169E2818D8)}, /*  197 */
        {UINT64_C(0x4C8B888296C5F9E2), UINT64_C(0x5D46F7454B534713)}, /*  198 */
        {UINT64_C(0x7A78DA6A8AD65C9D), UINT64_C(0x7BA4BED545520B52)}, /*  199 */
        {UINT64_C(0x61FA48553BDEB07E), UINT64_C(0x2FB6FF110441A2A8)}, /*  200 */
        {UINT64_C(0x4E61D37763188D31), UINT64_C(0x72F8CC0D9D014EED)}, /*  201 */
        {UINT64_C(0x7D6952589E8DAEB6), UINT64_C(0x1E5AE015C80217E1)}, /*  202 */
        {UINT64_C(0x645441E07ED7BEF8), UINT64_C(0x1848B344A001ACB4)}, /*  203 */
        {UINT64_C(0x504367E6CBDFCBF9), UINT64_C(0x603A2903B3348A2A)}, /*  204 */
        {UINT64_C(0x4035ECB8A3196FFB), UINT64_C(0x002E873628F6D4EE)}, /*  205 */
        {UINT64_C(0x66BCADF43828B32B), UINT64_C(0x19E40B89DB2487E3)}, /*  206 */
        {UINT64_C(0x52308B29C686F5BC), UINT64_C(0x14B66FA17C1D3983)}, /*  207 */
        {UINT64_C(0x41C06F549ED25E30), UINT64_C(0x1091F2E7967DC79C)}, /*  208 */
        {UINT64_C(0x6933E554315096B3), UINT64_C(0x341CB7D8F0C93F5F)}, /*  209 */
        {UINT64_C(0x542984435AA6DEF5), UINT64_C(0x767D5FE0C0A0FF80)}, /*  210 */
        {UINT64_C(0x435469CF7BB8B25E), UINT64_C(0x2B977FE70080CC66)}, /*  211 */
        {UINT64_C(0x6BBA42E592C11D63), UINT64_C(0x5F58CCA4CD9AE0A3)}, /*  212 */
        {UINT64_C(0x562E9BEADBCDB11C), UINT64_C(0x4C470A1D7148B3B6)}, /*  213 */
        {UINT64_C(0x44F216557CA48DB0), UINT64_C(0x3D05A1B1276D5C92)}, /*  214 */
        {UINT64_C(0x6E5023BBFAA0E2B3), UINT64_C(0x7B3C35E83F1560E9)}, /*  215 */
        {UINT64_C(0x58401C96621A4EF6), UINT64_C(0x2F635E5365AAB3ED)}, /*  216 */
        {UINT64_C(0x4699B0784E7B725E), UINT64_C(0x591C4B75EAEEF658)}, /*  217 */
        {UINT64_C(0x70F5E726E3F8B6FD), UINT64_C(0x74FA125644B18A26)}, /*  218 */
        {UINT64_C(0x5A5E5285832D5F31), UINT64_C(0x43FB41DE9D5AD4EB)}, /*  219 */
        {UINT64_C(0x484B75379C244C27), UINT64_C(0x4FFC34B2177BDD89)}, /*  220 */
        {UINT64_C(0x73ABEEBF603A1372), UINT64_C(0x4CC6BAB68BF96274)}, /*  221 */
        {UINT64_C(0x5C898BCC4CFB42C2), UINT64_C(0x0A38955ED6611B90)}, /*  222 */
        {UINT64_C(0x4A07A309D72F689B), UINT64_C(0x21C6DDE5784DAFA7)}, /*  223 */
        {UINT64_C(0x76729E762518A75E), UINT64_C(0x693E2FD58D49190B)}, /*  224 */
        {UINT64_C(0x5EC2185E8413B918), UINT64_C(0x5431BFDE0AA0E0D5)}, /*  225 */
        {UINT64_C(0x4BCE79E536762DAD), UINT64_C(0x29C1664B3BB3E711)}, /*  226 */
        {UINT64_C(0x794A5CA1F0BD15E2), UINT64_C(0x0F9BD6DEC5ECA4E8)}, /*  227 */
        {UINT64_C(0x61084A1B26FDAB1B), UINT64_C(0x2616457F04BD50BA)}, /*  228 */
        {UINT64_C(0x4DA03B48EBFE227C), UINT64_C(0x1E783798D09773C8)}, /*  229 */
        {UINT64_C(0x7C33920E46636A60), UINT64_C(0x30C058F480F252D9)}, /*  230 */
        {UINT64_C(0x635C74D8384F884D), UINT64_C(0x0D66AD9067284247)}, /*  231 */
        {UINT64_C(0x4F7D2A469372D370), UINT64_C(0x711EF14052869B6C)}, /*  232 */
        {UINT64_C(0x7F2EAA0A85848581), UINT64_C(0x34FE4ECD50D75F14)}, /*  233 */
        {UINT64_C(0x65BEEE6ED136D134), UINT64_C(0x2A650BD773DF7F43)}, /*  234 */
        {UINT64_C(0x51658B8BDA9240F6), UINT64_C(0x551DA312C319329C)}, /*  235 */
        {UINT64_C(0x411E093CAEDB672B), UINT64_C(0x5DB14F4235ADC217)}, /*  236 */
        {UINT64_C(0x68300EC77E2BD845), UINT64_C(0x7C4EE536BC49368A)}, /*  237 */
        {UINT64_C(0x5359A56C64EFE037), UINT64_C(0x7D0BEA92303A9208)}, /*  238 */
        {UINT64_C(0x42AE1DF050BFE693), UINT64_C(0x173CBBA8269541A0)}, /*  239 */
        {UINT64_C(0x6AB02FE6E79970EB), UINT64_C(0x3EC792A6A422029A)}, /*  240 */
        {UINT64_C(0x5559BFEBEC7AC0BC), UINT64_C(0x3239421EE9B4CEE1)}, /*  241 */
        {UINT64_C(0x4447CCBCBD2F0096), UINT64_C(0x5B6101B25490A581)}, /*  242 */
        {UINT64_C(0x6D3FADFAC84B3424), UINT64_C(0x2BCE691D541AA268)}, /*  243 */
        {UINT64_C(0x576624C8A03C29B6), UINT64_C(0x563EBA7DDCE21B87)}, /*  244 */
        {UINT64_C(0x45EB50A08030215E), UINT64_C(0x78322ECB171B4939)}, /*  245 */
        {UINT64_C(0x6FDEE76733803564), UINT64_C(0x59E9E47824F87527)}, /*  246 */
        {UINT64_C(0x597F1F85C2CCF783), UINT64_C(0x6187E9F9B72D2A86)}, /*  247 */
        {UINT64_C(0x4798E6049BD72C69), UINT64_C(0x346CBB2E2C242205)}, /*  248 */
        {UINT64_C(0x728E3CD42C8B7A42), UINT64_C(0x20ADF849E039D007)}, /*  249 */
        {UINT64_C(0x5BA4FD768A092E9B), UINT64_C(0x33BE603B19C7D99F)}, /*  250 */
        {UINT64_C(0x4950CAC53B3A8BAF), UINT64_C(0x42FEB3627B0647B3)}, /*  251 */
        {UINT64_C(0x754E113B91F745E5), UINT64_C(0x5197856A5E7072B8)}, /*  252 */
        {UINT64_C(0x5DD80DC941929E51), UINT64_C(0x27AC6ABB7EC05BC6)}, /*  253 */
        {UINT64_C(0x4B133E3A9ADBB1DA), UINT64_C(0x52F05562CBCD1638)}, /*  254 */
        {UINT64_C(0x781EC9F75E2C4FC4), UINT64_C(0x1E4D556ADFAE89F3)}, /*  255 */
        {UINT64_C(0x6018A192B1BD0C9C), UINT64_C(0x7EA444557FBED4C3)}, /*  256 */
        {UINT64_C(0x4CE0814227CA707D), UINT64_C(0x4BB69D1132FF109C)}, /*  257 */
        {UINT64_C(0x7B00CED03FAA4D95), UINT64_C(0x5F8A94E851981A93)}, /*  258 */
        {UINT64_C(0x62670BD9CC883E11), UINT64_C(0x32D543ED0E134875)}, /*  259 */
        {UINT64_C(0x4EB8D647D6D364DA), UINT64_C(0x5BDDCFF0D80F6D2B)}, /*  260 */
        {UINT64_C(0x7DF48A0C8AEBD491), UINT64_C(0x12FC7FE7C018AEAB)}, /*  261 */
        {UINT64_C(0x64C3A1A3A25643A7), UINT64_C(0x28C9FFEC99AD5889)}, /*  262 */
        {UINT64_C(0x509C814FB511CFB9), UINT64_C(0x0707FFF07AF113A1)}, /*  263 */
        {UINT64_C(0x407D343FC40E3FC7), UINT64_C(0x1F39998D2F2742E7)}, /*  264 */
        {UINT64_C(0x672EB9FFA016CC71), UINT64_C(0x7EC28F484B7204A4)}, /*  265 */
        {UINT64_C(0x528BC7FFB345705B), UINT64_C(0x189BA5D36F8E6A1D)}, /*  266 */
        {UINT64_C(0x42096CCC8F6AC048), UINT64_C(0x7A161E42BFA521B1)}, /*  267 */
        {UINT64_C(0x69A8AE1418AACD41), UINT64_C(0x435696D132A1CF81)}, /*  268 */
        {UINT64_C(0x5486F1A9AD557101), UINT64_C(0x1C454574288172CE)}, /*  269 */
        {UINT64_C(0x439F27BAF1112734), UINT64_C(0x169DD129BA0128A5)}, /*  270 */
        {UINT64_C(0x6C31D92B1B4EA520), UINT64_C(0x242FB50F9001DAA1)}, /*  271 */
        {UINT64_C(0x568E4755AF721DB3), UINT64_C(0x368C90D940017BB4)}, /*  272 */
        {UINT64_C(0x453E9F77BF8E7E29), UINT64_C(0x120A0D7A999AC95D)}, /*  273 */
        {UINT64_C(0x6ECA98BF98E3FD0E), UINT64_C(0x50101590F5C47561)}, /*  274 */
        {UINT64_C(0x58A213CC7A4FFDA5), UINT64_C(0x26734473F7D05DE8)}, /*  275 */
        {UINT64_C(0x46E80FD6C83FFE1D), UINT64_C(0x6B8F69F65FD9E4B9)}, /*  276 */
        {UINT64_C(0x71734C8AD9FFFCFC), UINT64_C(0x45B24323CC8FD45C)}, /*  277 */
        {UINT64_C(0x5AC2A3A247FFFD96), UINT64_C(0x6AF502830A0CA9E3)}, /*  278 */
        {UINT64_C(0x489BB61B6CCCCADF), UINT64_C(0x08C402026E7087E9)}, /*  279 */
        {UINT64_C(0x742C569247AE1164), UINT64_C(0x746CD003E3E73FDB)}, /*  280 */
        {UINT64_C(0x5CF04541D2F1A783), UINT64_C(0x76BD73364FEC3315)}, /*  281 */
        {UINT64_C(0x4A59D101758E1F9C), UINT64_C(0x5EFDF5C50CBCF5AB)}, /*  282 */
        {UINT64_C(0x76F61B3588E365C7), UINT64_C(0x4B2FEFA1ADFB22AB)}, /*  283 */
        {UINT64_C(0x5F2B48F7A0B5EB06), UINT64_C(0x08F3261AF195B555)}, /*  284 */
        {UINT64_C(0x4C22A0C61A2B226B), UINT64_C(0x20C284E25ADE2AAB)}, /*  285 */
        {UINT64_C(0x79D1013CF6AB6A45), UINT64_C(0x1AD0D49D5E304444)}, /*  286 */
        {UINT64_C(0x617400FD9222BB6A), UINT64_C(0x48A7107DE4F369D0)}, /*  287 */
        {UINT64_C(0x4DF6673141B562BB), UINT64_C(0x53B8D9FE50C2BB0D)}, /*  288 */
        {UINT64_C(0x7CBD71E869223792), UINT64_C(0x52C15CCA1AD12B48)}, /*  289 */
        {UINT64_C(0x63CAC186BA81C60E), UINT64_C(0x75677D6E7BDA8906)}, /*  290 */
        {UINT64_C(0x4FD5679EFB9B04D8), UINT64_C(0x5DEC645863153A6C)}, /*  291 */
        {UINT64_C(0x7FBBD8FE5F5E6E27), UINT64_C(0x497A3A2704EEC3DF)}, /*  292 */
};

/* hi:lo = a b. */
inline void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
        __extension__ typedef unsigned __int128 u128;
        const u128 r = (u128)a * b;
        *hi = (uint64_t)(r >> 64);
        *lo = (uint64_t)r;
#else
        const uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
        const uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
        const uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
        *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
        *lo = (mid << 32) | (uint32_t)p00;
#endif
}

/* The top bits of g cp / 2^127, rounded to odd (the lowest bit is set when
 * any discarded bit is). */
inline uint64_t rop(uint64_t g1, uint64_t g0, uint64_t cp)
{
        uint64_t x1, x0, y1, y0;
        mul64(g0, cp, &x1, &x0);
        mul64(g1, cp, &y1, &y0);
        const uint64_t z = (y0 >> 1) + x1;
        const uint64_t vbp = y1 + (z >> 63);
        return vbp | (((z & MASK63) + MASK63) >> 63);
}

/* The shortest decimal d 10^e10 that reads back to c 2^q (c > 0). d may end
 * in zeros. */
inline uint64_t shortest(uint64_t c, int q, int *e10)
{
        const uint64_t out = c & 1;
        const uint64_t cb = c << 2;
        const uint64_t cbr = cb + 2;
        uint64_t cbl;
        int k;
        if (c != C_MIN || q == Q_MIN) {
                cbl = cb - 2;
                k = flog10pow2(q);
        } else { /* the gap below v is half the gap above */
                cbl = cb - 1;
                k = flog10three_quarters_pow2(q);
        }
        const int h = q + flog2pow10(-k) + 2; /* in [2, 5] */
        const uint64_t g1 = g_table[k - K_MIN][0], g0 = g_table[k - K_MIN][1];
        const uint64_t vb = rop(g1, g0, cb << h);
        const uint64_t vbl = rop(g1, g0, cbl << h);
        const uint64_t vbr = rop(g1, g0, cbr << h);
        const uint64_t s = vb >> 2;
        *e10 = k;
        /* One digit less: a multiple of 10^(k+1). */
        const uint64_t sp10 = s / 10 * 10;
        const uint64_t tp10 = sp10 + 10;
        const bool upin = vbl + out <= sp10 << 2;
        const bool wpin = (tp10 << 2) + out <= vbr;
        if (upin != wpin)
                return upin ? sp10 : tp10;
        const uint64_t t = s + 1;
        const bool uin = vbl + out <= s << 2;
        const bool win = (t << 2) + out <= vbr;
        if (uin != win)
                return uin ? s : t;
        /* Both: the nearer; a tie goes to the even one. */
        const int64_t cmp = (int64_t)(vb - ((s + t) << 1));
        return (cmp < 0 || (cmp == 0 && (s & 1) == 0)) ? s : t;
}

/* Writes the decimal d 10^e (d > 0, no trailing zeros) in Python's layout
 * at p; returns the end. */
inline char *layout(char *p, uint64_t d, int e)
{
        const unsigned n = count_digits(d);
        int E = e + (int)n - 1; /* exponent of the first digit */
        if (E >= 16 || E < -4) {
                write_u64(d, p + 1 + n); /* the digits at p[1..n] */
                p[0] = p[1];
                if (n > 1) {
                        p[1] = '.';
                        p += n + 1;
                } else {
                        p += 1;
                }
                p[0] = 'e';
                if (E < 0) {
                        p[1] = '-';
                        E = -E;
                } else {
                        p[1] = '+';
                }
                p += 2;
                if (E >= 100) {
                        *p++ = (char)('0' + E / 100);
                        E %= 100;
                }
                std::memcpy(p, digit_pairs + 2 * E, 2);
                return p + 2;
        }
        if (E < 0) { /* 0.000ddd */
                std::memcpy(p, "0.000", 5);
                p += 1 - E;
                write_u64(d, p + n);
                return p + n;
        }
        if ((int)n <= E + 1) { /* integral: ddd000.0 */
                write_u64(d, p + n);
                std::memset(p + n, '0', (size_t)(E + 1) - n);
                p += E + 1;
                p[0] = '.';
                p[1] = '0';
                return p + 2;
        }
        /* ddd.ddd: the digits at p[1..n], then the integer part moves left */
        write_u64(d, p + 1 + n);
        for (int i = 0; i <= E; i++)
                p[i] = p[i + 1];
        p[E + 1] = '.';
        return p + n + 1;
}

/* ---- parsing plain decimals fast ----------------------------------------
 *
 * Most numbers in files are plain decimals with at most 19 significant
 * digits and a small exponent: "23.602538532212705", "-0.5", "1e-05". For
 * those the digits are read into a 64-bit integer m (eight at a time when
 * eight digits follow) with a decimal exponent e, and the value m 10^e is
 * rounded once:
 *
 *  - m <= 2^53 and |e| <= 22: m and 10^|e| are exact doubles, so one IEEE
 *    multiplication or division is the correctly rounded result (Clinger,
 *    "How to read floating point numbers accurately", 1990).
 *  - otherwise, where long double has a 64-bit significand (x87) and
 *    |e| <= 27: m and 10^|e| (5^27 < 2^63) are exact long doubles, so the
 *    product or quotient L is m 10^e rounded once to 64 bits; rounding L to
 *    53 bits gives the correctly rounded double unless L lies exactly
 *    halfway between two doubles (its low 11 bits are 10000000000), when
 *    the first rounding may have made a tie that was not one. Those, about
 *    one in 2048, and everything else go to the general parser. The result
 *    is normal (>= 10^-27), so the 53 bits are all there.
 *
 * The text must match digits [. digits] [e|E [+|-] digits] exactly, with
 * at least one digit before the exponent; anything else (more digits,
 * other syntax, errors) is left to the general parser, which decides. */

#if defined(__x86_64__) && defined(__LDBL_MANT_DIG__) && __LDBL_MANT_DIG__ == 64
#define NUMFMT_X87 1
#else
#define NUMFMT_X87 0
#endif

const double exact_pow10[23] = {
        1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#if NUMFMT_X87
const long double exact_pow10l[28] = {
        1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
        1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L,
};
#endif

/* Reads the digits at *pp into *m (m = 10 m + digit, eight at a time
 * while eight digits follow; it wraps around past 19 digits, which the
 * caller rejects) and returns how many there were. */
inline size_t read_digits(const char **pp, const char *end, uint64_t *m)
{
        const char *p = *pp, *start = p;
        uint64_t v = *m;
        if (little_endian()) {
                while (end - p >= 8) {
                        uint64_t w;
                        std::memcpy(&w, p, 8);
                        if (!swar_all_digits(w))
                                break;
                        v = v * 100000000ULL + swar_parse8(w);
                        p += 8;
                }
        }
        for (; p < end; p++) {
                unsigned d = (unsigned char)(*p - '0');
                if (d > 9)
                        break;
                v = v * 10 + d;
        }
        *m = v;
        *pp = p;
        return (size_t)(p - start);
}

/* 1 and *out when [p, end) (no sign) is a plain decimal the fast path
 * rounds exactly; 0 to use the general parser. */
inline int parse_decimal_fast(const char *p, const char *end, double *out)
{
        uint64_t m = 0;
        const char *s = p;
        size_t nd = read_digits(&p, end, &m);
        long e = 0;
        if (p < end && *p == '.') {
                p++;
                size_t nf = read_digits(&p, end, &m);
                nd += nf;
                e = -(long)nf;
        }
        if (nd == 0)
                return 0;
        if (nd > 19) {
                /* Leading zeros do not count; anything longer is for the
                 * general parser. */
                while (s < p && (*s == '0' || *s == '.')) {
                        if (*s == '0')
                                nd--;
                        s++;
                }
                if (nd > 19)
                        return 0;
        }
        if (p < end) {
                if (*p != 'e' && *p != 'E')
                        return 0;
                p++;
                bool eneg = false;
                if (p < end && (*p == '+' || *p == '-')) {
                        eneg = *p == '-';
                        p++;
                }
                if (p == end || end - p > 4)
                        return 0;
                long x = 0;
                for (; p < end; p++) {
                        unsigned d = (unsigned char)(*p - '0');
                        if (d > 9)
                                return 0;
                        x = x * 10 + d;
                }
                e += eneg ? -x : x;
        }
        if (m == 0) {
                *out = 0.0;
                return 1;
        }
        if (m <= (1ULL << 53) && e >= -22 && e <= 22) {
                const double d = (double)m;
                *out = e < 0 ? d / exact_pow10[-e] : d * exact_pow10[e];
                return 1;
        }
#if NUMFMT_X87
        if (e >= -27 && e <= 27) {
                const long double lm = (long double)m;
                long double l = e < 0 ? lm / exact_pow10l[-e] : lm * exact_pow10l[e];
                uint64_t sig;
                std::memcpy(&sig, &l, sizeof sig); /* the explicit significand */
                if ((sig & 0x7FF) == 0x400)
                        return 0;
                *out = (double)l;
                return 1;
        }
#endif
        return 0;
}

} // namespace

extern "C" {

size_t par__format_int64(int64_t v, char *buf)
{
        if (v < 0) {
                buf[0] = '-';
                return 1 + format_u64(0 - (uint64_t)v, buf + 1);
        }
        return format_u64((uint64_t)v, buf);
}

size_t par__format_double(double x, char *buf)
{
        uint64_t bits;
        std::memcpy(&bits, &x, sizeof bits);
        const uint64_t mag = bits & 0x7FFFFFFFFFFFFFFFULL;
        const bool neg = (bits >> 63) != 0;
        if (mag >= 0x7FF0000000000000ULL) {
                if (mag > 0x7FF0000000000000ULL) {
                        std::memcpy(buf, "nan", 3);
                        return 3;
                }
                if (neg) {
                        std::memcpy(buf, "-inf", 4);
                        return 4;
                }
                std::memcpy(buf, "inf", 3);
                return 3;
        }
        if (mag == 0) {
                if (neg) {
                        std::memcpy(buf, "-0.0", 4);
                        return 4;
                }
                std::memcpy(buf, "0.0", 3);
                return 3;
        }
        char *p = buf;
        if (neg)
                *p++ = '-';
        const int be = (int)(mag >> 52);
        uint64_t c = mag & (C_MIN - 1);
        int q = Q_MIN;
        if (be > 0) {
                c |= C_MIN;
                q = be - 1075;
                /* Integral and below 1e16 (< 2^54, so q <= 1): the exact
                 * integer is the shortest decimal; write it as an int64. */
                if (q >= -52 && q <= 1 && (q >= 0 || (c & ((1ULL << -q) - 1)) == 0)) {
                        const uint64_t u = q >= 0 ? c << q : c >> -q;
                        if (u < 10000000000000000ULL) {
                                p += format_u64(u, p);
                                p[0] = '.';
                                p[1] = '0';
                                return (size_t)(p + 2 - buf);
                        }
                }
        }
        int e10;
        uint64_t d = shortest(c, q, &e10);
        while (d % 10 == 0) {
                d /= 10;
                e10++;
        }
        return (size_t)(layout(p, d, e10) - buf);
}

int par__parse_double(const char *s, const char *end, double *out)
{
        if (s == nullptr || s >= end)
                return -1;
        const char *p = s;
        bool neg = false;
        if (*p == '-' || *p == '+') {
                neg = *p == '-';
                p++;
                if (p == end)
                        return -1;
        }
        if (is_digit(*p) || *p == '.') {
                double v;
                if (parse_decimal_fast(p, end, &v)) {
                        *out = neg ? -v : v;
                        return 0;
                }
#if NUMFMT_FROM_CHARS
                std::from_chars_result r =
                        std::from_chars(p, end, v, std::chars_format::general);
                if (r.ptr != end)
                        return -1;
                if (r.ec == std::errc::result_out_of_range)
                        v = decimal_at_least_one(p, end) ? __builtin_inf() : 0.0;
                else if (r.ec != std::errc())
                        return -1;
#else
                if (parse_with_strtod(p, end, &v) != 0)
                        return -1;
#endif
                *out = neg ? -v : v;
                return 0;
        }
        size_t n = (size_t)(end - p);
        if ((n == 3 && eq_nocase(p, "inf", 3)) || (n == 8 && eq_nocase(p, "infinity", 8))) {
                *out = neg ? -__builtin_inf() : __builtin_inf();
                return 0;
        }
        if (n == 3 && eq_nocase(p, "nan", 3)) {
                *out = neg ? -__builtin_nan("") : __builtin_nan("");
                return 0;
        }
        return -1;
}

int par__parse_int64(const char *s, const char *end, int64_t *out)
{
        if (s == nullptr || s >= end)
                return -1;
        bool neg = false;
        if (*s == '-' || *s == '+') {
                neg = *s == '-';
                s++;
        }
        if (s == end)
                return -1;
        /* Leading zeros do not count towards the 19 digits that fit. */
        while (end - s > 1 && *s == '0')
                s++;
        size_t n = (size_t)(end - s);
        if (n > 19)
                return -1; /* too many digits, or not digits at all */
        uint64_t v = 0;
        if (little_endian()) {
                while (n >= 8) {
                        uint64_t w;
                        std::memcpy(&w, s, 8);
                        if (!swar_all_digits(w))
                                return -1;
                        v = v * 100000000ULL + swar_parse8(w);
                        s += 8;
                        n -= 8;
                }
        }
        for (; n > 0; n--, s++) {
                unsigned d = (unsigned char)(*s - '0');
                if (d > 9)
                        return -1;
                v = v * 10 + d;
        }
        /* v < 10^19 < 2^64: no wrap-around above. */
        if (neg) {
                if (v > (uint64_t)INT64_MAX + 1)
                        return -1;
                *out = (int64_t)(0 - v);
        } else {
                if (v > (uint64_t)INT64_MAX)
                        return -1;
                *out = (int64_t)v;
        }
        return 0;
}

} // extern "C"
