/* state.c — the per-series alert state machine (see state.h). */
#include "state.h"

#include <math.h>
#include <string.h>

const char *const phase_names[3] = {"ok", "pending", "firing"};

static int crosses(int op, double v, double t) {
    switch (op) {
    case AOP_GT: return v > t;
    case AOP_GE: return v >= t;
    case AOP_LT: return v < t;
    case AOP_LE: return v <= t;
    case AOP_EQ: return v == t;
    default: return v != t;
    }
}

/* Still short of recovered: for > and >= the value stays above recover. */
static int holds(int op, double v, double rec) { return op == AOP_GT || op == AOP_GE ? v > rec : v < rec; }

int state_level(const alert_rule *r, const alert_obs *o, int cur) {
    int lvl = LVL_NONE;
    if (o->has && r->str_thr) {
        int eq = o->s && o->slen == strlen(r->str_thr) && !memcmp(o->s, r->str_thr, o->slen);
        if (eq == (r->op == AOP_EQ)) lvl = r->level;
    } else if (o->has && !isnan(o->v)) {
        int any = 0;
        for (int l = 1; l < LVL_N; l++) {
            if (!r->has_thr[l]) continue;
            any = 1;
            if (crosses(r->op, o->v, r->thr[l])) lvl = l;
        }
        if (!any) lvl = r->level; /* an expr without threshold: any value fires */
        for (int l = cur; l > lvl; l--) /* hysteresis: hold a level until it recovers */
            if (r->has_rec[l] && r->has_thr[l] && holds(r->op, o->v, r->rec[l])) {
                lvl = l;
                break;
            }
    }
    if (o->nodata && r->level > lvl) lvl = r->level;
    return lvl;
}

static void enter(alert_state *st, int phase, int level, int64_t now) {
    st->phase = (uint8_t)phase;
    st->level = (uint8_t)level;
    st->since = now;
}

static int has_value_condition(const alert_rule *r) {
    /* an expr without threshold fires on presence: its absence is the answer, not a gap */
    return r->str_thr || r->has_thr[LVL_INFO] || r->has_thr[LVL_WARN] || r->has_thr[LVL_CRIT];
}

int state_step(const alert_rule *r, alert_state *st, const alert_obs *o, int64_t now) {
    if (!o->has && !o->nodata && has_value_condition(r)) return 0; /* nothing in the window: nothing changes */
    int before = state_visible(st);
    int lvl = state_level(r, o, st->phase == PH_FIRING ? st->level : LVL_NONE);
    st->value = o->has ? o->v : NAN;
    if (lvl) st->last_true = now;
    switch (st->phase) {
    case PH_OK:
        if (!lvl) break;
        st->pending_since = now;
        if (r->for_ms > 0) {
            enter(st, PH_PENDING, lvl, now);
            break;
        }
        enter(st, PH_FIRING, lvl, now);
        st->active_at = now;
        break;
    case PH_PENDING:
        if (!lvl) enter(st, PH_OK, LVL_NONE, now);
        else if (now - st->pending_since >= r->for_ms) {
            enter(st, PH_FIRING, lvl, now);
            st->active_at = now;
        } else st->level = (uint8_t)lvl;
        break;
    default: /* firing */
        if (lvl && lvl != st->level) enter(st, PH_FIRING, lvl, now);
        else if (!lvl && now - st->last_true >= r->keep_firing_ms) enter(st, PH_OK, LVL_NONE, now);
        break;
    }
    return state_visible(st) != before;
}
