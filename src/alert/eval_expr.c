/* eval_expr.c — expr rules: a PromQL or Graphite expression through the
 * engine's own front ends (query/promql_eval.h, query/graphite.h), inside
 * the round's query.
 *
 * PromQL: an instant query at now; each series of the result (or the
 * scalar) is one observation, its labels as the series key. Graphite: the
 * target over the rule's window; each series of the set folded by the
 * rule's agg. Without a threshold any value fires (Prometheus' own form,
 * the comparison inside the expression: `up == 0`), and a series that
 * leaves the result resolves. A failing expression fails only its rule:
 * the query's failure is cleared for the rules after it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/batch.h"
#include "../query/graphite.h"
#include "../query/promql.h"
#include "../query/promql_eval.h"
#include "../util/buf.h"
#include "eval.h"

/* A canonical key for a computed series: its name and labels, with any
 * character a key may not hold made '_' (Graphite names such as
 * "alias(x, 'a b')" carry spaces). */
static size_t computed_key(const char *name, const tm_tag *t, size_t nt, char *out, size_t cap) {
    char nm[TM_KEY_MAX + 1];
    size_t n = 0;
    for (; name[n] && n < TM_KEY_MAX; n++)
        nm[n] = (unsigned char)name[n] <= 0x20 || strchr(";=", name[n]) ? '_' : name[n];
    const char *why;
    int k = key_canon(nm, n ? n : 1, t, nt, out, cap, &why);
    if (k < 0) k = key_canon(nm, n ? n : 1, NULL, 0, out, cap, &why);
    return k < 0 ? 0 : (size_t)k;
}

static void observe(eval_out *out, const char *key, size_t klen, double v) {
    XGROW(out->v, out->n, out->cap, 16);
    eval_obs *e = &out->v[out->n++];
    memset(e, 0, sizeof *e);
    e->key = xstrndup(key, klen);
    e->klen = klen;
    e->free_key = 1;
    e->o.has = !isnan(v);
    e->o.v = v;
}

static void failed(tm_query *q, eval_out *out, const char *why) {
    out->failed = 1;
    snprintf(out->err, sizeof out->err, "expr: %.280s", why && *why ? why : q->err);
    q->code = 0; /* this rule's failure, not the round's */
    q->err[0] = 0;
}

static void promql(tm_query *q, const alert_rule *r, int64_t now, eval_out *out) {
    char err[300], key[TM_KEY_MAX + 1];
    pq_expr *arena = NULL;
    pq_node *e = pq_parse(r->expr, strlen(r->expr), &arena, err, sizeof err);
    if (!e) {
        failed(q, out, err);
        return;
    }
    pq_ctx *c = NULL;
    pq_result res;
    if (pq_eval(q, e, now, now, 0, &c, &res) || q->code) {
        failed(q, out, c ? pq_error(c) : NULL);
    } else if (res.v.type == PQ_T_SCALAR) {
        const char *nm = r->name ? r->name : r->id;
        observe(out, key, computed_key(nm, NULL, 0, key, sizeof key), res.v.scalar[0]);
    } else {
        for (size_t i = 0; i < res.v.n; i++) {
            const pq_series *s = &res.v.s[i];
            if (!s->has || !s->has[0]) continue;
            tm_tag t[64];
            size_t nt = 0;
            const char *name = r->name ? r->name : r->id;
            for (size_t k = 0; k < s->ls.n; k++) {
                if (!strcmp(s->ls.l[k].n, "__name__")) name = s->ls.l[k].v;
                else if (nt < 64)
                    t[nt++] = (tm_tag){s->ls.l[k].n, strlen(s->ls.l[k].n), s->ls.l[k].v, strlen(s->ls.l[k].v)};
            }
            size_t kl = computed_key(name, t, nt, key, sizeof key);
            if (kl) observe(out, key, kl, s->v[0]);
        }
    }
    pq_ctx_free(c);
    pq_free(arena);
}

static void graphite(tm_query *q, const alert_rule *r, int64_t now, eval_out *out) {
    char err[300], key[TM_KEY_MAX + 1];
    gnode *g = gparse(r->expr, strlen(r->expr), err, sizeof err);
    if (!g) {
        failed(q, out, err);
        return;
    }
    int64_t w = r->duration ? r->duration : EVAL_DEFAULT_WINDOW_MS;
    geval ev = {q, (now - w) / 1000, now / 1000, now / 1000, 0, NULL, NULL};
    tm_sset set = {0};
    if (geval_target(&ev, g, &set) || q->code) failed(q, out, NULL);
    else
        for (size_t i = 0; i < set.n; i++) {
            const tm_gser *s = &set.s[i];
            int64_t *ts = xmalloc((s->n ? s->n : 1) * sizeof *ts);
            for (size_t k = 0; k < s->n; k++) ts[k] = s->start + (int64_t)k * s->step;
            double v = eval_agg(r->agg, ts, s->v, s->n);
            free(ts);
            size_t kl = computed_key(s->name ? s->name : s->key, NULL, 0, key, sizeof key);
            if (kl) observe(out, key, kl, v);
        }
    sset_free(&set);
    gnode_free(g);
}

void eval_expr(tm_query *q, const alert_rule *r, int64_t now, eval_out *out) {
    if (r->expr_lang == EXPR_GRAPHITE) graphite(q, r, now, out);
    else promql(q, r, now, out);
}

int expr_check(const char *expr, int lang, char *err, size_t errlen) {
    if (lang == EXPR_GRAPHITE) {
        gnode *g = gparse(expr, strlen(expr), err, errlen);
        gnode_free(g);
        return g ? 0 : -1;
    }
    pq_expr *arena = NULL;
    pq_node *e = pq_parse(expr, strlen(expr), &arena, err, errlen);
    int rc = 0;
    if (!e) rc = -1;
    else if (e->type != PQ_T_VECTOR && e->type != PQ_T_SCALAR) {
        snprintf(err, errlen, "must be an instant vector or a scalar, not a %s", pq_type_name(e->type));
        rc = -1;
    }
    pq_free(arena);
    return rc;
}
