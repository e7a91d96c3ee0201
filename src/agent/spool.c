/* spool.c — segment files, the head pointer, and the size bound. */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "../util/log.h"

#define REC_MAX (64u << 20)    /* no batch is larger: a bigger length is damage */

struct tm_spool {
    char dir[512];
    uint64_t max, bytes, dropped;
    uint64_t seg_max; /* a segment rolls past this: an eighth of the bound, so dropping is fine-grained */
    uint64_t *segs; /* ids, oldest first; the last one is appended to */
    size_t nsegs, cap;
    int wfd;        /* the last segment, open for append */
    uint64_t wsize; /* its size */
    uint64_t head_seg, head_off;
    uint64_t peek_len; /* bytes of the record spool_peek returned (0: none) */
};

static void seg_path(const tm_spool *s, uint64_t id, char *out, size_t cap) {
    snprintf(out, cap, "%s/spool-%016" PRIu64 ".seg", s->dir, id);
}

static uint64_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) ? 0 : (uint64_t)st.st_size;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void segs_push(tm_spool *s, uint64_t id) {
    XGROW(s->segs, s->nsegs, s->cap, 16);
    s->segs[s->nsegs++] = id;
}

/* Length of the good records at the start of fd (a torn or damaged one ends them). */
static uint64_t good_prefix(int fd, uint64_t size) {
    uint64_t off = 0;
    uint8_t hdr[8];
    while (off + 8 <= size && pread(fd, hdr, 8, (off_t)off) == 8) {
        uint32_t len, crc;
        memcpy(&len, hdr, 4);
        memcpy(&crc, hdr + 4, 4);
        if (len > REC_MAX || off + 8 + len > size) break;
        uint8_t *p = xmalloc(len ? len : 1);
        int ok = pread(fd, p, len, (off_t)(off + 8)) == (ssize_t)len && crc32(0, p, len) == crc;
        free(p);
        if (!ok) break;
        off += 8 + len;
    }
    return off;
}

static int load_head(tm_spool *s) {
    char path[600];
    snprintf(path, sizeof path, "%s/head", s->dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int ok = fscanf(f, "%" SCNu64 " %" SCNu64, &s->head_seg, &s->head_off) == 2;
    fclose(f);
    return ok;
}

static void save_head(tm_spool *s) {
    char path[600], tmp[610];
    snprintf(path, sizeof path, "%s/head", s->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        log_limited(LOG_WARN, "agent: spool: cannot write %s: %s", tmp, strerror(errno));
        return;
    }
    fprintf(f, "%" PRIu64 " %" PRIu64 "\n", s->head_seg, s->head_off);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
    rename(tmp, path);
}

static int open_writer(tm_spool *s, char *err, size_t errlen) {
    char path[600];
    seg_path(s, s->segs[s->nsegs - 1], path, sizeof path);
    s->wfd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644); /* read too: the torn-tail check */
    if (s->wfd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    s->wsize = file_size(path);
    return 0;
}

/* Segments on disk, oldest first; the last one's torn tail cut. */
static int scan_dir(tm_spool *s, char *err, size_t errlen) {
    DIR *d = opendir(s->dir);
    if (!d) {
        snprintf(err, errlen, "cannot read %s: %s", s->dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        uint64_t id;
        char tail[8];
        if (sscanf(e->d_name, "spool-%16" SCNu64 ".%3s", &id, tail) == 2 && !strcmp(tail, "seg")) segs_push(s, id);
    }
    closedir(d);
    if (s->nsegs) qsort(s->segs, s->nsegs, sizeof *s->segs, cmp_u64);
    if (!s->nsegs) segs_push(s, 1);
    if (open_writer(s, err, errlen)) return -1;
    uint64_t good = good_prefix(s->wfd, s->wsize);
    if (good < s->wsize) {
        log_warn("agent: spool: cut a torn record at the end of segment %" PRIu64 " (%" PRIu64 " bytes)",
                 s->segs[s->nsegs - 1], s->wsize - good);
        if (ftruncate(s->wfd, (off_t)good)) log_warn("agent: spool: truncate: %s", strerror(errno));
        s->wsize = good;
    }
    return 0;
}

tm_spool *spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen) {
    if (mkdir(dir, 0755) && errno != EEXIST) {
        snprintf(err, errlen, "cannot create --spool-dir %s: %s", dir, strerror(errno));
        return NULL;
    }
    tm_spool *s = xcalloc(1, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    s->max = max_bytes;
    s->seg_max = max_bytes / 8 < (16u << 10) ? (16u << 10) : max_bytes / 8 > (4u << 20) ? (4u << 20) : max_bytes / 8;
    s->wfd = -1;
    if (scan_dir(s, err, errlen)) {
        spool_close(s);
        return NULL;
    }
    if (!load_head(s) || s->head_seg < s->segs[0]) s->head_seg = s->segs[0], s->head_off = 0;
    for (size_t i = 0; i < s->nsegs; i++) {
        char path[600];
        seg_path(s, s->segs[i], path, sizeof path);
        uint64_t sz = i + 1 == s->nsegs ? s->wsize : file_size(path);
        if (s->segs[i] == s->head_seg) sz = sz > s->head_off ? sz - s->head_off : 0;
        if (s->segs[i] >= s->head_seg) s->bytes += sz;
    }
    if (s->bytes) log_info("agent: spool %s holds %" PRIu64 " bytes not yet sent", dir, s->bytes);
    return s;
}

void spool_close(tm_spool *s) {
    if (!s) return;
    if (s->wfd >= 0) close(s->wfd);
    free(s->segs);
    free(s);
}

/* Delete the oldest segment (never the one being appended to). */
static void drop_oldest(tm_spool *s) {
    char path[600];
    seg_path(s, s->segs[0], path, sizeof path);
    uint64_t sz = file_size(path), off = s->segs[0] == s->head_seg ? s->head_off : 0;
    uint64_t lost = sz > off ? sz - off : 0;
    unlink(path);
    memmove(s->segs, s->segs + 1, (s->nsegs - 1) * sizeof *s->segs);
    s->nsegs--;
    s->bytes -= lost < s->bytes ? lost : s->bytes;
    s->dropped++;
    if (s->head_seg < s->segs[0]) s->head_seg = s->segs[0], s->head_off = 0, s->peek_len = 0, save_head(s);
    log_limited(LOG_WARN, "agent: spool is over its --spool-max: dropped its oldest %" PRIu64 " bytes", lost);
}

int spool_append(tm_spool *s, const void *p, size_t n) {
    if (s->wsize >= s->seg_max) { /* roll */
        close(s->wfd);
        segs_push(s, s->segs[s->nsegs - 1] + 1);
        char err[256];
        if (open_writer(s, err, sizeof err)) {
            log_limited(LOG_ERROR, "agent: spool: %s", err);
            return -1;
        }
    }
    uint8_t hdr[8];
    uint32_t len = (uint32_t)n, crc = (uint32_t)crc32(0, p, (uInt)n);
    memcpy(hdr, &len, 4);
    memcpy(hdr + 4, &crc, 4);
    struct iovec v[2] = {{hdr, 8}, {(void *)p, n}};
    ssize_t w = writev(s->wfd, v, 2);
    if (w != (ssize_t)(n + 8) || fdatasync(s->wfd)) {
        log_limited(LOG_ERROR, "agent: spool: cannot append %zu bytes: %s", n, w < 0 ? strerror(errno) : "short");
        /* a half record must not hide the ones appended after it */
        if (ftruncate(s->wfd, (off_t)s->wsize)) log_limited(LOG_ERROR, "agent: spool: truncate: %s", strerror(errno));
        return -1;
    }
    s->wsize += n + 8;
    s->bytes += n + 8;
    while (s->bytes > s->max && s->nsegs > 1) drop_oldest(s);
    return 0;
}

int spool_peek(tm_spool *s, tm_buf *out) {
    while (s->bytes) {
        char path[600];
        seg_path(s, s->head_seg, path, sizeof path);
        int last = s->head_seg == s->segs[s->nsegs - 1];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        uint64_t size = fd < 0 ? 0 : file_size(path);
        uint8_t hdr[8];
        uint32_t len = 0, crc = 0;
        int ok = fd >= 0 && s->head_off + 8 <= size && pread(fd, hdr, 8, (off_t)s->head_off) == 8;
        if (ok) memcpy(&len, hdr, 4), memcpy(&crc, hdr + 4, 4);
        ok = ok && len <= REC_MAX && s->head_off + 8 + len <= size;
        if (ok) {
            out->n = 0;
            buf_reserve(out, len ? len : 1);
            ok = pread(fd, out->p, len, (off_t)(s->head_off + 8)) == (ssize_t)len && crc32(0, out->p, len) == crc;
            out->n = len;
        }
        if (fd >= 0) close(fd);
        if (ok) {
            s->peek_len = 8 + (uint64_t)len;
            return 1;
        }
        if (last) { /* nothing more yet */
            s->bytes = 0;
            return 0;
        }
        if (s->head_off < size)
            log_warn("agent: spool: damaged record in segment %" PRIu64 " at %" PRIu64 ": the rest of it is skipped",
                     s->head_seg, s->head_off);
        uint64_t rest = size > s->head_off ? size - s->head_off : 0;
        s->bytes -= rest < s->bytes ? rest : s->bytes;
        unlink(path); /* done with it */
        memmove(s->segs, s->segs + 1, (s->nsegs - 1) * sizeof *s->segs);
        s->nsegs--;
        s->head_seg = s->segs[0];
        s->head_off = 0;
        save_head(s);
    }
    return 0;
}

void spool_pop(tm_spool *s) {
    if (!s->peek_len) return;
    s->head_off += s->peek_len;
    s->bytes -= s->peek_len < s->bytes ? s->peek_len : s->bytes;
    s->peek_len = 0;
    save_head(s);
}

uint64_t spool_bytes(const tm_spool *s) { return s->bytes; }
uint64_t spool_dropped(const tm_spool *s) { return s->dropped; }
