/* promql_range.c — functions of a range vector (rate, *_over_time, ...),
 * each a loop over one step's window of samples, as Prometheus 2.42's
 * promql/functions.go computes them (extrapolatedRate, instantValue,
 * linearRegression, aggrOverTime). Series are independent, so they are
 * spread over the engine's workers (query_parallel). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "promql_evint.h"

typedef struct {
    const int64_t *t;
    const double *v;
    size_t n;
    int64_t start, end; /* the window: [start, end] */
    double range_s;
    double arg; /* the scalar argument at this step (quantile, predict_linear's duration) */
    int64_t ts; /* the evaluation time (predict_linear's intercept) */
} win;

/* A window's samples: t[0..n), v[0..n). */
typedef struct {
    const int64_t *t;
    const double *v;
    size_t n;
} span;

/* extrapolatedRate: the delta over the window [start, end], extended to its
 * edges where the samples suggest the series went on. A counter's resets
 * are drop[0..ndrop), indexes into the series' samples all (each below the
 * one before it: all[drop[r] - 1] is added). Plain arguments, not a win:
 * inlined into the step loop, they stay in registers. */
static inline int extrapolated(span x, int64_t start, int64_t end, double range_s, const double *all,
                               const uint32_t *drop, size_t ndrop, int counter, int rate, double *out) {
    if (x.n < 2) return 0;
    double result = x.v[x.n - 1] - x.v[0];
    /* Prometheus adds each sample's predecessor where the sample is below it,
     * in order: the same additions, found beforehand (a first sample below 0
     * would add 0, which changes nothing) */
    for (size_t r = 0; counter && r < ndrop; r++) result += all[drop[r] - 1];
    double to_start = (double)(x.t[0] - start) / 1000, to_end = (double)(end - x.t[x.n - 1]) / 1000;
    double sampled = (double)(x.t[x.n - 1] - x.t[0]) / 1000, avg = sampled / (double)(x.n - 1);
    if (counter && result > 0 && x.v[0] >= 0) {
        double to_zero = sampled * (x.v[0] / result);
        if (to_zero < to_start) to_start = to_zero;
    }
    double threshold = avg * 1.1, interval = sampled;
    interval += to_start < threshold ? to_start : avg / 2;
    interval += to_end < threshold ? to_end : avg / 2;
    result = result * (interval / sampled);
    if (rate) result /= range_s;
    *out = result;
    return 1;
}

static int instant_value(const win *w, int rate, double *out) {
    if (w->n < 2) return 0;
    double last = w->v[w->n - 1], prev = w->v[w->n - 2];
    double r = rate && last < prev ? last : last - prev;
    int64_t dt = w->t[w->n - 1] - w->t[w->n - 2];
    if (!dt) return 0;
    if (rate) r /= (double)dt / 1000;
    *out = r;
    return 1;
}

static void regression(const win *w, int64_t at, double *slope, double *icept) {
    double n = 0, sx = 0, sy = 0, sxy = 0, sx2 = 0, y0 = w->v[0];
    int consty = 1;
    for (size_t i = 0; i < w->n; i++) {
        if (i && w->v[i] != y0) consty = 0;
        double x = (double)(w->t[i] - at) / 1e3;
        n += 1;
        sx += x;
        sy += w->v[i];
        sxy += x * w->v[i];
        sx2 += x * x;
    }
    if (consty) {
        *slope = isinf(y0) ? NAN : 0;
        *icept = isinf(y0) ? NAN : y0;
        return;
    }
    double cov = sxy - sx * sy / n, var = sx2 - sx * sx / n;
    *slope = cov / var;
    *icept = sy / n - *slope * sx / n;
}

static double mean(const win *w) {
    double m = 0, cnt = 0;
    for (size_t i = 0; i < w->n; i++) {
        cnt++;
        if (isinf(m)) {
            if (isinf(w->v[i]) && (m > 0) == (w->v[i] > 0)) continue;
            if (!isinf(w->v[i]) && !isnan(w->v[i])) continue;
        }
        m += w->v[i] / cnt - m / cnt;
    }
    return m;
}

static double variance(const win *w) {
    double cnt = 0, m = 0, aux = 0;
    for (size_t i = 0; i < w->n; i++) {
        cnt++;
        double d = w->v[i] - m;
        m += d / cnt;
        aux += d * (w->v[i] - m);
    }
    return aux / cnt;
}

/* One function on one window; 0 leaves the step without a value. (rate,
 * increase and delta: range_one calls extrapolated itself.) */
static int apply(int id, const win *w, double *out) {
    double x = 0, slope, icept;
    if (!w->n) return 0; /* an empty window is no point, whatever the function */
    switch (id) {
    case PQ_F_IRATE: return instant_value(w, 1, out);
    case PQ_F_IDELTA: return instant_value(w, 0, out);
    case PQ_F_DERIV:
        if (w->n < 2) return 0;
        regression(w, w->t[0], &slope, &icept);
        return *out = slope, 1;
    case PQ_F_PREDICT_LINEAR:
        if (w->n < 2) return 0;
        regression(w, w->ts, &slope, &icept);
        return *out = slope * w->arg + icept, 1;
    case PQ_F_CHANGES:
    case PQ_F_RESETS:
        for (size_t i = 1; i < w->n; i++) {
            double a = w->v[i - 1], b = w->v[i];
            if (id == PQ_F_CHANGES ? (a != b && !(isnan(a) && isnan(b))) : b < a) x++;
        }
        return *out = x, 1;
    default: break;
    }
    switch (id) {
    case PQ_F_AVG_OVER_TIME: return *out = mean(w), 1;
    case PQ_F_COUNT_OVER_TIME: return *out = (double)w->n, 1;
    case PQ_F_LAST_OVER_TIME: return *out = w->v[w->n - 1], 1;
    case PQ_F_PRESENT_OVER_TIME: return *out = 1, 1;
    case PQ_F_SUM_OVER_TIME:
        for (size_t i = 0; i < w->n; i++) x += w->v[i];
        return *out = x, 1;
    case PQ_F_MIN_OVER_TIME:
    case PQ_F_MAX_OVER_TIME:
        x = w->v[0];
        for (size_t i = 1; i < w->n; i++) {
            double v = w->v[i];
            if (id == PQ_F_MAX_OVER_TIME ? (v > x || isnan(x)) : (v < x || isnan(x))) x = v;
        }
        return *out = x, 1;
    case PQ_F_STDDEV_OVER_TIME: return *out = sqrt(variance(w)), 1;
    case PQ_F_STDVAR_OVER_TIME: return *out = variance(w), 1;
    default: return 0;
    }
}

static int quantile_window(const win *w, double *out, double *scratch) {
    if (!w->n) return 0;
    memcpy(scratch, w->v, w->n * sizeof *scratch);
    *out = pq_quantile(w->arg, scratch, w->n);
    return 1;
}

/* holt_winters(v[range], sf, tf): double exponential smoothing */
static int holt_winters(const win *w, double sf, double tf, double *out) {
    if (w->n < 2) return 0;
    double s0 = 0, s1 = w->v[0], b = w->v[1] - w->v[0];
    for (size_t i = 1; i < w->n; i++) {
        if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
        double x = sf * w->v[i];
        double y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
    }
    *out = s1;
    return 1;
}

typedef struct {
    int id;
    const pq_matrix *m;
    const pq_value *sarg;
    size_t ns;
    pq_ctx *c;
    pq_series *out;   /* one per input series, made beforehand (the arena is one thread's) */
    unsigned char *any; /* absent_over_time only (run on one thread): a step with any sample */
} range_job;

/* rate and increase: where the series' counter resets, as indexes of its
 * samples (each below the one before it), so a window finds its own by
 * sliding two indexes over this list as over the samples */
static uint32_t *find_drops(const pq_series *s) {
    uint32_t *d = malloc((s->ns + 1) * sizeof *d), nd = 0;
    for (size_t i = 1; d && i < s->ns; i++)
        if (s->sv[i] < s->sv[i - 1]) d[nd++] = (uint32_t)i;
    if (d) d[nd] = UINT32_MAX; /* past every sample: the slides stop on it */
    return d;
}

/* rate, increase and delta over one series, step after step (the first
 * window ends at end): its own loop, with nothing else live, so its indexes
 * stay in registers. drop lists the series' counter resets, ended by
 * UINT32_MAX (delta: that alone). */
static void extrap_series(const pq_series *s, const uint32_t *drop, int64_t end, int64_t step, size_t nsteps,
                          int64_t range, int counter, int rate, double *ov, unsigned char *oh) {
    const int64_t *st = s->sts;
    const double *sv = s->sv;
    const size_t ns = s->ns;
    const double range_s = (double)range / 1000;
    size_t lo = 0, hi = 0, dlo = 0, dhi = 0;
    for (size_t i = 0; i < nsteps; i++, end += step) {
        int64_t start = end - range;
        while (lo < ns && st[lo] < start) lo++;
        if (hi < lo) hi = lo;
        while (hi < ns && st[hi] <= end) hi++;
        while (drop[dlo] <= lo) dlo++; /* the resets inside: drop index in (lo, hi) */
        if (dhi < dlo) dhi = dlo;
        while (drop[dhi] < hi) dhi++;
        double v;
        if (extrapolated((span){st + lo, sv + lo, hi - lo}, start, end, range_s, sv, drop + dlo, dhi - dlo, counter,
                         rate, &v))
            ov[i] = v, oh[i] = 1;
    }
}

/* One series of the range vector, every step: its windows slide forward
 * (two indexes moving on, no search; an @ window stays put), without an
 * allocation per step. What the loop reads is held in locals: stores into
 * the output could alias the job's fields, which would be reloaded per step. */
static void range_one(const range_job *j, size_t k) {
    const pq_matrix *m = j->m;
    const pq_series *s = &m->v.s[k];
    const int64_t *st = s->sts;
    const double *sv = s->sv;
    const size_t ns = s->ns, nsteps = j->c->n;
    const int64_t t0 = m->at ? m->at_ms : j->c->t0, step = m->at ? 0 : j->c->step, off = m->offset, range = m->range;
    const int id = j->id;
    double *ov = j->out ? j->out[k].v : NULL; /* none for absent_over_time */
    unsigned char *oh = j->out ? j->out[k].has : NULL, *any = j->any;
    if (!any && (id == PQ_F_RATE || id == PQ_F_INCREASE || id == PQ_F_DELTA)) {
        static const uint32_t no_drops[1] = {UINT32_MAX};
        uint32_t *drops = id != PQ_F_DELTA ? find_drops(s) : NULL;
        if (drops || id == PQ_F_DELTA)
            extrap_series(s, drops ? drops : no_drops, t0 - off, step, nsteps, range, id != PQ_F_DELTA,
                          id == PQ_F_RATE, ov, oh);
        free(drops);
        return;
    }
    double *scratch = id == PQ_F_QUANTILE_OVER_TIME ? malloc((ns + 1) * sizeof *scratch) : NULL;
    size_t lo = 0, hi = 0;
    const double range_s = (double)range / 1000;
    for (size_t i = 0; i < nsteps; i++) {
        int64_t ts = t0 + (int64_t)i * step, end = ts - off, start = end - range;
        while (lo < ns && st[lo] < start) lo++;
        if (hi < lo) hi = lo;
        while (hi < ns && st[hi] <= end) hi++;
        if (any) {
            if (hi > lo) any[i] = 1;
            continue;
        }
        double v;
        int got;
        win w = {st + lo, sv + lo, hi - lo, start, end, range_s, j->ns ? j->sarg[0].scalar[i] : 0, ts};
        if (id == PQ_F_QUANTILE_OVER_TIME) got = scratch && quantile_window(&w, &v, scratch);
        else if (id == PQ_F_HOLT_WINTERS) got = holt_winters(&w, j->sarg[0].scalar[i], j->sarg[1].scalar[i], &v);
        else got = apply(id, &w, &v);
        if (got) ov[i] = v, oh[i] = 1;
    }
    free(scratch);
}

/* Series go to the workers RANGE_BLOCK at a time: one claim of the shared
 * counter per block, not per series. */
#define RANGE_BLOCK 64
static void range_block(tm_query *q, tm_reader *rd, size_t b, void *arg) {
    const range_job *j = arg;
    (void)rd;
    for (size_t k = b * RANGE_BLOCK; k < j->m->v.n && k < (b + 1) * RANGE_BLOCK; k++) {
        if (k % 16 == 0 && query_check_time(q)) return;
        range_one(j, k);
    }
}

/* absent_over_time: one series (labels from the selector's equalities)
 * where no series has a sample in the window */
static int absent_over_time(pq_ctx *c, const pq_node *arg, range_job *j, pq_value *out) {
    j->any = pq_new(c, c->n + 1);
    for (size_t k = 0; k < j->m->v.n; k++) range_one(j, k);
    pq_lset ls = {pq_new(c, 0), 0};
    while (arg->kind == PQ_PAREN) arg = arg->args[0];
    if (arg->kind == PQ_SEL) ls = pq_absent_labels(c, arg);
    pq_series *s = pq_add_series(c, out, ls);
    for (size_t i = 0; i < c->n; i++)
        if (!j->any[i]) s->v[i] = 1, s->has[i] = 1;
    if (!memchr(s->has, 1, c->n)) out->n--;
    return query_failed(c->q) ? -1 : 0;
}

int pq_eval_range_fn(pq_ctx *c, const pq_node *e, pq_value *out) {
    int id = e->fn->id, mi = id == PQ_F_QUANTILE_OVER_TIME ? 1 : 0;
    pq_value sarg[2];
    size_t ns = 0;
    for (size_t a = 0; a < e->nargs; a++)
        if ((int)a != mi && pq_eval_node(c, e->args[a], &sarg[ns++])) return -1;
    pq_matrix m;
    if (pq_eval_matrix(c, e->args[mi], &m)) return -1;
    *out = pq_vector();
    range_job j = {id, &m, sarg, ns, c, NULL, NULL};
    if (id == PQ_F_ABSENT_OVER_TIME) return absent_over_time(c, e->args[0], &j, out);
    pq_reserve(c, out, m.v.n);
    for (size_t k = 0; k < m.v.n; k++)
        pq_add_series(c, out, id == PQ_F_LAST_OVER_TIME ? m.v.s[k].ls : pq_drop_name(c, &m.v.s[k].ls));
    if (query_failed(c->q)) return -1;
    /* series are independent: spread over the engine's workers */
    j.out = out->s;
    query_parallel(c->q, (m.v.n + RANGE_BLOCK - 1) / RANGE_BLOCK, range_block, &j);
    size_t w = 0; /* series without a value at any step are no answer */
    for (size_t k = 0; k < out->n; k++)
        if (memchr(out->s[k].has, 1, c->n)) out->s[w++] = out->s[k];
    out->n = w;
    return query_failed(c->q) ? -1 : 0;
}
