/* plug_ssh.c — ssh_tunnel: keeps `ssh -N -R PORT:localhost:22 USER@RELAY` up
 * so a machine behind a router stays reachable through the relay host.
 *
 * A thread of its own runs ssh, restarts it when it exits (backoff 1 s
 * doubling to 60 s, back to 1 s once a tunnel stayed up a minute), and
 * reports the tunnel's state as the string series ssh_tunnel.state
 * ("connecting", "up", "down: ...") and its restarts as ssh_tunnel.restarts. */
#include <errno.h>
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

#define UP_AFTER_MS 5000     /* alive this long: the forward was accepted (ExitOnForwardFailure) */
#define STEADY_MS 60000      /* alive this long: the next failure starts the backoff over */
#define BACKOFF_MAX_MS 60000

extern char **environ;

typedef struct {
    char cmd[256], fwd[64], dest[256];
    pthread_t th;
    atomic_int stop;
    int started;
    pid_t pid;
    double restarts;
} ssh_state;

static void state(tm_plugin *p, const char *s) {
    p->e.ts = now_ms();
    emit_string(&p->e, "ssh_tunnel.state", NULL, NULL, s);
}

/* Sleep ms, a tenth of a second at a time, so a stop is quick. */
static void nap(ssh_state *s, int64_t ms) {
    for (int64_t end = now_ms() + ms; !atomic_load(&s->stop) && now_ms() < end;) {
        struct timespec t = {0, 100 * 1000000};
        nanosleep(&t, NULL);
    }
}

/* Run ssh once until it exits (or the agent stops); how long it lived, in ms. */
static int64_t run_ssh(tm_plugin *p, ssh_state *s, char *why, size_t cap) {
    char *argv[] = {s->cmd, "-N", "-o", "ExitOnForwardFailure=yes", "-o", "ServerAliveInterval=30", "-o",
                    "ServerAliveCountMax=3", "-o", "BatchMode=yes", "-R", s->fwd, s->dest, NULL};
    state(p, "connecting");
    int64_t start = now_ms();
    int rc = posix_spawnp(&s->pid, s->cmd, NULL, NULL, argv, environ);
    if (rc) {
        snprintf(why, cap, "down: cannot run %s: %s", s->cmd, strerror(rc));
        return 0;
    }
    int up = 0, st = 0;
    for (;;) {
        pid_t r = waitpid(s->pid, &st, WNOHANG);
        if (r == s->pid || (r < 0 && errno != EINTR)) break;
        if (atomic_load(&s->stop)) kill(s->pid, SIGTERM);
        if (!up && now_ms() - start >= UP_AFTER_MS) state(p, "up"), up = 1;
        struct timespec t = {0, 100 * 1000000};
        nanosleep(&t, NULL);
    }
    if (WIFEXITED(st)) snprintf(why, cap, "down: ssh exited with status %d", WEXITSTATUS(st));
    else snprintf(why, cap, "down: ssh killed by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return now_ms() - start;
}

static void *ssh_thread(void *arg) {
    tm_plugin *p = arg;
    ssh_state *s = p->st;
    int64_t backoff = 1000;
    while (!atomic_load(&s->stop)) {
        char why[320];
        int64_t lived = run_ssh(p, s, why, sizeof why);
        if (atomic_load(&s->stop)) break;
        if (lived >= STEADY_MS) backoff = 1000;
        state(p, why);
        log_limited(LOG_WARN, "agent: ssh_tunnel to %s %s; again in %lld s", s->dest, why, (long long)backoff / 1000);
        p->e.ts = now_ms();
        emit_number(&p->e, "ssh_tunnel.restarts", NULL, NULL, ++s->restarts);
        nap(s, backoff);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    return NULL;
}

static void ssh_free(tm_plugin *p) {
    ssh_state *s = p->st;
    atomic_store(&s->stop, 1);
    if (s->started) pthread_join(s->th, NULL);
    free(s);
}

int plugin_init_ssh(tm_plugin *p, const char *name, const agent_env *env, char *err, size_t errlen) {
    (void)name;
    if (!env->ssh_relay || !env->ssh_relay[0] || !env->ssh_port || !env->ssh_port[0]) {
        snprintf(err, errlen, "plugin ssh_tunnel needs --ssh-relay USER@HOST and --ssh-port PORT");
        return -1;
    }
    char *end;
    long port = strtol(env->ssh_port, &end, 10);
    if (*end || port < 1 || port > 65535) {
        snprintf(err, errlen, "--ssh-port must be a port number (1-65535), not \"%s\"", env->ssh_port);
        return -1;
    }
    ssh_state *s = xcalloc(1, sizeof *s);
    snprintf(s->cmd, sizeof s->cmd, "%s", env->ssh_command ? env->ssh_command : "ssh");
    snprintf(s->fwd, sizeof s->fwd, "%ld:localhost:22", port);
    snprintf(s->dest, sizeof s->dest, "%s", env->ssh_relay);
    p->name = "ssh_tunnel";
    p->st = s;
    p->free = ssh_free;
    if (pthread_create(&s->th, NULL, ssh_thread, p)) {
        snprintf(err, errlen, "plugin ssh_tunnel: cannot start its thread");
        free(s);
        return -1;
    }
    s->started = 1;
    return 0;
}
