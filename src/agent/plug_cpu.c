/* plug_cpu.c — cpu (percent per state, as Telegraf's inputs.cpu), cpu_live
 * (the same every second) and cpu_peak (an event when busy time crosses
 * --cpu-peak, and one when it falls back). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/log.h"
#include "plugin.h"
#include "procfs.h"

#define MAX_CPUS 1024

typedef struct {
    const char *prefix; /* "cpu" or "cpu_live" */
    int peak;           /* cpu_peak: events only */
    int above;          /* cpu_peak: the last state reported */
    proc_cpu *prev;
    size_t nprev;
} cpu_state;

static const char *const STATE_NAMES[CPU_NSTATES] = {"user", "nice", "system", "idle", "iowait",
                                                     "irq",  "softirq", "steal", "guest", "guest_nice"};

static void emit_cpu(tm_emit *e, const char *prefix, const char *cpu, const double pct[CPU_NSTATES]) {
    char name[64];
    for (int i = 0; i < CPU_NSTATES; i++) {
        snprintf(name, sizeof name, "%s.%s", prefix, STATE_NAMES[i]);
        emit_number(e, name, cpu ? "cpu" : NULL, cpu, pct[i]);
    }
    snprintf(name, sizeof name, "%s.busy", prefix);
    emit_number(e, name, cpu ? "cpu" : NULL, cpu, 100.0 - pct[CPU_IDLE] - pct[CPU_IOWAIT]);
}

static const proc_cpu *find_prev(const cpu_state *s, const char *name) {
    for (size_t i = 0; i < s->nprev; i++)
        if (!strcmp(s->prev[i].name, name)) return &s->prev[i];
    return NULL;
}

static void peak_event(tm_plugin *p, cpu_state *s, const agent_env *env, double busy) {
    int above = busy > env->cpu_peak;
    if (above == s->above) return;
    s->above = above;
    char msg[128];
    if (above) snprintf(msg, sizeof msg, "CPU above %g%% (%.1f%%)", env->cpu_peak, busy);
    else snprintf(msg, sizeof msg, "CPU back below %g%% (%.1f%%)", env->cpu_peak, busy);
    emit_string(&p->e, "cpu.peak", NULL, NULL, msg);
}

static int cpu_collect(tm_plugin *p, const agent_env *env) {
    cpu_state *s = p->st;
    size_t n;
    char *text = plugin_read(p, env->proc_root, "stat", &n);
    if (!text) return -1;
    proc_cpu *now = xmalloc(MAX_CPUS * sizeof *now);
    size_t k = parse_proc_stat(text, n, now, MAX_CPUS);
    free(text);
    for (size_t i = 0; i < k; i++) {
        const proc_cpu *before = find_prev(s, now[i].name);
        double pct[CPU_NSTATES];
        if (!before || !cpu_percent(before, &now[i], pct)) continue;
        int total = !strcmp(now[i].name, "cpu");
        if (s->peak) {
            if (total) peak_event(p, s, env, 100.0 - pct[CPU_IDLE] - pct[CPU_IOWAIT]);
        } else if (total) {
            emit_cpu(&p->e, s->prefix, NULL, pct);
        } else if (env->per_cpu) {
            emit_cpu(&p->e, s->prefix, now[i].name, pct);
        }
    }
    free(s->prev);
    s->prev = now;
    s->nprev = k;
    return k ? 0 : -1;
}

static void cpu_free(tm_plugin *p) {
    cpu_state *s = p->st;
    free(s->prev);
    free(s);
}

int plugin_init_cpu(tm_plugin *p, const char *name, const agent_env *env, char *err, size_t errlen) {
    (void)env;
    cpu_state *s = xcalloc(1, sizeof *s);
    if (!strcmp(name, "cpu")) {
        s->prefix = "cpu";
    } else if (!strcmp(name, "cpu_live")) {
        s->prefix = "cpu_live";
        p->every_ms = 1000;
    } else if (!strcmp(name, "cpu_peak")) {
        s->prefix = "cpu";
        s->peak = 1;
        p->every_ms = 1000; /* a short peak must not fall between two readings */
    } else {
        free(s);
        snprintf(err, errlen, "unknown plugin \"%s\" (plugins: %s)", name, plugin_names);
        return -1;
    }
    p->name = s->peak ? "cpu_peak" : s->prefix;
    p->st = s;
    p->collect = cpu_collect;
    p->free = cpu_free;
    return 0;
}
