/* fuzz_walrec.c — arbitrary bytes as a write-ahead log payload (as replay
 * reads it) and as a damaged run (as the loss count reads it). Every field
 * must be read inside the input: the copy is exactly its size, so ASan sees
 * any read past it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/walrec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *p = malloc(size ? size : 1);
    memcpy(p, data, size);
    const uint8_t *q = p, *end = p + size;
    wal_entry e;
    size_t entries = 0;
    while (q < end && walrec_next(&q, end, &e)) {
        if (q > end) abort();
        if ((e.kind == W_SERIES || e.kind == W_STR) && (e.bytes < p || e.bytes + e.len > end)) abort();
        entries++;
    }
    int exact;
    size_t lost = walrec_count_lost(p, size, &exact);
    if (exact && lost > size) abort();
    (void)entries;
    free(p);
    return 0;
}
