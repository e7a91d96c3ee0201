/* procfs.h — the agent's readers of /proc text (pure: a buffer in, numbers
 * out; no files, no clock), so each is tested on fixture files from several
 * kernels and fuzzed.
 *
 * Every parser accepts what older and newer kernels write (fewer or more
 * columns) and returns how many entries it found, 0 when the text holds
 * none; a missing column reads as 0. */
#ifndef TM_PROCFS_H
#define TM_PROCFS_H
#include <stddef.h>
#include <stdint.h>

#define PROC_NAME_MAX 64

/* /proc/stat "cpu" lines: jiffies per state. Index 0 is the "cpu" total line. */
enum { CPU_USER, CPU_NICE, CPU_SYSTEM, CPU_IDLE, CPU_IOWAIT, CPU_IRQ, CPU_SOFTIRQ, CPU_STEAL, CPU_GUEST,
       CPU_GUEST_NICE, CPU_NSTATES };
typedef struct {
    char name[PROC_NAME_MAX]; /* "cpu", "cpu0", ... */
    uint64_t t[CPU_NSTATES];
} proc_cpu;
size_t parse_proc_stat(const char *text, size_t n, proc_cpu *out, size_t max);
/* Percent of time in each state between two readings of the same cpu; 0 if no time passed. */
int cpu_percent(const proc_cpu *before, const proc_cpu *after, double pct[CPU_NSTATES]);

/* /proc/meminfo in bytes; available falls back to free + buffers + cached on
 * kernels before 3.14, which have no MemAvailable. */
typedef struct {
    uint64_t total, free, available, buffers, cached, swap_total, swap_free;
} proc_mem;
int parse_meminfo(const char *text, size_t n, proc_mem *out); /* 1 when MemTotal was there */

/* /proc/loadavg and /proc/uptime */
int parse_loadavg(const char *text, size_t n, double load[3]);
int parse_uptime(const char *text, size_t n, double *seconds);

/* /proc/diskstats: whole devices and partitions (loop and ram devices skipped). */
typedef struct {
    char name[PROC_NAME_MAX];
    uint64_t reads, read_sectors, writes, write_sectors, io_ms;
} proc_disk;
size_t parse_diskstats(const char *text, size_t n, proc_disk *out, size_t max);

/* /proc/net/dev */
typedef struct {
    char name[PROC_NAME_MAX];
    uint64_t rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop;
} proc_net;
size_t parse_net_dev(const char *text, size_t n, proc_net *out, size_t max);

/* /proc/mounts (or /proc/self/mounts): real filesystems only (no proc,
 * sysfs, cgroup, tmpfs of the kernel's...), each mount point once; "\040"
 * escapes are decoded. */
typedef struct {
    char dev[PROC_NAME_MAX * 2], path[PROC_NAME_MAX * 4], fstype[32];
} proc_mount;
size_t parse_mounts(const char *text, size_t n, proc_mount *out, size_t max);

/* "model name" of /proc/cpuinfo (or "Hardware"/"Model" on ARM boards), and
 * the processor count. Returns 1 when a model was found. */
int parse_cpuinfo(const char *text, size_t n, char *model, size_t cap, int *cores);
/* PRETTY_NAME of /etc/os-release, unquoted. Returns 1 when found. */
int parse_os_release(const char *text, size_t n, char *out, size_t cap);
#endif
