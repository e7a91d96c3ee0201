/* Unit tests: auth_same, the token comparison (exact length, every byte). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/auth.h"

static int same(const char *a, size_t an, const char *t) { return auth_same(a, an, t, strlen(t)); }

static void test_same(void **st) {
    (void)st;
    assert_true(same("s3cret", 6, "s3cret"));
    assert_false(same("s3cret\0junk", 11, "s3cret")); /* what ?token=s3cret%00junk decodes to */
    assert_false(same("s3cret\0", 7, "s3cret"));
    assert_false(same("s3cre", 5, "s3cret"));
    assert_false(same("s3cretX", 7, "s3cret"));
    assert_false(same("S3cret", 6, "s3cret"));
    assert_false(same("s3crez", 6, "s3cret")); /* the last byte counts */
    assert_false(same("", 0, "s3cret"));
    assert_true(same("", 0, ""));
    assert_false(same("x", 1, ""));
    /* a candidate longer than the token is read whole, never past its end */
    char big[4096];
    memset(big, 'a', sizeof big);
    assert_false(same(big, sizeof big, "aaaa"));
    assert_true(same(big, 4, "aaaa"));
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_same)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
