/* promql_binop.c — PromQL binary operators on the step grid: scalar with
 * scalar, vector with scalar, and vector with vector through Prometheus
 * 2.42's vector matching (signatures of on/ignoring labels, one-to-one,
 * group_left/group_right, the set operators), with its result labels
 * (resultMetric) and its errors for ambiguous matches. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "promql_evint.h"

static int drops_name(int op) {
    return op == PQ_OP_ADD || op == PQ_OP_SUB || op == PQ_OP_MUL || op == PQ_OP_DIV || op == PQ_OP_POW ||
           op == PQ_OP_MOD;
}

/* the value, and whether a comparison keeps the element */
static int elem(int op, double l, double r, double *v) {
    *v = l;
    switch (op) {
    case PQ_OP_ADD: *v = l + r; return 1;
    case PQ_OP_SUB: *v = l - r; return 1;
    case PQ_OP_MUL: *v = l * r; return 1;
    case PQ_OP_DIV: *v = l / r; return 1;
    case PQ_OP_MOD: *v = fmod(l, r); return 1;
    case PQ_OP_POW: *v = pow(l, r); return 1;
    case PQ_OP_ATAN2: *v = atan2(l, r); return 1;
    case PQ_OP_EQ: return l == r;
    case PQ_OP_NE: return l != r;
    case PQ_OP_GT: return l > r;
    case PQ_OP_LT: return l < r;
    case PQ_OP_GE: return l >= r;
    case PQ_OP_LE: return l <= r;
    default: return 0;
    }
}

static void scalar_scalar(pq_ctx *c, const pq_node *e, pq_value *l, const pq_value *r) {
    for (size_t i = 0; i < c->n; i++) {
        double v;
        int keep = elem(e->op, l->scalar[i], r->scalar[i], &v);
        l->scalar[i] = pq_op_is_cmp(e->op) ? keep : v;
    }
}

static void vector_scalar(pq_ctx *c, const pq_node *e, pq_value *vec, const pq_value *sc, int swap) {
    for (size_t k = 0; k < vec->n; k++) {
        pq_series *s = &vec->s[k];
        if (drops_name(e->op) || e->bool_mod) s->ls = pq_drop_name(c, &s->ls);
        for (size_t i = 0; i < c->n; i++) {
            if (!s->has[i]) continue;
            double lv = s->v[i], rv = sc->scalar[i], v;
            int keep = swap ? elem(e->op, rv, lv, &v) : elem(e->op, lv, rv, &v);
            if (pq_op_is_cmp(e->op) && swap) v = lv; /* the vector's value, whichever side */
            if (e->bool_mod) v = keep, keep = 1;
            if (keep) s->v[i] = v;
            else s->has[i] = 0;
        }
    }
}

static const pq_labels no_labels = {0};

/* Each series of a and of b gets the number of its signature (equal
 * signatures, equal numbers) in ia / ib; returns how many there are. */
static size_t signature_ids(pq_ctx *c, const pq_node *e, const pq_value *a, const pq_value *b, size_t **ia,
                            size_t **ib) {
    pq_map m = {0};
    size_t nsig = 0;
    *ia = pq_new(c, (a->n + 1) * sizeof **ia);
    *ib = pq_new(c, (b->n + 1) * sizeof **ib);
    for (size_t k = 0; k < a->n + b->n; k++) {
        const pq_series *s = k < a->n ? &a->s[k] : &b->s[k - a->n];
        int fresh;
        size_t *at = pq_map_get(c, &m, pq_signature(c, &s->ls, e->has_matching ? &e->match : &no_labels,
                                                    e->has_matching && e->on), &fresh);
        if (fresh) *at = nsig++;
        if (k < a->n) (*ia)[k] = *at;
        else (*ib)[k - a->n] = *at;
    }
    return nsig;
}

/* and, or, unless: series keep their labels; per step by signature */
static int set_op(pq_ctx *c, const pq_node *e, pq_value *l, pq_value *r, pq_value *out) {
    size_t *lsig, *rsig, nsig = signature_ids(c, e, l, r, &lsig, &rsig);
    unsigned char *inl = pq_new(c, nsig + 1), *inr = pq_new(c, nsig + 1);
    for (size_t i = 0; i < c->n; i++) {
        memset(inl, 0, nsig);
        memset(inr, 0, nsig);
        for (size_t k = 0; k < l->n; k++)
            if (l->s[k].has[i]) inl[lsig[k]] = 1;
        for (size_t k = 0; k < r->n; k++)
            if (r->s[k].has[i]) inr[rsig[k]] = 1;
        for (size_t k = 0; k < l->n; k++)
            if (l->s[k].has[i] && ((e->op == PQ_OP_AND && !inr[lsig[k]]) || (e->op == PQ_OP_UNLESS && inr[lsig[k]])))
                l->s[k].has[i] = 0;
        if (e->op == PQ_OP_OR)
            for (size_t k = 0; k < r->n; k++)
                if (r->s[k].has[i] && inl[rsig[k]]) r->s[k].has[i] = 0;
    }
    *out = *l;
    if (e->op == PQ_OP_OR)
        for (size_t k = 0; k < r->n; k++) {
            pq_series *s = pq_add_series(c, out, r->s[k].ls);
            memcpy(s->v, r->s[k].v, c->n * sizeof *s->v);
            memcpy(s->has, r->s[k].has, c->n);
        }
    return 0;
}

static pq_lset result_labels(pq_ctx *c, const pq_node *e, const pq_lset *many, const pq_lset *one) {
    pq_lset ls = *many;
    if (drops_name(e->op) || e->bool_mod) ls = pq_drop_name(c, &ls);
    if (e->card == PQ_ONE_TO_ONE && e->has_matching) ls = pq_drop(c, &ls, e->match.v, e->match.n, e->on);
    for (size_t i = 0; i < e->include.n; i++) {
        const char *v = pq_get(one, e->include.v[i]);
        ls = pq_set(c, &ls, e->include.v[i], v ? v : "");
    }
    return ls;
}

static void labels_text(const pq_lset *ls, char *out, size_t cap) {
    size_t o = (size_t)snprintf(out, cap, "{");
    for (size_t i = 0; i < ls->n && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s=\"%s\"", i ? ", " : "", ls->l[i].n, ls->l[i].v);
    if (o < cap) snprintf(out + o, cap - o, "}");
}

typedef struct {
    size_t one, out; /* the last pairing of a many-side series and its output: reused while it holds */
} pairing;

static int matched(pq_ctx *c, const pq_node *e, pq_value *l, pq_value *r, pq_value *out) {
    int right_many = e->card == PQ_ONE_TO_MANY;
    pq_value *many = right_many ? r : l, *one = right_many ? l : r;
    pq_map outs = {0};
    size_t *osig, *msig, nsig = signature_ids(c, e, one, many, &osig, &msig);
    size_t *present = pq_new(c, (nsig + 1) * sizeof *present); /* 1 + one-side series at this step */
    unsigned char *used = pq_new(c, nsig + 1);
    pairing *pr = pq_new(c, (many->n + 1) * sizeof *pr);
    for (size_t k = 0; k < many->n; k++) pr[k].one = (size_t)-1;
    *out = pq_vector();
    char a[512], b[512];
    for (size_t i = 0; i < c->n; i++) {
        memset(present, 0, nsig * sizeof *present);
        memset(used, 0, nsig);
        for (size_t k = 0; k < one->n; k++) {
            if (!one->s[k].has[i]) continue;
            if (present[osig[k]]) {
                char g[256];
                pq_lset ml = e->has_matching ? pq_drop(c, &one->s[k].ls, e->match.v, e->match.n, e->on)
                                             : pq_drop_name(c, &one->s[k].ls);
                if (e->has_matching && !e->on) ml = pq_drop_name(c, &ml);
                labels_text(&ml, g, sizeof g);
                labels_text(&one->s[k].ls, a, sizeof a);
                labels_text(&one->s[present[osig[k]] - 1].ls, b, sizeof b);
                return pq_fail_q(c, 422,
                                 "found duplicate series for the match group %s on the %s hand-side of the operation: "
                                 "[%s, %s];many-to-many matching not allowed: matching labels must be unique on one side",
                                 g, right_many ? "left" : "right", a, b);
            }
            present[osig[k]] = k + 1;
        }
        for (size_t k = 0; k < many->n; k++) {
            if (!many->s[k].has[i] || !present[msig[k]]) continue;
            size_t o = present[msig[k]] - 1;
            double lv = many->s[k].v[i], rv = one->s[o].v[i], v;
            if (right_many) v = lv, lv = rv, rv = v;
            int keep = elem(e->op, lv, rv, &v);
            if (e->bool_mod) v = keep, keep = 1;
            if (!keep) continue;
            if (e->card == PQ_ONE_TO_ONE && used[msig[k]])
                return pq_fail_q(c, 422,
                                 "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
            used[msig[k]] = 1;
            if (pr[k].one != o) {
                pq_lset ls = result_labels(c, e, &many->s[k].ls, &one->s[o].ls);
                int fresh;
                size_t *at = pq_map_get(c, &outs, pq_lset_key(c, &ls), &fresh);
                if (fresh) *at = out->n, pq_add_series(c, out, ls);
                pr[k] = (pairing){o, *at};
            }
            pq_series *os_ = &out->s[pr[k].out];
            if (os_->has[i])
                return pq_fail_q(c, 422, "multiple matches for labels: grouping labels must ensure unique matches");
            os_->v[i] = v;
            os_->has[i] = 1;
        }
    }
    return 0;
}

int pq_eval_binary(pq_ctx *c, const pq_node *e, pq_value *out) {
    pq_value l, r;
    if (pq_eval_node(c, e->args[0], &l) || pq_eval_node(c, e->args[1], &r)) return -1;
    if (l.type == PQ_T_SCALAR && r.type == PQ_T_SCALAR) return scalar_scalar(c, e, &l, &r), *out = l, 0;
    if (l.type == PQ_T_VECTOR && r.type == PQ_T_SCALAR) return vector_scalar(c, e, &l, &r, 0), *out = l, 0;
    if (l.type == PQ_T_SCALAR) return vector_scalar(c, e, &r, &l, 1), *out = r, 0;
    if (pq_op_is_set(e->op)) return set_op(c, e, &l, &r, out);
    return matched(c, e, &l, &r, out);
}
