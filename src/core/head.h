/* head.h — a series' open chunk, encoded in memory as it fills.
 *
 * A head holds the samples of one series in arrival order (not necessarily
 * sorted) until the store closes it into a chunk. Raw, a sample costs 16
 * bytes; here it costs about 3: the value as the change of its decimal
 * digits when it has at most four decimals (integers, gauges with two
 * decimals), else as the XOR with the previous value trimmed of zero bytes,
 * and the time as the change of its step from the previous one, which costs
 * nothing when the step is regular. Locations add their second coordinate
 * raw; strings add their length and bytes. The allocation grows by half as
 * it fills: six regular samples fit a 64-byte block with the header.
 * Decoding gives back every sample bit for bit (NaN payloads, -0.0). */
#ifndef TM_HEAD_H
#define TM_HEAD_H
#include <stddef.h>
#include <stdint.h>

#include "chunk.h"

typedef struct tm_head { /* 32 bytes, then the data */
    int64_t first_ts;   /* of the first sample appended */
    double prev_v;      /* the last appended value (number, or a location's first coordinate) */
    int32_t prev_off;   /* the last appended time, from first_ts */
    int32_t prev_step;  /* and its step from the one before */
    uint32_t len;       /* bytes of data */
    uint16_t n;         /* samples */
    uint8_t size;       /* allocation class (head.c) */
    uint8_t data[];
} tm_head;

/* Append one sample to *h (NULL: a new head), growing it as needed. str is
 * the value of a string series (slen bytes), v2 a location's second one.
 * Every time of a head must lie within 2^31 ms of its first (the store
 * closes heads long before: HEAD_SPAN). */
void head_append(tm_head **h, int type, int64_t ts, double v, double v2, const char *str, size_t slen);
/* Every sample, in arrival order, into c (allocated; cols_free). */
void head_decode(const tm_head *h, int type, tm_cols *c);
/* A number series' head into ts and v (room for h->n each): the bulk
 * reads' road, into buffers they reuse series after series. */
void head_decode_numbers(const tm_head *h, int64_t *ts, double *v);
#endif
