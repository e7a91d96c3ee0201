/* fuzz_statsd.c — arbitrary bytes into statsd_parse, then the aggregator.
 *
 * Invariants: a buffer parses the same as its lines one by one (same events
 * in the same order, same errors: no state leaks between lines); a line
 * either emits events or is rejected, never both; every event has a valid
 * kind, a canonical key within STATSD_KEY_MAX, a finite value and a finite
 * rate > 0; folding the events into a small aggregator and flushing twice
 * writes only finite numbers under "stats." keys within TM_KEY_MAX, stamped
 * with the flush time. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/statsd.h"
#include "ingest/statsd_agg.h"

typedef struct {
    char *key;
    size_t klen;
    int kind, delta;
    double value, rate;
    char *member;
    size_t mlen, line;
} rec;

typedef struct {
    rec *r;
    size_t n, cap, cursor; /* cursor: next record to compare against */
    int compare;
} recs;

static void check_key(const char *k, size_t n) {
    if (!n || n > STATSD_KEY_MAX) abort();
    char out[TM_KEY_MAX + 1];
    tm_tag t[TM_KEY_MAX / 4 + 1];
    size_t nlen;
    size_t nt = key_split(k, n, &nlen, t, TM_KEY_MAX / 4 + 1);
    const char *why;
    char vals[TM_KEY_MAX]; /* values as sent, which key_canon escapes again */
    for (size_t i = 0, used = 0; i < nt; i++) {
        size_t vn = tag_value(t[i].v, t[i].vlen, vals + used);
        t[i].v = vals + used;
        t[i].vlen = vn;
        used += vn;
    }
    int again = key_canon(k, nlen, t, nt, out, sizeof out, &why); /* canonical: a fixed point */
    if (again != (int)n || memcmp(out, k, n)) abort();
}

static const char *collect(void *ctx, const statsd_event *e) {
    recs *x = ctx;
    if (e->kind < SD_COUNTER || e->kind > SD_SET || !isfinite(e->value) || !isfinite(e->rate) || !(e->rate > 0))
        abort();
    if (e->kind == SD_SET && !e->mlen) abort();
    if (x->compare) {
        if (x->cursor >= x->n) abort();
        const rec *r = &x->r[x->cursor++];
        if (r->klen != e->klen || memcmp(r->key, e->key, e->klen) || r->kind != e->kind || r->delta != e->delta ||
            memcmp(&r->value, &e->value, sizeof r->value) || r->rate != e->rate || r->line != e->line)
            abort();
        if (e->kind == SD_SET && (r->mlen != e->mlen || memcmp(r->member, e->member, e->mlen))) abort();
        return NULL;
    }
    check_key(e->key, e->klen);
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 64;
        x->r = realloc(x->r, x->cap * sizeof *x->r);
    }
    rec *r = &x->r[x->n++];
    *r = (rec){malloc(e->klen + 1), e->klen, e->kind, e->delta, e->value, e->rate, NULL, e->mlen, e->line};
    memcpy(r->key, e->key, e->klen);
    if (e->kind == SD_SET) {
        r->member = malloc(e->mlen + 1);
        memcpy(r->member, e->member, e->mlen);
    }
    return NULL;
}

static void check_flush(statsd_agg *a, int64_t ts) {
    tm_batch out;
    batch_init(&out);
    statsd_agg_flush(a, ts, 1000, &out);
    for (size_t i = 0; i < out.n; i++) {
        const tm_sample *s = &out.s[i];
        if (s->ts != ts || s->type != TM_NUMBER || !isfinite(s->v)) abort();
        if (s->key_len > TM_KEY_MAX || s->key_len < 7 || memcmp(batch_key(&out, s), "stats.", 6)) abort();
    }
    batch_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *buf = (const char *)data;
    recs x = {0};
    tm_batch whole, one;
    batch_init(&whole);
    batch_init(&one);
    statsd_parse(buf, size, 1, &whole, collect, &x);
    x.compare = 1;
    size_t lines = 0, errs = 0;
    for (const char *p = buf, *end = buf + size; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t before = x.cursor;
        lines++;
        batch_reset(&one);
        statsd_parse(p, (size_t)(le - p), lines, &one, collect, &x);
        if (one.nerr > 1 || (one.nerr && x.cursor != before)) abort();
        if (one.nerr && !errs && (whole.err_line != lines || strcmp(whole.err, one.err))) abort();
        errs += one.nerr;
        p = nl ? nl + 1 : end;
    }
    if (x.cursor != x.n || errs != whole.nerr) abort();

    statsd_agg *a = statsd_agg_new(16, 64);
    for (size_t i = 0; i < x.n; i++) {
        const rec *r = &x.r[i];
        statsd_event e = {r->key, r->klen, r->kind, r->delta, r->value, r->rate, r->member, r->mlen, r->line};
        statsd_agg_add(a, &e);
    }
    check_flush(a, 1000);
    check_flush(a, 2000);
    statsd_agg_free(a);
    for (size_t i = 0; i < x.n; i++) {
        free(x.r[i].key);
        free(x.r[i].member);
    }
    free(x.r);
    batch_free(&whole);
    batch_free(&one);
    return 0;
}
