/* Unit tests: flag values through util/flagval.h — each kind's accepted
 * forms, its bounds at both ends, and one wording of every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/flagval.h"

static const tm_flag FLAGS[] = {
    {"every", "10s", "", FLAG_STR}, {"share", "0.5", "", FLAG_STR}, {"count", "3", "", FLAG_STR},
    {"cap", "1GiB", "", FLAG_STR},  {"log-level", "info", "", FLAG_STR},
};

/* The config with --name value given on the command line. */
static void with(tm_config *c, const char *name, const char *value) {
    char flag[64], err[256];
    snprintf(flag, sizeof flag, "--%s", name);
    char *argv[] = {"t", flag, (char *)value, NULL};
    assert_int_equal(config_parse(c, FLAGS, sizeof FLAGS / sizeof *FLAGS, 3, argv, err, sizeof err), 0);
}

static void refused(int rc, const char *err, const char *want) {
    assert_int_equal(rc, -1);
    if (!strstr(err, want)) fail_msg("\"%s\" does not say \"%s\"", err, want);
}

static void test_duration(void **st) {
    (void)st;
    tm_config c;
    char err[256];
    int64_t ms;
    with(&c, "every", "1500ms");
    assert_int_equal(flag_duration(&c, "every", 100, 0, &ms, err, sizeof err), 0);
    assert_int_equal(ms, 1500);
    refused(flag_duration(&c, "every", 2000, 0, &ms, err, sizeof err), err,
            "--every must be a duration of at least 2s (500ms, 10s, 5m...), not \"1500ms\"");
    config_free(&c);
    with(&c, "every", "2h");
    refused(flag_duration(&c, "every", 1000, 3600000, &ms, err, sizeof err), err, "from 1s to 1h");
    config_free(&c);
    with(&c, "every", "soon");
    refused(flag_duration(&c, "every", 1, 0, &ms, err, sizeof err), err, "not \"soon\"");
    config_free(&c);
}

static void test_numbers(void **st) {
    (void)st;
    tm_config c;
    char err[256];
    double d;
    long long x;
    with(&c, "share", "0.25");
    assert_int_equal(flag_number(&c, "share", 0, 1, &d, err, sizeof err), 0);
    assert_true(d == 0.25);
    refused(flag_integer(&c, "share", 0, 10, &x, err, sizeof err), err, "--share must be a whole number from 0 to 10");
    config_free(&c);
    const char *bad[] = {"", "nan", "inf", "1e999", "2", "-0.5", "0.5x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        with(&c, "share", bad[i]);
        refused(flag_number(&c, "share", -0.1, 1, &d, err, sizeof err), err, "--share must be a number from -0.1 to 1");
        config_free(&c);
    }
    with(&c, "count", "31");
    assert_int_equal(flag_integer(&c, "count", 1, 31, &x, err, sizeof err), 0);
    assert_int_equal(x, 31);
    refused(flag_integer(&c, "count", 1, 30, &x, err, sizeof err), err, "from 1 to 30, not \"31\"");
    config_free(&c);
    with(&c, "count", "99999999999999999999");
    refused(flag_integer(&c, "count", 1, INT64_MAX, &x, err, sizeof err), err, "whole number");
    config_free(&c);
}

static void test_size_and_level(void **st) {
    (void)st;
    tm_config c;
    char err[256];
    uint64_t b;
    int lvl;
    with(&c, "cap", "64KiB");
    assert_int_equal(flag_size(&c, "cap", 64 << 10, 0, &b, err, sizeof err), 0);
    assert_int_equal(b, 65536);
    refused(flag_size(&c, "cap", 1 << 20, 0, &b, err, sizeof err), err, "--cap must be a size of at least 1MiB");
    refused(flag_size(&c, "cap", 1, 1024, &b, err, sizeof err), err, "above 0");
    config_free(&c);
    with(&c, "cap", "0");
    refused(flag_size(&c, "cap", 1, 0, &b, err, sizeof err), err, "above 0");
    config_free(&c);
    with(&c, "log-level", "warn");
    assert_int_equal(flag_log_level(&c, &lvl, err, sizeof err), 0);
    config_free(&c);
    with(&c, "log-level", "loud");
    refused(flag_log_level(&c, &lvl, err, sizeof err), err,
            "--log-level must be debug, info, warn or error, not \"loud\"");
    config_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_size_and_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
