#include "admit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../util/log.h"

tm_limits admit_limits = {ADMIT_DEFAULT_CONNS, ADMIT_DEFAULT_IDLE_MS, ADMIT_DEFAULT_INFLIGHT};

static struct {
    int spare;           /* /dev/null, given up for a moment to shed a connection */
    size_t fd_limit;     /* RLIMIT_NOFILE at start */
    size_t fd_reserve;   /* left to HTTP and the store */
    size_t inflight;     /* bytes held by every connection */
    struct timeval idle; /* admit_limits.idle_ms */
    tm_waiter *waiters;
    struct event *wake; /* runs the waiters, from the loop */
    struct event_base *base;
} A = {.spare = -1};

static void open_spare(void) {
    if (A.spare < 0) A.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void wake_all(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    (void)arg;
    /* each wakes in turn and may wait again: take the list first */
    tm_waiter *w = A.waiters;
    A.waiters = NULL;
    while (w && !admit_full()) {
        tm_waiter *next = w->next;
        w->waiting = 0;
        w->prev = w->next = NULL;
        w->wake(w);
        w = next;
    }
    while (w) { /* full again: the rest keep waiting */
        tm_waiter *next = w->next;
        w->waiting = 0;
        admit_wait(w);
        w = next;
    }
}

void admit_init(struct event_base *base, const tm_limits *l) {
    admit_limits = *l;
    struct rlimit rl;
    A.fd_limit = getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ? 1 << 20 : (size_t)rl.rlim_cur;
    A.fd_reserve = A.fd_limit / 8 < 16 ? 16 : A.fd_limit / 8 > 256 ? 256 : A.fd_limit / 8;
    open_spare();
    A.base = base;
    if (!A.wake) A.wake = event_new(base, -1, 0, wake_all, NULL);
}

void admit_shutdown(void) {
    if (A.wake) event_free(A.wake);
    A.wake = NULL;
    A.waiters = NULL;
    if (A.spare >= 0) close(A.spare);
    A.spare = -1;
}

const struct timeval *admit_idle_tv(void) {
    A.idle.tv_sec = (time_t)(admit_limits.idle_ms / 1000);
    A.idle.tv_usec = (suseconds_t)(admit_limits.idle_ms % 1000 * 1000);
    return admit_limits.idle_ms > 0 ? &A.idle : NULL;
}

/* The descriptor limit is read now, not at start, so a limit lowered on the
 * running process (prlimit) counts too. */
static size_t fd_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY) return A.fd_limit;
    size_t n = (size_t)rl.rlim_cur;
    A.fd_reserve = n / 8 < 16 ? 16 : n / 8 > 256 ? 256 : n / 8;
    return n;
}

int admit_check(int fd, const char *what, size_t live, int stream) {
    /* descriptors are handed out lowest first, so a high one means the
     * table is nearly full */
    size_t lim = fd_limit();
    if (live >= admit_limits.max_conns) {
        log_limited(LOG_WARN, "%s: %zu connections already (--max-connections), shedding the newest", what, live);
    } else if (stream && (size_t)fd + A.fd_reserve >= lim) {
        log_limited(LOG_WARN, "%s: descriptors nearly exhausted (%zu of %zu in use), shedding the newest", what,
                    (size_t)fd + 1, lim);
    } else {
        return 1;
    }
    close(fd);
    return 0;
}

int admit_accept_failed(int lfd, const char *what) {
    int err = errno;
    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) return 1;
    int shed = 0;
    for (int i = 0; i < 64 && A.spare >= 0; i++) {
        close(A.spare);
        A.spare = -1;
        int fd = accept(lfd, NULL, NULL);
        if (fd >= 0) close(fd);
        open_spare();
        if (fd < 0) break;
        shed++;
    }
    log_limited(LOG_WARN, "%s: out of descriptors (%s); shed %d connection(s)", what, strerror(err), shed);
    return shed;
}

void admit_backoff(void (*resume)(evutil_socket_t, short, void *), void *arg) {
    static const struct timeval pause = {0, 100 * 1000};
    if (A.base) event_base_once(A.base, -1, EV_TIMEOUT, resume, arg, &pause);
}

int admit_accept(int lfd, struct sockaddr_storage *ss, socklen_t *sl, const char *what, size_t live) {
    int fd = accept4(lfd, (struct sockaddr *)ss, sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED &&
            !admit_accept_failed(lfd, what))
            return ADMIT_STUCK;
        return ADMIT_NONE;
    }
    return admit_check(fd, what, live, 1) ? fd : ADMIT_SHED;
}

void admit_hold(size_t *held, size_t now) {
    A.inflight = A.inflight - *held + now;
    int freed = now < *held;
    *held = now;
    if (freed && A.waiters && !admit_full() && A.wake) event_active(A.wake, EV_TIMEOUT, 0);
}

int admit_full(void) { return A.inflight > admit_limits.max_inflight; }

size_t admit_inflight(void) { return A.inflight; }

void admit_wait(tm_waiter *w) {
    if (w->waiting) return;
    w->waiting = 1;
    w->prev = NULL;
    w->next = A.waiters;
    if (A.waiters) A.waiters->prev = w;
    A.waiters = w;
}

void admit_unwait(tm_waiter *w) {
    if (!w->waiting) return;
    if (w->prev) w->prev->next = w->next;
    else A.waiters = w->next;
    if (w->next) w->next->prev = w->prev;
    w->waiting = 0;
    w->prev = w->next = NULL;
}
