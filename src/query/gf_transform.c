/* gf_transform.c — Graphite's Transform family: each series changed point
 * by point or over time, named as graphite-web names it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "gagg.h"
#include "graphite.h"
#include "gtime.h"

/* rename and take every series of a[0] into out */
static void take_all(tm_sset *in, tm_sset *out) {
    for (size_t i = 0; i < in->n; i++) sset_take(out, &in->s[i]);
}

static void rename_path(tm_gser *s) {
    free(s->path);
    s->path = xstrndup(s->name, strlen(s->name));
}

static double py_round6(double x) { /* Python's round(x, 6): correctly rounded decimal */
    char b[64];
    snprintf(b, sizeof b, "%.6f", x);
    return strtod(b, NULL);
}

static int f_scale(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        gset_name(s, "scale(%s,%g)", s->name, a[1].num);
        rename_path(s);
        for (size_t k = 0; k < s->n; k++) s->v[k] *= a[1].num;
    }
    take_all(&a[0].set, out);
    return 0;
}

static int f_offset(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        gset_name(s, "offset(%s,%g)", s->name, a[1].num);
        rename_path(s);
        for (size_t k = 0; k < s->n; k++) s->v[k] += a[1].num;
    }
    take_all(&a[0].set, out);
    return 0;
}

static int f_absolute(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        gset_name(s, "absolute(%s)", s->name);
        rename_path(s);
        for (size_t k = 0; k < s->n; k++) s->v[k] = fabs(s->v[k]);
    }
    take_all(&a[0].set, out);
    return 0;
}

static int f_derivative(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        double prev = NAN;
        for (size_t k = 0; k < s->n; k++) {
            double v = s->v[k];
            s->v[k] = isnan(prev) || isnan(v) ? NAN : v - prev;
            prev = v;
        }
        gset_name(s, "derivative(%s)", s->name);
        rename_path(s);
    }
    take_all(&a[0].set, out);
    return 0;
}

/* _nonNegativeDelta; max/min NaN when not given */
static double nn_delta(double val, double *prev, double mx, double mn) {
    if ((!isnan(mx) && val > mx) || (!isnan(mn) && val < mn)) {
        *prev = NAN;
        return NAN;
    }
    double p = *prev;
    *prev = val;
    if (isnan(p) || isnan(val)) return NAN;
    if (val >= p) return val - p;
    if (!isnan(mx)) return mx + 1 + val - p - (isnan(mn) ? 0 : mn);
    if (!isnan(mn)) return val - mn;
    return NAN;
}

static int counter_like(garg *a, const char *fname, int per_second, tm_sset *out) {
    double mx = a[1].given ? a[1].num : NAN, mn = a[2].given ? a[2].num : NAN;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        double prev = NAN, step = (double)(s->step / 1000);
        for (size_t k = 0; k < s->n; k++) {
            double d = nn_delta(s->v[k], &prev, mx, mn);
            s->v[k] = per_second && !isnan(d) ? py_round6(d / step) : d;
        }
        gset_name(s, "%s(%s)", fname, s->name);
        rename_path(s);
    }
    take_all(&a[0].set, out);
    return 0;
}

static int f_nonneg(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    return counter_like(a, "nonNegativeDerivative", 0, out);
}
static int f_per_second(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    return counter_like(a, "perSecond", 1, out);
}

static int f_integral(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        double cur = 0;
        for (size_t k = 0; k < s->n; k++)
            if (!isnan(s->v[k])) s->v[k] = cur += s->v[k];
        gset_name(s, "integral(%s)", s->name);
        rename_path(s);
    }
    take_all(&a[0].set, out);
    return 0;
}

static int f_keep_last(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    double limit = a[1].given ? a[1].num : INFINITY;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        gset_name(s, "keepLastValue(%s)", s->name);
        rename_path(s);
        size_t gap = 0;
        double last = NAN;
        for (size_t k = 0; k < s->n; k++) {
            if (isnan(s->v[k])) {
                gap++;
                continue;
            }
            if (gap && (double)gap <= limit && !isnan(last))
                for (size_t j = k - gap; j < k; j++) s->v[j] = last;
            gap = 0;
            last = s->v[k];
        }
        if (gap && (double)gap <= limit && !isnan(last))
            for (size_t j = s->n - gap; j < s->n; j++) s->v[j] = last;
    }
    take_all(&a[0].set, out);
    return 0;
}

static int f_transform_null(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    double dflt = a[1].given ? a[1].num : 0;
    tm_sset *ref = a[2].given && a[2].set.n ? &a[2].set : NULL; /* an empty list is no reference */
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        if (ref) gset_name(s, "transformNull(%s,%g,referenceSeries)", s->name, dflt);
        else gset_name(s, "transformNull(%s,%g)", s->name, dflt);
        rename_path(s);
        for (size_t k = 0; k < s->n; k++) {
            if (!isnan(s->v[k])) continue;
            int any = !ref;
            for (size_t r = 0; ref && r < ref->n && !any; r++) any = !isnan(gvalue(&ref->s[r], k));
            s->v[k] = any ? dflt : NAN;
        }
    }
    take_all(&a[0].set, out);
    return 0;
}

static int f_scale_to_seconds(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        gset_name(s, "scaleToSeconds(%s,%d)", s->name, (int)a[1].num);
        rename_path(s);
        double factor = a[1].num / (double)(s->step / 1000);
        for (size_t k = 0; k < s->n; k++)
            if (!isnan(s->v[k])) s->v[k] = py_round6(s->v[k] * factor);
    }
    take_all(&a[0].set, out);
    return 0;
}

static int f_delay(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    long steps = (long)a[1].num;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        double *v = xmalloc((s->n ? s->n : 1) * sizeof *v);
        for (size_t k = 0; k < s->n; k++) {
            long from = (long)k - steps;
            v[k] = from >= 0 && from < (long)s->n ? s->v[from] : NAN;
        }
        free(s->v);
        s->v = v;
        gset_name(s, "delay(%s,%ld)", s->name, steps);
        rename_path(s);
    }
    take_all(&a[0].set, out);
    return 0;
}

static int remove_value(garg *a, int above, tm_sset *out) {
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        gset_name(s, "%s(%s, %g)", above ? "removeAboveValue" : "removeBelowValue", s->name, a[1].num);
        rename_path(s);
        for (size_t k = 0; k < s->n; k++)
            if (above ? s->v[k] > a[1].num : s->v[k] < a[1].num) s->v[k] = NAN;
    }
    take_all(&a[0].set, out);
    return 0;
}
static int f_remove_above(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    return remove_value(a, 1, out);
}
static int f_remove_below(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    return remove_value(a, 0, out);
}

static int f_consolidate_by(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    static const char *names[] = {"sum", "average", "avg", "avg_zero", "min", "max", "first", "last"};
    static const int aggs[] = {AGG_SUM, AGG_AVG, AGG_AVG, AGG_N, AGG_MIN, AGG_MAX, AGG_FIRST, AGG_LAST};
    int cons = -1;
    for (size_t i = 0; i < 8; i++)
        if (!strcmp(a[1].str, names[i])) cons = aggs[i];
    if (cons < 0) return gfail(ev, "consolidateBy", "Invalid consolidation function: '%s'", a[1].str);
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        s->cons = cons;
        gset_name(s, "consolidateBy(%s,\"%s\")", s->name, a[1].str);
        rename_path(s);
    }
    take_all(&a[0].set, out);
    return 0;
}

/* the first argument again over [from + dfrom, until + duntil] */
static int reeval(geval *ev, const garg *arg, int64_t dfrom, int64_t duntil, tm_sset *out) {
    geval e2 = *ev;
    e2.from += dfrom;
    e2.until += duntil;
    return geval_series(&e2, arg->node, out);
}

static int f_time_shift(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    char shift[64];
    snprintf(shift, sizeof shift, "%s%s", a[1].str[0] >= '0' && a[1].str[0] <= '9' ? "-" : "", a[1].str);
    int64_t d;
    if (!gtime_offset(shift, &d)) return gfail(ev, "timeShift", "bad time shift %s", a[1].str);
    if (!a[0].set.n) return 0;
    tm_gser *ref = &a[0].set.s[0];
    int reset = !a[2].given || a[2].num;
    tm_sset got = {0};
    if (reeval(ev, &a[0], d, d, &got)) {
        sset_free(&got);
        return -1;
    }
    for (size_t i = 0; i < got.n; i++) {
        tm_gser *s = &got.s[i];
        gset_name(s, "timeShift(%s, \"%s\")", s->name, shift);
        s->end = reset ? ref->end : s->end - s->start + ref->start;
        s->start = ref->start;
        sset_take(out, s);
    }
    free(got.s);
    return 0;
}

/* movingWindow: the window is a number of points or a time ("5min") */
static int moving(geval *ev, garg *a, int f, const char *tag, tm_sset *out) {
    if (!a[0].set.n) return 0;
    int64_t preview;
    int timed = a[1].type == GN_STR;
    if (timed) {
        if (!gtime_offset(a[1].str, &preview)) return gfail(ev, tag, "bad window %s", a[1].str);
        preview = llabs(preview);
    } else {
        int64_t mx = 0;
        for (size_t i = 0; i < a[0].set.n; i++) mx = a[0].set.s[i].step > mx ? a[0].set.s[i].step : mx;
        preview = mx / 1000 * (int64_t)a[1].num;
    }
    tm_sset got = {0};
    if (reeval(ev, &a[0], -preview, 0, &got)) {
        sset_free(&got);
        return -1;
    }
    for (size_t i = 0; i < got.n; i++) {
        tm_gser *s = &got.s[i];
        size_t wp = timed ? (size_t)(preview / (s->step / 1000)) : (size_t)a[1].num;
        double xf = a[2].given ? a[2].num : s->xff;
        size_t m = s->n > wp ? s->n - wp : 0;
        double *v = xmalloc((m ? m : 1) * sizeof *v), *win = xmalloc((wp ? wp : 1) * sizeof *win);
        for (size_t k = wp; k < s->n; k++) {
            size_t nn = 0;
            for (size_t j = k - wp; j < k; j++)
                if (!isnan(s->v[j])) win[nn++] = s->v[j];
            v[k - wp] = nn && (double)nn / (double)wp >= xf ? gagg(win, nn, f) : NAN;
        }
        free(win);
        free(s->v);
        s->v = v;
        s->n = m;
        char num[64];
        gfmt_num(a[1].num, a[1].node && a[1].node->is_int, num, sizeof num);
        if (timed) gset_name(s, "%s(%s,\"%s\")", tag, s->name, a[1].str);
        else gset_name(s, "%s(%s,%s)", tag, s->name, num);
        rename_path(s);
        s->start += preview * 1000;
        sset_take(out, s);
    }
    free(got.s);
    return 0;
}

static int f_moving_average(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    return moving(ev, a, GA_AVG, "movingAverage", out);
}
static int f_moving_sum(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    return moving(ev, a, GA_SUM, "movingSum", out);
}
static int f_moving_min(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    return moving(ev, a, GA_MIN, "movingMin", out);
}
static int f_moving_max(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    return moving(ev, a, GA_MAX, "movingMax", out);
}

/* _summarizeValues, times in seconds */
static size_t summarize_values(const tm_gser *s, int f, int64_t iv, int64_t ns, int64_t ne, double **out, int64_t *aligned) {
    int64_t st = s->start / 1000, step = s->step / 1000, en = s->end / 1000;
    size_t nts = en > st ? (size_t)((en - st + step - 1) / step) : 0;
    size_t np = nts < s->n ? nts : s->n, i = 0, m = 0, cap = 16;
    double ipoints = (double)iv / (double)step;
    double *v = xmalloc(cap * sizeof *v);
    int64_t t = ns;
    for (; t < ne; t += iv) {
        size_t b = i, nn = 0;
        while (i < np && st + (int64_t)i * step < t + iv) {
            int64_t ts = st + (int64_t)i * step;
            if (ts <= t) b = i;
            if (ts >= t && !isnan(s->v[i])) nn++;
            i++;
        }
        if (m == cap) v = xrealloc(v, (cap *= 2) * sizeof *v);
        v[m++] = nn && (double)nn / ipoints >= s->xff ? gagg(s->v + b, i - b, f) : NAN;
    }
    *aligned = t;
    *out = v;
    return m;
}

static int f_summarize(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    int64_t iv;
    const char *fn = a[2].given ? a[2].str : "sum";
    int f = gagg_parse(fn), align = a[3].given && a[3].num;
    if (!gtime_offset(a[1].str, &iv) || iv <= 0) return gfail(ev, "summarize", "bad interval %s", a[1].str);
    if (f < 0) return gfail(ev, "summarize", "Unsupported aggregation function: %s", fn);
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        int64_t st = s->start / 1000, en = s->end / 1000, ns, ne, al;
        ns = align ? st : st - st % iv;
        ne = align ? en : en - en % iv + iv;
        double *v;
        size_t m = summarize_values(s, f, iv, ns, ne, &v, &al);
        if (align) ne = al;
        free(s->v);
        s->v = v;
        s->n = m;
        s->start = ns * 1000;
        s->end = ne * 1000;
        s->step = iv * 1000;
        gset_name(s, "summarize(%s, \"%s\", \"%s\"%s)", s->name, a[1].str, fn, align ? ", true" : "");
        rename_path(s);
        sset_take(out, s);
    }
    return 0;
}

static int64_t floordiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

static int64_t pmod(int64_t a, int64_t b) { return a - floordiv(a, b) * b; }

/* hitcount's alignToInterval: the series again from the start of the
 * request's day, hour or minute (by the interval; in the request's tz),
 * each end moved to a whole number of intervals past its start */
static int aligned_fetch(geval *ev, const garg *arg, int64_t iv, tm_sset *got) {
    int64_t unit = iv >= 86400 ? 86400 : iv >= 3600 ? 3600 : iv >= 60 ? 60 : 0, from = ev->from;
    if (unit) { /* datetime(s.year, ..., tzinfo=s.tzinfo): the wall clock cut, at s's own offset */
        int32_t off = tz_offset(ev->tz, from, NULL);
        from -= pmod(from + off, unit);
    }
    if (reeval(ev, arg, from - ev->from, 0, got)) return -1;
    for (size_t i = 0; i < got->n; i++) {
        tm_gser *s = &got->s[i];
        int64_t st = s->start / 1000, count = floordiv(s->end / 1000 - st, iv);
        s->end = (st + count * iv + iv) * 1000;
    }
    return 0;
}

static int f_hitcount(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    int64_t iv;
    if (!gtime_offset(a[1].str, &iv) || iv <= 0) return gfail(ev, "hitcount", "bad interval %s", a[1].str);
    int align = a[2].given && a[2].num;
    tm_sset got = {0}, *in = &a[0].set;
    if (align) {
        if (aligned_fetch(ev, &a[0], iv, &got)) {
            sset_free(&got);
            return -1;
        }
        in = &got;
    }
    for (size_t i = 0; i < in->n; i++) {
        tm_gser *s = &in->s[i];
        int64_t st = s->start / 1000, en = s->end / 1000, step = s->step / 1000;
        size_t nb = (size_t)ceil((double)(en - st) / (double)iv);
        int64_t ns = en - (int64_t)nb * iv;
        double *sum = xcalloc(nb ? nb : 1, sizeof *sum);
        char *any = xcalloc(nb ? nb : 1, 1);
        for (size_t k = 0; k < s->n; k++) {
            double v = s->v[k];
            if (isnan(v)) continue;
            int64_t t0 = st + (int64_t)k * step, t1 = t0 + step;
            int64_t sb = floordiv(t0 - ns, iv), sm = t0 - ns - sb * iv;
            int64_t eb = floordiv(t1 - ns, iv), em = t1 - ns - eb * iv;
            if (eb >= (int64_t)nb) eb = (int64_t)nb - 1, em = iv;
            if (sb == eb) {
                if (sb >= 0) sum[sb] += v * (double)(em - sm), any[sb] = 1;
            } else {
                if (sb >= 0) sum[sb] += v * (double)(iv - sm), any[sb] = 1;
                for (int64_t j = sb + 1; j < eb; j++) sum[j] += v * (double)iv, any[j] = 1;
                if (em > 0) sum[eb] += v * (double)em, any[eb] = 1;
            }
        }
        for (size_t k = 0; k < nb; k++)
            if (!any[k]) sum[k] = NAN;
        free(any);
        free(s->v);
        s->v = sum;
        s->n = nb;
        s->start = ns * 1000;
        s->step = iv * 1000;
        gset_name(s, "hitcount(%s, \"%s\"%s)", s->name, a[1].str, align ? ", true" : "");
        rename_path(s);
        sset_take(out, s);
    }
    sset_free(&got);
    return 0;
}

#define SL(name) {name, GT_SERIES, 1, 0, NULL}

const gfunc GF_TRANSFORM[] = {
    {"scale", "Transform", "Multiply each value by a constant.", f_scale, {SL("seriesList"), {"factor", GT_FLOAT, 1, 0, NULL}}},
    {"offset", "Transform", "Add a constant to each value.", f_offset, {SL("seriesList"), {"factor", GT_FLOAT, 1, 0, NULL}}},
    {"absolute", "Transform", "The absolute value of each point.", f_absolute, {SL("seriesList")}},
    {"derivative", "Transform", "The difference between each point and the one before.", f_derivative, {SL("seriesList")}},
    {"nonNegativeDerivative", "Transform", "The derivative of a counter, None where it wrapped or reset.", f_nonneg,
     {SL("seriesList"), {"maxValue", GT_FLOAT, 0, 0, NULL}, {"minValue", GT_FLOAT, 0, 0, NULL}}},
    {"perSecond", "Transform", "The non-negative derivative per second of step.", f_per_second,
     {SL("seriesList"), {"maxValue", GT_FLOAT, 0, 0, NULL}, {"minValue", GT_FLOAT, 0, 0, NULL}}},
    {"integral", "Transform", "The running sum of the values.", f_integral, {SL("seriesList")}},
    {"keepLastValue", "Transform", "Fill gaps of up to limit points with the value before them.", f_keep_last,
     {SL("seriesList"), {"limit", GT_INT_OR_INF, 0, 0, "INF"}}},
    {"transformNull", "Transform", "Replace None by a default (only where a reference series has a value, if given).",
     f_transform_null, {SL("seriesList"), {"default", GT_FLOAT, 0, 0, "0"}, {"referenceSeries", GT_SERIES, 0, 0, NULL}}},
    {"scaleToSeconds", "Transform", "Scale each value from per-step to per-seconds.", f_scale_to_seconds,
     {SL("seriesList"), {"seconds", GT_FLOAT, 1, 0, NULL}}},
    {"timeShift", "Transform", "The series as it was a time ago (\"1d\", \"-2h\").", f_time_shift,
     {SL("seriesList"), {"timeShift", GT_INTERVAL, 1, 0, NULL}, {"resetEnd", GT_BOOL, 0, 0, "true"},
      {"alignDst", GT_BOOL, 0, 0, "false"}}},
    {"delay", "Transform", "Shift the values by a number of steps.", f_delay, {SL("seriesList"), {"steps", GT_INT, 1, 0, NULL}}},
    {"summarize", "Transform", "Fold the points into buckets of an interval (sum unless func says otherwise).",
     f_summarize,
     {SL("seriesList"), {"intervalString", GT_INTERVAL, 1, 0, NULL}, {"func", GT_AGG, 0, 0, "sum"},
      {"alignToFrom", GT_BOOL, 0, 0, "false"}}},
    {"hitcount", "Transform", "Estimate hit counts per interval from a rate series.", f_hitcount,
     {SL("seriesList"), {"intervalString", GT_INTERVAL, 1, 0, NULL}, {"alignToInterval", GT_BOOL, 0, 0, "false"}}},
    {"consolidateBy", "Special", "How to consolidate points when there are more than maxDataPoints.", f_consolidate_by,
     {SL("seriesList"), {"consolidationFunc", GT_STRING, 1, 0, NULL}}},
    {"removeAboveValue", "Filter Data", "Set points above a value to None.", f_remove_above,
     {SL("seriesList"), {"n", GT_FLOAT, 1, 0, NULL}}},
    {"removeBelowValue", "Filter Data", "Set points below a value to None.", f_remove_below,
     {SL("seriesList"), {"n", GT_FLOAT, 1, 0, NULL}}},
    {NULL, NULL, NULL, NULL, {{0}}},
};

const gfunc GF_CALC[] = {
    {"movingAverage", "Calculate", "The average of the window before each point.", f_moving_average,
     {SL("seriesList"), {"windowSize", GT_INT_OR_INTERVAL, 1, 0, NULL}, {"xFilesFactor", GT_FLOAT, 0, 0, NULL}}},
    {"movingSum", "Calculate", "The sum of the window before each point.", f_moving_sum,
     {SL("seriesList"), {"windowSize", GT_INT_OR_INTERVAL, 1, 0, NULL}, {"xFilesFactor", GT_FLOAT, 0, 0, NULL}}},
    {"movingMin", "Calculate", "The lowest value of the window before each point.", f_moving_min,
     {SL("seriesList"), {"windowSize", GT_INT_OR_INTERVAL, 1, 0, NULL}, {"xFilesFactor", GT_FLOAT, 0, 0, NULL}}},
    {"movingMax", "Calculate", "The highest value of the window before each point.", f_moving_max,
     {SL("seriesList"), {"windowSize", GT_INT_OR_INTERVAL, 1, 0, NULL}, {"xFilesFactor", GT_FLOAT, 0, 0, NULL}}},
    {NULL, NULL, NULL, NULL, {{0}}},
};
