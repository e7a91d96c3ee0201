/* test_delete.c — store_delete through the store's header: a deleted series
 * leaves every lookup while its neighbours stay whole, its id is not given
 * again, its rows leave SQLite (a clean reopen finds nothing), a crash after
 * the delete (a child process that never closes the store) replays the
 * tombstone, and chunks of it still queued are never committed after it.
 * Also ids_remove, which the query index uses to forget deleted series. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/store.h"
#include "query/ids.h"
#include "util/timeparse.h"
#include "teststore.h"
#include "tmpdir.h"

TMPDIR_FIXTURE("tm-test-delete")

static tm_store *open_store(void) { return test_store(dir, 0, TM_FSYNC_ALWAYS, "10s:7d,1m:90d"); }

/* n samples of key, one a second from t0 */
static void put(tm_store *s, const char *key, int64_t t0, int n) {
    tm_batch b;
    batch_init(&b);
    for (int i = 0; i < n; i++) batch_add_number(&b, key, strlen(key), t0 + i * 1000, i);
    assert_int_equal(store_write(s, &b, now_ms()), (size_t)n);
    batch_free(&b);
}

static uint32_t id_of(tm_store *s, const char *key) {
    tm_series_info in;
    return store_find(s, key, strlen(key), &in) ? in.id : 0;
}

static size_t count(tm_store *s, const char *key) {
    uint32_t id = id_of(s, key);
    tm_cols c;
    if (!id || !store_read(s, id, 0, INT64_MAX / 2, &c)) return 0;
    size_t n = c.n;
    cols_free(&c);
    return n;
}

static int each_count(const tm_series_info *in, void *arg) {
    (void)in;
    ++*(size_t *)arg;
    return 0;
}

static void test_delete_and_reopen(void **st) {
    (void)st;
    int64_t t0 = now_ms() - 3600 * 1000;
    tm_store *s = open_store();
    put(s, "a;host=1", t0, 600); /* more than a chunk: some of it is queued or persisted */
    put(s, "a;host=2", t0, 10);
    uint32_t a1 = id_of(s, "a;host=1");
    uint32_t twice[] = {a1, a1, 999999};
    assert_int_equal(store_delete(s, twice, 3), 1); /* a repeated id counts once; no such id is skipped */
    assert_int_equal(store_delete(s, &a1, 1), 0); /* gone already */
    assert_int_equal(id_of(s, "a;host=1"), 0);
    tm_series_info in;
    assert_false(store_get(s, a1, &in));
    assert_int_equal(count(s, "a;host=2"), 10);
    size_t n = 0;
    store_each(s, each_count, &n);
    assert_int_equal(n, 1);
    tm_store_stats stt;
    store_stats(s, &stt);
    assert_int_equal(stt.series, 1);
    put(s, "a;host=1", t0, 3); /* the same key again: a new series */
    assert_true(id_of(s, "a;host=1") > a1);
    assert_int_equal(count(s, "a;host=1"), 3);
    store_close(s);
    s = open_store();
    assert_int_equal(count(s, "a;host=1"), 3); /* nothing of the first one came back */
    assert_int_equal(count(s, "a;host=2"), 10);
    store_close(s);
}

static void test_delete_survives_a_crash(void **st) {
    (void)st;
    int64_t t0 = now_ms() - 3600 * 1000;
    pid_t pid = fork();
    if (!pid) { /* write, delete, and die without closing: only the WAL knows */
        tm_store *s = open_store();
        put(s, "crash.gone", t0, 50);
        put(s, "crash.kept", t0, 5);
        uint32_t id = id_of(s, "crash.gone");
        if (store_delete(s, &id, 1) != 1) _exit(3);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    tm_store *s = open_store();
    assert_int_equal(id_of(s, "crash.gone"), 0);
    assert_int_equal(count(s, "crash.kept"), 5);
    store_close(s);
}

static void test_ids_remove(void **st) {
    (void)st;
    tm_ids x = {0};
    for (uint32_t i = 1; i <= 9; i += 2) ids_push(&x, i); /* 1 3 5 7 9 */
    ids_remove(&x, 4);
    assert_int_equal(x.n, 5);
    ids_remove(&x, 1);
    ids_remove(&x, 9);
    ids_remove(&x, 5);
    assert_int_equal(x.n, 2);
    assert_int_equal(x.v[0], 3);
    assert_int_equal(x.v[1], 7);
    ids_free(&x);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delete_and_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_survives_a_crash, setup, teardown),
        cmocka_unit_test(test_ids_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
