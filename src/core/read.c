/* read.c — queries: one series' samples or buckets over a time range, merged
 * from rollups, persisted chunks, chunks in flight and the head. The loop
 * thread reads through the store's own reader; other threads through theirs,
 * under the store's read lock (reader.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "merge.h"
#include "store_int.h"
#include "../util/sort.h"

#define MAX_BUCKETS (10 * 1000 * 1000)

static void take_range(tm_cols *dst, size_t *cap, const tm_cols *src, int64_t from, int64_t until) {
    for (size_t i = 0; i < src->n; i++)
        if (src->ts[i] >= from && src->ts[i] <= until) cols_append(dst, cap, src, i);
}

void read_memory(tm_store *s, const tm_series *se, int64_t from, int64_t until, tm_cols *out, size_t *cap) {
    pthread_mutex_lock(&s->mu);
    size_t np = 0;
    for (tm_pending *p = se->pending; p; p = p->next_in_series) np++;
    tm_pending *few[16], **ps = np <= 16 ? few : xmalloc(np * sizeof *ps);
    np = 0;
    for (tm_pending *p = se->pending; p; p = p->next_in_series) ps[np++] = p;
    for (size_t i = np; i-- > 0;) /* oldest first */
        if (ps[i]->c.n && ps[i]->c.ts[ps[i]->c.n - 1] >= from && ps[i]->c.ts[0] <= until)
            take_range(out, cap, &ps[i]->c, from, until);
    pthread_mutex_unlock(&s->mu);
    if (ps != few) free(ps);
    if (se->head) {
        tm_cols h;
        head_decode(se->head, se->type, &h);
        take_range(out, cap, &h, from, until);
        cols_free(&h);
    }
}

/* Rollup buckets of every archive overlapping the range, coarsest first. */
static void gather_rollups(tm_reader *rd, uint32_t id, int64_t from, int64_t until, tm_cols *out, size_t *cap) {
    if (!persist_reader_rollups(rd)) return; /* no table yet: no rollup */
    sqlite3_stmt *st = rd->rollups;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, until);
    while (sqlite3_step(st) == SQLITE_ROW) {
        tm_cols c;
        if (!blob_ok(st, 1, 2)) {
            log_limited(LOG_ERROR, "sqlite: a rollup block of series %u fails its checksum: skipped", id);
            continue;
        }
        if (!chunk_decode_at(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                             sqlite3_column_int64(st, 3), &c))
            continue;
        if (c.type == TM_ROLLUP) take_range(out, cap, &c, from, until);
        cols_free(&c);
    }
    sqlite3_reset(st);
}

#define MEMO_ROWS (sizeof ((tm_reader *)0)->memo.row / sizeof *((tm_reader *)0)->memo.row)

void read_begin(tm_reader *rd) { rd->gen++; }

void read_forget(tm_reader *rd) {
    for (size_t i = 0; i < rd->memo.n; i++) cols_free(&rd->memo.row[i].t);
    rd->memo.n = 0;
}

/* The row st is on, when its checksum holds: its place in the memo (once a
 * read for the series of a group), MEMO_ROWS when the memo is full; -1
 * when the checksum fails. */
static long row_ok(tm_reader *rd, sqlite3_stmt *st, int64_t grp) {
    if (rd->memo.gen != rd->gen || rd->memo.grp != grp) {
        read_forget(rd);
        rd->memo.gen = rd->gen;
        rd->memo.grp = grp;
    }
    int64_t id = sqlite3_column_int64(st, 2), crc = sqlite3_column_int64(st, 1);
    for (size_t i = 0; i < rd->memo.n; i++)
        if (rd->memo.row[i].id == id && rd->memo.row[i].crc == crc) return (long)i;
    if (!blob_ok(st, 0, 1)) return -1;
    if (rd->memo.n == MEMO_ROWS) return MEMO_ROWS;
    rd->memo.row[rd->memo.n].id = id;
    rd->memo.row[rd->memo.n].crc = crc;
    rd->memo.row[rd->memo.n].off = 0;
    rd->memo.row[rd->memo.n].t = (tm_cols){0};
    return (long)rd->memo.n++;
}

static int shared_decode(const pack_iter *it, const pack_member *m, tm_cols *times, tm_cols *c) {
    if (!times->n) cols_free(times); /* none yet (or, from a damaged row, none to keep) */
    if (!times->n && !chunk_decode_times(it->full.chunk, it->full.len, it->full.start, times)) {
        *c = (tm_cols){0};
        return 0;
    }
    return chunk_decode_values(m->chunk, m->len, times, c);
}

/* A member of memo row k (at row); the times it shares with one before it
 * are decoded once for the series of the group. */
static int member_decode(tm_reader *rd, size_t k, const uint8_t *row, const pack_iter *it, const pack_member *m,
                         tm_cols *c) {
    if (!m->same) return chunk_decode_at(m->chunk, m->len, m->start, c);
    if (k == MEMO_ROWS) { /* the memo is full: its times for it alone */
        tm_cols t = {0};
        int ok = shared_decode(it, m, &t, c);
        cols_free(&t);
        return ok;
    }
    tm_memo_row *r = &rd->memo.row[k];
    size_t off = (size_t)(it->full.chunk - row);
    if (r->off != off) {
        cols_free(&r->t);
        r->off = off;
    }
    return shared_decode(it, m, &r->t, c);
}

/* The members of series id in the rows st selects, appended to out: 1 when
 * st is ordered by time and a row came before one written earlier (out is
 * then to be read again in write order), else 0. */
static int read_rows(tm_reader *rd, sqlite3_stmt *st, uint32_t id, const char *key, int type, int64_t from,
                     int64_t until, tm_cols *out, size_t *cap) {
    sqlite3_bind_int64(st, 1, pack_group(id));
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, until);
    int64_t last = INT64_MIN;
    int unordered = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t rowid = sqlite3_column_int64(st, 2);
        if (st == rd->chunks && rowid < last) {
            unordered = 1;
            break;
        }
        last = rowid;
        long k = row_ok(rd, st, pack_group(id));
        if (k < 0) {
            log_limited(LOG_ERROR, "sqlite: pack %lld (with %s) fails its checksum: skipped", (long long)rowid, key);
            continue;
        }
        const uint8_t *row = sqlite3_column_blob(st, 0);
        pack_iter it;
        pack_iter_init(&it, row, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_int64(st, 3));
        pack_member m;
        while (pack_next(&it, &m) == 1) {
            tm_cols c;
            if (m.slot != id % PACK_SERIES || !member_decode(rd, (size_t)k, row, &it, &m, &c)) continue;
            if (c.type == type) take_range(out, cap, &c, from, until);
            cols_free(&c);
        }
    }
    sqlite3_reset(st);
    return unordered;
}

void read_persisted(tm_reader *rd, uint32_t id, const char *key, int type, int64_t from, int64_t until, int rollups,
                    tm_cols *out, size_t *cap) {
    if (rollups && type == TM_NUMBER) {
        tm_cols r = {.type = TM_ROLLUP};
        size_t rcap = 0;
        gather_rollups(rd, id, from, until, &r, &rcap);
        /* a bucket stands for its samples by its last value, at its start */
        for (size_t i = 0; i < r.n; i++) {
            tm_cols one = {.type = TM_NUMBER, .n = 1, .ts = &r.ts[i], .v = &r.last[i]};
            cols_append(out, cap, &one, 0);
        }
        cols_free(&r);
    }
    /* in index order, which is write order unless a chunk of older times was
     * written after newer ones: then again, sorted by id (SQLite's sorter
     * copies every row, so only then) */
    size_t n0 = out->n;
    if (read_rows(rd, rd->chunks, id, key, type, from, until, out, cap)) {
        if (type == TM_STRING)
            for (size_t i = n0; i < out->n; i++) free(out->str[i]);
        out->n = n0;
        read_rows(rd, rd->chunks_by_id, id, key, type, from, until, out, cap);
    }
}

/* Persisted data, then chunks in flight, then the head: write order. The
 * in-flight chunks are copied first: once the persister commits one, it is
 * in SQLite before it leaves memory, so reading memory first never misses
 * it (at worst it is seen twice and deduplicated). */
static void gather_raw(tm_reader *rd, tm_series *se, int64_t from, int64_t until, int rollups, tm_cols *out,
                       size_t *cap) {
    tm_cols mem = {.type = se->type};
    size_t mcap = 0;
    read_memory(rd->s, se, from, until, &mem, &mcap);
    read_persisted(rd, se->id, se->key, se->type, from, until, rollups, out, cap);
    for (size_t i = 0; i < mem.n; i++) cols_append(out, cap, &mem, i);
    cols_free(&mem);
}

int read_series(tm_reader *rd, uint32_t id, int64_t from, int64_t until, tm_cols *out) {
    read_begin(rd);
    tm_series *se = catalog_get(&rd->s->cat, id);
    memset(out, 0, sizeof *out);
    if (!se) return 0;
    out->type = se->type;
    size_t cap = 0;
    gather_raw(rd, se, from, until, 1, out, &cap);
    cols_sort_dedup(out);
    return 1;
}

int store_read(tm_store *s, uint32_t id, int64_t from, int64_t until, tm_cols *out) {
    return read_series(&s->own, id, from, until, out);
}

static int64_t floor_to(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

/* Order of a bucket run: by start, then by position (write order). */
static int cmp_at(const void *a, const void *b, void *base) {
    const tm_bucket *x = base;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (x[i].ts != x[j].ts) return x[i].ts < x[j].ts ? -1 : 1;
    return i < j ? -1 : i > j;
}

void buckets_fold(const tm_bucket *x, size_t n, tm_cols *out) {
    memset(out, 0, sizeof *out);
    out->type = TM_ROLLUP;
    size_t *idx = xmalloc((n ? n : 1) * sizeof *idx), cap = 0;
    for (size_t i = 0; i < n; i++) idx[i] = i;
    sort_r(idx, n, sizeof *idx, cmp_at, (void *)x);
    for (size_t k = 0; k < n;) {
        tm_bucket acc = x[idx[k++]];
        while (k < n && x[idx[k]].ts == acc.ts) bucket_merge(&acc, &x[idx[k++]]);
        tm_cols one = {.type = TM_ROLLUP, .n = 1, .ts = &acc.ts, .v = &acc.min, .v2 = &acc.max,
                       .sum = &acc.sum, .cnt = &acc.cnt, .last = &acc.last, .lt = &acc.lt};
        cols_append(out, &cap, &one, 0);
    }
    free(idx);
}

int read_buckets(tm_reader *rd, uint32_t id, int64_t from, int64_t until, int64_t step, tm_cols *out) {
    read_begin(rd);
    tm_series *se = catalog_get(&rd->s->cat, id);
    memset(out, 0, sizeof *out);
    out->type = TM_ROLLUP;
    if (!se || se->type != TM_NUMBER || step <= 0 || until < from) return 0;
    int64_t b0 = floor_to(from, step);
    if ((until - b0) / step + 1 > MAX_BUCKETS) return 0;
    tm_cols r = {.type = TM_ROLLUP}, raw = {.type = TM_NUMBER};
    size_t rcap = 0, cap = 0, n = 0;
    gather_rollups(rd, id, b0, until, &r, &rcap);
    gather_raw(rd, se, b0, until, 0, &raw, &cap);
    cols_sort_dedup(&raw);
    /* rollups first (older writes), then raw, so on a tie raw's last wins */
    tm_bucket *x = xmalloc((r.n + raw.n + 1) * sizeof *x);
    for (size_t i = 0; i < r.n; i++)
        if (!isnan(r.v[i]))
            x[n++] = (tm_bucket){floor_to(r.ts[i], step), r.v[i], r.v2[i], r.sum[i], r.cnt[i], r.last[i], r.lt[i]};
    for (size_t i = 0; i < raw.n; i++) {
        double v = raw.v[i];
        if (!isnan(v)) x[n++] = (tm_bucket){floor_to(raw.ts[i], step), v, v, v, 1, v, raw.ts[i]}; /* NaN: a gap */
    }
    cols_free(&r);
    cols_free(&raw);
    buckets_fold(x, n, out);
    free(x);
    return 1;
}

int store_buckets(tm_store *s, uint32_t id, int64_t from, int64_t until, int64_t step, tm_cols *out) {
    return read_buckets(&s->own, id, from, until, step, out);
}
