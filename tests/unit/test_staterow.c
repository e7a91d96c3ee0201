/* test_staterow.c — rows of the states table: a full row of similar series
 * is deflated and comes back bit for bit; a small one stays plain, which is
 * the layout rows had before deflate (so those still read); a deflated row
 * cut short or with a byte after it is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/staterow.h"

static void fill(st_entry *e, size_t n, int64_t blk) {
    for (size_t i = 0; i < n; i++)
        e[i] = (st_entry){.id = (uint32_t)(blk * STATES_PER_ROW + i), .points = 360, .walpos = 1000000 + 37 * i,
                          .last_ts = 1700000000000LL + 3590000, .v = 12.25 + (double)i, .v2 = 0,
                          .str = i == 5 ? "a string" : NULL, .slen = i == 5 ? 8 : 0};
}

/* 1 when row (p, n) decodes to exactly e[0..ne) */
static int same(int64_t blk, const uint8_t *p, size_t n, const st_entry *e, size_t ne) {
    st_reader r;
    st_entry x;
    if (!staterow_start(&r, blk, p, n)) return 0;
    size_t k = 0;
    int got;
    while ((got = staterow_next(&r, &x)) > 0) {
        const st_entry *y = &e[k];
        if (k >= ne || x.id != y->id || x.points != y->points || x.walpos != y->walpos || x.last_ts != y->last_ts ||
            memcmp(&x.v, &y->v, 8) || !x.str != !y->str || x.slen != y->slen || (x.str && memcmp(x.str, y->str, x.slen))) {
            got = -1;
            break;
        }
        k++;
    }
    staterow_end(&r);
    return got == 0 && k == ne;
}

static void test_full_row_deflated(void **st) {
    (void)st;
    st_entry e[STATES_PER_ROW];
    fill(e, STATES_PER_ROW, 7);
    tm_buf b = {0};
    staterow_encode(&b, 7, e, STATES_PER_ROW);
    assert_int_equal(b.p[0], 0xdf);
    assert_true(same(7, b.p, b.n, e, STATES_PER_ROW));
    for (size_t cut = 0; cut < b.n; cut++) assert_false(same(7, b.p, cut, e, STATES_PER_ROW));
    buf_putc(&b, 0);
    assert_false(same(7, b.p, b.n, e, STATES_PER_ROW));
    buf_free(&b);
}

static void test_small_row_plain(void **st) {
    (void)st;
    st_entry e[2];
    fill(e, 2, 0);
    tm_buf b = {0};
    staterow_encode(&b, 0, e, 2);
    assert_int_equal(b.p[0], 2); /* the count: the layout of rows before deflate */
    assert_true(same(0, b.p, b.n, e, 2));
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_full_row_deflated), cmocka_unit_test(test_small_row_plain)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
