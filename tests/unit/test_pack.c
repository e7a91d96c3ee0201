/* test_pack.c — the packs row layout (core/pack.h): members round-trip,
 * members with another's times, filtering that gives a member its own
 * times when the one it took them from leaves, and damaged rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/pack.h"
#include "model/batch.h"

#define N 100
#define T0 1764000000000LL

static tm_cols numbers(int64_t t0, double k) {
    tm_cols c;
    cols_alloc(&c, TM_NUMBER, N);
    for (int i = 0; i < N; i++) {
        c.ts[i] = t0 + i * 10000;
        c.v[i] = k + i * 0.25;
    }
    return c;
}

/* A row of series 8..11: 8 and 9 at T0, 10 with 9's times, 11 later with its own. */
static void row_of_four(tm_buf *row, tm_cols *c) {
    int64_t start[4] = {T0, T0, T0, T0 + 5000};
    tm_buf one = {0};
    for (int k = 0; k < 4; k++) {
        c[k] = numbers(start[k], k * 100);
        one.n = 0;
        if (k == 2) chunk_encode_values(&c[k], &one);
        else chunk_encode_at(&c[k], start[k], &one);
        pack_put(row, T0, 8 + k, k == 2, start[k], one.p, one.n);
    }
    buf_free(&one);
}

static void same_cols(const tm_cols *a, const tm_cols *b) {
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->ts, b->ts, a->n * sizeof *a->ts);
    assert_memory_equal(a->v, b->v, a->n * sizeof *a->v);
}

/* Members in order, with their slots, and the samples each was given. */
static void check_row(const tm_buf *row, const uint32_t *slots, const tm_cols *want, size_t n) {
    pack_iter it;
    pack_member m;
    pack_iter_init(&it, row->p, row->n, T0);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(pack_next(&it, &m), 1);
        assert_int_equal(m.slot, slots[k]);
        tm_cols c;
        assert_true(pack_decode(&it, &m, &c));
        same_cols(&c, &want[k]);
        cols_free(&c);
    }
    assert_int_equal(pack_next(&it, &m), 0);
}

static void test_round_trip(void **st) {
    (void)st;
    tm_buf row = {0};
    tm_cols c[4];
    row_of_four(&row, c);
    uint32_t slots[] = {0, 1, 2, 3};
    check_row(&row, slots, c, 4);
    for (int k = 0; k < 4; k++) cols_free(&c[k]);
    buf_free(&row);
}

static int drop_slot(const pack_iter *it, const pack_member *m, void *arg) {
    (void)it;
    return m->slot != *(uint32_t *)arg;
}

static void test_filter(void **st) {
    (void)st;
    tm_buf row = {0}, out = {0};
    tm_cols c[4];
    row_of_four(&row, c);
    uint32_t gone = 1; /* the member whose times 10 takes */
    assert_int_equal(pack_filter(row.p, row.n, T0, drop_slot, &gone, &out), 1);
    uint32_t slots[] = {0, 2, 3};
    tm_cols want[] = {c[0], c[2], c[3]};
    check_row(&out, slots, want, 3);
    pack_iter it;
    pack_member m;
    pack_iter_init(&it, out.p, out.n, T0);
    assert_int_equal(pack_next(&it, &m), 1);
    assert_int_equal(pack_next(&it, &m), 1);
    assert_false(m.same); /* it has its own times now */
    out.n = 0;
    gone = 7; /* nobody: nothing left out, nothing to rewrite */
    assert_int_equal(pack_filter(row.p, row.n, T0, drop_slot, &gone, &out), 0);
    assert_int_equal(out.n, row.n);
    assert_memory_equal(out.p, row.p, row.n);
    for (int k = 0; k < 4; k++) cols_free(&c[k]);
    buf_free(&row);
    buf_free(&out);
}

static void test_damaged(void **st) {
    (void)st;
    tm_buf row = {0}, out = {0};
    tm_cols c[4];
    row_of_four(&row, c);
    pack_iter it;
    pack_member m;
    pack_iter_init(&it, row.p, row.n - 1, T0); /* the last member cut short */
    for (int k = 0; k < 3; k++) assert_int_equal(pack_next(&it, &m), 1);
    assert_int_equal(pack_next(&it, &m), -1);
    uint32_t gone = 0;
    assert_int_equal(pack_filter(row.p, row.n - 1, T0, drop_slot, &gone, &out), -1);
    const uint8_t alone[] = {8 + 1, 1, 0}; /* another's times, with nothing before it */
    pack_iter_init(&it, alone, sizeof alone, T0);
    assert_int_equal(pack_next(&it, &m), -1);
    const uint8_t garbage[] = {0, 3, 0xff, 0xff, 0xff};
    pack_iter_init(&it, garbage, sizeof garbage, T0);
    assert_int_equal(pack_next(&it, &m), 1);
    tm_cols d;
    assert_false(pack_decode(&it, &m, &d));
    assert_true(d.n == 0 && d.ts == NULL);
    for (int k = 0; k < 4; k++) cols_free(&c[k]);
    buf_free(&row);
    buf_free(&out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
