/* test_store_compat.c — a data directory of chunk format 1 (as commit
 * ac271b3 wrote it: the series' state in columns of `series`, format 1
 * chunk blobs) opens and reads correctly; new commits then write format 2
 * (a states row, key-only series rows) beside the old rows, and a restart
 * reads both. The database is built here with format 1's own schema and
 * rows; its chunks are chunk_v1_blobs.h, written by the format 1 codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chunk_v1_fill.h"
#include "chunk_v1_blobs.h"
#include "core/store.h"
#include "teststore.h"
#include "tmpdir.h"
#include "util/crc32c.h"

TMPDIR_FIXTURE("tm-test-compat")

/* format 1's schema, verbatim */
static const char *V1_SCHEMA =
    "PRAGMA page_size=16384;"
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL,"
    " points INTEGER, last_ts INTEGER, last_v REAL, last_v2 REAL, last_s TEXT, walpos INTEGER);"
    "CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY, series INTEGER NOT NULL, start INTEGER NOT NULL,"
    " end INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER);"
    "CREATE INDEX IF NOT EXISTS chunks_series ON chunks(series, end);"
    "CREATE TABLE IF NOT EXISTS rollups(series INTEGER NOT NULL, arch INTEGER NOT NULL, start INTEGER NOT NULL,"
    " end INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER, PRIMARY KEY(series, arch, start));"
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER);";

/* series id k + 1 holds gold chunk k of these kinds */
static const int KINDS[] = {0, 1, 3, 4, 6, 7};
#define NK (sizeof KINDS / sizeof *KINDS)

static void build_v1(const char *path) {
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, V1_SCHEMA, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *ser, *ch;
    sqlite3_prepare_v2(db, "INSERT INTO series VALUES(?,?,?,?,?,?,?,?,?)", -1, &ser, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO chunks(series, start, end, data, crc) VALUES(?,?,?,?,?)", -1, &ch, NULL);
    for (size_t i = 0; i < NK; i++) {
        tm_cols c;
        gold_fill(&c, KINDS[i]);
        const char *h = gold_blobs[KINDS[i]];
        size_t n = strlen(h) / 2;
        uint8_t *blob = malloc(n);
        for (size_t j = 0; j < n; j++) {
            unsigned x;
            sscanf(h + 2 * j, "%2x", &x);
            blob[j] = (uint8_t)x;
        }
        char key[32];
        snprintf(key, sizeof key, "old.k%d", KINDS[i]);
        sqlite3_bind_int64(ser, 1, (int64_t)i + 1);
        sqlite3_bind_text(ser, 2, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(ser, 3, c.type);
        sqlite3_bind_int64(ser, 4, (int64_t)c.n);
        sqlite3_bind_int64(ser, 5, c.ts[c.n - 1]);
        sqlite3_bind_double(ser, 6, c.v ? c.v[c.n - 1] : 0);
        sqlite3_bind_double(ser, 7, c.v2 ? c.v2[c.n - 1] : 0);
        if (c.str) sqlite3_bind_text(ser, 8, c.str[c.n - 1], -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(ser, 8);
        sqlite3_bind_int64(ser, 9, 12345);
        assert_int_equal(sqlite3_step(ser), SQLITE_DONE);
        sqlite3_reset(ser);
        sqlite3_bind_int64(ch, 1, (int64_t)i + 1);
        sqlite3_bind_int64(ch, 2, c.ts[0]);
        sqlite3_bind_int64(ch, 3, c.ts[c.n - 1]);
        sqlite3_bind_blob(ch, 4, blob, (int)n, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ch, 5, (int32_t)crc32c(0, blob, n));
        assert_int_equal(sqlite3_step(ch), SQLITE_DONE);
        sqlite3_reset(ch);
        free(blob);
        cols_free(&c);
    }
    sqlite3_finalize(ser);
    sqlite3_finalize(ch);
    char sql[80];
    snprintf(sql, sizeof sql, "INSERT INTO meta VALUES('next_id', %d)", (int)NK + 1);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int64_t count(const char *path, const char *sql) {
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t n = -1;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (!sqlite3_prepare_v2(db, sql, -1, &st, NULL) && sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Every old series reads back its gold columns bit for bit, and its state. */
static void check_old(tm_store *s, int skip_kind) {
    for (size_t i = 0; i < NK; i++) {
        if (KINDS[i] == skip_kind) continue;
        tm_cols want, got;
        gold_fill(&want, KINDS[i]);
        char key[32];
        snprintf(key, sizeof key, "old.k%d", KINDS[i]);
        tm_series_info in;
        assert_true(store_find(s, key, strlen(key), &in));
        assert_int_equal(in.points, want.n);
        assert_true(in.last_ts == want.ts[want.n - 1]);
        if (want.v) assert_memory_equal(&in.last_v, &want.v[want.n - 1], sizeof(double));
        if (want.str) assert_string_equal(in.last_str, want.str[want.n - 1]);
        assert_true(store_read(s, in.id, want.ts[0], want.ts[want.n - 1], &got));
        assert_int_equal(got.n, want.n);
        assert_memory_equal(got.ts, want.ts, want.n * sizeof *want.ts);
        if (want.v) assert_memory_equal(got.v, want.v, want.n * sizeof *want.v);
        if (want.v2) assert_memory_equal(got.v2, want.v2, want.n * sizeof *want.v2);
        for (size_t j = 0; want.str && j < want.n; j++) assert_string_equal(got.str[j], want.str[j]);
        cols_free(&got);
        cols_free(&want);
    }
}

static void test_format1_dir(void **st) {
    (void)st;
    char path[300];
    snprintf(path, sizeof path, "%s/tidemark.db", dir);
    build_v1(path);
    const char *ret = "10s:30y";
    tm_store *s = test_store(dir, 0, TM_FSYNC_OFF, ret);
    check_old(s, -1);
    /* one old series and one new get samples; both persist as format 2 */
    tm_batch b;
    batch_init(&b);
    int64_t t = 1700000000000LL + 10000 * 400;
    batch_add_number(&b, "old.k0", 6, t, 42.25);
    batch_add_number(&b, "new.x", 5, t, 7);
    assert_int_equal(store_write(s, &b, t), 2);
    batch_free(&b);
    assert_int_equal(store_close(s), 0);
    assert_true(count(path, "SELECT count(*) FROM states") >= 1);
    assert_int_equal(count(path, "SELECT count(*) FROM series"), NK + 1);
    assert_int_equal(count(path, "SELECT count(*) FROM series WHERE key='new.x' AND points IS NULL"), 1);

    s = test_store(dir, 0, TM_FSYNC_OFF, ret);
    check_old(s, 0);
    tm_series_info in;
    assert_true(store_find(s, "old.k0", 6, &in));
    assert_int_equal(in.points, 361);
    assert_true(in.last_ts == t && in.last_v == 42.25);
    tm_cols want, got;
    gold_fill(&want, 0);
    assert_true(store_read(s, in.id, want.ts[0], t, &got));
    assert_int_equal(got.n, want.n + 1);
    assert_memory_equal(got.v, want.v, want.n * sizeof *want.v);
    assert_true(got.ts[want.n] == t && got.v[want.n] == 42.25);
    cols_free(&got);
    cols_free(&want);
    assert_true(store_find(s, "new.x", 5, &in));
    assert_true(in.points == 1 && in.last_ts == t && in.last_v == 7);
    assert_int_equal(in.id, NK + 1);
    assert_int_equal(store_close(s), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_format1_dir)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
