/* test_store_compat.c — a data directory of chunk format 1 (as commit
 * ac271b3 wrote it: the series' state in columns of `series`, format 1
 * chunk blobs) opens and reads correctly; new commits then write format 2
 * (a states row; the new series' key in a `keys` row) beside the old rows,
 * and a restart reads both. The database is built here with format 1's own
 * schema and rows; its chunks are chunk_v1_blobs.h, written by the format 1
 * codec. And a directory of the format before `keys` (as 365ad48 wrote it:
 * key-only `series` rows): old series read, new ones go to `keys`, deletes
 * reach both tables, and no id comes back. */
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
#include "core/pack.h"
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
    /* ids NK + 1 .. NK + 4 were handed out once (their series lost): never again */
    snprintf(sql, sizeof sql, "INSERT INTO meta VALUES('next_id', %d)", (int)NK + 5);
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

/* How many chunks of series id the packs hold (pack.h). */
static int64_t chunks_of(const char *path, uint32_t id) {
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t n = 0;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT start, data FROM packs WHERE grp=?", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_int64(st, 1, pack_group(id));
    while (sqlite3_step(st) == SQLITE_ROW) {
        pack_iter it;
        pack_member m;
        pack_iter_init(&it, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), sqlite3_column_int64(st, 0));
        while (pack_next(&it, &m) == 1) n += m.slot == id % PACK_SERIES;
    }
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
    assert_int_equal(count(path, "SELECT count(*) FROM series"), NK); /* old rows stay where they are */
    assert_int_equal(count(path, "SELECT count(*) FROM keys"), 1);    /* and new.x goes to keys */

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
    assert_int_equal(in.id, NK + 5);
    assert_int_equal(store_close(s), 0);
}

static void write1(tm_store *s, const char *key, int64_t t, double v) {
    tm_batch b;
    batch_init(&b);
    batch_add_number(&b, key, strlen(key), t, v);
    assert_int_equal(store_write(s, &b, t), 1);
    batch_free(&b);
}

static void expect(tm_store *s, const char *key, uint32_t id, size_t n, int64_t t0, double v_last) {
    tm_series_info in;
    assert_true(store_find(s, key, strlen(key), &in));
    assert_int_equal(in.id, id);
    assert_int_equal(in.points, n);
    assert_true(in.last_v == v_last);
    tm_cols got;
    assert_true(store_read(s, id, t0, t0 + 100000000, &got));
    assert_int_equal(got.n, n);
    assert_true(got.v[n - 1] == v_last);
    cols_free(&got);
}

/* The format before `keys`: its schema, verbatim, made from the rows this
 * build wrote (the same chunks and states; only where the keys live differs). */
static void to_series_rows(const char *path) {
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "BEGIN; CREATE TABLE series(id INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER "
                                  "NOT NULL); INSERT INTO series VALUES(1,'f2.a',0),(2,'f2.b',0),(3,'f2.c',0);"
                                  "DROP TABLE keys; CREATE TABLE meta(k TEXT PRIMARY KEY, v INTEGER);"
                                  "INSERT INTO meta VALUES('next_id', 4); PRAGMA user_version=0; COMMIT;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}

static void test_series_rows_dir(void **st) {
    (void)st;
    char d[300], path[320];
    snprintf(d, sizeof d, "%s/f2", dir);
    snprintf(path, sizeof path, "%s/tidemark.db", d);
    const char *ret = "10s:30y";
    int64_t t0 = 1700000000000LL;
    tm_store *s = test_store(d, 0, TM_FSYNC_OFF, ret);
    for (int i = 0; i < 5; i++) {
        write1(s, "f2.a", t0 + 10000 * i, i);
        write1(s, "f2.b", t0 + 10000 * i, 10 + i);
        write1(s, "f2.c", t0 + 10000 * i, 20 + i);
    }
    assert_int_equal(store_close(s), 0);
    to_series_rows(path);
    assert_int_equal(count(path, "SELECT count(*) FROM sqlite_schema WHERE name='keys'"), 0);

    s = test_store(d, 0, TM_FSYNC_OFF, ret);
    expect(s, "f2.a", 1, 5, t0, 4);
    expect(s, "f2.b", 2, 5, t0, 14);
    expect(s, "f2.c", 3, 5, t0, 24);
    write1(s, "f2.a", t0 + 50000, 5);
    write1(s, "f2.new", t0 + 50000, 7);
    write1(s, "f2.gone", t0 + 50000, 8);
    assert_int_equal(store_close(s), 0);
    assert_int_equal(count(path, "SELECT count(*) FROM series"), 3); /* old rows never move */
    assert_int_equal(count(path, "SELECT count(*) FROM keys"), 1);   /* ids 4 and 5: one row */

    s = test_store(d, 0, TM_FSYNC_OFF, ret);
    expect(s, "f2.a", 1, 6, t0, 5);
    expect(s, "f2.new", 4, 1, t0, 7);
    expect(s, "f2.gone", 5, 1, t0, 8);
    uint32_t del[] = {2, 5};
    assert_int_equal(store_delete(s, del, 2), 2);
    assert_int_equal(store_close(s), 0);
    assert_int_equal(count(path, "SELECT count(*) FROM series"), 2);
    assert_int_equal(chunks_of(path, 2) + chunks_of(path, 5), 0);
    assert_true(chunks_of(path, 3) > 0); /* the other series of their group keep theirs */
    assert_int_equal(count(path, "SELECT count(*) FROM sqlite_schema WHERE name='chunks'"), 0); /* moved to packs */
    /* id 5 now lives only in the header's next id (user_version): meta, no longer written, says 4 */
    assert_int_equal(count(path, "SELECT v FROM meta"), 4);
    assert_int_equal(count(path, "PRAGMA user_version"), 6);

    s = test_store(d, 0, TM_FSYNC_OFF, ret);
    tm_series_info in;
    assert_false(store_find(s, "f2.b", 4, &in));
    assert_false(store_find(s, "f2.gone", 7, &in));
    expect(s, "f2.c", 3, 5, t0, 24);
    expect(s, "f2.new", 4, 1, t0, 7);
    write1(s, "f2.b", t0 + 60000, 9); /* the same key again: a new series, with a new id */
    assert_true(store_find(s, "f2.b", 4, &in));
    assert_int_equal(in.id, 6);
    assert_int_equal(store_close(s), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_format1_dir), cmocka_unit_test(test_series_rows_dir)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
