#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}
void *xcalloc(size_t n, size_t m) {
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) abort();
    return p;
}
void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) abort();
    return p;
}
char *xstrndup(const char *s, size_t n) {
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

void buf_reserve(tm_buf *b, size_t extra) {
    if (b->n + extra <= b->cap) return;
    size_t c = b->cap ? b->cap : 64;
    while (c < b->n + extra) c *= 2;
    b->p = xrealloc(b->p, c);
    b->cap = c;
}
void buf_put(tm_buf *b, const void *p, size_t n) {
    if (!n) return;
    buf_reserve(b, n);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}
void buf_putc(tm_buf *b, uint8_t c) {
    buf_reserve(b, 1);
    b->p[b->n++] = c;
}
void buf_printf(tm_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k <= 0) return;
    buf_reserve(b, (size_t)k + 1);
    va_start(ap, fmt);
    vsnprintf((char *)b->p + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}
void buf_free(tm_buf *b) {
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

void buf_put_uvarint(tm_buf *b, uint64_t x) {
    buf_reserve(b, 10);
    while (x >= 0x80) {
        b->p[b->n++] = (uint8_t)(x | 0x80);
        x >>= 7;
    }
    b->p[b->n++] = (uint8_t)x;
}
void buf_put_svarint(tm_buf *b, int64_t x) { buf_put_uvarint(b, zigzag(x)); }

int get_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *x) {
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end) return 0;
        uint8_t c = *(*p)++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *x = r;
            return 1;
        }
    }
    return 0;
}
int get_svarint(const uint8_t **p, const uint8_t *end, int64_t *x) {
    uint64_t u;
    if (!get_uvarint(p, end, &u)) return 0;
    *x = unzigzag(u);
    return 1;
}
