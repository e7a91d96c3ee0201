/* index_int.h — the index's own structures (index.c, kidsort.c). */
#ifndef TM_INDEX_INT_H
#define TM_INDEX_INT_H
#include <pthread.h>

#include "../util/arena.h"
#include "index.h"
#include "strmap.h"

/* A set of series ids in 4 bytes: most names have one series, so its id
 * is kept in place (PL_SET clear; 0 is the empty set, ids start at 1); a
 * second one moves the set into ix->sets (PL_SET | its index). */
typedef uint32_t plist;
#define PL_SET 0x80000000u

/* 28 bytes: a node per name segment, about two per series. */
typedef struct {
    uint32_t sid; /* the segment is bytes off.. of this series' key (store_key: keys outlive the index,
                     deletes included; keys are at most TM_KEY_MAX, 11 bits) */
    uint32_t off : 11, seglen : 11;
    uint32_t nkids : 10; /* saturates: only "at least MAP_KIDS" matters */
    uint32_t parent, kid, sib; /* first child, next sibling; 0 is none (the root is no one's child) */
    plist ser;       /* series named exactly this path (any tags) */
    uint32_t plain_below; /* untagged number series at or below this node: Graphite's tree shows only
                             these; less its children's, those named exactly this path */
} node;

typedef struct {
    const char *v; /* in ix->strs */
    uint32_t vlen, tag;
    plist ids;
} posting;

typedef struct {
    const char *k; /* in ix->strs */
    uint32_t klen;
    uint32_t *post; /* indexes into postings */
    uint32_t np, cp;
} tagkey;

struct tm_index {
    pthread_rwlock_t lock;
    size_t n; /* ids 1..n indexed */
    size_t ngone; /* the store's deletions taken out so far */
    tm_store *st;   /* keys come from the store (store_key), not copied */
    uint8_t *types; /* per id; NO_SERIES for a hole or a deleted series */
    size_t cap;
    node *nodes; /* [0] is the root */
    size_t nn, cn;
    tm_strmap kids; /* (parent, segment) → node, for parents of MAP_KIDS or more */
    tagkey *tags;
    size_t nt, ct;
    tm_strmap tagidx; /* (0, key) → tag */
    posting *posts;
    size_t npost, cpost;
    tm_strmap vals; /* (tag, value) → posting */
    tm_ids *sets;   /* plists of two or more ids */
    size_t nsets, csets;
    tm_arena strs;  /* tag keys and values */
    /* wide nodes' children in segment order (kidsort.c) */
    pthread_mutex_t sort_mu; /* the table; taken under the read lock */
    tm_strmap sorted;        /* (node, "") → kidsort */
    struct kidsort **ks;
    size_t nks, cks;
};

#define NO_SERIES 0xff

static inline const char *seg_of(const tm_index *ix, const node *x) {
    size_t kl;
    return store_key(ix->st, x->sid, &kl) + x->off;
}

#define MAP_KIDS 16 /* children hashed (ix->kids) from this many on: see find_kid */

/* kidsort.c: the children of a wide node (SORT_MIN children or more) in
 * segment order, so a glob segment with a literal prefix visits only that
 * prefix's range. Sorted by the first walk on a worker that wants them
 * (under the read lock and sort_mu), dropped when the node gets a child
 * (under the write lock: kids_stale). */
#define SORT_MIN 64
void kids_init(tm_index *ix);
void kids_free(tm_index *ix);
void kids_stale(tm_index *ix, uint32_t parent);
/* The children of parent whose segment begins with pre[0..pn), in segment
 * order: 1 with *kids, *n set (n may be 0); 0 when parent has no sorted
 * children to offer (too few or too many, or another thread holds the
 * table): walk them all; -1 when may_sort is 0 and they are not sorted
 * yet, but would be by a walk that may sort. */
int kids_range(tm_index *ix, uint32_t parent, const char *pre, size_t pn, int may_sort, const uint32_t **kids,
               size_t *n);
#endif
