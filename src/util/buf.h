/* buf.h — a growable byte buffer. Allocation failure aborts: a metrics
 * server that cannot allocate a few KiB has nothing better to do. */
#ifndef TM_BUF_H
#define TM_BUF_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint8_t *p;
    size_t n, cap;
} tm_buf;

void buf_reserve(tm_buf *b, size_t extra); /* room for extra more bytes */
void buf_put(tm_buf *b, const void *p, size_t n);
void buf_putc(tm_buf *b, uint8_t c);
void buf_printf(tm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(tm_buf *b);

/* LEB128 varints; get returns 0 when the input ends first. */
void buf_put_uvarint(tm_buf *b, uint64_t x);
void buf_put_svarint(tm_buf *b, int64_t x); /* zigzag */
int get_uvarint(const uint8_t **p, const uint8_t *end, uint64_t *x);
int get_svarint(const uint8_t **p, const uint8_t *end, int64_t *x);

static inline uint64_t zigzag(int64_t x) { return ((uint64_t)x << 1) ^ (uint64_t)(x >> 63); }
static inline int64_t unzigzag(uint64_t x) { return (int64_t)(x >> 1) ^ -(int64_t)(x & 1); }

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);

/* Makes room for p[n]: when n has reached cap, cap doubles (first on the first call) and p is
 * reallocated. One macro for every growable array, whatever the integer type of n and cap. */
#define XGROW(p, n, cap, first)                                                                    \
    do {                                                                                           \
        if ((size_t)(n) >= (size_t)(cap)) {                                                        \
            (cap) = (cap) ? (cap) * 2 : (first);                                                   \
            (p) = xrealloc((p), (size_t)(cap) * sizeof *(p));                                      \
        }                                                                                          \
    } while (0)

/* Makes room for p[i], every new element zero: an array indexed by id (first
 * elements at least), doubled until i fits. */
#define XGROW_ZEROED(p, i, cap, first)                                                             \
    do {                                                                                           \
        if ((size_t)(i) >= (size_t)(cap)) {                                                        \
            size_t n_ = (cap) ? (size_t)(cap) : (first);                                           \
            while (n_ <= (size_t)(i)) n_ *= 2;                                                     \
            (p) = xrealloc((p), n_ * sizeof *(p));                                                 \
            memset((p) + (cap), 0, (n_ - (size_t)(cap)) * sizeof *(p));                            \
            (cap) = n_;                                                                            \
        }                                                                                          \
    } while (0)
#endif
