/* table.c — a rule's series states by key (see table.h). */
#include "table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

static uint64_t hash(const char *k, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
    return h;
}

static void reindex(series_table *t, size_t cap) {
    free(t->ix);
    t->icap = cap;
    t->ix = xcalloc(cap, sizeof *t->ix);
    for (size_t i = 0; i < t->n; i++) {
        size_t at = hash(t->v[i].key, t->v[i].klen) & (cap - 1);
        while (t->ix[at]) at = (at + 1) & (cap - 1);
        t->ix[at] = (uint32_t)(i + 1);
    }
}

series_slot *table_get(series_table *t, const char *key, size_t klen, int create) {
    if (t->icap) {
        for (size_t at = hash(key, klen) & (t->icap - 1); t->ix[at]; at = (at + 1) & (t->icap - 1)) {
            series_slot *s = &t->v[t->ix[at] - 1];
            if (s->klen == klen && !memcmp(s->key, key, klen)) return s;
        }
    }
    if (!create) return NULL;
    XGROW(t->v, t->n, t->cap, 8);
    series_slot *s = &t->v[t->n++];
    memset(s, 0, sizeof *s);
    s->key = xstrndup(key, klen);
    s->klen = klen;
    s->st.value = NAN;
    if (t->n * 2 > t->icap) reindex(t, t->icap ? t->icap * 2 : 16);
    else {
        size_t at = hash(key, klen) & (t->icap - 1);
        while (t->ix[at]) at = (at + 1) & (t->icap - 1);
        t->ix[at] = (uint32_t)t->n;
    }
    return s;
}

void table_free(series_table *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].key);
        free(t->v[i].sval);
    }
    free(t->v);
    free(t->ix);
    memset(t, 0, sizeof *t);
}
