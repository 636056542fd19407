/* libpar/kernels/csv_read.c — splitting CSV into blocks of rows, reading
 * the header, and parsing blocks into typed columns (kernels/csv.h).
 *
 * A block is parsed in chunks of rows, each in two phases:
 *
 *  1. Tokenize: find the fields of up to `cap` rows. 64 bytes at a time,
 *     bitmasks of the quote, delimiter and '\n' bytes are built (AVX2 when
 *     the CPU has it, SWAR otherwise); a prefix XOR of the quote mask gives
 *     the bytes inside quotes (the parity rule of csv.h), which masks out
 *     the delimiters and newlines there. The remaining separators are
 *     visited with count-trailing-zeros; each ends a field, recorded as
 *     (start, length, needs-unquoting) in a column-major index small enough
 *     to stay in cache. Only fields that contain a quote are marked; the
 *     rest are views of the buffer.
 *  2. Convert, column by column, from the index into the column buffers
 *     with the number parsers of kernels/numfmt.h. An inferred column
 *     starts as int64 and moves on when a field does not fit: to float64
 *     (the int64 values already stored are converted in place; an integer
 *     text and its int64 value round to the same double, but for the sign
 *     of a zero, which is noted), to bool (only while every earlier field
 *     was missing), or to string. The strings of
 *     the rows before such a late change come from one more tokenizing
 *     pass at the end, over the rows before the latest change, shared by
 *     all the columns that changed: the cost stays linear however many
 *     columns change, and wherever.
 *
 * Errors name the earliest offending place in the file: a type error in an
 * earlier row wins over a field-count error found by the tokenizer later in
 * the same chunk, and within a row the leftmost field wins.
 *
 * The incremental parser (par__csv_parser_*) runs the same chunks over
 * pieces of text fed one after another, so read_csv can parse a piece
 * while it is in the cache and hold no buffer of a partition's text. What
 * needs the earlier pieces (an error's line number, the strings of rows
 * before a late change to string) makes it give up, and the caller parses
 * the whole text with par__csv_parse_block instead. */
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "core/internal.h"
#include "kernels/csv.h"
#include "kernels/numfmt.h"
#include "kernels/text.h"
#include "value/column.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define CSV_X86 1
#include <immintrin.h>
#else
#define CSV_X86 0
#endif

/* ---- instruction-set selection ------------------------------------------ */

enum { ISA_PORTABLE = 0, ISA_AVX2 = 2 };

static atomic_int csv_isa_level = -1;

static int detect_isa(void)
{
#if CSV_X86
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2"))
                return ISA_AVX2;
#endif
        return ISA_PORTABLE;
}

static inline int csv_isa(void)
{
        int l = atomic_load_explicit(&csv_isa_level, memory_order_relaxed);
        if (PAR__UNLIKELY(l < 0)) {
                l = detect_isa();
                atomic_store_explicit(&csv_isa_level, l, memory_order_relaxed);
        }
        return l;
}

/* For tests and benchmarks (not in csv.h): restricts the tokenizer to
 * `level` (0 portable, 2 AVX2; a level the CPU lacks is lowered; -1 detects
 * again). Returns the level now in force. */
int par__csv_set_isa(int level);
int par__csv_set_isa(int level)
{
        int have = detect_isa();
        if (level < 0 || level > have)
                level = have;
        if (level != ISA_AVX2)
                level = ISA_PORTABLE;
        atomic_store_explicit(&csv_isa_level, level, memory_order_relaxed);
        return level;
}

/* ---- splitting ------------------------------------------------------------- */

size_t par__csv_count_quotes(const char *buf, size_t n, char quote)
{
        return n ? par__count_byte(buf, n, quote) : 0;
}

size_t par__csv_next_row(const char *buf, size_t n, size_t from,
                         bool in_quotes, char quote)
{
        if (from >= n)
                return n;
        bool inq = in_quotes ^ (par__csv_count_quotes(buf, from, quote) & 1);
        size_t i = from;
        while (i < n) {
                if (inq) {
                        const char *q = memchr(buf + i, quote, n - i);
                        if (!q)
                                return n;
                        i = (size_t)(q - buf) + 1;
                        inq = false;
                        continue;
                }
                const char *nl = memchr(buf + i, '\n', n - i);
                size_t end = nl ? (size_t)(nl - buf) : n;
                const char *q = memchr(buf + i, quote, end - i);
                if (!q)
                        return nl ? end + 1 : n;
                i = (size_t)(q - buf) + 1;
                inq = true;
        }
        return n;
}

/* ---- small helpers ----------------------------------------------------------- */

/* Removes the quoting of a field under the parity rule: a quote toggles
 * quoted state, except that inside quotes a doubled quote is one literal
 * quote. out has room for n bytes. Returns the length written. */
static size_t unquote(const char *s, size_t n, char q, char *out)
{
        size_t o = 0;
        bool in = false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (c == q) {
                        if (in && i + 1 < n && s[i + 1] == q) {
                                out[o++] = q;
                                i++;
                        } else {
                                in = !in;
                        }
                } else {
                        out[o++] = c;
                }
        }
        return o;
}

/* pandas' default NA strings, besides the empty field. */
static const char *const na_strings[] = {
        "NA",   "N/A",  "n/a",    "NaN",     "nan",     "-NaN",     "-nan",
        "NULL", "null", "None",   "<NA>",    "#N/A",    "#NA",      "1.#IND",
        "1.#QNAN", "-1.#IND", "-1.#QNAN", "#N/A N/A",
};

static bool is_na(const char *s, size_t n)
{
        if (n == 0)
                return true;
        if (n > 8)
                return false;
        switch (s[0]) {
        case 'N': case 'n': case '-': case '<': case '#': case '1':
                break;
        default:
                return false;
        }
        for (size_t i = 0; i < sizeof na_strings / sizeof *na_strings; i++)
                if (strlen(na_strings[i]) == n && memcmp(na_strings[i], s, n) == 0)
                        return true;
        return false;
}

/* Numbers may have spaces around them, as pandas' parsers allow: strips
 * ASCII whitespace from both ends; false if there was none. */
static bool strip_ws(const char **s, size_t *n)
{
        const char *p = *s, *e = p + *n;
        while (p < e && (*p == ' ' || (*p >= '\t' && *p <= '\r')))
                p++;
        while (e > p && (e[-1] == ' ' || (e[-1] >= '\t' && e[-1] <= '\r')))
                e--;
        if (p == *s && e == *s + *n)
                return false;
        *s = p;
        *n = (size_t)(e - p);
        return true;
}

static bool parse_int_ws(const char *s, size_t n, int64_t *out)
{
        return strip_ws(&s, &n) && par__parse_int64(s, s + n, out) == 0;
}

static bool parse_double_ws(const char *s, size_t n, double *out)
{
        return strip_ws(&s, &n) && par__parse_double(s, s + n, out) == 0;
}

/* 1 true, 0 false, -1 neither. */
static int parse_bool(const char *s, size_t n)
{
        if (n == 4 && (memcmp(s, "True", 4) == 0 || memcmp(s, "true", 4) == 0 ||
                       memcmp(s, "TRUE", 4) == 0))
                return 1;
        if (n == 5 && (memcmp(s, "False", 5) == 0 || memcmp(s, "false", 5) == 0 ||
                       memcmp(s, "FALSE", 5) == 0))
                return 0;
        return -1;
}

static const char *display_name(const char *name)
{
        return name ? name : "<csv>";
}

/* 1-based line of byte `pos`, given the line of buf[0]. */
static int64_t line_at(const char *buf, size_t pos, int64_t first_line)
{
        return first_line + (int64_t)(pos ? par__count_byte(buf, pos, '\n') : 0);
}

/* ---- the header ------------------------------------------------------------------ */

/* A string-keyed map for pandas' renaming of duplicate names: `count` is
 * pandas' `counts` dict, `present` how often the name occurs in the header
 * as renamed so far. */
typedef struct name_ent {
        char *key;
        size_t count, present;
} name_ent;

typedef struct name_map {
        name_ent *e;
        size_t cap, n;
} name_map;

static name_ent *map_find(name_map *m, const char *key, bool insert)
{
        size_t len = strlen(key);
        if (insert && 2 * (m->n + 1) > m->cap) {
                size_t ncap = m->cap ? 2 * m->cap : 16;
                name_ent *ne = par__calloc(ncap, sizeof *ne);
                if (!ne)
                        return NULL;
                for (size_t i = 0; i < m->cap; i++) {
                        if (!m->e[i].key)
                                continue;
                        size_t h = par__hash_bytes(m->e[i].key, strlen(m->e[i].key), 0);
                        for (size_t j = h & (ncap - 1);; j = (j + 1) & (ncap - 1))
                                if (!ne[j].key) {
                                        ne[j] = m->e[i];
                                        break;
                                }
                }
                par__free(m->e);
                m->e = ne;
                m->cap = ncap;
        }
        if (!m->cap)
                return NULL;
        size_t h = par__hash_bytes(key, len, 0);
        for (size_t j = h & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
                if (!m->e[j].key) {
                        if (!insert)
                                return NULL;
                        m->e[j].key = par__strndup(key, len);
                        if (!m->e[j].key)
                                return NULL;
                        m->n++;
                        return &m->e[j];
                }
                if (strcmp(m->e[j].key, key) == 0)
                        return &m->e[j];
        }
}

static void map_free(name_map *m)
{
        for (size_t i = 0; i < m->cap; i++)
                par__free(m->e[i].key);
        par__free(m->e);
}

/* Renames repeated names as pandas' C parser does: the second "a" becomes
 * "a.1", unless the header already has an "a.1", and so on. */
static int dedup_names(char **names, size_t n)
{
        name_map m = {0};
        int rc = PAR_ENOMEM;
        for (size_t i = 0; i < n; i++) {
                name_ent *e = map_find(&m, names[i], true);
                if (!e)
                        goto done;
                e->present++;
        }
        for (size_t i = 0; i < n; i++) {
                name_ent *e = map_find(&m, names[i], true);
                if (!e)
                        goto done;
                size_t cur = e->count;
                if (cur > 0) {
                        char *old = names[i], *col = NULL;
                        size_t olen = strlen(old);
                        while (cur > 0) {
                                e = map_find(&m, old, false);
                                e->count = cur + 1;
                                par__free(col);
                                col = par__malloc(olen + 24);
                                if (!col)
                                        goto done;
                                memcpy(col, old, olen);
                                size_t k = olen;
                                col[k++] = '.';
                                char digits[24];
                                size_t nd = 0;
                                for (size_t v = cur; v || !nd; v /= 10)
                                        digits[nd++] = (char)('0' + v % 10);
                                while (nd)
                                        col[k++] = digits[--nd];
                                col[k] = 0;
                                name_ent *c = map_find(&m, col, false);
                                if (c && c->present)
                                        cur++;
                                else
                                        cur = c ? c->count : 0;
                        }
                        e = map_find(&m, old, false);
                        e->present--;
                        name_ent *c = map_find(&m, col, true);
                        if (!c) {
                                par__free(col);
                                goto done;
                        }
                        c->present++;
                        names[i] = col;
                        par__free(old);
                }
                e = map_find(&m, names[i], false);
                e->count = cur + 1;
        }
        rc = 0;
done:
        map_free(&m);
        return rc;
}

void par__csv_free_names(char **names, size_t n)
{
        if (!names)
                return;
        for (size_t i = 0; i < n; i++)
                par__free(names[i]);
        par__free(names);
}

int par__csv_parse_header(const char *buf, size_t n, const par__csv_format *fmt,
                          const char *name, char ***names, size_t *ncols,
                          size_t *consumed, par_error *err)
{
        if (names)
                *names = NULL;
        if (ncols)
                *ncols = 0;
        if (consumed)
                *consumed = 0;
        if (!fmt || !names || !ncols || !consumed || (n && !buf))
                return par__errorf(err, PAR_EINVAL, "csv: invalid arguments");
        const char delim = fmt->delim, quote = fmt->quote;
        if (delim == quote || delim == '\n' || quote == '\n' || delim == '\r' ||
            quote == '\r')
                return par__errorf(err, PAR_EINVAL,
                                   "%s: invalid CSV format (delimiter %d, quote %d)",
                                   display_name(name), delim, quote);
        size_t p = 0;
        if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
                p = 3;
        int64_t line = 1;
        for (;;) { /* pandas skips empty lines before the header */
                if (p < n && buf[p] == '\n') {
                        p++;
                        line++;
                } else if (p + 1 < n && buf[p] == '\r' && buf[p + 1] == '\n') {
                        p += 2;
                        line++;
                } else {
                        break;
                }
        }
        if (p == n || (p + 1 == n && buf[p] == '\r'))
                return par__errorf(err, PAR_EPARSE, "%s: no columns to parse from file",
                                   display_name(name));
        size_t end = par__csv_next_row(buf, n, p, false, quote);
        if (end == n && par__csv_count_quotes(buf + p, n - p, quote) % 2)
                return par__errorf(err, PAR_EPARSE, "%s:%lld: unterminated quoted field",
                                   display_name(name), (long long)line);
        size_t e = end;
        if (e > p && buf[e - 1] == '\n')
                e--;
        if (e > p && buf[e - 1] == '\r')
                e--;
        /* Fields: split at delimiters outside quotes. */
        size_t nf = 1;
        bool inq = false;
        for (size_t i = p; i < e; i++) {
                if (buf[i] == quote)
                        inq = !inq;
                else if (buf[i] == delim && !inq)
                        nf++;
        }
        char **out = par__calloc(nf, sizeof *out);
        if (!out)
                return PAR__ENOMEM(err, "reading a CSV header");
        size_t f = 0, fs = p;
        inq = false;
        for (size_t i = p; i <= e; i++) {
                if (i < e && buf[i] == quote) {
                        inq = !inq;
                        continue;
                }
                if (i < e && (buf[i] != delim || inq))
                        continue;
                char *s = par__malloc(i - fs + 24);
                if (!s)
                        goto nomem;
                size_t len = unquote(buf + fs, i - fs, quote, s);
                if (len == 0) {
                        static const char un[] = "Unnamed: ";
                        memcpy(s, un, sizeof un - 1);
                        len = sizeof un - 1;
                        char digits[24];
                        size_t nd = 0;
                        for (size_t v = f; v || !nd; v /= 10)
                                digits[nd++] = (char)('0' + v % 10);
                        while (nd)
                                s[len++] = digits[--nd];
                }
                s[len] = 0;
                out[f++] = s;
                fs = i + 1;
        }
        if (dedup_names(out, nf) < 0)
                goto nomem;
        *names = out;
        *ncols = nf;
        *consumed = end;
        return 0;
nomem:
        par__csv_free_names(out, nf);
        return PAR__ENOMEM(err, "reading a CSV header");
}

/* ---- bitmasks of 64-byte blocks --------------------------------------------------- */

#define MASK_BLOCKS 64 /* blocks per call of build_masks: 4 KiB of text */

typedef struct blockmask {
        uint64_t quote, sep, nl; /* sep: delimiters and newlines */
} blockmask;

static inline uint64_t swar_eq(uint64_t w, uint64_t pat)
{
        /* One bit per byte (bit k for byte k) where w's byte equals pat's. */
        const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
        uint64_t x = w ^ pat;
        uint64_t t = ~(((x & low7) + low7) | x | low7); /* 0x80 where zero */
        return ((t >> 7) * UINT64_C(0x0102040810204080)) >> 56;
}

static void masks_portable(const char *p, size_t nblocks, char quote,
                           char delim, blockmask *m)
{
        const uint64_t ones = UINT64_C(0x0101010101010101);
        const uint64_t pq = ones * (unsigned char)quote,
                       pd = ones * (unsigned char)delim, pn = ones * '\n';
        for (size_t b = 0; b < nblocks; b++, p += 64) {
                uint64_t q = 0, d = 0, nl = 0;
                for (unsigned k = 0; k < 8; k++) {
                        uint64_t w;
                        memcpy(&w, p + 8 * k, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
                        w = __builtin_bswap64(w); /* byte k in bits 8k.. */
#endif
                        q |= swar_eq(w, pq) << (8 * k);
                        d |= swar_eq(w, pd) << (8 * k);
                        nl |= swar_eq(w, pn) << (8 * k);
                }
                m[b].quote = q;
                m[b].nl = nl;
                m[b].sep = d | nl;
        }
}

#if CSV_X86
#define CSV_AVX2 __attribute__((target("avx2")))

CSV_AVX2 static void masks_avx2(const char *p, size_t nblocks, char quote,
                                char delim, blockmask *m)
{
        const __m256i vq = _mm256_set1_epi8(quote), vd = _mm256_set1_epi8(delim),
                      vn = _mm256_set1_epi8('\n');
        for (size_t b = 0; b < nblocks; b++, p += 64) {
                __m256i lo = _mm256_loadu_si256((const __m256i *)p);
                __m256i hi = _mm256_loadu_si256((const __m256i *)(p + 32));
#define CSV_MASK64(v)                                                          \
        ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, v)) |  \
         (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, v)) << 32)
                uint64_t nl = CSV_MASK64(vn);
                m[b].quote = CSV_MASK64(vq);
                m[b].nl = nl;
                m[b].sep = CSV_MASK64(vd) | nl;
#undef CSV_MASK64
        }
}
#endif

/* Masks of p[0..len) (len <= 64 * MASK_BLOCKS); the last block, if partial,
 * is padded with a byte that is none of the special ones. Returns the
 * number of blocks. */
static size_t build_masks(const char *p, size_t len, char quote, char delim,
                          blockmask *m)
{
        size_t full = len / 64, rest = len % 64;
        void (*fn)(const char *, size_t, char, char, blockmask *) = masks_portable;
#if CSV_X86
        if (csv_isa() == ISA_AVX2)
                fn = masks_avx2;
#endif
        if (full)
                fn(p, full, quote, delim, m);
        if (rest) {
                char pad = 0;
                while (pad == quote || pad == delim || pad == '\n')
                        pad++;
                char tail[64];
                memset(tail, pad, sizeof tail);
                memcpy(tail, p + 64 * full, rest);
                fn(tail, 1, quote, delim, m + full);
        }
        return full + (rest != 0);
}

static inline uint64_t prefix_xor(uint64_t x)
{
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x ^= x << 32;
        return x;
}

/* ---- phase 1: tokenizing ------------------------------------------------------------ */

#define FLD_Q ((size_t)1 << (sizeof(size_t) * 8 - 1)) /* needs unquoting */

typedef struct fld {
        size_t start;
        size_t len; /* | FLD_Q */
} fld;

enum { TOK_OK = 0, TOK_EFIELDS, TOK_EQUOTE };

typedef struct tokenizer {
        const char *buf;
        size_t n; /* the tokenizer stops here */
        char delim, quote;
        size_t ncols;
        const int32_t *slot; /* per file column: its index slot, or -1 */
        fld *idx;            /* idx[slot * cap + row] */
        size_t cap;
        /* results of the last call */
        size_t rows;
        size_t next;     /* where the next call starts */
        size_t max_qlen; /* longest field that needs unquoting */
        int err;
        size_t err_at;    /* TOK_EFIELDS: row start; TOK_EQUOTE: field start */
        size_t err_found; /* TOK_EFIELDS: fields found */
} tokenizer;

static inline void tok_put(tokenizer *t, size_t col, size_t row, size_t s,
                           size_t e, bool q)
{
        if (col < t->ncols) {
                int32_t k = t->slot[col];
                if (k >= 0) {
                        size_t len = e - s;
                        if (PAR__UNLIKELY(q)) {
                                if (len > t->max_qlen)
                                        t->max_qlen = len;
                                len |= FLD_Q;
                        }
                        t->idx[(size_t)k * t->cap + row] = (fld){s, len};
                }
        }
}

/* Tokenizes whole rows from `pos` until t->cap rows are found or the end
 * of the buffer; sets rows, next, err. Rows before an error are valid. */
static void tokenize(tokenizer *t, size_t pos)
{
        const char *buf = t->buf;
        const size_t n = t->n, ncols = t->ncols, cap = t->cap;
        const char quote = t->quote, delim = t->delim;
        size_t rows = 0, row_start = pos, fstart = pos, col = 0;
        bool fq = false;
        uint64_t inq = 0; /* all ones while inside quotes at a block end */
        blockmask m[MASK_BLOCKS];

        t->err = TOK_OK;
        t->max_qlen = 0;
        size_t p = pos;
        while (p < n) {
                size_t len = n - p;
                if (len > 64 * MASK_BLOCKS)
                        len = 64 * MASK_BLOCKS;
                size_t nb = build_masks(buf + p, len, quote, delim, m);
                for (size_t i = 0; i < nb; i++) {
                        const size_t base = p + 64 * i;
                        uint64_t q = m[i].quote, sep = m[i].sep, nl = m[i].nl;
                        if (PAR__UNLIKELY(q | inq)) {
                                uint64_t x = prefix_xor(q) ^ inq;
                                inq = (uint64_t)0 - (x >> 63);
                                sep &= ~x;
                                nl &= ~x;
                        }
                        while (sep) {
                                unsigned b = (unsigned)__builtin_ctzll(sep);
                                size_t e = base + b;
                                sep &= sep - 1;
                                if (PAR__UNLIKELY(q)) {
                                        if (q & ((UINT64_C(1) << b) - 1))
                                                fq = true;
                                        q &= ~((UINT64_C(2) << b) - 1);
                                }
                                if (!(nl >> b & 1)) {
                                        tok_put(t, col, rows, fstart, e, fq);
                                        col++;
                                        fq = false;
                                        fstart = e + 1;
                                        continue;
                                }
                                size_t fe = e;
                                if (fe > fstart && buf[fe - 1] == '\r')
                                        fe--;
                                if (col == 0 && fe == fstart) { /* empty line */
                                        row_start = fstart = e + 1;
                                        continue;
                                }
                                tok_put(t, col, rows, fstart, fe, fq);
                                col++;
                                if (PAR__UNLIKELY(col != ncols)) {
                                        t->err = TOK_EFIELDS;
                                        t->err_at = row_start;
                                        t->err_found = col;
                                        goto out;
                                }
                                rows++;
                                col = 0;
                                fq = false;
                                row_start = fstart = e + 1;
                                if (PAR__UNLIKELY(rows == cap))
                                        goto out;
                        }
                        if (q)
                                fq = true;
                }
                p += 64 * nb;
        }
        /* The end of the buffer. */
        if (inq) {
                t->err = TOK_EQUOTE;
                t->err_at = fstart;
                goto out;
        }
        if (row_start < n) {
                size_t fe = n;
                if (fe > fstart && buf[fe - 1] == '\r')
                        fe--;
                if (col != 0 || fe != fstart) {
                        tok_put(t, col, rows, fstart, fe, fq);
                        col++;
                        if (col != ncols) {
                                t->err = TOK_EFIELDS;
                                t->err_at = row_start;
                                t->err_found = col;
                                goto out;
                        }
                        rows++;
                }
                row_start = n;
        }
out:
        t->rows = rows;
        t->next = row_start;
}

/* ---- phase 2: converting ------------------------------------------------------------ */

enum { K_INT, K_FLOAT, K_BOOL, K_STR };

typedef struct colbuild {
        size_t src;     /* column index in the file */
        int kind;       /* K_* */
        bool fixed;     /* dtype given */
        size_t str_from; /* became a string at this row; the earlier rows
                            are filled at the end */
        bool failed;    /* type error in this chunk, at err_row */
        size_t err_row;
        void *vals;     /* int64 / double, or bool bytes */
        int64_t *offs;  /* strings: rows + 1 */
        char *bytes;
        size_t nbytes, bytecap;
        uint8_t *valid; /* always allocated; dropped at the end if no nulls */
        int64_t nulls;
        /* Inferred int64 columns: rows whose text was a negative zero
         * ("-0"), which must become -0.0 if the column turns float64. */
        size_t *negzero;
        size_t nnegzero, negzero_cap;
} colbuild;

typedef struct parser {
        const char *buf;
        const par__csv_parse *o;
        char quote;
        size_t nkept;
        colbuild *cols;
        size_t rowcap;   /* rows every column buffer has room for */
        char *scratch;   /* unquoted fields */
        size_t scratch_cap;
        size_t rows_done; /* rows converted so far */
} parser;

static inline const char *field_text(const parser *ps, fld f, size_t *len)
{
        if (PAR__LIKELY(!(f.len & FLD_Q))) {
                *len = f.len;
                return ps->buf + f.start;
        }
        size_t n = f.len & ~FLD_Q;
        const char *s = ps->buf + f.start;
        const char q = ps->quote;
        /* "abc" with no other quote: a view of the inside. */
        if (n >= 2 && s[0] == q && s[n - 1] == q && !memchr(s + 1, q, n - 2)) {
                *len = n - 2;
                return s + 1;
        }
        *len = unquote(s, n, q, ps->scratch);
        return ps->scratch;
}

static inline void set_null(colbuild *c, size_t i)
{
        c->valid[i >> 3] &= (uint8_t)~(1u << (i & 7));
        c->nulls++;
}

static inline bool is_valid(const colbuild *c, size_t i)
{
        return c->valid[i >> 3] >> (i & 7) & 1;
}

static int ensure_scratch(parser *ps, size_t n)
{
        if (n <= ps->scratch_cap)
                return 0;
        char *p = par__realloc(ps->scratch, n);
        if (!p)
                return PAR_ENOMEM;
        ps->scratch = p;
        ps->scratch_cap = n;
        return 0;
}

/* Faults in the pages of a new column buffer with one call. A column of a
 * few hundred KiB comes from the heap, where fresh pages fault one at a
 * time on the first write (about 12 us each on the virtual machines this
 * runs on; 0.6-2.6 us populated at once, under 1 us if already there).
 * Blocks of 1 MiB and up are populated by the allocator. */
static void populate(void *p, size_t n)
{
#if defined(__linux__)
        const uintptr_t page = 4096;
        if (n < ((size_t)64 << 10) || n >= ((size_t)1 << 20))
                return;
        uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
        uintptr_t e = ((uintptr_t)p + n) & ~(page - 1);
        if (e > a)
                (void)madvise((void *)a, e - a, 23 /* MADV_POPULATE_WRITE */);
#else
        (void)p;
        (void)n;
#endif
}

static int grow_col(colbuild *c, size_t oldcap, size_t cap)
{
        if (c->kind == K_STR) {
                int64_t *o = par__realloc(c->offs, (cap + 1) * sizeof *o);
                if (!o)
                        return PAR_ENOMEM;
                c->offs = o;
        } else {
                size_t es = c->kind == K_BOOL ? 1 : 8;
                void *v = par__realloc(c->vals, cap * es);
                if (!v)
                        return PAR_ENOMEM;
                if (!c->vals)
                        populate(v, cap * es);
                c->vals = v;
        }
        size_t ob = (oldcap + 7) / 8, nb = (cap + 7) / 8;
        if (nb > ob || !c->valid) {
                uint8_t *v = par__realloc(c->valid, nb);
                if (!v)
                        return PAR_ENOMEM;
                memset(v + ob, 0xff, nb - ob);
                c->valid = v;
        }
        return 0;
}

/* Room for `rows` rows in every column. */
static int ensure_rows(parser *ps, size_t rows)
{
        if (rows <= ps->rowcap && ps->cols[0].valid)
                return 0;
        size_t cap = ps->rowcap;
        if (rows > cap) {
                cap = cap + cap / 2;
                if (cap < rows)
                        cap = rows;
        }
        if (cap < 8)
                cap = 8;
        for (size_t k = 0; k < ps->nkept; k++)
                if (grow_col(&ps->cols[k], ps->cols[k].valid ? ps->rowcap : 0,
                             cap) < 0)
                        return PAR_ENOMEM;
        ps->rowcap = cap;
        return 0;
}

/* Each conv_* converts rows [r, R) of a chunk whose first row is row g0 of
 * the block, and returns the first row it could not convert (R if all). */

/* Notes row i as a negative zero if its text (parsed as int64 0) has a
 * minus sign. */
static int note_negzero(colbuild *c, const char *s, size_t len, size_t i)
{
        strip_ws(&s, &len);
        if (c->fixed || !len || s[0] != '-')
                return 0;
        void *p = c->negzero;
        if (par__grow(&p, &c->negzero_cap, c->nnegzero + 1, sizeof *c->negzero) < 0)
                return PAR_ENOMEM;
        c->negzero = p;
        c->negzero[c->nnegzero++] = i;
        return 0;
}

#define CONV_ENOMEM SIZE_MAX

static size_t conv_int(parser *ps, colbuild *c, const fld *F, size_t r,
                       size_t R, size_t g0)
{
        int64_t *out = (int64_t *)c->vals + g0;
        for (; r < R; r++) {
                size_t len;
                const char *s = field_text(ps, F[r], &len);
                if (PAR__LIKELY(par__parse_int64(s, s + len, &out[r]) == 0)) {
                        if (PAR__UNLIKELY(out[r] == 0) &&
                            note_negzero(c, s, len, g0 + r) < 0)
                                return CONV_ENOMEM;
                        continue;
                }
                if (!is_na(s, len)) {
                        if (parse_int_ws(s, len, &out[r])) {
                                if (out[r] == 0 && note_negzero(c, s, len, g0 + r) < 0)
                                        return CONV_ENOMEM;
                                continue;
                        }
                        return r;
                }
                out[r] = 0;
                set_null(c, g0 + r);
        }
        return R;
}

static size_t conv_float(parser *ps, colbuild *c, const fld *F, size_t r,
                         size_t R, size_t g0)
{
        double *out = (double *)c->vals + g0;
        for (; r < R; r++) {
                size_t len;
                const char *s = field_text(ps, F[r], &len);
                if (PAR__LIKELY(par__parse_double(s, s + len, &out[r]) == 0)) {
                        if (PAR__UNLIKELY(out[r] != out[r]) && is_na(s, len))
                                set_null(c, g0 + r);
                        continue;
                }
                if (!is_na(s, len)) {
                        if (parse_double_ws(s, len, &out[r]))
                                continue;
                        return r;
                }
                out[r] = NAN;
                set_null(c, g0 + r);
        }
        return R;
}

static size_t conv_bool(parser *ps, colbuild *c, const fld *F, size_t r,
                        size_t R, size_t g0)
{
        uint8_t *out = (uint8_t *)c->vals + g0;
        for (; r < R; r++) {
                size_t len;
                const char *s = field_text(ps, F[r], &len);
                int b = parse_bool(s, len);
                if (b >= 0) {
                        out[r] = (uint8_t)b;
                        continue;
                }
                if (!is_na(s, len))
                        return r;
                out[r] = 0;
                set_null(c, g0 + r);
        }
        return R;
}

static int conv_str(parser *ps, colbuild *c, const fld *F, size_t R, size_t g0)
{
        size_t need = c->nbytes;
        for (size_t r = 0; r < R; r++)
                need += F[r].len & ~FLD_Q;
        if (need > c->bytecap) {
                size_t cap = c->bytecap + c->bytecap / 2;
                if (cap < need)
                        cap = need;
                char *b = par__realloc(c->bytes, cap ? cap : 1);
                if (!b)
                        return PAR_ENOMEM;
                c->bytes = b;
                c->bytecap = cap;
        }
        char *bytes = c->bytes;
        size_t at = c->nbytes;
        int64_t *offs = c->offs + g0;
        for (size_t r = 0; r < R; r++) {
                fld f = F[r];
                if (PAR__LIKELY(!(f.len & FLD_Q))) {
                        const char *s = ps->buf + f.start;
                        if (PAR__UNLIKELY(is_na(s, f.len))) {
                                set_null(c, g0 + r);
                        } else {
                                memcpy(bytes + at, s, f.len);
                                at += f.len;
                        }
                } else {
                        size_t n = unquote(ps->buf + f.start, f.len & ~FLD_Q,
                                           ps->quote, bytes + at);
                        if (is_na(bytes + at, n))
                                set_null(c, g0 + r);
                        else
                                at += n;
                }
                offs[r + 1] = (int64_t)at;
        }
        c->nbytes = at;
        return 0;
}

/* int64 values of rows [0, upto) to doubles in place; nulls become NaN.
 * An integer's text and its int64 value round to the same double, except
 * for the sign of a zero, which the noted rows restore. */
static void int_to_float(colbuild *c, size_t upto)
{
        char *p = c->vals;
        for (size_t i = 0; i < upto; i++) {
                int64_t v;
                memcpy(&v, p + 8 * i, 8);
                double d = is_valid(c, i) ? (double)v : NAN;
                memcpy(p + 8 * i, &d, 8);
        }
        for (size_t k = 0; k < c->nnegzero; k++) {
                double d = -0.0;
                memcpy(p + 8 * c->negzero[k], &d, 8);
        }
        par__free(c->negzero);
        c->negzero = NULL;
        c->nnegzero = c->negzero_cap = 0;
}

/* Switches to bool; every earlier row is null. */
static int to_bool(parser *ps, colbuild *c, size_t upto)
{
        uint8_t *b = par__malloc(ps->rowcap ? ps->rowcap : 1);
        if (!b)
                return PAR_ENOMEM;
        memset(b, 0, upto);
        par__free(c->vals);
        c->vals = b;
        c->kind = K_BOOL;
        return 0;
}

/* Switches to string from row g0 on (the rows before it are filled in by
 * fill_prefixes at the end): all validity bits set again, as the
 * conversions recompute the nulls; the bytes of row g0 start at 0. */
static int to_string(parser *ps, colbuild *c, size_t g0)
{
        int64_t *o = par__malloc((ps->rowcap + 1) * sizeof *o);
        if (!o)
                return PAR_ENOMEM;
        o[0] = o[g0] = 0;
        c->str_from = g0;
        par__free(c->vals);
        c->vals = NULL;
        c->offs = o;
        c->kind = K_STR;
        c->nbytes = 0;
        memset(c->valid, 0xff, (ps->rowcap + 7) / 8);
        c->nulls = 0;
        return 0;
}

/* Converts one column of a chunk, changing its kind as needed. */
static int convert_col(parser *ps, colbuild *c, const fld *F, size_t R,
                       size_t g0)
{
        size_t r = 0;
        while (r < R) {
                switch (c->kind) {
                case K_INT:
                        r = conv_int(ps, c, F, r, R, g0);
                        if (r == CONV_ENOMEM)
                                return PAR_ENOMEM;
                        break;
                case K_FLOAT: r = conv_float(ps, c, F, r, R, g0); break;
                case K_BOOL: r = conv_bool(ps, c, F, r, R, g0); break;
                default: return conv_str(ps, c, F, R, g0);
                }
                if (r == R)
                        break;
                if (c->fixed) {
                        c->failed = true;
                        c->err_row = r;
                        return 0;
                }
                size_t len;
                const char *s = field_text(ps, F[r], &len);
                double d;
                bool none_before = (int64_t)(g0 + r) == c->nulls;
                int rc = 0;
                if (c->kind == K_INT && (par__parse_double(s, s + len, &d) == 0 ||
                                         parse_double_ws(s, len, &d))) {
                        int_to_float(c, g0 + r);
                        c->kind = K_FLOAT;
                } else if (c->kind != K_BOOL && none_before &&
                           parse_bool(s, len) >= 0) {
                        rc = to_bool(ps, c, g0 + r);
                } else {
                        /* this chunk again, as strings */
                        rc = to_string(ps, c, g0);
                        r = 0;
                }
                if (rc < 0)
                        return rc;
        }
        return 0;
}

/* Fills the rows before str_from of the columns that became strings after
 * the first chunk: one more tokenizing pass over the rows before the
 * latest such change, for all those columns at once. Each column's bytes
 * from str_from on are kept aside and appended after. */
static int fill_prefixes(parser *ps, const tokenizer *model)
{
        size_t np = 0, upto = 0;
        for (size_t k = 0; k < ps->nkept; k++) {
                colbuild *c = &ps->cols[k];
                if (c->kind == K_STR && c->str_from > 0) {
                        np++;
                        if (c->str_from > upto)
                                upto = c->str_from;
                }
        }
        if (!np)
                return 0;
        int32_t *slot = par__malloc(model->ncols * sizeof *slot);
        colbuild **pc = par__calloc(np, sizeof *pc);
        char **suffix = par__calloc(np, sizeof *suffix);
        size_t *suffix_len = par__calloc(np, sizeof *suffix_len);
        fld *idx = par__malloc(np * model->cap * sizeof *idx);
        int rc = PAR_ENOMEM;
        size_t taken = 0;
        if (!slot || !pc || !suffix || !suffix_len || !idx)
                goto done;
        for (size_t j = 0; j < model->ncols; j++)
                slot[j] = -1;
        for (size_t k = 0; k < ps->nkept; k++) {
                colbuild *c = &ps->cols[k];
                if (c->kind == K_STR && c->str_from > 0) {
                        slot[c->src] = (int32_t)taken;
                        pc[taken] = c;
                        suffix[taken] = c->bytes;
                        suffix_len[taken] = c->nbytes;
                        c->bytes = NULL;
                        c->nbytes = c->bytecap = 0;
                        taken++;
                }
        }
        tokenizer t = *model;
        t.slot = slot;
        t.idx = idx;
        size_t pos = 0, g = 0;
        while (g < upto) {
                tokenize(&t, pos);
                if (t.err || !t.rows) { /* the rows were there before */
                        rc = PAR_ESTATE;
                        goto done;
                }
                for (size_t i = 0; i < np; i++) {
                        if (g >= pc[i]->str_from)
                                continue;
                        size_t R = pc[i]->str_from - g;
                        if (R > t.rows)
                                R = t.rows;
                        rc = conv_str(ps, pc[i], idx + i * t.cap, R, g);
                        if (rc < 0)
                                goto done;
                }
                g += t.rows;
                pos = t.next;
        }
        rc = 0;
done:
        /* Each column taken: prefix bytes, then the suffix. */
        for (size_t i = 0; i < taken; i++) {
                colbuild *c = pc[i];
                size_t pre = c->nbytes;
                if (rc == 0 && pre + suffix_len[i] > c->bytecap) {
                        char *b = par__realloc(c->bytes, pre + suffix_len[i] + 1);
                        if (b) {
                                c->bytes = b;
                                c->bytecap = pre + suffix_len[i] + 1;
                        } else {
                                rc = PAR_ENOMEM;
                        }
                }
                if (rc == 0) {
                        memcpy(c->bytes + pre, suffix[i], suffix_len[i]);
                        c->nbytes = pre + suffix_len[i];
                        for (size_t r = c->str_from + 1; r <= ps->rows_done; r++)
                                c->offs[r] += (int64_t)pre;
                        c->str_from = 0;
                }
                par__free(suffix[i]);
        }
        par__free(slot);
        par__free(pc);
        par__free(suffix);
        par__free(suffix_len);
        par__free(idx);
        return rc;
}

/* ---- finishing ----------------------------------------------------------------- */

static void colbuild_free(colbuild *c)
{
        par__free(c->vals);
        par__free(c->offs);
        par__free(c->bytes);
        par__free(c->valid);
        par__free(c->negzero);
        c->negzero = NULL;
        c->vals = c->offs = NULL;
        c->bytes = NULL;
        c->valid = NULL;
}

/* Buffers shrunk to their use where that frees much. */
static void *shrink(void *p, size_t used, size_t cap)
{
        if (!used)
                used = 1;
        if (used >= cap - cap / 8)
                return p;
        void *q = par__realloc(p, used);
        return q ? q : p;
}

static par_value *finish_col(parser *ps, colbuild *c, size_t rows)
{
        if (c->kind == K_INT && !c->fixed && (c->nulls || rows == 0)) {
                if (rows == 0) {
                        /* pandas: a column without rows is of objects */
                        if (to_string(ps, c, 0) < 0)
                                return NULL;
                } else {
                        int_to_float(c, rows);
                        c->kind = K_FLOAT;
                }
        }
        par__column *col = par__calloc(1, sizeof *col);
        if (!col)
                return NULL;
        col->length = (int64_t)rows;
        col->null_count = c->nulls;
        switch (c->kind) {
        case K_INT: col->dtype = PAR_DTYPE_INT64; break;
        case K_FLOAT: col->dtype = PAR_DTYPE_FLOAT64; break;
        case K_BOOL: col->dtype = PAR_DTYPE_BOOL; break;
        default: col->dtype = PAR_DTYPE_STRING; break;
        }
        if (c->kind == K_STR) {
                col->offsets = shrink(c->offs, (rows + 1) * 8, (ps->rowcap + 1) * 8);
                col->data = shrink(c->bytes ? c->bytes : par__malloc(1), c->nbytes,
                                   c->bytecap ? c->bytecap : 1);
                col->nbytes = c->nbytes;
                if (!col->data) {
                        par__free(col->offsets);
                        c->offs = NULL;
                        par__free(col);
                        return NULL;
                }
                c->offs = NULL;
                c->bytes = NULL;
        } else {
                size_t es = c->kind == K_BOOL ? 1 : 8;
                col->data = shrink(c->vals, rows * es, ps->rowcap * es);
                c->vals = NULL;
        }
        if (c->nulls) {
                col->validity = c->valid;
                c->valid = NULL;
        }
        return par__column_finish(col);
}

/* ---- errors ------------------------------------------------------------------ */

static int tok_error(const parser *ps, const tokenizer *t, par_error *err)
{
        const par__csv_parse *o = ps->o;
        int64_t line = line_at(ps->buf, t->err_at, o->first_line);
        if (t->err == TOK_EQUOTE)
                return par__errorf(err, PAR_EPARSE,
                                   "%s:%lld: unterminated quoted field",
                                   display_name(o->name), (long long)line);
        return par__errorf(err, PAR_EPARSE, "%s:%lld: expected %zu fields, found %zu",
                           display_name(o->name), (long long)line, o->ncols,
                           t->err_found);
}

static int type_error(parser *ps, const colbuild *c, fld f, par_error *err)
{
        const par__csv_parse *o = ps->o;
        int64_t line = line_at(ps->buf, f.start, o->first_line);
        const char *nl = f.start ? memrchr(ps->buf, '\n', f.start) : NULL;
        size_t line_start = nl ? (size_t)(nl - ps->buf) + 1 : 0;
        size_t len;
        const char *s = field_text(ps, f, &len);
        const char *more = "";
        if (len > 64) {
                len = 64;
                more = "...";
        }
        par_dtype want = o->dtypes[c->src];
        return par__errorf(err, PAR_EPARSE, "%s:%lld:%zu: '%.*s%s' is not a%s %s (column %s)",
                           display_name(o->name), (long long)line,
                           f.start - line_start + 1, (int)len, s, more,
                           want == PAR_DTYPE_INT64 ? "n" : "", par_dtype_name(want),
                           o->names && o->names[c->src] ? o->names[c->src] : "?");
}

/* ---- parse_block and the incremental parser ------------------------------------ */

struct par__csv_parser {
        par__csv_parse o; /* the caller's options (their arrays borrowed) */
        parser ps;
        int32_t *slot;
        fld *idx;
        size_t cap;  /* rows per chunk */
        size_t rows; /* rows converted */
        bool first;  /* no chunk yet: estimate the rows from it */
        tokenizer t; /* the last chunk's, for fill_prefixes */
};

static void state_free(par__csv_parser *st)
{
        for (size_t k = 0; st->ps.cols && k < st->ps.nkept; k++)
                colbuild_free(&st->ps.cols[k]);
        par__free(st->ps.cols);
        par__free(st->ps.scratch);
        par__free(st->slot);
        par__free(st->idx);
}

static int state_init(par__csv_parser *st, const par__csv_parse *opts, par_error *err)
{
        memset(st, 0, sizeof *st);
        if (!opts || (opts->ncols && !opts->names))
                return par__errorf(err, PAR_EINVAL, "csv: invalid arguments");
        st->o = *opts;
        const char delim = opts->fmt.delim, quote = opts->fmt.quote;
        if (delim == quote || delim == '\n' || quote == '\n' || delim == '\r' ||
            quote == '\r')
                return par__errorf(err, PAR_EINVAL,
                                   "%s: invalid CSV format (delimiter %d, quote %d)",
                                   display_name(opts->name), delim, quote);
        const size_t ncols = opts->ncols;
        if (ncols > INT32_MAX)
                return par__errorf(err, PAR_EINVAL, "%s: too many columns",
                                   display_name(opts->name));
        for (size_t j = 0; opts->dtypes && j < ncols; j++)
                if (opts->dtypes[j] < PAR_DTYPE_NONE || opts->dtypes[j] > PAR_DTYPE_STRING)
                        return par__errorf(err, PAR_EINVAL,
                                           "%s: cannot parse column %s as %s",
                                           display_name(opts->name), opts->names[j],
                                           par_dtype_name(opts->dtypes[j]));
        st->ps = (parser){.o = &st->o, .quote = quote};
        st->first = true;
        st->slot = par__malloc((ncols ? ncols : 1) * sizeof *st->slot);
        size_t nkept = 0;
        for (size_t j = 0; st->slot && j < ncols; j++)
                st->slot[j] = !opts->keep || opts->keep[j] ? (int32_t)nkept++ : -1;
        st->ps.nkept = nkept;
        st->ps.cols = par__calloc(nkept ? nkept : 1, sizeof *st->ps.cols);
        /* Index of about 16k fields (256 KiB) per chunk. */
        size_t cap = nkept ? 16384 / nkept : 16384;
        if (cap < 4)
                cap = 4;
        st->cap = cap;
        st->idx = par__malloc((nkept ? nkept : 1) * cap * sizeof *st->idx);
        if (!st->slot || !st->ps.cols || !st->idx)
                goto nomem;
        for (size_t j = 0, k = 0; j < ncols; j++) {
                if (st->slot[j] < 0)
                        continue;
                colbuild *c = &st->ps.cols[k++];
                par_dtype dt = opts->dtypes ? opts->dtypes[j] : PAR_DTYPE_NONE;
                c->src = j;
                c->fixed = dt != PAR_DTYPE_NONE;
                c->kind = dt == PAR_DTYPE_FLOAT64  ? K_FLOAT
                          : dt == PAR_DTYPE_BOOL   ? K_BOOL
                          : dt == PAR_DTYPE_STRING ? K_STR
                                                   : K_INT;
                if (c->kind == K_STR) {
                        c->offs = par__malloc(sizeof *c->offs);
                        if (!c->offs)
                                goto nomem;
                        c->offs[0] = 0;
                }
        }
        st->t = (tokenizer){.delim = delim, .quote = quote, .ncols = ncols,
                            .slot = st->slot, .idx = st->idx, .cap = cap};
        return 0;
nomem:
        state_free(st);
        memset(st, 0, sizeof *st);
        return PAR__ENOMEM(err, "parsing CSV");
}

/* Parses the whole rows of buf[0..n) after those parsed so far; `total`
 * is the expected length of all the text (sizes the columns). In stream
 * mode (earlier text gone) anything that needs it — an error, whose
 * message counts lines from the start, or a column that turns string
 * after its first rows — returns 1 instead. */
static int state_feed(par__csv_parser *st, const char *buf, size_t n, size_t total,
                      bool stream, par_error *err)
{
        parser *ps = &st->ps;
        tokenizer *t = &st->t;
        const size_t nkept = ps->nkept, cap = st->cap;
        int rc;
        ps->buf = buf;
        t->buf = buf;
        t->n = n;
        if (total < n)
                total = n;
        size_t pos = 0;
        while (pos < n) {
                tokenize(t, pos);
                size_t R = t->rows;
                size_t need = st->rows + R;
                if (st->first && R && (t->next < n || total > n)) {
                        /* Estimate the rows of the text from the first
                         * chunk; at most one per ncols bytes. */
                        double per_row = (double)(t->next - pos) / (double)R;
                        double est = (double)total / per_row * 1.03 + 16;
                        double most = (double)total / (double)(t->ncols ? t->ncols : 1) + 16;
                        if (est > most)
                                est = most;
                        if (est > (double)need)
                                need = (size_t)est;
                }
                st->first = false;
                if (nkept && (ensure_rows(ps, need) < 0 ||
                              ensure_scratch(ps, t->max_qlen) < 0))
                        return PAR__ENOMEM(err, "parsing CSV");
                for (size_t k = 0; k < nkept; k++) {
                        rc = convert_col(ps, &ps->cols[k], st->idx + k * cap, R, st->rows);
                        if (rc < 0)
                                return PAR__ENOMEM(err, "parsing CSV");
                }
                /* The earliest type error of the chunk. */
                colbuild *bad = NULL;
                for (size_t k = 0; k < nkept; k++) {
                        colbuild *c = &ps->cols[k];
                        if (c->failed && (!bad || c->err_row < bad->err_row))
                                bad = c;
                        if (stream && c->kind == K_STR && c->str_from > 0)
                                return 1;
                }
                if (bad) {
                        if (stream)
                                return 1;
                        return type_error(ps, bad,
                                          st->idx[(size_t)(bad - ps->cols) * cap + bad->err_row],
                                          err);
                }
                if (t->err) {
                        if (stream)
                                return 1;
                        return tok_error(ps, t, err);
                }
                st->rows += R;
                ps->rows_done = st->rows;
                if (t->next >= n || t->next <= pos)
                        break;
                pos = t->next;
        }
        return 0;
}

static int state_finish(par__csv_parser *st, par_value **out, par_error *err)
{
        parser *ps = &st->ps;
        const size_t nkept = ps->nkept;
        /* Text without rows allocated nothing yet. */
        if (nkept && ensure_rows(ps, st->rows) < 0)
                return PAR__ENOMEM(err, "parsing CSV");
        int rc = fill_prefixes(ps, &st->t);
        if (rc == PAR_ENOMEM)
                return PAR__ENOMEM(err, "parsing CSV");
        if (rc < 0)
                return par__errorf(err, rc, "%s: CSV rows changed while parsing",
                                   display_name(st->o.name));
        par_value **colv = par__calloc(nkept ? nkept : 1, sizeof *colv);
        const char **names = par__calloc(nkept ? nkept : 1, sizeof *names);
        rc = PAR_ENOMEM;
        if (!colv || !names)
                goto done;
        for (size_t k = 0; k < nkept; k++) {
                const char *nm = st->o.names[ps->cols[k].src];
                names[k] = nm ? nm : "";
                colv[k] = finish_col(ps, &ps->cols[k], st->rows);
                if (!colv[k])
                        goto done;
        }
        *out = par_table_new(nkept, names, colv);
        if (*out)
                rc = 0;
done:
        for (size_t k = 0; colv && k < nkept; k++)
                par_value_release(colv[k]);
        par__free(colv);
        par__free(names);
        return rc == PAR_ENOMEM ? PAR__ENOMEM(err, "parsing CSV") : rc;
}

int par__csv_parse_block(const char *buf, size_t n, const par__csv_parse *opts,
                         par_value **out, par_error *err)
{
        if (out)
                *out = NULL;
        if (!opts || !out || (n && !buf) || (opts->ncols && !opts->names))
                return par__errorf(err, PAR_EINVAL, "csv: invalid arguments");
        par__csv_parser st;
        int rc = state_init(&st, opts, err);
        if (rc < 0)
                return rc;
        rc = state_feed(&st, buf, n, n, false, err);
        if (rc == 0)
                rc = state_finish(&st, out, err);
        state_free(&st);
        return rc;
}

int par__csv_parser_new(const par__csv_parse *opts, par__csv_parser **out,
                        par_error *err)
{
        if (!out)
                return par__errorf(err, PAR_EINVAL, "csv: invalid arguments");
        *out = par__malloc(sizeof **out);
        if (!*out)
                return PAR__ENOMEM(err, "parsing CSV");
        int rc = state_init(*out, opts, err);
        if (rc < 0) {
                par__free(*out);
                *out = NULL;
        }
        return rc;
}

int par__csv_parser_feed(par__csv_parser *p, const char *buf, size_t n,
                         size_t total, par_error *err)
{
        if (!p || (n && !buf))
                return par__errorf(err, PAR_EINVAL, "csv: invalid arguments");
        return n ? state_feed(p, buf, n, total, true, err) : 0;
}

int par__csv_parser_finish(par__csv_parser *p, par_value **out, par_error *err)
{
        if (out)
                *out = NULL;
        if (!p || !out)
                return par__errorf(err, PAR_EINVAL, "csv: invalid arguments");
        p->ps.buf = NULL;
        return state_finish(p, out, err);
}

void par__csv_parser_free(par__csv_parser *p)
{
        if (!p)
                return;
        state_free(p);
        par__free(p);
}
