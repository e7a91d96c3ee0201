#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../ingest/graphite.h"
#include "../util/buf.h"
#include "../util/counters.h"
#include "../util/log.h"
#include "admit.h"

#define READ_CAP (256 * 1024)

/* A connection keeps only its partial last line (at most TM_LINE_MAX bytes,
 * grown as needed): whole lines are parsed where the read put them. */
typedef struct conn {
    struct conn *prev, *next;
    struct tm_listener *l;
    struct event *ev;
    int fd;
    char peer[64];
    char *buf;
    size_t len, cap, held;
    size_t line;  /* number of the first line in buf */
    int skipping; /* inside an overlong line: drop until its newline */
    tm_waiter wait;
} conn;

struct tm_listener {
    struct event *ev;
    int fd;
    tm_sink *sink;
    conn *conns;
    size_t nconns;
    char what[48];
    char *scratch; /* where reads land (READ_CAP; reads are one at a time) */
    char *dgram;
};

int parse_addr(const char *addr, struct sockaddr_storage *ss, int *len) {
    memset(ss, 0, sizeof *ss);
    *len = (int)sizeof *ss;
    if (evutil_parse_sockaddr_port(addr, (struct sockaddr *)ss, len)) return -1;
    /* "1.2.3.4" alone parses as port 0: a listener needs its port */
    const char *colon = strrchr(addr, ':'), *bracket = strrchr(addr, ']');
    return !colon || (bracket && bracket > colon) || atoi(colon + 1) <= 0 ? -1 : 0;
}

static void peer_name(const struct sockaddr_storage *ss, char *out, size_t n) {
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
    }
    snprintf(out, n, "%s:%d", host, port);
}

int listen_socket(const char *addr, int type, char *err, size_t errlen) {
    struct sockaddr_storage ss;
    int len;
    if (parse_addr(addr, &ss, &len)) {
        snprintf(err, errlen, "bad address \"%s\" (%s)", addr, ADDR_FORMS);
        return -1;
    }
    int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, (socklen_t)len) || (type == SOCK_STREAM && listen(fd, 512))) {
        snprintf(err, errlen, "cannot listen on %s (%s): %s", addr, type == SOCK_STREAM ? "TCP" : "UDP",
                 strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void conn_close(conn *c) {
    if (c->prev) c->prev->next = c->next;
    else c->l->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->l->nconns--;
    admit_unwait(&c->wait);
    admit_hold(&c->held, 0);
    event_free(c->ev);
    close(c->fd);
    free(c->buf);
    free(c);
}

static size_t count_lines(const char *p, size_t n) {
    size_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++) k++;
    return k;
}

/* Keep bytes of the partial line; 0 when that makes it longer than a line may be. */
static int tail_add(conn *c, const char *p, size_t n, size_t max) {
    if (c->len + n > max) return 0;
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : 256;
        while (cap < c->len + n) cap *= 2;
        c->buf = xrealloc(c->buf, cap);
        c->cap = cap;
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    return 1;
}

/* Drop the line being kept, count it once; skip the rest of it if its
 * newline is still to come. */
static void overlong(conn *c, int skip) {
    tm_sink *k = c->l->sink;
    count_add(&counters.rejected[k->proto], 1);
    log_limited(LOG_WARN, "%s from %s: line %zu longer than %d bytes, dropped", proto_names[k->proto], c->peer,
                c->line, TM_LINE_MAX);
    c->len = 0;
    c->skipping = skip;
    if (!skip) c->line++;
}

/* One read's bytes: the kept line is completed first, then every whole line
 * is parsed in place and the new partial line kept. */
static void conn_feed(conn *c, const char *p, size_t n) {
    tm_sink *k = c->l->sink;
    const char *e = p + n;
    int parsed = 0;
    if (c->skipping || c->len) {
        const char *nl = memchr(p, '\n', n);
        if (c->skipping) {
            if (!nl) return;
            c->skipping = 0;
            c->line++;
        } else if (!nl) {
            if (!tail_add(c, p, n, TM_LINE_MAX)) overlong(c, 1);
            admit_hold(&c->held, c->len);
            return;
        } else if (!tail_add(c, p, (size_t)(nl - p) + 1, TM_LINE_MAX + 1)) {
            overlong(c, 0);
        } else {
            sink_parse(k, c->buf, c->len, c->line++);
            c->len = 0;
            parsed = 1;
        }
        p = nl + 1;
    }
    const char *last = p < e ? memrchr(p, '\n', (size_t)(e - p)) : NULL;
    if (last) {
        size_t whole = (size_t)(last - p) + 1;
        sink_parse(k, p, whole, c->line);
        c->line += count_lines(p, whole);
        parsed = 1;
        p = last + 1;
    }
    if (p < e && !tail_add(c, p, (size_t)(e - p), TM_LINE_MAX)) overlong(c, 1);
    if (parsed) sink_flush(k, c->peer);
    admit_hold(&c->held, c->len);
}

static void conn_eof(conn *c) {
    if (!c->len || c->skipping) return;
    sink_parse(c->l->sink, c->buf, c->len, c->line);
    sink_flush(c->l->sink, c->peer);
}

static void on_room(tm_waiter *w) {
    conn *c = (conn *)((char *)w - offsetof(conn, wait));
    event_add(c->ev, admit_idle_tv());
}

static void conn_pause(conn *c) {
    event_del(c->ev);
    admit_wait(&c->wait);
    log_limited(LOG_WARN, "%s: %zu bytes in flight (--max-inflight-bytes), pausing reads", c->l->what,
                admit_inflight());
}

static void on_read(evutil_socket_t fd, short what, void *arg) {
    conn *c = arg;
    if (what & EV_TIMEOUT) {
        log_limited(LOG_INFO, "%s from %s: idle for --idle-timeout, closed", c->l->what, c->peer);
        conn_close(c);
        return;
    }
    char *scratch = c->l->scratch;
    for (int rounds = 0; rounds < 16; rounds++) { /* bounded: other sockets get their turn */
        /* one holding a partial line reads on: its newline makes room (and
         * a line is at most TM_LINE_MAX) */
        if (admit_full() && !c->len) {
            conn_pause(c);
            return;
        }
        ssize_t r = read(fd, scratch, READ_CAP);
        if (r > 0) {
            conn_feed(c, scratch, (size_t)r);
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
        conn_eof(c);
        conn_close(c);
        return;
    }
}

static void on_accept(evutil_socket_t lfd, short what, void *arg);

static void accept_resume(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    tm_listener *l = arg;
    event_add(l->ev, NULL);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg) {
    (void)what;
    tm_listener *l = arg;
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = admit_accept(lfd, &ss, &sl, l->what, l->nconns);
        if (fd == ADMIT_SHED) continue;
        if (fd == ADMIT_STUCK) { /* not even the spare descriptor helps: stop a moment */
            event_del(l->ev);
            admit_backoff(accept_resume, l);
        }
        if (fd < 0) return;
        conn *c = xcalloc(1, sizeof *c);
        c->l = l;
        c->fd = fd;
        c->line = 1;
        c->wait.wake = on_room;
        peer_name(&ss, c->peer, sizeof c->peer);
        c->ev = event_new(event_get_base(l->ev), fd, EV_READ | EV_PERSIST, on_read, c);
        event_add(c->ev, admit_idle_tv());
        c->next = l->conns;
        if (l->conns) l->conns->prev = c;
        l->conns = c;
        l->nconns++;
    }
}

tm_listener *tcp_listen(struct event_base *base, const char *what, const char *addr, tm_sink *sink, char *err,
                        size_t errlen) {
    int fd = listen_socket(addr, SOCK_STREAM, err, errlen);
    if (fd < 0) return NULL;
    tm_listener *l = xcalloc(1, sizeof *l);
    l->fd = fd;
    l->sink = sink;
    l->scratch = xmalloc(READ_CAP);
    snprintf(l->what, sizeof l->what, "%s (tcp %s)", what, addr);
    l->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_accept, l);
    event_add(l->ev, NULL);
    log_info("listening: %s on tcp %s", what, addr);
    return l;
}

static void on_dgram(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    tm_listener *l = arg;
    char peer[64] = "?";
    /* a burst of datagrams becomes one batch and one WAL record */
    for (int i = 0; i < 256; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        ssize_t r = recvfrom(fd, l->dgram, 65536, 0, (struct sockaddr *)&ss, &sl);
        if (r < 0) break;
        if (!i) peer_name(&ss, peer, sizeof peer);
        sink_parse(l->sink, l->dgram, (size_t)r, 1);
    }
    sink_flush(l->sink, peer);
}

tm_listener *udp_listen(struct event_base *base, const char *what, const char *addr, tm_sink *sink, char *err,
                        size_t errlen) {
    int fd = listen_socket(addr, SOCK_DGRAM, err, errlen);
    if (fd < 0) return NULL;
    int rcv = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    tm_listener *l = xcalloc(1, sizeof *l);
    l->fd = fd;
    l->sink = sink;
    l->dgram = xmalloc(65536);
    l->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_dgram, l);
    event_add(l->ev, NULL);
    log_info("listening: %s on udp %s", what, addr);
    return l;
}

void listener_free(tm_listener *l) {
    if (!l) return;
    while (l->conns) conn_close(l->conns);
    event_free(l->ev);
    close(l->fd);
    free(l->dgram);
    free(l->scratch);
    free(l);
}
