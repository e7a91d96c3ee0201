/* Unit tests: Prometheus remote write bodies, built here with the generated
 * protobuf-c code and snappy_compress as Prometheus would send them. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <snappy-c.h>

#include "ingest/promwrite.h"
#include "remote.pb-c.h"
#include "testutil.h"

static tm_pw_stats ST;

static int setup(void **st) {
    memset(&ST, 0, sizeof ST);
    return batch_setup(st);
}

/* One TimeSeries: NULL-terminated name/value pairs and its samples. */
typedef struct {
    const char *const *lab;
    const double *v;
    const int64_t *t;
    size_t ns;
} spec;

static Prometheus__TimeSeries *make_series(const spec *sp) {
    Prometheus__TimeSeries *ts = malloc(sizeof *ts);
    prometheus__time_series__init(ts);
    size_t nl = 0;
    while (sp->lab && sp->lab[2 * nl]) nl++;
    ts->n_labels = nl;
    ts->labels = calloc(nl + 1, sizeof *ts->labels);
    for (size_t i = 0; i < nl; i++) {
        Prometheus__Label *l = malloc(sizeof *l);
        prometheus__label__init(l);
        l->name = (char *)sp->lab[2 * i];
        l->value = (char *)sp->lab[2 * i + 1];
        ts->labels[i] = l;
    }
    ts->n_samples = sp->ns;
    ts->samples = calloc(sp->ns + 1, sizeof *ts->samples);
    for (size_t i = 0; i < sp->ns; i++) {
        Prometheus__Sample *s = malloc(sizeof *s);
        prometheus__sample__init(s);
        s->value = sp->v[i];
        s->timestamp = sp->t[i];
        ts->samples[i] = s;
    }
    return ts;
}

static void free_series(Prometheus__TimeSeries *ts) {
    for (size_t i = 0; i < ts->n_labels; i++) free(ts->labels[i]);
    for (size_t i = 0; i < ts->n_samples; i++) free(ts->samples[i]);
    free(ts->labels);
    free(ts->samples);
    free(ts);
}

/* A serialized WriteRequest of n series and nmeta metadata entries. */
static uint8_t *pack(const spec *sp, size_t n, size_t nmeta, size_t *len) {
    Prometheus__WriteRequest wr = PROMETHEUS__WRITE_REQUEST__INIT;
    wr.n_timeseries = n;
    wr.timeseries = calloc(n + 1, sizeof *wr.timeseries);
    for (size_t i = 0; i < n; i++) wr.timeseries[i] = make_series(&sp[i]);
    Prometheus__MetricMetadata *md = calloc(nmeta + 1, sizeof *md);
    wr.n_metadata = nmeta;
    wr.metadata = calloc(nmeta + 1, sizeof *wr.metadata);
    for (size_t i = 0; i < nmeta; i++) {
        prometheus__metric_metadata__init(&md[i]);
        md[i].type = PROMETHEUS__METRIC_METADATA__METRIC_TYPE__COUNTER;
        md[i].metric_family_name = "http_requests_total";
        md[i].help = "Requests served.";
        wr.metadata[i] = &md[i];
    }
    *len = prometheus__write_request__get_packed_size(&wr);
    uint8_t *out = malloc(*len + 1);
    assert_int_equal(prometheus__write_request__pack(&wr, out), *len);
    for (size_t i = 0; i < n; i++) free_series(wr.timeseries[i]);
    free(wr.timeseries);
    free(wr.metadata);
    free(md);
    return out;
}

static char *snap(const void *p, size_t n, size_t *out) {
    size_t cap = snappy_max_compressed_length(n);
    char *c = malloc(cap);
    assert_int_equal(snappy_compress(p, n, c, &cap), SNAPPY_OK);
    *out = cap;
    return c;
}

/* Pack, compress and parse, as the route does. */
static int parse_req(const spec *sp, size_t n, size_t nmeta) {
    size_t len, clen;
    uint8_t *pb = pack(sp, n, nmeta, &len);
    char *body = snap(pb, len, &clen);
    int rc = promwrite_parse(body, clen, &B, &ST);
    free(pb);
    free(body);
    return rc;
}

static const double V1[] = {1};
static const int64_t T1[] = {1700000000123};

/* ---- tests ---- */

static void test_labels_to_key(void **st) {
    (void)st;
    static const char *const a[] = {"job", "prometheus", "__name__", "http_request_duration_seconds_bucket",
                                    "le", "+Inf", "instance", "127.0.0.1:9090", NULL};
    static const char *const b[] = {"__name__", "odd", "path", "/a b;c\td", "empty", "", "k=~", "v=~;", NULL};
    spec sp[] = {{a, V1, T1, 1}, {b, V1, T1, 1}};
    assert_int_equal(parse_req(sp, 2, 0), 0);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 2);
    key_is(0, "http_request_duration_seconds_bucket;instance=127.0.0.1:9090;job=prometheus;le=+Inf");
    /* bad bytes become '_'; '=' and '~' only where a tag key cannot hold them;
     * an empty value is an absent label */
    key_is(1, "odd;k__=v=~\\;;path=/a b\\;c\td"); /* values as sent, ';' escaped in the key */
    assert_int_equal(B.s[0].ts, 1700000000123);
    assert_true(B.s[0].v == 1.0);
    assert_int_equal(B.s[0].type, TM_NUMBER);
    assert_int_equal(B.s[0].line, 1);
    assert_int_equal(B.s[1].line, 2);
    assert_int_equal(ST.series, 2);
    assert_int_equal(ST.samples, 2);
}

static void test_stale_and_nan(void **st) {
    (void)st;
    double stale, qnan = NAN;
    uint64_t bits = 0x7ff0000000000002ULL;
    memcpy(&stale, &bits, sizeof stale);
    static const char *const l[] = {"__name__", "rpc_duration_seconds", "quantile", "0.99", NULL};
    const double v[] = {0.25, stale, qnan, -0.0, 1e300};
    const int64_t t[] = {1000, 2000, 3000, 4000, 5000};
    spec sp[] = {{l, v, t, 5}};
    assert_int_equal(parse_req(sp, 1, 0), 0);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(ST.stale, 1);
    assert_int_equal(B.n, 5); /* the marker is kept, bit for bit: PromQL ends the series there */
    assert_int_equal(B.s[0].ts, 1000);
    assert_int_equal(B.s[1].ts, 2000);
    assert_true(tm_is_stale(B.s[1].v));
    assert_int_equal(B.s[2].ts, 3000);
    assert_true(isnan(B.s[2].v)); /* an ordinary NaN is kept: a value, not a marker */
    assert_false(tm_is_stale(B.s[2].v));
    assert_true(B.s[3].v == 0); /* protobuf-c drops -0.0 as a proto3 default */
    assert_true(B.s[4].v == 1e300);
    /* consecutive samples of one series share their key */
    assert_int_equal(B.s[0].key_off, B.s[3].key_off);
}

static void test_metadata_only(void **st) {
    (void)st;
    assert_int_equal(parse_req(NULL, 0, 3), 0);
    assert_int_equal(B.n, 0);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(ST.metadata, 3);
    assert_int_equal(ST.series, 0);
    /* and an entirely empty WriteRequest (0 bytes before snappy) */
    assert_int_equal(parse_req(NULL, 0, 0), 0);
    assert_int_equal(B.n + B.nerr, 0);
}

static void test_bad_series_alone(void **st) {
    (void)st;
    static const char *const good[] = {"__name__", "up", "job", "a", NULL};
    static const char *const noname[] = {"job", "a", "instance", "x", NULL};
    static const char *const emptyname[] = {"__name__", "", "job", "a", NULL};
    static const char *const emptykey[] = {"__name__", "up", "", "v", NULL};
    static const char *const good2[] = {"__name__", "up", "job", "b", NULL};
    const double v[] = {1, 2};
    const int64_t t[] = {1000, 253402300800001LL}; /* the second is past year 9999 */
    spec sp[] = {{good, V1, T1, 1}, {noname, V1, T1, 1}, {emptyname, V1, T1, 1}, {emptykey, V1, T1, 1},
                 {good2, v, t, 2}};
    assert_int_equal(parse_req(sp, 5, 0), 0);
    assert_int_equal(B.n, 2);
    key_is(0, "up;job=a");
    key_is(1, "up;job=b");
    assert_int_equal(B.s[1].ts, 1000);
    assert_int_equal(B.nerr, 4);
    assert_int_equal(B.err_line, 2);
    assert_non_null(strstr(B.err, "no __name__ label"));
    assert_non_null(strstr(B.err, "series 2"));
}

static void test_bounds(void **st) {
    (void)st;
    /* more labels than a key can hold */
    static char names[300][8];
    static const char *lab[2 * 300 + 3];
    lab[0] = "__name__";
    lab[1] = "wide";
    for (int i = 0; i < 300; i++) {
        snprintf(names[i], sizeof names[i], "l%03d", i);
        lab[2 + 2 * i] = names[i];
        lab[3 + 2 * i] = "v";
    }
    lab[2 + 600] = NULL;
    spec sp[] = {{lab, V1, T1, 1}};
    assert_int_equal(parse_req(sp, 1, 0), 0);
    assert_int_equal(B.n, 0);
    assert_int_equal(B.nerr, 1);
    assert_non_null(strstr(B.err, "too many labels"));
    /* a label value too long for a key */
    static char big[2000];
    memset(big, 'x', sizeof big - 1);
    static const char *lab2[] = {"__name__", "long", "v", big, NULL};
    spec sp2[] = {{lab2, V1, T1, 1}};
    batch_reset(&B);
    assert_int_equal(parse_req(sp2, 1, 0), 0);
    assert_int_equal(B.n, 0);
    assert_non_null(strstr(B.err, "key too long"));
}

static void test_garbage(void **st) {
    (void)st;
    static const char junk[] = "this is not snappy at all, nor protobuf \xff\xff\xff\xff\xff\xff\xff\xff\xff\xff";
    assert_int_equal(promwrite_parse(junk, sizeof junk - 1, &B, &ST), -1);
    assert_int_equal(B.n, 0);
    assert_int_equal(B.nerr, 1);
    assert_int_equal(B.err_line, 0);
    assert_non_null(strstr(B.err, "malformed remote write request"));
    batch_reset(&B);
    assert_int_equal(promwrite_parse("", 0, &B, &ST), -1);
    assert_non_null(strstr(B.err, "empty"));
    /* valid snappy around bytes that are not a WriteRequest */
    size_t clen;
    static const uint8_t notpb[] = {0x0a, 0x80, 0x80, 0x80, 0x80, 0x10, 0x01};
    char *c = snap(notpb, sizeof notpb, &clen);
    batch_reset(&B);
    assert_int_equal(promwrite_parse(c, clen, &B, &ST), -1);
    assert_non_null(strstr(B.err, "not a protobuf WriteRequest"));
    free(c);
}

static void test_truncated_snappy(void **st) {
    (void)st;
    static const char *const l[] = {"__name__", "up", "job", "prometheus", "instance", "localhost:9090", NULL};
    spec sp[] = {{l, V1, T1, 1}, {l, V1, T1, 1}, {l, V1, T1, 1}};
    size_t len, clen;
    uint8_t *pb = pack(sp, 3, 1, &len);
    char *body = snap(pb, len, &clen);
    for (size_t cut = 1; cut < clen; cut++) {
        batch_reset(&B);
        assert_int_equal(promwrite_parse(body, cut, &B, &ST), -1);
        assert_int_equal(B.n, 0);
        assert_int_equal(B.nerr, 1);
    }
    /* the whole body still parses, and a claimed size past the limit is refused
     * before anything is allocated for it */
    batch_reset(&B);
    assert_int_equal(promwrite_parse(body, clen, &B, &ST), 0);
    assert_int_equal(B.n, 3);
    static const char huge[] = {(char)0x80, (char)0x80, (char)0x80, (char)0x21, 0x00};
    batch_reset(&B);
    assert_int_equal(promwrite_parse(huge, sizeof huge, &B, &ST), -1);
    assert_non_null(strstr(B.err, "too large"));
    /* a protobuf that decodes into more memory than allowed */
    batch_reset(&B);
    assert_int_equal(promwrite_parse_pb(pb, len, 256, &B, &ST), -1);
    assert_non_null(strstr(B.err, "too large"));
    free(pb);
    free(body);
}

static void test_many_series(void **st) {
    (void)st;
    enum { N = 5000, S = 4 };
    static char names[N][16];
    static const char *labs[N][7];
    static spec sp[N];
    static const double v[S] = {1.5, 2.5, 3.5, 4.5};
    static const int64_t t[S] = {1000, 2000, 3000, 4000};
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "host%04d", i);
        const char *l[] = {"__name__", "node_load1", "instance", names[i], NULL};
        memcpy(labs[i], l, sizeof l);
        sp[i] = (spec){labs[i], v, t, S};
    }
    assert_int_equal(parse_req(sp, N, 10), 0);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, N * S);
    key_is(N * S - 1, "node_load1;instance=host4999");
    assert_true(B.s[N * S - 1].v == 4.5);
    assert_int_equal(B.s[N * S - 1].line, N);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_labels_to_key, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_stale_and_nan, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_metadata_only, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_bad_series_alone, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_bounds, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_snappy, setup, batch_teardown),
        cmocka_unit_test_setup_teardown(test_many_series, setup, batch_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
