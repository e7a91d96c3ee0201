#include "wal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/log.h"
#include "store.h"

struct tm_wal {
    char *dir;
    int fd;
    uint32_t seg;       /* current segment number */
    uint64_t seg_off;   /* bytes in the current segment */
    uint32_t first_seg; /* oldest segment still on disk */
    uint64_t bytes;     /* all live segments */
    int fsync_mode;
    pthread_mutex_t mu; /* guards fd against the sync thread */
    pthread_t syncer;
    int stop, dirty;
    int tail_bad; /* a failed append left bytes that cut_back could not remove yet */
    int (*first_byte_ok)(uint8_t);
    size_t (*count_lost)(const uint8_t *, size_t, int *);
};

static void seg_path(const tm_wal *w, uint32_t seg, char *out, size_t n) {
    snprintf(out, n, "%s/wal-%08u.log", w->dir, seg);
}

static void *sync_loop(void *arg) {
    tm_wal *w = arg;
    for (;;) {
        usleep(1000 * 1000);
        pthread_mutex_lock(&w->mu);
        int stop = w->stop, fd = w->dirty ? dup(w->fd) : -1;
        w->dirty = 0;
        pthread_mutex_unlock(&w->mu);
        /* fsync outside the lock: appends never wait for the disk */
        if (fd >= 0) {
            fdatasync(fd);
            close(fd);
        }
        if (stop) return NULL;
    }
}

static int open_segment(tm_wal *w) {
    char path[4096];
    seg_path(w, w->seg, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    /* the new file's name must survive a crash too */
    int dfd = open(w->dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    pthread_mutex_lock(&w->mu);
    int old = w->fd;
    w->fd = fd;
    pthread_mutex_unlock(&w->mu);
    if (old >= 0) {
        if (w->fsync_mode != TM_FSYNC_OFF) fdatasync(old);
        close(old);
    }
    return 0;
}

tm_wal *wal_open(const char *dir, int fsync_mode, uint32_t min_seg, char *err, size_t errlen) {
    if (mkdir(dir, 0755) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return NULL;
    }
    tm_wal *w = xcalloc(1, sizeof *w);
    w->dir = xstrndup(dir, strlen(dir));
    w->fd = -1;
    w->fsync_mode = fsync_mode;
    pthread_mutex_init(&w->mu, NULL);
    DIR *d = opendir(dir);
    uint32_t lo = 0, hi = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        unsigned n;
        if (sscanf(e->d_name, "wal-%8u.log", &n) != 1) continue;
        if (!lo || n < lo) lo = n;
        if (n > hi) hi = n;
        char path[4096];
        struct stat st;
        seg_path(w, n, path, sizeof path);
        if (!stat(path, &st)) w->bytes += (uint64_t)st.st_size;
    }
    if (d) closedir(d);
    if (hi + 1 < min_seg) hi = min_seg - 1;
    w->first_seg = lo ? lo : hi + 1;
    w->seg = hi + 1;
    if (open_segment(w)) {
        snprintf(err, errlen, "cannot open write-ahead log in %s: %s", dir, strerror(errno));
        wal_close(w);
        return NULL;
    }
    if (fsync_mode == TM_FSYNC_1S) pthread_create(&w->syncer, NULL, sync_loop, w);
    return w;
}

/* Segments are read through a window, so replay memory is bounded by the
 * largest record, not by the segment. */
#define READ_WINDOW (1u << 20)
/* After damage, records up to this long (or twice the longest seen) are
 * looked for; batches are far smaller. */
#define SCAN_MIN (4u << 20)

typedef struct {
    int fd;
    uint64_t size; /* of the file */
    uint8_t *buf;
    size_t cap, n; /* buf holds file bytes [base, base + n) */
    uint64_t base;
} seg_reader;

/* File bytes [off, off + len) in memory, or NULL when the file ends before. */
static const uint8_t *rd_at(seg_reader *r, uint64_t off, size_t len) {
    if (off > r->size || len > r->size - off) return NULL;
    if (off >= r->base && off + len <= r->base + r->n) return r->buf + (off - r->base);
    size_t want = len > READ_WINDOW ? len : READ_WINDOW;
    if (want > r->size - off) want = (size_t)(r->size - off);
    if (want > r->cap) {
        r->buf = xrealloc(r->buf, want);
        r->cap = want;
    }
    size_t keep = 0; /* bytes from off on that the window already has */
    if (off >= r->base && off < r->base + r->n) {
        keep = (size_t)(r->base + r->n - off);
        memmove(r->buf, r->buf + (off - r->base), keep);
    }
    r->base = off;
    r->n = keep;
    while (r->n < want) {
        ssize_t k = pread(r->fd, r->buf + r->n, want - r->n, (off_t)(off + r->n));
        if (k <= 0) break;
        r->n += (size_t)k;
    }
    if (r->n < len) { /* shorter than fstat said: the end is where reading stops */
        r->size = r->base + r->n;
        return NULL;
    }
    return r->buf;
}

/* The payload length of an intact record at off, or -1. While scanning
 * for the next intact record after damage, candidates are filtered first
 * on the cheap (the first payload byte the log's user says can begin one, a
 * length near those seen), so most offsets cost no CRC at all. */
static int64_t record_at(const tm_wal *w, seg_reader *r, uint64_t off, uint64_t scan_max) {
    const uint8_t *h = rd_at(r, off, 9);
    if (!h) return -1;
    uint32_t len, crc;
    memcpy(&len, h, 4);
    memcpy(&crc, h + 4, 4);
    if (!len || len > WAL_RECORD_MAX) return -1;
    if (scan_max && (len > scan_max || (w->first_byte_ok && !w->first_byte_ok(h[8])))) return -1;
    const uint8_t *p = rd_at(r, off, 8 + (size_t)len);
    if (!p || crc32c(0, p + 8, len) != crc) return -1;
    return len;
}

/* Keep the damaged segment as it was, for whoever wants to look at it. */
static void keep_copy(tm_wal *w, uint32_t seg, seg_reader *r, char *out, size_t outn) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/damaged", w->dir);
    mkdir(dir, 0755);
    snprintf(out, outn, "%s/wal-%08u.log.%lld", dir, seg, (long long)time(NULL));
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int ok = fd >= 0;
    uint8_t b[65536];
    for (off_t off = 0; ok;) {
        ssize_t k = pread(r->fd, b, sizeof b, off);
        if (k <= 0) break;
        ok = write(fd, b, (size_t)k) == k;
        off += k;
    }
    if (fd >= 0) {
        ok = ok && !fsync(fd);
        close(fd);
    }
    if (!ok) snprintf(out, outn, "(no copy: %s)", strerror(errno));
}

/* Replay one segment. A damaged record with intact ones after it is
 * skipped (the next record that checks out is found by scanning); damage
 * with nothing intact after it is a torn tail and is cut. */
static void replay_segment(tm_wal *w, uint32_t seg, wal_replay_fn fn, void *arg) {
    char path[4096];
    seg_path(w, seg, path, sizeof path);
    seg_reader r = {.fd = open(path, O_RDWR | O_CLOEXEC)};
    if (r.fd < 0) return;
    struct stat st;
    if (fstat(r.fd, &st) || st.st_size == 0) {
        close(r.fd);
        return;
    }
    r.size = (uint64_t)st.st_size;
    uint64_t size = r.size, off = 0;
    char copy[4200] = "";
    uint64_t longest = 0;
    while (off + 8 <= r.size) {
        int64_t len = record_at(w, &r, off, 0);
        if (len >= 0) {
            fn(rd_at(&r, off + 8, (size_t)len), (size_t)len, WAL_POS(seg, off), arg);
            off += 8 + (uint64_t)len;
            if ((uint64_t)len > longest) longest = (uint64_t)len;
            continue;
        }
        uint64_t next = off + 1, scan_max = longest * 2 > SCAN_MIN ? longest * 2 : SCAN_MIN;
        while (next + 8 <= r.size && record_at(w, &r, next, scan_max) < 0) next++;
        if (next + 8 > r.size) break; /* nothing intact follows: a torn tail */
        if (!*copy) keep_copy(w, seg, &r, copy, sizeof copy);
        const uint8_t *bad = rd_at(&r, off, (size_t)(next - off));
        int exact = 0;
        if (bad && w->count_lost) {
            size_t lost = w->count_lost(bad, (size_t)(next - off), &exact);
            log_error("wal: %s is damaged at byte %llu: %s%zu sample(s) lost (%llu bytes skipped up to the next "
                      "intact record); a copy of the segment is kept as %s",
                      path, (unsigned long long)off, exact ? "" : "about ", lost, (unsigned long long)(next - off),
                      copy);
        } else {
            log_error("wal: %s is damaged at byte %llu: %llu bytes skipped up to the next intact record; a copy of "
                      "the segment is kept as %s", path, (unsigned long long)off, (unsigned long long)(next - off), copy);
        }
        off = next;
    }
    if (off < r.size) {
        log_warn("wal: cut torn tail of %s at byte %llu (%llu bytes dropped)", path, (unsigned long long)off,
                 (unsigned long long)(r.size - off));
        if (ftruncate(r.fd, (off_t)off) == 0) fsync(r.fd);
    }
    if (off < size) w->bytes -= size - off;
    free(r.buf);
    close(r.fd);
}

void wal_replay(tm_wal *w, wal_replay_fn fn, void *arg) {
    for (uint32_t s = w->first_seg; s < w->seg; s++) replay_segment(w, s, fn, arg);
}

/* Cut the segment back to its last whole record: a half-written one must
 * never have records appended behind it (replay would cut them all). */
static int cut_back(tm_wal *w) {
    if (ftruncate(w->fd, (off_t)w->seg_off)) {
        w->tail_bad = 1;
        return -1;
    }
    w->tail_bad = 0;
    return 0;
}

int wal_append(tm_wal *w, const uint8_t *p, size_t n, uint64_t *pos) {
    if (n > WAL_RECORD_MAX) {
        errno = EFBIG;
        return -1;
    }
    if (w->tail_bad && cut_back(w)) return -1;
    uint32_t hdr[2] = {(uint32_t)n, crc32c(0, p, n)};
    /* header and payload in one write() so a record is never half-visible
     * to a reader after a process kill */
    uint8_t small[8 + 4096];
    const uint8_t *out;
    uint8_t *heap = NULL;
    if (n <= 4096) {
        memcpy(small, hdr, 8);
        memcpy(small + 8, p, n);
        out = small;
    } else {
        heap = xmalloc(n + 8);
        memcpy(heap, hdr, 8);
        memcpy(heap + 8, p, n);
        out = heap;
    }
    size_t left = n + 8;
    int rc = 0;
    while (left) {
        ssize_t k = write(w->fd, out, left);
        if (k < 0) {
            if (errno == EINTR) continue;
            rc = -1;
            break;
        }
        out += k;
        left -= (size_t)k;
    }
    free(heap);
    /* a record refused must not stay behind, durable or not */
    if (!rc && w->fsync_mode == TM_FSYNC_ALWAYS && fdatasync(w->fd)) rc = -1;
    if (rc) {
        int e = errno;
        cut_back(w);
        errno = e;
        return -1;
    }
    *pos = WAL_POS(w->seg, w->seg_off);
    w->seg_off += n + 8;
    w->bytes += n + 8;
    if (w->fsync_mode == TM_FSYNC_1S) __atomic_store_n(&w->dirty, 1, __ATOMIC_RELAXED);
    return 0;
}

uint32_t wal_rotate(tm_wal *w) {
    w->seg++;
    uint64_t off = w->seg_off;
    w->seg_off = 0;
    if (open_segment(w)) { /* keep appending to the current one */
        log_error("wal: cannot open segment %u: %s", w->seg, strerror(errno));
        w->seg--;
        w->seg_off = off;
    } else {
        w->tail_bad = 0;
    }
    return w->seg;
}

void wal_drop_before(tm_wal *w, uint32_t seg) {
    for (; w->first_seg < seg && w->first_seg < w->seg; w->first_seg++) {
        char path[4096];
        struct stat st;
        seg_path(w, w->first_seg, path, sizeof path);
        if (!stat(path, &st)) w->bytes -= (uint64_t)st.st_size;
        unlink(path);
    }
}

uint64_t wal_bytes(tm_wal *w) { return w->bytes; }

void wal_payload_hooks(tm_wal *w, int (*first_byte_ok)(uint8_t), size_t (*count_lost)(const uint8_t *, size_t, int *)) {
    w->first_byte_ok = first_byte_ok;
    w->count_lost = count_lost;
}

void wal_close(tm_wal *w) {
    if (!w) return;
    if (w->fsync_mode == TM_FSYNC_1S && w->syncer) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->syncer, NULL);
    }
    if (w->fd >= 0) {
        if (w->fsync_mode != TM_FSYNC_OFF) fdatasync(w->fd);
        close(w->fd);
    }
    pthread_mutex_destroy(&w->mu);
    free(w->dir);
    free(w);
}
