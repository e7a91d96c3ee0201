/* window.c — per-second slots, running totals, and key tables. */
#include "window.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

/* A key (section, host, method) and its hits inside the window. */
typedef struct {
    char *key;
    uint32_t len, hash;
    uint64_t hits;
    int64_t sec;  /* the second its last touch was recorded in */
    uint32_t idx; /* where in that second's touch list */
} kentry;

typedef struct {
    kentry *e;
    size_t n, cap;   /* entries */
    uint32_t *slots; /* open addressing: entry index + 1, 0 empty */
    size_t nslots;
} ktable;

typedef struct {
    uint32_t table, entry, hits;
} touch;

typedef struct {
    int64_t sec; /* INT64_MIN: empty */
    uint64_t requests, bytes, status[ST_N], lat_n;
    double lat_sum;
    touch *t;
    size_t nt, cap;
} slot;

struct glance_win {
    int window_s;
    int64_t now_s;
    int nslots;         /* window_s complete seconds and the one being counted */
    slot *s;            /* nslots, second % nslots */
    uint32_t spark[WIN_SPARK];
    int64_t spark_sec[WIN_SPARK];
    ktable k[3];        /* sections, hosts, methods */
    uint64_t requests, bytes, status[ST_N], lat_n, total;
    double lat_sum;
};

static uint32_t hash(const char *p, size_t n) {
    uint32_t h = 2166136261u; /* FNV-1a: keys are short */
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static void kt_rehash(ktable *t, size_t nslots) {
    free(t->slots);
    t->slots = xcalloc(nslots, sizeof *t->slots);
    t->nslots = nslots;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = t->e[i].hash & (nslots - 1);
        while (t->slots[j]) j = (j + 1) & (nslots - 1);
        t->slots[j] = (uint32_t)i + 1;
    }
}

static uint32_t kt_get(ktable *t, const char *p, size_t n) {
    if (n > 95) n = 95; /* win_top's room */
    uint32_t h = hash(p, n);
    if (!t->nslots) kt_rehash(t, 64);
    size_t j = h & (t->nslots - 1);
    for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
        kentry *e = &t->e[t->slots[j] - 1];
        if (e->hash == h && e->len == n && !memcmp(e->key, p, n)) return t->slots[j] - 1;
    }
    XGROW(t->e, t->n, t->cap, 64);
    t->e[t->n] = (kentry){xstrndup(p, n), (uint32_t)n, h, 0, INT64_MIN, 0};
    t->slots[j] = (uint32_t)++t->n;
    if (t->n * 2 > t->nslots) kt_rehash(t, t->nslots * 2);
    return (uint32_t)t->n - 1;
}

/* Drop keys with no hits in the window (no slot's touches name them), and
 * renumber the touches of the ones kept. */
static void kt_compact(glance_win *w, int table);

glance_win *win_new(int window_s) {
    glance_win *w = xcalloc(1, sizeof *w);
    w->window_s = window_s < 1 ? 1 : window_s;
    w->nslots = w->window_s + 1;
    w->s = xcalloc((size_t)w->nslots, sizeof *w->s);
    for (int i = 0; i < w->nslots; i++) w->s[i].sec = INT64_MIN;
    for (int i = 0; i < WIN_SPARK; i++) w->spark_sec[i] = INT64_MIN;
    w->now_s = INT64_MIN;
    return w;
}

void win_free(glance_win *w) {
    if (!w) return;
    for (int i = 0; i < w->nslots; i++) free(w->s[i].t);
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < w->k[k].n; i++) free(w->k[k].e[i].key);
        free(w->k[k].e);
        free(w->k[k].slots);
    }
    free(w->s);
    free(w);
}

/* Take a slot's second out of the totals and empty it. */
static void slot_expire(glance_win *w, slot *s) {
    if (s->sec == INT64_MIN) return;
    w->requests -= s->requests;
    w->bytes -= s->bytes;
    for (int i = 0; i < ST_N; i++) w->status[i] -= s->status[i];
    w->lat_n -= s->lat_n;
    w->lat_sum -= s->lat_sum;
    for (size_t i = 0; i < s->nt; i++) w->k[s->t[i].table].e[s->t[i].entry].hits -= s->t[i].hits;
    free(s->t);
    memset(s, 0, sizeof *s);
    s->sec = INT64_MIN;
}

static void kt_compact(glance_win *w, int table) {
    ktable *t = &w->k[table];
    uint32_t *to = xmalloc(t->n * sizeof *to), n = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->e[i].hits) t->e[n] = t->e[i], to[i] = n++;
        else free(t->e[i].key);
    }
    for (int i = 0; i < w->nslots; i++)
        for (size_t j = 0; j < w->s[i].nt; j++)
            if (w->s[i].t[j].table == (uint32_t)table) w->s[i].t[j].entry = to[w->s[i].t[j].entry];
    free(to);
    t->n = n;
    kt_rehash(t, t->nslots);
}

static slot *slot_of(glance_win *w, int64_t sec) { return &w->s[((sec % w->nslots) + w->nslots) % w->nslots]; }

static void advance_s(glance_win *w, int64_t t) {
    if (w->now_s != INT64_MIN && t <= w->now_s) return;
    int64_t from = w->now_s == INT64_MIN || t - w->now_s > w->nslots ? t - w->nslots + 1 : w->now_s + 1;
    for (int64_t s = from; s <= t; s++) {
        slot *sl = slot_of(w, s);
        if (sl->sec != s) slot_expire(w, sl);
    }
    w->now_s = t;
    if (w->lat_n == 0) w->lat_sum = 0; /* no drift of float sums */
    for (int k = 0; k < 3; k++)
        if (w->k[k].n > 1024 && w->k[k].n > 4 * (size_t)(w->requests + 1)) kt_compact(w, k);
}

void win_advance(glance_win *w, int64_t t_ms) { advance_s(w, log_second(t_ms)); }
int64_t win_now_ms(const glance_win *w) { return w->now_s == INT64_MIN ? INT64_MIN : w->now_s * 1000; }

static void touch_key(glance_win *w, slot *s, int table, const char *p, size_t n) {
    if (!n) return;
    ktable *t = &w->k[table];
    uint32_t id = kt_get(t, p, n);
    kentry *e = &t->e[id];
    if (e->sec != s->sec || e->idx >= s->nt || s->t[e->idx].entry != id || s->t[e->idx].table != (uint32_t)table) {
        XGROW(s->t, s->nt, s->cap, 16);
        e->sec = s->sec;
        e->idx = (uint32_t)s->nt;
        s->t[s->nt++] = (touch){(uint32_t)table, id, 0};
    }
    s->t[e->idx].hits++;
    e->hits++;
}

void win_add(glance_win *w, const log_rec *r, int64_t ts_ms) {
    int64_t sec = log_second(ts_ms);
    w->total++;
    advance_s(w, sec);
    int64_t sp = ((sec % WIN_SPARK) + WIN_SPARK) % WIN_SPARK;
    if (sec > w->now_s - WIN_SPARK) {
        if (w->spark_sec[sp] != sec) w->spark_sec[sp] = sec, w->spark[sp] = 0;
        w->spark[sp]++;
    }
    if (sec < w->now_s - w->window_s) return; /* too old for the window */
    slot *s = slot_of(w, sec);
    if (s->sec != sec) slot_expire(w, s), s->sec = sec;
    uint64_t b = r->bytes > 0 ? (uint64_t)r->bytes : 0;
    int st = r->status >= 100 && r->status < 600 ? r->status / 100 - 1 : ST_OTHER;
    s->requests++, w->requests++;
    s->bytes += b, w->bytes += b;
    s->status[st]++, w->status[st]++;
    if (!isnan(r->latency_ms)) s->lat_n++, w->lat_n++, s->lat_sum += r->latency_ms, w->lat_sum += r->latency_ms;
    touch_key(w, s, 0, r->path, log_section(r->path, r->path_len));
    touch_key(w, s, 1, r->host, r->host_len);
    touch_key(w, s, 2, r->method, r->method_len);
}

static int by_hits(const void *a, const void *b) {
    const win_top *x = a, *y = b;
    if (x->hits != y->hits) return x->hits < y->hits ? 1 : -1;
    return strcmp(x->key, y->key);
}
static int by_key(const void *a, const void *b) { return strcmp(((const win_top *)a)->key, ((const win_top *)b)->key); }

/* The top n of a table: one pass keeping the best n, then sorted. */
static size_t top(const ktable *t, size_t n, int by_name, win_top *out) {
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        const kentry *e = &t->e[i];
        if (!e->hits) continue;
        win_top c;
        memcpy(c.key, e->key, e->len);
        c.key[e->len] = 0;
        c.hits = e->hits;
        if (k < n) {
            out[k++] = c;
            continue;
        }
        size_t worst = 0; /* n is small: a linear scan beats a heap here */
        for (size_t j = 1; j < k; j++)
            if ((by_name ? by_key : by_hits)(&out[j], &out[worst]) > 0) worst = j;
        if ((by_name ? by_key : by_hits)(&c, &out[worst]) < 0) out[worst] = c;
    }
    qsort(out, k, sizeof *out, by_name ? by_key : by_hits);
    return k;
}

/* Take the second being counted out of the key counts (sign -1) or put it back (+1). */
static void current_touches(glance_win *w, const slot *cur, int sign) {
    for (size_t i = 0; i < cur->nt; i++) {
        kentry *e = &w->k[cur->t[i].table].e[cur->t[i].entry];
        e->hits = sign < 0 ? e->hits - cur->t[i].hits : e->hits + cur->t[i].hits;
    }
}

void win_summarize(glance_win *w, size_t n, int by_name, win_summary *o) {
    memset(o, 0, sizeof *o);
    if (n > WIN_TOP_MAX) n = WIN_TOP_MAX;
    /* the window is its complete seconds: the one still being counted would read low */
    static const slot none = {INT64_MIN, 0, 0, {0}, 0, 0, NULL, 0, 0};
    const slot *cur = w->now_s == INT64_MIN || slot_of(w, w->now_s)->sec != w->now_s ? &none : slot_of(w, w->now_s);
    o->window_s = w->window_s;
    o->requests = w->requests - cur->requests;
    o->bytes = w->bytes - cur->bytes;
    o->total = w->total;
    for (int i = 0; i < ST_N; i++) o->status[i] = w->status[i] - cur->status[i];
    o->req_s = (double)o->requests / w->window_s;
    o->bytes_s = (double)o->bytes / w->window_s;
    uint64_t ln = w->lat_n - cur->lat_n;
    o->latency_ms = ln ? (w->lat_sum - cur->lat_sum) / (double)ln : NAN;
    current_touches(w, cur, -1);
    o->nsections = top(&w->k[0], n, by_name, o->sections);
    o->nhosts = top(&w->k[1], n, by_name, o->hosts);
    o->nmethods = top(&w->k[2], n, by_name, o->methods);
    current_touches(w, cur, +1);
    for (int i = 0; i < WIN_SPARK && w->now_s != INT64_MIN; i++) {
        int64_t sec = w->now_s - WIN_SPARK + i; /* complete seconds only, as above */
        int64_t sp = ((sec % WIN_SPARK) + WIN_SPARK) % WIN_SPARK;
        o->spark[i] = w->spark_sec[sp] == sec ? w->spark[sp] : 0;
    }
}
