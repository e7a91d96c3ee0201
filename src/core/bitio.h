/* bitio.h — the LSB-first bit streams of the column codecs (codec.c,
 * intseq.c): a writer appending to a tm_buf, a reader that never reads past
 * its end (past it, it reads zeros; callers check br_has). */
#ifndef TM_BITIO_H
#define TM_BITIO_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../util/buf.h"

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
static inline void bw_end(bitw *w) {
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
#endif
