/* query_routes.c — GET /api/v1/metrics, /api/v1/data/{metric}, /api/v1/query,
 * answered on the query engine's workers (defer.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/merge.h"
#include "../query/fetch.h"
#include "../util/jsonw.h"
#include "../util/timeparse.h"
#include "api.h"
#include "defer.h"
#include "prom_api.h"
#include "match.h"

static const char *const type_names[] = {"number", "string", "location"};


/* from/until of a request; 0 and an error answered when malformed */
static int time_range(tm_req *r, int64_t dfrom, int64_t *from, int64_t *until) {
    int64_t now = now_ms();
    const char *f = req_param(r, "from"), *u = req_param(r, "until");
    *from = dfrom;
    *until = now;
    if (f && !parse_time_ms(f, strlen(f), now, from)) {
        http_error(r, 400, "bad from: use Unix seconds, RFC 3339, now or -1h", 0);
        return 0;
    }
    if (u && !parse_time_ms(u, strlen(u), now, until)) {
        http_error(r, 400, "bad until: use Unix seconds, RFC 3339, now or -1h", 0);
        return 0;
    }
    if (*from > *until) {
        char msg[200];
        snprintf(msg, sizeof msg, "the range is inverted: from (%s) is after until (%s)", f ? f : "its default",
                 u ? u : "now");
        http_error(r, 400, msg, 0);
        return 0;
    }
    return 1;
}

static void put_value(tm_buf *b, const tm_cols *c, size_t i) {
    if (c->type == TM_STRING) json_put_string(b, c->str[i], strlen(c->str[i]));
    else if (c->type == TM_LOCATION) {
        buf_putc(b, '[');
        json_put_number(b, c->v[i]);
        buf_putc(b, ',');
        json_put_number(b, c->v2[i]);
        buf_putc(b, ']');
    } else json_put_number(b, c->v[i]);
}

static void put_name(tm_buf *b, const char *key, size_t klen) {
    const char *semi = memchr(key, ';', klen);
    json_put_string(b, key, semi ? (size_t)(semi - key) : klen);
}

/* What a route's worker needs of its request, copied. */
typedef struct {
    tm_match m;
    char *strs, *metric;
    int64_t from, until, step;
    int agg;
} qjob;

static void qjob_free(void *arg) {
    qjob *j = arg;
    free(j->strs);
    free(j->metric);
    free(j);
}

static qjob *qjob_new(const tm_req *r, const char *metric) {
    qjob *j = xcalloc(1, sizeof *j);
    j->metric = metric ? xstrndup(metric, strlen(metric)) : NULL;
    match_from_req(r, j->metric, &j->m);
    j->strs = match_own(&j->m);
    return j;
}

static void put_info(tm_buf *b, const tm_series_info *in) {
    put_name(b, in->key, in->klen);
    buf_put(b, ",\"tags\":", 8);
    json_put_tags(b, in->key, in->klen);
    buf_printf(b, ",\"type\":\"%s\",\"last_time\":", type_names[in->type]);
    if (in->last_ts == INT64_MIN) {
        buf_printf(b, "null,\"last_value\":null");
    } else {
        json_put_time(b, in->last_ts);
        buf_put(b, ",\"last_value\":", 14);
        tm_cols one = {.type = in->type, .n = 1, .v = (double *)&in->last_v, .v2 = (double *)&in->last_v2,
                       .str = (char **)&in->last_str};
        if (in->type == TM_STRING && !in->last_str) buf_put(b, "null", 4);
        else put_value(b, &one, 0);
    }
    buf_printf(b, ",\"points\":%llu}", (unsigned long long)in->points);
}

static void work_metrics(tm_query *q, void *arg, tm_reply *out) {
    qjob *j = arg;
    tm_ids ids = {0};
    match_select(q->ix, &j->m, &ids);
    tm_buf *b = &out->body;
    buf_putc(b, '[');
    for (size_t i = 0, first = 1; i < ids.n; i++) {
        tm_series_info in;
        if (!reader_get(q->rd, ids.v[i], &in)) continue;
        buf_put(b, first ? "{\"metric\":" : ",{\"metric\":", first ? 10 : 11);
        first = 0;
        put_info(b, &in);
    }
    buf_putc(b, ']');
    ids_free(&ids);
}

static void route_metrics(tm_req *r, void *arg) {
    api_defer(arg, r, work_metrics, qjob_new(r, req_param(r, "match")), qjob_free);
}

static void not_found(tm_reply *out) {
    out->code = 404;
    buf_printf(&out->body, "{\"error\":\"no series matches\"}");
}

/* Trendlines export: every matching series' samples, oldest first. */
static void work_export(tm_query *q, void *arg, tm_reply *out) {
    qjob *j = arg;
    tm_ids ids = {0};
    match_select(q->ix, &j->m, &ids);
    if (!ids.n) {
        not_found(out);
        return;
    }
    tm_cols *per = xcalloc(ids.n, sizeof *per), all = {0};
    size_t cap = 0;
    if (!fetch_cols(q, &ids, j->from, j->until, per)) {
        all.type = per[0].type;
        for (size_t i = 0; i < ids.n; i++)
            if (per[i].type == all.type)
                for (size_t k = 0; k < per[i].n; k++) cols_append(&all, &cap, &per[i], k);
        if (ids.n > 1) cols_sort_dedup(&all);
    }
    for (size_t i = 0; i < ids.n; i++) cols_free(&per[i]);
    free(per);
    tm_buf *b = &out->body;
    buf_putc(b, '[');
    for (size_t i = 0; i < all.n; i++) {
        buf_put(b, i ? ",{\"time\":" : "{\"time\":", i ? 9 : 8);
        json_put_time(b, all.ts[i]);
        buf_put(b, ",\"value\":", 9);
        put_value(b, &all, i);
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
    cols_free(&all);
    ids_free(&ids);
}

static void route_export(tm_req *r, void *arg) {
    int64_t from, until;
    if (!*r->rest) {
        http_error(r, 400, "a metric name is required: /api/v1/data/NAME", 0);
        return;
    }
    if (!time_range(r, INT64_MIN / 2, &from, &until)) return;
    qjob *j = qjob_new(r, r->rest);
    j->from = from;
    j->until = until;
    api_defer(arg, r, work_export, j, qjob_free);
}

static void put_head(tm_buf *b, const char *metric, const tm_series_info *one, size_t n, const tm_match *m,
                     int64_t step) {
    buf_put(b, "{\"metric\":", 10);
    json_put_string(b, metric, strlen(metric));
    buf_put(b, ",\"tags\":", 8);
    if (n == 1) {
        json_put_tags(b, one->key, one->klen);
    } else { /* several series: the tags asked for */
        buf_putc(b, '{');
        for (size_t i = 0; i < m->nf; i++) {
            if (i) buf_putc(b, ',');
            json_put_string(b, m->filt[i].k, m->filt[i].klen);
            buf_putc(b, ':');
            json_put_string(b, m->filt[i].v, m->filt[i].vlen);
        }
        buf_putc(b, '}');
    }
    buf_put(b, ",\"step\":", 8);
    if (step) json_put_time(b, step);
    else buf_put(b, "null", 4);
    if (n > 1) buf_printf(b, ",\"series\":%zu", n);
    buf_put(b, ",\"points\":[", 11);
}

static void put_points(tm_buf *b, const tm_cols *c, int agg) {
    for (size_t i = 0; i < c->n; i++) {
        buf_put(b, i ? ",[" : "[", i ? 2 : 1);
        json_put_time(b, c->ts[i]);
        buf_putc(b, ',');
        if (agg < 0) put_value(b, c, i);
        else json_put_number(b, bucket_value(c, i, agg));
        buf_putc(b, ']');
    }
}

static void work_query(tm_query *q, void *arg, tm_reply *out) {
    qjob *j = arg;
    tm_ids ids = {0};
    tm_series_info in;
    match_select(q->ix, &j->m, &ids);
    if (!ids.n || !reader_get(q->rd, ids.v[0], &in)) {
        ids_free(&ids);
        not_found(out);
        return;
    }
    /* several series are folded together, so they need buckets */
    int64_t step = !j->step && ids.n > 1 ? store_options(q->store)->step[0] : j->step;
    if (step && in.type != TM_NUMBER) {
        ids_free(&ids);
        query_fail(q, 400, "step and agg need a number series; leave step out for raw samples");
        return;
    }
    tm_buf *b = &out->body;
    put_head(b, j->metric, &in, ids.n, &j->m, step);
    tm_cols c;
    if (!step) {
        tm_ids one = {ids.v, 1, 1};
        if (!fetch_cols(q, &one, j->from, j->until, &c)) put_points(b, &c, -1);
    } else if (!fetch_fold(q, &ids, j->from, j->until, step, &c)) {
        put_points(b, &c, j->agg);
    }
    cols_free(&c);
    buf_put(b, "]}", 2);
    ids_free(&ids);
}

static void route_query(tm_req *r, void *arg) {
    if (req_param(r, "query")) { /* PromQL: the Prometheus API's instant query */
        prom_route_query(r, arg);
        return;
    }
    const char *metric = req_param(r, "metric"), *sp = req_param(r, "step"), *ag = req_param(r, "agg");
    int agg = ag ? agg_parse(ag, strlen(ag)) : AGG_AVG;
    int64_t from, until, step = 0;
    if (!metric || !*metric) {
        http_error(r, 400, "metric is required: /api/v1/query?metric=NAME", 0);
        return;
    }
    if (agg < 0 || agg > AGG_LAST) {
        http_error(r, 400, "bad agg: use avg, min, max, sum, count or last", 0);
        return;
    }
    if (sp && (!parse_duration_ms(sp, strlen(sp), &step) || step <= 0)) {
        http_error(r, 400, "bad step: use a duration such as 10s, 1m, 1h", 0);
        return;
    }
    if (!time_range(r, now_ms() - 24 * 3600 * 1000LL, &from, &until)) return;
    qjob *j = qjob_new(r, metric);
    j->from = from;
    j->until = until;
    j->step = step;
    j->agg = agg;
    api_defer(arg, r, work_query, j, qjob_free);
}

void routes_query(tm_http *h, tm_api *api) {
    http_route(h, M_GET, "/api/v1/metrics", 0, R_READ, route_metrics, api);
    http_route(h, M_GET, "/api/v1/data/", 1, R_READ, route_export, api);
    http_route(h, M_GET | M_POST, "/api/v1/query", 0, R_READ, route_query, api);
}
