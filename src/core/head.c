#include "head.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "store.h"

/* A sample: one byte, T_SAME_STEP | the value's code below; the value's
 * bytes; the change of step (zigzag uvarint) unless T_SAME_STEP; then a
 * location's second coordinate (8 bytes) or a string's length and bytes
 * (code 0). Regular steps cost nothing beyond that byte. */
#define T_SAME_STEP 0x80
/* The value's code: */
#define V_SAME 0x00 /* the previous value's bits again */
#define V_DEC 0x01  /* +k (0..4): decimal digits at scale 10^k, as a change from the previous value's */
#define V_XOR 0x08  /* +tz*8+(nb-1): nb bytes of the XOR with the previous value, tz zero bytes below them */

static const double SCALE[5] = {1, 10, 100, 1000, 10000};

static uint64_t bits_of(double v) {
    uint64_t b;
    memcpy(&b, &v, 8);
    return b;
}

static double of_bits(uint64_t b) {
    double v;
    memcpy(&v, &b, 8);
    return v;
}

/* The previous value's digits at scale k: the same arithmetic on both sides,
 * so it need not be exact, only repeatable. */
static int64_t predict(double prev, int k) {
    double x = prev * SCALE[k];
    return fabs(x) < 4611686018427387904.0 ? llrint(x) : 0;
}

static uint8_t *put_uvarint(uint8_t *p, uint64_t x) {
    while (x >= 0x80) {
        *p++ = (uint8_t)(x | 0x80);
        x >>= 7;
    }
    *p++ = (uint8_t)x;
    return p;
}

static uint8_t *put_value(uint8_t *p, double v, double prev) {
    uint64_t x = bits_of(v) ^ bits_of(prev);
    if (!x) {
        *p++ = V_SAME;
        return p;
    }
    double r = v * 10000.0;
    if (fabs(r) < 9007199254740992.0 && fabs(r - rint(r)) < 1e-3) { /* maybe at most 4 decimals */
        for (int k = 0; k < 5; k++) {
            int64_t m = (int64_t)rint(v * SCALE[k]);
            if (bits_of((double)m / SCALE[k]) != bits_of(v)) continue; /* as decoded: -0.0 is not 0 */
            *p++ = (uint8_t)(V_DEC + k);
            return put_uvarint(p, zigzag(m - predict(prev, k)));
        }
    }
    int tz = __builtin_ctzll(x) / 8, nb = 8 - tz - __builtin_clzll(x) / 8;
    *p++ = (uint8_t)(V_XOR + tz * 8 + nb - 1);
    x >>= tz * 8;
    for (int i = 0; i < nb; i++, x >>= 8) *p++ = (uint8_t)x;
    return p;
}

/* The decoder's memory of the last decimal value: its digits m at scale k
 * (k < 0: none). For |m| < 2^50, predict(m / 10^k, k) is m exactly (the two
 * roundings err by less than |m| 2^-52 < 0.5), so a run of decimals adds
 * integers and never waits on llrint or a division of the sample before. */
typedef struct {
    int64_t m;
    int k;
} dec_state;
#define DEC_EXACT (1LL << 50)

/* A uvarint, the one-byte case (small changes of digits or step) inline. */
static inline const uint8_t *take_uvarint(const uint8_t *p, const uint8_t *end, uint64_t *z) {
    if (p < end && *p < 0x80) {
        *z = *p;
        return p + 1;
    }
    *z = 0;
    get_uvarint(&p, end, z);
    return p;
}

static inline const uint8_t *take_value(const uint8_t *p, const uint8_t *end, double prev, double *v, dec_state *ds) {
    uint8_t c = *p++ & ~T_SAME_STEP;
    if (c == V_SAME) {
        *v = prev; /* the same bits: ds still describes them */
    } else if (c < V_XOR) {
        int k = c - V_DEC;
        uint64_t z;
        p = take_uvarint(p, end, &z);
        int64_t m = (ds->k == k ? ds->m : predict(prev, k)) + unzigzag(z);
        ds->m = m;
        ds->k = m > -DEC_EXACT && m < DEC_EXACT ? k : -1;
        *v = k ? (double)m / SCALE[k] : (double)m; /* m / 1 is m: no division for integers */
    } else {
        int tz = (c - V_XOR) / 8, nb = (c - V_XOR) % 8 + 1;
        uint64_t x = 0;
        for (int i = 0; i < nb; i++) x |= (uint64_t)p[i] << (8 * i);
        p += nb;
        *v = of_bits(bits_of(prev) ^ (x << (tz * 8)));
        ds->k = -1;
    }
    return p;
}

/* Allocation sizes grow by half or a third in turn, each 8 short of a
 * multiple of 16 as malloc's blocks are: 56 (24 bytes of data: six regular
 * samples), 88, 120, 184, ... so no class leaves a block's tail unused. */
static size_t size_of(unsigned k) {
    size_t b = (size_t)64 << (k / 2);
    return (k & 1 ? b + b / 2 : b) - 8;
}

static tm_head *reserve(tm_head *h, size_t need) {
    size_t len = h ? h->len : 0;
    unsigned k = h ? h->size : 0;
    if (h && size_of(k) - sizeof *h - len >= need) return h;
    while (size_of(k) - sizeof *h < len + need) k++;
    tm_head *g = xrealloc(h, size_of(k));
    if (!h) memset(g, 0, sizeof *g);
    g->size = (uint8_t)k;
    return g;
}

void head_append(tm_head **hp, int type, int64_t ts, double v, double v2, const char *str, size_t slen) {
    tm_head *h = *hp;
    uint8_t tmp[40], *p = tmp; /* encoded first, so the head grows by what it takes */
    int64_t prev = h ? h->first_ts + h->prev_off : ts;
    int32_t prev_step = h ? h->prev_step : 0;
    if (type == TM_STRING) *p++ = 0;
    else p = put_value(p, v, h ? h->prev_v : 0);
    /* unsigned arithmetic: any two times round-trip, a wide step only costs bytes */
    uint64_t step = (uint64_t)ts - (uint64_t)prev;
    uint64_t dod = zigzag((int64_t)(step - (uint64_t)(int64_t)prev_step));
    if (dod) p = put_uvarint(p, dod);
    else tmp[0] |= T_SAME_STEP;
    if (type == TM_STRING) p = put_uvarint(p, slen);
    if (type == TM_LOCATION) memcpy(p, &v2, 8), p += 8;
    size_t n = (size_t)(p - tmp), extra = type == TM_STRING ? slen : 0;
    int fresh = !h;
    *hp = h = reserve(h, n + extra);
    if (fresh) h->first_ts = ts;
    memcpy(h->data + h->len, tmp, n);
    if (extra) memcpy(h->data + h->len + n, str, extra);
    h->len += (uint32_t)(n + extra);
    h->prev_off = (int32_t)(ts - h->first_ts);
    h->prev_step = (int32_t)step;
    if (type != TM_STRING) h->prev_v = v;
    h->n++;
}

/* A sample's time: the step again (T_SAME_STEP in its code), or changed. */
static inline const uint8_t *take_time(const uint8_t *p, const uint8_t *end, uint8_t code, int64_t *ts,
                                       int32_t *step) {
    if (code & T_SAME_STEP) { /* the usual case: nothing to read */
        *ts = (int64_t)((uint64_t)*ts + (uint64_t)(int64_t)*step);
        return p;
    }
    uint64_t z;
    p = take_uvarint(p, end, &z);
    uint64_t s = (uint64_t)(int64_t)*step + (uint64_t)unzigzag(z);
    *ts = (int64_t)((uint64_t)*ts + s);
    *step = (int32_t)s;
    return p;
}

/* The one decoding loop: inlined with type TM_NUMBER it is the bulk reads'
 * (no type test per sample); strings and locations also fill c. */
static inline __attribute__((always_inline)) void decode(const tm_head *h, int type, int64_t *ts_out,
                                                         double *v_out, tm_cols *c) {
    const uint8_t *p = h->data, *end = h->data + h->len; /* written here: always whole */
    int64_t ts = h->first_ts;
    int32_t step = 0;
    double v = 0;
    dec_state ds = {0, -1};
    for (size_t i = 0; i < h->n; i++) {
        uint8_t code = *p;
        if (type == TM_STRING) p++;
        else p = take_value(p, end, v, &v, &ds);
        p = take_time(p, end, code, &ts, &step);
        ts_out[i] = ts;
        if (type == TM_STRING) {
            uint64_t n;
            get_uvarint(&p, end, &n);
            c->str[i] = xstrndup((const char *)p, (size_t)n);
            p += n;
            continue;
        }
        v_out[i] = v;
        if (type == TM_LOCATION) memcpy(&c->v2[i], p, 8), p += 8;
    }
}

void head_decode_numbers(const tm_head *h, int64_t *ts, double *v) { decode(h, TM_NUMBER, ts, v, NULL); }

void head_decode(const tm_head *h, int type, tm_cols *c) {
    cols_alloc(c, type, h ? h->n : 0);
    if (h && type == TM_NUMBER) head_decode_numbers(h, c->ts, c->v);
    else if (h) decode(h, type, c->ts, c->v, c);
}
