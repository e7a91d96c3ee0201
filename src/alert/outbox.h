/* outbox.h — notifications that must not be lost, in the alerts db.
 *
 * The evaluator adds an entry (target URL, kind, rule, event JSON) in the
 * same transaction as the state change it reports. Entries leave only when
 * delivered (2xx), refused for good (a 4xx other than 408/429: resending
 * the same body cannot help), or older than --alert-retry-for. Each target
 * is sent its entries strictly in order (so every rule's are in order); a
 * failed entry is retried after 1 s, 2 s, 4 s ... at most 5 min, and holds
 * back the ones behind it. The sending is deliver.h's thread. */
#ifndef TM_ALERT_OUTBOX_H
#define TM_ALERT_OUTBOX_H
#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define OUTBOX_BACKOFF_MIN_MS 1000
#define OUTBOX_BACKOFF_MAX_MS 300000
#define OUTBOX_MAX_HEADS 64 /* targets sent to at once */

typedef struct {
    int64_t seq;
    char *target, *event, *rule;
    int kind, attempts;
    int64_t next_try, created;
} outbox_entry;

/* With the db locked (inside the evaluator's transaction). */
void outbox_add(alert_db *d, const char *target, int kind, const char *rule, const char *event, int64_t now);
/* entries waiting for target (all targets: NULL) */
size_t outbox_pending(alert_db *d, const char *target);

/* The first entry of each target (at most max), oldest target first;
 * entries allocated (outbox_entry_free). Locks the db itself, as do the rest. */
size_t outbox_heads(alert_db *d, outbox_entry *out, size_t max);
void outbox_entry_free(outbox_entry *e);
void outbox_done(alert_db *d, int64_t seq);
/* a failed attempt: retry later (returns when) */
int64_t outbox_retry(alert_db *d, const outbox_entry *e, const char *why, int64_t now);
/* drop entries created before cutoff; returns how many */
size_t outbox_expire(alert_db *d, int64_t cutoff);
/* the backoff after n failed attempts */
int64_t outbox_backoff(int attempts);
#endif
