/* Unit tests: InfluxDB line protocol parser and the gzip body decoder. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "ingest/influx.h"
#include "net/gzip.h"
#include "testutil.h"

#define NS 1
#define S 1000000000LL

static void lp(const char *s, int64_t unit) { influx_parse(s, strlen(s), unit, TM_TS_NOW, &B); }

/* The line alone is rejected, with a message holding frag. */
static void bad_unit(const char *line, int64_t unit, const char *frag) {
    batch_reset(&B);
    lp(line, unit);
    if (B.nerr != 1 || B.n != 0 || B.err_line != 1)
        fail_msg("'%s': nerr %zu n %zu line %zu (%s)", line, B.nerr, B.n, B.err_line, B.err);
    if (frag && !strstr(B.err, frag)) fail_msg("'%s': error '%s' lacks '%s'", line, B.err, frag);
}
static void bad(const char *line, const char *frag) { bad_unit(line, NS, frag); }

static void test_basic(void **st) {
    (void)st;
    lp("cpu,host=a,region=us-west value=1.5 1700000000123456789\n", NS);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 1);
    num_is(0, "cpu.value;host=a;region=us-west", 1700000000123, 1.5);
    assert_int_equal(B.s[0].line, 1);
}

static void test_tags_sorted_and_shared(void **st) {
    (void)st;
    lp("disk,path=/,device=sda1,fstype=ext4 free=10i,used=20i,used_percent=66.6 1700000000000000000", NS);
    assert_int_equal(B.n, 3);
    num_is(0, "disk.free;device=sda1;fstype=ext4;path=/", 1700000000000, 10);
    num_is(1, "disk.used;device=sda1;fstype=ext4;path=/", 1700000000000, 20);
    num_is(2, "disk.used_percent;device=sda1;fstype=ext4;path=/", 1700000000000, 66.6);
    batch_reset(&B);
    lp("m,a=1,a=2 v=1", NS); /* a repeated tag keeps its last value */
    key_is(0, "m.v;a=2");
}

static void test_field_types(void **st) {
    (void)st;
    lp("m f=1,g=-1.5,h=1e3,i=.5,j=1.,k=1E-2,l=-0,n=12i,o=-9223372036854775808i,p=12u,"
       "q=18446744073709551615u,r=\"hi there\",s=\"\"",
       NS);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 13);
    num_is(0, "m.f", TM_TS_NOW, 1);
    num_is(1, "m.g", TM_TS_NOW, -1.5);
    num_is(2, "m.h", TM_TS_NOW, 1000);
    num_is(3, "m.i", TM_TS_NOW, 0.5);
    num_is(4, "m.j", TM_TS_NOW, 1);
    num_is(5, "m.k", TM_TS_NOW, 0.01);
    num_is(6, "m.l", TM_TS_NOW, 0);
    num_is(7, "m.n", TM_TS_NOW, 12);
    num_is(8, "m.o", TM_TS_NOW, -9223372036854775808.0);
    num_is(9, "m.p", TM_TS_NOW, 12);
    num_is(10, "m.q", TM_TS_NOW, 18446744073709551615.0);
    str_is(11, "m.r", "hi there");
    str_is(12, "m.s", "");
}

static void test_booleans(void **st) {
    (void)st;
    lp("m a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE", NS);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 10);
    for (size_t i = 0; i < 10; i++) assert_true(B.s[i].v == (i < 5 ? 1.0 : 0.0));
    bad("m a=tRUE", "invalid boolean");
    bad("m a=yes", "invalid boolean");
    bad("m a=truee", "invalid boolean");
}

static void test_bad_numbers(void **st) {
    (void)st;
    bad("m v=+1", "invalid boolean");
    bad("m v=1.2.3", "invalid number");
    bad("m v=NaN", NULL);
    bad("m v=inf", NULL);
    bad("m v=1e", "invalid number");
    bad("m v=1e400", "invalid number");
    bad("m v=-", "invalid number");
    bad("m v=9223372036854775808i", "invalid integer");
    bad("m v=1.5i", "invalid integer");
    bad("m v=-1u", "invalid unsigned");
    bad("m v=18446744073709551616u", "invalid unsigned");
    bad("m v=0x10", "invalid number");
}

/* The fast decimal path must round exactly as strtod does. */
static void test_float_exact(void **st) {
    (void)st;
    uint64_t x = 88172645463325252ULL;
    char line[96], num[64];
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int digits = 1 + (int)(x % 20), point = (int)((x >> 8) % (unsigned)(digits + 1));
        size_t n = 0;
        if (x >> 63) num[n++] = '-';
        uint64_t y = x * 2654435761u;
        for (int d = 0; d < digits; d++, y /= 10) {
            if (d == point && d) num[n++] = '.';
            num[n++] = (char)('0' + y % 10);
        }
        if ((x >> 20) % 5 == 0) n += (size_t)sprintf(num + n, "e%d", (int)((x >> 24) % 60) - 30);
        num[n] = 0;
        batch_reset(&B);
        snprintf(line, sizeof line, "m v=%s", num);
        lp(line, NS);
        if (B.n != 1) fail_msg("'%s' refused: %s", line, B.err);
        double want = strtod(num, NULL);
        if (memcmp(&want, &B.s[0].v, sizeof want) && !(want == 0 && B.s[0].v == 0))
            fail_msg("'%s': %.17g, strtod %.17g", num, B.s[0].v, want);
    }
}

static void test_escaping(void **st) {
    (void)st;
    lp("my\\ meas\\,x,host=my\\ box,k\\=ey=v\\,al\\=1,semi=a;b f\\ 1\\,2\\=3=1 1", NS);
    assert_int_equal(B.nerr, 0);
    /* blanks and ';' cannot be in a key: '_'; '=' cannot be in a tag key */
    key_is(0, "my_meas,x.f_1,2=3;host=my box;k_ey=v,al=1;semi=a\\;b"); /* values as sent, ';' escaped in the key */
    batch_reset(&B);
    lp("m s=\"say \\\"hi\\\" \\\\ and \\n, ok=1 \" 1", NS); /* \n stays two bytes */
    assert_int_equal(B.nerr, 0);
    str_is(0, "m.s", "say \"hi\" \\ and \\n, ok=1 ");
    batch_reset(&B);
    lp("m\\=x,t=a\\b v=1", NS); /* other backslashes are literal */
    key_is(0, "m\\=x.v;t=a\\\\b"); /* the value's backslash is escaped in the key */
    batch_reset(&B);
    lp("m s=\"a,b c=d\",v=2", NS);
    assert_int_equal(B.n, 2);
    str_is(0, "m.s", "a,b c=d");
    num_is(1, "m.v", TM_TS_NOW, 2);
}

static void test_precision(void **st) {
    (void)st;
    assert_int_equal(influx_precision(NULL), 1);
    assert_int_equal(influx_precision(""), 1);
    assert_int_equal(influx_precision("n"), 1);
    assert_int_equal(influx_precision("ns"), 1);
    assert_int_equal(influx_precision("u"), 1000);
    assert_int_equal(influx_precision("us"), 1000);
    assert_int_equal(influx_precision("ms"), 1000000);
    assert_int_equal(influx_precision("s"), S);
    assert_int_equal(influx_precision("m"), 60 * S);
    assert_int_equal(influx_precision("h"), 3600 * S);
    assert_int_equal(influx_precision("x"), 0);
    assert_int_equal(influx_precision("sec"), 0);
    lp("m v=1 1700000000", S);
    lp("m v=1 1700000000123", 1000000);
    lp("m v=1 1700000000123456", 1000);
    lp("m v=1 28333333", 60 * S);
    lp("m v=1 472222", 3600 * S);
    lp("m v=1 -1", NS); /* floor: the millisecond before the epoch */
    lp("m v=1 -1500000", NS);
    assert_int_equal(B.nerr, 0);
    int64_t want[] = {1700000000000, 1700000000123, 1700000000123, 1699999980000, 1699999200000, -1, -2};
    for (size_t i = 0; i < 7; i++) assert_true(B.s[i].ts == want[i]);
    bad_unit("m v=1 9223372037", S, "bad timestamp"); /* past int64 nanoseconds */
    batch_reset(&B);
    lp("m v=1 9223372036", S);
    assert_int_equal(B.nerr, 0);
    bad("m v=1 1.5", "bad timestamp");
    bad("m v=1 12a", "bad timestamp");
    bad("m v=1 99999999999999999999", "bad timestamp");
}

static void test_missing_timestamp(void **st) {
    (void)st;
    lp("m v=1", NS);
    assert_true(B.s[0].ts == TM_TS_NOW);
    batch_reset(&B);
    const char *l = "m v=1\nm v=2 \n";
    influx_parse(l, strlen(l), S, 1700000000789, &B); /* now, cut to the precision */
    influx_parse(l, strlen(l), 1000000, 1700000000789, &B);
    influx_parse(l, strlen(l), 3600 * S, 1700000000789, &B);
    assert_int_equal(B.n, 6);
    assert_true(B.s[0].ts == 1700000000000 && B.s[1].ts == 1700000000000);
    assert_true(B.s[2].ts == 1700000000789);
    assert_true(B.s[4].ts == 1699999200000);
}

static void test_layout(void **st) {
    (void)st;
    lp("# a comment\n\n   \t  m v=1 1000000000\r\n  # indented comment\r\n\r\n\tm v=2   1000000000  \r\n"
       "m,t=x  \t v=3\nm v=4",
       NS);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 4);
    num_is(0, "m.v", 1000, 1);
    assert_int_equal(B.s[0].line, 3);
    num_is(1, "m.v", 1000, 2);
    assert_int_equal(B.s[1].line, 6);
    num_is(2, "m.v;t=x", TM_TS_NOW, 3);
    num_is(3, "m.v", TM_TS_NOW, 4);
    assert_int_equal(B.s[3].line, 8);
}

static void test_bad_line_between_good(void **st) {
    (void)st;
    lp("m v=1 1000000000\nm a=1,b=oops,c=3 1000000000\nm v=3 1000000000\nm\nm v=5 1000000000\n", NS);
    assert_int_equal(B.n, 3); /* none of line 2's fields: a bad line is dropped whole */
    num_is(0, "m.v", 1000, 1);
    num_is(1, "m.v", 1000, 3);
    num_is(2, "m.v", 1000, 5);
    assert_int_equal(B.s[2].line, 5);
    assert_int_equal(B.nerr, 2);
    assert_int_equal(B.err_line, 2);
    assert_non_null(strstr(B.err, "unable to parse 'm a=1,b=oops,c=3 1000000000': invalid boolean"));
}

static void test_malformed(void **st) {
    (void)st;
    bad("cpu", "missing fields");
    bad("cpu ", "missing fields");
    bad("cpu,host=a", "missing fields");
    bad("cpu,host=a   ", "missing fields");
    bad(",host=a v=1", "missing measurement");
    bad("cpu,=a v=1", "missing tag key");
    bad("cpu,a= v=1", "missing tag value");
    bad("cpu,a v=1", "missing tag value");
    bad("cpu,a=b=c v=1", "invalid tag format");
    bad("cpu v=", "missing field value");
    bad("cpu =1", "missing field key");
    bad("cpu v", "invalid field format");
    bad("cpu v=1,", "missing field key");
    bad("cpu v=1 abc", "bad timestamp");
    bad("cpu v=1 1 2", "unexpected text");
    bad("cpu s=\"x\"y", "invalid field format");
    bad("cpu s=\"x", "unterminated string");
    bad("cpu v=1\r2", "bad timestamp");
}

static void test_multiline_string(void **st) {
    (void)st;
    lp("log msg=\"line one\nline two\" 1000000000\nm v=1 1000000000\n", NS);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, 2);
    str_is(0, "log.msg", "line one\nline two");
    num_is(1, "m.v", 1000, 1);
    assert_int_equal(B.s[1].line, 3);
    /* a string left open spoils only its own line */
    batch_reset(&B);
    lp("log msg=\"open\nm v=1 1000000000\nm v=2 1000000000", NS);
    assert_int_equal(B.nerr, 1);
    assert_int_equal(B.err_line, 1);
    assert_int_equal(B.n, 2);
    assert_int_equal(B.s[0].line, 2);
}

static void test_limits(void **st) {
    (void)st;
    size_t n = INFLUX_LINE_MAX + 100;
    char *big = malloc(n + 64);
    memset(big, 'a', n);
    memcpy(big, "m s=\"", 5);
    strcpy(big + n, "\"\nm v=1\n");
    lp(big, NS);
    assert_int_equal(B.nerr, 1);
    assert_int_equal(B.n, 1);
    assert_non_null(strstr(B.err, "line too long"));

    batch_reset(&B); /* a string longer than TM_STR_MAX */
    memset(big, 'a', TM_STR_MAX + 10);
    memcpy(big, "m s=\"", 5);
    strcpy(big + TM_STR_MAX + 10, "\"");
    lp(big, NS);
    assert_int_equal(B.nerr, 1);
    assert_non_null(strstr(B.err, "string field longer"));

    batch_reset(&B); /* exactly TM_STR_MAX is fine */
    memset(big, 'b', TM_STR_MAX + 5);
    memcpy(big, "m s=\"", 5);
    strcpy(big + TM_STR_MAX + 5, "\"");
    lp(big, NS);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.s[0].str_len, TM_STR_MAX);

    batch_reset(&B); /* fields: INFLUX_FIELDS_MAX, then one more */
    size_t k = 0;
    k += (size_t)sprintf(big + k, "m ");
    for (int i = 0; i < INFLUX_FIELDS_MAX; i++) k += (size_t)sprintf(big + k, "%sf%d=1", i ? "," : "", i);
    lp(big, NS);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.n, INFLUX_FIELDS_MAX);
    batch_reset(&B);
    sprintf(big + k, ",x=1");
    lp(big, NS);
    assert_int_equal(B.nerr, 1);
    assert_int_equal(B.n, 0);
    assert_non_null(strstr(B.err, "too many fields"));

    batch_reset(&B); /* keys */
    memset(big, 'k', TM_KEY_MAX + 10);
    strcpy(big + TM_KEY_MAX + 10, " v=1");
    lp(big, NS);
    assert_int_equal(B.nerr, 1);
    assert_non_null(strstr(B.err, "too long"));
    batch_reset(&B);
    memset(big, 'k', TM_KEY_MAX - 2);
    strcpy(big + TM_KEY_MAX - 2, " v=1"); /* name "kkk...k.v" is exactly TM_KEY_MAX */
    lp(big, NS);
    assert_int_equal(B.nerr, 0);
    assert_int_equal(B.s[0].key_len, TM_KEY_MAX);
    batch_reset(&B);
    strcpy(big + TM_KEY_MAX - 2, " vv=1");
    lp(big, NS);
    assert_int_equal(B.nerr, 1);
    free(big);
}

/* ---- gzip ---- */

static size_t gz(const void *in, size_t n, unsigned char *out, size_t cap) {
    z_stream z = {0};
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

static void test_gzip(void **st) {
    (void)st;
    static unsigned char plain[200000], packed[400000];
    for (size_t i = 0; i < sizeof plain; i++) plain[i] = (unsigned char)("cpu v=1 123\n"[i % 12] + (i % 997 == 0));
    size_t n = gz(plain, sizeof plain, packed, sizeof packed);
    char *out, err[200];
    size_t olen;
    assert_int_equal(gzip_inflate(packed, n, 1 << 20, &out, &olen, err, sizeof err), GZ_OK);
    assert_int_equal(olen, sizeof plain);
    assert_memory_equal(out, plain, olen);
    assert_int_equal(out[olen], 0);
    free(out);
    /* two members, one stream */
    size_t n2 = gz("abc", 3, packed + n, sizeof packed - n);
    assert_int_equal(gzip_inflate(packed, n + n2, 1 << 20, &out, &olen, err, sizeof err), GZ_OK);
    assert_int_equal(olen, sizeof plain + 3);
    assert_memory_equal(out + sizeof plain, "abc", 3);
    free(out);
    /* the bound: exactly max is fine, one byte less is refused */
    assert_int_equal(gzip_inflate(packed, n, sizeof plain, &out, &olen, err, sizeof err), GZ_OK);
    free(out);
    assert_int_equal(gzip_inflate(packed, n, sizeof plain - 1, &out, &olen, err, sizeof err), GZ_TOO_BIG);
    assert_null(out);
    assert_non_null(strstr(err, "too large"));
    /* truncated, corrupt, not gzip, empty */
    assert_int_equal(gzip_inflate(packed, n / 2, 1 << 20, &out, &olen, err, sizeof err), GZ_CORRUPT);
    assert_non_null(strstr(err, "truncated"));
    packed[n / 2] ^= 0x55;
    packed[n / 2 + 1] ^= 0x55;
    assert_int_equal(gzip_inflate(packed, n, 1 << 20, &out, &olen, err, sizeof err), GZ_CORRUPT);
    assert_null(out);
    assert_int_equal(gzip_inflate("cpu v=1", 7, 1 << 20, &out, &olen, err, sizeof err), GZ_CORRUPT);
    assert_int_equal(gzip_inflate("", 0, 1 << 20, &out, &olen, err, sizeof err), GZ_CORRUPT);
    /* garbage after a whole member */
    n = gz("abc", 3, packed, sizeof packed);
    memcpy(packed + n, "junk", 4);
    assert_int_equal(gzip_inflate(packed, n + 4, 1 << 20, &out, &olen, err, sizeof err), GZ_CORRUPT);
}

/* A bomb: 64 MiB of zeros in ~64 KiB; refused at the bound, not inflated whole. */
static void test_gzip_bomb(void **st) {
    (void)st;
    size_t big = 64u << 20;
    unsigned char *zeros = calloc(1, big), *packed = malloc(1 << 20);
    size_t n = gz(zeros, big, packed, 1 << 20);
    assert_true(n < 200000);
    char *out, err[200];
    size_t olen;
    assert_int_equal(gzip_inflate(packed, n, 1 << 20, &out, &olen, err, sizeof err), GZ_TOO_BIG);
    free(zeros);
    free(packed);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        BATCH_TEST(test_basic),
        BATCH_TEST(test_tags_sorted_and_shared),
        BATCH_TEST(test_field_types),
        BATCH_TEST(test_booleans),
        BATCH_TEST(test_bad_numbers),
        BATCH_TEST(test_float_exact),
        BATCH_TEST(test_escaping),
        BATCH_TEST(test_precision),
        BATCH_TEST(test_missing_timestamp),
        BATCH_TEST(test_layout),
        BATCH_TEST(test_bad_line_between_good),
        BATCH_TEST(test_malformed),
        BATCH_TEST(test_multiline_string),
        BATCH_TEST(test_limits),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_gzip_bomb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
