/* test_query.c — the query engine through its headers: selection by glob
 * (tree) and matchers (postings, PCRE2), raw and grid fetch, aggregation,
 * every bound's error, names and deletes in the index, and ingestion going on while a heavy query runs on
 * the workers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/store.h"
#include "query/engine.h"
#include "query/fetch.h"
#include "query/grid.h"
#include "query/matcher.h"
#include "util/timeparse.h"
#include "teststore.h"

static char dir[256];
static tm_store *S;
static tm_engine *E;
static const int64_t T0 = 1700000000000LL; /* a multiple of 10 s */

static tm_store *open_store(int memory) { return test_store(dir, memory, TM_FSYNC_OFF, "10s:100y"); }

static void put(const char *key, int64_t ts, double v) {
    tm_batch b;
    batch_init(&b);
    batch_add_number(&b, key, strlen(key), ts, v);
    assert_int_equal(store_write(S, &b, now_ms()), 1);
    batch_free(&b);
}

static int setup(void **st) {
    (void)st;
    snprintf(dir, sizeof dir, "/tmp/tm-test-query-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    S = open_store(0);
    const char *keys[] = {"a.b.c", "a.b.d", "a.x.c", "b.b.c", "cpu;dc=eu;host=web1", "cpu;dc=us;host=web2",
                          "cpu;dc=eu;host=db1", "mem;host=web1"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        for (int i = 0; i < 6; i++) put(keys[k], T0 + i * 10000, (double)(k * 100 + i));
    char err[256];
    E = engine_new(S, NULL, 2, NULL, err, sizeof err);
    assert_non_null(E);
    return 0;
}

static int teardown(void **st) {
    (void)st;
    engine_free(E);
    store_close(S);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static char *names_of(tm_index *ix, const tm_ids *ids) {
    static char out[1024];
    out[0] = 0;
    for (size_t i = 0; i < ids->n; i++) {
        size_t kl;
        const char *k = index_key(ix, ids->v[i], &kl);
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%.*s", i ? " " : "", (int)kl, k);
    }
    return out;
}

typedef struct {
    const char *glob;
    int with_tags;
    char got[1024];
} glob_arg;

static void do_glob(tm_query *q, void *arg) {
    glob_arg *g = arg;
    tm_ids ids = {0};
    index_glob(q->ix, g->glob, strlen(g->glob), g->with_tags, &ids);
    snprintf(g->got, sizeof g->got, "%s", names_of(q->ix, &ids));
    ids_free(&ids);
}

static const char *glob(const char *pat, int with_tags) {
    static glob_arg g;
    tm_query q;
    g = (glob_arg){pat, with_tags, ""};
    engine_run(E, do_glob, &g, &q);
    assert_int_equal(q.code, 0);
    return g.got;
}

static void test_glob(void **st) {
    (void)st;
    assert_string_equal(glob("a.b.c", 0), "a.b.c");
    assert_string_equal(glob("a.*.c", 0), "a.b.c a.x.c");
    assert_string_equal(glob("*.b.c", 0), "a.b.c b.b.c");
    assert_string_equal(glob("a.{b,x}.[cd]", 0), "a.b.c a.b.d a.x.c");
    assert_string_equal(glob("a.?.c", 0), "a.b.c a.x.c");
    assert_string_equal(glob("a.*", 0), ""); /* never crosses a dot */
    assert_string_equal(glob("cpu", 0), "");  /* Graphite's globs see untagged series only */
    assert_string_equal(glob("cpu", 1), "cpu;dc=eu;host=web1 cpu;dc=us;host=web2 cpu;dc=eu;host=db1");
}

static void test_find(void **st) {
    (void)st;
    tm_index *ix = engine_index(E);
    tm_node *v;
    size_t n = index_find(ix, "a.*", 3, &v);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].path, "a.b");
    assert_true(v[0].branch && !v[0].leaf);
    assert_string_equal(v[1].path, "a.x");
    nodes_free(v, n);
    n = index_find(ix, "a.b.*", 5, &v);
    assert_int_equal(n, 2);
    assert_string_equal(v[1].path, "a.b.d");
    assert_true(v[1].leaf && !v[1].branch);
    nodes_free(v, n);
    char **t;
    n = index_tag_keys(ix, &t);
    assert_int_equal(n, 2);
    assert_string_equal(t[0], "dc");
    assert_string_equal(t[1], "host");
    strs_free(t, n);
    n = index_tag_values(ix, "host", &t);
    assert_int_equal(n, 3);
    assert_string_equal(t[0], "db1");
    strs_free(t, n);
}

typedef struct {
    const char *spec[4]; /* "name op value" with op one of = != =~ !~ */
    int full;
    char got[1024];
    char err[256];
} match_arg;

static void do_match(tm_query *q, void *arg) {
    match_arg *a = arg;
    tm_matcher m[4];
    size_t n = 0;
    for (; n < 4 && a->spec[n]; n++) {
        const char *s = a->spec[n], *op = strpbrk(s, "=!");
        int kind = op[0] == '!' ? (op[1] == '~' ? MT_NRE : MT_NE) : (op[1] == '~' ? MT_RE : MT_EQ);
        const char *val = op + (kind == MT_EQ ? 1 : 2);
        if (matcher_init(&m[n], s, (size_t)(op - s), kind, val, strlen(val), a->full, a->err, sizeof a->err)) {
            for (size_t i = 0; i < n; i++) matcher_free(&m[i]);
            return;
        }
    }
    tm_ids ids = {0};
    select_matchers(q->ix, m, n, &ids);
    snprintf(a->got, sizeof a->got, "%s", names_of(q->ix, &ids));
    ids_free(&ids);
    for (size_t i = 0; i < n; i++) matcher_free(&m[i]);
}

static const char *sel(int full, const char *a, const char *b, const char *c) {
    static match_arg x;
    x = (match_arg){{a, b, c, NULL}, full, "", ""};
    tm_query q;
    engine_run(E, do_match, &x, &q);
    return x.err[0] ? x.err : x.got;
}

static void test_matchers(void **st) {
    (void)st;
    assert_string_equal(sel(1, "host=web1", NULL, NULL), "cpu;dc=eu;host=web1 mem;host=web1");
    assert_string_equal(sel(1, "__name__=cpu", "dc!=eu", NULL), "cpu;dc=us;host=web2");
    assert_string_equal(sel(1, "__name__=cpu", "host=~web.*", NULL), "cpu;dc=eu;host=web1 cpu;dc=us;host=web2");
    assert_string_equal(sel(1, "host=~web", NULL, NULL), "");                 /* PromQL: anchored at both ends */
    assert_string_equal(sel(0, "host=~web", NULL, NULL), "cpu;dc=eu;host=web1 cpu;dc=us;host=web2 mem;host=web1");
    assert_string_equal(sel(1, "__name__=~a\\.b\\..*", NULL, NULL), "a.b.c a.b.d");
    assert_string_equal(sel(1, "__name__=mem", "dc!~eu", NULL), "mem;host=web1"); /* no dc: "" */
    assert_string_equal(sel(1, "__name__=cpu", "dc!~e.", "host!=db1"), "cpu;dc=us;host=web2");
    assert_string_equal(sel(1, "dc=~.*", "host=db1", NULL), "cpu;dc=eu;host=db1");
    assert_non_null(strstr(sel(1, "host=~(web", NULL, NULL), "bad regex"));
}

typedef struct {
    const char *glob;
    int64_t from, until, step;
    size_t n;
    tm_raw raw;
    tm_sset set;
    tm_gser sum;
} fetch_arg;

static void do_fetch(tm_query *q, void *arg) {
    fetch_arg *a = arg;
    tm_ids ids = {0};
    index_glob(q->ix, a->glob, strlen(a->glob), 1, &ids);
    if (!fetch_raw(q, &ids, a->from, a->until, &a->raw) && a->step &&
        !fetch_grid(q, &ids, a->from, a->step, a->n, AGG_AVG, &a->set)) {
        tm_sset one = {0};
        tm_gser *g = sset_add(&one, "sum", "sum", a->from, a->step, a->n);
        tm_gser **in = malloc(a->set.n * sizeof *in);
        for (size_t i = 0; i < a->set.n; i++) in[i] = &a->set.s[i];
        grid_aggregate(in, a->set.n, AGG_SUM, g);
        free(in);
        a->sum = *g;
        free(one.s);
    }
    ids_free(&ids);
}

static void test_fetch(void **st) {
    (void)st;
    fetch_arg a = {.glob = "a.*.c", .from = T0 + 20000, .until = T0 + 50000, .step = 20000, .n = 2};
    tm_query q;
    engine_run(E, do_fetch, &a, &q);
    assert_int_equal(q.code, 0);
    assert_int_equal(a.raw.n, 2);
    assert_int_equal(a.raw.len[0], 4); /* 20..50 s: 4 samples each */
    assert_int_equal(a.raw.len[1], 4);
    assert_int_equal(a.raw.points, 8);
    assert_true(a.raw.ts[0][0] == T0 + 20000 && a.raw.v[0][0] == 2);
    assert_true(a.raw.ts[1][3] == T0 + 50000 && a.raw.v[1][3] == 205);
    /* grid: [20,40) avg(2,3)=2.5 and [40,60) avg(4,5)=4.5; a.x.c is 200 more */
    assert_int_equal(a.set.n, 2);
    assert_true(a.set.s[0].v[0] == 2.5 && a.set.s[0].v[1] == 4.5);
    assert_string_equal(a.set.s[1].name, "a.x.c");
    assert_true(a.sum.v[0] == 2.5 + 202.5 && a.sum.v[1] == 4.5 + 204.5);
    raw_free(NULL, &a.raw);
    sset_free(&a.set);
    gser_free(&a.sum);
    /* a grid wider than the data: NaN where nothing is */
    a = (fetch_arg){.glob = "b.b.c", .from = T0 - 20000, .until = T0, .step = 10000, .n = 4};
    engine_run(E, do_fetch, &a, &q);
    assert_true(isnan(a.set.s[0].v[0]) && isnan(a.set.s[0].v[1]) && a.set.s[0].v[2] == 300 && a.set.s[0].v[3] == 301);
    assert_true(isnan(a.sum.v[0]) && a.sum.v[3] == 301);
    raw_free(NULL, &a.raw);
    sset_free(&a.set);
    gser_free(&a.sum);
}

static void test_aggregates(void **st) {
    (void)st;
    double v[] = {3, NAN, 1, 2};
    assert_true(agg_values(v, 4, AGG_SUM) == 6);
    assert_true(agg_values(v, 4, AGG_AVG) == 2);
    assert_true(agg_values(v, 4, AGG_MEDIAN) == 2);
    assert_true(agg_values(v, 4, AGG_COUNT) == 3);
    assert_true(agg_values(v, 4, AGG_LAST) == 2);
    assert_true(agg_values(v, 4, AGG_RANGE) == 2);
    assert_true(agg_values(v, 4, AGG_DIFF) == 0);
    assert_true(isnan(agg_values(v + 1, 1, AGG_SUM)));
    assert_int_equal(agg_parse("total", 5), AGG_SUM);
    assert_int_equal(agg_parse("nope", 4), -1);
}

/* a query that outlives a 1 ms bound: the next check fails it */
static void slow(tm_query *q, void *arg) {
    (void)arg;
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
    query_check_time(q);
}

static void test_bounds(void **st) {
    (void)st;
    char err[256];
    tm_bounds b = {.max_series = 2};
    tm_engine *e = engine_new(S, NULL, 1, &b, err, sizeof err);
    fetch_arg a = {.glob = "a.*.*", .from = T0, .until = T0 + 60000};
    tm_query q;
    engine_run(e, do_fetch, &a, &q);
    assert_int_equal(q.code, 422);
    assert_non_null(strstr(q.err, "max series"));
    raw_free(NULL, &a.raw);
    engine_free(e);

    b = (tm_bounds){.max_points = 5};
    e = engine_new(S, NULL, 1, &b, err, sizeof err);
    a = (fetch_arg){.glob = "a.b.c", .from = T0, .until = T0 + 60000};
    engine_run(e, do_fetch, &a, &q);
    assert_int_equal(q.code, 422);
    assert_non_null(strstr(q.err, "max points"));
    raw_free(NULL, &a.raw);
    engine_free(e);

    b = (tm_bounds){.max_ms = 1};
    e = engine_new(S, NULL, 1, &b, err, sizeof err);
    engine_run(e, slow, NULL, &q);
    assert_int_equal(q.code, 503);
    assert_non_null(strstr(q.err, "max seconds"));
    engine_free(e);
}

/* Ingestion while a heavy query runs: the loop thread (here: this thread)
 * keeps writing while two workers read every series, round after round.
 * Each write waits at most for one series' read per worker (the store's
 * read lock is per series and prefers the writer), so writes complete while
 * a round is in flight; and every round sees each series whole. Counts are
 * bounded (rounds and writes), not timed, and asserted on this thread. */
#define HEAVY_SERIES 400
#define HEAVY_POINTS 2000
#define HEAVY_WRITES 20000
static int heavy_stop, heavy_in_round, heavy_rounds, heavy_bad, heavy_rc;

static void do_heavy(tm_query *q, void *arg) {
    (void)arg;
    tm_ids ids = {0};
    index_glob(q->ix, "heavy.*", 7, 0, &ids);
    for (int r = 0; r < 1000 && !__atomic_load_n(&heavy_stop, __ATOMIC_ACQUIRE); r++) {
        tm_raw raw;
        q->deadline = INT64_MAX; /* rounds until told: the bound is not under test here */
        __atomic_store_n(&heavy_in_round, 1, __ATOMIC_RELEASE);
        int rc = fetch_raw(q, &ids, T0, T0 + HEAVY_POINTS * 10000LL, &raw);
        __atomic_store_n(&heavy_in_round, 0, __ATOMIC_RELEASE);
        if (rc) {
            heavy_rc = q->code;
            raw_free(q, &raw);
            break;
        }
        if (raw.n != HEAVY_SERIES) heavy_bad++;
        for (size_t i = 0; i < raw.n; i++) /* every series whole: at least its first 2000 points */
            if (raw.len[i] < HEAVY_POINTS) heavy_bad++;
        raw_free(q, &raw);
        __atomic_add_fetch(&heavy_rounds, 1, __ATOMIC_RELEASE);
    }
    ids_free(&ids);
}

static void *heavy_thread(void *arg) {
    tm_query q;
    engine_run(arg, do_heavy, NULL, &q);
    return NULL;
}

static void test_ingest_during_heavy_query(void **st) {
    (void)st;
    tm_batch b;
    batch_init(&b);
    char key[64];
    for (int s = 0; s < HEAVY_SERIES; s++) {
        snprintf(key, sizeof key, "heavy.s%d", s);
        for (int i = 0; i < HEAVY_POINTS; i++) batch_add_number(&b, key, strlen(key), T0 + i * 10000LL, i);
    }
    store_write(S, &b, now_ms());
    pthread_t t;
    pthread_create(&t, NULL, heavy_thread, E);
    while (!__atomic_load_n(&heavy_rounds, __ATOMIC_ACQUIRE) && !heavy_rc) sched_yield(); /* one round done */
    /* and the next begun: on a loaded machine the reader may wait for a CPU
     * between rounds long enough for every write to pass outside any round */
    while (!__atomic_load_n(&heavy_in_round, __ATOMIC_ACQUIRE) && !heavy_rc &&
           __atomic_load_n(&heavy_rounds, __ATOMIC_ACQUIRE) < 1000)
        sched_yield();
    long during = 0;
    for (int i = 0; i < HEAVY_WRITES; i++) {
        snprintf(key, sizeof key, "heavy.s%d", i % HEAVY_SERIES);
        batch_reset(&b);
        batch_add_number(&b, key, strlen(key), T0 + (HEAVY_POINTS + i) * 10000LL, i);
        int before = __atomic_load_n(&heavy_in_round, __ATOMIC_ACQUIRE);
        assert_int_equal(store_write(S, &b, now_ms()), 1);
        during += before && __atomic_load_n(&heavy_in_round, __ATOMIC_ACQUIRE);
    }
    __atomic_store_n(&heavy_stop, 1, __ATOMIC_RELEASE);
    pthread_join(t, NULL);
    batch_free(&b);
    print_message("%d heavy rounds; %ld of %d writes completed inside a round\n", heavy_rounds, during, HEAVY_WRITES);
    assert_int_equal(heavy_rc, 0);
    assert_int_equal(heavy_bad, 0);
    /* a round reads 800000 samples; a stalled writer would finish its writes
     * between rounds only */
    assert_true(during >= HEAVY_WRITES / 10);
}

/* A node's children are walked while few and hashed from the 16th on:
 * every one stays found across the switch, by literal and by pattern. */
static void test_wide_node(void **st) {
    (void)st;
    char key[32];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "wide.k%02d", i);
        put(key, T0, i);
        if (i == 3 || i == 15 || i == 16 || i == 39) /* before, at and after the switch */
            for (int j = 0; j <= i; j++) {
                snprintf(key, sizeof key, "wide.k%02d", j);
                assert_string_equal(glob(key, 0), key);
            }
    }
    assert_string_equal(glob("wide.k3?", 0),
                        "wide.k30 wide.k31 wide.k32 wide.k33 wide.k34 wide.k35 wide.k36 wide.k37 wide.k38 wide.k39");
    assert_string_equal(glob("wide.k40", 0), "");
    tm_node *v;
    size_t n = index_find(engine_index(E), "wide.*", 6, &v);
    assert_int_equal(n, 40);
    assert_string_equal(v[39].path, "wide.k39");
    nodes_free(v, n);
}

typedef struct {
    int ran, give_up;
    size_t budget, found;
} here_arg;

static void do_here(tm_query *q, void *arg) {
    here_arg *h = arg;
    h->ran++;
    h->budget = q->budget;
    assert_null(q->rd); /* the loop thread has no reader: the index alone */
    tm_node *v;
    h->found = index_find_within(q->ix, "wide.*", 6, q->budget, &v);
    if (h->found != SIZE_MAX) nodes_free(v, h->found); /* given up on too: found, then handed on */
    if (h->found == SIZE_MAX || h->give_up) query_elsewhere(q);
}

/* A find on the loop thread: only once the index holds every series the
 * store has (a series just written sends it to a worker, which syncs), and
 * within its budget of nodes; a walk past the budget gives up, with nothing
 * half-answered. */
static void test_find_here(void **st) {
    (void)st;
    tm_index *ix = engine_index(E);
    glob("wide.*", 0); /* a worker's query: the index is synced */
    here_arg h = {0};
    tm_query q;
    assert_int_equal(engine_here(E, do_here, &h, &q), 1);
    assert_int_equal(h.ran, 1);
    assert_true(h.budget > 0);
    assert_int_equal(h.found, 40);
    put("wide.k40", T0, 1); /* stored, not yet indexed */
    h = (here_arg){0};
    assert_int_equal(engine_here(E, do_here, &h, &q), 0);
    assert_int_equal(h.ran, 0);
    glob("wide.k40", 0);
    assert_int_equal(engine_here(E, do_here, &h, &q), 1);
    assert_int_equal(h.found, 41);
    h = (here_arg){.give_up = 1};
    assert_int_equal(engine_here(E, do_here, &h, &q), 0);
    assert_int_equal(h.ran, 1);

    tm_node *v, *w;
    assert_int_equal(index_find_within(ix, "wide.*", 6, 20, &v), SIZE_MAX); /* 41 children */
    assert_null(v);
    assert_int_equal(index_find_within(ix, "wide.k0?", 8, 20, &v), SIZE_MAX); /* looked at, though not matched */
    size_t n = index_find_within(ix, "wide.*", 6, 1000, &v), m = index_find(ix, "wide.*", 6, &w);
    assert_int_equal(n, 41);
    assert_int_equal(m, 41);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(v[i].path, w[i].path);
        assert_int_equal(v[i].len, strlen(v[i].path));
        assert_string_equal(v[i].path + v[i].name, strrchr(v[i].path, '.') + 1);
    }
    assert_string_equal(v[40].path, "wide.k40");
    nodes_free(v, n);
    nodes_free(w, m);
    n = index_find_within(ix, "a", 1, 100, &v); /* a literal: one lookup */
    assert_int_equal(n, 1);
    assert_string_equal(v[0].path, "a");
    assert_int_equal(v[0].name, 0);
    nodes_free(v, n);
}

typedef struct {
    const char *glob;
    size_t n;
    char got[4096];
} find_arg;

static void do_find(tm_query *q, void *arg) {
    find_arg *f = arg;
    tm_node *v;
    f->n = index_find_within(q->ix, f->glob, strlen(f->glob), q->budget, &v);
    f->got[0] = 0;
    if (f->n == SIZE_MAX) {
        query_elsewhere(q);
        return;
    }
    for (size_t i = 0; i < f->n; i++)
        snprintf(f->got + strlen(f->got), sizeof f->got - strlen(f->got), "%s%s", i ? " " : "", v[i].path);
    nodes_free(v, f->n);
}

/* A find on a worker, then on the "loop" (this thread): both answers. */
static void find_both(const char *pat, char *worker, char *loop, size_t cap) {
    find_arg f = {pat, 0, ""};
    tm_query q;
    engine_run(E, do_find, &f, &q);
    snprintf(worker, cap, "%s", f.got);
    f = (find_arg){pat, 0, ""};
    assert_int_equal(engine_here(E, do_find, &f, &q), 1);
    snprintf(loop, cap, "%s", f.got);
}

/* A wide node's children in segment order (kidsort.c): a segment with a
 * literal prefix visits that prefix's range only, and answers as the walk
 * over every child does, from a worker (which sorts) and from the loop
 * (which uses an order that is there, and hands a find to a worker while
 * the order is stale), before and after a new child. */
static void test_kid_order(void **st) {
    (void)st;
    char key[32], w[4096], l[4096];
    for (int i = 0; i < 300; i++) { /* not in order: 7 is prime to 300 */
        snprintf(key, sizeof key, "ord.k%03d", i * 7 % 300);
        put(key, T0, i);
    }
    put("ord.k", T0, 1);  /* shorter than the prefixes below */
    put("ord.k1", T0, 1); /* a prefix of its siblings */
    find_both("ord.k1*", w, l, sizeof w);
    assert_true(!strncmp(w, "ord.k1 ord.k100 ord.k101 ", 25));
    assert_string_equal(w + strlen(w) - 8, "ord.k199");
    assert_string_equal(l, w);
    find_both("ord.k15?", w, l, sizeof w);
    assert_string_equal(w, "ord.k150 ord.k151 ord.k152 ord.k153 ord.k154 ord.k155 ord.k156 ord.k157 ord.k158 ord.k159");
    assert_string_equal(l, w);
    find_both("ord.k2[89]9", w, l, sizeof w);
    assert_string_equal(w, "ord.k289 ord.k299");
    assert_string_equal(l, w);
    find_both("ord.x*", w, l, sizeof w);
    assert_string_equal(w, "");
    assert_string_equal(l, w);
    find_both("ord.*", w, l, sizeof w); /* no prefix: every child */
    assert_true(!strncmp(w, "ord.k ord.k000 ord.k001", 23));
    put("ord.k1zz", T0, 1); /* the node's order is stale now */
    assert_string_equal(glob("ord.k1zz", 0), "ord.k1zz"); /* synced, by a literal: not sorted again */
    find_arg f = {"ord.k1*", 0, ""};
    tm_query q;
    assert_int_equal(engine_here(E, do_find, &f, &q), 0); /* not on the loop: a worker sorts it again */
    find_both("ord.k1*", w, l, sizeof w);
    assert_string_equal(w + strlen(w) - 17, "ord.k199 ord.k1zz");
    assert_string_equal(l, w);
    find_both("ord.k1z*", w, l, sizeof w);
    assert_string_equal(w, "ord.k1zz");
    assert_string_equal(l, w);
}

static void do_names(tm_query *q, void *arg) {
    char *out = arg, **v;
    size_t n = index_tag_values(q->ix, "__name__", &v);
    out[0] = 0;
    for (size_t i = 0; i < n; i++)
        if (!strncmp(v[i], "nm.", 3)) snprintf(out + strlen(out), 1024 - strlen(out), "%s%s", *out ? " " : "", v[i]);
    strs_free(v, n);
}

static const char *names(void) {
    static char out[1024];
    tm_query q;
    engine_run(E, do_names, out, &q);
    return out;
}

static void forget(const char *key) {
    tm_series_info in;
    assert_true(store_find(S, key, strlen(key), &in));
    assert_int_equal(store_delete(S, &in.id, 1), 1);
}

/* A name's series are kept in place while it has one and in a shared set
 * from the second on: both ways out again through deletes, and "__name__"
 * (answered from the tree) lists only names that still have series. */
static void test_names_and_deletes(void **st) {
    (void)st;
    const char *keys[] = {"nm.one", "nm.two;host=x1", "nm.two;host=x2", "nm.two;host=x3", "nm.x.y"};
    for (size_t k = 0; k < 5; k++) put(keys[k], T0, 1);
    assert_string_equal(names(), "nm.one nm.two nm.x.y");
    assert_string_equal(sel(1, "__name__=nm.two", NULL, NULL), "nm.two;host=x1 nm.two;host=x2 nm.two;host=x3");
    assert_string_equal(sel(1, "__name__=~nm\\..*", "host=~x[12]", NULL), "nm.two;host=x1 nm.two;host=x2");
    forget("nm.two;host=x1");
    forget("nm.two;host=x3");
    assert_string_equal(sel(1, "__name__=nm.two", NULL, NULL), "nm.two;host=x2");
    assert_string_equal(sel(1, "host=x3", NULL, NULL), "");
    forget("nm.two;host=x2");
    forget("nm.one");
    here_arg h = {0};
    tm_query q;
    assert_int_equal(engine_here(E, do_here, &h, &q), 0); /* a delete not yet taken out: to a worker */
    assert_int_equal(h.ran, 0);
    assert_string_equal(sel(1, "__name__=nm.two", NULL, NULL), "");
    assert_int_equal(engine_here(E, do_here, &h, &q), 1);
    assert_string_equal(names(), "nm.x.y");
    assert_string_equal(glob("nm.*", 0), ""); /* nm.one is gone; nm.x and nm.two name no untagged series */
    assert_string_equal(glob("nm.*.y", 0), "nm.x.y");
    put("nm.two;host=x4", T0, 1); /* a new series under the name again */
    assert_string_equal(sel(1, "__name__=nm.two", NULL, NULL), "nm.two;host=x4");
    assert_string_equal(names(), "nm.two nm.x.y");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),       cmocka_unit_test(test_find),
        cmocka_unit_test(test_matchers),   cmocka_unit_test(test_fetch),
        cmocka_unit_test(test_aggregates), cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_ingest_during_heavy_query),
        cmocka_unit_test(test_wide_node),
        cmocka_unit_test(test_find_here), /* after test_wide_node: its 40 children */
        cmocka_unit_test(test_kid_order),
        cmocka_unit_test(test_names_and_deletes), /* last: it deletes */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
