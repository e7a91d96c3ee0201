/* deliver.c — sending the outbox (see deliver.h). */
#include "deliver.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/buf.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "outbox.h"
#include "payload.h"
#include "stats.h"

#define SEND_TIMEOUT_S 10L

struct alert_deliver {
    alert_db *db;
    int64_t retry_for;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, kicked;
    CURLM *multi;
};

typedef struct {
    outbox_entry e;
    CURL *c;
    struct curl_slist *hdr;
    tm_buf body, resp;
    char err[CURL_ERROR_SIZE];
} flight;

static size_t sink(char *p, size_t sz, size_t n, void *arg) {
    tm_buf *b = arg;
    if (b->n < 4096) buf_put(b, p, sz * n); /* keep the start of an error page for the log */
    return sz * n;
}

static int prepare(flight *f, int64_t now) {
    if (payload_render(f->e.kind, f->e.event, now, &f->body)) return -1;
    f->c = curl_easy_init();
    f->hdr = curl_slist_append(NULL, "Content-Type: application/json");
    f->hdr = curl_slist_append(f->hdr, "User-Agent: tidemark-alerts");
    curl_easy_setopt(f->c, CURLOPT_URL, f->e.target);
    curl_easy_setopt(f->c, CURLOPT_HTTPHEADER, f->hdr);
    curl_easy_setopt(f->c, CURLOPT_POSTFIELDS, (const char *)f->body.p);
    curl_easy_setopt(f->c, CURLOPT_POSTFIELDSIZE, (long)f->body.n);
    curl_easy_setopt(f->c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(f->c, CURLOPT_WRITEDATA, &f->resp);
    curl_easy_setopt(f->c, CURLOPT_TIMEOUT, SEND_TIMEOUT_S);
    curl_easy_setopt(f->c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(f->c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(f->c, CURLOPT_ERRORBUFFER, f->err);
    curl_easy_setopt(f->c, CURLOPT_PRIVATE, f);
    return 0;
}

static void finish(alert_deliver *x, flight *f, CURLcode rc, int64_t now) {
    long code = 0;
    if (rc == CURLE_OK) curl_easy_getinfo(f->c, CURLINFO_RESPONSE_CODE, &code);
    char why[400];
    if (code >= 200 && code < 300) {
        outbox_done(x->db, f->e.seq);
        astat_add(&alert_stats.sent, 1);
        return;
    }
    if (rc != CURLE_OK) snprintf(why, sizeof why, "%s", f->err[0] ? f->err : curl_easy_strerror(rc));
    else snprintf(why, sizeof why, "HTTP %ld: %.200s", code, f->resp.n ? (const char *)f->resp.p : "");
    for (char *p = why; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    astat_add(&alert_stats.attempts_failed, 1);
    if (code >= 400 && code < 500 && code != 408 && code != 429) {
        log_warn("alerts: %s refused a notification of rule %s for good: %s", f->e.target, f->e.rule, why);
        outbox_done(x->db, f->e.seq);
        astat_add(&alert_stats.failed, 1);
        return;
    }
    int64_t next = outbox_retry(x->db, &f->e, why, now);
    log_limited(LOG_WARN, "alerts: cannot notify %s (%s); attempt %d, next in %llds", f->e.target, why,
                f->e.attempts + 1, (long long)(next - now) / 1000);
}

static void flight_free(flight *f) {
    if (f->c) curl_easy_cleanup(f->c);
    curl_slist_free_all(f->hdr);
    buf_free(&f->body);
    buf_free(&f->resp);
    outbox_entry_free(&f->e);
}

/* Send every due head at once; returns how many were sent (any outcome),
 * and in *next the earliest retry among those not yet due. */
static size_t send_round(alert_deliver *x, int64_t *next) {
    static flight fl[OUTBOX_MAX_HEADS];
    outbox_entry heads[OUTBOX_MAX_HEADS];
    int64_t now = now_ms();
    size_t nh = outbox_heads(x->db, heads, OUTBOX_MAX_HEADS), nf = 0;
    for (size_t i = 0; i < nh; i++) {
        if (heads[i].next_try > now) {
            if (heads[i].next_try < *next) *next = heads[i].next_try;
            outbox_entry_free(&heads[i]);
            continue;
        }
        flight *f = &fl[nf];
        memset(f, 0, sizeof *f);
        f->e = heads[i];
        if (prepare(f, now)) { /* not an event: nothing will ever make it one */
            log_error("alerts: dropping a malformed outbox entry for %s", f->e.target);
            outbox_done(x->db, f->e.seq);
            flight_free(f);
            continue;
        }
        curl_multi_add_handle(x->multi, f->c);
        nf++;
    }
    int running = (int)nf;
    while (running > 0) {
        curl_multi_perform(x->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(x->multi, &left)))
            if (m->msg == CURLMSG_DONE) {
                flight *f;
                curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
                finish(x, f, m->data.result, now_ms());
                curl_multi_remove_handle(x->multi, f->c);
            }
        if (running) curl_multi_poll(x->multi, NULL, 0, 200, NULL);
    }
    for (size_t i = 0; i < nf; i++) flight_free(&fl[i]);
    return nf;
}

static void *run(void *arg) {
    alert_deliver *x = arg;
    for (;;) {
        pthread_mutex_lock(&x->mu);
        int stop = x->stop;
        x->kicked = 0;
        pthread_mutex_unlock(&x->mu);
        if (stop) break;
        int64_t now = now_ms();
        size_t gone = outbox_expire(x->db, now - x->retry_for);
        if (gone) astat_add(&alert_stats.failed, gone);
        int64_t next = now + 1000;
        size_t sent = send_round(x, &next);
        db_lock(x->db);
        astat_set(&alert_stats.pending, outbox_pending(x->db, NULL));
        db_unlock(x->db);
        if (sent) continue; /* the next entries of those targets may be due now */
        pthread_mutex_lock(&x->mu);
        if (!x->kicked && !x->stop) {
            int64_t wait = next - now_ms();
            if (wait < 10) wait = 10;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += wait / 1000;
            ts.tv_nsec += (wait % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
            pthread_cond_timedwait(&x->cv, &x->mu, &ts);
        }
        pthread_mutex_unlock(&x->mu);
    }
    return NULL;
}

alert_deliver *deliver_start(alert_db *d, int64_t retry_for_ms) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    alert_deliver *x = xcalloc(1, sizeof *x);
    x->db = d;
    x->retry_for = retry_for_ms;
    x->multi = curl_multi_init();
    pthread_mutex_init(&x->mu, NULL);
    pthread_cond_init(&x->cv, NULL);
    if (pthread_create(&x->th, NULL, run, x)) {
        log_error("alerts: cannot start the delivery thread");
        curl_multi_cleanup(x->multi);
        free(x);
        return NULL;
    }
    return x;
}

void deliver_kick(alert_deliver *x) {
    if (!x) return;
    pthread_mutex_lock(&x->mu);
    x->kicked = 1;
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&x->mu);
}

void deliver_stop(alert_deliver *x) {
    if (!x) return;
    pthread_mutex_lock(&x->mu);
    x->stop = 1;
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&x->mu);
    curl_multi_wakeup(x->multi);
    pthread_join(x->th, NULL);
    curl_multi_cleanup(x->multi);
    pthread_mutex_destroy(&x->mu);
    pthread_cond_destroy(&x->cv);
    free(x);
}
