/* plugin.c — the plugin registry, series keys for plugins, and file reading. */
#include "plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/log.h"

const char *const plugin_names = "cpu, cpu_live, cpu_peak, memory, diskspace, diskio, network, load, uptime, "
                                 "machine_info, external_ip, sine, ssh_tunnel, exec:PATH[:INTERVAL]";

/* "name;host=H[;tk=tv]" in canonical form, or -1 (logged once a second). */
static int series_key(const tm_emit *e, const char *name, const char *tk, const char *tv, char *out, size_t cap) {
    tm_tag t[2] = {{"host", 4, e->host, strlen(e->host)}, {0}};
    size_t nt = 1;
    if (tk) t[nt++] = (tm_tag){tk, strlen(tk), tv, strlen(tv)};
    const char *why = NULL;
    int k = key_canon(name, strlen(name), t, nt, out, cap, &why);
    if (k < 0) log_limited(LOG_WARN, "agent: series %s%s%s skipped: %s", name, tk ? " " : "", tk ? tv : "", why);
    return k;
}

void emit_number(tm_emit *e, const char *name, const char *tk, const char *tv, double v) {
    char key[TM_KEY_MAX];
    int k = series_key(e, name, tk, tv, key, sizeof key);
    if (k < 0) return;
    pthread_mutex_lock(e->mu);
    batch_add_number(e->b, key, (size_t)k, e->ts, v);
    pthread_mutex_unlock(e->mu);
}

void emit_string(tm_emit *e, const char *name, const char *tk, const char *tv, const char *s) {
    char key[TM_KEY_MAX];
    int k = series_key(e, name, tk, tv, key, sizeof key);
    if (k < 0) return;
    size_t n = strlen(s);
    pthread_mutex_lock(e->mu);
    batch_add_string(e->b, key, (size_t)k, e->ts, s, n > TM_STR_MAX ? TM_STR_MAX : n);
    pthread_mutex_unlock(e->mu);
}

void emit_location(tm_emit *e, const char *name, double lat, double lon) {
    char key[TM_KEY_MAX];
    int k = series_key(e, name, NULL, NULL, key, sizeof key);
    if (k < 0) return;
    pthread_mutex_lock(e->mu);
    batch_add_location(e->b, key, (size_t)k, e->ts, lat, lon);
    pthread_mutex_unlock(e->mu);
}

int emit_kv_line(tm_emit *e, const char *line, size_t n) {
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) n--;
    const char *eq = memchr(line, '=', n);
    if (!eq || eq == line || (size_t)(eq - line) >= TM_KEY_MAX) return 0;
    /* "name;k=v=value": the value follows the last '=' of the key's tags, so
     * split at the first '=' not inside a ";k=v" tag */
    const char *semi = memchr(line, ';', (size_t)(eq - line));
    if (semi) {
        const char *p = line + n;
        while (p > line && p[-1] != '=') p--;
        eq = p - 1;
        if ((size_t)(eq - line) >= TM_KEY_MAX) return 0; /* the tags made it too long (fuzz_procfs) */
    }
    char name[TM_KEY_MAX];
    memcpy(name, line, (size_t)(eq - line));
    name[eq - line] = 0;
    /* the name's own tags (Graphite 1.1 form) join the host tag; a host tag of its own wins */
    tm_tag t[64];
    t[0] = (tm_tag){"host", 4, e->host, strlen(e->host)};
    size_t nlen, nt = 1 + key_split(name, strlen(name), &nlen, t + 1, 63);
    char key[TM_KEY_MAX];
    const char *why = NULL;
    int k = key_canon(name, nlen, t, nt, key, sizeof key, &why);
    if (k < 0) {
        log_limited(LOG_WARN, "agent: exec key \"%s\" skipped: %s", name, why);
        return 0;
    }
    const char *v = eq + 1;
    size_t vn = (size_t)(line + n - v);
    if (!vn) return 0;
    double a, b;
    int type = value_detect(v, vn, &a, &b);
    pthread_mutex_lock(e->mu);
    if (type == TM_NUMBER) batch_add_number(e->b, key, (size_t)k, e->ts, a);
    else if (type == TM_LOCATION) batch_add_location(e->b, key, (size_t)k, e->ts, a, b);
    else batch_add_string(e->b, key, (size_t)k, e->ts, v, vn > TM_STR_MAX ? TM_STR_MAX : vn);
    pthread_mutex_unlock(e->mu);
    return 1;
}

char *read_small_file(const char *root, const char *rel, size_t *n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    tm_buf b = {0};
    for (;;) {
        buf_reserve(&b, 4096);
        ssize_t r = read(fd, b.p + b.n, b.cap - b.n - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        b.n += (size_t)r;
        if (b.n > (16u << 20)) break; /* no /proc file is this big: stop reading */
    }
    close(fd);
    buf_reserve(&b, 1);
    b.p[b.n] = 0;
    *n = b.n;
    return (char *)b.p;
}

char *plugin_read(const tm_plugin *p, const char *root, const char *rel, size_t *n) {
    char *t = read_small_file(root, rel, n);
    if (!t) log_limited(LOG_WARN, "agent: %s: cannot read %s/%s: %s", p->name, root, rel, strerror(errno));
    return t;
}

tm_plugin *plugin_new(const char *spec, const agent_env *env, const tm_emit *out, char *err, size_t errlen) {
    tm_plugin *p = xcalloc(1, sizeof *p);
    p->e = *out;
    p->every_ms = env->interval_ms;
    int rc;
    if (!strncmp(spec, "exec:", 5)) rc = plugin_init_exec(p, spec, env, err, errlen);
    else if (!strncmp(spec, "cpu", 3)) rc = plugin_init_cpu(p, spec, env, err, errlen);
    else if (!strcmp(spec, "diskspace") || !strcmp(spec, "diskio")) rc = plugin_init_disk(p, spec, env, err, errlen);
    else if (!strcmp(spec, "network")) rc = plugin_init_net(p, spec, env, err, errlen);
    else if (!strcmp(spec, "ssh_tunnel")) rc = plugin_init_ssh(p, spec, env, err, errlen);
    else rc = plugin_init_system(p, spec, env, err, errlen);
    if (rc) {
        free(p);
        return NULL;
    }
    return p;
}

void plugin_free(tm_plugin *p) {
    if (!p) return;
    if (p->free) p->free(p);
    free(p);
}
