/* Unit tests: numbers as a person writes them (util/humannum.h), and the
 * reasons a --retention is refused (util/timeparse.h). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/humannum.h"
#include "util/timeparse.h"

static void test_human(void **st) {
    (void)st;
    struct {
        double v;
        const char *want;
    } cases[] = {
        {38.846833333333329, "38.85"}, /* an average: rounded */
        {-38.846833333333329, "-38.85"},
        {0.1 + 0.2, "0.3"},
        {1.0 / 3, "0.3333"},
        {200.0 / 3, "66.67"},
        {3.14159265358979, "3.142"},
        {12345678.123456789, "12345678.12"},
        {21.5, "21.5"}, /* what someone wrote: exact */
        {1234.5678, "1234.5678"},
        {0.75, "0.75"},
        {4461, "4461"},
        {-2.5, "-2.5"},
        {0, "0"},
        {1e20, "1e+20"},
        {5e-7, "5e-07"},
        {2.5e-6, "0.0000025"}, /* written, and small: still exact, without an exponent */
        {0.000003000004, "0.000003000004"},
        {-0.0000000001, "-1e-10"},
    };
    char b[64];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        human_number(cases[i].v, b, sizeof b);
        if (strcmp(b, cases[i].want)) fail_msg("%.17g: got %s, want %s", cases[i].v, b, cases[i].want);
    }
    human_number(NAN, b, sizeof b);
    assert_string_equal(b, "null");
    human_number(-INFINITY, b, sizeof b);
    assert_string_equal(b, "-inf");
}

static void test_retention_reasons(void **st) {
    (void)st;
    int64_t step[8], keep[8];
    char why[256];
    struct {
        const char *spec, *has;
    } bad[] = {
        {"10s:7d,5s:1d", "its step 5s and keep 1d are not longer than the archive before's 10s and 7d"},
        {"1m:1h,10s:7d", "its step 10s is not longer than the archive before's 1m"},
        {"10s:7d,15s:30d", "not a multiple of the archive before's 10s"},
        {"10s:7d,1m:1d", "it keeps 1d, not longer than the archive before's 7d"},
        {"10s:1s", "archive 1 \"10s:1s\" keeps less than its step"},
        {"x:1d", "archive 1 \"x:1d\" is not STEP:KEEP"},
        {"1s:1m,2s:2m,4s:4m", "more than 2 archives"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why[0] = 0;
        size_t max = strstr(bad[i].spec, "4s") ? 2 : 8;
        assert_int_equal(parse_retention_why(bad[i].spec, step, keep, max, why, sizeof why), 0);
        if (!strstr(why, bad[i].has)) fail_msg("%s: got \"%s\", want \"%s\" in it", bad[i].spec, why, bad[i].has);
    }
    assert_int_equal(parse_retention_why("10s:7d,1m:90d,1h:5y", step, keep, 8, why, sizeof why), 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_human), cmocka_unit_test(test_retention_reasons)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
