/* promql_eval.c — the PromQL evaluator's entry, its node dispatch, and the
 * leaves that read stored data: vector selectors (the last sample within
 * the lookback, per step), range selectors and subqueries (samples, with
 * each step's window left to the function that reads them). Selection and
 * the bulk fetch are the engine's (matcher.h, fetch.h); nothing here reads
 * the store itself. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "fetch.h"
#include "matcher.h"
#include "promql_evint.h"
#include "../util/sort.h"

static int select_ids(pq_ctx *c, const pq_node *sel, tm_ids *ids) {
    static const int ops[] = {[PQ_M_EQ] = MT_EQ, [PQ_M_NE] = MT_NE, [PQ_M_RE] = MT_RE, [PQ_M_NRE] = MT_NRE};
    tm_matcher *m = xcalloc(sel->nm ? sel->nm : 1, sizeof *m);
    size_t ok = 0;
    char err[256];
    memset(ids, 0, sizeof *ids);
    for (; ok < sel->nm; ok++) {
        const pq_matcher *pm = &sel->m[ok];
        if (matcher_init(&m[ok], pm->name, strlen(pm->name), ops[pm->op], pm->value, strlen(pm->value), 1, err,
                         sizeof err))
            break;
    }
    if (ok == sel->nm) select_matchers(c->q->ix, m, sel->nm, ids);
    else pq_fail_q(c, 422, "%s", err);
    for (size_t i = 0; i < ok; i++) matcher_free(&m[i]);
    free(m);
    return ok == sel->nm ? 0 : -1;
}

/* the times a node is evaluated at: the grid's, or one @ time */
static void eval_span(const pq_ctx *c, const pq_node *e, int64_t *first, int64_t *last) {
    if (e->at) {
        int64_t t = e->at == PQ_AT_START ? c->qstart : e->at == PQ_AT_END ? c->qend : e->at_ms;
        *first = *last = t;
    } else {
        *first = c->t0;
        *last = pq_step_time(c, c->n ? c->n - 1 : 0);
    }
}

static int64_t step_at(const pq_ctx *c, const pq_node *e, size_t i) {
    if (e->at) return e->at == PQ_AT_START ? c->qstart : e->at == PQ_AT_END ? c->qend : e->at_ms;
    return pq_step_time(c, i);
}

static int fetch(pq_ctx *c, const pq_node *sel, int64_t back, tm_raw *raw) {
    int64_t first, last;
    eval_span(c, sel, &first, &last);
    tm_ids ids;
    if (select_ids(c, sel, &ids)) return -1;
    int r = fetch_raw(c->q, &ids, first - sel->offset - back, last - sel->offset, raw);
    ids_free(&ids);
    return r;
}

/* The labels of the series ids[0..n) into ls, the index asked a chunk at
 * a time (one hold of its lock each, not one a series). */
static void labels_of(pq_ctx *c, const uint32_t *ids, size_t n, pq_lset *ls) {
    for (size_t at = 0; at < n; at += INDEX_KEYS_CHUNK) {
        const char *key[INDEX_KEYS_CHUNK];
        size_t kl[INDEX_KEYS_CHUNK], nk = n - at < INDEX_KEYS_CHUNK ? n - at : INDEX_KEYS_CHUNK;
        index_keys(c->q->ix, ids + at, nk, key, kl);
        for (size_t k = 0; k < nk; k++) ls[at + k] = pq_key_labels(c, key[k] ? key[k] : "", kl[k]);
    }
}

/* v's series, made with their ids in sid (v->s[i] is series sid[i]), get
 * their labels. */
static void label_series(pq_ctx *c, const uint32_t *sid, pq_value *v) {
    pq_lset *ls = pq_new(c, (v->n + 1) * sizeof *ls);
    labels_of(c, sid, v->n, ls);
    for (size_t i = 0; i < v->n; i++) v->s[i].ls = ls[i];
}

/* An instant selector: per step, the last sample within the lookback,
 * none when that sample is a staleness marker (the series ended there).
 * Step times never go back (an @ time stays put), so the sample found
 * slides forward with them.
 * With sample_ts, each series' sts[i] is the time of step i's sample
 * (timestamp() reads it). */
int pq_eval_selector(pq_ctx *c, const pq_node *e, int sample_ts, pq_value *out) {
    tm_raw raw;
    *out = pq_vector();
    if (fetch(c, e, PQ_LOOKBACK_MS, &raw)) return -1;
    uint32_t *sid = pq_new(c, (raw.n + 1) * sizeof *sid);
    for (size_t k = 0; k < raw.n; k++) {
        const int64_t *ts = raw.ts[k];
        const double *v = raw.v[k];
        size_t n = raw.len[k];
        if (!n) continue;
        pq_series *s = pq_add_series(c, out, (pq_lset){0});
        sid[out->n - 1] = raw.ids[k];
        if (sample_ts) s->sts = pq_new(c, c->n * sizeof(int64_t) + 1);
        size_t got = 0, next = 0; /* next: the first sample after the step's time */
        for (size_t i = 0; i < c->n; i++) {
            int64_t t = step_at(c, e, i) - e->offset;
            while (next < n && ts[next] <= t) next++;
            size_t j = next - 1;
            if (!next || ts[j] < t - PQ_LOOKBACK_MS || tm_is_stale(v[j])) continue; /* a marker ends it */
            s->v[i] = v[j];
            s->has[i] = 1;
            if (sample_ts) s->sts[i] = ts[j];
            got++;
        }
        if (!got) out->n--; /* samples only outside every step's lookback */
    }
    label_series(c, sid, out);
    raw_free(c->q, &raw);
    return 0;
}

/* Keeps raw's samples for the context's life, their points given back to
 * the bound now, as when range vectors held copies of them. */
static void keep_raw(pq_ctx *c, tm_raw *raw) {
    query_release_points(c->q, raw->points);
    raw->points = 0;
    c->raws = xrealloc(c->raws, (c->nraws + 1) * sizeof *c->raws);
    c->raws[c->nraws++] = *raw;
}

/* A range selector's series point into the fetched samples; only a series
 * with staleness markers (windows never hold them) gets a copy without. */
static int eval_range_selector(pq_ctx *c, const pq_node *e, pq_matrix *out) {
    tm_raw raw;
    memset(out, 0, sizeof *out);
    out->v = pq_vector();
    out->v.type = PQ_T_MATRIX;
    if (fetch(c, e, e->range, &raw)) return -1;
    pq_reserve(c, &out->v, raw.n);
    uint32_t *sid = pq_new(c, (raw.n + 1) * sizeof *sid);
    for (size_t k = 0; k < raw.n; k++) {
        int64_t *ts = raw.ts[k];
        double *v = raw.v[k];
        size_t n = raw.len[k], m = 0, i = 0;
        while (i < n && !tm_is_stale(v[i])) i++; /* the common case: no marker at all */
        if (i == n) {
            if (!n) continue;
            pq_series *s = pq_add_samples(c, &out->v, (pq_lset){0});
            sid[out->v.n - 1] = raw.ids[k];
            s->sts = ts, s->sv = v, s->ns = n;
            continue;
        }
        for (; i < n; i++) m += tm_is_stale(v[i]);
        m = n - m;
        if (!m) continue;
        pq_series *s = pq_add_samples(c, &out->v, (pq_lset){0});
        sid[out->v.n - 1] = raw.ids[k];
        s->sts = pq_new(c, m * sizeof *s->sts);
        s->sv = pq_new(c, m * sizeof *s->sv);
        for (size_t i = 0; i < n; i++)
            if (!tm_is_stale(v[i])) s->sts[s->ns] = ts[i], s->sv[s->ns++] = v[i];
    }
    label_series(c, sid, &out->v);
    keep_raw(c, &raw);
    out->range = e->range;
    out->offset = e->offset;
    out->at = e->at;
    out->at_ms = e->at == PQ_AT_START ? c->qstart : e->at == PQ_AT_END ? c->qend : e->at_ms;
    return 0;
}

#define PQ_SUBQUERY_STEP 60000 /* Prometheus' default evaluation_interval */

/* The inner expression on its own grid, aligned to its step, from the
 * first window's start to the last one's end; its points become samples. */
static int eval_subquery(pq_ctx *c, const pq_node *e, pq_matrix *out) {
    int64_t first, last, step = e->step ? e->step : PQ_SUBQUERY_STEP;
    eval_span(c, e, &first, &last);
    int64_t from = first - e->offset - e->range, until = last - e->offset;
    int64_t t0 = step * (from / step);
    if (t0 < from) t0 += step;
    /* only the grid is swapped: what the inner expression holds (points,
     * fetched samples) stays the context's */
    int64_t saved_t0 = c->t0, saved_step = c->step;
    size_t saved_n = c->n;
    c->t0 = t0;
    c->step = step;
    c->n = until >= t0 ? (size_t)((until - t0) / step) + 1 : 0;
    size_t n = c->n;
    if (query_add_points(c->q, n)) {
        c->t0 = saved_t0, c->step = saved_step, c->n = saved_n;
        return -1;
    }
    pq_value in;
    int r = pq_eval_node(c, e->args[0], &in);
    c->t0 = saved_t0, c->step = saved_step, c->n = saved_n;
    query_release_points(c->q, n);
    if (r) return -1;
    memset(out, 0, sizeof *out);
    out->v = pq_vector();
    out->v.type = PQ_T_MATRIX;
    for (size_t k = 0; k < in.n; k++) {
        pq_series *is = &in.s[k], *s = NULL;
        for (size_t i = 0; i < n; i++) {
            if (!is->has[i]) continue;
            if (!s) {
                s = pq_add_samples(c, &out->v, is->ls);
                s->sts = pq_new(c, n * sizeof *s->sts);
                s->sv = pq_new(c, n * sizeof *s->sv);
            }
            s->sts[s->ns] = t0 + (int64_t)i * step;
            s->sv[s->ns++] = is->v[i];
        }
    }
    out->range = e->range;
    out->offset = e->offset;
    out->at = e->at;
    out->at_ms = first;
    return 0;
}

int pq_eval_matrix(pq_ctx *c, const pq_node *e, pq_matrix *out) {
    while (e->kind == PQ_PAREN) e = e->args[0];
    if (e->kind == PQ_SEL) return eval_range_selector(c, e, out);
    if (e->kind == PQ_SUBQUERY) return eval_subquery(c, e, out);
    return pq_fail_q(c, 422, "expected a range vector");
}

static int eval_neg(pq_ctx *c, const pq_node *e, pq_value *out) {
    if (pq_eval_node(c, e->args[0], out)) return -1;
    if (out->type == PQ_T_SCALAR) {
        for (size_t i = 0; i < c->n; i++) out->scalar[i] = -out->scalar[i];
        return 0;
    }
    for (size_t k = 0; k < out->n; k++) {
        pq_series *s = &out->s[k];
        s->ls = pq_drop_name(c, &s->ls);
        for (size_t i = 0; i < c->n; i++) s->v[i] = -s->v[i];
    }
    return 0;
}

/* A matrix as a value (an instant query of foo[5m]): each series' samples
 * in the one step's window. */
static int eval_matrix_value(pq_ctx *c, const pq_node *e, pq_value *out) {
    pq_matrix m;
    if (pq_eval_matrix(c, e, &m)) return -1;
    int64_t t = (m.at ? m.at_ms : c->t0) - m.offset;
    *out = pq_vector();
    out->type = PQ_T_MATRIX;
    for (size_t k = 0; k < m.v.n; k++) {
        pq_series *s = &m.v.s[k];
        size_t lo = 0, hi = s->ns;
        while (lo < s->ns && s->sts[lo] < t - m.range) lo++;
        while (hi > lo && s->sts[hi - 1] > t) hi--;
        if (hi == lo) continue;
        pq_series *o = pq_add_samples(c, out, s->ls);
        o->sts = s->sts + lo;
        o->sv = s->sv + lo;
        o->ns = hi - lo;
    }
    return 0;
}

static int eval_kind(pq_ctx *c, const pq_node *e, pq_value *out) {
    switch (e->kind) {
    case PQ_NUM: *out = pq_scalar(c, e->num); return 0;
    case PQ_STR: *out = (pq_value){.type = PQ_T_STRING, .str = e->str}; return 0;
    case PQ_PAREN: return pq_eval_node(c, e->args[0], out);
    case PQ_SEL:
        if (e->range) return eval_matrix_value(c, e, out);
        return pq_eval_selector(c, e, 0, out);
    case PQ_SUBQUERY: return eval_matrix_value(c, e, out);
    case PQ_NEG: return eval_neg(c, e, out);
    case PQ_CALL: return pq_eval_call(c, e, out);
    case PQ_AGG: return pq_eval_agg(c, e, out);
    case PQ_BIN: return pq_eval_binary(c, e, out);
    }
    return pq_fail_q(c, 422, "unknown expression");
}

int pq_eval_node(pq_ctx *c, const pq_node *e, pq_value *out) {
    if (query_check_time(c->q)) return -1;
    memset(out, 0, sizeof *out);
    if (eval_kind(c, e, out) || query_failed(c->q)) return -1;
    return 0;
}

static int by_labels(const void *a, const void *b) {
    return pq_lset_cmp(&((const pq_series *)a)->ls, &((const pq_series *)b)->ls);
}

int pq_eval(tm_query *q, const pq_node *e, int64_t start, int64_t end, int64_t step, pq_ctx **ctx, pq_result *out) {
    pq_ctx *c = xcalloc(1, sizeof *c);
    c->q = q;
    c->ar = xcalloc(1, sizeof *c->ar);
    c->t0 = start;
    c->step = step > 0 ? step : 1;
    c->n = end > start && step > 0 ? (size_t)((end - start) / step) + 1 : 1;
    c->qstart = start;
    c->qend = end;
    *ctx = c;
    memset(out, 0, sizeof *out);
    out->start = start;
    out->step = c->step;
    out->nsteps = c->n;
    if (pq_eval_node(c, e, &out->v)) return -1;
    if (c->n > 1 && out->v.type == PQ_T_VECTOR) { /* a matrix: series by labels, empty ones left out */
        size_t w = 0;
        for (size_t k = 0; k < out->v.n; k++) {
            size_t i = 0;
            while (i < c->n && !out->v.s[k].has[i]) i++;
            if (i < c->n) out->v.s[w++] = out->v.s[k];
        }
        out->v.n = w;
        sort_n(out->v.s, out->v.n, sizeof *out->v.s, by_labels);
    }
    if (out->v.type == PQ_T_MATRIX) sort_n(out->v.s, out->v.n, sizeof *out->v.s, by_labels);
    return 0;
}

void pq_ctx_free(pq_ctx *c) {
    if (!c) return;
    query_release_points(c->q, c->held);
    for (size_t i = 0; i < c->nraws; i++) raw_free(NULL, &c->raws[i]);
    free(c->raws);
    pq_free(c->ar);
    free(c);
}

int pq_select(tm_query *q, const pq_node *sel, pq_ctx **ctx, pq_lset **out, uint32_t **ids, size_t *n) {
    pq_ctx *c = xcalloc(1, sizeof *c);
    c->q = q;
    c->ar = xcalloc(1, sizeof *c->ar);
    c->n = 1;
    *ctx = c;
    tm_ids v;
    *n = 0;
    if (select_ids(c, sel, &v)) return -1;
    *out = pq_new(c, (v.n + 1) * sizeof **out);
    *ids = pq_new(c, (v.n + 1) * sizeof **ids);
    labels_of(c, v.v, v.n, *out);
    if (v.n) memcpy(*ids, v.v, v.n * sizeof **ids);
    *n = v.n;
    ids_free(&v);
    return 0;
}
