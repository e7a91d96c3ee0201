/* test_keyrow.c — rows of the keys table: a full row of long and short
 * keys comes back byte for byte, deflated when that is smaller and raw
 * when not; rows 0 and the last of the id space; and what could not come
 * out of the encoder is refused (a cut row, bytes after it, an id of
 * another row, a key sharing more than the one before has). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keyrow.h"

static void encode(int64_t blk, const kr_entry *e, size_t n, tm_buf *out) {
    kr_writer w;
    keyrow_begin(&w, blk);
    for (size_t i = 0; i < n; i++) keyrow_add(&w, &e[i]);
    keyrow_finish(&w, out);
}

/* 1 when row (p, n) decodes to exactly e[0..ne) */
static int same(int64_t blk, const uint8_t *p, size_t n, const kr_entry *e, size_t ne) {
    kr_reader r;
    kr_entry x;
    if (!keyrow_start(&r, blk, p, n)) return 0;
    size_t k = 0;
    int got;
    while ((got = keyrow_next(&r, &x)) > 0) {
        if (k >= ne || x.id != e[k].id || x.type != e[k].type || x.klen != e[k].klen || memcmp(x.key, e[k].key, x.klen))
            got = -1;
        if (got < 0) break;
        k++;
    }
    keyrow_end(&r);
    return got == 0 && k == ne;
}

static void test_round_trip(void **st) {
    (void)st;
    static char keys[KEYS_PER_ROW][TM_KEY_MAX];
    kr_entry e[KEYS_PER_ROW];
    for (int blk = 0; blk < 2; blk++) {
        int64_t row = blk ? UINT32_MAX / KEYS_PER_ROW : 0;
        size_t n = 0;
        for (uint32_t k = blk ? 0 : 1; k < KEYS_PER_ROW; k++) { /* id 0 is no series */
            char *key = keys[n];
            size_t len = k % 50 == 7 ? TM_KEY_MAX : (size_t)snprintf(key, TM_KEY_MAX, "host%03u.cpu.%u.user", k / 3, k % 3);
            if (len == TM_KEY_MAX) memset(key, 'a' + k % 26, len);
            e[n++] = (kr_entry){.id = (uint32_t)(row * KEYS_PER_ROW + k), .type = (uint8_t)(k % 3), .key = key, .klen = len};
        }
        tm_buf b = {0};
        encode(row, e, n, &b);
        assert_int_equal(b.p[0], 1); /* names over hosts deflate well */
        assert_true(b.n < n * 8);
        assert_true(same(row, b.p, b.n, e, n));
        buf_free(&b);
    }
}

static void test_small_rows_raw(void **st) {
    (void)st;
    kr_entry e[] = {{.id = 300, .type = 0, .key = "a", .klen = 1}, {.id = 511, .type = 2, .key = "ab;x=y", .klen = 6}};
    tm_buf b = {0};
    encode(1, e, 2, &b);
    assert_int_equal(b.p[0], 0);
    assert_true(same(1, b.p, b.n, e, 2));
    assert_false(same(2, b.p, b.n, e, 2)); /* the same bytes as another row: ids outside it */
    for (size_t cut = 0; cut < b.n; cut++) assert_false(same(1, b.p, cut, e, 2));
    buf_putc(&b, 0);
    assert_false(same(1, b.p, b.n, e, 2)); /* trailing byte */
    buf_free(&b);
    encode(1, e, 0, &b); /* nothing: the row is deleted */
    assert_int_equal(b.n, 0);
    buf_free(&b);
}

static void test_refused(void **st) {
    (void)st;
    kr_reader r;
    kr_entry x;
    /* raw, 1 entry: gap 0, type 0, shares 1 byte of a key that has none */
    const uint8_t shares[] = {0, 1, 0, 0, 1, 1, 'a'};
    assert_true(keyrow_start(&r, 1, shares, sizeof shares));
    assert_int_equal(keyrow_next(&r, &x), -1);
    keyrow_end(&r);
    const uint8_t type[] = {0, 1, 0, 3, 0, 1, 'a'}; /* no such type */
    assert_true(keyrow_start(&r, 1, type, sizeof type));
    assert_int_equal(keyrow_next(&r, &x), -1);
    keyrow_end(&r);
    const uint8_t empty_key[] = {0, 1, 0, 0, 0, 0};
    assert_true(keyrow_start(&r, 1, empty_key, sizeof empty_key));
    assert_int_equal(keyrow_next(&r, &x), -1);
    keyrow_end(&r);
    const uint8_t too_many[] = {0, 0x81, 0x02}; /* 257 entries */
    assert_false(keyrow_start(&r, 1, too_many, sizeof too_many));
    const uint8_t bad_flag[] = {2, 0};
    assert_false(keyrow_start(&r, 1, bad_flag, sizeof bad_flag));
    const uint8_t bad_deflate[] = {1, 5, 0xff, 0xff, 0xff};
    assert_false(keyrow_start(&r, 1, bad_deflate, sizeof bad_deflate));
    assert_false(keyrow_start(&r, 1, NULL, 0));
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_round_trip), cmocka_unit_test(test_small_rows_raw),
                                       cmocka_unit_test(test_refused)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
