#include "httpconn.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../util/buf.h"
#include "../util/log.h"
#include "admit.h"
#include "loopwait.h"

typedef struct hc {
    struct hc *prev, *next;
    tm_httpconns *hs;
    struct bufferevent *bev;
    struct evhttp_connection *con; /* known once libevent has made it */
    struct event *ev;              /* attach, refuse, give up draining: from the loop */
    size_t held;
    int refused; /* 1: to be answered 503; 2: answered, draining its input */
    int line_ends, in_body, nul_in_head; /* the request head being read */
    void (*close_cb)(struct evhttp_connection *, void *);
    void *close_arg;
} hc;

struct tm_httpconns {
    struct event_base *base;
    struct evconnlistener *lis;
    hc *conns;
    size_t n;
    char what[48];
};

static void *by_con; /* every attached hc, by its connection (tsearch) */

static int cmp_con(const void *a, const void *b) {
    const hc *x = a, *y = b;
    return x->con < y->con ? -1 : x->con > y->con;
}

static hc *find(struct evhttp_connection *con) {
    hc key = {.con = con};
    void *p = con ? tfind(&key, &by_con, cmp_con) : NULL;
    return p ? *(hc **)p : NULL;
}

static void hc_free(hc *c) {
    tm_httpconns *hs = c->hs;
    if (c->prev) c->prev->next = c->next;
    else hs->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    hs->n--;
    if (c->con) tdelete(c, &by_con, cmp_con);
    admit_hold(&c->held, 0);
    event_free(c->ev);
    free(c);
}

static void on_close(struct evhttp_connection *con, void *arg) {
    hc *c = arg;
    if (c->close_cb) c->close_cb(con, c->close_arg);
    hc_free(c);
}

/* Look for a NUL in the request head: evhttp would cut the header value at
 * it ("Bearer s3cret\0junk" would read as "Bearer s3cret"). The head ends at
 * the first empty line; the body is not looked at. */
static void scan_head(hc *c, struct evbuffer *b, size_t from) {
    struct evbuffer_ptr pos;
    if (c->in_body || evbuffer_ptr_set(b, &pos, from, EVBUFFER_PTR_SET)) return;
    struct evbuffer_iovec v[64]; /* 64 chains: more than a 64 KiB head takes */
    int n = evbuffer_peek(b, -1, &pos, v, 64);
    for (int i = 0; i < n && i < 64 && !c->in_body; i++)
        for (const unsigned char *p = v[i].iov_base, *e = p + v[i].iov_len; p < e; p++) {
            if (*p == '\n' && ++c->line_ends == 2) {
                c->in_body = 1;
                break;
            }
            if (*p != '\r' && *p != '\n') c->line_ends = 0;
            if (!*p) c->nul_in_head = 1;
        }
}

static void on_input(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg) {
    hc *c = arg;
    if (!info->n_added || c->refused) return;
    loop_touch();
    scan_head(c, b, evbuffer_get_length(b) - info->n_added);
    admit_hold(&c->held, c->held + info->n_added);
    if (admit_full()) {
        c->refused = 1;
        /* what it read no longer counts, now: the connections read next in
         * this same round find room, so one refusal is enough (else every
         * body being read when the bound is passed would be refused) */
        admit_hold(&c->held, 0);
        event_active(c->ev, EV_TIMEOUT, 0);
    }
}

static void drain_read(struct bufferevent *bev, void *arg) {
    (void)arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void drain_event(struct bufferevent *bev, short what, void *arg) {
    (void)bev;
    (void)what;
    hc *c = arg;
    evhttp_connection_free(c->con); /* on_close frees c */
}

/* Answer 503 ourselves (evhttp has no request to answer yet: its body is
 * still coming), then read and drop the rest so the client sees the answer
 * instead of a reset, for 10 s at most. */
static void refuse(hc *c) {
    static const char body[] = "{\"error\":\"server busy: too many bytes in flight (--max-inflight-bytes), retry\"}";
    char msg[400];
    int n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     sizeof body - 1, body);
    int fd = bufferevent_getfd(c->bev);
    log_limited(LOG_WARN, "%s: %zu bytes in flight (--max-inflight-bytes), answering 503", c->hs->what,
                admit_inflight());
    if (send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) { /* closed below either way */
    }
    shutdown(fd, SHUT_WR);
    c->refused = 2;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    evbuffer_drain(in, evbuffer_get_length(in));
    bufferevent_setcb(c->bev, drain_read, NULL, drain_event, c);
    bufferevent_enable(c->bev, EV_READ);
    static const struct timeval linger = {10, 0};
    event_add(c->ev, &linger);
}

static void on_deferred(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    hc *c = arg;
    if (c->refused == 2) { /* done draining */
        evhttp_connection_free(c->con);
        return;
    }
    if (!c->con) { /* evhttp made the connection right after asking for our bufferevent */
        void *con = NULL;
        bufferevent_getcb(c->bev, NULL, NULL, NULL, &con);
        c->con = con;
        tsearch(c, &by_con, cmp_con);
        /* an answer goes out in more than one segment (head, then a body
         * beyond one segment): without this, Nagle holds the last one until
         * the client's delayed ACK (40 ms) on a kept-alive connection */
        int one = 1;
        setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        evhttp_connection_set_closecb(c->con, on_close, c);
        if (c->hs->n > admit_limits.max_conns) {
            log_limited(LOG_WARN, "%s: %zu connections already (--max-connections), shedding the newest",
                        c->hs->what, c->hs->n - 1);
            evhttp_connection_free(c->con);
            return;
        }
    }
    if (c->refused == 1) refuse(c);
}

static struct bufferevent *make_bev(struct event_base *base, void *arg) {
    tm_httpconns *hs = arg;
    hc *c = xcalloc(1, sizeof *c);
    c->hs = hs;
    c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    evbuffer_add_cb(bufferevent_get_input(c->bev), on_input, c);
    /* runs before the loop next polls, so before any byte is read */
    c->ev = event_new(base, -1, 0, on_deferred, c);
    event_active(c->ev, EV_TIMEOUT, 0);
    c->next = hs->conns;
    if (hs->conns) hs->conns->prev = c;
    hs->conns = c;
    hs->n++;
    return c->bev;
}

static void accept_resume(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    evconnlistener_enable(arg);
}

/* Out of descriptors: shed what is pending rather than be woken for it forever. */
static void on_accept_error(struct evconnlistener *l, void *arg) {
    (void)arg;
    if (admit_accept_failed(evconnlistener_get_fd(l), "HTTP listener")) return;
    evconnlistener_disable(l);
    admit_backoff(accept_resume, l);
}

tm_httpconns *httpconns_attach(struct evhttp *eh, struct evhttp_bound_socket *bound, const char *what) {
    tm_httpconns *hs = xcalloc(1, sizeof *hs);
    snprintf(hs->what, sizeof hs->what, "%s", what);
    hs->lis = evhttp_bound_socket_get_listener(bound);
    evconnlistener_set_error_cb(hs->lis, on_accept_error);
    evhttp_set_bevcb(eh, make_bev, hs);
    return hs;
}

void httpconns_free(tm_httpconns *hs) {
    if (!hs) return;
    while (hs->conns) hc_free(hs->conns);
    free(hs);
}

int httpconns_done(struct evhttp_request *req) {
    hc *c = find(evhttp_request_get_connection(req));
    if (!c || c->refused) return 0;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    admit_hold(&c->held, evbuffer_get_length(in));
    int bad = c->nul_in_head;
    c->nul_in_head = c->in_body = c->line_ends = 0; /* what is left begins the next request */
    scan_head(c, in, 0);
    return bad;
}

void httpconn_on_close(struct evhttp_connection *con, void (*cb)(struct evhttp_connection *, void *), void *arg) {
    hc *c = find(con);
    if (c) {
        c->close_cb = cb;
        c->close_arg = arg;
    } else { /* not one of ours (cannot happen while attached) */
        evhttp_connection_set_closecb(con, cb, arg);
    }
}

size_t httpconns_count(const tm_httpconns *hs) { return hs ? hs->n : 0; }
