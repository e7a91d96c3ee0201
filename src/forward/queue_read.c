/* queue_read.c — the reader's side of a queue: records from the read
 * position into a batch, and acknowledging them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/log.h"
#include "queue_int.h"

static int reader_open(tm_queue *q, uint32_t no) {
    if (q->rfd >= 0 && q->rfd_seg == no) return 0;
    if (q->rfd >= 0) close(q->rfd);
    char p[4200];
    seg_path(q, no, p, sizeof p);
    q->rfd = open(p, O_RDONLY | O_CLOEXEC);
    q->rfd_seg = no;
    if (q->rfd < 0) log_limited(LOG_ERROR, "forward queue: cannot open %s: %s", p, strerror(errno));
    return q->rfd >= 0 ? 0 : -1;
}

/* The keys defined before at in its segment (after a restart, or a jump). */
static void dict_for(tm_queue *q, const qpos *at, uint64_t end) {
    if (q->dict_seg == at->seg) return;
    q->held_ok = 0; /* rbuf is taken for the records before */
    qdict_reset(&q->dict);
    q->dict_seg = at->seg;
    for (uint64_t off = 0; off < at->off && !frame_read(q->rfd, off, end, &q->rbuf); off += 8 + q->rbuf.n)
        qrec_decode(&q->dict, q->rbuf.p, q->rbuf.n, 0, 0, NULL);
}

/* Decode up to want samples of the record at `at` (mu not held); its sample
 * count, or -1. The record stays in rbuf with where its decoding stopped:
 * the next batch goes on from there when it starts at the same place. */
static long read_record(tm_queue *q, const qpos *at, uint64_t end, size_t want, tm_batch *out) {
    if (reader_open(q, at->seg)) return -1;
    dict_for(q, at, end);
    if (!q->held_ok || q->held_seg != at->seg || q->held_off != at->off || q->held.k != at->skip) {
        q->held_ok = 0;
        q->held = (tm_qrpos){0};
        if (frame_read(q->rfd, at->off, end, &q->rbuf) ||
            qrec_decode_step(&q->dict, q->rbuf.p, q->rbuf.n, &q->held, at->skip, NULL) < 0)
            return -1;
        q->held_ok = 1, q->held_seg = at->seg, q->held_off = at->off;
    }
    long got = qrec_decode_step(&q->dict, q->rbuf.p, q->rbuf.n, &q->held, want, out);
    if (got < 0) q->held_ok = 0;
    return got;
}

/* Where the read position is, with mu held: 1 a record to read (*end set),
 * 0 nothing yet. Moves on past finished segments. */
static int readable(tm_queue *q, uint64_t *end) {
    for (;;) {
        qseg *s = seg_find(q, q->rd.seg);
        if (!s) { /* moved under us: the first segment left at or after it */
            size_t i = 0;
            while (i + 1 < q->nseg && q->segs[i].no < q->rd.seg) i++;
            q->rd = (qpos){q->segs[i].no, 0, 0, 0};
            continue;
        }
        if (q->rd.off < s->bytes) {
            *end = s->bytes;
            return 1;
        }
        if (s == &q->segs[q->nseg - 1]) return 0;
        q->rd = (qpos){s[1].no, 0, 0, 0};
    }
}

size_t queue_read(tm_queue *q, tm_batch *out, size_t max, int wait_ms) {
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += wait_ms / 1000;
    dl.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) dl.tv_sec++, dl.tv_nsec -= 1000000000L;
    size_t added = 0;
    pthread_mutex_lock(&q->mu);
    while (added < max) {
        if (q->gaps != q->rd_gaps) { /* a batch never spans a drop: order and "one cut" hold per batch */
            if (out->n) break;
            q->rd_gaps = q->gaps;
        }
        uint64_t end;
        if (!readable(q, &end)) {
            if (added || q->woken || pthread_cond_timedwait(&q->cv, &q->mu, &dl) == ETIMEDOUT) break;
            continue;
        }
        qpos at = q->rd;
        pthread_mutex_unlock(&q->mu);
        size_t before = out->n;
        long got = read_record(q, &at, end, max - added, out);
        pthread_mutex_lock(&q->mu);
        if (q->rd.seg != at.seg || q->rd.off != at.off || q->rd.skip != at.skip) {
            out->n = before; /* the bound dropped this segment meanwhile, and counted it */
            continue;
        }
        if (got < 0) {
            log_limited(LOG_ERROR, "forward queue %s: corrupt record in segment %u at %llu; skipped to %llu", q->dir,
                        at.seg, (unsigned long long)at.off, (unsigned long long)end);
            q->corrupt++;
            q->rd.off = end;
            out->n = before;
            continue;
        }
        size_t took = out->n - before;
        if (at.skip + took >= (size_t)got) {
            q->rd.off += 8 + q->rbuf.n;
            q->rd.skip = 0;
        } else {
            q->rd.skip += (uint32_t)took;
        }
        q->rd.samples += took;
        q->unacked += took;
        added += took;
    }
    q->woken = 0;
    pthread_mutex_unlock(&q->mu);
    return added;
}

void queue_ack(tm_queue *q, int64_t newest) {
    pthread_mutex_lock(&q->mu);
    q->ack = q->rd;
    q->unacked = 0;
    if (newest > q->acked_ts) q->acked_ts = newest;
    qpos c = q->ack;
    int64_t ts = q->acked_ts;
    pthread_mutex_unlock(&q->mu);
    /* the cursor first: a crash between the two resends nothing more */
    cursor_save(q, &c, ts);
    pthread_mutex_lock(&q->mu);
    seg_drop_acked(q);
    pthread_mutex_unlock(&q->mu);
}
