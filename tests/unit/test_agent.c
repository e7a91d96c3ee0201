/* Unit tests: the agent's /proc readers on fixtures from several kernels and
 * a container, its plugins on those fixtures, exec's key=value lines, and
 * the spool (order, restart, torn tail, bound). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/http.h"
#include "agent/plugin.h"
#include "agent/procfs.h"
#include "agent/spool.h"
#include "util/buf.h"
#include "util/sizeparse.h"

static char fixtures[1024];

static char *fixture(const char *kernel, const char *file, size_t *n) {
    char root[1200];
    snprintf(root, sizeof root, "%s/%s", fixtures, kernel);
    char *t = read_small_file(root, file, n);
    if (!t) fail_msg("fixture %s/%s missing", root, file);
    return t;
}

static void test_proc_stat(void **st) {
    (void)st;
    size_t n;
    proc_cpu c[8];
    char *t = fixture("linux-2.6.32", "stat", &n); /* 9 columns: no guest_nice yet */
    assert_int_equal(parse_proc_stat(t, n, c, 8), 3);
    assert_string_equal(c[0].name, "cpu");
    assert_string_equal(c[2].name, "cpu1");
    assert_int_equal(c[0].t[CPU_USER], 100);
    assert_int_equal(c[0].t[CPU_STEAL], 10);
    assert_int_equal(c[0].t[CPU_GUEST_NICE], 0);
    free(t);
    t = fixture("linux-4.19", "stat", &n);
    assert_int_equal(parse_proc_stat(t, n, c, 8), 5);
    assert_int_equal(parse_proc_stat(t, n, c, 2), 2); /* bounded by max */
    free(t);
    /* percentages between two readings: guest is inside user, not added twice */
    proc_cpu a = {"cpu", {100, 0, 100, 700, 100, 0, 0, 0, 50, 0}}, b = a;
    b.t[CPU_USER] += 30, b.t[CPU_SYSTEM] += 10, b.t[CPU_IDLE] += 50, b.t[CPU_IOWAIT] += 10, b.t[CPU_GUEST] += 20;
    double pct[CPU_NSTATES];
    assert_true(cpu_percent(&a, &b, pct));
    assert_float_equal(pct[CPU_USER], 30, 1e-9);
    assert_float_equal(pct[CPU_IDLE], 50, 1e-9);
    assert_float_equal(pct[CPU_GUEST], 20, 1e-9);
    assert_false(cpu_percent(&a, &a, pct)); /* no time passed */
}

static void test_meminfo(void **st) {
    (void)st;
    size_t n;
    proc_mem m;
    char *t = fixture("linux-2.6.32", "meminfo", &n); /* before MemAvailable: free + buffers + cached */
    assert_true(parse_meminfo(t, n, &m));
    assert_int_equal(m.total, 2048000ull * 1024);
    assert_int_equal(m.available, (512000ull + 128000 + 256000) * 1024);
    assert_int_equal(m.swap_free, 768000ull * 1024);
    free(t);
    t = fixture("linux-4.19", "meminfo", &n);
    assert_true(parse_meminfo(t, n, &m));
    assert_int_equal(m.available, 614400ull * 1024);
    free(t);
    assert_false(parse_meminfo("HugePages_Total: 0\n", 19, &m));
}

static void test_small_files(void **st) {
    (void)st;
    size_t n;
    double l[3], up;
    char *t = fixture("linux-4.19", "loadavg", &n);
    assert_true(parse_loadavg(t, n, l));
    assert_float_equal(l[0], 1.5, 1e-12);
    assert_float_equal(l[2], 0.25, 1e-12);
    free(t);
    t = fixture("linux-2.6.32", "uptime", &n);
    assert_true(parse_uptime(t, n, &up));
    assert_float_equal(up, 12345.67, 1e-9);
    free(t);
    assert_false(parse_loadavg("0.1 0.2", 7, l));
    assert_false(parse_uptime("x", 1, &up));
    char model[128], os[128];
    int cores;
    t = fixture("linux-4.19", "cpuinfo", &n); /* a Raspberry Pi: the board's Model wins */
    assert_true(parse_cpuinfo(t, n, model, sizeof model, &cores));
    assert_string_equal(model, "Raspberry Pi 3 Model B Rev 1.2");
    assert_int_equal(cores, 4);
    free(t);
    t = fixture("linux-2.6.32", "cpuinfo", &n);
    assert_true(parse_cpuinfo(t, n, model, sizeof model, &cores));
    assert_string_equal(model, "Intel(R) Core(TM)2 Duo CPU     E8400  @ 3.00GHz");
    assert_int_equal(cores, 2);
    free(t);
    const char *rel = "NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
    assert_true(parse_os_release(rel, strlen(rel), os, sizeof os));
    assert_string_equal(os, "Debian GNU/Linux 12 (bookworm)");
    assert_false(parse_os_release("ID=x\n", 5, os, sizeof os));
}

static void test_diskstats(void **st) {
    (void)st;
    size_t n;
    proc_disk d[8];
    char *t = fixture("linux-2.6.32", "diskstats", &n); /* 14 columns; ram and loop devices left out */
    assert_int_equal(parse_diskstats(t, n, d, 8), 2);
    assert_string_equal(d[0].name, "sda");
    assert_int_equal(d[0].reads, 1000);
    assert_int_equal(d[0].read_sectors, 16000);
    assert_int_equal(d[0].writes, 2000);
    assert_int_equal(d[0].write_sectors, 32000);
    assert_int_equal(d[0].io_ms, 1200);
    free(t);
    t = fixture("linux-6.1", "diskstats", &n); /* 20 columns: discards and flushes after */
    assert_int_equal(parse_diskstats(t, n, d, 8), 3);
    assert_string_equal(d[0].name, "nvme0n1");
    assert_int_equal(d[0].io_ms, 11000);
    free(t);
}

static void test_net_dev(void **st) {
    (void)st;
    size_t n;
    proc_net d[8];
    char *t = fixture("linux-2.6.32", "net/dev", &n);
    assert_int_equal(parse_net_dev(t, n, d, 8), 2);
    assert_string_equal(d[1].name, "eth0");
    assert_int_equal(d[1].rx_bytes, 12345678);
    assert_int_equal(d[1].rx_drop, 2);
    assert_int_equal(d[1].tx_bytes, 8765432);
    assert_int_equal(d[1].tx_errs, 3);
    free(t);
    t = fixture("linux-6.1", "net/dev", &n); /* a long counter runs into the name's colon */
    assert_int_equal(parse_net_dev(t, n, d, 8), 2);
    assert_string_equal(d[1].name, "enp3s0");
    assert_int_equal(d[1].rx_bytes, 98765432100ull);
    assert_int_equal(d[1].tx_drop, 8);
    free(t);
}

static void test_mounts(void **st) {
    (void)st;
    size_t n;
    proc_mount m[8];
    char *t = fixture("linux-2.6.32", "mounts", &n); /* rootfs, proc, sysfs, tmpfs left out; \040 decoded */
    assert_int_equal(parse_mounts(t, n, m, 8), 2);
    assert_string_equal(m[0].path, "/");
    assert_string_equal(m[0].dev, "/dev/sda1");
    assert_string_equal(m[1].path, "/mnt/with space");
    free(t);
    t = fixture("linux-6.1", "mounts", &n); /* "/" twice: once */
    assert_int_equal(parse_mounts(t, n, m, 8), 1);
    free(t);
}

/* ---- plugins on fixtures ---- */

typedef struct {
    tm_batch b;
    pthread_mutex_t mu;
    tm_emit e;
    agent_env env;
} rig;

static void rig_init(rig *r, const char *kernel, char *root, size_t cap) {
    memset(r, 0, sizeof *r);
    batch_init(&r->b);
    pthread_mutex_init(&r->mu, NULL);
    r->e = (tm_emit){&r->b, &r->mu, "pi", 1000};
    snprintf(root, cap, "%s/%s", fixtures, kernel);
    r->env = (agent_env){.host = "pi", .proc_root = root, .etc_root = root, .interval_ms = 10000, .cpu_peak = 70};
}

static const tm_sample *find(const tm_batch *b, const char *key) {
    for (size_t i = 0; i < b->n; i++)
        if (b->s[i].key_len == strlen(key) && !memcmp(batch_key(b, &b->s[i]), key, b->s[i].key_len)) return &b->s[i];
    return NULL;
}

static void test_plugins_on_fixtures(void **st) {
    (void)st;
    rig r;
    char root[1200], err[256];
    rig_init(&r, "linux-2.6.32", root, sizeof root);
    tm_plugin *mem = plugin_new("memory", &r.env, &r.e, err, sizeof err);
    assert_non_null(mem);
    assert_int_equal(mem->collect(mem, &r.env), 0);
    const tm_sample *s = find(&r.b, "mem.total;host=pi");
    assert_non_null(s);
    assert_float_equal(s->v, 2048000.0 * 1024, 0);
    assert_non_null(s = find(&r.b, "swap.used_percent;host=pi"));
    assert_float_equal(s->v, 25, 1e-9);
    plugin_free(mem);
    /* rates need two readings: the first emits nothing */
    tm_plugin *io = plugin_new("diskio", &r.env, &r.e, err, sizeof err);
    batch_reset(&r.b);
    io->e.ts = 1000;
    assert_int_equal(io->collect(io, &r.env), 0);
    assert_int_equal(r.b.n, 0);
    io->e.ts = 11000;
    assert_int_equal(io->collect(io, &r.env), 0); /* same counters: 0 per second */
    assert_non_null(s = find(&r.b, "diskio.reads;host=pi;name=sda"));
    assert_float_equal(s->v, 0, 0);
    plugin_free(io);
    /* a container without diskstats: that plugin fails alone, the others go on */
    batch_free(&r.b);
    rig_init(&r, "container", root, sizeof root);
    io = plugin_new("diskio", &r.env, &r.e, err, sizeof err);
    assert_int_equal(io->collect(io, &r.env), -1);
    plugin_free(io);
    mem = plugin_new("memory", &r.env, &r.e, err, sizeof err);
    assert_int_equal(mem->collect(mem, &r.env), 0);
    assert_non_null(s = find(&r.b, "mem.available;host=pi"));
    assert_float_equal(s->v, 524288.0 * 1024, 0);
    plugin_free(mem);
    /* unknown plugins and missing settings are refused by name */
    assert_null(plugin_new("cpux", &r.env, &r.e, err, sizeof err));
    assert_non_null(strstr(err, "cpux"));
    assert_null(plugin_new("external_ip", &r.env, &r.e, err, sizeof err));
    assert_non_null(strstr(err, "--external-ip-url"));
    assert_null(plugin_new("exec:/nonexistent/x", &r.env, &r.e, err, sizeof err));
    assert_null(plugin_new("ssh_tunnel", &r.env, &r.e, err, sizeof err));
    batch_free(&r.b);
}

static void test_kv_lines(void **st) {
    (void)st;
    rig r;
    char root[1200];
    rig_init(&r, "container", root, sizeof root);
    assert_true(emit_kv_line(&r.e, "temp=21.5\r", 10));
    assert_true(emit_kv_line(&r.e, "door=open", 9));
    assert_true(emit_kv_line(&r.e, "gps=52.5,13.4", 13));
    assert_true(emit_kv_line(&r.e, "pump;room=cellar=3", 18));
    assert_false(emit_kv_line(&r.e, "no value here", 13));
    assert_false(emit_kv_line(&r.e, "=5", 2));
    assert_false(emit_kv_line(&r.e, "x=", 2));
    const tm_sample *s;
    assert_non_null(s = find(&r.b, "temp;host=pi"));
    assert_int_equal(s->type, TM_NUMBER);
    assert_float_equal(s->v, 21.5, 0);
    assert_non_null(s = find(&r.b, "door;host=pi"));
    assert_int_equal(s->type, TM_STRING);
    assert_non_null(s = find(&r.b, "gps;host=pi"));
    assert_int_equal(s->type, TM_LOCATION);
    assert_non_null(s = find(&r.b, "pump;host=pi;room=cellar"));
    assert_float_equal(s->v, 3, 0);
    batch_free(&r.b);
}

/* ---- the spool ---- */

static void spool_dir(char *dir, size_t cap) {
    snprintf(dir, cap, "/tmp/tm-spool-test.XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void expect_next(tm_spool *s, const char *want) {
    tm_buf b = {0};
    assert_int_equal(spool_peek(s, &b), 1);
    assert_int_equal(b.n, strlen(want));
    assert_memory_equal(b.p, want, b.n);
    spool_pop(s);
    buf_free(&b);
}

static void test_spool_order_and_restart(void **st) {
    (void)st;
    char dir[64], err[256], cmd[128];
    spool_dir(dir, sizeof dir);
    tm_spool *s = spool_open(dir, 1 << 20, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(spool_append(s, "one", 3), 0);
    assert_int_equal(spool_append(s, "two", 3), 0);
    assert_int_equal(spool_append(s, "three", 5), 0);
    expect_next(s, "one");
    spool_close(s); /* a restart: "one" was acknowledged, the rest is still there */
    s = spool_open(dir, 1 << 20, err, sizeof err);
    assert_int_equal(spool_bytes(s), 2 * 8 + 3 + 5);
    expect_next(s, "two");
    assert_int_equal(spool_append(s, "four", 4), 0);
    expect_next(s, "three");
    expect_next(s, "four");
    tm_buf b = {0};
    assert_int_equal(spool_peek(s, &b), 0);
    assert_int_equal(spool_bytes(s), 0);
    spool_close(s);
    /* a crash mid-append leaves half a record: cut at open, later appends readable */
    s = spool_open(dir, 1 << 20, err, sizeof err);
    assert_int_equal(spool_append(s, "five", 4), 0);
    spool_close(s);
    snprintf(cmd, sizeof cmd, "printf '\\020\\000\\000\\000abc' >> %s/spool-0000000000000001.seg", dir);
    assert_int_equal(system(cmd), 0);
    s = spool_open(dir, 1 << 20, err, sizeof err);
    assert_int_equal(spool_append(s, "six", 3), 0);
    expect_next(s, "five");
    expect_next(s, "six");
    assert_int_equal(spool_peek(s, &b), 0);
    spool_close(s);
    buf_free(&b);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_spool_bound(void **st) {
    (void)st;
    char dir[64], err[256], cmd[128];
    spool_dir(dir, sizeof dir);
    uint64_t max = 256 << 10;
    tm_spool *s = spool_open(dir, max, err, sizeof err);
    char rec[4096];
    for (int i = 0; i < 200; i++) { /* 800 KiB into a 256 KiB spool: the oldest go */
        memset(rec, 'a', sizeof rec);
        snprintf(rec, sizeof rec, "%d", i);
        assert_int_equal(spool_append(s, rec, sizeof rec), 0);
        assert_true(spool_bytes(s) <= max);
    }
    assert_true(spool_dropped(s) > 0);
    tm_buf b = {0};
    int first = -1, last = -1, n = 0;
    while (spool_peek(s, &b)) { /* what is left is the newest, in order */
        int i = atoi((const char *)b.p);
        if (first < 0) first = i;
        assert_true(i == last + 1 || last < 0);
        last = i;
        n++;
        spool_pop(s);
    }
    assert_int_equal(last, 199);
    assert_true(first > 0);
    assert_true((uint64_t)n * sizeof rec <= max);
    buf_free(&b);
    spool_close(s);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static int answer(const char *text, int eof, http_answer *a, char *copy) {
    strcpy(copy, text);
    return http_answer_parse(copy, strlen(copy), eof, a);
}

static void test_http_answers(void **st) {
    (void)st;
    http_answer a;
    char b[512];
    assert_int_equal(answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", 0, &a, b), 1);
    assert_int_equal(a.status, 200);
    assert_int_equal(a.body_len, 2);
    assert_memory_equal(a.body, "ok", 2);
    assert_true(a.keep_alive);
    assert_int_equal(a.consumed, strlen(b) - 5);
    assert_int_equal(answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok", 0, &a, b), 0); /* more to come */
    assert_int_equal(answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok", 1, &a, b), -1); /* cut short */
    assert_int_equal(answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
                            0, &a, b), 1);
    assert_int_equal(a.body_len, 5);
    assert_memory_equal(a.body, "abcde", 5);
    assert_int_equal(a.consumed, strlen(b));
    assert_int_equal(answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab", 0, &a, b), 0);
    assert_int_equal(answer("HTTP/1.0 204 No Content\r\n\r\n", 0, &a, b), 1);
    assert_false(a.keep_alive); /* HTTP/1.0 closes unless it says otherwise */
    assert_int_equal(answer("HTTP/1.1 400 Bad\r\nConnection: close\r\n\r\n{\"error\":1}", 0, &a, b), 0);
    assert_int_equal(answer("HTTP/1.1 400 Bad\r\nConnection: close\r\n\r\n{\"error\":1}", 1, &a, b), 1);
    assert_int_equal(a.body_len, 11);
    assert_false(a.keep_alive);
    assert_int_equal(answer("SSH-2.0-OpenSSH\r\n\r\n", 0, &a, b), -1);
    assert_int_equal(answer("HTTP/1.1 2x0 OK\r\n\r\n", 0, &a, b), -1);
    assert_int_equal(answer("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 0, &a, b), -1);
}

static void test_sizes(void **st) {
    (void)st;
    uint64_t b;
    assert_true(parse_size("100MiB", &b) && b == 100ull << 20);
    assert_true(parse_size("1GiB", &b) && b == 1ull << 30);
    assert_true(parse_size("64k", &b) && b == 64ull << 10);
    assert_true(parse_size("1.5G", &b) && b == 3ull << 29);
    assert_true(parse_size("4096", &b) && b == 4096);
    assert_false(parse_size("lots", &b));
    assert_false(parse_size("-1MiB", &b));
    assert_false(parse_size("10XB", &b));
    assert_false(parse_size("", &b));
}

int main(void) {
    snprintf(fixtures, sizeof fixtures, "%s", __FILE__);
    char *slash = strrchr(fixtures, '/');
    snprintf(slash ? slash : fixtures, sizeof fixtures - (size_t)(slash ? slash - fixtures : 0), "/../fixtures/proc");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proc_stat),    cmocka_unit_test(test_meminfo),
        cmocka_unit_test(test_small_files),  cmocka_unit_test(test_diskstats),
        cmocka_unit_test(test_net_dev),      cmocka_unit_test(test_mounts),
        cmocka_unit_test(test_plugins_on_fixtures), cmocka_unit_test(test_kv_lines),
        cmocka_unit_test(test_spool_order_and_restart), cmocka_unit_test(test_spool_bound),
        cmocka_unit_test(test_sizes), cmocka_unit_test(test_http_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
