/* plugin.h — what an agent plugin is, and how it hands over samples.
 *
 * A plugin is created from its name (plugin_new), then collected on its own
 * interval by the agent's loop. collect() reads files under env->proc_root
 * (tests point it at fixtures), never blocks for long, and emits samples
 * through tm_emit: series keys are "name;host=H" plus the plugin's own tags,
 * in the Graphite 1.1 form every layer shares (model/batch.h). A plugin that
 * fails returns -1 with its reason logged; the agent goes on with the others
 * and tries it again at its next interval. Rates and percentages need two
 * readings, so their first collect emits nothing. */
#ifndef TM_AGENT_PLUGIN_H
#define TM_AGENT_PLUGIN_H
#include <pthread.h>
#include <stdint.h>

#include "../model/batch.h"

typedef struct {
    const char *host;        /* the host tag of every series */
    const char *proc_root;   /* "/proc" */
    const char *etc_root;    /* "/etc" (os-release) */
    int per_cpu;             /* cpu: one series set per core too */
    double cpu_peak;         /* cpu_peak: the threshold, percent */
    const char *ip_url;      /* external_ip: where to ask; NULL: the plugin refuses to start */
    int64_t interval_ms;     /* the agent's --interval */
    const char *ssh_command; /* ssh_tunnel */
    const char *ssh_relay;   /* USER@HOST */
    const char *ssh_port;    /* remote port forwarded to localhost:22 */
} agent_env;

/* Samples go into one batch shared by the loop and the plugins' threads
 * (every emit takes mu). */
typedef struct {
    tm_batch *b;
    pthread_mutex_t *mu;
    const char *host;
    int64_t ts; /* ms; set by the agent before each collect */
} tm_emit;

/* Append a sample of series "name;host=H[;tk=tv]" (tk NULL: no extra tag).
 * A name or tag the series key cannot hold is logged and skipped. */
void emit_number(tm_emit *e, const char *name, const char *tk, const char *tv, double v);
void emit_string(tm_emit *e, const char *name, const char *tk, const char *tv, const char *s);
void emit_location(tm_emit *e, const char *name, double lat, double lon);
/* A line "key=value" as the exec plugin reads it: the key is the series
 * name as written (Graphite 1.1 tags allowed), the value detected as /add
 * does. 0 when the line is not of that form. */
int emit_kv_line(tm_emit *e, const char *line, size_t n);

typedef struct tm_plugin tm_plugin;
struct tm_plugin {
    const char *name;
    int64_t every_ms; /* its interval */
    int64_t due_ms;   /* next collect */
    tm_emit e;        /* its own copy: its ts is its own */
    void *st;
    /* NULL for plugins that run on a thread of their own (exec, ssh_tunnel),
     * so a hanging child never holds up the loop. */
    int (*collect)(tm_plugin *p, const agent_env *env);
    void (*free)(tm_plugin *p); /* stops its thread, if any */
};

/* A plugin by name ("cpu", "exec:/path/x:30s", ...) emitting into out, or
 * NULL with a reason. */
tm_plugin *plugin_new(const char *spec, const agent_env *env, const tm_emit *out, char *err, size_t errlen);
void plugin_free(tm_plugin *p);
/* Names of the built-in plugins, for --help and errors. */
extern const char *const plugin_names;

/* Read a whole file below root ("stat" under "/proc") into a NUL-terminated
 * buffer; NULL when it cannot be read (errno set). */
char *read_small_file(const char *root, const char *rel, size_t *n);
/* The same for a plugin, with a failure logged in its name (once a second). */
char *plugin_read(const tm_plugin *p, const char *root, const char *rel, size_t *n);

/* A counter's rate; one that went back (a device replaced, a reboot) reads 0. */
static inline double per_second(uint64_t before, uint64_t after, double secs) {
    return after >= before ? (double)(after - before) / secs : 0;
}

/* Constructors, one per plugin family file. */
int plugin_init_cpu(tm_plugin *p, const char *name, const agent_env *env, char *err, size_t errlen);
int plugin_init_system(tm_plugin *p, const char *name, const agent_env *env, char *err, size_t errlen);
int plugin_init_disk(tm_plugin *p, const char *name, const agent_env *env, char *err, size_t errlen);
int plugin_init_net(tm_plugin *p, const char *name, const agent_env *env, char *err, size_t errlen);
int plugin_init_exec(tm_plugin *p, const char *spec, const agent_env *env, char *err, size_t errlen);
int plugin_init_ssh(tm_plugin *p, const char *name, const agent_env *env, char *err, size_t errlen);
#endif
