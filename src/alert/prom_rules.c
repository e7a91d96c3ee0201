/* prom_rules.c — tidemark's rules and their states in the shapes of
 * Prometheus 2.42's GET /api/v1/rules and GET /api/v1/alerts, which
 * Grafana's Prometheus data source and its alerting pages read.
 *
 * tidemark's rules have no groups: they form one group "tidemark" (file
 * "tidemark", the --alert-interval as its interval), every rule an
 * alerting one. A rule's query is its expr; a metric rule is written as
 * the PromQL it amounts to (agg over duration per series, compared with
 * its lowest threshold; nodata as absent_over_time). Each pending or
 * firing series is an alert whose labels and annotations are the ones
 * pushed to Alertmanager (payload.h); activeAt is when its condition began
 * to hold, value Go's FormatFloat(v, 'e', -1, 64). Times are RFC 3339 in
 * UTC; before its first round a rule's health is "unknown" and its
 * lastEvaluation Go's zero time, as Prometheus has them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../query/promql_eval.h"
#include "../util/glob.h"
#include "../util/jsonw.h"
#include "../util/timeparse.h"
#include "alerts_int.h"
#include "payload.h"

#define PUTS(b, s) buf_put(b, s, sizeof s - 1)

/* Go's time.Time as JSON: RFC 3339 with the fraction's trailing zeros cut */
static void put_rfc3339(tm_buf *b, int64_t ms) {
    if (ms <= 0) {
        PUTS(b, "\"0001-01-01T00:00:00Z\"");
        return;
    }
    char s[48];
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(s, sizeof s, "\"%Y-%m-%dT%H:%M:%S", &tm);
    int frac = (int)(ms % 1000);
    if (frac) {
        n += (size_t)snprintf(s + n, sizeof s - n, ".%03d", frac);
        while (s[n - 1] == '0') n--;
    }
    snprintf(s + n, sizeof s - n, "Z\"");
    buf_put(b, s, strlen(s));
}

/* strconv.FormatFloat(v, 'e', -1, 64), as Prometheus writes an alert's value */
static void put_value_e(tm_buf *b, double v) {
    char s[40];
    pq_format_go(v, 'e', s, sizeof s);
    json_put_string(b, s, strlen(s));
}

/* Prometheus' duration text: 1h30m, 45s, 1d */
static void put_duration(tm_buf *b, int64_t ms) {
    static const struct { char u[3]; int64_t ms; } units[] = {
        {"y", 365LL * 86400000}, {"w", 7LL * 86400000}, {"d", 86400000}, {"h", 3600000},
        {"m", 60000}, {"s", 1000}, {"ms", 1}};
    if (ms <= 0) {
        PUTS(b, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (ms >= units[i].ms) {
            buf_printf(b, "%lld%s", (long long)(ms / units[i].ms), units[i].u);
            ms %= units[i].ms;
        }
}

/* a Graphite glob as the anchored regex PromQL's =~ reads (for display) */
static void put_glob_regex(tm_buf *b, const char *g) {
    int in_class = 0;
    for (; *g; g++) {
        char c = *g;
        if (in_class) {
            buf_putc(b, c == '!' && g[-1] == '[' ? '^' : c);
            in_class = c != ']';
        } else if (c == '*') PUTS(b, "[^.]*");
        else if (c == '?') PUTS(b, "[^.]");
        else if (c == '[') buf_putc(b, '['), in_class = 1;
        else if (c == '{') buf_putc(b, '(');
        else if (c == '}') buf_putc(b, ')');
        else if (c == ',') buf_putc(b, '|');
        else if (strchr(".+()|^$\\", c)) buf_putc(b, '\\'), buf_putc(b, c);
        else buf_putc(b, c);
    }
}

static void put_matcher(tm_buf *b, const char *name, const char *v) {
    tm_buf re = {0};
    int glob = glob_is_pattern(v, strlen(v));
    if (glob) put_glob_regex(&re, v);
    else buf_put(&re, v, strlen(v));
    buf_printf(b, "%s%s\"", name, glob ? "=~" : "=");
    for (size_t i = 0; i < re.n; i++) { /* a PromQL string: \ and " escaped */
        if (re.p[i] == '\\' || re.p[i] == '"') buf_putc(b, '\\');
        buf_putc(b, (char)re.p[i]);
    }
    buf_putc(b, '"');
    buf_free(&re);
}

static void put_selector(tm_buf *b, const alert_rule *r, int64_t range) {
    buf_putc(b, '{');
    put_matcher(b, "__name__", r->metric);
    for (size_t i = 0; i < r->ntags; i++) {
        buf_putc(b, ',');
        put_matcher(b, r->tag_k[i], r->tag_v[i]);
    }
    PUTS(b, "}[");
    put_duration(b, range);
    buf_putc(b, ']');
}

static int has_value_condition(const alert_rule *r) {
    return r->str_thr || r->has_thr[LVL_INFO] || r->has_thr[LVL_WARN] || r->has_thr[LVL_CRIT];
}

static void put_comparison(tm_buf *b, const alert_rule *r) {
    buf_printf(b, " %s ", op_names[r->op]);
    if (r->str_thr) json_put_string(b, r->str_thr, strlen(r->str_thr));
    else json_put_number(b, r->thr[rule_base_level(r)]);
}

/* the PromQL a metric rule amounts to, per series */
static void metric_query(tm_buf *b, const alert_rule *r) {
    static const char *const fn[] = {"avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
                                     "count_over_time", "last_over_time", "rate"};
    int value = has_value_condition(r);
    if (value) {
        buf_printf(b, "%s(", r->str_thr ? "last_over_time" : fn[r->agg]);
        put_selector(b, r, r->duration ? r->duration : EVAL_DEFAULT_WINDOW_MS);
        buf_putc(b, ')');
        put_comparison(b, r);
    }
    if (r->nodata_ms) {
        if (value) PUTS(b, " or ");
        PUTS(b, "absent_over_time(");
        put_selector(b, r, r->nodata_ms);
        buf_putc(b, ')');
    }
}

/* the rule's query: its expr (compared with its threshold when it has one), or its metric rule as PromQL */
static void put_query(tm_buf *b, const alert_rule *r) {
    tm_buf q = {0};
    if (!r->expr) metric_query(&q, r);
    else if (!has_value_condition(r)) buf_put(&q, r->expr, strlen(r->expr));
    else {
        buf_printf(&q, "(%s)", r->expr);
        put_comparison(&q, r);
    }
    json_put_string(b, (const char *)q.p, q.n);
    buf_free(&q);
}

static int active(const series_slot *s) { return s->st.phase != PH_OK; }

/* one alert: {"labels","annotations","state","activeAt","value"} */
static void put_alert(tm_buf *b, const alert_rule *r, const series_slot *s, int64_t now) {
    alert_event e;
    event_fill(&e, r, s, s->st.level, now);
    e.firing = 1; /* pending or firing: its summary speaks of an active alert */
    tm_buf ev = {0};
    event_json(&ev, &e);
    json_t *j = json_loadb((const char *)ev.p, ev.n, 0, NULL);
    buf_free(&ev);
    json_t *lab = payload_labels(j), *ann = payload_annotations(j);
    char *ls = json_dumps(lab, JSON_COMPACT | JSON_SORT_KEYS), *as = json_dumps(ann, JSON_COMPACT | JSON_SORT_KEYS);
    buf_printf(b, "{\"labels\":%s,\"annotations\":%s,\"state\":\"%s\",\"activeAt\":", ls, as,
               s->st.phase == PH_FIRING ? "firing" : "pending");
    free(ls);
    free(as);
    json_decref(lab);
    json_decref(ann);
    json_decref(j);
    put_rfc3339(b, s->st.pending_since);
    PUTS(b, ",\"value\":");
    if (s->sval) json_put_string(b, s->sval, s->slen);
    else put_value_e(b, s->st.value);
    buf_putc(b, '}');
}

static size_t put_alerts(tm_buf *b, const rule_slot *sl, size_t n, int64_t now) {
    for (size_t i = 0; i < sl->t.n; i++) {
        if (!active(&sl->t.v[i])) continue;
        if (n++) buf_putc(b, ',');
        put_alert(b, sl->r, &sl->t.v[i], now);
    }
    return n;
}

static void put_rule(tm_buf *b, const rule_slot *sl, int64_t now) {
    const alert_rule *r = sl->r;
    int worst = PH_OK;
    for (size_t i = 0; i < sl->t.n; i++)
        if (sl->t.v[i].st.phase > worst) worst = sl->t.v[i].st.phase;
    static const char *const states[] = {"inactive", "pending", "firing"};
    const char *name = r->name ? r->name : r->id;
    buf_printf(b, "{\"state\":\"%s\",\"name\":", states[worst]);
    json_put_string(b, name, strlen(name));
    PUTS(b, ",\"query\":");
    put_query(b, r);
    buf_printf(b, ",\"duration\":%.15g,\"keepFiringFor\":%.15g,\"labels\":{\"severity\":\"%s\",\"tidemark_rule\":",
               (double)r->for_ms / 1000, (double)r->keep_firing_ms / 1000, level_names[rule_base_level(r)]);
    json_put_string(b, r->id, strlen(r->id));
    PUTS(b, "},\"annotations\":{");
    if (r->summary) {
        PUTS(b, "\"summary\":");
        json_put_string(b, r->summary, strlen(r->summary));
    }
    PUTS(b, "},\"alerts\":[");
    put_alerts(b, sl, 0, now);
    buf_printf(b, "],\"health\":\"%s\",", !sl->last_eval ? "unknown" : sl->last_err[0] ? "err" : "ok");
    if (sl->last_err[0]) {
        PUTS(b, "\"lastError\":");
        json_put_string(b, sl->last_err, strlen(sl->last_err));
        buf_putc(b, ',');
    }
    buf_printf(b, "\"evaluationTime\":%.9g,\"lastEvaluation\":", (double)sl->eval_ns / 1e9);
    put_rfc3339(b, sl->last_eval);
    PUTS(b, ",\"type\":\"alerting\"}");
}

int alerts_prom_rules(alerts *a, const char *type, tm_buf *out) {
    if (type && *type && strcmp(type, "alert") && strcmp(type, "record")) {
        PUTS(out, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":");
        tm_buf m = {0};
        buf_printf(&m, "invalid parameter \"type\": not supported value \"%s\"", type);
        json_put_string(out, (const char *)m.p, m.n);
        buf_free(&m);
        buf_putc(out, '}');
        return 400;
    }
    int alerting = !type || strcmp(type, "record"); /* tidemark has no recording rules */
    int64_t now = now_ms();
    pthread_mutex_lock(&a->mu);
    PUTS(out, "{\"status\":\"success\",\"data\":{\"groups\":[{\"name\":\"tidemark\",\"file\":\"tidemark\",\"rules\":[");
    for (size_t i = 0; alerting && i < a->nrules; i++) {
        if (i) buf_putc(out, ',');
        put_rule(out, a->rules[i], now);
    }
    buf_printf(out, "],\"interval\":%.15g,\"limit\":0,\"evaluationTime\":%.9g,\"lastEvaluation\":",
               (double)a->o.interval_ms / 1000, (double)a->round_ns / 1e9);
    put_rfc3339(out, a->last_round);
    PUTS(out, "}]}}");
    pthread_mutex_unlock(&a->mu);
    return 200;
}

int alerts_prom_alerts(alerts *a, tm_buf *out) {
    int64_t now = now_ms();
    pthread_mutex_lock(&a->mu);
    PUTS(out, "{\"status\":\"success\",\"data\":{\"alerts\":[");
    for (size_t i = 0, n = 0; i < a->nrules; i++) n = put_alerts(out, a->rules[i], n, now);
    PUTS(out, "]}}");
    pthread_mutex_unlock(&a->mu);
    return 200;
}
