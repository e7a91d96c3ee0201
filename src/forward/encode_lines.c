/* encode_lines.c — the text protocols: Graphite plaintext and InfluxDB
 * line protocol. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../util/jsonw.h"
#include "encode.h"

static void put_i64(tm_buf *out, int64_t v) {
    char t[24];
    buf_put(out, t, (size_t)snprintf(t, sizeof t, " %lld", (long long)v));
}

/* The key in Graphite 1.1 form: plain keys as they are; a tag value holds
 * what was sent, but a Graphite line cannot carry blanks, control bytes or
 * ';' in it, so those become '_'. */
static void graphite_key(tm_buf *out, const char *key, size_t klen) {
    size_t plain = 0; /* nothing escaped, nothing a line cannot carry: the common case */
    while (plain < klen && (unsigned char)key[plain] > ' ' && key[plain] != '\\' && key[plain] != 0x7f) plain++;
    if (plain == klen) {
        buf_put(out, key, klen);
        return;
    }
    tm_tag tags[TM_KEY_MAX / 4];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, TM_KEY_MAX / 4);
    buf_put(out, key, nlen);
    for (size_t i = 0; i < nt; i++) {
        buf_putc(out, ';');
        buf_put(out, tags[i].k, tags[i].klen);
        buf_putc(out, '=');
        char v[TM_KEY_MAX];
        size_t n = tag_value(tags[i].v, tags[i].vlen, v);
        for (size_t j = 0; j < n; j++)
            if ((unsigned char)v[j] <= ' ' || v[j] == ';' || v[j] == 0x7f) v[j] = '_';
        buf_put(out, v, n);
    }
}

size_t enc_graphite(const tm_batch *b, tm_buf *out) {
    out->n = 0;
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        const tm_sample *x = &b->s[i];
        if (x->type != TM_NUMBER || !isfinite(x->v)) continue;
        graphite_key(out, batch_key(b, x), x->key_len);
        buf_putc(out, ' ');
        json_put_number(out, x->v);
        int64_t sec = x->ts >= 0 ? x->ts / 1000 : -((-x->ts + 999) / 1000);
        put_i64(out, sec);
        buf_putc(out, '\n');
        k++;
    }
    return k;
}

/* Backslash before each byte of esc (line protocol's escaping). */
static void put_esc(tm_buf *out, const char *s, size_t n, const char *esc) {
    buf_reserve(out, n);
    for (size_t i = 0; i < n; i++) {
        if (strchr(esc, s[i])) buf_putc(out, '\\');
        buf_putc(out, (uint8_t)s[i]);
    }
}

/* "measurement,k=v,k2=v2 " and the field key's prefix. */
static void influx_head(tm_buf *out, const char *key, size_t klen, const char **field, size_t *flen) {
    tm_tag tags[64];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, 64);
    const char *dot = memrchr(key, '.', nlen);
    size_t mlen = dot && dot > key && dot + 1 < key + nlen ? (size_t)(dot - key) : nlen;
    *field = mlen < nlen ? dot + 1 : "value";
    *flen = mlen < nlen ? nlen - mlen - 1 : 5;
    put_esc(out, key, mlen, ", ");
    for (size_t i = 0; i < nt; i++) {
        buf_putc(out, ',');
        put_esc(out, tags[i].k, tags[i].klen, ",= ");
        buf_putc(out, '=');
        char v[TM_KEY_MAX];
        put_esc(out, v, tag_value(tags[i].v, tags[i].vlen, v), ",= "); /* as sent, escaped as line protocol does */
    }
    buf_putc(out, ' ');
}

size_t enc_influx(const tm_batch *b, tm_buf *out) {
    out->n = 0;
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        const tm_sample *x = &b->s[i];
        if (x->type != TM_STRING && (!isfinite(x->v) || (x->type == TM_LOCATION && !isfinite(x->v2)))) continue;
        const char *f;
        size_t fl;
        influx_head(out, batch_key(b, x), x->key_len, &f, &fl);
        put_esc(out, f, fl, ",= ");
        if (x->type == TM_STRING) {
            buf_put(out, "=\"", 2);
            put_esc(out, batch_str(b, x), x->str_len, "\"\\");
            buf_putc(out, '"');
        } else if (x->type == TM_LOCATION) {
            buf_put(out, "_lat=", 5);
            json_put_number(out, x->v);
            buf_putc(out, ',');
            put_esc(out, f, fl, ",= ");
            buf_put(out, "_lon=", 5);
            json_put_number(out, x->v2);
        } else {
            buf_putc(out, '=');
            json_put_number(out, x->v);
        }
        put_i64(out, x->ts);
        buf_putc(out, '\n');
        k++;
    }
    return k;
}
