/* pack.c — the byte layout of a packs row (pack.h). */
#include "pack.h"

#define SAME 8
#define HEAD_TIMES 16 /* the head's multiple of the start offset */

void pack_put(tm_buf *row, int64_t row_start, uint32_t id, int same, int64_t start, const uint8_t *chunk,
              size_t len) {
    buf_put_uvarint(row, ((uint64_t)start - (uint64_t)row_start) * HEAD_TIMES + (same ? SAME : 0) + id % PACK_SERIES);
    buf_put_uvarint(row, len);
    buf_put(row, chunk, len);
}

void pack_iter_init(pack_iter *it, const uint8_t *row, size_t n, int64_t row_start) {
    *it = (pack_iter){.p = row, .end = row ? row + n : row, .row_start = row_start};
}

int pack_next(pack_iter *it, pack_member *m) {
    if (it->p == it->end) return 0;
    uint64_t head, len;
    const uint8_t *q = it->p;
    if (!get_uvarint(&q, it->end, &head) || !get_uvarint(&q, it->end, &len) || len > (uint64_t)(it->end - q))
        return -1;
    m->slot = (uint32_t)(head % PACK_SERIES);
    m->same = (head & SAME) != 0;
    if (m->same && !it->has_full) return -1; /* nothing before it to take times from */
    /* unsigned: a damaged row decodes to a wrong time, never to overflow */
    m->start = (int64_t)((uint64_t)it->row_start + head / HEAD_TIMES);
    m->chunk = q;
    m->len = (size_t)len;
    it->p = q + len;
    if (!m->same) {
        it->full = *m;
        it->has_full = 1;
    }
    return 1;
}

int pack_decode(const pack_iter *it, const pack_member *m, tm_cols *c) {
    if (!m->same) return chunk_decode_at(m->chunk, m->len, m->start, c);
    tm_cols t;
    if (!chunk_decode_times(it->full.chunk, it->full.len, it->full.start, &t)) {
        *c = (tm_cols){0};
        return 0;
    }
    int ok = chunk_decode_values(m->chunk, m->len, &t, c);
    cols_free(&t);
    return ok;
}

long pack_filter(const uint8_t *row, size_t n, int64_t row_start, pack_keep_fn keep, void *arg, tm_buf *out) {
    pack_iter it;
    pack_iter_init(&it, row, n, row_start);
    const uint8_t *at = row;
    pack_member m;
    long dropped = 0;
    int rc, prev_kept = 0;
    tm_buf one = {0};
    while ((rc = pack_next(&it, &m)) == 1) {
        int k = keep(&it, &m, arg);
        tm_cols c;
        if (k && m.same && !prev_kept && !pack_decode(&it, &m, &c)) k = 0; /* unreadable anyway */
        if (k && m.same && !prev_kept) { /* its times went with the member before: give it its own */
            one.n = 0;
            chunk_encode_at(&c, m.start, &one);
            cols_free(&c);
            pack_put(out, row_start, m.slot, 0, m.start, one.p, one.n);
        } else if (k) {
            buf_put(out, at, (size_t)(it.p - at)); /* the same bytes: the same row start */
        }
        dropped += !k;
        prev_kept = k;
        at = it.p;
    }
    buf_free(&one);
    return rc < 0 ? -1 : dropped;
}
