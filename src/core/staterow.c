/* staterow.c — the bytes of one row of the `states` table (see staterow.h).
 *
 * A row (blk = id / 64): uvarint count, then one entry per series, ids
 * ascending:
 *   uvarint id - previous id - 1 (the first: id - blk * 64)
 *   svarint points - previous points
 *   byte flags: 1 last_ts is set, 2 last_v raw, 4 last_v2 raw, 8 last_s set
 *   svarint last_ts - previous last_ts (when set; the first: from 0)
 *   last_v, then last_v2: raw, 8 bytes little-endian; else byte e (0..15)
 *     and svarint m, the value being m / 10^e exactly
 *   last_s when set: uvarint length, the bytes
 *   svarint walpos - previous walpos
 * or, when that is smaller, the byte 0xdf (no row's count starts with it)
 * and the rest in rowzip.h's deflated form: the entries repeat most of
 * their bytes (flags, time and log position deltas), so a row deflates to
 * about half. The crc column holds the blob's CRC-32C, as for chunks. */
#include "staterow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "intseq.h"
#include "rowzip.h"
#include "../model/batch.h"

enum { F_TS = 1, F_V_RAW = 2, F_V2_RAW = 4, F_STR = 8 };
enum { SR_DEFLATE = 0xdf };
/* Far above what 64 entries take (each under 64 bytes and its string, of
 * TM_STR_MAX at most): bounds the inflated size a damaged row may claim. */
#define SR_BODY_MAX ((size_t)STATES_PER_ROW * (64 + 4 * TM_STR_MAX) + 16)

static int raw_needed(double v, int *e, int64_t *m) {
    *e = decimal_digits(v);
    if (*e < 0) return 1;
    *m = llround(v * iseq_p10[*e]);
    double back = (double)*m / iseq_p10[*e];
    return memcmp(&back, &v, sizeof v) != 0;
}

static void put_value(tm_buf *b, double v, int raw, int e, int64_t m) {
    if (raw) {
        uint64_t u;
        memcpy(&u, &v, 8);
        for (int i = 0; i < 8; i++) buf_putc(b, (uint8_t)(u >> (8 * i)));
    } else {
        buf_putc(b, (uint8_t)e);
        buf_put_svarint(b, m);
    }
}

static int get_value(const uint8_t **p, const uint8_t *end, int raw, double *v) {
    if (raw) {
        if (end - *p < 8) return 0;
        uint64_t u = 0;
        for (int i = 0; i < 8; i++) u |= (uint64_t)(*p)[i] << (8 * i);
        memcpy(v, &u, 8);
        *p += 8;
        return 1;
    }
    int64_t m;
    if (*p >= end || **p > 15) return 0;
    unsigned e = *(*p)++;
    if (!get_svarint(p, end, &m)) return 0;
    *v = (double)m / iseq_p10[e];
    return 1;
}

static void put_entry(tm_buf *b, const st_entry *x, const st_entry *prev) {
    int e1 = 0, e2 = 0;
    int64_t m1 = 0, m2 = 0;
    int r1 = raw_needed(x->v, &e1, &m1), r2 = raw_needed(x->v2, &e2, &m2);
    buf_put_uvarint(b, x->id - prev->id - 1);
    buf_put_svarint(b, (int64_t)(x->points - prev->points));
    buf_putc(b, (uint8_t)((x->last_ts != INT64_MIN ? F_TS : 0) | (r1 ? F_V_RAW : 0) | (r2 ? F_V2_RAW : 0) |
                          (x->str ? F_STR : 0)));
    if (x->last_ts != INT64_MIN) buf_put_svarint(b, (int64_t)((uint64_t)x->last_ts - (uint64_t)prev->last_ts));
    put_value(b, x->v, r1, e1, m1);
    put_value(b, x->v2, r2, e2, m2);
    if (x->str) {
        buf_put_uvarint(b, x->slen);
        buf_put(b, x->str, x->slen);
    }
    buf_put_svarint(b, (int64_t)(x->walpos - prev->walpos));
}

/* prev holds the previous entry (its last_ts 0 when it had none); 0 when malformed. */
static int get_entry(const uint8_t **p, const uint8_t *end, st_entry *x, const st_entry *prev) {
    uint64_t gap, len;
    int64_t d;
    if (!get_uvarint(p, end, &gap) || gap >= STATES_PER_ROW || prev->id + 1 + gap > UINT32_MAX) return 0;
    x->id = (uint32_t)(prev->id + 1 + gap);
    if (!get_svarint(p, end, &d) || *p >= end) return 0;
    x->points = prev->points + (uint64_t)d;
    unsigned f = *(*p)++;
    x->last_ts = INT64_MIN;
    if (f & F_TS) {
        if (!get_svarint(p, end, &d)) return 0;
        x->last_ts = (int64_t)((uint64_t)prev->last_ts + (uint64_t)d);
    }
    if (!get_value(p, end, f & F_V_RAW, &x->v) || !get_value(p, end, f & F_V2_RAW, &x->v2)) return 0;
    x->str = NULL;
    x->slen = 0;
    if (f & F_STR) {
        if (!get_uvarint(p, end, &len) || len > (uint64_t)(end - *p) || memchr(*p, 0, len)) return 0;
        x->str = (const char *)*p;
        x->slen = (size_t)len;
        *p += len;
    }
    if (!get_svarint(p, end, &d)) return 0;
    x->walpos = prev->walpos + (uint64_t)d;
    return 1;
}

/* The delta base: the entry before, with no time counting as 0. */
static void advance(st_entry *prev, const st_entry *x) {
    int64_t t = prev->last_ts;
    *prev = *x;
    if (x->last_ts == INT64_MIN) prev->last_ts = t;
}

static st_entry first_base(int64_t blk) {
    return (st_entry){.id = (uint32_t)(blk * STATES_PER_ROW) - 1, .last_ts = 0};
}

int staterow_start(st_reader *r, int64_t blk, const void *data, size_t n) {
    memset(r, 0, sizeof *r);
    if (!data) return 0;
    r->p = data;
    r->end = r->p + n;
    r->blk = blk;
    r->prev = first_base(blk);
    if (n && *r->p == SR_DEFLATE) {
        size_t len;
        if (!(r->raw = rowzip_unpack(r->p + 1, n - 1, SR_BODY_MAX, &len))) return 0;
        r->p = r->raw;
        r->end = r->p + len;
    }
    if (get_uvarint(&r->p, r->end, &r->left) && r->left <= STATES_PER_ROW) return 1;
    staterow_end(r);
    return 0;
}

int staterow_next(st_reader *r, st_entry *x) {
    if (!r->left) return r->p == r->end ? 0 : -1;
    if (!get_entry(&r->p, r->end, x, &r->prev) || x->id / STATES_PER_ROW != r->blk) return -1;
    r->left--;
    advance(&r->prev, x);
    return 1;
}

void staterow_end(st_reader *r) {
    free(r->raw);
    r->raw = NULL;
    r->p = r->end = NULL;
    r->left = 0;
}

void staterow_encode(tm_buf *b, int64_t blk, const st_entry *e, size_t n) {
    st_entry prev = first_base(blk);
    tm_buf body = {0};
    buf_put_uvarint(&body, n);
    for (size_t i = 0; i < n; i++) {
        put_entry(&body, &e[i], &prev);
        advance(&prev, &e[i]);
    }
    size_t at = b->n;
    buf_putc(b, SR_DEFLATE);
    if (!rowzip_pack(body.p, body.n, body.n, b)) {
        b->n = at;
        buf_put(b, body.p, body.n);
    }
    buf_free(&body);
}
