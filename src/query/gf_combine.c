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
    qsort(pts, k, sizeof *pts, cmp_dbl);
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

/* asPercent(seriesList, total=None): total missing (their sum), a number,
 * one series, or as many series as the first (matched by sorted names) */
static int f_as_percent(geval *ev, garg *a, size_t n, tm_sset *out) {
    tm_sset *in = &a[0].set, *tl = &a[1].set;
    if (n > 2 && a[2].given) return gfail(ev, "asPercent", "grouping by nodes is not supported");
    size_t k;
    tm_gser **s = all_of(a, 0, 1, &k);
    int64_t start, end, step;
    if (k) gnormalize(s, k, &start, &end, &step);
    int is_list = a[1].given && a[1].type != GN_NUM;
    if (is_list && tl->n != 1 && tl->n != in->n) {
        free(s);
        return gfail(ev, "asPercent", "asPercent second argument must be missing, a single digit, reference exactly 1 "
                                      "series or reference the same number of series as the first argument");
    }
    if (is_list && tl->n == in->n) {
        tm_gser **t = all_of(a, 1, 2, &k);
        qsort(s, k, sizeof *s, by_name);
        qsort(t, k, sizeof *t, by_name);
        for (size_t i = 0; i < k; i++) {
            char *name = NULL;
            if (asprintf(&name, "asPercent(%s,%s)", s[i]->name, t[i]->name) < 0) continue;
            binary(s[i], t[i], name, 1, ev->xff, out);
            free(name);
        }
        free(t);
        free(s);
        return 0;
    }
    if (!k) {
        free(s);
        return 0;
    }
    tm_sset tot = {0};
    char text[512];
    const double *tv = NULL;
    size_t tn = 0;
    double cst = a[1].num;
    if (!a[1].given) {
        tm_gser *g = aggregate(ev, s, k, GA_SUM, "sum", 0, &tot);
        snprintf(text, sizeof text, "%s", g->name);
        tv = g->v;
        tn = g->n;
    } else if (a[1].type == GN_NUM) {
        gfmt_num(cst, a[1].node && a[1].node->is_int, text, sizeof text);
    } else {
        tm_gser *both[2];
        size_t all = k + 1;
        tm_gser **sv = xmalloc(all * sizeof *sv);
        memcpy(sv, s, k * sizeof *sv);
        sv[k] = &tl->s[0];
        gnormalize(sv, all, &start, &end, &step);
        free(sv);
        (void)both;
        snprintf(text, sizeof text, "%s", tl->s[0].name);
        tv = tl->s[0].v;
        tn = tl->s[0].n;
    }
    for (size_t i = 0; i < k; i++) {
        tm_gser *x = s[i];
        size_t len = tv ? (x->n > tn ? x->n : tn) : x->n;
        char *name = NULL;
        if (asprintf(&name, "asPercent(%s,%s)", x->name, text) < 0) continue;
        tm_gser *g = sset_add(out, name, name, x->start, x->step, len);
        g->end = x->end;
        g->path = xstrndup(name, strlen(name));
        for (size_t j = 0; j < len; j++) {
            double d = tv ? (j < tn ? tv[j] : NAN) : cst;
            double q = safe_div(gvalue(x, j), d);
            g->v[j] = isnan(q) ? NAN : q * 100.0;
        }
        free(name);
    }
    sset_free(&tot);
    free(s);
    return 0;
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
    qsort(parts, k, sizeof *parts, cmp_str);
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
        tm_buf b = {0};
        for (size_t j = 0; j < nn; j++) {
            char *v = gnode_or_tag(&in->s[i], &nodes[j]);
            if (j) buf_putc(&b, '.');
            buf_put(&b, v, strlen(v));
            free(v);
        }
        buf_putc(&b, 0);
        keys[i] = (char *)b.p;
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
     f_agg_wild, {SL("seriesList"), {"func", GT_AGG, 1, 0, NULL}, {"positions", GT_NODE, 0, 1, NULL}}},
    {"percentileOfSeries", "Combine", "The n-th percentile of the series' values at each point.", f_pct_of_series,
     {SL("seriesList"), {"n", GT_FLOAT, 1, 0, NULL}, {"interpolate", GT_BOOL, 0, 0, "false"}}},
    {"divideSeries", "Combine", "Each series divided by one divisor series (None where it is 0 or None).", f_divide,
     {SL("dividendSeriesList"), SL("divisorSeries")}},
    {"asPercent", "Combine", "Each series as a percent of a total: their sum, a number, or series.", f_as_percent,
     {SL("seriesList"), {"total", GT_ANY, 0, 0, NULL}, {"nodes", GT_NODE_OR_TAG, 0, 1, NULL}}},
    {"pct", "Combine", "Short form of asPercent.", f_as_percent,
     {SL("seriesList"), {"total", GT_ANY, 0, 0, NULL}, {"nodes", GT_NODE_OR_TAG, 0, 1, NULL}}},
    {"groupByNode", "Combine", "Group the series by one node and fold each group by the callback.", f_group_by_node,
     {SL("seriesList"), {"nodeNum", GT_NODE_OR_TAG, 1, 0, NULL}, {"callback", GT_AGG, 0, 0, "average"}}},
    {"groupByNodes", "Combine", "Group the series by several nodes and fold each group by the callback.",
     f_group_by_nodes, {SL("seriesList"), {"callback", GT_AGG, 1, 0, NULL}, {"nodes", GT_NODE_OR_TAG, 0, 1, NULL}}},
    {"groupByTags", "Combine", "Group the series by tags and fold each group by the callback.", f_group_by_tags,
     {SL("seriesList"), {"callback", GT_AGG, 1, 0, NULL}, {"tags", GT_TAG, 1, 1, NULL}}},
    {NULL, NULL, NULL, NULL, {{0}}},
};
