/* apply.c — a round's observations into states, events and notifications.
 *
 * Events record what happened (a silenced one too); notifications follow
 * the gap between what a series is now and what was last told about it
 * (st.notified). So a transition inside a silence is told when the silence
 * ends if it still stands, a resolve is told only about a firing that was
 * told, and a restart, which loads both, tells nothing twice. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts_int.h"
#include "event.h"
#include "outbox.h"
#include "payload.h"
#include "stats.h"

void str_push(str_list *l, const char *s, size_t n) {
    XGROW(l->v, l->n, l->cap, 16);
    l->v[l->n++] = xstrndup(s, n);
}

int silenced(alerts *a, const alert_rule *r, const series_slot *s, int level, int64_t now) {
    for (size_t i = 0; i < a->nsil; i++)
        if (silence_matches(&a->sil[i], r, s->key, s->klen, level, now)) return 1;
    return 0;
}

typedef struct {
    alerts *a;
    int64_t now;
    int in_tx;
} ctx;

static void tx(ctx *c) {
    if (c->in_tx) return;
    db_begin(c->a->db);
    c->in_tx = 1;
}

void event_fill(alert_event *e, const alert_rule *r, const series_slot *s, int level, int64_t now) {
    memset(e, 0, sizeof *e);
    e->rule = r;
    e->key = s->key;
    e->klen = s->klen;
    e->firing = state_visible(&s->st) != LVL_NONE;
    e->level = level;
    e->value = s->st.value;
    e->sval = s->sval;
    e->slen = s->slen;
    e->nodata = s->nodata;
    e->time = now;
    e->active_at = s->st.active_at;
}

/* Queue the event for every notifier of the rule, and Alertmanager. */
static void notify(ctx *c, const alert_rule *r, const char *json) {
    alerts *a = c->a;
    for (size_t i = 0; i < r->npost; i++)
        outbox_add(a->db, r->post[i], r->format == FMT_ALERTMANAGER ? NOTIFY_AM_HOOK : NOTIFY_POST, r->id, json,
                   c->now);
    if (a->am_url) outbox_add(a->db, a->am_url, NOTIFY_AM_API, r->id, json, c->now);
}

static void one(ctx *c, const alert_rule *r, series_slot *s, const alert_obs *o) {
    alert_state before = s->st;
    int was = state_visible(&s->st);
    s->nodata = (uint8_t)o->nodata;
    if (o->s) {
        free(s->sval);
        s->sval = xstrndup(o->s, o->slen);
        s->slen = o->slen;
    }
    int changed = state_step(r, &s->st, o, c->now);
    int now_lvl = state_visible(&s->st), lvl = now_lvl ? now_lvl : was;
    int quiet = silenced(c->a, r, s, lvl ? lvl : r->level, c->now);
    tm_buf b = {0};
    alert_event e;
    if (changed) {
        tx(c);
        event_fill(&e, r, s, lvl, c->now);
        e.silenced = quiet;
        event_json(&b, &e);
        buf_putc(&b, 0);
        db_add_event(c->a->db, c->now, r->id, (const char *)b.p);
        str_push(&c->a->pub, (const char *)b.p, b.n - 1);
        astat_add(&alert_stats.transitions, 1);
    }
    if (now_lvl != s->st.notified && !quiet) {
        tx(c);
        b.n = 0;
        event_fill(&e, r, s, now_lvl ? now_lvl : s->st.notified, c->now);
        event_json(&b, &e);
        buf_putc(&b, 0);
        notify(c, r, (const char *)b.p);
        s->st.notified = (uint8_t)now_lvl;
    }
    buf_free(&b);
    if (before.phase != s->st.phase || before.level != s->st.level || before.notified != s->st.notified) {
        tx(c);
        db_put_state(c->a->db, r->id, s->key, s->klen, &s->st);
    }
}

/* Alertmanager forgets an alert not pushed again before its endsAt: push the
 * firing ones every AM_RESEND_MS, unless the outbox is still busy with it. */
static void refresh_am(ctx *c, rule_slot *sl) {
    alerts *a = c->a;
    if (!a->am_url || c->now < sl->am_refresh) return;
    sl->am_refresh = c->now + AM_RESEND_MS;
    if (outbox_pending(a->db, a->am_url)) return;
    tm_buf b = {0};
    for (size_t i = 0; i < sl->t.n; i++) {
        series_slot *s = &sl->t.v[i];
        if (!s->st.notified || state_visible(&s->st) != s->st.notified) continue;
        alert_event e;
        event_fill(&e, sl->r, s, s->st.notified, c->now);
        b.n = 0;
        event_json(&b, &e);
        buf_putc(&b, 0);
        tx(c);
        outbox_add(a->db, a->am_url, NOTIFY_AM_API, sl->r->id, (const char *)b.p, c->now);
    }
    buf_free(&b);
}

static void apply_rule(ctx *c, rule_slot *sl, const eval_out *out, uint32_t round) {
    const alert_rule *r = sl->r;
    for (size_t k = 0; k < out->n; k++) {
        series_slot *s = table_get(&sl->t, out->v[k].key, out->v[k].klen, 1);
        s->seen = round;
        one(c, r, s, &out->v[k].o);
    }
    alert_obs none = {0};
    for (size_t k = 0; k < sl->t.n; k++) /* series no longer selected: as if their window were empty */
        if (sl->t.v[k].seen != round && sl->t.v[k].st.phase != PH_OK) one(c, r, &sl->t.v[k], &none);
    refresh_am(c, sl);
}

/* what the rules API tells of a rule's last evaluation */
static void note_eval(rule_slot *sl, const eval_out *out, int64_t now, uint64_t eval_ns) {
    sl->last_eval = now;
    sl->eval_ns = eval_ns;
    snprintf(sl->last_err, sizeof sl->last_err, "%s", out->failed ? out->err : "");
}

void apply_round(alerts *a, rule_slot **slots, alert_rule **rules, eval_out *outs, size_t n, uint64_t layout,
                 int64_t now, uint64_t eval_ns) {
    ctx c = {a, now, 0};
    uint32_t round = ++a->round_no;
    uint64_t firing = 0;
    db_lock(a->db);
    for (size_t i = 0; i < n; i++) {
        size_t j = 0; /* the slot may be gone, or hold a new version of the rule */
        if (layout == a->layout) j = i;
        else
            while (j < a->nrules && a->rules[j] != slots[i]) j++;
        if (j == a->nrules || slots[i]->r != rules[i]) continue;
        note_eval(slots[i], &outs[i], now, eval_ns);
        if (outs[i].failed) continue;
        apply_rule(&c, slots[i], &outs[i], round);
        astat_add(&alert_stats.evaluations, 1);
    }
    for (size_t j = 0; j < a->nrules; j++)
        for (size_t k = 0; k < a->rules[j]->t.n; k++) firing += a->rules[j]->t.v[k].st.phase == PH_FIRING;
    astat_set(&alert_stats.firing, firing);
    a->last_round = now;
    a->round_ns = eval_ns;
    if (c.in_tx) db_commit(a->db);
    db_unlock(a->db);
    if (c.in_tx) deliver_kick(a->dl);
}

void resolve_all(alerts *a, rule_slot *sl, int64_t now) {
    ctx c = {a, now, 0};
    db_lock(a->db);
    tm_buf b = {0};
    for (size_t k = 0; k < sl->t.n; k++) {
        series_slot *s = &sl->t.v[k];
        if (!s->st.notified) continue;
        int lvl = s->st.notified;
        s->st.phase = PH_OK;
        s->st.level = LVL_NONE;
        alert_event e;
        event_fill(&e, sl->r, s, lvl, now);
        b.n = 0;
        event_json(&b, &e);
        buf_putc(&b, 0);
        tx(&c);
        notify(&c, sl->r, (const char *)b.p);
    }
    buf_free(&b);
    tx(&c);
    db_del(a->db, "rules", sl->r->id);
    db_del_states(a->db, sl->r->id);
    db_commit(a->db);
    db_unlock(a->db);
    deliver_kick(a->dl);
}
