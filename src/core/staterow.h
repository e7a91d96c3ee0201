/* staterow.h — one row of the `states` table: the persisted state of up to
 * 64 series (ids blk * 64 .. blk * 64 + 63), delta-coded, deflated when that
 * is smaller. Pure bytes, no
 * SQLite: states.c reads and writes the rows. The decoder checks bounds and
 * never reads past the row; it is fuzzed (fuzz_staterow). */
#ifndef TM_STATEROW_H
#define TM_STATEROW_H
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"

#define STATES_PER_ROW 64

typedef struct {
    uint32_t id;
    uint64_t points, walpos;
    int64_t last_ts; /* INT64_MIN: none */
    double v, v2;
    const char *str; /* NULL: none; decoded, it points into the row */
    size_t slen;
} st_entry;

/* n entries, ids ascending, all of row blk. */
void staterow_encode(tm_buf *b, int64_t blk, const st_entry *e, size_t n);

typedef struct {
    uint8_t *raw; /* the inflated row (owned), entries' strings point into it */
    const uint8_t *p, *end;
    uint64_t left;
    int64_t blk;
    st_entry prev;
} st_reader;

/* 0 when the row cannot be one (no data, or more than 64 entries; r is
 * then released). Entries' strings point into data, or into r until
 * staterow_end. */
int staterow_start(st_reader *r, int64_t blk, const void *data, size_t n);
/* 1 and the next entry in *x, 0 at the end, -1 when the row is malformed. */
int staterow_next(st_reader *r, st_entry *x);
void staterow_end(st_reader *r);
#endif
