/* plug_system.c — memory, load, uptime, machine_info, external_ip, sine:
 * the plugins that read one small file (or URL) and emit a few series. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "../util/buf.h"
#include "http.h"
#include "../util/log.h"
#include "plugin.h"
#include "procfs.h"

static int memory_collect(tm_plugin *p, const agent_env *env) {
    size_t n;
    char *t = plugin_read(p, env->proc_root, "meminfo", &n);
    if (!t) return -1;
    proc_mem m;
    int ok = parse_meminfo(t, n, &m);
    free(t);
    if (!ok || !m.total) return -1;
    tm_emit *e = &p->e;
    double used = (double)(m.total - m.available);
    emit_number(e, "mem.total", NULL, NULL, (double)m.total);
    emit_number(e, "mem.available", NULL, NULL, (double)m.available);
    emit_number(e, "mem.free", NULL, NULL, (double)m.free);
    emit_number(e, "mem.used", NULL, NULL, used);
    emit_number(e, "mem.used_percent", NULL, NULL, 100.0 * used / (double)m.total);
    emit_number(e, "mem.available_percent", NULL, NULL, 100.0 * (double)m.available / (double)m.total);
    emit_number(e, "swap.total", NULL, NULL, (double)m.swap_total);
    emit_number(e, "swap.free", NULL, NULL, (double)m.swap_free);
    emit_number(e, "swap.used", NULL, NULL, (double)(m.swap_total - m.swap_free));
    emit_number(e, "swap.used_percent", NULL, NULL,
                m.swap_total ? 100.0 * (double)(m.swap_total - m.swap_free) / (double)m.swap_total : 0);
    return 0;
}

static int load_collect(tm_plugin *p, const agent_env *env) {
    size_t n;
    char *t = plugin_read(p, env->proc_root, "loadavg", &n);
    if (!t) return -1;
    double l[3];
    int ok = parse_loadavg(t, n, l);
    free(t);
    if (!ok) return -1;
    emit_number(&p->e, "system.load1", NULL, NULL, l[0]);
    emit_number(&p->e, "system.load5", NULL, NULL, l[1]);
    emit_number(&p->e, "system.load15", NULL, NULL, l[2]);
    return 0;
}

static int uptime_collect(tm_plugin *p, const agent_env *env) {
    size_t n;
    char *t = plugin_read(p, env->proc_root, "uptime", &n);
    if (!t) return -1;
    double up;
    int ok = parse_uptime(t, n, &up);
    free(t);
    if (!ok) return -1;
    emit_number(&p->e, "system.uptime", NULL, NULL, floor(up));
    return 0;
}

/* machine_info and external_ip send strings at start and on change only. */
typedef struct {
    char os[256], kernel[256], model[256], ip[64];
    int cores;
    agent_http *http; /* external_ip */
} info_state;

static void emit_changed(tm_plugin *p, char *last, size_t cap, const char *name, const char *now) {
    if (!now[0] || !strcmp(last, now)) return;
    snprintf(last, cap, "%s", now);
    emit_string(&p->e, name, NULL, NULL, now);
}

static int machine_collect(tm_plugin *p, const agent_env *env) {
    info_state *s = p->st;
    char os[256] = "", kernel[256] = "", model[256] = "";
    int cores = 0;
    size_t n;
    char *t = read_small_file(env->etc_root, "os-release", &n);
    if (t) parse_os_release(t, n, os, sizeof os), free(t);
    struct utsname u;
    if (!uname(&u)) snprintf(kernel, sizeof kernel, "%s %s %s", u.sysname, u.release, u.machine);
    if ((t = read_small_file(env->proc_root, "cpuinfo", &n))) parse_cpuinfo(t, n, model, sizeof model, &cores), free(t);
    emit_changed(p, s->os, sizeof s->os, "machine.os", os);
    emit_changed(p, s->kernel, sizeof s->kernel, "machine.kernel", kernel);
    emit_changed(p, s->model, sizeof s->model, "machine.cpu_model", model);
    if (cores && cores != s->cores) emit_number(&p->e, "machine.cores", NULL, NULL, (double)(s->cores = cores));
    return 0;
}

static int external_ip_collect(tm_plugin *p, const agent_env *env) {
    info_state *s = p->st;
    tm_buf r = {0};
    char err[256];
    if (!s->http) s->http = agent_http_new(10);
    long st = agent_http_do(s->http, "GET", env->ip_url, NULL, NULL, NULL, 0, &r, err, sizeof err);
    int rc = -1;
    if (st == 200) {
        char ip[64];
        size_t k = 0;
        for (size_t i = 0; i < r.n && k + 1 < sizeof ip; i++) /* the body is the address, maybe with a newline */
            if (r.p[i] > ' ') ip[k++] = (char)r.p[i];
        ip[k] = 0;
        emit_changed(p, s->ip, sizeof s->ip, "machine.external_ip", ip);
        rc = k ? 0 : -1;
    } else {
        log_limited(LOG_WARN, "agent: external_ip: %s answered %ld%s%s", env->ip_url, st, st < 0 ? ": " : "",
                    st < 0 ? err : "");
    }
    buf_free(&r);
    return rc;
}

static int sine_collect(tm_plugin *p, const agent_env *env) {
    (void)env;
    /* one period a minute, so a chart shows a wave within its first few minutes */
    double phase = (double)(p->e.ts % 60000) / 60000.0;
    emit_number(&p->e, "sine", NULL, NULL, sin(2 * M_PI * phase));
    return 0;
}

static void free_state(tm_plugin *p) {
    info_state *s = p->st;
    agent_http_free(s->http);
    free(s);
}

int plugin_init_system(tm_plugin *p, const char *name, const agent_env *env, char *err, size_t errlen) {
    static const struct {
        const char *name;
        int (*collect)(tm_plugin *, const agent_env *);
    } T[] = {{"memory", memory_collect},         {"load", load_collect},
             {"uptime", uptime_collect},         {"machine_info", machine_collect},
             {"external_ip", external_ip_collect}, {"sine", sine_collect}};
    for (size_t i = 0; i < sizeof T / sizeof *T; i++) {
        if (strcmp(name, T[i].name)) continue;
        if (T[i].collect == external_ip_collect && (!env->ip_url || !env->ip_url[0])) {
            snprintf(err, errlen, "plugin external_ip needs --external-ip-url (none by default)");
            return -1;
        }
        p->name = T[i].name;
        p->collect = T[i].collect;
        p->st = xcalloc(1, sizeof(info_state));
        p->free = free_state;
        if (T[i].collect == external_ip_collect) p->every_ms = 300000; /* an address changes rarely */
        return 0;
    }
    snprintf(err, errlen, "unknown plugin \"%s\" (plugins: %s)", name, plugin_names);
    return -1;
}
