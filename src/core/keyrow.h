/* keyrow.h — one row of the `keys` table: the canonical keys and types of
 * up to 256 series (ids blk * 256 .. blk * 256 + 255), front-coded against
 * the key before and deflated: a few bytes a series where a `series` row
 * took about 30. Pure bytes, no SQLite: keys.c reads and writes the rows.
 * Keys never change, so a row is only rewritten when a series of it is
 * first persisted or deleted. The decoder checks bounds, never reads past
 * the row, and refuses what could not come out of the encoder; it is fuzzed
 * (fuzz_keyrow). */
#ifndef TM_KEYROW_H
#define TM_KEYROW_H
#include <stddef.h>
#include <stdint.h>

#include "../model/batch.h"
#include "../util/buf.h"

#define KEYS_PER_ROW 256

typedef struct {
    uint32_t id;
    uint8_t type;    /* enum tm_type */
    const char *key; /* decoded: valid until the reader's next call */
    size_t klen;     /* 1..TM_KEY_MAX */
} kr_entry;

/* Entries are added with ids ascending, all of row blk. */
typedef struct {
    tm_buf body;
    size_t count;
    int64_t blk;
    uint32_t prev_id;
    char prev[TM_KEY_MAX];
    size_t plen;
} kr_writer;
void keyrow_begin(kr_writer *w, int64_t blk);
void keyrow_add(kr_writer *w, const kr_entry *x);
/* The row's bytes into out (emptied first; left empty when no entry was
 * added: the row is to be deleted); w is released. */
void keyrow_finish(kr_writer *w, tm_buf *out);

typedef struct {
    uint8_t *raw; /* the inflated body (owned) */
    const uint8_t *p, *end;
    uint64_t left;
    int64_t blk;
    uint32_t prev_id;
    char key[TM_KEY_MAX];
    size_t klen;
} kr_reader;
/* 0 when the row cannot be one (r is then released). */
int keyrow_start(kr_reader *r, int64_t blk, const void *data, size_t n);
/* 1 and the next entry in *x, 0 at the end, -1 when the row is malformed. */
int keyrow_next(kr_reader *r, kr_entry *x);
void keyrow_end(kr_reader *r);
#endif
