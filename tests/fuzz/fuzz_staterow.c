/* fuzz_staterow.c — arbitrary bytes as a row of the states table (the first
 * byte picks the row number), plain or deflated. The row is copied to
 * exactly its size, so ASan sees any read past it; whatever decodes must
 * encode and decode back to the same entries, bit for bit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/staterow.h"

/* Entries' strings stay valid until staterow_end(r). */
static size_t read_all(st_reader *r, int64_t blk, const uint8_t *p, size_t n, st_entry *e) {
    size_t k = 0;
    int got;
    if (!staterow_start(r, blk, p, n)) return (size_t)-1;
    const char *lo = r->raw ? (const char *)r->raw : (const char *)p, *hi = r->raw ? (const char *)r->end : (const char *)p + n;
    while ((got = staterow_next(r, &e[k])) > 0) {
        if (k == STATES_PER_ROW || e[k].id / STATES_PER_ROW != (uint64_t)blk) abort();
        if (e[k].str && (e[k].str < lo || e[k].str + e[k].slen > hi)) abort();
        k++;
    }
    return got < 0 ? (size_t)-1 : k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    int64_t blk = data[0] * 4099; /* spread rows over the id space, the last one included */
    size_t n = size - 1;
    uint8_t *p = malloc(n ? n : 1);
    memcpy(p, data + 1, n);
    st_entry a[STATES_PER_ROW + 1], b[STATES_PER_ROW + 1];
    st_reader ra, rb;
    size_t na = read_all(&ra, blk, p, n, a);
    if (na != (size_t)-1) {
        tm_buf out = {0};
        staterow_encode(&out, blk, a, na);
        uint8_t *q = malloc(out.n);
        memcpy(q, out.p, out.n);
        if (read_all(&rb, blk, q, out.n, b) != na) abort();
        for (size_t i = 0; i < na; i++) {
            const st_entry *x = &a[i], *y = &b[i];
            if (x->id != y->id || x->points != y->points || x->walpos != y->walpos || x->last_ts != y->last_ts ||
                memcmp(&x->v, &y->v, 8) || memcmp(&x->v2, &y->v2, 8) || !x->str != !y->str || x->slen != y->slen ||
                (x->str && memcmp(x->str, y->str, x->slen)))
                abort();
        }
        staterow_end(&rb);
        free(q);
        buf_free(&out);
    }
    staterow_end(&ra);
    free(p);
    return 0;
}
