/* gzip.h — inflating a gzip request body (Content-Encoding: gzip), bounded.
 *
 * Concatenated gzip members are read as one stream, as Go's reader (and so
 * Telegraf's peers) does. The output never grows past max bytes: a small
 * body that would inflate beyond it is refused without inflating the rest
 * (a "zip bomb" costs at most max bytes of memory). */
#ifndef TM_GZIP_H
#define TM_GZIP_H
#include <stddef.h>

enum { GZ_OK = 0, GZ_CORRUPT = -1, GZ_TOO_BIG = -2 };

/* On GZ_OK *out is malloc'ed (NUL-terminated, *outlen bytes before the NUL)
 * and the caller frees it; otherwise *out is NULL and err says why. */
int gzip_inflate(const void *in, size_t n, size_t max, char **out, size_t *outlen, char *err, size_t errlen);
#endif
