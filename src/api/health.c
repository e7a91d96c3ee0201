/* health.c — GET /healthz and GET /metrics (Prometheus text format). */
#include <string.h>

#include "../alert/alerts.h"
#include "../util/counters.h"
#include "api.h"
#include "graphite_api.h"

static void route_healthz(tm_req *r, void *arg) {
    (void)arg;
    http_reply(r, 200, "text/plain", "ok\n", 3);
}

static void per_proto(tm_buf *b, const char *name, const char *help, const uint64_t *v) {
    buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    for (int p = 0; p < P_NPROTO; p++)
        buf_printf(b, "%s{protocol=\"%s\"} %llu\n", name, proto_names[p], (unsigned long long)v[p]);
}

static void route_metrics(tm_req *r, void *arg) {
    tm_api *api = arg;
    tm_store_stats st;
    store_stats(api->store, &st);
    tm_buf b = {0};
    per_proto(&b, "tidemark_samples_received_total", "Samples stored, by protocol.", counters.received);
    per_proto(&b, "tidemark_lines_rejected_total", "Lines or fields refused, by protocol.", counters.rejected);
    buf_printf(&b, "# HELP tidemark_series Series known.\n# TYPE tidemark_series gauge\ntidemark_series %llu\n",
               (unsigned long long)st.series);
    buf_printf(&b, "# HELP tidemark_wal_bytes Bytes in the write-ahead log.\n# TYPE tidemark_wal_bytes gauge\n"
                   "tidemark_wal_bytes %llu\n", (unsigned long long)st.wal_bytes);
    buf_printf(&b, "# HELP tidemark_chunks_persisted_total Chunks written to disk.\n"
                   "# TYPE tidemark_chunks_persisted_total counter\ntidemark_chunks_persisted_total %llu\n",
               (unsigned long long)st.chunks_persisted);
    buf_printf(&b, "# HELP tidemark_samples_refused_total Samples refused by the store.\n"
                   "# TYPE tidemark_samples_refused_total counter\n"
                   "tidemark_samples_refused_total{reason=\"type\"} %llu\n"
                   "tidemark_samples_refused_total{reason=\"too_old\"} %llu\n"
                   "tidemark_samples_refused_total{reason=\"wal_write\"} %llu\n",
               (unsigned long long)st.rejected_type, (unsigned long long)st.rejected_old,
               (unsigned long long)st.rejected_io);
    const char *h = "tidemark_http_request_duration_seconds";
    buf_printf(&b, "# HELP %s HTTP request latency.\n# TYPE %s histogram\n", h, h);
    uint64_t cum = 0;
    for (int i = 0; i < HTTP_BUCKETS; i++) {
        cum += counters.http_hist[i];
        buf_printf(&b, "%s_bucket{le=\"%g\"} %llu\n", h, http_bucket_le[i], (unsigned long long)cum);
    }
    cum += counters.http_hist[HTTP_BUCKETS];
    buf_printf(&b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", h, (unsigned long long)cum, h,
               counters.http_sum, h, (unsigned long long)counters.http_count);
    buf_printf(&b, "# HELP tidemark_queries_total Queries answered, by where they ran.\n"
                   "# TYPE tidemark_queries_total counter\n"
                   "tidemark_queries_total{where=\"loop\"} %llu\ntidemark_queries_total{where=\"worker\"} %llu\n",
               (unsigned long long)counters.queries_loop, (unsigned long long)counters.queries_worker);
    if (api->metrics_more) api->metrics_more(&b, api->metrics_more_arg);
    if (api->alerts) alerts_metrics(api->alerts, &b);
    http_reply(r, 200, "text/plain; version=0.0.4", b.p, b.n);
    buf_free(&b);
}

void routes_health(tm_http *h, tm_api *api) {
    http_route(h, M_GET | M_HEAD, "/healthz", 0, R_PUBLIC, route_healthz, api);
    http_route(h, M_GET, "/metrics", 0, R_READ, route_metrics, api);
}

void api_register(tm_http *h, tm_api *api) {
    routes_health(h, api);
    routes_ingest(h, api);
    routes_query(h, api);
    routes_prom(h, api);
    routes_prom_api(h, api);
    routes_influx(h, api);
    routes_pulse(h, api);
    routes_series(h, api);
    routes_ui(h, api);
    routes_graphite_render(h, api);
    routes_graphite_metrics(h, api);
    routes_graphite_tags(h, api);
    routes_alerts(h, api);
}
