/* read.c — queries: one series' samples or buckets over a time range, merged
 * from rollups, persisted chunks, chunks in flight and the head. Loop thread. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "merge.h"
#include "store_int.h"

#define MAX_BUCKETS (10 * 1000 * 1000)

static void take_range(tm_cols *dst, size_t *cap, const tm_cols *src, int64_t from, int64_t until) {
    for (size_t i = 0; i < src->n; i++)
        if (src->ts[i] >= from && src->ts[i] <= until) cols_append(dst, cap, src, i);
}

/* Persisted chunks, then chunks in flight, then the head: write order. */
static void gather_raw(tm_store *s, tm_series *se, int64_t from, int64_t until, tm_cols *out, size_t *cap) {
    /* in-flight chunks first into a side run: once the persister commits one,
     * it is in SQLite before it leaves memory, so reading memory first never
     * misses it (at worst it is seen twice and deduplicated) */
    tm_cols fly = {.type = se->type};
    size_t fcap = 0;
    pthread_mutex_lock(&s->mu);
    size_t np = 0;
    for (tm_pending *p = se->pending; p; p = p->next_in_series) np++;
    tm_pending **ps = xmalloc((np ? np : 1) * sizeof *ps);
    np = 0;
    for (tm_pending *p = se->pending; p; p = p->next_in_series) ps[np++] = p;
    for (size_t i = np; i-- > 0;) /* oldest first */
        if (ps[i]->c.n && ps[i]->c.ts[ps[i]->c.n - 1] >= from && ps[i]->c.ts[0] <= until)
            take_range(&fly, &fcap, &ps[i]->c, from, until);
    pthread_mutex_unlock(&s->mu);
    free(ps);

    sqlite3_stmt *st = s->rd_chunks;
    sqlite3_bind_int64(st, 1, se->id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, until);
    while (sqlite3_step(st) == SQLITE_ROW) {
        tm_cols c;
        if (!chunk_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &c)) continue;
        if (c.type == se->type) take_range(out, cap, &c, from, until);
        cols_free(&c);
    }
    sqlite3_reset(st);
    for (size_t i = 0; i < fly.n; i++) cols_append(out, cap, &fly, i);
    cols_free(&fly);
    take_range(out, cap, &se->head, from, until);
}

/* Rollup buckets of every archive overlapping the range, coarsest first. */
static void gather_rollups(tm_store *s, uint32_t id, int64_t from, int64_t until, tm_cols *out, size_t *cap) {
    sqlite3_stmt *st = s->rd_rollups;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, until);
    while (sqlite3_step(st) == SQLITE_ROW) {
        tm_cols c;
        if (!chunk_decode(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), &c)) continue;
        if (c.type == TM_ROLLUP) take_range(out, cap, &c, from, until);
        cols_free(&c);
    }
    sqlite3_reset(st);
}

int store_read(tm_store *s, uint32_t id, int64_t from, int64_t until, tm_cols *out) {
    tm_series *se = catalog_get(&s->cat, id);
    memset(out, 0, sizeof *out);
    if (!se) return 0;
    out->type = se->type;
    size_t cap = 0;
    if (se->type == TM_NUMBER) {
        tm_cols r = {.type = TM_ROLLUP};
        size_t rcap = 0;
        gather_rollups(s, id, from, until, &r, &rcap);
        /* a bucket stands for its samples by its last value, at its start */
        for (size_t i = 0; i < r.n; i++) {
            tm_cols one = {.type = TM_NUMBER, .n = 1, .ts = &r.ts[i], .v = &r.last[i]};
            cols_append(out, &cap, &one, 0);
        }
        cols_free(&r);
    }
    gather_raw(s, se, from, until, out, &cap);
    cols_sort_dedup(out);
    return 1;
}

static int64_t floor_to(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

int store_buckets(tm_store *s, uint32_t id, int64_t from, int64_t until, int64_t step, tm_cols *out) {
    tm_series *se = catalog_get(&s->cat, id);
    memset(out, 0, sizeof *out);
    out->type = TM_ROLLUP;
    if (!se || se->type != TM_NUMBER || step <= 0 || until < from) return 0;
    int64_t b0 = floor_to(from, step);
    int64_t nb = (until - b0) / step + 1;
    if (nb > MAX_BUCKETS) return 0;
    tm_bucket *b = xcalloc((size_t)nb, sizeof *b);
    for (int64_t i = 0; i < nb; i++) b[i].ts = INT64_MIN; /* empty */
    tm_cols r = {.type = TM_ROLLUP}, raw = {.type = TM_NUMBER};
    size_t rcap = 0, cap = 0;
    /* rollups first (older writes), then raw so its last value wins */
    gather_rollups(s, id, b0, until, &r, &rcap);
    gather_raw(s, se, b0, until, &raw, &cap);
    cols_sort_dedup(&raw);
    for (size_t pass = 0; pass < 2; pass++) {
        const tm_cols *c = pass ? &raw : &r;
        for (size_t i = 0; i < c->n; i++) {
            double v = c->v[i];
            if (isnan(v)) continue; /* a gap, as in Graphite */
            tm_bucket x = pass ? (tm_bucket){0, v, v, v, 1, v, c->ts[i]}
                               : (tm_bucket){0, c->v[i], c->v2[i], c->sum[i], c->cnt[i], c->last[i], c->lt[i]};
            tm_bucket *t = &b[(c->ts[i] - b0) / step];
            if (t->ts == INT64_MIN) {
                *t = x;
                t->ts = b0 + (c->ts[i] - b0) / step * step;
            } else {
                bucket_merge(t, &x);
            }
        }
    }
    cols_free(&r);
    cols_free(&raw);
    size_t m = 0, ocap = 0;
    for (int64_t i = 0; i < nb; i++) {
        if (b[i].ts == INT64_MIN) continue;
        tm_cols one = {.type = TM_ROLLUP, .n = 1, .ts = &b[i].ts, .v = &b[i].min, .v2 = &b[i].max,
                       .sum = &b[i].sum, .cnt = &b[i].cnt, .last = &b[i].last, .lt = &b[i].lt};
        cols_append(out, &ocap, &one, 0);
        m++;
    }
    free(b);
    return 1;
}
