/* agent.h — `tidemark agent`: collect this machine's stats with plugins and
 * send them to a server (push), answer a server's relay polls (--relay),
 * or print one round (--once).
 *
 * Push: every plugin is collected on its own interval into one batch, which
 * is sent every --interval (every second when a plugin runs that often) as
 * one POST over a keep-alive connection; what cannot be sent is spooled on
 * disk and sent, in order, when the server is back, also after a restart.
 * The run ends on SIGINT/SIGTERM with a last send (or spool). */
#ifndef TM_AGENT_H
#define TM_AGENT_H
#include <stdint.h>
#include <stdio.h>

#include "plugin.h"

typedef struct {
    agent_env env;
    const char *server, *token;
    const char *plugins;   /* comma-separated specs */
    const char *spool_dir;
    uint64_t spool_max;
    const char *relay;     /* host:port, or NULL */
    int once;
} agent_opts;

/* Returns the process exit code (2: bad options, with the reason printed). */
int agent_run(const agent_opts *o);
/* The whole command: flags (argv after "agent"), then agent_run. */
int agent_main(int argc, char **argv);
void agent_usage(FILE *f);

/* The shared state of a run, for the push loop and relay mode alike. */
typedef struct {
    tm_plugin **p;
    size_t n;
    tm_batch batch; /* what the plugins emitted since the last send */
    pthread_mutex_t mu;
} agent_plugins;

int plugins_start(agent_plugins *ap, const agent_opts *o, char *err, size_t errlen);
void plugins_stop(agent_plugins *ap);
/* Stop the plugins that run on threads of their own (before a last send). */
void plugins_stop_threads(agent_plugins *ap);
/* Collect every plugin due at now (all of them with force); the earliest
 * time one is due next. */
int64_t plugins_collect(agent_plugins *ap, const agent_env *env, int64_t now, int force);
/* Move what the plugins emitted into out (reset first), under the lock. */
void plugins_take(agent_plugins *ap, tm_batch *out);

/* --relay: the Pulse relay protocol, client side (relay_client.c). */
int agent_relay(const agent_opts *o, agent_plugins *ap, volatile int *stop);
#endif
