/* ui_routes.c — the web UI: its pages (/, /series, /alerting: one
 * single-page app that routes on its own path) and /assets/NAME, served from
 * the table embedded at build time (ui_assets.h).
 *
 * Everything here is R_PUBLIC: the page holds no data and asks for the token
 * itself. Answers carry a strong ETag and "no-cache", so a browser
 * revalidates with a cheap 304 and never runs an old app.js against a new
 * server; the gzip copy goes to clients that accept it. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "ui_assets.h"

static const tm_asset *asset_find(const char *name) {
    for (size_t i = 0; i < ui_nassets; i++)
        if (!strcmp(ui_assets[i].name, name)) return &ui_assets[i];
    return NULL;
}

/* "gzip" among the codings, and not refused with q=0 */
static int accepts_gzip(const char *ae) {
    for (const char *p = ae; p && (p = strcasestr(p, "gzip")); p += 4) {
        if (p > ae && p[-1] != ' ' && p[-1] != ',') continue;
        const char *q = p + 4;
        while (*q == ' ') q++;
        if (*q == ',' || !*q) return 1;
        if (*q != ';') continue;
        q = strchr(q, '=');
        if (!q) return 1;
        q++;
        while (*q == '0' || *q == '.') q++;
        return *q >= '1' && *q <= '9';
    }
    return 0;
}

static void send_asset(tm_req *r, const tm_asset *a) {
    struct evkeyvalq *in = evhttp_request_get_input_headers(r->req);
    struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(out, "Cache-Control", "no-cache");
    evhttp_add_header(out, "ETag", a->etag);
    evhttp_add_header(out, "Vary", "Accept-Encoding");
    evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
    if (!strncmp(a->ctype, "text/html", 9)) {
        /* tiles may come from any server the user configures; nothing else
         * is loaded from elsewhere */
        evhttp_add_header(out, "Content-Security-Policy",
                          "default-src 'self'; img-src * data: blob:; style-src 'self' 'unsafe-inline'; "
                          "object-src 'none'; base-uri 'self'; frame-ancestors 'self'");
        evhttp_add_header(out, "Referrer-Policy", "no-referrer");
    }
    const char *inm = evhttp_find_header(in, "If-None-Match");
    if (inm && (strstr(inm, a->etag) || !strcmp(inm, "*"))) {
        http_reply(r, 304, NULL, "", 0);
        return;
    }
    const char *ae = evhttp_find_header(in, "Accept-Encoding");
    if (a->gz && ae && accepts_gzip(ae)) {
        evhttp_add_header(out, "Content-Encoding", "gzip");
        http_reply(r, 200, a->ctype, a->gz, a->gzlen);
    } else {
        http_reply(r, 200, a->ctype, a->data, a->len);
    }
}

/* The page finds its base (for --url-prefix) from its own path, so "/prefix"
 * must become "/prefix/" before the browser resolves "assets/app.js". */
static int redirected(tm_req *r) {
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(r->req);
    const char *raw = evhttp_uri_get_path(uri), *query = evhttp_uri_get_query(uri);
    size_t n = raw ? strlen(raw) : 0;
    if (strcmp(r->path, "/") || !n || raw[n - 1] == '/' || n > 2048) return 0;
    char loc[4200];
    snprintf(loc, sizeof loc, "%s/%s%s", raw, query ? "?" : "", query ? query : "");
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Location", loc);
    http_reply(r, 301, "text/plain", "moved\n", 6);
    return 1;
}

static void route_page(tm_req *r, void *arg) {
    (void)arg;
    if (redirected(r)) return;
    const tm_asset *a = asset_find("index.html");
    if (!a) {
        http_error(r, 500, "the web UI was not built into this binary", 0);
        return;
    }
    send_asset(r, a);
}

static void route_asset(tm_req *r, void *arg) {
    (void)arg;
    const tm_asset *a = strchr(r->rest, '/') || !strcmp(r->rest, "index.html") ? NULL : asset_find(r->rest);
    if (!a) {
        http_error(r, 404, "no such asset", 0);
        return;
    }
    send_asset(r, a);
}

void routes_ui(tm_http *h, tm_api *api) {
    static const char *const pages[] = {"/", "/series", "/alerting"};
    for (size_t i = 0; i < sizeof pages / sizeof *pages; i++)
        http_route(h, M_GET | M_HEAD, pages[i], 0, R_PUBLIC, route_page, api);
    http_route(h, M_GET | M_HEAD, "/assets/", 1, R_PUBLIC, route_asset, api);
}
