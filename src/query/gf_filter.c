/* gf_filter.c — Graphite's Filter Series and Sorting families, and the
 * per-series statistics nPercentile and stdev. Sorts are stable, as
 * Python's (a reverse sort keeps equal series in their order). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "gagg.h"
#include "graphite.h"
#include "../util/sort.h"

typedef struct {
    tm_gser *s;
    double key;
    size_t at;
    const char *name;
} keyed;

static double series_agg(const tm_gser *s, int f) { return gagg(s->v, s->n, f); }

static int cmp_up(const void *x, const void *y) {
    const keyed *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->at < b->at ? -1 : a->at > b->at;
}
static int cmp_down(const void *x, const void *y) {
    const keyed *a = x, *b = y;
    if (a->key != b->key) return a->key > b->key ? -1 : 1;
    return a->at < b->at ? -1 : a->at > b->at;
}

/* sort by an aggregate (None first when ascending, as -inf), keep the first limit */
static void sort_by(tm_sset *in, int f, int desc, size_t limit, tm_sset *out) {
    keyed *k = xmalloc((in->n ? in->n : 1) * sizeof *k);
    for (size_t i = 0; i < in->n; i++) {
        double v = series_agg(&in->s[i], f);
        k[i] = (keyed){&in->s[i], isnan(v) ? -INFINITY : v, i, NULL};
    }
    sort_n(k, in->n, sizeof *k, desc ? cmp_down : cmp_up);
    for (size_t i = 0; i < in->n && i < limit; i++) sset_take(out, k[i].s);
    free(k);
}

static size_t count_of(const garg *a) { return a->given ? (a->num < 0 ? 0 : (size_t)a->num) : 1; }

static int f_highest(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    int f = gagg_parse(a[2].given ? a[2].str : "average");
    if (f < 0) return gfail(ev, "highest", "Unsupported aggregation function: %s", a[2].str);
    sort_by(&a[0].set, f, 1, count_of(&a[1]), out);
    return 0;
}
static int f_lowest(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    int f = gagg_parse(a[2].given ? a[2].str : "average");
    if (f < 0) return gfail(ev, "lowest", "Unsupported aggregation function: %s", a[2].str);
    sort_by(&a[0].set, f, 0, count_of(&a[1]), out);
    return 0;
}
#define TOP(fname, agg, desc)                                                                                          \
    static int fname(geval *ev, garg *a, size_t n, tm_sset *out) {                                                     \
        (void)ev, (void)n;                                                                                             \
        sort_by(&a[0].set, agg, desc, count_of(&a[1]), out);                                                          \
        return 0;                                                                                                      \
    }
TOP(f_highest_current, GA_LAST, 1)
TOP(f_highest_max, GA_MAX, 1)
TOP(f_highest_average, GA_AVG, 1)
TOP(f_lowest_current, GA_LAST, 0)
TOP(f_lowest_average, GA_AVG, 0)

static int f_sort_by_maxima(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    sort_by(&a[0].set, GA_MAX, 1, SIZE_MAX, out);
    return 0;
}
static int f_sort_by_total(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    sort_by(&a[0].set, GA_SUM, 1, SIZE_MAX, out);
    return 0;
}
static int f_sort_by(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    int f = gagg_parse(a[1].given ? a[1].str : "average");
    if (f < 0) return gfail(ev, "sortBy", "Unsupported aggregation function: %s", a[1].str);
    sort_by(&a[0].set, f, a[2].given && a[2].num, SIZE_MAX, out);
    return 0;
}

/* natSortKey: every run of digits zero-padded to 10 */
static char *nat_key(const char *s) {
    tm_buf b = {0};
    while (*s) {
        if (*s >= '0' && *s <= '9') {
            const char *e = s;
            while (*e >= '0' && *e <= '9') e++;
            for (long pad = 10 - (long)(e - s); pad > 0; pad--) buf_putc(&b, '0');
            buf_put(&b, s, (size_t)(e - s));
            s = e;
        } else {
            buf_putc(&b, (uint8_t)*s++);
        }
    }
    buf_putc(&b, 0);
    return (char *)b.p;
}

static int cmp_names(const void *x, const void *y, void *desc) {
    const keyed *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    if (c) return *(int *)desc ? -c : c;
    return a->at < b->at ? -1 : a->at > b->at;
}

static int f_sort_by_name(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    tm_sset *in = &a[0].set;
    int natural = a[1].given && a[1].num;
    keyed *k = xmalloc((in->n ? in->n : 1) * sizeof *k);
    for (size_t i = 0; i < in->n; i++) k[i] = (keyed){&in->s[i], 0, i, natural ? nat_key(in->s[i].name) : in->s[i].name};
    int desc = a[2].given && a[2].num;
    sort_r(k, in->n, sizeof *k, cmp_names, &desc);
    for (size_t i = 0; i < in->n; i++) {
        sset_take(out, k[i].s);
        if (natural) free((char *)k[i].name);
    }
    free(k);
    return 0;
}

/* filterSeries(seriesList, func, operator, threshold) */
static int filter(tm_sset *in, int f, const char *op, double th, tm_sset *out) {
    for (size_t i = 0; i < in->n; i++) {
        double v = series_agg(&in->s[i], f);
        int keep = 0;
        if (!isnan(v)) {
            if (!strcmp(op, ">")) keep = v > th;
            else if (!strcmp(op, ">=")) keep = v >= th;
            else if (!strcmp(op, "<")) keep = v < th;
            else if (!strcmp(op, "<=")) keep = v <= th;
            else if (!strcmp(op, "=")) keep = v == th;
            else if (!strcmp(op, "!=")) keep = v != th;
            else return -1;
        }
        if (keep) sset_take(out, &in->s[i]);
    }
    return 0;
}

static int f_filter_series(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    int f = gagg_parse(a[1].str);
    if (f < 0) return gfail(ev, "filterSeries", "Unsupported aggregation function: %s", a[1].str);
    if (filter(&a[0].set, f, a[2].str, a[3].num, out)) return gfail(ev, "filterSeries", "Unsupported operator: %s", a[2].str);
    return 0;
}
#define FILTER(fname, agg, op)                                                                                         \
    static int fname(geval *ev, garg *a, size_t n, tm_sset *out) {                                                     \
        (void)ev, (void)n;                                                                                             \
        return filter(&a[0].set, agg, op, a[1].num, out);                                                             \
    }
FILTER(f_current_above, GA_LAST, ">")
FILTER(f_current_below, GA_LAST, "<=")
FILTER(f_average_above, GA_AVG, ">")
FILTER(f_average_below, GA_AVG, "<=")
FILTER(f_maximum_above, GA_MAX, ">")
FILTER(f_maximum_below, GA_MAX, "<=")
FILTER(f_minimum_above, GA_MIN, ">")
FILTER(f_minimum_below, GA_MIN, "<=")

static int f_limit(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    for (size_t i = 0; i < a[0].set.n && (double)i < a[1].num; i++) sset_take(out, &a[0].set.s[i]);
    return 0;
}

/* re.search over each name; grep keeps the matches, exclude the others */
static int grep_like(geval *ev, garg *a, int keep, const char *fn, tm_sset *out) {
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)a[1].str, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    if (!re) return gfail(ev, fn, "bad regex %s", a[1].str);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    for (size_t i = 0; i < a[0].set.n; i++) {
        const char *nm = a[0].set.s[i].name;
        int hit = pcre2_match(re, (PCRE2_SPTR)nm, strlen(nm), 0, 0, md, NULL) >= 0;
        if (hit == keep) sset_take(out, &a[0].set.s[i]);
    }
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return 0;
}
static int f_grep(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    return grep_like(ev, a, 1, "grep", out);
}
static int f_exclude(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    return grep_like(ev, a, 0, "exclude", out);
}

static int f_npercentile(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    if (!a[1].num) return gfail(ev, "nPercentile", "The requested percent is required to be greater than 0");
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        double *tmp = xmalloc((s->n ? s->n : 1) * sizeof *tmp);
        memcpy(tmp, s->v, s->n * sizeof *tmp);
        double p = gpercentile(tmp, s->n, a[1].num, 0);
        free(tmp);
        if (isnan(p)) continue;
        size_t pc = (size_t)((s->end - s->start) / s->step);
        free(s->v);
        s->v = xmalloc((pc ? pc : 1) * sizeof *s->v);
        for (size_t k = 0; k < pc; k++) s->v[k] = p;
        s->n = pc;
        gset_name(s, "nPercentile(%s, %g)", s->name, a[1].num);
        free(s->path);
        s->path = xstrndup(s->name, strlen(s->name));
        sset_take(out, s);
    }
    return 0;
}

static int f_stdev(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    long pts = (long)a[1].num;
    double tol = a[2].given ? a[2].num : 0.1;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        double *v = xmalloc((s->n ? s->n : 1) * sizeof *v), sum = 0, sq = 0;
        long valid = 0;
        for (size_t k = 0; k < s->n; k++) {
            double nv = s->v[k], dv = (long)k >= pts ? s->v[k - (size_t)pts] : NAN;
            if (!isnan(dv)) valid--, sum -= dv, sq -= dv * dv;
            if (!isnan(nv)) valid++, sum += nv, sq += nv * nv;
            double x = valid * sq - sum * sum;
            v[k] = valid > 0 && (double)valid / (double)pts >= tol && x >= 0 ? sqrt(x) / (double)valid : NAN;
        }
        free(s->v);
        s->v = v;
        gset_name(s, "stdev(%s,%d)", s->name, (int)pts);
        free(s->path);
        s->path = xstrndup(s->name, strlen(s->name));
        sset_take(out, s);
    }
    return 0;
}

#define SL(name) {name, GT_SERIES, 1, 0, NULL}
#define NUM(name) {name, GT_FLOAT, 1, 0, NULL}
#define CNT(name) {name, GT_INT, 1, 0, NULL}

const gfunc GF_FILTER[] = {
    {"highest", "Filter Series", "The n series highest by an aggregate.", f_highest,
     {SL("seriesList"), {"n", GT_INT, 1, 0, NULL}, {"func", GT_AGG, 0, 0, "average"}}},
    {"lowest", "Filter Series", "The n series lowest by an aggregate.", f_lowest,
     {SL("seriesList"), {"n", GT_INT, 1, 0, NULL}, {"func", GT_AGG, 0, 0, "average"}}},
    {"highestCurrent", "Filter Series", "The n series with the highest last value.", f_highest_current, {SL("seriesList"), CNT("n")}},
    {"highestMax", "Filter Series", "The n series with the highest maximum.", f_highest_max, {SL("seriesList"), CNT("n")}},
    {"highestAverage", "Filter Series", "The n series with the highest average.", f_highest_average, {SL("seriesList"), CNT("n")}},
    {"lowestCurrent", "Filter Series", "The n series with the lowest last value.", f_lowest_current, {SL("seriesList"), CNT("n")}},
    {"lowestAverage", "Filter Series", "The n series with the lowest average.", f_lowest_average, {SL("seriesList"), CNT("n")}},
    {"currentAbove", "Filter Series", "The series whose last value is above n.", f_current_above, {SL("seriesList"), NUM("n")}},
    {"currentBelow", "Filter Series", "The series whose last value is at most n.", f_current_below, {SL("seriesList"), NUM("n")}},
    {"averageAbove", "Filter Series", "The series whose average is above n.", f_average_above, {SL("seriesList"), NUM("n")}},
    {"averageBelow", "Filter Series", "The series whose average is at most n.", f_average_below, {SL("seriesList"), NUM("n")}},
    {"maximumAbove", "Filter Series", "The series whose maximum is above n.", f_maximum_above, {SL("seriesList"), NUM("n")}},
    {"maximumBelow", "Filter Series", "The series whose maximum is at most n.", f_maximum_below, {SL("seriesList"), NUM("n")}},
    {"minimumAbove", "Filter Series", "The series whose minimum is above n.", f_minimum_above, {SL("seriesList"), NUM("n")}},
    {"minimumBelow", "Filter Series", "The series whose minimum is at most n.", f_minimum_below, {SL("seriesList"), NUM("n")}},
    {"filterSeries", "Filter Series", "The series whose aggregate passes operator and threshold.", f_filter_series,
     {SL("seriesList"), {"func", GT_AGG, 1, 0, NULL}, {"operator", GT_STRING, 1, 0, NULL}, NUM("threshold")}},
    {"limit", "Filter Series", "The first n series.", f_limit, {SL("seriesList"), CNT("n")}},
    {"grep", "Filter Series", "The series whose name matches a regex.", f_grep, {SL("seriesList"), {"pattern", GT_STRING, 1, 0, NULL}}},
    {"exclude", "Filter Series", "The series whose name does not match a regex.", f_exclude,
     {SL("seriesList"), {"pattern", GT_STRING, 1, 0, NULL}}},
    {"sortBy", "Sorting", "Sort by an aggregate.", f_sort_by,
     {SL("seriesList"), {"func", GT_AGG, 0, 0, "average"}, {"reverse", GT_BOOL, 0, 0, "false"}}},
    {"sortByMaxima", "Sorting", "Sort by maximum, highest first.", f_sort_by_maxima, {SL("seriesList")}},
    {"sortByTotal", "Sorting", "Sort by sum, highest first.", f_sort_by_total, {SL("seriesList")}},
    {"sortByName", "Sorting", "Sort by name (natural: numbers by value).", f_sort_by_name,
     {SL("seriesList"), {"natural", GT_BOOL, 0, 0, "false"}, {"reverse", GT_BOOL, 0, 0, "false"}}},
    {"nPercentile", "Calculate", "A line at the n-th percentile of each series.", f_npercentile, {SL("seriesList"), NUM("n")}},
    {"stdev", "Calculate", "The standard deviation over a moving window of points.", f_stdev,
     {SL("seriesList"), CNT("points"), {"windowTolerance", GT_FLOAT, 0, 0, "0.1"}}},
    {NULL, NULL, NULL, NULL, {{0}}},
};
