/* testutil.h — what the unit tests of the parsers share: one batch B, made
 * before and freed after each test (BATCH_TEST, or batch_setup and
 * batch_teardown from a test's own fixtures), and checks on its samples.
 * Header only, so each test stays one file in CMakeLists' loop; every
 * helper is static inline, so a test need not use all of them. */
#ifndef TM_TESTUTIL_H
#define TM_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/batch.h"

static tm_batch B;

static inline int batch_setup(void **st) {
    (void)st;
    batch_init(&B);
    return 0;
}
static inline int batch_teardown(void **st) {
    (void)st;
    batch_free(&B);
    return 0;
}
#define BATCH_TEST(f) cmocka_unit_test_setup_teardown(f, batch_setup, batch_teardown)

static inline void key_is(size_t i, const char *want) {
    assert_true(i < B.n);
    const tm_sample *s = &B.s[i];
    if (s->key_len != strlen(want) || memcmp(batch_key(&B, s), want, s->key_len))
        fail_msg("sample %zu: key '%.*s', want '%s'", i, (int)s->key_len, batch_key(&B, s), want);
}

static inline void num_is(size_t i, const char *key, int64_t ts, double v) {
    key_is(i, key);
    assert_int_equal(B.s[i].type, TM_NUMBER);
    assert_true(B.s[i].ts == ts);
    if (!(B.s[i].v == v)) fail_msg("sample %zu: value %.17g, want %.17g", i, B.s[i].v, v);
}

static inline void str_is(size_t i, const char *key, const char *want) {
    key_is(i, key);
    assert_int_equal(B.s[i].type, TM_STRING);
    assert_int_equal(B.s[i].str_len, strlen(want));
    assert_memory_equal(batch_str(&B, &B.s[i]), want, strlen(want));
}
#endif
