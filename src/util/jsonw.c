#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/batch.h"
#include "utf8.h"

void json_put_chars(tm_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    buf_reserve(b, n);
    for (size_t i = 0; i < n; i++) {
        size_t run = i; /* bytes that go out as they are: one copy for the run */
        while (run < n && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x80 && s[run] != '"' &&
               s[run] != '\\')
            run++;
        if (run > i) {
            buf_put(b, s + i, run - i);
            if ((i = run) == n) break;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, c);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            if (c == '\n') buf_put(b, "\\n", 2);
            else if (c == '\t') buf_put(b, "\\t", 2);
            else if (c == '\r') buf_put(b, "\\r", 2);
            else buf_put(b, e, 6);
        } else { /* a byte that is no UTF-8 (data stored before it was refused) reads as U+FFFD */
            size_t k = utf8_seq((const unsigned char *)s + i, n - i);
            if (k) buf_put(b, s + i, k);
            else buf_put(b, "\xef\xbf\xbd", 3);
            i += k ? k - 1 : 0;
        }
    }
}

void json_put_string(tm_buf *b, const char *s, size_t n) {
    buf_reserve(b, n + 2);
    buf_putc(b, '"');
    json_put_chars(b, s, n);
    buf_putc(b, '"');
}

void json_put_number(tm_buf *b, double v) {
    if (!isfinite(v)) {
        buf_put(b, "null", 4);
        return;
    }
    char s[32];
    if (fabs(v) < 1e15 && v == (double)(long long)v) { /* the range first: a cast out of range is undefined */
        buf_put(b, s, (size_t)snprintf(s, sizeof s, "%lld", (long long)v));
        return;
    }
    int n = snprintf(s, sizeof s, "%.15g", v);
    if (strtod(s, NULL) != v) n = snprintf(s, sizeof s, "%.17g", v);
    buf_put(b, s, (size_t)n);
}

void json_put_time(tm_buf *b, int64_t ms) {
    char s[32];
    int n;
    if (ms % 1000 == 0) n = snprintf(s, sizeof s, "%lld", (long long)(ms / 1000));
    else n = snprintf(s, sizeof s, "%.3f", (double)ms / 1000.0);
    buf_put(b, s, (size_t)n);
}

void json_put_tags(tm_buf *b, const char *key, size_t klen) {
    tm_tag tags[64];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, 64);
    buf_putc(b, '{');
    for (size_t i = 0; i < nt; i++) {
        if (i) buf_putc(b, ',');
        json_put_string(b, tags[i].k, tags[i].klen);
        buf_putc(b, ':');
        char v[TM_KEY_MAX];
        json_put_string(b, v, tag_value(tags[i].v, tags[i].vlen, v)); /* as sent */
    }
    buf_putc(b, '}');
}
