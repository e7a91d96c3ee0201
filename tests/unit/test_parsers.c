/* Unit tests: batch, key rules, Graphite, Vapor and JSON parsers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/batch.h"
#include "ingest/graphite.h"
#include "ingest/jsondata.h"
#include "ingest/vapor.h"
#include "testutil.h"

static void graphite(const char *s) { graphite_parse(s, strlen(s), 1, &B); }

/* ---- batch and keys ---- */

static void test_batch_growth(void **st) {
    (void)st;
    char k[32];
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(k, sizeof k, "k%d", i % 7);
        if (i % 3 == 0)
            batch_add_string(&B, k, (size_t)n, i, "ev", 2);
        else
            batch_add_number(&B, k, (size_t)n, i, i * 0.5);
    }
    assert_int_equal(B.n, 100000);
    key_is(99999, "k4");
    assert_int_equal(B.s[99999].type, TM_STRING);
    assert_memory_equal(batch_str(&B, &B.s[99999]), "ev", 3); /* NUL-terminated */
    assert_true(B.s[100].v == 50.0);
    batch_reset(&B);
    assert_int_equal(B.n, 0);
    assert_int_equal(B.alen, 0);
    batch_add_location(&B, "g", 1, 5, 52.5, 13.4);
    assert_int_equal(B.s[0].type, TM_LOCATION);
    assert_true(B.s[0].v2 == 13.4);
}

static void test_batch_error_keeps_first(void **st) {
    (void)st;
    batch_error(&B, 3, "first %d", 1);
    batch_error(&B, 9, "second");
    assert_int_equal(B.nerr, 2);
    assert_int_equal(B.err_line, 3);
    assert_string_equal(B.err, "first 1");
}

static void test_key_canon(void **st) {
    (void)st;
    char out[TM_KEY_MAX + 1];
    const char *why = NULL;
    tm_tag t[] = {{"z", 1, "1", 1}, {"a", 1, "x.y", 3}, {"_m", 2, "q", 1}, {"a", 1, "last", 4}};
    int n = key_canon("cpu.user", 8, t, 4, out, sizeof out, &why);
    assert_int_equal(n, (int)strlen("cpu.user;_m=q;a=last;z=1"));
    assert_memory_equal(out, "cpu.user;_m=q;a=last;z=1", (size_t)n);
    assert_int_equal(key_canon("plain", 5, NULL, 0, out, sizeof out, &why), 5);

    assert_int_equal(key_canon("", 0, NULL, 0, out, sizeof out, &why), -1);
    assert_int_equal(key_canon("a b", 3, NULL, 0, out, sizeof out, &why), -1);
    assert_int_equal(key_canon("a;b", 3, NULL, 0, out, sizeof out, &why), -1);
    assert_int_equal(key_canon("a\x01", 2, NULL, 0, out, sizeof out, &why), -1);
    tm_tag bad[][1] = {{{"", 0, "v", 1}}, {{"k", 1, "", 0}}, {{"k=", 2, "v", 1}}, {{"~k", 2, "v", 1}},
                       {{"k b", 3, "v", 1}}, {{"k;", 2, "v", 1}}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        assert_int_equal(key_canon("n", 1, bad[i], 1, out, sizeof out, &why), -1);
        assert_non_null(why);
    }
    /* '=' inside a tag value is fine: key_split cuts at the first one. */
    tm_tag eqv = {"q", 1, "a=b", 3};
    assert_int_equal(key_canon("n", 1, &eqv, 1, out, sizeof out, &why), 7);

    /* Length limits: exactly TM_KEY_MAX fits, one more does not; so does cap. */
    char name[TM_KEY_MAX + 2];
    memset(name, 'x', sizeof name);
    assert_int_equal(key_canon(name, TM_KEY_MAX, NULL, 0, out, sizeof out, &why), TM_KEY_MAX);
    assert_int_equal(key_canon(name, TM_KEY_MAX + 1, NULL, 0, out, sizeof out, &why), -1);
    tm_tag big = {"k", 1, name, TM_KEY_MAX - 4};
    assert_int_equal(key_canon("n", 1, &big, 1, out, sizeof out, &why), TM_KEY_MAX);
    big.vlen++;
    assert_int_equal(key_canon("n", 1, &big, 1, out, sizeof out, &why), -1);
    assert_int_equal(key_canon("abcdef", 6, NULL, 0, out, 4, &why), -1);
    tm_tag many[300];
    for (int i = 0; i < 300; i++) many[i] = (tm_tag){"k", 1, "v", 1};
    assert_int_equal(key_canon("n", 1, many, 300, out, sizeof out, &why), -1);
}

/* Tag values keep every byte: escaped in the key where it needs it, and
 * split back out as they were sent. Plain values keep the Graphite form. */
static void test_tag_values_as_sent(void **st) {
    (void)st;
    static const struct { const char *v; size_t n; const char *stored; } cases[] = {
        {"server 01", 9, "server 01"}, {"/a b;c", 6, "/a b\\;c"}, {"back\\slash", 10, "back\\\\slash"},
        {"nul\0x", 5, "nul\\0x"}, {";", 1, "\\;"}, {"\\;", 2, "\\\\\\;"}, {"a=b;c=d", 7, "a=b\\;c=d"},
        {"x.y", 3, "x.y"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tm_tag t[] = {{"b", 1, "plain", 5}, {"a", 1, cases[i].v, cases[i].n}, {"c", 1, cases[i].v, cases[i].n}};
        char out[TM_KEY_MAX + 1], want[256], v[256];
        const char *why = NULL;
        int n = key_canon("m", 1, t, 3, out, sizeof out, &why);
        snprintf(want, sizeof want, "m;a=%s;b=plain;c=%s", cases[i].stored, cases[i].stored);
        assert_int_equal(n, (int)strlen(want));
        assert_memory_equal(out, want, (size_t)n);
        tm_tag back[4];
        size_t nlen, nt = key_split(out, (size_t)n, &nlen, back, 4);
        assert_int_equal(nt, 3);
        assert_int_equal(nlen, 1);
        const char *wantv[] = {cases[i].v, "plain", cases[i].v};
        size_t wantn[] = {cases[i].n, 5, cases[i].n};
        for (size_t k = 0; k < 3; k++) {
            assert_int_equal(back[k].klen, 1);
            assert_int_equal(back[k].k[0], "abc"[k]);
            size_t vn = tag_value(back[k].v, back[k].vlen, v);
            assert_int_equal(vn, wantn[k]);
            assert_memory_equal(v, wantv[k], vn);
        }
        char shown[TM_KEY_MAX], sent[256];
        size_t sn = key_display(out, (size_t)n, shown), m = 0;
        memcpy(sent, "m;a=", 4), m = 4;
        memcpy(sent + m, cases[i].v, cases[i].n), m += cases[i].n;
        memcpy(sent + m, ";b=plain;c=", 11), m += 11;
        memcpy(sent + m, cases[i].v, cases[i].n), m += cases[i].n;
        assert_int_equal(sn, m);
        assert_memory_equal(shown, sent, m);
    }
}

static void test_key_split(void **st) {
    (void)st;
    const char *k = "cpu.user;_m=q;host=a.b;x=c=d";
    tm_tag t[4];
    size_t nlen;
    assert_int_equal(key_split(k, strlen(k), &nlen, t, 4), 3);
    assert_int_equal(nlen, 8);
    assert_int_equal(t[1].klen, 4);
    assert_memory_equal(t[1].v, "a.b", 3);
    assert_int_equal(t[2].vlen, 3);
    assert_memory_equal(t[2].v, "c=d", 3);
    assert_int_equal(key_split(k, strlen(k), &nlen, t, 1), 1);
    assert_int_equal(key_split("plain", 5, &nlen, t, 4), 0);
    assert_int_equal(nlen, 5);
}

static void test_value_detect(void **st) {
    (void)st;
    double v = 0, v2 = 0;
    struct {
        const char *s;
        int type;
        double v, v2;
    } c[] = {
        {"21.5", TM_NUMBER, 21.5, 0},   {"1e3", TM_NUMBER, 1000, 0},      {"-2", TM_NUMBER, -2, 0},
        {"+5", TM_NUMBER, 5, 0},        {".5", TM_NUMBER, 0.5, 0},        {"5.", TM_NUMBER, 5, 0},
        {"inf", TM_NUMBER, INFINITY, 0}, {"-Infinity", TM_NUMBER, -INFINITY, 0},
        {"52.5,13.4", TM_LOCATION, 52.5, 13.4}, {"-90,180", TM_LOCATION, -90, 180},
        {"91,0", TM_STRING, 0, 0},      {"0,181", TM_STRING, 0, 0},       {"1,2,3", TM_STRING, 0, 0},
        {"52.5, 13.4", TM_STRING, 0, 0}, {"open", TM_STRING, 0, 0},       {"", TM_STRING, 0, 0},
        {" 1", TM_STRING, 0, 0},        {"1 ", TM_STRING, 0, 0},          {"0x10", TM_STRING, 0, 0},
        {"1e", TM_STRING, 0, 0},        {"e5", TM_STRING, 0, 0},          {".", TM_STRING, 0, 0},
        {"-", TM_STRING, 0, 0},         {"1.2.3", TM_STRING, 0, 0},       {"nan,1", TM_STRING, 0, 0},
        {"deploy v1.2", TM_STRING, 0, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        int t = value_detect(c[i].s, strlen(c[i].s), &v, &v2);
        if (t != c[i].type) fail_msg("value_detect(\"%s\") = %d, want %d", c[i].s, t, c[i].type);
        if (t != TM_STRING) assert_true(v == c[i].v);
        if (t == TM_LOCATION) assert_true(v2 == c[i].v2);
    }
    assert_int_equal(value_detect("NaN", 3, &v, &v2), TM_NUMBER);
    assert_true(isnan(v));
    /* Not NUL-terminated: the digits after n must not be read. */
    assert_int_equal(value_detect("12abc", 2, &v, &v2), TM_NUMBER);
    assert_true(v == 12);
}

/* ---- Graphite ---- */

static void test_graphite_plain(void **st) {
    (void)st;
    graphite("host000.cpu.0.user 57.31 1764072000\n");
    assert_int_equal(B.n, 1);
    assert_int_equal(B.nerr, 0);
    key_is(0, "host000.cpu.0.user");
    assert_true(B.s[0].v == 57.31);
    assert_int_equal(B.s[0].ts, 1764072000000LL);
    assert_int_equal(B.s[0].type, TM_NUMBER);
}

static void test_graphite_forms(void **st) {
    (void)st;
    graphite("a.b 1 100\r\n"
             "\n"
             "   \r\n"
             "  c.d\t2.5e2   200  \n"
             "e 3\n"
             "f 4 -1\n"
             "g 5 1700000000.25\n"
             "h nan 100\n"
             "i -nan 100\r\n"
             "j NaN\n"
             "k inf 1\n"
             "l -0.000001 1\n"
             "m 4 1700000000123\n"
             "n 1 2");
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 9);
    key_is(0, "a.b");
    assert_int_equal(B.s[0].ts, 100000);
    key_is(1, "c.d");
    assert_true(B.s[1].v == 250);
    assert_int_equal(B.s[1].ts, 200000);
    assert_int_equal(B.s[2].ts, TM_TS_NOW);
    assert_int_equal(B.s[3].ts, TM_TS_NOW);
    assert_int_equal(B.s[4].ts, 1700000000250LL);
    key_is(5, "k");
    assert_true(isinf(B.s[5].v) && B.s[5].v > 0);
    assert_true(B.s[6].v == -0.000001);
    assert_int_equal(B.s[7].ts, 1700000000123LL);
    key_is(8, "n");
    assert_int_equal(B.s[8].ts, 2000);
}

static void test_graphite_exact_values(void **st) {
    (void)st;
    const char *vals[] = {"57.31", "0.1", "123456789012345678", "1.7976931348623157e308", "4.9e-324",
                          "9007199254740993", "0.30000000000000004", "1e23", "-1.5E-7", "00012.50",
                          "3.14159265358979323846264338327950288", "1234567890.123456789"};
    char line[128];
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        batch_reset(&B);
        snprintf(line, sizeof line, "x %s 1\n", vals[i]);
        graphite(line);
        assert_int_equal(B.n, 1);
        if (B.s[0].v != strtod(vals[i], NULL)) fail_msg("%s parsed as %.17g", vals[i], B.s[0].v);
    }
}

static void test_graphite_many_lines(void **st) {
    (void)st;
    char *buf = malloc(100000 * 48);
    size_t n = 0;
    for (int i = 0; i < 100000; i++)
        n += (size_t)sprintf(buf + n, "host%03d.cpu.%d.user %d.%02d %d\n", i % 1000, i % 8, i % 100, i % 97,
                             1764072000 + i);
    graphite_parse(buf, n, 1, &B);
    assert_int_equal(B.n, 100000);
    assert_int_equal(B.nerr, 0);
    key_is(12345, "host345.cpu.1.user");
    assert_true(B.s[12345].v == 45.26);
    assert_int_equal(B.s[12345].ts, (1764072000LL + 12345) * 1000);
    free(buf);
}

static void test_graphite_tags(void **st) {
    (void)st;
    graphite("cpu.cpu;plugin_instance=0;host=a.example;type_instance=idle 5 1\n"
             "cpu.cpu;type_instance=idle;host=a.example;plugin_instance=0 6 2\n"
             "disk.io;_chart=disk.sda;_family=sda 1 3\n"
             "x;a=1;a=2 1 4\n");
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 4);
    key_is(0, "cpu.cpu;host=a.example;plugin_instance=0;type_instance=idle");
    key_is(1, "cpu.cpu;host=a.example;plugin_instance=0;type_instance=idle");
    key_is(2, "disk.io;_chart=disk.sda;_family=sda");
    key_is(3, "x;a=2");
}

static void test_graphite_errors(void **st) {
    (void)st;
    graphite("good.one 1 100\n"
             "bad line here extra 5\n"
             "good.two 2 200\n");
    assert_int_equal(B.n, 2);
    key_is(0, "good.one");
    key_is(1, "good.two");
    assert_int_equal(B.nerr, 1);
    assert_int_equal(B.err_line, 2);
    assert_non_null(strstr(B.err, "expected 'name value timestamp'"));

    const char *bad[] = {"onlyname\n", "n abc 1\n", "n 1 abc\n", "n 1 nan\n", "n 0x10 1\n", "n 1e 1\n",
                         "n;k 1 1\n",  "n;k= 1 1\n", "n; 1 1\n", ";k=v 1 1\n", "n;=v 1 1\n", "n\x01x 1 1\n",
                         "n 1 inf\n",  "n 1 1e20\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        batch_reset(&B);
        graphite_parse(bad[i], strlen(bad[i]), 7, &B);
        if (B.n != 0 || B.nerr != 1) fail_msg("accepted %s", bad[i]);
        assert_int_equal(B.err_line, 7);
    }
}

static void test_graphite_long_lines(void **st) {
    (void)st;
    size_t n = TM_LINE_MAX + 100;
    char *buf = malloc(n + 64);
    strcpy(buf, "ok 1 1\n");
    size_t off = strlen(buf);
    memset(buf + off, 'a', TM_LINE_MAX + 1);
    off += TM_LINE_MAX + 1;
    off += (size_t)sprintf(buf + off, " 1 1\nok2 2 2");
    graphite_parse(buf, off, 10, &B);
    assert_int_equal(B.n, 2);
    key_is(1, "ok2");
    assert_int_equal(B.nerr, 1);
    assert_int_equal(B.err_line, 11);
    assert_non_null(strstr(B.err, "longer"));

    /* A name over TM_KEY_MAX on a line that is not too long. */
    batch_reset(&B);
    memset(buf, 'b', TM_KEY_MAX + 1);
    off = TM_KEY_MAX + 1;
    off += (size_t)sprintf(buf + off, " 1 1\n");
    graphite_parse(buf, off, 1, &B);
    assert_int_equal(B.n, 0);
    assert_int_equal(B.nerr, 1);
    free(buf);
}

/* ---- Vapor ---- */

static void test_vapor_spec(void **st) {
    (void)st;
    const char *q = "host=dev&temperature=30.5&door=open&gps=52.5,13.4";
    assert_int_equal(vapor_parse(q, strlen(q), 1000, &B), 1);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 3);
    key_is(0, "temperature;host=dev");
    assert_int_equal(B.s[0].type, TM_NUMBER);
    assert_true(B.s[0].v == 30.5);
    assert_int_equal(B.s[0].ts, TM_TS_NOW);
    key_is(1, "door;host=dev");
    assert_int_equal(B.s[1].type, TM_STRING);
    assert_int_equal(B.s[1].str_len, 4);
    assert_memory_equal(batch_str(&B, &B.s[1]), "open", 4);
    key_is(2, "gps;host=dev");
    assert_int_equal(B.s[2].type, TM_LOCATION);
    assert_true(B.s[2].v == 52.5 && B.s[2].v2 == 13.4);
}

static void test_vapor_decoding(void **st) {
    (void)st;
    const char *q = "?token=s3&msg=deploy+v1.2%21&host=my%2Dbox&gps=52.5%2C13.4&pct=50%&t%65mp=1";
    assert_int_equal(vapor_parse(q, strlen(q), 0, &B), 1);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 4);
    key_is(0, "msg;host=my-box");
    assert_memory_equal(batch_str(&B, &B.s[0]), "deploy v1.2!", 12);
    assert_int_equal(B.s[1].type, TM_LOCATION);
    assert_memory_equal(batch_str(&B, &B.s[2]), "50%", 3);
    key_is(3, "temp;host=my-box");

    char out[16];
    assert_int_equal(url_decode("a%2", 3, out), 3);
    assert_memory_equal(out, "a%2", 3);
    assert_int_equal(url_decode("%zz%41+", 7, out), 5);
    assert_memory_equal(out, "%zzA ", 5);
}

static void test_vapor_host_and_time(void **st) {
    (void)st;
    const char *q = "temperature=30.5";
    assert_int_equal(vapor_parse(q, strlen(q), 0, &B), 0);
    assert_int_equal(B.n, 0);
    assert_int_equal(B.nerr, 1);
    batch_reset(&B);
    q = "host=&t=1";
    assert_int_equal(vapor_parse(q, strlen(q), 0, &B), 0);
    assert_int_equal(B.n, 0);

    batch_reset(&B);
    q = "t=1&time=1700000000&host=a&u=2";
    assert_int_equal(vapor_parse(q, strlen(q), 0, &B), 1);
    assert_int_equal(B.n, 2);
    assert_int_equal(B.s[0].ts, 1700000000000LL);
    assert_int_equal(B.s[1].ts, 1700000000000LL);

    batch_reset(&B);
    q = "host=a&time=-1m&t=1";
    assert_int_equal(vapor_parse(q, strlen(q), 1000000, &B), 1);
    assert_int_equal(B.s[0].ts, 940000);

    batch_reset(&B);
    q = "host=a&time=2026-11-25T10:00:00Z&t=1";
    assert_int_equal(vapor_parse(q, strlen(q), 0, &B), 1);
    assert_int_equal(B.s[0].ts, 1795600800000LL);

    batch_reset(&B);
    q = "host=a&time=yesterdayish&t=1";
    assert_int_equal(vapor_parse(q, strlen(q), 0, &B), 1);
    assert_int_equal(B.n, 1);
    assert_int_equal(B.err_line, 2);
}

static void test_vapor_bad_fields(void **st) {
    (void)st;
    const char *q = "host=a&ok=1&empty=&bad%20key=2&novalue&=5&ok2=x&&";
    assert_int_equal(vapor_parse(q, strlen(q), 0, &B), 1);
    assert_int_equal(B.n, 2);
    key_is(0, "ok;host=a");
    key_is(1, "ok2;host=a");
    assert_int_equal(B.nerr, 4);
    assert_int_equal(B.err_line, 3);
}

/* ---- JSON ---- */

static void json(const char *s) { jsondata_parse(s, strlen(s), &B); }

static void test_json_object(void **st) {
    (void)st;
    json("{\"metric\":\"foo.bar\",\"value\":52.88,\"time\":1700000000,\"tags\":{\"host\":\"a\",\"dc\":\"x\"}}");
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 1);
    key_is(0, "foo.bar;dc=x;host=a");
    assert_true(B.s[0].v == 52.88);
    assert_int_equal(B.s[0].ts, 1700000000000LL);
}

static void test_json_array(void **st) {
    (void)st;
    json("[{\"metric\":\"a\",\"value\":1,\"time\":1700000000.5},"
         " {\"metric\":\"b\",\"value\":2,\"time\":1700000000123},"
         " {\"metric\":\"c\",\"value\":3},"
         " {\"metric\":\"d\",\"value\":4,\"time\":\"2026-11-25T10:00:00.5Z\"},"
         " {\"metric\":\"e\",\"value\":5,\"tags\":{\"port\":8080,\"r\":0.5,\"on\":true}},"
         " {\"metric\":\"f\",\"value\":12345678901234567890}]");
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 6);
    assert_int_equal(B.s[0].ts, 1700000000500LL);
    assert_int_equal(B.s[1].ts, 1700000000123LL);
    assert_int_equal(B.s[2].ts, TM_TS_NOW);
    assert_int_equal(B.s[3].ts, 1795600800500LL);
    key_is(4, "e;on=true;port=8080;r=0.5");
    assert_true(B.s[5].v == 12345678901234567890.0);
}

static void test_json_bad_element(void **st) {
    (void)st;
    json("[{\"metric\":\"a\",\"value\":1},{\"metric\":\"b\"},{\"metric\":\"c\",\"value\":3}]");
    assert_int_equal(B.n, 2);
    key_is(0, "a");
    key_is(1, "c");
    assert_int_equal(B.nerr, 1);
    assert_int_equal(B.err_line, 2);

    const char *bad[] = {
        "{\"value\":1}",
        "{\"metric\":\"\",\"value\":1}",
        "{\"metric\":\"a b\",\"value\":1}",
        "{\"metric\":5,\"value\":1}",
        "{\"metric\":\"a\",\"value\":null}",
        "{\"metric\":\"a\",\"value\":{}}",
        "{\"metric\":\"a\",\"value\":[1]}",
        "{\"metric\":\"a\",\"value\":[1,\"x\"]}",
        "{\"metric\":\"a\",\"value\":[91,0]}",
        "{\"metric\":\"a\",\"value\":\"\"}",
        "{\"metric\":\"a\",\"value\":1,\"time\":\"soon\"}",
        "{\"metric\":\"a\",\"value\":1,\"time\":true}",
        "{\"metric\":\"a\",\"value\":1,\"time\":1e300}",
        "{\"metric\":\"a\",\"value\":1,\"tags\":[1]}",
        "{\"metric\":\"a\",\"value\":1,\"tags\":{\"k\":null}}",
        "{\"metric\":\"a\",\"value\":1,\"tags\":{\"k\":\"\"}}",
        "[1]",
        "5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        batch_reset(&B);
        json(bad[i]);
        if (B.n != 0 || B.nerr != 1) fail_msg("accepted %s", bad[i]);
        assert_int_equal(B.err_line, 1);
    }
}

static void test_json_locations(void **st) {
    (void)st;
    json("[{\"metric\":\"g\",\"value\":[52.5,13.4]},"
         " {\"metric\":\"g\",\"value\":\"52.5,13.4\"},"
         " {\"metric\":\"s\",\"value\":\"open\"},"
         " {\"metric\":\"n\",\"value\":\"21.5\"},"
         " {\"metric\":\"b\",\"value\":false}]");
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 5);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(B.s[i].type, TM_LOCATION);
        assert_true(B.s[i].v == 52.5 && B.s[i].v2 == 13.4);
    }
    assert_int_equal(B.s[2].type, TM_STRING);
    assert_int_equal(B.s[3].type, TM_NUMBER);
    assert_true(B.s[3].v == 21.5);
    assert_true(B.s[4].v == 0);
}

static void test_json_malformed(void **st) {
    (void)st;
    json("[{\"metric\":\"a\",\"value\":1},\n{\"metric\":");
    assert_int_equal(B.n, 0);
    assert_int_equal(B.nerr, 1);
    assert_int_equal(B.err_line, 2);
    assert_non_null(strstr(B.err, "JSON"));
    batch_reset(&B);
    jsondata_parse("", 0, &B);
    assert_int_equal(B.nerr, 1);
    assert_true(B.err_line >= 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        BATCH_TEST(test_batch_growth),
        BATCH_TEST(test_batch_error_keeps_first),
        BATCH_TEST(test_key_canon),
        BATCH_TEST(test_key_split),
        BATCH_TEST(test_tag_values_as_sent),
        BATCH_TEST(test_value_detect),
        BATCH_TEST(test_graphite_plain),
        BATCH_TEST(test_graphite_forms),
        BATCH_TEST(test_graphite_exact_values),
        BATCH_TEST(test_graphite_many_lines),
        BATCH_TEST(test_graphite_tags),
        BATCH_TEST(test_graphite_errors),
        BATCH_TEST(test_graphite_long_lines),
        BATCH_TEST(test_vapor_spec),
        BATCH_TEST(test_vapor_decoding),
        BATCH_TEST(test_vapor_host_and_time),
        BATCH_TEST(test_vapor_bad_fields),
        BATCH_TEST(test_json_object),
        BATCH_TEST(test_json_array),
        BATCH_TEST(test_json_bad_element),
        BATCH_TEST(test_json_locations),
        BATCH_TEST(test_json_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
