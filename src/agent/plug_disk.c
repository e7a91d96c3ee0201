/* plug_disk.c — diskspace (statvfs of every real mount, as Telegraf's
 * inputs.disk) and diskio (per device rates from /proc/diskstats). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "../util/buf.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "plugin.h"
#include "procfs.h"

#define MAX_MOUNTS 256
#define MAX_DISKS 256

static int diskspace_collect(tm_plugin *p, const agent_env *env) {
    size_t n;
    char *t = plugin_read(p, env->proc_root, "mounts", &n);
    if (!t) return -1;
    proc_mount *m = xmalloc(MAX_MOUNTS * sizeof *m);
    size_t k = parse_mounts(t, n, m, MAX_MOUNTS), seen = 0;
    free(t);
    for (size_t i = 0; i < k; i++) {
        struct statvfs v;
        if (statvfs(m[i].path, &v) || !v.f_blocks) continue; /* gone, or not ours to see */
        double bs = (double)v.f_frsize, total = (double)v.f_blocks * bs, avail = (double)v.f_bavail * bs;
        double used = ((double)v.f_blocks - (double)v.f_bfree) * bs;
        const char *path = m[i].path;
        emit_number(&p->e, "disk.total", "path", path, total);
        emit_number(&p->e, "disk.free", "path", path, avail);
        emit_number(&p->e, "disk.used", "path", path, used);
        /* as df and Telegraf: used over what a user can have, so a full disk reads 100% */
        emit_number(&p->e, "disk.used_percent", "path", path, used + avail > 0 ? 100.0 * used / (used + avail) : 0);
        emit_number(&p->e, "disk.inodes_total", "path", path, (double)v.f_files);
        emit_number(&p->e, "disk.inodes_free", "path", path, (double)v.f_ffree);
        emit_number(&p->e, "disk.inodes_used", "path", path, (double)(v.f_files - v.f_ffree));
        seen++;
    }
    free(m);
    return seen ? 0 : -1;
}

typedef struct {
    proc_disk *prev;
    size_t nprev;
    int64_t prev_ms;
} rate_state;

static const proc_disk *disk_prev(const rate_state *s, const char *name) {
    for (size_t i = 0; i < s->nprev; i++)
        if (!strcmp(s->prev[i].name, name)) return &s->prev[i];
    return NULL;
}


static int diskio_collect(tm_plugin *p, const agent_env *env) {
    rate_state *s = p->st;
    size_t n;
    char *t = plugin_read(p, env->proc_root, "diskstats", &n);
    if (!t) return -1;
    proc_disk *d = xmalloc(MAX_DISKS * sizeof *d);
    size_t k = parse_diskstats(t, n, d, MAX_DISKS);
    free(t);
    int64_t now = p->e.ts;
    double secs = (double)(now - s->prev_ms) / 1000.0;
    for (size_t i = 0; s->prev && secs > 0 && i < k; i++) {
        const proc_disk *a = disk_prev(s, d[i].name);
        if (!a) continue;
        const char *dev = d[i].name;
        emit_number(&p->e, "diskio.reads", "name", dev, per_second(a->reads, d[i].reads, secs));
        emit_number(&p->e, "diskio.writes", "name", dev, per_second(a->writes, d[i].writes, secs));
        /* the kernel counts 512-byte sectors whatever the device's own size */
        emit_number(&p->e, "diskio.read_bytes", "name", dev, 512 * per_second(a->read_sectors, d[i].read_sectors, secs));
        emit_number(&p->e, "diskio.write_bytes", "name", dev,
                    512 * per_second(a->write_sectors, d[i].write_sectors, secs));
        emit_number(&p->e, "diskio.util_percent", "name", dev, per_second(a->io_ms, d[i].io_ms, secs) / 10.0);
    }
    free(s->prev);
    s->prev = d;
    s->nprev = k;
    s->prev_ms = now;
    return 0;
}

static void rate_free(tm_plugin *p) {
    rate_state *s = p->st;
    free(s->prev);
    free(s);
}

int plugin_init_disk(tm_plugin *p, const char *name, const agent_env *env, char *err, size_t errlen) {
    (void)env;
    (void)err;
    (void)errlen;
    p->name = !strcmp(name, "diskio") ? "diskio" : "diskspace";
    p->collect = !strcmp(name, "diskio") ? diskio_collect : diskspace_collect;
    if (p->collect == diskio_collect) {
        p->st = xcalloc(1, sizeof(rate_state));
        p->free = rate_free;
    }
    return 0;
}
