/* strmap.h — (scope, string) → uint32 value, open addressing. The name
 * tree keys children by (parent node, segment) and the postings key values
 * by (tag, value), so one table serves a whole level of many small maps.
 * Strings are copied into the map's own memory. */
#ifndef TM_STRMAP_H
#define TM_STRMAP_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t scope, val, len;
    uint64_t hash;
    char *s;
} tm_smslot;

typedef struct {
    tm_smslot *slot;
    size_t nslots, n;
} tm_strmap;

void strmap_free(tm_strmap *m);
/* The value for (scope, s), or UINT32_MAX when absent. */
uint32_t strmap_get(const tm_strmap *m, uint32_t scope, const char *s, size_t n);
void strmap_put(tm_strmap *m, uint32_t scope, const char *s, size_t n, uint32_t val); /* absent keys only */
#endif
