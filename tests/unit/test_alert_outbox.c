/* Unit tests: the alerts db and its outbox — heads in order per target,
 * retries with backoff holding back what is behind, expiry, and everything
 * still there after the file is closed and opened again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alert/db.h"
#include "alert/outbox.h"

static char PATH[256];

static alert_db *open_db(void) {
    char err[300];
    alert_db *d = db_open(PATH, err, sizeof err);
    if (!d) fail_msg("%s", err);
    return d;
}

static int setup(void **st) {
    (void)st;
    char dir[] = "/tmp/tm-outbox-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    snprintf(PATH, sizeof PATH, "%s/alerts.db", dir);
    return 0;
}

static void test_backoff(void **st) {
    (void)st;
    int64_t want[] = {1000, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000};
    for (int i = 0; i < 12; i++) assert_int_equal(outbox_backoff(i), want[i]);
    assert_int_equal(outbox_backoff(1000), 300000);
}

static void add(alert_db *d, const char *target, const char *ev, int64_t now) {
    db_lock(d);
    db_begin(d);
    outbox_add(d, target, 0, "r", ev, now);
    db_commit(d);
    db_unlock(d);
}

static void test_order_retry_persist(void **st) {
    (void)st;
    alert_db *d = open_db();
    add(d, "http://a/", "a1", 100);
    add(d, "http://b/", "b1", 100);
    add(d, "http://a/", "a2", 101);
    outbox_entry h[8];
    size_t n = outbox_heads(d, h, 8);
    assert_int_equal(n, 2);
    assert_string_equal(h[0].event, "a1");
    assert_string_equal(h[1].event, "b1");
    /* a1 fails: it stays the head of a, later; b1 is delivered */
    int64_t next = outbox_retry(d, &h[0], "connection refused", 1000);
    assert_int_equal(next, 2000);
    outbox_done(d, h[1].seq);
    for (size_t i = 0; i < n; i++) outbox_entry_free(&h[i]);
    db_close(d);

    d = open_db(); /* a restart (or kill -9: every step above was committed) */
    n = outbox_heads(d, h, 8);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].event, "a1");
    assert_int_equal(h[0].attempts, 1);
    assert_int_equal(h[0].next_try, 2000);
    outbox_done(d, h[0].seq);
    outbox_entry_free(&h[0]);
    n = outbox_heads(d, h, 8);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].event, "a2");
    outbox_entry_free(&h[0]);
    db_lock(d);
    assert_int_equal(outbox_pending(d, NULL), 1);
    assert_int_equal(outbox_pending(d, "http://b/"), 0);
    db_unlock(d);
    assert_int_equal(outbox_expire(d, 101), 0);
    assert_int_equal(outbox_expire(d, 102), 1);
    assert_int_equal(outbox_heads(d, h, 8), 0);
    db_close(d);
}

static void each_state(void *arg, const char *rule, const char *series, const alert_state *st) {
    int *n = arg;
    assert_string_equal(rule, "r1");
    assert_string_equal(series, "temp;host=pi");
    assert_int_equal(st->phase, PH_FIRING);
    assert_int_equal(st->notified, LVL_CRIT);
    assert_int_equal(st->active_at, 42);
    (*n)++;
}

static void each_rule(void *arg, const char *id, const char *json) {
    (void)json;
    strcat(arg, id);
}

static void each_event(void *arg, const char *json) { strcat(arg, json); }

static void test_tables(void **st) {
    (void)st;
    alert_db *d = open_db();
    db_lock(d);
    db_put(d, "rules", "r1", "{}");
    db_put(d, "rules", "r2", "{}");
    db_put(d, "rules", "r1", "{\"x\":1}");
    db_put(d, "silences", "s1", "{}");
    alert_state s = {PH_FIRING, LVL_CRIT, LVL_CRIT, 40, 41, 42, 42, 91.5};
    db_put_state(d, "r1", "temp;host=pi", 12, &s);
    for (int i = 0; i < 5; i++) {
        char ev[8];
        snprintf(ev, sizeof ev, "e%d", i);
        db_add_event(d, 100 + i, i % 2 ? "r1" : "r2", ev);
    }
    db_unlock(d);
    db_close(d);
    d = open_db();
    char ids[64] = "";
    db_each(d, "rules", each_rule, ids);
    assert_string_equal(ids, "r1r2");
    int n = 0;
    db_each_state(d, each_state, &n);
    assert_int_equal(n, 1);
    char evs[64] = "";
    db_events(d, 101, 10, NULL, each_event, evs);
    assert_string_equal(evs, "e4e3e2e1");
    evs[0] = 0;
    db_events(d, 0, 1, "r1", each_event, evs);
    assert_string_equal(evs, "e3");
    db_trim_events(d, 2);
    evs[0] = 0;
    db_events(d, 0, 10, NULL, each_event, evs);
    assert_string_equal(evs, "e4e3");
    db_del_states(d, "r1");
    db_del(d, "rules", "r1");
    n = 0;
    db_each_state(d, each_state, &n);
    assert_int_equal(n, 0);
    ids[0] = 0;
    db_each(d, "rules", each_rule, ids);
    assert_string_equal(ids, "r2");
    db_close(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test_setup(test_order_retry_persist, setup),
        cmocka_unit_test_setup(test_tables, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
