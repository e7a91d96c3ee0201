/* encode_prom.c — a batch as a Prometheus remote write 1.0 request: one
 * TimeSeries per series (its samples in queue order), labels sorted by
 * name, the whole protobuf snappy-compressed. */
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "remote.pb-c.h"

void prom_safe(tm_buf *out, const char *s, size_t n, int colon_ok) {
    buf_reserve(out, n + 2);
    uint8_t *p = out->p + out->n;
    if (!n || (s[0] >= '0' && s[0] <= '9')) *p++ = '_';
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                 (c == ':' && colon_ok);
        *p++ = ok ? (uint8_t)c : '_';
    }
    out->n = (size_t)(p - out->p);
}

static uint64_t hash_key(const char *k, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)k[i]) * 1099511628211ull;
    return h;
}

static int label_cmp(const void *a, const void *b) {
    const Prometheus__Label *x = *(Prometheus__Label *const *)a, *y = *(Prometheus__Label *const *)b;
    return strcmp(x->name, y->name);
}

/* One TimeSeries' labels from a key; names and values go to the arena as
 * offsets (pointers are set once the arena stops moving). */
static size_t labels_of(const char *key, size_t klen, tm_buf *arena, size_t *offs) {
    tm_tag tags[PROM_MAX_TAGS];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, PROM_MAX_TAGS), k = 0;
    offs[k++] = arena->n;
    buf_put(arena, "__name__", 9);
    offs[k++] = arena->n;
    prom_safe(arena, key, nlen, 1);
    buf_putc(arena, 0);
    for (size_t i = 0; i < nt; i++) {
        offs[k++] = arena->n;
        prom_safe(arena, tags[i].k, tags[i].klen, 0);
        buf_putc(arena, 0);
        offs[k++] = arena->n;
        char v[TM_KEY_MAX];
        buf_put(arena, v, tag_value(tags[i].v, tags[i].vlen, v)); /* label values as sent */
        buf_putc(arena, 0);
    }
    return k / 2;
}

/* The request being built: series found in the batch, and the messages. */
typedef struct {
    const tm_batch *b;
    size_t ns, used, nl;
    uint32_t *sid, *nsamp; /* per sample: its series; per series: its samples */
    size_t *first, *lstart, *loff;
    tm_buf arena;
    Prometheus__TimeSeries *ts, **tsp;
    Prometheus__Sample *sm, **smp;
    Prometheus__Label *lb, **lbp;
} pw_build;

/* Series of the batch's numbers, by key. */
static void group(pw_build *w) {
    const tm_batch *b = w->b;
    size_t n = b->n, cap = 16;
    while (cap < n * 2) cap *= 2;
    uint32_t *slot = xcalloc(cap, sizeof *slot); /* series index + 1 */
    w->sid = xmalloc((n + 1) * sizeof *w->sid);
    w->nsamp = xcalloc(n + 1, sizeof *w->nsamp);
    w->first = xmalloc((n + 1) * sizeof *w->first);
    for (size_t i = 0; i < n; i++) {
        const tm_sample *x = &b->s[i];
        if (x->type != TM_NUMBER) continue;
        const char *k = batch_key(b, x);
        size_t j = hash_key(k, x->key_len) & (cap - 1);
        while (slot[j]) {
            const tm_sample *y = &b->s[w->first[slot[j] - 1]];
            if (y->key_len == x->key_len && !memcmp(batch_key(b, y), k, x->key_len)) break;
            j = (j + 1) & (cap - 1);
        }
        if (!slot[j]) {
            w->first[w->ns] = i;
            slot[j] = (uint32_t)++w->ns;
        }
        w->sid[i] = slot[j] - 1;
        w->nsamp[w->sid[i]]++;
        w->used++;
    }
    free(slot);
}

static void labels(pw_build *w) {
    w->loff = xmalloc((w->ns * (PROM_MAX_TAGS + 1) * 2 + 1) * sizeof *w->loff);
    w->lstart = xmalloc((w->ns + 1) * sizeof *w->lstart);
    for (size_t s = 0; s < w->ns; s++) {
        const tm_sample *x = &w->b->s[w->first[s]];
        w->lstart[s] = w->nl;
        w->nl += labels_of(batch_key(w->b, x), x->key_len, &w->arena, w->loff + w->nl * 2);
    }
    w->lstart[w->ns] = w->nl;
    w->lb = xcalloc(w->nl + 1, sizeof *w->lb);
    w->lbp = xmalloc((w->nl + 1) * sizeof *w->lbp);
    for (size_t l = 0; l < w->nl; l++) {
        prometheus__label__init(&w->lb[l]);
        w->lb[l].name = (char *)w->arena.p + w->loff[2 * l];
        w->lb[l].value = (char *)w->arena.p + w->loff[2 * l + 1];
        w->lbp[l] = &w->lb[l];
    }
}

static void series(pw_build *w) {
    w->ts = xcalloc(w->ns + 1, sizeof *w->ts);
    w->tsp = xmalloc((w->ns + 1) * sizeof *w->tsp);
    w->sm = xcalloc(w->used + 1, sizeof *w->sm);
    w->smp = xmalloc((w->used + 1) * sizeof *w->smp);
    for (size_t s = 0, at = 0; s < w->ns; s++) {
        Prometheus__TimeSeries *t = &w->ts[s];
        prometheus__time_series__init(t);
        t->labels = w->lbp + w->lstart[s];
        t->n_labels = w->lstart[s + 1] - w->lstart[s];
        qsort(t->labels, t->n_labels, sizeof *t->labels, label_cmp);
        /* tags "a.b" and "a_b" are one label name once made safe: a receiver
         * refuses the whole request for a repeated name, so keep one */
        size_t k = t->n_labels ? 1 : 0;
        for (size_t i = 1; i < t->n_labels; i++)
            if (strcmp(t->labels[i]->name, t->labels[k - 1]->name)) t->labels[k++] = t->labels[i];
        t->n_labels = k;
        t->samples = w->smp + at;
        at += w->nsamp[s];
        w->tsp[s] = t;
    }
    for (size_t i = 0, k = 0; i < w->b->n; i++) {
        const tm_sample *x = &w->b->s[i];
        if (x->type != TM_NUMBER) continue;
        Prometheus__TimeSeries *t = &w->ts[w->sid[i]];
        prometheus__sample__init(&w->sm[k]);
        w->sm[k].value = x->v;
        w->sm[k].timestamp = x->ts;
        t->samples[t->n_samples++] = &w->sm[k++];
    }
}

size_t enc_prom(const tm_batch *b, tm_buf *out) {
    pw_build w = {.b = b};
    group(&w);
    labels(&w);
    series(&w);
    Prometheus__WriteRequest req = PROMETHEUS__WRITE_REQUEST__INIT;
    req.timeseries = w.tsp;
    req.n_timeseries = w.ns;
    size_t raw_n = prometheus__write_request__get_packed_size(&req), cn = snappy_max_compressed_length(raw_n);
    uint8_t *raw = xmalloc(raw_n + 1);
    prometheus__write_request__pack(&req, raw);
    out->n = 0;
    buf_reserve(out, cn);
    if (snappy_compress((const char *)raw, raw_n, (char *)out->p, &cn) == SNAPPY_OK) out->n = cn;
    free(raw);
    buf_free(&w.arena);
    free(w.lb), free(w.lbp), free(w.loff), free(w.lstart), free(w.sm), free(w.smp), free(w.ts), free(w.tsp);
    free(w.sid), free(w.nsamp), free(w.first);
    return w.used;
}
