/* states.c — each series' persisted state (its sample count, last value
 * and the log position its chunks reach), 64 series to a row of the
 * `states` table, delta-coded against the series before it in the row:
 * about 10 bytes a series where the columns of its own row took 30 more.
 * The `series` table keeps only what never changes (id, key, type), written
 * once. Rows of chunk format 1 databases still carry their state in
 * columns of `series`: load_series reads those, and a state here, written
 * at the series' next commit, takes their place.
 *
 * The rows' layout is in staterow.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "blocktab.h"
#include "staterow.h"
#include "store_int.h"

#define ADVICE "nothing was changed; restore it from a backup, or salvage it with sqlite3's .recover"

static void apply(tm_catalog *c, tm_series *se, const st_entry *x) {
    se->points = x->points;
    se->last_ts = x->last_ts;
    se->closed_max = se->last_ts == INT64_MIN ? INT64_MAX : se->last_ts; /* every persisted sample is older */
    se->last_v = x->v;
    if (se->type == TM_LOCATION) se->last_v2 = x->v2; /* one slot of the record, by type (catalog.h) */
    if (se->type == TM_STRING) {
        free(se->last_str);
        se->last_str = x->str ? xstrndup(x->str, x->slen) : NULL;
    }
    catalog_set_saved(c, se->id, x->walpos);
}

int states_load(tm_store *s, const char *path, char *err, size_t errlen) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->wdb, "SELECT blk, data, crc FROM states", -1, &st, NULL)) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(s->wdb));
        return -1;
    }
    int rc = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        int64_t blk = sqlite3_column_int64(st, 0);
        st_reader r;
        st_entry x;
        int k = 0;
        if (blob_ok(st, 1, 2) && blk >= 0 && blk <= UINT32_MAX / STATES_PER_ROW &&
            staterow_start(&r, blk, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1))) {
            while ((k = staterow_next(&r, &x)) > 0) {
                tm_series *se = catalog_get(&s->cat, x.id);
                if (se) apply(&s->cat, se, &x);
            }
            staterow_end(&r);
        } else {
            k = -1;
        }
        if (k < 0) {
            snprintf(err, errlen,
                     "%s is damaged: the saved state of series ids %lld to %lld (states row %lld) fails its "
                     "checksum; " ADVICE ", or drop it: sqlite3 %s \"DELETE FROM states WHERE blk=%lld\"",
                     path, (long long)(blk * STATES_PER_ROW), (long long)(blk * STATES_PER_ROW + STATES_PER_ROW - 1), (long long)blk,
                     path, (long long)blk);
            rc = -1;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

typedef struct {
    blocktab t;
    tm_buf row;
} st_stmts;

static int stmts_open(sqlite3 *db, st_stmts *q) {
    memset(q, 0, sizeof *q);
    return !blocktab_open(db, "states", &q->t);
}

static void stmts_close(st_stmts *q) {
    blocktab_close(&q->t);
    buf_free(&q->row);
}

static int in(uint32_t id, const uint32_t *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (v[i] == id) return 1;
    return 0;
}

/* Rewrite row blk: its entries, each replaced by the one of upd (ids
 * ascending, all in this row) with its id, less the ids in drop (all in
 * this row). A row that does not check out is rewritten from upd alone. */
static int rewrite(st_stmts *q, int64_t blk, const st_entry *upd, size_t nupd, const uint32_t *drop, size_t ndrop) {
    st_entry all[2 * STATES_PER_ROW], x;
    size_t n = 0, i = 0;
    st_reader r = {0};
    const void *data;
    size_t len;
    if (blocktab_get(&q->t, blk, &data, &len) == 1 && staterow_start(&r, blk, data, len)) {
        /* entries point into the row read (or r): it stays valid until blocktab_done and staterow_end below */
        int k;
        while ((k = staterow_next(&r, &x)) > 0) {
            while (i < nupd && upd[i].id < x.id) all[n++] = upd[i++];
            if (!(i < nupd && upd[i].id == x.id)) all[n++] = x;
        }
        if (k < 0) log_limited(LOG_ERROR, "sqlite: states row %lld is damaged: rewritten from this commit's series",
                               (long long)blk);
    }
    while (i < nupd) all[n++] = upd[i++];
    size_t kept = 0;
    for (size_t j = 0; j < n; j++)
        if (!in(all[j].id, drop, ndrop)) all[kept++] = all[j];
    tm_buf *b = &q->row;
    b->n = 0;
    if (kept) staterow_encode(b, blk, all, kept); /* none: the row goes */
    int rc = blocktab_put(&q->t, blk, b);
    blocktab_done(&q->t);
    staterow_end(&r);
    return rc;
}

static int by_id_then_seq(const void *a, const void *b) {
    const tm_pending *x = *(tm_pending *const *)a, *y = *(tm_pending *const *)b;
    if (x->sid != y->sid) return x->sid < y->sid ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int states_save(tm_store *s, tm_pending *list) {
    size_t n = 0;
    for (tm_pending *p = list; p; p = p->next_in_queue) n += !p->skip;
    if (!n) return 0;
    tm_pending **v = xmalloc(n * sizeof *v);
    n = 0;
    for (tm_pending *p = list; p; p = p->next_in_queue)
        if (!p->skip) v[n++] = p;
    qsort(v, n, sizeof *v, by_id_then_seq);
    st_stmts q;
    int rc = stmts_open(s->wdb, &q) ? 0 : -1;
    for (size_t i = 0; !rc && i < n;) {
        int64_t blk = v[i]->sid / STATES_PER_ROW;
        st_entry upd[STATES_PER_ROW];
        size_t k = 0;
        for (; i < n && v[i]->sid / STATES_PER_ROW == blk; i++) {
            if (i + 1 < n && v[i + 1]->sid == v[i]->sid) continue; /* the latest chunk of a series has its state */
            const tm_pending *p = v[i];
            upd[k++] = (st_entry){.id = p->sid, .points = p->points, .walpos = p->walpos, .last_ts = p->last_ts,
                                  .v = p->last_v, .v2 = p->last_v2, .str = p->last_str,
                                  .slen = p->last_str ? strlen(p->last_str) : 0};
        }
        rc = rewrite(&q, blk, upd, k, NULL, 0);
    }
    stmts_close(&q);
    free(v);
    return rc;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int states_drop(tm_store *s, const uint32_t *ids, size_t n) {
    if (!n) return 0;
    uint32_t *v = xmalloc(n * sizeof *v);
    memcpy(v, ids, n * sizeof *v);
    qsort(v, n, sizeof *v, cmp_u32);
    st_stmts q;
    int rc = stmts_open(s->wdb, &q) ? 0 : -1;
    for (size_t i = 0, j; !rc && i < n; i = j) {
        for (j = i; j < n && v[j] / STATES_PER_ROW == v[i] / STATES_PER_ROW; j++) {}
        rc = rewrite(&q, v[i] / STATES_PER_ROW, NULL, 0, v + i, j - i);
    }
    stmts_close(&q);
    free(v);
    return rc;
}
