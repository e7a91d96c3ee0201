#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "../core/catalog.h"
#include "../util/buf.h"

static uint64_t hash_of(uint32_t scope, const char *s, size_t n) {
    return key_hash(s, n) ^ ((uint64_t)scope * 0x9e3779b97f4a7c15ULL);
}

void strmap_free(tm_strmap *m) {
    for (size_t i = 0; i < m->nslots; i++) free(m->slot[i].s);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

uint32_t strmap_get(const tm_strmap *m, uint32_t scope, const char *s, size_t n) {
    if (!m->nslots) return UINT32_MAX;
    uint64_t h = hash_of(scope, s, n);
    size_t mask = m->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const tm_smslot *x = &m->slot[i];
        if (!x->s) return UINT32_MAX;
        if (x->hash == h && x->scope == scope && x->len == n && !memcmp(x->s, s, n)) return x->val;
    }
}

static void place(tm_strmap *m, tm_smslot x) {
    size_t mask = m->nslots - 1;
    size_t i = x.hash & mask;
    while (m->slot[i].s) i = (i + 1) & mask;
    m->slot[i] = x;
}

void strmap_put(tm_strmap *m, uint32_t scope, const char *s, size_t n, uint32_t val) {
    if ((m->n + 1) * 2 > m->nslots) {
        tm_smslot *old = m->slot;
        size_t on = m->nslots;
        m->nslots = on ? on * 2 : 64;
        m->slot = xcalloc(m->nslots, sizeof *m->slot);
        for (size_t i = 0; i < on; i++)
            if (old[i].s) place(m, old[i]);
        free(old);
    }
    char *copy = xmalloc(n + 1);
    memcpy(copy, s, n);
    copy[n] = 0;
    place(m, (tm_smslot){scope, val, (uint32_t)n, hash_of(scope, s, n), copy});
    m->n++;
}
