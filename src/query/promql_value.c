/* promql_value.c — label sets, series and maps of the PromQL evaluator. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/batch.h"
#include "../util/buf.h"
#include "promql_evint.h"
#include "../util/sort.h"

int pq_fail_q(pq_ctx *c, int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (!query_failed(c->q)) vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return query_fail(c->q, code, "%s", c->err);
}

const char *pq_error(const pq_ctx *c) { return c && c->err[0] ? c->err : NULL; }

pq_value pq_vector(void) { return (pq_value){.type = PQ_T_VECTOR}; }

pq_value pq_scalar(pq_ctx *c, double x) {
    pq_value v = {.type = PQ_T_SCALAR};
    v.scalar = pq_new(c, c->n * sizeof(double) + 1);
    for (size_t i = 0; i < c->n; i++) v.scalar[i] = x;
    return v;
}

/* need points for one more series, counted against the bound PREPAY series
 * at a time while the bound has room for them, so that thousands of series
 * cost a few atomic adds and clock reads, not one each; where it has not,
 * one at a time, so the series themselves fail the query where they did
 * (a later fetch of the same query may find the bound reached by up to
 * PREPAY - 1 series' worth sooner). 0, or -1 with q failed. */
#define PREPAY 64
static int take_points(pq_ctx *c, size_t need) {
    if (c->prepaid >= need) {
        c->prepaid -= need;
        return 0;
    }
    size_t chunk = need * PREPAY, now = __atomic_load_n(&c->q->points, __ATOMIC_RELAXED);
    if (now + chunk > c->q->b.max_points) chunk = need;
    if (query_check_time(c->q) || query_add_points(c->q, chunk)) return -1;
    c->held += chunk;
    c->prepaid += chunk - need;
    return 0;
}

void pq_reserve(pq_ctx *c, pq_value *v, size_t n) {
    if (v->n + n <= v->cap) return;
    size_t cap = v->cap ? v->cap * 2 : 8;
    if (cap < v->n + n) cap = v->n + n;
    pq_series *w = pq_new(c, cap * sizeof *w);
    if (v->n) memcpy(w, v->s, v->n * sizeof *w);
    v->s = w;
    v->cap = cap;
}

pq_series *pq_add_samples(pq_ctx *c, pq_value *v, pq_lset ls) {
    pq_reserve(c, v, 1);
    pq_series *s = &v->s[v->n++];
    memset(s, 0, sizeof *s);
    s->ls = ls;
    return s;
}

pq_series *pq_add_series(pq_ctx *c, pq_value *v, pq_lset ls) {
    pq_series *s = pq_add_samples(c, v, ls);
    /* every series holds a value per step until the query ends: past the
     * engine's points bound the query fails, and the series it still builds
     * on its way out share one scratch grid */
    if (take_points(c, c->n + 1)) {
        if (!c->sink.v || c->sink.ns < c->n) { /* ns: its steps (a subquery's grid may be longer) */
            c->sink.v = pq_new(c, c->n * sizeof(double) + 1);
            c->sink.has = pq_new(c, c->n + 1);
            c->sink.ns = c->n;
        }
        s->v = c->sink.v;
        s->has = c->sink.has;
        return s;
    }
    s->v = pq_new(c, c->n * sizeof(double) + 1);
    s->has = pq_new(c, c->n + 1);
    return s;
}

const char *pq_get(const pq_lset *ls, const char *name) {
    for (size_t i = 0; i < ls->n; i++)
        if (!strcmp(ls->l[i].n, name)) return ls->l[i].v;
    return NULL;
}

static int listed(const char *n, const char *const *names, size_t k) {
    for (size_t i = 0; i < k; i++)
        if (!strcmp(names[i], n)) return 1;
    return 0;
}

pq_lset pq_drop(pq_ctx *c, const pq_lset *ls, const char *const *names, size_t n, int keep) {
    pq_lset o = {pq_new(c, (ls->n + 1) * sizeof(pq_lab)), 0};
    for (size_t i = 0; i < ls->n; i++)
        if (listed(ls->l[i].n, names, n) == keep) o.l[o.n++] = ls->l[i];
    return o;
}

pq_lset pq_drop_name(pq_ctx *c, const pq_lset *ls) {
    static const char *const name[] = {"__name__"};
    if (ls->n && !strcmp(ls->l[0].n, "__name__")) return (pq_lset){ls->l + 1, ls->n - 1}; /* the usual place */
    if (!pq_get(ls, "__name__")) return *ls;
    return pq_drop(c, ls, name, 1, 0);
}

pq_lset pq_set(pq_ctx *c, const pq_lset *ls, const char *name, const char *val) {
    pq_lset o = {pq_new(c, (ls->n + 1) * sizeof(pq_lab)), 0};
    int done = !*val;
    for (size_t i = 0; i < ls->n; i++) {
        int cmp = strcmp(ls->l[i].n, name);
        if (!done && cmp >= 0) {
            o.l[o.n++] = (pq_lab){pq_strdup(c->ar, name, strlen(name)), pq_strdup(c->ar, val, strlen(val))};
            done = 1;
        }
        if (cmp) o.l[o.n++] = ls->l[i];
    }
    if (!done) o.l[o.n++] = (pq_lab){pq_strdup(c->ar, name, strlen(name)), pq_strdup(c->ar, val, strlen(val))};
    return o;
}

int pq_lset_cmp(const pq_lset *a, const pq_lset *b) {
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        int k = strcmp(a->l[i].n, b->l[i].n);
        if (k) return k;
        if ((k = strcmp(a->l[i].v, b->l[i].v))) return k;
    }
    return a->n < b->n ? -1 : a->n > b->n;
}

static char *join(pq_ctx *c, const pq_lset *ls, const pq_labels *names, int on, int filter) {
    size_t len = 1;
    for (size_t i = 0; i < ls->n; i++) len += strlen(ls->l[i].n) + strlen(ls->l[i].v) + 2;
    char *k = pq_new(c, len), *p = k;
    for (size_t i = 0; i < ls->n; i++) {
        if (filter) {
            int in = listed(ls->l[i].n, names->v, names->n);
            if (on ? !in : (in || !strcmp(ls->l[i].n, "__name__"))) continue;
        }
        size_t a = strlen(ls->l[i].n), b = strlen(ls->l[i].v);
        memcpy(p, ls->l[i].n, a);
        p += a;
        *p++ = '\xff';
        memcpy(p, ls->l[i].v, b);
        p += b;
        *p++ = '\xfe';
    }
    *p = 0;
    return k;
}

char *pq_lset_key(pq_ctx *c, const pq_lset *ls) { return join(c, ls, NULL, 0, 0); }
char *pq_signature(pq_ctx *c, const pq_lset *ls, const pq_labels *names, int on) { return join(c, ls, names, on, 1); }

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

size_t *pq_map_get(pq_ctx *c, pq_map *m, const char *k, int *fresh) {
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        const char **nk = pq_new(c, cap * sizeof *nk);
        size_t *nv = pq_new(c, cap * sizeof *nv);
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->k[i]) continue;
            size_t j = hash(m->k[i]) & (cap - 1);
            while (nk[j]) j = (j + 1) & (cap - 1);
            nk[j] = m->k[i];
            nv[j] = m->v[i];
        }
        m->k = nk;
        m->v = nv;
        m->cap = cap;
    }
    size_t j = hash(k) & (m->cap - 1);
    while (m->k[j]) {
        if (!strcmp(m->k[j], k)) {
            *fresh = 0;
            return &m->v[j];
        }
        j = (j + 1) & (m->cap - 1);
    }
    m->k[j] = k;
    m->n++;
    *fresh = 1;
    return &m->v[j];
}

pq_lset pq_key_labels(pq_ctx *c, const char *key, size_t klen) {
    tm_tag t[128];
    size_t nlen, nt = key_split(key, klen, &nlen, t, 128);
    pq_lset o = {pq_new(c, (nt + 1) * sizeof(pq_lab)), 0};
    /* one copy of the key holds every string, each ended in place (on its
     * '=' or ';'), a value unescaped where it lies (never longer) */
    char *k = pq_strdup(c->ar, key, klen);
    if (nlen) k[nlen] = 0, o.l[o.n++] = (pq_lab){"__name__", k};
    for (size_t i = 0; i < nt; i++) {
        char *n = k + (t[i].k - key), *v = k + (t[i].v - key);
        n[t[i].klen] = 0;
        v[tag_value(t[i].v, t[i].vlen, v)] = 0;
        o.l[o.n++] = (pq_lab){n, v};
    }
    /* the tags come sorted: one insertion pass puts __name__ in its place */
    for (size_t i = 1; i < o.n; i++)
        for (size_t j = i; j > 0 && strcmp(o.l[j - 1].n, o.l[j].n) > 0; j--) {
            pq_lab x = o.l[j];
            o.l[j] = o.l[j - 1];
            o.l[j - 1] = x;
        }
    return o;
}

/* The shortest digits that read back as v, written without an exponent. */
void pq_format_float(double v, char *out, size_t cap) {
    if (isnan(v)) return (void)snprintf(out, cap, "NaN");
    if (isinf(v)) return (void)snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
    char e[40];
    /* 15 significant digits hold any shorter decimal exactly (DBL_DIG), zeros
     * trimmed below; only values that need 16 or 17 digits try again */
    for (int p = fabs(v) < DBL_MIN ? 1 : 15; p <= 17; p++) { /* subnormals hold fewer digits: search them all */
        snprintf(e, sizeof e, "%.*e", p - 1, v);
        if (strtod(e, NULL) == v) break;
    }
    /* e is d.ddde±XX: place the point */
    char digits[40];
    size_t nd = 0;
    const char *s = e;
    int neg = *s == '-';
    if (neg) s++;
    for (; *s && *s != 'e'; s++)
        if (*s != '.') digits[nd++] = *s;
    int ex = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    char buf[400];
    size_t o = 0;
    if (neg) buf[o++] = '-';
    if (ex < 0) {
        buf[o++] = '0';
        buf[o++] = '.';
        for (int i = 0; i < -ex - 1; i++) buf[o++] = '0';
        for (size_t i = 0; i < nd; i++) buf[o++] = digits[i];
    } else {
        for (int i = 0; i <= ex; i++) buf[o++] = (size_t)i < nd ? digits[i] : '0';
        if ((size_t)ex + 1 < nd) {
            buf[o++] = '.';
            for (size_t i = (size_t)ex + 1; i < nd; i++) buf[o++] = digits[i];
        }
    }
    buf[o] = 0;
    snprintf(out, cap, "%s", buf);
}

/* Below 2^42 ms (the year 2109) two times 0.001 s apart are more than an
 * ulp apart, so the shortest digits that read back are the decimal seconds
 * themselves, trailing zeros cut: no search over precisions. */
void pq_format_ms(int64_t ms, char *out, size_t cap) {
    if (ms <= -(INT64_C(1) << 42) || ms >= INT64_C(1) << 42) {
        pq_format_float((double)ms / 1000, out, cap);
        return;
    }
    uint64_t a = ms < 0 ? (uint64_t)-ms : (uint64_t)ms;
    int n = snprintf(out, cap, "%s%llu", ms < 0 ? "-" : "", (unsigned long long)(a / 1000));
    if (a % 1000 && n > 0 && (size_t)n + 5 <= cap) {
        n += snprintf(out + n, cap - (size_t)n, ".%03u", (unsigned)(a % 1000));
        while (out[n - 1] == '0') out[--n] = 0;
    }
}

void pq_format_go(double v, int verb, char *out, size_t cap) {
    if (isnan(v)) return (void)snprintf(out, cap, "NaN");
    if (isinf(v)) return (void)snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
    for (int p = verb == 'e' ? 0 : 1; p <= 17; p++) { /* the fewest digits that read back */
        if (verb == 'e') snprintf(out, cap, "%.*e", p, v);
        else snprintf(out, cap, "%.*g", p, v);
        if (strtod(out, NULL) == v) return;
    }
}

/* Prometheus' quantile: rank q*(n-1) between the sorted values, linear. */
static int dcmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x) || isnan(y)) return isnan(y) - isnan(x); /* NaN first, as Go's sort.Float64s */
    return x < y ? -1 : x > y;
}

double pq_quantile(double q, double *v, size_t n) {
    if (!n || isnan(q)) return NAN;
    if (q < 0) return -INFINITY;
    if (q > 1) return INFINITY;
    sort_n(v, n, sizeof *v, dcmp);
    double rank = q * (double)(n - 1);
    size_t lo = (size_t)floor(rank), hi = lo + 1 < n ? lo + 1 : lo;
    double w = rank - floor(rank);
    return v[lo] * (1 - w) + v[hi] * w;
}
