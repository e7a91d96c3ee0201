/* test_codec.c — column codecs and chunks: bit-exact round trips, damaged
 * input, and the compression the design promises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"
#include "core/codec.h"
#include "model/batch.h"

static uint64_t rng_s = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) {
    rng_s ^= rng_s << 13;
    rng_s ^= rng_s >> 7;
    rng_s ^= rng_s << 17;
    return rng_s;
}
static int64_t rnd_in(int64_t lo, int64_t hi) { /* [lo, hi) */
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo));
}
static double from_bits(uint64_t u) {
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/* ---- round-trip helpers ---- */

static void rt_ints(const int64_t *x, size_t n) {
    tm_buf b = {0};
    buf_reserve(&b, 1); /* n = 0 writes nothing; keep b.p a real pointer */
    ints_encode(x, n, &b);
    int64_t *y = calloc(n + 1, sizeof *y);
    const uint8_t *p = b.p;
    assert_int_equal(ints_decode(&p, b.p + b.n, y, n), 1);
    assert_ptr_equal(p, b.p + b.n);
    assert_memory_equal(x, y, n * sizeof *x);
    free(y);
    buf_free(&b);
}

static void rt_ts(const int64_t *x, size_t n) {
    tm_buf b = {0};
    buf_reserve(&b, 1); /* n = 0 writes nothing; keep b.p a real pointer */
    int64_t base = n ? x[n / 2] : 0; /* any base: the first time is coded from it, wrapping */
    ts_encode(x, n, base, &b);
    int64_t *y = calloc(n + 1, sizeof *y);
    const uint8_t *p = b.p;
    assert_int_equal(ts_decode(&p, b.p + b.n, y, n, base), 1);
    assert_ptr_equal(p, b.p + b.n);
    assert_memory_equal(x, y, n * sizeof *x);
    free(y);
    buf_free(&b);
}

/* Round-trips v bit for bit through floats_* (and Gorilla alone); returns
 * the float mode's kind (0 Gorilla, 1 delta, 2 dod, 3 plain), -1 for n = 0. */
static int rt_floats(const double *v, size_t n) {
    tm_buf b = {0};
    buf_reserve(&b, 1); /* n = 0 writes nothing; keep b.p a real pointer */
    double *y = calloc(n + 1, sizeof *y);
    floats_encode(v, n, &b);
    const uint8_t *p = b.p;
    assert_int_equal(floats_decode(&p, b.p + b.n, y, n), 1);
    assert_ptr_equal(p, b.p + b.n);
    assert_memory_equal(v, y, n * sizeof *v);
    int kind = n ? b.p[0] >> 4 : -1;
    b.n = 0;
    gorilla_encode(v, n, &b);
    memset(y, 0, n * sizeof *y);
    p = b.p;
    assert_int_equal(gorilla_decode(&p, b.p + b.n, y, n), 1);
    assert_ptr_equal(p, b.p + b.n);
    assert_memory_equal(v, y, n * sizeof *v);
    free(y);
    buf_free(&b);
    return kind;
}

static void walk(double *v, size_t n, int64_t m, int64_t step) { /* two decimals */
    for (size_t i = 0; i < n; i++) {
        v[i] = (double)m / 100.0;
        m += rnd_in(-step, step + 1);
    }
}

/* ---- integers and timestamps ---- */

static void test_ints(void **st) {
    (void)st;
    enum { N = 5000 };
    int64_t *x = calloc(N, sizeof *x);
    const size_t ns[] = {0, 1, 2, 31, 32, 33, 63, 64, 65, 1000, N};
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
        static const unsigned ws[] = {0, 1, 2, 7, 13, 31, 32, 56, 57, 58, 63, 64};
        for (size_t j = 0; j < sizeof ws / sizeof *ws; j++) {
            for (size_t i = 0; i < ns[k]; i++) x[i] = ws[j] ? (int64_t)rnd() >> (64 - ws[j]) : 0;
            rt_ints(x, ns[k]);
        }
    }
    const int64_t ext[] = {INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MIN, INT64_MIN + 1, INT64_MAX, INT64_MIN};
    rt_ints(ext, sizeof ext / sizeof *ext);
    for (size_t i = 0; i < N; i++) x[i] = (i % 3) ? INT64_MAX : INT64_MIN;
    rt_ints(x, N);
    /* long zero runs (several run headers), then sparse values */
    memset(x, 0, N * sizeof *x);
    rt_ints(x, N);
    for (size_t i = 0; i < N; i += 97) x[i] = rnd_in(-100000, 100000);
    x[N - 1] = INT64_MIN;
    rt_ints(x, N);
    free(x);
}

static void test_ints_sizes(void **st) {
    (void)st;
    int64_t x[4096] = {0};
    tm_buf b = {0};
    ints_encode(x, 32, &b);
    assert_int_equal(b.n, 1); /* an all-zero block is one byte */
    b.n = 0;
    ints_encode(x, 2048, &b);
    assert_int_equal(b.n, 1); /* ... and so are 64 of them in a row */
    b.n = 0;
    ints_encode(x, 4096, &b);
    assert_int_equal(b.n, 2);
    rt_ints(x, 4096);
    rt_ints(x, 2049);
    /* a sparse block takes the bitmap */
    x[3] = 700000;
    x[20] = -3;
    b.n = 0;
    ints_encode(x, 32, &b);
    assert_true(b.n <= 1 + 4 + 6);
    rt_ints(x, 32);
    /* nonzero values equal to -1 pack at width 0 behind the bitmap */
    for (int i = 0; i < 32; i++) x[i] = (i % 5) ? 0 : -1;
    b.n = 0;
    ints_encode(x, 32, &b);
    assert_int_equal(b.n, 5);
    rt_ints(x, 32);
    buf_free(&b);
}

/* Damaged copies of an integer stream decode to 0 or to n values; never
 * past the end (run under ASan). */
static void damage_ints(const tm_buf *b, size_t n) {
    int64_t *y = calloc(n + 1, sizeof *y);
    uint8_t *p = malloc(b->n + 1);
    /* prefixes (every one of the first 64 bytes, then 64 spread over the rest),
     * each in a buffer of exactly that size */
    for (size_t len = 0; len < b->n; len += len < 64 ? 1 : b->n / 64 + 1) {
        uint8_t *q = malloc(len + 1);
        memcpy(q, b->p, len);
        const uint8_t *c = q;
        if (ints_decode(&c, q + len, y, n)) assert_true(c <= q + len);
        free(q);
    }
    for (int t = 0; t < 100 && b->n; t++) {
        memcpy(p, b->p, b->n);
        p[rnd() % b->n] ^= (uint8_t)(1u << (rnd() % 8));
        const uint8_t *c = p;
        if (ints_decode(&c, p + b->n, y, n)) assert_true(c <= p + b->n);
    }
    free(p);
    free(y);
}

static size_t ints_size(const int64_t *x, size_t n) {
    tm_buf b = {0};
    buf_reserve(&b, 1);
    ints_encode(x, n, &b);
    damage_ints(&b, n);
    size_t sz = b.n;
    buf_free(&b);
    rt_ints(x, n);
    return sz;
}

/* Uniform noise over a range costs log2 of the range per value (truncated
 * binary), not the next whole bit, and a block's one outlier cannot widen
 * every other value of a 32-block (the layout covers the whole stream). */
static void test_ints_range(void **st) {
    (void)st;
    enum { N = 1000 };
    int64_t x[N];
    const uint64_t ranges[] = {1, 2, 3, 10, 401, 5000, 65536, 65537, 1ULL << 40, (1ULL << 56) - 1, 1ULL << 56,
                               (1ULL << 56) + 1, 1ULL << 62};
    for (size_t k = 0; k < sizeof ranges / sizeof *ranges; k++) {
        for (size_t n = 1; n <= N; n = n * 3 + 1) {
            for (size_t i = 0; i < n; i++) x[i] = -77 + (int64_t)(rnd() % ranges[k]);
            size_t sz = ints_size(x, n);
            double ideal = (double)n * log2((double)ranges[k]) / 8;
            if (n >= 300 && ranges[k] > 2 && ranges[k] < (1ULL << 56))
                assert_true((double)sz <= ideal * 1.02 + 12); /* within 2% of log2, plus a header */
        }
    }
    /* the extremes of int64 inside one range, and a range that wraps */
    for (size_t i = 0; i < N; i++) x[i] = INT64_MAX - (int64_t)(rnd() % 1000);
    ints_size(x, N);
    for (size_t i = 0; i < N; i++) x[i] = INT64_MIN + (int64_t)(rnd() % 1000);
    ints_size(x, N);
    for (size_t i = 0; i < N; i++) x[i] = i % 2 ? INT64_MIN + (int64_t)(rnd() % 9) : INT64_MAX - (int64_t)(rnd() % 9);
    ints_size(x, N);
}

/* A base value with rare exceptions: each costs its gap (Rice) and its
 * value, the base values next to nothing. */
static void test_ints_sparse(void **st) {
    (void)st;
    enum { N = 5000 };
    int64_t *x = calloc(N, sizeof *x);
    for (size_t i = 0; i < N; i++) x[i] = rnd() % 20 ? 2350 : 2400; /* near constant */
    assert_true(ints_size(x, N) < N / 8 * 6 / 10); /* under 0.6 bits a value */
    for (size_t i = 0; i < N; i++) x[i] = rnd() % 10 ? 0 : rnd_in(-(1LL << 25), 1LL << 25);
    assert_true(ints_size(x, N) < N * 35 / 80); /* ~3 bits a value: gap + 27-bit value per tenth */
    /* exceptions at both ends, huge values, and a gap far longer than the rest */
    for (size_t i = 0; i < N; i++) x[i] = -5;
    x[0] = INT64_MIN;
    x[1] = INT64_MAX;
    for (size_t i = 10; i < 200; i += 3) x[i] = (int64_t)rnd();
    x[N - 1] = 7;
    ints_size(x, N);
    for (size_t i = 0; i < N; i++) x[i] = 9;
    x[0] = x[N - 1] = 10; /* two exceptions, one gap of N - 2 */
    ints_size(x, N);
    x[0] = 9;
    ints_size(x, N); /* the only exception is the last value */
    for (size_t i = 0; i < 64; i++) x[i] = i % 8 ? 1 : 2;
    ints_size(x, 64);
    free(x);
    /* however few exceptions, never more than 2048 values a byte (chunk.c
     * bounds a blob's count by its size) */
    enum { BIG = 1 << 13 };
    int64_t *z = calloc(BIG, sizeof *z);
    for (size_t i = 0; i < BIG; i++) z[i] = 3;
    z[BIG / 2] = 4;
    assert_true(ints_size(z, BIG) >= BIG / 2048);
    for (size_t i = 0; i < BIG; i++) z[i] = 0;
    assert_int_equal(ints_size(z, BIG), BIG / 2048);
    free(z);
}

static void test_ts(void **st) {
    (void)st;
    enum { N = 1000 };
    int64_t t[N];
    const size_t ns[] = {0, 1, 2, 3, 31, 32, 33, 34, 35, N};
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
        for (size_t i = 0; i < ns[k]; i++) t[i] = 1700000000000 + 10000 * (int64_t)i; /* regular */
        rt_ts(t, ns[k]);
        for (size_t i = 0; i < ns[k]; i++) t[i] = 1700000000000 + 10000 * (int64_t)i + rnd_in(-300, 300);
        rt_ts(t, ns[k]);
        int64_t c = 1700000000000;
        for (size_t i = 0; i < ns[k]; i++) t[i] = c += rnd_in(0, 3) ? rnd_in(0, 100000) : 0;
        rt_ts(t, ns[k]);
    }
    for (size_t i = 0; i < N; i++) t[i] = 5000 - 7 * (int64_t)i; /* negative deltas */
    rt_ts(t, N);
    for (size_t i = 0; i < N; i++) t[i] = (int64_t)rnd(); /* huge, wrapping deltas */
    rt_ts(t, N);
    const int64_t ext[] = {INT64_MIN, INT64_MAX, INT64_MIN, 0, INT64_MAX, INT64_MAX, -1, INT64_MIN};
    rt_ts(ext, sizeof ext / sizeof *ext);
    /* regular timestamps cost a byte per run of all-zero blocks */
    for (size_t i = 0; i < N; i++) t[i] = 1700000000000 + 10000 * (int64_t)i;
    tm_buf b = {0};
    ts_encode(t, N, 0, &b);
    assert_true(b.n <= 6 + 3 + 1);
    b.n = 0;
    ts_encode(t, N, t[0], &b); /* from the row's start: the first time costs a byte */
    assert_true(b.n <= 1 + 3 + 1);
    buf_free(&b);
}

/* ---- floats ---- */

static void test_decimal_digits(void **st) {
    (void)st;
    assert_int_equal(decimal_digits(0.0), 0);
    assert_int_equal(decimal_digits(4461), 0);
    assert_int_equal(decimal_digits(21.5), 1);
    assert_int_equal(decimal_digits(0.75), 2);
    assert_int_equal(decimal_digits(-57.31), 2);
    assert_int_equal(decimal_digits(0.1), 1);
    assert_int_equal(decimal_digits(1e-15), 15);
    assert_int_equal(decimal_digits(123456.000001), 6);
    assert_int_equal(decimal_digits(9007199254740991.0), 0);
    assert_int_equal(decimal_digits(9007199254740992.0), -1);
    assert_int_equal(decimal_digits(1e-16), -1);
    assert_int_equal(decimal_digits(1e300), -1);
    assert_int_equal(decimal_digits(1.0 / 3), -1);
    assert_int_equal(decimal_digits(-0.0), -1);
    assert_int_equal(decimal_digits(NAN), -1);
    assert_int_equal(decimal_digits(INFINITY), -1);
    assert_int_equal(decimal_digits(-INFINITY), -1);
    assert_int_equal(decimal_digits(5e-324), -1);
    assert_int_equal(decimal_digits(0.1 + 0.2), -1); /* 0.30000000000000004 */
    /* whatever it says must hold exactly */
    for (int i = 0; i < 100000; i++) {
        double v = (double)rnd_in(-100000000, 100000000) / pow(10, (double)rnd_in(0, 12));
        if (i & 1) v = from_bits(rnd());
        int d = decimal_digits(v);
        if (d < 0) continue;
        double m = nearbyint(v * pow(10, d)), p = pow(10, d);
        assert_true(fabs(m) < 0x1p53);
        int exact = 0; /* ties may round either way: one neighbour holds */
        for (double e = -1; e <= 1; e++) {
            double back = (m + e) / p;
            exact |= memcmp(&back, &v, 8) == 0;
        }
        assert_true(exact);
    }
}

static void test_floats(void **st) {
    (void)st;
    enum { N = 1000 };
    double v[N];
    const size_t ns[] = {0, 1, 2, 3, 31, 32, 33, N};
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
        size_t n = ns[k];
        walk(v, n, 5731, 200);
        if (n) assert_int_not_equal(rt_floats(v, n), 0);
        double c = 1e9;
        for (size_t i = 0; i < n; i++) v[i] = c += (double)rnd_in(0, 5000); /* counter */
        if (n) assert_int_not_equal(rt_floats(v, n), 0);
        for (size_t i = 0; i < n; i++) v[i] = 42.125;
        if (n) assert_int_not_equal(rt_floats(v, n), 0);
        for (size_t i = 0; i < n; i++) v[i] = rnd() % 20 ? 23.5 : 24; /* two levels: plain mantissas */
        if (n) assert_int_not_equal(rt_floats(v, n), 0);
        if (n == N) assert_int_equal(rt_floats(v, n), 3);
        for (size_t i = 0; i < n; i++) v[i] = from_bits(rnd()); /* any bits, NaNs included */
        rt_floats(v, n);
        for (size_t i = 0; i < n; i++) v[i] = (double)rnd_in(1, 1000) / 3.0;
        rt_floats(v, n);
    }
    assert_int_equal(rt_floats(v, 0), -1);
}

static void test_floats_special(void **st) {
    (void)st;
    const double sp[] = {NAN, INFINITY, -INFINITY, -0.0, 5e-324, 2.2250738585072014e-308 / 3, 1.0 / 3,
                         1e300, -1e300, 0.1 + 0.2, from_bits(0x7ff8000000000001ULL),
                         from_bits(0xfff0000000000001ULL)};
    for (size_t i = 0; i < sizeof sp / sizeof *sp; i++) {
        double v[40];
        for (int j = 0; j < 40; j++) v[j] = j % 2 ? sp[i] : 1.5 + j;
        assert_int_equal(rt_floats(v, 40), 0); /* one such value sends all to Gorilla */
        assert_int_equal(rt_floats(&sp[i], 1), 0);
        for (int j = 0; j < 40; j++) v[j] = sp[i];
        assert_int_equal(rt_floats(v, 40), 0);
    }
    /* XOR windows of every width, 64 meaningful bits included */
    double g[6] = {from_bits(0), from_bits(0x8000000000000001ULL), from_bits(0x0000000000000001ULL),
                   from_bits(0xffffffffffffffffULL), from_bits(0x7ffffffffffffffeULL), from_bits(1ULL << 63)};
    rt_floats(g, 6);
    /* mantissas near 2^53 */
    double h[5] = {9007199254740991.0, -9007199254740991.0, 9007199254740990.0, 1.0, 0.0};
    assert_int_not_equal(rt_floats(h, 5), 0);
    double f[3] = {9.007199254740991, -9.007199254740991, 1.5}; /* exponent 15 */
    assert_int_not_equal(rt_floats(f, 3), 0);
    double o[2] = {9e15, 0.0001}; /* shared exponent would overflow int64 */
    rt_floats(o, 2);
    double q[2] = {9e15, 0.001}; /* 9e18 still fits */
    assert_int_not_equal(rt_floats(q, 2), 0);
    double big[2] = {9007199254740992.0, 1.0};
    assert_int_equal(rt_floats(big, 2), 0);
    /* mixed decimals with different exponents share the largest */
    double mix[6] = {1, 2.5, 0.125, 1e-9, 123456789, -0.75};
    assert_int_not_equal(rt_floats(mix, 6), 0);
    /* mantissa deltas spanning the whole int64 range wrap and still round-trip */
    double w[4] = {-9007199254740991.0 * 1000, 0.001, 9007199254740991.0 * 1000, -0.001};
    rt_floats(w, 4);
}

/* ---- chunks ---- */

static void cols_equal(const tm_cols *a, const tm_cols *b) {
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->n, b->n);
    size_t n = a->n;
    if (!n) return;
    assert_memory_equal(a->ts, b->ts, n * sizeof *a->ts);
    const double *da[5] = {a->v, a->v2, a->sum, a->cnt, a->last}, *db[5] = {b->v, b->v2, b->sum, b->cnt, b->last};
    for (int k = 0; k < 5; k++) {
        assert_true(!da[k] == !db[k]);
        if (da[k]) assert_memory_equal(da[k], db[k], n * sizeof *da[k]);
    }
    assert_true(!a->str == !b->str);
    if (a->str)
        for (size_t i = 0; i < n; i++) assert_string_equal(a->str[i] ? a->str[i] : "", b->str[i]);
}

/* Every prefix and a few damaged copies must decode to 0 or to something
 * that round-trips; never crash (run under ASan). */
static void damage(const tm_buf *b) {
    tm_cols c, d;
    for (size_t len = 0; len < b->n; len++) {
        uint8_t *p = malloc(len + 1);
        memcpy(p, b->p, len);
        if (chunk_decode(p, len, &c)) cols_free(&c);
        free(p);
    }
    uint8_t *p = malloc(b->n);
    for (int t = 0; t < 200; t++) {
        memcpy(p, b->p, b->n);
        p[rnd() % b->n] ^= (uint8_t)(1u << (rnd() % 8));
        if (!chunk_decode(p, b->n, &c)) continue;
        tm_buf e = {0};
        chunk_encode(&c, &e);
        assert_int_equal(chunk_decode(e.p, e.n, &d), 1);
        cols_equal(&c, &d);
        cols_free(&c);
        cols_free(&d);
        buf_free(&e);
    }
    free(p);
}

static size_t rt_chunk(const tm_cols *c) {
    tm_buf b = {0};
    tm_cols d;
    chunk_encode(c, &b);
    assert_int_equal(chunk_decode(b.p, b.n, &d), 1);
    cols_equal(c, &d);
    cols_free(&d);
    damage(&b);
    /* trailing bytes are damage too */
    buf_putc(&b, 0);
    assert_int_equal(chunk_decode(b.p, b.n, &d), 0);
    assert_int_equal(d.n, 0);
    size_t n = b.n - 1;
    /* coded from the row's start: the same columns back, given the start */
    int64_t start = c->n ? c->ts[0] - 1000 : 0;
    tm_buf a = {0};
    chunk_encode_at(c, start, &a);
    assert_int_equal(chunk_decode_at(a.p, a.n, start, &d), 1);
    cols_equal(c, &d);
    cols_free(&d);
    if (c->n && llabs(c->ts[0]) > (1LL << 40)) assert_true(a.n + 3 <= n);
    buf_free(&a);
    buf_free(&b);
    return n;
}

static void fill_ts(tm_cols *c, int64_t step, int64_t jitter) {
    for (size_t i = 0; i < c->n; i++)
        c->ts[i] = 1700000000000 + step * (int64_t)i + (jitter ? rnd_in(0, jitter) : 0);
}

static void test_chunk_number(void **st) {
    (void)st;
    const size_t ns[] = {0, 1, 2, 33, 240};
    for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
        tm_cols c;
        cols_alloc(&c, TM_NUMBER, ns[k]);
        fill_ts(&c, 10000, 0);
        walk(c.v, c.n, 2150, 50);
        rt_chunk(&c);
        fill_ts(&c, 1000, 900);
        for (size_t i = 0; i < c.n; i++) c.v[i] = i % 7 ? 1.0 / (double)(i + 1) : NAN;
        rt_chunk(&c);
        cols_free(&c);
    }
}

/* A long chunk of regular times and one value: its blob stays within the
 * count bound chunk_decode applies before allocating. */
static void test_chunk_long_constant(void **st) {
    (void)st;
    tm_cols c;
    cols_alloc(&c, TM_NUMBER, 20000);
    fill_ts(&c, 1000, 0);
    for (size_t i = 0; i < c.n; i++) c.v[i] = i == 5000 ? 2 : 1;
    rt_chunk(&c);
    cols_free(&c);
}

static void test_chunk_location(void **st) {
    (void)st;
    tm_cols c;
    cols_alloc(&c, TM_LOCATION, 100);
    assert_null(c.str);
    assert_null(c.sum);
    fill_ts(&c, 60000, 5000);
    for (size_t i = 0; i < c.n; i++) {
        c.v[i] = 52.520008 + (double)rnd_in(-500, 500) / 1e6;
        c.v2[i] = 13.404954 + (double)rnd_in(-500, 500) / 1e6;
    }
    c.v2[50] = -0.0;
    rt_chunk(&c);
    cols_free(&c);
}

static void test_chunk_strings(void **st) {
    (void)st;
    tm_cols c;
    cols_alloc(&c, TM_STRING, 6);
    fill_ts(&c, 1000, 0);
    c.str[0] = strdup("");
    c.str[1] = strdup("ok");
    c.str[2] = strdup("");
    c.str[3] = calloc(5001, 1);
    for (int i = 0; i < 5000; i++) c.str[3][i] = (char)('a' + rnd() % 26); /* long, incompressible-ish */
    c.str[4] = strdup("state=degraded");
    c.str[5] = strdup("");
    rt_chunk(&c);
    cols_free(&c);

    /* repetitive strings go through zstd */
    cols_alloc(&c, TM_STRING, 200);
    fill_ts(&c, 1000, 0);
    size_t raw = 0;
    for (size_t i = 0; i < c.n; i++) {
        c.str[i] = strdup(i % 3 ? "deploy finished: service=api version=1.4.2" : "deploy started");
        raw += strlen(c.str[i]) + 1;
    }
    size_t sz = rt_chunk(&c);
    assert_true(sz < raw / 4);
    cols_free(&c);

    cols_alloc(&c, TM_STRING, 0);
    rt_chunk(&c);
    cols_free(&c);
}

static void test_chunk_rollup(void **st) {
    (void)st;
    tm_cols c;
    cols_alloc(&c, TM_ROLLUP, 300);
    assert_non_null(c.last);
    assert_null(c.str);
    fill_ts(&c, 300000, 0);
    for (size_t i = 0; i < c.n; i++) {
        double a = (double)rnd_in(0, 10000) / 100, b = a + (double)rnd_in(0, 1000) / 100;
        c.v[i] = a;
        c.v2[i] = b;
        c.cnt[i] = (double)rnd_in(1, 31);
        c.sum[i] = (a + b) / 2 * c.cnt[i]; /* rarely decimal: Gorilla */
        c.last[i] = b;
    }
    c.ts[299] = c.ts[298]; /* not for chunks, but the codec must not care */
    rt_chunk(&c);
    cols_free(&c);
}

static void test_chunk_garbage(void **st) {
    (void)st;
    uint8_t p[512];
    tm_cols c;
    for (int t = 0; t < 20000; t++) {
        size_t n = (size_t)rnd_in(0, (int64_t)sizeof p);
        for (size_t i = 0; i < n; i++) p[i] = (uint8_t)rnd();
        if (n > 1) p[1] = (uint8_t)(t % 8); /* a plausible type */
        if (chunk_decode(p, n, &c)) cols_free(&c);
    }
    assert_int_equal(chunk_decode(NULL, 0, &c), 0);
    /* a huge count on a tiny blob is refused before allocating */
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x00};
    assert_int_equal(chunk_decode(huge, sizeof huge, &c), 0);
}

/* ---- size ---- */

static double bytes_per_sample(const char *what, void (*gen)(double *, size_t)) {
    tm_cols c;
    cols_alloc(&c, TM_NUMBER, 360);
    fill_ts(&c, 10000, 0);
    gen(c.v, c.n);
    size_t sz = rt_chunk(&c);
    double r = (double)sz / (double)c.n;
    printf("  %-26s %zu samples, %zu bytes, %.3f bytes/sample\n", what, c.n, sz, r);
    cols_free(&c);
    return r;
}
static void gen_walk(double *v, size_t n) { walk(v, n, 5731, 200); }
static void gen_counter(double *v, size_t n) {
    double c = 123456;
    for (size_t i = 0; i < n; i++) v[i] = c += (double)rnd_in(0, 5000);
}
static void gen_const(double *v, size_t n) {
    for (size_t i = 0; i < n; i++) v[i] = 57.31;
}

static void test_size(void **st) {
    (void)st;
    assert_true(bytes_per_sample("two-decimal random walk", gen_walk) < 1.6);
    assert_true(bytes_per_sample("counter +[0,5000)", gen_counter) < 2.0);
    assert_true(bytes_per_sample("constant", gen_const) < 0.1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ints),           cmocka_unit_test(test_ints_sizes),
        cmocka_unit_test(test_ints_range),     cmocka_unit_test(test_ints_sparse),
        cmocka_unit_test(test_ts),             cmocka_unit_test(test_decimal_digits),
        cmocka_unit_test(test_floats),         cmocka_unit_test(test_floats_special),
        cmocka_unit_test(test_chunk_number),   cmocka_unit_test(test_chunk_location),
        cmocka_unit_test(test_chunk_long_constant),
        cmocka_unit_test(test_chunk_strings),  cmocka_unit_test(test_chunk_rollup),
        cmocka_unit_test(test_chunk_garbage),  cmocka_unit_test(test_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
