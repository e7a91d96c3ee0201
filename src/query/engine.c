/* engine.c — the worker pool, queries' lifecycle and bounds (engine.h).
 * Finished queries come back to the loop thread through a pipe the loop
 * watches: libevent is not told about threads, and needs not be. */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../net/loopwait.h"
#include "../util/buf.h"
#include "../util/counters.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "pool.h"
#include "../util/clock.h"

typedef struct qjob {
    struct qjob *next;
    tm_query q;
    tm_query_fn fn, done;
    void *arg;
    /* engine_run's rendezvous */
    pthread_mutex_t *mu;
    pthread_cond_t *cv;
    int *finished;
} qjob;

struct tm_engine {
    tm_store *store;
    tm_index *ix;
    tm_pool *pool;
    tm_bounds b;
    int pipe[2];
    struct event *ev;
    pthread_mutex_t mu; /* guards finished and running */
    pthread_cond_t idle;
    qjob *finished;
    int running;
};


static void *worker_init(void *arg) {
    tm_engine *e = arg;
    char err[256];
    /* queries take the cores ingestion leaves idle: a worker runs at nice 10
     * (Linux schedules threads one by one), so when both compete the loop
     * thread gets about nine tenths of a core */
    if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10)) log_debug("query worker: setpriority failed");
    tm_reader *rd = store_reader_open(e->store, err, sizeof err);
    if (!rd) log_error("query worker: %s", err);
    return rd;
}

static void worker_fini(void *ctx) { store_reader_close(ctx); }

/* The loop's side of the pipe: answer every finished query. */
static void on_done(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    tm_engine *e = arg;
    char b[256];
    while (read(fd, b, sizeof b) > 0) {}
    loop_touch();
    pthread_mutex_lock(&e->mu);
    qjob *list = e->finished;
    e->finished = NULL;
    pthread_mutex_unlock(&e->mu);
    qjob *rev = NULL; /* oldest first */
    while (list) {
        qjob *n = list->next;
        list->next = rev;
        rev = list;
        list = n;
    }
    while (rev) {
        qjob *n = rev->next;
        if (rev->done) rev->done(&rev->q, rev->arg);
        free(rev);
        rev = n;
        pthread_mutex_lock(&e->mu);
        if (--e->running == 0) pthread_cond_broadcast(&e->idle);
        pthread_mutex_unlock(&e->mu);
    }
}

tm_engine *engine_new(tm_store *s, struct event_base *base, int workers, const tm_bounds *b, char *err, size_t errlen) {
    tm_engine *e = xcalloc(1, sizeof *e);
    e->store = s;
    if (b) e->b = *b;
    if (!e->b.max_series) e->b.max_series = 100000;
    if (!e->b.max_points) e->b.max_points = 50u * 1000 * 1000;
    if (!e->b.max_ms) e->b.max_ms = 30000;
    e->pipe[0] = e->pipe[1] = -1;
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->idle, NULL);
    e->ix = index_new();
    if (base) {
        if (pipe(e->pipe)) {
            snprintf(err, errlen, "query engine: pipe: %s", strerror(errno));
            engine_free(e);
            return NULL;
        }
        for (int i = 0; i < 2; i++) fcntl(e->pipe[i], F_SETFL, O_NONBLOCK);
        e->ev = event_new(base, e->pipe[0], EV_READ | EV_PERSIST, on_done, e);
        event_add(e->ev, NULL);
    }
    if (workers <= 0) workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (workers < 1) workers = 1;
    e->pool = pool_new(workers, worker_init, worker_fini, e);
    return e;
}

void engine_free(tm_engine *e) {
    if (!e) return;
    /* queries in flight still need the loop to deliver them; with the loop
     * stopped, run their done callbacks here */
    pthread_mutex_lock(&e->mu);
    while (e->running) {
        pthread_mutex_unlock(&e->mu);
        if (e->ev) on_done(e->pipe[0], 0, e);
        pthread_mutex_lock(&e->mu);
        if (e->running) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 10 * 1000000;
            if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
            pthread_cond_timedwait(&e->idle, &e->mu, &ts);
        }
    }
    pthread_mutex_unlock(&e->mu);
    pool_free(e->pool);
    if (e->ev) event_free(e->ev);
    for (int i = 0; i < 2; i++)
        if (e->pipe[i] >= 0) close(e->pipe[i]);
    index_free(e->ix);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->idle);
    free(e);
}

tm_index *engine_index(tm_engine *e) { return e->ix; }
const tm_bounds *engine_bounds(tm_engine *e) { return &e->b; }

static void run_job(void *ctx, void *arg) {
    qjob *j = arg;
    tm_engine *e = j->q.e;
    j->q.rd = ctx;
    j->q.deadline = mono_ms() + e->b.max_ms;
    if (!ctx) query_fail(&j->q, 503, "query worker has no store reader");
    else {
        index_sync(e->ix, ctx);
        j->fn(&j->q, j->arg);
    }
    if (j->mu) { /* engine_run waits for it */
        pthread_mutex_lock(j->mu);
        *j->finished = 1;
        pthread_cond_signal(j->cv);
        pthread_mutex_unlock(j->mu);
        return;
    }
    pthread_mutex_lock(&e->mu);
    j->next = e->finished;
    e->finished = j;
    pthread_mutex_unlock(&e->mu);
    if (write(e->pipe[1], "x", 1) < 0 && errno != EAGAIN) log_error("query engine: pipe: %s", strerror(errno));
}

static qjob *job_new(tm_engine *e, tm_query_fn fn, tm_query_fn done, void *arg) {
    qjob *j = xcalloc(1, sizeof *j);
    j->q.e = e;
    j->q.store = e->store;
    j->q.ix = e->ix;
    j->q.b = e->b;
    j->q.now = now_ms();
    j->fn = fn;
    j->done = done;
    j->arg = arg;
    return j;
}

void engine_submit(tm_engine *e, tm_query_fn fn, tm_query_fn done, void *arg) {
    count_add(&counters.queries_worker, 1);
    qjob *j = job_new(e, fn, done, arg);
    pthread_mutex_lock(&e->mu);
    e->running++;
    pthread_mutex_unlock(&e->mu);
    pool_push(e->pool, run_job, j);
}

void engine_run(tm_engine *e, tm_query_fn fn, void *arg, tm_query *out) {
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    int finished = 0;
    qjob *j = job_new(e, fn, NULL, arg);
    j->mu = &mu;
    j->cv = &cv;
    j->finished = &finished;
    pool_push(e->pool, run_job, j);
    pthread_mutex_lock(&mu);
    while (!finished) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    *out = j->q;
    out->rd = NULL;
    free(j);
}

/* Nodes a query on the loop thread may look at (index_find_within): a
 * level of a few thousand hosts, or a few hundred nodes answered; 0.2 ms
 * of the loop at the most (a find of 8000 nodes took 1.8 ms). */
#define HERE_BUDGET 4096

int engine_here(tm_engine *e, tm_query_fn fn, void *arg, tm_query *q) {
    size_t gone;
    uint32_t max = store_counts(e->store, &gone);
    if (!index_holds(e->ix, max, gone)) return 0;
    *q = (tm_query){.e = e, .store = e->store, .ix = e->ix, .b = e->b, .now = now_ms(), .budget = HERE_BUDGET};
    q->deadline = mono_ms() + e->b.max_ms;
    fn(q, arg);
    if (!q->elsewhere) count_add(&counters.queries_loop, 1);
    return !q->elsewhere;
}

void query_elsewhere(tm_query *q) { q->elsewhere = 1; }

int query_fail(tm_query *q, int code, const char *fmt, ...) {
    int expect = 0;
    /* the first failure claims the slot; later ones (other workers) are dropped */
    if (!__atomic_compare_exchange_n(&q->code, &expect, -1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->err, sizeof q->err, fmt, ap);
    va_end(ap);
    __atomic_store_n(&q->code, code, __ATOMIC_RELEASE);
    return -1;
}

int query_failed(const tm_query *q) { return __atomic_load_n(&q->code, __ATOMIC_ACQUIRE) != 0; }

int query_check_series(tm_query *q, size_t n) {
    if (n <= q->b.max_series) return 0;
    return query_fail(q, 422, "the query selects %zu series, over the max series bound of %zu: narrow the pattern",
                      n, q->b.max_series);
}

int query_add_points(tm_query *q, size_t n) {
    size_t now = __atomic_add_fetch(&q->points, n, __ATOMIC_RELAXED);
    if (now <= q->b.max_points) return 0;
    return query_fail(q, 422,
                      "the query needs more than %zu points, over the max points bound: use a larger step, "
                      "a shorter range or fewer series",
                      q->b.max_points);
}

void query_release_points(tm_query *q, size_t n) { __atomic_sub_fetch(&q->points, n, __ATOMIC_RELAXED); }

int query_check_time(tm_query *q) {
    if (query_failed(q)) return -1;
    if (mono_ms() <= q->deadline) return 0;
    return query_fail(q, 503, "the query ran past the max seconds bound of %.3g s", (double)q->b.max_ms / 1000);
}

typedef struct {
    tm_query *q;
    void (*body)(tm_query *, tm_reader *, size_t, void *);
    void *arg;
} par;

static void par_item(void *ctx, size_t i, void *arg) {
    par *p = arg;
    if (query_failed(p->q) || !ctx) return;
    p->body(p->q, ctx, i, p->arg);
}

void query_parallel(tm_query *q, size_t n, void (*body)(tm_query *q, tm_reader *rd, size_t i, void *arg), void *arg) {
    par p = {q, body, arg};
    pool_each(q->e->pool, q->rd, n, par_item, &p);
}
