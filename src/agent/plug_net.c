/* plug_net.c — network: bytes, packets, errors and drops per interface per
 * second, from /proc/net/dev (loopback left out, as Telegraf does). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/log.h"
#include "plugin.h"
#include "procfs.h"

#define MAX_IFS 256

typedef struct {
    proc_net *prev;
    size_t nprev;
    int64_t prev_ms;
} net_state;

static const proc_net *if_prev(const net_state *s, const char *name) {
    for (size_t i = 0; i < s->nprev; i++)
        if (!strcmp(s->prev[i].name, name)) return &s->prev[i];
    return NULL;
}


static void emit_if(tm_emit *e, const proc_net *a, const proc_net *b, double secs) {
    static const struct {
        const char *name;
        size_t off;
    } F[] = {{"net.bytes_recv", offsetof(proc_net, rx_bytes)},     {"net.bytes_sent", offsetof(proc_net, tx_bytes)},
             {"net.packets_recv", offsetof(proc_net, rx_packets)}, {"net.packets_sent", offsetof(proc_net, tx_packets)},
             {"net.err_in", offsetof(proc_net, rx_errs)},          {"net.err_out", offsetof(proc_net, tx_errs)},
             {"net.drop_in", offsetof(proc_net, rx_drop)},         {"net.drop_out", offsetof(proc_net, tx_drop)}};
    for (size_t i = 0; i < sizeof F / sizeof *F; i++) {
        uint64_t x = *(const uint64_t *)((const char *)a + F[i].off), y = *(const uint64_t *)((const char *)b + F[i].off);
        emit_number(e, F[i].name, "interface", b->name, per_second(x, y, secs));
    }
}

static int net_collect(tm_plugin *p, const agent_env *env) {
    net_state *s = p->st;
    size_t n;
    char *t = plugin_read(p, env->proc_root, "net/dev", &n);
    if (!t) return -1;
    proc_net *d = xmalloc(MAX_IFS * sizeof *d);
    size_t k = parse_net_dev(t, n, d, MAX_IFS);
    free(t);
    double secs = (double)(p->e.ts - s->prev_ms) / 1000.0;
    for (size_t i = 0; s->prev && secs > 0 && i < k; i++) {
        const proc_net *a = if_prev(s, d[i].name);
        if (a && strcmp(d[i].name, "lo")) emit_if(&p->e, a, &d[i], secs);
    }
    free(s->prev);
    s->prev = d;
    s->nprev = k;
    s->prev_ms = p->e.ts;
    return 0;
}

static void net_free(tm_plugin *p) {
    net_state *s = p->st;
    free(s->prev);
    free(s);
}

int plugin_init_net(tm_plugin *p, const char *name, const agent_env *env, char *err, size_t errlen) {
    (void)name;
    (void)env;
    (void)err;
    (void)errlen;
    p->name = "network";
    p->collect = net_collect;
    p->st = xcalloc(1, sizeof(net_state));
    p->free = net_free;
    return 0;
}
