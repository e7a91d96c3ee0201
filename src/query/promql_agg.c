/* promql_agg.c — PromQL aggregations, each step of the grid at once: the
 * groups (by/without) are found once per series, then every step folds
 * the series that have a value there, as Prometheus 2.42's aggregation()
 * folds them (its running mean for avg, Welford for stddev/stdvar, NaN
 * losing to any number in min/max). topk/bottomk keep the chosen series
 * whole; count_values and quantile collect a step's values first. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promql_evint.h"
#include "../util/sort.h"

typedef struct {
    double v, mean, cnt;
} acc;

static pq_lset group_labels(pq_ctx *c, const pq_node *e, const pq_lset *ls) {
    if (!e->has_grouping) return (pq_lset){0};
    if (!e->without) return pq_drop(c, ls, e->grouping.v, e->grouping.n, 1);
    pq_lset o = pq_drop(c, ls, e->grouping.v, e->grouping.n, 0);
    return pq_drop_name(c, &o);
}

/* The group's key: the labels group_labels keeps, written out (by: in the
 * by list's order, each looked up, the common one label costs one pass). */
static const char *group_key(pq_ctx *c, const pq_node *e, const pq_lset *ls) {
    if (!e->has_grouping) return "";
    if (e->without) return pq_signature(c, ls, &e->grouping, 0);
    size_t len = 1;
    for (size_t g = 0; g < e->grouping.n; g++) {
        const char *v = pq_get(ls, e->grouping.v[g]);
        if (v) len += strlen(e->grouping.v[g]) + strlen(v) + 2;
    }
    char *k = pq_new(c, len), *p = k;
    for (size_t g = 0; g < e->grouping.n; g++) {
        const char *v = pq_get(ls, e->grouping.v[g]);
        if (!v) continue;
        size_t a = strlen(e->grouping.v[g]), b = strlen(v);
        memcpy(p, e->grouping.v[g], a);
        p[a] = '\xff';
        memcpy(p + a + 1, v, b);
        p[a + 1 + b] = '\xfe';
        p += a + b + 2;
    }
    *p = 0;
    return k;
}

static void fold(int op, acc *a, double x) {
    a->cnt++;
    if (a->cnt == 1) {
        a->v = op == PQ_GROUP ? 1 : op == PQ_STDDEV || op == PQ_STDVAR ? 0 : x;
        a->mean = x;
        return;
    }
    switch (op) {
    case PQ_SUM: a->v += x; break;
    case PQ_AVG:
        if (isinf(a->mean)) {
            if (isinf(x) && (a->mean > 0) == (x > 0)) break;
            if (!isinf(x) && !isnan(x)) break;
        }
        a->mean += x / a->cnt - a->mean / a->cnt;
        break;
    case PQ_MAX:
        if (a->v < x || isnan(a->v)) a->v = x;
        break;
    case PQ_MIN:
        if (a->v > x || isnan(a->v)) a->v = x;
        break;
    case PQ_STDDEV:
    case PQ_STDVAR: {
        double d = x - a->mean;
        a->mean += d / a->cnt;
        a->v += d * (x - a->mean);
        break;
    }
    default: break;
    }
}

static double result(int op, const acc *a) {
    switch (op) {
    case PQ_AVG: return a->mean;
    case PQ_COUNT: return a->cnt;
    case PQ_STDDEV: return sqrt(a->v / a->cnt);
    case PQ_STDVAR: return a->v / a->cnt;
    default: return a->v;
    }
}

/* topk/bottomk: per step and group, the k best series keep their value */
typedef struct {
    size_t grp, s;
    double v;
} cand;

static int by_group_then_best(const void *a, const void *b, void *desc) {
    const cand *x = a, *y = b;
    if (x->grp != y->grp) return x->grp < y->grp ? -1 : 1;
    if (isnan(x->v) || isnan(y->v)) return isnan(x->v) && isnan(y->v) ? 0 : isnan(x->v) ? 1 : -1; /* NaN last */
    if (x->v == y->v) return x->s < y->s ? -1 : x->s > y->s;
    return (*(const int *)desc ? x->v > y->v : x->v < y->v) ? -1 : 1;
}

static int top(pq_ctx *c, const pq_node *e, const pq_value *in, const size_t *grp, size_t ng, const double *k,
               pq_value *out) {
    int desc = e->op == PQ_TOPK;
    size_t *mine = pq_new(c, (in->n + 1) * sizeof *mine); /* 1 + its index in out, 0: none yet */
    cand *cd = pq_new(c, (in->n + 1) * sizeof *cd);
    (void)ng;
    *out = pq_vector();
    for (size_t i = 0; i < c->n; i++) {
        if (!(k[i] >= -9.223372036854775807e18 && k[i] <= 9.223372036854775807e18)) { /* Go's convertibleToInt64 */
            char num[40];
            pq_format_go(k[i], 'g', num, sizeof num);
            return pq_fail_q(c, 422, "Scalar value %s overflows int64", num);
        }
        if (k[i] < 1) continue;
        size_t kk = k[i] > 1e9 ? (size_t)1e9 : (size_t)k[i], nc = 0;
        for (size_t s = 0; s < in->n; s++)
            if (in->s[s].has[i]) cd[nc++] = (cand){grp[s], s, in->s[s].v[i]};
        sort_r(cd, nc, sizeof *cd, by_group_then_best, &desc);
        for (size_t a = 0, run = 0; a < nc; a++) {
            run = a && cd[a].grp == cd[a - 1].grp ? run + 1 : 0;
            if (run >= kk) continue;
            size_t s = cd[a].s;
            if (!mine[s]) pq_add_series(c, out, in->s[s].ls), mine[s] = out->n;
            out->s[mine[s] - 1].v[i] = in->s[s].v[i];
            out->s[mine[s] - 1].has[i] = 1;
        }
    }
    return 0;
}

static int count_values(pq_ctx *c, const pq_node *e, const pq_value *in, const pq_lset *gl, const size_t *grp,
                        const char *label, pq_value *out) {
    pq_map m = {0};
    char num[400]; /* the longest, 5e-324 written out, is 326 bytes */
    (void)e;
    *out = pq_vector();
    for (size_t i = 0; i < c->n; i++)
        for (size_t s = 0; s < in->n; s++) {
            if (!in->s[s].has[i]) continue;
            pq_format_float(in->s[s].v[i], num, sizeof num);
            pq_lset ls = pq_set(c, &gl[grp[s]], label, num);
            int fresh;
            size_t *at = pq_map_get(c, &m, pq_lset_key(c, &ls), &fresh);
            if (fresh) *at = out->n, pq_add_series(c, out, ls);
            pq_series *o = &out->s[*at];
            if (!o->has[i]) o->v[i] = 0;
            o->v[i] += 1;
            o->has[i] = 1;
        }
    return 0;
}

static int quantile(pq_ctx *c, const pq_value *in, const size_t *grp, size_t ng, const double *q, pq_value *out) {
    double *vals = pq_new(c, (in->n + 1) * sizeof *vals);
    size_t *first = pq_new(c, (ng + 1) * sizeof *first), *nv = pq_new(c, (ng + 1) * sizeof *nv);
    for (size_t i = 0; i < c->n; i++) {
        memset(nv, 0, ng * sizeof *nv);
        for (size_t s = 0; s < in->n; s++)
            if (in->s[s].has[i]) nv[grp[s]]++;
        size_t at = 0;
        for (size_t g = 0; g < ng; g++) first[g] = at, at += nv[g], nv[g] = 0;
        for (size_t s = 0; s < in->n; s++)
            if (in->s[s].has[i]) vals[first[grp[s]] + nv[grp[s]]++] = in->s[s].v[i];
        for (size_t g = 0; g < ng; g++) {
            if (!nv[g]) continue;
            out->s[g].v[i] = pq_quantile(q[i], vals + first[g], nv[g]);
            out->s[g].has[i] = 1;
        }
    }
    return 0;
}

int pq_eval_agg(pq_ctx *c, const pq_node *e, pq_value *out) {
    pq_value param = {0}, in;
    if (e->args[0] && pq_eval_node(c, e->args[0], &param)) return -1;
    if (pq_eval_node(c, e->args[1], &in)) return -1;
    if (e->op == PQ_COUNT_VALUES && !*param.str)
        return pq_fail_q(c, 422, "invalid label name \"%s\"", param.str);
    size_t *grp = pq_new(c, (in.n + 1) * sizeof *grp);
    pq_value groups = pq_vector();
    pq_map m = {0};
    for (size_t s = 0; s < in.n; s++) { /* a group's labels are made once, by its first series */
        int fresh;
        size_t *at = pq_map_get(c, &m, group_key(c, e, &in.s[s].ls), &fresh);
        if (fresh) *at = groups.n, pq_add_series(c, &groups, group_labels(c, e, &in.s[s].ls));
        grp[s] = *at;
    }
    if (e->op == PQ_TOPK || e->op == PQ_BOTTOMK) return top(c, e, &in, grp, groups.n, param.scalar, out);
    if (e->op == PQ_QUANTILE) return *out = groups, quantile(c, &in, grp, groups.n, param.scalar, out);
    if (e->op == PQ_COUNT_VALUES) {
        pq_lset *gl = pq_new(c, (groups.n + 1) * sizeof *gl);
        for (size_t g = 0; g < groups.n; g++) gl[g] = groups.s[g].ls;
        return count_values(c, e, &in, gl, grp, param.str, out);
    }
    /* series by series, each down its steps (memory order), into one
     * accumulator per group and step: every accumulator still folds its
     * series in series order, as the step-by-step loop would */
    acc *a = pq_new(c, (groups.n * c->n + 1) * sizeof *a);
    memset(a, 0, groups.n * c->n * sizeof *a);
    for (size_t s = 0; s < in.n; s++) {
        acc *row = a + grp[s] * c->n;
        const pq_series *x = &in.s[s];
        if (e->op == PQ_SUM) { /* the common one, without fold's switch per point */
            for (size_t i = 0; i < c->n; i++)
                if (x->has[i]) row[i].v = row[i].cnt++ ? row[i].v + x->v[i] : x->v[i];
            continue;
        }
        for (size_t i = 0; i < c->n; i++)
            if (x->has[i]) fold(e->op, &row[i], x->v[i]);
    }
    for (size_t g = 0; g < groups.n; g++)
        for (size_t i = 0; i < c->n; i++) {
            if (!a[g * c->n + i].cnt) continue;
            groups.s[g].v[i] = result(e->op, &a[g * c->n + i]);
            groups.s[g].has[i] = 1;
        }
    *out = groups;
    return 0;
}
