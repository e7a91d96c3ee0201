/* series_routes.c — DELETE /api/v1/series?match=GLOB&TAG=VAL: delete the
 * matching series, everything the store holds of them (a write: it needs
 * the token). A match or a tag filter is required, so a bare DELETE never
 * empties the store; the answer says how many were deleted and which. */
#include <stdlib.h>
#include <string.h>

#include "../util/jsonw.h"
#include "api.h"
#include "match.h"

#define DELETE_MAX_LISTED 1000 /* names in the answer; the count is always whole */

static void route_delete(tm_req *r, void *arg) {
    tm_api *api = arg;
    const char *glob = req_param(r, "match");
    tm_match m;
    match_from_req(r, glob && *glob ? glob : NULL, &m);
    if (!m.metric && !m.nf) {
        http_error(r, 400, "say which series: DELETE /api/v1/series?match=GLOB (and/or TAG=VALUE filters)", 0);
        return;
    }
    uint32_t *ids;
    size_t n = match_ids(api->store, &m, &ids);
    tm_buf b = {0}, names = {0};
    for (size_t i = 0, listed = 0; i < n && listed < DELETE_MAX_LISTED; i++) {
        tm_series_info in;
        if (!store_get(api->store, ids[i], &in)) continue;
        if (listed++) buf_putc(&names, ',');
        json_put_string(&names, in.key, in.klen);
    }
    long done = store_delete(api->store, ids, n); /* all at once: one log record, one pass of the persister */
    free(ids);
    if (done < 0) {
        buf_free(&names);
        http_error(r, 503, "the write-ahead log cannot be written: nothing was deleted", 0);
        return;
    }
    buf_printf(&b, "{\"deleted\":%ld,\"series\":[", done);
    buf_put(&b, names.p, names.n);
    buf_put(&b, "]}", 2);
    http_json(r, 200, &b);
    buf_free(&b);
    buf_free(&names);
}

void routes_series(tm_http *h, tm_api *api) { http_route(h, M_DELETE, "/api/v1/series", 0, R_WRITE, route_delete, api); }
