/* chunk.h — a run of one series' samples as one self-describing blob.
 *
 * Layout: uvarint count, type byte (| 0x80: the first time is coded from the
 * row's start, chunk format 2), timestamp column, then the value columns
 * of the type (number: one float column; location: lat and lon float
 * columns; string: uvarint lengths then the bytes, zstd-compressed when that
 * is smaller). A rollup block is the same with five float columns per bucket:
 * min, max, sum, count, last, then the time of the last sample as integer
 * offsets from the bucket start. Samples must be sorted by time, one per time
 * (the store's rule; the codec itself round-trips any order).
 * At most 2^22 entries per blob: decoding refuses larger counts. */
#ifndef TM_CHUNK_H
#define TM_CHUNK_H
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"

typedef struct {
    int type;       /* enum tm_type; TM_ROLLUP for rollup blocks */
    size_t n;
    int64_t *ts;
    double *v;      /* number, lat, or rollup min */
    double *v2;     /* lon, or rollup max */
    double *sum, *cnt, *last; /* rollups only */
    int64_t *lt;    /* rollups: time of each bucket's last sample, so merges keep the latest */
    char **str;     /* strings, NUL-terminated, each its own heap block
                       (owned: cols_free frees them); NULL encodes as "" */
} tm_cols;

#define TM_ROLLUP 7

/* Append the encoding of c to out. */
void chunk_encode(const tm_cols *c, tm_buf *out);
/* The same with its first time coded from start (the row's start column,
 * which the reader passes back to chunk_decode_at): 5 bytes less a chunk. */
void chunk_encode_at(const tm_cols *c, int64_t start, tm_buf *out);
/* Decode a blob into c (arrays allocated; release with cols_free).
 * Returns 1, or 0 for a malformed blob (c is then empty). The blob must be
 * exactly one chunk: trailing bytes make it malformed. chunk_decode is
 * chunk_decode_at with start 0 (blobs of chunk_encode need none). */
int chunk_decode(const uint8_t *p, size_t len, tm_cols *c);
int chunk_decode_at(const uint8_t *p, size_t len, int64_t start, tm_cols *c);

/* A chunk with the same times as another (pack.h): its type byte and value
 * columns only. chunk_decode_values gives it those times (copied from
 * times, which chunk_decode_times reads from a whole chunk without its
 * values: c->type, c->n and c->ts). Same returns and bounds as above. */
void chunk_encode_values(const tm_cols *c, tm_buf *out);
int chunk_decode_times(const uint8_t *p, size_t len, int64_t start, tm_cols *c);
int chunk_decode_values(const uint8_t *p, size_t len, const tm_cols *times, tm_cols *c);

/* Allocate arrays for n entries of type (columns the type needs, others NULL),
 * zero-filled (str entries NULL). */
void cols_alloc(tm_cols *c, int type, size_t n);
/* Free the arrays and str[0..n) (so strings moved elsewhere must be NULLed
 * or n lowered first), and leave c empty. */
void cols_free(tm_cols *c);
#endif
