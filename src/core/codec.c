/* codec.c — column codecs: bit-packed integer blocks, delta-of-delta
 * timestamps, decimal-mantissa floats with a Gorilla XOR fallback.
 *
 * Integer stream (ints_*, and the tail of ts_* and decimal floats_*): one
 * LSB-first bit stream, zero-padded to a byte at its end, of blocks of 32
 * zigzagged values (the last block may be short, k < 32). Each block starts
 * with an 8-bit header h:
 *   h = w (0..64)          plain: k values of w bits (w = 0: all zero)
 *   h = 65..127            a run of h - 63 all-zero blocks (2..64)
 *   h = 0x80 | w (w 0..64) bitmap: k bits marking the non-zero values,
 *                          then each non-zero value minus one in w bits
 * Arithmetic on deltas wraps modulo 2^64 (unsigned), so any int64 sequence,
 * INT64_MIN next to INT64_MAX included, round-trips.
 *
 * Floats: one mode byte, kind << 4 | exponent. Kind 0 is Gorilla; kind 1 is
 * svarint m0 then mantissa deltas as ints; kind 2 is svarint m0, svarint
 * first delta, then delta-of-deltas as ints. Value i is m_i / 10^exponent. */
#include "codec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- bit I/O ---- */

static inline uint64_t to_le64(uint64_t x) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap64(x);
#else
    return x;
#endif
}
static inline uint64_t lowmask(unsigned k) { return k >= 64 ? ~0ULL : (1ULL << k) - 1; }
static inline unsigned bitwidth(uint64_t x) { return x ? 64 - (unsigned)__builtin_clzll(x) : 0; }
/* Zigzag and sign reinterpretation on unsigned values: wrapped deltas are
 * uint64, and converting those to int64 is implementation-defined. */
static inline uint64_t uzig(uint64_t d) { return (d << 1) ^ (0 - (d >> 63)); }
static inline uint64_t uunzig(uint64_t u) { return (u >> 1) ^ (0 - (u & 1)); }
static inline int64_t as_s64(uint64_t u) {
    int64_t s;
    memcpy(&s, &u, 8);
    return s;
}
static inline uint64_t dbits(double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    return u;
}

typedef struct {
    tm_buf *out;
    uint64_t acc; /* pending bits, the oldest in bit 0 */
    unsigned n;   /* how many; always < 64 */
} bitw;

static inline void bw_store(bitw *w, size_t nbytes) {
    buf_reserve(w->out, 8);
    uint64_t x = to_le64(w->acc);
    memcpy(w->out->p + w->out->n, &x, 8);
    w->out->n += nbytes;
}
/* Append the k low bits of v (k <= 64; v must have no bits above k). */
static inline void bw_put(bitw *w, uint64_t v, unsigned k) {
    w->acc |= v << w->n;
    unsigned t = w->n + k;
    if (t >= 64) {
        bw_store(w, 8);
        w->acc = w->n ? v >> (64 - w->n) : 0;
        t -= 64;
    }
    w->n = t;
}
static void bw_end(bitw *w) {
    if (w->n) bw_store(w, (w->n + 7) / 8);
    w->acc = 0;
    w->n = 0;
}

typedef struct {
    const uint8_t *p;
    size_t len;  /* bytes */
    size_t pos;  /* bits consumed; may run past len * 8, checked by callers */
} bitr;

/* The next 57+ bits. Past the end reads zeros: callers check pos. */
static inline uint64_t br_peek(const bitr *r) {
    size_t b = r->pos >> 3;
    uint64_t x = 0;
    if (b + 8 <= r->len) {
        memcpy(&x, r->p + b, 8);
        x = to_le64(x);
    } else {
        for (size_t i = b; i < r->len; i++) x |= (uint64_t)r->p[i] << (8 * (i - b));
    }
    return x >> (r->pos & 7);
}
static inline uint64_t br_get(bitr *r, unsigned k) { /* k <= 57 */
    uint64_t x = br_peek(r) & lowmask(k);
    r->pos += k;
    return x;
}
static inline uint64_t br_get64(bitr *r, unsigned k) {
    if (k <= 57) return br_get(r, k);
    uint64_t lo = br_get(r, 32);
    return lo | br_get(r, k - 32) << 32;
}
static inline int br_has(const bitr *r, size_t bits) {
    return r->pos <= r->len * 8 && bits <= r->len * 8 - r->pos;
}

/* ---- integer blocks ---- */

enum { BLK = 32, ZRUN_MAX = 64, HDR_BITMAP = 0x80 };

/* Header and cost in bits of the cheaper layout of one block; bits = 0 for
 * an all-zero block, which the caller folds into runs. */
typedef struct {
    unsigned hdr;
    size_t bits;
} blkplan;

static inline blkplan blk_plan(const uint64_t *u, unsigned k) {
    uint64_t any = 0, nzor = 0;
    unsigned nz = 0;
    for (unsigned i = 0; i < k; i++) {
        uint64_t isnz = u[i] != 0;
        any |= u[i];
        nz += (unsigned)isnz;
        nzor |= (u[i] - 1) & (0 - isnz);
    }
    if (!any) return (blkplan){0, 0};
    unsigned w = bitwidth(any), wb = bitwidth(nzor);
    size_t plain = (size_t)k * w, bm = k + (size_t)nz * wb;
    if (bm < plain) return (blkplan){HDR_BITMAP | wb, 8 + bm};
    return (blkplan){w, 8 + plain};
}

static void blk_put(bitw *bw, const uint64_t *u, unsigned k, unsigned hdr) {
    unsigned w = hdr & 0x7f;
    bw_put(bw, hdr, 8);
    if (hdr & HDR_BITMAP) {
        uint64_t bm = 0;
        for (unsigned i = 0; i < k; i++) bm |= (uint64_t)(u[i] != 0) << i;
        bw_put(bw, bm, k);
        for (unsigned i = 0; i < k; i++)
            if (u[i]) bw_put(bw, u[i] - 1, w);
    } else {
        for (unsigned i = 0; i < k; i++) bw_put(bw, u[i], w);
    }
}

/* Zigzagged values i..i+k of x's order-th difference (0, 1 or 2). */
static inline void seq_fill(const int64_t *x, size_t i, unsigned k, int order, uint64_t *u) {
    const int64_t *a = x + i;
    if (order == 0) {
        for (unsigned j = 0; j < k; j++) u[j] = uzig((uint64_t)a[j]);
    } else if (order == 1) {
        for (unsigned j = 0; j < k; j++) u[j] = uzig((uint64_t)a[j + 1] - (uint64_t)a[j]);
    } else {
        for (unsigned j = 0; j < k; j++)
            u[j] = uzig((uint64_t)a[j + 2] - 2 * (uint64_t)a[j + 1] + (uint64_t)a[j]);
    }
}

static inline size_t put_zrun(bitw *bw, unsigned zrun) {
    if (bw) bw_put(bw, zrun == 1 ? 0 : 63 + zrun, 8);
    return 8;
}

/* Encode the m values of x's order-th difference to bw, or only measure
 * them when bw is NULL. Returns the size in bits. */
static size_t seq_code(const int64_t *x, size_t m, int order, bitw *bw) {
    uint64_t u[BLK];
    size_t bits = 0;
    unsigned zrun = 0;
    for (size_t i = 0; i < m; i += BLK) {
        unsigned k = m - i < BLK ? (unsigned)(m - i) : BLK;
        seq_fill(x, i, k, order, u);
        blkplan b = blk_plan(u, k);
        if (!b.bits) {
            if (++zrun == ZRUN_MAX) {
                bits += put_zrun(bw, zrun);
                zrun = 0;
            }
            continue;
        }
        if (zrun) bits += put_zrun(bw, zrun);
        zrun = 0;
        bits += b.bits;
        if (bw) blk_put(bw, u, k, b.hdr);
    }
    if (zrun) bits += put_zrun(bw, zrun);
    return bits;
}

typedef struct {
    bitr r;
    unsigned zrun; /* all-zero blocks still owed by a run header */
} intdec;

/* Decode the next block of k zigzagged values into u; 0 when malformed. */
static int blk_get(intdec *d, uint64_t *u, unsigned k) {
    bitr *r = &d->r;
    if (d->zrun) {
        d->zrun--;
        memset(u, 0, k * sizeof *u);
        return 1;
    }
    if (!br_has(r, 8)) return 0;
    unsigned h = (unsigned)br_get(r, 8), w = h & 0x7f;
    if (w > 64) {
        if (h & HDR_BITMAP) return 0;
        d->zrun = h - 64;
        memset(u, 0, k * sizeof *u);
        return 1;
    }
    if (h & HDR_BITMAP) {
        if (!br_has(r, k)) return 0;
        uint64_t bm = br_get(r, k);
        if (!br_has(r, (size_t)__builtin_popcountll(bm) * w)) return 0;
        for (unsigned i = 0; i < k; i++) u[i] = (bm >> i & 1) ? br_get64(r, w) + 1 : 0;
        return 1;
    }
    if (!br_has(r, (size_t)k * w)) return 0;
    if (w <= 57)
        for (unsigned i = 0; i < k; i++) u[i] = br_get(r, w);
    else
        for (unsigned i = 0; i < k; i++) u[i] = br_get64(r, w);
    return 1;
}

static const double p10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

/* Decode m integers from *p and integrate them order times from cur and
 * delta, writing either int64s to xo or cur / 10^e as doubles to vo. */

static int seq_decode(const uint8_t **p, const uint8_t *end, size_t m, int order, uint64_t cur,
                      uint64_t delta, int64_t *xo, double *vo, unsigned e) {
    intdec d = {{*p, (size_t)(end - *p), 0}, 0};
    uint64_t u[BLK];
    for (size_t i = 0; i < m; i += BLK) {
        unsigned k = m - i < BLK ? (unsigned)(m - i) : BLK;
        if (!blk_get(&d, u, k)) return 0;
        for (unsigned j = 0; j < k; j++) {
            uint64_t s = uunzig(u[j]);
            if (order == 0) cur = s;
            else if (order == 1) cur += s;
            else cur += (delta += s);
            if (xo) xo[i + j] = as_s64(cur);
            else vo[i + j] = (double)as_s64(cur) / p10[e];
        }
    }
    if (d.zrun || !br_has(&d.r, 0)) return 0;
    *p += (d.r.pos + 7) / 8;
    return 1;
}

void ints_encode(const int64_t *x, size_t n, tm_buf *out) {
    bitw bw = {out, 0, 0};
    seq_code(x, n, 0, &bw);
    bw_end(&bw);
}

int ints_decode(const uint8_t **p, const uint8_t *end, int64_t *x, size_t n) {
    return seq_decode(p, end, n, 0, 0, 0, x, NULL, 0);
}

/* ---- timestamps ---- */

void ts_encode(const int64_t *ts, size_t n, tm_buf *out) {
    if (!n) return;
    buf_put_svarint(out, ts[0]);
    if (n < 2) return;
    buf_put_svarint(out, as_s64((uint64_t)ts[1] - (uint64_t)ts[0]));
    if (n < 3) return;
    bitw bw = {out, 0, 0};
    seq_code(ts, n - 2, 2, &bw);
    bw_end(&bw);
}

int ts_decode(const uint8_t **p, const uint8_t *end, int64_t *ts, size_t n) {
    if (!n) return 1;
    const uint8_t *q = *p;
    int64_t t0, d0 = 0;
    if (!get_svarint(&q, end, &t0)) return 0;
    ts[0] = t0;
    if (n >= 2) {
        if (!get_svarint(&q, end, &d0)) return 0;
        ts[1] = as_s64((uint64_t)t0 + (uint64_t)d0);
    }
    if (n >= 3 && !seq_decode(&q, end, n - 2, 2, (uint64_t)ts[1], (uint64_t)d0, ts + 2, NULL, 0))
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
    double s = v * p10[d], a = fabs(s);
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
    if (dbits((double)r / p10[d]) != dbits(v)) return 0;
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
        if (dbits((double)m[i] / p10[e]) != dbits(v[i])) return -1;
    }
    return e;
}

/* ---- floats ---- */

static size_t uvarint_len(uint64_t x) {
    size_t n = 1;
    while (x >= 0x80) x >>= 7, n++;
    return n;
}

enum { F_GORILLA = 0, F_DELTA = 1, F_DOD = 2 };

static void dec_encode(const int64_t *m, size_t n, int e, tm_buf *out) {
    int kind = F_DELTA;
    uint64_t d0 = n >= 2 ? (uint64_t)m[1] - (uint64_t)m[0] : 0;
    if (n > 2) {
        size_t c1 = (seq_code(m, n - 1, 1, NULL) + 7) / 8;
        size_t c2 = uvarint_len(uzig(d0)) + (seq_code(m, n - 2, 2, NULL) + 7) / 8;
        if (c2 < c1) kind = F_DOD;
    }
    buf_putc(out, (uint8_t)(kind << 4 | e));
    buf_put_svarint(out, m[0]);
    bitw bw = {out, 0, 0};
    if (kind == F_DOD) {
        buf_put_svarint(out, as_s64(d0));
        seq_code(m, n - 2, 2, &bw);
    } else {
        seq_code(m, n - 1, 1, &bw);
    }
    bw_end(&bw);
}

enum { STACK_N = 256 };

void floats_encode(const double *v, size_t n, tm_buf *out) {
    if (!n) return;
    int64_t sm[STACK_N];
    uint8_t sd[STACK_N];
    int64_t *m = n <= STACK_N ? sm : xmalloc(n * sizeof *m);
    uint8_t *dig = n <= STACK_N ? sd : xmalloc(n);
    int e = dec_mantissas(v, n, m, dig);
    if (e >= 0) {
        dec_encode(m, n, e, out);
    } else {
        buf_putc(out, F_GORILLA);
        gorilla_encode(v, n, out);
    }
    if (m != sm) free(m);
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
    if (kind > F_DOD) return 0;
    int64_t m0, d0 = 0;
    if (!get_svarint(&q, end, &m0)) return 0;
    v[0] = (double)m0 / p10[e];
    if (kind == F_DELTA) {
        if (!seq_decode(&q, end, n - 1, 1, (uint64_t)m0, 0, NULL, v + 1, e)) return 0;
    } else if (n >= 2) {
        if (!get_svarint(&q, end, &d0)) return 0;
        uint64_t m1 = (uint64_t)m0 + (uint64_t)d0;
        v[1] = (double)as_s64(m1) / p10[e];
        if (n >= 3 && !seq_decode(&q, end, n - 2, 2, m1, (uint64_t)d0, NULL, v + 2, e)) return 0;
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
