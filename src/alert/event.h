/* event.h — one alert transition of one series, and its JSON.
 *
 * The same JSON object is the webhook body of SPEC ("post"), the line in
 * --alert-log, an entry of GET /alerts/events and the live stream's "alert"
 * event: {"id","name","metric","tags","series","level","state":"firing"|"ok",
 * "value","threshold","time","summary"} plus "nodata" and "silenced" when
 * they are true. */
#ifndef TM_ALERT_EVENT_H
#define TM_ALERT_EVENT_H
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"
#include "rule.h"

typedef struct {
    const alert_rule *rule;
    const char *key; /* the series' canonical key */
    size_t klen;
    int firing;    /* 1 firing, 0 back to ok */
    int level;     /* the level now firing, or the level it was at when it ended */
    double value;  /* NaN: none */
    const char *sval; /* string rules: the value */
    size_t slen;
    int nodata, silenced;
    int64_t time, active_at; /* ms */
} alert_event;

void event_json(tm_buf *b, const alert_event *e);
/* the threshold the event is measured against, as JSON (number, string or null) */
void event_put_threshold(tm_buf *b, const alert_event *e);
/* the rule's summary with {{metric}}, {{tags.K}}, {{value}}, {{threshold}},
 * {{level}}, {{state}}, {{id}}, {{name}} filled in (empty without one) */
void event_summary(tm_buf *b, const alert_event *e);
#endif
