/* keyrow.c — the bytes of one row of the `keys` table (see keyrow.h).
 *
 * A row (blk = id / 256) is a flag byte, then
 *   0: the body;
 *   1: uvarint size of the body, then the body as a raw deflate stream
 *      (RFC 1951, no zlib header) running to the end of the row;
 * whichever is smaller. The body: uvarint count, then one entry per series,
 * ids ascending:
 *   uvarint id - previous id - 1 (the first: id - blk * 256)
 *   byte type
 *   uvarint bytes shared with the previous key's start (the first: 0)
 *   uvarint length of the rest, then the rest
 * The crc column holds the row's CRC-32C, as for chunks and states.
 * Series keys are mostly a few names over many hosts and instances, so a
 * deflated row of front-coded keys takes a few bytes a series. */
#include "keyrow.h"

#include <stdlib.h>
#include <string.h>

#include "rowzip.h"

enum { KR_RAW = 0, KR_DEFLATE = 1 };
/* Below this, deflate's own block header eats any gain. */
#define KR_DEFLATE_MIN 64
/* The largest body a row can have: bounds what a damaged size makes us allocate. */
#define KR_BODY_MAX ((size_t)KEYS_PER_ROW * (TM_KEY_MAX + 16) + 16)

void keyrow_begin(kr_writer *w, int64_t blk) {
    memset(w, 0, sizeof *w);
    w->blk = blk;
    w->prev_id = (uint32_t)(blk * KEYS_PER_ROW) - 1;
}

void keyrow_add(kr_writer *w, const kr_entry *x) {
    size_t shared = 0;
    while (shared < w->plen && shared < x->klen && w->prev[shared] == x->key[shared]) shared++;
    buf_put_uvarint(&w->body, x->id - w->prev_id - 1);
    buf_putc(&w->body, x->type);
    buf_put_uvarint(&w->body, shared);
    buf_put_uvarint(&w->body, x->klen - shared);
    buf_put(&w->body, x->key + shared, x->klen - shared);
    memcpy(w->prev + shared, x->key + shared, x->klen - shared);
    w->plen = x->klen;
    w->prev_id = x->id;
    w->count++;
}

void keyrow_finish(kr_writer *w, tm_buf *out) {
    out->n = 0;
    if (w->count) {
        tm_buf body = {0};
        buf_put_uvarint(&body, w->count);
        buf_put(&body, w->body.p, w->body.n);
        buf_putc(out, KR_DEFLATE);
        if (body.n < KR_DEFLATE_MIN || !rowzip_pack(body.p, body.n, body.n, out)) { /* not smaller */
            out->n = 0;
            buf_putc(out, KR_RAW);
            buf_put(out, body.p, body.n);
        }
        buf_free(&body);
    }
    buf_free(&w->body);
}

int keyrow_start(kr_reader *r, int64_t blk, const void *data, size_t n) {
    memset(r, 0, sizeof *r);
    r->blk = blk;
    r->prev_id = (uint32_t)(blk * KEYS_PER_ROW) - 1;
    if (!data || !n) return 0;
    const uint8_t *p = data, *end = p + n;
    uint8_t flag = *p++;
    if (flag == KR_DEFLATE) {
        size_t size;
        if (!(r->raw = rowzip_unpack(p, (size_t)(end - p), KR_BODY_MAX, &size))) return 0;
        p = r->raw;
        end = p + size;
    } else if (flag != KR_RAW) {
        return 0;
    }
    r->p = p;
    r->end = end;
    if (get_uvarint(&r->p, r->end, &r->left) && r->left <= KEYS_PER_ROW) return 1;
    keyrow_end(r);
    return 0;
}

int keyrow_next(kr_reader *r, kr_entry *x) {
    if (!r->left) return r->p == r->end ? 0 : -1;
    uint64_t gap, shared, rest;
    if (!get_uvarint(&r->p, r->end, &gap) || gap >= KEYS_PER_ROW || r->p >= r->end) return -1;
    uint64_t id = (uint64_t)(uint32_t)(r->prev_id + 1) + gap; /* the first base wraps (row 0) */
    if (id / KEYS_PER_ROW != (uint64_t)r->blk || id == 0 || id > UINT32_MAX) return -1;
    uint8_t type = *r->p++;
    if (type > TM_LOCATION || !get_uvarint(&r->p, r->end, &shared) || shared > r->klen ||
        !get_uvarint(&r->p, r->end, &rest) || rest > TM_KEY_MAX - shared || shared + rest == 0 ||
        rest > (uint64_t)(r->end - r->p))
        return -1;
    memcpy(r->key + shared, r->p, (size_t)rest);
    r->p += rest;
    r->klen = (size_t)(shared + rest);
    r->prev_id = (uint32_t)id;
    r->left--;
    x->id = (uint32_t)id;
    x->type = type;
    x->key = r->key;
    x->klen = r->klen;
    return 1;
}

void keyrow_end(kr_reader *r) {
    free(r->raw);
    r->raw = NULL;
    r->p = r->end = NULL;
    r->left = 0;
}
