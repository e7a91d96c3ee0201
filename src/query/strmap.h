/* strmap.h — (scope, string) → uint32 value, open addressing. The name
 * tree keys children by (parent node, segment) and the postings key values
 * by (tag, value), so one table serves a whole level of many small maps.
 * A slot holds only the value and part of the hash (8 bytes): the map's
 * owner already keeps each value's scope and string, and tells them through
 * key_of, so nothing is stored twice. */
#ifndef TM_STRMAP_H
#define TM_STRMAP_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t val, hash; /* hash 0: empty */
} tm_smslot;

/* The scope and string of a value put into the map. */
typedef void (*tm_smkey)(const void *owner, uint32_t val, uint32_t *scope, const char **s, size_t *n);

typedef struct {
    tm_smslot *slot;
    size_t nslots, n;
    tm_smkey key_of;
    const void *owner;
} tm_strmap;

void strmap_init(tm_strmap *m, tm_smkey key_of, const void *owner);
void strmap_free(tm_strmap *m);
/* The value for (scope, s), or UINT32_MAX when absent. */
uint32_t strmap_get(const tm_strmap *m, uint32_t scope, const char *s, size_t n);
void strmap_put(tm_strmap *m, uint32_t scope, const char *s, size_t n, uint32_t val); /* absent keys only */
#endif
