/* merge.h — building and normalizing runs of samples (tm_cols).
 * A run gathered from several places (rollups, chunks, head) is put in time
 * order with one sample per time; the one written last wins, so a later
 * sample at the same timestamp replaces the earlier one. */
#ifndef TM_MERGE_H
#define TM_MERGE_H
#include "chunk.h"

/* Append sample i of src to dst (same type), growing dst; *cap tracks room.
 * Strings are copied. */
void cols_append(tm_cols *dst, size_t *cap, const tm_cols *src, size_t i);
/* Stable sort by time, then keep the last of each time (frees dropped strings). */
void cols_sort_dedup(tm_cols *c);
#endif
