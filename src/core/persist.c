/* persist.c — the SQLite side: schema, catalog load, and the persister
 * thread that encodes closed chunks and commits them off the ingest path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/log.h"
#include "../util/timeparse.h"
#include "store_int.h"

static const char *SCHEMA =
    "PRAGMA page_size=16384;" /* blobs of a few hundred bytes waste less of a big page */
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;" /* the WAL is cut once a commit returns */
    "CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL,"
    " points INTEGER, last_ts INTEGER, last_v REAL, last_v2 REAL, last_s TEXT, walpos INTEGER);"
    "CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY, series INTEGER NOT NULL, start INTEGER NOT NULL,"
    " end INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS chunks_series ON chunks(series, end);"
    "CREATE TABLE IF NOT EXISTS rollups(series INTEGER NOT NULL, arch INTEGER NOT NULL, start INTEGER NOT NULL,"
    " end INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(series, arch, start));";

static int load_series(tm_store *s, char *err, size_t errlen) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->wdb, "SELECT id, key, type, points, last_ts, last_v, last_v2, last_s, walpos FROM series",
                           -1, &st, NULL)) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(s->wdb));
        return -1;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        tm_series *se = catalog_add(&s->cat, (uint32_t)sqlite3_column_int64(st, 0), k, n, key_hash(k, n),
                                    sqlite3_column_int(st, 2));
        se->points = (uint64_t)sqlite3_column_int64(st, 3);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) se->last_ts = sqlite3_column_int64(st, 4);
        se->last_v = sqlite3_column_double(st, 5);
        se->last_v2 = sqlite3_column_double(st, 6);
        const char *ls = (const char *)sqlite3_column_text(st, 7);
        if (ls) se->last_str = xstrndup(ls, strlen(ls));
        se->saved_walpos = (uint64_t)sqlite3_column_int64(st, 8);
    }
    sqlite3_finalize(st);
    return 0;
}

int persist_open(tm_store *s, char *err, size_t errlen) {
    char path[4096];
    if (s->o.memory) snprintf(path, sizeof path, ":memory:");
    else snprintf(path, sizeof path, "%s/tidemark.db", s->dir);
    if (sqlite3_open_v2(path, &s->wdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL)) {
        snprintf(err, errlen, "cannot open %s: %s", path, s->wdb ? sqlite3_errmsg(s->wdb) : "out of memory");
        return -1;
    }
    sqlite3_busy_timeout(s->wdb, 5000);
    char *msg = NULL;
    if (sqlite3_exec(s->wdb, SCHEMA, NULL, NULL, &msg)) {
        snprintf(err, errlen, "cannot set up %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    if (s->o.memory) s->rdb = s->wdb;
    else if (sqlite3_open_v2(path, &s->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL)) {
        snprintf(err, errlen, "cannot open %s for reading: %s", path, sqlite3_errmsg(s->rdb));
        return -1;
    }
    sqlite3_busy_timeout(s->rdb, 5000);
    if (persist_prepare_reader(s, &s->own, s->rdb, err, errlen)) return -1;
    return load_series(s, err, errlen);
}

int persist_prepare_reader(tm_store *s, struct tm_reader *r, sqlite3 *db, char *err, size_t errlen) {
    r->s = s;
    r->db = db;
    if (sqlite3_prepare_v2(db, "SELECT data FROM chunks WHERE series=? AND end>=? AND start<=? ORDER BY id", -1,
                           &r->chunks, NULL) ||
        sqlite3_prepare_v2(db,
                           "SELECT arch, data FROM rollups WHERE series=? AND end>=? AND start<=? "
                           "ORDER BY arch DESC, start",
                           -1, &r->rollups, NULL)) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

static void save_chunk(tm_store *s, sqlite3_stmt *ins, sqlite3_stmt *ser, tm_pending *p, tm_buf *blob) {
    blob->n = 0;
    chunk_encode(&p->c, blob);
    sqlite3_bind_int64(ins, 1, p->sid);
    sqlite3_bind_int64(ins, 2, p->c.ts[0]);
    sqlite3_bind_int64(ins, 3, p->c.ts[p->c.n - 1]);
    sqlite3_bind_blob(ins, 4, blob->p, (int)blob->n, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) log_error("sqlite: saving a chunk: %s", sqlite3_errmsg(s->wdb));
    sqlite3_reset(ins);
    /* the key never changes once the series exists, so reading it here is safe */
    tm_series *se = p->se;
    sqlite3_bind_int64(ser, 1, p->sid);
    sqlite3_bind_text(ser, 2, se->key, (int)se->klen, SQLITE_STATIC);
    sqlite3_bind_int(ser, 3, se->type);
    sqlite3_bind_int64(ser, 4, (sqlite3_int64)p->points);
    sqlite3_bind_int64(ser, 5, p->last_ts);
    sqlite3_bind_double(ser, 6, p->last_v);
    sqlite3_bind_double(ser, 7, p->last_v2);
    if (p->last_str) sqlite3_bind_text(ser, 8, p->last_str, -1, SQLITE_STATIC);
    else sqlite3_bind_null(ser, 8);
    sqlite3_bind_int64(ser, 9, (sqlite3_int64)p->walpos);
    if (sqlite3_step(ser) != SQLITE_DONE) log_error("sqlite: saving a series: %s", sqlite3_errmsg(s->wdb));
    sqlite3_reset(ser);
}

/* Commit a run of closed chunks in one transaction, then release them. */
static void commit_chunks(tm_store *s, tm_pending *list) {
    sqlite3_stmt *ins = NULL, *ser = NULL;
    sqlite3_prepare_v2(s->wdb, "INSERT INTO chunks(series, start, end, data) VALUES(?,?,?,?)", -1, &ins, NULL);
    sqlite3_prepare_v2(s->wdb,
                       "INSERT OR REPLACE INTO series(id, key, type, points, last_ts, last_v, last_v2, last_s, walpos) "
                       "VALUES(?,?,?,?,?,?,?,?,?)",
                       -1, &ser, NULL);
    tm_buf blob = {0};
    uint64_t n = 0, last_seq = 0;
    sqlite3_exec(s->wdb, "BEGIN", NULL, NULL, NULL);
    for (tm_pending *p = list; p; p = p->next_in_queue, n++) {
        if (!p->skip) save_chunk(s, ins, ser, p, &blob);
        last_seq = p->seq;
    }
    if (sqlite3_exec(s->wdb, "COMMIT", NULL, NULL, NULL)) log_error("sqlite: commit: %s", sqlite3_errmsg(s->wdb));
    buf_free(&blob);
    sqlite3_finalize(ins);
    sqlite3_finalize(ser);
    /* only now may queries stop reading these from memory */
    pthread_mutex_lock(&s->mu);
    for (tm_pending *p = list, *next; p; p = next) {
        next = p->next_in_queue;
        tm_pending **pp = &p->se->pending;
        while (*pp && *pp != p) pp = &(*pp)->next_in_series;
        if (*pp) *pp = p->next_in_series;
        cols_free(&p->c);
        free(p->last_str);
        free(p);
    }
    s->chunks_persisted += n;
    if (last_seq > s->done_seq) s->done_seq = last_seq;
    pthread_cond_broadcast(&s->done);
    pthread_mutex_unlock(&s->mu);
}

static void *persister(void *arg) {
    tm_store *s = arg;
    int64_t next_expire = 0;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (!s->qhead && !s->stop) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&s->wake, &s->mu, &ts);
        }
        tm_pending *list = s->qhead;
        s->qhead = s->qtail = NULL;
        for (tm_pending *p = list; p; p = p->next_in_queue) p->skip = p->dropped;
        int stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (list) commit_chunks(s, list);
        delete_rows(s); /* after the chunks taken with it: none brings a deleted series back */
        int64_t now = now_ms();
        if (s->o.narch && now >= next_expire) {
            rollup_expire(s, now);
            int64_t every = s->o.keep[0] / 4;
            next_expire = now + (every < 1000 ? 1000 : every > 60000 ? 60000 : every);
        }
        pthread_mutex_lock(&s->mu);
        if (stop && !s->qhead) break;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

void persist_start(tm_store *s) { pthread_create(&s->thr, NULL, persister, s); }

void persist_wait(tm_store *s, uint64_t seq) {
    pthread_mutex_lock(&s->mu);
    pthread_cond_signal(&s->wake);
    while (s->done_seq < seq) pthread_cond_wait(&s->done, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

void persist_stop(tm_store *s) {
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thr, NULL);
    s->thr = 0;
}

void persist_close(tm_store *s) {
    sqlite3_finalize(s->own.chunks);
    sqlite3_finalize(s->own.rollups);
    s->own.chunks = s->own.rollups = NULL;
    if (s->rdb && s->rdb != s->wdb) sqlite3_close(s->rdb);
    if (s->wdb) {
        /* fold the SQLite WAL back into the database file on a clean stop */
        sqlite3_exec(s->wdb, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(s->wdb);
    }
    s->rdb = s->wdb = NULL;
}
