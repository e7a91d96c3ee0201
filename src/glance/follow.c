/* follow.c — the read buffer, the seek back, and rotation. */
#include "follow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/log.h"

#define CHUNK (256u << 10)
#define LINE_MAX_BYTES (1u << 20) /* a longer "line" is cut there: no log has one */

struct log_follow {
    char path[1024];
    int fd, is_stdin;
    uint64_t ino, dev;
    int64_t off;       /* file offset of buf[0] */
    char *buf;
    size_t start, len, cap; /* unread bytes are buf[start, len) */
};

static int open_file(log_follow *f, char *err, size_t errlen) {
    f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", f->path, strerror(errno));
        return -1;
    }
    struct stat st;
    fstat(f->fd, &st);
    f->ino = st.st_ino, f->dev = st.st_dev;
    f->off = 0, f->start = f->len = 0;
    return 0;
}

/* The first line start at or after pos (pos itself when it is 0 or follows a '\n'). */
static int64_t line_start_after(int fd, int64_t pos) {
    if (pos <= 0) return 0;
    char b[4096];
    for (int64_t p = pos - 1;;) {
        ssize_t r = pread(fd, b, sizeof b, p);
        if (r <= 0) return -1;
        char *nl = memchr(b, '\n', (size_t)r);
        if (nl) return p + (nl - b) + 1;
        p += r;
    }
}

/* Time of the first line with a time at or after pos; *next its end. */
static int64_t time_at(log_follow *f, int64_t pos, int64_t size, line_time_fn fn, void *arg, int64_t *line_pos) {
    char *b = xmalloc(65536);
    int64_t t = INT64_MIN;
    while (pos < size && t == INT64_MIN) {
        ssize_t r = pread(f->fd, b, 65536, pos);
        if (r <= 0) break;
        char *nl = memchr(b, '\n', (size_t)r);
        if (!nl) break;
        t = fn(arg, b, (size_t)(nl - b));
        *line_pos = pos;
        pos += nl - b + 1;
    }
    free(b);
    return t;
}

/* Bisect for the first line no older than (last line's time - back_ms). */
static int64_t seek_back(log_follow *f, int64_t back_ms, line_time_fn fn, void *arg) {
    struct stat st;
    if (fstat(f->fd, &st) || !S_ISREG(st.st_mode) || st.st_size == 0) return 0;
    int64_t size = st.st_size, lp = 0;
    /* the newest time: the last lines of the file */
    int64_t tail = size > 65536 ? size - 65536 : 0, newest = INT64_MIN;
    for (int64_t p = line_start_after(f->fd, tail); p >= 0 && p < size;) {
        int64_t at = p, t = time_at(f, p, size, fn, arg, &at);
        if (t == INT64_MIN) break;
        newest = t > newest ? t : newest;
        int64_t nx = line_start_after(f->fd, at + 1);
        if (nx <= p) break;
        p = nx;
    }
    if (newest == INT64_MIN) return 0;
    int64_t target = newest - back_ms, lo = 0, hi = size; /* lines from lo on may be new enough */
    while (hi - lo > 65536) {
        int64_t mid = lo + (hi - lo) / 2, p = line_start_after(f->fd, mid);
        int64_t t = p < 0 ? INT64_MIN : time_at(f, p, size, fn, arg, &lp);
        if (t == INT64_MIN || t >= target) hi = mid;
        else lo = mid;
    }
    return line_start_after(f->fd, lo);
}

log_follow *follow_open(const char *path, int64_t back_ms, line_time_fn fn, void *arg, int64_t at_offset,
                        uint64_t at_inode, char *err, size_t errlen) {
    log_follow *f = xcalloc(1, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", path);
    f->cap = CHUNK;
    f->buf = xmalloc(f->cap);
    if (!strcmp(path, "-")) {
        f->fd = 0, f->is_stdin = 1;
        return f;
    }
    if (open_file(f, err, errlen)) {
        follow_close(f);
        return NULL;
    }
    int64_t start = 0;
    struct stat st;
    fstat(f->fd, &st);
    if (at_offset >= 0 && (!at_inode || at_inode == f->ino) && at_offset <= st.st_size) start = at_offset;
    else if (back_ms > 0 && fn) start = seek_back(f, back_ms, fn, arg);
    if (start > 0 && lseek(f->fd, start, SEEK_SET) < 0) start = 0;
    f->off = start < 0 ? 0 : start;
    return f;
}

void follow_close(log_follow *f) {
    if (!f) return;
    if (f->fd > 0 || (f->fd == 0 && !f->is_stdin)) close(f->fd);
    free(f->buf);
    free(f);
}

int64_t follow_offset(const log_follow *f) { return f->off + (int64_t)f->start; }
uint64_t follow_inode(const log_follow *f) { return f->ino; }

/* Read more into the buffer; bytes read, 0 at the end, -1 on error. */
static ssize_t fill(log_follow *f) {
    if (f->start) { /* keep the partial line at the front */
        memmove(f->buf, f->buf + f->start, f->len - f->start);
        f->off += (int64_t)f->start;
        f->len -= f->start;
        f->start = 0;
    }
    if (f->len == f->cap) {
        if (f->cap >= LINE_MAX_BYTES) { /* a line too long: cut it */
            f->buf[f->len - 1] = '\n';
            return 1;
        }
        f->cap *= 2;
        f->buf = xrealloc(f->buf, f->cap);
    }
    ssize_t r;
    do r = read(f->fd, f->buf + f->len, f->cap - f->len);
    while (r < 0 && errno == EINTR);
    if (r > 0) f->len += (size_t)r;
    return r;
}

/* At the end of the file: has it been rotated away or cut short? */
static void check_rotation(log_follow *f) {
    struct stat st;
    if (stat(f->path, &st)) return; /* gone for now: logrotate creates it again */
    if (st.st_ino != f->ino || st.st_dev != f->dev) {
        log_info("glance: %s was rotated: reading the new file from its start", f->path);
        close(f->fd);
        char err[256];
        if (open_file(f, err, sizeof err)) log_warn("glance: %s", err);
        return;
    }
    if (st.st_size < f->off + (int64_t)f->len) { /* copytruncate */
        log_info("glance: %s was truncated: reading it again from its start", f->path);
        lseek(f->fd, 0, SEEK_SET);
        f->off = 0, f->start = f->len = 0;
    }
}

int follow_line(log_follow *f, const char **p, size_t *n) {
    for (int tries = 0;; tries++) {
        char *nl = memchr(f->buf + f->start, '\n', f->len - f->start);
        if (nl) {
            *p = f->buf + f->start;
            *n = (size_t)(nl - *p);
            f->start = (size_t)(nl - f->buf) + 1;
            return 1;
        }
        ssize_t r = fill(f);
        if (r > 0) continue;
        if (f->is_stdin) {
            if (f->len > f->start) { /* the last line, without its newline */
                *p = f->buf + f->start;
                *n = f->len - f->start;
                f->start = f->len;
                return 1;
            }
            return -1;
        }
        if (tries > 0) return 0;
        /* the end: the old file is drained, so a rotation loses nothing */
        check_rotation(f);
    }
}
