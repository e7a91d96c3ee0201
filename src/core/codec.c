/* codec.c — column codecs: integer streams (intseq.c), delta-of-delta
 * timestamps, decimal-mantissa floats with a Gorilla XOR fallback.
 *
 * Timestamps: svarint t0 - base, svarint t1 - t0, then the delta-of-deltas
 * as one integer stream.
 *
 * Floats: one mode byte, kind << 4 | exponent. Kind 0 is Gorilla; kind 1 is
 * svarint m0 then mantissa deltas as an integer stream; kind 2 is svarint
 * m0, svarint first delta, then delta-of-deltas; kind 3 (chunk format 2) is
 * the mantissas themselves as an integer stream. Value i is m_i / 10^exponent.
 * The encoder takes whichever kind is smallest. */
#include "codec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "intseq.h"

/* Most chunks (HEAD_MAX samples) fit scratch arrays on the stack. */
enum { STACK_N = 512 };

/* One integer stream of x's order-th difference, the smallest layout. */
static void stream_encode(const int64_t *x, size_t n, int order, tm_buf *out) {
    if (n <= (size_t)order) return;
    size_t m = n - (size_t)order;
    uint64_t sd[STACK_N], *d = m <= STACK_N ? sd : xmalloc(m * sizeof *d);
    iseq_diff(x, n, order, d);
    iseq_plan pl;
    iseq_plan_for(d, m, order == 0, &pl);
    bitw bw = {out, 0, 0};
    iseq_put(&bw, d, m, &pl);
    bw_end(&bw);
    if (d != sd) free(d);
}

void ints_encode(const int64_t *x, size_t n, tm_buf *out) { stream_encode(x, n, 0, out); }

int ints_decode(const uint8_t **p, const uint8_t *end, int64_t *x, size_t n) {
    return iseq_decode(p, end, n, 0, 0, 0, x, NULL, 0);
}

/* ---- timestamps ---- */

void ts_encode(const int64_t *ts, size_t n, int64_t base, tm_buf *out) {
    if (!n) return;
    buf_put_svarint(out, as_s64((uint64_t)ts[0] - (uint64_t)base));
    if (n < 2) return;
    buf_put_svarint(out, as_s64((uint64_t)ts[1] - (uint64_t)ts[0]));
    if (n < 3) return;
    stream_encode(ts, n, 2, out);
}

int ts_decode(const uint8_t **p, const uint8_t *end, int64_t *ts, size_t n, int64_t base) {
    if (!n) return 1;
    const uint8_t *q = *p;
    int64_t t0, d0 = 0;
    if (!get_svarint(&q, end, &t0)) return 0;
    t0 = as_s64((uint64_t)t0 + (uint64_t)base);
    ts[0] = t0;
    if (n >= 2) {
        if (!get_svarint(&q, end, &d0)) return 0;
        ts[1] = as_s64((uint64_t)t0 + (uint64_t)d0);
    }
    if (n >= 3 && !iseq_decode(&q, end, n - 2, 2, (uint64_t)ts[1], (uint64_t)d0, ts + 2, NULL, 0))
        return 0;
    *p = q;
    return 1;
}

/* ---- decimals ---- */

static const int64_t p10i[16] = {1,
                                 10,
                                 100,
                                 1000,
                                 10000,
                                 100000,
                                 1000000,
                                 10000000,
                                 100000000,
                                 1000000000,
                                 10000000000,
                                 100000000000,
                                 1000000000000,
                                 10000000000000,
                                 100000000000000,
                                 1000000000000000};

/* 1: v == *m / 10^d exactly (bit for bit) with |*m| < 2^53; 0: not at this
 * d; -1: not at this d nor any larger one (too big, NaN, Inf). */
static inline int dec_at(double v, int d, int64_t *m) {
    double s = v * iseq_p10[d], a = fabs(s);
    int64_t r;
    if (a < 0x1p51) {
        /* round to nearest without a libm call: at 1.5 * 2^52 the spacing
         * of doubles is exactly 1 */
        r = (int64_t)((s + 0x1.8p52) - 0x1.8p52);
    } else if (a < 0x1p53) {
        r = llround(s);
    } else {
        return -1;
    }
    if (dbits((double)r / iseq_p10[d]) != dbits(v)) return 0;
    *m = r;
    return 1;
}

/* Smallest d of v with its mantissa, or -1. */
static int dec_parse(double v, int from, int64_t *m) {
    for (int d = from; d < 16; d++) {
        int k = dec_at(v, d, m);
        if (k > 0) return d;
        if (k < 0) break;
    }
    return -1;
}

int decimal_digits(double v) {
    int64_t m;
    return dec_parse(v, 0, &m);
}

/* Mantissas of all n values at one shared exponent, returned; -1 when some
 * value has no exact decimal form or its scaled mantissa overflows int64.
 * dig is scratch for each value's own exponent. */
static int dec_mantissas(const double *v, size_t n, int64_t *m, uint8_t *dig) {
    int e = 0;
    for (size_t i = 0; i < n; i++) {
        /* Most values are exact at the exponent seen so far: try it first. */
        if (dec_at(v[i], e, &m[i]) > 0) {
            dig[i] = (uint8_t)e;
            continue;
        }
        int d = dec_parse(v[i], 0, &m[i]);
        if (d < 0) return -1;
        dig[i] = (uint8_t)d;
        if (d > e) e = d;
    }
    for (size_t i = 0; i < n; i++) {
        if (dig[i] == e) continue;
        int64_t f = p10i[e - dig[i]];
        if (m[i] > INT64_MAX / f || m[i] < -(INT64_MAX / f)) return -1;
        m[i] *= f;
        /* past 2^53 the mantissa may not be a double: check what decodes */
        if (dbits((double)m[i] / iseq_p10[e]) != dbits(v[i])) return -1;
    }
    return e;
}

/* ---- floats ---- */

static size_t uvarint_len(uint64_t x) {
    size_t n = 1;
    while (x >= 0x80) x >>= 7, n++;
    return n;
}

enum { F_GORILLA = 0, F_DELTA = 1, F_DOD = 2, F_RAW = 3 };

/* Bytes ahead of the stream of kind k: m0, and the first delta for dod. */
static size_t kind_head(int k, const int64_t *m) {
    if (k == F_RAW) return 0;
    size_t h = uvarint_len(uzig((uint64_t)m[0]));
    if (k == F_DOD) h += uvarint_len(uzig((uint64_t)m[1] - (uint64_t)m[0]));
    return h;
}

/* Deltas, and whichever else may beat them: plain mantissas when deltas
 * are sparse (a value flipping between two levels), else delta-of-deltas
 * (a steady ramp). d is scratch for n values. */
static void dec_encode(const int64_t *m, size_t n, int e, uint64_t *d, tm_buf *out) {
    static const int order[4] = {0, 1, 2, 0};
    iseq_plan pl, alt;
    iseq_diff(m, n, 1, d);
    size_t best = kind_head(F_DELTA, m) + (iseq_plan_for(d, n - 1, 0, &pl) + 7) / 8;
    int kind = F_DELTA, other = pl.layout == ISEQ_SPARSE ? F_RAW : F_DOD, o = order[other], in_d = F_DELTA;
    if (n >= 3) {
        iseq_diff(m, n, o, d);
        in_d = other;
        size_t sz = kind_head(other, m) + (iseq_plan_for(d, n - (size_t)o, o == 0, &alt) + 7) / 8;
        if (sz < best) kind = other, pl = alt;
    }
    buf_putc(out, (uint8_t)(kind << 4 | e));
    if (kind != F_RAW) buf_put_svarint(out, m[0]);
    if (kind == F_DOD) buf_put_svarint(out, as_s64((uint64_t)m[1] - (uint64_t)m[0]));
    o = order[kind];
    if (in_d != kind) iseq_diff(m, n, o, d);
    bitw bw = {out, 0, 0};
    iseq_put(&bw, d, n - (size_t)o, &pl);
    bw_end(&bw);
}

void floats_encode(const double *v, size_t n, tm_buf *out) {
    if (!n) return;
    int64_t sm[STACK_N];
    uint64_t su[STACK_N];
    uint8_t sd[STACK_N];
    int64_t *m = n <= STACK_N ? sm : xmalloc(n * sizeof *m);
    uint64_t *u = n <= STACK_N ? su : xmalloc(n * sizeof *u);
    uint8_t *dig = n <= STACK_N ? sd : xmalloc(n);
    int e = dec_mantissas(v, n, m, dig);
    if (e >= 0) {
        dec_encode(m, n, e, u, out);
    } else {
        buf_putc(out, F_GORILLA);
        gorilla_encode(v, n, out);
    }
    if (m != sm) free(m);
    if (u != su) free(u);
    if (dig != sd) free(dig);
}

int floats_decode(const uint8_t **p, const uint8_t *end, double *v, size_t n) {
    if (!n) return 1;
    const uint8_t *q = *p;
    if (q >= end) return 0;
    unsigned mode = *q++, kind = mode >> 4, e = mode & 15;
    if (kind == F_GORILLA) {
        if (e || !gorilla_decode(&q, end, v, n)) return 0;
        *p = q;
        return 1;
    }
    if (kind > F_RAW) return 0;
    if (kind == F_RAW) {
        if (!iseq_decode(&q, end, n, 0, 0, 0, NULL, v, e)) return 0;
        *p = q;
        return 1;
    }
    int64_t m0, d0 = 0;
    if (!get_svarint(&q, end, &m0)) return 0;
    v[0] = (double)m0 / iseq_p10[e];
    if (kind == F_DELTA) {
        if (!iseq_decode(&q, end, n - 1, 1, (uint64_t)m0, 0, NULL, v + 1, e)) return 0;
    } else if (n >= 2) {
        if (!get_svarint(&q, end, &d0)) return 0;
        uint64_t m1 = (uint64_t)m0 + (uint64_t)d0;
        v[1] = (double)as_s64(m1) / iseq_p10[e];
        if (n >= 3 && !iseq_decode(&q, end, n - 2, 2, m1, (uint64_t)d0, NULL, v + 2, e)) return 0;
    }
    *p = q;
    return 1;
}

/* ---- Gorilla XOR ---- */

/* Control codes, read LSB first: 0 same value; 1,0 reuse the previous
 * window; 1,1 then 5 bits of leading zeros and 6 bits of meaningful length
 * (64 written as 0) then the meaningful bits. */
void gorilla_encode(const double *v, size_t n, tm_buf *out) {
    if (!n) return;
    bitw bw = {out, 0, 0};
    uint64_t prev = dbits(v[0]);
    unsigned pl = 0, pt = 0, have = 0;
    bw_put(&bw, prev, 64);
    for (size_t i = 1; i < n; i++) {
        uint64_t cur = dbits(v[i]), x = cur ^ prev;
        prev = cur;
        if (!x) {
            bw_put(&bw, 0, 1);
            continue;
        }
        unsigned l = (unsigned)__builtin_clzll(x), t = (unsigned)__builtin_ctzll(x);
        if (l > 31) l = 31;
        unsigned len = 64 - l - t;
        /* Reuse when it fits and a fresh 11-bit window header costs more
         * than the reused window's extra bits. */
        if (have && l >= pl && t >= pt && 64 - pl - pt <= len + 11) {
            bw_put(&bw, 1, 2);
            bw_put(&bw, x >> pt, 64 - pl - pt);
            continue;
        }
        bw_put(&bw, 3 | l << 2 | (len & 63) << 7, 13);
        bw_put(&bw, x >> t, len);
        pl = l, pt = t, have = 1;
    }
    bw_end(&bw);
}

int gorilla_decode(const uint8_t **p, const uint8_t *end, double *v, size_t n) {
    if (!n) return 1;
    bitr r = {*p, (size_t)(end - *p), 0};
    if (!br_has(&r, 64)) return 0;
    uint64_t prev = br_get64(&r, 64);
    unsigned pl = 0, pt = 0, have = 0;
    memcpy(&v[0], &prev, 8);
    for (size_t i = 1; i < n; i++) {
        if (!br_has(&r, 1)) return 0;
        uint64_t c = br_get(&r, 2);
        if (!(c & 1)) {
            r.pos--; /* a lone 0 bit: same value */
        } else if (!(c & 2)) {
            if (!have) return 0;
            prev ^= br_get64(&r, 64 - pl - pt) << pt;
        } else {
            unsigned l = (unsigned)br_get(&r, 5), len = (unsigned)br_get(&r, 6);
            if (!len) len = 64;
            if (l + len > 64) return 0;
            pl = l, pt = 64 - l - len, have = 1;
            prev ^= br_get64(&r, len) << pt;
        }
        memcpy(&v[i], &prev, 8);
    }
    if (!br_has(&r, 0)) return 0;
    *p += (r.pos + 7) / 8;
    return 1;
}
