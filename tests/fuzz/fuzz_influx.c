/* fuzz_influx.c — arbitrary bytes into influx_parse (and gzip_inflate).
 *
 * Invariants: every key is a valid canonical key "measurement.field[;tags]"
 * within the arena; numbers are finite, strings within TM_STR_MAX; the
 * first error names a line that exists; without quotes (so no string can
 * span lines) a buffer parses exactly as its lines one by one; a line of
 * the output, written back as line protocol, parses to the same sample.
 * The first byte picks the precision. A gzip body that inflates is parsed
 * too; inflating never exceeds its bound. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "ingest/influx.h"
#include "net/gzip.h"

static void check_key(const tm_batch *b, const tm_sample *s) {
    size_t nlen = fz_canon_key(b, s);
    if (nlen < 3 || !memchr(batch_key(b, s) + 1, '.', nlen - 2)) abort(); /* "m.f" at least */
}

static int same(const tm_batch *a, const tm_sample *x, const tm_batch *b, const tm_sample *y) {
    if (x->key_len != y->key_len || memcmp(batch_key(a, x), batch_key(b, y), x->key_len)) return 0;
    if (x->ts != y->ts || x->type != y->type) return 0;
    if (x->type == TM_STRING)
        return x->str_len == y->str_len && !memcmp(batch_str(a, x), batch_str(b, y), x->str_len);
    return !memcmp(&x->v, &y->v, sizeof x->v) || (x->v == 0 && y->v == 0);
}

/* Write a sample back as line protocol: the key's name split at its last
 * '.' into measurement and field (escaped), tags as they are, ts in ms. */
static void check_roundtrip(const tm_batch *b, const tm_sample *s) {
    static char line[4 * TM_KEY_MAX + 4 * TM_STR_MAX + 64];
    const char *k = batch_key(b, s);
    const char *semi = memchr(k, ';', s->key_len);
    size_t nlen = semi ? (size_t)(semi - k) : s->key_len;
    size_t dot = nlen;
    while (dot > 0 && k[dot - 1] != '.') dot--;
    if (!dot) abort();
    dot--;
    if (dot + 1 == nlen) return; /* the field key ended in '.': the split is ambiguous */
    size_t n = 0;
    for (size_t i = 0; i < dot; i++) { /* measurement: ',' and ' ' escaped; '\' before them too */
        if (k[i] == ',' || (k[i] == '\\' && i + 1 < dot && k[i + 1] == ',')) return; /* ambiguous: skip */
        line[n++] = k[i];
    }
    if (dot && k[dot - 1] == '\\') return;
    if (k[0] == '#') return; /* a comment */
    tm_tag t[TM_KEY_MAX / 4 + 1];
    size_t nl2, nt = key_split(k, s->key_len, &nl2, t, TM_KEY_MAX / 4 + 1);
    for (size_t i = 0; i < nt; i++) { /* tags: ',' ' ' '=' escaped; backslashes are ambiguous: skip */
        if (memchr(t[i].k, '\\', t[i].klen) || memchr(t[i].v, '\\', t[i].vlen)) return;
        line[n++] = ',';
        for (size_t j = 0; j < t[i].klen; j++) {
            if (t[i].k[j] == ',' || t[i].k[j] == '=' || t[i].k[j] == ' ') line[n++] = '\\';
            line[n++] = t[i].k[j];
        }
        line[n++] = '=';
        for (size_t j = 0; j < t[i].vlen; j++) {
            if (t[i].v[j] == ',' || t[i].v[j] == '=' || t[i].v[j] == ' ') line[n++] = '\\';
            line[n++] = t[i].v[j];
        }
    }
    line[n++] = ' ';
    for (size_t i = dot + 1; i < nlen; i++) {
        if (k[i] == '\\') return; /* a field key's backslash pairs are ambiguous: skip */
        if (k[i] == ',' || k[i] == '=' || k[i] == '"') line[n++] = '\\';
        line[n++] = k[i];
    }
    line[n++] = '=';
    if (s->type == TM_STRING) {
        line[n++] = '"';
        for (size_t i = 0; i < s->str_len; i++) {
            char c = batch_str(b, s)[i];
            if (c == '"' || c == '\\') line[n++] = '\\';
            line[n++] = c;
        }
        line[n++] = '"';
    } else {
        n += (size_t)snprintf(line + n, 40, "%.17g", s->v);
    }
    if (s->ts != TM_TS_NOW) n += (size_t)snprintf(line + n, 40, " %lld", (long long)s->ts);
    tm_batch r;
    batch_init(&r);
    influx_parse(line, n, 1000000, TM_TS_NOW, &r);
    if (r.n != 1 || r.nerr || !same(&r, &r.s[0], b, s)) abort();
    batch_free(&r);
}

static void check_batch(const tm_batch *b, size_t lines) {
    if (b->nerr && (!b->err_line || b->err_line > lines)) abort();
    for (size_t i = 0; i < b->n; i++) {
        const tm_sample *s = &b->s[i];
        check_key(b, s);
        if (s->line < 1 || s->line > lines) abort();
        if (s->type == TM_NUMBER && !isfinite(s->v)) abort();
        if (s->type == TM_STRING && s->str_len > TM_STR_MAX) abort();
        if (s->type == TM_LOCATION) abort();
        check_roundtrip(b, s);
    }
}

static const int64_t units[] = {1, 1000, 1000000, 1000000000, 60000000000LL, 3600000000000LL};

static void parse_and_check(const char *buf, size_t size, int64_t unit, int64_t now) {
    tm_batch whole;
    batch_init(&whole);
    influx_parse(buf, size, unit, now, &whole);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += buf[i] == '\n';
    check_batch(&whole, lines);
    if (!memchr(buf, '"', size)) {
        tm_batch one;
        batch_init(&one);
        size_t got = 0, errs = 0, line = 0;
        for (const char *p = buf, *end = buf + size; p < end;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            line++;
            batch_reset(&one);
            influx_parse(p, (size_t)(le - p), unit, now, &one);
            if (one.nerr > 1 || (one.nerr && one.n)) abort();
            if (one.nerr && !errs && whole.err_line != line) abort();
            errs += one.nerr;
            for (size_t i = 0; i < one.n; i++, got++) {
                if (got >= whole.n || whole.s[got].line != line) abort();
                tm_sample x = one.s[i];
                x.line = whole.s[got].line;
                if (!same(&one, &x, &whole, &whole.s[got])) abort();
            }
            p = nl ? nl + 1 : end;
        }
        if (got != whole.n || errs != whole.nerr) abort();
        batch_free(&one);
    }
    batch_free(&whole);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    int64_t unit = units[data[0] % 6];
    int64_t now = data[0] & 0x80 ? TM_TS_NOW : 1700000000123;
    parse_and_check((const char *)data + 1, size - 1, unit, now);
    char *out, err[200];
    size_t olen;
    int rc = gzip_inflate(data + 1, size - 1, 1 << 16, &out, &olen, err, sizeof err);
    if (rc == GZ_OK) {
        if (olen > 1 << 16 || out[olen]) abort();
        parse_and_check(out, olen, unit, now);
        free(out);
    } else if (out || !err[0]) {
        abort();
    }
    return 0;
}
