/* test_store.c — the store through its header: writes, reads, overwrite,
 * out-of-order, types, restart, buckets, late samples into rollups, the
 * rollups table made with the first block; and the
 * WAL alone: replay and torn-tail cutting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/store.h"
#include "core/wal.h"
#include "util/timeparse.h"
#include "teststore.h"
#include "tmpdir.h"

TMPDIR_FIXTURE("tm-test-store")

static tm_store *open_store(int memory) { return test_store(dir, memory, TM_FSYNC_OFF, "10s:7d,1m:90d,1h:5y"); }

static void put(tm_store *s, const char *key, int64_t ts, double v) {
    tm_batch b;
    batch_init(&b);
    batch_add_number(&b, key, strlen(key), ts, v);
    assert_int_equal(store_write(s, &b, now_ms()), 1);
    batch_free(&b);
}

static uint32_t id_of(tm_store *s, const char *key) {
    tm_series_info in;
    assert_true(store_find(s, key, strlen(key), &in));
    return in.id;
}

static void test_overwrite_and_order(void **st) {
    (void)st;
    tm_store *s = open_store(1);
    int64_t t = (now_ms() / 1000 - 600) * 1000;
    put(s, "a.b", t + 2000, 2);
    put(s, "a.b", t, 0);          /* out of order */
    put(s, "a.b", t + 1000, 1);
    put(s, "a.b", t + 2000, 22);  /* same time: the later write wins */
    tm_cols c;
    assert_true(store_read(s, id_of(s, "a.b"), t, t + 5000, &c));
    assert_int_equal(c.n, 3);
    assert_true(c.ts[0] == t && c.ts[1] == t + 1000 && c.ts[2] == t + 2000);
    assert_true(c.v[0] == 0 && c.v[1] == 1 && c.v[2] == 22);
    cols_free(&c);
    store_close(s);
}

static void test_types(void **st) {
    (void)st;
    tm_store *s = open_store(1);
    tm_batch b;
    batch_init(&b);
    int64_t t = now_ms();
    batch_add_string(&b, "door;host=x", 11, t, "open", 4);
    batch_add_location(&b, "gps;host=x", 10, t, 52.5, 13.4);
    batch_add_number(&b, "door;host=x", 11, t + 1, 5); /* wrong type: refused alone */
    assert_int_equal(store_write(s, &b, t), 2);
    assert_int_equal(b.nerr, 1);
    assert_non_null(strstr(b.err, "string"));
    batch_free(&b);
    tm_cols c;
    assert_true(store_read(s, id_of(s, "door;host=x"), t - 1, t + 10, &c));
    assert_int_equal(c.type, TM_STRING);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.str[0], "open");
    cols_free(&c);
    assert_true(store_read(s, id_of(s, "gps;host=x"), t - 1, t + 10, &c));
    assert_true(c.n == 1 && c.v[0] == 52.5 && c.v2[0] == 13.4);
    cols_free(&c);
    store_close(s);
}

static int count_one(const tm_series_info *in, void *arg) {
    (void)in;
    ++*(int *)arg;
    return 0;
}

static void test_name_index(void **st) {
    (void)st;
    tm_store *s = open_store(1);
    int64_t t = now_ms();
    const char *keys[] = {"cpu;host=a", "cpu2", "cpu;host=b", "cpu", "cp", "cpu.x;host=a"};
    for (int round = 0; round < 2; round++) /* the second round grows the tables past their first size */
        for (int i = 0; i < 6; i++) {
            char k[64];
            snprintf(k, sizeof k, "r.%s", keys[i]);
            put(s, round ? k : keys[i], t, i);
        }
    for (int i = 0; i < 2000; i++) {
        char k[64];
        snprintf(k, sizeof k, "filler.%d;host=x", i);
        put(s, k, t, i);
    }
    int n = 0;
    store_each_named(s, "cpu", 3, count_one, &n);
    assert_int_equal(n, 3); /* cpu, cpu;host=a, cpu;host=b */
    n = 0;
    store_each_named(s, "cp", 2, count_one, &n);
    assert_int_equal(n, 1);
    n = 0;
    store_each_named(s, "filler.7", 8, count_one, &n);
    assert_int_equal(n, 1);
    n = 0;
    store_each_named(s, "nope", 4, count_one, &n);
    assert_int_equal(n, 0);
    store_close(s);
}

static void test_restart_and_buckets(void **st) {
    (void)st;
    int64_t t0 = (now_ms() / 60000 - 30) * 60000; /* a minute boundary, half an hour ago */
    tm_store *s = open_store(0);
    for (int i = 0; i < 1200; i++) put(s, "m.x", t0 + i * 1000, i % 60); /* > one chunk */
    store_close(s);
    s = open_store(0);
    uint32_t id = id_of(s, "m.x");
    tm_cols c;
    assert_true(store_read(s, id, t0, t0 + 1200 * 1000, &c));
    assert_int_equal(c.n, 1200);
    for (int i = 0; i < 1200; i++) assert_true(c.v[i] == i % 60 && c.ts[i] == t0 + i * 1000);
    cols_free(&c);
    put(s, "m.x", t0 + 5000, 100); /* overwrite inside a persisted chunk */
    assert_true(store_buckets(s, id, t0, t0 + 120 * 1000 - 1, 60000, &c));
    assert_int_equal(c.n, 2);
    assert_true(c.ts[0] == t0 && c.ts[1] == t0 + 60000);
    assert_true(c.cnt[0] == 60 && c.v[0] == 0 && c.v2[0] == 100 && c.last[0] == 59);
    assert_true(c.sum[0] == 59 * 60 / 2 - 5 + 100);
    cols_free(&c);
    store_close(s);
}

/* Wait (bounded) until the retention pass has rolled the series up. */
static int rolled_up(tm_store *s, uint32_t id, int64_t from, int64_t until, size_t want) {
    for (int i = 0; i < 100; i++) {
        tm_cols c;
        store_read(s, id, from, until, &c);
        size_t n = c.n;
        cols_free(&c);
        if (n == want) return 1;
        store_tick(s, now_ms());
        usleep(50 * 1000);
    }
    return 0;
}

static void test_late_into_rollup(void **st) {
    (void)st;
    int64_t old = (now_ms() / 60000 - 60 * 24 * 30) * 60000; /* 30 days ago: archive 1 */
    tm_store *s = open_store(0);
    for (int i = 0; i < 12; i++) put(s, "late.x", old + i * 10000, i); /* two 1m buckets */
    uint32_t id = id_of(s, "late.x");
    tm_cols c;
    assert_true(store_buckets(s, id, old, old + 120000, 60000, &c)); /* readable at once, raw */
    assert_true(c.n == 2 && c.cnt[0] == 6 && c.cnt[1] == 6);
    cols_free(&c);
    store_close(s);
    s = open_store(0);
    assert_true(rolled_up(s, id, old, old + 120000, 2)); /* a bucket reads as its last */
    assert_true(store_buckets(s, id, old, old + 120000, 60000, &c));
    assert_int_equal(c.n, 2);
    assert_true(c.cnt[0] == 6 && c.sum[0] == 15 && c.v[0] == 0 && c.v2[0] == 5 && c.last[0] == 5);
    assert_true(c.cnt[1] == 6 && c.sum[1] == 51 && c.last[1] == 11);
    cols_free(&c);
    assert_true(store_read(s, id, old, old + 120000, &c)); /* ... at its start */
    assert_int_equal(c.n, 2);
    assert_true(c.ts[1] == old + 60000 && c.v[1] == 11);
    cols_free(&c);
    /* older than every archive keeps: refused with a reason */
    tm_batch b;
    batch_init(&b);
    batch_add_number(&b, "late.x", 6, 1000, 1);
    assert_int_equal(store_write(s, &b, now_ms()), 0);
    assert_non_null(strstr(b.err, "retention"));
    batch_free(&b);
    store_close(s);
}

/* Eight series written at the same times, one of them strings, and a ninth
 * now: the ones of a group share rows and their times (core/pack.h). The
 * retention pass folds the old numbers and keeps the string, whose times
 * may be another's, and the recent series (of the last old one's group)
 * stays raw; after a delete of the series whose times the others used,
 * they read back whole. */
static void test_packs(void **st) {
    (void)st;
    char d[300];
    snprintf(d, sizeof d, "%s/packs", dir);
    int64_t old = (now_ms() / 60000 - 60 * 24 * 30) * 60000; /* archive 1 */
    int64_t recent = (now_ms() / 60000 - 30) * 60000;
    char key[9][16];
    tm_store *s = test_store(d, 0, TM_FSYNC_OFF, "10s:7d,1m:90d,1h:5y");
    for (int i = 0; i < 600; i++) /* a chunk of 512 closes and is persisted */
        for (int k = 0; k < 9; k++) {
            snprintf(key[k], sizeof key[k], "pk.%d", k);
            tm_batch b;
            batch_init(&b);
            if (k == 5) {
                char v[16];
                int n = snprintf(v, sizeof v, "s%d", i);
                batch_add_string(&b, key[k], strlen(key[k]), old + i * 1000, v, (size_t)n);
            } else {
                batch_add_number(&b, key[k], strlen(key[k]), (k == 8 ? recent : old) + i * 1000, k * 1000 + i);
            }
            assert_int_equal(store_write(s, &b, now_ms()), 1);
            batch_free(&b);
        }
    uint32_t first = id_of(s, key[0]);
    assert_int_equal(id_of(s, key[8]) / 8, id_of(s, key[7]) / 8); /* one group: they may share a row */
    store_close(s);
    s = test_store(d, 0, TM_FSYNC_OFF, "10s:7d,1m:90d,1h:5y");
    assert_int_equal(store_delete(s, &first, 1), 1);
    for (int k = 1; k < 8; k++) /* into 1m buckets, read as their last value at their start */
        if (k != 5) assert_true(rolled_up(s, id_of(s, key[k]), old, old + 600 * 1000, 10));
    tm_cols c;
    assert_true(store_read(s, id_of(s, key[5]), old, old + 600 * 1000, &c));
    assert_int_equal(c.n, 600);
    for (int i = 0; i < 600; i++) {
        char v[16];
        snprintf(v, sizeof v, "s%d", i);
        assert_true(c.ts[i] == old + i * 1000 && !strcmp(c.str[i], v));
    }
    cols_free(&c);
    assert_true(store_read(s, id_of(s, key[7]), old, old + 600 * 1000, &c));
    assert_int_equal(c.n, 10);
    for (size_t i = 0; i < c.n; i++) assert_true(c.ts[i] == old + (int64_t)i * 60000 && c.v[i] == 7000 + i * 60 + 59);
    cols_free(&c);
    assert_true(store_read(s, id_of(s, key[8]), recent, recent + 600 * 1000, &c));
    assert_int_equal(c.n, 600);
    for (int i = 0; i < 600; i++) assert_true(c.ts[i] == recent + i * 1000 && c.v[i] == 8000 + i);
    cols_free(&c);
    store_close(s);
}

/* A chunk of older times persisted after newer ones: reads take what was
 * written last for each time, though the rows come by time (read.c). */
static void test_overwrite_persisted(void **st) {
    (void)st;
    char d[300];
    snprintf(d, sizeof d, "%s/overwrite", dir);
    int64_t t0 = (now_ms() / 60000 - 60) * 60000;
    tm_store *s = test_store(d, 0, TM_FSYNC_OFF, "10s:7d,1m:90d,1h:5y");
    for (int i = 0; i < 600; i++) put(s, "ow.x", t0 + i * 1000, 1); /* chunks [0, 511] and, at the close, [512, 599] */
    store_close(s);
    s = test_store(d, 0, TM_FSYNC_OFF, "10s:7d,1m:90d,1h:5y");
    for (int i = -100; i < 500; i++) put(s, "ow.x", t0 + i * 1000, 2); /* a chunk [-100, 411] closes: it ends first */
    store_close(s);
    s = test_store(d, 0, TM_FSYNC_OFF, "10s:7d,1m:90d,1h:5y");
    tm_cols c;
    assert_true(store_read(s, id_of(s, "ow.x"), t0 - 100 * 1000, t0 + 600 * 1000, &c));
    assert_int_equal(c.n, 700);
    for (int i = 0; i < 700; i++) assert_true(c.ts[i] == t0 + (i - 100) * 1000 && c.v[i] == (i < 600 ? 2 : 1));
    cols_free(&c);
    store_close(s);
}

static int has_rollups_table(const char *path) {
    sqlite3 *db;
    sqlite3_stmt *st;
    int yes = 0;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (!sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE name='rollups'", -1, &st, NULL))
        yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return yes;
}

/* The rollups table comes with the first rollup block (an empty one is two
 * pages); a reader opened before it existed reads the blocks once it does. */
static void test_rollups_table_later(void **st) {
    (void)st;
    char d[300], path[320];
    snprintf(d, sizeof d, "%s/later", dir);
    snprintf(path, sizeof path, "%s/tidemark.db", d);
    tm_store *s = test_store(d, 0, TM_FSYNC_OFF, "1s:2s,1m:90d");
    char err[256];
    tm_reader *r = store_reader_open(s, err, sizeof err);
    assert_non_null(r);
    int64_t old = (now_ms() / 60000 - 10) * 60000;
    for (int i = 0; i < 12; i++) put(s, "later.x", old + i * 10000, i); /* two 1m buckets */
    assert_false(has_rollups_table(path));
    uint32_t id = id_of(s, "later.x");
    size_t n = 0;
    for (int i = 0; i < 200 && n != 2; i++) { /* the head closes, is persisted, then rolled up */
        store_tick(s, now_ms());
        usleep(25 * 1000);
        tm_cols c;
        reader_read(r, id, old, old + 120000, &c);
        n = c.n == 2 && c.ts[1] == old + 60000 ? 2 : 0; /* buckets, read as their last values */
        cols_free(&c);
    }
    assert_int_equal(n, 2);
    assert_true(has_rollups_table(path));
    tm_cols c;
    assert_true(reader_buckets(r, id, old, old + 120000, 60000, &c));
    assert_true(c.n == 2 && c.cnt[0] == 6 && c.cnt[1] == 6 && c.last[1] == 11);
    cols_free(&c);
    store_reader_close(r);
    store_close(s);
}

/* A staleness marker is kept bit for bit (head, WAL replay, persisted
 * chunk), never becomes the last value, folds into no bucket, and ends
 * nothing when its series is unknown. */
static void test_stale_marker(void **st) {
    (void)st;
    int64_t t0 = (now_ms() / 60000 - 30) * 60000;
    tm_store *s = open_store(0);
    tm_batch b;
    batch_init(&b);
    batch_add_number(&b, "gone.x", 6, t0, tm_stale_marker());
    assert_int_equal(store_write(s, &b, now_ms()), 0); /* no series to end */
    assert_int_equal(b.nerr, 0);
    batch_free(&b);
    tm_series_info in;
    assert_false(store_find(s, "gone.x", 6, &in));
    for (int i = 0; i < 30; i++) put(s, "st.x", t0 + i * 10000, i + 0.5);
    put(s, "st.x", t0 + 300000, tm_stale_marker());
    uint32_t id = id_of(s, "st.x");
    for (int round = 0; round < 2; round++) { /* from memory, then after a restart from disk */
        assert_true(store_get(s, id, &in));
        assert_true(in.last_v == 29.5 && in.last_ts == t0 + 290000);
        tm_cols c;
        assert_true(store_read(s, id, t0, t0 + 400000, &c));
        assert_int_equal(c.n, 31);
        assert_true(tm_is_stale(c.v[30]) && c.ts[30] == t0 + 300000);
        cols_free(&c);
        assert_true(store_buckets(s, id, t0, t0 + 360000 - 1, 60000, &c));
        assert_int_equal(c.n, 5); /* the marker's minute holds nothing else: no bucket */
        for (size_t k = 0; k < c.n; k++) assert_true(c.cnt[k] == 6 && !isnan(c.v[k] + c.v2[k] + c.sum[k] + c.last[k]));
        cols_free(&c);
        store_close(s);
        s = open_store(0);
    }
    /* rolled up (30 days old: archive 1), the marker is no min, max, sum or last */
    int64_t old = (now_ms() / 60000 - 60 * 24 * 30) * 60000;
    for (int i = 0; i < 5; i++) put(s, "st.old", old + i * 10000, i);
    put(s, "st.old", old + 50000, tm_stale_marker());
    id = id_of(s, "st.old");
    store_close(s);
    s = open_store(0);
    assert_true(rolled_up(s, id, old, old + 59999, 1));
    tm_cols c;
    assert_true(store_buckets(s, id, old, old + 59999, 60000, &c));
    assert_int_equal(c.n, 1);
    assert_true(c.cnt[0] == 5 && c.v[0] == 0 && c.v2[0] == 4 && c.sum[0] == 10 && c.last[0] == 4);
    cols_free(&c);
    store_close(s);
}

static void count_obs(void *arg, const tm_batch *b, const uint32_t *ids) {
    size_t *n = arg;
    for (size_t i = 0; i < b->n; i++) *n += ids[i] != 0;
}

/* Several observers each see every accepted sample; one removed sees no more. */
static void test_observers(void **st) {
    (void)st;
    tm_store *s = open_store(1);
    size_t a = 0, b = 0;
    assert_int_equal(store_observe(s, count_obs, &a), 0);
    assert_int_equal(store_observe(s, count_obs, &b), 0);
    put(s, "o.x", now_ms(), 1);
    store_unobserve(s, count_obs, &a);
    put(s, "o.x", now_ms() + 1, 2);
    assert_int_equal(a, 1);
    assert_int_equal(b, 2);
    store_close(s);
}

static void collect(const uint8_t *p, size_t n, uint64_t pos, void *arg) {
    (void)pos;
    int *count = arg;
    char want[32];
    snprintf(want, sizeof want, "record %d", *count);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    (*count)++;
}

static void test_wal_torn_tail(void **st) {
    (void)st;
    char wdir[300], err[256];
    snprintf(wdir, sizeof wdir, "%s/wal-only", dir);
    tm_wal *w = wal_open(wdir, TM_FSYNC_OFF, 1, err, sizeof err);
    assert_non_null(w);
    uint64_t pos, before = 0;
    for (int i = 0; i < 10; i++) {
        char r[32];
        snprintf(r, sizeof r, "record %d", i);
        assert_int_equal(wal_append(w, (const uint8_t *)r, strlen(r), &pos), 0);
        assert_true(pos > before); /* positions only grow */
        before = pos;
    }
    wal_close(w);
    /* a torn record: a header promising more bytes than follow */
    char seg[400];
    snprintf(seg, sizeof seg, "%s/wal-00000001.log", wdir);
    int fd = open(seg, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    uint32_t hdr[2] = {100, 0};
    assert_int_equal(write(fd, hdr, 8), 8);
    assert_int_equal(write(fd, "half", 4), 4);
    close(fd);
    w = wal_open(wdir, TM_FSYNC_OFF, 1, err, sizeof err);
    int count = 0;
    wal_replay(w, collect, &count);
    assert_int_equal(count, 10);
    wal_close(w);
    /* cut for good: a second replay sees the same ten and nothing torn */
    w = wal_open(wdir, TM_FSYNC_OFF, 1, err, sizeof err);
    count = 0;
    wal_replay(w, collect, &count);
    assert_int_equal(count, 10);
    wal_close(w);
}

/* Each type's last value, which shares one slot of the series record by
 * type (a location's second coordinate, a string's text): right from
 * memory, after a restart from the saved states, and replaced after it. */
static void check_last(tm_store *s, double num, const char *str, double lat, double lon) {
    tm_series_info in;
    assert_true(store_get(s, id_of(s, "lv.num"), &in));
    assert_true(in.last_v == num && in.last_v2 == 0 && !in.last_str);
    assert_true(store_get(s, id_of(s, "lv.str"), &in));
    assert_non_null(in.last_str);
    assert_string_equal(in.last_str, str);
    assert_true(store_get(s, id_of(s, "lv.loc"), &in));
    assert_true(in.last_v == lat && in.last_v2 == lon && !in.last_str);
}

static void put_three(tm_store *s, int64_t t, double num, const char *str, double lat, double lon) {
    tm_batch b;
    batch_init(&b);
    batch_add_number(&b, "lv.num", 6, t, num);
    batch_add_string(&b, "lv.str", 6, t, str, strlen(str));
    batch_add_location(&b, "lv.loc", 6, t, lat, lon);
    assert_int_equal(store_write(s, &b, now_ms()), 3);
    batch_free(&b);
}

static void test_last_values(void **st) {
    (void)st;
    int64_t t = (now_ms() / 1000 - 600) * 1000;
    tm_store *s = open_store(0);
    put_three(s, t, 1.5, "on", 52.5, 13.4);
    put_three(s, t + 1000, 2.5, "off", 48.1, 11.6);
    put_three(s, t - 1000, 9.5, "old", 1, 2); /* older: not the last value */
    check_last(s, 2.5, "off", 48.1, 11.6);
    assert_int_equal(store_close(s), 0);
    s = open_store(0);
    check_last(s, 2.5, "off", 48.1, 11.6);
    put_three(s, t + 2000, 3.5, "ajar", 40.4, -3.7);
    check_last(s, 3.5, "ajar", 40.4, -3.7);
    tm_cols c;
    assert_true(store_read(s, id_of(s, "lv.str"), t - 1000, t + 2000, &c));
    assert_int_equal(c.n, 4);
    assert_string_equal(c.str[0], "old");
    assert_string_equal(c.str[3], "ajar");
    cols_free(&c);
    assert_int_equal(store_close(s), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overwrite_and_order),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_name_index),
        cmocka_unit_test(test_restart_and_buckets),
        cmocka_unit_test(test_late_into_rollup),
        cmocka_unit_test(test_rollups_table_later),
        cmocka_unit_test(test_packs),
        cmocka_unit_test(test_overwrite_persisted),
        cmocka_unit_test(test_wal_torn_tail),
        cmocka_unit_test(test_observers),
        cmocka_unit_test(test_stale_marker),
        cmocka_unit_test(test_last_values),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
