#include "fetch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

typedef struct {
    const tm_ids *ids;
    int64_t from, until;
    tm_cols *cols;
} raw_job;

static void cols_one(tm_query *q, tm_reader *rd, size_t i, void *arg) {
    raw_job *j = arg;
    tm_cols *c = &j->cols[i];
    if (!reader_read(rd, j->ids->v[i], j->from, j->until, c)) return;
    if (query_add_points(q, c->n) == 0) query_check_time(q);
}

int fetch_cols(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, tm_cols *out) {
    memset(out, 0, ids->n * sizeof *out);
    if (query_check_series(q, ids->n)) return -1;
    raw_job j = {ids, from, until, out};
    query_parallel(q, ids->n, cols_one, &j);
    return query_failed(q) ? -1 : 0;
}

int fetch_raw(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, tm_raw *out) {
    memset(out, 0, sizeof *out);
    raw_job j = {ids, from, until, xcalloc(ids->n ? ids->n : 1, sizeof(tm_cols))};
    if (fetch_cols(q, ids, from, until, j.cols)) {
        for (size_t i = 0; i < ids->n; i++) cols_free(&j.cols[i]);
        free(j.cols);
        return -1;
    }
    for (size_t i = 0; i < ids->n; i++)
        if (j.cols[i].type != TM_NUMBER) { /* numbers only: a string series has nothing here */
            query_release_points(q, j.cols[i].n);
            cols_free(&j.cols[i]);
        }
    size_t total = 0;
    for (size_t i = 0; i < ids->n; i++) total += j.cols[i].n;
    out->n = ids->n;
    out->ids = xmalloc((ids->n ? ids->n : 1) * sizeof *out->ids);
    out->off = xmalloc((ids->n + 1) * sizeof *out->off);
    out->ts = xmalloc((total ? total : 1) * sizeof *out->ts);
    out->v = xmalloc((total ? total : 1) * sizeof *out->v);
    size_t at = 0;
    for (size_t i = 0; i < ids->n; i++) {
        tm_cols *c = &j.cols[i];
        out->ids[i] = ids->v[i];
        out->off[i] = at;
        if (c->n) {
            memcpy(out->ts + at, c->ts, c->n * sizeof *c->ts);
            memcpy(out->v + at, c->v, c->n * sizeof *c->v);
        }
        at += c->n;
        cols_free(c);
    }
    out->off[ids->n] = at;
    free(j.cols);
    return query_failed(q) ? -1 : 0;
}

void raw_free(tm_query *q, tm_raw *r) {
    if (q) query_release_points(q, r->off ? r->off[r->n] : 0);
    free(r->ids);
    free(r->off);
    free(r->ts);
    free(r->v);
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

static void grid_one(tm_query *q, tm_reader *rd, size_t i, void *arg) {
    grid_job *j = arg;
    tm_gser *g = &j->out[i];
    tm_cols c;
    int64_t until = j->start + (int64_t)j->n * j->step - 1;
    if (!j->n || !reader_buckets(rd, j->ids->v[i], j->start, until, j->step, &c)) return;
    for (size_t k = 0; k < c.n; k++) {
        int64_t at = (c.ts[k] - j->start) / j->step;
        if (at >= 0 && (size_t)at < j->n) g->v[at] = bucket_value(&c, k, j->agg);
    }
    cols_free(&c);
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
    query_parallel(q, ids->n, grid_one, &j);
    return query_failed(q) ? -1 : 0;
}

typedef struct {
    const tm_ids *ids;
    int64_t from, until, step;
    tm_cols *out;
} buckets_job;

static void buckets_one(tm_query *q, tm_reader *rd, size_t i, void *arg) {
    buckets_job *j = arg;
    if (!reader_buckets(rd, j->ids->v[i], j->from, j->until, j->step, &j->out[i])) return;
    if (query_add_points(q, j->out[i].n) == 0) query_check_time(q);
}

int fetch_buckets(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, int64_t step, tm_cols *out) {
    memset(out, 0, ids->n * sizeof *out);
    if (query_check_series(q, ids->n)) return -1;
    if (step <= 0) return query_fail(q, 400, "the step must be positive");
    if (until < from) return 0;
    if ((uint64_t)((until - from) / step + 1) > q->b.max_points || (until - from) / step + 1 > 10 * 1000 * 1000)
        return query_fail(q, 422, "the step makes more buckets than the max points bound: use a larger step");
    buckets_job j = {ids, from, until, step, out};
    query_parallel(q, ids->n, buckets_one, &j);
    return query_failed(q) ? -1 : 0;
}

int fetch_fold(tm_query *q, const tm_ids *ids, int64_t from, int64_t until, int64_t step, tm_cols *out) {
    memset(out, 0, sizeof *out);
    out->type = TM_ROLLUP;
    tm_cols *per = xcalloc(ids->n ? ids->n : 1, sizeof *per);
    int rc = fetch_buckets(q, ids, from, until, step, per);
    size_t nx = 0;
    for (size_t i = 0; i < ids->n; i++) nx += per[i].n;
    tm_bucket *x = xmalloc((nx ? nx : 1) * sizeof *x);
    nx = 0;
    for (size_t i = 0; i < ids->n; i++) {
        const tm_cols *c = &per[i];
        for (size_t k = 0; k < c->n; k++)
            x[nx++] = (tm_bucket){c->ts[k], c->v[k], c->v2[k], c->sum[k], c->cnt[k], c->last[k], c->lt[k]};
        cols_free(&per[i]);
    }
    free(per);
    if (!rc) buckets_fold(x, nx, out);
    free(x);
    return rc;
}
