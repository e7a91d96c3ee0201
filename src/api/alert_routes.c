/* alert_routes.c — the alerts API (SPEC "Alerts"): thin adapters on
 * alert/alerts.h. Reads need a reader's token, changes a writer's.
 *   POST /alerts, PUT /alerts (by the body's id) or /alerts/{id},
 *   DELETE /alerts/{id}, GET /alerts, GET /alerts/{id},
 *   GET /alerts/events?limit=&since=&id=,
 *   POST|GET /alerts/silences, DELETE /alerts/silences/{id},
 *   GET /api/v1/rules?type=, GET /api/v1/alerts (Prometheus 2.x shapes) */
#include <stdlib.h>
#include <string.h>

#include "../alert/alerts.h"
#include "../util/timeparse.h"
#include "api.h"

#define EVENTS_DEFAULT 100
#define EVENTS_MAX 10000

/* serve always runs alerts; `tidemark routes` lists them without */
static alerts *service(tm_req *r, void *arg) {
    alerts *a = ((tm_api *)arg)->alerts;
    if (!a) http_error(r, 503, "alerts are not running", 0);
    return a;
}

static void answer(tm_req *r, int code, tm_buf *b) {
    http_json(r, code, b);
    buf_free(b);
}

static void route_rules(tm_req *r, void *arg) {
    alerts *a = service(r, arg);
    if (!a) return;
    tm_buf b = {0};
    int code = r->method == M_GET ? alerts_list(a, NULL, &b)
             : r->method == M_POST ? alerts_create(a, r->body, r->body_len, &b)
                                   : alerts_update(a, NULL, r->body, r->body_len, &b);
    answer(r, code, &b);
}

static void route_rule(tm_req *r, void *arg) {
    alerts *a = service(r, arg);
    if (!a) return;
    tm_buf b = {0};
    if (!*r->rest || strchr(r->rest, '/')) {
        http_error(r, 404, "not found", 0);
        return;
    }
    int code = r->method == M_GET ? alerts_list(a, r->rest, &b)
             : r->method == M_DELETE ? alerts_delete(a, r->rest, &b)
                                     : alerts_update(a, r->rest, r->body, r->body_len, &b);
    answer(r, code, &b);
}

static void route_events(tm_req *r, void *arg) {
    alerts *a = service(r, arg);
    if (!a) return;
    const char *lim = req_param(r, "limit"), *since = req_param(r, "since");
    int64_t from = INT64_MIN;
    char *end = NULL;
    long n = lim ? strtol(lim, &end, 10) : EVENTS_DEFAULT;
    if (lim && (*end || n < 1)) {
        http_error(r, 400, "limit: must be a positive whole number", 0);
        return;
    }
    if (since && !parse_time_ms(since, strlen(since), now_ms(), &from)) {
        http_error(r, 400, "since: must be a time (Unix seconds, RFC 3339, -1h)", 0);
        return;
    }
    tm_buf b = {0};
    answer(r, alerts_events(a, from, n > EVENTS_MAX ? EVENTS_MAX : (size_t)n, req_param(r, "id"), &b), &b);
}

static void route_silences(tm_req *r, void *arg) {
    alerts *a = service(r, arg);
    if (!a) return;
    tm_buf b = {0};
    answer(r, r->method == M_GET ? alerts_silences(a, &b) : alerts_silence_add(a, r->body, r->body_len, &b), &b);
}

static void route_silence(tm_req *r, void *arg) {
    alerts *a = service(r, arg);
    if (!a) return;
    tm_buf b = {0};
    answer(r, alerts_silence_del(a, r->rest, &b), &b);
}

/* Prometheus' /api/v1/rules and /api/v1/alerts (Grafana's alerting pages) */
static void route_prom_rules(tm_req *r, void *arg) {
    alerts *a = service(r, arg);
    if (!a) return;
    tm_buf b = {0};
    answer(r, alerts_prom_rules(a, req_param(r, "type"), &b), &b);
}

static void route_prom_alerts(tm_req *r, void *arg) {
    alerts *a = service(r, arg);
    if (!a) return;
    tm_buf b = {0};
    answer(r, alerts_prom_alerts(a, &b), &b);
}

void routes_alerts(tm_http *h, tm_api *api) {
    http_route(h, M_GET, "/api/v1/rules", 0, R_READ, route_prom_rules, api);
    http_route(h, M_GET, "/api/v1/alerts", 0, R_READ, route_prom_alerts, api);
    http_route(h, M_GET, "/alerts/events", 0, R_READ, route_events, api);
    http_route(h, M_GET, "/alerts/silences", 0, R_READ, route_silences, api);
    http_route(h, M_POST, "/alerts/silences", 0, R_WRITE, route_silences, api);
    http_route(h, M_DELETE, "/alerts/silences/", 1, R_WRITE, route_silence, api);
    http_route(h, M_GET, "/alerts", 0, R_READ, route_rules, api);
    http_route(h, M_POST | M_PUT, "/alerts", 0, R_WRITE, route_rules, api);
    http_route(h, M_GET, "/alerts/", 1, R_READ, route_rule, api);
    http_route(h, M_PUT | M_DELETE, "/alerts/", 1, R_WRITE, route_rule, api);
}
