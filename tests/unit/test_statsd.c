/* Unit tests: the StatsD parser (every line form, every error) and the
 * aggregator (Etsy statsd's numbers, exactly). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/statsd.h"
#include "ingest/statsd_agg.h"
#include "testutil.h"

/* ---- parser: events captured as text ---- */

#define MAXEV 128
typedef struct {
    char key[STATSD_KEY_MAX + 1];
    int kind, delta;
    double value, rate;
    char member[64];
    size_t line;
} ev_copy;

static ev_copy EV[MAXEV];
static size_t NEV;
static const char *refuse_key; /* events of this key are refused */

static const char *capture(void *ctx, const statsd_event *e) {
    (void)ctx;
    if (refuse_key && e->klen == strlen(refuse_key) && !memcmp(e->key, refuse_key, e->klen)) return "refused here";
    assert_true(NEV < MAXEV);
    ev_copy *c = &EV[NEV++];
    memcpy(c->key, e->key, e->klen);
    c->key[e->klen] = 0;
    c->kind = e->kind;
    c->delta = e->delta;
    c->value = e->value;
    c->rate = e->rate;
    c->member[0] = 0;
    if (e->kind == SD_SET) snprintf(c->member, sizeof c->member, "%.*s", (int)e->mlen, e->member);
    c->line = e->line;
    return NULL;
}

static int setup(void **st) {
    NEV = 0;
    refuse_key = NULL;
    return batch_setup(st);
}

static void parse(const char *s) { statsd_parse(s, strlen(s), 1, &B, capture, NULL); }

static void ev_is(size_t i, const char *key, int kind, double v, double rate) {
    assert_true(i < NEV);
    assert_string_equal(EV[i].key, key);
    assert_int_equal(EV[i].kind, kind);
    assert_true(EV[i].value == v);
    assert_true(EV[i].rate == rate);
}

/* One line, one error: message contains want, at line 1, nothing emitted. */
static void bad(const char *line, const char *want) {
    NEV = 0;
    batch_reset(&B);
    parse(line);
    if (B.nerr != 1 || !strstr(B.err, want))
        fail_msg("'%.80s': got %zu error(s) '%s', want '%s'", line, B.nerr, B.err, want);
    assert_int_equal(B.err_line, 1);
    assert_int_equal(NEV, 0);
}

static void test_types(void **st) {
    (void)st;
    parse("gorets:1|c\nglork:320|ms\ngaugor:333|g\nuniques:765|s\nhist:10.000000|h\ndist:2.5|d\nt:10.000000|ms");
    assert_int_equal(B.nerr, 0);
    assert_int_equal(NEV, 7);
    ev_is(0, "gorets", SD_COUNTER, 1, 1);
    ev_is(1, "glork", SD_TIMER, 320, 1);
    ev_is(2, "gaugor", SD_GAUGE, 333, 1);
    assert_int_equal(EV[2].delta, 0);
    assert_int_equal(EV[3].kind, SD_SET);
    assert_string_equal(EV[3].member, "765");
    ev_is(4, "hist", SD_TIMER, 10, 1);
    ev_is(5, "dist", SD_TIMER, 2.5, 1);
    ev_is(6, "t", SD_TIMER, 10, 1);
    for (size_t i = 0; i < NEV; i++) assert_int_equal(EV[i].line, i + 1);
}

static void test_rates_and_gauge_signs(void **st) {
    (void)st;
    parse("c:2|c|@0.1\nt:5|ms|@0.25\ng:+4|g\ng:-4.5|g\ng:0|g\nc:-3|c\nc:+3|c|@1\ng:1e3|g");
    assert_int_equal(B.nerr, 0);
    assert_int_equal(NEV, 8);
    ev_is(0, "c", SD_COUNTER, 2, 0.1);
    ev_is(1, "t", SD_TIMER, 5, 0.25);
    ev_is(2, "g", SD_GAUGE, 4, 1);
    assert_int_equal(EV[2].delta, 1);
    ev_is(3, "g", SD_GAUGE, -4.5, 1);
    assert_int_equal(EV[3].delta, 1);
    assert_int_equal(EV[4].delta, 0);
    ev_is(5, "c", SD_COUNTER, -3, 1);
    ev_is(6, "c", SD_COUNTER, 3, 1);
    ev_is(7, "g", SD_GAUGE, 1000, 1);
    assert_int_equal(EV[7].delta, 0);
}

static void test_tags(void **st) {
    (void)st;
    parse("req:1|c|#env:prod,az:eu-1\n"
          "req:1|c|@0.5|#az:eu-1,env:prod\n"
          "req:1|c|#canary\n"
          "req;dc=x.y:1|c|#env:prod\n"
          "u:1|c|#url:http://a/b,,\n"
          "dog:1|c|#env:a|c:container123|T1656581400\n");
    assert_int_equal(B.nerr, 0);
    assert_int_equal(NEV, 6);
    ev_is(0, "req;az=eu-1;env=prod", SD_COUNTER, 1, 1);
    ev_is(1, "req;az=eu-1;env=prod", SD_COUNTER, 1, 0.5);
    ev_is(2, "req;canary=true", SD_COUNTER, 1, 1);
    ev_is(3, "req;dc=x.y;env=prod", SD_COUNTER, 1, 1);
    ev_is(4, "u;url=http://a/b", SD_COUNTER, 1, 1);
    ev_is(5, "dog;env=a", SD_COUNTER, 1, 1);
}

static void test_many_values(void **st) {
    (void)st;
    parse("a:1|c:2|ms:3|g\nb:1:2:3|h|@0.5\nc:4|c|@0.1:5|c\nset:x:y|s\n");
    assert_int_equal(B.nerr, 0);
    assert_int_equal(NEV, 10);
    ev_is(0, "a", SD_COUNTER, 1, 1);
    ev_is(1, "a", SD_TIMER, 2, 1);
    ev_is(2, "a", SD_GAUGE, 3, 1);
    ev_is(3, "b", SD_TIMER, 1, 0.5);
    ev_is(4, "b", SD_TIMER, 2, 0.5);
    ev_is(5, "b", SD_TIMER, 3, 0.5);
    ev_is(6, "c", SD_COUNTER, 4, 0.1);
    ev_is(7, "c", SD_COUNTER, 5, 1);
    assert_string_equal(EV[8].member, "x"); /* members cannot hold ':' */
    assert_string_equal(EV[9].member, "y");
}

static void test_lines_and_names(void **st) {
    (void)st;
    parse("\r\n  a b/c:1|c  \r\n\n\tx  \t y:2|c\r\nset:|s\nctl\x01name:3|c\nutf.\xc3\xa9:4|c");
    assert_int_equal(B.nerr, 0);
    assert_int_equal(NEV, 5);
    ev_is(0, "a_b-c", SD_COUNTER, 1, 1);
    assert_int_equal(EV[0].line, 2);
    ev_is(1, "x_y", SD_COUNTER, 2, 1);
    assert_int_equal(EV[1].line, 4);
    assert_string_equal(EV[2].member, "0"); /* Etsy: an empty member is "0" */
    ev_is(3, "ctlname", SD_COUNTER, 3, 1);
    ev_is(4, "utf.\xc3\xa9", SD_COUNTER, 4, 1);
}

static void test_errors(void **st) {
    (void)st;
    bad("justaname", "expected 'name:value|type'");
    bad("a|c:1", "expected 'name:value|type'");
    bad("a:1", "missing '|type'");
    bad("a:1|x", "unknown type 'x'");
    bad("a:1|", "unknown type ''");
    bad("a:1|C", "unknown type 'C'");
    bad("a:abc|c", "bad value 'abc'");
    bad("a:|c", "bad value ''");
    bad("a:1x|ms", "bad value '1x'");
    bad("a:nan|g", "bad value 'nan'");
    bad("a:inf|c", "bad value 'inf'");
    bad("a:1e999|c", "bad value '1e999'");
    bad("a:0x10|c", "bad value '0x10'");
    bad("a:1|c|@0", "bad sample rate '@0'");
    bad("a:1|c|@-0.5", "bad sample rate");
    bad("a:1|c|@", "bad sample rate");
    bad("a:1|c|@x", "bad sample rate");
    bad("a:1|c|zz", "unknown field 'zz'");
    bad("a:1|c||", "unknown field ''");
    bad("a:1|c|#a:b|#c:d", "more than one tag field");
    bad(":1|c", "empty name");
    bad("\x01:1|c", "empty name");
    bad("a;b:1|c", "tag in the name without '='");
    bad("a:1|c|#k:", "empty tag value");
    bad("a:1|c|#:v", "empty tag key");
    bad("a:1|c|#k b:v", "bad character in tag key"); /* values keep blanks (batch.h), keys cannot */
    bad("_e{5,4}:title|text", "events and service checks");
    bad("_sc|name|0", "events and service checks");
    bad("a:1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19:20:21:22:23:24:25:26:27:28:29:30:31:32:33:34:35:36:37:38:"
        "39:40:41:42:43:44:45:46:47:48:49:50:51:52:53:54:55:56:57:58:59:60:61:62:63:64:65|h",
        "too many values");
    bad("a:1:x|h", "bad value 'x'"); /* one bad value drops the whole line */
    char big[STATSD_LINE_MAX + 16];
    memset(big, 'a', sizeof big);
    memcpy(big + sizeof big - 5, ":1|c", 5);
    bad(big, "line longer than 4096");
    char longkey[STATSD_KEY_MAX + 16];
    memset(longkey, 'k', sizeof longkey);
    memcpy(longkey + sizeof longkey - 5, ":1|c", 5);
    bad(longkey, "name and tags longer than");
}

static void test_good_kept_around_bad(void **st) {
    (void)st;
    parse("a:1|c\nbroken\nb:2|c\nc:x|c\nd:4|g\n");
    assert_int_equal(NEV, 3);
    ev_is(0, "a", SD_COUNTER, 1, 1);
    ev_is(1, "b", SD_COUNTER, 2, 1);
    ev_is(2, "d", SD_GAUGE, 4, 1);
    assert_int_equal(B.nerr, 2);
    assert_int_equal(B.err_line, 2);
    /* line numbers continue from first_line (a TCP stream) */
    batch_reset(&B);
    statsd_parse("x:1|c\ny", 7, 41, &B, capture, NULL);
    assert_int_equal(B.err_line, 42);
}

static void test_refused_by_callback(void **st) {
    (void)st;
    refuse_key = "no";
    parse("yes:1|c\nno:1|c\nyes:2|c");
    assert_int_equal(NEV, 2);
    assert_int_equal(B.nerr, 1);
    assert_int_equal(B.err_line, 2);
    assert_string_equal(B.err, "refused here");
}

/* ---- aggregator: flush results looked up by series key ---- */

static statsd_agg *A;

static int agg_setup(void **st) {
    setup(st);
    A = statsd_agg_new(0, 0);
    return 0;
}
static int agg_teardown(void **st) {
    statsd_agg_free(A);
    return batch_teardown(st);
}

static void feed(const char *s) {
    statsd_parse(s, strlen(s), 1, &B, statsd_agg_event, A);
    assert_int_equal(B.nerr, 0);
}

static size_t flush_at(int64_t ts, int64_t interval) {
    batch_reset(&B);
    size_t n = statsd_agg_flush(A, ts, interval, &B);
    assert_int_equal(n, B.n);
    for (size_t i = 0; i < B.n; i++) {
        assert_true(B.s[i].ts == ts);
        assert_int_equal(B.s[i].type, TM_NUMBER);
    }
    return n;
}

static const tm_sample *find(const char *key) {
    for (size_t i = 0; i < B.n; i++)
        if (B.s[i].key_len == strlen(key) && !memcmp(batch_key(&B, &B.s[i]), key, B.s[i].key_len)) return &B.s[i];
    return NULL;
}

static void val_is(const char *key, double want) {
    const tm_sample *s = find(key);
    if (!s) fail_msg("no sample for %s", key);
    if (memcmp(&s->v, &want, sizeof want) && !(s->v == 0 && want == 0))
        fail_msg("%s = %.17g, want %.17g", key, s->v, want);
}

static void test_counters(void **st) {
    (void)st;
    feed("hits:1|c\nhits:2|c|@0.1\nhits:3|c|@0.5\nhits:-1|c\nother:7|c");
    assert_int_equal(statsd_agg_metrics(A), 2);
    assert_int_equal(flush_at(1000, 10000), 4);
    double want = 1 * (1 / 1.0) + 2 * (1 / 0.1) + 3 * (1 / 0.5) + -1 * (1 / 1.0);
    assert_true(want == 26);
    val_is("stats.counters.hits.count", 26);
    val_is("stats.counters.hits.rate", 2.6);
    val_is("stats.counters.other.count", 7);
    val_is("stats.counters.other.rate", 7 / (10000 / 1000.0));
    /* idle: sent as 0, as Etsy does by default */
    assert_int_equal(flush_at(2000, 10000), 4);
    val_is("stats.counters.hits.count", 0);
    val_is("stats.counters.hits.rate", 0);
    /* a sub-second interval still divides by seconds */
    feed("hits:3|c");
    flush_at(3000, 500);
    val_is("stats.counters.hits.rate", 6);
}

static void test_gauges(void **st) {
    (void)st;
    feed("g:5|g\ng:+3|g\ng:-10|g\nneg:0|g\nneg:-7|g\nfresh:-2|g\nfresh2:+2|g");
    flush_at(1000, 1000);
    val_is("stats.gauges.g", -2);
    val_is("stats.gauges.neg", -7); /* how clients send a negative gauge */
    val_is("stats.gauges.fresh", -2);
    val_is("stats.gauges.fresh2", 2);
    /* gauges persist across flushes */
    flush_at(2000, 1000);
    val_is("stats.gauges.g", -2);
    val_is("stats.gauges.neg", -7);
    feed("neg:+2.5|g\ng:4|g");
    flush_at(3000, 1000);
    val_is("stats.gauges.neg", -4.5);
    val_is("stats.gauges.g", 4);
    /* a sample rate does not scale a gauge */
    feed("g:10|g|@0.1");
    flush_at(4000, 1000);
    val_is("stats.gauges.g", 10);
}

static void timer_is(const char *name, double count, double ps, double lower, double upper, double mean,
                     double median, double sum, double sumsq, double std) {
    char k[256];
#define T(suffix, v)                                                     \
    snprintf(k, sizeof k, "stats.timers.%s." suffix, name);            \
    val_is(k, v)
    T("count", count);
    T("count_ps", ps);
    T("lower", lower);
    T("upper", upper);
    T("mean", mean);
    T("median", median);
    T("sum", sum);
    T("sum_squares", sumsq);
    T("std", std);
}

static void pct_is(const char *name, double n90, double upper90, double sum90, double sumsq90) {
    char k[256];
    T("count_90", n90);
    T("upper_90", upper90);
    T("sum_90", sum90);
    T("mean_90", sum90 / n90);
    T("sum_squares_90", sumsq90);
#undef T
}

/* Etsy's std, operation for operation, over sorted values */
static double etsy_std(const double *v, size_t n) {
    double sum = v[0], diffs = 0;
    for (size_t i = 1; i < n; i++) sum = v[i] + sum;
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++) diffs += (v[i] - mean) * (v[i] - mean);
    return sqrt(diffs / (double)n);
}

static void test_timers(void **st) {
    (void)st;
    /* 1..10 shuffled: 90% of 10 keeps 9 values */
    feed("ten:7|ms\nten:3|ms\nten:10|ms\nten:1|ms\nten:5|ms\nten:9|ms\nten:2|ms\nten:8|ms\nten:6|ms\nten:4|ms");
    /* the classic std example: mean 5, std 2; 90% of 8 = 7.2 -> 7 */
    feed("std:2|ms\nstd:4|ms\nstd:4|ms\nstd:4|ms\nstd:5|ms\nstd:5|ms\nstd:7|ms\nstd:9|ms");
    /* 90% of 5 = 4.5: Etsy's Math.round goes up, so all 5 */
    feed("five:3|ms\nfive:1|ms\nfive:4|ms\nfive:1|ms\nfive:5|ms");
    /* 90% of 7 = 6.3 -> 6 */
    feed("seven:70|ms\nseven:10|ms\nseven:60|ms\nseven:20|ms\nseven:50|ms\nseven:30|ms\nseven:40|ms");
    feed("one:10.000000|ms");
    feed("rated:4|ms|@0.1\nrated:2|ms|@0.1\nrated:6|ms|@0.1");
    feed("h:1.5|h\nh:2.5|h");
    flush_at(5000, 10000);
    timer_is("ten", 10, 1, 1, 10, 5.5, 5.5, 55, 385, sqrt(82.5 / 10));
    pct_is("ten", 9, 9, 45, 285);
    timer_is("std", 8, 0.8, 2, 9, 5, 4.5, 40, 232, 2);
    pct_is("std", 7, 7, 31, 151);
    timer_is("five", 5, 0.5, 1, 5, 14 / 5.0, 3, 14, 52, etsy_std((double[]){1, 1, 3, 4, 5}, 5));
    pct_is("five", 5, 5, 14, 52);
    timer_is("seven", 7, 0.7, 10, 70, 40, 40, 280, 14000, 20);
    pct_is("seven", 6, 60, 210, 9100);
    timer_is("one", 1, 0.1, 10, 10, 10, 10, 10, 100, 0);
    pct_is("one", 1, 10, 10, 100);
    timer_is("rated", 30, 3, 2, 6, 4, 4, 12, 56, sqrt(8 / 3.0));
    pct_is("rated", 3, 6, 12, 56);
    timer_is("h", 2, 0.2, 1.5, 2.5, 2, 2, 4, 8.5, 0.5);
    pct_is("h", 2, 2.5, 4, 8.5);
    /* idle timers: only count and count_ps, both 0 */
    size_t n = flush_at(6000, 10000);
    assert_int_equal(n, 7 * 2);
    val_is("stats.timers.ten.count", 0);
    val_is("stats.timers.ten.count_ps", 0);
    assert_null(find("stats.timers.ten.upper"));
    assert_null(find("stats.timers.ten.upper_90"));
}

static void test_timer_regrowth(void **st) {
    (void)st;
    char line[32];
    for (int i = 5000; i >= 1; i--) {
        snprintf(line, sizeof line, "big:%d|ms", i);
        feed(line);
    }
    flush_at(1000, 1000);
    val_is("stats.timers.big.count", 5000);
    val_is("stats.timers.big.upper_90", 4500);
    val_is("stats.timers.big.median", 2500.5);
    val_is("stats.timers.big.sum", 5000.0 * 5001 / 2);
    feed("big:3|ms");
    flush_at(2000, 1000); /* the burst's storage is given back */
    val_is("stats.timers.big.count", 1);
    val_is("stats.timers.big.upper_90", 3);
    feed("big:4|ms\nbig:2|ms");
    flush_at(3000, 1000);
    val_is("stats.timers.big.count", 2);
    val_is("stats.timers.big.lower", 2);
}

static void test_sets(void **st) {
    (void)st;
    feed("u:alice|s\nu:bob|s\nu:alice|s\nu:carol|s|@0.1\nu:12|s\nu:12.0|s");
    flush_at(1000, 1000);
    val_is("stats.sets.u.count", 5); /* members are strings: "12" and "12.0" differ */
    flush_at(2000, 1000);
    val_is("stats.sets.u.count", 0);
    feed("u:bob|s");
    flush_at(3000, 1000);
    val_is("stats.sets.u.count", 1);
    char line[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(line, sizeof line, "many:m%d|s\nmany:m%d|s", i, i / 2);
        feed(line);
    }
    flush_at(4000, 1000);
    val_is("stats.sets.many.count", 3000);
    feed("many:x|s");
    flush_at(5000, 1000);
    val_is("stats.sets.many.count", 1);
}

static void test_tags_and_kinds_apart(void **st) {
    (void)st;
    feed("req:1|c|#env:prod\nreq:2|c|#env:dev\nreq:4|c\nreq:8|c|#env:prod\nreq:5|g\nreq;env=prod:3|ms|#az:b");
    assert_int_equal(statsd_agg_metrics(A), 5);
    flush_at(1000, 1000);
    val_is("stats.counters.req.count;env=prod", 9);
    val_is("stats.counters.req.rate;env=prod", 9);
    val_is("stats.counters.req.count;env=dev", 2);
    val_is("stats.counters.req.count", 4);
    val_is("stats.gauges.req", 5);
    val_is("stats.timers.req.upper_90;az=b;env=prod", 3);
}

static void test_limits(void **st) {
    (void)st;
    statsd_agg_free(A);
    A = statsd_agg_new(3, 4);
    const char *in = "a:1|c\nb:1|c\nc:1|ms\nd:1|c\na:1|c\nc:2|ms\nc:3|ms\nc:4|ms\nc:5|ms\ne:1|s\nc:6|ms";
    statsd_parse(in, strlen(in), 1, &B, statsd_agg_event, A);
    assert_int_equal(statsd_agg_metrics(A), 3);
    assert_int_equal(B.nerr, 4); /* d, then c:5, e and c:6 past the value budget */
    assert_int_equal(B.err_line, 4);
    assert_string_equal(B.err, "more than 3 distinct StatsD metrics");
    flush_at(1000, 1000);
    val_is("stats.counters.a.count", 2);
    val_is("stats.timers.c.count", 4); /* the 5th and 6th values were refused */
    assert_null(find("stats.counters.d.count"));
    /* the value budget is per interval */
    batch_reset(&B);
    feed("c:9|ms");
    flush_at(2000, 1000);
    val_is("stats.timers.c.upper", 9);
    /* a known set member costs nothing more */
    statsd_agg_free(A);
    A = statsd_agg_new(0, 2);
    feed("s:a|s\ns:b|s\ns:a|s\ns:b|s");
    batch_reset(&B);
    statsd_parse("s:c|s", 5, 1, &B, statsd_agg_event, A);
    assert_int_equal(B.nerr, 1);
    assert_string_equal(B.err, "more than 2 timer values and set members in one flush interval");
    assert_int_equal(statsd_agg_events(A), 4);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_types, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_rates_and_gauge_signs, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_tags, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_many_values, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_lines_and_names, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_good_kept_around_bad, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_refused_by_callback, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_counters, agg_setup, agg_teardown),
        cmocka_unit_test_setup_teardown(test_gauges, agg_setup, agg_teardown),
        cmocka_unit_test_setup_teardown(test_timers, agg_setup, agg_teardown),
        cmocka_unit_test_setup_teardown(test_timer_regrowth, agg_setup, agg_teardown),
        cmocka_unit_test_setup_teardown(test_sets, agg_setup, agg_teardown),
        cmocka_unit_test_setup_teardown(test_tags_and_kinds_apart, agg_setup, agg_teardown),
        cmocka_unit_test_setup_teardown(test_limits, agg_setup, agg_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
