/* vapor.c — Vapor Trail style "/add?host=dev&temperature=30.5&door=open". */
#include "vapor.h"

#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/timeparse.h"
#include "textcheck.h"

static int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* A '%' not followed by two hex digits is kept as it is: devices that build
 * URLs by hand send "50%" and mean it. */
size_t url_decode(const char *in, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < n) {
            int h = hexval((unsigned char)in[i + 1]), l = hexval((unsigned char)in[i + 2]);
            if (h >= 0 && l >= 0) {
                c = (char)(h << 4 | l);
                i += 2;
            }
        }
        out[o++] = c;
    }
    return o;
}

typedef struct {
    const char *k, *v; /* raw, still encoded */
    size_t klen, vlen;
    int has_eq;
} field;

/* The next '&'-separated field from *p; returns 0 at the end. */
static int next_field(const char **p, const char *end, field *f) {
    if (*p >= end) return 0;
    const char *s = *p;
    const char *e = memchr(s, '&', (size_t)(end - s));
    if (!e) e = end;
    const char *eq = memchr(s, '=', (size_t)(e - s));
    f->k = s;
    f->klen = (size_t)((eq ? eq : e) - s);
    f->v = eq ? eq + 1 : e;
    f->vlen = (size_t)(e - f->v);
    f->has_eq = eq != NULL;
    *p = e < end ? e + 1 : end;
    return 1;
}

static int key_is(const field *f, const char *lit) {
    size_t n = strlen(lit);
    return f->klen == n && memcmp(f->k, lit, n) == 0;
}

/* One series field: decoded key and value in scratch, checked, added. */
static void add_field(const field *f, size_t pos, const tm_tag *host, int64_t ts, char *scratch,
                      tm_batch *b) {
    b->line = pos;
    char *k = scratch, *v = scratch + f->klen;
    size_t kn = url_decode(f->k, f->klen, k);
    size_t vn = url_decode(f->v, f->vlen, v);
    if (!vn) {
        batch_error(b, pos, "empty value for '%.*s'", (int)(kn > 64 ? 64 : kn), k);
        return;
    }
    char key[TM_KEY_MAX + 1];
    const char *why = "bad key";
    int klen = key_canon(k, kn, host, 1, key, sizeof key, &why);
    if (klen < 0) {
        batch_error(b, pos, "bad key '%.*s': %s", (int)(kn > 64 ? 64 : kn), k, why);
        return;
    }
    if (!text_ok(b, pos, TEXT_BAD_KEY, key, (size_t)klen)) return;
    double x, y;
    switch (value_detect(v, vn, &x, &y)) {
    case TM_NUMBER:
        batch_add_number(b, key, (size_t)klen, ts, x);
        break;
    case TM_LOCATION:
        batch_add_location(b, key, (size_t)klen, ts, x, y);
        break;
    default:
        if (vn > TM_STR_MAX)
            batch_error(b, pos, "value of '%.*s' longer than %d bytes", (int)(kn > 64 ? 64 : kn), k, TM_STR_MAX);
        else if (memchr(v, 0, vn))
            batch_error(b, pos, "NUL byte in value of '%.*s'", (int)(kn > 64 ? 64 : kn), k);
        else if (!text_ok(b, pos, TEXT_BAD_STR, v, vn))
            break;
        else
            batch_add_string(b, key, (size_t)klen, ts, v, vn);
    }
}

/* First pass: host and time, which apply to every field wherever they
 * stand. Returns 0 (with the error recorded) when host is absent or bad. */
static int read_host_time(const char *query, size_t len, int64_t now, char *scratch, char **host,
                          size_t *hlen, int64_t *ts, tm_batch *b) {
    const char *p = query, *end = query + len;
    field f;
    size_t pos = 0, host_pos = 0, time_pos = 0;
    field hf = {0}, tf = {0};
    while (next_field(&p, end, &f)) {
        pos++;
        if (key_is(&f, "host")) hf = f, host_pos = pos;
        if (key_is(&f, "time")) tf = f, time_pos = pos;
    }
    if (!host_pos) {
        batch_error(b, 0, "missing 'host'");
        return 0;
    }
    *host = scratch;
    *hlen = url_decode(hf.v, hf.vlen, scratch);
    tm_tag t = {"host", 4, *host, *hlen};
    char tmp[TM_KEY_MAX + 1];
    const char *why = "bad host";
    if (key_canon("x", 1, &t, 1, tmp, sizeof tmp, &why) < 0) {
        batch_error(b, host_pos, "bad host: %s", why);
        return 0;
    }
    *ts = TM_TS_NOW;
    if (time_pos) {
        char *tv = scratch + *hlen;
        size_t tn = url_decode(tf.v, tf.vlen, tv);
        if (!parse_time_ms(tv, tn, now, ts)) {
            batch_error(b, time_pos, "bad time '%.*s'", (int)(tn > 64 ? 64 : tn), tv);
            *ts = TM_TS_NOW;
        }
    }
    return 1;
}

int vapor_parse(const char *query, size_t len, int64_t now_ms, tm_batch *b) {
    if (len && query[0] == '?') query++, len--;
    /* Decoding never grows text, so len bytes hold host and time, and
     * another len bytes any one field. */
    char *scratch = xmalloc(2 * len + 2);
    char *host;
    size_t hlen;
    int64_t ts;
    if (!read_host_time(query, len, now_ms, scratch, &host, &hlen, &ts, b)) {
        free(scratch);
        return 0;
    }
    tm_tag htag = {"host", 4, host, hlen};
    const char *p = query, *end = query + len;
    field f;
    size_t pos = 0;
    while (next_field(&p, end, &f)) {
        pos++;
        if (!f.klen && !f.vlen) continue; /* "a=1&&b=2" or a trailing '&' */
        if (key_is(&f, "host") || key_is(&f, "time") || key_is(&f, "token")) continue;
        add_field(&f, pos, &htag, ts, scratch + len + 1, b);
    }
    free(scratch);
    return 1;
}
