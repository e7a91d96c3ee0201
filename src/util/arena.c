#include "arena.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct tm_arena_blk {
    tm_arena_blk *next;
    char data[];
};

/* 256 KiB blocks: a million keys cost a few hundred blocks, and an idle
 * server's first block stays small enough not to matter. */
#define ARENA_BLOCK (256u << 10)

const char *arena_strndup(tm_arena *a, const char *s, size_t n) {
    if (!a->blk || a->cap - a->used < n + 1) {
        size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
        tm_arena_blk *b = xmalloc(sizeof *b + cap);
        b->next = a->blk;
        a->blk = b;
        a->used = 0;
        a->cap = cap;
        a->bytes += cap;
    }
    char *p = a->blk->data + a->used;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    a->used += n + 1;
    return p;
}

void arena_free(tm_arena *a) {
    while (a->blk) {
        tm_arena_blk *b = a->blk;
        a->blk = b->next;
        free(b);
    }
    memset(a, 0, sizeof *a);
}
