/* graphite_tags.c — graphite-web's tag API (the routes Grafana's tag
 * editor calls) and /events/get_data from string series. Every series is
 * in the tag database, tagged or not, with its name as the tag "name", as
 * carbon registers each series it creates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../query/fetch.h"
#include "../query/graphite.h"
#include "../query/matcher.h"
#include "../util/jsonw.h"
#include "defer.h"
#include "graphite_api.h"

#define AUTOCOMPLETE_LIMIT 100

typedef struct {
    char **ex; /* expr (or expr[]) values */
    size_t nex;
    char *tag, *prefix, *filter, *jsonp;
    long limit;
    int64_t from, until;
} tag_job;

static void tag_free(void *arg) {
    tag_job *j = arg;
    for (size_t i = 0; i < j->nex; i++) free(j->ex[i]);
    free(j->ex);
    free(j->tag);
    free(j->prefix);
    free(j->filter);
    free(j->jsonp);
    free(j);
}

static tag_job *tag_job_new(tm_req *r, const char *tag) {
    tag_job *j = xcalloc(1, sizeof *j);
    struct evkeyval *kv;
    size_t cap = 0;
    TAILQ_FOREACH(kv, &r->params, next) {
        if (strcmp(kv->key, "expr") && strcmp(kv->key, "expr[]")) continue;
        if (j->nex == cap) j->ex = xrealloc(j->ex, (cap = cap ? cap * 2 : 4) * sizeof *j->ex);
        j->ex[j->nex++] = xstrndup(kv->value, strlen(kv->value));
    }
    j->tag = tag ? xstrndup(tag, strlen(tag)) : NULL;
    j->prefix = param_dup(r, req_param(r, "tagPrefix") ? "tagPrefix" : "valuePrefix");
    j->filter = param_dup(r, "filter");
    j->jsonp = param_dup(r, "jsonp");
    const char *l = req_param(r, "limit");
    j->limit = l && *l ? atol(l) : 0;
    return j;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* a filter is a regex anchored at the start (graphite adds '^(' ... ')') */
static int filter_ok(const char *filter, const char *v) {
    if (!filter || !*filter) return 1;
    tm_matcher m;
    char err[200];
    if (matcher_init(&m, "f", 1, MT_RE, filter, strlen(filter), 0, err, sizeof err)) return 0;
    int ok = matcher_test(&m, v, strlen(v));
    matcher_free(&m);
    return ok;
}

static void put_strings(tm_buf *b, char **v, size_t n) {
    buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(b, ',');
        json_put_string(b, v[i], strlen(v[i]));
    }
    buf_putc(b, ']');
}

static const char *ix_tag(const char *t) { return !strcmp(t, "name") ? "__name__" : t; }

/* graphite's tag database holds number series only: a key or value counts
 * when one of its series is a number */
static int has_number(tm_index *ix, const char *key, const char *value) {
    tm_ids ids = {0};
    if (value) index_postings_eq(ix, key, strlen(key), value, strlen(value), &ids);
    else index_postings(ix, key, strlen(key), NULL, NULL, &ids);
    int any = 0;
    for (size_t i = 0; i < ids.n && !any; i++) any = index_type(ix, ids.v[i]) == TM_NUMBER;
    ids_free(&ids);
    return any;
}

/* values of a tag, sorted, of number series only */
static size_t tag_values(tm_index *ix, const char *tag, char ***out) {
    char **v;
    size_t n = index_tag_values(ix, ix_tag(tag), &v), k = 0;
    for (size_t i = 0; i < n; i++)
        if (has_number(ix, ix_tag(tag), v[i])) v[k++] = v[i];
        else free(v[i]);
    *out = v;
    return k;
}

/* every tag key, "name" among them when any number series exists */
static size_t all_tags(tm_index *ix, char ***out) {
    char **k;
    size_t n = index_tag_keys(ix, &k), m = 0;
    for (size_t i = 0; i < n; i++)
        if (has_number(ix, k[i], NULL)) k[m++] = k[i];
        else free(k[i]);
    k = xrealloc(k, (m + 1) * sizeof *k);
    if (has_number(ix, "__name__", NULL)) k[m++] = xstrndup("name", 4);
    qsort(k, m, sizeof *k, cmp_str);
    *out = k;
    return m;
}

/* GET /tags/<tag>: {"tag", "values": [{"value","count"}]} */
static void work_tag(tm_query *q, void *arg, tm_reply *out) {
    tag_job *j = arg;
    char **v;
    size_t n = tag_values(q->ix, j->tag, &v);
    if (!n) {
        out->code = 404;
        buf_printf(&out->body, "{\"error\":\"Tag not found\"}");
        strs_free(v, n);
        return;
    }
    tm_buf *b = &out->body;
    buf_put(b, "{\"tag\":", 7);
    json_put_string(b, j->tag, strlen(j->tag));
    buf_put(b, ",\"values\":[", 11);
    for (size_t i = 0, w = 0; i < n && (!j->limit || (long)w < j->limit); i++) {
        if (!filter_ok(j->filter, v[i])) continue;
        tm_ids ids = {0};
        index_postings_eq(q->ix, ix_tag(j->tag), strlen(ix_tag(j->tag)), v[i], strlen(v[i]), &ids);
        buf_put(b, w ? ",{\"value\":" : "{\"value\":", w ? 10 : 9);
        w++;
        json_put_string(b, v[i], strlen(v[i]));
        size_t cnt = 0;
        for (size_t k = 0; k < ids.n; k++) cnt += index_type(q->ix, ids.v[k]) == TM_NUMBER;
        buf_printf(b, ",\"count\":%zu}", cnt);
        ids_free(&ids);
    }
    buf_put(b, "]}", 2);
    strs_free(v, n);
}

static void route_tag(tm_req *r, void *arg) {
    if (!r->rest || !*r->rest) {
        http_error(r, 404, "not found", 0);
        return;
    }
    api_defer(arg, r, work_tag, tag_job_new(r, r->rest), tag_free);
}

/* the sorted names (keys) of the series matching j's expressions */
static int found_keys(tm_query *q, char **ex, size_t nex, char ***keys, size_t *n) {
    tm_ids ids = {0};
    char err[256];
    if (gtag_select(q->ix, ex, nex, &ids, err, sizeof err)) return query_fail(q, 400, "%s", err);
    char **v = xmalloc((ids.n ? ids.n : 1) * sizeof *v);
    for (size_t i = 0; i < ids.n; i++) {
        size_t kl;
        const char *k = index_key(q->ix, ids.v[i], &kl);
        v[i] = xstrndup(k ? k : "", kl);
    }
    qsort(v, ids.n, sizeof *v, cmp_str);
    *keys = v;
    *n = ids.n;
    ids_free(&ids);
    return 0;
}

static void work_find_series(tm_query *q, void *arg, tm_reply *out) {
    tag_job *j = arg;
    char **keys;
    size_t n;
    if (found_keys(q, j->ex, j->nex, &keys, &n)) return;
    for (size_t i = 0; i < n; i++) { /* shown with values as sent */
        char shown[TM_KEY_MAX];
        size_t sn = key_display(keys[i], strlen(keys[i]), shown);
        free(keys[i]);
        keys[i] = xstrndup(shown, sn);
    }
    put_strings(&out->body, keys, n);
    strs_free(keys, n);
}

static void route_find_series(tm_req *r, void *arg) {
    tag_job *j = tag_job_new(r, NULL);
    if (!j->nex) {
        tag_free(j);
        http_error(r, 400, "no tag expressions specified", 0);
        return;
    }
    api_defer(arg, r, work_find_series, j, tag_free);
}

/* insert v into the sorted unique run res (at most limit) */
static void add_sorted(char ***res, size_t *n, size_t limit, const char *v, size_t vl) {
    size_t lo = 0, hi = *n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp((*res)[mid], v, vl);
        if (!c && (*res)[mid][vl]) c = 1;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    if (lo < *n && strlen((*res)[lo]) == vl && !strncmp((*res)[lo], v, vl)) return;
    if (lo >= limit) return;
    *res = xrealloc(*res, (*n + 1) * sizeof **res);
    memmove(*res + lo + 1, *res + lo, (*n - lo) * sizeof **res);
    (*res)[lo] = xstrndup(v, vl);
    if (++*n > limit) free((*res)[--*n]);
}

static int prefixed(const char *pre, const char *v, size_t vl) {
    return !pre || !*pre || (strlen(pre) <= vl && !strncmp(v, pre, strlen(pre)));
}

static void work_auto_tags(tm_query *q, void *arg, tm_reply *out) {
    tag_job *j = arg;
    size_t limit = j->limit > 0 ? (size_t)j->limit : AUTOCOMPLETE_LIMIT, n = 0;
    char **res = NULL;
    if (!j->nex) {
        char **t;
        size_t nt = all_tags(q->ix, &t);
        for (size_t i = 0; i < nt; i++)
            if (prefixed(j->prefix, t[i], strlen(t[i]))) add_sorted(&res, &n, limit, t[i], strlen(t[i]));
        strs_free(t, nt);
    } else {
        char **keys;
        size_t nk;
        if (found_keys(q, j->ex, j->nex, &keys, &nk)) return;
        for (size_t i = 0; i < nk; i++) {
            tm_tag tags[64];
            size_t nlen, nt = key_split(keys[i], strlen(keys[i]), &nlen, tags, 64);
            tm_tag all[65] = {{"name", 4, keys[i], nlen}};
            memcpy(all + 1, tags, nt * sizeof *tags);
            for (size_t k = 0; k <= nt; k++) {
                int searched = 0;
                for (size_t e = 0; e < j->nex && !searched; e++) {
                    const char *op = strpbrk(j->ex[e], "!=");
                    searched = op && (size_t)(op - j->ex[e]) == all[k].klen && !strncmp(j->ex[e], all[k].k, all[k].klen);
                }
                if (!searched && prefixed(j->prefix, all[k].k, all[k].klen))
                    add_sorted(&res, &n, limit, all[k].k, all[k].klen);
            }
        }
        strs_free(keys, nk);
    }
    put_strings(&out->body, res, n);
    strs_free(res, n);
}

static void work_auto_values(tm_query *q, void *arg, tm_reply *out) {
    tag_job *j = arg;
    size_t limit = j->limit > 0 ? (size_t)j->limit : AUTOCOMPLETE_LIMIT, n = 0;
    char **res = NULL;
    if (!j->nex) {
        char **v;
        size_t nv = tag_values(q->ix, j->tag, &v);
        for (size_t i = 0; i < nv; i++)
            if (prefixed(j->prefix, v[i], strlen(v[i]))) add_sorted(&res, &n, limit, v[i], strlen(v[i]));
        strs_free(v, nv);
    } else {
        char **ex = xmalloc((j->nex + 1) * sizeof *ex), *has = NULL;
        memcpy(ex, j->ex, j->nex * sizeof *ex);
        if (asprintf(&has, "%s!=", j->tag) < 0) has = NULL;
        ex[j->nex] = has;
        char **keys;
        size_t nk;
        int rc = has ? found_keys(q, ex, j->nex + 1, &keys, &nk) : -1;
        free(has);
        free(ex);
        if (rc) return;
        for (size_t i = 0; i < nk; i++) {
            tm_tag tags[64];
            size_t nlen, nt = key_split(keys[i], strlen(keys[i]), &nlen, tags, 64);
            if (!strcmp(j->tag, "name")) {
                if (prefixed(j->prefix, keys[i], nlen)) add_sorted(&res, &n, limit, keys[i], nlen);
                continue;
            }
            for (size_t k = 0; k < nt; k++) {
                if (tags[k].klen != strlen(j->tag) || strncmp(tags[k].k, j->tag, tags[k].klen)) continue;
                char v[TM_KEY_MAX];
                size_t vn = tag_value(tags[k].v, tags[k].vlen, v); /* as sent */
                if (prefixed(j->prefix, v, vn)) add_sorted(&res, &n, limit, v, vn);
            }
        }
        strs_free(keys, nk);
    }
    put_strings(&out->body, res, n);
    strs_free(res, n);
}

static void route_auto_tags(tm_req *r, void *arg) { api_defer(arg, r, work_auto_tags, tag_job_new(r, NULL), tag_free); }

static void route_auto_values(tm_req *r, void *arg) {
    const char *tag = req_param(r, "tag");
    if (!tag || !*tag) {
        http_error(r, 400, "no tag specified", 0);
        return;
    }
    api_defer(arg, r, work_auto_values, tag_job_new(r, tag), tag_free);
}

/* /events/get_data: each sample of a string series is an event {"id",
 * "when", "what" (the string), "tags" (the series name and its tag values),
 * "data"}, oldest first; tags= (space-separated) keeps the events carrying
 * every one of them */
typedef struct {
    int64_t ts;
    size_t i, k;
} event_ref;

static int cmp_event(const void *x, const void *y) {
    const event_ref *a = x, *b = y;
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    return a->i != b->i ? (a->i < b->i ? -1 : 1) : (a->k < b->k ? -1 : a->k > b->k);
}

static int has_tags(const char *want, const char *key, size_t nlen, const tm_tag *tags, size_t nt) {
    for (const char *t = want, *e; t && *t; t = e) {
        while (*t == ' ') t++;
        e = t + strcspn(t, " ");
        size_t tl = (size_t)(e - t);
        if (!tl) break;
        int hit = tl == nlen && !strncmp(t, key, nlen);
        for (size_t k = 0; k < nt && !hit; k++) {
            char v[TM_KEY_MAX];
            hit = tag_value(tags[k].v, tags[k].vlen, v) == tl && !strncmp(v, t, tl); /* as sent */
        }
        if (!hit) return 0;
    }
    return 1;
}

static void work_events(tm_query *q, void *arg, tm_reply *out) {
    tag_job *j = arg;
    size_t n = index_size(q->ix), ne = 0;
    tm_ids ids = {0};
    for (uint32_t id = 1; id <= n; id++)
        if (index_type(q->ix, id) == TM_STRING) ids_push(&ids, id);
    tm_cols *per = xcalloc(ids.n ? ids.n : 1, sizeof *per);
    event_ref *ev = NULL;
    if (!fetch_cols(q, &ids, j->from * 1000, j->until * 1000, per)) {
        for (size_t i = 0; i < ids.n; i++) {
            size_t kl, nlen;
            const char *key = index_key(q->ix, ids.v[i], &kl);
            tm_tag tags[64];
            size_t nt = key_split(key, kl, &nlen, tags, 64);
            if (!has_tags(j->tag, key, nlen, tags, nt)) continue;
            ev = xrealloc(ev, (ne + per[i].n + 1) * sizeof *ev);
            for (size_t k = 0; k < per[i].n; k++) ev[ne++] = (event_ref){per[i].ts[k], i, k};
        }
    }
    if (ne > 1) qsort(ev, ne, sizeof *ev, cmp_event);
    tm_buf *b = &out->body;
    if (j->jsonp) buf_printf(b, "%s(", j->jsonp), out->ctype = "text/javascript";
    buf_putc(b, '[');
    for (size_t e = 0; e < ne; e++) {
        size_t kl, nlen;
        const char *key = index_key(q->ix, ids.v[ev[e].i], &kl);
        tm_tag tags[64];
        size_t nt = key_split(key, kl, &nlen, tags, 64);
        buf_printf(b, "%s{\"id\":%zu,\"when\":", e ? "," : "", e + 1);
        json_put_time(b, ev[e].ts);
        buf_put(b, ",\"what\":", 8);
        const char *s = per[ev[e].i].str[ev[e].k] ? per[ev[e].i].str[ev[e].k] : "";
        json_put_string(b, s, strlen(s));
        buf_put(b, ",\"tags\":[", 9);
        json_put_string(b, key, nlen);
        for (size_t t = 0; t < nt; t++) {
            buf_putc(b, ',');
            char v[TM_KEY_MAX];
            json_put_string(b, v, tag_value(tags[t].v, tags[t].vlen, v)); /* as sent */
        }
        buf_put(b, "],\"data\":\"\"}", 12);
    }
    buf_putc(b, ']');
    if (j->jsonp) buf_putc(b, ')');
    free(ev);
    for (size_t i = 0; i < ids.n; i++) cols_free(&per[i]);
    free(per);
    ids_free(&ids);
}

static void route_events(tm_req *r, void *arg) {
    tag_job *j = tag_job_new(r, req_param(r, "tags"));
    int64_t now;
    if (graphite_times(r, NULL, &j->from, &j->until, &now)) {
        tag_free(j);
        return;
    }
    if (!req_param(r, "from")) j->from = 0; /* events: from the beginning unless told */
    api_defer(arg, r, work_events, j, tag_free);
}

void routes_graphite_tags(tm_http *h, tm_api *api) {
    http_route(h, M_GET | M_POST, "/tags/findSeries", 0, R_READ, route_find_series, api);
    http_route(h, M_GET | M_POST, "/tags/autoComplete/tags", 0, R_READ, route_auto_tags, api);
    http_route(h, M_GET | M_POST, "/tags/autoComplete/values", 0, R_READ, route_auto_values, api);
    http_route(h, M_GET, "/tags/", 1, R_READ, route_tag, api);
    http_route(h, M_GET | M_POST, "/events/get_data", 0, R_READ, route_events, api);
}
