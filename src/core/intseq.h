/* intseq.h — integer streams of the column codecs (codec.c): m int64
 * values (as wrapped uint64) in whichever of three layouts is smallest:
 * 32-value bit-packed blocks (chunk format 1's only layout, still read and
 * written), one range for the whole stream in truncated binary (uniform
 * noise costs log2 of its range, not the next whole bit), or a base value
 * with sparse exceptions at Rice-coded gaps (series that rarely change).
 * No stream holds more than 2048 values a byte. The layouts are described
 * at the top of intseq.c. Decoding checks bounds,
 * never reads past end and returns 0 on malformed input. */
#ifndef TM_INTSEQ_H
#define TM_INTSEQ_H
#include <stddef.h>
#include <stdint.h>

#include "bitio.h"

/* layouts: their first byte (blocks have none of their own) */
enum { ISEQ_BLOCKS = 0, ISEQ_RANGE = 0xc1, ISEQ_SPARSE = 0xc2 };

typedef struct {
    int layout;
    size_t bits;           /* the size the plan was chosen by (exact for blocks) */
    uint64_t lo, base;     /* range: smallest value; sparse: the base value */
    uint64_t ebase;        /* sparse: exceptions are coded around it */
    unsigned k, kr, we;    /* range: floor(log2(range)); sparse: Rice parameter, exception width */
    uint64_t range, count; /* range: hi - lo + 1; sparse: exceptions */
} iseq_plan;

/* d[0..n-order) = the order-th difference (0, 1 or 2) of x[0..n), wrapped. */
void iseq_diff(const int64_t *x, size_t n, int order, uint64_t *d);
/* Choose the smallest layout for d[0..m); returns its size in bits. plain:
 * d are values, not differences (worth a majority vote for a sparse base
 * other than zero). */
size_t iseq_plan_for(const uint64_t *d, size_t m, int plain, iseq_plan *pl);
/* Write d[0..m) as planned (m = 0 writes nothing). */
void iseq_put(bitw *bw, const uint64_t *d, size_t m, const iseq_plan *pl);
/* Read m values from *p and integrate them order times from cur and delta,
 * writing int64s to xo, or cur / 10^e as doubles to vo (e <= 15). On success
 * *p moves past the stream (to the byte after its last bit). */
int iseq_decode(const uint8_t **p, const uint8_t *end, size_t m, int order, uint64_t cur, uint64_t delta,
                int64_t *xo, double *vo, unsigned e);
/* 10^e for e = 0..15, exact doubles */
extern const double iseq_p10[16];
#endif
