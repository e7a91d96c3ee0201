/* queue_int.h — the queue's insides, shared by queue.c (segments, cursor,
 * writer) and queue_read.c (the reader). Nothing else includes it. */
#ifndef TM_QUEUE_INT_H
#define TM_QUEUE_INT_H
#include <pthread.h>

#include "qrec.h"
#include "queue.h"

#define QUEUE_REC_MAX (64u << 20) /* longer is damage: a record is one store_write */

typedef struct {
    uint32_t no;
    uint64_t bytes, samples; /* valid bytes; samples in them */
} qseg;

/* A place in the queue: the record at off of segment seg, of which skip
 * samples are behind us; samples counts those of seg before it. */
typedef struct {
    uint32_t seg;
    uint64_t off;
    uint32_t skip;
    uint64_t samples;
} qpos;

struct tm_queue {
    char *dir;
    uint64_t max_bytes, seg_max;
    pthread_mutex_t mu; /* guards segs, totals, rd, ack, counters, woken */
    pthread_cond_t cv;
    qseg *segs; /* oldest first; the last is being written */
    size_t nseg, capseg;
    uint64_t total_bytes, total_samples;
    uint64_t appended, dropped, corrupt, write_errors;
    int64_t newest_ts, acked_ts, oldest_ts; /* oldest: of the first record seen, for lag before any ack */
    uint64_t unacked; /* samples read since the last ack: in flight, still pending */
    uint32_t gaps, rd_gaps; /* times the bound dropped unread samples; as the batch being read began */
    int woken;

    /* writer only */
    int wfd, force_rotate;
    uint32_t wseg;
    tm_buf wbuf; /* frame, head and definitions of the record being written */
    uint32_t *defseg; /* per series id: segment its key was last defined in */
    size_t ndef;

    /* reader only, but for rd, which the bound may move */
    qpos rd, ack;
    int rfd, cfd; /* the segment being read; the cursor file */
    uint32_t cseq; /* of the cursor slot written last */
    uint32_t rfd_seg;
    tm_qdict dict;
    uint32_t dict_seg; /* segment whose keys dict holds (0: none) */
    tm_buf rbuf;
    /* rbuf holds the record at (held_seg, held_off), decoded up to held (a
     * record cut by a batch's end is read on from there, not again) */
    int held_ok;
    uint32_t held_seg;
    uint64_t held_off;
    tm_qrpos held;
};

void seg_path(const tm_queue *q, uint32_t no, char *out, size_t n);
qseg *seg_find(tm_queue *q, uint32_t no);
int read_full(int fd, void *p, size_t n, uint64_t off);
/* One record [len][crc][payload] at off, below end, into out; -1 when torn or corrupt. */
int frame_read(int fd, uint64_t off, uint64_t end, tm_buf *out);
void cursor_save(tm_queue *q, const qpos *c, int64_t acked_ts);
void seg_drop_acked(tm_queue *q); /* mu held */
#endif
