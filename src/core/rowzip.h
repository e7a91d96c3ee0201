/* rowzip.h — the deflated form of a row of a table of rows (`keys`,
 * `states`): uvarint size of the body, then the body as a raw deflate
 * stream (RFC 1951, no zlib header) running to the end of the row. Each
 * row format has its own byte saying which form follows. */
#ifndef TM_ROWZIP_H
#define TM_ROWZIP_H
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"

/* Append the deflated form of body to out when it takes fewer than limit
 * bytes: 1; else 0 and out is as it was. */
int rowzip_pack(const uint8_t *body, size_t n, size_t limit, tm_buf *out);
/* The body of the deflated form p[0..n) (allocated, *len bytes, at most
 * max), or NULL when it is malformed: a size past max, a stream that
 * does not inflate to exactly that size, or bytes after the stream. */
uint8_t *rowzip_unpack(const uint8_t *p, size_t n, size_t max, size_t *len);
#endif
