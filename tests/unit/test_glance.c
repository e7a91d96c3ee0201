/* Unit tests: access-log formats, the window on a fake clock, the traffic
 * alert (fire, recover, fire again), and following a file through both
 * kinds of rotation and a seek back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "glance/alert.h"
#include "glance/follow.h"
#include "glance/logfmt.h"
#include "glance/window.h"

#define T0 971186136000LL /* 10/Oct/2000:13:55:36 +0000 */

static int parse(log_format *f, const char *line, log_rec *r) { return logfmt_parse(f, line, strlen(line), r); }
static void str_eq(const char *p, size_t n, const char *want) {
    if (n != strlen(want) || memcmp(p, want, n)) fail_msg("got \"%.*s\", want \"%s\"", (int)n, p, want);
}

static void test_common_and_combined(void **st) {
    (void)st;
    char err[256];
    log_format *f = logfmt_compile("auto", err, sizeof err);
    log_rec r;
    assert_true(parse(f, "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif?x=1 HTTP/1.0\" 200 2326",
                      &r));
    str_eq(r.host, r.host_len, "127.0.0.1");
    str_eq(r.method, r.method_len, "GET");
    str_eq(r.path, r.path_len, "/apache_pb.gif");
    assert_int_equal(r.status, 200);
    assert_int_equal(r.bytes, 2326);
    assert_int_equal(r.ts_ms, T0 + 7 * 3600 * 1000);
    /* Combined: referer and agent follow, ignored; "-" bytes; \r\n endings */
    assert_true(parse(f, "10.0.0.2 - - [10/Oct/2000:13:55:36 +0000] \"POST /pages/create HTTP/1.1\" 304 - "
                         "\"http://x/\" \"Mozilla/5.0 (X11)\"\r",
                      &r));
    assert_int_equal(r.ts_ms, T0);
    assert_int_equal(r.bytes, -1);
    assert_int_equal(r.status, 304);
    assert_int_equal(log_section(r.path, r.path_len), 6);
    /* a request line that never came, as Apache writes a 408 */
    assert_true(parse(f, "10.0.0.3 - - [10/Oct/2000:13:55:36 +0000] \"-\" 408 0", &r));
    assert_int_equal(r.method_len, 0);
    const char *bad[] = {"", "garbage", "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 2x0 5",
                         "10.0.0.1 - - [32/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5",
                         "10.0.0.1 - - [10/Foo/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5",
                         "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1 200 5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (parse(f, bad[i], &r)) fail_msg("accepted: %s", bad[i]);
    logfmt_free(f);
}

static void test_custom_formats(void **st) {
    (void)st;
    char err[256];
    log_rec r;
    log_format *f = logfmt_compile("$remote_addr [$time_iso8601] $request_method $request_uri $status "
                                   "$body_bytes_sent rt=$request_time",
                                   err, sizeof err);
    assert_non_null(f);
    assert_true(parse(f, "1.2.3.4 [2000-10-10T13:55:36+00:00] PUT /api/v1/x?y 201 17 rt=0.250", &r));
    assert_int_equal(r.ts_ms, T0);
    str_eq(r.path, r.path_len, "/api/v1/x");
    assert_float_equal(r.latency_ms, 250, 1e-9);
    logfmt_free(f);
    f = logfmt_compile("%h %l %u %t \"%r\" %>s %b %D", err, sizeof err); /* Apache, with microseconds */
    assert_non_null(f);
    assert_true(parse(f, "5.6.7.8 - - [10/Oct/2000:13:55:36 +0000] \"GET /a HTTP/1.1\" 500 10 1500", &r));
    assert_int_equal(r.status, 500);
    assert_float_equal(r.latency_ms, 1.5, 1e-9);
    assert_int_equal(r.ts_ms, T0);
    logfmt_free(f);
    f = logfmt_compile("$msec $status", err, sizeof err); /* nginx: seconds with milliseconds */
    assert_non_null(f);
    assert_true(parse(f, "971186136.250 200", &r));
    assert_int_equal(r.ts_ms, T0 + 250);
    assert_false(parse(f, "44444444444444444444444 200", &r)); /* past int64's milliseconds (fuzz_logfmt) */
    logfmt_free(f);
    assert_null(logfmt_compile("$remote_addr$status", err, sizeof err)); /* no way to tell them apart */
    assert_non_null(strstr(err, "nothing between"));
    assert_null(logfmt_compile("%h %Z", err, sizeof err));
    assert_non_null(strstr(err, "%Z"));
    assert_null(logfmt_compile("plain", err, sizeof err));
}

static void test_json_lines(void **st) {
    (void)st;
    char err[256];
    log_rec r;
    log_format *f = logfmt_compile("auto", err, sizeof err);
    /* Caddy */
    assert_true(parse(f, "{\"level\":\"info\",\"ts\":971186136.5,\"request\":{\"remote_ip\":\"9.9.9.9\",\"method\":"
                         "\"GET\",\"host\":\"x\",\"uri\":\"/docs/a?b\"},\"status\":404,\"size\":12,\"duration\":0.004}",
                      &r));
    assert_int_equal(r.ts_ms, T0 + 500);
    str_eq(r.host, r.host_len, "9.9.9.9");
    str_eq(r.path, r.path_len, "/docs/a");
    assert_int_equal(r.status, 404);
    assert_int_equal(r.bytes, 12);
    assert_float_equal(r.latency_ms, 4, 1e-9);
    /* Traefik */
    assert_true(parse(f, "{\"ClientHost\":\"8.8.8.8\",\"RequestMethod\":\"POST\",\"RequestPath\":\"/login\","
                         "\"DownstreamStatus\":302,\"DownstreamContentSize\":0,\"Duration\":2000000,"
                         "\"StartUTC\":\"2000-10-10T13:55:36Z\"}",
                      &r));
    assert_int_equal(r.ts_ms, T0);
    str_eq(r.method, r.method_len, "POST");
    assert_int_equal(r.status, 302);
    assert_float_equal(r.latency_ms, 2, 1e-9);
    assert_false(parse(f, "{\"msg\":\"started\"}", &r));
    assert_false(parse(f, "{broken", &r));
    logfmt_free(f);
}

static log_rec rec(const char *path, const char *host, int status, int64_t bytes) {
    log_rec r = {INT64_MIN, host, "GET", path, strlen(host), 3, strlen(path), status, bytes, 0.0 / 0.0};
    return r;
}

static void test_window(void **st) {
    (void)st;
    glance_win *w = win_new(10);
    win_summary s;
    for (int sec = 0; sec < 10; sec++) /* 2 a second for 10 s */
        for (int i = 0; i < 2; i++) {
            log_rec r = rec(i ? "/pages/a" : "/api/x", i ? "h1" : "h2", i ? 200 : 503, 100);
            win_add(w, &r, T0 + sec * 1000);
        }
    win_summarize(w, 5, 0, &s); /* the second being counted is left out: 9 complete ones */
    assert_int_equal(s.requests, 18);
    win_advance(w, T0 + 10 * 1000);
    win_summarize(w, 5, 0, &s);
    assert_int_equal(s.requests, 20);
    assert_float_equal(s.req_s, 2, 1e-12);
    assert_float_equal(s.bytes_s, 200, 1e-12);
    assert_int_equal(s.status[ST_2XX], 10);
    assert_int_equal(s.status[ST_5XX], 10);
    assert_int_equal(s.nsections, 2);
    assert_string_equal(s.sections[0].key, "/api"); /* a tie: by name */
    assert_int_equal(s.sections[0].hits, 10);
    assert_int_equal(s.spark[WIN_SPARK - 1], 2);
    /* five seconds later half the window is gone */
    win_advance(w, T0 + 15 * 1000);
    win_summarize(w, 5, 0, &s);
    assert_int_equal(s.requests, 10);
    assert_int_equal(s.sections[0].hits, 5);
    /* a record older than the window counts in the total only */
    log_rec old = rec("/old", "h9", 200, 1);
    win_add(w, &old, T0);
    win_summarize(w, 5, 0, &s);
    assert_int_equal(s.requests, 10);
    assert_int_equal(s.total, 21);
    /* long after: empty; many distinct keys come and go without the table growing for ever */
    for (int i = 0; i < 5000; i++) {
        char host[32];
        snprintf(host, sizeof host, "10.0.%d.%d", i / 250, i % 250);
        log_rec r = rec("/x", host, 200, 1);
        win_add(w, &r, T0 + 100000 + (int64_t)i * 100);
    }
    win_advance(w, T0 + 1000000);
    win_summarize(w, 5, 0, &s);
    assert_int_equal(s.requests, 0);
    assert_int_equal(s.nhosts, 0);
    log_rec r = rec("/y", "late", 200, 1);
    win_add(w, &r, T0 + 1000000);
    win_advance(w, T0 + 1001000);
    win_summarize(w, 5, 1, &s);
    assert_int_equal(s.nhosts, 1);
    assert_string_equal(s.hosts[0].key, "late");
    win_free(w);
}

static void test_alert(void **st) {
    (void)st;
    glance_alert *a = alert_new(120, 10);
    char msg[256];
    double v;
    int64_t at;
    int fired = 0, recovered = 0;
    /* 12 req/s: the 2-minute average passes 10 after 100 s */
    int64_t t = T0;
    for (int sec = 0; sec < 200; sec++, t += 1000) {
        int d;
        while ((d = alert_advance(a, t, msg, sizeof msg, &v, &at))) {
            if (d > 0) {
                fired++;
                assert_int_equal(sec, 101); /* judged when second 100 is complete: 101 x 12 / 120 > 10 */
                assert_string_equal(msg, "High traffic generated an alert - hits = 10.10, triggered at "
                                         "2000-10-10T13:57:17Z");
            }
        }
        for (int i = 0; i < 12; i++) alert_hit(a, t);
    }
    assert_int_equal(fired, 1);
    assert_true(alert_firing(a));
    /* silence: it recovers once the average is back at or below 10 */
    for (int sec = 0; sec < 60; sec++, t += 1000) {
        int d;
        while ((d = alert_advance(a, t, msg, sizeof msg, &v, &at)))
            if (d < 0) {
                recovered++;
                assert_true(v <= 10);
                assert_non_null(strstr(msg, "Traffic recovered - hits = 10.00, recovered at "));
            }
    }
    assert_int_equal(recovered, 1);
    assert_false(alert_firing(a));
    /* a burst after an hour of nothing fires again */
    t += 3600 * 1000;
    int again = 0;
    for (int sec = 0; sec < 130; sec++, t += 1000) {
        int d;
        while ((d = alert_advance(a, t, msg, sizeof msg, &v, &at))) again += d > 0;
        for (int i = 0; i < 30; i++) alert_hit(a, t);
    }
    assert_int_equal(again, 1);
    alert_free(a);
}

/* ---- following ---- */

static void append(const char *path, const char *text) {
    FILE *f = fopen(path, "a");
    fputs(text, f);
    fclose(f);
}

static int next(log_follow *f, char *out, size_t cap) {
    const char *p;
    size_t n;
    int r = follow_line(f, &p, &n);
    if (r == 1) snprintf(out, cap, "%.*s", (int)n, p);
    return r;
}

static void test_follow_rotation(void **st) {
    (void)st;
    char dir[] = "/tmp/tm-follow.XXXXXX", path[64], moved[64], line[128], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/access.log", dir);
    snprintf(moved, sizeof moved, "%s/access.log.1", dir);
    append(path, "one\ntwo\nthr");
    log_follow *f = follow_open(path, 0, NULL, NULL, -1, 0, err, sizeof err);
    assert_non_null(f);
    assert_int_equal(next(f, line, sizeof line), 1);
    assert_string_equal(line, "one");
    assert_int_equal(next(f, line, sizeof line), 1);
    assert_string_equal(line, "two");
    assert_int_equal(next(f, line, sizeof line), 0); /* half a line: wait for the rest */
    append(path, "ee\n");
    assert_int_equal(next(f, line, sizeof line), 1);
    assert_string_equal(line, "three");
    /* logrotate's rename: what the old file still got, then the new file from its start */
    append(path, "four\n");
    assert_int_equal(rename(path, moved), 0);
    append(path, "five\n");
    assert_int_equal(next(f, line, sizeof line), 1);
    assert_string_equal(line, "four");
    assert_int_equal(next(f, line, sizeof line), 1);
    assert_string_equal(line, "five");
    int64_t off = follow_offset(f);
    uint64_t ino = follow_inode(f);
    /* copytruncate: cut in place, written again */
    assert_int_equal(truncate(path, 0), 0);
    append(path, "six\n");
    assert_int_equal(next(f, line, sizeof line), 1);
    assert_string_equal(line, "six");
    assert_int_equal(next(f, line, sizeof line), 0);
    follow_close(f);
    /* a restart resumes where it was, in the same file */
    append(path, "seven\n");
    f = follow_open(path, 0, NULL, NULL, 4, ino, err, sizeof err);
    assert_int_equal(next(f, line, sizeof line), 1);
    assert_string_equal(line, "seven");
    follow_close(f);
    (void)off;
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static int64_t num_time(void *arg, const char *line, size_t n) {
    (void)arg;
    char b[32];
    snprintf(b, sizeof b, "%.*s", (int)(n < 31 ? n : 31), line);
    return atoll(b) * 1000;
}

static void test_follow_seek_back(void **st) {
    (void)st;
    char path[] = "/tmp/tm-seek.XXXXXX", line[128], err[256];
    int fd = mkstemp(path);
    FILE *out = fdopen(fd, "w");
    for (int i = 0; i < 200000; i++) fprintf(out, "%d some padding to make the file a few megabytes long\n", i);
    fclose(out);
    /* only the last 100 "seconds" are wanted */
    log_follow *f = follow_open(path, 100 * 1000, num_time, NULL, -1, 0, err, sizeof err);
    assert_int_equal(next(f, line, sizeof line), 1);
    int first = atoi(line);
    assert_true(first <= 199899 && first > 199899 - 2000); /* at most a read block before the window */
    int n = 1;
    while (next(f, line, sizeof line) == 1) n++;
    assert_int_equal(atoi(line), 199999);
    assert_int_equal(n, 200000 - first);
    follow_close(f);
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_and_combined), cmocka_unit_test(test_custom_formats),
        cmocka_unit_test(test_json_lines),          cmocka_unit_test(test_window),
        cmocka_unit_test(test_alert),               cmocka_unit_test(test_follow_rotation),
        cmocka_unit_test(test_follow_seek_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
