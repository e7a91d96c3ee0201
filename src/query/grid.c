#include "grid.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/sort.h"

static const struct {
    const char *name;
    int agg;
} AGGS[] = {{"avg", AGG_AVG},       {"average", AGG_AVG},   {"mean", AGG_AVG},        {"min", AGG_MIN},
            {"max", AGG_MAX},       {"sum", AGG_SUM},       {"total", AGG_SUM},       {"count", AGG_COUNT},
            {"last", AGG_LAST},     {"current", AGG_LAST},  {"first", AGG_FIRST},     {"median", AGG_MEDIAN},
            {"multiply", AGG_MULTIPLY}, {"diff", AGG_DIFF}, {"stddev", AGG_STDDEV},   {"range", AGG_RANGE},
            {"rangeOf", AGG_RANGE}};

int agg_parse(const char *s, size_t n) {
    for (size_t i = 0; i < sizeof AGGS / sizeof *AGGS; i++)
        if (strlen(AGGS[i].name) == n && !memcmp(AGGS[i].name, s, n)) return AGGS[i].agg;
    return -1;
}

const char *agg_name(int agg) {
    for (size_t i = 0; i < sizeof AGGS / sizeof *AGGS; i++)
        if (AGGS[i].agg == agg) return AGGS[i].name;
    return "?";
}

tm_gser *sset_add(tm_sset *set, const char *key, const char *name, int64_t start, int64_t step, size_t n) {
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 8;
        set->s = xrealloc(set->s, set->cap * sizeof *set->s);
    }
    tm_gser *g = &set->s[set->n++];
    memset(g, 0, sizeof *g);
    g->key = xstrndup(key, strlen(key));
    g->name = xstrndup(name, strlen(name));
    g->start = start;
    g->step = step;
    g->n = n;
    g->end = start + (int64_t)n * step;
    g->vpp = 1;
    g->v = xmalloc((n ? n : 1) * sizeof *g->v);
    for (size_t i = 0; i < n; i++) g->v[i] = NAN;
    return g;
}

void gser_free(tm_gser *g) {
    free(g->key);
    free(g->name);
    free(g->path);
    free(g->v);
    memset(g, 0, sizeof *g);
}

void gser_set_name(tm_gser *g, const char *name, size_t n) {
    char *c = xstrndup(name, n);
    free(g->name);
    g->name = c;
}

void gser_copy(tm_gser *dst, const tm_gser *src) {
    *dst = *src;
    dst->key = xstrndup(src->key, strlen(src->key));
    dst->name = xstrndup(src->name, strlen(src->name));
    dst->path = src->path ? xstrndup(src->path, strlen(src->path)) : NULL;
    dst->v = xmalloc((src->n ? src->n : 1) * sizeof *dst->v);
    memcpy(dst->v, src->v, src->n * sizeof *dst->v);
}

void sset_free(tm_sset *set) {
    for (size_t i = 0; i < set->n; i++) gser_free(&set->s[i]);
    free(set->s);
    memset(set, 0, sizeof *set);
}

void sset_take(tm_sset *into, tm_gser *g) {
    if (into->n == into->cap) {
        into->cap = into->cap ? into->cap * 2 : 8;
        into->s = xrealloc(into->s, into->cap * sizeof *into->s);
    }
    into->s[into->n++] = *g;
    memset(g, 0, sizeof *g);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double agg_values(const double *v, size_t n, int agg) {
    double acc = NAN, m = 0, m2 = 0;
    size_t k = 0;
    double *tmp = agg == AGG_MEDIAN ? xmalloc((n ? n : 1) * sizeof *tmp) : NULL;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        if (isnan(x)) continue;
        if (!k) acc = x;
        else if (agg == AGG_SUM || agg == AGG_AVG) acc += x;
        else if (agg == AGG_MIN) acc = x < acc ? x : acc;
        else if (agg == AGG_MAX) acc = x > acc ? x : acc;
        else if (agg == AGG_LAST) acc = x;
        else if (agg == AGG_MULTIPLY) acc *= x;
        else if (agg == AGG_DIFF) acc -= x;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
        if (tmp) tmp[k] = x;
        k++;
        double d = x - m; /* Welford, for stddev */
        m += d / (double)k;
        m2 += d * (x - m);
    }
    if (!k) {
        free(tmp);
        return NAN;
    }
    switch (agg) {
    case AGG_AVG: acc /= (double)k; break;
    case AGG_COUNT: acc = (double)k; break;
    case AGG_RANGE: acc = hi - lo; break;
    case AGG_STDDEV: acc = sqrt(m2 / (double)k); break;
    case AGG_MEDIAN:
        sort_n(tmp, k, sizeof *tmp, cmp_d);
        acc = k % 2 ? tmp[k / 2] : (tmp[k / 2 - 1] + tmp[k / 2]) / 2;
        break;
    default: break;
    }
    free(tmp);
    return acc;
}

/* Streaming folds (one pass per input series) for the aggregates that allow
 * it; the others gather each point's column. */
void grid_aggregate(tm_gser *const *in, size_t n, int agg, tm_gser *out) {
    size_t len = out->n;
    if (agg == AGG_MEDIAN || agg == AGG_STDDEV || agg == AGG_RANGE || agg == AGG_DIFF) {
        double *col = xmalloc((n ? n : 1) * sizeof *col);
        for (size_t i = 0; i < len; i++) {
            for (size_t s = 0; s < n; s++) col[s] = i < in[s]->n ? in[s]->v[i] : NAN;
            out->v[i] = agg_values(col, n, agg);
        }
        free(col);
        return;
    }
    double *cnt = xcalloc(len ? len : 1, sizeof *cnt);
    double *acc = out->v;
    for (size_t s = 0; s < n; s++) {
        const double *v = in[s]->v;
        size_t m = in[s]->n < len ? in[s]->n : len;
        for (size_t i = 0; i < m; i++) {
            double x = v[i];
            if (isnan(x)) continue;
            if (!cnt[i]++) {
                acc[i] = x;
                continue;
            }
            if (agg == AGG_SUM || agg == AGG_AVG) acc[i] += x;
            else if (agg == AGG_MIN) acc[i] = x < acc[i] ? x : acc[i];
            else if (agg == AGG_MAX) acc[i] = x > acc[i] ? x : acc[i];
            else if (agg == AGG_LAST) acc[i] = x;
            else if (agg == AGG_MULTIPLY) acc[i] *= x;
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (!cnt[i]) acc[i] = NAN;
        else if (agg == AGG_AVG) acc[i] /= cnt[i];
        else if (agg == AGG_COUNT) acc[i] = cnt[i];
    }
    free(cnt);
}
