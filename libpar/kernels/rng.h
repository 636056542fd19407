/* libpar/kernels/rng.h — counter-based random streams.
 *
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as
 * easy as 1, 2, 3", SC 2011): the output is a pure function of (key,
 * counter), so any element of any stream can be computed directly. A
 * stream is (seed, stream id); element i of a stream is the same whatever
 * thread, executor or process computes it, and whatever the chunking of
 * the fill calls. Partitions of a collection use stream = partition index,
 * so every partition has an independent, reproducible stream from one
 * seed. Not installed. */
#ifndef PAR_KERNELS_RNG_H
#define PAR_KERNELS_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Fills out[0..n) with elements [offset, offset + n) of the stream
 * (seed, stream) of the named distribution. Each function is a pure
 * function of its arguments (bit-identical results for the same
 * arguments, on any thread, in any order of calls), and
 * fill(off, n1) followed by fill(off + n1, n2) equals fill(off, n1 + n2).
 * They never fail. */

/* Uniform doubles in [0, 1) with 53 random bits each. */
void par__rng_uniform(uint64_t seed, uint64_t stream, uint64_t offset,
                      double *out, size_t n);

/* Uniform doubles in [lo, hi). */
void par__rng_uniform_range(uint64_t seed, uint64_t stream, uint64_t offset,
                            double lo, double hi, double *out, size_t n);

/* Normal (Gaussian) doubles with the given mean and standard deviation. */
void par__rng_normal(uint64_t seed, uint64_t stream, uint64_t offset,
                     double mean, double sd, double *out, size_t n);

/* Integers uniform in [lo, hi) without modulo bias (hi > lo). */
void par__rng_integers(uint64_t seed, uint64_t stream, uint64_t offset,
                       int64_t lo, int64_t hi, int64_t *out, size_t n);

/* The raw generator: one Philox4x32-10 block for counter `ctr` (128 bits
 * as two 64-bit halves) under key `key`: four 32-bit outputs. */
void par__philox4x32_10(uint64_t key, uint64_t ctr_lo, uint64_t ctr_hi,
                        uint32_t out[4]);

#endif
