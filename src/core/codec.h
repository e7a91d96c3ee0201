/* codec.h — column codecs of the time-series core.
 *
 * Three columns make every chunk and rollup block:
 *  - integers: zigzag values bit-packed in blocks of 32 at the block's widest
 *    value; a block that is mostly zero is stored as a 32-bit bitmap plus its
 *    non-zero values, whichever is smaller. An all-zero block costs one byte,
 *    and so does a run of up to 64 of them.
 *  - timestamps (ms): first value (from a base), first delta, then
 *    delta-of-delta as integers.
 *    Regular timestamps cost one byte per 2048 samples. Deltas wrap modulo
 *    2^64, so any int64 sequence round-trips (sorted or not).
 *  - floats: when every value is a decimal with at most 15 significant digits
 *    and a shared exponent (21.5, 0.75, 4461), int64 mantissas coded as deltas
 *    or delta-of-deltas (whichever is smaller); otherwise Gorilla XOR
 *    (NaN, ±Inf, -0.0 and every bit pattern round-trip exactly).
 * Every decode checks bounds and returns 0 on malformed input, never reading
 * past end; they are fuzzed. Encoders append to a tm_buf; n is not stored,
 * the caller passes the same n to decode (n = 0 writes nothing). On success
 * decoders advance *p past exactly what the encoder wrote. The byte layouts
 * are described at the top of codec.c. */
#ifndef TM_CODEC_H
#define TM_CODEC_H
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"

void ints_encode(const int64_t *x, size_t n, tm_buf *out);
int ints_decode(const uint8_t **p, const uint8_t *end, int64_t *x, size_t n);

/* The first time is coded as ts[0] - base (a chunk's row holds its start). */
void ts_encode(const int64_t *ts, size_t n, int64_t base, tm_buf *out);
int ts_decode(const uint8_t **p, const uint8_t *end, int64_t *ts, size_t n, int64_t base);

void floats_encode(const double *v, size_t n, tm_buf *out);
int floats_decode(const uint8_t **p, const uint8_t *end, double *v, size_t n);

/* Gorilla XOR alone (used by floats_* as its fallback). */
void gorilla_encode(const double *v, size_t n, tm_buf *out);
int gorilla_decode(const uint8_t **p, const uint8_t *end, double *v, size_t n);

/* Smallest number of decimals d (0..15) with v == m / 10^d exactly for an
 * integer m, |m| < 2^53 (exactly: (double)m / 1e<d> is v bit for bit, which
 * is what the decoder computes); -1 when there is none (NaN, Inf, -0.0, 1/3,
 * 0.1 + 0.2...). */
int decimal_digits(double v);
#endif
