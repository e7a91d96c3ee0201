/* prom_api.c — the Prometheus 2.x HTTP API: /api/v1/query (a request with
 * query=; tidemark's own metric= query is query_routes.c), query_range,
 * series, labels, label/NAME/values, metadata, status/buildinfo,
 * query_exemplars; by GET and POST form.
 *
 * Answers are Prometheus' envelope {"status","data"} or
 * {"status":"error","errorType","error"}: 400 bad_data for bad parameters
 * and parse errors (worded as Prometheus words them, with their position),
 * 422 execution for an expression that cannot run, 503 timeout past the
 * query's time bound (the engine's, or a shorter timeout=). Values are
 * strings as Prometheus writes them ("NaN", "+Inf", no exponent). The
 * query is parsed on the loop thread and evaluated on an engine worker. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../query/promql_eval.h"
#include "../query/promql_evint.h"
#include "../util/jsonw.h"
#include "../util/timeparse.h"
#include "defer.h"
#include "prom_api.h"
#include "../util/clock.h"

#define MAX_RESOLUTION 11000
#define PUTS(b, s) buf_put(b, s, sizeof s - 1)

void prom_error(tm_reply *out, int code, const char *type, const char *msg) {
    out->code = code;
    out->body.n = 0;
    PUTS(&out->body, "{\"status\":\"error\",\"errorType\":\"");
    buf_put(&out->body, type, strlen(type));
    PUTS(&out->body, "\",\"error\":");
    json_put_string(&out->body, msg, strlen(msg));
    buf_putc(&out->body, '}');
}

/* an error answered on the loop thread, before any query runs */
static void error_now(tm_req *r, int code, const char *type, const char *msg) {
    tm_reply o = {0};
    prom_error(&o, code, type, msg);
    http_reply(r, code, "application/json", o.body.p, o.body.n);
    buf_free(&o.body);
}

static void put_float(tm_buf *b, double v) {
    char s[400];
    pq_format_float(v, s, sizeof s);
    buf_put(b, s, strlen(s));
}

static void put_time(tm_buf *b, int64_t ms) {
    char s[400];
    pq_format_ms(ms, s, sizeof s);
    buf_put(b, s, strlen(s));
}

static void put_point(tm_buf *b, int64_t ms, double v) {
    buf_putc(b, '[');
    put_time(b, ms);
    PUTS(b, ",\"");
    put_float(b, v);
    PUTS(b, "\"]");
}

void prom_put_labels(tm_buf *b, const pq_lset *ls) {
    buf_putc(b, '{');
    for (size_t i = 0; i < ls->n; i++) {
        if (i) buf_putc(b, ',');
        json_put_string(b, ls->l[i].n, strlen(ls->l[i].n));
        buf_putc(b, ':');
        json_put_string(b, ls->l[i].v, strlen(ls->l[i].v));
    }
    buf_putc(b, '}');
}

/* Prometheus' parseTime: float seconds or RFC 3339 */
int prom_time(const char *s, int64_t *ms) {
    char *e;
    double t = strtod(s, &e);
    if (*s && !*e && isfinite(t)) {
        double sec = trunc(t), frac = round((t - sec) * 1000) / 1000;
        *ms = (int64_t)sec * 1000 + (int64_t)llround(frac * 1000);
        return 1;
    }
    struct tm tm = {0};
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p) return 0;
    int64_t frac = 0;
    if (*p == '.') {
        int64_t scale = 100;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10) frac += (*p - '0') * scale;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') p++;
    else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
        if (*p == '-') off = -off;
        p += 6;
    } else return 0;
    if (*p) return 0;
    *ms = ((int64_t)timegm(&tm) - off) * 1000 + frac;
    return 1;
}

/* Prometheus' parseDuration: float seconds or a PromQL duration */
static int prom_duration(const char *s, int64_t *ms) {
    char *e;
    double d = strtod(s, &e);
    if (*s && !*e && isfinite(d)) {
        if (fabs(d) > 9.2e15) return 0;
        *ms = (int64_t)llround(d * 1000);
        return 1;
    }
    return pq_duration(s, strlen(s), ms);
}

int prom_time_param(tm_req *r, const char *name, int64_t dflt, int wrapped, int64_t *ms) {
    const char *v = req_param(r, name);
    char msg[300];
    if (!v || !*v) {
        if (dflt != INT64_MIN || wrapped) return *ms = dflt, 1;
        v = "";
    } else if (prom_time(v, ms)) {
        return 1;
    }
    if (wrapped) /* Prometheus' parseTimeParam says it twice */
        snprintf(msg, sizeof msg,
                 "invalid parameter \"%s\": Invalid time value for '%s': cannot parse \"%s\" to a valid timestamp", name,
                 name, v);
    else
        snprintf(msg, sizeof msg, "invalid parameter \"%s\": cannot parse \"%s\" to a valid timestamp", name, v);
    error_now(r, 400, "bad_data", msg);
    return 0;
}

static int time_param(tm_req *r, const char *name, int64_t dflt, int64_t *ms) {
    return prom_time_param(r, name, dflt, !strcmp(name, "time"), ms);
}

typedef struct {
    pq_expr *ar;
    pq_node *root;
    int64_t start, end, step, timeout;
    int range;
} pjob;

static void pjob_free(void *arg) {
    pjob *j = arg;
    pq_free(j->ar);
    free(j);
}

static void put_result(tm_buf *b, const pjob *j, const pq_result *res) {
    const pq_value *v = &res->v;
    size_t n = res->nsteps;
    if (v->type == PQ_T_SCALAR && !j->range) {
        PUTS(b, "\"scalar\",\"result\":");
        put_point(b, j->start, v->scalar[0]);
        return;
    }
    if (v->type == PQ_T_STRING) {
        PUTS(b, "\"string\",\"result\":[");
        put_time(b, j->start);
        buf_putc(b, ',');
        json_put_string(b, v->str, strlen(v->str));
        buf_putc(b, ']');
        return;
    }
    int matrix = j->range || v->type == PQ_T_MATRIX;
    if (matrix) PUTS(b, "\"matrix\",\"result\":[");
    else PUTS(b, "\"vector\",\"result\":[");
    if (v->type == PQ_T_SCALAR) { /* a range query of a scalar: one series without labels */
        PUTS(b, "{\"metric\":{},\"values\":[");
        for (size_t i = 0; i < n; i++) {
            if (i) buf_putc(b, ',');
            put_point(b, res->start + (int64_t)i * res->step, v->scalar[i]);
        }
        PUTS(b, "]}]");
        return;
    }
    int first = 1;
    for (size_t k = 0; k < v->n; k++) {
        const pq_series *s = &v->s[k];
        if (!j->range && v->type == PQ_T_VECTOR && !s->has[0]) continue;
        buf_put(b, first ? "{\"metric\":" : ",{\"metric\":", first ? 10 : 11);
        first = 0;
        prom_put_labels(b, &s->ls);
        if (v->type == PQ_T_MATRIX) { /* samples */
            PUTS(b, ",\"values\":[");
            for (size_t i = 0; i < s->ns; i++) {
                if (i) buf_putc(b, ',');
                put_point(b, s->sts[i], s->sv[i]);
            }
            PUTS(b, "]}");
        } else if (!j->range) {
            PUTS(b, ",\"value\":");
            put_point(b, j->start, s->v[0]);
            buf_putc(b, '}');
        } else {
            PUTS(b, ",\"values\":[");
            int any = 0;
            for (size_t i = 0; i < n; i++) {
                if (!s->has[i]) continue;
                if (any++) buf_putc(b, ',');
                put_point(b, res->start + (int64_t)i * res->step, s->v[i]);
            }
            PUTS(b, "]}");
        }
    }
    buf_putc(b, ']');
}


static void work_eval(tm_query *q, void *arg, tm_reply *out) {
    pjob *j = arg;
    if (j->timeout > 0 && mono_ms() + j->timeout < q->deadline) q->deadline = mono_ms() + j->timeout;
    pq_ctx *c;
    pq_result res;
    int r = pq_eval(q, j->root, j->start, j->end, j->range ? j->step : 0, &c, &res);
    if (r || q->code) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", pq_error(c) ? pq_error(c) : q->err);
        int code = q->code == 503 ? 503 : 422;
        q->code = 0; /* answered here, in Prometheus' shape */
        prom_error(out, code, code == 503 ? "timeout" : "execution", msg);
        pq_ctx_free(c);
        return;
    }
    PUTS(&out->body, "{\"status\":\"success\",\"data\":{\"resultType\":");
    put_result(&out->body, j, &res);
    PUTS(&out->body, "}}");
    pq_ctx_free(c);
}

/* the query parameter, parsed; a parse error is worded as Prometheus words
 * it: an instant query's names the parameter, a range query's does not */
static pjob *parse_query(tm_req *r, int range) {
    const char *qs = req_param(r, "query"), *to = req_param(r, "timeout");
    char err[512], msg[600];
    pjob *j = xcalloc(1, sizeof *j);
    if (to && *to && (!prom_duration(to, &j->timeout) || j->timeout < 0)) {
        snprintf(msg, sizeof msg, "invalid parameter \"timeout\": cannot parse \"%s\" to a valid duration", to);
        error_now(r, 400, "bad_data", msg);
        free(j);
        return NULL;
    }
    if (!(j->root = pq_parse(qs ? qs : "", qs ? strlen(qs) : 0, &j->ar, err, sizeof err))) {
        snprintf(msg, sizeof msg, "%s%s", range ? "" : "invalid parameter \"query\": ", err);
        error_now(r, 400, "bad_data", msg);
        free(j);
        return NULL;
    }
    return j;
}

void prom_route_query(tm_req *r, void *arg) {
    int64_t t;
    if (!time_param(r, "time", now_ms(), &t)) return;
    pjob *j = parse_query(r, 0);
    if (!j) return;
    j->start = j->end = t;
    api_defer(arg, r, work_eval, j, pjob_free);
}

static void route_query_range(tm_req *r, void *arg) {
    int64_t start, end, step;
    const char *sp = req_param(r, "step");
    char msg[300];
    if (!time_param(r, "start", INT64_MIN, &start) || !time_param(r, "end", INT64_MIN, &end)) return;
    if (end < start) return error_now(r, 400, "bad_data", "invalid parameter \"end\": end timestamp must not be before start time");
    if (!sp || !prom_duration(sp, &step)) {
        snprintf(msg, sizeof msg, "invalid parameter \"step\": cannot parse \"%s\" to a valid duration", sp ? sp : "");
        return error_now(r, 400, "bad_data", msg);
    }
    if (step <= 0)
        return error_now(r, 400, "bad_data",
                         "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. "
                         "Try a positive integer");
    if ((end - start) / step > MAX_RESOLUTION)
        return error_now(r, 400, "bad_data",
                         "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                         "resolution (?step=XX)");
    pjob *j = parse_query(r, 1);
    if (!j) return;
    if (j->root->type != PQ_T_SCALAR && j->root->type != PQ_T_VECTOR) {
        snprintf(msg, sizeof msg, "invalid expression type \"%s\" for range query, must be Scalar or instant Vector",
                 pq_type_name(j->root->type));
        pjob_free(j);
        return error_now(r, 400, "bad_data", msg);
    }
    j->start = start;
    j->end = end;
    j->step = step;
    j->range = 1;
    api_defer(arg, r, work_eval, j, pjob_free);
}

void routes_prom_api(tm_http *h, tm_api *api) {
    http_route(h, M_GET | M_POST, "/api/v1/query_range", 0, R_READ, route_query_range, api);
    prom_meta_routes(h, api);
}
