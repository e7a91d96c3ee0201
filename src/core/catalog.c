#include "catalog.h"

#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

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
    c->names = xcalloc(c->nslots, sizeof *c->names);
    c->capids = 1024;
    c->byid = xcalloc(c->capids, sizeof *c->byid);
    c->nids = 1;
}

void catalog_free(tm_catalog *c) {
    for (size_t i = 1; i < c->nids; i++) {
        tm_series *s = c->byid[i];
        if (!s) continue;
        cols_free(&s->head);
        free(s->key);
        free(s->last_str);
        while (s->pending) {
            tm_pending *p = s->pending;
            s->pending = p->next_in_series;
            cols_free(&p->c);
            free(p->last_str);
            free(p);
        }
        free(s);
    }
    free(c->slots);
    free(c->names);
    free(c->byid);
    memset(c, 0, sizeof *c);
}

tm_series *catalog_find(tm_catalog *c, const char *k, size_t n, uint64_t h) {
    size_t mask = c->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t id = c->slots[i];
        if (!id) return NULL;
        tm_series *s = c->byid[id];
        if (s->hash == h && s->klen == n && !memcmp(s->key, k, n)) return s;
    }
}

static size_t name_len(const tm_series *s) {
    const char *semi = memchr(s->key, ';', s->klen);
    return semi ? (size_t)(semi - s->key) : s->klen;
}

/* The name table's slot for this name: its chain's head, or an empty slot. */
static uint32_t *name_slot(tm_catalog *c, const char *name, size_t n) {
    size_t mask = c->nslots - 1;
    for (size_t i = key_hash(name, n) & mask;; i = (i + 1) & mask) {
        uint32_t id = c->names[i];
        if (!id) return &c->names[i];
        tm_series *s = c->byid[id];
        if (name_len(s) == n && !memcmp(s->key, name, n)) return &c->names[i];
    }
}

tm_series *catalog_named(tm_catalog *c, const char *name, size_t n) {
    uint32_t id = *name_slot(c, name, n);
    return id ? c->byid[id] : NULL;
}

static void insert_slot(tm_catalog *c, tm_series *s) {
    size_t mask = c->nslots - 1;
    size_t i = s->hash & mask;
    while (c->slots[i]) i = (i + 1) & mask;
    c->slots[i] = s->id;
    uint32_t *head = name_slot(c, s->key, name_len(s));
    s->next_same_name = *head;
    *head = s->id;
}

/* Both tables again, at nslots, from every live series. */
static void rebuild_slots(tm_catalog *c) {
    free(c->slots);
    free(c->names);
    c->slots = xcalloc(c->nslots, sizeof *c->slots);
    c->names = xcalloc(c->nslots, sizeof *c->names);
    for (size_t i = 1; i < c->nids; i++)
        if (c->byid[i] && !c->byid[i]->deleted) insert_slot(c, c->byid[i]);
}

static void grow_slots(tm_catalog *c) {
    c->nslots *= 2;
    rebuild_slots(c);
}

/* Open addressing cannot drop one key in place; deletes are rare, so the
 * tables are rebuilt without it. */
void catalog_delete(tm_catalog *c, tm_series *const *v, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!v[i]->deleted) v[i]->deleted = 1, k++;
    c->ndeleted += k;
    if (k) rebuild_slots(c);
}

static void reserve_id(tm_catalog *c, uint32_t id) {
    if (id >= c->capids) {
        size_t cap = c->capids;
        while (cap <= id) cap *= 2;
        c->byid = xrealloc(c->byid, cap * sizeof *c->byid);
        memset(c->byid + c->capids, 0, (cap - c->capids) * sizeof *c->byid);
        c->capids = cap;
    }
    if (id >= c->nids) __atomic_store_n(&c->nids, id + 1, __ATOMIC_RELEASE);
}

void catalog_retire(tm_catalog *c, uint32_t id) { reserve_id(c, id); }

tm_series *catalog_add(tm_catalog *c, uint32_t id, const char *k, size_t n, uint64_t h, int type) {
    if (!id) id = (uint32_t)c->nids;
    reserve_id(c, id);
    c->count++;
    tm_series *s = xcalloc(1, sizeof *s);
    s->id = id;
    s->type = (uint8_t)type;
    s->key = xstrndup(k, n);
    s->klen = (uint32_t)n;
    s->hash = h;
    s->head.type = type;
    s->head_sorted = 1;
    s->logged = LOGGED; /* loaded or replayed; store_write clears it for a new one */
    s->last_ts = INT64_MIN;
    s->closed_max = INT64_MIN;
    c->byid[id] = s;
    /* keep the table at most half full so probes stay short */
    if (c->nids * 2 > c->nslots) grow_slots(c);
    else insert_slot(c, s);
    return s;
}
