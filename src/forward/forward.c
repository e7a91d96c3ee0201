/* forward.c — the targets, the store's observer that fills their queues,
 * and their /metrics. */
#include "forward.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/log.h"
#include "queue.h"
#include "sender.h"
#include "target.h"

typedef struct {
    tm_target_spec spec;
    tm_queue *q;
    tm_sender *snd;
    uint64_t seed; /* rendezvous hashing */
} target;

struct tm_forward {
    tm_store *store;
    tm_forward_opts o;
    target t[FWD_MAX_TARGETS];
    size_t nt;
    uint32_t *mask; /* per series id: bit i = target i wants it; bit 31 = decided */
    size_t nmask;
    uint32_t *smask, *pick; /* per sample of the batch being queued: its targets; one target's samples */
    size_t cap;
    tm_qbody body;
    tm_busy busy; /* yield.h: the loop thread's, read by the senders */
};

#define DECIDED (1u << 31)

static uint64_t fnv(const char *p, size_t n, uint64_t h) {
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
    return h;
}

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

/* Which targets get this series: filters, then sharding within each kind. */
static uint32_t decide(tm_forward *f, const char *key, size_t klen, int type) {
    size_t nlen = strcspn(key, ";");
    if (nlen > klen) nlen = klen;
    uint32_t m = DECIDED;
    if (!globs_match(f->o.match, f->o.nmatch, key, nlen)) return m;
    uint64_t kh = fnv(key, klen, 1469598103934665603ull);
    for (int kind = 0; kind < FWD_NKIND; kind++) {
        uint64_t score[FWD_MAX_TARGETS];
        uint32_t want = 0;
        for (size_t i = 0; i < f->nt; i++)
            if (f->t[i].spec.kind == kind && target_wants(&f->t[i].spec, key, klen, type)) {
                want |= 1u << i;
                score[i] = mix(kh ^ f->t[i].seed);
            }
        if (f->o.shard) { /* keep the `replicas` best scores */
            uint32_t keep = 0;
            for (size_t r = 0; r < f->o.replicas && want & ~keep; r++) {
                size_t best = FWD_MAX_TARGETS;
                for (size_t i = 0; i < f->nt; i++)
                    if ((want & ~keep) >> i & 1 && (best == FWD_MAX_TARGETS || score[i] > score[best])) best = i;
                keep |= 1u << best;
            }
            want = keep;
        }
        m |= want;
    }
    return m;
}

/* The targets of a series, decided the first time it is seen. */
static uint32_t targets_of(tm_forward *f, const tm_batch *b, const tm_sample *x, uint32_t id) {
    XGROW_ZEROED(f->mask, id, f->nmask, 4096);
    uint32_t m = f->mask[id];
    if (!m) m = f->mask[id] = decide(f, batch_key(b, x), x->key_len, x->type);
    return m & ~DECIDED;
}

/* Each sample's entry is encoded once: when every sample goes to the same
 * targets (no filters, no shard: the usual case) one body serves them all,
 * otherwise each target gets a body of its own samples. */
static void on_write(void *arg, const tm_batch *b, const uint32_t *ids) {
    tm_forward *f = arg;
    busy_note_now(&f->busy);
    if (b->n > f->cap) {
        f->cap = b->n;
        f->smask = xrealloc(f->smask, f->cap * sizeof *f->smask);
        f->pick = xrealloc(f->pick, f->cap * sizeof *f->pick);
    }
    uint32_t first = 0, touched = 0;
    int uniform = 1, seen = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (!ids[i]) continue;
        uint32_t m = f->smask[i] = targets_of(f, b, &b->s[i], ids[i]);
        if (!seen++) first = m;
        uniform &= m == first;
        touched |= m;
    }
    if (uniform) {
        if (!first) return;
        qbody_clear(&f->body);
        qbody_add_all(&f->body, b, ids);
        for (size_t t = 0; first; t++, first >>= 1)
            if (first & 1) queue_write(f->t[t].q, b, ids, NULL, b->n, &f->body);
        return;
    }
    for (size_t t = 0; touched; t++, touched >>= 1) {
        if (!(touched & 1)) continue;
        size_t n = 0;
        qbody_clear(&f->body);
        for (size_t i = 0; i < b->n; i++)
            if (ids[i] && f->smask[i] >> t & 1) {
                f->pick[n++] = (uint32_t)i;
                qbody_add(&f->body, ids[i], b, &b->s[i]);
            }
        queue_write(f->t[t].q, b, ids, f->pick, n, &f->body);
    }
}

static int add_target(tm_forward *f, int kind, const char *spec, char *err, size_t errlen) {
    if (f->nt == FWD_MAX_TARGETS) {
        snprintf(err, errlen, "at most %d forward targets", FWD_MAX_TARGETS);
        return -1;
    }
    target *t = &f->t[f->nt];
    if (target_parse(kind, spec, &t->spec, err, errlen)) {
        target_free(&t->spec);
        return -1;
    }
    f->nt++;
    /* the queue's directory is named by what is dialled, so it survives a
     * restart and two targets never share one */
    t->seed = fnv(t->spec.label, strlen(t->spec.label), 1469598103934665603ull);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/forward/%s-%016llx", f->o.data_dir, fwd_kind_names[kind],
             (unsigned long long)fnv(t->spec.url, strlen(t->spec.url), 1469598103934665603ull));
    if (!(t->q = queue_open(dir, f->o.max_disk, err, errlen))) return -1;
    return 0;
}

tm_forward *forward_start(tm_store *s, const tm_forward_opts *o, char *err, size_t errlen) {
    err[0] = 0;
    size_t total = o->nspecs[0] + o->nspecs[1] + o->nspecs[2];
    if (!total) return NULL;
    if (!o->data_dir) {
        snprintf(err, errlen, "forwarding keeps its queues on disk: it needs --data-dir, not --memory");
        return NULL;
    }
    tm_forward *f = xcalloc(1, sizeof *f);
    f->store = s;
    f->o = *o;
    if (!f->o.replicas) f->o.replicas = 1;
    if (!f->o.batch) f->o.batch = 2000;
    if (f->o.flush_ms <= 0) f->o.flush_ms = 1000;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/forward", o->data_dir);
    if (mkdir(dir, 0755) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        forward_stop(f);
        return NULL;
    }
    for (int k = 0; k < FWD_NKIND; k++)
        for (size_t i = 0; i < o->nspecs[k]; i++)
            if (add_target(f, k, o->specs[k][i], err, errlen)) {
                forward_stop(f);
                return NULL;
            }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    tm_sender_opts so = {f->o.batch, f->o.batch_max, f->o.flush_ms, f->o.yield_ms, &f->busy};
    for (size_t i = 0; i < f->nt; i++) {
        f->t[i].snd = sender_start(&f->t[i].spec, f->t[i].q, &so);
        log_info("forwarding to %s %s", fwd_kind_names[f->t[i].spec.kind], f->t[i].spec.label);
    }
    if (store_observe(s, on_write, f)) {
        snprintf(err, errlen, "the store has no room for another observer");
        forward_stop(f);
        return NULL;
    }
    return f;
}

void forward_stop(tm_forward *f) {
    if (!f) return;
    store_unobserve(f->store, on_write, f);
    for (size_t i = 0; i < f->nt; i++) sender_stop(f->t[i].snd);
    for (size_t i = 0; i < f->nt; i++) {
        queue_close(f->t[i].q);
        target_free(&f->t[i].spec);
    }
    free(f->mask);
    free(f->smask);
    free(f->pick);
    buf_free(&f->body.ent);
    free(f);
}

static void metric(tm_buf *b, const char *name, const char *type, const char *help, tm_forward *f,
                   uint64_t (*get)(const tm_queue_stats *, const tm_sender_stats *)) {
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    for (size_t i = 0; i < f->nt; i++) {
        tm_queue_stats q;
        tm_sender_stats s;
        queue_stats(f->t[i].q, &q);
        sender_stats(f->t[i].snd, &s);
        buf_printf(b, "%s{kind=\"%s\",target=\"%s\"} %llu\n", name, fwd_kind_names[f->t[i].spec.kind],
                   f->t[i].spec.label, (unsigned long long)get(&q, &s));
    }
}

static uint64_t g_bytes(const tm_queue_stats *q, const tm_sender_stats *s) { return (void)s, q->bytes; }
static uint64_t g_samples(const tm_queue_stats *q, const tm_sender_stats *s) { return (void)s, q->samples; }
static uint64_t g_sent(const tm_queue_stats *q, const tm_sender_stats *s) { return (void)q, s->sent; }
static uint64_t g_requests(const tm_queue_stats *q, const tm_sender_stats *s) { return (void)q, s->requests; }
static uint64_t g_failed(const tm_queue_stats *q, const tm_sender_stats *s) { return (void)q, s->failed; }
static uint64_t g_retries(const tm_queue_stats *q, const tm_sender_stats *s) { return (void)q, s->retries; }
static uint64_t g_queued(const tm_queue_stats *q, const tm_sender_stats *s) { return (void)s, q->appended; }

void forward_metrics(tm_buf *b, void *arg) {
    tm_forward *f = arg;
    if (!f) return;
    metric(b, "tidemark_forward_pending_bytes", "gauge", "Bytes queued on disk, not yet acknowledged.", f, g_bytes);
    metric(b, "tidemark_forward_pending_samples", "gauge", "Samples queued, not yet acknowledged.", f, g_samples);
    metric(b, "tidemark_forward_queued_samples_total", "counter", "Samples appended to the queue.", f, g_queued);
    metric(b, "tidemark_forward_sent_samples_total", "counter", "Samples the remote acknowledged.", f, g_sent);
    metric(b, "tidemark_forward_requests_total", "counter", "Requests the remote acknowledged.", f, g_requests);
    metric(b, "tidemark_forward_failed_requests_total", "counter", "Sends that failed (no answer, 5xx, 429).", f,
           g_failed);
    metric(b, "tidemark_forward_retries_total", "counter", "Batches sent again after a failure.", f, g_retries);
    const char *d = "tidemark_forward_dropped_samples_total";
    buf_printf(b, "# HELP %s Samples given up: queue bound reached, refused by the remote (4xx), queue write error.\n"
                  "# TYPE %s counter\n", d, d);
    const char *l = "tidemark_forward_lag_seconds", *y = "tidemark_forward_yield_seconds_total";
    tm_buf lag = {0}, yl = {0};
    buf_printf(&lag, "# HELP %s Newest sample queued minus newest acknowledged (0 when nothing waits).\n"
                     "# TYPE %s gauge\n", l, l);
    buf_printf(&yl, "# HELP %s Seconds the sender held its requests while the ingest was busy.\n"
                    "# TYPE %s counter\n", y, y);
    for (size_t i = 0; i < f->nt; i++) {
        tm_queue_stats q;
        tm_sender_stats s;
        queue_stats(f->t[i].q, &q);
        sender_stats(f->t[i].snd, &s);
        const char *k = fwd_kind_names[f->t[i].spec.kind], *u = f->t[i].spec.label;
        buf_printf(b, "%s{kind=\"%s\",reason=\"queue_full\",target=\"%s\"} %llu\n", d, k, u,
                   (unsigned long long)q.dropped);
        buf_printf(b, "%s{kind=\"%s\",reason=\"write_error\",target=\"%s\"} %llu\n", d, k, u,
                   (unsigned long long)q.write_errors);
        buf_printf(b, "%s{kind=\"%s\",reason=\"rejected\",target=\"%s\"} %llu\n", d, k, u,
                   (unsigned long long)s.rejected);
        double lagv = 0;
        if (q.samples && q.newest_ts != INT64_MIN && q.acked_ts != INT64_MIN)
            lagv = (double)(q.newest_ts - q.acked_ts) / 1000.0;
        if (lagv < 0) lagv = 0;
        buf_printf(&lag, "%s{kind=\"%s\",target=\"%s\"} %.3f\n", l, k, u, lagv);
        buf_printf(&yl, "%s{kind=\"%s\",target=\"%s\"} %.3f\n", y, k, u, (double)s.yielded_ms / 1000.0);
    }
    buf_put(b, lag.p, lag.n);
    buf_put(b, yl.p, yl.n);
    buf_free(&lag);
    buf_free(&yl);
}
