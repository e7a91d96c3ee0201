/* payload.h — what a notifier sends for one event, built when it is sent.
 *
 * The outbox keeps each event as its JSON (event.h); the body is rendered
 * at delivery, so a push to Alertmanager that waited in the outbox still
 * carries an endsAt in the future:
 *   NOTIFY_POST     the event JSON itself (SPEC's webhook body)
 *   NOTIFY_AM_HOOK  Alertmanager's webhook v4 payload, one alert
 *   NOTIFY_AM_API   Alertmanager's POST /api/v2/alerts body, one alert
 * Labels: alertname (the rule's name or id), severity (the level),
 * tidemark_rule (its id), metric, and the series' tags (names outside
 * [a-zA-Z0-9_] get '_'). Annotations: summary, value, threshold. */
#ifndef TM_ALERT_PAYLOAD_H
#define TM_ALERT_PAYLOAD_H
#include <jansson.h>
#include <stdint.h>

#include "../util/buf.h"

enum { NOTIFY_POST, NOTIFY_AM_HOOK, NOTIFY_AM_API };
#define AM_RESEND_MS 60000     /* a firing alert is pushed to Alertmanager again this often */
#define AM_ENDS_AFTER_MS 240000 /* ... with endsAt this far ahead (as Prometheus: 4 resends) */

/* The labels and annotations above of one event (its event_json, parsed):
 * Alertmanager's and the Prometheus rules API's alerts carry the same. */
json_t *payload_labels(json_t *ev);
json_t *payload_annotations(json_t *ev);

/* 0 ok, -1 when event_json is not an event */
int payload_render(int kind, const char *event_json, int64_t now, tm_buf *out);
#endif
