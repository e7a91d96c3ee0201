/* Unit tests: the Pulse relay line parser and the override command. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/relay.h"
#include "testutil.h"

static tm_relay_cmd C;

#define TS 1700000000123LL

/* parse s as line 7 of a relay identified as "r1" (or not at all) */
static int line_as(const char *s, const char *id) {
    relay_parse_line(s, strlen(s), id, id ? strlen(id) : 0, TS, 7, &B, &C);
    return C.cmd;
}
static int line(const char *s) { return line_as(s, "r1"); }

static void arg_is(const char *want) {
    assert_int_equal(C.alen, strlen(want));
    assert_memory_equal(C.arg, want, C.alen);
}

static void test_commands(void **st) {
    (void)st;
    assert_int_equal(line_as("id r1", NULL), RC_ID);
    arg_is("r1");
    assert_int_equal(line("id lester.tester\r"), RC_ID);
    arg_is("lester.tester");
    assert_int_equal(line("add cpu"), RC_ADD);
    arg_is("cpu");
    assert_int_equal(line("add  cpu_used:,service:web1"), RC_ADD); /* Pulse's relay appends its tags */
    arg_is("cpu_used");
    assert_int_equal(line("remove mem\r"), RC_REMOVE);
    arg_is("mem");
    assert_int_equal(line(""), RC_NONE);
    assert_int_equal(line(" \r"), RC_NONE);
    assert_int_equal(line("ok"), RC_OK);
    assert_int_equal(line("ok flush"), RC_OK);
    assert_int_equal(line("ping"), RC_PING);
    assert_int_equal(line("close"), RC_CLOSE);
    assert_int_equal(B.n, 0);
    assert_int_equal(B.nerr, 0); /* commands are not data: nothing in the batch */
}

static void test_bad_commands(void **st) {
    (void)st;
    const char *bad[] = {"id", "id ", "id a b", "id a;b", "id a,b", "add", "add :x", "add a;b", "remove",
                         "remove a b", "hello", "ID r1", "get cpu", "idr1", "add a\x01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(line(bad[i]), RC_BAD);
        assert_non_null(C.err);
        assert_true(strlen(C.err) > 5);
    }
    char name[RELAY_NAME_MAX + 10];
    memset(name, 'a', sizeof name);
    memcpy(name, "id ", 3);
    name[3 + RELAY_NAME_MAX] = 0;
    assert_int_equal(line(name), RC_ID); /* exactly the limit */
    name[3 + RELAY_NAME_MAX] = 'a';
    name[4 + RELAY_NAME_MAX] = 0;
    assert_int_equal(line(name), RC_BAD);
    assert_int_equal(line_as("got {\"cpu\":1}", NULL), RC_BAD); /* who sent it? */
    assert_string_equal(C.err, "identify first: id NAME");
    assert_int_equal(B.n, 0);
}

static void test_got_json(void **st) {
    (void)st;
    assert_int_equal(line("got {\"cpu\":1.5,\"mem\":42,\"up\":true,\"dep\":\"v1.2 out\",\"gps\":[52.5,13.4],"
                          "\"s\":\"7e2\",\"where\":\"52.5,13.4\",\"none\":null}\r"),
                     RC_GOT);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 7);
    key_is(0, "cpu;relay=r1");
    assert_true(B.s[0].v == 1.5 && B.s[0].type == TM_NUMBER && B.s[0].ts == TS && B.s[0].line == 7);
    key_is(1, "mem;relay=r1");
    assert_true(B.s[1].v == 42);
    key_is(2, "up;relay=r1");
    assert_true(B.s[2].v == 1);
    key_is(3, "dep;relay=r1");
    assert_int_equal(B.s[3].type, TM_STRING);
    assert_string_equal(batch_str(&B, &B.s[3]), "v1.2 out");
    assert_int_equal(B.s[4].type, TM_LOCATION);
    assert_true(B.s[4].v == 52.5 && B.s[4].v2 == 13.4);
    assert_true(B.s[5].type == TM_NUMBER && B.s[5].v == 700);
    assert_true(B.s[6].type == TM_LOCATION && B.s[6].v2 == 13.4);
    /* tags sort: a relay id that sorts anywhere still gives one canonical key */
    batch_reset(&B);
    assert_int_equal(line_as("got {\"host1.cpu\":2}", "a.b-c"), RC_GOT);
    key_is(0, "host1.cpu;relay=a.b-c");
    /* a huge counter is a number, not an error */
    batch_reset(&B);
    assert_int_equal(line("got {\"c\":18446744073709551616}"), RC_GOT);
    assert_int_equal(B.nerr, 0);
    assert_true(B.s[0].v == 18446744073709551616.0);
    batch_reset(&B);
    assert_int_equal(line("got {}"), RC_GOT);
    assert_int_equal(B.n + B.nerr, 0);
}

static void test_got_bad_keeps_good(void **st) {
    (void)st;
    assert_int_equal(line("got {\"cpu\":1,\"bad name\":2,\"obj\":{\"a\":1},\"arr\":[1],\"far\":[91,0],"
                          "\"e\":\"\",\"mem\":3,\"a:b\":4}"),
                     RC_GOT);
    assert_int_equal(B.n, 2);
    key_is(0, "cpu;relay=r1");
    key_is(1, "mem;relay=r1");
    assert_int_equal(B.nerr, 6);
    assert_int_equal(B.err_line, 7);
    assert_non_null(strstr(B.err, "bad name"));
    /* malformed JSON is one error */
    batch_reset(&B);
    assert_int_equal(line("got {\"cpu\":1"), RC_GOT);
    assert_int_equal(B.n, 0);
    assert_int_equal(B.nerr, 1);
    assert_non_null(strstr(B.err, "invalid JSON"));
    batch_reset(&B);
    assert_int_equal(line("got [1,2]"), RC_GOT);
    assert_int_equal(B.nerr, 1);
    assert_non_null(strstr(B.err, "expected a JSON object"));
}

static void test_got_legacy(void **st) {
    (void)st;
    /* what nanopack/pulse's Go relay sends: COLLECTOR-NAME:VALUE */
    assert_int_equal(line("got cpu_used-cpu_used:0.2207,disk-read:12.5000,mem:42,state:up,junk,x-y:"), RC_GOT);
    assert_int_equal(B.n, 4);
    key_is(0, "cpu_used;relay=r1");
    assert_true(B.s[0].v == 0.2207);
    key_is(1, "read;relay=r1");
    key_is(2, "mem;relay=r1");
    key_is(3, "state;relay=r1");
    assert_int_equal(B.s[3].type, TM_STRING);
    assert_int_equal(B.nerr, 2); /* "junk" and the empty value */
}

static void test_line_bound(void **st) {
    (void)st;
    size_t n = RELAY_LINE_MAX + 1;
    char *big = malloc(n);
    memset(big, ' ', n);
    memcpy(big, "got {", 5);
    big[n - 1] = '}';
    relay_parse_line(big, n, "r1", 2, TS, 1, &B, &C);
    assert_int_equal(C.cmd, RC_BAD);
    assert_string_equal(C.err, "line too long");
    relay_parse_line(big, n - 1, "r1", 2, TS, 1, &B, &C); /* at the limit: parsed (and malformed) */
    assert_int_equal(C.cmd, RC_GOT);
    free(big);
}

static void override_ok(const char *dur, const tm_relay_pair *p, size_t n, const char *want) {
    tm_buf b = {0};
    const char *why = NULL;
    assert_int_equal(relay_override_line(&b, dur, p, n, &why), 1);
    assert_int_equal(b.n, strlen(want));
    assert_memory_equal(b.p, want, b.n);
    buf_free(&b);
}

static void override_bad(const char *dur, const tm_relay_pair *p, size_t n) {
    tm_buf b = {0};
    const char *why = NULL;
    assert_int_equal(relay_override_line(&b, dur, p, n, &why), 0);
    assert_non_null(why);
    assert_int_equal(b.n, 0);
    buf_free(&b);
}

static void test_override(void **st) {
    (void)st;
    tm_relay_pair one[] = {{"cpu", "1s"}};
    override_ok("60s", one, 1, "override 60s cpu:1s\n");
    tm_relay_pair two[] = {{"cpu", "1s"}, {"mem", "500ms"}};
    override_ok("5m", two, 2, "override 5m cpu:1s,mem:500ms\n");
    override_bad("0s", one, 1);
    override_bad("soon", one, 1);
    override_bad("60 s", one, 1);
    override_bad(NULL, one, 1);
    override_bad("60s", one, 0);
    tm_relay_pair bad1[] = {{"cpu,mem", "1s"}};
    override_bad("60s", bad1, 1);
    tm_relay_pair bad2[] = {{"cpu", "fast"}};
    override_bad("60s", bad2, 1);
    tm_relay_pair bad3[] = {{"cpu", NULL}};
    override_bad("60s", bad3, 1);
    tm_relay_pair bad4[] = {{"cpu", "1s\nflush"}};
    override_bad("60s", bad4, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        BATCH_TEST(test_commands),
        BATCH_TEST(test_bad_commands),
        BATCH_TEST(test_got_json),
        BATCH_TEST(test_got_bad_keeps_good),
        BATCH_TEST(test_got_legacy),
        BATCH_TEST(test_line_bound),
        BATCH_TEST(test_override),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
