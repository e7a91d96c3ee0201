/* test_head.c — the encoded head (core/head.h): every kind of value and
 * time comes back bit for bit, in arrival order (integers, decimals, values
 * no decimal form holds, NaN payloads and the staleness marker, -0.0,
 * infinities, huge magnitudes, times out of order and far apart, strings
 * and locations), and a series of six regular samples of two-decimal gauges
 * or counters fits the smallest allocation (56 bytes: a 64-byte malloc block). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/head.h"
#include "core/store.h"

static uint64_t bits(double v) {
    uint64_t b;
    memcpy(&b, &v, 8);
    return b;
}

static void check_numbers(const int64_t *ts, const double *v, size_t n) {
    tm_head *h = NULL;
    for (size_t i = 0; i < n; i++) head_append(&h, TM_NUMBER, ts[i], v[i], 0, NULL, 0);
    assert_int_equal(h->n, n);
    tm_cols c;
    head_decode(h, TM_NUMBER, &c);
    assert_int_equal(c.n, n);
    for (size_t i = 0; i < n; i++) {
        if (c.ts[i] != ts[i] || bits(c.v[i]) != bits(v[i]))
            fail_msg("sample %zu: got %lld %.17g, sent %lld %.17g", i, (long long)c.ts[i], c.v[i], (long long)ts[i],
                     v[i]);
    }
    cols_free(&c);
    free(h);
}

static void test_values(void **st) {
    (void)st;
    double nan_payload;
    uint64_t nb = 0x7ff8000000000abcULL;
    memcpy(&nan_payload, &nb, 8);
    const double v[] = {0,         0,          -0.0,        1,         82.2,        82.25,      -3.1415,
                        1e300,     -1e-300,    INFINITY,    -INFINITY, NAN,         nan_payload, tm_stale_marker(),
                        12345.678, 0.1 + 0.2,  4503599627370496.0, 9007199254740993.0, 1.0 / 3, 123456789012.5, 5,
                        5,         5.0001,     -0.0,        DBL_MAX,   DBL_MIN,     42};
    size_t n = sizeof v / sizeof *v;
    int64_t ts[64];
    for (size_t i = 0; i < n; i++) ts[i] = 1700000000000LL + (int64_t)i * 10000;
    check_numbers(ts, v, n);
}

/* Runs of decimals the decoder adds up as integers: at each scale, across
 * a change of scale, through V_SAME and XOR values, and with digits either
 * side of 2^50, where it goes back to predicting from the value. */
static void test_decimal_runs(void **st) {
    (void)st;
    double v[400];
    int64_t ts[400];
    size_t n = 0;
    const double step[] = {1, 0.1, 0.01, 0.001, 0.0001};
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < 20; i++) v[n++] = round((i * 7.0 - 50) * step[k] * 1e4) / 1e4;
    for (int i = 0; i < 20; i++) v[n++] = i % 3 ? 21.25 + i * 0.01 : 1.0 / 3; /* XOR between decimals */
    for (int i = 0; i < 20; i++) v[n++] = 55.5; /* the same bits again */
    double big = 1125899906842624.0; /* 2^50 */
    for (int i = -10; i < 10; i++) v[n++] = big + i; /* integers across 2^50 */
    for (int i = -10; i < 10; i++) v[n++] = (big + i * 3) / 100; /* and at scale 100 */
    for (int i = -10; i < 10; i++) v[n++] = -(big * 4 + i);
    for (int i = 0; i < 20; i++) v[n++] = i % 2 ? 0.0 : -0.0;
    for (size_t i = 0; i < n; i++) ts[i] = 1700000000000LL + (int64_t)i * 10000;
    check_numbers(ts, v, n);
}

static void test_times(void **st) {
    (void)st;
    /* out of order, repeated, irregular, and a wide jump each way (the store
     * keeps a head within 6 h of its first sample; the head itself within 2^31 ms) */
    const int64_t ts[] = {1700000000000LL, 1700000010000LL, 1700000005000LL, 1700000005000LL, 1699999000000LL,
                          1700002000000LL, 1700000000001LL, 1701000000000LL, 1699000000000LL, 1700000020000LL};
    double v[10];
    for (int i = 0; i < 10; i++) v[i] = i * 1.5;
    check_numbers(ts, v, 10);
    const int64_t neg[] = {-5, 0, 7, -2000000000LL, 100};
    check_numbers(neg, v, 5);
}

static void test_strings_and_locations(void **st) {
    (void)st;
    tm_head *h = NULL;
    const char *s[] = {"", "up", "a longer value with spaces; and = signs", "up"};
    char big[4096];
    memset(big, 'x', sizeof big);
    for (int i = 0; i < 4; i++) head_append(&h, TM_STRING, 1000 + i, 0, 0, s[i], strlen(s[i]));
    head_append(&h, TM_STRING, 2000, 0, 0, big, sizeof big);
    tm_cols c;
    head_decode(h, TM_STRING, &c);
    assert_int_equal(c.n, 5);
    for (int i = 0; i < 4; i++) assert_string_equal(c.str[i], s[i]);
    assert_int_equal(strlen(c.str[4]), sizeof big);
    assert_int_equal(c.ts[4], 2000);
    cols_free(&c);
    free(h);
    h = NULL;
    for (int i = 0; i < 300; i++) head_append(&h, TM_LOCATION, 5000 + i * 1000, 52.52 + i * 1e-4, 13.405 - i * 0.1, NULL, 0);
    head_decode(h, TM_LOCATION, &c);
    assert_int_equal(c.n, 300);
    for (int i = 0; i < 300; i++) {
        assert_true(bits(c.v[i]) == bits(52.52 + i * 1e-4) && bits(c.v2[i]) == bits(13.405 - i * 0.1));
        assert_int_equal(c.ts[i], 5000 + i * 1000);
    }
    cols_free(&c);
    free(h);
}

/* random bit patterns and random decimals, in heads of up to 512 */
static void test_random(void **st) {
    (void)st;
    uint64_t x = 88172645463325252ULL;
    static int64_t ts[512];
    static double v[512];
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + round % 512;
        int64_t t = 1700000000000LL;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            t += (int64_t)(x % 20001) - 5000;
            ts[i] = t;
            uint64_t b = x * 0x9e3779b97f4a7c15ULL;
            if (x % 3 == 0) memcpy(&v[i], &b, 8);
            else v[i] = (double)((int64_t)(b % 2000001) - 1000000) / (double)(x % 2 ? 100 : 10000);
        }
        check_numbers(ts, v, n);
    }
}

/* what the store keeps per series at a million series of six samples */
static void test_small(void **st) {
    (void)st;
    tm_head *g = NULL, *k = NULL;
    double gauge = 82.2, counter = 123456789;
    for (int i = 0; i < 6; i++) {
        head_append(&g, TM_NUMBER, 1700000000000LL + i * 10000, gauge, 0, NULL, 0);
        head_append(&k, TM_NUMBER, 1700000000000LL + i * 10000, counter, 0, NULL, 0);
        gauge += (i % 2 ? -1.37 : 2.05);
        gauge = round(gauge * 100) / 100;
        counter += 1000 + i * 37;
    }
    print_message("6 samples: gauge %u bytes, counter %u bytes of data\n", g->len, k->len);
    assert_int_equal(g->size, 0);
    assert_int_equal(k->size, 0);
    assert_true(sizeof *g + g->len <= 56 && sizeof *k + k->len <= 56);
    free(g);
    free(k);
    /* a full head of 512 regular samples: about 3 bytes a sample */
    tm_head *h = NULL;
    for (int i = 0; i < 512; i++) head_append(&h, TM_NUMBER, 1700000000000LL + i * 10000, 40 + (i % 7) * 0.25, 0, NULL, 0);
    print_message("512 samples: %u bytes of data\n", h->len);
    assert_true(h->len < 512 * 3);
    free(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_decimal_runs),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_strings_and_locations),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
