/* reader.c — reads from threads other than the loop (see store.h, "Reading
 * from other threads").
 *
 * Why this is race-free: everything a read touches in memory is either
 * immutable once the series exists (its id, type, key), or changed only by
 * the loop thread while it holds s->lock for writing (the catalog's arrays,
 * the head, last values), or guarded by s->mu (pending chunks, which the
 * persister also changes). A reader holds s->lock for reading over the whole
 * call and takes s->mu inside it, the same order the loop thread uses
 * (lock, then mu in head_close), so there is no cycle. SQLite is read on the
 * reader's own connection: WAL mode gives each statement a committed
 * snapshot, and a chunk leaves memory only after its commit (persist.c), so
 * reading memory before SQLite never misses it. With --memory there is one
 * connection (opened FULLMUTEX: calls are serialized) and each reader has its
 * own statements on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

tm_reader *store_reader_open(tm_store *s, char *err, size_t errlen) {
    tm_reader *r = xcalloc(1, sizeof *r);
    sqlite3 *db = s->rdb;
    if (!s->o.memory) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tidemark.db", s->dir);
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL)) {
            snprintf(err, errlen, "cannot open %s for reading: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
            sqlite3_close(db);
            free(r);
            return NULL;
        }
        sqlite3_busy_timeout(db, 5000);
    }
    if (persist_prepare_reader(s, r, db, err, errlen)) {
        r->db = db;
        store_reader_close(r);
        return NULL;
    }
    return r;
}

void store_reader_close(tm_reader *r) {
    if (!r) return;
    sqlite3_finalize(r->chunks);
    sqlite3_finalize(r->chunks_by_id);
    sqlite3_finalize(r->rollups);
    if (r->db && r->db != r->s->rdb) sqlite3_close(r->db);
    free(r->last_str);
    read_forget(r);
    free(r);
}

int reader_read(tm_reader *r, uint32_t id, int64_t from, int64_t until, tm_cols *out) {
    pthread_rwlock_rdlock(&r->s->lock);
    int ok = read_series(r, id, from, until, out);
    pthread_rwlock_unlock(&r->s->lock);
    return ok;
}

int reader_buckets(tm_reader *r, uint32_t id, int64_t from, int64_t until, int64_t step, tm_cols *out) {
    pthread_rwlock_rdlock(&r->s->lock);
    int ok = read_buckets(r, id, from, until, step, out);
    pthread_rwlock_unlock(&r->s->lock);
    return ok;
}

int reader_get(tm_reader *r, uint32_t id, tm_series_info *out) {
    pthread_rwlock_rdlock(&r->s->lock);
    tm_series *se = catalog_get(&r->s->cat, id);
    if (se) {
        info_of(se, out);
        free(r->last_str);
        r->last_str = out->last_str ? xstrndup(out->last_str, strlen(out->last_str)) : NULL;
        out->last_str = r->last_str;
    }
    pthread_rwlock_unlock(&r->s->lock);
    return se != NULL;
}

uint32_t reader_max_id(tm_reader *r) {
    size_t gone;
    return store_counts(r->s, &gone);
}

uint32_t store_counts(tm_store *s, size_t *ngone) {
    pthread_rwlock_rdlock(&s->lock);
    uint32_t n = (uint32_t)(s->cat.nids - 1);
    *ngone = s->ngone;
    pthread_rwlock_unlock(&s->lock);
    return n;
}

tm_store *reader_store(tm_reader *r) { return r->s; }

const char *store_key(tm_store *s, uint32_t id, size_t *klen) {
    tm_series *se = catalog_at(&s->cat, id);
    *klen = se ? se->klen : 0;
    return se ? se->key : NULL;
}
