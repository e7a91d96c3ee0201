/* index.h — which series exist, indexed for selection without scans.
 *
 * Two indexes over the store's catalog: the dotted-name tree (one node per
 * name segment; a node's series are those named exactly its path) for
 * Graphite globs and /metrics/find, and tag → value → series postings for
 * label matchers, where the name is the tag "__name__" (answered from the
 * tree). Keys are the store's own (store_key), not copies. Ids only grow and
 * keys never change, so index_sync catches up by reading just the series
 * added since its last call; every query calls it first (on a worker, with
 * that worker's reader). Any thread may use an index: sync takes its write
 * lock, every lookup its read lock, and answers are copies. */
#ifndef TM_INDEX_H
#define TM_INDEX_H
#include <stddef.h>
#include <stdint.h>

#include "../core/store.h"
#include "ids.h"

typedef struct tm_index tm_index;

tm_index *index_new(void);
void index_free(tm_index *ix);
void index_sync(tm_index *ix, tm_reader *rd);
size_t index_size(tm_index *ix); /* series indexed: ids 1..size */
/* Has the index taken in ids up to max_id and ngone deletions
 * (store_counts)? 0 too while a sync writes it: the caller never waits. */
int index_holds(tm_index *ix, uint32_t max_id, size_t ngone);

/* The canonical key ("name;k=v...") of a series; stable for the store's life. */
const char *index_key(tm_index *ix, uint32_t id, size_t *klen);
/* index_key of ids[0..n) into keys and klens (NULL, 0: none), under one
 * hold of the lock: the way to ask for many. */
#define INDEX_KEYS_CHUNK 256 /* a good n for arrays on the stack */
void index_keys(tm_index *ix, const uint32_t *ids, size_t n, const char **keys, size_t *klens);
int index_type(tm_index *ix, uint32_t id);

/* Series whose name matches a Graphite glob, walking only the tree's matching
 * branches (a literal segment is one hash lookup). with_tags: also series
 * that carry tags (Graphite's own globs see only untagged ones). */
void index_glob(tm_index *ix, const char *glob, size_t n, int with_tags, tm_ids *out);

/* /metrics/find: the nodes matching a glob, sorted by path; leaf when an
 * untagged number series has exactly that name, branch when one lies
 * below it (Graphite's tree holds only those). The paths live in the
 * array's own block (nodes_free frees both). */
typedef struct {
    const char *path;
    int leaf, branch;
    size_t len, name; /* the path's length; where its last segment starts */
} tm_node;
size_t index_find(tm_index *ix, const char *glob, size_t n, tm_node **out);
/* The same, for a thread that must not wait (the loop thread): SIZE_MAX
 * (and *out NULL) when the walk would look at more than about budget
 * nodes (0: no bound; a node answered counts as 8), or the index is being
 * written, or a wide node is not sorted yet; then ask index_find elsewhere. */
size_t index_find_within(tm_index *ix, const char *glob, size_t n, size_t budget, tm_node **out);
void nodes_free(tm_node *v, size_t n);

/* Tag keys (never "__name__") and one key's values, sorted; strings
 * allocated (strs_free). The values of "__name__" are the names that have
 * series, answered from the name tree (names are not posted twice). */
size_t index_tag_keys(tm_index *ix, char ***out);
size_t index_tag_values(tm_index *ix, const char *key, char ***out);
void strs_free(char **v, size_t n);

/* Union, into out, of the postings of every value of key for which
 * test(value, arg) holds (test NULL: every value). */
void index_postings(tm_index *ix, const char *key, size_t klen, int (*test)(const char *v, size_t n, void *arg),
                    void *arg, tm_ids *out);
/* The postings of one exact value. */
void index_postings_eq(tm_index *ix, const char *key, size_t klen, const char *v, size_t vlen, tm_ids *out);
/* Every series (for a matcher set that narrows nothing, e.g. only !=). */
void index_all(tm_index *ix, tm_ids *out);
#endif
