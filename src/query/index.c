/* index.c — the name tree and the tag postings (see index.h). */
#include "index.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../model/batch.h"
#include "../util/buf.h"
#include "../util/arena.h"
#include "../util/glob.h"
#include "../util/sort.h"
#include "index_int.h"

/* The key of an indexed series (deleted ones too: forget_series needs it). */
static const char *key_of(const tm_index *ix, uint32_t id, size_t *klen) { return store_key(ix->st, id, klen); }

static void kid_key(const void *o, uint32_t v, uint32_t *scope, const char **s, size_t *n) {
    const tm_index *ix = o;
    const node *x = &ix->nodes[v];
    *scope = x->parent, *s = seg_of(ix, x), *n = x->seglen;
}
static void tag_key(const void *o, uint32_t v, uint32_t *scope, const char **s, size_t *n) {
    const tagkey *t = &((const tm_index *)o)->tags[v];
    *scope = 0, *s = t->k, *n = t->klen;
}
static void val_key(const void *o, uint32_t v, uint32_t *scope, const char **s, size_t *n) {
    const posting *p = &((const tm_index *)o)->posts[v];
    *scope = p->tag, *s = p->v, *n = p->vlen;
}

tm_index *index_new(void) {
    tm_index *ix = xcalloc(1, sizeof *ix);
    pthread_rwlock_init(&ix->lock, NULL);
    ix->cn = 64;
    ix->nodes = xcalloc(ix->cn, sizeof *ix->nodes);
    ix->nn = 1;
    strmap_init(&ix->kids, kid_key, ix);
    strmap_init(&ix->tagidx, tag_key, ix);
    strmap_init(&ix->vals, val_key, ix);
    kids_init(ix);
    return ix;
}

void index_free(tm_index *ix) {
    if (!ix) return;
    for (size_t i = 0; i < ix->nt; i++) free(ix->tags[i].post);
    for (size_t i = 0; i < ix->nsets; i++) ids_free(&ix->sets[i]);
    free(ix->sets);
    free(ix->nodes);
    free(ix->tags);
    free(ix->posts);
    free(ix->types);
    strmap_free(&ix->kids);
    strmap_free(&ix->tagidx);
    strmap_free(&ix->vals);
    kids_free(ix);
    arena_free(&ix->strs);
    pthread_rwlock_destroy(&ix->lock);
    free(ix);
}

static uint32_t new_set(tm_index *ix) {
    if (ix->nsets == ix->csets) {
        ix->csets = ix->csets ? ix->csets * 2 : 64;
        ix->sets = xrealloc(ix->sets, ix->csets * sizeof *ix->sets);
    }
    ix->sets[ix->nsets] = (tm_ids){0};
    return (uint32_t)ix->nsets++;
}

/* ids must come in ascending order (index_sync adds by id) */
static void pl_push(tm_index *ix, plist *p, uint32_t id) {
    if (!*p && !(id & PL_SET)) {
        *p = id;
        return;
    }
    if (!(*p & PL_SET) && *p == id) return;
    if (!(*p & PL_SET)) { /* empty or one: a set from now on */
        uint32_t k = new_set(ix);
        if (*p) ids_push(&ix->sets[k], *p);
        *p = PL_SET | k;
    }
    ids_push(&ix->sets[*p & ~PL_SET], id);
}

static void pl_remove(tm_index *ix, plist *p, uint32_t id) {
    if (!(*p & PL_SET)) {
        if (*p == id) *p = 0;
        return;
    }
    tm_ids *s = &ix->sets[*p & ~PL_SET];
    ids_remove(s, id);
    if (s->n > 1 || (s->n == 1 && (s->v[0] & PL_SET))) return;
    *p = s->n ? s->v[0] : 0; /* back in place; the set's slot stays unused */
    ids_free(s);
}

/* The members of a plist, as a read-only set. */
static tm_ids pl_view(const tm_index *ix, const plist *p) {
    if (*p & PL_SET) return ix->sets[*p & ~PL_SET];
    return (tm_ids){(uint32_t *)p, *p ? 1 : 0, 1};
}

/* Children are found through the map only under a node with many
 * (MAP_KIDS: the root, a level of hosts); a few are as quick to walk (their
 * nodes are hot while one host's series come in), and most nodes (the
 * leaves, one per series, and a host's own metrics) then cost the map
 * nothing. */

static uint32_t find_kid(const tm_index *ix, uint32_t parent, const char *seg, size_t n) {
    const node *p = &ix->nodes[parent];
    if (p->nkids >= MAP_KIDS) return strmap_get(&ix->kids, parent, seg, n);
    for (uint32_t q = p->kid; q; q = ix->nodes[q].sib) {
        const node *c = &ix->nodes[q];
        if (c->seglen == n && !memcmp(seg_of(ix, c), seg, n)) return q;
    }
    return UINT32_MAX;
}

static uint32_t child(tm_index *ix, uint32_t parent, uint32_t id, const char *key, size_t off, size_t n) {
    const char *seg = key + off;
    uint32_t c = find_kid(ix, parent, seg, n);
    if (c != UINT32_MAX) return c;
    if (ix->nn == ix->cn) {
        ix->cn *= 2;
        ix->nodes = xrealloc(ix->nodes, ix->cn * sizeof *ix->nodes);
    }
    c = (uint32_t)ix->nn++;
    node *x = &ix->nodes[c];
    memset(x, 0, sizeof *x);
    x->parent = parent;
    x->sid = id;
    x->off = (uint32_t)off;
    x->seglen = (uint32_t)n;
    node *p = &ix->nodes[parent];
    x->sib = p->kid;
    p->kid = c;
    if (p->nkids < 1023) p->nkids++;
    if (p->nkids == MAP_KIDS) { /* from now on through the map: every child so far goes in */
        for (uint32_t q = p->kid; q; q = ix->nodes[q].sib)
            strmap_put(&ix->kids, parent, seg_of(ix, &ix->nodes[q]), ix->nodes[q].seglen, q);
    } else if (p->nkids > MAP_KIDS) {
        strmap_put(&ix->kids, parent, seg, n, c);
    }
    if (p->nkids >= SORT_MIN) kids_stale(ix, parent);
    return c;
}

static void post(tm_index *ix, const char *k, size_t kl, const char *v, size_t vl, uint32_t id) {
    uint32_t t = strmap_get(&ix->tagidx, 0, k, kl);
    if (t == UINT32_MAX) {
        if (ix->nt == ix->ct) {
            ix->ct = ix->ct ? ix->ct * 2 : 16;
            ix->tags = xrealloc(ix->tags, ix->ct * sizeof *ix->tags);
        }
        t = (uint32_t)ix->nt++;
        ix->tags[t] = (tagkey){arena_strndup(&ix->strs, k, kl), (uint32_t)kl, NULL, 0, 0};
        strmap_put(&ix->tagidx, 0, k, kl, t);
    }
    uint32_t p = strmap_get(&ix->vals, t, v, vl);
    if (p == UINT32_MAX) {
        if (ix->npost == ix->cpost) {
            ix->cpost = ix->cpost ? ix->cpost * 2 : 64;
            ix->posts = xrealloc(ix->posts, ix->cpost * sizeof *ix->posts);
        }
        p = (uint32_t)ix->npost++;
        ix->posts[p] = (posting){arena_strndup(&ix->strs, v, vl), (uint32_t)vl, t, 0};
        strmap_put(&ix->vals, t, v, vl, p);
        tagkey *tk = &ix->tags[t];
        if (tk->np == tk->cp) {
            tk->cp = tk->cp ? tk->cp * 2 : 8;
            tk->post = xrealloc(tk->post, tk->cp * sizeof *tk->post);
        }
        tk->post[tk->np++] = p;
    }
    pl_push(ix, &ix->posts[p].ids, id);
}

/* The name is not posted: "__name__" is answered from the tree, whose node
 * for a name already lists that name's series. */
static void add_series(tm_index *ix, uint32_t id, const char *key, size_t klen, int type) {
    tm_tag tags[64];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, 64);
    uint32_t at = 0;
    for (size_t i = 0; i <= nlen;) { /* walk the name's segments */
        size_t j = i;
        while (j < nlen && key[j] != '.') j++;
        at = child(ix, at, id, key, i, j - i);
        if (!nt && type == TM_NUMBER) ix->nodes[at].plain_below++;
        i = j + 1;
    }
    pl_push(ix, &ix->nodes[at].ser, id);
    for (size_t i = 0; i < nt; i++) { /* values as sent: matchers name them so */
        char v[TM_KEY_MAX];
        post(ix, tags[i].k, tags[i].klen, v, tag_value(tags[i].v, tags[i].vlen, v), id);
    }
}

static void unpost(tm_index *ix, const char *k, size_t kl, const char *v, size_t vl, uint32_t id) {
    uint32_t t = strmap_get(&ix->tagidx, 0, k, kl);
    uint32_t p = t == UINT32_MAX ? UINT32_MAX : strmap_get(&ix->vals, t, v, vl);
    if (p != UINT32_MAX) pl_remove(ix, &ix->posts[p].ids, id);
}

/* A deleted series out of the tree and the postings (add_series undone). */
static void forget_series(tm_index *ix, uint32_t id) {
    if (id > ix->n || ix->types[id] == NO_SERIES) return;
    size_t klen;
    const char *key = key_of(ix, id, &klen);
    tm_tag tags[64];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, 64);
    uint32_t at = 0;
    int plain = !nt && ix->types[id] == TM_NUMBER; /* counted in plain_below by add_series */
    for (size_t i = 0; i <= nlen && at != UINT32_MAX;) {
        size_t j = i;
        while (j < nlen && key[j] != '.') j++;
        at = find_kid(ix, at, key + i, j - i);
        if (at != UINT32_MAX && plain && ix->nodes[at].plain_below) ix->nodes[at].plain_below--;
        i = j + 1;
    }
    if (at != UINT32_MAX) pl_remove(ix, &ix->nodes[at].ser, id);
    for (size_t i = 0; i < nt; i++) { /* as posted: values as sent */
        char v[TM_KEY_MAX];
        unpost(ix, tags[i].k, tags[i].klen, v, tag_value(tags[i].v, tags[i].vlen, v), id);
    }
    ix->types[id] = NO_SERIES;
}

/* Series the store deleted since the last sync; under the write lock. */
static void sync_deleted(tm_index *ix, tm_reader *rd) {
    uint32_t *gone;
    size_t n = reader_deleted(rd, ix->ngone, &gone);
    for (size_t i = ix->ngone; i < n; i++) forget_series(ix, gone[i - ix->ngone]);
    if (n > ix->ngone) ix->ngone = n;
    free(gone);
}

void index_sync(tm_index *ix, tm_reader *rd) {
    uint32_t max = reader_max_id(rd);
    uint32_t *none;
    size_t gone = reader_deleted(rd, SIZE_MAX, &none);
    pthread_rwlock_rdlock(&ix->lock);
    int behind = max > ix->n || gone > ix->ngone;
    pthread_rwlock_unlock(&ix->lock);
    if (!behind) return;
    pthread_rwlock_wrlock(&ix->lock);
    ix->st = reader_store(rd);
    if (max + 1 > ix->cap) {
        ix->cap = (max + 1) * 2;
        ix->types = xrealloc(ix->types, ix->cap);
    }
    for (uint32_t id = (uint32_t)ix->n + 1; id <= max; id++) {
        tm_series_info in;
        ix->types[id] = NO_SERIES;
        if (!reader_get(rd, id, &in)) continue; /* a hole in the ids (an id loaded from disk out of order) */
        ix->types[id] = (uint8_t)in.type;
        add_series(ix, id, in.key, in.klen, in.type);
    }
    if (max > ix->n) ix->n = max;
    sync_deleted(ix, rd);
    pthread_rwlock_unlock(&ix->lock);
}

int index_holds(tm_index *ix, uint32_t max_id, size_t ngone) {
    if (pthread_rwlock_tryrdlock(&ix->lock)) return 0;
    int all = ix->n >= max_id && ix->ngone >= ngone;
    pthread_rwlock_unlock(&ix->lock);
    return all;
}

size_t index_size(tm_index *ix) {
    pthread_rwlock_rdlock(&ix->lock);
    size_t n = ix->n;
    pthread_rwlock_unlock(&ix->lock);
    return n;
}

const char *index_key(tm_index *ix, uint32_t id, size_t *klen) {
    pthread_rwlock_rdlock(&ix->lock);
    const char *k = id && id <= ix->n && ix->types[id] != NO_SERIES ? key_of(ix, id, klen) : NULL;
    if (!k) *klen = 0;
    pthread_rwlock_unlock(&ix->lock);
    return k;
}

void index_keys(tm_index *ix, const uint32_t *ids, size_t n, const char **keys, size_t *klens) {
    pthread_rwlock_rdlock(&ix->lock);
    for (size_t i = 0; i < n; i++) {
        uint32_t id = ids[i];
        keys[i] = id && id <= ix->n && ix->types[id] != NO_SERIES ? key_of(ix, id, &klens[i]) : NULL;
        if (!keys[i]) klens[i] = 0;
    }
    pthread_rwlock_unlock(&ix->lock);
}

int index_type(tm_index *ix, uint32_t id) {
    pthread_rwlock_rdlock(&ix->lock);
    int t = id && id <= ix->n && ix->types[id] != NO_SERIES ? ix->types[id] : -1;
    pthread_rwlock_unlock(&ix->lock);
    return t;
}

/* A node answered costs its path, its place in the sort and its JSON:
 * about as much as this many nodes looked at. */
#define ANSWER_COST 8

/* The nodes matching a glob, level by level: a literal segment is a lookup,
 * a pattern (compiled once per segment) visits the children of the nodes
 * matched so far (of a wide node, only its literal prefix's range:
 * kidsort.c). Returns -1 once more than budget nodes were looked at, or a
 * wide node it would visit is not sorted yet (budget 0: no bound, and it
 * sorts). */
static int walk(tm_index *ix, const char *glob, size_t n, size_t budget, tm_ids *at) {
    tm_ids next = {0};
    size_t seen = 0;
    int over = 0;
    ids_add(at, 0);
    for (size_t i = 0; i <= n && at->n && !over;) {
        size_t j = i;
        int depth = 0;
        while (j < n && (glob[j] != '.' || depth)) { /* a dot inside {a.b,c} belongs to the group */
            if (glob[j] == '{') depth++;
            else if (glob[j] == '}' && depth) depth--;
            j++;
        }
        const char *seg = glob + i;
        size_t sl = j - i;
        next.n = 0;
        glob_prog *g = glob_is_pattern(seg, sl) ? glob_compile(seg, sl) : NULL;
        const char *pre = NULL;
        size_t pl = g ? glob_prefix(g, &pre) : 0;
        for (size_t k = 0; k < at->n && !over; k++) {
            if (!g) {
                uint32_t c = find_kid(ix, at->v[k], seg, sl);
                if (c != UINT32_MAX) ids_add(&next, c);
                over = budget && ++seen > budget;
                continue;
            }
            const uint32_t *r;
            size_t rn;
            int range = kids_range(ix, at->v[k], pre, pl, !budget, &r, &rn);
            /* over the budget before a child is looked at, when the count says so: a wide node
             * not sorted yet (a walk on a worker sorts it, the next ones are quick), a range
             * too long, a node with too many children (nkids saturates: at least that many) */
            if (range < 0 || (budget && (seen += range ? rn : ix->nodes[at->v[k]].nkids) > budget)) {
                over = 1;
                break;
            }
            if (range) { /* only the prefix's range (all of it without a prefix) */
                for (size_t x = 0; x < rn && !over; x++) {
                    const node *c = &ix->nodes[r[x]];
                    if (!glob_exec(g, seg_of(ix, c), c->seglen)) continue;
                    ids_add(&next, r[x]);
                    over = budget && (seen += ANSWER_COST) > budget; /* it may be answered */
                }
                continue;
            }
            if (budget) seen -= ix->nodes[at->v[k]].nkids; /* counted one by one below */
            for (uint32_t q = ix->nodes[at->v[k]].kid; q && !over; q = ix->nodes[q].sib) {
                const node *c = &ix->nodes[q];
                if (glob_exec(g, seg_of(ix, c), c->seglen)) {
                    ids_add(&next, q);
                    seen += ANSWER_COST;
                }
                over = budget && ++seen > budget;
            }
        }
        glob_free(g);
        tm_ids t = *at;
        *at = next;
        next = t;
        i = j + 1;
    }
    ids_free(&next);
    ids_sort(at);
    return over ? -1 : 0;
}

void index_glob(tm_index *ix, const char *glob, size_t n, int with_tags, tm_ids *out) {
    tm_ids at = {0};
    pthread_rwlock_rdlock(&ix->lock);
    walk(ix, glob, n, 0, &at);
    for (size_t k = 0; k < at.n; k++) {
        tm_ids s = pl_view(ix, &ix->nodes[at.v[k]].ser);
        for (size_t i = 0; i < s.n; i++) {
            size_t kl;
            const char *key = key_of(ix, s.v[i], &kl);
            if (with_tags || !memchr(key, ';', kl)) ids_add(out, s.v[i]);
        }
    }
    pthread_rwlock_unlock(&ix->lock);
    ids_free(&at);
    ids_sort(out);
}

/* The path of node k into p, which has room for len bytes and its NUL. */
static void path_into(tm_index *ix, uint32_t k, char *p, size_t len) {
    p[len] = 0;
    size_t at = len;
    for (uint32_t x = k; x; x = ix->nodes[x].parent) {
        at -= ix->nodes[x].seglen;
        memcpy(p + at, seg_of(ix, &ix->nodes[x]), ix->nodes[x].seglen);
        if (at) p[--at] = '.';
    }
}

static size_t path_len(const tm_index *ix, uint32_t k) {
    size_t len = 0;
    for (uint32_t x = k; x; x = ix->nodes[x].parent) len += ix->nodes[x].seglen + 1u;
    return len ? len - 1 : 0;
}

static int cmp_node(const void *a, const void *b) {
    const tm_node *x = a, *y = b;
    int c = memcmp(x->path, y->path, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int try_rdlock(tm_index *ix, int wait) {
    if (wait) return pthread_rwlock_rdlock(&ix->lock) == 0;
    return pthread_rwlock_tryrdlock(&ix->lock) == 0;
}

size_t index_find_within(tm_index *ix, const char *glob, size_t n, size_t budget, tm_node **out) {
    tm_ids at = {0};
    *out = NULL;
    if (!try_rdlock(ix, !budget)) return SIZE_MAX;
    if (walk(ix, glob, n, budget, &at)) {
        pthread_rwlock_unlock(&ix->lock);
        ids_free(&at);
        return SIZE_MAX;
    }
    /* one block: the nodes, then their paths */
    tm_node *v = xmalloc((at.n ? at.n : 1) * sizeof *v);
    size_t m = 0, bytes = 0, seen = 0;
    for (size_t k = 0; k < at.n && !(budget && seen > budget); k++) {
        const node *x = &ix->nodes[at.v[k]];
        uint32_t below = 0; /* a child counts when some untagged series lies below it */
        for (uint32_t q = x->kid; q; q = ix->nodes[q].sib, seen++) below += ix->nodes[q].plain_below;
        uint32_t plain = x->plain_below - below; /* untagged number series named exactly this path */
        if (!plain && !below) continue; /* only tagged series here: Graphite's tree never shows them */
        size_t len = path_len(ix, at.v[k]);
        seen += ANSWER_COST;
        v[m] = (tm_node){NULL, plain > 0, below > 0, len, len - x->seglen};
        at.v[m++] = at.v[k];
        bytes += len + 1;
    }
    if (budget && seen > budget) { /* the children looked at, and the nodes answered, count too */
        pthread_rwlock_unlock(&ix->lock);
        ids_free(&at);
        free(v);
        return SIZE_MAX;
    }
    v = xrealloc(v, (m ? m : 1) * sizeof *v + bytes);
    char *p = (char *)(v + (m ? m : 1));
    for (size_t k = 0; k < m; k++) {
        path_into(ix, at.v[k], p, v[k].len);
        v[k].path = p;
        p += v[k].len + 1;
    }
    pthread_rwlock_unlock(&ix->lock);
    ids_free(&at);
    sort_n(v, m, sizeof *v, cmp_node);
    *out = v;
    return m;
}

size_t index_find(tm_index *ix, const char *glob, size_t n, tm_node **out) {
    return index_find_within(ix, glob, n, 0, out);
}

void nodes_free(tm_node *v, size_t n) {
    (void)n; /* the paths live in the same block */
    free(v);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int is_name(const char *k, size_t n) { return n == 8 && !memcmp(k, "__name__", 8); }

/* Every node that names series, with its path (NUL-terminated in path),
 * depth first through first-child and sibling links: no stack needed. */
static void each_name(tm_index *ix, void (*fn)(tm_index *, const node *, const char *, size_t, void *), void *arg) {
    char path[TM_KEY_MAX + 2];
    size_t len = 0;
    for (uint32_t x = ix->nodes[0].kid; x;) {
        node *c = &ix->nodes[x];
        if (c->parent) path[len++] = '.';
        memcpy(path + len, seg_of(ix, c), c->seglen);
        len += c->seglen;
        path[len] = 0;
        if (c->ser) fn(ix, c, path, len, arg);
        if (c->kid) {
            x = c->kid;
            continue;
        }
        for (;;) { /* up until a node has a next sibling */
            len -= c->seglen + (c->parent ? 1 : 0);
            if (c->sib || !c->parent) break;
            c = &ix->nodes[c->parent];
        }
        x = c->sib;
    }
}

typedef struct {
    char **v;
    size_t n, cap;
} strvec;

static void name_value(tm_index *ix, const node *x, const char *path, size_t len, void *arg) {
    (void)ix, (void)x;
    strvec *sv = arg;
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 64;
        sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
    }
    sv->v[sv->n++] = xstrndup(path, len);
}

typedef struct {
    int (*test)(const char *v, size_t n, void *arg);
    void *arg;
    tm_ids *out;
} name_test;

static void name_posting(tm_index *ix, const node *x, const char *path, size_t len, void *arg) {
    name_test *t = arg;
    if (t->test && !t->test(path, len, t->arg)) return;
    tm_ids s = pl_view(ix, &x->ser);
    for (size_t k = 0; k < s.n; k++) ids_add(t->out, s.v[k]);
}

/* The node of exactly this name, or UINT32_MAX. */
static uint32_t name_node(tm_index *ix, const char *name, size_t n) {
    uint32_t at = 0;
    for (size_t i = 0; i <= n && at != UINT32_MAX;) {
        size_t j = i;
        while (j < n && name[j] != '.') j++;
        at = find_kid(ix, at, name + i, j - i);
        i = j + 1;
    }
    return at;
}

size_t index_tag_keys(tm_index *ix, char ***out) {
    pthread_rwlock_rdlock(&ix->lock);
    char **v = xmalloc((ix->nt + 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < ix->nt; i++)
        if (strcmp(ix->tags[i].k, "__name__"))
            v[m++] = xstrndup(ix->tags[i].k, ix->tags[i].klen);
    pthread_rwlock_unlock(&ix->lock);
    sort_n(v, m, sizeof *v, cmp_str);
    *out = v;
    return m;
}

size_t index_tag_values(tm_index *ix, const char *key, char ***out) {
    pthread_rwlock_rdlock(&ix->lock);
    if (is_name(key, strlen(key))) {
        strvec sv = {0};
        each_name(ix, name_value, &sv);
        pthread_rwlock_unlock(&ix->lock);
        qsort(sv.v, sv.n, sizeof *sv.v, cmp_str);
        *out = sv.v ? sv.v : xmalloc(sizeof(char *));
        return sv.n;
    }
    uint32_t t = strmap_get(&ix->tagidx, 0, key, strlen(key));
    size_t np = t == UINT32_MAX ? 0 : ix->tags[t].np;
    char **v = xmalloc((np + 1) * sizeof *v);
    for (size_t i = 0; i < np; i++) {
        const posting *p = &ix->posts[ix->tags[t].post[i]];
        v[i] = xstrndup(p->v, p->vlen);
    }
    pthread_rwlock_unlock(&ix->lock);
    sort_n(v, np, sizeof *v, cmp_str);
    *out = v;
    return np;
}

void strs_free(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void index_postings(tm_index *ix, const char *key, size_t klen, int (*test)(const char *v, size_t n, void *arg),
                    void *arg, tm_ids *out) {
    pthread_rwlock_rdlock(&ix->lock);
    if (is_name(key, klen)) each_name(ix, name_posting, &(name_test){test, arg, out});
    uint32_t t = is_name(key, klen) ? UINT32_MAX : strmap_get(&ix->tagidx, 0, key, klen);
    for (size_t i = 0; t != UINT32_MAX && i < ix->tags[t].np; i++) {
        const posting *p = &ix->posts[ix->tags[t].post[i]];
        if (test && !test(p->v, p->vlen, arg)) continue;
        tm_ids s = pl_view(ix, &p->ids);
        for (size_t k = 0; k < s.n; k++) ids_add(out, s.v[k]);
    }
    pthread_rwlock_unlock(&ix->lock);
    ids_sort(out); /* one sort, not a merge per value: a regex may pick thousands */
}

void index_postings_eq(tm_index *ix, const char *key, size_t klen, const char *v, size_t vlen, tm_ids *out) {
    pthread_rwlock_rdlock(&ix->lock);
    if (is_name(key, klen)) {
        uint32_t x = name_node(ix, v, vlen);
        if (x != UINT32_MAX) {
            tm_ids s = pl_view(ix, &ix->nodes[x].ser);
            ids_union(out, &s);
        }
        pthread_rwlock_unlock(&ix->lock);
        return;
    }
    uint32_t t = strmap_get(&ix->tagidx, 0, key, klen);
    uint32_t p = t == UINT32_MAX ? UINT32_MAX : strmap_get(&ix->vals, t, v, vlen);
    if (p != UINT32_MAX) {
        tm_ids s = pl_view(ix, &ix->posts[p].ids);
        ids_union(out, &s);
    }
    pthread_rwlock_unlock(&ix->lock);
}

void index_all(tm_index *ix, tm_ids *out) {
    pthread_rwlock_rdlock(&ix->lock);
    for (uint32_t id = 1; id <= ix->n; id++)
        if (ix->types[id] != NO_SERIES) ids_push(out, id);
    pthread_rwlock_unlock(&ix->lock);
}
