#include "catalog.h"

#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "store.h"

/* wyhash-style mixing: fast on short keys, good enough spread for probing. */
static inline uint64_t mix64(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}
uint64_t key_hash(const char *k, size_t n) {
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, k, 8);
        h = mix64(h ^ w, 0xa0761d6478bd642fULL);
        k += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, k, n);
    h = mix64(h ^ w, 0xe7037ed1a0b428dbULL);
    return mix64(h, 0x8ebc6af09c88c6e3ULL) | 1; /* never 0 */
}

void catalog_init(tm_catalog *c) {
    memset(c, 0, sizeof *c);
    c->nslots = 1024;
    c->slots = xcalloc(c->nslots, sizeof *c->slots);
    c->blocks = xcalloc(CAT_NBLOCKS, sizeof *c->blocks);
    c->nids = 1;
}

void catalog_free(tm_catalog *c) {
    for (size_t i = 1; i < c->nids; i++) {
        tm_series *s = catalog_at(c, i);
        if (!s) continue;
        free(s->head);
        if (s->type == TM_STRING) free(s->last_str);
        while (s->pending) {
            tm_pending *p = s->pending;
            s->pending = p->next_in_series;
            cols_free(&p->c);
            free(p->last_str);
            free(p);
        }
    }
    for (size_t b = 0; b < c->nblocks; b++) free(c->blocks[b]);
    free(c->blocks);
    free(c->slots);
    arena_free(&c->keys);
    free(c->saved);
    memset(c, 0, sizeof *c);
}

void catalog_set_saved(tm_catalog *c, uint32_t id, uint64_t walpos) {
    XGROW_ZEROED(c->saved, id, c->nsaved, 1024);
    c->saved[id] = walpos;
}

uint64_t catalog_saved(const tm_catalog *c, uint32_t id) { return id < c->nsaved ? c->saved[id] : 0; }

void catalog_drop_saved(tm_catalog *c) {
    free(c->saved);
    c->saved = NULL;
    c->nsaved = 0;
}

/* No hash is kept per series (4 bytes each): a probe compares lengths, then
 * keys; the table is at most half full, so that is about one key a lookup. */
tm_series *catalog_find(tm_catalog *c, const char *k, size_t n, uint64_t h) {
    size_t mask = c->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t id = c->slots[i];
        if (!id) return NULL;
        tm_series *s = catalog_at(c, id);
        if (s->klen == n && !memcmp(s->key, k, n)) return s;
    }
}

static void insert_slot(tm_catalog *c, const tm_series *s, uint64_t h) {
    size_t mask = c->nslots - 1;
    size_t i = h & mask;
    while (c->slots[i]) i = (i + 1) & mask;
    c->slots[i] = s->id;
}

/* The table again, at nslots, from every live series. */
static void rebuild_slots(tm_catalog *c) {
    free(c->slots);
    c->slots = xcalloc(c->nslots, sizeof *c->slots);
    for (size_t i = 1; i < c->nids; i++) {
        tm_series *s = catalog_at(c, i);
        if (s && !s->deleted) insert_slot(c, s, key_hash(s->key, s->klen));
    }
}

static void grow_slots(tm_catalog *c) {
    c->nslots *= 2;
    rebuild_slots(c);
}

/* Open addressing cannot drop one key in place; deletes are rare, so the
 * table is rebuilt without it. */
void catalog_delete(tm_catalog *c, tm_series *const *v, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!v[i]->deleted) v[i]->deleted = 1, k++;
    c->ndeleted += k;
    if (k) rebuild_slots(c);
}

static void reserve_id(tm_catalog *c, uint32_t id) {
    if (id >= c->nids) __atomic_store_n(&c->nids, id + 1, __ATOMIC_RELEASE);
}

void catalog_retire(tm_catalog *c, uint32_t id) { reserve_id(c, id); }

tm_series *catalog_add(tm_catalog *c, uint32_t id, const char *k, size_t n, uint64_t h, int type) {
    if (!id) id = (uint32_t)c->nids;
    reserve_id(c, id);
    c->count++;
    tm_series **blk = &c->blocks[id >> CAT_BLOCK_BITS];
    if (!*blk) *blk = xcalloc(CAT_BLOCK, sizeof **blk);
    if ((id >> CAT_BLOCK_BITS) >= c->nblocks) c->nblocks = (id >> CAT_BLOCK_BITS) + 1;
    tm_series *s = &(*blk)[id & (CAT_BLOCK - 1)];
    memset(s, 0, sizeof *s);
    s->id = id;
    s->type = (uint8_t)type;
    s->key = arena_strndup(&c->keys, k, n);
    s->klen = (uint16_t)(n > UINT16_MAX ? UINT16_MAX : n); /* parsers refuse keys past TM_KEY_MAX */
    s->head_sorted = 1;
    s->logged = LOGGED; /* loaded or replayed; store_write clears it for a new one */
    s->last_ts = INT64_MIN;
    s->closed_max = INT64_MIN;
    /* keep the table at most half full so probes stay short */
    if (c->nids * 2 > c->nslots) grow_slots(c);
    else insert_slot(c, s, h);
    return s;
}
