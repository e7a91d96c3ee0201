/* dirlock.c — see dirlock.h. */
#include "dirlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* The PID the holder wrote, or 0 when the file holds none (yet). */
static long holder_pid(int fd) {
    char b[32];
    ssize_t n = pread(fd, b, sizeof b - 1, 0);
    if (n <= 0) return 0;
    b[n] = 0;
    return strtol(b, NULL, 10);
}

int dirlock_take(const char *dir, char *err, size_t errlen) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tidemark.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            long pid = holder_pid(fd);
            if (pid > 0)
                snprintf(err, errlen, "data directory %s is in use by another tidemark (pid %ld, %s)", dir, pid, path);
            else
                snprintf(err, errlen, "data directory %s is in use by another process (%s is locked)", dir, path);
        } else {
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
        }
        close(fd);
        return -1;
    }
    char b[32];
    int n = snprintf(b, sizeof b, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) || pwrite(fd, b, (size_t)n, 0) != n) {
        /* the lock holds anyway; only the message of a second instance suffers */
    }
    return fd;
}

void dirlock_release(int fd) {
    if (fd >= 0) close(fd);
}
