/* eval.c — reading a round's observations through the engine (see eval.h). */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../query/fetch.h"
#include "../query/grid.h"
#include "../query/ids.h"
#include "../query/index.h"
#include "../util/buf.h"

static int64_t window(const alert_rule *r) { return r->duration ? r->duration : EVAL_DEFAULT_WINDOW_MS; }

double eval_agg(int agg, const int64_t *ts, const double *v, size_t n) {
    static const int engine_agg[] = {[RAGG_AVG] = AGG_AVG, [RAGG_MIN] = AGG_MIN, [RAGG_MAX] = AGG_MAX,
                                     [RAGG_SUM] = AGG_SUM, [RAGG_LAST] = AGG_LAST};
    if (agg == RAGG_COUNT) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) k += !isnan(v[i]);
        return (double)k;
    }
    if (agg != RAGG_RATE) return agg_values(v, n, engine_agg[agg]);
    /* increase over the samples seen, as Prometheus counts a counter: a drop is a reset */
    double inc = 0, prev = NAN;
    int64_t t0 = 0, t1 = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i])) continue;
        if (!k++) t0 = ts[i];
        else inc += v[i] >= prev ? v[i] - prev : v[i];
        prev = v[i];
        t1 = ts[i];
    }
    return k < 2 || t1 == t0 ? NAN : inc / ((double)(t1 - t0) / 1000.0);
}

static eval_obs *add(eval_out *o, const char *key, size_t klen) {
    XGROW(o->v, o->n, o->cap, 16);
    eval_obs *e = &o->v[o->n++];
    memset(e, 0, sizeof *e);
    e->key = key;
    e->klen = klen;
    return e;
}

void eval_out_free(eval_out *o) {
    for (size_t i = 0; i < o->n; i++) {
        free((char *)o->v[i].o.s);
        if (o->v[i].free_key) free((char *)o->v[i].key);
    }
    free(o->v);
    memset(o, 0, sizeof *o);
}

/* The series of a simple rule: its glob through the name tree, then its tag filters on each key. */
static void select_rule(tm_query *q, const alert_rule *r, tm_ids *out) {
    tm_ids all = {0};
    index_glob(q->ix, r->metric, strlen(r->metric), 1, &all);
    for (size_t i = 0; i < all.n; i++) {
        size_t kl;
        const char *k = index_key(q->ix, all.v[i], &kl);
        if (k && (!r->ntags || rule_matches(r, k, kl))) ids_push(out, all.v[i]);
    }
    ids_free(&all);
}

typedef struct {
    alert_rule *const *rules;
    size_t n;
    int64_t now;
    eval_out *outs;
    tm_ids *sel; /* per rule */
} eval_round;

/* The silence and string value of each selected series, from its last sample. */
static void observe_last(tm_query *q, const alert_rule *r, const tm_ids *ids, int64_t now, eval_out *out) {
    int exact_seen = 0;
    for (size_t i = 0; i < ids->n; i++) {
        tm_series_info in;
        size_t kl;
        const char *k = index_key(q->ix, ids->v[i], &kl);
        if (!reader_get(q->rd, ids->v[i], &in)) continue;
        exact_seen = 1;
        eval_obs *e = add(out, k, kl);
        e->id = ids->v[i];
        e->o.nodata = r->nodata_ms && (in.last_ts == INT64_MIN || now - in.last_ts >= r->nodata_ms);
        if (r->str_thr && in.type == TM_STRING && in.last_ts != INT64_MIN && in.last_str &&
            (!r->duration || now - in.last_ts <= r->duration)) {
            e->o.has = 1;
            e->o.slen = strlen(in.last_str);
            e->o.s = xstrndup(in.last_str, e->o.slen);
        }
    }
    char key[TM_KEY_MAX + 1];
    int kl;
    if (!exact_seen && r->nodata_ms && rule_is_exact(r) && (kl = rule_exact_key(r, key, sizeof key)) > 0) {
        eval_obs *e = add(out, xstrndup(key, (size_t)kl), (size_t)kl);
        e->free_key = 1;
        e->o.nodata = now - r->created >= r->nodata_ms;
    }
}

static int numeric(const alert_rule *r) {
    return !r->expr && !r->str_thr && (r->has_thr[1] || r->has_thr[2] || r->has_thr[3]);
}

/* Series id's place in raw (ids sorted), or -1. */
static long samples_of(const tm_raw *raw, uint32_t id) {
    size_t lo = 0, hi = raw->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (raw->ids[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return lo == raw->n || raw->ids[lo] != id ? -1 : (long)lo;
}

/* Every numeric rule of window w: one fetch of the union of their series. */
static void fetch_window(tm_query *q, eval_round *rd, int64_t w, uint8_t *done) {
    tm_ids all = {0};
    for (size_t i = 0; i < rd->n; i++)
        if (!done[i] && numeric(rd->rules[i]) && window(rd->rules[i]) == w)
            for (size_t k = 0; k < rd->sel[i].n; k++) ids_add(&all, rd->sel[i].v[k]);
    ids_sort(&all);
    tm_raw raw;
    int bad = fetch_raw(q, &all, rd->now - w, rd->now, &raw);
    for (size_t i = 0; i < rd->n; i++) {
        const alert_rule *r = rd->rules[i];
        if (done[i] || !numeric(r) || window(r) != w) continue;
        done[i] = 1;
        eval_out *out = &rd->outs[i];
        if (bad) {
            out->failed = 1;
            snprintf(out->err, sizeof out->err, "%s", q->err);
            continue;
        }
        for (size_t k = 0; k < out->n; k++) { /* observe_last made one per series */
            eval_obs *e = &out->v[k];
            long at = e->id ? samples_of(&raw, e->id) : -1;
            if (at < 0 || !raw.len[at]) continue;
            e->o.v = eval_agg(r->agg, raw.ts[at], raw.v[at], raw.len[at]);
            e->o.has = !isnan(e->o.v);
        }
    }
    raw_free(q, &raw);
    ids_free(&all);
}

void eval_rules(tm_query *q, alert_rule *const *rules, size_t n, int64_t now, eval_out *outs) {
    eval_round rd = {rules, n, now, outs, xcalloc(n ? n : 1, sizeof(tm_ids))};
    uint8_t *done = xcalloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++) {
        memset(&outs[i], 0, sizeof outs[i]);
        if (rules[i]->expr) continue; /* last, below */
        select_rule(q, rules[i], &rd.sel[i]);
        if (query_check_series(q, rd.sel[i].n)) break;
    }
    for (size_t i = 0; i < n && !query_failed(q); i++) {
        if (done[i] || rules[i]->expr) continue;
        /* one observation per series; numeric rules then fill their values in */
        observe_last(q, rules[i], &rd.sel[i], now, &outs[i]);
        if (!numeric(rules[i])) done[i] = 1;
    }
    for (size_t i = 0; i < n && !query_failed(q); i++)
        if (!done[i] && numeric(rules[i])) fetch_window(q, &rd, window(rules[i]), done);
    for (size_t i = 0; i < n && !query_failed(q); i++)
        if (rules[i]->expr) {
            eval_expr(q, rules[i], now, &outs[i]);
            done[i] = 1;
        }
    for (size_t i = 0; i < n; i++) {
        /* a bound hit stops the round's reads; the rules it reached keep their results */
        if (!done[i] && query_failed(q)) {
            outs[i].failed = 1;
            snprintf(outs[i].err, sizeof outs[i].err, "%s", q->err);
        }
        ids_free(&rd.sel[i]);
    }
    free(rd.sel);
    free(done);
}
