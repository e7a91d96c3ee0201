/* crud.c — the route side of alerts: rules and silences in and out, the
 * state listing, the history (see alerts.h). Loop thread, under a->mu. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../util/jsonw.h"
#include "../util/timeparse.h"
#include "alerts_int.h"
#include "stats.h"

#define STATES_LISTED 1000 /* per rule in GET /alerts */

static void new_id(char *id, size_t n) {
    uint64_t x = 0;
    if (getrandom(&x, sizeof x, 0) != (ssize_t)sizeof x) x = (uint64_t)now_ms() * 2654435761u;
    snprintf(id, n, "%012llx", (unsigned long long)(x & 0xffffffffffffULL));
}

static int fail(tm_buf *out, int code, const char *field, const char *msg) {
    buf_put(out, "{\"error\":", 9);
    json_put_string(out, msg, strlen(msg));
    if (field && *field) {
        buf_put(out, ",\"field\":", 9);
        json_put_string(out, field, strlen(field));
    }
    buf_putc(out, '}');
    return code;
}

static void put_rule(tm_buf *out, const alert_rule *r) {
    char *j = rule_json(r);
    buf_put(out, j, strlen(j));
    free(j);
}

static int parse(const char *json, size_t n, int64_t created, alert_rule **r, tm_buf *out) {
    char field[64], err[400];
    *r = xcalloc(1, sizeof **r);
    if (rule_parse(json, n, created, *r, field, sizeof field, err, sizeof err)) {
        free(*r);
        return fail(out, 400, field, err);
    }
    return 0;
}

/* Keep the rule in the database and answer with its canonical JSON. */
static void save_rule(alerts *a, const alert_rule *r, tm_buf *out) {
    char *j = rule_json(r);
    db_lock(a->db);
    db_put(a->db, "rules", r->id, j);
    db_unlock(a->db);
    buf_put(out, j, strlen(j));
    free(j);
}

int alerts_create(alerts *a, const char *json, size_t n, tm_buf *out) {
    alert_rule *r;
    int code = parse(json, n, now_ms(), &r, out);
    if (code) return code;
    pthread_mutex_lock(&a->mu);
    if (!r->id[0])
        do new_id(r->id, sizeof r->id);
        while (slot_find(a, r->id));
    else if (slot_find(a, r->id)) {
        pthread_mutex_unlock(&a->mu);
        rule_free(r);
        free(r);
        return fail(out, 409, "id", "id: a rule with this id exists (PUT /alerts updates it)");
    }
    slot_add(a, r);
    a->layout++;
    save_rule(a, r, out);
    pthread_mutex_unlock(&a->mu);
    return 201;
}

int alerts_update(alerts *a, const char *id, const char *json, size_t n, tm_buf *out) {
    alert_rule *r;
    int code = parse(json, n, INT64_MIN, &r, out); /* INT64_MIN: the body gave no created */
    if (code) return code;
    if (id && *id) {
        if (r->id[0] && strcmp(r->id, id)) {
            rule_free(r);
            free(r);
            return fail(out, 400, "id", "id: differs from the one in the path");
        }
        snprintf(r->id, sizeof r->id, "%s", id);
    }
    if (!r->id[0]) {
        rule_free(r);
        free(r);
        return fail(out, 400, "id", "id: is required to update a rule");
    }
    pthread_mutex_lock(&a->mu);
    rule_slot *sl = slot_find(a, r->id);
    if (!sl) {
        pthread_mutex_unlock(&a->mu);
        rule_free(r);
        free(r);
        return fail(out, 404, "id", "id: no such rule (POST /alerts creates one)");
    }
    if (r->created == INT64_MIN) r->created = sl->r->created; /* an edit is not a new rule */
    rule_retire(a, sl->r);
    sl->r = r; /* the series keep their states: an edit does not fire anything again */
    save_rule(a, r, out);
    pthread_mutex_unlock(&a->mu);
    return 200;
}

int alerts_delete(alerts *a, const char *id, tm_buf *out) {
    pthread_mutex_lock(&a->mu);
    size_t i = 0;
    while (i < a->nrules && strcmp(a->rules[i]->r->id, id)) i++;
    if (i == a->nrules) {
        pthread_mutex_unlock(&a->mu);
        return fail(out, 404, "id", "id: no such rule");
    }
    rule_slot *sl = a->rules[i];
    resolve_all(a, sl, now_ms());
    memmove(a->rules + i, a->rules + i + 1, (a->nrules - i - 1) * sizeof *a->rules);
    a->nrules--;
    a->layout++;
    rule_retire(a, sl->r);
    table_free(&sl->t);
    free(sl);
    pthread_mutex_unlock(&a->mu);
    buf_printf(out, "{\"deleted\":");
    json_put_string(out, id, strlen(id));
    buf_putc(out, '}');
    return 200;
}

static void put_state(tm_buf *out, const series_slot *s) {
    const char *semi = memchr(s->key, ';', s->klen);
    buf_put(out, "{\"series\":", 10);
    json_put_string(out, s->key, s->klen);
    buf_put(out, ",\"metric\":", 10);
    json_put_string(out, s->key, semi ? (size_t)(semi - s->key) : s->klen);
    buf_put(out, ",\"tags\":", 8);
    json_put_tags(out, s->key, s->klen);
    buf_printf(out, ",\"state\":\"%s\",\"level\":\"%s\",\"value\":", phase_names[s->st.phase],
               level_names[s->st.level]);
    if (s->sval) json_put_string(out, s->sval, s->slen);
    else json_put_number(out, s->st.value);
    buf_put(out, ",\"since\":", 9);
    json_put_time(out, s->st.since);
    if (s->st.phase == PH_FIRING) {
        buf_put(out, ",\"active_at\":", 13);
        json_put_time(out, s->st.active_at);
    }
    if (s->nodata) buf_put(out, ",\"nodata\":true", 14);
    buf_putc(out, '}');
}

/* the rule's JSON with "state" (the worst of its series), "level" and "states" */
static void put_slot(tm_buf *out, const rule_slot *sl) {
    size_t at = out->n;
    put_rule(out, sl->r);
    out->n = at + (size_t)((char *)memrchr(out->p + at, '}', out->n - at) - (char *)(out->p + at));
    int worst = PH_OK, lvl = LVL_NONE;
    for (size_t i = 0; i < sl->t.n; i++) {
        const alert_state *st = &sl->t.v[i].st;
        if (st->phase > worst) worst = st->phase;
        if (st->phase == PH_FIRING && st->level > lvl) lvl = st->level;
    }
    buf_printf(out, ",\"state\":\"%s\",\"firing_level\":\"%s\",\"states\":[", phase_names[worst], level_names[lvl]);
    size_t listed = 0; /* firing and pending first: a long list still shows what matters */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < sl->t.n && listed < STATES_LISTED; i++) {
            const series_slot *s = &sl->t.v[i];
            if ((s->st.phase != PH_OK) != (pass == 0)) continue;
            if (listed++) buf_putc(out, ',');
            put_state(out, s);
        }
    buf_printf(out, "],\"series\":%zu}", sl->t.n);
}

int alerts_list(alerts *a, const char *id, tm_buf *out) {
    pthread_mutex_lock(&a->mu);
    int code = 200;
    if (id) {
        rule_slot *sl = slot_find(a, id);
        if (sl) put_slot(out, sl);
        else code = fail(out, 404, "id", "id: no such rule");
    } else {
        buf_putc(out, '[');
        for (size_t i = 0; i < a->nrules; i++) {
            if (i) buf_putc(out, ',');
            put_slot(out, a->rules[i]);
        }
        buf_putc(out, ']');
    }
    pthread_mutex_unlock(&a->mu);
    return code;
}

typedef struct {
    tm_buf *out;
    size_t n;
} evlist;

static void put_event(void *arg, const char *json) {
    evlist *l = arg;
    if (l->n++) buf_putc(l->out, ',');
    buf_put(l->out, json, strlen(json));
}

int alerts_events(alerts *a, int64_t since, size_t limit, const char *rule, tm_buf *out) {
    evlist l = {out, 0};
    buf_putc(out, '[');
    db_lock(a->db);
    db_events(a->db, since, limit, rule, put_event, &l);
    db_unlock(a->db);
    buf_putc(out, ']');
    return 200;
}

int alerts_silence_add(alerts *a, const char *json, size_t n, tm_buf *out) {
    alert_silence s;
    char field[64], err[400];
    int64_t now = now_ms();
    if (silence_parse(json, n, now, &s, field, sizeof field, err, sizeof err)) return fail(out, 400, field, err);
    pthread_mutex_lock(&a->mu);
    if (!s.id[0]) new_id(s.id, sizeof s.id);
    for (size_t i = 0; i < a->nsil; i++)
        if (!strcmp(a->sil[i].id, s.id)) { /* the same id again replaces it */
            silence_free(&a->sil[i]);
            a->sil[i] = a->sil[--a->nsil];
            break;
        }
    silence_append(a, &s);
    char *j = silence_json(&s, now);
    db_lock(a->db);
    db_put(a->db, "silences", s.id, j);
    db_unlock(a->db);
    pthread_mutex_unlock(&a->mu);
    buf_put(out, j, strlen(j));
    free(j);
    return 201;
}

int alerts_silence_del(alerts *a, const char *id, tm_buf *out) {
    pthread_mutex_lock(&a->mu);
    size_t i = 0;
    while (i < a->nsil && strcmp(a->sil[i].id, id)) i++;
    if (i == a->nsil) {
        pthread_mutex_unlock(&a->mu);
        return fail(out, 404, "id", "id: no such silence");
    }
    silence_free(&a->sil[i]);
    memmove(a->sil + i, a->sil + i + 1, (a->nsil - i - 1) * sizeof *a->sil);
    a->nsil--;
    db_lock(a->db);
    db_del(a->db, "silences", id);
    db_unlock(a->db);
    pthread_mutex_unlock(&a->mu);
    buf_printf(out, "{\"deleted\":");
    json_put_string(out, id, strlen(id));
    buf_putc(out, '}');
    return 200;
}

int alerts_silences(alerts *a, tm_buf *out) {
    int64_t now = now_ms();
    pthread_mutex_lock(&a->mu);
    buf_putc(out, '[');
    for (size_t i = 0; i < a->nsil; i++) {
        char *j = silence_json(&a->sil[i], now);
        if (i) buf_putc(out, ',');
        buf_put(out, j, strlen(j));
        free(j);
    }
    buf_putc(out, ']');
    pthread_mutex_unlock(&a->mu);
    return 200;
}

static void metric(tm_buf *out, const char *name, const char *type, const char *help, uint64_t v) {
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, (unsigned long long)v);
}

void alerts_metrics(alerts *a, tm_buf *out) {
    pthread_mutex_lock(&a->mu);
    size_t nr = a->nrules;
    pthread_mutex_unlock(&a->mu);
    metric(out, "tidemark_alert_rules", "gauge", "Alert rules.", nr);
    metric(out, "tidemark_alert_firing", "gauge", "Series firing now.", astat_get(&alert_stats.firing));
    metric(out, "tidemark_alert_evaluations_total", "counter", "Rule evaluations.",
           astat_get(&alert_stats.evaluations));
    metric(out, "tidemark_alert_transitions_total", "counter", "Alert state changes (firing, level, resolved).",
           astat_get(&alert_stats.transitions));
    metric(out, "tidemark_alert_notifications_sent_total", "counter", "Notifications delivered.",
           astat_get(&alert_stats.sent));
    metric(out, "tidemark_alert_notifications_failed_total", "counter",
           "Notifications given up on (refused, or past --alert-retry-for).", astat_get(&alert_stats.failed));
    metric(out, "tidemark_alert_notification_attempts_failed_total", "counter",
           "Delivery attempts that failed (each retry counts).", astat_get(&alert_stats.attempts_failed));
    metric(out, "tidemark_alert_notifications_pending", "gauge", "Notifications waiting in the outbox.",
           astat_get(&alert_stats.pending));
    buf_printf(out, "# HELP tidemark_alert_evaluation_seconds_total Time spent in alert rounds.\n"
                    "# TYPE tidemark_alert_evaluation_seconds_total counter\n"
                    "tidemark_alert_evaluation_seconds_total %.6f\n",
               (double)astat_get(&alert_stats.eval_ns) / 1e9);
}
