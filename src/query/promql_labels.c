/* promql_labels.c — PromQL functions that regroup or relabel series:
 * histogram_quantile (Prometheus' bucketQuantile over the le buckets of
 * each group, with its coalescing and monotonicity fix), label_replace and
 * label_join. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "matcher.h"
#include "promql_evint.h"
#include "../util/sort.h"

typedef struct {
    double ub, count;
} bucket;

static int by_ub(const void *a, const void *b) {
    double x = ((const bucket *)a)->ub, y = ((const bucket *)b)->ub;
    return x < y ? -1 : x > y;
}

static double bucket_quantile(double q, bucket *b, size_t n) {
    if (isnan(q)) return NAN;
    if (q < 0) return -INFINITY;
    if (q > 1) return INFINITY;
    if (!n) return NAN;
    sort_n(b, n, sizeof *b, by_ub);
    if (!isinf(b[n - 1].ub) || b[n - 1].ub < 0) return NAN;
    size_t w = 0; /* coalesce equal bounds */
    for (size_t i = 0; i < n; i++) {
        if (w && b[w - 1].ub == b[i].ub) b[w - 1].count += b[i].count;
        else b[w++] = b[i];
    }
    n = w;
    double max = -INFINITY; /* counts must not fall */
    for (size_t i = 0; i < n; i++) {
        if (b[i].count > max) max = b[i].count;
        else if (b[i].count < max) b[i].count = max;
    }
    if (n < 2) return NAN;
    double obs = b[n - 1].count;
    if (obs == 0) return NAN;
    double rank = q * obs;
    size_t k = 0;
    while (k < n - 1 && !(b[k].count >= rank)) k++;
    if (k == n - 1) return b[n - 2].ub;
    if (k == 0 && b[0].ub <= 0) return b[0].ub;
    double start = 0, end = b[k].ub, count = b[k].count;
    if (k > 0) {
        start = b[k - 1].ub;
        count -= b[k - 1].count;
        rank -= b[k - 1].count;
    }
    return start + (end - start) * (rank / count);
}

int pq_histogram_quantile(pq_ctx *c, const pq_node *e, pq_value *out) {
    static const char *const drop[] = {"__name__", "le"};
    pq_value qv, in;
    if (pq_eval_node(c, e->args[0], &qv) || pq_eval_node(c, e->args[1], &in)) return -1;
    pq_map groups = {0};
    size_t *grp = pq_new(c, (in.n + 1) * sizeof *grp);
    double *ub = pq_new(c, (in.n + 1) * sizeof *ub);
    *out = pq_vector();
    for (size_t k = 0; k < in.n; k++) {
        const char *le = pq_get(&in.s[k].ls, "le");
        char *end;
        grp[k] = (size_t)-1;
        if (!le || !*le) continue;
        ub[k] = strtod(le, &end);
        if (*end) continue;
        pq_lset ls = pq_drop(c, &in.s[k].ls, drop, 2, 0);
        int fresh;
        size_t *g = pq_map_get(c, &groups, pq_lset_key(c, &ls), &fresh);
        if (fresh) *g = out->n, pq_add_series(c, out, ls);
        grp[k] = *g;
    }
    bucket *b = pq_new(c, (in.n + 1) * sizeof *b);
    size_t *nb = pq_new(c, (out->n + 1) * sizeof *nb);
    bucket **per = pq_new(c, (out->n + 1) * sizeof *per);
    for (size_t i = 0; i < c->n; i++) {
        memset(nb, 0, out->n * sizeof *nb);
        size_t at = 0; /* each group's buckets contiguous: count them first */
        for (size_t k = 0; k < in.n; k++)
            if (grp[k] != (size_t)-1 && in.s[k].has[i]) nb[grp[k]]++;
        for (size_t g = 0; g < out->n; g++) per[g] = b + at, at += nb[g], nb[g] = 0;
        for (size_t k = 0; k < in.n; k++)
            if (grp[k] != (size_t)-1 && in.s[k].has[i]) per[grp[k]][nb[grp[k]]++] = (bucket){ub[k], in.s[k].v[i]};
        for (size_t g = 0; g < out->n; g++) {
            if (!nb[g]) continue;
            out->s[g].v[i] = bucket_quantile(qv.scalar[i], per[g], nb[g]);
            out->s[g].has[i] = 1;
        }
    }
    return 0;
}

static int label_name_ok(const char *s) {
    if (!*s || (*s >= '0' && *s <= '9')) return 0;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

/* Go's regexp.Expand: $1, ${1}, $name, ${name}, $$ */
static void expand(pq_ctx *c, const char *tmpl, const char *src, pcre2_match_data *md, const pcre2_code *re,
                   char *out, size_t cap) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    uint32_t groups = pcre2_get_ovector_count(md);
    size_t o = 0;
    (void)c;
    for (const char *p = tmpl; *p && o + 1 < cap;) {
        if (*p != '$') {
            out[o++] = *p++;
            continue;
        }
        p++;
        if (*p == '$') {
            out[o++] = *p++;
            continue;
        }
        int brace = *p == '{';
        const char *s = p + brace, *q = s;
        while (*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')) q++;
        if (q == s || (brace && *q != '}')) {
            out[o++] = '$';
            continue;
        }
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(q - s), s);
        p = q + brace;
        char *end;
        long n = strtol(name, &end, 10);
        if (*end) n = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
        if (n < 0 || (uint32_t)n >= groups || ov[2 * n] == PCRE2_UNSET) continue;
        for (size_t i = ov[2 * n]; i < ov[2 * n + 1] && o + 1 < cap; i++) out[o++] = src[i];
    }
    out[o] = 0;
}

static int unique_labels(pq_ctx *c, pq_value *v) {
    pq_map seen = {0};
    for (size_t k = 0; k < v->n; k++) {
        int fresh;
        pq_map_get(c, &seen, pq_lset_key(c, &v->s[k].ls), &fresh);
        if (!fresh) return pq_fail_q(c, 422, "vector cannot contain metrics with the same labelset");
    }
    return 0;
}

int pq_label_fn(pq_ctx *c, const pq_node *e, pq_value *out) {
    pq_value args[8];
    size_t na = e->nargs < 8 ? e->nargs : 8;
    for (size_t a = 0; a < na; a++)
        if (pq_eval_node(c, e->args[a], &args[a])) return -1;
    *out = args[0];
    const char *dst = args[1].str;
    char val[4096];
    if (e->fn->id == PQ_F_LABEL_JOIN) {
        if (!label_name_ok(dst)) return pq_fail_q(c, 422, "invalid destination label name in label_join(): %s", dst);
        for (size_t k = 0; k < out->n; k++) {
            size_t o = 0;
            val[0] = 0;
            for (size_t a = 3; a < na; a++) {
                const char *v = pq_get(&out->s[k].ls, args[a].str);
                o += (size_t)snprintf(val + o, o < sizeof val ? sizeof val - o : 0, "%s%s", a > 3 ? args[2].str : "",
                                      v ? v : "");
                if (o >= sizeof val) break;
            }
            out->s[k].ls = pq_set(c, &out->s[k].ls, dst, val);
        }
        return unique_labels(c, out);
    }
    char err[300];
    tm_matcher *m = pq_regex(c->ar, args[4].str, err, sizeof err); /* released with the arena */
    if (!m) return pq_fail_q(c, 422, "invalid regular expression in label_replace(): %s", args[4].str);
    if (!label_name_ok(dst)) return pq_fail_q(c, 422, "invalid destination label name in label_replace(): %s", dst);
    for (size_t k = 0; k < out->n; k++) {
        const char *src = pq_get(&out->s[k].ls, args[3].str);
        if (!src) src = "";
        if (pcre2_match(m->re, (PCRE2_SPTR)src, strlen(src), 0, 0, m->md, NULL) < 0) continue;
        expand(c, args[2].str, src, m->md, m->re, val, sizeof val);
        out->s[k].ls = pq_set(c, &out->s[k].ls, dst, val);
    }
    return unique_labels(c, out);
}
