/* api.h — every HTTP route of tidemark, as thin adapters on the store.
 * api_register adds the routes to an HTTP listener. */
#ifndef TM_API_H
#define TM_API_H
#include "../core/store.h"
#include "../net/http.h"

typedef struct {
    tm_store *store;
    int64_t default_step; /* archive 0's step, ms */
    struct tm_relays *relays; /* connected Pulse relays, for the /relays/ routes (may be NULL) */
    struct tm_engine *engine; /* the query engine (query/engine.h): every read of samples goes through it */
    /* more of /metrics from layers above the API (forwarding); may be NULL */
    void (*metrics_more)(tm_buf *b, void *arg);
    void *metrics_more_arg;
    struct alerts *alerts;    /* the alerting service, for the /alerts routes (may be NULL) */
} tm_api;

void api_register(tm_http *h, tm_api *api);

/* pieces shared by the route files */
void routes_ingest(tm_http *h, tm_api *api);
void routes_query(tm_http *h, tm_api *api);
void routes_health(tm_http *h, tm_api *api);
void routes_prom(tm_http *h, tm_api *api);
void routes_prom_api(tm_http *h, tm_api *api); /* the Prometheus HTTP API (PromQL) */
void routes_influx(tm_http *h, tm_api *api);
void routes_pulse(tm_http *h, tm_api *api);
void routes_series(tm_http *h, tm_api *api); /* DELETE /api/v1/series */
void routes_ui(tm_http *h, tm_api *api); /* the web UI page and its assets */
/* When the store refused b's samples for want of disk (batch_refuse), answer
 * 503 with Retry-After so clients keep the batch and send it again, and
 * return 1; else 0. */
int api_refused(tm_req *r, const tm_batch *b, size_t stored);
void routes_alerts(tm_http *h, tm_api *api); /* 503 while api->alerts is NULL */
/* live streams need the loop for their keep-alive timer */
void routes_stream(tm_http *h, tm_api *api, struct event_base *base);
void streams_close(void); /* ends every stream; before the store closes */
/* An "alert" event (json: alert/event.h) to every live stream; loop thread. */
void stream_publish(void *arg, const char *json, size_t n);
#endif
