/* graphite_render.c — GET|POST /render as graphite-web 1.1 answers it:
 * several targets, format=json (with jsonp, noNullPoints, maxDataPoints
 * consolidation), csv and raw. Targets are evaluated on the engine's
 * workers (query/graphite.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../query/graphite.h"
#include "../query/gtime.h"
#include "../util/jsonw.h"
#include "../util/timeparse.h"
#include "defer.h"
#include "graphite_api.h"

enum { FMT_JSON, FMT_CSV, FMT_RAW };

typedef struct {
    char **targets;
    size_t nt;
    int64_t from, until, now;
    int fmt, no_null, mdp; /* mdp: maxDataPoints, 0 when not given */
    double xff;
    char *jsonp;
    tm_tz tz; /* `tz`: references in from/until/now, csv's times, hitcount's alignment */
} render_job;

static void render_free(void *arg) {
    render_job *j = arg;
    for (size_t i = 0; i < j->nt; i++) free(j->targets[i]);
    free(j->targets);
    free(j->jsonp);
    free(j);
}

/* Python's json.dumps of a value, then graphite's NaN, -> null, Infinity, -> 1e9999, */
static void put_value(tm_buf *b, double v) {
    if (isnan(v)) buf_put(b, "null", 4);
    else if (isinf(v)) buf_printf(b, "%s1e9999", v < 0 ? "-" : "");
    else {
        char num[64];
        gfmt_num(v, 0, num, sizeof num);
        buf_put(b, num, strlen(num));
    }
}

/* renderViewJson's maxDataPoints: trim the start and consolidate */
static void max_points(tm_gser *s, int mdp, int64_t range) {
    if (mdp == 1) {
        gconsolidate(s, (int)(s->n ? s->n : 1));
        return;
    }
    int64_t step = s->step / 1000, start = s->start / 1000;
    double npts = (double)range / (double)step;
    if (!(mdp < npts)) return;
    int64_t vpp = (int64_t)ceil(npts / (double)mdp), spp = vpp * step;
    int64_t nudge = spp + start % step - start % spp;
    s->start += nudge * 1000;
    int64_t lose = nudge / step;
    size_t drop = lose > 1 ? (size_t)(lose - 1) : 0;
    if (drop > s->n) drop = s->n;
    memmove(s->v, s->v + drop, (s->n - drop) * sizeof *s->v);
    s->n -= drop;
    gconsolidate(s, (int)vpp);
}

static void put_tags(tm_buf *b, const tm_gser *s) {
    const char *key = s->key && strchr(s->key, ';') ? s->key : s->name;
    const char *semi = strchr(key, ';');
    buf_put(b, "{\"name\":", 8);
    json_put_string(b, key, semi ? (size_t)(semi - key) : strlen(key));
    if (semi) { /* the rest of the key's tags */
        tm_buf t = {0};
        json_put_tags(&t, key, strlen(key));
        if (t.n > 2) {
            buf_putc(b, ',');
            buf_put(b, t.p + 1, t.n - 2);
        }
        buf_free(&t);
    }
    buf_putc(b, '}');
}

static void encode_json(render_job *j, tm_sset *data, tm_buf *b) {
    if (j->jsonp) buf_printf(b, "%s(", j->jsonp);
    buf_putc(b, '[');
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = 0; i < data->n; i++) {
        if (data->s[i].start < lo) lo = data->s[i].start;
        if (data->s[i].end > hi) hi = data->s[i].end;
    }
    int first = 1;
    for (size_t i = 0; i < data->n; i++) {
        tm_gser *s = &data->s[i];
        if (j->mdp) max_points(s, j->mdp, (hi - lo) / 1000);
        int64_t st = s->start / 1000, step = s->step / 1000, en = s->end / 1000;
        size_t nts = step > 0 && en >= st ? (size_t)((en - st) / step + 1) : 0, n = s->n < nts ? s->n : nts;
        size_t shown = 0;
        for (size_t k = 0; k < n; k++) shown += !j->no_null || !isnan(s->v[k]);
        if (j->no_null && !shown) continue;
        buf_put(b, first ? "{\"target\":" : ",{\"target\":", first ? 10 : 11);
        first = 0;
        json_put_string(b, s->name, strlen(s->name));
        buf_put(b, ",\"tags\":", 8);
        put_tags(b, s);
        buf_put(b, ",\"datapoints\":[", 15);
        for (size_t k = 0, out = 0; k < n; k++) {
            if (j->no_null && isnan(s->v[k])) continue;
            buf_put(b, out ? ",[" : "[", out ? 2 : 1);
            out++;
            put_value(b, s->v[k]);
            buf_printf(b, ",%lld]", (long long)(st + (int64_t)k * step));
        }
        buf_put(b, "]}", 2);
    }
    buf_putc(b, ']');
    if (j->jsonp) buf_putc(b, ')');
}

/* csv.writer(dialect='excel'): quote a field holding , " or a newline */
static void csv_field(tm_buf *b, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        buf_put(b, s, strlen(s));
        return;
    }
    buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"') buf_putc(b, '"');
        buf_putc(b, (uint8_t)*s);
    }
    buf_putc(b, '"');
}

static void encode_csv(tm_sset *data, const tm_tz *tz, tm_buf *b) {
    for (size_t i = 0; i < data->n; i++) {
        tm_gser *s = &data->s[i];
        for (size_t k = 0; k < s->n; k++) {
            int64_t at = s->start / 1000 + (int64_t)k * (s->step / 1000);
            time_t t = (time_t)(at + tz_offset(tz, at, NULL)); /* the wall clock in tz */
            struct tm tm;
            gmtime_r(&t, &tm);
            char ts[32];
            strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
            csv_field(b, s->name);
            buf_printf(b, ",%s,", ts);
            if (!isnan(s->v[k])) put_value(b, s->v[k]);
            buf_put(b, "\r\n", 2);
        }
    }
}

static void encode_raw(tm_sset *data, tm_buf *b) {
    for (size_t i = 0; i < data->n; i++) {
        tm_gser *s = &data->s[i];
        buf_printf(b, "%s,%lld,%lld,%lld|", s->name, (long long)(s->start / 1000), (long long)(s->end / 1000),
                   (long long)(s->step / 1000));
        for (size_t k = 0; k < s->n; k++) {
            if (k) buf_putc(b, ',');
            if (isnan(s->v[k])) buf_put(b, "None", 4);
            else if (isinf(s->v[k])) buf_put(b, s->v[k] > 0 ? "inf" : "-inf", s->v[k] > 0 ? 3 : 4);
            else put_value(b, s->v[k]);
        }
        buf_putc(b, '\n');
    }
}

static void work_render(tm_query *q, void *arg, tm_reply *out) {
    render_job *j = arg;
    geval ev = {q, j->from, j->until, j->now, j->xff, NULL, &j->tz};
    tm_sset data = {0};
    for (size_t i = 0; i < j->nt && !query_failed(q); i++) {
        char err[256];
        gnode *g = gparse(j->targets[i], strlen(j->targets[i]), err, sizeof err);
        if (!g) {
            query_fail(q, 400, "%s: %s", err, j->targets[i]);
            break;
        }
        geval_target(&ev, g, &data);
        gnode_free(g);
    }
    if (!query_failed(q)) {
        if (j->fmt == FMT_JSON) encode_json(j, &data, &out->body);
        else if (j->fmt == FMT_CSV) encode_csv(&data, &j->tz, &out->body);
        else encode_raw(&data, &out->body);
        out->ctype = j->jsonp ? "text/javascript" : j->fmt == FMT_JSON ? "application/json"
                   : j->fmt == FMT_CSV ? "text/csv" : "text/plain";
    }
    sset_free(&data);
}

int graphite_times(tm_req *r, const tm_tz *tz, int64_t *from, int64_t *until, int64_t *now) {
    const char *nw = req_param(r, "now"), *f = req_param(r, "from"), *u = req_param(r, "until");
    *now = now_ms() / 1000;
    if (nw && !gtime_parse_tz(nw, *now, tz, now)) return http_error(r, 400, "bad now: use a Graphite time", 0), -1;
    *until = *now;
    if (u && !gtime_parse_tz(u, *now, tz, until)) return http_error(r, 400, "bad until: use a Graphite time (-1h, now, HH:MM_YYYYMMDD, Unix seconds)", 0), -1;
    if (!f) f = "-1d";
    if (!gtime_parse_tz(f, *now, tz, from)) return http_error(r, 400, "bad from: use a Graphite time (-1h, now, HH:MM_YYYYMMDD, Unix seconds)", 0), -1;
    if (*from > *until) {
        int64_t t = *from;
        *from = *until;
        *until = t;
    }
    return 0;
}

static void route_render(tm_req *r, void *arg) {
    render_job *j = xcalloc(1, sizeof *j);
    struct evkeyval *kv;
    size_t cap = 0;
    TAILQ_FOREACH(kv, &r->params, next) {
        if (strcmp(kv->key, "target") && strcmp(kv->key, "target[]")) continue;
        if (!*kv->value) continue;
        if (j->nt == cap) j->targets = xrealloc(j->targets, (cap = cap ? cap * 2 : 4) * sizeof *j->targets);
        j->targets[j->nt++] = xstrndup(kv->value, strlen(kv->value));
    }
    const char *fmt = req_param(r, "format"), *mdp = req_param(r, "maxDataPoints"), *xf = req_param(r, "xFilesFactor");
    if (!fmt && req_param(r, "rawData")) fmt = "raw";
    j->fmt = !fmt ? -1 : !strcmp(fmt, "json") ? FMT_JSON : !strcmp(fmt, "csv") ? FMT_CSV : !strcmp(fmt, "raw") ? FMT_RAW : -1;
    if (j->fmt < 0) {
        render_free(j);
        http_error(r, 400, "format must be json, csv or raw (tidemark draws no images)", 0);
        return;
    }
    if (fmt && req_param(r, "jsonp")) j->jsonp = param_dup(r, "jsonp");
    j->no_null = req_param(r, "noNullPoints") != NULL;
    if (mdp && *mdp && strspn(mdp, "0123456789") == strlen(mdp)) j->mdp = atoi(mdp);
    j->xff = xf ? strtod(xf, NULL) : 0;
    tz_find(req_param(r, "tz"), &j->tz); /* an unknown zone is UTC, as graphite-web takes it */
    if (graphite_times(r, &j->tz, &j->from, &j->until, &j->now)) {
        render_free(j);
        return;
    }
    if (j->from == j->until) {
        render_free(j);
        http_error(r, 400, "Invalid empty time range", 0);
        return;
    }
    api_defer(arg, r, work_render, j, render_free);
}

void routes_graphite_render(tm_http *h, tm_api *api) {
    http_route(h, M_GET | M_POST, "/render", 0, R_READ, route_render, api);
}
