/* utf8.h — UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing past U+10FFFF, no truncated sequence. Names,
 * tags and string values must be valid so every JSON answer holding them
 * is valid too.
 *
 * utf8_check returns the offset of the first byte that does not begin a
 * valid sequence, or n when all of [p, p+n) is valid; ASCII, the common
 * case, goes eight bytes at a time. utf8_seq is the length of the valid
 * sequence at p (0 if none). */
#ifndef TM_UTF8_H
#define TM_UTF8_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

size_t utf8_seq(const unsigned char *p, size_t n);
size_t utf8_check_slow(const char *p, size_t n, size_t from);

static inline size_t utf8_check(const char *p, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull) break;
    }
    for (; i < n; i++)
        if ((unsigned char)p[i] & 0x80) return utf8_check_slow(p, n, i);
    return n;
}
#endif
