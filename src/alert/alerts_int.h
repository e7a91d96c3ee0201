/* alerts_int.h — what alerts.c, apply.c and crud.c share: the service's state.
 *
 * mu guards the rules, their tables and the silences: the loop thread
 * holds it in the route functions, a worker while it applies a round. A
 * round reads with the rule pointers it took at its start; a rule replaced
 * or deleted meanwhile is parked in the graveyard until the round ends. */
#ifndef TM_ALERTS_INT_H
#define TM_ALERTS_INT_H
#include <pthread.h>

#include "alerts.h"
#include "db.h"
#include "deliver.h"
#include "eval.h"
#include "event.h"
#include "rule.h"
#include "silence.h"
#include "table.h"

typedef struct {
    alert_rule *r;
    series_table t;
    int64_t am_refresh; /* when firing series are next pushed to Alertmanager again */
    int64_t last_eval;  /* ms of the round that last evaluated it; 0: none yet */
    uint64_t eval_ns;   /* that round's evaluation time (rules are evaluated together) */
    char last_err[256]; /* why it failed then; "" when it did not */
} rule_slot;

typedef struct {
    char **v;
    size_t n, cap;
} str_list;

struct alerts {
    alerts_opts o;
    char *am_url; /* .../api/v2/alerts */
    pthread_mutex_t mu;
    rule_slot **rules;
    size_t nrules, cap;
    uint64_t layout; /* bumped whenever rules[] is rearranged */
    alert_silence *sil;
    size_t nsil;
    alert_rule **grave;
    size_t ngrave;
    int in_flight;
    pthread_mutex_t fmu; /* in_flight and the round's end */
    pthread_cond_t fcv;
    uint32_t round_no;
    alert_db *db;
    alert_deliver *dl;
    FILE *log;
    struct event *timer;
    str_list pub; /* events of the round, for the loop to log and publish */
    int64_t last_round; /* ms of the last round applied; 0: none yet */
    uint64_t round_ns;  /* its evaluation time */
};

rule_slot *slot_find(alerts *a, const char *id);
rule_slot *slot_add(alerts *a, alert_rule *r);          /* takes r; mu held or not yet shared */
void silence_append(alerts *a, const alert_silence *s); /* takes what s owns */
void rule_retire(alerts *a, alert_rule *r); /* free now, or after the round in flight */
int silenced(alerts *a, const alert_rule *r, const series_slot *s, int level, int64_t now);
/* record a visible transition / queue a notification (db locked, in a transaction) */
void apply_round(alerts *a, rule_slot **slots, alert_rule **rules, eval_out *outs, size_t n, uint64_t layout,
                 int64_t now, uint64_t eval_ns);
/* the event a series' state would tell now (a copy of nothing: pointers into r and s) */
void event_fill(alert_event *e, const alert_rule *r, const series_slot *s, int level, int64_t now);
void resolve_all(alerts *a, rule_slot *sl, int64_t now); /* a rule going away: its firing series end */
void str_push(str_list *l, const char *s, size_t n);
#endif
