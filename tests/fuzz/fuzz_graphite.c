/* fuzz_graphite.c — arbitrary bytes into graphite_parse.
 *
 * Invariants: every key is a valid canonical key within the arena; a
 * buffer parses the same as its lines one by one (no state leaks between
 * lines); every accepted value is exactly what strtod reads from the line's
 * value field (the fast decimal path must round correctly); a timestamp
 * field of up to 11 digits is exactly those seconds (the eight-at-once digit
 * path), and a plain ASCII name is its key byte for byte (the word-at-once
 * name scan); a canonical key fed back in is a fixed point. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "ingest/graphite.h"

static int same_sample(const tm_batch *a, const tm_sample *x, const tm_batch *b, const tm_sample *y) {
    return x->key_len == y->key_len && !memcmp(batch_key(a, x), batch_key(b, y), x->key_len) && x->ts == y->ts &&
           !memcmp(&x->v, &y->v, sizeof x->v) && x->type == y->type;
}

/* The value field of a one-line input, as the parser splits it. */
static void check_value(const char *p, const char *e, double v) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
    while (p < e && *p != ' ' && *p != '\t') p++;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
    const char *v0 = p;
    while (p < e && *p != ' ' && *p != '\t' && *p != '\r') p++;
    size_t n = (size_t)(p - v0);
    char *tmp = malloc(n + 1);
    memcpy(tmp, v0, n);
    tmp[n] = 0;
    double want = strtod(tmp, NULL);
    free(tmp);
    if (memcmp(&want, &v, sizeof v) && !(want == 0 && v == 0)) abort();
}

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The name and timestamp fields of an accepted one-line input, split byte by byte. */
static void check_name_ts(const char *p, const char *e, const tm_batch *b, const tm_sample *s) {
    while (p < e && blank(*p)) p++;
    const char *n0 = p;
    int plain = 1;
    for (; p < e && !blank(*p); p++) plain &= (unsigned char)*p < 0x80 && *p != ';';
    if (plain && (s->key_len != (size_t)(p - n0) || memcmp(batch_key(b, s), n0, s->key_len))) abort();
    while (p < e && blank(*p)) p++;
    while (p < e && !blank(*p)) p++; /* the value */
    while (p < e && blank(*p)) p++;
    const char *t0 = p;
    int64_t v = 0;
    for (; p < e && *p >= '0' && *p <= '9'; p++) v = v * 10 + (*p - '0');
    size_t n = (size_t)(p - t0);
    if (n && n <= 11 && (p == e || blank(*p)) && s->ts != v * 1000) abort();
}

/* The key as sent (values unescaped), sent again, is the same key. */
static void check_roundtrip(const tm_batch *b, const tm_sample *s) {
    char line[TM_KEY_MAX + 16];
    size_t n = key_display(batch_key(b, s), s->key_len, line);
    memcpy(line + n, " 1 1\n", 5);
    tm_batch r;
    batch_init(&r);
    graphite_parse(line, n + 5, 1, &r);
    if (r.n != 1 || r.s[0].key_len != s->key_len || memcmp(batch_key(&r, &r.s[0]), batch_key(b, s), s->key_len))
        abort();
    batch_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *buf = (const char *)data;
    tm_batch whole, one;
    batch_init(&whole);
    batch_init(&one);
    graphite_parse(buf, size, 1, &whole);
    size_t lines = 0, got = 0, errs = 0;
    for (const char *p = buf, *end = buf + size; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        lines++;
        batch_reset(&one);
        graphite_parse(p, (size_t)(le - p), lines, &one);
        if (one.n > 1 || one.n + one.nerr > 1) abort();
        if (one.nerr && (one.err_line != lines || errs + 1 > whole.nerr)) abort();
        if (one.nerr && !errs && whole.err_line != lines) abort();
        errs += one.nerr;
        if (one.n) {
            if (got >= whole.n || !same_sample(&one, &one.s[0], &whole, &whole.s[got])) abort();
            if (isnan(one.s[0].v) || one.s[0].type != TM_NUMBER) abort();
            check_value(p, le, one.s[0].v);
            check_name_ts(p, le, &one, &one.s[0]);
            got++;
        }
        p = nl ? nl + 1 : end;
    }
    if (got != whole.n || errs != whole.nerr) abort();
    for (size_t i = 0; i < whole.n; i++) {
        fz_canon_key(&whole, &whole.s[i]);
        check_roundtrip(&whole, &whole.s[i]);
    }
    batch_free(&whole);
    batch_free(&one);
    return 0;
}
