/* sender.c — the send loop: batch, encode, deliver, backoff, acknowledge. */
#include "sender.h"

#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../util/log.h"
#include "encode.h"
#include "../util/clock.h"

enum { D_OK, D_RETRY, D_REJECT };

struct tm_sender {
    const tm_target_spec *t;
    tm_queue *q;
    size_t batch, batch_max;
    int flush_ms;
    pthread_t thr;
    pthread_mutex_t mu; /* for stop and the backoff's wait */
    pthread_cond_t cv;
    int stop;
    tm_sender_stats st;
    CURL *curl;
    struct curl_slist *hdr;
    tm_buf resp;
    char why[512]; /* the last failure */
    int rejected_logged;
    const tm_busy *busy;
    tm_yield y;
};

static int stopping(tm_sender *s) { return __atomic_load_n(&s->stop, __ATOMIC_RELAXED); }

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
    (void)a, (void)b, (void)c, (void)d;
    return stopping(arg);
}

static size_t on_body(char *p, size_t sz, size_t n, void *arg) {
    tm_buf *b = arg;
    if (b->n < 2048) buf_put(b, p, sz * n < 2048 - b->n ? sz * n : 2048 - b->n);
    return sz * n;
}

static void http_setup(tm_sender *s) {
    const tm_target_spec *t = s->t;
    char line[1200];
    s->curl = curl_easy_init();
    if (t->kind == FWD_PROM) {
        s->hdr = curl_slist_append(s->hdr, "Content-Type: application/x-protobuf");
        s->hdr = curl_slist_append(s->hdr, "Content-Encoding: snappy");
        s->hdr = curl_slist_append(s->hdr, "X-Prometheus-Remote-Write-Version: 0.1.0");
    } else {
        s->hdr = curl_slist_append(s->hdr, "Content-Type: text/plain; charset=utf-8");
    }
    if (t->bearer || t->token) {
        snprintf(line, sizeof line, "Authorization: %s %s", t->bearer ? "Bearer" : "Token", t->bearer ? t->bearer : t->token);
        s->hdr = curl_slist_append(s->hdr, line);
    }
    s->hdr = curl_slist_append(s->hdr, "User-Agent: tidemark-forward");
    s->hdr = curl_slist_append(s->hdr, "Expect:");
    curl_easy_setopt(s->curl, CURLOPT_URL, t->url);
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->hdr);
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &s->resp);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(s->curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(s->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(s->curl, CURLOPT_XFERINFODATA, s);
    if (t->user) {
        curl_easy_setopt(s->curl, CURLOPT_USERNAME, t->user);
        curl_easy_setopt(s->curl, CURLOPT_PASSWORD, t->password ? t->password : "");
    }
}

static int deliver_http(tm_sender *s, const tm_buf *body) {
    s->resp.n = 0;
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, body->p);
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)body->n);
    CURLcode rc = curl_easy_perform(s->curl);
    long code = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK) {
        snprintf(s->why, sizeof s->why, "%s", curl_easy_strerror(rc));
        return D_RETRY;
    }
    if (code >= 200 && code < 300) return D_OK;
    size_t n = s->resp.n;
    while (n && (s->resp.p[n - 1] == '\n' || s->resp.p[n - 1] == ' ')) n--;
    snprintf(s->why, sizeof s->why, "HTTP %ld: %.*s", code, (int)(n > 400 ? 400 : n), s->resp.p ? (char *)s->resp.p : "");
    return code >= 500 || code == 429 ? D_RETRY : D_REJECT;
}

/* A connection per batch: write it all, half-close, wait for the peer's close. */
static int deliver_tcp(tm_sender *s, const tm_buf *body) {
    char host[256];
    const char *colon = strrchr(s->t->url, ':');
    snprintf(host, sizeof host, "%.*s", (int)(colon - s->t->url), s->t->url);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    int e = getaddrinfo(host, colon + 1, &hints, &ai), fd = -1, ok = 0;
    if (e) {
        snprintf(s->why, sizeof s->why, "%s: %s", s->t->url, gai_strerror(e));
        return D_RETRY;
    }
    struct timeval tv = {10, 0};
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    if (fd >= 0 && !connect(fd, ai->ai_addr, ai->ai_addrlen)) {
        size_t done = 0;
        while (done < body->n && !stopping(s)) {
            ssize_t w = send(fd, body->p + done, body->n - done, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;
            done += (size_t)w;
        }
        char c[256];
        ssize_t r = 1;
        if (done == body->n && !shutdown(fd, SHUT_WR))
            while ((r = read(fd, c, sizeof c)) > 0 || (r < 0 && errno == EINTR)) {}
        ok = done == body->n && r == 0;
    }
    if (!ok) snprintf(s->why, sizeof s->why, "%s: %s", s->t->url, strerror(errno ? errno : EPIPE));
    if (fd >= 0) close(fd);
    freeaddrinfo(ai);
    return ok ? D_OK : D_RETRY;
}

/* Wait ms, or less if stopped; returns nonzero when stopped. */
static int pause_ms(tm_sender *s, long ms) {
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += ms % 1000 * 1000000L;
    if (dl.tv_nsec >= 1000000000L) dl.tv_sec++, dl.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&s->mu);
    while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &dl) != ETIMEDOUT) {}
    int st = s->stop;
    pthread_mutex_unlock(&s->mu);
    return st;
}


/* The samples the next request may carry: batch while the sender keeps up;
 * while more than that waits unread, all of it up to batch_max. A receiver
 * parses and looks up a series' labels once per request, however many of
 * its samples come with them, so a backlog goes out in fewer, cheaper
 * requests (and sooner), and a sender that keeps up still sends small ones
 * every flush_ms. */
static size_t request_size(tm_sender *s) {
    if (s->batch_max <= s->batch) return s->batch;
    uint64_t w = queue_unread(s->q);
    return w <= s->batch ? s->batch : w < s->batch_max ? (size_t)w : s->batch_max;
}

/* Up to request_size() samples (and about SENDER_KEY_BYTES of their keys),
 * read batch at a time, waiting at most flush_ms past the first. */
static void fill(tm_sender *s, tm_batch *b) {
    batch_reset(b);
    size_t want = request_size(s);
    if (!queue_read(s->q, b, s->batch, 1000)) return;
    int64_t until = mono_ms() + s->flush_ms;
    for (int64_t left; b->n < want && b->alen < SENDER_KEY_BYTES && !stopping(s) && (left = until - mono_ms()) > 0;) {
        size_t m = want - b->n < s->batch ? want - b->n : s->batch;
        if (!queue_read(s->q, b, m, (int)left)) break; /* the time is up, or a cut */
    }
}

/* Send one batch until it is delivered or refused; 0 when stopped first. */
static int send_batch(tm_sender *s, const tm_buf *body, size_t n) {
    for (long backoff = 1000;; backoff = backoff * 2 > 60000 ? 60000 : backoff * 2) {
        int r = s->t->kind == FWD_GRAPHITE ? deliver_tcp(s, body) : deliver_http(s, body);
        if (r == D_OK) {
            __atomic_add_fetch(&s->st.sent, n, __ATOMIC_RELAXED);
            __atomic_add_fetch(&s->st.requests, 1, __ATOMIC_RELAXED);
            return 1;
        }
        if (r == D_REJECT) {
            __atomic_add_fetch(&s->st.rejected, n, __ATOMIC_RELAXED);
            if (!s->rejected_logged++)
                log_error("forward %s: batch of %zu samples refused, dropped (this is logged once): %s", s->t->label,
                          n, s->why);
            return 1;
        }
        __atomic_add_fetch(&s->st.failed, 1, __ATOMIC_RELAXED);
        log_limited(LOG_WARN, "forward %s: %s; retrying in %ld s", s->t->label, s->why, backoff / 1000);
        if (pause_ms(s, backoff)) return 0;
        __atomic_add_fetch(&s->st.retries, 1, __ATOMIC_RELAXED);
    }
}

/* Forwarding never slows ingestion: the sender runs at nice 19, so a busy
 * machine gives it little CPU (it falls behind on its queue, which is on
 * disk and bounded, and catches up once the CPU is free), and it waits
 * while the ingest is busy (yield.h). Not SCHED_IDLE: on a machine that is
 * never idle that would starve it. Threads it starts (libcurl's resolver)
 * inherit this. */
static void lower_priority(void) { setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19); }

/* Hold the next request while the ingest is busy, within yield.h's bound. */
static void yield_to_ingest(tm_sender *s) {
    enum { STEP_MS = 20 };
    while (!stopping(s) && yield_wait(&s->y, busy_at(s->busy, mono_ns()), queue_half_full(s->q), queue_unread(s->q),
                                      s->batch, STEP_MS)) {
        __atomic_add_fetch(&s->st.yielded_ms, STEP_MS, __ATOMIC_RELAXED);
        pause_ms(s, STEP_MS);
    }
}

static void *run(void *arg) {
    tm_sender *s = arg;
    lower_priority();
    tm_batch b;
    tm_buf body = {0};
    tm_prom_enc *pe = s->t->kind == FWD_PROM ? prom_enc_new() : NULL;
    batch_init(&b);
    if (s->t->kind != FWD_GRAPHITE) http_setup(s);
    while (!stopping(s)) {
        yield_to_ingest(s);
        if (stopping(s)) break;
        fill(s, &b);
        if (!b.n) continue;
        int64_t newest = INT64_MIN;
        for (size_t i = 0; i < b.n; i++)
            if (b.s[i].ts > newest) newest = b.s[i].ts;
        size_t n = s->t->kind == FWD_PROM ? enc_prom(pe, &b, &body) : s->t->kind == FWD_INFLUX ? enc_influx(&b, &body)
                                                                                                : enc_graphite(&b, &body);
        if (n && !send_batch(s, &body, n)) break;
        queue_ack(s->q, newest);
    }
    batch_free(&b);
    buf_free(&body);
    prom_enc_free(pe);
    buf_free(&s->resp);
    if (s->curl) curl_easy_cleanup(s->curl);
    curl_slist_free_all(s->hdr);
    return NULL;
}

tm_sender *sender_start(const tm_target_spec *t, tm_queue *q, const tm_sender_opts *o) {
    tm_sender *s = xcalloc(1, sizeof *s);
    s->t = t;
    s->q = q;
    s->batch = o->batch;
    s->batch_max = o->batch_max;
    s->flush_ms = o->flush_ms;
    s->busy = o->busy;
    s->y.yield_ms = o->yield_ms;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_create(&s->thr, NULL, run, s);
    return s;
}

void sender_stop(tm_sender *s) {
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    __atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    queue_wake(s->q);
    pthread_join(s->thr, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

void sender_stats(tm_sender *s, tm_sender_stats *st) {
    st->sent = __atomic_load_n(&s->st.sent, __ATOMIC_RELAXED);
    st->requests = __atomic_load_n(&s->st.requests, __ATOMIC_RELAXED);
    st->rejected = __atomic_load_n(&s->st.rejected, __ATOMIC_RELAXED);
    st->failed = __atomic_load_n(&s->st.failed, __ATOMIC_RELAXED);
    st->retries = __atomic_load_n(&s->st.retries, __ATOMIC_RELAXED);
    st->yielded_ms = __atomic_load_n(&s->st.yielded_ms, __ATOMIC_RELAXED);
}
