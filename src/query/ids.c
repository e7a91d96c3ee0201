#include "ids.h"

#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/sort.h"

static void grow(tm_ids *s, size_t need) {
    if (need <= s->cap) return;
    s->cap = s->cap ? s->cap * 2 : 16;
    if (s->cap < need) s->cap = need;
    s->v = xrealloc(s->v, s->cap * sizeof *s->v);
}

void ids_add(tm_ids *s, uint32_t id) {
    grow(s, s->n + 1);
    s->v[s->n++] = id;
}

void ids_push(tm_ids *s, uint32_t id) {
    if (s->n && s->v[s->n - 1] == id) return;
    ids_add(s, id);
}

void ids_free(tm_ids *s) {
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

void ids_sort(tm_ids *s) {
    sort_n(s->v, s->n, sizeof *s->v, cmp_u32);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!k || s->v[k - 1] != s->v[i]) s->v[k++] = s->v[i];
    s->n = k;
}

void ids_union(tm_ids *into, const tm_ids *b) {
    if (!b->n) return;
    uint32_t *m = xmalloc((into->n + b->n) * sizeof *m);
    size_t i = 0, j = 0, k = 0;
    while (i < into->n || j < b->n) {
        uint32_t x;
        if (j >= b->n || (i < into->n && into->v[i] < b->v[j])) x = into->v[i++];
        else if (i >= into->n || b->v[j] < into->v[i]) x = b->v[j++];
        else x = into->v[i++], j++;
        m[k++] = x;
    }
    free(into->v);
    into->cap = into->n + b->n;
    into->v = m;
    into->n = k;
}

void ids_intersect(tm_ids *into, const tm_ids *b) {
    size_t i = 0, j = 0, k = 0;
    while (i < into->n && j < b->n) {
        if (into->v[i] < b->v[j]) i++;
        else if (b->v[j] < into->v[i]) j++;
        else into->v[k++] = into->v[i++], j++;
    }
    into->n = k;
}

void ids_remove(tm_ids *s, uint32_t id) {
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->v[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    if (lo < s->n && s->v[lo] == id) memmove(s->v + lo, s->v + lo + 1, (s->n - lo - 1) * sizeof *s->v), s->n--;
}
