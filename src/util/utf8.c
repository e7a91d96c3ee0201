#include "utf8.h"

size_t utf8_seq(const unsigned char *p, size_t n) {
    if (!n) return 0;
    unsigned c = p[0];
    if (c < 0x80) return 1;
    size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!len || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80) return 0;
    /* the second byte's range rules out overlongs, surrogates and > U+10FFFF */
    if (c == 0xe0 && p[1] < 0xa0) return 0;
    if (c == 0xed && p[1] > 0x9f) return 0;
    if (c == 0xf0 && p[1] < 0x90) return 0;
    if (c == 0xf4 && p[1] > 0x8f) return 0;
    return len;
}

size_t utf8_check_slow(const char *p, size_t n, size_t from) {
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = from; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        if (!k) return i;
        i += k;
    }
    return n;
}
