/* delete.c — store_delete: a series leaves every lookup at once (catalog,
 * head), its WAL tombstone makes that survive a crash, and the persister
 * thread drops its SQLite rows (chunks, rollups, catalog row, state) after any of
 * its chunks still queued, so nothing committed later brings it back. */
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "store_int.h"

static void push_id(uint32_t **v, size_t *n, size_t *cap, uint32_t id) {
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *v = xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = id;
}

void delete_apply(tm_store *s, tm_series *const *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        tm_series *se = v[i];
        free(se->head);
        se->head = NULL;
        if (se->type == TM_STRING) {
            free(se->last_str);
            se->last_str = NULL;
        }
        push_id(&s->gone, &s->ngone, &s->capgone, se->id);
    }
    catalog_delete(&s->cat, v, n);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < n; i++) {
        for (tm_pending *p = v[i]->pending; p; p = p->next_in_series) p->dropped = 1; /* queued: not to be saved */
        push_id(&s->dels, &s->ndels, &s->capdels, v[i]->id);
    }
    s->del_req++;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
}

/* The live series among ids, each once (allocated; *k of them). */
static tm_series **live_series(tm_store *s, const uint32_t *ids, size_t n, size_t *k) {
    tm_series **v = xmalloc((n ? n : 1) * sizeof *v);
    *k = 0;
    for (size_t i = 0; i < n; i++) {
        tm_series *se = catalog_get(&s->cat, ids[i]);
        if (se && !se->deleted) {
            se->deleted = 2; /* seen: a repeated id counts once */
            v[(*k)++] = se;
        }
    }
    for (size_t i = 0; i < *k; i++) v[i]->deleted = 0;
    return v;
}

long store_delete(tm_store *s, const uint32_t *ids, size_t n) {
    pthread_rwlock_wrlock(&s->lock);
    size_t k;
    tm_series **v = live_series(s, ids, n, &k);
    if (s->wal && k) {
        tm_buf w = {0};
        uint64_t pos;
        for (size_t i = 0; i < k; i++) {
            buf_putc(&w, W_DELETE);
            buf_put_uvarint(&w, v[i]->id);
        }
        int bad = wal_append(s->wal, w.p, w.n, &pos);
        buf_free(&w);
        if (bad) {
            pthread_rwlock_unlock(&s->lock);
            free(v);
            log_error("wal: cannot log the delete of %zu series", k);
            return -1;
        }
    }
    uint64_t want = 0;
    if (k) {
        delete_apply(s, v, k);
        pthread_mutex_lock(&s->mu);
        want = s->del_req;
        pthread_mutex_unlock(&s->mu);
    }
    pthread_rwlock_unlock(&s->lock);
    free(v);
    /* answered once SQLite no longer holds them (the persister may be busy
     * with a commit first; deletes are rare) */
    pthread_mutex_lock(&s->mu);
    while (k && s->thr && s->del_done < want) pthread_cond_wait(&s->done, &s->mu);
    pthread_mutex_unlock(&s->mu);
    return (long)k;
}

void delete_rows(tm_store *s) {
    pthread_mutex_lock(&s->mu);
    uint32_t *ids = s->dels;
    size_t n = s->ndels;
    uint64_t upto = s->del_req;
    s->dels = NULL;
    s->ndels = s->capdels = 0;
    pthread_mutex_unlock(&s->mu);
    if (n) {
        /* the tables there are: rollups come with the first block, series is of databases made before keys */
        const char *sql[2];
        int nsql = 0;
        if (s->has_rollups) sql[nsql++] = "DELETE FROM rollups WHERE series=?";
        if (s->has_series) sql[nsql++] = "DELETE FROM series WHERE id=?";
        sqlite3_stmt *st[2] = {0};
        for (int k = 0; k < nsql; k++) sqlite3_prepare_v2(s->wdb, sql[k], -1, &st[k], NULL);
        pack_editor ed;
        int ok = !packs_editor_open(s->wdb, &ed) && sqlite3_exec(s->wdb, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
        for (size_t i = 0; ok && i < n; i++) {
            ok = !packs_drop_series(&ed, ids[i]); /* its members, out of rows other series share */
            for (int k = 0; ok && k < nsql; k++) {
                sqlite3_bind_int64(st[k], 1, ids[i]);
                if (sqlite3_step(st[k]) != SQLITE_DONE) ok = 0;
                sqlite3_reset(st[k]);
            }
        }
        ok = ok && !keys_drop(s, ids, n) && !states_drop(s, ids, n);
        /* never left open: a transaction left behind would fail every later commit */
        if (tx_end(s->wdb, ok)) log_error("sqlite: deleting series: %s", sqlite3_errmsg(s->wdb));
        for (int k = 0; k < 2; k++) sqlite3_finalize(st[k]);
        packs_editor_close(&ed);
    }
    free(ids);
    pthread_mutex_lock(&s->mu);
    if (upto > s->del_done) s->del_done = upto;
    pthread_cond_broadcast(&s->done);
    pthread_mutex_unlock(&s->mu);
}

size_t reader_deleted(tm_reader *r, size_t from, uint32_t **ids) {
    pthread_rwlock_rdlock(&r->s->lock);
    size_t n = r->s->ngone;
    *ids = NULL;
    if (from < n) {
        *ids = xmalloc((n - from) * sizeof **ids);
        memcpy(*ids, r->s->gone + from, (n - from) * sizeof **ids);
    }
    pthread_rwlock_unlock(&r->s->lock);
    return n;
}
