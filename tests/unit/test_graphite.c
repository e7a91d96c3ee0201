/* test_graphite.c — the Graphite front end's pure pieces: the target
 * parser, graphite-web's time forms, and numbers printed as Python's repr
 * (names and csv/raw answers hold them). The evaluation itself is compared
 * with graphite-web by tests/e2e/test_graphite_compat.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "query/gparse.h"
#include "query/graphite.h"
#include "query/gtime.h"

static gnode *parse(const char *t) {
    char err[256];
    gnode *g = gparse(t, strlen(t), err, sizeof err);
    if (!g) fail_msg("%s: %s", t, err);
    return g;
}

static void refused(const char *t, const char *why) {
    char err[256] = "";
    gnode *g = gparse(t, strlen(t), err, sizeof err);
    assert_null(g);
    if (!strstr(err, why)) fail_msg("%s: %s (want %s)", t, err, why);
}

static void test_parse(void **st) {
    (void)st;
    gnode *g = parse("summarize(host{1,2}.cpu.[a-z]*, \"1h\", func='max', alignToFrom=true)");
    assert_int_equal(g->kind, GN_CALL);
    assert_string_equal(g->s, "summarize");
    assert_int_equal(g->nargs, 4);
    assert_string_equal(g->args[0]->s, "host{1,2}.cpu.[a-z]*");
    assert_string_equal(g->args[1]->s, "1h");
    assert_string_equal(g->kw[2], "func");
    assert_int_equal(g->args[3]->kind, GN_BOOL);
    assert_string_equal(g->raw, "summarize(host{1,2}.cpu.[a-z]*, \"1h\", func='max', alignToFrom=true)");
    gnode_free(g);
    g = parse("a.b | scale(-2.5e1) | alias('x\\1')");
    assert_string_equal(g->s, "alias");
    assert_string_equal(g->args[1]->s, "x\\1"); /* backslashes kept, as graphite-web */
    assert_string_equal(g->args[0]->s, "scale");
    assert_true(g->args[0]->args[1]->num == -25 && !g->args[0]->args[1]->is_int);
    assert_string_equal(g->args[0]->args[0]->s, "a.b");
    gnode_free(g);
    g = parse("seriesByTag('name=cpu','host=~web.*')");
    assert_int_equal(g->nargs, 2);
    gnode_free(g);
    g = parse("a\\(b\\).c"); /* escaped symbols in a path */
    assert_string_equal(g->s, "a(b).c");
    gnode_free(g);
    refused("sumSeries(a.b", "missing ')'");
    refused("sumSeries(a.b,)", "after ','");
    refused("f(x=1, a.b)", "positional argument after a keyword");
    refused("'str'", "a path, a call or a literal");
    refused("a.{b,c", "unclosed {");
    char deep[400] = "";
    for (int i = 0; i < 70; i++) strcat(deep, "f(");
    strcat(deep, "a");
    for (int i = 0; i < 70; i++) strcat(deep, ")");
    refused(deep, "nested too deep");
}

static void test_times(void **st) {
    (void)st;
    const int64_t now = 1764072000; /* 2025-11-25 12:00:00 UTC, a Tuesday */
    int64_t t;
    assert_true(gtime_parse("-1h", now, &t) && t == now - 3600);
    assert_true(gtime_parse("now-5min", now, &t) && t == now - 300);
    assert_true(gtime_parse("-7d", now, &t) && t == now - 7 * 86400);
    assert_true(gtime_parse("-1mon", now, &t) && t == now - 30 * 86400);
    assert_true(gtime_parse("1764000000", now, &t) && t == 1764000000);
    assert_true(gtime_parse("04:00_20240101", now, &t) && t == 1704081600);
    assert_true(gtime_parse("20240101", now, &t) && t == 1704067200);
    assert_true(gtime_parse("midnight", now, &t) && t == now - 12 * 3600);
    assert_true(gtime_parse("yesterday", now, &t) && t == now - 12 * 3600 - 86400);
    assert_true(gtime_parse("noon+1h", now, &t) && t == now + 3600);
    assert_true(gtime_parse("-1h30min", now, &t) && t == now - 5400);
    assert_false(gtime_parse("-5m", now, &t)); /* graphite has no unit "m" */
    assert_false(gtime_parse("soon", now, &t));
    int64_t d;
    assert_true(gtime_offset("1min", &d) && d == 60);
    assert_true(gtime_offset("-2h", &d) && d == -7200);
    /* dates and times that cannot be are no time, whichever form names them */
    static const char *impossible[] = {"02:30_20240230", "20230229", "20240100", "00:00_20241301", "25:00_20240101",
                                       "24:00", "12:60", "25am", "2/30/2024", "13/01/2024", "0/1/2024", "feb30",
                                       "apr31", "1/2/3/4", "x:00", "1:5x", "99999999999999", "253402300800",
                                       "12/31/9999+1d", "01/01/99999"};
    for (size_t i = 0; i < sizeof impossible / sizeof *impossible; i++) {
        if (gtime_parse(impossible[i], now, &t)) fail_msg("%s read as %lld", impossible[i], (long long)t);
    }
    assert_true(gtime_parse("20240229", now, &t) && t == 1709164800); /* a leap day is one */
    assert_true(gtime_parse("2/29/2000", now, &t) && t == 951782400);
    assert_true(gtime_parse("1:5", now, &t) && t == 1764032700);      /* minute 5, as int("5") */
    assert_true(gtime_parse("253402300799", now, &t) && t == 253402300799);
}

/* tz: pytz's reading of wall clocks, summer time's gaps and overlaps too */
static void test_zones(void **st) {
    (void)st;
    tm_tz z;
    int64_t t, now = 1764072000; /* 2025-11-25 12:00 UTC */
    assert_true(tz_find("Europe/Berlin", &z) && !strcmp(z.name, "Europe/Berlin"));
    assert_true(tz_find("europe/BERLIN", &z) && !strcmp(z.name, "Europe/Berlin"));
    assert_true(tz_find("utc", &z) && !z.file[0]);
    assert_true(tz_find("Etc/GMT_plus_5", &z) && !strcmp(z.name, "Etc/GMT+5"));
    static const char *unknown[] = {"Nowhere/City", "Europe", "Europe/", "../etc/passwd", "posix/Europe/Berlin",
                                    "Factory", "localtime", "posixrules", "zone.tab", "", "Europe//Berlin"};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        if (tz_find(unknown[i], &z)) fail_msg("%s found as %s", unknown[i], z.file);
        assert_int_equal(tz_offset(&z, now, NULL), 0); /* unknown is UTC */
    }
    assert_true(tz_find("Europe/Berlin", &z));
    int dst;
    assert_int_equal(tz_offset(&z, 1719835200, &dst), 7200); /* July: CEST */
    assert_int_equal(dst, 1);
    assert_true(gtime_parse_tz("04:00_20240101", now, &z, &t) && t == 1704078000);
    assert_true(gtime_parse_tz("02:30_20240331", now, &z, &t) && t == 1711848600);  /* skipped: read at CET */
    assert_true(gtime_parse_tz("02:30_20241027", now, &z, &t) && t == 1729992600);  /* twice: the CET one */
    assert_true(gtime_parse_tz("midnight", now, &z, &t) && t == 1764025200);        /* Berlin's midnight */
    assert_true(gtime_parse_tz("1764000000", now, &z, &t) && t == 1764000000);      /* seconds are seconds */
    assert_true(gtime_parse_tz("-1h", now, &z, &t) && t == now - 3600);
    assert_true(gtime_parse_tz("12:00_20400701", now, &z, &t) && t == 2224753200);  /* pytz: no summer after 2037 */
    assert_true(gtime_parse_tz("12:00_18000701", now, &z, &t) && t == -5348983980); /* LMT, to the minute */
    assert_true(tz_find("America/New_York", &z));
    assert_true(gtime_parse_tz("00:00_18000101", now, &z, &t) && t == -5364644640);
    assert_true(tz_find("Australia/Lord_Howe", &z));                                /* half an hour of DST */
    assert_true(gtime_parse_tz("01:50_20240407", now, &z, &t) && t == 1712416800);
    /* a zone file cut short, or with no standard time, is no zone */
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    static tm_tz fz;
    assert_true(tz_load(buf, len, &fz) && fz.n > 100);
    assert_false(tz_load(buf, 100, &fz));
    buf[0] = 'X';
    assert_false(tz_load(buf, len, &fz));
    assert_true(tz_find("Asia/Kolkata", &z));
    assert_true(gtime_parse_tz("midnight", now, &z, &t) && t == 1764009000);
}

static void test_repr(void **st) {
    (void)st;
    static const struct {
        double v;
        const char *repr;
    } c[] = {{0.1, "0.1"},       {100, "100.0"},          {1e16, "1e+16"},
             {1e15, "1000000000000000.0"}, {1.5e-5, "1.5e-05"}, {0.0001, "0.0001"},
             {2.0 / 3, "0.6666666666666666"}, {5e-324, "5e-324"}, {0.30000000000000004, "0.30000000000000004"},
             {-0.0, "-0.0"}, {12345.678, "12345.678"}};
    char b[64];
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        gfmt_num(c[i].v, 0, b, sizeof b);
        assert_string_equal(b, c[i].repr);
    }
    gfmt_num(100, 1, b, sizeof b);
    assert_string_equal(b, "100");
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_parse), cmocka_unit_test(test_times),
                                       cmocka_unit_test(test_zones),
                                       cmocka_unit_test(test_repr)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
