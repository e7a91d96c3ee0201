/* fuzz_chunk.c — arbitrary bytes into chunk_decode. Whatever decodes must
 * survive encode + decode bit for bit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/chunk.h"

static void same(const void *a, const void *b, size_t n) {
    if ((a == NULL) != (b == NULL)) abort();
    if (a && n && memcmp(a, b, n)) abort();
}

static void cols_same(const tm_cols *a, const tm_cols *b) {
    if (a->type != b->type || a->n != b->n) abort();
    size_t n = a->n, d = n * sizeof(double);
    same(a->ts, b->ts, n * sizeof *a->ts);
    same(a->v, b->v, d);
    same(a->v2, b->v2, d);
    same(a->sum, b->sum, d);
    same(a->cnt, b->cnt, d);
    same(a->last, b->last, d);
    if ((a->str == NULL) != (b->str == NULL)) abort();
    for (size_t i = 0; a->str && i < n; i++)
        if (strcmp(a->str[i], b->str[i])) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tm_cols a, b;
    if (!chunk_decode(data, size, &a)) {
        if (a.n || a.ts) abort(); /* a refused blob leaves c empty */
        return 0;
    }
    tm_buf out = {0};
    chunk_encode(&a, &out);
    if (!chunk_decode(out.p, out.n, &b)) abort();
    cols_same(&a, &b);
    cols_free(&a);
    cols_free(&b);
    buf_free(&out);
    return 0;
}
