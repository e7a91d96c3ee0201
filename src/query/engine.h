/* engine.h — where queries run: off the ingest loop, on a small worker
 * pool, each worker reading the store through its own reader (store.h:
 * per series under the store's read lock, so ingestion goes on between any
 * two series a query reads, and a heavy query spreads its fetch over every
 * worker with query_parallel).
 *
 * A front end (Graphite render, PromQL, the JSON API, alerts) parses on the
 * loop thread, then engine_submit(fn, done): fn(q) runs on a worker (select,
 * fetch, evaluate, encode into its own buffer), done(q) runs back on the
 * loop thread to send the answer. Every query is bounded: series selected,
 * points held, wall time; the first bound hit fails the query with a message
 * naming it (q->code 422 for series and points, 503 for time). */
#ifndef TM_ENGINE_H
#define TM_ENGINE_H
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/store.h"
#include "index.h"

typedef struct {
    size_t max_series;  /* series one query may select (0: 100000) */
    size_t max_points;  /* samples or grid points one query may hold at once (0: 50 million) */
    int64_t max_ms;     /* wall time (0: 30 s) */
} tm_bounds;

typedef struct tm_engine tm_engine;

typedef struct tm_query {
    tm_engine *e;
    tm_store *store;
    tm_reader *rd;      /* the running worker's */
    tm_index *ix;       /* synced when fn starts */
    tm_bounds b;
    int64_t now;        /* wall clock at the start, ms */
    int64_t deadline;   /* monotonic ms */
    size_t points;      /* held now (query_add_points / query_release_points) */
    int code;           /* 0, or the HTTP status of the failure */
    size_t budget;      /* engine_here: index nodes fn may look at; 0 on a worker (no bound) */
    int elsewhere;      /* engine_here: fn gave up (query_elsewhere) */
    char err[256];
} tm_query;

typedef void (*tm_query_fn)(tm_query *q, void *arg);

/* workers <= 0: one per core. base may be NULL when only engine_run is used. */
tm_engine *engine_new(tm_store *s, struct event_base *base, int workers, const tm_bounds *b, char *err, size_t errlen);
/* Waits for the queries running, then stops the workers (before store_close). */
void engine_free(tm_engine *e);
tm_index *engine_index(tm_engine *e);
const tm_bounds *engine_bounds(tm_engine *e);

/* fn(q, arg) on a worker, then done(q, arg) on base's loop thread; q is
 * freed after done returns. */
void engine_submit(tm_engine *e, tm_query_fn fn, tm_query_fn done, void *arg);
/* A small index lookup (/metrics/find) right here on the loop thread,
 * without the two thread hand-offs: fn(q, arg) with q->rd NULL and
 * q->budget set, when the index already holds every series the store has
 * (series come only from the loop thread, so none arrive meanwhile) and no
 * sync is writing it. fn reads only the index, within q->budget nodes
 * (index_find_within), and calls query_elsewhere(q) when that is not
 * enough. Returns 1 when fn answered; 0 when it did not run or gave up:
 * then submit it (a "*.*.*" over a million series runs on a worker, and
 * the loop goes back to ingestion after a few thousand nodes at most). */
int engine_here(tm_engine *e, tm_query_fn fn, void *arg, tm_query *q);
void query_elsewhere(tm_query *q);
/* fn(q, arg) on a worker while the caller waits (any thread but a worker:
 * tests, subcommands); *out gets the query's final state. */
void engine_run(tm_engine *e, tm_query_fn fn, void *arg, tm_query *out);

/* Fail the query; the first failure sticks. Returns -1. Thread-safe. */
int query_fail(tm_query *q, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int query_failed(const tm_query *q);
/* Bounds: each returns 0, or fails q naming the bound and returns -1. */
int query_check_series(tm_query *q, size_t n);
int query_add_points(tm_query *q, size_t n);
void query_release_points(tm_query *q, size_t n);
int query_check_time(tm_query *q);
/* body(q, rd, i, arg) for i in [0, n) on every worker at once (this one
 * too); rd is the reader of the worker running that i. Stops starting new
 * items once q failed. */
void query_parallel(tm_query *q, size_t n, void (*body)(tm_query *q, tm_reader *rd, size_t i, void *arg), void *arg);
#endif
