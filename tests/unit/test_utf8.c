/* Unit tests: UTF-8 validation (RFC 3629) and the JSON writer's answer to
 * bytes that are none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/jsonw.h"
#include "util/utf8.h"

static size_t check(const char *s) { return utf8_check(s, strlen(s)); }

static void test_valid(void **st) {
    (void)st;
    const char *ok[] = {"", "plain.ascii.name.longer.than.eight", "k\303\274che", "\xe2\x82\xac", "\xe6\xb8\xa9",
                        "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf", "\xee\x80\x80", "\x7f"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (check(ok[i]) != strlen(ok[i])) fail_msg("valid #%zu refused at %zu", i, check(ok[i]));
}

static void test_invalid(void **st) {
    (void)st;
    struct {
        const char *s;
        size_t at;
    } bad[] = {
        {"abc\xff", 3},                       /* never in UTF-8 */
        {"a\x80", 1},                         /* a continuation first */
        {"\xc0\xaf", 0},                      /* overlong '/' */
        {"\xc1\xbf", 0},                      /* overlong */
        {"\xe0\x80\xaf", 0},                  /* overlong, three bytes */
        {"\xf0\x80\x80\xaf", 0},              /* overlong, four bytes */
        {"ok\xed\xa0\x80", 2},                /* surrogate U+D800 */
        {"\xed\xbf\xbf", 0},                  /* surrogate U+DFFF */
        {"\xf4\x90\x80\x80", 0},              /* past U+10FFFF */
        {"\xf5\x80\x80\x80", 0},              /* past U+10FFFF */
        {"\xe2\x82", 0},                      /* truncated */
        {"12345678\xe2\x82x", 8},             /* truncated, after the fast path */
        {"\xc3\xbc\xc3", 2},                  /* truncated after a good one */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (check(bad[i].s) != bad[i].at) fail_msg("invalid #%zu: at %zu, want %zu", i, check(bad[i].s), bad[i].at);
}

static void test_json_replaces(void **st) {
    (void)st;
    tm_buf b = {0};
    const char in[] = "a\xff" "b\xc3\xbc" "c\xed\xa0\x80";
    json_put_string(&b, in, sizeof in - 1);
    const char want[] = "\"a\xef\xbf\xbd" "b\xc3\xbc" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"";
    assert_int_equal(b.n, sizeof want - 1);
    assert_memory_equal(b.p, want, b.n);
    assert_int_equal(utf8_check((const char *)b.p, b.n), b.n);
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_valid), cmocka_unit_test(test_invalid),
                                       cmocka_unit_test(test_json_replaces)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
