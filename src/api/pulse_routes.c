/* pulse_routes.c — the Pulse-compatible API: GET /keys, /tags,
 * /latest/{stat}, /hourly/{stat}, /daily/{stat}, and POST /relays/flush,
 * /relays/override, which hand commands to the relays connected now.
 *
 * As in Pulse: every parameter but verb, start, stop and backfill (and the
 * routes' reserved ones, see match.h) is a tag filter; verb picks the
 * aggregate (mean by default; min, max, sum, count); start/stop are Unix
 * seconds (any tidemark time, or a Pulse-style duration "1d" meaning that
 * long ago), and every hour they touch counts whole; backfill (any value
 * but "", "0", "false", "no") fills empty hours with 0, as Pulse's FILL(0)
 * does. /daily averages each hour's value over the days of the range, so
 * each day weighs the same. No matching series: 404. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/relay.h"
#include "../net/relay.h"
#include "../util/jsonw.h"
#include "../util/timeparse.h"
#include "../query/fetch.h"
#include "api.h"
#include "defer.h"
#include "match.h"

#define HOUR_MS 3600000LL
#define MAX_HOURS (24 * 366 * 10) /* ten years of hourly points per answer */

enum { V_MEAN, V_MIN, V_MAX, V_SUM, V_COUNT };

typedef struct {
    double sum, cnt, min, max;
} acc;

static void acc_add(acc *a, double sum, double cnt, double min, double max) {
    if (!a->cnt || min < a->min) a->min = min;
    if (!a->cnt || max > a->max) a->max = max;
    a->sum += sum;
    a->cnt += cnt;
}

static double acc_value(const acc *a, int verb) {
    switch (verb) {
    case V_MIN: return a->min;
    case V_MAX: return a->max;
    case V_SUM: return a->sum;
    case V_COUNT: return a->cnt;
    default: return a->cnt ? a->sum / a->cnt : NAN;
    }
}

/* The request's series filter, minus Pulse's own "verb"; the verb in *verb.
 * 0 (answered 400) when the stat or verb is bad. */
static int pulse_match(tm_req *r, tm_match *m, int *verb) {
    static const char *const verbs[] = {"mean", "min", "max", "sum", "count"};
    const char *v = req_param(r, "verb");
    *verb = -1;
    if (!v || !*v || !strcmp(v, "avg") || !strcmp(v, "average")) *verb = V_MEAN;
    for (int i = 0; v && i < 5; i++)
        if (!strcmp(v, verbs[i])) *verb = i;
    if (*verb < 0) {
        http_error(r, 400, "bad verb: use mean, min, max, sum or count", 0);
        return 0;
    }
    if (!r->rest || !*r->rest) {
        http_error(r, 400, "name a stat: /latest/STAT, /hourly/STAT or /daily/STAT", 0);
        return 0;
    }
    match_from_req(r, r->rest, m);
    size_t k = 0;
    for (size_t i = 0; i < m->nf; i++)
        if (!(m->filt[i].klen == 4 && !memcmp(m->filt[i].k, "verb", 4))) m->filt[k++] = m->filt[i];
    m->nf = k;
    return 1;
}

/* ---- /keys and /tags ---- */

typedef struct {
    char **v;
    size_t n, cap;
    int tags; /* collect tag keys instead of names */
} names;

static void names_push(names *x, const char *s, size_t n) {
    if (x->n && strlen(x->v[x->n - 1]) == n && !memcmp(x->v[x->n - 1], s, n)) return; /* common run */
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 64;
        x->v = xrealloc(x->v, x->cap * sizeof *x->v);
    }
    x->v[x->n++] = xstrndup(s, n);
}

static int names_one(const tm_series_info *in, void *arg) {
    names *x = arg;
    tm_tag t[TM_KEY_MAX / 4];
    size_t nlen, nt = key_split(in->key, in->klen, &nlen, t, TM_KEY_MAX / 4);
    if (!x->tags) names_push(x, in->key, nlen);
    for (size_t i = 0; x->tags && i < nt; i++) names_push(x, t[i].k, t[i].klen);
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void route_names(tm_req *r, tm_api *api, int tags) {
    names x = {NULL, 0, 0, tags};
    store_each(api->store, names_one, &x);
    if (x.n) qsort(x.v, x.n, sizeof *x.v, cmp_str);
    tm_buf b = {0};
    buf_putc(&b, '[');
    for (size_t i = 0, k = 0; i < x.n; i++) {
        if (!i || strcmp(x.v[i], x.v[i - 1])) {
            if (k++) buf_putc(&b, ',');
            json_put_string(&b, x.v[i], strlen(x.v[i]));
        }
    }
    buf_putc(&b, ']');
    for (size_t i = 0; i < x.n; i++) free(x.v[i]);
    free(x.v);
    http_json(r, 200, &b);
    buf_free(&b);
}

static void route_keys(tm_req *r, void *arg) { route_names(r, arg, 0); }
static void route_tags(tm_req *r, void *arg) { route_names(r, arg, 1); }

/* ---- /latest ---- */

typedef struct {
    const tm_match *m;
    acc a;
    int64_t newest;
    size_t matched;
} latest_ctx;

static int latest_one(const tm_series_info *in, void *arg) {
    latest_ctx *x = arg;
    if (!match_series(x->m, in->key, in->klen)) return 0;
    x->matched++;
    if (in->type != TM_NUMBER || in->last_ts == INT64_MIN || !isfinite(in->last_v)) return 0;
    acc_add(&x->a, in->last_v, 1, in->last_v, in->last_v);
    if (in->last_ts > x->newest) x->newest = in->last_ts;
    return 0;
}

/* The latest value of each matching series, folded by verb; time is the
 * newest of their times. */
static void route_latest(tm_req *r, void *arg) {
    tm_api *api = arg;
    latest_ctx x = {0};
    int verb;
    tm_match m;
    if (!pulse_match(r, &m, &verb)) return;
    x.m = &m;
    x.newest = INT64_MIN;
    store_each(api->store, latest_one, &x);
    if (!x.a.cnt) {
        http_error(r, 404, x.matched ? "no number samples in the matching series" : "no series matches", 0);
        return;
    }
    tm_buf b = {0};
    buf_put(&b, "{\"time\":", 8);
    json_put_time(&b, x.newest);
    buf_put(&b, ",\"value\":", 9);
    json_put_number(&b, acc_value(&x.a, verb));
    buf_putc(&b, '}');
    http_json(r, 200, &b);
    buf_free(&b);
}

/* ---- /hourly and /daily ---- */

static int on_off(const char *s) { return s && *s && strcmp(s, "0") && strcmp(s, "false") && strcmp(s, "no"); }

/* A tidemark time, else a Pulse duration back from now ("1d"). */
static int pulse_time(tm_req *r, const char *name, int64_t now, int64_t def, int64_t *ms) {
    const char *s = req_param(r, name);
    int64_t d;
    *ms = def;
    if (!s || !*s || parse_time_ms(s, strlen(s), now, ms)) return 1;
    if (parse_duration_ms(s, strlen(s), &d)) {
        *ms = now - d;
        return 1;
    }
    char msg[128];
    snprintf(msg, sizeof msg, "bad %s: use Unix seconds (or RFC 3339, -1h, 1d)", name);
    http_error(r, 400, msg, 0);
    return 0;
}

/* What /hourly and /daily ask the engine, copied from the request. */
typedef struct {
    tm_match m;
    char *strs;
    int verb, fill, daily;
    int64_t h0, until; /* whole hours, ms */
    size_t nh;
} pulse_job;

static void pulse_job_free(void *arg) {
    pulse_job *j = arg;
    free(j->strs);
    free(j);
}

/* The request's range as whole hours (a partial first or last hour would be
 * a misleading average). NULL when answered. */
static pulse_job *pulse_job_new(tm_req *r, int64_t back, int daily) {
    pulse_job *j = xcalloc(1, sizeof *j);
    int64_t now = now_ms(), from, until;
    if (!pulse_match(r, &j->m, &j->verb) || !pulse_time(r, "start", now, now - back, &from) ||
        !pulse_time(r, "stop", now, now, &until)) {
        free(j);
        return NULL;
    }
    if (until < from) {
        http_error(r, 400, "stop is before start", 0);
        free(j);
        return NULL;
    }
    j->h0 = from - ((from % HOUR_MS) + HOUR_MS) % HOUR_MS;
    j->until = until - ((until % HOUR_MS) + HOUR_MS) % HOUR_MS + HOUR_MS - 1;
    if ((j->until - j->h0) / HOUR_MS + 1 > MAX_HOURS) {
        http_error(r, 400, "range too long: at most ten years of hours", 0);
        free(j);
        return NULL;
    }
    j->nh = (size_t)((j->until - j->h0) / HOUR_MS + 1);
    j->fill = on_off(req_param(r, "backfill"));
    j->daily = daily;
    j->strs = match_own(&j->m);
    return j;
}

/* Hourly buckets of every matching series folded together (the engine's
 * fetch_fold), one acc per hour from h0; NULL when none matches. */
static acc *hourly_fold(tm_query *q, pulse_job *j, tm_reply *out) {
    tm_ids ids = {0};
    match_select(q->ix, &j->m, &ids);
    if (!ids.n) {
        out->code = 404;
        buf_printf(&out->body, "{\"error\":\"no series matches\"}");
        return NULL;
    }
    tm_cols c;
    int rc = fetch_fold(q, &ids, j->h0, j->until, HOUR_MS, &c);
    ids_free(&ids);
    if (rc) {
        cols_free(&c);
        return NULL;
    }
    acc *a = xcalloc(j->nh, sizeof *a);
    for (size_t k = 0; k < c.n; k++) acc_add(&a[(c.ts[k] - j->h0) / HOUR_MS], c.sum[k], c.cnt[k], c.v[k], c.v2[k]);
    cols_free(&c);
    return a;
}

static void put_hourly(const pulse_job *j, const acc *a, tm_buf *b) {
    buf_putc(b, '[');
    for (size_t i = 0, k = 0; i < j->nh; i++) {
        if (!a[i].cnt && !j->fill) continue;
        if (k++) buf_putc(b, ',');
        buf_put(b, "{\"time\":", 8);
        json_put_time(b, j->h0 + (int64_t)i * HOUR_MS);
        buf_put(b, ",\"value\":", 9);
        json_put_number(b, a[i].cnt ? acc_value(&a[i], j->verb) : 0);
        buf_putc(b, '}');
    }
    buf_putc(b, ']');
}

static void put_daily(const pulse_job *j, const acc *a, tm_buf *b) {
    double sum[24] = {0}, days[24] = {0};
    for (size_t i = 0; i < j->nh; i++) {
        double v = acc_value(&a[i], j->verb);
        if (!a[i].cnt || !isfinite(v)) continue;
        int64_t hour = j->h0 / HOUR_MS + (int64_t)i;
        int h = (int)(((hour % 24) + 24) % 24); /* UTC: the epoch began at 00:00 */
        sum[h] += v;
        days[h]++;
    }
    buf_putc(b, '{');
    for (int h = 0, k = 0; h < 24; h++) {
        if (!days[h] && !j->fill) continue;
        buf_printf(b, "%s\"%02d:00\":", k++ ? "," : "", h);
        json_put_number(b, days[h] ? sum[h] / days[h] : 0);
    }
    buf_putc(b, '}');
}

static void work_hourly(tm_query *q, void *arg, tm_reply *out) {
    pulse_job *j = arg;
    acc *a = hourly_fold(q, j, out);
    if (!a) return;
    if (j->daily) put_daily(j, a, &out->body);
    else put_hourly(j, a, &out->body);
    free(a);
}

static void route_hourly(tm_req *r, void *arg) {
    pulse_job *j = pulse_job_new(r, 24 * HOUR_MS, 0);
    if (j) api_defer(arg, r, work_hourly, j, pulse_job_free);
}

static void route_daily(tm_req *r, void *arg) {
    pulse_job *j = pulse_job_new(r, 7 * 24 * HOUR_MS, 1);
    if (j) api_defer(arg, r, work_hourly, j, pulse_job_free);
}

/* ---- commands to relays ---- */

static void answer_sent(tm_req *r, size_t sent) {
    tm_buf b = {0};
    buf_printf(&b, "{\"relays\":%zu}", sent);
    http_json(r, 200, &b);
    buf_free(&b);
}

static void route_flush(tm_req *r, void *arg) {
    tm_api *api = arg;
    answer_sent(r, relays_send(api->relays, "flush\n", 6));
}

/* A duration given as a string, or as a number of seconds. */
static const char *dur_text(json_t *v, char *tmp, size_t cap) {
    if (json_is_string(v)) return json_string_value(v);
    if (!json_is_number(v)) return NULL;
    snprintf(tmp, cap, "%.17gs", json_number_value(v));
    return tmp;
}

/* {"duration":"60s","stats":{"cpu":"1s"}} → "override 60s cpu:1s" */
static void route_override(tm_req *r, void *arg) {
    tm_api *api = arg;
    json_error_t err;
    json_t *root = json_loadb(r->body ? r->body : "", r->body_len, 0, &err);
    json_t *stats = json_object_get(root, "stats");
    const char *why = NULL;
    if (!json_is_object(root) || !json_is_object(stats))
        why = "want {\"duration\":\"60s\",\"stats\":{\"cpu\":\"1s\"}}";
    else if (json_object_size(stats) > RELAY_MAX_STATS)
        why = "too many stats";
    if (why) {
        json_decref(root);
        http_error(r, 400, why, 0);
        return;
    }
    size_t n = json_object_size(stats), i = 0;
    tm_relay_pair *p = xcalloc(n ? n : 1, sizeof *p);
    char *tmp = xmalloc((n + 1) * 32);
    const char *k;
    json_t *v;
    json_object_foreach(stats, k, v) {
        p[i].stat = k;
        p[i].interval = dur_text(v, tmp + 32 * (i + 1), 32);
        i++;
    }
    tm_buf line = {0};
    if (relay_override_line(&line, dur_text(json_object_get(root, "duration"), tmp, 32), p, n, &why))
        answer_sent(r, relays_send(api->relays, (const char *)line.p, line.n));
    else
        http_error(r, 400, why, 0);
    buf_free(&line);
    free(tmp);
    free(p);
    json_decref(root);
}

void routes_pulse(tm_http *h, tm_api *api) {
    http_route(h, M_GET, "/keys", 0, R_READ, route_keys, api);
    http_route(h, M_GET, "/tags", 0, R_READ, route_tags, api);
    http_route(h, M_GET, "/latest/", 1, R_READ, route_latest, api);
    http_route(h, M_GET, "/hourly/", 1, R_READ, route_hourly, api);
    http_route(h, M_GET, "/daily/", 1, R_READ, route_daily, api);
    http_route(h, M_POST, "/relays/flush", 0, R_WRITE, route_flush, api);
    http_route(h, M_POST, "/relays/override", 0, R_WRITE, route_override, api);
}
