/* stream.c — GET /api/v1/stream?metric=glob&TAG=VAL: Server-Sent Events, one
 * event per new sample, for live views.
 *
 * The store calls us after every write; each client's match result is
 * cached per series id, so a write costs a byte lookup per sample per client.
 * A client that does not keep up (more than STREAM_MAX_QUEUED bytes waiting
 * in its socket buffer) gets a final "dropped" event and is closed:
 * ingestion never waits for a browser. Alert transitions go to every
 * client as named "alert" events (EventSource's onmessage never sees them). */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <stdlib.h>
#include <string.h>

#include "../net/admit.h"
#include "../net/httpconn.h"
#include "../util/jsonw.h"
#include "api.h"
#include "match.h"

#define STREAM_MAX_QUEUED (1u << 20)
#define STREAM_MAX_CLIENTS 256

typedef struct client {
    struct client *next;
    struct evhttp_request *req;
    struct evhttp_connection *con;
    struct tm_streams *owner;
    tm_match m;
    char *strs;     /* the match's strings live here */
    uint8_t *seen;  /* per series id: 0 unknown, 1 match, 2 no match */
    size_t nseen;
} client;

typedef struct tm_streams {
    tm_store *store;
    client *clients;
    size_t n;
    struct event *ping;
    tm_buf ev;
} tm_streams;

static tm_streams streams; /* one server per process */

static void client_free(client *c) {
    tm_streams *s = c->owner;
    for (client **p = &s->clients; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    s->n--;
    free(c->strs);
    free(c->seen);
    free(c);
}

static void on_close(struct evhttp_connection *con, void *arg) {
    (void)con;
    client *c = arg;
    /* The client went away mid-reply: libevent detaches the request from the
     * connection and leaves it to us; ending the reply frees it. */
    if (!evhttp_request_get_connection(c->req)) evhttp_send_reply_end(c->req);
    client_free(c);
}

static void drop(client *c, const char *why) {
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "event: dropped\ndata: {\"reason\":\"%s\"}\n\n", why);
    evhttp_send_reply_chunk(c->req, b);
    evbuffer_free(b);
    httpconn_on_close(c->con, NULL, NULL);
    evhttp_send_reply_end(c->req);
    client_free(c);
}

static int wants(client *c, tm_store *st, uint32_t id) {
    if (id >= c->nseen) {
        size_t n = c->nseen ? c->nseen : 1024;
        while (n <= id) n *= 2;
        c->seen = realloc(c->seen, n);
        memset(c->seen + c->nseen, 0, n - c->nseen);
        c->nseen = n;
    }
    if (!c->seen[id]) {
        tm_series_info in;
        c->seen[id] = store_get(st, id, &in) && match_series(&c->m, in.key, in.klen) ? 1 : 2;
    }
    return c->seen[id] == 1;
}

static void put_event(tm_buf *b, const tm_batch *bt, const tm_sample *x) {
    static const char *const tn[] = {"number", "string", "location"};
    const char *key = batch_key(bt, x), *semi = memchr(key, ';', x->key_len);
    buf_put(b, "data: {\"metric\":", 16);
    json_put_string(b, key, semi ? (size_t)(semi - key) : x->key_len);
    buf_put(b, ",\"tags\":", 8);
    json_put_tags(b, key, x->key_len);
    buf_printf(b, ",\"type\":\"%s\",\"time\":", tn[x->type]);
    json_put_time(b, x->ts);
    buf_put(b, ",\"value\":", 9);
    if (x->type == TM_STRING) json_put_string(b, batch_str(bt, x), x->str_len);
    else if (x->type == TM_LOCATION) {
        buf_putc(b, '[');
        json_put_number(b, x->v);
        buf_putc(b, ',');
        json_put_number(b, x->v2);
        buf_putc(b, ']');
    } else json_put_number(b, x->v);
    buf_put(b, "}\n\n", 3);
}

/* a staleness marker ends a series; it is no value to show */
static int is_marker(const tm_sample *x) { return x->type == TM_NUMBER && tm_is_stale(x->v); }

static void on_write(void *arg, const tm_batch *bt, const uint32_t *ids) {
    tm_streams *s = arg;
    for (client *c = s->clients, *next; c; c = next) {
        next = c->next;
        s->ev.n = 0;
        for (size_t i = 0; i < bt->n; i++)
            if (ids[i] && !is_marker(&bt->s[i]) && wants(c, s->store, ids[i])) put_event(&s->ev, bt, &bt->s[i]);
        if (!s->ev.n) continue;
        struct bufferevent *bev = evhttp_connection_get_bufferevent(c->con);
        if (evbuffer_get_length(bufferevent_get_output(bev)) > STREAM_MAX_QUEUED) {
            drop(c, "client too slow");
            continue;
        }
        struct evbuffer *b = evbuffer_new();
        evbuffer_add(b, s->ev.p, s->ev.n);
        evhttp_send_reply_chunk(c->req, b);
        evbuffer_free(b);
    }
}

void stream_publish(void *arg, const char *json, size_t n) {
    (void)arg;
    for (client *c = streams.clients, *next; c; c = next) {
        next = c->next;
        struct bufferevent *bev = evhttp_connection_get_bufferevent(c->con);
        if (evbuffer_get_length(bufferevent_get_output(bev)) > STREAM_MAX_QUEUED) {
            drop(c, "client too slow");
            continue;
        }
        struct evbuffer *b = evbuffer_new();
        evbuffer_add(b, "event: alert\ndata: ", 19);
        evbuffer_add(b, json, n);
        evbuffer_add(b, "\n\n", 2);
        evhttp_send_reply_chunk(c->req, b);
        evbuffer_free(b);
    }
}

/* A comment line now and then keeps proxies from closing idle streams. */
static void on_ping(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    tm_streams *s = arg;
    for (client *c = s->clients; c; c = c->next) {
        struct evbuffer *b = evbuffer_new();
        evbuffer_add(b, ": ping\n\n", 8);
        evhttp_send_reply_chunk(c->req, b);
        evbuffer_free(b);
    }
}

static void route_stream(tm_req *r, void *arg) {
    tm_streams *s = arg;
    if (s->n >= STREAM_MAX_CLIENTS) {
        http_error(r, 503, "too many live streams", 0);
        return;
    }
    client *c = calloc(1, sizeof *c);
    c->req = r->req;
    c->con = evhttp_request_get_connection(r->req);
    c->owner = s;
    match_from_req(r, req_param(r, "metric"), &c->m);
    c->strs = match_own(&c->m); /* the request's parameters die with this call */
    c->next = s->clients;
    s->clients = c;
    s->n++;
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(h, "Content-Type", "text/event-stream");
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "X-Accel-Buffering", "no");
    evhttp_send_reply_start(r->req, 200, "OK");
    /* the client only reads: it is not idle, so no read timeout; a client
     * that stops reading is dropped by STREAM_MAX_QUEUED or the write one */
    bufferevent_set_timeouts(evhttp_connection_get_bufferevent(c->con), NULL, admit_idle_tv());
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "retry: 1000\n: connected\n\n");
    evhttp_send_reply_chunk(r->req, b);
    evbuffer_free(b);
    httpconn_on_close(c->con, on_close, c);
}

void routes_stream(tm_http *h, tm_api *api, struct event_base *base) {
    streams.store = api->store;
    store_observe(api->store, on_write, &streams);
    streams.ping = event_new(base, -1, EV_PERSIST, on_ping, &streams);
    struct timeval every = {15, 0};
    event_add(streams.ping, &every);
    http_route(h, M_GET, "/api/v1/stream", 0, R_READ, route_stream, &streams);
}

void streams_close(void) {
    while (streams.clients) {
        client *c = streams.clients;
        httpconn_on_close(c->con, NULL, NULL);
        evhttp_send_reply_end(c->req);
        client_free(c);
    }
    if (streams.ping) event_free(streams.ping);
    streams.ping = NULL;
    buf_free(&streams.ev);
    if (streams.store) store_unobserve(streams.store, on_write, &streams);
}
