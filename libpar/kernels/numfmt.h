/* libpar/kernels/numfmt.h — numbers to text and back, exactly and fast.
 *
 * Doubles are written in the shortest form that reads back to the same
 * bits, in Python's repr layout (which pandas' to_csv uses): "0.1",
 * "123.0", "1e+16", "1e-05", "-0.0", "1.7976931348623157e+308",
 * "5e-324"; positional notation when the decimal exponent is in
 * [-4, 16), scientific otherwise; NaN and infinities as "nan", "inf",
 * "-inf". Text is parsed correctly rounded (as strtod in the C locale).
 * Not installed. */
#ifndef PAR_KERNELS_NUMFMT_H
#define PAR_KERNELS_NUMFMT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PAR__DOUBLE_MAX_CHARS 32

/* Writes x into buf (at least PAR__DOUBLE_MAX_CHARS bytes; no NUL is
 * written) and returns the number of bytes. */
size_t par__format_double(double x, char *buf);

/* Writes v in decimal into buf (at least 20 bytes; no NUL); returns the
 * number of bytes. */
size_t par__format_int64(int64_t v, char *buf);

/* Parses a double from [s, end): optional sign, digits with an optional
 * '.', an optional exponent, or "nan"/"inf"/"infinity" (any case). The
 * whole range must be the number (no spaces). Returns 0 and *out, or -1 if
 * the text is not a number. Correctly rounded; overflow gives ±inf,
 * underflow ±0 or a subnormal, as strtod. */
int par__parse_double(const char *s, const char *end, double *out);

/* Parses an int64 from [s, end): optional sign and decimal digits only.
 * Returns 0, or -1 if the text is not an integer or does not fit. */
int par__parse_int64(const char *s, const char *end, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
