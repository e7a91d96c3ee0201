/* promql_func.c — PromQL functions of instant vectors and scalars: math
 * element by element, clamps, time parts, scalar/vector/time, absent,
 * timestamp, sort, label_replace/label_join, histogram_quantile (the last
 * in promql_hist.c). Range-vector functions are in promql_range.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "promql_evint.h"
#include "../util/sort.h"

static int has_matrix_arg(const pq_func *f) {
    for (int i = 0; i < f->nargs; i++)
        if (f->args[i] == PQ_T_MATRIX) return 1;
    return 0;
}

static double math1(int id, double x) {
    switch (id) {
    case PQ_F_ABS: return fabs(x);
    case PQ_F_CEIL: return ceil(x);
    case PQ_F_FLOOR: return floor(x);
    case PQ_F_SQRT: return sqrt(x);
    case PQ_F_EXP: return exp(x);
    case PQ_F_LN: return log(x);
    case PQ_F_LOG2: return log2(x);
    case PQ_F_LOG10: return log10(x);
    case PQ_F_SGN: return x > 0 ? 1 : x < 0 ? -1 : x;
    case PQ_F_ACOS: return acos(x);
    case PQ_F_ACOSH: return acosh(x);
    case PQ_F_ASIN: return asin(x);
    case PQ_F_ASINH: return asinh(x);
    case PQ_F_ATAN: return atan(x);
    case PQ_F_ATANH: return atanh(x);
    case PQ_F_COS: return cos(x);
    case PQ_F_COSH: return cosh(x);
    case PQ_F_SIN: return sin(x);
    case PQ_F_SINH: return sinh(x);
    case PQ_F_TAN: return tan(x);
    case PQ_F_TANH: return tanh(x);
    case PQ_F_DEG: return x * 180 / M_PI;
    case PQ_F_RAD: return x * M_PI / 180;
    default: return NAN;
    }
}

/* Go's time.Unix(int64(v), 0).UTC() parts */
static double time_part(int id, double v) {
    if (isnan(v) || isinf(v)) return NAN;
    time_t t = (time_t)(int64_t)v;
    struct tm tm;
    gmtime_r(&t, &tm);
    switch (id) {
    case PQ_F_MINUTE: return tm.tm_min;
    case PQ_F_HOUR: return tm.tm_hour;
    case PQ_F_DAY_OF_WEEK: return tm.tm_wday;
    case PQ_F_DAY_OF_MONTH: return tm.tm_mday;
    case PQ_F_DAY_OF_YEAR: return tm.tm_yday + 1;
    case PQ_F_MONTH: return tm.tm_mon + 1;
    case PQ_F_YEAR: return tm.tm_year + 1900;
    default: { /* days_in_month */
        static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y = tm.tm_year + 1900, leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return days[tm.tm_mon] + (tm.tm_mon == 1 && leap);
    }
    }
}

static int is_time_fn(int id) {
    return id == PQ_F_MINUTE || id == PQ_F_HOUR || id == PQ_F_DAY_OF_WEEK || id == PQ_F_DAY_OF_MONTH ||
           id == PQ_F_DAY_OF_YEAR || id == PQ_F_MONTH || id == PQ_F_YEAR || id == PQ_F_DAYS_IN_MONTH;
}

/* element-wise functions: the value is replaced, the name dropped */
static int elementwise(pq_ctx *c, const pq_node *e, pq_value *out) {
    int id = e->fn->id;
    pq_value s1 = {0}, s2 = {0};
    if (is_time_fn(id) && !e->nargs) { /* of vector(time()) */
        *out = pq_vector();
        pq_series *s = pq_add_series(c, out, (pq_lset){0});
        for (size_t i = 0; i < c->n; i++) s->v[i] = time_part(id, (double)(pq_step_time(c, i) / 1000)), s->has[i] = 1;
        return 0;
    }
    if (pq_eval_node(c, e->args[0], out)) return -1;
    if (e->nargs > 1 && pq_eval_node(c, e->args[1], &s1)) return -1;
    if (e->nargs > 2 && pq_eval_node(c, e->args[2], &s2)) return -1;
    for (size_t k = 0; k < out->n; k++) {
        pq_series *s = &out->s[k];
        s->ls = pq_drop_name(c, &s->ls);
        for (size_t i = 0; i < c->n; i++) {
            double x = s->v[i];
            switch (id) {
            case PQ_F_CLAMP: {
                double lo = s1.scalar[i], hi = s2.scalar[i];
                if (hi < lo) s->has[i] = 0;
                else s->v[i] = fmax(lo, fmin(hi, x));
                break;
            }
            case PQ_F_CLAMP_MAX: s->v[i] = fmin(s1.scalar[i], x); break;
            case PQ_F_CLAMP_MIN: s->v[i] = fmax(s1.scalar[i], x); break;
            case PQ_F_ROUND: {
                double inv = 1.0 / (e->nargs > 1 ? s1.scalar[i] : 1);
                s->v[i] = floor(x * inv + 0.5) / inv;
                break;
            }
            default: s->v[i] = is_time_fn(id) ? time_part(id, x) : math1(id, x);
            }
        }
    }
    return 0;
}

/* absent()'s labels: the selector's equality matchers, a name given twice dropped */
pq_lset pq_absent_labels(pq_ctx *c, const pq_node *sel) {
    pq_lset ls = {pq_new(c, (sel->nm + 1) * sizeof(pq_lab)), 0};
    for (size_t i = 0; i < sel->nm; i++) {
        const pq_matcher *m = &sel->m[i];
        if (m->op != PQ_M_EQ || !strcmp(m->name, "__name__")) continue;
        int twice = 0;
        for (size_t j = 0; j < sel->nm; j++)
            if (j != i && !strcmp(sel->m[j].name, m->name)) twice = 1;
        if (!twice) ls = pq_set(c, &ls, m->name, m->value);
    }
    return ls;
}

static int absent(pq_ctx *c, const pq_node *e, pq_value *out) {
    pq_value in;
    if (pq_eval_node(c, e->args[0], &in)) return -1;
    const pq_node *a = e->args[0];
    while (a->kind == PQ_PAREN) a = a->args[0];
    *out = pq_vector();
    pq_series *s = pq_add_series(c, out, a->kind == PQ_SEL ? pq_absent_labels(c, a) : (pq_lset){0});
    int any = 0;
    for (size_t i = 0; i < c->n; i++) {
        int there = 0;
        for (size_t k = 0; k < in.n && !there; k++) there = in.s[k].has[i];
        if (!there) s->v[i] = 1, s->has[i] = 1, any = 1;
    }
    if (!any) out->n = 0;
    return 0;
}

static int one_series_fn(pq_ctx *c, const pq_node *e, pq_value *out) {
    int id = e->fn->id;
    pq_value in;
    if (id == PQ_F_TIME || id == PQ_F_PI) {
        *out = pq_scalar(c, M_PI);
        if (id == PQ_F_TIME)
            for (size_t i = 0; i < c->n; i++) out->scalar[i] = (double)pq_step_time(c, i) / 1000;
        return 0;
    }
    if (pq_eval_node(c, e->args[0], &in)) return -1;
    if (id == PQ_F_VECTOR) {
        *out = pq_vector();
        pq_series *s = pq_add_series(c, out, (pq_lset){0});
        for (size_t i = 0; i < c->n; i++) s->v[i] = in.scalar[i], s->has[i] = 1;
        return 0;
    }
    *out = pq_scalar(c, NAN); /* scalar(): the one element's value, else NaN */
    for (size_t i = 0; i < c->n; i++) {
        size_t got = 0;
        for (size_t k = 0; k < in.n; k++)
            if (in.s[k].has[i]) got++, out->scalar[i] = in.s[k].v[i];
        if (got != 1) out->scalar[i] = NAN;
    }
    return 0;
}

static int timestamp_fn(pq_ctx *c, const pq_node *e, pq_value *out) {
    const pq_node *a = e->args[0];
    while (a->kind == PQ_PAREN) a = a->args[0];
    int sel = a->kind == PQ_SEL;
    if (sel ? pq_eval_selector(c, a, 1, out) : pq_eval_node(c, e->args[0], out)) return -1;
    for (size_t k = 0; k < out->n; k++) {
        pq_series *s = &out->s[k];
        s->ls = pq_drop_name(c, &s->ls);
        for (size_t i = 0; i < c->n; i++) s->v[i] = (double)(sel ? s->sts[i] : pq_step_time(c, i)) / 1000;
    }
    return 0;
}

/* sort: ascending, sort_desc: descending; NaN last either way */
static int by_value(const void *a, const void *b, void *dir) {
    double x = ((const pq_series *)a)->v[0], y = ((const pq_series *)b)->v[0];
    if (isnan(x) || isnan(y)) return isnan(x) && isnan(y) ? 0 : isnan(x) ? 1 : -1;
    return *(const int *)dir * (x < y ? -1 : x > y);
}

static int sort_fn(pq_ctx *c, const pq_node *e, pq_value *out) {
    if (pq_eval_node(c, e->args[0], out)) return -1;
    int dir = e->fn->id == PQ_F_SORT ? 1 : -1;
    if (c->n == 1) sort_r(out->s, out->n, sizeof *out->s, by_value, &dir); /* only an instant vector has an order */
    return 0;
}

int pq_eval_call(pq_ctx *c, const pq_node *e, pq_value *out) {
    int id = e->fn->id;
    if (has_matrix_arg(e->fn)) return pq_eval_range_fn(c, e, out);
    switch (id) {
    case PQ_F_ABSENT: return absent(c, e, out);
    case PQ_F_TIME:
    case PQ_F_PI:
    case PQ_F_VECTOR:
    case PQ_F_SCALAR: return one_series_fn(c, e, out);
    case PQ_F_TIMESTAMP: return timestamp_fn(c, e, out);
    case PQ_F_SORT:
    case PQ_F_SORT_DESC: return sort_fn(c, e, out);
    case PQ_F_LABEL_REPLACE:
    case PQ_F_LABEL_JOIN: return pq_label_fn(c, e, out);
    case PQ_F_HISTOGRAM_QUANTILE: return pq_histogram_quantile(c, e, out);
    default: return elementwise(c, e, out);
    }
}
