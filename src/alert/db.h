/* db.h — where alerts keep what must survive kill -9: rules, per-series
 * states, silences, the event history and the outbox, in one SQLite file
 * (DATA/alerts.db; in memory with --memory).
 *
 * One connection, shared by the evaluator and the delivery thread under
 * db_lock. A round of evaluation writes its state changes, events and
 * outbox entries in one transaction (db_begin .. db_commit, synchronous
 * FULL), so after a crash either all of a transition is there (and will be
 * notified exactly once) or none of it (and it is found again). */
#ifndef TM_ALERT_DB_H
#define TM_ALERT_DB_H
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

typedef struct alert_db alert_db;

alert_db *db_open(const char *path, char *err, size_t errlen); /* path NULL: in memory */
void db_close(alert_db *d);
void db_lock(alert_db *d);
void db_unlock(alert_db *d);
sqlite3 *db_sql(alert_db *d);
/* a prepared statement kept for the life of the connection (slot < DB_SLOTS), reset */
sqlite3_stmt *db_stmt(alert_db *d, int slot, const char *sql);
#define DB_SLOTS 24
void db_begin(alert_db *d);
void db_commit(alert_db *d);

/* rules and silences: (id, canonical JSON) */
void db_put(alert_db *d, const char *table, const char *id, const char *json);
void db_del(alert_db *d, const char *table, const char *id);
void db_each(alert_db *d, const char *table, void (*fn)(void *, const char *id, const char *json), void *arg);

void db_put_state(alert_db *d, const char *rule, const char *series, size_t slen, const alert_state *st);
void db_del_states(alert_db *d, const char *rule); /* every series of a rule */
void db_each_state(alert_db *d, void (*fn)(void *, const char *rule, const char *series, const alert_state *),
                   void *arg);

/* history, newest first; keeps the last keep events */
void db_add_event(alert_db *d, int64_t time, const char *rule, const char *json);
void db_events(alert_db *d, int64_t since, size_t limit, const char *rule, void (*fn)(void *, const char *json),
               void *arg);
void db_trim_events(alert_db *d, size_t keep);
#endif
