/* test_wal.c — the write-ahead log alone and as the store replays it:
 * replay streams a segment (memory does not follow its size), a flipped bit
 * costs only the record it hit (the next record that checks out is found),
 * and a record's fields are read only inside the record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/store.h"
#include "core/wal.h"
#include "util/timeparse.h"
#include "tmpdir.h"

TMPDIR_FIXTURE("tm-test-wal")

static long peak_kib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void count_bytes(const uint8_t *p, size_t n, uint64_t pos, void *arg) {
    (void)pos;
    size_t *total = arg;
    assert_true(n > 0 && p[0] == (uint8_t)(n & 0xff)); /* the payload came back whole */
    *total += n;
}

#define BIG_SEG (48u << 20)
#define BIG_REC (64u << 10)

static void test_replay_streams(void **st) {
    (void)st;
    char wdir[300], err[256];
    snprintf(wdir, sizeof wdir, "%s/big", dir);
    tm_wal *w = wal_open(wdir, TM_FSYNC_OFF, 1, err, sizeof err);
    assert_non_null(w);
    uint8_t *rec = malloc(BIG_REC + 7);
    size_t written = 0;
    for (size_t i = 0; written < BIG_SEG; i++) {
        size_t n = BIG_REC + i % 7;
        memset(rec, (int)(n & 0xff), n);
        uint64_t pos;
        assert_int_equal(wal_append(w, rec, n, &pos), 0);
        written += n;
    }
    free(rec);
    wal_close(w);
    long before = peak_kib();
    w = wal_open(wdir, TM_FSYNC_OFF, 1, err, sizeof err);
    size_t total = 0;
    wal_replay(w, count_bytes, &total);
    wal_close(w);
    assert_int_equal(total, written);
    long grown = peak_kib() - before;
    if (grown > 16 * 1024) fail_msg("replaying a %u MiB segment raised peak RSS by %ld KiB", BIG_SEG >> 20, grown);
}

static void collect(const uint8_t *p, size_t n, uint64_t pos, void *arg) {
    (void)pos;
    int *seen = arg; /* bit i: record i came back */
    int i;
    char tail[8];
    assert_int_equal(sscanf((const char *)p, "record %d %7s", &i, tail), 2);
    assert_true(n == strlen("record 0 payload") && i >= 0 && i < 10);
    *seen |= 1 << i;
}

static void flip(const char *path, long off, uint8_t mask) {
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t b;
    assert_int_equal(pread(fd, &b, 1, off), 1);
    b ^= mask;
    assert_int_equal(pwrite(fd, &b, 1, off), 1);
    close(fd);
}

static int files_in(const char *path) {
    DIR *d = opendir(path);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

/* One segment of ten records; damage it with how(), replay, return which came back. */
static int replay_damaged(const char *name, long off, uint8_t mask) {
    char wdir[300], err[256], seg[400];
    snprintf(wdir, sizeof wdir, "%s/%s", dir, name);
    tm_wal *w = wal_open(wdir, TM_FSYNC_OFF, 1, err, sizeof err);
    assert_non_null(w);
    for (int i = 0; i < 10; i++) {
        char r[32];
        uint64_t pos;
        snprintf(r, sizeof r, "record %d payload", i);
        assert_int_equal(wal_append(w, (const uint8_t *)r, strlen(r), &pos), 0);
    }
    wal_close(w);
    snprintf(seg, sizeof seg, "%s/wal-00000001.log", wdir);
    flip(seg, off, mask);
    w = wal_open(wdir, TM_FSYNC_OFF, 1, err, sizeof err);
    int seen = 0;
    wal_replay(w, collect, &seen);
    wal_close(w);
    return seen;
}

#define REC 24 /* 8 bytes of header + "record N payload" */

static void test_flipped_bit_skips_one_record(void **st) {
    (void)st;
    /* a bit in record 4's payload: records 0-3 and 5-9 come back */
    assert_int_equal(replay_damaged("flip-payload", 4 * REC + 8 + 3, 0x10), 0x3ff & ~(1 << 4));
    char copies[400];
    snprintf(copies, sizeof copies, "%s/flip-payload/damaged", dir);
    assert_int_equal(files_in(copies), 1); /* the damaged segment was kept */
    /* a bit in record 6's length: the length no longer frames it, the scan finds record 7 */
    assert_int_equal(replay_damaged("flip-length", 6 * REC + 1, 0x02), 0x3ff & ~(1 << 6));
    /* the last record damaged: nothing intact after it, so a torn tail (cut, no copy) */
    assert_int_equal(replay_damaged("flip-last", 9 * REC + 12, 0x01), 0x1ff);
    snprintf(copies, sizeof copies, "%s/flip-last/damaged", dir);
    assert_int_equal(files_in(copies), 0);
}

/* A store data dir whose log holds one record with the given payload. */
static tm_store *store_with_record(const char *name, const uint8_t *payload, uint32_t n) {
    char ddir[300], wdir[320], seg[400], err[256];
    snprintf(ddir, sizeof ddir, "%s/%s", dir, name);
    snprintf(wdir, sizeof wdir, "%s/wal", ddir);
    mkdir(ddir, 0755);
    mkdir(wdir, 0755);
    snprintf(seg, sizeof seg, "%s/wal-00000001.log", wdir);
    FILE *f = fopen(seg, "wb");
    uint32_t hdr[2] = {n, crc32c(0, payload, n)};
    fwrite(hdr, 8, 1, f);
    fwrite(payload, n, 1, f);
    fclose(f);
    tm_store_opts o = {0};
    o.data_dir = ddir;
    o.fsync = TM_FSYNC_OFF;
    o.narch = parse_retention("10s:7d", o.step, o.keep, TM_MAX_ARCHIVES);
    tm_store *s = store_open(&o, err, sizeof err);
    if (!s) fail_msg("store_open: %s", err);
    return s;
}

static void test_fields_inside_the_record(void **st) {
    (void)st;
    /* a series entry that ends where its type byte should be (ASan sees a read past it) */
    static const uint8_t series_cut[] = {'S', 5};
    tm_store *s = store_with_record("cut-series", series_cut, sizeof series_cut);
    tm_store_stats stt;
    store_stats(s, &stt);
    assert_int_equal(stt.series, 0);
    store_close(s);
    static const uint8_t count_cut[] = {'C', 1, 0};
    s = store_with_record("cut-count", count_cut, sizeof count_cut);
    store_stats(s, &stt);
    assert_int_equal(stt.series, 0);
    store_close(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_streams),
        cmocka_unit_test(test_flipped_bit_skips_one_record),
        cmocka_unit_test(test_fields_inside_the_record),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
