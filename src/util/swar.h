/* swar.h — a byte test on eight bytes at once, for the hot text scanners.
 *
 * The Graphite parser spends most of a line walking its name; asking one
 * 64-bit word "is any byte below n, or equal to c, or above 0x7f?" skips
 * eight ordinary bytes in a few instructions. The answers only say whether
 * some byte matched, not which: a caller that gets a yes goes on byte by
 * byte from the start of that word. Any byte order. */
#ifndef TM_SWAR_H
#define TM_SWAR_H
#include <stdint.h>
#include <string.h>

#define SWAR_ONES 0x0101010101010101ULL
#define SWAR_HIGHS 0x8080808080808080ULL

static inline uint64_t swar_load(const char *p) {
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

/* nonzero when some byte of x is below n (n <= 128) */
static inline uint64_t swar_below(uint64_t x, unsigned n) { return (x - SWAR_ONES * n) & ~x & SWAR_HIGHS; }

/* nonzero when some byte of x is c */
static inline uint64_t swar_has(uint64_t x, unsigned c) { return swar_below(x ^ (SWAR_ONES * c), 1); }

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_LE 1
/* On a little-endian machine the lowest flag of those masks is exact: the
 * index of the first matching byte. */
static inline unsigned swar_first(uint64_t mask) { return (unsigned)__builtin_ctzll(mask) / 8; }

/* Eight ASCII digits as their number, or -1 when some byte is no digit. */
static inline int64_t swar_digits8(uint64_t x) {
    if ((x & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL ||
        ((x + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) != 0x3030303030303030ULL)
        return -1;
    x -= 0x3030303030303030ULL;
    x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFULL;
    x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFULL;
    return (int64_t)((x * 10000 + (x >> 32)) & 0xFFFFFFFFULL);
}
#endif
#endif
