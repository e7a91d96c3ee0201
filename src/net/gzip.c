/* gzip.c — bounded gzip inflate on zlib. */
#include "gzip.h"

#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "../util/buf.h"

static int fail(z_stream *z, char *buf, int rc, char *err, size_t errlen, const char *why) {
    inflateEnd(z);
    free(buf);
    snprintf(err, errlen, "%s", why);
    return rc;
}

int gzip_inflate(const void *in, size_t n, size_t max, char **out, size_t *outlen, char *err, size_t errlen) {
    *out = NULL;
    *outlen = 0;
    z_stream z = {0};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) { /* 16: gzip wrapper only */
        snprintf(err, errlen, "cannot start inflating");
        return GZ_CORRUPT;
    }
    /* Bodies shrink 5-20x; start near that and grow by doubling. */
    size_t cap = n < max / 8 ? (n < 4096 ? 16384 : n * 8) : max + 1;
    if (cap > max + 1) cap = max + 1;
    char *buf = xmalloc(cap + 1);
    size_t len = 0;
    const unsigned char *ip = in;
    size_t left = n;
    if (!left) return fail(&z, buf, GZ_CORRUPT, err, errlen, "empty gzip body");
    for (;;) {
        if (len == cap) {
            if (cap > max) return fail(&z, buf, GZ_TOO_BIG, err, errlen, "body too large once inflated");
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            buf = xrealloc(buf, cap + 1);
        }
        uInt in_chunk = left > UINT32_MAX ? UINT32_MAX : (uInt)left;
        z.next_in = (unsigned char *)ip;
        z.avail_in = in_chunk;
        z.next_out = (unsigned char *)buf + len;
        z.avail_out = (uInt)(cap - len > UINT32_MAX ? UINT32_MAX : cap - len);
        uInt out_before = z.avail_out;
        int rc = inflate(&z, Z_NO_FLUSH);
        len += out_before - z.avail_out;
        ip += in_chunk - z.avail_in;
        left -= in_chunk - z.avail_in;
        if (len > max) return fail(&z, buf, GZ_TOO_BIG, err, errlen, "body too large once inflated");
        if (rc == Z_STREAM_END) {
            if (!left) break;
            inflateReset(&z); /* another member follows */
            continue;
        }
        if (rc == Z_BUF_ERROR && len < cap && !left)
            return fail(&z, buf, GZ_CORRUPT, err, errlen, "gzip body is truncated");
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            char why[160];
            snprintf(why, sizeof why, "corrupt gzip body: %s", z.msg ? z.msg : "bad data");
            return fail(&z, buf, GZ_CORRUPT, err, errlen, why);
        }
    }
    inflateEnd(&z);
    buf[len] = 0;
    *out = buf;
    *outlen = len;
    return GZ_OK;
}
