#include "fetch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

/* Series go to the workers in blocks: one bulk read (one short hold of the
 * store's lock, one SQLite transaction) per block, and enough blocks that
 * every worker keeps busy. */
#define BLOCK 128
/* Series of block b (of ids->n): its first index, and how many (BLOCK but the last). */
static size_t block_span(const tm_ids *ids, size_t b, size_t *lo) {
    *lo = b * BLOCK;
    return ids->n - *lo < BLOCK ? ids->n - *lo : BLOCK;
}

static size_t nblocks(size_t n) { return (n + BLOCK - 1) / BLOCK; }

typedef struct {
    const tm_ids *ids;
    int64_t from, until;
    tm_cols *cols;
} cols_job;

/* staleness markers out of a number series' samples */
static void drop_markers(tm_cols *c) {
    size_t w = 0;
    for (size_t k = 0; k < c->n; k++) {
        if (tm_is_stale(c->v[k])) continue;
        c->ts[w] = c->ts[k];
        c->v[w++] = c->v[k];
    }
    c->n = w;
}

static void cols_block(tm_query *q, tm_reader *rd, size_t b, void *arg) {
    cols_job *j = arg;
    size_t lo, n = block_span(j->ids, b, &lo), pts = 0;
    reader_read_many(rd, j->ids->v + lo, n, j->from, j->until, j->cols + lo);
    for (size_t i = 0; i < n; i++) {
        if (j->cols[lo + i].type == TM_NUMBER) drop_markers(&j->cols[lo + i]);
        pts += j->cols[lo + i].n;
    }
    if (query_add_points(q, pts) == 0) query_check_time(q);
}

int fetch_cols(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, tm_cols *out) {
    memset(out, 0, ids->n * sizeof *out);
    if (query_check_series(q, ids->n)) return -1;
    cols_job j = {ids, from, until, out};
    query_parallel(q, nblocks(ids->n), cols_block, &j);
    return query_failed(q) ? -1 : 0;
}

/* fetch_raw: each block reads into its own run, and the series point into
 * it (copying them end to end would cost as much again as the read). */
typedef struct {
    const tm_ids *ids;
    int64_t from, until;
    tm_run *runs;   /* one per block */
    size_t *at;     /* per series, within its block's run */
    size_t *len;
} raw_job;

static void raw_block(tm_query *q, tm_reader *rd, size_t b, void *arg) {
    raw_job *j = arg;
    size_t lo, n = block_span(j->ids, b, &lo);
    reader_read_run(rd, j->ids->v + lo, n, j->from, j->until, &j->runs[b], j->at + lo, j->len + lo);
    if (query_add_points(q, j->runs[b].n) == 0) query_check_time(q);
}

int fetch_raw(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, tm_raw *out) {
    memset(out, 0, sizeof *out);
    if (query_check_series(q, ids->n)) return -1;
    size_t nb = nblocks(ids->n), n = ids->n;
    out->runs = xcalloc(nb ? nb : 1, sizeof(tm_run));
    out->nruns = nb;
    out->len = xcalloc(n ? n : 1, sizeof(size_t));
    size_t *at = xcalloc(n ? n : 1, sizeof(size_t));
    raw_job j = {ids, from, until, out->runs, at, out->len};
    query_parallel(q, nb, raw_block, &j);
    for (size_t b = 0; b < nb; b++) out->points += out->runs[b].n;
    out->n = n;
    out->ids = xmalloc((n ? n : 1) * sizeof *out->ids);
    out->ts = xmalloc((n ? n : 1) * sizeof *out->ts);
    out->v = xmalloc((n ? n : 1) * sizeof *out->v);
    for (size_t i = 0; i < n; i++) {
        const tm_run *r = &out->runs[i / BLOCK];
        out->ids[i] = ids->v[i];
        out->ts[i] = out->len[i] ? r->ts + at[i] : NULL;
        out->v[i] = out->len[i] ? r->v + at[i] : NULL;
    }
    free(at);
    if (!query_failed(q)) return 0;
    raw_free(q, out);
    return -1;
}

static int read_any(tm_query *q, uint32_t id, int64_t from, int64_t until) {
    tm_cols c;
    if (from > until || !reader_read(q->rd, id, from, until, &c)) return 0;
    int any = c.n > 0;
    cols_free(&c);
    return any;
}

#define ANY_SLICE (3600 * 1000) /* read first: the range's last hour */

int fetch_any(tm_query *q, uint32_t id, int64_t from, int64_t until) {
    tm_series_info in;
    if (!reader_get(q->rd, id, &in) || in.last_ts == INT64_MIN || in.last_ts < from) return 0;
    if (in.last_ts <= until) return 1; /* its newest sample is in the range */
    /* a series still going now most likely went on through the range's end:
     * its last hour settles it without reading a long range whole */
    int64_t mid = until > INT64_MIN + ANY_SLICE && from < until - ANY_SLICE ? until - ANY_SLICE : from;
    return read_any(q, id, mid, until) || (mid > from && read_any(q, id, from, mid - 1));
}

void raw_free(tm_query *q, tm_raw *r) {
    if (q) query_release_points(q, r->points);
    for (size_t b = 0; b < r->nruns; b++) run_free(&r->runs[b]);
    free(r->runs);
    free(r->ids);
    free(r->ts);
    free(r->v);
    free(r->len);
    memset(r, 0, sizeof *r);
}

typedef struct {
    const tm_ids *ids;
    int64_t start, step;
    size_t n;
    int agg;
    tm_gser *out; /* ids->n series, preallocated */
} grid_job;

double bucket_value(const tm_cols *c, size_t k, int agg) {
    switch (agg) {
    case AGG_MIN: return c->v[k];
    case AGG_MAX: return c->v2[k];
    case AGG_SUM: return c->sum[k];
    case AGG_COUNT: return c->cnt[k];
    case AGG_LAST: return c->last[k];
    case AGG_RANGE: return c->v2[k] - c->v[k];
    default: return c->cnt[k] ? c->sum[k] / c->cnt[k] : NAN;
    }
}

/* Fold samples (sorted, inside the grid) straight into the grid (the
 * head's fast road); NaN is a gap. */
static void fold_samples(const grid_job *j, tm_gser *g, const int64_t *ts, const double *v, long n) {
    double *cnt = j->agg == AGG_AVG || j->agg == AGG_COUNT ? xcalloc(j->n, sizeof *cnt) : NULL;
    /* samples come sorted: the slot moves on by steps, no division per sample */
    size_t at = n ? (size_t)((ts[0] - j->start) / j->step) : 0;
    int64_t next = j->start + (int64_t)(at + 1) * j->step;
    for (long k = 0; k < n; k++) {
        if (ts[k] >= next) { /* the next slot, or (past a gap) one division */
            at = ts[k] < next + j->step ? at + 1 : (size_t)((ts[k] - j->start) / j->step);
            next = j->start + (int64_t)(at + 1) * j->step;
        }
        if (isnan(v[k])) continue;
        double *o = &g->v[at];
        int first = isnan(*o);
        switch (j->agg) {
        case AGG_LAST: *o = v[k]; break;
        case AGG_MIN: *o = first || v[k] < *o ? v[k] : *o; break;
        case AGG_MAX: *o = first || v[k] > *o ? v[k] : *o; break;
        case AGG_SUM: *o = first ? v[k] : *o + v[k]; break;
        default: *o = first ? v[k] : *o + v[k]; cnt[at]++; break; /* avg and count: sums, divided below */
        }
    }
    for (size_t at = 0; cnt && at < j->n; at++)
        if (cnt[at]) g->v[at] = j->agg == AGG_COUNT ? cnt[at] : g->v[at] / cnt[at];
    free(cnt);
}

/* A series the heads could not answer, through its buckets. */
static void grid_buckets(const grid_job *j, tm_reader *rd, size_t i) {
    tm_cols c;
    int64_t until = j->start + (int64_t)j->n * j->step - 1;
    if (!reader_buckets(rd, j->ids->v[i], j->start, until, j->step, &c)) return;
    for (size_t k = 0; k < c.n; k++) {
        int64_t at = (c.ts[k] - j->start) / j->step;
        if (at >= 0 && (size_t)at < j->n) j->out[i].v[at] = bucket_value(&c, k, j->agg);
    }
    cols_free(&c);
}

typedef struct {
    const grid_job *j;
    size_t lo;
} grid_head;

static void grid_fold(void *arg, size_t k, const int64_t *ts, const double *v, size_t n) {
    grid_head *h = arg;
    fold_samples(h->j, &h->j->out[h->lo + k], ts, v, (long)n);
}

static void grid_block(tm_query *q, tm_reader *rd, size_t b, void *arg) {
    grid_job *j = arg;
    size_t lo, n = block_span(j->ids, b, &lo);
    uint8_t unread[BLOCK];
    int64_t until = j->start + (int64_t)j->n * j->step - 1;
    if (!j->n) return;
    int simple = j->agg == AGG_LAST || j->agg == AGG_MIN || j->agg == AGG_MAX || j->agg == AGG_SUM ||
                 j->agg == AGG_AVG || j->agg == AGG_COUNT;
    grid_head h = {j, lo};
    memset(unread, 1, sizeof unread);
    if (simple) reader_heads_each(rd, j->ids->v + lo, n, j->start, until, grid_fold, &h, unread);
    for (size_t i = 0; i < n; i++) {
        if (unread[i]) grid_buckets(j, rd, lo + i);
        if (i % 16 == 15 && query_check_time(q)) break;
    }
    query_check_time(q);
}

int fetch_grid(tm_query *q, const tm_ids *ids, int64_t start, int64_t step, size_t n, int agg, tm_sset *out) {
    if (query_check_series(q, ids->n) || query_add_points(q, ids->n * n)) return -1;
    size_t first = out->n;
    for (size_t i = 0; i < ids->n; i++) {
        size_t kl;
        const char *key = index_key(q->ix, ids->v[i], &kl);
        char *k = xstrndup(key ? key : "", kl);
        char *semi = strchr(k, ';');
        char *name = xstrndup(k, semi ? (size_t)(semi - k) : kl);
        tm_gser *g = sset_add(out, k, name, start, step, n);
        g->id = ids->v[i];
        free(k);
        free(name);
    }
    grid_job j = {ids, start, step, n, agg, out->s + first};
    query_parallel(q, nblocks(ids->n), grid_block, &j);
    return query_failed(q) ? -1 : 0;
}

typedef struct {
    const tm_ids *ids;
    int64_t from, until, step;
    tm_cols *out;
} buckets_job;

static int64_t floor_step(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

/* buckets of sorted samples (the head's fast road), as store_buckets makes them */
static void bucketize(const int64_t *ts, const double *v, long n, int64_t step, tm_cols *out) {
    size_t m = 0;
    /* room for the buckets the samples span, not one per sample */
    int64_t b = n ? floor_step(ts[0], step) : 0, span = n ? (floor_step(ts[n - 1], step) - b) / step + 1 : 1;
    cols_alloc(out, TM_ROLLUP, (size_t)(span < n ? span : n ? n : 1));
    for (long k = 0; k < n; k++) {
        if (ts[k] >= b + step) b = ts[k] < b + 2 * step ? b + step : floor_step(ts[k], step); /* sorted */
        if (isnan(v[k])) continue;
        if (!m || out->ts[m - 1] != b) {
            out->ts[m] = b;
            out->v[m] = out->v2[m] = out->sum[m] = out->last[m] = v[k];
            out->cnt[m] = 1;
            out->lt[m++] = ts[k];
            continue;
        }
        size_t i = m - 1;
        out->v[i] = v[k] < out->v[i] ? v[k] : out->v[i];
        out->v2[i] = v[k] > out->v2[i] ? v[k] : out->v2[i];
        out->sum[i] += v[k];
        out->cnt[i]++;
        out->last[i] = v[k];
        out->lt[i] = ts[k];
    }
    out->n = m;
}

typedef struct {
    const buckets_job *j;
    size_t lo;
} buckets_head;

static void buckets_fold_head(void *arg, size_t k, const int64_t *ts, const double *v, size_t n) {
    buckets_head *h = arg;
    bucketize(ts, v, (long)n, h->j->step, &h->j->out[h->lo + k]);
}

static void buckets_block(tm_query *q, tm_reader *rd, size_t b, void *arg) {
    buckets_job *j = arg;
    size_t lo, n = block_span(j->ids, b, &lo), pts = 0;
    uint8_t unread[BLOCK];
    buckets_head h = {j, lo};
    reader_heads_each(rd, j->ids->v + lo, n, floor_step(j->from, j->step), j->until, buckets_fold_head, &h, unread);
    for (size_t i = 0; i < n && !query_failed(q); i++) {
        tm_cols *c = &j->out[lo + i];
        if (unread[i] && !reader_buckets(rd, j->ids->v[lo + i], j->from, j->until, j->step, c)) continue;
        if (!c->n && !c->ts) c->type = TM_ROLLUP; /* not a number series: no buckets */
        pts += c->n;
    }
    if (query_add_points(q, pts) == 0) query_check_time(q);
}

int fetch_buckets(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, int64_t step, tm_cols *out) {
    memset(out, 0, ids->n * sizeof *out);
    if (query_check_series(q, ids->n)) return -1;
    if (step <= 0) return query_fail(q, 400, "the step must be positive");
    if (until < from) return 0;
    if ((uint64_t)((until - from) / step + 1) > q->b.max_points || (until - from) / step + 1 > 10 * 1000 * 1000)
        return query_fail(q, 422, "the step makes more buckets than the max points bound: use a larger step");
    buckets_job j = {ids, from, until, step, out};
    query_parallel(q, nblocks(ids->n), buckets_block, &j);
    return query_failed(q) ? -1 : 0;
}

int fetch_fold(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, int64_t step, tm_cols *out) {
    memset(out, 0, sizeof *out);
    out->type = TM_ROLLUP;
    tm_cols *per = xcalloc(ids->n ? ids->n : 1, sizeof *per);
    int rc = fetch_buckets(q, ids, from, until, step, per);
    /* one dense run of buckets, merged in series order (as buckets_fold
     * orders equal starts), then the non-empty ones */
    int64_t b0 = floor_step(from, step);
    size_t nb = rc || until < from ? 0 : (size_t)((until - b0) / step + 1);
    tm_bucket *acc = xcalloc(nb ? nb : 1, sizeof *acc);
    for (size_t i = 0; i < ids->n; i++) {
        const tm_cols *c = &per[i];
        for (size_t k = 0; k < c->n && nb; k++) {
            int64_t at = (c->ts[k] - b0) / step;
            if (at < 0 || (size_t)at >= nb) continue;
            tm_bucket b = {c->ts[k], c->v[k], c->v2[k], c->sum[k], c->cnt[k], c->last[k], c->lt[k]};
            if (!acc[at].cnt) acc[at] = b;
            else bucket_merge(&acc[at], &b);
        }
        cols_free(&per[i]);
    }
    free(per);
    size_t m = 0;
    for (size_t k = 0; k < nb; k++) m += acc[k].cnt > 0;
    cols_alloc(out, TM_ROLLUP, m ? m : 1);
    m = 0;
    for (size_t k = 0; k < nb; k++) {
        if (!acc[k].cnt) continue;
        out->ts[m] = acc[k].ts;
        out->v[m] = acc[k].min;
        out->v2[m] = acc[k].max;
        out->sum[m] = acc[k].sum;
        out->cnt[m] = acc[k].cnt;
        out->last[m] = acc[k].last;
        out->lt[m++] = acc[k].lt;
    }
    out->n = m;
    free(acc);
    return rc;
}
