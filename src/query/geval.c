/* geval.c — evaluating Graphite targets: paths and seriesByTag through the
 * indexes, calls through the function table (graphite.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "fetch.h"
#include "graphite.h"
#include "matcher.h"
#include "../util/sort.h"

int gfail(geval *ev, const char *fn, const char *fmt, ...) {
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return query_fail(ev->q, 400, "%s: %s", fn, msg);
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(((const tm_gser *)a)->name, ((const tm_gser *)b)->name);
}

/* whisper's archive choice and grid for [from, until] */
static int grid_of(geval *ev, int64_t *start, int64_t *step, size_t *n, int *agg) {
    const tm_store_opts *o = store_options(ev->q->store);
    int64_t until = ev->until < ev->now ? ev->until : ev->now, from = ev->from;
    int64_t oldest = ev->now - o->keep[o->narch - 1] / 1000;
    if (from < oldest) from = oldest;
    if (from > ev->now || until < oldest || until < from) return 0;
    size_t a = 0;
    while (a + 1 < o->narch && o->keep[a] / 1000 < ev->now - from) a++;
    int64_t st = o->step[a] / 1000;
    if (st < 1) st = 1;
    int64_t fi = from - from % st + st, ui = until - until % st + st;
    if (fi == ui) ui += st;
    *start = fi * 1000;
    *step = st * 1000;
    *n = (size_t)((ui - fi) / st);
    *agg = a == 0 ? AGG_LAST : AGG_AVG; /* archive 0: whisper's last write per slot */
    return 1;
}

/* Fetch ids onto the request's grid, each named by its key, sorted by name. */
static int fetch_named(geval *ev, tm_ids *ids, const char *pathexpr, tm_sset *out) {
    int64_t start, step;
    size_t n;
    int agg;
    if (!ids->n || !grid_of(ev, &start, &step, &n, &agg)) return 0;
    tm_sset got = {0};
    if (fetch_grid(ev->q, ids, start, step, n, agg, &got)) {
        sset_free(&got);
        return -1;
    }
    for (size_t i = 0; i < got.n; i++) {
        tm_gser *g = &got.s[i];
        char shown[TM_KEY_MAX]; /* a tagged series is named name;k=v, its values as sent */
        gser_set_name(g, shown, key_display(g->key, strlen(g->key), shown));
        g->path = xstrndup(pathexpr, strlen(pathexpr));
        g->xff = ev->xff;
    }
    sort_n(got.s, got.n, sizeof *got.s, cmp_name);
    for (size_t i = 0; i < got.n; i++) sset_take(out, &got.s[i]);
    free(got.s);
    return 0;
}

static int eval_path(geval *ev, const gnode *g, tm_sset *out) {
    tm_ids ids = {0};
    index_glob(ev->q->ix, g->s, strlen(g->s), 0, &ids);
    int rc = fetch_named(ev, &ids, g->s, out);
    ids_free(&ids);
    return rc;
}

int gtagspec(const char *s, void *matcher, char *err, size_t errlen) {
    tm_matcher *m = matcher;
    const char *op = strpbrk(s, "!=");
    if (!op || op == s || strchr(s, ';') || (op[0] == '!' && op[1] != '=')) {
        snprintf(err, errlen, "Invalid tagspec %s", s);
        return -1;
    }
    int kind = !strncmp(op, "!=~", 3) ? MT_NRE : !strncmp(op, "=~", 2) ? MT_RE : !strncmp(op, "!=", 2) ? MT_NE : MT_EQ;
    const char *val = op + (kind == MT_NRE ? 3 : kind == MT_EQ ? 1 : 2);
    int is_name = op - s == 4 && !strncmp(s, "name", 4);
    return matcher_init(m, is_name ? "__name__" : s, is_name ? 8 : (size_t)(op - s), kind, val, strlen(val), 0, err,
                        errlen);
}

int gtag_select(tm_index *ix, char *const *exprs, size_t n, tm_ids *out, char *err, size_t errlen) {
    tm_matcher *m = xcalloc(n ? n : 1, sizeof *m);
    size_t k = 0;
    int rc = 0, narrows = 0;
    for (; k < n && !rc; k++)
        if (gtagspec(exprs[k], &m[k], err, errlen)) rc = -1;
    if (rc) k--;
    for (size_t i = 0; i < k; i++) narrows |= !matcher_test(&m[i], "", 0);
    if (!rc && !narrows) {
        snprintf(err, errlen, "At least one tagspec must not match the empty string");
        rc = -1;
    }
    if (!rc) { /* graphite's tag database holds number series only */
        tm_ids all = {0};
        select_matchers(ix, m, k, &all);
        for (size_t i = 0; i < all.n; i++)
            if (index_type(ix, all.v[i]) == TM_NUMBER) ids_push(out, all.v[i]);
        ids_free(&all);
    }
    for (size_t i = 0; i < k; i++) matcher_free(&m[i]);
    free(m);
    return rc;
}

/* seriesByTag('tag=v', ...): through the postings; named by the call's own text */
int gseries_by_tag(geval *ev, garg *a, size_t n, tm_sset *out) {
    char **ex = xcalloc(n ? n : 1, sizeof *ex);
    for (size_t i = 0; i < n; i++) ex[i] = (char *)a[i].str;
    char err[256];
    tm_ids ids = {0};
    int rc = gtag_select(ev->q->ix, ex, n, &ids, err, sizeof err) ? gfail(ev, "seriesByTag", "%s", err)
           : fetch_named(ev, &ids, ev->call->raw, out);
    ids_free(&ids);
    free(ex);
    return rc;
}

static int type_ok(int ptype, const gnode *a) {
    switch (ptype) {
    case GT_SERIES: return a->kind == GN_PATH || a->kind == GN_CALL;
    case GT_FLOAT: return a->kind == GN_NUM;
    case GT_INT: case GT_NODE: return a->kind == GN_NUM && a->num == floor(a->num);
    case GT_STRING: case GT_AGG: case GT_AGG_OR_SERIES: case GT_TAG: case GT_INTERVAL: return a->kind == GN_STR;
    case GT_INT_OR_INF: return a->kind == GN_NUM && (a->num == floor(a->num) || isinf(a->num));
    case GT_BOOL: return a->kind == GN_BOOL;
    case GT_NODE_OR_TAG: case GT_INT_OR_INTERVAL: return a->kind == GN_STR || (a->kind == GN_NUM && a->num == floor(a->num));
    default: return 1;
    }
}

static int eval_arg(geval *ev, const gfunc *f, const gparam *p, const gnode *a, garg *out) {
    out->given = 1;
    out->node = a;
    out->type = a->kind;
    if (a->kind == GN_NONE) {
        out->given = 0; /* None: as if left out */
        return 0;
    }
    if (!type_ok(p->type, a))
        return gfail(ev, f->name, "argument %s must be %s", p->name, gtype_name(p->type));
    if (p->type == GT_SERIES || (p->type == GT_ANY && (a->kind == GN_PATH || a->kind == GN_CALL)))
        return geval_target(ev, a, &out->set);
    out->num = a->num;
    out->str = a->s;
    return 0;
}

static void args_free(garg *a, size_t n) {
    for (size_t i = 0; i < n; i++) sset_free(&a[i].set);
    free(a);
}

static int eval_call(geval *ev, const gnode *g, tm_sset *out) {
    const gfunc *f = gfunc_find(g->s);
    if (!f) return query_fail(ev->q, 400, "unknown function: %s", g->s);
    size_t np = 0;
    while (np < 8 && f->p[np].name) np++;
    int multi = np && f->p[np - 1].multiple;
    size_t npos = 0;
    for (size_t i = 0; i < g->nargs; i++) npos += !g->kw[i];
    size_t n = multi && npos >= np ? npos : np;
    if (!multi && npos > np) return gfail(ev, f->name, "takes at most %zu arguments, %zu given", np, npos);
    garg *a = xcalloc(n ? n : 1, sizeof *a);
    int rc = 0;
    for (size_t i = 0, k = 0; i < g->nargs && !rc; i++) {
        size_t slot = k;
        const gparam *p = &f->p[slot < np ? slot : np - 1];
        if (g->kw[i]) {
            for (slot = 0; slot < np && strcmp(f->p[slot].name, g->kw[i]); slot++) {}
            if (slot == np) {
                rc = gfail(ev, f->name, "unknown argument %s", g->kw[i]);
                break;
            }
            p = &f->p[slot];
        } else {
            k++;
        }
        if (slot < n && a[slot].given) {
            rc = gfail(ev, f->name, "argument %s given twice", p->name);
            break;
        }
        rc = eval_arg(ev, f, p, g->args[i], &a[slot < n ? slot : n - 1]);
    }
    for (size_t i = 0; i < np && !rc; i++)
        if (f->p[i].required && !(i < n && a[i].given)) rc = gfail(ev, f->name, "missing argument %s", f->p[i].name);
    if (!rc) {
        const gnode *outer = ev->call;
        ev->call = g;
        rc = f->fn(ev, a, n, out);
        ev->call = outer;
    }
    args_free(a, n);
    return rc || query_check_time(ev->q) ? -1 : 0;
}

int geval_target(geval *ev, const gnode *g, tm_sset *out) {
    if (query_failed(ev->q)) return -1;
    if (g->kind == GN_PATH) return eval_path(ev, g, out);
    if (g->kind == GN_CALL) return eval_call(ev, g, out);
    return query_fail(ev->q, 400, "a target must be a path or a function call, not a literal");
}

int geval_series(geval *ev, const gnode *g, tm_sset *out) { return geval_target(ev, g, out); }
