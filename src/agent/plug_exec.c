/* plug_exec.c — exec:PATH[:INTERVAL]: run an executable every interval and
 * read its "key=value" lines (plugins in any language).
 *
 * Each exec plugin has a thread of its own, so one that hangs holds up
 * nothing else: it is killed (its whole process group) when its interval is
 * over, one that fails is logged and run again at the next interval, and the
 * good lines of either are kept. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "plugin.h"

#define EXEC_OUT_MAX (1u << 20) /* output read per run; the rest is drained and dropped */

extern char **environ;

typedef struct {
    char *path;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started;
    atomic_int stop; /* read by read_until without the lock */
} exec_state;

/* Emit every "key=value" line of out; returns how many were good. */
static size_t emit_lines(tm_plugin *p, const tm_buf *out) {
    size_t good = 0, bad = 0;
    if (!out->n) return 0; /* a run stopped before it wrote: p is NULL, and NULL + 0 is undefined */
    const char *s = (const char *)out->p, *end = s + out->n;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        if (e > s && *s != '#') {
            if (emit_kv_line(&p->e, s, (size_t)(e - s))) good++;
            else bad++;
        }
        s = nl ? nl + 1 : end;
    }
    if (bad) log_limited(LOG_WARN, "agent: %s: %zu line(s) not key=value skipped", p->name, bad);
    return good;
}

/* Read the child's stdout until EOF or the deadline (or the agent stops);
 * 1 when it must be killed. */
static int read_until(int fd, int64_t deadline, tm_buf *out, atomic_int *stop) {
    char chunk[4096];
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0 || atomic_load(stop)) return 1;
        struct pollfd pf = {fd, POLLIN, 0};
        int r = poll(&pf, 1, left > 1000 ? 1000 : (int)left);
        if (r < 0 && errno != EINTR) return 0;
        if (r <= 0) continue;
        ssize_t k = read(fd, chunk, sizeof chunk);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return 0;
        if (out->n + (size_t)k <= EXEC_OUT_MAX) buf_put(out, chunk, (size_t)k);
    }
}

static void run_once(tm_plugin *p, exec_state *s) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC)) {
        log_limited(LOG_WARN, "agent: %s: pipe: %s", p->name, strerror(errno));
        return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP); /* its own group: a timeout kills its children too */
    posix_spawnattr_setpgroup(&at, 0);
    char *argv[] = {s->path, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, s->path, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(fds[1]);
    if (rc) {
        log_limited(LOG_WARN, "agent: %s: cannot run: %s", p->name, strerror(rc));
        close(fds[0]);
        return;
    }
    int64_t start = now_ms();
    tm_buf out = {0};
    int timed_out = read_until(fds[0], start + p->every_ms, &out, &s->stop);
    close(fds[0]);
    if (timed_out) kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    p->e.ts = start;
    size_t good = emit_lines(p, &out);
    buf_free(&out);
    if (timed_out && !atomic_load(&s->stop))
        log_limited(LOG_WARN, "agent: %s: still running after %lld ms, killed (%zu value(s) kept)", p->name,
                    (long long)p->every_ms, good);
    else if (!WIFEXITED(status) || WEXITSTATUS(status))
        log_limited(LOG_WARN, "agent: %s: failed (%s %d), will run again", p->name,
                    WIFEXITED(status) ? "exit status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

static void *exec_thread(void *arg) {
    tm_plugin *p = arg;
    exec_state *s = p->st;
    int64_t next = now_ms();
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        int64_t now = now_ms();
        if (now >= next) {
            pthread_mutex_unlock(&s->mu);
            run_once(p, s);
            next += p->every_ms;
            if (next <= now_ms()) next = now_ms() + p->every_ms; /* fell behind: skip, never pile up */
            pthread_mutex_lock(&s->mu);
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t wake = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + (next - now);
        ts.tv_sec = wake / 1000;
        ts.tv_nsec = (wake % 1000) * 1000000;
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void exec_free(tm_plugin *p) {
    exec_state *s = p->st;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->started) pthread_join(s->th, NULL); /* within a second: a running child is killed */
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free((char *)p->name);
    free(s->path);
    free(s);
}

int plugin_init_exec(tm_plugin *p, const char *spec, const agent_env *env, char *err, size_t errlen) {
    (void)env;
    const char *path = spec + 5, *colon = strrchr(path, ':');
    size_t plen = strlen(path);
    int64_t every;
    if (colon && parse_duration_ms(colon + 1, strlen(colon + 1), &every)) {
        plen = (size_t)(colon - path);
        if (every < 100) {
            snprintf(err, errlen, "plugin %s: interval must be at least 100ms", spec);
            return -1;
        }
        p->every_ms = every;
    }
    if (!plen) {
        snprintf(err, errlen, "plugin %s: want exec:PATH[:INTERVAL]", spec);
        return -1;
    }
    exec_state *s = xcalloc(1, sizeof *s);
    s->path = xstrndup(path, plen);
    if (access(s->path, X_OK)) {
        snprintf(err, errlen, "plugin %s: %s is not executable: %s", spec, s->path, strerror(errno));
        free(s->path);
        free(s);
        return -1;
    }
    tm_buf name = {0};
    buf_printf(&name, "exec:%s", s->path);
    buf_putc(&name, 0);
    p->name = (const char *)name.p;
    p->st = s;
    p->free = exec_free;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->th, NULL, exec_thread, p)) {
        snprintf(err, errlen, "plugin %s: cannot start its thread", spec);
        exec_free(p);
        return -1;
    }
    s->started = 1;
    return 0;
}
