/* gutil.c — what the Graphite function families share: graphite-web's
 * normalize (LCM step), valuesPerPoint consolidation, names and nodes. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/batch.h"
#include "../util/buf.h"
#include "graphite.h"
#include "strmap.h"

static const char *TYPE_NAMES[GT_N] = {"seriesList", "float", "integer", "string", "boolean", "node", "nodeOrTag",
                                       "tag", "aggFunc", "interval", "intOrInterval", "any", "aggOrSeriesFunc",
                                       "intOrInf"};
const char *gtype_name(int type) { return type >= 0 && type < GT_N ? TYPE_NAMES[type] : "any"; }

static const gfunc *const FAMILIES[] = {GF_COMBINE, GF_TRANSFORM, GF_CALC, GF_FILTER, GF_ALIAS, GF_SPECIAL};

const gfunc *gfunc_at(size_t i) {
    for (size_t f = 0; f < sizeof FAMILIES / sizeof *FAMILIES; f++) {
        size_t k = 0;
        while (FAMILIES[f][k].name) k++;
        if (i < k) return &FAMILIES[f][i];
        i -= k;
    }
    return NULL;
}

const gfunc *gfunc_find(const char *name) {
    const gfunc *f;
    for (size_t i = 0; (f = gfunc_at(i)); i++)
        if (!strcmp(f->name, name)) return f;
    return NULL;
}

static int64_t gcd64(int64_t a, int64_t b) { return b ? gcd64(b, a % b) : a; }

/* one consolidated value of run v[0..k) by the series' function and xff */
static double cons_value(const tm_gser *s, const double *v, size_t k, size_t vpp) {
    size_t nn = 0;
    double acc = 0, first = NAN, last = NAN, mn = INFINITY, mx = -INFINITY;
    for (size_t i = 0; i < k; i++) {
        if (isnan(v[i])) continue;
        if (!nn) first = v[i];
        last = v[i];
        acc += v[i];
        if (v[i] < mn) mn = v[i];
        if (v[i] > mx) mx = v[i];
        nn++;
    }
    if (!nn || (double)nn / (double)vpp < s->xff) return NAN;
    switch (s->cons) {
    case AGG_SUM: return acc;
    case AGG_MIN: return mn;
    case AGG_MAX: return mx;
    case AGG_FIRST: return first;
    case AGG_LAST: return last;
    case AGG_N: return acc / (double)k; /* avg_zero: gaps count as 0 */
    default: return acc / (double)nn;
    }
}

void gconsolidate(tm_gser *s, int vpp) {
    if (vpp <= 1) return;
    size_t m = (s->n + (size_t)vpp - 1) / (size_t)vpp;
    for (size_t i = 0; i < m; i++) {
        size_t k = s->n - i * (size_t)vpp < (size_t)vpp ? s->n - i * (size_t)vpp : (size_t)vpp;
        s->v[i] = cons_value(s, s->v + i * (size_t)vpp, k, (size_t)vpp);
    }
    s->n = m;
    s->step *= vpp;
}

void gnormalize(tm_gser **s, size_t n, int64_t *start, int64_t *end, int64_t *step) {
    int64_t st = s[0]->step, lo = s[0]->start, hi = s[0]->end;
    for (size_t i = 1; i < n; i++) {
        if (s[i]->step != st) st = st / gcd64(st, s[i]->step) * s[i]->step;
    }
    for (size_t i = 0; i < n; i++) {
        gconsolidate(s[i], (int)(st / s[i]->step));
        if (s[i]->start < lo) lo = s[i]->start;
        if (s[i]->end > hi) hi = s[i]->end;
    }
    hi -= (hi - lo) % st;
    *start = lo;
    *end = hi;
    *step = st;
}

double gvalue(const tm_gser *s, size_t i) { return i < s->n ? s->v[i] : NAN; }
size_t glen(const tm_gser *s) { return s->n; }

static const char *path_of(const tm_gser *g) { return g->path ? g->path : g->name; }

static void path_key(const void *owner, uint32_t val, uint32_t *scope, const char **p, size_t *n) {
    *scope = 0;
    *p = path_of(((tm_gser *const *)owner)[val]);
    *n = strlen(*p);
}

char *gpath_list(tm_gser *const *s, size_t n) {
    tm_buf b = {0};
    tm_strmap seen; /* each path once, in first-seen order: a set, not a scan per series */
    strmap_init(&seen, path_key, s);
    for (size_t i = 0; i < n; i++) {
        const char *p = path_of(s[i]);
        size_t len = strlen(p);
        if (strmap_get(&seen, 0, p, len) != UINT32_MAX) continue;
        strmap_put(&seen, 0, p, len, (uint32_t)i);
        if (b.n) buf_putc(&b, ',');
        buf_put(&b, p, len);
    }
    strmap_free(&seen);
    buf_putc(&b, 0);
    return (char *)b.p;
}

void gset_name(tm_gser *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0) p = NULL;
    va_end(ap);
    if (!p) return;
    free(s->name);
    s->name = p;
}

char *gfirst_path(const char *name) {
    /* _getFirstPathExpression: parse the name, follow first arguments to a path */
    char err[128];
    gnode *g = gparse(name, strlen(name), err, sizeof err), *at = g;
    while (at && at->kind == GN_CALL && at->nargs) at = at->args[0];
    char *p = at && at->kind == GN_PATH ? xstrndup(at->s, strlen(at->s)) : NULL;
    gnode_free(g);
    return p;
}

/* a series' tag, "" when absent; "name" is the name */
static char *tag_of(const tm_gser *s, const char *tag, size_t tl) {
    tm_tag t[64];
    const char *key = s->key && *s->key ? s->key : s->name;
    size_t nlen, nt = key_split(key, strlen(key), &nlen, t, 64);
    if (tl == 4 && !strncmp(tag, "name", 4)) return xstrndup(key, nlen);
    for (size_t i = 0; i < nt; i++)
        if (t[i].klen == tl && !strncmp(t[i].k, tag, tl)) {
            char v[TM_KEY_MAX];
            return xstrndup(v, tag_value(t[i].v, t[i].vlen, v)); /* as sent */
        }
    return xstrndup("", 0);
}

char *gnode_or_tag(const tm_gser *s, const garg *n) {
    if (n->type == GN_STR) return tag_of(s, n->str, strlen(n->str));
    char *first = s->name[0] && s->name[strlen(s->name) - 1] == ')' ? gfirst_path(s->name) : NULL;
    const char *name = first ? first : s->name;
    size_t len = strlen(name);
    const char *semi = memchr(name, ';', len);
    if (semi) len = (size_t)(semi - name);
    size_t nodes = 1;
    for (size_t i = 0; i < len; i++) nodes += name[i] == '.';
    long k = (long)n->num;
    if (k < 0) k += (long)nodes; /* Python's negative index */
    if (k < 0 || (size_t)k >= nodes) {
        char num[32];
        snprintf(num, sizeof num, "%ld", (long)n->num);
        free(first);
        return tag_of(s, num, strlen(num));
    }
    const char *p = name, *end = name + len;
    for (long i = 0; i < k; i++) p = (const char *)memchr(p, '.', (size_t)(end - p)) + 1;
    const char *q = memchr(p, '.', (size_t)(end - p));
    char *r = xstrndup(p, q ? (size_t)(q - p) : (size_t)(end - p));
    free(first);
    return r;
}

/* The common case without printf's exact arithmetic: v is m / 10^d for an
 * integer m of at most 15 digits and d <= 6 (21.5, 0.75, 4461). Doubles
 * tell every 15-digit decimal apart, so that decimal is the only one of 15
 * digits or fewer that reads back as v, hence the shortest, as repr prints
 * it; IEEE division rounds correctly, so m / 10^d == v proves it. */
static int short_decimal(double v, char *out, size_t n) {
    static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e15) || n < 40) return 0; /* repr's fixed notation, and room */
    for (int d = 0; d <= 6; d++) {
        double x = a * p10[d];
        if (x >= 1e15) return 0;
        long long m = llround(x);
        if ((double)m / p10[d] != a) continue;
        char dig[24];
        int nd = snprintf(dig, sizeof dig, "%lld", m), k = 0;
        if (v < 0) out[k++] = '-';
        if (nd <= d) { /* 0.0ddd */
            out[k++] = '0';
            out[k++] = '.';
            for (int z = nd; z < d; z++) out[k++] = '0';
            memcpy(out + k, dig, (size_t)nd);
            k += nd;
        } else {
            memcpy(out + k, dig, (size_t)(nd - d));
            k += nd - d;
            out[k++] = '.';
            if (d) memcpy(out + k, dig + nd - d, (size_t)d), k += d;
            else out[k++] = '0';
        }
        out[k] = 0;
        return 1;
    }
    return 0;
}

void gfmt_num(double v, int is_int, char *out, size_t n) {
    if (is_int && fabs(v) < 1e18) {
        snprintf(out, n, "%lld", (long long)v);
        return;
    }
    if (isnan(v)) {
        snprintf(out, n, "nan");
        return;
    }
    if (isinf(v)) {
        snprintf(out, n, v > 0 ? "inf" : "-inf");
        return;
    }
    if (short_decimal(v, out, n)) return;
    /* the shortest digits that read back the same: a double's 15-digit
     * rounding is exact whenever 15 digits or fewer suffice (normal numbers),
     * so try 15, 16, 17 and strip the zeros */
    char tmp[64];
    int p = fabs(v) < 2.2250738585072014e-308 ? 1 : 15; /* subnormals hold fewer digits: search them all */
    for (; p < 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
        if (strtod(tmp, NULL) == v) break;
    }
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
    char *e = strchr(tmp, 'e'), *z = e;
    while (z > tmp + 1 && z[-1] == '0') z--, p--;
    if (z > tmp && z[-1] == '.') z--;
    memmove(z, e, strlen(e) + 1); /* drop the mantissa's trailing zeros */
    int exp = atoi(strchr(tmp, 'e') + 1);
    if (exp < -4 || exp >= 16) {
        snprintf(out, n, "%s", tmp);
        return;
    }
    int dec = p - 1 - exp;
    snprintf(out, n, "%.*f", dec > 0 ? dec : 0, v);
    if (dec <= 0) snprintf(out + strlen(out), n - strlen(out), ".0");
}
