#include "http.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../ingest/vapor.h"
#include "../util/counters.h"
#include "../util/jsonw.h"
#include "../util/log.h"
#include "admit.h"
#include "auth.h"
#include "gzip.h"
#include "listen.h"
#include "httpconn.h"
#include "../util/clock.h"

typedef struct {
    int methods, is_prefix, access;
    char *path;
    size_t plen;
    tm_handler fn;
    void *arg;
} route;

struct tm_http {
    struct evhttp *eh;
    tm_httpconns *conns;
    tm_http_opts o;
    char *prefix;
    size_t prefix_len;
    route *routes;
    size_t nroutes;
};

static int method_of(struct evhttp_request *req) {
    switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET: return M_GET;
    case EVHTTP_REQ_POST: return M_POST;
    case EVHTTP_REQ_PUT: return M_PUT;
    case EVHTTP_REQ_DELETE: return M_DELETE;
    case EVHTTP_REQ_HEAD: return M_HEAD;
    default: return 0;
    }
}

const char *req_param(const tm_req *r, const char *name) {
    return evhttp_find_header((struct evkeyvalq *)&r->params, name);
}

static void add_common_headers(tm_http *h, struct evhttp_request *req) {
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    if (h->o.cors) {
        evhttp_add_header(out, "Access-Control-Allow-Origin", h->o.cors);
        evhttp_add_header(out, "Vary", "Origin");
    }
}

void http_reply(tm_req *r, int code, const char *ctype, const void *body, size_t n) {
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, body, n);
    if (ctype) evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type", ctype);
    const char *reason = code == 200 ? "OK" : code == 204 ? "No Content" : code == 400 ? "Bad Request"
                       : code == 401 ? "Unauthorized" : code == 404 ? "Not Found" : code == 201 ? "Created"
                       : code == 413 ? "Payload Too Large" : code == 503 ? "Service Unavailable" : NULL;
    evhttp_send_reply(r->req, code, reason, b);
    evbuffer_free(b);
}

void http_json(tm_req *r, int code, const tm_buf *b) { http_reply(r, code, "application/json", b->p, b->n); }



void http_error(tm_req *r, int code, const char *msg, size_t line) {
    tm_buf b = {0};
    buf_printf(&b, "{\"error\":");
    json_put_string(&b, msg, strlen(msg));
    if (line) buf_printf(&b, ",\"line\":%zu", line);
    buf_putc(&b, '}');
    http_json(r, code, &b);
    buf_free(&b);
}

/* A form body (not encoded) may carry the token too. */
static int is_form(tm_req *r) {
    struct evkeyvalq *in = evhttp_request_get_input_headers(r->req);
    const char *ct = evhttp_find_header(in, "Content-Type");
    return ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33) && r->body_len &&
           !evhttp_find_header(in, "Content-Encoding");
}

static int authorized(tm_http *h, tm_req *r, int access) {
    if (!h->o.token || access == R_PUBLIC || (access == R_READ && h->o.read_open)) return 1;
    int form = is_form(r);
    return auth_token_ok(h->o.token, r->req, form ? r->body : NULL, form ? r->body_len : 0);
}

static void parse_form(tm_req *r) {
    struct evkeyvalq *in = evhttp_request_get_input_headers(r->req);
    const char *ct = evhttp_find_header(in, "Content-Type");
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) || !r->body_len) return;
    char *copy = xstrndup(r->body, r->body_len);
    struct evkeyvalq form;
    TAILQ_INIT(&form);
    if (!evhttp_parse_query_str(copy, &form)) {
        struct evkeyval *kv;
        TAILQ_FOREACH(kv, &form, next) evhttp_add_header(&r->params, kv->key, kv->value);
    }
    evhttp_clear_headers(&form);
    free(copy);
}

/* Content-Encoding: gzip (Telegraf's default): r->body becomes the inflated
 * bytes in *mem, which the caller frees. Answers 400 or 413 and returns 0
 * when they cannot be had. Other encodings are the routes' business. */
static int decode_body(tm_http *h, tm_req *r, char **mem) {
    const char *ce = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Encoding");
    if (!ce || (strcasecmp(ce, "gzip") && strcasecmp(ce, "x-gzip")) || !r->body_len) return 1;
    char err[200];
    size_t n;
    int rc = gzip_inflate(r->body, r->body_len, h->o.max_body, mem, &n, err, sizeof err);
    if (rc != GZ_OK) {
        http_error(r, rc == GZ_TOO_BIG ? 413 : 400, err, 0);
        return 0;
    }
    r->body = *mem;
    r->body_len = n;
    return 1;
}

static route *match(tm_http *h, const char *path, int method, int *wrong_method) {
    for (size_t i = 0; i < h->nroutes; i++) {
        route *rt = &h->routes[i];
        int hit = rt->is_prefix ? !strncmp(path, rt->path, rt->plen) : !strcmp(path, rt->path);
        if (!hit) continue;
        if (rt->methods & method) return rt;
        *wrong_method = 1;
    }
    return NULL;
}

static double mono(void) { return (double)mono_ns() / 1e9; }

/* The path below --url-prefix, or NULL when the request is outside it. */
static const char *strip_prefix(tm_http *h, const char *path) {
    if (!path || !*path) path = "/";
    if (!h->prefix_len) return path;
    if (strncmp(path, h->prefix, h->prefix_len) || (path[h->prefix_len] && path[h->prefix_len] != '/')) return NULL;
    path += h->prefix_len;
    return *path ? path : "/";
}

static void preflight(tm_req *r) {
    struct evkeyvalq *out = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(out, "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
    evhttp_add_header(out, "Access-Control-Allow-Headers", "Content-Type, Authorization, X-AUTH-TOKEN");
    evhttp_add_header(out, "Access-Control-Max-Age", "86400");
    http_reply(r, 204, NULL, "", 0);
}

/* Check the token before decoding the body, so no unauthorized client makes
 * us inflate anything; a token inside a plain form body still counts. */
static void run_route(tm_http *h, tm_req *r, route *rt) {
    char *inflated = NULL, *rest = NULL;
    if (!authorized(h, r, rt->access)) {
        evhttp_add_header(evhttp_request_get_output_headers(r->req), "WWW-Authenticate", "Bearer");
        http_error(r, 401, "missing or wrong token", 0);
    } else if (decode_body(h, r, &inflated)) {
        parse_form(r);
        if (rt->is_prefix) {
            const char *raw = r->path + rt->plen;
            rest = xmalloc(strlen(raw) + 1);
            rest[url_decode(raw, strlen(raw), rest)] = 0;
            r->rest = rest;
        }
        rt->fn(r, rt->arg);
    } /* else decode_body answered */
    free(rest);
    free(inflated);
}

static void dispatch(struct evhttp_request *req, void *arg) {
    tm_http *h = arg;
    double t0 = mono();
    int nul = httpconns_done(req); /* read whole: handled now */
    tm_req r = {.req = req, .method = method_of(req)};
    TAILQ_INIT(&r.params);
    add_common_headers(h, req);
    if (nul) {
        http_error(&r, 400, "a NUL byte in the request line or a header", 0);
        return;
    }
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *query = evhttp_uri_get_query(uri);
    r.path = strip_prefix(h, evhttp_uri_get_path(uri));
    if (!r.path) {
        http_error(&r, 404, "not found", 0);
        return;
    }
    if (evhttp_request_get_command(req) == EVHTTP_REQ_OPTIONS) { /* CORS preflight */
        preflight(&r);
        return;
    }
    if (query) evhttp_parse_query_str(query, &r.params);
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    r.body_len = evbuffer_get_length(in);
    r.body = r.body_len ? (const char *)evbuffer_pullup(in, -1) : "";
    int wrong = 0;
    route *rt = match(h, r.path, r.method, &wrong);
    if (!rt) http_error(&r, wrong ? 405 : 404, wrong ? "method not allowed" : "not found", 0);
    else run_route(h, &r, rt);
    evhttp_clear_headers(&r.params);
    count_http(mono() - t0);
}

tm_http *http_new(struct event_base *base, const tm_http_opts *o) {
    tm_http *h = xcalloc(1, sizeof *h);
    h->o = *o;
    h->prefix = xstrndup(o->prefix ? o->prefix : "", o->prefix ? strlen(o->prefix) : 0);
    h->prefix_len = strlen(h->prefix);
    while (h->prefix_len && h->prefix[h->prefix_len - 1] == '/') h->prefix[--h->prefix_len] = 0;
    h->eh = evhttp_new(base);
    evhttp_set_allowed_methods(h->eh, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                          EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
    if (!h->o.max_body) h->o.max_body = 64u << 20;
    evhttp_set_max_body_size(h->eh, (ev_ssize_t)h->o.max_body);
    evhttp_set_max_headers_size(h->eh, 64 * 1024);
    /* idle keep-alive connections close after --idle-timeout; without one a
     * request must still arrive whole within 120 s */
    const struct timeval *idle = admit_idle_tv();
    if (idle) evhttp_set_timeout_tv(h->eh, idle);
    else evhttp_set_timeout(h->eh, 120);
    evhttp_set_gencb(h->eh, dispatch, h);
    return h;
}

int http_bind(tm_http *h, const char *addr, char *err, size_t errlen) {
    /* our own socket: numeric addresses only, and errno's reason when the
     * bind fails (evhttp's own bind resolves names and logs its warnings) */
    int fd = listen_socket(addr, SOCK_STREAM, err, errlen);
    if (fd < 0) return -1;
    struct evhttp_bound_socket *bound = evhttp_accept_socket_with_handle(h->eh, fd);
    if (!bound) {
        snprintf(err, errlen, "cannot serve HTTP on %s", addr);
        close(fd);
        return -1;
    }
    h->conns = httpconns_attach(h->eh, bound, "HTTP listener");
    log_info("listening: HTTP API and web UI on http://%s%s/", addr, h->prefix);
    return 0;
}

tm_http *http_listen(struct event_base *base, const char *addr, const tm_http_opts *o, char *err, size_t errlen) {
    tm_http *h = http_new(base, o);
    if (http_bind(h, addr, err, errlen)) {
        http_free(h);
        return NULL;
    }
    return h;
}

void http_route(tm_http *h, int methods, const char *path, int is_prefix, int access, tm_handler fn, void *arg) {
    h->routes = xrealloc(h->routes, (h->nroutes + 1) * sizeof *h->routes);
    h->routes[h->nroutes++] = (route){methods, is_prefix, access, xstrndup(path, strlen(path)), strlen(path), fn, arg};
}

void http_free(tm_http *h) {
    if (!h) return;
    if (h->eh) evhttp_free(h->eh);
    httpconns_free(h->conns);
    for (size_t i = 0; i < h->nroutes; i++) free(h->routes[i].path);
    free(h->routes);
    free(h->prefix);
    free(h);
}

void http_routes_print(const tm_http *h, FILE *f) {
    static const char *const mnames[] = {"GET", "POST", "PUT", "DELETE", "HEAD"};
    static const char *const access[] = {"public", "read", "write"};
    for (size_t i = 0; i < h->nroutes; i++) {
        const route *rt = &h->routes[i];
        char ms[64] = "";
        for (int b = 0; b < 5; b++)
            if (rt->methods & (1 << b)) snprintf(ms + strlen(ms), sizeof ms - strlen(ms), "%s%s", *ms ? "|" : "", mnames[b]);
        fprintf(f, "%-16s %s%s %s\n", ms, rt->path, rt->is_prefix ? "*" : "", access[rt->access]);
    }
}
