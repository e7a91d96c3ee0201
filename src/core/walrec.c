/* walrec.c — reading the store's write-ahead log payloads (see walrec.h). */
#include "walrec.h"

#include <string.h>

#include "../util/buf.h"
#include "../model/batch.h"

int walrec_kind_ok(uint8_t b) {
    return b == W_COUNT || b == W_SERIES || b == W_NUM || b == W_LOC || b == W_STR || b == W_DELETE;
}

int walrec_next(const uint8_t **pp, const uint8_t *end, wal_entry *e) {
    const uint8_t *p = *pp;
    if (p >= end) return 0;
    e->kind = *p++;
    switch (e->kind) {
    case W_COUNT:
        if (end - p < 4) return 0;
        memcpy(&e->count, p, 4);
        p += 4;
        break;
    case W_DELETE:
        if (!get_uvarint(&p, end, &e->id)) return 0;
        break;
    case W_SERIES:
        /* the type byte must lie inside the record too */
        if (!get_uvarint(&p, end, &e->id) || p >= end) return 0;
        e->type = *p++;
        if (!get_uvarint(&p, end, &e->len) || e->len > (uint64_t)(end - p) || e->type > TM_LOCATION ||
            e->id > UINT32_MAX || !e->id)
            return 0;
        e->bytes = p;
        p += e->len;
        break;
    case W_NUM:
    case W_LOC:
    case W_STR:
        if (!get_uvarint(&p, end, &e->id) || !get_svarint(&p, end, &e->ts)) return 0;
        if (e->kind == W_STR) {
            if (!get_uvarint(&p, end, &e->len) || e->len > (uint64_t)(end - p)) return 0;
            e->bytes = p;
            p += e->len;
            break;
        }
        if ((size_t)(end - p) < (e->kind == W_LOC ? 16u : 8u)) return 0;
        memcpy(&e->v, p, 8);
        if (e->kind == W_LOC) memcpy(&e->v2, p + 8, 8);
        p += e->kind == W_LOC ? 16 : 8;
        break;
    default:
        return 0;
    }
    *pp = p;
    return 1;
}

size_t walrec_count_lost(const uint8_t *p, size_t n, int *exact) {
    *exact = 0;
    if (n <= 8) return 0;
    const uint8_t *q = p + 8, *end = p + n;
    wal_entry e;
    /* a count larger than the bytes could hold is itself damaged */
    if (walrec_next(&q, end, &e) && e.kind == W_COUNT && e.count <= n / 3) {
        *exact = 1;
        return e.count;
    }
    size_t samples = 0;
    q = p + 8;
    while (q < end && walrec_next(&q, end, &e))
        if (e.kind == W_NUM || e.kind == W_LOC || e.kind == W_STR) samples++;
    if (q >= end) return samples;
    /* the rest at the density seen so far, or at a number's smallest size */
    size_t done = (size_t)(q - (p + 8)), left = (size_t)(end - q);
    return samples + (samples ? left * samples / (done ? done : 1) : left / 11);
}
