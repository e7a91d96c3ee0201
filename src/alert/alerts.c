/* alerts.c — the alerting service's life and its rounds (see alerts.h). */
#include "alerts.h"

#include <event2/event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/log.h"
#include "../util/timeparse.h"
#include "alerts_int.h"
#include "stats.h"
#include "../util/clock.h"

#define EVENTS_KEPT 10000

struct alert_stats alert_stats;

typedef struct {
    alerts *a;
    size_t n;
    rule_slot **slots;
    alert_rule **rules;
    eval_out *outs;
    uint64_t layout;
    int64_t now;
} round_job;

static void load_rule(void *arg, const char *id, const char *json) {
    alerts *a = arg;
    alert_rule *r = xcalloc(1, sizeof *r);
    char field[64], err[300];
    if (rule_parse(json, strlen(json), now_ms(), r, field, sizeof field, err, sizeof err)) {
        log_error("alerts: stored rule %s no longer reads (%s); kept on disk, not evaluated", id, err);
        free(r);
        return;
    }
    slot_add(a, r);
}

static void load_state(void *arg, const char *rule, const char *series, const alert_state *st) {
    rule_slot *sl = slot_find(arg, rule);
    if (!sl) return;
    series_slot *s = table_get(&sl->t, series, strlen(series), 1);
    s->st = *st;
    s->st.last_true = st->phase == PH_FIRING ? now_ms() : st->last_true; /* keep_firing_for counts anew */
}

static void load_silence(void *arg, const char *id, const char *json) {
    alerts *a = arg;
    alert_silence s;
    char field[64], err[300];
    if (silence_parse(json, strlen(json), 0, &s, field, sizeof field, err, sizeof err)) return;
    snprintf(s.id, sizeof s.id, "%s", id);
    silence_append(a, &s);
}

static void on_timer(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    alerts_round(arg);
}

static char *am_endpoint(const char *base) {
    size_t n = strlen(base);
    while (n && base[n - 1] == '/') n--;
    tm_buf b = {0};
    buf_put(&b, base, n);
    if (n < 14 || memcmp(base + n - 14, "/api/v2/alerts", 14)) buf_put(&b, "/api/v2/alerts", 14);
    buf_putc(&b, 0);
    return (char *)b.p;
}

alerts *alerts_open(const alerts_opts *o, char *err, size_t errlen) {
    alerts *a = xcalloc(1, sizeof *a);
    a->o = *o;
    pthread_mutex_init(&a->mu, NULL);
    pthread_mutex_init(&a->fmu, NULL);
    pthread_cond_init(&a->fcv, NULL);
    if (!(a->db = db_open(o->db_path, err, errlen))) {
        alerts_close(a);
        return NULL;
    }
    if (o->log_path && !(a->log = fopen(o->log_path, "a"))) {
        snprintf(err, errlen, "cannot open --alert-log %s", o->log_path);
        alerts_close(a);
        return NULL;
    }
    if (o->alertmanager) a->am_url = am_endpoint(o->alertmanager);
    db_each(a->db, "rules", load_rule, a);
    db_each_state(a->db, load_state, a);
    db_each(a->db, "silences", load_silence, a);
    a->dl = deliver_start(a->db, o->retry_for_ms);
    if (o->base) {
        a->timer = event_new(o->base, -1, EV_PERSIST, on_timer, a);
        struct timeval tv = {o->interval_ms / 1000, (o->interval_ms % 1000) * 1000};
        event_add(a->timer, &tv);
    }
    log_info("alerts: %zu rules, %zu silences, evaluated every %lld ms%s%s", a->nrules, a->nsil,
             (long long)o->interval_ms, a->am_url ? ", pushed to " : "", a->am_url ? a->am_url : "");
    return a;
}

static void free_slot(rule_slot *sl) {
    rule_free(sl->r);
    free(sl->r);
    table_free(&sl->t);
    free(sl);
}

void alerts_close(alerts *a) {
    if (!a) return;
    if (a->timer) event_free(a->timer);
    deliver_stop(a->dl);
    for (size_t i = 0; i < a->nrules; i++) free_slot(a->rules[i]);
    free(a->rules);
    for (size_t i = 0; i < a->nsil; i++) silence_free(&a->sil[i]);
    free(a->sil);
    for (size_t i = 0; i < a->ngrave; i++) {
        rule_free(a->grave[i]);
        free(a->grave[i]);
    }
    free(a->grave);
    for (size_t i = 0; i < a->pub.n; i++) free(a->pub.v[i]);
    free(a->pub.v);
    if (a->log) fclose(a->log);
    db_close(a->db);
    free(a->am_url);
    pthread_mutex_destroy(&a->mu);
    pthread_mutex_destroy(&a->fmu);
    pthread_cond_destroy(&a->fcv);
    free(a);
}


/* With mu held: the rules as they are now, for a round to read. */
static round_job *round_new(alerts *a) {
    round_job *j = xcalloc(1, sizeof *j);
    j->a = a;
    j->n = a->nrules;
    j->slots = xmalloc((j->n ? j->n : 1) * sizeof *j->slots);
    j->rules = xmalloc((j->n ? j->n : 1) * sizeof *j->rules);
    j->outs = xcalloc(j->n ? j->n : 1, sizeof *j->outs);
    for (size_t i = 0; i < j->n; i++) {
        j->slots[i] = a->rules[i];
        j->rules[i] = a->rules[i]->r;
    }
    j->layout = a->layout;
    j->now = now_ms();
    return j;
}

static void round_fn(tm_query *q, void *arg) {
    round_job *j = arg;
    uint64_t t0 = mono_ns();
    eval_rules(q, j->rules, j->n, j->now, j->outs);
    uint64_t eval_ns = mono_ns() - t0;
    for (size_t i = 0; i < j->n; i++)
        if (j->outs[i].failed) log_limited(LOG_WARN, "alerts: rule %s: %s", j->rules[i]->id, j->outs[i].err);
    pthread_mutex_lock(&j->a->mu);
    apply_round(j->a, j->slots, j->rules, j->outs, j->n, j->layout, j->now, eval_ns); /* failed rules are left alone */
    pthread_mutex_unlock(&j->a->mu);
    if (query_failed(q)) log_limited(LOG_WARN, "alerts: a round failed: %s", q->err);
    astat_add(&alert_stats.eval_ns, mono_ns() - t0);
}

/* Back on the loop: log and publish the round's events, end the round. */
static void round_done(tm_query *q, void *arg) {
    (void)q;
    round_job *j = arg;
    alerts *a = j->a;
    pthread_mutex_lock(&a->mu);
    str_list pub = a->pub;
    memset(&a->pub, 0, sizeof a->pub);
    for (size_t i = 0; i < a->ngrave; i++) {
        rule_free(a->grave[i]);
        free(a->grave[i]);
    }
    a->ngrave = 0;
    a->in_flight = 0;
    if (a->round_no % 100 == 0) db_trim_events(a->db, EVENTS_KEPT);
    pthread_mutex_unlock(&a->mu);
    for (size_t i = 0; i < pub.n; i++) {
        if (a->log) fprintf(a->log, "%s\n", pub.v[i]);
        if (a->o.publish) a->o.publish(a->o.publish_arg, pub.v[i], strlen(pub.v[i]));
        free(pub.v[i]);
    }
    free(pub.v);
    if (a->log) fflush(a->log);
    for (size_t i = 0; i < j->n; i++) eval_out_free(&j->outs[i]);
    free(j->outs);
    free(j->slots);
    free(j->rules);
    free(j);
}

int alerts_round(alerts *a) {
    pthread_mutex_lock(&a->mu);
    if (a->in_flight) {
        pthread_mutex_unlock(&a->mu);
        return 0;
    }
    a->in_flight = 1;
    round_job *j = round_new(a);
    pthread_mutex_unlock(&a->mu);
    engine_submit(a->o.engine, round_fn, round_done, j);
    return 1;
}

void rule_retire(alerts *a, alert_rule *r) {
    if (a->in_flight) {
        a->grave = xrealloc(a->grave, (a->ngrave + 1) * sizeof *a->grave);
        a->grave[a->ngrave++] = r;
        return;
    }
    rule_free(r);
    free(r);
}

rule_slot *slot_add(alerts *a, alert_rule *r) {
    XGROW(a->rules, a->nrules, a->cap, 16);
    rule_slot *sl = xcalloc(1, sizeof *sl);
    sl->r = r;
    a->rules[a->nrules++] = sl;
    return sl;
}

void silence_append(alerts *a, const alert_silence *s) {
    a->sil = xrealloc(a->sil, (a->nsil + 1) * sizeof *a->sil);
    a->sil[a->nsil++] = *s;
}

rule_slot *slot_find(alerts *a, const char *id) {
    for (size_t i = 0; i < a->nrules; i++)
        if (!strcmp(a->rules[i]->r->id, id)) return a->rules[i];
    return NULL;
}
