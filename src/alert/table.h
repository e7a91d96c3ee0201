/* table.h — the per-series states of one rule, by series key: a glob over
 * 500 hosts is 500 entries. Open addressing on the key's hash; entries are
 * never removed while the rule lives (a series that stops matching keeps
 * its slot, so it can still be resolved). */
#ifndef TM_ALERT_TABLE_H
#define TM_ALERT_TABLE_H
#include <stddef.h>
#include <stdint.h>

#include "state.h"

typedef struct {
    char *key;
    size_t klen;
    alert_state st;
    char *sval; /* string rules: the last value */
    size_t slen;
    uint8_t nodata;  /* the last observation was a silence */
    uint32_t seen;   /* the round that last observed it */
} series_slot;

typedef struct {
    series_slot *v;
    size_t n, cap;
    uint32_t *ix; /* slot index + 1; 0 empty */
    size_t icap;
} series_table;

/* The slot of key; a new ok one when create (else NULL when absent).
 * Pointers stay valid until the next create. */
series_slot *table_get(series_table *t, const char *key, size_t klen, int create);
void table_free(series_table *t);
#endif
