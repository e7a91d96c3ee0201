/* procfs.c — readers of /proc text. The input need not end in a NUL (the
 * fuzzer hands raw bytes), so everything scans within [p, end). */
#include "procfs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p, *end;
} scan;

static int at_eol(const scan *s) { return s->p >= s->end || *s->p == '\n'; }
static void skip_blanks(scan *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t')) s->p++;
}
static void next_line(scan *s) {
    while (s->p < s->end && *s->p != '\n') s->p++;
    if (s->p < s->end) s->p++;
}
/* A blank-separated word of the current line; its length (0 at the end of the line). */
static size_t word(scan *s, const char **w) {
    skip_blanks(s);
    *w = s->p;
    while (s->p < s->end && *s->p != ' ' && *s->p != '\t' && *s->p != '\n') s->p++;
    return (size_t)(s->p - *w);
}
static uint64_t u64(scan *s) {
    const char *w;
    size_t n = word(s, &w);
    uint64_t x = 0;
    for (size_t i = 0; i < n && w[i] >= '0' && w[i] <= '9'; i++) x = x * 10 + (uint64_t)(w[i] - '0');
    return x;
}
static double dbl(scan *s, int *ok) {
    const char *w;
    size_t n = word(s, &w);
    char tmp[64];
    if (!n || n >= sizeof tmp) return *ok = 0, 0;
    memcpy(tmp, w, n);
    tmp[n] = 0;
    char *e;
    double v = strtod(tmp, &e);
    if (*e || !isfinite(v)) *ok = 0;
    return v;
}
static void copy_name(char *dst, size_t cap, const char *w, size_t n) {
    if (n >= cap) n = cap - 1;
    memcpy(dst, w, n);
    dst[n] = 0;
}
static int word_is(const char *w, size_t n, const char *lit) { return n == strlen(lit) && !memcmp(w, lit, n); }

size_t parse_proc_stat(const char *text, size_t n, proc_cpu *out, size_t max) {
    scan s = {text, text + n};
    size_t k = 0;
    while (s.p < s.end && k < max) {
        const char *w;
        size_t wn = word(&s, &w);
        if (wn >= 3 && !memcmp(w, "cpu", 3) && wn < PROC_NAME_MAX) {
            proc_cpu *c = &out[k++];
            memset(c, 0, sizeof *c);
            copy_name(c->name, sizeof c->name, w, wn);
            for (int i = 0; i < CPU_NSTATES && !at_eol(&s); i++) c->t[i] = u64(&s);
        }
        next_line(&s);
    }
    return k;
}

int cpu_percent(const proc_cpu *a, const proc_cpu *b, double pct[CPU_NSTATES]) {
    /* guest time is already inside user (and guest_nice inside nice): not counted twice */
    /* the total in double: counters near 2^64 (a broken reading) would wrap
     * a uint64_t sum below its parts, and a percentage above 100 */
    uint64_t d[CPU_NSTATES];
    double total = 0;
    for (int i = 0; i < CPU_NSTATES; i++) {
        d[i] = b->t[i] >= a->t[i] ? b->t[i] - a->t[i] : 0;
        if (i < CPU_GUEST) total += (double)d[i];
    }
    for (int i = 0; i < CPU_NSTATES; i++) pct[i] = total > 0 ? 100.0 * (double)d[i] / total : 0;
    /* guest above user only comes from a broken reading: keep it a percentage */
    for (int i = CPU_GUEST; i < CPU_NSTATES; i++) pct[i] = pct[i] > 100 ? 100 : pct[i];
    return total > 0;
}

int parse_meminfo(const char *text, size_t n, proc_mem *m) {
    scan s = {text, text + n};
    memset(m, 0, sizeof *m);
    int has_total = 0, has_avail = 0;
    static const struct {
        const char *key;
        size_t off;
    } keys[] = {{"MemTotal:", offsetof(proc_mem, total)},         {"MemFree:", offsetof(proc_mem, free)},
                {"MemAvailable:", offsetof(proc_mem, available)}, {"Buffers:", offsetof(proc_mem, buffers)},
                {"Cached:", offsetof(proc_mem, cached)},          {"SwapTotal:", offsetof(proc_mem, swap_total)},
                {"SwapFree:", offsetof(proc_mem, swap_free)}};
    while (s.p < s.end) {
        const char *w;
        size_t wn = word(&s, &w);
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
            if (word_is(w, wn, keys[i].key)) {
                uint64_t v = u64(&s);
                const char *unit;
                size_t un = word(&s, &unit);
                if (word_is(unit, un, "kB")) v *= 1024; /* the only unit the kernel writes; none means bytes */
                *(uint64_t *)((char *)m + keys[i].off) = v;
                has_total |= i == 0;
                has_avail |= i == 2;
            }
        next_line(&s);
    }
    if (!has_avail) m->available = m->free + m->buffers + m->cached;
    if (m->available > m->total) m->available = m->total;
    return has_total;
}

int parse_loadavg(const char *text, size_t n, double load[3]) {
    scan s = {text, text + n};
    int ok = 1;
    for (int i = 0; i < 3; i++) load[i] = dbl(&s, &ok);
    return ok;
}

int parse_uptime(const char *text, size_t n, double *seconds) {
    scan s = {text, text + n};
    int ok = 1;
    *seconds = dbl(&s, &ok);
    return ok && *seconds >= 0;
}

size_t parse_diskstats(const char *text, size_t n, proc_disk *out, size_t max) {
    scan s = {text, text + n};
    size_t k = 0;
    while (s.p < s.end && k < max) {
        const char *w;
        u64(&s); /* major */
        u64(&s); /* minor */
        size_t wn = word(&s, &w);
        int skip = !wn || wn >= PROC_NAME_MAX || (wn >= 4 && !memcmp(w, "loop", 4)) ||
                   (wn >= 3 && !memcmp(w, "ram", 3));
        if (!skip) {
            proc_disk *d = &out[k];
            memset(d, 0, sizeof *d);
            copy_name(d->name, sizeof d->name, w, wn);
            uint64_t f[10] = {0};
            int nf = 0;
            while (nf < 10 && !at_eol(&s)) f[nf++] = u64(&s);
            /* reads, reads merged, sectors read, ms reading, writes, merged, sectors written, ms writing,
             * in flight, ms doing I/O */
            if (nf >= 4) {
                d->reads = f[0], d->read_sectors = f[2], d->writes = f[4], d->write_sectors = f[6], d->io_ms = f[9];
                k++;
            }
        }
        next_line(&s);
    }
    return k;
}

size_t parse_net_dev(const char *text, size_t n, proc_net *out, size_t max) {
    scan s = {text, text + n};
    size_t k = 0;
    while (s.p < s.end && k < max) {
        skip_blanks(&s);
        const char *name = s.p;
        while (s.p < s.end && *s.p != ':' && *s.p != '\n' && *s.p != '|') s.p++;
        if (s.p < s.end && *s.p == ':' && s.p > name && (size_t)(s.p - name) < PROC_NAME_MAX) {
            size_t nn = (size_t)(s.p - name);
            s.p++;
            proc_net *d = &out[k++];
            memset(d, 0, sizeof *d);
            copy_name(d->name, sizeof d->name, name, nn);
            uint64_t f[16] = {0};
            for (int i = 0; i < 16 && !at_eol(&s); i++) f[i] = u64(&s);
            d->rx_bytes = f[0], d->rx_packets = f[1], d->rx_errs = f[2], d->rx_drop = f[3];
            d->tx_bytes = f[8], d->tx_packets = f[9], d->tx_errs = f[10], d->tx_drop = f[11];
        }
        next_line(&s);
    }
    return k;
}

/* Filesystems that hold no user data (Telegraf's defaults, less overlay: a container's root is one). */
static int pseudo_fs(const char *t) {
    static const char *const skip[] = {"rootfs", "proc",     "sysfs",     "cgroup",  "cgroup2", "devpts",     "devtmpfs",
                                       "mqueue",   "debugfs",   "tracefs", "securityfs", "pstore", "bpf",
                                       "autofs",   "hugetlbfs", "configfs", "fusectl", "binfmt_misc", "rpc_pipefs",
                                       "nsfs",     "efivarfs",  "ramfs",   "squashfs", "selinuxfs", "tmpfs", "iso9660"};
    for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
        if (!strcmp(t, skip[i])) return 1;
    return 0;
}

/* Decode the kernel's octal escapes ("\040" is a space) into dst. */
static void unescape_field(char *dst, size_t cap, const char *w, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (w[i] == '\\' && i + 3 < n && w[i + 1] >= '0' && w[i + 1] <= '3' && w[i + 2] >= '0' &&
            w[i + 2] <= '7' && w[i + 3] >= '0' && w[i + 3] <= '7') {
            dst[o++] = (char)((w[i + 1] - '0') * 64 + (w[i + 2] - '0') * 8 + (w[i + 3] - '0'));
            i += 3;
        } else {
            dst[o++] = w[i];
        }
    }
    dst[o] = 0;
}

size_t parse_mounts(const char *text, size_t n, proc_mount *out, size_t max) {
    scan s = {text, text + n};
    size_t k = 0;
    while (s.p < s.end && k < max) {
        const char *dev, *path, *type;
        size_t dn = word(&s, &dev), pn = word(&s, &path), tn = word(&s, &type);
        if (dn && pn && tn && tn < sizeof out->fstype && dn < sizeof out->dev) {
            proc_mount *m = &out[k];
            unescape_field(m->dev, sizeof m->dev, dev, dn);
            unescape_field(m->path, sizeof m->path, path, pn);
            copy_name(m->fstype, sizeof m->fstype, type, tn);
            int dup = 0;
            for (size_t i = 0; i < k && !dup; i++) dup = !strcmp(out[i].path, m->path);
            if (!dup && !pseudo_fs(m->fstype) && m->path[0] == '/') k++;
        }
        next_line(&s);
    }
    return k;
}

/* The value after "key<blanks>:" on a line, trimmed; its length, or 0. */
static size_t kv_value(scan *s, const char *key, const char **v) {
    size_t kl = strlen(key);
    const char *p = s->p;
    if ((size_t)(s->end - p) < kl || memcmp(p, key, kl)) return 0;
    p += kl;
    while (p < s->end && (*p == ' ' || *p == '\t')) p++;
    if (p >= s->end || *p != ':') return 0;
    p++;
    while (p < s->end && (*p == ' ' || *p == '\t')) p++;
    const char *e = p;
    while (e < s->end && *e != '\n') e++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    *v = p;
    return (size_t)(e - p);
}

int parse_cpuinfo(const char *text, size_t n, char *model, size_t cap, int *cores) {
    scan s = {text, text + n};
    int found = 0, prio = 0; /* a board's "Model" (Raspberry Pi) beats "model name" beats "Hardware" */
    *cores = 0;
    model[0] = 0;
    while (s.p < s.end) {
        const char *v;
        size_t vn;
        if (kv_value(&s, "processor", &v)) (*cores)++;
        static const char *const keys[] = {"Hardware", "model name", "Model"};
        for (int i = 2; i >= 0; i--)
            if ((vn = kv_value(&s, keys[i], &v)) && i + 1 > prio) {
                copy_name(model, cap, v, vn);
                prio = i + 1;
                found = 1;
            }
        next_line(&s);
    }
    return found;
}

int parse_os_release(const char *text, size_t n, char *out, size_t cap) {
    scan s = {text, text + n};
    while (s.p < s.end) {
        if ((size_t)(s.end - s.p) > 12 && !memcmp(s.p, "PRETTY_NAME=", 12)) {
            const char *p = s.p + 12, *e = p;
            while (e < s.end && *e != '\n') e++;
            if (e > p && (*p == '"' || *p == '\'')) {
                p++;
                if (e > p && (e[-1] == '"' || e[-1] == '\'')) e--;
            }
            copy_name(out, cap, p, (size_t)(e - p));
            return e > p;
        }
        next_line(&s);
    }
    return 0;
}
