#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "../core/catalog.h"
#include "../util/buf.h"

static uint32_t hash_of(uint32_t scope, const char *s, size_t n) {
    uint64_t h = key_hash(s, n) ^ ((uint64_t)scope * 0x9e3779b97f4a7c15ULL);
    return (uint32_t)(h ^ (h >> 32)) | 1; /* never 0, the empty slot's mark */
}

void strmap_init(tm_strmap *m, tm_smkey key_of, const void *owner) {
    memset(m, 0, sizeof *m);
    m->key_of = key_of;
    m->owner = owner;
}

void strmap_free(tm_strmap *m) {
    free(m->slot);
    m->slot = NULL;
    m->nslots = m->n = 0;
}

uint32_t strmap_get(const tm_strmap *m, uint32_t scope, const char *s, size_t n) {
    if (!m->nslots) return UINT32_MAX;
    uint32_t h = hash_of(scope, s, n);
    size_t mask = m->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const tm_smslot *x = &m->slot[i];
        if (!x->hash) return UINT32_MAX;
        if (x->hash != h) continue;
        uint32_t sc;
        const char *k;
        size_t kn;
        m->key_of(m->owner, x->val, &sc, &k, &kn);
        if (sc == scope && kn == n && !memcmp(k, s, n)) return x->val;
    }
}

static void place(tm_strmap *m, tm_smslot x) {
    size_t mask = m->nslots - 1;
    size_t i = x.hash & mask;
    while (m->slot[i].hash) i = (i + 1) & mask;
    m->slot[i] = x;
}

void strmap_put(tm_strmap *m, uint32_t scope, const char *s, size_t n, uint32_t val) {
    if ((m->n + 1) * 4 > m->nslots * 3) { /* at most 3/4 full: short probes, and slots are small */
        tm_smslot *old = m->slot;
        size_t on = m->nslots;
        m->nslots = on ? on * 2 : 64;
        m->slot = xcalloc(m->nslots, sizeof *m->slot);
        for (size_t i = 0; i < on; i++)
            if (old[i].hash) place(m, old[i]);
        free(old);
    }
    place(m, (tm_smslot){val, hash_of(scope, s, n)});
    m->n++;
}
