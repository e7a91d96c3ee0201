/* spool.h — the agent's on-disk queue of batches the server has not yet
 * acknowledged, so nothing is lost while it is down or across restarts.
 *
 * Records [u32 length][u32 crc32][payload] go into segment files
 * spool-NNNNNNNNNNNNNNNN.seg under the directory; each append is fsynced
 * before the agent goes on. The file "head" names the first record not yet
 * acknowledged (segment and offset) and is replaced atomically after each
 * acknowledged one, so a crash re-sends at most the record in flight (the
 * server keeps one sample per series and time, so a re-send changes
 * nothing). Past max bytes the oldest segments are dropped, counted and
 * logged. A torn last record (a crash mid-append) is cut at open; a damaged
 * record ends the rest of its segment, logged. */
#ifndef TM_SPOOL_H
#define TM_SPOOL_H
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"

typedef struct tm_spool tm_spool;

tm_spool *spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen);
void spool_close(tm_spool *s);
/* Append one record, durably; 0 ok, -1 (logged) when the disk refused it. */
int spool_append(tm_spool *s, const void *p, size_t n);
/* The oldest record into out (replacing its contents): 1, or 0 when empty. */
int spool_peek(tm_spool *s, tm_buf *out);
/* The record spool_peek gave was acknowledged: move past it. */
void spool_pop(tm_spool *s);
uint64_t spool_bytes(const tm_spool *s);   /* on disk, not yet acknowledged */
uint64_t spool_dropped(const tm_spool *s); /* records dropped for room, since open */
#endif
