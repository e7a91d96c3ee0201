/* chunk.c — one series' samples as a self-describing blob (see chunk.h).
 *
 * String section: a flag byte, then
 *   0: uvarint lengths of the n strings, then their bytes back to back;
 *   1: uvarint raw size, uvarint compressed size, then a zstd frame whose
 *      content is the flag-0 section.
 * Blobs come from disk and may be damaged: decoding bounds every count by
 * the input that could hold it before allocating. */
#include "chunk.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "../model/batch.h"
#include "codec.h"

/* Far above any chunk or rollup block; bounds what a damaged count can
 * make the decoder allocate. */
#define CHUNK_MAX ((uint64_t)1 << 22)
/* Largest decompressed string section accepted. */
#define STR_RAW_MAX ((uint64_t)1 << 26)
/* Below this a zstd frame's own overhead eats any gain. */
#define STR_ZSTD_MIN 48
/* An all-zero run header covers 64 blocks of 32: the most samples a byte
 * of timestamp column can describe. */
#define TS_PER_BYTE 2048

enum { STR_RAW = 0, STR_ZSTD = 1 };

void cols_alloc(tm_cols *c, int type, size_t n) {
    memset(c, 0, sizeof *c);
    c->type = type;
    c->n = n;
    c->ts = xcalloc(n, sizeof *c->ts);
    switch (type) {
    case TM_NUMBER:
        c->v = xcalloc(n, sizeof *c->v);
        break;
    case TM_LOCATION:
        c->v = xcalloc(n, sizeof *c->v);
        c->v2 = xcalloc(n, sizeof *c->v2);
        break;
    case TM_STRING:
        c->str = xcalloc(n, sizeof *c->str);
        break;
    case TM_ROLLUP:
        c->v = xcalloc(n, sizeof *c->v);
        c->v2 = xcalloc(n, sizeof *c->v2);
        c->sum = xcalloc(n, sizeof *c->sum);
        c->cnt = xcalloc(n, sizeof *c->cnt);
        c->last = xcalloc(n, sizeof *c->last);
        c->lt = xcalloc(n, sizeof *c->lt);
        break;
    default:
        break;
    }
}

void cols_free(tm_cols *c) {
    if (c->str)
        for (size_t i = 0; i < c->n; i++) free(c->str[i]);
    free(c->ts);
    free(c->v);
    free(c->v2);
    free(c->sum);
    free(c->cnt);
    free(c->last);
    free(c->lt);
    free(c->str);
    memset(c, 0, sizeof *c);
}

static size_t uvarint_len(uint64_t x) {
    size_t n = 1;
    while (x >= 0x80) x >>= 7, n++;
    return n;
}

static void str_encode(char *const *str, size_t n, tm_buf *out) {
    size_t flag_at = out->n;
    buf_putc(out, STR_RAW);
    size_t raw_at = out->n;
    for (size_t i = 0; i < n; i++) buf_put_uvarint(out, str[i] ? strlen(str[i]) : 0);
    for (size_t i = 0; i < n; i++)
        if (str[i]) buf_put(out, str[i], strlen(str[i]));
    size_t raw = out->n - raw_at;
    if (raw < STR_ZSTD_MIN || raw > STR_RAW_MAX) return;
    size_t bound = ZSTD_compressBound(raw);
    uint8_t *z = xmalloc(bound);
    size_t zn = ZSTD_compress(z, bound, out->p + raw_at, raw, 3);
    if (!ZSTD_isError(zn) && uvarint_len(raw) + uvarint_len(zn) + zn < raw) {
        out->n = flag_at;
        buf_putc(out, STR_ZSTD);
        buf_put_uvarint(out, raw);
        buf_put_uvarint(out, zn);
        buf_put(out, z, zn);
    }
    free(z);
}

/* The flag-0 section: lengths, then bytes. Strings holding a NUL could not
 * come back out of a char *, so they mark a damaged blob. */
static int str_section(const uint8_t **p, const uint8_t *end, char **str, size_t n) {
    const uint8_t *q = *p;
    uint64_t total = 0, len;
    for (size_t i = 0; i < n; i++) {
        if (!get_uvarint(&q, end, &len)) return 0;
        uint64_t room = (uint64_t)(end - q);
        if (total > room || len > room - total) return 0;
        total += len;
    }
    const uint8_t *bytes = q, *lens = *p;
    if (total > (uint64_t)(end - bytes)) return 0;
    for (size_t i = 0; i < n; i++) {
        get_uvarint(&lens, bytes, &len);
        if (memchr(bytes, 0, len)) return 0;
        str[i] = xstrndup((const char *)bytes, len);
        bytes += len;
    }
    *p = bytes;
    return 1;
}

static int str_decode(const uint8_t **p, const uint8_t *end, char **str, size_t n) {
    if (*p >= end) return 0;
    unsigned flag = *(*p)++;
    if (flag == STR_RAW) return str_section(p, end, str, n);
    uint64_t raw, zn;
    if (flag != STR_ZSTD || !get_uvarint(p, end, &raw) || !get_uvarint(p, end, &zn)) return 0;
    if (zn > (uint64_t)(end - *p) || raw > STR_RAW_MAX || raw < n) return 0;
    /* Trust the frame's size only once it agrees with ours: a damaged
     * header must not pick the allocation. */
    if (ZSTD_getFrameContentSize(*p, zn) != raw) return 0;
    uint8_t *buf = xmalloc(raw);
    size_t got = ZSTD_decompress(buf, raw, *p, zn);
    const uint8_t *q = buf;
    int ok = !ZSTD_isError(got) && got == raw && str_section(&q, buf + raw, str, n) && q == buf + raw;
    free(buf);
    *p += zn;
    return ok;
}

/* the last sample's time as an offset into its bucket: small and regular */
static void lt_encode(const tm_cols *c, tm_buf *out) {
    int64_t *d = xmalloc((c->n ? c->n : 1) * sizeof *d);
    for (size_t i = 0; i < c->n; i++) d[i] = (int64_t)((uint64_t)c->lt[i] - (uint64_t)c->ts[i]);
    ints_encode(d, c->n, out);
    free(d);
}

static int lt_decode(const uint8_t **p, const uint8_t *end, tm_cols *c) {
    if (!ints_decode(p, end, c->lt, c->n)) return 0;
    for (size_t i = 0; i < c->n; i++) c->lt[i] = (int64_t)((uint64_t)c->lt[i] + (uint64_t)c->ts[i]);
    return 1;
}

enum { TYPE_FROM_START = 0x80 };

static void values_encode(const tm_cols *c, tm_buf *out) {
    switch (c->type) {
    case TM_NUMBER:
        floats_encode(c->v, c->n, out);
        break;
    case TM_LOCATION:
        floats_encode(c->v, c->n, out);
        floats_encode(c->v2, c->n, out);
        break;
    case TM_STRING:
        str_encode(c->str, c->n, out);
        break;
    case TM_ROLLUP:
        floats_encode(c->v, c->n, out);
        floats_encode(c->v2, c->n, out);
        floats_encode(c->sum, c->n, out);
        floats_encode(c->cnt, c->n, out);
        floats_encode(c->last, c->n, out);
        lt_encode(c, out);
        break;
    default:
        break;
    }
}

static void encode(const tm_cols *c, int64_t start, int from_start, tm_buf *out) {
    buf_put_uvarint(out, c->n);
    buf_putc(out, (uint8_t)(c->type | (from_start ? TYPE_FROM_START : 0)));
    ts_encode(c->ts, c->n, from_start ? start : 0, out);
    values_encode(c, out);
}

void chunk_encode(const tm_cols *c, tm_buf *out) { encode(c, 0, 0, out); }
void chunk_encode_at(const tm_cols *c, int64_t start, tm_buf *out) { encode(c, start, 1, out); }

void chunk_encode_values(const tm_cols *c, tm_buf *out) {
    buf_putc(out, (uint8_t)c->type);
    values_encode(c, out);
}

static int values_decode(const uint8_t **p, const uint8_t *end, tm_cols *c) {
    size_t n = c->n;
    switch (c->type) {
    case TM_NUMBER:
        return floats_decode(p, end, c->v, n);
    case TM_LOCATION:
        return floats_decode(p, end, c->v, n) && floats_decode(p, end, c->v2, n);
    case TM_STRING:
        return str_decode(p, end, c->str, n);
    case TM_ROLLUP:
        return floats_decode(p, end, c->v, n) && floats_decode(p, end, c->v2, n) &&
               floats_decode(p, end, c->sum, n) && floats_decode(p, end, c->cnt, n) &&
               floats_decode(p, end, c->last, n) && lt_decode(p, end, c);
    default:
        return 0;
    }
}

int chunk_decode(const uint8_t *p, size_t len, tm_cols *c) { return chunk_decode_at(p, len, 0, c); }

static int known_type(int type) {
    return type == TM_NUMBER || type == TM_STRING || type == TM_LOCATION || type == TM_ROLLUP;
}

/* Count, type and times: 1 with c allocated for the type and ts filled, and
 * *p past them; 0 (c empty) when malformed. */
static int times_decode(const uint8_t **p, const uint8_t *end, int64_t start, tm_cols *c) {
    memset(c, 0, sizeof *c);
    uint64_t n;
    if (!*p || !get_uvarint(p, end, &n) || *p >= end) return 0;
    int type = **p & ~TYPE_FROM_START;
    int64_t base = *(*p)++ & TYPE_FROM_START ? start : 0;
    if (!known_type(type)) return 0;
    if (n > CHUNK_MAX || n > 2 + (uint64_t)(end - *p) * TS_PER_BYTE) return 0;
    cols_alloc(c, type, (size_t)n);
    if (!ts_decode(p, end, c->ts, c->n, base)) {
        cols_free(c);
        return 0;
    }
    return 1;
}

int chunk_decode_at(const uint8_t *p, size_t len, int64_t start, tm_cols *c) {
    const uint8_t *end = p ? p + len : p;
    if (!times_decode(&p, end, start, c)) return 0;
    if (!values_decode(&p, end, c) || p != end) {
        cols_free(c);
        return 0;
    }
    return 1;
}

int chunk_decode_times(const uint8_t *p, size_t len, int64_t start, tm_cols *c) {
    return times_decode(&p, p ? p + len : p, start, c);
}

int chunk_decode_values(const uint8_t *p, size_t len, const tm_cols *times, tm_cols *c) {
    memset(c, 0, sizeof *c);
    if (!p || !len) return 0;
    const uint8_t *end = p + len;
    int type = *p++;
    if (!known_type(type)) return 0;
    /* a count the bytes cannot hold is refused before allocating (every value costs at least a bit) */
    if (times->n > 2 + (uint64_t)(end - p) * TS_PER_BYTE) return 0;
    cols_alloc(c, type, times->n);
    memcpy(c->ts, times->ts, times->n * sizeof *c->ts);
    if (!values_decode(&p, end, c) || p != end) {
        cols_free(c);
        return 0;
    }
    return 1;
}
