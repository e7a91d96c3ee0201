/* prom_meta.c — the Prometheus API's routes about series rather than
 * samples: /api/v1/series, /api/v1/labels, /api/v1/label/NAME/values (each
 * with match[] selectors, several allowed, and limit for values), plus
 * what Grafana asks before it queries: /api/v1/metadata (tidemark keeps no
 * metric metadata: empty), /api/v1/status/buildinfo (a 2.x version, so
 * Grafana uses the labels API), /api/v1/query_exemplars (none kept).
 *
 * With start or end, only series with a sample in [start, end] count, for
 * the label routes too (Prometheus answers those per block of its TSDB,
 * tidemark per series: never more than Prometheus, sometimes fewer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../query/fetch.h"
#include "../query/index.h"
#include "../query/promql_eval.h"
#include "../util/jsonw.h"
#include "defer.h"
#include "prom_api.h"

#define PUTS(b, s) buf_put(b, s, sizeof s - 1)
#define MAX_MATCH 32

typedef struct {
    pq_expr *ar[MAX_MATCH];
    pq_node *sel[MAX_MATCH];
    size_t n;
    char *label; /* label/NAME/values */
    size_t limit;
    int what; /* W_SERIES, W_LABELS, W_VALUES */
    int ranged;          /* start= or end= given: only series with samples in [start, end] */
    int64_t start, end;  /* ms */
} mjob;
enum { W_SERIES, W_LABELS, W_VALUES };

static void mjob_free(void *arg) {
    mjob *j = arg;
    for (size_t i = 0; i < j->n; i++) pq_free(j->ar[i]);
    free(j->label);
    free(j);
}

static void error_now(tm_req *r, const char *msg) {
    tm_reply o = {0};
    prom_error(&o, 400, "bad_data", msg);
    http_reply(r, 400, "application/json", o.body.p, o.body.n);
    buf_free(&o.body);
}

/* every match[] of the query string and form body, parsed as a selector */
static mjob *parse_matches(tm_req *r, int required) {
    mjob *j = xcalloc(1, sizeof *j);
    char err[512], msg[600];
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &r->params, next) {
        /* libevent decodes values, not keys: clients send match%5B%5D */
        if (strcmp(kv->key, "match[]") && strcasecmp(kv->key, "match%5B%5D")) continue;
        if (j->n == MAX_MATCH) {
            mjob_free(j);
            error_now(r, "too many match[] parameters (at most 32)");
            return NULL;
        }
        pq_node *e = pq_parse(kv->value, strlen(kv->value), &j->ar[j->n], err, sizeof err);
        if (e && (e->kind != PQ_SEL || e->range)) {
            pq_free(j->ar[j->n]);
            e = NULL;
            snprintf(err, sizeof err, "1:1: parse error: expected a vector selector");
        }
        if (!e) {
            snprintf(msg, sizeof msg, "invalid parameter \"match[]\": %s", err);
            mjob_free(j);
            error_now(r, msg);
            return NULL;
        }
        j->sel[j->n++] = e;
    }
    if (required && !j->n) {
        mjob_free(j);
        error_now(r, "no match[] parameter provided");
        return NULL;
    }
    if (!prom_time_param(r, "start", INT64_MIN, 1, &j->start) || !prom_time_param(r, "end", INT64_MAX, 1, &j->end)) {
        mjob_free(j);
        return NULL;
    }
    j->ranged = j->start != INT64_MIN || j->end != INT64_MAX;
    if (j->ranged && !j->n) { /* every series, each then checked for samples in the range */
        static const char all[] = "{__name__=~\".+\"}";
        j->sel[0] = pq_parse(all, sizeof all - 1, &j->ar[0], err, sizeof err);
        j->n = 1;
    }
    return j;
}

/* Does series id count for the request's start and end? */
static int in_range(tm_query *q, const mjob *j, uint32_t id) { return !j->ranged || fetch_any(q, id, j->start, j->end); }

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* v sorted here unless it comes sorted (the index's values do: sorting
 * 10000 names again was a fifth of the label values route) */
static void put_strings(tm_buf *b, char **v, size_t n, size_t limit, int sorted) {
    if (n > 1 && !sorted) qsort(v, n, sizeof *v, cmp_str);
    PUTS(b, "{\"status\":\"success\",\"data\":[");
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(v[i], v[i - 1])) continue;
        if (limit && w == limit) break;
        if (w++) buf_putc(b, ',');
        json_put_string(b, v[i], strlen(v[i]));
    }
    PUTS(b, "]}");
}

static void push(char ***v, size_t *n, size_t *cap, const char *s) {
    if (*n == *cap) *cap = *cap ? *cap * 2 : 64, *v = xrealloc(*v, *cap * sizeof **v);
    (*v)[(*n)++] = (char *)s;
}

/* the label sets of every series a match[] selects, each series once */
static void work_matches(tm_query *q, void *arg, tm_reply *out) {
    mjob *j = arg;
    pq_ctx *ctx[MAX_MATCH] = {0};
    char **strs = NULL;
    size_t ns = 0, cap = 0, first = 1;
    size_t nix = index_size(q->ix) + 1;
    unsigned char *seen = xcalloc(nix, 1); /* by id: each series once over all match[] */
    if (j->what == W_SERIES) PUTS(&out->body, "{\"status\":\"success\",\"data\":[");
    for (size_t m = 0; m < j->n && !query_failed(q); m++) {
        pq_lset *ls;
        uint32_t *ids;
        size_t n;
        if (pq_select(q, j->sel[m], &ctx[m], &ls, &ids, &n)) break;
        for (size_t i = 0; i < n; i++) {
            if ((ids[i] < nix && seen[ids[i]]++) || !in_range(q, j, ids[i])) continue;
            if (j->what == W_SERIES) {
                if (!first) buf_putc(&out->body, ',');
                first = 0;
                prom_put_labels(&out->body, &ls[i]);
            }
            for (size_t k = 0; k < ls[i].n; k++)
                if (j->what == W_LABELS) push(&strs, &ns, &cap, ls[i].l[k].n);
                else if (j->what == W_VALUES && !strcmp(ls[i].l[k].n, j->label)) push(&strs, &ns, &cap, ls[i].l[k].v);
        }
    }
    if (j->what == W_SERIES) PUTS(&out->body, "]}");
    else put_strings(&out->body, strs, ns, j->limit, 0);
    free(strs);
    free(seen);
    for (size_t m = 0; m < j->n; m++) pq_ctx_free(ctx[m]);
}

/* no match[] (nor start or end): straight from the index */
static void work_all(tm_query *q, void *arg, tm_reply *out) {
    mjob *j = arg;
    char **v;
    size_t n = j->what == W_LABELS ? index_tag_keys(q->ix, &v) : index_tag_values(q->ix, j->label, &v);
    if (j->what == W_LABELS && n) { /* the name is a label too */
        v = xrealloc(v, (n + 1) * sizeof *v);
        v[n++] = xstrndup("__name__", 8);
    }
    put_strings(&out->body, v, n, j->limit, j->what == W_VALUES); /* index_tag_values sorts */
    strs_free(v, n);
}

static void route_series(tm_req *r, void *arg) {
    mjob *j = parse_matches(r, 1);
    if (!j) return;
    j->what = W_SERIES;
    api_defer(arg, r, work_matches, j, mjob_free);
}

static void route_labels(tm_req *r, void *arg) {
    mjob *j = parse_matches(r, 0);
    if (!j) return;
    j->what = W_LABELS;
    api_defer(arg, r, j->n ? work_matches : work_all, j, mjob_free);
}

static void route_values(tm_req *r, void *arg) {
    const char *rest = r->rest, *slash = strchr(rest, '/'), *lim = req_param(r, "limit");
    char msg[300];
    if (!slash || strcmp(slash, "/values") || slash == rest) {
        http_error(r, 404, "not found: /api/v1/label/NAME/values", 0);
        return;
    }
    mjob *j = parse_matches(r, 0);
    if (!j) return;
    j->label = xstrndup(rest, (size_t)(slash - rest));
    if (lim && *lim) {
        char *e;
        long long l = strtoll(lim, &e, 10);
        if (*e || l < 0) {
            snprintf(msg, sizeof msg, "invalid parameter \"limit\": cannot parse \"%s\" to a valid limit", lim);
            mjob_free(j);
            return error_now(r, msg);
        }
        j->limit = (size_t)l;
    }
    j->what = W_VALUES;
    api_defer(arg, r, j->n ? work_matches : work_all, j, mjob_free);
}

static void route_fixed(tm_req *r, void *arg) {
    const char *body = arg;
    http_reply(r, 200, "application/json", body, strlen(body));
}

void prom_meta_routes(tm_http *h, tm_api *api) {
    static const char metadata[] = "{\"status\":\"success\",\"data\":{}}",
                      exemplars[] = "{\"status\":\"success\",\"data\":[]}",
                      buildinfo[] = "{\"status\":\"success\",\"data\":{\"version\":\"2.42.0\",\"revision\":\"tidemark\","
                                    "\"branch\":\"tidemark\",\"buildUser\":\"tidemark\",\"buildDate\":\"\","
                                    "\"goVersion\":\"\"}}";
    http_route(h, M_GET | M_POST, "/api/v1/series", 0, R_READ, route_series, api);
    http_route(h, M_GET | M_POST, "/api/v1/labels", 0, R_READ, route_labels, api);
    http_route(h, M_GET | M_POST, "/api/v1/label/", 1, R_READ, route_values, api);
    http_route(h, M_GET | M_POST, "/api/v1/metadata", 0, R_READ, route_fixed, (void *)metadata);
    http_route(h, M_GET | M_POST, "/api/v1/query_exemplars", 0, R_READ, route_fixed, (void *)exemplars);
    http_route(h, M_GET, "/api/v1/status/buildinfo", 0, R_READ, route_fixed, (void *)buildinfo);
}
