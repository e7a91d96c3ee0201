/* gf_combine.c — Graphite's Combine family: functions that fold several
 * series into fewer (graphite-web render/functions.py, same names, same
 * arguments, same naming of their results). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "gagg.h"
#include "graphite.h"
#include "../util/sort.h"

/* every series of the args a[from..n), in order */
static tm_gser **all_of(garg *a, size_t from, size_t n, size_t *count) {
    size_t k = 0;
    for (size_t i = from; i < n; i++) k += a[i].set.n;
    tm_gser **v = xmalloc((k ? k : 1) * sizeof *v);
    k = 0;
    for (size_t i = from; i < n; i++)
        for (size_t j = 0; j < a[i].set.n; j++) v[k++] = &a[i].set.s[j];
    *count = k;
    return v;
}

/* The streaming form of gagg for sum, average, min, max, count and last:
 * one pass down each series, adding in series order, so every point gets
 * the very sum graphite-web's row-wise fold gets. */
static void fold_columns(tm_gser **s, size_t n, int f, double xff, tm_gser *g) {
    size_t len = g->n;
    double *cnt = xcalloc(len ? len : 1, sizeof *cnt), *acc = g->v;
    for (size_t k = 0; k < n; k++) {
        const double *v = s[k]->v;
        size_t m = s[k]->n < len ? s[k]->n : len;
        for (size_t i = 0; i < m; i++) {
            double x = v[i];
            if (isnan(x)) continue;
            if (!cnt[i]++) acc[i] = x;
            else if (f == GA_SUM || f == GA_AVG) acc[i] += x;
            else if (f == GA_MIN) acc[i] = x < acc[i] ? x : acc[i];
            else if (f == GA_MAX) acc[i] = x > acc[i] ? x : acc[i];
            else if (f == GA_LAST) acc[i] = x;
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (!cnt[i] || cnt[i] / (double)n < xff) acc[i] = NAN; /* graphite's xff over the row of n */
        else if (f == GA_AVG) acc[i] /= cnt[i];
        else if (f == GA_COUNT) acc[i] = cnt[i];
    }
    free(cnt);
}

/* aggregate(): one series, named "<func>Series(paths)"; NULL when s is empty */
static tm_gser *aggregate(geval *ev, tm_gser **s, size_t n, int f, const char *fname, double xff, tm_sset *out) {
    if (!n) return NULL;
    int64_t start, end, step;
    gnormalize(s, n, &start, &end, &step);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) len = s[i]->n > len ? s[i]->n : len;
    char *paths = gpath_list(s, n);
    char *name = NULL;
    if (asprintf(&name, "%sSeries(%s)", fname, paths) < 0) name = NULL;
    tm_gser *g = sset_add(out, name ? name : "", name ? name : "", start, step, len);
    g->end = end;
    g->path = xstrndup(g->name, strlen(g->name));
    g->xff = ev->xff;
    if (f == GA_SUM || f == GA_AVG || f == GA_MIN || f == GA_MAX || f == GA_COUNT || f == GA_LAST) {
        fold_columns(s, n, f, xff, g);
    } else {
        double *row = xmalloc(n * sizeof *row);
        for (size_t i = 0; i < len; i++) {
            for (size_t k = 0; k < n; k++) row[k] = gvalue(s[k], i);
            g->v[i] = gxff(row, n, xff) ? gagg(row, n, f) : NAN;
        }
        free(row);
    }
    free(paths);
    free(name);
    return g;
}

static int agg_lists(geval *ev, garg *a, size_t n, int f, const char *fname, tm_sset *out) {
    size_t k;
    tm_gser **s = all_of(a, 0, n, &k);
    aggregate(ev, s, k, f, fname, ev->xff, out);
    free(s);
    return 0;
}

static int f_sum(geval *ev, garg *a, size_t n, tm_sset *out) { return agg_lists(ev, a, n, GA_SUM, "sum", out); }
static int f_avg(geval *ev, garg *a, size_t n, tm_sset *out) { return agg_lists(ev, a, n, GA_AVG, "average", out); }
static int f_min(geval *ev, garg *a, size_t n, tm_sset *out) { return agg_lists(ev, a, n, GA_MIN, "min", out); }
static int f_max(geval *ev, garg *a, size_t n, tm_sset *out) { return agg_lists(ev, a, n, GA_MAX, "max", out); }
static int f_diff(geval *ev, garg *a, size_t n, tm_sset *out) { return agg_lists(ev, a, n, GA_DIFF, "diff", out); }
static int f_stddev(geval *ev, garg *a, size_t n, tm_sset *out) { return agg_lists(ev, a, n, GA_STDDEV, "stddev", out); }
static int f_range(geval *ev, garg *a, size_t n, tm_sset *out) { return agg_lists(ev, a, n, GA_RANGE, "rangeOf", out); }

static int f_multiply(geval *ev, garg *a, size_t n, tm_sset *out) {
    if (n == 1 && a[0].set.n == 1) { /* graphite's legacy: one series passes unchanged */
        sset_take(out, &a[0].set.s[0]);
        return 0;
    }
    return agg_lists(ev, a, n, GA_MULTIPLY, "multiply", out);
}

/* aggregate(seriesList, func, xFilesFactor) */
static int f_aggregate(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    char fn[64];
    snprintf(fn, sizeof fn, "%s", a[1].str);
    size_t l = strlen(fn);
    if (l > 6 && !strcmp(fn + l - 6, "Series")) fn[l - 6] = 0;
    int f = gagg_parse(fn);
    if (f < 0) return gfail(ev, "aggregate", "Unsupported aggregation function: %s", a[1].str);
    size_t k;
    tm_gser **s = all_of(a, 0, 1, &k);
    aggregate(ev, s, k, f, fn, a[2].given ? a[2].num : ev->xff, out);
    free(s);
    return 0;
}

static int f_count(geval *ev, garg *a, size_t n, tm_sset *out) {
    size_t k;
    tm_gser **s = all_of(a, 0, n, &k);
    if (!k) { /* constantLine(0) named countSeries() */
        int64_t st = ev->from, en = ev->until, step = (en - st) / 2;
        tm_gser *g = sset_add(out, "0", "0", st * 1000, (step ? step : 1) * 1000, 3);
        g->end = en * 1000;
        g->v[0] = g->v[1] = g->v[2] = 0;
        g->path = xstrndup("countSeries()", 13);
        free(s);
        return 0;
    }
    int64_t start, end, step;
    gnormalize(s, k, &start, &end, &step);
    size_t len = 0;
    for (size_t i = 0; i < k; i++) len = s[i]->n > len ? s[i]->n : len;
    char *paths = gpath_list(s, k), *name = NULL;
    if (asprintf(&name, "countSeries(%s)", paths) < 0) name = NULL;
    tm_gser *g = sset_add(out, name ? name : "", name ? name : "", start, step, len);
    g->end = end;
    g->path = xstrndup(g->name, strlen(g->name));
    for (size_t i = 0; i < len; i++) g->v[i] = (double)k;
    free(paths);
    free(name);
    free(s);
    return 0;
}

static int f_group(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < a[i].set.n; j++) sset_take(out, &a[i].set.s[j]);
    return 0;
}

/* the name without the nodes at the given positions */
static char *drop_nodes(const char *name, const garg *pos, size_t np) {
    tm_buf b = {0};
    size_t node = 0;
    for (const char *p = name;; node++) {
        const char *q = strchr(p, '.');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        int drop = 0;
        for (size_t i = 0; i < np && !drop; i++) drop = pos[i].given && (long)pos[i].num == (long)node;
        if (!drop) {
            if (b.n) buf_putc(&b, '.');
            buf_put(&b, p, len);
        }
        if (!q) break;
        p = q + 1;
    }
    buf_putc(&b, 0);
    return (char *)b.p;
}

static int with_wildcards(geval *ev, garg *a, size_t n, int f, const char *fname, tm_sset *out) {
    tm_sset *in = &a[0].set;
    char **keys = xcalloc(in->n ? in->n : 1, sizeof *keys);
    for (size_t i = 0; i < in->n; i++) keys[i] = drop_nodes(in->s[i].name, a + 1, n > 1 ? n - 1 : 0);
    tm_gser **grp = xmalloc((in->n ? in->n : 1) * sizeof *grp);
    for (size_t i = 0; i < in->n; i++) {
        int first = 1;
        for (size_t j = 0; j < i && first; j++) first = strcmp(keys[i], keys[j]) != 0;
        if (!first) continue;
        size_t k = 0;
        for (size_t j = i; j < in->n; j++)
            if (!strcmp(keys[i], keys[j])) grp[k++] = &in->s[j];
        tm_gser *g = aggregate(ev, grp, k, f, fname, ev->xff, out);
        gser_set_name(g, keys[i], strlen(keys[i]));
    }
    for (size_t i = 0; i < in->n; i++) free(keys[i]);
    free(keys);
    free(grp);
    return 0;
}

static int f_sum_wild(geval *ev, garg *a, size_t n, tm_sset *out) { return with_wildcards(ev, a, n, GA_SUM, "sum", out); }
static int f_avg_wild(geval *ev, garg *a, size_t n, tm_sset *out) {
    return with_wildcards(ev, a, n, GA_AVG, "average", out);
}
static int f_mul_wild(geval *ev, garg *a, size_t n, tm_sset *out) {
    return with_wildcards(ev, a, n, GA_MULTIPLY, "multiply", out);
}
static int f_agg_wild(geval *ev, garg *a, size_t n, tm_sset *out) {
    int f = gagg_parse(a[1].str);
    if (f < 0) return gfail(ev, "aggregateWithWildcards", "Unsupported aggregation function: %s", a[1].str);
    /* positions follow the function name: shift them down one */
    garg tmp = a[1];
    a[1] = a[0];
    int rc = with_wildcards(ev, a + 1, n - 1, f, a[0].str ? tmp.str : tmp.str, out);
    a[1] = tmp;
    return rc;
}

static int cmp_dbl(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* _getPercentile */
double gpercentile(double *pts, size_t n, double pct, int interpolate) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(pts[i])) pts[k++] = pts[i];
    if (!k) return NAN;
    sort_n(pts, k, sizeof *pts, cmp_dbl);
    double fr = pct / 100.0 * (double)(k + 1);
    long rank = (long)fr;
    double frac = fr - (double)rank;
    if (!interpolate) rank += (long)ceil(frac);
    double p;
    if (rank == 0) p = pts[0];
    else if ((size_t)(rank - 1) == k) p = pts[k - 1];
    else p = pts[rank - 1 < (long)k ? rank - 1 : (long)k - 1];
    if (interpolate && (size_t)rank != k && (size_t)rank < k) p = p + frac * (pts[rank] - p);
    return p;
}

static int f_pct_of_series(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    if (a[1].num <= 0) return gfail(ev, "percentileOfSeries", "The requested percent is required to be greater than 0");
    size_t k;
    tm_gser **s = all_of(a, 0, 1, &k);
    if (!k) {
        free(s);
        return 0;
    }
    char *name = NULL;
    if (asprintf(&name, "percentileOfSeries(%s,%g)", s[0]->path ? s[0]->path : s[0]->name, a[1].num) < 0) name = NULL;
    int64_t start, end, step;
    gnormalize(s, k, &start, &end, &step);
    size_t len = 0;
    for (size_t i = 0; i < k; i++) len = s[i]->n > len ? s[i]->n : len;
    tm_gser *g = sset_add(out, name ? name : "", name ? name : "", start, step, len);
    g->end = end;
    g->path = xstrndup(g->name, strlen(g->name));
    double *row = xmalloc(k * sizeof *row);
    for (size_t i = 0; i < len; i++) {
        for (size_t j = 0; j < k; j++) row[j] = gvalue(s[j], i);
        g->v[i] = gpercentile(row, k, a[1].num, a[2].given && a[2].num);
    }
    free(row);
    free(name);
    free(s);
    return 0;
}

static double safe_div(double x, double y) { return isnan(x) || isnan(y) || y == 0 ? NAN : x / y; }

/* a series of x op y on their common grid, named name */
static void binary(tm_gser *x, tm_gser *y, const char *name, int pct, double xff, tm_sset *out) {
    tm_gser *both[2] = {x, y};
    int64_t start, end, step;
    gnormalize(both, 2, &start, &end, &step);
    size_t len = x->n > y->n ? x->n : y->n;
    tm_gser *g = sset_add(out, name, name, start, step, len);
    g->end = end;
    g->path = xstrndup(name, strlen(name));
    g->xff = xff;
    for (size_t i = 0; i < len; i++) {
        double q = safe_div(gvalue(x, i), gvalue(y, i));
        g->v[i] = pct && !isnan(q) ? q * 100.0 : q;
    }
}

static int f_divide(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    tm_sset *num = &a[0].set, *den = &a[1].set;
    if (den->n > 1)
        return gfail(ev, "divideSeries", "divideSeries second argument must reference exactly 1 series (got %zu)", den->n);
    for (size_t i = 0; i < num->n; i++) {
        char *name = NULL;
        if (!den->n) {
            if (asprintf(&name, "divideSeries(%s,MISSING)", num->s[i].name) < 0) continue;
            tm_gser *g = &num->s[i];
            gser_set_name(g, name, strlen(name));
            free(g->path);
            g->path = name;
            for (size_t k = 0; k < g->n; k++) g->v[k] = NAN;
            sset_take(out, g);
            continue;
        }
        if (asprintf(&name, "divideSeries(%s,%s)", num->s[i].name, den->s[0].name) < 0) continue;
        tm_gser d; /* the divisor is shared: consolidate a copy */
        gser_copy(&d, &den->s[0]);
        binary(&num->s[i], &d, name, 0, ev->xff, out);
        gser_free(&d);
        free(name);
    }
    return 0;
}

static int by_name(const void *x, const void *y) {
    return strcmp((*(tm_gser *const *)x)->name, (*(tm_gser *const *)y)->name);
}

/* aggKey: a series' nodes (or tags) joined by '.' */
static char *agg_key(const tm_gser *s, garg *nodes, size_t nn) {
    tm_buf b = {0};
    for (size_t j = 0; j < nn; j++) {
        char *v = gnode_or_tag(s, &nodes[j]);
        if (j) buf_putc(&b, '.');
        buf_put(&b, v, strlen(v));
        free(v);
    }
    buf_putc(&b, 0);
    return (char *)b.p;
}

/* asPercent's groups of series by key, in the order keys first appear */
typedef struct {
    char *key;
    tm_gser **s;
    size_t n;
    tm_gser *total; /* the group's total: its one series, or their sum */
    tm_sset sum;
} pgroup;

static pgroup *pgroup_of(pgroup *g, size_t ng, const char *key) {
    for (size_t i = 0; i < ng; i++)
        if (!strcmp(g[i].key, key)) return &g[i];
    return NULL;
}

static size_t pgroups(tm_gser **s, size_t k, garg *nodes, size_t nn, pgroup **out) {
    pgroup *g = xcalloc(k ? k : 1, sizeof *g);
    size_t ng = 0;
    for (size_t i = 0; i < k; i++) {
        char *key = agg_key(s[i], nodes, nn);
        pgroup *at = pgroup_of(g, ng, key);
        if (at) free(key);
        else (at = &g[ng++])->key = key, at->s = xmalloc(k * sizeof *at->s);
        at->s[at->n++] = s[i];
    }
    *out = g;
    return ng;
}

static void pgroups_free(pgroup *g, size_t ng) {
    for (size_t i = 0; i < ng; i++) free(g[i].key), free(g[i].s), sset_free(&g[i].sum);
    free(g);
}

typedef struct {
    int have; /* the grid graphite-web's last normalize() left (start, end, step) */
    int64_t start, end, step;
} pgrid;

static void pgrid_set(pgrid *gr, const tm_gser *g) {
    gr->have = 1, gr->start = g->start, gr->end = g->end, gr->step = g->step;
}

/* a group's total: the series itself when alone, else sumSeries(paths) of it */
static void pgroup_total(geval *ev, pgroup *g, pgrid *gr) {
    if (g->n == 1) {
        g->total = g->s[0];
        return;
    }
    g->total = aggregate(ev, g->s, g->n, GA_SUM, "sum", 0, &g->sum);
    pgrid_set(gr, g->total);
}

/* asPercent(x,MISSING) or asPercent(MISSING,total): all None, on the last
 * grid graphite-web normalized (its own when there was none: graphite-web
 * fails there) */
static void pct_missing(const tm_gser *x, const char *xname, const char *tname, const pgrid *gr, double xff,
                        tm_sset *out) {
    char *name = NULL;
    if (asprintf(&name, "asPercent(%s,%s)", xname, tname) < 0) return;
    tm_gser *g = sset_add(out, name, name, gr->have ? gr->start : x->start, gr->have ? gr->step : x->step, x->n);
    g->end = gr->have ? gr->end : x->end;
    g->path = name;
    g->xff = xff;
}

/* asPercent(seriesList, total, *nodes): series and totals matched by their
 * nodes, as groupByNodes keys them; total None: each group's sum */
static int pct_by_nodes(geval *ev, garg *a, size_t n, tm_gser **s, size_t k, tm_sset *out) {
    if (a[1].given && a[1].type != GN_PATH && a[1].type != GN_CALL)
        return gfail(ev, "asPercent", "total must be None or a seriesList");
    garg *nodes = a + 2;
    size_t nn = n - 2, nt = 0, ntg = 0;
    pgroup *sg, *tg = NULL;
    size_t ng = pgroups(s, k, nodes, nn, &sg);
    pgrid gr = {0};
    tm_gser **t = a[1].given ? all_of(a, 1, 2, &nt) : NULL;
    if (t) ntg = pgroups(t, nt, nodes, nn, &tg);
    for (size_t i = 0; i < (t ? ntg : ng); i++) pgroup_total(ev, t ? &tg[i] : &sg[i], &gr);
    for (size_t i = 0; i < ng; i++) {
        pgroup *tot = t ? pgroup_of(tg, ntg, sg[i].key) : &sg[i];
        for (size_t j = 0; j < sg[i].n; j++) {
            tm_gser *x = sg[i].s[j];
            char *name = NULL;
            if (!tot) {
                pct_missing(x, x->name, "MISSING", &gr, ev->xff, out);
            } else if (asprintf(&name, "asPercent(%s,%s)", x->name, tot->total->name) >= 0) {
                binary(x, tot->total, name, 1, ev->xff, out);
                pgrid_set(&gr, &out->s[out->n - 1]);
                free(name);
            }
        }
    }
    for (size_t i = 0; i < ntg; i++)
        if (!pgroup_of(sg, ng, tg[i].key)) pct_missing(tg[i].total, "MISSING", tg[i].total->name, &gr, ev->xff, out);
    pgroups_free(sg, ng);
    pgroups_free(tg, ntg);
    free(t);
    return 0;
}

/* asPercent over one total: the series' sum (tot NULL) or one series */
static void pct_of_total(geval *ev, tm_gser *tot, tm_gser **s, size_t k, tm_sset *out) {
    tm_sset sum = {0};
    const tm_gser *t = tot;
    if (!tot) {
        t = aggregate(ev, s, k, GA_SUM, "sum", 0, &sum);
    } else { /* normalize([seriesList, total]) */
        tm_gser **sv = xmalloc((k + 1) * sizeof *sv);
        memcpy(sv, s, k * sizeof *sv);
        sv[k] = tot;
        int64_t start, end, step;
        gnormalize(sv, k + 1, &start, &end, &step);
        free(sv);
    }
    for (size_t i = 0; i < k; i++) {
        tm_gser *x = s[i];
        size_t len = x->n > t->n ? x->n : t->n;
        char *name = NULL;
        if (asprintf(&name, "asPercent(%s,%s)", x->name, t->name) < 0) continue;
        tm_gser *g = sset_add(out, name, name, x->start, x->step, len);
        g->end = x->end;
        g->path = name;
        g->xff = ev->xff;
        for (size_t j = 0; j < len; j++) {
            double q = safe_div(gvalue(x, j), gvalue(t, j));
            g->v[j] = isnan(q) ? NAN : q * 100.0;
        }
    }
    sset_free(&sum);
}

/* asPercent with a total that is a number (or a boolean: Python's 1 or 0) */
static void pct_of_number(geval *ev, garg *tot, tm_gser **s, size_t k, tm_sset *out) {
    char text[64];
    double d = tot->type == GN_BOOL ? (tot->num != 0) : tot->num;
    if (tot->type == GN_BOOL) snprintf(text, sizeof text, "%s", d ? "True" : "False");
    else gfmt_num(d, tot->node && tot->node->is_int, text, sizeof text);
    for (size_t i = 0; i < k; i++) {
        char *name = NULL;
        if (asprintf(&name, "asPercent(%s,%s)", s[i]->name, text) < 0) continue;
        tm_gser *g = sset_add(out, name, name, s[i]->start, s[i]->step, s[i]->n);
        g->end = s[i]->end;
        g->path = name;
        g->xff = ev->xff;
        for (size_t j = 0; j < s[i]->n; j++) {
            double q = safe_div(s[i]->v[j], d);
            g->v[j] = isnan(q) ? NAN : q * 100.0;
        }
    }
}

/* asPercent(seriesList, total=None, *nodes): without nodes, total missing
 * (their sum), a number, one series, or as many series as the first
 * (matched by sorted names); with nodes, pct_by_nodes */
static int f_as_percent(geval *ev, garg *a, size_t n, tm_sset *out) {
    tm_sset *in = &a[0].set, *tl = &a[1].set;
    size_t k;
    tm_gser **s = all_of(a, 0, 1, &k);
    int64_t start, end, step;
    int nodes = 0;
    for (size_t i = 2; i < n; i++) nodes |= a[i].given;
    if (!k) { /* normalize() of nothing: graphite-web answers no series */
        free(s);
        return 0;
    }
    gnormalize(s, k, &start, &end, &step);
    int rc = 0, is_list = a[1].given && (a[1].type == GN_PATH || a[1].type == GN_CALL);
    if (nodes) {
        rc = pct_by_nodes(ev, a, n, s, k, out);
    } else if (a[1].given && (a[1].type == GN_NUM || a[1].type == GN_BOOL)) {
        pct_of_number(ev, &a[1], s, k, out);
    } else if (a[1].given && (!is_list || (tl->n != 1 && tl->n != in->n))) {
        rc = gfail(ev, "asPercent", "asPercent second argument must be missing, a single digit, reference exactly 1 "
                                    "series or reference the same number of series as the first argument");
    } else if (is_list && tl->n == in->n) {
        size_t m;
        tm_gser **t = all_of(a, 1, 2, &m);
        sort_n(s, k, sizeof *s, by_name);
        sort_n(t, m, sizeof *t, by_name);
        for (size_t i = 0; i < k; i++) {
            char *name = NULL;
            if (asprintf(&name, "asPercent(%s,%s)", s[i]->name, t[i]->name) < 0) continue;
            binary(s[i], t[i], name, 1, ev->xff, out);
            free(name);
        }
        free(t);
    } else {
        pct_of_total(ev, a[1].given ? &tl->s[0] : NULL, s, k, out);
    }
    free(s);
    return rc;
}

static int group_nodes(geval *ev, tm_sset *in, const char *cb, garg *nodes, size_t nn, int tags, tm_sset *out);

/* groupByNode(seriesList, nodeNum, callback='average') */
static int f_group_by_node(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    return group_nodes(ev, &a[0].set, a[2].given ? a[2].str : "average", &a[1], 1, 0, out);
}
/* groupByNodes(seriesList, callback, *nodes) */
static int f_group_by_nodes(geval *ev, garg *a, size_t n, tm_sset *out) {
    return group_nodes(ev, &a[0].set, a[1].str, a + 2, n > 2 ? n - 2 : 0, 0, out);
}
/* groupByTags(seriesList, callback, *tags) */
static int f_group_by_tags(geval *ev, garg *a, size_t n, tm_sset *out) {
    if (n < 3 || !a[2].given) return gfail(ev, "groupByTags", "no tags specified");
    return group_nodes(ev, &a[0].set, a[1].str, a + 2, n - 2, 1, out);
}

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

/* groupByTags' key: name;tag=value... sorted */
static char *tags_key(const tm_gser *s, garg *tags, size_t nt, const char *name) {
    char **parts = xmalloc((nt ? nt : 1) * sizeof *parts);
    size_t k = 0;
    int by_name = 0;
    for (size_t i = 0; i < nt; i++) {
        if (!strcmp(tags[i].str, "name")) {
            by_name = 1;
            continue;
        }
        char *v = gnode_or_tag(s, &tags[i]);
        if (asprintf(&parts[k], "%s=%s", tags[i].str, v) >= 0) k++;
        free(v);
    }
    sort_n(parts, k, sizeof *parts, cmp_str);
    garg nm = {.given = 1, .type = GN_STR, .str = "name"};
    char *own = by_name ? gnode_or_tag(s, &nm) : NULL;
    tm_buf b = {0};
    buf_put(&b, own ? own : name, strlen(own ? own : name));
    for (size_t i = 0; i < k; i++) {
        buf_putc(&b, ';');
        buf_put(&b, parts[i], strlen(parts[i]));
        free(parts[i]);
    }
    buf_putc(&b, 0);
    free(parts);
    free(own);
    return (char *)b.p;
}

static int group_nodes(geval *ev, tm_sset *in, const char *cb, garg *nodes, size_t nn, int tags, tm_sset *out) {
    char fn[64];
    snprintf(fn, sizeof fn, "%s", cb);
    size_t l = strlen(fn);
    if (l > 6 && !strcmp(fn + l - 6, "Series")) fn[l - 6] = 0;
    if (!strcmp(fn, "avg")) snprintf(fn, sizeof fn, "average");
    int f = gagg_parse(fn);
    if (f < 0) return gfail(ev, tags ? "groupByTags" : "groupByNode", "Unsupported aggregation function: %s", cb);
    const char *common = cb; /* groupByTags: the shared name, or the callback */
    garg nm = {.given = 1, .type = GN_STR, .str = "name"};
    char *first = NULL;
    int same = 1;
    for (size_t i = 0; tags && i < in->n; i++) {
        char *v = gnode_or_tag(&in->s[i], &nm);
        if (!first) first = v;
        else {
            same &= !strcmp(first, v);
            free(v);
        }
    }
    if (first && same) common = first;
    char **keys = xcalloc(in->n ? in->n : 1, sizeof *keys);
    for (size_t i = 0; i < in->n; i++) {
        if (tags) {
            keys[i] = tags_key(&in->s[i], nodes, nn, common);
            continue;
        }
        keys[i] = agg_key(&in->s[i], nodes, nn);
    }
    tm_gser **grp = xmalloc((in->n ? in->n : 1) * sizeof *grp);
    for (size_t i = 0; i < in->n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) seen = !strcmp(keys[i], keys[j]);
        if (seen) continue;
        size_t k = 0;
        for (size_t j = i; j < in->n; j++)
            if (!strcmp(keys[i], keys[j])) grp[k++] = &in->s[j];
        tm_gser *g = f == GA_MULTIPLY && k == 1 ? NULL : aggregate(ev, grp, k, f, fn, ev->xff, out);
        if (!g) { /* multiplySeries of one series: that series */
            tm_gser c;
            gser_copy(&c, grp[0]);
            sset_take(out, &c);
            g = &out->s[out->n - 1];
        }
        gser_set_name(g, keys[i], strlen(keys[i]));
        if (tags) {
            free(g->path);
            g->path = xstrndup(keys[i], strlen(keys[i]));
            free(g->key);
            g->key = xstrndup(keys[i], strlen(keys[i]));
        }
    }
    for (size_t i = 0; i < in->n; i++) free(keys[i]);
    free(keys);
    free(grp);
    free(first);
    return 0;
}

#define SL(name) {name, GT_SERIES, 1, 0, NULL}
#define SLS(name) {name, GT_SERIES, 1, 1, NULL}

const gfunc GF_COMBINE[] = {
    {"sumSeries", "Combine", "The sum of the series at each point (None where all are None).", f_sum, {SLS("seriesLists")}},
    {"sum", "Combine", "Short form of sumSeries.", f_sum, {SLS("seriesLists")}},
    {"averageSeries", "Combine", "The average of the series at each point, Nones left out.", f_avg, {SLS("seriesLists")}},
    {"avg", "Combine", "Short form of averageSeries.", f_avg, {SLS("seriesLists")}},
    {"minSeries", "Combine", "The lowest value of the series at each point.", f_min, {SLS("seriesLists")}},
    {"maxSeries", "Combine", "The highest value of the series at each point.", f_max, {SLS("seriesLists")}},
    {"diffSeries", "Combine", "The first series minus the others at each point.", f_diff, {SLS("seriesLists")}},
    {"multiplySeries", "Combine", "The product of the series at each point (None if any is None).", f_multiply,
     {SLS("seriesLists")}},
    {"stddevSeries", "Combine", "The population standard deviation of the series at each point.", f_stddev,
     {SLS("seriesLists")}},
    {"rangeOfSeries", "Combine", "The highest minus the lowest value at each point.", f_range, {SLS("seriesLists")}},
    {"countSeries", "Combine", "The number of series, at each point.", f_count, {{"seriesLists", GT_SERIES, 0, 1, NULL}}},
    {"group", "Combine", "All the series of its arguments, as one list.", f_group, {{"seriesLists", GT_SERIES, 0, 1, NULL}}},
    {"aggregate", "Combine", "Fold the series into one by an aggregation function (sum, average, min, max, ...).",
     f_aggregate, {SL("seriesList"), {"func", GT_AGG, 1, 0, NULL}, {"xFilesFactor", GT_FLOAT, 0, 0, NULL}}},
    {"sumSeriesWithWildcards", "Combine", "Sum the series that differ only in the given node positions.", f_sum_wild,
     {SL("seriesList"), {"position", GT_NODE, 0, 1, NULL}}},
    {"averageSeriesWithWildcards", "Combine", "Average the series that differ only in the given node positions.",
     f_avg_wild, {SL("seriesList"), {"position", GT_NODE, 0, 1, NULL}}},
    {"multiplySeriesWithWildcards", "Combine", "Multiply the series that differ only in the given node positions.",
     f_mul_wild, {SL("seriesList"), {"position", GT_NODE, 0, 1, NULL}}},
    {"aggregateWithWildcards", "Combine", "Aggregate the series that differ only in the given node positions.",
     f_agg_wild, {SL("seriesList"), {"func", GT_AGG, 1, 0, NULL}, {"position", GT_NODE, 0, 1, NULL}}},
    {"percentileOfSeries", "Combine", "The n-th percentile of the series' values at each point.", f_pct_of_series,
     {SL("seriesList"), {"n", GT_FLOAT, 1, 0, NULL}, {"interpolate", GT_BOOL, 0, 0, "false"}}},
    {"divideSeries", "Combine", "Each series divided by one divisor series (None where it is 0 or None).", f_divide,
     {SL("dividendSeriesList"), SL("divisorSeries")}},
    {"asPercent", "Combine", "Each series as a percent of a total: their sum, a number, or series (by nodes if given).",
     f_as_percent,
     {SL("seriesList"), {"total", GT_ANY, 0, 0, NULL}, {"nodes", GT_NODE_OR_TAG, 0, 1, NULL}}},
    {"pct", "Combine", "Short form of asPercent.", f_as_percent,
     {SL("seriesList"), {"total", GT_ANY, 0, 0, NULL}, {"nodes", GT_NODE_OR_TAG, 0, 1, NULL}}},
    {"groupByNode", "Combine", "Group the series by one node and fold each group by the callback.", f_group_by_node,
     {SL("seriesList"), {"nodeNum", GT_NODE_OR_TAG, 1, 0, NULL}, {"callback", GT_AGG_OR_SERIES, 0, 0, "average"}}},
    {"groupByNodes", "Combine", "Group the series by several nodes and fold each group by the callback.",
     f_group_by_nodes, {SL("seriesList"), {"callback", GT_AGG_OR_SERIES, 1, 0, NULL}, {"nodes", GT_NODE_OR_TAG, 0, 1, NULL}}},
    {"groupByTags", "Combine", "Group the series by tags and fold each group by the callback.", f_group_by_tags,
     {SL("seriesList"), {"callback", GT_AGG_OR_SERIES, 1, 0, NULL}, {"tags", GT_TAG, 1, 1, NULL}}},
    {NULL, NULL, NULL, NULL, {{0}}},
};
