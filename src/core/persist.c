/* persist.c — the SQLite side: schema, catalog load, and the persister
 * thread that encodes closed chunks and commits them off the ingest path.
 *
 * A closed chunk leaves memory (and so lets the write-ahead log be cut)
 * only once the transaction holding it committed. A failed commit (disk
 * full, I/O error) is rolled back and retried with a growing pause; the
 * chunks stay readable in memory meanwhile and the log keeps them. */
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
    /* what never changes: each series' key and type (keys.c); databases made before it have a
     * table series(id, key, type), and format 1 ones points, last_ts, last_v, last_v2, last_s and
     * walpos there too, which states (states.c) replaces */
    "CREATE TABLE IF NOT EXISTS keys(blk INTEGER PRIMARY KEY, data BLOB NOT NULL, crc INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS states(blk INTEGER PRIMARY KEY, data BLOB NOT NULL, crc INTEGER NOT NULL);"
    /* closed chunks, several series to a row (pack.h); databases made before keep a row per chunk in
     * chunks(id, series, start, end, data, crc), moved here at the first start (packs_migrate) */
    "CREATE TABLE IF NOT EXISTS packs(id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, start INTEGER NOT NULL,"
    " end INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS packs_grp ON packs(grp, end);"
    /* rollups (ROLLUPS_SCHEMA) come with the first rollup block: until then they would be two
     * empty pages */
    /* PRAGMA user_version holds next_id: ids below it were handed out once and are never handed
     * out again (databases made before kept it in a table meta(k, v), still read) */
    ;

const char *const ROLLUPS_SCHEMA =
    "CREATE TABLE IF NOT EXISTS rollups(series INTEGER NOT NULL, arch INTEGER NOT NULL, start INTEGER NOT NULL,"
    " end INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER, PRIMARY KEY(series, arch, start));";

/* Databases made before chunks carried a checksum get the column (NULL: not checked). */
static void add_crc_columns(sqlite3 *db) {
    sqlite3_exec(db, "ALTER TABLE chunks ADD COLUMN crc INTEGER", NULL, NULL, NULL);
    sqlite3_exec(db, "ALTER TABLE rollups ADD COLUMN crc INTEGER", NULL, NULL, NULL);
}

int tx_end(sqlite3 *db, int ok) {
    if (ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) return 0;
    /* a failed COMMIT may leave the transaction open; never leave half of it */
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int blob_ok(sqlite3_stmt *st, int data_col, int crc_col) {
    if (sqlite3_column_type(st, crc_col) == SQLITE_NULL) return 1;
    const void *p = sqlite3_column_blob(st, data_col);
    size_t n = (size_t)sqlite3_column_bytes(st, data_col);
    return (uint32_t)sqlite3_column_int64(st, crc_col) == crc32c(0, p, n);
}

static int has_table(sqlite3 *db, const char *name) {
    sqlite3_stmt *st;
    int yes = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type='table' AND name=?", -1, &st, NULL)) return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

/* The series of a database made before `keys`, one row each; the state
 * columns only in a format 1 database (states come after, and replace them). */
static int load_series(tm_store *s, char *err, size_t errlen) {
    if (!(s->has_series = has_table(s->wdb, "series"))) return 0;
    sqlite3_stmt *st;
    int v1 = !sqlite3_prepare_v2(s->wdb, "SELECT id, key, type, points, last_ts, last_v, last_v2, last_s, walpos FROM series",
                                 -1, &st, NULL);
    if (!v1 && sqlite3_prepare_v2(s->wdb, "SELECT id, key, type FROM series", -1, &st, NULL)) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(s->wdb));
        return -1;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        tm_series *se = catalog_add(&s->cat, (uint32_t)sqlite3_column_int64(st, 0), k, n, key_hash(k, n),
                                    sqlite3_column_int(st, 2));
        keys_loaded_old(s, se->id);
        if (!v1) continue;
        se->points = (uint64_t)sqlite3_column_int64(st, 3);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) se->last_ts = sqlite3_column_int64(st, 4);
        se->closed_max = se->last_ts == INT64_MIN ? INT64_MAX : se->last_ts; /* every persisted sample is older */
        se->last_v = sqlite3_column_double(st, 5);
        if (se->type == TM_LOCATION) se->last_v2 = sqlite3_column_double(st, 6);
        const char *ls = (const char *)sqlite3_column_text(st, 7);
        if (ls && se->type == TM_STRING) se->last_str = xstrndup(ls, strlen(ls));
        catalog_set_saved(&s->cat, se->id, (uint64_t)sqlite3_column_int64(st, 8));
    }
    sqlite3_finalize(st);
    return 0;
}

static int64_t query_int(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL)) return 0;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* No new series may take the id of one whose row was lost or deleted while
 * its chunks (or its place in the id sequence) remain. */
static void retire_ids(tm_store *s) {
    int64_t hi = (int64_t)(uint32_t)query_int(s->wdb, "PRAGMA user_version") - 1;
    int64_t old = query_int(s->wdb, "SELECT v FROM meta WHERE k='next_id'") - 1; /* 0: no such table */
    if (old > hi) hi = old;
    int64_t c = packs_max_id(s->wdb);
    int64_t r = query_int(s->wdb, "SELECT MAX(series) FROM rollups");
    if (c > hi) hi = c;
    if (r > hi) hi = r;
    if (hi > 0 && hi < UINT32_MAX) catalog_retire(&s->cat, (uint32_t)hi);
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
    if (!s->o.memory && db_quick_check(s, path, err, errlen)) return -1;
    char *msg = NULL;
    if (sqlite3_exec(s->wdb, SCHEMA, NULL, NULL, &msg)) {
        snprintf(err, errlen, "cannot set up %s: %s", path, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    add_crc_columns(s->wdb);
    if (s->o.memory) s->rdb = s->wdb;
    else if (sqlite3_open_v2(path, &s->rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL)) {
        snprintf(err, errlen, "cannot open %s for reading: %s", path, sqlite3_errmsg(s->rdb));
        return -1;
    }
    sqlite3_busy_timeout(s->rdb, 5000);
    s->has_rollups = has_table(s->wdb, "rollups");
    if (persist_prepare_reader(s, &s->own, s->rdb, err, errlen) || load_series(s, err, errlen) ||
        keys_load(s, path, err, errlen) || states_load(s, path, err, errlen))
        return -1;
    if (!s->o.memory && (db_check_blobs(s, path, err, errlen) || packs_migrate(s, err, errlen))) return -1;
    retire_ids(s);
    return 0;
}

int persist_prepare_reader(tm_store *s, struct tm_reader *r, sqlite3 *db, char *err, size_t errlen) {
    r->s = s;
    r->db = db;
    if (sqlite3_prepare_v2(db,
                           "SELECT data, crc, id, start FROM packs WHERE grp=? AND end>=? AND start<=? ORDER BY end, id",
                           -1, &r->chunks, NULL) ||
        sqlite3_prepare_v2(db, "SELECT data, crc, id, start FROM packs WHERE grp=? AND end>=? AND start<=? ORDER BY id",
                           -1, &r->chunks_by_id, NULL) ||
        (__atomic_load_n(&s->has_rollups, __ATOMIC_ACQUIRE) && !persist_reader_rollups(r))) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

int persist_reader_rollups(struct tm_reader *r) {
    if (!r->rollups && __atomic_load_n(&r->s->has_rollups, __ATOMIC_ACQUIRE))
        sqlite3_prepare_v2(r->db,
                           "SELECT arch, data, crc, start FROM rollups WHERE series=? AND end>=? AND start<=? "
                           "ORDER BY arch DESC, start",
                           -1, &r->rollups, NULL);
    return r->rollups != NULL;
}

/* Write a run of closed chunks in one transaction: 0 when it committed.
 * With them go the keys of their series not yet written, and each
 * series' state. */
static int write_chunks(tm_store *s, tm_pending *list) {
    int ok = sqlite3_exec(s->wdb, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
    ok = ok && !packs_write(s, list) && !keys_save(s, list) && !states_save(s, list);
    if (ok) { /* the file header's 4 bytes, written with every commit anyway: no table, no page */
        char sql[48];
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d",
                 (int)(uint32_t)__atomic_load_n(&s->cat.nids, __ATOMIC_ACQUIRE));
        ok = sqlite3_exec(s->wdb, sql, NULL, NULL, NULL) == SQLITE_OK;
    }
    if (!ok) snprintf(s->persist_err, sizeof s->persist_err, "%s", sqlite3_errmsg(s->wdb));
    int rc = tx_end(s->wdb, ok);
    keys_end(s, !rc);
    if (ok && rc) snprintf(s->persist_err, sizeof s->persist_err, "commit: %s", sqlite3_errmsg(s->wdb));
    return rc;
}

/* Release committed chunks: only now may queries stop reading them from memory. */
static void release_chunks(tm_store *s, tm_pending *list) {
    uint64_t n = 0, last_seq = 0;
    pthread_mutex_lock(&s->mu);
    for (tm_pending *p = list, *next; p; p = next, n++) {
        next = p->next_in_queue;
        last_seq = p->seq;
        tm_pending **pp = &p->se->pending;
        while (*pp && *pp != p) pp = &(*pp)->next_in_series;
        if (*pp) *pp = p->next_in_series;
        cols_free(&p->c);
        free(p->last_str);
        free(p);
    }
    s->chunks_persisted += n;
    s->failures = 0;
    if (last_seq > s->done_seq) s->done_seq = last_seq;
    pthread_cond_broadcast(&s->done);
    pthread_mutex_unlock(&s->mu);
}

/* Put a run that did not commit back at the front of the queue (mu held). */
static void requeue(tm_store *s, tm_pending *list) {
    tm_pending *tail = list;
    while (tail->next_in_queue) tail = tail->next_in_queue;
    tail->next_in_queue = s->qhead;
    if (!s->qhead) s->qtail = tail;
    s->qhead = list;
}

#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000
#define STOP_TRIES 5 /* at a stop, then the log is kept for the next start */

/* One attempt at the queue; returns 0 when it is empty afterwards. */
static int persist_once(tm_store *s, tm_pending *list) {
    if (!list) return 0;
    if (!write_chunks(s, list)) {
        if (s->failures) log_info("sqlite: chunks are persisted again, after %d failed attempts", s->failures);
        release_chunks(s, list);
        return 0;
    }
    if (!s->failures) { /* once per episode */
        size_t n = 0;
        for (tm_pending *p = list; p; p = p->next_in_queue) n++;
        log_error("sqlite: cannot persist %zu chunk(s): %s; they stay in memory and in the write-ahead log, "
                  "retrying", n, s->persist_err);
    }
    pthread_mutex_lock(&s->mu);
    s->failures++;
    requeue(s, list);
    pthread_cond_broadcast(&s->done); /* persist_wait gives up rather than hang */
    pthread_mutex_unlock(&s->mu);
    return -1;
}

static void wait_ms(tm_store *s, int64_t ms, int ignore_wake) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + (ms % 1000) * 1000000;
    ts.tv_sec += ms / 1000 + ns / 1000000000;
    ts.tv_nsec = ns % 1000000000;
    /* while retrying, a newly closed chunk is no reason to try sooner */
    while (pthread_cond_timedwait(&s->wake, &s->mu, &ts) == 0)
        if (!ignore_wake || s->stop) break;
}

static void *persister(void *arg) {
    tm_store *s = arg;
    int64_t next_expire = 0;
    int stop_tries = 0;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (s->failures) {
            int64_t pause = (int64_t)RETRY_MIN_MS << (s->failures < 6 ? s->failures - 1 : 5);
            wait_ms(s, pause < RETRY_MAX_MS ? pause : RETRY_MAX_MS, 1);
        } else if (!s->qhead && !s->stop) {
            wait_ms(s, 1000, 0);
        }
        tm_pending *list = s->qhead;
        s->qhead = s->qtail = NULL;
        for (tm_pending *p = list; p; p = p->next_in_queue) p->skip = p->dropped;
        int stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        int failed = persist_once(s, list);
        delete_rows(s); /* after the chunks taken with it: none brings a deleted series back */
        int64_t now = now_ms();
        if (!failed && s->o.narch && now >= next_expire) {
            rollup_expire(s, now);
            int64_t every = s->o.keep[0] / 4;
            next_expire = now + (every < 1000 ? 1000 : every > 60000 ? 60000 : every);
        }
        pthread_mutex_lock(&s->mu);
        if (stop && !failed && !s->qhead) break;
        if (stop && failed && ++stop_tries >= STOP_TRIES) {
            s->persist_failed = 1; /* the queue stays: store_close keeps the log */
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

void persist_start(tm_store *s) { pthread_create(&s->thr, NULL, persister, s); }

int persist_wait(tm_store *s, uint64_t seq) {
    pthread_mutex_lock(&s->mu);
    pthread_cond_signal(&s->wake);
    while (s->done_seq < seq && !s->failures) pthread_cond_wait(&s->done, &s->mu);
    int ok = s->done_seq >= seq;
    pthread_mutex_unlock(&s->mu);
    return ok ? 0 : -1;
}

int persist_stop(tm_store *s) {
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thr, NULL);
    s->thr = 0;
    return s->persist_failed ? -1 : 0;
}

void persist_close(tm_store *s) {
    sqlite3_finalize(s->own.chunks);
    sqlite3_finalize(s->own.chunks_by_id);
    sqlite3_finalize(s->own.rollups);
    s->own.chunks = s->own.chunks_by_id = s->own.rollups = NULL;
    read_forget(&s->own);
    if (s->rdb && s->rdb != s->wdb) sqlite3_close(s->rdb);
    if (s->wdb) {
        /* fold the SQLite WAL back into the database file on a clean stop */
        sqlite3_exec(s->wdb, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(s->wdb);
    }
    s->rdb = s->wdb = NULL;
}
