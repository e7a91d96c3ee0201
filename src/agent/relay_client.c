/* relay_client.c — `tidemark agent --relay HOST:PORT`: instead of pushing,
 * be a Pulse relay. The agent connects, says "id HOST", "add"s each stat as
 * it first appears, answers the server's "get a,b" with the latest values
 * ("got {...}"), collects and sends everything at once on "flush", and on
 * "override DURATION stat:INTERVAL" sends those stats unasked every
 * INTERVAL for DURATION. It reconnects with backoff when the server goes.
 *
 * Relay stats carry no tags (the server tags them relay=ID), so a series'
 * own tags other than host join its name: net.bytes_recv;interface=eth0 is
 * the stat net.bytes_recv.eth0. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../ingest/relay.h"
#include "../util/buf.h"
#include "../util/jsonw.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "agent.h"

#define MAX_OVERRIDES 64

typedef struct {
    char name[RELAY_NAME_MAX + 1];
    tm_buf value; /* JSON */
    int added;    /* "add" sent on this connection */
} stat_slot;

typedef struct {
    char stat[RELAY_NAME_MAX + 1];
    int64_t every, until, next;
} override;

typedef struct {
    int fd;
    stat_slot *st;
    size_t n;
    override ov[MAX_OVERRIDES];
    size_t nov;
    tm_buf in, out;
} relay_conn;

/* The stat name of a series key; 0 when it cannot be one. */
static size_t stat_name(const char *key, size_t klen, char *out) {
    tm_tag t[32];
    size_t nlen, nt = key_split(key, klen, &nlen, t, 32), o = 0;
    if (nlen > RELAY_NAME_MAX) return 0;
    memcpy(out, key, nlen);
    o = nlen;
    for (size_t i = 0; i < nt; i++) {
        if (t[i].klen == 4 && !memcmp(t[i].k, "host", 4)) continue;
        if (o + 1 + t[i].vlen > RELAY_NAME_MAX) return 0;
        out[o++] = '.';
        memcpy(out + o, t[i].v, t[i].vlen);
        o += t[i].vlen;
    }
    for (size_t i = 0; i < o; i++)
        if (out[i] == ';' || out[i] == ',' || out[i] == ':' || (unsigned char)out[i] <= ' ') out[i] = '_';
    out[o] = 0;
    return o;
}

static stat_slot *slot(relay_conn *c, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->st[i].name, name)) return &c->st[i];
    if (c->n >= RELAY_MAX_STATS) return NULL;
    c->st = xrealloc(c->st, (c->n + 1) * sizeof *c->st);
    stat_slot *s = &c->st[c->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    return s;
}

/* Keep the latest value of each stat; "add" the new ones. */
static void absorb(relay_conn *c, const tm_batch *b) {
    for (size_t i = 0; i < b->n; i++) {
        const tm_sample *x = &b->s[i];
        char name[RELAY_NAME_MAX + 1];
        stat_slot *s;
        if (!stat_name(batch_key(b, x), x->key_len, name) || !(s = slot(c, name))) continue;
        s->value.n = 0;
        if (x->type == TM_STRING) json_put_string(&s->value, batch_str(b, x), x->str_len);
        else if (x->type == TM_LOCATION) buf_printf(&s->value, "[%.17g,%.17g]", x->v, x->v2);
        else json_put_number(&s->value, x->v);
        if (!s->added) {
            buf_printf(&c->out, "add %s\n", s->name);
            s->added = 1;
        }
    }
}

/* "got {...}" of the named stats (all with NULL names). */
static void got(relay_conn *c, const char *names, size_t n) {
    buf_put(&c->out, "got {", 5);
    int first = 1;
    for (size_t i = 0; i < c->n; i++) {
        stat_slot *s = &c->st[i];
        if (names) { /* is s in the comma-separated list? */
            size_t l = strlen(s->name);
            const char *p = names, *end = names + n;
            int in = 0;
            while (p < end && !in) {
                const char *q = memchr(p, ',', (size_t)(end - p));
                if (!q) q = end;
                in = (size_t)(q - p) == l && !memcmp(p, s->name, l);
                p = q + 1;
            }
            if (!in) continue;
        }
        if (!first) buf_putc(&c->out, ',');
        first = 0;
        json_put_string(&c->out, s->name, strlen(s->name));
        buf_putc(&c->out, ':');
        buf_put(&c->out, s->value.p, s->value.n);
    }
    buf_put(&c->out, "}\n", 2);
}

/* "override 60s cpu.busy:1s,mem.used:5s" */
static void add_overrides(relay_conn *c, const char *p, size_t n, int64_t now) {
    const char *sp = memchr(p, ' ', n);
    int64_t dur;
    if (!sp || !parse_duration_ms(p, (size_t)(sp - p), &dur)) return;
    const char *end = p + n;
    for (const char *q = sp + 1; q < end;) {
        const char *e = memchr(q, ',', (size_t)(end - q)), *colon;
        if (!e) e = end;
        int64_t every;
        if ((colon = memchr(q, ':', (size_t)(e - q))) && (size_t)(colon - q) <= RELAY_NAME_MAX &&
            parse_duration_ms(colon + 1, (size_t)(e - colon - 1), &every) && every >= 100 && c->nov < MAX_OVERRIDES) {
            override *o = &c->ov[c->nov++];
            snprintf(o->stat, sizeof o->stat, "%.*s", (int)(colon - q), q);
            o->every = every, o->until = now + dur, o->next = now;
        }
        q = e + 1;
    }
}

static void on_line(relay_conn *c, agent_plugins *ap, const agent_opts *o, const char *p, size_t n) {
    if (n && p[n - 1] == '\r') n--;
    int64_t now = now_ms();
    if (n > 4 && !memcmp(p, "get ", 4)) {
        got(c, p + 4, n - 4);
    } else if (n == 5 && !memcmp(p, "flush", 5)) {
        tm_batch b;
        batch_init(&b);
        plugins_collect(ap, &o->env, now, 1);
        plugins_take(ap, &b);
        absorb(c, &b);
        batch_free(&b);
        got(c, NULL, 0);
    } else if (n > 9 && !memcmp(p, "override ", 9)) {
        add_overrides(c, p + 9, n - 9, now);
    } else if (n == 4 && !memcmp(p, "ping", 4)) {
        buf_put(&c->out, "pong\n", 5);
    } else if (n > 6 && !memcmp(p, "error", 5)) {
        log_limited(LOG_WARN, "agent: the server says: %.*s", (int)n, p);
    }
}

/* Send due overrides; the earliest next one. */
static int64_t overrides_due(relay_conn *c, int64_t now) {
    int64_t next = now + 60000;
    for (size_t i = 0; i < c->nov;) {
        override *v = &c->ov[i];
        if (now >= v->until) {
            c->ov[i] = c->ov[--c->nov];
            continue;
        }
        if (now >= v->next) {
            got(c, v->stat, strlen(v->stat));
            v->next = now + v->every;
        }
        if (v->next < next) next = v->next;
        i++;
    }
    return next;
}

static int connect_to(const char *addr) {
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof host) return -1;
    snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &res)) return -1;
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen)) close(fd), fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* Write what is queued; 0 when the connection is gone. */
static int drain_out(relay_conn *c) {
    size_t off = 0;
    while (off < c->out.n) {
        ssize_t w = send(c->fd, c->out.p + off, c->out.n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return 0;
        off += (size_t)w;
    }
    c->out.n = 0;
    return 1;
}

/* Read and answer lines until now >= until; 0 when the connection is gone. */
static int serve_until(relay_conn *c, agent_plugins *ap, const agent_opts *o, int64_t until) {
    int64_t left = until - now_ms();
    struct pollfd pf = {c->fd, POLLIN, 0};
    int r = poll(&pf, 1, left < 0 ? 0 : left > 200 ? 200 : (int)left);
    if (r <= 0) return r == 0 || errno == EINTR;
    char chunk[8192];
    ssize_t k = recv(c->fd, chunk, sizeof chunk, 0);
    if (k <= 0) return 0;
    buf_put(&c->in, chunk, (size_t)k);
    size_t start = 0;
    for (size_t i = 0; i < c->in.n; i++)
        if (c->in.p[i] == '\n') {
            on_line(c, ap, o, (const char *)c->in.p + start, i - start);
            start = i + 1;
        }
    memmove(c->in.p, c->in.p + start, c->in.n - start);
    c->in.n -= start;
    if (c->in.n > RELAY_LINE_MAX) return 0; /* not the relay protocol */
    return drain_out(c);
}

static int session(relay_conn *c, agent_plugins *ap, const agent_opts *o, volatile int *stop) {
    for (size_t i = 0; i < c->n; i++) c->st[i].added = 0;
    c->nov = 0;
    c->in.n = c->out.n = 0;
    buf_printf(&c->out, "id %s\n", o->env.host);
    tm_batch b;
    batch_init(&b);
    int alive = 1;
    while (alive && !*stop) {
        int64_t now = now_ms();
        int64_t due = plugins_collect(ap, &o->env, now, 0);
        plugins_take(ap, &b);
        absorb(c, &b);
        int64_t ov = overrides_due(c, now);
        alive = drain_out(c) && serve_until(c, ap, o, due < ov ? due : ov);
    }
    batch_free(&b);
    return alive;
}

int agent_relay(const agent_opts *o, agent_plugins *ap, volatile int *stop) {
    char id[RELAY_NAME_MAX + 1];
    if (!relay_name_ok(o->env.host, strlen(o->env.host))) {
        fprintf(stderr, "tidemark agent: --host \"%s\" cannot be a relay id (no blanks, ';', ',' or ':')\n",
                o->env.host);
        return 2;
    }
    snprintf(id, sizeof id, "%s", o->env.host);
    relay_conn c = {0};
    int64_t backoff = 1000;
    while (!*stop) {
        c.fd = connect_to(o->relay);
        if (c.fd < 0) {
            log_limited(LOG_WARN, "agent: cannot reach the relay port %s; again in %lld s", o->relay,
                        (long long)backoff / 1000);
            for (int64_t end = now_ms() + backoff; !*stop && now_ms() < end;) {
                struct timespec t = {0, 200 * 1000000};
                nanosleep(&t, NULL);
            }
            backoff = backoff * 2 > 60000 ? 60000 : backoff * 2;
            continue;
        }
        log_info("agent: relay %s connected to %s", id, o->relay);
        backoff = 1000;
        session(&c, ap, o, stop);
        close(c.fd);
        if (!*stop) log_warn("agent: the server at %s closed the relay connection; reconnecting", o->relay);
    }
    for (size_t i = 0; i < c.n; i++) buf_free(&c.st[i].value);
    free(c.st);
    buf_free(&c.in);
    buf_free(&c.out);
    return 0;
}
