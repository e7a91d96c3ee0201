/* pack.h — closed chunks of several neighbouring series in one row of the
 * `packs` table.
 *
 * SQLite spends about 60 bytes on a row and its index entry, a sixth of a
 * chunk of a few hundred samples; a row of a few chunks spends it once.
 * Series id i belongs to group i / PACK_SERIES. A row holds members of one
 * group, back to back, each:
 *   uvarint (member start - row start) * 16 + same * 8 + i % PACK_SERIES,
 *   uvarint length, then the chunk: chunk_encode_at from the member's start,
 *   or, when `same` is set, chunk_encode_values: its times are those of the
 *   member before it (series sent together share their timestamps).
 * The row's start and end columns bound its members' times. A series'
 * members are in write order within a row, rows in id order. Decoding
 * checks bounds (fuzz_pack). */
#ifndef TM_PACK_H
#define TM_PACK_H
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"
#include "chunk.h"

#define PACK_SERIES 8
/* Rows are cut into near-equal parts no bigger than this: a leaf page
 * leaves unused about half a row, so rows stay a fifth of a page or less
 * (docs/storage.md has the measurements). */
#define PACK_BYTES 3400

static inline int64_t pack_group(uint32_t id) { return id / PACK_SERIES; }

typedef struct {
    uint32_t slot; /* id % PACK_SERIES */
    int same;      /* the times of the member before */
    int64_t start; /* base of the chunk's first time */
    const uint8_t *chunk;
    size_t len;
} pack_member;

typedef struct {
    const uint8_t *p, *end;
    int64_t row_start;
    pack_member full; /* the last member with its own times */
    int has_full;
} pack_iter;

void pack_iter_init(pack_iter *it, const uint8_t *row, size_t n, int64_t row_start);
/* The next member: 1, 0 at the end, -1 when the row is malformed. */
int pack_next(pack_iter *it, pack_member *m);
/* The samples of m, the member pack_next just gave (1, or 0 when malformed). */
int pack_decode(const pack_iter *it, const pack_member *m, tm_cols *c);

/* Append a member to row (whose start is row_start <= start). */
void pack_put(tm_buf *row, int64_t row_start, uint32_t id, int same, int64_t start, const uint8_t *chunk,
              size_t len);

/* The members of row (n bytes) that keep() accepts, appended to out (a row
 * with the same start): the number left out, or -1 when the row is
 * malformed. A kept member whose times were those of one left out gets
 * its own (or is left out too when it does not decode). */
typedef int (*pack_keep_fn)(const pack_iter *it, const pack_member *m, void *arg);
long pack_filter(const uint8_t *row, size_t n, int64_t row_start, pack_keep_fn keep, void *arg, tm_buf *out);
#endif
