/* send.c — JSON bodies, delivery in order, backoff while the server is down. */
#include "send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/jsonw.h"
#include "../util/log.h"
#include "../util/timeparse.h"

#define BACKOFF_MIN 1000
#define BACKOFF_MAX 30000

int sender_init(tm_sender *s, const char *server, const char *token, tm_spool *spool, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    size_t n = strlen(server);
    while (n && server[n - 1] == '/') n--;
    if (n + 13 >= sizeof s->url || (strncmp(server, "http://", 7) && strncmp(server, "https://", 8))) {
        snprintf(err, errlen, "--server must be an http:// or https:// URL, not \"%s\"", server);
        return -1;
    }
    if (!strncmp(server, "https://", 8) && !agent_tls) {
        snprintf(err, errlen, "https:// needs the full binary: run `tidemark agent` (this one speaks http:// only)");
        return -1;
    }
    snprintf(s->url, sizeof s->url, "%.*s/api/v1/data", (int)n, server);
    s->token = token;
    s->spool = spool;
    s->backoff = BACKOFF_MIN;
    s->http = agent_http_new(10);
    return 0;
}

void sender_free(tm_sender *s) {
    agent_http_free(s->http);
    buf_free(&s->scratch);
}

void batch_json(const tm_batch *b, tm_buf *out) {
    buf_putc(out, '[');
    for (size_t i = 0; i < b->n; i++) {
        const tm_sample *x = &b->s[i];
        const char *key = batch_key(b, x);
        tm_tag tags[1];
        size_t nlen;
        key_split(key, x->key_len, &nlen, tags, 0);
        if (i) buf_putc(out, ',');
        buf_put(out, "{\"metric\":", 10);
        json_put_string(out, key, nlen);
        buf_put(out, ",\"tags\":", 8);
        json_put_tags(out, key, x->key_len);
        buf_put(out, ",\"time\":", 8);
        json_put_time(out, x->ts);
        buf_put(out, ",\"value\":", 9);
        if (x->type == TM_STRING) {
            json_put_string(out, batch_str(b, x), x->str_len);
        } else if (x->type == TM_LOCATION) {
            buf_putc(out, '[');
            json_put_number(out, x->v);
            buf_putc(out, ',');
            json_put_number(out, x->v2);
            buf_putc(out, ']');
        } else {
            json_put_number(out, x->v);
        }
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
}

/* 1 when the server took the body for good (2xx, or a 400 it will never take). */
static int post(tm_sender *s, const void *body, size_t n) {
    char err[512];
    s->scratch.n = 0;
    long st = agent_http_do(s->http, "POST", s->url, s->token, "application/json", body, n, &s->scratch, err, sizeof err);
    if (st >= 200 && st < 300) return 1;
    if (st == 400 || st == 413 || st == 422) {
        log_limited(LOG_WARN, "agent: the server refused part of a batch (%ld): %.*s", st, (int)s->scratch.n,
                    (const char *)s->scratch.p);
        return 1;
    }
    if (st < 0) log_limited(LOG_WARN, "agent: cannot reach the server: %s; spooling", err);
    else log_limited(LOG_WARN, "agent: the server answered %ld; spooling and retrying", st);
    return 0;
}

static void failed(tm_sender *s, int64_t now) {
    s->retry_at = now + s->backoff;
    s->backoff = s->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : s->backoff * 2;
}

void sender_drain(tm_sender *s, int64_t now, int64_t budget_ms) {
    if (now < s->retry_at || !s->spool) return;
    tm_buf rec = {0};
    int64_t end = now + budget_ms;
    size_t n = 0;
    while (spool_peek(s->spool, &rec)) {
        if (!post(s, rec.p, rec.n)) {
            failed(s, now_ms());
            break;
        }
        spool_pop(s->spool);
        s->backoff = BACKOFF_MIN;
        s->sent++;
        n++;
        if (now_ms() >= end) break;
    }
    if (n && !spool_bytes(s->spool)) log_info("agent: the spool is sent (%zu batch(es))", n);
    buf_free(&rec);
}

void sender_deliver(tm_sender *s, const void *body, size_t n, int64_t now, int64_t budget_ms) {
    sender_drain(s, now, budget_ms);
    int queued = s->spool && spool_bytes(s->spool);
    if (!queued && now >= s->retry_at) {
        if (post(s, body, n)) {
            s->backoff = BACKOFF_MIN;
            s->sent++;
            return;
        }
        failed(s, now);
    }
    if (!s->spool) {
        log_limited(LOG_WARN, "agent: a batch of %zu bytes is lost (no spool)", n);
        return;
    }
    if (!spool_append(s->spool, body, n)) s->spooled++;
}
