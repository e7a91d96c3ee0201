/* relay.c — Pulse relays over TCP: their connections, their stat sets, the
 * poll timer, and commands sent out to them. Relays answer what we send, so
 * this keeps its own connections instead of a one-way line listener. */
#include "relay.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../ingest/relay.h"
#include "../util/counters.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "admit.h"
#include "listen.h"

typedef struct rconn {
    struct rconn *prev, *next;
    tm_relays *r;
    struct bufferevent *bev;
    char peer[64];
    char id[RELAY_NAME_MAX + 1];
    size_t idlen; /* 0 until the relay says who it is */
    char **stats;
    size_t nstats, cap;
    size_t line;  /* number of the next line */
    int skipping; /* inside an overlong line: drop up to its newline */
    size_t held;  /* input bytes counted in flight (admit.h) */
    tm_waiter wait;
} rconn;

struct tm_relays {
    tm_store *store;
    struct evconnlistener *lis;
    struct event *poll;
    rconn *conns;
    size_t nconns;
    tm_batch batch; /* reused for every "got" */
    tm_buf out;     /* reused for every "get" */
};

static void conn_close(rconn *c) {
    tm_relays *r = c->r;
    if (c->prev) c->prev->next = c->next;
    else r->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    r->nconns--;
    admit_unwait(&c->wait);
    admit_hold(&c->held, 0);
    if (c->idlen) log_debug("relay %s (%s) disconnected", c->id, c->peer);
    bufferevent_free(c->bev);
    for (size_t i = 0; i < c->nstats; i++) free(c->stats[i]);
    free(c->stats);
    free(c);
}

/* Queue bytes for the relay; 0 when it has stopped reading (caller closes). */
static int conn_send(rconn *c, const char *p, size_t n) {
    struct evbuffer *o = bufferevent_get_output(c->bev);
    if (evbuffer_get_length(o) + n > RELAY_OUT_MAX) {
        log_limited(LOG_WARN, "relay %s (%s) is not reading its commands; disconnecting", c->idlen ? c->id : "?",
                    c->peer);
        return 0;
    }
    return bufferevent_write(c->bev, p, n) == 0;
}

/* "error: MSG\n", with bytes that would break the line protocol replaced. */
static int conn_error(rconn *c, const char *msg) {
    char line[320];
    int k = snprintf(line, sizeof line - 1, "error: %s", msg);
    size_t n = k < 0 ? 0 : (size_t)k >= sizeof line - 1 ? sizeof line - 2 : (size_t)k;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)line[i] < ' ') line[i] = '?';
    line[n++] = '\n';
    return conn_send(c, line, n);
}

static size_t stat_find(const rconn *c, const char *s, size_t n) {
    for (size_t i = 0; i < c->nstats; i++)
        if (strlen(c->stats[i]) == n && !memcmp(c->stats[i], s, n)) return i;
    return c->nstats;
}

/* add/remove; returns NULL or why it was refused */
static const char *stat_change(rconn *c, const tm_relay_cmd *cmd) {
    if (!c->idlen) return "identify first: id NAME";
    size_t i = stat_find(c, cmd->arg, cmd->alen);
    if (cmd->cmd == RC_REMOVE) {
        if (i < c->nstats) {
            free(c->stats[i]);
            memmove(c->stats + i, c->stats + i + 1, (c->nstats - i - 1) * sizeof *c->stats);
            c->nstats--;
        }
        return NULL;
    }
    if (i < c->nstats) return NULL;
    if (c->nstats == RELAY_MAX_STATS) return "too many stats for one relay (at most 512)";
    XGROW(c->stats, c->nstats, c->cap, 8);
    c->stats[c->nstats++] = xstrndup(cmd->arg, cmd->alen);
    return NULL;
}

/* Store a "got" and tell the relay what was wrong with it, if anything. */
static int got(rconn *c) {
    tm_batch *b = &c->r->batch;
    size_t stored = b->n ? store_write(c->r->store, b, now_ms()) : 0;
    count_add(&counters.received[P_RELAY], stored);
    if (!b->nerr) return 1;
    count_add(&counters.rejected[P_RELAY], b->nerr);
    log_limited(LOG_WARN, "relay %s (%s): line %zu: %zu bad stat(s), first: %s", c->id, c->peer, b->err_line,
                b->nerr, b->err);
    return conn_error(c, b->err);
}

/* One line; returns 0 when the connection is to be closed. */
static int conn_line(rconn *c, const char *p, size_t n) {
    tm_relay_cmd cmd;
    tm_batch *b = &c->r->batch;
    batch_reset(b);
    relay_parse_line(p, n, c->idlen ? c->id : NULL, c->idlen, now_ms(), c->line, b, &cmd);
    const char *why = NULL;
    switch (cmd.cmd) {
    case RC_NONE:
    case RC_OK: return 1;
    case RC_PING: return conn_send(c, "pong\n", 5);
    case RC_CLOSE: return 0;
    case RC_GOT: return got(c);
    case RC_ID:
        memcpy(c->id, cmd.arg, cmd.alen);
        c->id[cmd.alen] = 0;
        c->idlen = cmd.alen;
        log_debug("relay %s identified from %s", c->id, c->peer);
        return conn_send(c, "ok\n", 3);
    case RC_ADD:
    case RC_REMOVE:
        if (!(why = stat_change(c, &cmd))) return conn_send(c, "ok\n", 3);
        break;
    default: why = cmd.err; break;
    }
    count_add(&counters.rejected[P_RELAY], 1);
    log_limited(LOG_WARN, "relay %s (%s): line %zu: %s", c->idlen ? c->id : "?", c->peer, c->line, why);
    return conn_error(c, why);
}

static int drop_overlong(rconn *c) {
    count_add(&counters.rejected[P_RELAY], 1);
    log_limited(LOG_WARN, "relay %s (%s): line %zu longer than %d bytes, dropped", c->idlen ? c->id : "?", c->peer,
                c->line, RELAY_LINE_MAX);
    return conn_error(c, "line too long");
}

/* Every whole line in the input; at eof the unterminated tail too. The read
 * high-water mark keeps the input at most one line long plus one byte, so
 * one call does bounded work. Returns 0 when c was closed. */
static int conn_consume(rconn *c, int eof) {
    struct evbuffer *in = bufferevent_get_input(c->bev);
    for (;;) {
        size_t avail = evbuffer_get_length(in);
        if (!avail) return 1;
        struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
        size_t n = eol.pos >= 0 ? (size_t)eol.pos : avail, take = eol.pos >= 0 ? n + 1 : avail;
        if (eol.pos < 0 && !eof && avail <= RELAY_LINE_MAX) return 1; /* wait for the rest */
        int keep = 1;
        if (c->skipping || n > RELAY_LINE_MAX) {
            if (!c->skipping) keep = drop_overlong(c);
            c->skipping = eol.pos < 0; /* its newline is still to come */
        } else {
            keep = conn_line(c, (const char *)evbuffer_pullup(in, (ev_ssize_t)n), n);
        }
        evbuffer_drain(in, take);
        if (eol.pos >= 0) c->line++;
        if (!keep) {
            conn_close(c);
            return 0;
        }
    }
}

static void on_room(tm_waiter *w) {
    rconn *c = (rconn *)((char *)w - offsetof(rconn, wait));
    bufferevent_enable(c->bev, EV_READ);
}

/* What is left in the input is a partial line: it counts as in flight, and
 * past the bound a relay holding none is not read until there is room (one
 * holding one reads on: its newline makes room). */
static void on_read(struct bufferevent *bev, void *arg) {
    rconn *c = arg;
    if (!conn_consume(c, 0)) return;
    admit_hold(&c->held, evbuffer_get_length(bufferevent_get_input(bev)));
    if (admit_full() && !c->held) {
        bufferevent_disable(bev, EV_READ);
        admit_wait(&c->wait);
        log_limited(LOG_WARN, "relay listener: %zu bytes in flight (--max-inflight-bytes), pausing reads",
                    admit_inflight());
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
    (void)bev;
    rconn *c = arg;
    if (what & BEV_EVENT_TIMEOUT) {
        log_limited(LOG_INFO, "relay %s (%s): idle for --idle-timeout, closed", c->idlen ? c->id : "?", c->peer);
        conn_close(c);
        return;
    }
    if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))) return;
    if ((what & BEV_EVENT_EOF) && !conn_consume(c, 1)) return;
    conn_close(c);
}

static void peer_text(const struct sockaddr *sa, int len, char *out, size_t n) {
    char host[NI_MAXHOST], port[NI_MAXSERV];
    if (getnameinfo(sa, (socklen_t)len, host, sizeof host, port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV))
        snprintf(out, n, "?");
    else
        snprintf(out, n, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg) {
    tm_relays *r = arg;
    if (r->nconns >= admit_limits.max_conns) {
        static const char full[] = "error: too many relays connected\n";
        if (write(fd, full, sizeof full - 1) < 0) { /* it is closed either way */
        }
    }
    if (!admit_check(fd, "relay listener", r->nconns, 1)) return;
    rconn *c = xcalloc(1, sizeof *c);
    c->r = r;
    c->line = 1;
    peer_text(sa, len, c->peer, sizeof c->peer);
    c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, RELAY_LINE_MAX + 1);
    bufferevent_set_timeouts(c->bev, admit_idle_tv(), NULL);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    c->wait.wake = on_room;
    c->next = r->conns;
    if (r->conns) r->conns->prev = c;
    r->conns = c;
    r->nconns++;
}

static void accept_resume(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    evconnlistener_enable(((tm_relays *)arg)->lis);
}

/* Out of descriptors: shed what is pending rather than be woken for it forever. */
static void on_accept_error(struct evconnlistener *l, void *arg) {
    if (admit_accept_failed(evconnlistener_get_fd(l), "relay listener")) return;
    evconnlistener_disable(l);
    admit_backoff(accept_resume, arg);
}

/* "get stat1,stat2\n" to each identified relay that has stats. */
static void on_poll(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    tm_relays *r = arg;
    rconn *next;
    for (rconn *c = r->conns; c; c = next) {
        next = c->next;
        if (!c->idlen || !c->nstats) continue;
        r->out.n = 0;
        buf_put(&r->out, "get ", 4);
        for (size_t i = 0; i < c->nstats; i++) {
            if (i) buf_putc(&r->out, ',');
            buf_put(&r->out, c->stats[i], strlen(c->stats[i]));
        }
        buf_putc(&r->out, '\n');
        if (!conn_send(c, (const char *)r->out.p, r->out.n)) conn_close(c);
    }
}

tm_relays *relay_listen(struct event_base *base, const char *addr, tm_store *store, int64_t poll_ms, char *err,
                        size_t errlen) {
    struct sockaddr_storage ss;
    int len;
    if (parse_addr(addr, &ss, &len)) {
        snprintf(err, errlen, "bad address \"%s\" (%s)", addr, ADDR_FORMS);
        return NULL;
    }
    if (poll_ms <= 0) {
        snprintf(err, errlen, "--poll-interval must be a positive duration");
        return NULL;
    }
    tm_relays *r = xcalloc(1, sizeof *r);
    r->store = store;
    batch_init(&r->batch);
    r->lis = evconnlistener_new_bind(base, on_accept, r,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
                                     (struct sockaddr *)&ss, len);
    if (!r->lis) {
        snprintf(err, errlen, "cannot listen on %s (TCP): %s", addr, strerror(errno));
        batch_free(&r->batch);
        free(r);
        return NULL;
    }
    evconnlistener_set_error_cb(r->lis, on_accept_error);
    r->poll = event_new(base, -1, EV_PERSIST, on_poll, r);
    struct timeval tv = {(time_t)(poll_ms / 1000), (suseconds_t)(poll_ms % 1000 * 1000)};
    event_add(r->poll, &tv);
    log_info("listening: Pulse relay on tcp %s (polling every %lld ms)", addr, (long long)poll_ms);
    return r;
}

void relay_free(tm_relays *r) {
    if (!r) return;
    while (r->conns) conn_close(r->conns);
    event_free(r->poll);
    evconnlistener_free(r->lis);
    batch_free(&r->batch);
    buf_free(&r->out);
    free(r);
}

size_t relays_send(tm_relays *r, const char *line, size_t n) {
    size_t sent = 0;
    rconn *next;
    for (rconn *c = r ? r->conns : NULL; c; c = next) {
        next = c->next;
        if (!c->idlen) continue;
        if (conn_send(c, line, n)) sent++;
        else conn_close(c);
    }
    return sent;
}
