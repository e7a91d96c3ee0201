/* fuzz_pack.c — arbitrary bytes as a packs row (core/pack.h): every member
 * the iterator gives must decode or be refused without reading past the
 * row, and pack_filter's row (every other member kept) must hold the kept
 * members with the same samples. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pack.h"

#define MAX_KEPT 64

static int every_other(const pack_iter *it, const pack_member *m, void *arg) {
    (void)it;
    (void)m;
    return (*(int *)arg)++ % 2 == 0;
}

static void same(const tm_cols *a, const tm_cols *b) {
    if (a->type != b->type || a->n != b->n || memcmp(a->ts, b->ts, a->n * sizeof *a->ts)) abort();
    if (a->v && memcmp(a->v, b->v, a->n * sizeof *a->v)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    int64_t start = (int64_t)data[0] << 20; /* the row's start column */
    pack_iter it;
    pack_member m;
    tm_cols kept[MAX_KEPT];
    int ok[MAX_KEPT], nk = 0, i = 0, rc;
    pack_iter_init(&it, data + 1, size - 1, start);
    while ((rc = pack_next(&it, &m)) == 1) {
        tm_cols c;
        int good = pack_decode(&it, &m, &c);
        if (!good && (c.n || c.ts)) abort(); /* a refused member leaves c empty */
        /* kept after a member left out: one that does not decode goes too */
        if (i % 2 == 0 && i > 0 && m.same && !good) {
            i++;
            continue;
        }
        if (i++ % 2 == 0 && nk < MAX_KEPT) {
            ok[nk] = good;
            kept[nk++] = c;
        } else {
            cols_free(&c);
        }
    }
    tm_buf out = {0};
    int counter = 0;
    long dropped = pack_filter(data + 1, size - 1, start, every_other, &counter, &out);
    if ((dropped < 0) != (rc < 0)) abort();
    if (dropped >= 0 && i <= 2 * MAX_KEPT) { /* the filtered row: the kept members, in order */
        pack_iter_init(&it, out.p, out.n, start);
        int j = 0;
        while ((rc = pack_next(&it, &m)) == 1) {
            tm_cols c;
            int good = pack_decode(&it, &m, &c);
            if (j >= nk || good != ok[j]) abort();
            if (good) same(&c, &kept[j]);
            cols_free(&c);
            j++;
        }
        if (rc < 0 || j != nk) abort();
    }
    for (int k = 0; k < nk; k++) cols_free(&kept[k]);
    buf_free(&out);
    return 0;
}
