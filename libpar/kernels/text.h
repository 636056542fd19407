/* libpar/kernels/text.h — text kernels over byte buffers: line splitting,
 * substring and regex matching, case mapping, word splitting, gzip.
 * Pure functions on memory the caller owns; no allocation unless stated.
 * Lines end at a delimiter byte (usually '\n'), which stays part of the
 * line; a last line without a delimiter still counts. Not installed. */
#ifndef PAR_KERNELS_TEXT_H
#define PAR_KERNELS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "par/core.h"

/* Selects the instruction set the kernels use: 0 portable C, 1 AVX2
 * where the CPU has it (the default, chosen at first use). For tests
 * that run every kernel at every level; returns the level in force. */
int par__text_set_isa(int level);

/* Number of occurrences of byte `delim` in buf[0..n). Memory speed. */
size_t par__count_byte(const char *buf, size_t n, char delim);

/* Number of lines in buf[0..n): delimiters, plus one if the last byte is
 * not a delimiter (and n > 0). */
size_t par__count_lines(const char *buf, size_t n, char delim);

/* Writes the start offset of every line of buf[0..n) to starts[0..k) and
 * starts[k] = n, where k = par__count_lines(buf, n, delim); `starts` must
 * have room for k + 1 entries. Returns k. */
size_t par__line_offsets(const char *buf, size_t n, char delim,
                         int64_t *starts);

/* Number of lines of buf[0..n) that contain `needle` (nlen > 0) at least
 * once. Faster than splitting then searching: it searches the whole buffer
 * and skips to the next line after each hit. */
size_t par__count_lines_containing(const char *buf, size_t n, char delim,
                                   const char *needle, size_t nlen);

/* Where needle occurs in hay[0..n), or NULL. */
const char *par__find(const char *hay, size_t n, const char *needle,
                      size_t nlen);

/* ASCII case mapping and whitespace stripping of one string; out must have
 * room for n bytes; returns the output length. (UTF-8 bytes >= 0x80 are
 * copied unchanged.) */
size_t par__ascii_lower(const char *s, size_t n, char *out);
size_t par__ascii_upper(const char *s, size_t n, char *out);
/* Strips leading and trailing ASCII whitespace (space, \t, \n, \v, \f,
 * \r): sets *start to the offset of the first kept byte, returns the kept
 * length. */
size_t par__strip(const char *s, size_t n, size_t *start);

/* Calls fn(ctx, word, len) for each maximal run of non-whitespace bytes in
 * s[0..n) (Python's str.split() with no argument). Returns the number of
 * words. */
size_t par__split_words(const char *s, size_t n,
                        void (*fn)(void *ctx, const char *w, size_t len),
                        void *ctx);

/* A compiled regular expression (PCRE2, UTF-8, JIT-compiled when
 * available). par__regex_new returns 0 or PAR_EINVAL with the pattern,
 * the offset and PCRE2's message in err ("regex 'a(b': missing closing
 * parenthesis at offset 3"), or PAR_ENOTSUP if built without PCRE2. */
typedef struct par__regex par__regex;
int par__regex_new(const char *pattern, size_t len, par__regex **out,
                   par_error *err);
void par__regex_free(par__regex *re);
/* True if the pattern matches anywhere in s[0..n) (search, as Python's
 * re.search). A regex may be used by one thread at a time; use
 * par__regex_clone for others. */
bool par__regex_search(par__regex *re, const char *s, size_t n);
int par__regex_clone(const par__regex *re, par__regex **out, par_error *err);

/* Decompresses a whole gzip file (possibly several concatenated members)
 * held in in[0..n) into a new buffer (*out, allocated with par__malloc,
 * freed by the caller with par__free) of *outlen bytes. `name` is used in
 * messages. Errors: PAR_EPARSE ("name: not gzip data" / "corrupt gzip
 * data at byte N" / "truncated"), PAR_ENOMEM, PAR_ENOTSUP without zlib. */
int par__gunzip(const char *name, const void *in, size_t n, char **out,
                size_t *outlen, par_error *err);

#endif
