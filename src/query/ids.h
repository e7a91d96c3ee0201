/* ids.h — a set of series ids: a sorted array without repeats. Selection
 * answers in this shape; postings lists are kept in it too. */
#ifndef TM_IDS_H
#define TM_IDS_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t *v;
    size_t n, cap;
} tm_ids;

void ids_push(tm_ids *s, uint32_t id); /* id must be above every member (or equal to the last: ignored) */
void ids_free(tm_ids *s);
void ids_union(tm_ids *into, const tm_ids *b);
void ids_intersect(tm_ids *into, const tm_ids *b);
void ids_sort(tm_ids *s); /* after unordered pushes through ids_add */
void ids_add(tm_ids *s, uint32_t id); /* any order; call ids_sort before use */
void ids_remove(tm_ids *s, uint32_t id); /* from a sorted set; absent: nothing */
#endif
