/* queue.h — one forward target's queue: on disk, bounded, exact.
 *
 * DIR/q-00000001.seg, ...: segments of records [u32 length][u32 crc32c]
 * [payload] (payload: qrec.h), each appended with one writev() by the loop
 * thread and never fsynced there, so ingestion never waits for a disk and a
 * kill -9 loses nothing the kernel already has. DIR/cursor holds the
 * acknowledged position (segment, offset, samples of that record already
 * sent), rewritten in place after each acknowledged batch: after a crash
 * at most the batch that was in flight is read again. Past max_bytes the
 * oldest segments are deleted and their unread samples counted as dropped;
 * memory holds one record and a few numbers per segment, however long the
 * remote is away. Every open starts a new segment, so a torn tail is only
 * the end of an old one; a record whose CRC fails ends its segment (logged,
 * counted in corrupt).
 *
 * Threads: one writer (queue_write), one reader (queue_read,
 * queue_ack), and anyone for queue_stats and queue_wake. */
#ifndef TM_QUEUE_H
#define TM_QUEUE_H
#include <stddef.h>
#include <stdint.h>

#include "../model/batch.h"
#include "qrec.h"

typedef struct tm_queue tm_queue;

typedef struct {
    uint64_t bytes, samples;         /* pending: appended, neither acknowledged nor dropped */
    uint64_t appended, dropped;      /* samples: since the start / deleted unread at the bound */
    uint64_t write_errors, corrupt;  /* samples not queued for an I/O error / damaged records skipped */
    int64_t newest_ts, acked_ts;     /* ms: newest appended / newest acknowledged (before any: the
                                        oldest known); INT64_MIN unknown */
    uint64_t segments;
} tm_queue_stats;

tm_queue *queue_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen);
void queue_close(tm_queue *q);

/* Writer: one record of the samples in body (qrec.h), which are the
 * samples pick[0..n-1] of b (pick NULL: every sample whose id is not 0),
 * ids[i] naming sample i's series. The keys this segment has not defined
 * yet go first; one write() for it all. */
void queue_write(tm_queue *q, const tm_batch *b, const uint32_t *ids, const uint32_t *pick, size_t n,
                 const tm_qbody *body);

/* Reader: append up to max unread samples to out, waiting up to wait_ms for
 * the first; returns how many were added. A batch being filled (out not
 * empty) ends where the bound dropped unread samples since it began:
 * then 0 at once, and the next batch goes on past the cut. */
size_t queue_read(tm_queue *q, tm_batch *out, size_t max, int wait_ms);
/* Everything read so far is delivered: persist the position. newest is the
 * newest time in it (for lag). */
void queue_ack(tm_queue *q, int64_t newest);
/* Samples appended and not yet read (the reader's backlog). */
uint64_t queue_unread(tm_queue *q);
/* Its segments take half the bound or more: a backlog that must go out
 * now, not wait (yield.h), or the bound will drop it. */
int queue_half_full(tm_queue *q);
/* Wake a reader waiting in queue_read (to stop it). */
void queue_wake(tm_queue *q);
void queue_stats(tm_queue *q, tm_queue_stats *st);
#endif
