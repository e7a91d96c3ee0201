/* ingest_routes.c — writes over HTTP: /add (Vapor Trail style) and
 * POST /api/v1/data (JSON). Good samples are stored even when others in the
 * same request are bad; the answer then is 400 naming the first bad line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/jsondata.h"
#include "../ingest/vapor.h"
#include "../util/counters.h"
#include "../util/jsonw.h"
#include "../util/timeparse.h"
#include "api.h"

#define RETRY_AFTER_S "10"

int api_refused(tm_req *r, const tm_batch *b, size_t stored) {
    if (!b->refused) return 0;
    char msg[512];
    snprintf(msg, sizeof msg, "%s (%zu stored, %zu rejected)", b->err, stored, b->nerr);
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", RETRY_AFTER_S);
    http_error(r, 503, msg, 0);
    return 1;
}

/* "field 3 (door): " for the line-th field of an /add query, so an error
 * names the key the user wrote; "" when fields is NULL. */
static void field_name(const char *fields, size_t line, char *out, size_t n) {
    *out = 0;
    for (size_t k = 1; fields && *fields; k++) {
        size_t len = strcspn(fields, "&"), klen = strcspn(fields, "=&");
        if (k == line) {
            char key[128];
            size_t kl = url_decode(fields, klen < sizeof key ? klen : sizeof key - 1, key);
            key[kl] = 0;
            snprintf(out, n, "field %zu (%s): ", line, key);
            return;
        }
        fields += len + (fields[len] == '&');
    }
}

/* Store b and answer for it; fields: the /add query, to name a bad field. */
static void finish(tm_req *r, tm_api *api, tm_batch *b, int proto, const char *fields) {
    size_t stored = b->n ? store_write(api->store, b, now_ms()) : 0;
    count_add(&counters.received[proto], stored);
    if (b->nerr) count_add(&counters.rejected[proto], b->nerr);
    if (api_refused(r, b, stored)) return;
    if (b->nerr) {
        char msg[768], field[160];
        field_name(fields, b->err_line, field, sizeof field);
        snprintf(msg, sizeof msg, "%s%s (%zu stored, %zu rejected)", field, b->err, stored, b->nerr);
        http_error(r, 400, msg, b->err_line);
        return;
    }
    tm_buf out = {0};
    buf_printf(&out, "{\"stored\":%zu}", stored);
    http_json(r, 200, &out);
    buf_free(&out);
}

static void route_add(tm_req *r, void *arg) {
    tm_batch b;
    batch_init(&b);
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(r->req);
    const char *q = evhttp_uri_get_query(u);
    int ok = 1;
    char *form = NULL; /* a POST may carry the fields as a form body instead of the URL */
    if (r->method == M_POST && r->body_len && (!q || !strstr(q, "host="))) {
        form = xstrndup(r->body, r->body_len);
        ok = vapor_parse(r->body, r->body_len, now_ms(), &b);
    } else {
        ok = vapor_parse(q ? q : "", q ? strlen(q) : 0, now_ms(), &b);
    }
    if (!ok) http_error(r, 400, b.nerr && b.err_line ? b.err : "host is required: /add?host=NAME&key=value...", b.err_line);
    else finish(r, arg, &b, P_ADD, form ? form : q);
    free(form);
    batch_free(&b);
}

static void route_data(tm_req *r, void *arg) {
    tm_batch b;
    batch_init(&b);
    jsondata_parse(r->body, r->body_len, &b);
    finish(r, arg, &b, P_JSON, NULL);
    batch_free(&b);
}

void routes_ingest(tm_http *h, tm_api *api) {
    http_route(h, M_GET | M_POST, "/add", 0, R_WRITE, route_add, api);
    http_route(h, M_POST, "/api/v1/data", 0, R_WRITE, route_data, api);
}
