/* arena.h — append-only string storage: many small copies that live as long
 * as their owner, without a heap block (and its header) each. A copy never
 * moves, so pointers to it stay valid until arena_free. */
#ifndef TM_ARENA_H
#define TM_ARENA_H
#include <stddef.h>

typedef struct tm_arena_blk tm_arena_blk;
typedef struct {
    tm_arena_blk *blk; /* newest first */
    size_t used, cap;  /* of the newest block */
    size_t bytes;      /* every block's size, for accounting */
} tm_arena;

/* A NUL-terminated copy of s[0..n). */
const char *arena_strndup(tm_arena *a, const char *s, size_t n);
void arena_free(tm_arena *a);
#endif
