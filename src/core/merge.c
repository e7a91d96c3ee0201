#include "merge.h"

#include <stdlib.h>
#include <string.h>

#include "../model/batch.h"

static void grow(tm_cols *d, size_t cap) {
    d->ts = xrealloc(d->ts, cap * sizeof *d->ts);
    if (d->type == TM_STRING) d->str = xrealloc(d->str, cap * sizeof *d->str);
    else d->v = xrealloc(d->v, cap * sizeof *d->v);
    if (d->type == TM_LOCATION || d->type == TM_ROLLUP) d->v2 = xrealloc(d->v2, cap * sizeof *d->v2);
    if (d->type == TM_ROLLUP) {
        d->sum = xrealloc(d->sum, cap * sizeof *d->sum);
        d->cnt = xrealloc(d->cnt, cap * sizeof *d->cnt);
        d->last = xrealloc(d->last, cap * sizeof *d->last);
        d->lt = xrealloc(d->lt, cap * sizeof *d->lt);
    }
}

/* Strings move: the pointer changes hands, so the caller says who owns it. */
static void move_entry(tm_cols *c, size_t to, size_t from, const tm_cols *src) {
    c->ts[to] = src->ts[from];
    if (c->type == TM_STRING) {
        c->str[to] = src->str[from];
        return;
    }
    c->v[to] = src->v[from];
    if (c->v2) c->v2[to] = src->v2[from];
    if (c->type == TM_ROLLUP) {
        c->sum[to] = src->sum[from];
        c->cnt[to] = src->cnt[from];
        c->last[to] = src->last[from];
        c->lt[to] = src->lt[from];
    }
}

void cols_append(tm_cols *d, size_t *cap, const tm_cols *s, size_t i) {
    if (d->n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        grow(d, *cap);
    }
    size_t k = d->n++;
    move_entry(d, k, i, s);
    if (d->type == TM_STRING) d->str[k] = xstrndup(s->str[i], strlen(s->str[i])); /* d owns its copy */
}

void cols_sort_dedup(tm_cols *c) {
    size_t n = c->n;
    int sorted = 1;
    for (size_t i = 1; i < n && sorted; i++) sorted = c->ts[i] > c->ts[i - 1];
    if (sorted) return;
    size_t *idx = xmalloc(n * sizeof *idx), *tmp = xmalloc(n * sizeof *tmp);
    for (size_t i = 0; i < n; i++) idx[i] = i;
    /* bottom-up merge sort on indices: stable, so write order survives ties */
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n, a = lo, b = mid, k = lo;
            while (a < mid && b < hi) tmp[k++] = c->ts[idx[b]] < c->ts[idx[a]] ? idx[b++] : idx[a++];
            while (a < mid) tmp[k++] = idx[a++];
            while (b < hi) tmp[k++] = idx[b++];
        }
        memcpy(idx, tmp, n * sizeof *idx);
    }
    tm_cols out = {0};
    cols_alloc(&out, c->type, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = idx[i];
        if (i + 1 < n && c->ts[idx[i + 1]] == c->ts[j]) { /* a later write of this time follows */
            if (c->type == TM_STRING) free(c->str[j]);
            continue;
        }
        move_entry(&out, m++, j, c);
    }
    out.n = m;
    free(idx);
    free(tmp);
    /* strings moved to out: release only the old arrays */
    if (c->type == TM_STRING) {
        free(c->str);
        c->str = NULL;
    }
    c->n = 0;
    cols_free(c);
    *c = out;
}
