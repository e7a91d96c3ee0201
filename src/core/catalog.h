/* catalog.h — series: canonical key → 32-bit id, and each series' head.
 *
 * Open addressing on a 64-bit hash of the key; ids are dense (1, 2, ...) so
 * a series is also found by id through its block. The head is the open
 * chunk, encoded (head.h), samples in arrival order (sorted is tracked so
 * the common in-order case never sorts). Pending chunks were closed and wait for the
 * persister; they are guarded by the store's lock. */
#ifndef TM_CATALOG_H
#define TM_CATALOG_H
#include <stddef.h>
#include <stdint.h>

#include "../util/arena.h"
#include "chunk.h"
#include "head.h"

struct tm_series;
typedef struct tm_pending {
    struct tm_pending *next_in_series, *next_in_queue;
    struct tm_series *se; /* series outlive the store's threads, so no lookup is needed */
    uint32_t sid;
    uint64_t seq;  /* order of closing; the persister commits in this order */
    uint8_t dropped; /* its series was deleted (set under the store's mu) */
    uint8_t skip;    /* the persister's copy of dropped, taken with the queue */
    uint64_t walpos; /* every sample of the series up to this WAL position is in here or earlier chunks */
    tm_cols c;     /* sorted, one sample per time */
    /* the series' state when it closed, for its catalog row */
    uint64_t points;
    int64_t last_ts;
    double last_v, last_v2;
    char *last_str;
} tm_pending;

enum { LOGGED = 1, LOGGED_NOW = 2 };
/* Kept small (72 bytes): a million series live in memory at once. */
typedef struct tm_series {
    const char *key; /* in the catalog's arena: it outlives every reader, deletes included */
    uint32_t id;
    uint16_t klen;   /* at most TM_KEY_MAX */
    uint8_t type;
    uint8_t head_sorted : 1;
    uint8_t logged : 2;  /* 0: its definition is in no log record yet; LOGGED_NOW: in the one being written */
    uint8_t deleted : 2; /* gone: no lookup finds it; kept so its key outlives every reader */
    tm_head *head;   /* the open chunk (head.h), NULL when empty */
    int64_t last_ts;
    double last_v;
    union {             /* by type: */
        double last_v2; /* TM_LOCATION */
        char *last_str; /* TM_STRING (owned) */
    };
    uint64_t points;
    tm_pending *pending; /* newest first */
    int64_t closed_max;  /* no closed chunk (pending, persisted or rolled up) holds a later sample */
} tm_series;

/* Ids are never reused: nids only grows, and an id may hold no series when
 * it is retired (its series was deleted, or lost with a damaged file).
 * The store persists the high-water mark (catalog_retire at load), so a new
 * series never shows an old one's data, even after a restart. Series live in
 * blocks of CAT_BLOCK, found by id without a pointer each, and never move. */
#define CAT_BLOCK_BITS 12
#define CAT_BLOCK (1u << CAT_BLOCK_BITS)
#define CAT_NBLOCKS ((size_t)1 << (32 - CAT_BLOCK_BITS))
typedef struct {
    uint32_t *slots;   /* by key: 0 empty, else id */
    size_t nslots;
    tm_series **blocks; /* block i: ids i*CAT_BLOCK...; NULL until one is used. Room for
                           every id from the start (untouched pages cost no memory),
                           so it never moves: store_key reads it without a lock */
    size_t nblocks;    /* blocks[nblocks...] are all NULL */
    size_t nids;
    size_t ndeleted;
    size_t count;      /* series present */
    tm_arena keys;
    /* while the store opens: per id, samples up to this WAL position are in
     * SQLite, so replay skips them (catalog_saved; dropped once replayed) */
    uint64_t *saved;
    size_t nsaved;
} tm_catalog;

uint64_t key_hash(const char *k, size_t n);
void catalog_init(tm_catalog *c);
void catalog_free(tm_catalog *c);
tm_series *catalog_find(tm_catalog *c, const char *k, size_t n, uint64_t h);
/* Add a series with this id (0: the next free one). */
tm_series *catalog_add(tm_catalog *c, uint32_t id, const char *k, size_t n, uint64_t h, int type);
/* Take n series out of every lookup (by key, name and id); their ids are
 * never given again while the catalog lives, and their structs stay until
 * catalog_free. One rebuild of the tables for all of them. */
void catalog_delete(tm_catalog *c, tm_series *const *v, size_t n);
/* Ids up to and including id are taken: the next new series gets a higher one. */
void catalog_retire(tm_catalog *c, uint32_t id);
void catalog_set_saved(tm_catalog *c, uint32_t id, uint64_t walpos);
uint64_t catalog_saved(const tm_catalog *c, uint32_t id); /* 0 when none was set */
void catalog_drop_saved(tm_catalog *c);
/* The series of an id, deleted ones included; NULL for an id that holds none. */
static inline tm_series *catalog_at(const tm_catalog *c, size_t id) {
    if (!id || id > UINT32_MAX || !c->blocks[id >> CAT_BLOCK_BITS]) return NULL;
    tm_series *s = &c->blocks[id >> CAT_BLOCK_BITS][id & (CAT_BLOCK - 1)];
    return s->key ? s : NULL;
}
static inline tm_series *catalog_get(tm_catalog *c, uint32_t id) {
    tm_series *s = catalog_at(c, id);
    return s && !s->deleted ? s : NULL;
}
#endif
