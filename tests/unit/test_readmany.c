/* test_readmany.c — the bulk reads (reader_read_many, reader_read_run) give
 * exactly what one reader_read per series gives, whatever holds the data:
 * persisted chunks, chunks in flight, a sorted or an unsorted head, an
 * overwrite of a persisted sample, strings, ids of no series; over more
 * series than one hold of the lock takes, on disk and in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/store.h"
#include "teststore.h"
#include "tmpdir.h"
#include "util/timeparse.h"

TMPDIR_FIXTURE("tm-test-readmany")

#define NSER 700 /* more than two of the reader's groups */

static tm_store *open_store(int memory) { return test_store(dir, memory, TM_FSYNC_OFF, "10s:7d,1m:90d"); }

static void put(tm_store *s, int i, int64_t ts, double v) {
    char key[64];
    int n = snprintf(key, sizeof key, "rm.s%d;k=v%d", i, i % 7);
    tm_batch b;
    batch_init(&b);
    if (i % 50 == 49) batch_add_string(&b, key, (size_t)n, ts, "event", 5);
    else batch_add_number(&b, key, (size_t)n, ts, v);
    assert_int_equal(store_write(s, &b, now_ms()), 1);
    batch_free(&b);
}

/* Series i gets (i % 4): 0 a long run (several chunks), 1 a short sorted
 * head, 2 an unsorted head, 3 nothing at first (its id comes later). */
static void load(tm_store *s, int64_t t0, int round) {
    for (int i = 0; i < NSER; i++) {
        int shape = i % 4, n = shape == 0 && !round ? 1100 : shape == 3 && !round ? 0 : 30;
        for (int k = 0; k < n; k++) put(s, i, t0 + k * 1000 * (round ? 37 : 1), k + i + 1000 * round);
        if (shape == 2) put(s, i, t0 + 500, -1); /* out of order */
    }
}

static void same(const tm_cols *a, const tm_cols *b) {
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_true(a->ts[i] == b->ts[i]);
        if (a->type == TM_STRING) assert_string_equal(a->str[i], b->str[i]);
        else assert_memory_equal(&a->v[i], &b->v[i], sizeof a->v[i]);
    }
}

typedef struct {
    tm_cols *c;
} heads_seen;

/* reader_heads_each's callback: a copy of what the head gave */
static void keep_head(void *arg, size_t k, const int64_t *ts, const double *v, size_t n) {
    heads_seen *h = arg;
    tm_cols *c = &h->c[k];
    cols_alloc(c, TM_NUMBER, n ? n : 1);
    c->n = n;
    if (!n) return; /* an empty head comes as NULL arrays */
    memcpy(c->ts, ts, n * sizeof *ts);
    memcpy(c->v, v, n * sizeof *v);
}

static void check(tm_store *s, int64_t from, int64_t until, size_t min_heads) {
    char err[256];
    tm_reader *r = store_reader_open(s, err, sizeof err);
    if (!r) fail_msg("reader: %s", err);
    uint32_t max = reader_max_id(r), n = max + 3; /* three ids of no series */
    uint32_t *ids = malloc(n * sizeof *ids);
    for (uint32_t i = 0; i < n; i++) ids[i] = n - i; /* any order */
    tm_cols *many = calloc(n, sizeof *many);
    size_t *at = calloc(n, sizeof *at), *len = calloc(n, sizeof *len);
    tm_run run = {0};
    heads_seen hs = {calloc(n, sizeof(tm_cols))};
    uint8_t *unread = calloc(n, 1);
    size_t nheads = 0;
    assert_int_equal(reader_read_many(r, ids, n, from, until, many), max);
    assert_int_equal(reader_read_run(r, ids, n, from, until, &run, at, len), max);
    assert_int_equal(reader_heads_each(r, ids, n, from, until, keep_head, &hs, unread), max);
    for (uint32_t i = 0; i < n; i++) {
        tm_cols one;
        int ok = reader_read(r, ids[i], from, until, &one);
        assert_int_equal(ok, ids[i] <= max);
        same(&one, &many[i]);
        size_t want = one.type == TM_NUMBER ? one.n : 0;
        assert_int_equal(len[i], want);
        for (size_t k = 0; k < want; k++)
            assert_true(run.ts[at[i] + k] == one.ts[k] && run.v[at[i] + k] == one.v[k]);
        if (!unread[i]) { /* the heads answer whole, or not at all */
            nheads++;
            assert_int_equal(hs.c[i].n, want);
            for (size_t k = 0; k < want; k++) assert_true(hs.c[i].ts[k] == one.ts[k] && hs.c[i].v[k] == one.v[k]);
        } else {
            assert_null(hs.c[i].ts); /* and no call for it */
        }
        cols_free(&hs.c[i]);
        cols_free(&one);
        cols_free(&many[i]);
    }
    assert_true(nheads >= min_heads);
    run_free(&run);
    free(hs.c);
    free(unread);
    free(at);
    free(len);
    free(many);
    free(ids);
    store_reader_close(r);
}

static void run_shapes(int memory) {
    int64_t t0 = (now_ms() / 60000 - 60) * 60000;
    tm_store *s = open_store(memory);
    load(s, t0, 0);
    if (!memory) { /* everything persisted, then heads on top of it */
        store_close(s);
        s = open_store(0);
    }
    load(s, t0, 1); /* overwrites (of persisted samples too) and new samples */
    check(s, t0, t0 + 2000 * 1000, 0);
    check(s, t0 + 20 * 1000, t0 + 25 * 1000, 0); /* inside the first chunk */
    check(s, t0 + 1000 * 1000, t0 + 2000 * 1000, 0); /* the tail only */
    /* after everything: nothing closed reaches it, the sorted heads answer */
    check(s, t0 + 5000 * 1000, t0 + 6000 * 1000, NSER / 5);
    store_close(s);
}

static void test_disk(void **st) {
    (void)st;
    run_shapes(0);
}

static void test_memory(void **st) {
    (void)st;
    run_shapes(1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
