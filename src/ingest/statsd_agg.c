/* statsd_agg.c — the aggregation state behind StatsD.
 *
 * Metrics live in one array (flush order = arrival order) found through an
 * open-addressing index on (kind, key). A metric allocates when it is first
 * seen and when a timer's or set's storage doubles; a sample folded into a
 * known counter or gauge allocates nothing. The arithmetic follows Etsy's
 * statsd operation for operation (same order of additions, Math.round as
 * floor(x + 0.5)), so its numbers come out bit for bit. */
#include "statsd_agg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

typedef struct {
    char *key;
    uint32_t klen;
    uint8_t kind;
    uint64_t hash;
    double v;      /* counter: sum of value/rate; gauge: current value */
    double tcount; /* timer: sum of 1/rate */
    double *vals;  /* timer values of this interval */
    uint32_t nv, vcap;
    uint64_t *mem; /* set: member hashes, open addressing, 0 = empty */
    uint32_t nm, mcap;
} metric;

struct statsd_agg {
    metric *m;
    size_t n, cap;
    uint32_t *slots; /* metric index + 1, 0 = empty; power-of-two size */
    size_t nslots;
    size_t max_metrics, max_values, held; /* held: timer values + set members now */
    uint64_t events;
    char msg[128];
};

static uint64_t mix(uint64_t h) { /* splitmix64's finalizer */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

static uint64_t hash_bytes(const char *p, size_t n, uint64_t seed) {
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return mix(h);
}

statsd_agg *statsd_agg_new(size_t max_metrics, size_t max_values) {
    statsd_agg *a = xcalloc(1, sizeof *a);
    a->max_metrics = max_metrics ? max_metrics : STATSD_MAX_METRICS;
    a->max_values = max_values ? max_values : STATSD_MAX_VALUES;
    a->nslots = 1024;
    a->slots = xcalloc(a->nslots, sizeof *a->slots);
    return a;
}

void statsd_agg_free(statsd_agg *a) {
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) {
        free(a->m[i].key);
        free(a->m[i].vals);
        free(a->m[i].mem);
    }
    free(a->m);
    free(a->slots);
    free(a);
}

size_t statsd_agg_metrics(const statsd_agg *a) { return a->n; }
uint64_t statsd_agg_events(const statsd_agg *a) { return a->events; }

static metric *find(statsd_agg *a, int kind, const char *key, size_t klen, uint64_t h, size_t *slot) {
    size_t mask = a->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        if (!a->slots[i]) {
            *slot = i;
            return NULL;
        }
        metric *m = &a->m[a->slots[i] - 1];
        if (m->hash == h && m->kind == kind && m->klen == klen && !memcmp(m->key, key, klen)) return m;
    }
}

static void grow_index(statsd_agg *a) {
    size_t n = a->nslots * 2, mask = n - 1;
    uint32_t *s = xcalloc(n, sizeof *s);
    for (size_t k = 0; k < a->n; k++) {
        size_t i = a->m[k].hash & mask;
        while (s[i]) i = (i + 1) & mask;
        s[i] = (uint32_t)k + 1;
    }
    free(a->slots);
    a->slots = s;
    a->nslots = n;
}

static metric *add_metric(statsd_agg *a, int kind, const char *key, size_t klen, uint64_t h, size_t slot) {
    XGROW(a->m, a->n, a->cap, 256);
    metric *m = &a->m[a->n++];
    memset(m, 0, sizeof *m);
    m->key = xstrndup(key, klen);
    m->klen = (uint32_t)klen;
    m->kind = (uint8_t)kind;
    m->hash = h;
    a->slots[slot] = (uint32_t)a->n;
    if (a->n * 2 > a->nslots) grow_index(a);
    return &a->m[a->n - 1];
}

/* Returns 1 if the member was new. */
static int set_insert(metric *m, uint64_t h) {
    if ((m->nm + 1) * 2 > m->mcap) {
        uint32_t n = m->mcap ? m->mcap * 2 : 16;
        uint64_t *t = xcalloc(n, sizeof *t);
        for (uint32_t i = 0; i < m->mcap; i++) {
            if (!m->mem[i]) continue;
            uint32_t j = (uint32_t)m->mem[i] & (n - 1);
            while (t[j]) j = (j + 1) & (n - 1);
            t[j] = m->mem[i];
        }
        free(m->mem);
        m->mem = t;
        m->mcap = n;
    }
    uint32_t j = (uint32_t)h & (m->mcap - 1);
    for (; m->mem[j]; j = (j + 1) & (m->mcap - 1))
        if (m->mem[j] == h) return 0;
    m->mem[j] = h;
    m->nm++;
    return 1;
}

static int set_has(const metric *m, uint64_t h) {
    if (!m || !m->mcap) return 0;
    for (uint32_t j = (uint32_t)h & (m->mcap - 1); m->mem[j]; j = (j + 1) & (m->mcap - 1))
        if (m->mem[j] == h) return 1;
    return 0;
}

static void timer_push(metric *m, double v, double rate) {
    XGROW(m->vals, m->nv, m->vcap, 16);
    m->vals[m->nv++] = v;
    m->tcount += 1 / rate;
}

const char *statsd_agg_add(statsd_agg *a, const statsd_event *ev) {
    if (ev->klen > STATSD_KEY_MAX || ev->kind < SD_COUNTER || ev->kind > SD_SET) return "bad event";
    uint64_t h = hash_bytes(ev->key, ev->klen, (uint64_t)ev->kind);
    uint64_t mh = 0;
    size_t slot = 0;
    metric *m = find(a, ev->kind, ev->key, ev->klen, h, &slot);
    if (ev->kind == SD_SET) {
        mh = hash_bytes(ev->member, ev->mlen, 0);
        mh += !mh; /* 0 marks an empty slot */
    }
    int adds_value = ev->kind == SD_TIMER || (ev->kind == SD_SET && !set_has(m, mh));
    if (adds_value && a->held >= a->max_values) {
        snprintf(a->msg, sizeof a->msg, "more than %zu timer values and set members in one flush interval",
                 a->max_values);
        return a->msg;
    }
    if (!m) {
        if (a->n >= a->max_metrics) {
            snprintf(a->msg, sizeof a->msg, "more than %zu distinct StatsD metrics", a->max_metrics);
            return a->msg;
        }
        m = add_metric(a, ev->kind, ev->key, ev->klen, h, slot);
    }
    a->events++;
    switch (ev->kind) {
    case SD_COUNTER: m->v += ev->value * (1 / ev->rate); break;
    case SD_GAUGE: m->v = ev->delta ? m->v + ev->value : ev->value; break;
    case SD_TIMER: timer_push(m, ev->value, ev->rate); break;
    default: set_insert(m, mh); break;
    }
    a->held += (size_t)adds_value;
    return NULL;
}

const char *statsd_agg_event(void *ctx, const statsd_event *ev) { return statsd_agg_add(ctx, ev); }

/* ---- flush ---- */

typedef struct {
    tm_batch *b;
    int64_t ts;
    const metric *m;
    const char *prefix;
} out;

/* prefix + name + suffix + ";tags" */
static void emit(const out *o, const char *suffix, double v) {
    char key[TM_KEY_MAX + 1];
    const char *k = o->m->key, *semi = memchr(k, ';', o->m->klen);
    size_t nlen = semi ? (size_t)(semi - k) : o->m->klen;
    size_t pl = strlen(o->prefix), sl = strlen(suffix), tl = o->m->klen - nlen;
    if (pl + nlen + sl + tl > TM_KEY_MAX) return; /* statsd_agg_add bounds keys well below */
    if (!isfinite(v)) return; /* a sum past 1.8e308: no number to write */
    memcpy(key, o->prefix, pl);
    memcpy(key + pl, k, nlen);
    memcpy(key + pl + nlen, suffix, sl);
    memcpy(key + pl + nlen + sl, k + nlen, tl);
    batch_add_number(o->b, key, pl + nlen + sl + tl, o->ts, v);
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void flush_timer(const out *o, metric *m, double secs) {
    size_t n = m->nv;
    if (!n) {
        emit(o, ".count", 0);
        emit(o, ".count_ps", 0);
        return;
    }
    double *v = m->vals;
    qsort(v, n, sizeof *v, cmp_double);
    size_t n90 = n > 1 ? (size_t)floor(90.0 / 100 * (double)n + 0.5) : n;
    double sum = v[0], sq = v[0] * v[0], sum90 = sum, sq90 = sq;
    for (size_t i = 1; i < n; i++) {
        sum = v[i] + sum;
        sq = v[i] * v[i] + sq;
        if (i == n90 - 1) sum90 = sum, sq90 = sq;
    }
    double mean = sum / (double)n, diffs = 0;
    for (size_t i = 0; i < n; i++) diffs += (v[i] - mean) * (v[i] - mean);
    if (n90) {
        emit(o, ".count_90", (double)n90);
        emit(o, ".mean_90", n > 1 ? sum90 / (double)n90 : v[0]);
        emit(o, ".upper_90", v[n90 - 1]);
        emit(o, ".sum_90", sum90);
        emit(o, ".sum_squares_90", sq90);
    }
    emit(o, ".std", sqrt(diffs / (double)n));
    emit(o, ".upper", v[n - 1]);
    emit(o, ".lower", v[0]);
    emit(o, ".count", m->tcount);
    emit(o, ".count_ps", m->tcount / secs);
    emit(o, ".sum", sum);
    emit(o, ".sum_squares", sq);
    emit(o, ".mean", mean);
    emit(o, ".median", n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

/* Storage a burst needed is given back once the load falls, so one spike
 * does not pin its memory for the life of the server. */
static void reset_values(metric *m) {
    if (m->vcap > 1024 && m->nv < m->vcap / 4) {
        free(m->vals);
        m->vals = NULL;
        m->vcap = 0;
    }
    m->nv = 0;
    m->tcount = 0;
    if (m->mcap > 1024 && m->nm < m->mcap / 8) {
        free(m->mem);
        m->mem = NULL;
        m->mcap = 0;
    } else if (m->mcap) {
        memset(m->mem, 0, m->mcap * sizeof *m->mem);
    }
    m->nm = 0;
}

size_t statsd_agg_flush(statsd_agg *a, int64_t ts, int64_t interval_ms, tm_batch *b) {
    size_t before = b->n;
    double secs = (double)(interval_ms > 0 ? interval_ms : 1000) / 1000;
    b->line = 0;
    for (size_t i = 0; i < a->n; i++) {
        metric *m = &a->m[i];
        static const char *const prefix[] = {"stats.counters.", "stats.gauges.", "stats.timers.", "stats.sets."};
        out o = {b, ts, m, prefix[m->kind]};
        switch (m->kind) {
        case SD_COUNTER:
            emit(&o, ".count", m->v);
            emit(&o, ".rate", m->v / secs);
            m->v = 0;
            break;
        case SD_GAUGE: emit(&o, "", m->v); break;
        case SD_TIMER: flush_timer(&o, m, secs); break;
        default: emit(&o, ".count", (double)m->nm); break;
        }
        reset_values(m);
    }
    a->held = 0;
    a->events = 0;
    return b->n - before;
}
