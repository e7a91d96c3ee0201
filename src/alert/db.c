/* db.c — alerts' SQLite file (see db.h). */
#include "db.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/log.h"

struct alert_db {
    sqlite3 *db;
    pthread_mutex_t mu;
    sqlite3_stmt *slot[DB_SLOTS];
};

static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS rules(id TEXT PRIMARY KEY, json TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS silences(id TEXT PRIMARY KEY, json TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS states(rule TEXT, series TEXT, phase INT, level INT, notified INT, since INT,"
    " pending_since INT, last_true INT, active_at INT, value REAL, PRIMARY KEY(rule, series)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY, time INT, rule TEXT, json TEXT);"
    "CREATE INDEX IF NOT EXISTS events_time ON events(time);"
    "CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT, kind INT, rule TEXT,"
    " event TEXT, created INT, attempts INT DEFAULT 0, next_try INT, last_error TEXT);"
    "CREATE INDEX IF NOT EXISTS outbox_target ON outbox(target, seq);";

static void exec(alert_db *d, const char *sql) {
    char *e = NULL;
    if (sqlite3_exec(d->db, sql, NULL, NULL, &e) != SQLITE_OK) {
        log_error("alerts db: %s (%s)", e ? e : "?", sql);
        sqlite3_free(e);
    }
}

alert_db *db_open(const char *path, char *err, size_t errlen) {
    alert_db *d = xcalloc(1, sizeof *d);
    if (sqlite3_open_v2(path ? path : ":memory:", &d->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path ? path : "memory", sqlite3_errmsg(d->db));
        sqlite3_close(d->db);
        free(d);
        return NULL;
    }
    pthread_mutex_init(&d->mu, NULL);
    sqlite3_busy_timeout(d->db, 5000);
    /* 1 KiB pages (new files only: an older file keeps its own): rules, states and events are rows
     * of a few hundred bytes, and each of the file's 11 tables and indexes takes a page even when
     * empty, as most are on a server with no alerts: 11 KiB, not 44 */
    exec(d, "PRAGMA page_size=1024; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
    char *e = NULL;
    if (sqlite3_exec(d->db, SCHEMA, NULL, NULL, &e) != SQLITE_OK) {
        snprintf(err, errlen, "alerts db %s: %s", path ? path : "memory", e ? e : "?");
        sqlite3_free(e);
        db_close(d);
        return NULL;
    }
    return d;
}

void db_close(alert_db *d) {
    if (!d) return;
    for (int i = 0; i < DB_SLOTS; i++) sqlite3_finalize(d->slot[i]);
    sqlite3_close(d->db);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

void db_lock(alert_db *d) { pthread_mutex_lock(&d->mu); }
void db_unlock(alert_db *d) { pthread_mutex_unlock(&d->mu); }
sqlite3 *db_sql(alert_db *d) { return d->db; }

sqlite3_stmt *db_stmt(alert_db *d, int slot, const char *sql) {
    if (!d->slot[slot] && sqlite3_prepare_v2(d->db, sql, -1, &d->slot[slot], NULL) != SQLITE_OK) {
        log_error("alerts db: %s (%s)", sqlite3_errmsg(d->db), sql);
        abort(); /* a statement of ours that does not compile is a bug */
    }
    sqlite3_reset(d->slot[slot]);
    sqlite3_clear_bindings(d->slot[slot]);
    return d->slot[slot];
}

void db_begin(alert_db *d) { exec(d, "BEGIN IMMEDIATE"); }
void db_commit(alert_db *d) { exec(d, "COMMIT"); }

static void step_done(alert_db *d, sqlite3_stmt *s) {
    if (sqlite3_step(s) != SQLITE_DONE) log_error("alerts db: %s", sqlite3_errmsg(d->db));
    sqlite3_reset(s);
}

enum { S_PUT_RULE, S_PUT_SIL, S_DEL_RULE, S_DEL_SIL, S_PUT_STATE, S_DEL_STATES, S_ADD_EVENT };

static int is_rules(const char *table) { return !strcmp(table, "rules"); }

/* an update keeps the rule's place: GET /alerts lists rules in the order they were made */
void db_put(alert_db *d, const char *table, const char *id, const char *json) {
    sqlite3_stmt *s = is_rules(table) ? db_stmt(d, S_PUT_RULE, "INSERT INTO rules VALUES(?1,?2) ON CONFLICT(id) DO UPDATE SET json=?2")
                                      : db_stmt(d, S_PUT_SIL, "INSERT INTO silences VALUES(?1,?2) ON CONFLICT(id) DO UPDATE SET json=?2");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, json, -1, SQLITE_STATIC);
    step_done(d, s);
}

void db_del(alert_db *d, const char *table, const char *id) {
    sqlite3_stmt *s = is_rules(table) ? db_stmt(d, S_DEL_RULE, "DELETE FROM rules WHERE id=?")
                                      : db_stmt(d, S_DEL_SIL, "DELETE FROM silences WHERE id=?");
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    step_done(d, s);
}

void db_each(alert_db *d, const char *table, void (*fn)(void *, const char *, const char *), void *arg) {
    sqlite3_stmt *s;
    char sql[100];
    snprintf(sql, sizeof sql, "SELECT id, json FROM %s ORDER BY rowid", is_rules(table) ? "rules" : "silences");
    if (sqlite3_prepare_v2(d->db, sql, -1, &s, NULL) != SQLITE_OK) return;
    while (sqlite3_step(s) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1));
    sqlite3_finalize(s);
}

void db_put_state(alert_db *d, const char *rule, const char *series, size_t slen, const alert_state *st) {
    sqlite3_stmt *s = db_stmt(d, S_PUT_STATE, "INSERT OR REPLACE INTO states VALUES(?,?,?,?,?,?,?,?,?,?)");
    sqlite3_bind_text(s, 1, rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, series, (int)slen, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, st->phase);
    sqlite3_bind_int(s, 4, st->level);
    sqlite3_bind_int(s, 5, st->notified);
    sqlite3_bind_int64(s, 6, st->since);
    sqlite3_bind_int64(s, 7, st->pending_since);
    sqlite3_bind_int64(s, 8, st->last_true);
    sqlite3_bind_int64(s, 9, st->active_at);
    if (isnan(st->value)) sqlite3_bind_null(s, 10);
    else sqlite3_bind_double(s, 10, st->value);
    step_done(d, s);
}

void db_del_states(alert_db *d, const char *rule) {
    sqlite3_stmt *s = db_stmt(d, S_DEL_STATES, "DELETE FROM states WHERE rule=?");
    sqlite3_bind_text(s, 1, rule, -1, SQLITE_STATIC);
    step_done(d, s);
}

void db_each_state(alert_db *d, void (*fn)(void *, const char *, const char *, const alert_state *), void *arg) {
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(d->db, "SELECT * FROM states", -1, &s, NULL) != SQLITE_OK) return;
    while (sqlite3_step(s) == SQLITE_ROW) {
        alert_state st = {(uint8_t)sqlite3_column_int(s, 2), (uint8_t)sqlite3_column_int(s, 3),
                          (uint8_t)sqlite3_column_int(s, 4), sqlite3_column_int64(s, 5),
                          sqlite3_column_int64(s, 6), sqlite3_column_int64(s, 7), sqlite3_column_int64(s, 8),
                          sqlite3_column_type(s, 9) == SQLITE_NULL ? NAN : sqlite3_column_double(s, 9)};
        fn(arg, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1), &st);
    }
    sqlite3_finalize(s);
}

void db_add_event(alert_db *d, int64_t time, const char *rule, const char *json) {
    sqlite3_stmt *s = db_stmt(d, S_ADD_EVENT, "INSERT INTO events(time, rule, json) VALUES(?,?,?)");
    sqlite3_bind_int64(s, 1, time);
    sqlite3_bind_text(s, 2, rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, json, -1, SQLITE_STATIC);
    step_done(d, s);
}

void db_events(alert_db *d, int64_t since, size_t limit, const char *rule, void (*fn)(void *, const char *),
               void *arg) {
    sqlite3_stmt *s;
    const char *sql = rule ? "SELECT json FROM events WHERE time >= ? AND rule = ? ORDER BY seq DESC LIMIT ?"
                           : "SELECT json FROM events WHERE time >= ? ORDER BY seq DESC LIMIT ?";
    if (sqlite3_prepare_v2(d->db, sql, -1, &s, NULL) != SQLITE_OK) return;
    int i = 1;
    sqlite3_bind_int64(s, i++, since);
    if (rule) sqlite3_bind_text(s, i++, rule, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, i, (sqlite3_int64)limit);
    while (sqlite3_step(s) == SQLITE_ROW) fn(arg, (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
}

void db_trim_events(alert_db *d, size_t keep) {
    char sql[120];
    snprintf(sql, sizeof sql, "DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - %zu", keep);
    exec(d, sql);
}
