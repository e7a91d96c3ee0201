/* reuse.h — big buffers handed on to the next user instead of back to the
 * system. glibc trims the memory a query frees off its heap as the query
 * ends, so the next query's buffers are fresh pages again, a page fault
 * every 4 KiB (a third of a 10k-series range query's time went there).
 * Blocks come in power-of-two sizes from 64 KiB; at most REUSE_KEEP bytes
 * wait for reuse, the rest is freed. Thread-safe: a query's workers take
 * blocks, and its context may give them back from another thread. */
#ifndef TM_REUSE_H
#define TM_REUSE_H
#include <stddef.h>

#define REUSE_MIN ((size_t)64 << 10)
#define REUSE_KEEP ((size_t)32 << 20)

/* A block of at least n bytes, contents undefined; *cap gets its size. */
void *reuse_get(size_t n, size_t *cap);
/* p (from reuse_get, of size cap; NULL is nothing) for the next reuse_get. */
void reuse_put(void *p, size_t cap);
/* Bytes waiting for reuse now. */
size_t reuse_held(void);
#endif
