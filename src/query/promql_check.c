/* promql_check.c — Prometheus' checkAST, applied to each node as it is
 * built, with its messages; selector regexes are compiled by the engine's
 * matcher (anchored, as Prometheus anchors them), so a bad one is a parse
 * error and matching needs no more parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/reuse.h"
#include "matcher.h"
#include "promql_int.h"

const char *pq_type_name(int t) {
    static const char *const n[] = {"none", "scalar", "instant vector", "range vector", "string"};
    return t >= 0 && t <= PQ_T_STRING ? n[t] : "none";
}

/* Prometheus' ValueType strings, which some messages print instead */
static const char *type_raw(int t) {
    static const char *const n[] = {"none", "scalar", "vector", "matrix", "string"};
    return t >= 0 && t <= PQ_T_STRING ? n[t] : "none";
}

static const char *const op_names[] = {"or", "and", "unless", "==", "!=", "<=", "<", ">=", ">",
                                       "+",  "-",   "*",      "/",  "%",  "atan2", "^"};
static const char *const agg_names[] = {"sum",    "avg",  "count",   "min",     "max",          "group",
                                        "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile"};
const char *pq_op_name(int op) { return op_names[op]; }
const char *pq_agg_name(int op) { return agg_names[op]; }

static void expect_type(pq_parser *p, const pq_node *e, int want, const char *ctx) {
    if (e->type != want)
        pq_fail(p, e->pos, "expected type %s in %s, got %s", pq_type_name(want), ctx, pq_type_name(e->type));
}

static void keep(pq_expr *ar, tm_matcher *m) {
    if (ar->nres == ar->capres) {
        ar->capres = ar->capres ? ar->capres * 2 : 8;
        void **w = realloc(ar->res, ar->capres * sizeof *w);
        if (!w) abort();
        ar->res = w;
    }
    ar->res[ar->nres++] = m;
}

/* The engine's matcher (matcher.h), anchored at both ends as PromQL wants;
 * on a bad regex, Prometheus' wording around PCRE2's reason. */
tm_matcher *pq_regex(pq_expr *ar, const char *re, char *err, size_t errlen) {
    tm_matcher *m = malloc(sizeof *m);
    char why[300];
    if (!m) abort();
    if (matcher_init(m, "", 0, MT_RE, re, strlen(re), 1, why, sizeof why)) {
        const char *at = strstr(why, " at "), *msg = at ? strstr(at, ": ") : NULL;
        snprintf(err, errlen, "error parsing regexp: %s: `^(?:%s)$`", msg ? msg + 2 : why, re);
        free(m);
        return NULL;
    }
    if (ar) keep(ar, m);
    return m;
}

void pq_regex_free(tm_matcher *m) {
    if (!m) return;
    matcher_free(m);
    free(m);
}

int pq_matcher_match(const pq_matcher *m, const char *v, size_t n) {
    switch (m->op) {
    case PQ_M_EQ: return strlen(m->value) == n && !memcmp(m->value, v, n);
    case PQ_M_NE: return !(strlen(m->value) == n && !memcmp(m->value, v, n));
    case PQ_M_RE: return matcher_test(m->re, v, n);
    default: return !matcher_test(m->re, v, n);
    }
}

void pq_check_selector(pq_parser *p, pq_node *e) {
    int named = -1;
    for (size_t i = 0; i < e->nm; i++) {
        pq_matcher *m = &e->m[i];
        if (m->op == PQ_M_RE || m->op == PQ_M_NRE) {
            char err[300];
            if (!(m->re = pq_regex(p->ar, m->value, err, sizeof err))) pq_fail(p, m->pos, "%s", err);
        }
        if (!strcmp(m->name, "__name__")) named = (int)i;
    }
    if (e->metric && named >= 0)
        pq_fail(p, e->pos, "metric name must not be set twice: \"%s\" or \"%s\"", e->metric, e->m[named].value);
    if (e->metric) { /* the name is one more matcher, first */
        pq_matcher *w = pq_alloc(p->ar, (e->nm + 1) * sizeof *w);
        w[0] = (pq_matcher){"__name__", e->metric, PQ_M_EQ, NULL, e->pos};
        if (e->nm) memcpy(w + 1, e->m, e->nm * sizeof *w);
        e->m = w;
        e->nm++;
    } else if (named >= 0 && e->m[named].op == PQ_M_EQ) {
        e->metric = e->m[named].value;
    }
    for (size_t i = 0; i < e->nm; i++)
        if (!pq_matcher_match(&e->m[i], "", 0)) return;
    pq_fail(p, e->pos, "vector selector must contain at least one non-empty matcher");
}

void pq_check_agg(pq_parser *p, pq_node *e) {
    int want = (e->op == PQ_TOPK || e->op == PQ_BOTTOMK || e->op == PQ_COUNT_VALUES || e->op == PQ_QUANTILE) ? 2 : 1;
    if (!e->nargs) pq_fail(p, e->pos, "no arguments for aggregate expression provided");
    if ((int)e->nargs != want)
        pq_fail(p, e->pos, "wrong number of arguments for aggregate expression provided, expected %d, got %zu", want,
                e->nargs);
    expect_type(p, e->args[want - 1], PQ_T_VECTOR, "aggregation expression");
    if (want == 2)
        expect_type(p, e->args[0], e->op == PQ_COUNT_VALUES ? PQ_T_STRING : PQ_T_SCALAR, "aggregation parameter");
    if (want == 1) { /* args[0] is always the parameter slot, args[1] the expression */
        pq_node **w = pq_alloc(p->ar, 2 * sizeof *w);
        w[1] = e->args[0];
        e->args = w;
        e->nargs = 2;
    }
}

void pq_check_call(pq_parser *p, pq_node *e) {
    const pq_func *f = e->fn;
    int na = f->nargs, got = (int)e->nargs;
    if (!f->variadic && na != got)
        pq_fail(p, e->pos, "expected %d argument(s) in call to \"%s\", got %d", na, f->name, got);
    if (f->variadic && na - 1 > got)
        pq_fail(p, e->pos, "expected at least %d argument(s) in call to \"%s\", got %d", na - 1, f->name, got);
    if (f->variadic > 0 && na - 1 + f->variadic < got)
        pq_fail(p, e->pos, "expected at most %d argument(s) in call to \"%s\", got %d", na - 1 + f->variadic, f->name,
                got);
    char ctx[64];
    snprintf(ctx, sizeof ctx, "call to function \"%s\"", f->name);
    for (int i = 0; i < got; i++) {
        int k = i < na ? i : na - 1;
        if (i >= na && f->variadic != -1) break;
        expect_type(p, e->args[i], f->args[k], ctx);
    }
}

void pq_check_subquery(pq_parser *p, pq_node *e) {
    if (e->args[0]->type != PQ_T_VECTOR)
        pq_fail(p, e->pos, "subquery is only allowed on instant vector, got %s instead", type_raw(e->args[0]->type));
}

void pq_unary_type(pq_parser *p, int pos, int t) {
    if (t != PQ_T_SCALAR && t != PQ_T_VECTOR)
        pq_fail(p, pos, "unary expression only allowed on expressions of type scalar or instant vector, got \"%s\"",
                pq_type_name(t));
}

void pq_check_binary(pq_parser *p, pq_node *e, int oppos) {
    int lt = e->args[0]->type, rt = e->args[1]->type, op = e->op;
    if (e->bool_mod && !pq_op_is_cmp(op)) pq_fail(p, oppos, "bool modifier can only be used on comparison operators");
    if (pq_op_is_cmp(op) && !e->bool_mod && lt == PQ_T_SCALAR && rt == PQ_T_SCALAR)
        pq_fail(p, oppos, "comparisons between scalars must use BOOL modifier");
    if (pq_op_is_set(op) && e->card == PQ_ONE_TO_ONE) e->card = PQ_MANY_TO_MANY;
    if (e->on)
        for (size_t i = 0; i < e->match.n; i++)
            for (size_t k = 0; k < e->include.n; k++)
                if (!strcmp(e->match.v[i], e->include.v[k]))
                    pq_fail(p, oppos, "label \"%s\" must not occur in ON and GROUP clause at once", e->match.v[i]);
    if (lt != PQ_T_SCALAR && lt != PQ_T_VECTOR)
        pq_fail(p, e->args[0]->pos, "binary expression must contain only scalar and instant vector types");
    if (rt != PQ_T_SCALAR && rt != PQ_T_VECTOR)
        pq_fail(p, e->args[1]->pos, "binary expression must contain only scalar and instant vector types");
    if (lt != PQ_T_VECTOR || rt != PQ_T_VECTOR) {
        if (e->match.n) pq_fail(p, e->pos, "vector matching only allowed between instant vectors");
        e->has_matching = 0;
        e->card = PQ_ONE_TO_ONE;
    } else if (pq_op_is_set(op)) {
        if (e->card == PQ_ONE_TO_MANY || e->card == PQ_MANY_TO_ONE)
            pq_fail(p, e->pos, "no grouping allowed for \"%s\" operation", op_names[op]);
    }
    if ((lt == PQ_T_SCALAR || rt == PQ_T_SCALAR) && pq_op_is_set(op))
        pq_fail(p, e->pos, "set operator \"%s\" not allowed in binary scalar expression", op_names[op]);
    e->type = lt == PQ_T_SCALAR && rt == PQ_T_SCALAR ? PQ_T_SCALAR : PQ_T_VECTOR;
}

void pq_free(pq_expr *ar) {
    if (!ar) return;
    for (size_t i = 0; i < ar->nres; i++) pq_regex_free(ar->res[i]);
    free(ar->res);
    for (pq_block *b = ar->blocks, *n; b; b = n) {
        n = b->next;
        reuse_put(b, sizeof *b + b->cap);
    }
    free(ar);
}
