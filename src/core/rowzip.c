#include "rowzip.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int rowzip_pack(const uint8_t *body, size_t n, size_t limit, tm_buf *out) {
    size_t at = out->n;
    buf_put_uvarint(out, n);
    size_t hdr = out->n - at;
    if (hdr >= limit) {
        out->n = at;
        return 0;
    }
    size_t room = limit - hdr - 1; /* fewer than limit in all */
    z_stream z;
    memset(&z, 0, sizeof z);
    /* level 6: the rows are small and rewritten often; 9 gains nothing on them */
    if (deflateInit2(&z, 6, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        out->n = at;
        return 0;
    }
    buf_reserve(out, room + 1);
    z.next_in = (Bytef *)body;
    z.avail_in = (uInt)n;
    z.next_out = out->p + out->n;
    z.avail_out = (uInt)room;
    int rc = deflate(&z, Z_FINISH);
    size_t got = room - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        out->n = at;
        return 0;
    }
    out->n += got;
    return 1;
}

uint8_t *rowzip_unpack(const uint8_t *p, size_t n, size_t max, size_t *len) {
    const uint8_t *end = p + n;
    uint64_t size;
    if (!get_uvarint(&p, end, &size) || size > max || !size) return NULL;
    uint8_t *out = xmalloc((size_t)size), spare;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK) {
        free(out);
        return NULL;
    }
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)(end - p);
    z.next_out = out;
    z.avail_out = (uInt)size;
    int rc = inflate(&z, Z_FINISH);
    if ((rc == Z_BUF_ERROR || rc == Z_OK) && !z.avail_out) { /* full: the stream must end here, with nothing more */
        z.next_out = &spare;
        z.avail_out = 1;
        rc = inflate(&z, Z_FINISH);
    }
    int ok = rc == Z_STREAM_END && z.avail_in == 0 && z.total_out == size;
    inflateEnd(&z);
    if (!ok) {
        free(out);
        return NULL;
    }
    *len = (size_t)size;
    return out;
}
