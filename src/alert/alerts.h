/* alerts.h — the alerting service of `tidemark serve`.
 *
 * Every --alert-interval a round runs through the query engine, off the
 * event loop: it reads what each rule covers (eval.h), moves each series'
 * state (state.h), and in one transaction of the alerts db records every
 * transition and queues its notifications (outbox.h) for the delivery
 * thread (deliver.h). Back on the loop, the round's events are appended to
 * --alert-log and published (the live stream). Ingestion never waits for
 * any of it: a round still running when the next is due is skipped.
 *
 * The route functions (alerts_create .. alerts_silences) run on the loop
 * thread and answer an HTTP status with a JSON body in out. */
#ifndef TM_ALERTS_H
#define TM_ALERTS_H
#include <stddef.h>
#include <stdint.h>

#include "../query/engine.h"
#include "../util/buf.h"

typedef struct alerts alerts;

typedef struct {
    const char *db_path;      /* NULL: in memory */
    const char *log_path;     /* NULL: no log */
    const char *alertmanager; /* Alertmanager base URL, or NULL */
    int64_t interval_ms, retry_for_ms;
    tm_engine *engine;
    struct event_base *base;
    /* each event's JSON, on the loop thread (the live stream) */
    void (*publish)(void *arg, const char *json, size_t n);
    void *publish_arg;
} alerts_opts;

alerts *alerts_open(const alerts_opts *o, char *err, size_t errlen);
/* Stops the delivery thread; after engine_free (which ends a round in flight). */
void alerts_close(alerts *a);
/* Start a round now (the timer calls it). 0 when one is already running. */
int alerts_round(alerts *a);

int alerts_create(alerts *a, const char *json, size_t n, tm_buf *out);
int alerts_update(alerts *a, const char *id, const char *json, size_t n, tm_buf *out); /* id NULL: the body's */
int alerts_delete(alerts *a, const char *id, tm_buf *out);
int alerts_list(alerts *a, const char *id, tm_buf *out); /* id NULL: every rule */
int alerts_events(alerts *a, int64_t since, size_t limit, const char *rule, tm_buf *out);
int alerts_silence_add(alerts *a, const char *json, size_t n, tm_buf *out);
int alerts_silence_del(alerts *a, const char *id, tm_buf *out);
int alerts_silences(alerts *a, tm_buf *out);
/* Prometheus 2.x's GET /api/v1/rules (type "", "alert" or "record") and
 * GET /api/v1/alerts, whole answers with their envelope (prom_rules.c). */
int alerts_prom_rules(alerts *a, const char *type, tm_buf *out);
int alerts_prom_alerts(alerts *a, tm_buf *out);
/* /metrics lines (Prometheus text) */
void alerts_metrics(alerts *a, tm_buf *out);
#endif
