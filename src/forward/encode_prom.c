/* encode_prom.c — a batch as a Prometheus remote write 1.0 request: one
 * TimeSeries per series (its samples in queue order), labels sorted by
 * name, the whole protobuf snappy-compressed.
 *
 * The protobuf is written by hand: a series' labels are made safe, sorted
 * and encoded the first time it is seen and kept (the sender sees the same
 * series batch after batch), so a sample costs a lookup and 13-20 bytes.
 * The lookup goes by the sample's series id (its `line`, as the queue
 * reader sets it: encode.h), not a hash of its key, and the key is then
 * compared: an id names the entry to try first, never the labels sent. */
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"

#define CACHE_MAX_BYTES (32u << 20) /* past it the cache starts again: memory stays bounded */

typedef struct {
    uint32_t id;         /* the series id it was made for */
    uint32_t koff, klen; /* the key, in arena (klen 0: a free slot) */
    uint32_t loff, llen; /* its Label messages, encoded, in arena */
    uint32_t gen, sid;   /* the batch it was last seen in, and its series there */
} lab_entry;

struct tm_prom_enc {
    lab_entry *e; /* open addressing */
    size_t cap, n;
    tm_buf arena, raw, name;
    uint32_t gen;
    uint32_t *sid, *order;            /* per sample: its series in the batch; sample indices by series */
    uint32_t *cnt, *at, *loff, *llen; /* per series: samples, first in order, its labels in arena */
    size_t scap;
};

tm_prom_enc *prom_enc_new(void) { return xcalloc(1, sizeof(tm_prom_enc)); }

void prom_enc_free(tm_prom_enc *e) {
    if (!e) return;
    free(e->e);
    buf_free(&e->arena), buf_free(&e->raw), buf_free(&e->name);
    free(e->sid), free(e->order), free(e->cnt), free(e->at), free(e->loff), free(e->llen);
    free(e);
}

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

static size_t uv_len(uint64_t x) {
    size_t n = 1;
    while (x >= 0x80) x >>= 7, n++;
    return n;
}

static uint8_t *put_uv(uint8_t *p, uint64_t x) {
    while (x >= 0x80) *p++ = (uint8_t)(x | 0x80), x >>= 7;
    *p++ = (uint8_t)x;
    return p;
}

/* A length-delimited field: tag, length, bytes. */
static void put_field(tm_buf *b, uint8_t tag, const void *p, size_t n) {
    buf_reserve(b, 11 + n);
    uint8_t *q = put_uv(b->p + b->n, tag);
    q = put_uv(q, n);
    memcpy(q, p, n);
    b->n = (size_t)(q + n - b->p);
}

typedef struct {
    size_t noff, nlen, voff, vlen; /* in the name scratch buffer */
} lab;

/* The series' Label messages, appended to e->arena: __name__ and the tags,
 * names made safe, sorted by name (stable: of names made equal, like tags
 * "a.b" and "a_b", the first stays; a receiver refuses a repeated name). */
static void encode_labels(tm_prom_enc *e, const char *key, size_t klen) {
    tm_tag tags[PROM_MAX_TAGS];
    lab l[PROM_MAX_TAGS + 1];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, PROM_MAX_TAGS), k = 0;
    tm_buf *s = &e->name;
    s->n = 0;
    buf_put(s, "__name__", 8);
    l[k].noff = 0, l[k].nlen = 8, l[k].voff = s->n;
    prom_safe(s, key, nlen, 1);
    l[k].vlen = s->n - l[k].voff, k++;
    for (size_t i = 0; i < nt; i++, k++) {
        l[k].noff = s->n;
        prom_safe(s, tags[i].k, tags[i].klen, 0);
        l[k].nlen = s->n - l[k].noff;
        buf_reserve(s, TM_KEY_MAX);
        l[k].voff = s->n;
        l[k].vlen = tag_value(tags[i].v, tags[i].vlen, (char *)s->p + s->n); /* label values as sent */
        s->n += l[k].vlen;
    }
    for (size_t i = 1; i < k; i++) { /* insertion sort: few, and stable */
        lab x = l[i];
        size_t j = i;
        for (; j > 0; j--) {
            const lab *y = &l[j - 1];
            size_t m = x.nlen < y->nlen ? x.nlen : y->nlen;
            int c = memcmp(s->p + x.noff, s->p + y->noff, m);
            if (c > 0 || (c == 0 && x.nlen >= y->nlen)) break;
            l[j] = l[j - 1];
        }
        l[j] = x;
    }
    uint8_t msg[16 + 2 * TM_KEY_MAX];
    for (size_t i = 0; i < k; i++) {
        if (i && l[i].nlen == l[i - 1].nlen && !memcmp(s->p + l[i].noff, s->p + l[i - 1].noff, l[i].nlen)) {
            l[i] = l[i - 1]; /* compare the next one with the name kept */
            continue;
        }
        uint8_t *p = put_uv(msg, 0x0a);
        p = put_uv(p, l[i].nlen);
        memcpy(p, s->p + l[i].noff, l[i].nlen), p += l[i].nlen;
        p = put_uv(p, 0x12);
        p = put_uv(p, l[i].vlen);
        memcpy(p, s->p + l[i].voff, l[i].vlen), p += l[i].vlen;
        put_field(&e->arena, 0x0a, msg, (size_t)(p - msg));
    }
}

static void cache_reset(tm_prom_enc *e, size_t cap) {
    free(e->e);
    e->e = xcalloc(cap, sizeof *e->e);
    e->cap = cap;
    e->n = 0;
    e->arena.n = 0;
}

static size_t slot0(const tm_prom_enc *e, uint32_t id) { return (id * 0x9E3779B1u) & (e->cap - 1); }

/* The cache entry of a series, made (labels encoded) when it is new. */
static lab_entry *lookup(tm_prom_enc *e, uint32_t id, const char *key, size_t klen) {
    if ((e->n + 1) * 2 > e->cap) { /* grow: entries keep their arena offsets */
        lab_entry *old = e->e;
        size_t oc = e->cap;
        e->cap = oc ? oc * 2 : 4096;
        e->e = xcalloc(e->cap, sizeof *e->e);
        for (size_t i = 0; i < oc; i++)
            if (old[i].klen) {
                size_t j = slot0(e, old[i].id);
                while (e->e[j].klen) j = (j + 1) & (e->cap - 1);
                e->e[j] = old[i];
            }
        free(old);
    }
    size_t j = slot0(e, id);
    for (; e->e[j].klen; j = (j + 1) & (e->cap - 1))
        if (e->e[j].id == id && e->e[j].klen == klen && !memcmp(e->arena.p + e->e[j].koff, key, klen)) return &e->e[j];
    lab_entry *x = &e->e[j];
    x->id = id;
    x->klen = (uint32_t)klen;
    x->koff = (uint32_t)e->arena.n;
    buf_put(&e->arena, key, klen);
    x->loff = (uint32_t)e->arena.n;
    encode_labels(e, key, klen);
    x->llen = (uint32_t)(e->arena.n - x->loff);
    x->gen = 0;
    e->n++;
    return x;
}

static size_t sample_len(const tm_sample *x) { return 1 + 8 + 1 + uv_len((uint64_t)x->ts); }

/* The series of the batch's numbers, in the order first seen, and each
 * one's samples in queue order (e->order, from e->at[series]). */
static size_t group(tm_prom_enc *e, const tm_batch *b, size_t *used) {
    size_t n = b->n, ns = 0;
    if (n + 1 > e->scap) {
        e->scap = n + 1;
        e->sid = xrealloc(e->sid, e->scap * sizeof *e->sid);
        e->cnt = xrealloc(e->cnt, e->scap * sizeof *e->cnt);
        e->at = xrealloc(e->at, e->scap * sizeof *e->at);
        e->order = xrealloc(e->order, e->scap * sizeof *e->order);
        e->loff = xrealloc(e->loff, e->scap * sizeof *e->loff);
        e->llen = xrealloc(e->llen, e->scap * sizeof *e->llen);
    }
    if (e->arena.n > CACHE_MAX_BYTES || !e->cap) cache_reset(e, 4096);
    if (!++e->gen) e->gen = 1;
    *used = 0;
    for (size_t i = 0; i < n; i++) {
        const tm_sample *x = &b->s[i];
        if (x->type != TM_NUMBER) continue;
        lab_entry *c = lookup(e, x->line, batch_key(b, x), x->key_len);
        if (c->gen != e->gen) {
            c->gen = e->gen;
            c->sid = (uint32_t)ns;
            e->loff[ns] = c->loff;
            e->llen[ns] = c->llen;
            e->cnt[ns++] = 0;
        }
        e->sid[i] = c->sid;
        e->cnt[c->sid]++;
        (*used)++;
    }
    for (size_t s = 0, at = 0; s < ns; at += e->cnt[s++]) e->at[s] = (uint32_t)at;
    for (size_t i = 0; i < n; i++)
        if (b->s[i].type == TM_NUMBER) e->order[e->at[e->sid[i]]++] = (uint32_t)i;
    for (size_t s = 0, at = 0; s < ns; at += e->cnt[s++]) e->at[s] = (uint32_t)at; /* back to the starts */
    return ns;
}

size_t enc_prom(tm_prom_enc *e, const tm_batch *b, tm_buf *out) {
    size_t used, ns = group(e, b, &used);
    tm_buf *r = &e->raw;
    r->n = 0;
    for (size_t s = 0; s < ns; s++) {
        size_t len = e->llen[s];
        for (uint32_t k = 0; k < e->cnt[s]; k++) len += 2 + sample_len(&b->s[e->order[e->at[s] + k]]);
        buf_reserve(r, 11 + len);
        uint8_t *p = put_uv(r->p + r->n, 0x0a);
        p = put_uv(p, len);
        memcpy(p, e->arena.p + e->loff[s], e->llen[s]), p += e->llen[s];
        for (uint32_t k = 0; k < e->cnt[s]; k++) {
            const tm_sample *x = &b->s[e->order[e->at[s] + k]];
            *p++ = 0x12;
            *p++ = (uint8_t)sample_len(x);
            *p++ = 0x09;
            memcpy(p, &x->v, 8), p += 8;
            *p++ = 0x10;
            p = put_uv(p, (uint64_t)x->ts);
        }
        r->n = (size_t)(p - r->p);
    }
    size_t cn = snappy_max_compressed_length(r->n);
    out->n = 0;
    buf_reserve(out, cn);
    if (snappy_compress((const char *)r->p, r->n, (char *)out->p, &cn) == SNAPPY_OK) out->n = cn;
    return used;
}
