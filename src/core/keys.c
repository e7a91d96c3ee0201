/* keys.c — the catalog in SQLite: every series' key and type, 256 series
 * to a row of the `keys` table (keyrow.c), written in the transaction of
 * the series' first chunk. A row is rebuilt from the catalog in memory (a
 * key never changes), never patched, so a damaged row heals at its next
 * write; the persister thread keeps a bit per id for which keys the rows
 * hold. Databases made before `keys` have a `series` table, one row per
 * series: still read, its series never move, and deletes reach it.
 * A row that fails its checksum at the start stops it (keys_load): its
 * series' data would be there with no name to read it by. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "blocktab.h"
#include "keyrow.h"
#include "store_int.h"

#define ADVICE "nothing was changed; restore it from a backup, or salvage it with sqlite3's .recover"

static int bit_get(const tm_bits *b, uint32_t id) { return id / 64 < b->n && (b->w[id / 64] >> (id % 64) & 1); }

static void bit_set(tm_bits *b, uint32_t id, int on) {
    if (id / 64 >= b->n) {
        if (!on) return;
        size_t n = b->n ? b->n : 64;
        while (n <= id / 64) n *= 2;
        b->w = xrealloc(b->w, n * sizeof *b->w);
        memset(b->w + b->n, 0, (n - b->n) * sizeof *b->w);
        b->n = n;
    }
    if (on) b->w[id / 64] |= 1ull << (id % 64);
    else b->w[id / 64] &= ~(1ull << (id % 64));
}

void keys_loaded_old(tm_store *s, uint32_t id) { bit_set(&s->in_series, id, 1); }

int keys_load(tm_store *s, const char *path, char *err, size_t errlen) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->wdb, "SELECT blk, data, crc FROM keys", -1, &st, NULL)) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(s->wdb));
        return -1;
    }
    int rc = 0;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        int64_t blk = sqlite3_column_int64(st, 0);
        kr_reader r;
        kr_entry x;
        int k = -1;
        if (blob_ok(st, 1, 2) && blk >= 0 && blk <= UINT32_MAX / KEYS_PER_ROW &&
            keyrow_start(&r, blk, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1))) {
            while ((k = keyrow_next(&r, &x)) > 0) {
                if (catalog_at(&s->cat, x.id)) continue; /* also in `series`: that row counts */
                catalog_add(&s->cat, x.id, x.key, x.klen, key_hash(x.key, x.klen), x.type);
                bit_set(&s->in_keys, x.id, 1);
            }
            keyrow_end(&r);
        }
        if (k < 0) {
            snprintf(err, errlen,
                     "%s is damaged: the keys of series ids %lld to %lld (keys row %lld) fail their checksum, so "
                     "their data cannot be told apart; " ADVICE,
                     path, (long long)(blk * KEYS_PER_ROW), (long long)(blk * KEYS_PER_ROW + KEYS_PER_ROW - 1),
                     (long long)blk);
            rc = -1;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* Row blk again, from the catalog: every id of it whose bit is set. */
static int rebuild(tm_store *s, blocktab *t, int64_t blk, tm_buf *row) {
    kr_writer w;
    keyrow_begin(&w, blk);
    uint32_t first = (uint32_t)(blk * KEYS_PER_ROW);
    for (uint32_t k = 0; k < KEYS_PER_ROW; k++) {
        uint32_t id = first + k;
        const tm_series *se = bit_get(&s->in_keys, id) ? catalog_at(&s->cat, id) : NULL;
        /* key, klen and type never change once the series exists (store_key reads them so too) */
        if (se) keyrow_add(&w, &(kr_entry){.id = id, .type = se->type, .key = se->key, .klen = se->klen});
    }
    keyrow_finish(&w, row);
    return blocktab_put(t, blk, row);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Rebuild the rows of ids (sorted), each once. */
static int rebuild_rows(tm_store *s, const uint32_t *ids, size_t n) {
    blocktab t;
    tm_buf row = {0};
    int rc = blocktab_open(s->wdb, "keys", &t);
    for (size_t i = 0; !rc && i < n; i++)
        if (!i || ids[i] / KEYS_PER_ROW != ids[i - 1] / KEYS_PER_ROW) rc = rebuild(s, &t, ids[i] / KEYS_PER_ROW, &row);
    blocktab_close(&t);
    buf_free(&row);
    return rc;
}

int keys_save(tm_store *s, tm_pending *list) {
    s->knew.n = 0;
    for (tm_pending *p = list; p; p = p->next_in_queue) {
        if (p->skip || bit_get(&s->in_keys, p->sid) || bit_get(&s->in_series, p->sid)) continue;
        bit_set(&s->in_keys, p->sid, 1);
        XGROW(s->knew.v, s->knew.n, s->knew.cap, 256);
        s->knew.v[s->knew.n++] = p->sid;
    }
    if (!s->knew.n) return 0;
    qsort(s->knew.v, s->knew.n, sizeof *s->knew.v, cmp_u32);
    return rebuild_rows(s, s->knew.v, s->knew.n);
}

void keys_end(tm_store *s, int committed) {
    if (!committed)
        for (size_t i = 0; i < s->knew.n; i++) bit_set(&s->in_keys, s->knew.v[i], 0);
    s->knew.n = 0;
}

int keys_drop(tm_store *s, const uint32_t *ids, size_t n) {
    uint32_t *v = xmalloc((n ? n : 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (bit_get(&s->in_keys, ids[i])) v[k++] = ids[i];
        bit_set(&s->in_keys, ids[i], 0);
        bit_set(&s->in_series, ids[i], 0);
    }
    qsort(v, k, sizeof *v, cmp_u32);
    int rc = rebuild_rows(s, v, k);
    free(v);
    return rc;
}

void keys_free(tm_store *s) {
    free(s->in_keys.w);
    free(s->in_series.w);
    free(s->knew.v);
}
