/* kidsort.c — the children of wide nodes in segment order (index_int.h).
 *
 * Grafana's metric browser asks for "host0*" as one types: a literal
 * prefix, then a wildcard, against a level of thousands of hosts. With the
 * children sorted, such a segment visits only its prefix's range (a binary
 * search), not every child. A node's order is built by the first walk on a
 * worker that wants it and kept until the node gets a new child; the loop
 * thread uses an order that is there and never builds or waits for one
 * (it hands such a find to a worker, which sorts: the next ones are quick). */
#include <stdlib.h>
#include <string.h>

#include "../util/sort.h"
#include "index_int.h"

/* A node with more children than this is walked whole: sorting it again
 * after each new child would cost more than the walks it saves. */
#define SORT_MAX 16384

enum { KS_STALE, KS_SORTED, KS_WIDE };

typedef struct kidsort {
    uint32_t parent;
    int state;
    uint32_t *kids;
    size_t n;
} kidsort;

static void ks_key(const void *o, uint32_t v, uint32_t *scope, const char **s, size_t *n) {
    *scope = ((const tm_index *)o)->ks[v]->parent;
    *s = "";
    *n = 0;
}

void kids_init(tm_index *ix) {
    pthread_mutex_init(&ix->sort_mu, NULL);
    strmap_init(&ix->sorted, ks_key, ix);
}

void kids_free(tm_index *ix) {
    for (size_t i = 0; i < ix->nks; i++) {
        free(ix->ks[i]->kids);
        free(ix->ks[i]);
    }
    free(ix->ks);
    strmap_free(&ix->sorted);
    pthread_mutex_destroy(&ix->sort_mu);
}

/* Under the write lock: no reader holds sort_mu or an order then. */
void kids_stale(tm_index *ix, uint32_t parent) {
    uint32_t i = strmap_get(&ix->sorted, parent, "", 0);
    if (i == UINT32_MAX) return;
    kidsort *k = ix->ks[i];
    free(k->kids);
    k->kids = NULL;
    k->n = 0;
    k->state = KS_STALE;
}

/* Segment order: bytes, then length (a prefix first). */
static int cmp_seg(const char *a, size_t an, const char *b, size_t bn) {
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int cmp_kid(const void *a, const void *b, void *arg) {
    const tm_index *ix = arg;
    const node *x = &ix->nodes[*(const uint32_t *)a], *y = &ix->nodes[*(const uint32_t *)b];
    return cmp_seg(seg_of(ix, x), x->seglen, seg_of(ix, y), y->seglen);
}

static void sort_kids(tm_index *ix, kidsort *k) {
    size_t n = 0;
    for (uint32_t q = ix->nodes[k->parent].kid; q && n <= SORT_MAX; q = ix->nodes[q].sib) n++;
    if (n > SORT_MAX) {
        k->state = KS_WIDE;
        return;
    }
    k->kids = xmalloc((n ? n : 1) * sizeof *k->kids);
    k->n = 0;
    for (uint32_t q = ix->nodes[k->parent].kid; q; q = ix->nodes[q].sib) k->kids[k->n++] = q;
    sort_r(k->kids, k->n, sizeof *k->kids, cmp_kid, ix);
    k->state = KS_SORTED;
}

/* The node's order, sorted now if it may be; NULL when there is none to
 * use (*unsorted: because it is not sorted yet, and could be). */
static const kidsort *order_of(tm_index *ix, uint32_t parent, int may_sort, int *unsorted) {
    *unsorted = 0;
    if (may_sort) pthread_mutex_lock(&ix->sort_mu);
    else if (pthread_mutex_trylock(&ix->sort_mu)) return NULL;
    uint32_t i = strmap_get(&ix->sorted, parent, "", 0);
    kidsort *k = i == UINT32_MAX ? NULL : ix->ks[i];
    if (!k && may_sort) {
        XGROW(ix->ks, ix->nks, ix->cks, 16);
        k = ix->ks[ix->nks] = xcalloc(1, sizeof *k);
        k->parent = parent;
        strmap_put(&ix->sorted, parent, "", 0, (uint32_t)ix->nks++);
    }
    if (k && k->state == KS_STALE && may_sort) sort_kids(ix, k);
    *unsorted = !k || k->state == KS_STALE;
    pthread_mutex_unlock(&ix->sort_mu);
    return k && k->state == KS_SORTED ? k : NULL; /* a sorted order stays so while the read lock is held */
}

int kids_range(tm_index *ix, uint32_t parent, const char *pre, size_t pn, int may_sort, const uint32_t **kids,
               size_t *n) {
    if (ix->nodes[parent].nkids < SORT_MIN) return 0;
    int unsorted;
    const kidsort *k = order_of(ix, parent, may_sort, &unsorted);
    if (!k) return unsorted ? -1 : 0;
    size_t lo = 0, hi = k->n; /* the first child not below pre */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const node *c = &ix->nodes[k->kids[mid]];
        if (cmp_seg(seg_of(ix, c), c->seglen, pre, pn) < 0) lo = mid + 1;
        else hi = mid;
    }
    size_t end = lo;
    while (end < k->n) {
        const node *c = &ix->nodes[k->kids[end]];
        if (c->seglen < pn || memcmp(seg_of(ix, c), pre, pn)) break;
        end++;
    }
    *kids = k->kids + lo;
    *n = end - lo;
    return 1;
}
