#include "qrec.h"

#include <stdlib.h>
#include <string.h>

enum { E_DEF = 'S', E_NUM = 'n', E_LOC = 'l', E_STR = 't', E_NUM_ABS = 'N', E_LOC_ABS = 'L', E_STR_ABS = 'T' };

void qdict_reset(tm_qdict *d) {
    if (d->ids) memset(d->ids, 0, d->cap * sizeof *d->ids), memset(d->idx, 0, d->cap * sizeof *d->idx);
    d->n = 0;
    d->arena.n = 0;
}

void qdict_free(tm_qdict *d) {
    free(d->ids);
    free(d->idx);
    free(d->off);
    free(d->len);
    free(d->type);
    buf_free(&d->arena);
    memset(d, 0, sizeof *d);
}

static size_t slot_of(const tm_qdict *d, uint32_t id) {
    size_t m = d->cap - 1, i = (id * 0x9E3779B1u) & m;
    while (d->idx[i] && d->ids[i] != id) i = (i + 1) & m;
    return i;
}

static void grow(tm_qdict *d) {
    size_t oc = d->cap, nc = oc ? oc * 2 : 1024;
    uint32_t *oi = d->ids, *ox = d->idx;
    d->ids = xcalloc(nc, sizeof *d->ids);
    d->idx = xcalloc(nc, sizeof *d->idx);
    d->cap = nc;
    for (size_t i = 0; i < oc; i++)
        if (ox[i]) {
            size_t s = slot_of(d, oi[i]);
            d->ids[s] = oi[i];
            d->idx[s] = ox[i];
        }
    free(oi);
    free(ox);
    d->off = xrealloc(d->off, nc / 2 * sizeof *d->off);
    d->len = xrealloc(d->len, nc / 2 * sizeof *d->len);
    d->type = xrealloc(d->type, nc / 2);
}

/* A redefinition replaces the key: ids are the store's, stable, but a
 * corrupt or hostile segment may say anything. */
static void dict_put(tm_qdict *d, uint32_t id, int type, const uint8_t *k, size_t klen) {
    if ((d->n + 1) * 2 > d->cap) grow(d);
    size_t s = slot_of(d, id);
    size_t e = d->idx[s] ? d->idx[s] - 1 : d->n++;
    d->ids[s] = id;
    d->idx[s] = (uint32_t)e + 1;
    d->off[e] = (uint32_t)d->arena.n;
    d->len[e] = (uint32_t)klen;
    d->type[e] = (uint8_t)type;
    buf_put(&d->arena, k, klen);
}

static long dict_get(const tm_qdict *d, uint32_t id) {
    if (!d->cap) return -1;
    size_t s = slot_of(d, id);
    return d->idx[s] ? (long)d->idx[s] - 1 : -1;
}

void qrec_head_put(tm_buf *w, uint32_t count, int64_t newest) {
    buf_reserve(w, QREC_HEAD);
    memcpy(w->p + w->n, &count, 4);
    memcpy(w->p + w->n + 4, &newest, 8);
    w->n += QREC_HEAD;
}

void qrec_def(tm_buf *w, uint32_t id, int type, const char *key, size_t klen) {
    buf_reserve(w, 12 + klen);
    buf_putc(w, E_DEF);
    buf_put_uvarint(w, id);
    buf_putc(w, (uint8_t)type);
    buf_put_uvarint(w, klen);
    buf_put(w, key, klen);
}

static inline uint8_t *put_uv(uint8_t *p, uint64_t x) {
    while (x >= 0x80) {
        *p++ = (uint8_t)(x | 0x80);
        x >>= 7;
    }
    *p++ = (uint8_t)x;
    return p;
}

void qbody_clear(tm_qbody *bd) {
    bd->ent.n = 0;
    bd->count = 0;
    bd->newest = INT64_MIN;
    bd->last = 0;
}

/* One entry at p, in room already reserved (ENTRY_ROOM, and the string);
 * returns its end. */
#define ENTRY_ROOM 40
static inline uint8_t *put_entry(uint8_t *p, uint32_t id, const tm_batch *b, const tm_sample *x, int64_t *last) {
    *p++ = x->type == TM_NUMBER ? E_NUM : x->type == TM_LOCATION ? E_LOC : E_STR;
    p = put_uv(p, id);
    p = put_uv(p, zigzag((int64_t)((uint64_t)x->ts - (uint64_t)*last)));
    *last = x->ts;
    if (x->type == TM_STRING) {
        p = put_uv(p, x->str_len);
        memcpy(p, batch_str(b, x), x->str_len);
        return p + x->str_len;
    }
    memcpy(p, &x->v, 8);
    p += 8;
    if (x->type == TM_LOCATION) memcpy(p, &x->v2, 8), p += 8;
    return p;
}

void qbody_add(tm_qbody *bd, uint32_t id, const tm_batch *b, const tm_sample *x) {
    tm_buf *w = &bd->ent;
    buf_reserve(w, ENTRY_ROOM + (x->type == TM_STRING ? x->str_len : 0));
    w->n = (size_t)(put_entry(w->p + w->n, id, b, x, &bd->last) - w->p);
    bd->count++;
    if (x->ts > bd->newest) bd->newest = x->ts;
}

/* This runs for every forwarded sample on the ingest thread: one reserve
 * for the batch (its arena bounds its strings), the state in registers. */
void qbody_add_all(tm_qbody *bd, const tm_batch *b, const uint32_t *ids) {
    tm_buf *w = &bd->ent;
    buf_reserve(w, ENTRY_ROOM * b->n + b->alen);
    uint8_t *p = w->p + w->n;
    int64_t last = bd->last, newest = bd->newest;
    uint32_t count = bd->count;
    for (size_t i = 0; i < b->n; i++) {
        if (!ids[i]) continue;
        const tm_sample *x = &b->s[i];
        p = put_entry(p, ids[i], b, x, &last);
        count++;
        if (x->ts > newest) newest = x->ts;
    }
    w->n = (size_t)(p - w->p);
    bd->last = last;
    bd->newest = newest;
    bd->count = count;
}

int qrec_head(const uint8_t *p, size_t n, uint32_t *count, int64_t *newest) {
    if (n < QREC_HEAD) return -1;
    memcpy(count, p, 4);
    memcpy(newest, p + 4, 8);
    return 0;
}

long qrec_decode_step(tm_qdict *d, const uint8_t *p, size_t n, tm_qrpos *at, size_t want, tm_batch *out) {
    if (!at->pos) {
        int64_t newest;
        if (qrec_head(p, n, &at->count, &newest)) return -1;
        *at = (tm_qrpos){QREC_HEAD, 0, 0, at->count};
    }
    const uint8_t *end = p + n, *base = p;
    p += at->pos;
    int64_t last = at->last;
    uint64_t k = at->k;
    /* stops after the want-th sample; the last samples' step reads on to the end, so a
     * record is only done once all of it was checked */
    while (p < end && (want || k >= at->count)) {
        uint8_t kind = *p++;
        uint64_t id, len;
        if (!get_uvarint(&p, end, &id) || id > UINT32_MAX) return -1;
        if (kind == E_DEF) {
            if (p >= end) return -1;
            int type = *p++;
            if (type > TM_LOCATION || !get_uvarint(&p, end, &len) || len > (size_t)(end - p) || len > TM_KEY_MAX ||
                !len)
                return -1;
            dict_put(d, (uint32_t)id, type, p, len);
            p += len;
            continue;
        }
        int64_t ts;
        if (k >= at->count || !get_svarint(&p, end, &ts)) return -1;
        int rel = kind == E_NUM || kind == E_LOC || kind == E_STR;
        if (rel) ts = (int64_t)((uint64_t)last + (uint64_t)ts); /* wraps like the writer's difference did */
        last = ts;
        long e = dict_get(d, (uint32_t)id);
        int type = kind == E_NUM || kind == E_NUM_ABS   ? TM_NUMBER
                   : kind == E_LOC || kind == E_LOC_ABS ? TM_LOCATION
                   : kind == E_STR || kind == E_STR_ABS ? TM_STRING
                                                        : -1;
        if (e < 0 || type < 0 || d->type[e] != type) return -1;
        double v = 0, v2 = 0;
        const uint8_t *str = NULL;
        len = 0;
        if (type == TM_STRING) {
            if (!get_uvarint(&p, end, &len) || len > (size_t)(end - p) || len > TM_STR_MAX) return -1;
            str = p;
            p += len;
        } else {
            size_t need = type == TM_LOCATION ? 16 : 8;
            if ((size_t)(end - p) < need) return -1;
            memcpy(&v, p, 8);
            if (type == TM_LOCATION) memcpy(&v2, p + 8, 8);
            p += need;
        }
        if (out) {
            const char *key = (const char *)d->arena.p + d->off[e];
            out->line = (uint32_t)id;
            if (type == TM_NUMBER) batch_add_number(out, key, d->len[e], ts, v);
            else if (type == TM_LOCATION) batch_add_location(out, key, d->len[e], ts, v, v2);
            else batch_add_string(out, key, d->len[e], ts, (const char *)str, len);
        }
        k++;
        want--;
    }
    at->pos = (size_t)(p - base);
    at->k = k;
    at->last = last;
    return p == end && k != at->count ? -1 : (long)at->count;
}

long qrec_decode(tm_qdict *d, const uint8_t *p, size_t n, size_t skip, size_t want, tm_batch *out) {
    tm_qrpos at = {0};
    if (qrec_decode_step(d, p, n, &at, skip, NULL) < 0 || qrec_decode_step(d, p, n, &at, want, out) < 0) return -1;
    while (at.pos < n) /* the rest, checked */
        if (qrec_decode_step(d, p, n, &at, SIZE_MAX, NULL) < 0) return -1;
    return (long)at.count;
}
