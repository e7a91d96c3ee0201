/* test_forward_yield.c — forwarding's wait for a busy ingest (forward/yield.h):
 * the meter says busy only at a quarter of a core or more over a whole
 * window, and stops by itself once samples stop; a sender waits only with
 * a backlog, at most yield_ms in all until it has caught up, never with
 * its queue at half its disk bound or with yielding off. And the real
 * clocks: the thread's CPU clock, once a window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>

#include "forward/yield.h"
#include "util/clock.h"

#define MS 1000000LL

static void test_meter(void **st) {
    (void)st;
    tm_busy m = {0};
    int64_t t = 1000 * MS, cpu = 0;
    busy_note(&m, t, cpu);
    assert_false(busy_at(&m, t));
    /* 20% of a core over 100 ms: a steady stream, not busy */
    busy_note(&m, t + 50 * MS, cpu + 10 * MS); /* inside the window: not measured yet */
    busy_note(&m, t + 100 * MS, cpu + 20 * MS);
    assert_false(busy_at(&m, t + 100 * MS));
    /* 30% over the next window: busy, for two windows past it */
    busy_note(&m, t + 200 * MS, cpu + 50 * MS);
    assert_true(busy_at(&m, t + 200 * MS));
    assert_true(busy_at(&m, t + 399 * MS));
    assert_false(busy_at(&m, t + 400 * MS));
    /* after a long pause the first window is the pause: not busy */
    busy_note(&m, t + 5000 * MS, cpu + 90 * MS);
    assert_false(busy_at(&m, t + 5000 * MS));
    /* exactly a quarter is busy */
    busy_note(&m, t + 5100 * MS, cpu + 115 * MS);
    assert_true(busy_at(&m, t + 5100 * MS));
}

static void test_policy(void **st) {
    (void)st;
    tm_yield y = {.yield_ms = 100};
    /* not busy, or caught up (at most a batch waits): send */
    assert_false(yield_wait(&y, 0, 0, 10000, 2000, 20));
    assert_false(yield_wait(&y, 1, 0, 2000, 2000, 20));
    /* busy with a backlog: wait, 100 ms in all, then send until caught up */
    int waits = 0;
    while (yield_wait(&y, 1, 0, 10000, 2000, 20)) waits++;
    assert_int_equal(waits, 5);
    assert_false(yield_wait(&y, 1, 0, 50000, 2000, 20));
    assert_false(yield_wait(&y, 1, 0, 3000, 2000, 20));
    /* caught up once: the budget is whole again */
    assert_false(yield_wait(&y, 1, 0, 100, 2000, 20));
    waits = 0;
    while (yield_wait(&y, 1, 0, 10000, 2000, 20)) waits++;
    assert_int_equal(waits, 5);
    /* the queue at half its disk bound: never waits, and the budget is kept */
    tm_yield h = {.yield_ms = 100};
    assert_true(yield_wait(&h, 1, 0, 10000, 2000, 20));
    assert_false(yield_wait(&h, 1, 1, 10000, 2000, 20));
    assert_int_equal(h.waited_ms, 20);
    /* yielding off: never waits */
    tm_yield off = {.yield_ms = 0};
    assert_false(yield_wait(&off, 1, 0, 1000000, 2000, 20));
}

static volatile uint64_t sink; /* the spin's work, kept */

static void test_clocks(void **st) {
    (void)st;
    tm_busy m = {0};
    busy_note_now(&m);
    int64_t w0 = m.win_wall, c0 = m.win_cpu;
    assert_true(w0 > 0);
    /* this thread spins until the window has moved on: the meter read its
     * CPU clock, which ran, but never faster than the wall clock (how much
     * CPU it got depends on the machine's load: not asserted) */
    while (m.win_wall == w0) {
        for (int i = 0; i < 100000; i++) sink += (uint64_t)i;
        busy_note_now(&m);
    }
    assert_true(m.win_wall - w0 >= BUSY_WINDOW_NS);
    assert_true(m.win_cpu > c0);
    assert_true(m.win_cpu - c0 <= m.win_wall - w0 + 10 * MS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meter),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
