/* queue.c — segments, the cursor, the bound; the reader's side is in
 * queue_read.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../util/crc32c.h"
#include "../util/log.h"
#include "queue_int.h"

void seg_path(const tm_queue *q, uint32_t no, char *out, size_t n) { snprintf(out, n, "%s/q-%08u.seg", q->dir, no); }

qseg *seg_find(tm_queue *q, uint32_t no) {
    for (size_t i = 0; i < q->nseg; i++)
        if (q->segs[i].no == no) return &q->segs[i];
    return NULL;
}

static void seg_push(tm_queue *q, uint32_t no, uint64_t bytes, uint64_t samples) {
    if (q->nseg == q->capseg) {
        q->capseg = q->capseg ? q->capseg * 2 : 16;
        q->segs = xrealloc(q->segs, q->capseg * sizeof *q->segs);
    }
    q->segs[q->nseg++] = (qseg){no, bytes, samples};
    q->total_bytes += bytes;
    q->total_samples += samples;
}

/* Remove segs[0] (mu held). */
static void seg_pop(tm_queue *q) {
    char p[4200];
    seg_path(q, q->segs[0].no, p, sizeof p);
    if (unlink(p) && errno != ENOENT) log_warn("forward queue: cannot remove %s: %s", p, strerror(errno));
    q->total_bytes -= q->segs[0].bytes;
    q->total_samples -= q->segs[0].samples;
    memmove(q->segs, q->segs + 1, (q->nseg - 1) * sizeof *q->segs);
    q->nseg--;
}

int read_full(int fd, void *p, size_t n, uint64_t off) {
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(fd, (char *)p + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

int frame_read(int fd, uint64_t off, uint64_t end, tm_buf *out) {
    uint32_t h[2];
    if (off + 8 > end || read_full(fd, h, 8, off)) return -1;
    if (h[0] < QREC_HEAD || h[0] > QUEUE_REC_MAX || off + 8 + h[0] > end) return -1;
    out->n = 0;
    buf_reserve(out, h[0]);
    if (read_full(fd, out->p, h[0], off + 8) || crc32c(0, out->p, h[0]) != h[1]) return -1;
    out->n = h[0];
    return 0;
}

/* Valid length, sample count and newest time of one segment; a bad record ends it. */
static void seg_scan(tm_queue *q, uint32_t no, uint64_t *bytes, uint64_t *samples, const qpos *cur, qpos *at) {
    char p[4200];
    seg_path(q, no, p, sizeof p);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    struct stat st;
    *bytes = *samples = 0;
    if (fd < 0 || fstat(fd, &st)) {
        if (fd >= 0) close(fd);
        return;
    }
    uint64_t off = 0, size = (uint64_t)st.st_size;
    while (off < size && !frame_read(fd, off, size, &q->rbuf)) {
        uint32_t count;
        int64_t newest;
        qrec_head(q->rbuf.p, q->rbuf.n, &count, &newest);
        if (cur && cur->seg == no && off == cur->off && cur->skip <= count) *at = (qpos){no, off, cur->skip, *samples + cur->skip};
        if (newest > q->newest_ts) q->newest_ts = newest;
        if (q->oldest_ts == INT64_MIN) q->oldest_ts = newest;
        *samples += count;
        off += 8 + q->rbuf.n;
    }
    if (cur && cur->seg == no && off == cur->off && !cur->skip) *at = (qpos){no, off, 0, *samples};
    if (off < size) {
        log_warn("forward queue: %s: %llu bytes after offset %llu are torn or corrupt, ignored", p,
                 (unsigned long long)(size - off), (unsigned long long)off);
        q->corrupt++;
    }
    *bytes = off;
    close(fd);
}

/* The cursor file: two 40-byte slots written in turn with one pwrite each
 * (no new file per batch: creating and renaming one cost more kernel time
 * than the send). A slot: "TMQ2", u32 seg, u64 off, u32 skip, u32 seq, i64
 * acked ts, 4 zero bytes, u32 crc32c of the 36 before. A torn write spoils
 * one slot; the other still holds the position before it. */
#define SLOT 40
static int slot_read(const uint8_t *b, qpos *c, uint32_t *seq, int64_t *ts) {
    uint32_t crc;
    memcpy(&crc, b + 36, 4);
    if (memcmp(b, "TMQ2", 4) || crc32c(0, b, 36) != crc) return -1;
    memcpy(&c->seg, b + 4, 4);
    memcpy(&c->off, b + 8, 8);
    memcpy(&c->skip, b + 16, 4);
    memcpy(seq, b + 20, 4);
    memcpy(ts, b + 24, 8);
    return 0;
}

static int cursor_load(tm_queue *q, qpos *c) {
    uint8_t b[2 * SLOT] = {0};
    ssize_t n = q->cfd >= 0 ? pread(q->cfd, b, sizeof b, 0) : -1;
    qpos x[2] = {{0}};
    uint32_t seq[2] = {0};
    int64_t ts[2];
    int ok0 = n >= SLOT && !slot_read(b, &x[0], &seq[0], &ts[0]);
    int ok1 = n >= 2 * SLOT && !slot_read(b + SLOT, &x[1], &seq[1], &ts[1]);
    if (!ok0 && !ok1) {
        if (n > 0) log_warn("forward queue %s: the cursor is damaged; sending the whole queue again", q->dir);
        return -1;
    }
    int k = ok0 && ok1 ? (int32_t)(seq[1] - seq[0]) > 0 : ok1;
    *c = x[k];
    q->acked_ts = ts[k];
    q->cseq = seq[k];
    return 0;
}

void cursor_save(tm_queue *q, const qpos *c, int64_t acked_ts) {
    uint8_t b[SLOT] = {0};
    uint32_t seq = ++q->cseq;
    memcpy(b, "TMQ2", 4);
    memcpy(b + 4, &c->seg, 4);
    memcpy(b + 8, &c->off, 8);
    memcpy(b + 16, &c->skip, 4);
    memcpy(b + 20, &seq, 4);
    memcpy(b + 24, &acked_ts, 8);
    uint32_t crc = crc32c(0, b, 36);
    memcpy(b + 36, &crc, 4);
    if (q->cfd < 0 || pwrite(q->cfd, b, SLOT, (off_t)(seq & 1) * SLOT) != SLOT)
        log_limited(LOG_ERROR, "forward queue %s: cannot save the cursor: %s", q->dir, strerror(errno));
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Segment numbers on disk, sorted. */
static uint32_t *list_segments(const char *dir, size_t *n) {
    DIR *d = opendir(dir);
    uint32_t *v = NULL;
    size_t cap = 0;
    *n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        unsigned no;
        char tail;
        if (sscanf(e->d_name, "q-%8u.se%c", &no, &tail) != 2 || tail != 'g' || strlen(e->d_name) != 14) continue;
        if (*n == cap) v = xrealloc(v, (cap = cap ? cap * 2 : 16) * sizeof *v);
        v[(*n)++] = no;
    }
    if (d) closedir(d);
    if (*n) qsort(v, *n, sizeof *v, cmp_u32);
    return v;
}

static int open_write_segment(tm_queue *q, uint32_t no, char *err, size_t errlen) {
    char p[4200];
    seg_path(q, no, p, sizeof p);
    q->wfd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (q->wfd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", p, strerror(errno));
        return -1;
    }
    q->wseg = no;
    seg_push(q, no, 0, 0);
    return 0;
}

/* Load what is on disk: the segments, then where the cursor points. A
 * cursor that matches no record boundary (damage) resends from the start
 * of its segment, or of the next one that is left. */
static void load(tm_queue *q) {
    qpos cur = {0}, at = {0};
    int have = !cursor_load(q, &cur), found = 0;
    size_t n;
    uint32_t *nos = list_segments(q->dir, &n);
    for (size_t i = 0; i < n; i++) {
        uint64_t bytes, samples;
        qpos hit = {0};
        seg_scan(q, nos[i], &bytes, &samples, have ? &cur : NULL, &hit);
        if (hit.seg) at = hit, found = 1;
        seg_push(q, nos[i], bytes, samples);
    }
    q->wseg = n ? nos[n - 1] : 0;
    if (have && cur.seg > q->wseg) q->wseg = cur.seg;
    free(nos);
    if (found) {
        q->ack = at;
    } else {
        q->ack = (qpos){q->wseg + 1, 0, 0, 0}; /* the segment about to be made */
        for (size_t i = q->nseg; i-- > 0;)
            if (!have || q->segs[i].no >= cur.seg) q->ack.seg = q->segs[i].no;
        if (have && q->ack.seg == cur.seg)
            log_warn("forward queue %s: the cursor points inside a record; resending its segment", q->dir);
    }
    while (q->nseg && q->segs[0].no < q->ack.seg) seg_pop(q); /* acknowledged; removal was cut short */
    q->rd = q->ack;
}

tm_queue *queue_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen) {
    if (mkdir(dir, 0755) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return NULL;
    }
    tm_queue *q = xcalloc(1, sizeof *q);
    q->dir = xstrndup(dir, strlen(dir));
    q->max_bytes = max_bytes;
    /* drop in eighths of the bound: what is lost at once stays small */
    q->seg_max = max_bytes / 8;
    if (q->seg_max < (64u << 10)) q->seg_max = 64u << 10;
    if (q->seg_max > (64u << 20)) q->seg_max = 64u << 20;
    q->newest_ts = q->acked_ts = q->oldest_ts = INT64_MIN;
    q->rfd = -1;
    char cp[4200];
    snprintf(cp, sizeof cp, "%s/cursor", q->dir);
    q->cfd = open(cp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (q->cfd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", cp, strerror(errno));
        free(q->dir);
        free(q);
        return NULL;
    }
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    load(q);
    if (open_write_segment(q, q->wseg + 1, err, errlen)) {
        queue_close(q);
        return NULL;
    }
    return q;
}

void queue_close(tm_queue *q) {
    if (!q) return;
    if (q->wfd > 0) close(q->wfd);
    if (q->rfd >= 0) close(q->rfd);
    if (q->cfd >= 0) close(q->cfd);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    qdict_free(&q->dict);
    buf_free(&q->wbuf);
    buf_free(&q->rbuf);
    free(q->segs);
    free(q->defseg);
    free(q->dir);
    free(q);
}

/* The keys of the picked samples this segment has not had yet. */
static void write_defs(tm_queue *q, const tm_batch *b, const uint32_t *ids, const uint32_t *pick, size_t n) {
    for (size_t k = 0; k < n; k++) {
        size_t i = pick ? pick[k] : k;
        uint32_t id = ids[i];
        if (!id) continue;
        XGROW_ZEROED(q->defseg, id, q->ndef, 1024);
        if (q->defseg[id] != q->wseg) {
            const tm_sample *x = &b->s[i];
            qrec_def(&q->wbuf, id, x->type, batch_key(b, x), x->key_len);
            q->defseg[id] = q->wseg;
        }
    }
}

/* Every part, however much the kernel takes at a time; the bytes written. */
static size_t writev_all(int fd, struct iovec *v, int nv) {
    size_t done = 0;
    while (nv) {
        ssize_t r = writev(fd, v, nv);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        done += (size_t)r;
        size_t left = (size_t)r;
        while (nv && left >= v->iov_len) left -= v->iov_len, v++, nv--;
        if (nv) v->iov_base = (char *)v->iov_base + left, v->iov_len -= left;
    }
    return done;
}

/* Start the next segment when this one is full, then keep to the bound by
 * dropping the oldest (mu held). */
static void rotate_and_bound(tm_queue *q) {
    if (q->segs[q->nseg - 1].bytes >= q->seg_max || q->force_rotate) {
        q->force_rotate = 0;
        char err[256];
        int fd = q->wfd;
        uint32_t defseg_was = q->wseg;
        if (open_write_segment(q, q->wseg + 1, err, sizeof err)) {
            log_limited(LOG_ERROR, "forward queue: %s", err);
            q->wfd = fd;
            q->wseg = defseg_was;
        } else {
            close(fd);
        }
    }
    while (q->total_bytes > q->max_bytes && q->nseg > 1) {
        qseg *s = &q->segs[0];
        if (s->no == q->rd.seg) {
            q->dropped += s->samples - q->rd.samples;
            if (s->samples > q->rd.samples) q->gaps++;
            q->rd = (qpos){q->segs[1].no, 0, 0, 0};
        }
        if (s->no == q->ack.seg) q->ack = (qpos){q->segs[1].no, 0, 0, 0};
        seg_pop(q);
    }
}

void queue_write(tm_queue *q, const tm_batch *b, const uint32_t *ids, const uint32_t *pick, size_t n,
                 const tm_qbody *body) {
    if (!body->count) return;
    tm_buf *w = &q->wbuf;
    w->n = 0;
    buf_reserve(w, 8);
    w->n = 8;
    qrec_head_put(w, body->count, body->newest);
    write_defs(q, b, ids, pick, n);
    size_t len = w->n - 8 + body->ent.n;
    uint32_t h[2] = {(uint32_t)len, crc32c(crc32c(0, w->p + 8, w->n - 8), body->ent.p, body->ent.n)};
    memcpy(w->p, h, 8);
    struct iovec v[2] = {{w->p, w->n}, {body->ent.p, body->ent.n}};
    size_t done = writev_all(q->wfd, v, 2);
    pthread_mutex_lock(&q->mu);
    q->appended += body->count;
    if (done < len + 8) {
        /* a partial record would end the segment for the reader: start another */
        log_limited(LOG_ERROR, "forward queue %s: write failed: %s; %u samples not queued", q->dir, strerror(errno),
                    body->count);
        q->write_errors += body->count;
        /* the reader stops at a torn record: cut it, or go on in a new segment */
        if (done && ftruncate(q->wfd, (off_t)q->segs[q->nseg - 1].bytes)) q->force_rotate = 1;
        /* the keys defined in it are not on disk: define them again */
        for (size_t k = 0; k < n; k++)
            if (ids[pick ? pick[k] : k]) q->defseg[ids[pick ? pick[k] : k]] = 0;
    } else {
        qseg *s = &q->segs[q->nseg - 1];
        s->bytes += len + 8;
        s->samples += body->count;
        q->total_bytes += len + 8;
        q->total_samples += body->count;
        if (body->newest > q->newest_ts) q->newest_ts = body->newest;
        if (q->oldest_ts == INT64_MIN) q->oldest_ts = body->newest;
    }
    rotate_and_bound(q);
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* mu held */
static uint64_t unread(const tm_queue *q) {
    uint64_t n = 0;
    for (size_t i = 0; i < q->nseg; i++)
        if (q->segs[i].no > q->rd.seg) n += q->segs[i].samples;
        else if (q->segs[i].no == q->rd.seg) n += q->segs[i].samples - q->rd.samples;
    return n;
}

uint64_t queue_unread(tm_queue *q) {
    pthread_mutex_lock(&q->mu);
    uint64_t n = unread(q);
    pthread_mutex_unlock(&q->mu);
    return n;
}

int queue_half_full(tm_queue *q) {
    pthread_mutex_lock(&q->mu);
    int r = q->total_bytes >= q->max_bytes / 2;
    pthread_mutex_unlock(&q->mu);
    return r;
}

void queue_stats(tm_queue *q, tm_queue_stats *st) {
    pthread_mutex_lock(&q->mu);
    int in_first = q->nseg && q->segs[0].no == q->ack.seg;
    st->bytes = q->total_bytes - (in_first ? q->ack.off : 0);
    /* unread, plus read and not yet acknowledged (its segment may be gone) */
    st->samples = q->unacked + unread(q);
    st->appended = q->appended;
    st->dropped = q->dropped;
    st->corrupt = q->corrupt;
    st->write_errors = q->write_errors;
    st->newest_ts = q->newest_ts;
    st->acked_ts = q->acked_ts != INT64_MIN ? q->acked_ts : q->oldest_ts;
    st->segments = q->nseg;
    pthread_mutex_unlock(&q->mu);
}

void queue_wake(tm_queue *q) {
    pthread_mutex_lock(&q->mu);
    q->woken = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void seg_drop_acked(tm_queue *q) {
    while (q->nseg > 1 && q->segs[0].no < q->ack.seg) seg_pop(q);
}
