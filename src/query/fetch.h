/* fetch.h — stored data of many series over one range, read once, in bulk,
 * spread over the workers (query_parallel), counted against the points bound.
 *
 * fetch_raw: raw samples of number series in [from, until], series k's
 * oldest first, one per timestamp (ms). Data held only as rollups appears as each
 * bucket's last value at its start (store_read's rule). For PromQL's range
 * windows and lookback, so staleness markers (tm_is_stale) are kept here;
 * fetch_cols leaves them out, and the grid and bucket roads skip them as
 * they skip every NaN.
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

/* Series k's samples are ts[k][0..len[k]) and v[k][...]: pointers into the
 * runs the blocks were read into (nothing is copied after the read). */
typedef struct {
    size_t n;        /* series */
    uint32_t *ids;   /* n */
    int64_t **ts;    /* n */
    double **v;      /* n */
    size_t *len;     /* n */
    size_t points;   /* in all, counted against the bound until raw_free */
    tm_run *runs;    /* what the pointers point into */
    size_t nruns;
} tm_raw;

/* Samples of any type, each series its own run (out[k] for ids->v[k];
 * empty for a missing series); counted against the points bound. */
int fetch_cols(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, tm_cols *out);
int fetch_raw(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, tm_raw *out);
void raw_free(tm_query *q, tm_raw *r); /* also gives its points back to the bound (q NULL: not) */
/* Has series id any sample in [from, until]? From its newest sample's time
 * alone where that settles it (the common case: a range ending now), else
 * by reading the range. On the calling worker's reader. */
int fetch_any(tm_query *q, uint32_t id, int64_t from, int64_t until);

/* Buckets (min, max, sum, count, last; TM_ROLLUP columns, one per
 * non-empty bucket, ts = bucket start) of step ms over [from, until]:
 * fetch_buckets gives each series its own run (out[k] for ids->v[k]; alerts
 * take "agg over the last duration, per series" from it with step = the
 * duration), fetch_fold folds every series' buckets into one run (an avg
 * is then over all their samples, not an average of averages). */
int fetch_buckets(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, int64_t step, tm_cols *out);
int fetch_fold(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, int64_t step, tm_cols *out);
/* One bucket's value by an aggregate (AGG_AVG, MIN, MAX, SUM, COUNT, LAST, RANGE). */
double bucket_value(const tm_cols *c, size_t k, int agg);

/* Appends one series per id to out (key, name = the series' name; id set). */
int fetch_grid(tm_query *q, const tm_ids *ids, int64_t start, int64_t step, size_t n, int agg, tm_sset *out);
#endif
