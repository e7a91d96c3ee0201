/* prom_routes.c — POST /api/v1/write, the Prometheus remote write receiver.
 *
 * Prometheus retries a batch on 5xx and 429 and drops it on any other 4xx,
 * so the answers are chosen for that: 204 when everything was stored; 400
 * for a body that is not snappy+protobuf, or naming the first bad series
 * after the good ones were stored (retrying would not help either); 503
 * with Retry-After only when the store refused samples it would otherwise
 * take (the write-ahead log could not be written), so the retry is worth it.
 * Remote write 2.0 bodies (a different message) get 415, as that spec asks
 * of 1.0-only receivers, rather than being misread as empty requests. */
#include <stdio.h>
#include <string.h>

#include "../ingest/promwrite.h"
#include "../util/counters.h"
#include "../util/timeparse.h"
#include "api.h"

static void route_write(tm_req *r, void *arg) {
    tm_api *api = arg;
    tm_batch b;
    tm_pw_stats st;
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Type");
    if (ct && strstr(ct, "io.prometheus.write.v2")) {
        http_error(r, 415, "remote write 2.0 is not supported; send remote write 1.0 (prometheus.WriteRequest)", 0);
        return;
    }
    batch_init(&b);
    if (promwrite_parse(r->body, r->body_len, &b, &st) < 0) {
        count_add(&counters.rejected[P_PROMWRITE], 1);
        http_error(r, 400, b.err, 0);
        batch_free(&b);
        return;
    }
    size_t stored = b.n ? store_write(api->store, &b, now_ms()) : 0;
    count_add(&counters.received[P_PROMWRITE], stored);
    if (b.nerr) count_add(&counters.rejected[P_PROMWRITE], b.nerr);
    if (api_refused(r, &b, stored)) {
        batch_free(&b);
        return;
    }
    if (b.nerr) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s (%zu samples stored, %zu rejected)", b.err, stored, b.nerr);
        http_error(r, 400, msg, b.err_line);
    } else {
        http_reply(r, 204, NULL, "", 0);
    }
    batch_free(&b);
}

void routes_prom(tm_http *h, tm_api *api) { http_route(h, M_POST, "/api/v1/write", 0, R_WRITE, route_write, api); }
