/* wal.h — the write-ahead log.
 *
 * Numbered segment files DIR/wal-00000001.log, ..., each a run of records
 * [u32 length][u32 crc32c][payload]. A record is written with one write()
 * before the write it carries is acknowledged, so kill -9 loses nothing that
 * was acknowledged; --fsync always fdatasyncs each record, 1s does so from a
 * background thread once a second. A failed append (disk full) is cut back
 * before the next one. Replay streams each segment and hands back every
 * intact record in order: a damaged record followed by intact ones is
 * skipped (the loss logged in samples, a copy of the segment kept under
 * DIR/damaged/); a torn or corrupt tail is cut with a log line, never fatal. */
#ifndef TM_WAL_H
#define TM_WAL_H
#include <stddef.h>
#include <stdint.h>

#include "../util/crc32c.h" /* callers of the log checksum its records with it */

typedef struct tm_wal tm_wal;

/* Every record has a position, segment << 40 | offset, that only grows, so
 * the store can tell which records it has already made durable elsewhere. */
#define WAL_POS(seg, off) ((uint64_t)(seg) << 40 | (uint64_t)(off))

/* Open DIR (created if missing) and start a new segment after any found,
 * numbered at least min_seg (positions must never go back, even when every
 * segment file was removed). */
tm_wal *wal_open(const char *dir, int fsync_mode, uint32_t min_seg, char *err, size_t errlen);
#define WAL_RECORD_MAX (256u << 20) /* bytes of payload; larger appends fail (EFBIG) */

/* What the log's user knows of its payloads: which first byte can begin one
 * (resynchronising after damage tries only offsets that pass), and how many
 * samples a damaged run of bytes held (*exact 0 when estimated), so the loss
 * is reported in samples. Either may be NULL. */
void wal_payload_hooks(tm_wal *w, int (*first_byte_ok)(uint8_t), size_t (*count_lost)(const uint8_t *, size_t, int *));
/* Replay segments older than the current one, oldest first. */
typedef void (*wal_replay_fn)(const uint8_t *p, size_t n, uint64_t pos, void *arg);
void wal_replay(tm_wal *w, wal_replay_fn fn, void *arg);
/* 0 ok (*pos set), -1 I/O error */
int wal_append(tm_wal *w, const uint8_t *p, size_t n, uint64_t *pos);
/* Start a new segment; returns its number. Everything in earlier segments
 * may be deleted with wal_drop_before once it is persisted elsewhere. */
uint32_t wal_rotate(tm_wal *w);
void wal_drop_before(tm_wal *w, uint32_t seg);
uint64_t wal_bytes(tm_wal *w); /* bytes in all live segments */
void wal_close(tm_wal *w);
#endif
