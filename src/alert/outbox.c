/* outbox.c — the durable notification queue (see outbox.h). */
#include "outbox.h"

#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/log.h"

enum { S_ADD = 10, S_PENDING_ALL, S_PENDING_ONE, S_HEADS, S_DONE, S_RETRY, S_EXPIRE_LIST };

void outbox_add(alert_db *d, const char *target, int kind, const char *rule, const char *event, int64_t now) {
    sqlite3_stmt *s = db_stmt(d, S_ADD, "INSERT INTO outbox(target, kind, rule, event, created, attempts, next_try)"
                                        " VALUES(?,?,?,?,?,0,?)");
    sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, kind);
    sqlite3_bind_text(s, 3, rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, event, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, now);
    sqlite3_bind_int64(s, 6, now);
    if (sqlite3_step(s) != SQLITE_DONE) log_error("alerts outbox: %s", sqlite3_errmsg(db_sql(d)));
    sqlite3_reset(s);
}

size_t outbox_pending(alert_db *d, const char *target) {
    sqlite3_stmt *s = target ? db_stmt(d, S_PENDING_ONE, "SELECT COUNT(*) FROM outbox WHERE target=?")
                             : db_stmt(d, S_PENDING_ALL, "SELECT COUNT(*) FROM outbox");
    if (target) sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC);
    size_t n = sqlite3_step(s) == SQLITE_ROW ? (size_t)sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return n;
}

static char *col(sqlite3_stmt *s, int i) {
    const char *t = (const char *)sqlite3_column_text(s, i);
    return xstrndup(t ? t : "", t ? strlen(t) : 0);
}

size_t outbox_heads(alert_db *d, outbox_entry *out, size_t max) {
    db_lock(d);
    sqlite3_stmt *s = db_stmt(d, S_HEADS,
                              "SELECT seq, target, kind, rule, event, attempts, next_try, created FROM outbox"
                              " WHERE seq IN (SELECT MIN(seq) FROM outbox GROUP BY target) ORDER BY seq LIMIT ?");
    sqlite3_bind_int64(s, 1, (sqlite3_int64)max);
    size_t n = 0;
    while (n < max && sqlite3_step(s) == SQLITE_ROW) {
        outbox_entry *e = &out[n++];
        e->seq = sqlite3_column_int64(s, 0);
        e->target = col(s, 1);
        e->kind = sqlite3_column_int(s, 2);
        e->rule = col(s, 3);
        e->event = col(s, 4);
        e->attempts = sqlite3_column_int(s, 5);
        e->next_try = sqlite3_column_int64(s, 6);
        e->created = sqlite3_column_int64(s, 7);
    }
    sqlite3_reset(s);
    db_unlock(d);
    return n;
}

void outbox_entry_free(outbox_entry *e) {
    free(e->target);
    free(e->rule);
    free(e->event);
    memset(e, 0, sizeof *e);
}

void outbox_done(alert_db *d, int64_t seq) {
    db_lock(d);
    sqlite3_stmt *s = db_stmt(d, S_DONE, "DELETE FROM outbox WHERE seq=?");
    sqlite3_bind_int64(s, 1, seq);
    if (sqlite3_step(s) != SQLITE_DONE) log_error("alerts outbox: %s", sqlite3_errmsg(db_sql(d)));
    sqlite3_reset(s);
    db_unlock(d);
}

int64_t outbox_backoff(int attempts) {
    int64_t ms = OUTBOX_BACKOFF_MIN_MS;
    for (int i = 1; i < attempts && ms < OUTBOX_BACKOFF_MAX_MS; i++) ms *= 2;
    return ms < OUTBOX_BACKOFF_MAX_MS ? ms : OUTBOX_BACKOFF_MAX_MS;
}

int64_t outbox_retry(alert_db *d, const outbox_entry *e, const char *why, int64_t now) {
    int64_t next = now + outbox_backoff(e->attempts + 1);
    db_lock(d);
    sqlite3_stmt *s = db_stmt(d, S_RETRY, "UPDATE outbox SET attempts=attempts+1, next_try=?, last_error=? WHERE seq=?");
    sqlite3_bind_int64(s, 1, next);
    sqlite3_bind_text(s, 2, why, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, e->seq);
    if (sqlite3_step(s) != SQLITE_DONE) log_error("alerts outbox: %s", sqlite3_errmsg(db_sql(d)));
    sqlite3_reset(s);
    db_unlock(d);
    return next;
}

size_t outbox_expire(alert_db *d, int64_t cutoff) {
    db_lock(d);
    sqlite3_stmt *s = db_stmt(d, S_EXPIRE_LIST, "DELETE FROM outbox WHERE created < ? RETURNING target, rule");
    sqlite3_bind_int64(s, 1, cutoff);
    size_t n = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        if (!n) log_warn("alerts: giving up on notifications to %s (rule %s) after --alert-retry-for",
                         sqlite3_column_text(s, 0), sqlite3_column_text(s, 1));
        n++;
    }
    sqlite3_reset(s);
    db_unlock(d);
    return n;
}
