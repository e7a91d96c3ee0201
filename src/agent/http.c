/* http.c — plain HTTP/1.1 for the agent: URL, request, answer, keep-alive. */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/timeparse.h"

#define ANSWER_MAX (16u << 20) /* the agent never needs a bigger answer */

const agent_tls_client *agent_tls;

struct agent_http {
    long timeout_s;
    int fd;             /* the kept-alive connection, or -1 */
    char hostport[300]; /* what it is connected to */
    void *tls;          /* agent_tls's handle, opened on the first https:// */
    tm_buf in;
};

agent_http *agent_http_new(long timeout_s) {
    agent_http *h = xcalloc(1, sizeof *h);
    h->timeout_s = timeout_s;
    h->fd = -1;
    return h;
}

static void drop_conn(agent_http *h) {
    if (h->fd >= 0) close(h->fd);
    h->fd = -1;
}

void agent_http_free(agent_http *h) {
    if (!h) return;
    drop_conn(h);
    if (h->tls) agent_tls->close(h->tls);
    buf_free(&h->in);
    free(h);
}

/* ---- the answer ---- */

/* The header value of name in [p, end), or NULL. */
static const char *header(const char *p, const char *end, const char *name, size_t *vlen) {
    size_t nl = strlen(name);
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        if ((size_t)(eol - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            const char *v = p + nl + 1, *e = eol;
            while (v < e && (*v == ' ' || *v == '\t')) v++;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ')) e--;
            *vlen = (size_t)(e - v);
            return v;
        }
        p = eol + 1;
    }
    return NULL;
}

static int hexval(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode chunks at body in place: 1 done (*len, *used set), 0 more needed, -1 malformed. */
static int dechunk(char *body, size_t avail, size_t *len, size_t *used) {
    size_t r = 0, w = 0;
    for (;;) {
        size_t size = 0, digits = 0;
        while (r < avail && hexval(body[r]) >= 0) {
            if (++digits > 8) return -1;
            size = size * 16 + (size_t)hexval(body[r++]);
        }
        if (r >= avail) return 0;
        if (!digits) return -1;
        const char *eol = memchr(body + r, '\n', avail - r); /* chunk extensions are skipped */
        if (!eol) return 0;
        r = (size_t)(eol - body) + 1;
        if (!size) { /* trailers, then an empty line */
            for (;;) {
                const char *e = memchr(body + r, '\n', avail - r);
                if (!e) return 0;
                size_t ln = (size_t)(e - (body + r));
                r += ln + 1;
                if (ln == 0 || (ln == 1 && body[r - 2] == '\r')) break;
            }
            *len = w, *used = r;
            return 1;
        }
        if (avail - r < size + 1) return 0;
        memmove(body + w, body + r, size);
        w += size, r += size;
        if (body[r] == '\r') r++;
        if (r >= avail) return 0;
        if (body[r++] != '\n') return -1;
    }
}

int http_answer_parse(char *p, size_t n, int eof, http_answer *a) {
    memset(a, 0, sizeof *a);
    if (n >= 5 && memcmp(p, "HTTP/", 5)) return -1;
    char *hend = NULL;
    for (size_t i = 0; i + 1 < n && !hend; i++)
        if (p[i] == '\n' && (p[i + 1] == '\n' || (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n')))
            hend = p + i + (p[i + 1] == '\n' ? 2 : 3);
    if (!hend) return n > 65536 ? -1 : 0;
    if (n < 12 || p[8] != ' ' || p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' ||
        p[11] > '9')
        return -1;
    a->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    int http10 = p[5] == '1' && p[6] == '.' && p[7] == '0';
    size_t vl;
    const char *v = header(p, hend, "Connection", &vl);
    a->keep_alive = v ? !(vl == 5 && !strncasecmp(v, "close", 5)) : !http10;
    a->body = hend;
    size_t avail = n - (size_t)(hend - p);
    if (a->status < 200 || a->status == 204 || a->status == 304) {
        a->consumed = (size_t)(hend - p);
        return 1;
    }
    if ((v = header(p, hend, "Transfer-Encoding", &vl)) && vl >= 7 && !strncasecmp(v + vl - 7, "chunked", 7)) {
        size_t used;
        int r = dechunk(hend, avail, &a->body_len, &used);
        if (r <= 0) return r < 0 ? -1 : eof ? -1 : 0;
        a->consumed = (size_t)(hend - p) + used;
        return 1;
    }
    if ((v = header(p, hend, "Content-Length", &vl))) {
        size_t len = 0;
        for (size_t i = 0; i < vl; i++) {
            if (v[i] < '0' || v[i] > '9' || len > ANSWER_MAX) return -1;
            len = len * 10 + (size_t)(v[i] - '0');
        }
        if (avail < len) return eof ? -1 : 0;
        a->body_len = len;
        a->consumed = (size_t)(hend - p) + len;
        return 1;
    }
    if (!eof) return 0; /* runs to the close */
    a->body_len = avail;
    a->keep_alive = 0;
    a->consumed = n;
    return 1;
}

/* ---- the connection ---- */

/* "http://host[:port]/path" (host may be [v6]) into its parts; 0 when it is no such URL. */
static int split_url(const char *url, char *host, size_t hcap, char *port, size_t pcap, const char **path) {
    if (strncmp(url, "http://", 7)) return 0;
    const char *h = url + 7, *slash = strchr(h, '/');
    const char *end = slash ? slash : h + strlen(h), *hs = h, *he, *ps = NULL;
    if (h < end && *h == '[') {
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (!rb || (rb + 1 < end && rb[1] != ':')) return 0;
        hs = h + 1, he = rb, ps = rb + 1 < end ? rb + 2 : NULL;
    } else {
        const char *c = memchr(h, ':', (size_t)(end - h));
        he = c ? c : end, ps = c ? c + 1 : NULL;
    }
    size_t hl = (size_t)(he - hs), pl = ps ? (size_t)(end - ps) : 0;
    if (!hl || hl >= hcap || (ps && (!pl || pl >= pcap))) return 0;
    memcpy(host, hs, hl);
    host[hl] = 0;
    if (ps) memcpy(port, ps, pl), port[pl] = 0;
    else snprintf(port, pcap, "80");
    *path = slash ? slash : "/";
    return 1;
}

static int connect_timeout(const char *host, const char *port, int64_t deadline, char *err, size_t errlen) {
    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc) {
        snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || !connect(fd, a->ai_addr, a->ai_addrlen)) continue;
        int soerr = errno;
        if (soerr == EINPROGRESS) {
            struct pollfd pf = {fd, POLLOUT, 0};
            int64_t left = deadline - now_ms();
            socklen_t sl = sizeof soerr;
            soerr = ETIMEDOUT;
            if (poll(&pf, 1, left > 5000 ? 5000 : left < 0 ? 0 : (int)left) == 1 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl))
                soerr = errno;
        }
        if (soerr) close(fd), fd = -1, errno = soerr;
    }
    freeaddrinfo(res);
    if (fd < 0) snprintf(err, errlen, "cannot connect to %s:%s: %s", host, port, strerror(errno));
    return fd;
}

/* Write all of p before the deadline; 0 on failure. */
static int send_all(int fd, const void *p, size_t n, int64_t deadline) {
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w > 0) {
            c += w, n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR) return 0;
        struct pollfd pf = {fd, POLLOUT, 0};
        int64_t left = deadline - now_ms();
        if (left <= 0 || poll(&pf, 1, (int)left) < 0) return 0;
    }
    return 1;
}

/* Read until a whole answer is parsed; 1, or 0 (err set; sent: nothing came back at all). */
static int read_answer(agent_http *h, int64_t deadline, http_answer *a, int *nothing, char *err, size_t errlen) {
    h->in.n = 0;
    *nothing = 1;
    for (;;) {
        buf_reserve(&h->in, 16384);
        ssize_t r = recv(h->fd, h->in.p + h->in.n, h->in.cap - h->in.n, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd pf = {h->fd, POLLIN, 0};
            int64_t left = deadline - now_ms();
            if (left <= 0 || poll(&pf, 1, (int)left) < 0) {
                snprintf(err, errlen, "no answer within %ld s", h->timeout_s);
                return 0;
            }
            continue;
        }
        if (r < 0) {
            snprintf(err, errlen, "receiving: %s", strerror(errno));
            return 0;
        }
        if (r > 0) *nothing = 0;
        h->in.n += (size_t)r;
        int k = h->in.n ? http_answer_parse((char *)h->in.p, h->in.n, r == 0, a) : 0;
        if (k > 0) return 1;
        if (k < 0 || r == 0 || h->in.n > ANSWER_MAX) {
            snprintf(err, errlen, r == 0 && !h->in.n ? "the server closed the connection" : "not an HTTP answer");
            return 0;
        }
    }
}

static long plain_do(agent_http *h, const char *method, const char *url, const char *token, const char *ctype,
                     const void *body, size_t n, tm_buf *resp, char *err, size_t errlen) {
    char host[256], port[16], hp[300];
    const char *path;
    if (!split_url(url, host, sizeof host, port, sizeof port, &path)) {
        snprintf(err, errlen, "not an http:// URL: %s", url);
        return -1;
    }
    snprintf(hp, sizeof hp, "%s:%s", host, port);
    tm_buf req = {0};
    buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tidemark-agent\r\nContent-Length: %zu\r\n", method,
               path, strcmp(port, "80") ? hp : host, body ? n : 0);
    if (token) buf_printf(&req, "X-AUTH-TOKEN: %s\r\n", token);
    if (ctype) buf_printf(&req, "Content-Type: %s\r\n", ctype);
    buf_put(&req, "\r\n", 2);
    long status = -1;
    int64_t deadline = now_ms() + h->timeout_s * 1000;
    /* a kept-alive connection the server has since closed fails at once: then once more on a new one */
    for (int attempt = 0; attempt < 2 && status < 0; attempt++) {
        int reused = h->fd >= 0 && !strcmp(h->hostport, hp);
        if (!reused) {
            drop_conn(h);
            if ((h->fd = connect_timeout(host, port, deadline, err, errlen)) < 0) break;
            snprintf(h->hostport, sizeof h->hostport, "%s", hp);
        }
        http_answer a;
        int nothing = 1;
        if (send_all(h->fd, req.p, req.n, deadline) && (!body || send_all(h->fd, body, n, deadline)) &&
            read_answer(h, deadline, &a, &nothing, err, errlen)) {
            status = a.status;
            buf_put(resp, a.body, a.body_len);
            if (!a.keep_alive || a.consumed != h->in.n) drop_conn(h);
        } else {
            if (!err[0]) snprintf(err, errlen, "sending to %s: %s", hp, strerror(errno));
            drop_conn(h);
            if (!reused || !nothing) break;
        }
    }
    buf_free(&req);
    return status;
}

long agent_http_do(agent_http *h, const char *method, const char *url, const char *token, const char *ctype,
                   const void *body, size_t n, tm_buf *resp, char *err, size_t errlen) {
    err[0] = 0;
    if (!strncmp(url, "https://", 8)) {
        if (!agent_tls) {
            snprintf(err, errlen, "https:// needs the full tidemark binary (`tidemark agent`): %s", url);
            return -1;
        }
        if (!h->tls && !(h->tls = agent_tls->open(h->timeout_s))) {
            snprintf(err, errlen, "cannot start the TLS client");
            return -1;
        }
        return agent_tls->request(h->tls, method, url, token, ctype, body, n, resp, err, errlen);
    }
    return plain_do(h, method, url, token, ctype, body, n, resp, err, errlen);
}
