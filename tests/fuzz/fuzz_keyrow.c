/* fuzz_keyrow.c — arbitrary bytes as a row of the keys table (the first
 * byte picks the row number). The row is copied to exactly its size, so
 * ASan sees any read past it; whatever decodes must encode and decode back
 * to the same entries, byte for byte. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/keyrow.h"

typedef struct {
    uint32_t id;
    uint8_t type;
    size_t klen;
    char *key;
} copy;

/* Every entry of the row, keys copied; (size_t)-1 when it is malformed. */
static size_t read_all(int64_t blk, const uint8_t *p, size_t n, copy *e) {
    kr_reader r;
    kr_entry x;
    size_t k = 0;
    int got;
    if (!keyrow_start(&r, blk, p, n)) return (size_t)-1;
    while ((got = keyrow_next(&r, &x)) > 0) {
        if (k == KEYS_PER_ROW || x.id / KEYS_PER_ROW != (uint64_t)blk || !x.klen || x.klen > TM_KEY_MAX) abort();
        if (k && x.id <= e[k - 1].id) abort();
        e[k] = (copy){x.id, x.type, x.klen, malloc(x.klen)};
        memcpy(e[k].key, x.key, x.klen);
        k++;
    }
    keyrow_end(&r);
    if (got < 0) {
        for (size_t i = 0; i < k; i++) free(e[i].key);
        return (size_t)-1;
    }
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    int64_t blk = data[0] * 65793; /* spread rows over the id space, the last one included */
    size_t n = size - 1;
    uint8_t *p = malloc(n ? n : 1);
    memcpy(p, data + 1, n);
    static copy a[KEYS_PER_ROW + 1], b[KEYS_PER_ROW + 1];
    size_t na = read_all(blk, p, n, a);
    if (na != (size_t)-1) {
        kr_writer w;
        keyrow_begin(&w, blk);
        for (size_t i = 0; i < na; i++)
            keyrow_add(&w, &(kr_entry){.id = a[i].id, .type = a[i].type, .key = a[i].key, .klen = a[i].klen});
        tm_buf out = {0};
        keyrow_finish(&w, &out);
        uint8_t *q = malloc(out.n ? out.n : 1);
        if (out.n) memcpy(q, out.p, out.n);
        size_t nb = na ? read_all(blk, q, out.n, b) : 0;
        if (nb != na) abort();
        for (size_t i = 0; i < na; i++) {
            if (a[i].id != b[i].id || a[i].type != b[i].type || a[i].klen != b[i].klen ||
                memcmp(a[i].key, b[i].key, a[i].klen))
                abort();
            free(b[i].key);
        }
        for (size_t i = 0; i < na; i++) free(a[i].key);
        free(q);
        buf_free(&out);
    }
    free(p);
    return 0;
}
