/* fuzz_procfs.c — the agent's /proc readers and exec's key=value lines on
 * raw bytes (no NUL at the end, as a file read may hand them).
 * Invariants: counts within max; names NUL-terminated within their arrays;
 * percentages between two readings in [0, 100]; memory available <= total. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/plugin.h"
#include "agent/procfs.h"

#define MAX 16

static void check_name(const char *s, size_t cap) {
    if (!memchr(s, 0, cap)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *t = malloc(size ? size : 1); /* exactly size bytes: ASan sees any read past the end */
    memcpy(t, data, size);
    proc_cpu c[MAX];
    size_t k = parse_proc_stat(t, size, c, MAX);
    if (k > MAX) abort();
    for (size_t i = 0; i < k; i++) check_name(c[i].name, sizeof c[i].name);
    if (k >= 2) {
        double pct[CPU_NSTATES];
        if (cpu_percent(&c[0], &c[1], pct))
            for (int i = 0; i < CPU_NSTATES; i++)
                if (!(pct[i] >= 0 && pct[i] <= 100.0000001)) abort();
    }
    proc_mem m;
    if (parse_meminfo(t, size, &m) && m.available > m.total) abort();
    double l[3], up;
    parse_loadavg(t, size, l);
    parse_uptime(t, size, &up);
    proc_disk d[MAX];
    k = parse_diskstats(t, size, d, MAX);
    for (size_t i = 0; i < k; i++) check_name(d[i].name, sizeof d[i].name);
    proc_net nd[MAX];
    k = parse_net_dev(t, size, nd, MAX);
    for (size_t i = 0; i < k; i++) check_name(nd[i].name, sizeof nd[i].name);
    proc_mount mt[MAX];
    k = parse_mounts(t, size, mt, MAX);
    for (size_t i = 0; i < k; i++) check_name(mt[i].path, sizeof mt[i].path), check_name(mt[i].dev, sizeof mt[i].dev);
    char model[64];
    int cores;
    parse_cpuinfo(t, size, model, sizeof model, &cores);
    check_name(model, sizeof model);
    parse_os_release(t, size, model, sizeof model);
    tm_batch b;
    batch_init(&b);
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    tm_emit e = {&b, &mu, "fuzz", 1};
    emit_kv_line(&e, t, size);
    batch_free(&b);
    free(t);
    return 0;
}
