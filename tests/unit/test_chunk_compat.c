/* test_chunk_compat.c — chunks written by chunk format 1 (the codec of
 * commit ac271b3, frozen in chunk_v1_blobs.h by gen_chunk_v1.c) still decode
 * bit for bit with today's codec, and what today's codec writes for the same
 * columns decodes to the same columns and is never larger. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "chunk_v1_fill.h"
#include "chunk_v1_blobs.h"

static size_t unhex(const char *h, uint8_t *out) {
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned x;
        sscanf(h, "%2x", &x);
        out[n++] = (uint8_t)x;
    }
    return n;
}

static void same_cols(const tm_cols *a, const tm_cols *b) {
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->ts, b->ts, a->n * sizeof *a->ts);
    const double *x[5] = {a->v, a->v2, a->sum, a->cnt, a->last}, *y[5] = {b->v, b->v2, b->sum, b->cnt, b->last};
    for (int k = 0; k < 5; k++) {
        assert_true(!x[k] == !y[k]);
        if (x[k]) assert_memory_equal(x[k], y[k], a->n * sizeof *x[k]); /* bit for bit: NaN and -0.0 too */
    }
    if (a->lt) assert_memory_equal(a->lt, b->lt, a->n * sizeof *a->lt);
    assert_true(!a->str == !b->str);
    for (size_t i = 0; a->str && i < a->n; i++) assert_string_equal(a->str[i], b->str[i]);
}

static void test_v1_blobs(void **st) {
    (void)st;
    for (int k = 0; k < GOLD_KINDS; k++) {
        uint8_t *blob = malloc(strlen(gold_blobs[k]) / 2 + 1);
        size_t n = unhex(gold_blobs[k], blob);
        tm_cols want, got, again;
        gold_fill(&want, k);
        assert_int_equal(chunk_decode(blob, n, &got), 1);
        same_cols(&want, &got);
        tm_buf b = {0};
        chunk_encode(&want, &b);
        assert_int_equal(chunk_decode(b.p, b.n, &again), 1);
        same_cols(&want, &again);
        printf("  kind %d: format 1 %zu bytes, today %zu bytes\n", k, n, b.n);
        assert_true(b.n <= n);
        cols_free(&want);
        cols_free(&got);
        cols_free(&again);
        buf_free(&b);
        free(blob);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_v1_blobs)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
