/* Unit tests: the PromQL evaluator's number forms and quantiles, where a
 * difference from Prometheus would not show in the comparison test (it
 * reads answers back as floats): values written as Go's
 * strconv.FormatFloat(v, 'f', -1, 64) writes them, and Prometheus'
 * quantile rank interpolation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "query/promql_evint.h"

static void test_format_float(void **st) {
    (void)st;
    static const struct {
        double v;
        const char *want;
    } c[] = {{0, "0"},           {-0.0, "-0"},       {1, "1"},        {0.1, "0.1"},
             {0.1 + 0.2, "0.30000000000000004"}, {1e21, "1000000000000000000000"}, {1e-7, "0.0000001"},
             {-2.5, "-2.5"},     {123456789.125, "123456789.125"}, {1764580000.5, "1764580000.5"},
             {100, "100"},       {1.5e300 / 1e300, "1.5"}, {NAN, "NaN"}, {INFINITY, "+Inf"}, {-INFINITY, "-Inf"},
             {2.220446049250313e-16, "0.0000000000000002220446049250313"}};
    char out[400];
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        pq_format_float(c[i].v, out, sizeof out);
        if (strcmp(out, c[i].want)) fail_msg("%.17g -> %s, want %s", c[i].v, out, c[i].want);
    }
    pq_format_float(5e-324, out, sizeof out); /* the longest: 323 zeros after the point */
    assert_int_equal(strlen(out), 326);
    assert_string_equal(out + 320, "000005");
    pq_format_float(1.7976931348623157e308, out, sizeof out);
    assert_int_equal(strlen(out), 309);
    assert_memory_equal(out, "17976931348623157", 17);
}

/* pq_format_ms writes what pq_format_float writes for ms / 1000: around
 * now, zero, negative times, every fraction, either side of 2^42 ms */
static void test_format_ms(void **st) {
    (void)st;
    const int64_t at[] = {0, 1764580000000, -1764580000000, 1000, -1000, 999, -1, (INT64_C(1) << 42) - 2000,
                          -(INT64_C(1) << 42) + 1000, INT64_C(1) << 42, INT64_C(1) << 50, INT64_MIN / 2};
    char a[400], b[400];
    for (size_t i = 0; i < sizeof at / sizeof *at; i++)
        for (int64_t d = 0; d < 2000; d++) {
            int64_t ms = at[i] + d;
            pq_format_ms(ms, a, sizeof a);
            pq_format_float((double)ms / 1000, b, sizeof b);
            if (strcmp(a, b)) fail_msg("%lld ms -> %s, want %s", (long long)ms, a, b);
        }
}

/* Go's FormatFloat(v, 'e' or 'g', -1, 64): the rules API's values, error messages */
static void test_format_go(void **st) {
    (void)st;
    static const struct {
        double v;
        int verb;
        const char *want;
    } c[] = {{95.5, 'e', "9.55e+01"}, {1, 'e', "1e+00"}, {0, 'e', "0e+00"}, {-0.00125, 'e', "-1.25e-03"},
             {0.1, 'e', "1e-01"}, {1.0 / 3, 'e', "3.333333333333333e-01"}, {NAN, 'e', "NaN"},
             {INFINITY, 'e', "+Inf"}, {-INFINITY, 'g', "-Inf"}, {NAN, 'g', "NaN"}, {1e19, 'g', "1e+19"},
             {-9.3e18, 'g', "-9.3e+18"}, {1.5, 'g', "1.5"}};
    char out[64];
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        pq_format_go(c[i].v, c[i].verb, out, sizeof out);
        assert_string_equal(out, c[i].want);
    }
}

static void test_quantile(void **st) {
    (void)st;
    double v[] = {4, 1, 3, 2};
    assert_true(pq_quantile(0.5, v, 4) == 2.5);
    double w[] = {4, 1, 3, 2};
    assert_true(pq_quantile(0.9, w, 4) == 3.7 || fabs(pq_quantile(0.9, w, 4) - 3.7) < 1e-12);
    double x[] = {7};
    assert_true(pq_quantile(0.3, x, 1) == 7);
    assert_true(isinf(pq_quantile(-1, x, 1)) && pq_quantile(-1, x, 1) < 0);
    assert_true(isinf(pq_quantile(2, x, 1)) && pq_quantile(2, x, 1) > 0);
    assert_true(isnan(pq_quantile(NAN, x, 1)));
    assert_true(isnan(pq_quantile(0.5, x, 0)));
}

int main(void) {
    const struct CMUnitTest t[] = {cmocka_unit_test(test_format_float), cmocka_unit_test(test_format_ms),
                                   cmocka_unit_test(test_format_go),
                                       cmocka_unit_test(test_quantile)};
    return cmocka_run_group_tests(t, NULL, NULL);
}
