/* catalog.h — series: canonical key → 32-bit id, and each series' head.
 *
 * Open addressing on a 64-bit hash of the key; ids are dense (1, 2, ...) so
 * a series is also found by id through an array. The head is the open
 * chunk: raw samples in arrival order (sorted is tracked so the common
 * in-order case never sorts). Pending chunks were closed and wait for the
 * persister; they are guarded by the store's lock. */
#ifndef TM_CATALOG_H
#define TM_CATALOG_H
#include <stddef.h>
#include <stdint.h>

#include "chunk.h"

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
typedef struct tm_series {
    uint32_t id;
    uint8_t type;
    uint8_t head_sorted;
    uint8_t logged;  /* 0: its definition is in no log record yet; LOGGED_NOW: in the one being written */
    char *key;
    uint32_t klen;
    uint64_t hash;
    tm_cols head;    /* head.n samples, capacity head_cap */
    size_t head_cap;
    int64_t last_ts;
    double last_v, last_v2;
    char *last_str;
    uint64_t points;
    uint64_t head_walpos;  /* WAL position of the newest sample in the head */
    uint64_t saved_walpos; /* samples up to here are in SQLite: replay skips them */
    tm_pending *pending; /* newest first */
    int64_t closed_max;  /* no closed chunk (pending, persisted or rolled up) holds a later sample */
    uint32_t next_same_name; /* the name index's chain: series that differ only in tags */
    uint8_t deleted;         /* gone: no lookup finds it; kept so its key outlives every reader */
} tm_series;

/* Ids are never reused: nids only grows, and byid[i] may be NULL for an id
 * that is retired (its series was deleted, or lost with a damaged file).
 * The store persists the high-water mark (catalog_retire at load), so a new
 * series never shows an old one's data, even after a restart. */
typedef struct {
    uint32_t *slots;   /* 0 empty, else id */
    uint32_t *names;   /* by name (the key before ';'): the newest such series' id */
    size_t nslots;     /* of both tables */
    tm_series **byid;  /* index id; [0] unused */
    size_t nids, capids;
    size_t ndeleted;
    size_t count;      /* series present (byid[i] != NULL) */
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
/* The newest series with this name (follow next_same_name), or NULL. */
tm_series *catalog_named(tm_catalog *c, const char *name, size_t n);
static inline tm_series *catalog_get(tm_catalog *c, uint32_t id) {
    tm_series *s = id < c->nids ? c->byid[id] : NULL;
    return s && !s->deleted ? s : NULL;
}
#endif
