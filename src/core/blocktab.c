#include "blocktab.h"

#include <stdio.h>
#include <string.h>

#include "../util/crc32c.h"

int blocktab_open(sqlite3 *db, const char *table, blocktab *t) {
    char sel[96], put[112], del[80];
    memset(t, 0, sizeof *t);
    snprintf(sel, sizeof sel, "SELECT data, crc FROM %s WHERE blk=?", table);
    snprintf(put, sizeof put, "INSERT OR REPLACE INTO %s(blk, data, crc) VALUES(?,?,?)", table);
    snprintf(del, sizeof del, "DELETE FROM %s WHERE blk=?", table);
    if (!sqlite3_prepare_v2(db, sel, -1, &t->sel, NULL) && !sqlite3_prepare_v2(db, put, -1, &t->put, NULL) &&
        !sqlite3_prepare_v2(db, del, -1, &t->del, NULL))
        return 0;
    blocktab_close(t);
    return -1;
}

void blocktab_close(blocktab *t) {
    sqlite3_finalize(t->sel);
    sqlite3_finalize(t->put);
    sqlite3_finalize(t->del);
    memset(t, 0, sizeof *t);
}

int blocktab_get(blocktab *t, int64_t blk, const void **data, size_t *n) {
    sqlite3_reset(t->sel);
    sqlite3_bind_int64(t->sel, 1, blk);
    if (sqlite3_step(t->sel) != SQLITE_ROW) return 0;
    *data = sqlite3_column_blob(t->sel, 0);
    *n = (size_t)sqlite3_column_bytes(t->sel, 0);
    return (uint32_t)sqlite3_column_int64(t->sel, 1) == crc32c(0, *data, *n) ? 1 : -1;
}

void blocktab_done(blocktab *t) { sqlite3_reset(t->sel); }

int blocktab_put(blocktab *t, int64_t blk, const tm_buf *b) {
    sqlite3_stmt *w = b->n ? t->put : t->del;
    sqlite3_bind_int64(w, 1, blk);
    if (b->n) {
        sqlite3_bind_blob(w, 2, b->p, (int)b->n, SQLITE_STATIC);
        sqlite3_bind_int64(w, 3, (int32_t)crc32c(0, b->p, b->n)); /* signed: 4 bytes in the row */
    }
    int rc = sqlite3_step(w) == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(w);
    return rc;
}
