/* packrows.c — the `packs` table (pack.h has the row layout): closed chunks
 * written several series to a row, members dropped from rows (deletes,
 * retention), and the one-time move of an older database's `chunks` rows.
 * All of it runs on the persister thread, inside its transactions, except
 * packs_migrate (at open, before any other thread). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "../util/sort.h"
#include "pack.h"
#include "store_int.h"

static const char INSERT[] = "INSERT INTO packs(grp, start, end, data, crc) VALUES(?,?,?,?,?)";

static int by_group(const void *a, const void *b) {
    const tm_pending *x = *(tm_pending *const *)a, *y = *(tm_pending *const *)b;
    int64_t gx = pack_group(x->sid), gy = pack_group(y->sid);
    if (gx != gy) return gx < gy ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq; /* a series' chunks stay in write order */
}

static int insert_row(sqlite3_stmt *ins, int64_t grp, int64_t start, int64_t end, const tm_buf *row) {
    sqlite3_bind_int64(ins, 1, grp);
    sqlite3_bind_int64(ins, 2, start);
    sqlite3_bind_int64(ins, 3, end);
    sqlite3_bind_blob(ins, 4, row->p, (int)row->n, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 5, (int32_t)crc32c(0, row->p, row->n)); /* signed: 4 bytes in the row, not 6 */
    int rc = sqlite3_step(ins) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(ins);
    return rc;
}

static int same_times(const tm_pending *a, const tm_pending *b) {
    return a->c.n == b->c.n && !memcmp(a->c.ts, b->c.ts, a->c.n * sizeof *a->c.ts);
}

/* Member k's bytes in a row: its chunk and (about) its head. */
static size_t member_bytes(const size_t *off, size_t k) { return off[k + 1] - off[k] + 4; }

static int within_span(int64_t a, int64_t b) {
    return (a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a) <= (uint64_t)HEAD_SPAN;
}

/* Members v[0..n) of one group as rows of near-equal size, none past
 * PACK_BYTES unless a single chunk is, and none whose members end more
 * than a chunk's span apart (a row leaves with its newest member).
 * same[i]: v[i] has v[i-1]'s times and is encoded in enc at off[i] without
 * them; the first member of a row cannot be, so it is encoded again whole
 * (only where a group is cut). */
static int write_group(sqlite3_stmt *ins, tm_pending **v, size_t n, const uint8_t *same, const tm_buf *enc,
                       const size_t *off, tm_buf *row) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += member_bytes(off, i);
    size_t rows = (total + PACK_BYTES - 1) / PACK_BYTES, target = total / (rows ? rows : 1);
    tm_buf whole = {0};
    int rc = 0;
    for (size_t i = 0, j; !rc && i < n; i = j) {
        size_t bytes = 0;
        int64_t lo = INT64_MAX, hi = INT64_MIN, end_lo = INT64_MAX;
        for (j = i; j < n; j++) {
            int64_t end = v[j]->c.ts[v[j]->c.n - 1];
            /* a row goes when its newest member ages out: members end within one chunk span of each other */
            if (j > i && (bytes + member_bytes(off, j) / 2 + 2 > target || !within_span(end, end_lo) ||
                          !within_span(end, hi)))
                break;
            bytes += member_bytes(off, j);
            if (v[j]->c.ts[0] < lo) lo = v[j]->c.ts[0];
            if (end > hi) hi = end;
            if (end < end_lo) end_lo = end;
        }
        row->n = 0;
        for (size_t k = i; k < j; k++) {
            const uint8_t *p = enc->p + off[k];
            size_t len = off[k + 1] - off[k];
            if (k == i && same[k]) {
                whole.n = 0;
                chunk_encode_at(&v[k]->c, v[k]->c.ts[0], &whole);
                p = whole.p, len = whole.n;
            }
            pack_put(row, lo, v[k]->sid, k > i && same[k], v[k]->c.ts[0], p, len);
        }
        rc = insert_row(ins, pack_group(v[i]->sid), lo, hi, row);
    }
    buf_free(&whole);
    return rc;
}

int packs_write(tm_store *s, tm_pending *list) {
    size_t n = 0;
    for (tm_pending *p = list; p; p = p->next_in_queue) n += !p->skip && p->c.n;
    if (!n) return 0;
    tm_pending **v = xmalloc(n * sizeof *v);
    size_t *off = xmalloc((n + 1) * sizeof *off);
    uint8_t *same = xmalloc(n);
    n = 0;
    for (tm_pending *p = list; p; p = p->next_in_queue)
        if (!p->skip && p->c.n) v[n++] = p;
    sort_n(v, n, sizeof *v, by_group);
    tm_buf enc = {0}, row = {0};
    for (size_t i = 0; i < n; i++) {
        off[i] = enc.n;
        same[i] = i && pack_group(v[i]->sid) == pack_group(v[i - 1]->sid) && same_times(v[i], v[i - 1]);
        if (same[i]) chunk_encode_values(&v[i]->c, &enc);
        else chunk_encode_at(&v[i]->c, v[i]->c.ts[0], &enc);
    }
    off[n] = enc.n;
    sqlite3_stmt *ins = NULL;
    int rc = sqlite3_prepare_v2(s->wdb, INSERT, -1, &ins, NULL) ? -1 : 0;
    for (size_t i = 0, j; !rc && i < n; i = j) {
        for (j = i + 1; j < n && pack_group(v[j]->sid) == pack_group(v[i]->sid);) j++;
        rc = write_group(ins, v + i, j - i, same + i, &enc, off + i, &row);
    }
    sqlite3_finalize(ins);
    buf_free(&enc);
    buf_free(&row);
    free(same);
    free(off);
    free(v);
    return rc;
}

/* A row of one group read whole, to change after the select is done
 * (changing a table while a select on it steps is undefined). */
typedef struct {
    int64_t id, start, crc;
    tm_buf data;
} pack_row;

static pack_row *rows_of(sqlite3_stmt *sel, size_t *n) {
    pack_row *v = NULL;
    size_t cap = 0;
    *n = 0;
    while (sqlite3_step(sel) == SQLITE_ROW) {
        XGROW(v, *n, cap, 8);
        pack_row *r = &v[(*n)++];
        r->id = sqlite3_column_int64(sel, 0);
        r->start = sqlite3_column_int64(sel, 1);
        r->crc = sqlite3_column_int64(sel, 3);
        r->data = (tm_buf){0};
        buf_put(&r->data, sqlite3_column_blob(sel, 2), (size_t)sqlite3_column_bytes(sel, 2));
    }
    sqlite3_reset(sel);
    return v;
}

static void rows_free(pack_row *v, size_t n) {
    for (size_t i = 0; i < n; i++) buf_free(&v[i].data);
    free(v);
}

int packs_editor_open(sqlite3 *db, pack_editor *e) {
    *e = (pack_editor){0};
    if (sqlite3_prepare_v2(db, "SELECT id, start, data, crc FROM packs WHERE grp=? AND end<? ORDER BY id", -1, &e->sel,
                           NULL) ||
        sqlite3_prepare_v2(db, "DELETE FROM packs WHERE id=?", -1, &e->del, NULL) ||
        sqlite3_prepare_v2(db, "UPDATE packs SET data=?2, crc=?3 WHERE id=?1", -1, &e->upd, NULL)) {
        packs_editor_close(e);
        return -1;
    }
    return 0;
}

void packs_editor_close(pack_editor *e) {
    sqlite3_finalize(e->sel);
    sqlite3_finalize(e->del);
    sqlite3_finalize(e->upd);
    *e = (pack_editor){0};
}

/* Put back row r with only what keep() accepts: deleted when nothing is left,
 * rewritten when something was left out. A row that fails its checksum or
 * does not parse is left as it is: a new checksum would hide the damage,
 * which the next start names (integrity.c). */
static int rewrite(pack_editor *e, const pack_row *r, pack_keep_fn keep, void *arg) {
    if ((int32_t)crc32c(0, r->data.p, r->data.n) != (int32_t)r->crc) return 0;
    tm_buf out = {0};
    long dropped = pack_filter(r->data.p, r->data.n, r->start, keep, arg, &out);
    int rc = 0;
    if (dropped > 0) {
        sqlite3_stmt *st = out.n ? e->upd : e->del;
        sqlite3_bind_int64(st, 1, r->id);
        if (out.n) {
            sqlite3_bind_blob(st, 2, out.p, (int)out.n, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, (int32_t)crc32c(0, out.p, out.n));
        }
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(st);
    }
    buf_free(&out);
    return rc;
}

int packs_filter(pack_editor *e, int64_t grp, int64_t before, pack_keep_fn keep, void *arg) {
    sqlite3_bind_int64(e->sel, 1, grp);
    sqlite3_bind_int64(e->sel, 2, before);
    size_t n;
    pack_row *v = rows_of(e->sel, &n);
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) rc = rewrite(e, &v[i], keep, arg);
    rows_free(v, n);
    return rc;
}

static int other_slot(const pack_iter *it, const pack_member *m, void *arg) {
    (void)it;
    return m->slot != *(uint32_t *)arg;
}

int packs_drop_series(pack_editor *e, uint32_t id) {
    uint32_t slot = id % PACK_SERIES;
    return packs_filter(e, pack_group(id), INT64_MAX, other_slot, &slot);
}

int64_t packs_max_id(sqlite3 *db) {
    sqlite3_stmt *st = NULL;
    int64_t hi = 0;
    if (sqlite3_prepare_v2(db, "SELECT grp, start, data FROM packs WHERE grp=(SELECT MAX(grp) FROM packs)", -1, &st,
                           NULL))
        return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t base = sqlite3_column_int64(st, 0) * PACK_SERIES;
        pack_iter it;
        pack_iter_init(&it, sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
                       sqlite3_column_int64(st, 1));
        pack_member m;
        int rc;
        while ((rc = pack_next(&it, &m)) == 1)
            if (base + m.slot > hi) hi = base + m.slot;
        if (rc < 0 && base + PACK_SERIES - 1 > hi) hi = base + PACK_SERIES - 1; /* damaged: any of them */
    }
    sqlite3_finalize(st);
    return hi;
}

/* Databases made before packs keep a row per chunk in `chunks`: each becomes
 * a pack of one, its blob unchanged inside (its first time is coded from
 * the row's start, which stays the start). One transaction: all or none. */
int packs_migrate(tm_store *s, char *err, size_t errlen) {
    sqlite3_stmt *sel = NULL, *ins = NULL;
    if (sqlite3_prepare_v2(s->wdb, "SELECT series, start, end, data FROM chunks ORDER BY id", -1, &sel, NULL))
        return 0; /* no such table */
    int ok = !sqlite3_prepare_v2(s->wdb, INSERT, -1, &ins, NULL) &&
             sqlite3_exec(s->wdb, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    tm_buf row = {0};
    size_t n = 0;
    while (ok && sqlite3_step(sel) == SQLITE_ROW) {
        int64_t start = sqlite3_column_int64(sel, 1);
        uint32_t id = (uint32_t)sqlite3_column_int64(sel, 0);
        row.n = 0;
        pack_put(&row, start, id, 0, start, sqlite3_column_blob(sel, 3), (size_t)sqlite3_column_bytes(sel, 3));
        ok = !insert_row(ins, pack_group(id), start, sqlite3_column_int64(sel, 2), &row);
        n++;
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    buf_free(&row);
    ok = ok && sqlite3_exec(s->wdb, "DROP TABLE chunks", NULL, NULL, NULL) == SQLITE_OK;
    if (tx_end(s->wdb, ok)) {
        snprintf(err, errlen, "cannot move the chunks of %s/tidemark.db into packs: %s", s->dir,
                 sqlite3_errmsg(s->wdb));
        return -1;
    }
    log_info("sqlite: %zu chunk row(s) of an older database moved into packs", n);
    return 0;
}
