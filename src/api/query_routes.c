/* query_routes.c — GET /api/v1/metrics, /api/v1/data/{metric}, /api/v1/query. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/merge.h"
#include "../util/jsonw.h"
#include "../util/timeparse.h"
#include "api.h"
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

typedef struct {
    tm_buf *b;
    const tm_match *m;
    int first;
} list_ctx;

static int list_one(const tm_series_info *in, void *arg) {
    list_ctx *x = arg;
    if (!match_series(x->m, in->key, in->klen)) return 0;
    tm_buf *b = x->b;
    buf_put(b, x->first ? "{\"metric\":" : ",{\"metric\":", x->first ? 10 : 11);
    x->first = 0;
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
    return 0;
}

static void route_metrics(tm_req *r, void *arg) {
    tm_api *api = arg;
    tm_match m;
    match_from_req(r, req_param(r, "match"), &m);
    tm_buf b = {0};
    buf_putc(&b, '[');
    list_ctx x = {&b, &m, 1};
    store_each(api->store, list_one, &x);
    buf_putc(&b, ']');
    http_json(r, 200, &b);
    buf_free(&b);
}

/* Trendlines export: every matching series' samples, oldest first. */
static void route_export(tm_req *r, void *arg) {
    tm_api *api = arg;
    int64_t from, until;
    if (!time_range(r, INT64_MIN / 2, &from, &until)) return;
    tm_match m;
    match_from_req(r, r->rest, &m);
    uint32_t *ids;
    size_t n = match_ids(api->store, &m, &ids);
    if (!n) {
        free(ids);
        http_error(r, 404, "no series matches", 0);
        return;
    }
    tm_cols all = {0};
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        tm_cols c;
        if (!store_read(api->store, ids[i], from, until, &c)) continue;
        if (!i) all.type = c.type;
        if (c.type == all.type)
            for (size_t k = 0; k < c.n; k++) cols_append(&all, &cap, &c, k);
        cols_free(&c);
    }
    free(ids);
    if (n > 1) cols_sort_dedup(&all);
    tm_buf b = {0};
    buf_putc(&b, '[');
    for (size_t i = 0; i < all.n; i++) {
        buf_put(&b, i ? ",{\"time\":" : "{\"time\":", i ? 9 : 8);
        json_put_time(&b, all.ts[i]);
        buf_put(&b, ",\"value\":", 9);
        put_value(&b, &all, i);
        buf_putc(&b, '}');
    }
    buf_putc(&b, ']');
    cols_free(&all);
    http_json(r, 200, &b);
    buf_free(&b);
}

enum { AGG_AVG, AGG_MIN, AGG_MAX, AGG_SUM, AGG_COUNT, AGG_LAST };
static int agg_parse(const char *s) {
    static const char *names[] = {"avg", "min", "max", "sum", "count", "last"};
    if (!s) return AGG_AVG;
    for (int i = 0; i < 6; i++)
        if (!strcmp(s, names[i])) return i;
    if (!strcmp(s, "average") || !strcmp(s, "mean")) return AGG_AVG;
    return -1;
}

static double agg_value(int agg, double min, double max, double sum, double cnt, double last) {
    switch (agg) {
    case AGG_MIN: return min;
    case AGG_MAX: return max;
    case AGG_SUM: return sum;
    case AGG_COUNT: return cnt;
    case AGG_LAST: return last;
    default: return cnt ? sum / cnt : NAN;
    }
}

/* Buckets of every series folded into one run, one entry per bucket start. */
static int fold_series(tm_store *st, const uint32_t *ids, size_t n, int64_t from, int64_t until, int64_t step,
                       tm_cols *out) {
    tm_bucket *x = NULL;
    size_t nx = 0, cap = 0, ok = 0;
    for (size_t i = 0; i < n; i++) {
        tm_cols c;
        if (!store_buckets(st, ids[i], from, until, step, &c)) continue;
        ok++;
        if (nx + c.n > cap) {
            cap = (nx + c.n) * 2;
            x = xrealloc(x, cap * sizeof *x);
        }
        for (size_t k = 0; k < c.n; k++)
            x[nx++] = (tm_bucket){c.ts[k], c.v[k], c.v2[k], c.sum[k], c.cnt[k], c.last[k], c.lt[k]};
        cols_free(&c);
    }
    buckets_fold(x, nx, out);
    free(x);
    return ok > 0 || !n;
}

static void put_head(tm_buf *b, tm_store *st, const char *metric, const uint32_t *ids, size_t n,
                     const tm_match *m, int64_t step) {
    buf_put(b, "{\"metric\":", 10);
    json_put_string(b, metric, strlen(metric));
    buf_put(b, ",\"tags\":", 8);
    tm_series_info in;
    if (n == 1 && store_get(st, ids[0], &in)) {
        json_put_tags(b, in.key, in.klen);
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

static void put_raw(tm_buf *b, tm_store *st, uint32_t id, int64_t from, int64_t until) {
    tm_cols c;
    if (!store_read(st, id, from, until, &c)) return;
    for (size_t i = 0; i < c.n; i++) {
        buf_put(b, i ? ",[" : "[", i ? 2 : 1);
        json_put_time(b, c.ts[i]);
        buf_putc(b, ',');
        put_value(b, &c, i);
        buf_putc(b, ']');
    }
    cols_free(&c);
}

static void route_query(tm_req *r, void *arg) {
    tm_api *api = arg;
    const char *metric = req_param(r, "metric"), *sp = req_param(r, "step");
    int agg = agg_parse(req_param(r, "agg"));
    int64_t from, until, step = 0;
    if (!metric || !*metric) {
        http_error(r, 400, "metric is required: /api/v1/query?metric=NAME", 0);
        return;
    }
    if (agg < 0) {
        http_error(r, 400, "bad agg: use avg, min, max, sum, count or last", 0);
        return;
    }
    if (sp && (!parse_duration_ms(sp, strlen(sp), &step) || step <= 0)) {
        http_error(r, 400, "bad step: use a duration such as 10s, 1m, 1h", 0);
        return;
    }
    if (!time_range(r, now_ms() - 24 * 3600 * 1000LL, &from, &until)) return;
    tm_match m;
    match_from_req(r, metric, &m);
    uint32_t *ids;
    size_t n = match_ids(api->store, &m, &ids);
    tm_series_info in;
    if (!n || !store_get(api->store, ids[0], &in)) {
        free(ids);
        http_error(r, 404, "no series matches", 0);
        return;
    }
    /* several series are folded together, so they need buckets */
    if (!step && n > 1) step = api->default_step;
    if (step && in.type != TM_NUMBER) {
        free(ids);
        http_error(r, 400, "step and agg need a number series; leave step out for raw samples", 0);
        return;
    }
    tm_buf b = {0};
    put_head(&b, api->store, metric, ids, n, &m, step);
    if (!step) {
        put_raw(&b, api->store, ids[0], from, until);
    } else {
        tm_cols c;
        if (!fold_series(api->store, ids, n, from, until, step, &c)) {
            free(ids);
            buf_free(&b);
            http_error(r, 400, "too many points: use a larger step or a shorter range", 0);
            return;
        }
        for (size_t i = 0; i < c.n; i++) {
            buf_put(&b, i ? ",[" : "[", i ? 2 : 1);
            json_put_time(&b, c.ts[i]);
            buf_putc(&b, ',');
            json_put_number(&b, agg_value(agg, c.v[i], c.v2[i], c.sum[i], c.cnt[i], c.last[i]));
            buf_putc(&b, ']');
        }
        cols_free(&c);
    }
    buf_put(&b, "]}", 2);
    free(ids);
    http_json(r, 200, &b);
    buf_free(&b);
}

void routes_query(tm_http *h, tm_api *api) {
    http_route(h, M_GET, "/api/v1/metrics", 0, R_READ, route_metrics, api);
    http_route(h, M_GET, "/api/v1/data/", 1, R_READ, route_export, api);
    http_route(h, M_GET, "/api/v1/query", 0, R_READ, route_query, api);
}
