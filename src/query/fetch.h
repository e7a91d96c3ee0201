/* fetch.h — stored data of many series over one range, read once, in bulk,
 * spread over the workers (query_parallel), counted against the points bound.
 *
 * fetch_raw: raw samples of number series in [from, until] into flat
 * columns: series k's samples are ts[off[k]..off[k+1]) and v[...], oldest
 * first, one per timestamp (ms). Data held only as rollups appears as each
 * bucket's last value at its start (store_read's rule). For PromQL's range
 * windows and lookback.
 *
 * fetch_grid: each series on the grid (start, step, n): point i holds agg of
 * the samples in [start + i*step, start + (i+1)*step), NaN when none. start
 * must be a multiple of step. The store folds rollup buckets and raw samples
 * (store_buckets), so a coarse step reads the archives, not every sample. */
#ifndef TM_FETCH_H
#define TM_FETCH_H
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "grid.h"
#include "ids.h"

typedef struct {
    size_t n;       /* series */
    uint32_t *ids;  /* n */
    size_t *off;    /* n + 1 */
    int64_t *ts;
    double *v;
} tm_raw;

int fetch_raw(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, tm_raw *out);
void raw_free(tm_query *q, tm_raw *r); /* also gives its points back to the bound */

/* Appends one series per id to out (key, name = the series' name; id set). */
int fetch_grid(tm_query *q, const tm_ids *ids, int64_t start, int64_t step, size_t n, int agg, tm_sset *out);
#endif
