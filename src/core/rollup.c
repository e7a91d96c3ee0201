/* rollup.c — buckets (min, max, sum, count, last) and the retention pass that
 * rolls data from one archive into the next as it ages. Persister thread only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "store_int.h"

static int64_t floor_to(int64_t t, int64_t step) { return t - ((t % step) + step) % step; }

void bucket_merge(tm_bucket *into, const tm_bucket *b) {
    if (b->min < into->min) into->min = b->min;
    if (b->max > into->max) into->max = b->max;
    into->sum += b->sum;
    into->cnt += b->cnt;
    if (b->lt >= into->lt) {
        into->last = b->last;
        into->lt = b->lt;
    }
}

size_t rollup_bucketize(const int64_t *ts, const double *v, size_t n, int64_t step, tm_bucket *out) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i])) continue; /* a gap, as Graphite treats None */
        tm_bucket b = {floor_to(ts[i], step), v[i], v[i], v[i], 1, v[i], ts[i]};
        if (m && out[m - 1].ts == b.ts) bucket_merge(&out[m - 1], &b);
        else out[m++] = b;
    }
    return m;
}

static int cmp_bucket(const void *a, const void *b) {
    int64_t x = ((const tm_bucket *)a)->ts, y = ((const tm_bucket *)b)->ts;
    return x < y ? -1 : x > y;
}

int rollups_table(tm_store *s) {
    if (s->has_rollups || s->rollups_made) return 0;
    if (sqlite3_exec(s->wdb, ROLLUPS_SCHEMA, NULL, NULL, NULL) != SQLITE_OK) return -1;
    s->rollups_made = 1;
    return 0;
}

void rollups_settle(tm_store *s, int committed) {
    if (s->rollups_made && committed) __atomic_store_n(&s->has_rollups, 1, __ATOMIC_RELEASE);
    s->rollups_made = 0;
}

/* Merge sorted buckets b[0..n) (all in one block) into the stored block. */
static int fold_block(tm_store *s, uint32_t sid, size_t a, int64_t start, const tm_bucket *b, size_t n) {
    sqlite3_stmt *sel = NULL, *put = NULL;
    tm_cols c = {0};
    if (rollups_table(s)) {
        log_limited(LOG_ERROR, "sqlite: making the rollups table: %s", sqlite3_errmsg(s->wdb));
        return -1;
    }
    sqlite3_prepare_v2(s->wdb, "SELECT data, crc FROM rollups WHERE series=? AND arch=? AND start=?", -1, &sel, NULL);
    sqlite3_bind_int64(sel, 1, sid);
    sqlite3_bind_int64(sel, 2, (sqlite3_int64)a);
    sqlite3_bind_int64(sel, 3, start);
    size_t have = 0;
    if (sqlite3_step(sel) == SQLITE_ROW && blob_ok(sel, 0, 1) &&
        chunk_decode_at(sqlite3_column_blob(sel, 0), (size_t)sqlite3_column_bytes(sel, 0), start, &c))
        have = c.n;
    sqlite3_finalize(sel);
    tm_bucket *m = xmalloc((have + n) * sizeof *m);
    size_t k = 0, i = 0, j = 0;
    while (i < have || j < n) { /* merge two sorted runs, folding equal times */
        tm_bucket x;
        if (j >= n || (i < have && c.ts[i] <= b[j].ts)) {
            x = (tm_bucket){c.ts[i], c.v[i], c.v2[i], c.sum[i], c.cnt[i], c.last[i], c.lt[i]};
            i++;
        } else {
            x = b[j++];
        }
        if (k && m[k - 1].ts == x.ts) bucket_merge(&m[k - 1], &x);
        else m[k++] = x;
    }
    cols_free(&c);
    cols_alloc(&c, TM_ROLLUP, k);
    for (size_t q = 0; q < k; q++) {
        c.ts[q] = m[q].ts;
        c.v[q] = m[q].min;
        c.v2[q] = m[q].max;
        c.sum[q] = m[q].sum;
        c.cnt[q] = m[q].cnt;
        c.last[q] = m[q].last;
        c.lt[q] = m[q].lt;
    }
    c.n = k;
    tm_buf blob = {0};
    chunk_encode_at(&c, start, &blob);
    sqlite3_prepare_v2(s->wdb, "INSERT OR REPLACE INTO rollups(series, arch, start, end, data, crc) VALUES(?,?,?,?,?,?)", -1,
                       &put, NULL);
    sqlite3_bind_int64(put, 1, sid);
    sqlite3_bind_int64(put, 2, (sqlite3_int64)a);
    sqlite3_bind_int64(put, 3, start);
    sqlite3_bind_int64(put, 4, m[k - 1].ts);
    sqlite3_bind_blob(put, 5, blob.p, (int)blob.n, SQLITE_STATIC);
    sqlite3_bind_int64(put, 6, (int32_t)crc32c(0, blob.p, blob.n)); /* signed: 4 bytes in the row */
    int rc = sqlite3_step(put) == SQLITE_DONE ? 0 : -1;
    if (rc) log_limited(LOG_ERROR, "sqlite: saving a rollup: %s", sqlite3_errmsg(s->wdb));
    sqlite3_finalize(put);
    buf_free(&blob);
    cols_free(&c);
    free(m);
    pthread_mutex_lock(&s->mu);
    if (!have) s->rollup_blocks++;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int rollup_fold(tm_store *s, uint32_t sid, size_t a, const tm_bucket *b, size_t n) {
    if (!n || a == 0 || a >= s->o.narch) return 0;
    int64_t step = s->o.step[a], span = step * ROLLUP_BLOCK;
    tm_bucket *x = xmalloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        x[i] = b[i];
        x[i].ts = floor_to(b[i].ts, step);
    }
    qsort(x, n, sizeof *x, cmp_bucket);
    int rc = 0;
    for (size_t i = 0; i < n;) {
        int64_t start = floor_to(x[i].ts, span);
        size_t j = i;
        while (j < n && floor_to(x[j].ts, span) == start) j++;
        rc |= fold_block(s, sid, a, start, x + i, j - i);
        i = j;
    }
    free(x);
    return rc;
}

/* The archive a bucket of this age belongs to, from `from` on; narch if none keeps it. */
static size_t archive_for(const tm_store *s, size_t from, int64_t age) {
    size_t a = from;
    while (a < s->o.narch && age > s->o.keep[a]) a++;
    return a;
}

/* Send buckets to the archives their age calls for (at least archive `from`). */
static int fold_aged(tm_store *s, uint32_t sid, size_t from, tm_bucket *b, size_t n, int64_t now) {
    int rc = 0;
    for (size_t i = 0; i < n;) {
        size_t a = archive_for(s, from, now - b[i].ts), j = i;
        while (j < n && archive_for(s, from, now - b[j].ts) == a) j++;
        if (a < s->o.narch) rc |= rollup_fold(s, sid, a, b + i, j - i);
        i = j;
    }
    return rc;
}

int rollup_fold_raw(tm_store *s, uint32_t sid, const int64_t *ts, const double *v, size_t n, int64_t now) {
    if (s->o.narch < 2 || !n) return 0;
    tm_bucket *b = xmalloc(n * sizeof *b);
    size_t nb = rollup_bucketize(ts, v, n, s->o.step[1], b);
    int rc = fold_aged(s, sid, 1, b, nb, now);
    free(b);
    return rc;
}

typedef struct {
    tm_store *s;
    int64_t grp, now, cut_last;
    int rc;
} expiry;

/* A member of a row past the first archive's keep: folded into its series'
 * rollups and dropped. Strings and locations have no rollups: they stay raw
 * for the longest keep. A member that does not decode goes too. */
static int keep_member(const pack_iter *it, const pack_member *m, void *arg) {
    expiry *x = arg;
    tm_cols c;
    if (!pack_decode(it, m, &c)) return 0;
    int keep = c.type != TM_NUMBER && c.ts[c.n - 1] >= x->cut_last;
    if (c.type == TM_NUMBER)
        x->rc |= rollup_fold_raw(x->s, (uint32_t)(x->grp * PACK_SERIES + m->slot), c.ts, c.v, c.n, x->now);
    cols_free(&c);
    return keep;
}

/* Groups of series in runs, a transaction each; a failed fold or write rolls
 * its run back (a chunk is never dropped without its rollup). */
static void expire_raw(tm_store *s, int64_t now) {
    pack_editor ed;
    if (packs_editor_open(s->wdb, &ed)) return;
    /* ids only grow and a series is never freed while the store runs */
    int64_t groups = pack_group((uint32_t)__atomic_load_n(&s->cat.nids, __ATOMIC_ACQUIRE)) + 1;
    expiry x = {.s = s, .now = now, .cut_last = now - s->o.keep[s->o.narch - 1]};
    for (int64_t first = 0; first < groups; first += 128) {
        int ok = sqlite3_exec(s->wdb, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
        for (x.grp = first; ok && x.grp < first + 128 && x.grp < groups; x.grp++) {
            x.rc = 0;
            ok = !packs_filter(&ed, x.grp, now - s->o.keep[0], keep_member, &x) && !x.rc;
        }
        int rc = tx_end(s->wdb, ok);
        rollups_settle(s, !rc);
        if (rc) {
            log_limited(LOG_ERROR, "sqlite: retention pass failed (%s): retried later", sqlite3_errmsg(s->wdb));
            break;
        }
    }
    packs_editor_close(&ed);
}

static void expire_rollups(tm_store *s, size_t a, int64_t now) {
    if (!s->has_rollups) return; /* none yet */
    sqlite3_stmt *sel = NULL, *del = NULL;
    sqlite3_prepare_v2(s->wdb, "SELECT series, start, data FROM rollups WHERE arch=? AND end<? LIMIT 512", -1, &sel,
                       NULL);
    sqlite3_prepare_v2(s->wdb, "DELETE FROM rollups WHERE series=? AND arch=? AND start=?", -1, &del, NULL);
    for (int more = 1; more;) {
        more = 0;
        int ok = sqlite3_exec(s->wdb, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
        sqlite3_bind_int64(sel, 1, (sqlite3_int64)a);
        sqlite3_bind_int64(sel, 2, now - s->o.keep[a]);
        while (ok && sqlite3_step(sel) == SQLITE_ROW) {
            more = 1;
            uint32_t sid = (uint32_t)sqlite3_column_int64(sel, 0);
            tm_cols c;
            if (chunk_decode_at(sqlite3_column_blob(sel, 2), (size_t)sqlite3_column_bytes(sel, 2),
                                sqlite3_column_int64(sel, 1), &c) &&
                c.type == TM_ROLLUP) {
                tm_bucket *b = xmalloc(c.n * sizeof *b);
                for (size_t i = 0; i < c.n; i++)
                    b[i] = (tm_bucket){c.ts[i], c.v[i], c.v2[i], c.sum[i], c.cnt[i], c.last[i], c.lt[i]};
                ok = !fold_aged(s, sid, a + 1, b, c.n, now);
                free(b);
            }
            cols_free(&c);
            sqlite3_bind_int64(del, 1, sid);
            sqlite3_bind_int64(del, 2, (sqlite3_int64)a);
            sqlite3_bind_int64(del, 3, sqlite3_column_int64(sel, 1));
            if (ok && sqlite3_step(del) != SQLITE_DONE) ok = 0;
            sqlite3_reset(del);
        }
        sqlite3_reset(sel);
        if (tx_end(s->wdb, ok)) {
            log_limited(LOG_ERROR, "sqlite: rollup retention failed (%s): retried later", sqlite3_errmsg(s->wdb));
            break;
        }
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(del);
}

void rollup_expire(tm_store *s, int64_t now) {
    expire_raw(s, now);
    for (size_t a = 1; a < s->o.narch; a++) expire_rollups(s, a, now);
}
