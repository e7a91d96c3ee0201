#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../ingest/graphite.h"
#include "../util/buf.h"
#include "../util/counters.h"
#include "../util/log.h"

#define READ_CAP (256 * 1024)

typedef struct conn {
    struct conn *prev, *next;
    struct tm_listener *l;
    struct event *ev;
    int fd;
    char peer[64];
    char *buf;
    size_t len;
    size_t line;  /* number of the first line in buf */
    int skipping; /* inside an overlong line: drop until its newline */
} conn;

struct tm_listener {
    struct event *ev;
    int fd;
    tm_sink *sink;
    conn *conns;
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

/* Parse every whole line in the buffer; keep the partial tail. */
static void conn_consume(conn *c, int eof) {
    tm_sink *k = c->l->sink;
    size_t start = 0;
    if (c->skipping) { /* the rest of an overlong line */
        char *first = memchr(c->buf, '\n', c->len);
        if (!first) {
            c->len = 0;
            return;
        }
        start = (size_t)(first - c->buf) + 1;
        c->skipping = 0;
        c->line++;
    }
    char *nl = c->len > start ? memrchr(c->buf + start, '\n', c->len - start) : NULL;
    size_t whole = eof ? c->len : nl ? (size_t)(nl - c->buf) + 1 : start;
    if (whole > start) {
        sink_parse(k, c->buf + start, whole - start, c->line);
        c->line += count_lines(c->buf + start, whole - start);
        sink_flush(k, c->peer);
    }
    memmove(c->buf, c->buf + whole, c->len - whole);
    c->len -= whole;
    if (c->len > TM_LINE_MAX) { /* no newline in sight: drop the line, count it once */
        count_add(&counters.rejected[k->proto], 1);
        log_limited(LOG_WARN, "%s from %s: line %zu longer than %d bytes, dropped", proto_names[k->proto], c->peer,
                    c->line, TM_LINE_MAX);
        c->skipping = 1;
        c->len = 0;
    }
}

static void on_read(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    conn *c = arg;
    for (int rounds = 0; rounds < 16; rounds++) { /* bounded: other sockets get their turn */
        ssize_t r = read(fd, c->buf + c->len, READ_CAP - c->len);
        if (r > 0) {
            c->len += (size_t)r;
            conn_consume(c, 0);
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (c->len) conn_consume(c, 1);
        conn_close(c);
        return;
    }
}

static void on_accept(evutil_socket_t lfd, short what, void *arg) {
    (void)what;
    tm_listener *l = arg;
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        conn *c = xcalloc(1, sizeof *c);
        c->l = l;
        c->fd = fd;
        c->line = 1;
        c->buf = xmalloc(READ_CAP);
        peer_name(&ss, c->peer, sizeof c->peer);
        c->ev = event_new(event_get_base(l->ev), fd, EV_READ | EV_PERSIST, on_read, c);
        event_add(c->ev, NULL);
        c->next = l->conns;
        if (l->conns) l->conns->prev = c;
        l->conns = c;
    }
}

tm_listener *tcp_listen(struct event_base *base, const char *what, const char *addr, tm_sink *sink, char *err,
                        size_t errlen) {
    int fd = listen_socket(addr, SOCK_STREAM, err, errlen);
    if (fd < 0) return NULL;
    tm_listener *l = xcalloc(1, sizeof *l);
    l->fd = fd;
    l->sink = sink;
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
    free(l);
}
