/* blocktab.h — a table of rows (blk INTEGER PRIMARY KEY, data BLOB NOT
 * NULL, crc INTEGER NOT NULL), each row holding many series (`states`,
 * `keys`), its blob checked by the CRC-32C beside it. The statements of one
 * such table, for the persister thread inside its transaction. */
#ifndef TM_BLOCKTAB_H
#define TM_BLOCKTAB_H
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"

typedef struct {
    sqlite3_stmt *sel, *put, *del;
} blocktab;

/* 0, or -1 when a statement could not be prepared (every one is then NULL). */
int blocktab_open(sqlite3 *db, const char *table, blocktab *t);
void blocktab_close(blocktab *t);
/* Row blk: 1 and its data (valid until blocktab_done), 0 when there is
 * none, -1 when it fails its checksum. */
int blocktab_get(blocktab *t, int64_t blk, const void **data, size_t *n);
void blocktab_done(blocktab *t);
/* Write row blk as b, or delete it when b is empty: 0, or -1. */
int blocktab_put(blocktab *t, int64_t blk, const tm_buf *b);
#endif
