/* http.h — the HTTP listener (libevent evhttp) and its router.
 *
 * Routes are matched on the path after --url-prefix: exact, or by prefix
 * ("/api/v1/data/" hands the rest to the handler as r->rest). Each route
 * says who may call it: anyone (healthz, the UI page), readers, or writers;
 * with --token, readers need it unless --read-open, writers always. The
 * token may come as X-AUTH-TOKEN, "Authorization: Bearer", HTTP Basic
 * (any user, the token as password), ?token= or InfluxDB's ?p=.
 * Parameters are read from the query string and, for form bodies, the body. */
#ifndef TM_HTTP_H
#define TM_HTTP_H
#include <sys/queue.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stddef.h>
#include <stdio.h>

#include "../util/buf.h"

enum { R_PUBLIC, R_READ, R_WRITE };
enum { M_GET = 1, M_POST = 2, M_PUT = 4, M_DELETE = 8, M_HEAD = 16 };

typedef struct {
    struct evhttp_request *req;
    const char *path; /* after the prefix */
    const char *rest; /* for prefix routes: what follows the route, percent-decoded */
    int method;
    struct evkeyvalq params; /* query string, then a form body */
    const char *body;
    size_t body_len;
} tm_req;

typedef void (*tm_handler)(tm_req *r, void *arg);
typedef struct tm_http tm_http;

typedef struct {
    const char *prefix, *token, *cors;
    int read_open;
    size_t max_body;
} tm_http_opts;

tm_http *http_listen(struct event_base *base, const char *addr, const tm_http_opts *o, char *err, size_t errlen);
/* http_listen in two steps: a router with no socket yet (`tidemark routes`
 * uses one to print the table), then its socket; 0 ok. */
tm_http *http_new(struct event_base *base, const tm_http_opts *o);
int http_bind(tm_http *h, const char *addr, char *err, size_t errlen);
/* One line per route: METHODS PATH ACCESS, "*" ending a prefix route. */
void http_routes_print(const tm_http *h, FILE *f);
void http_route(tm_http *h, int methods, const char *path, int is_prefix, int access, tm_handler fn, void *arg);
void http_free(tm_http *h);

const char *req_param(const tm_req *r, const char *name);
/* Replies; body is copied. */
void http_reply(tm_req *r, int code, const char *ctype, const void *body, size_t n);
void http_json(tm_req *r, int code, const tm_buf *b);
/* {"error": msg, "line": line} (line left out when 0) */
void http_error(tm_req *r, int code, const char *msg, size_t line);
#endif
