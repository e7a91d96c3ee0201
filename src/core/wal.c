#include "wal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
};

/* ---- CRC32C (Castagnoli), table driven ---- */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++) crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}
uint32_t crc32c(uint32_t crc, const void *data, size_t n) {
    pthread_once(&crc_once, crc_init);
    const uint8_t *p = data;
    crc = ~crc;
    while (n >= 8) { /* slicing by 8 */
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= crc;
        crc = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^ crc_table[5][(w >> 16) & 0xff] ^
              crc_table[4][(w >> 24) & 0xff] ^ crc_table[3][(w >> 32) & 0xff] ^ crc_table[2][(w >> 40) & 0xff] ^
              crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n--) crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

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

/* Replay one segment; cut it at the first torn or corrupt record. */
static void replay_segment(tm_wal *w, uint32_t seg, void (*fn)(const uint8_t *, size_t, uint64_t, void *),
                           void *arg) {
    char path[4096];
    seg_path(w, seg, path, sizeof path);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) || st.st_size == 0) {
        close(fd);
        return;
    }
    size_t size = (size_t)st.st_size, off = 0;
    uint8_t *data = xmalloc(size);
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, data + got, size - got, (off_t)got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    while (off + 8 <= got) {
        uint32_t len, crc;
        memcpy(&len, data + off, 4);
        memcpy(&crc, data + off + 4, 4);
        if (len > got - off - 8 || crc32c(0, data + off + 8, len) != crc) break;
        fn(data + off + 8, len, WAL_POS(seg, off), arg);
        off += 8 + (size_t)len;
    }
    if (off < size) {
        log_warn("wal: cut torn tail of %s at byte %zu (%zu bytes dropped)", path, off, size - off);
        if (ftruncate(fd, (off_t)off) == 0) fsync(fd);
        w->bytes -= size - off;
    }
    free(data);
    close(fd);
}

void wal_replay(tm_wal *w, void (*fn)(const uint8_t *p, size_t n, uint64_t pos, void *arg), void *arg) {
    for (uint32_t s = w->first_seg; s < w->seg; s++) replay_segment(w, s, fn, arg);
}

int wal_append(tm_wal *w, const uint8_t *p, size_t n, uint64_t *pos) {
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
    if (rc) return -1;
    *pos = WAL_POS(w->seg, w->seg_off);
    w->seg_off += n + 8;
    w->bytes += n + 8;
    if (w->fsync_mode == TM_FSYNC_ALWAYS) return fdatasync(w->fd) ? -1 : 0;
    if (w->fsync_mode == TM_FSYNC_1S) __atomic_store_n(&w->dirty, 1, __ATOMIC_RELAXED);
    return 0;
}

uint32_t wal_rotate(tm_wal *w) {
    w->seg++;
    w->seg_off = 0;
    if (open_segment(w)) log_error("wal: cannot open segment %u: %s", w->seg, strerror(errno));
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
