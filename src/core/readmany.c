/* readmany.c — many series in one call (store.h: reader_read_many and
 * reader_read_run), the query engine's bulk fetch.
 *
 * Per group of series, two steps:
 *  1. under the read lock (held for GROUP_SERIES series or GROUP_NS at
 *     most, so ingestion waits for one short group, never a whole query):
 *     a series none of whose closed chunks can reach the range
 *     (closed_max < from: every sample of it since is in the head) is
 *     answered straight from its head; any other has its chunks in flight
 *     and its head copied (read_memory), memory before SQLite as read.c
 *     requires.
 *  2. without any store lock (only ids, types and keys are used, which never
 *     change), the copied series read their persisted data, all in one
 *     SQLite read transaction on the reader's own connection, then the
 *     memory copy goes after it and the run is sorted (the last written wins).
 * A head seen in step 1 may be persisted before step 2 reads SQLite: it is
 * then seen twice, and deduplicated. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "merge.h"
#include "store_int.h"

#define GROUP_SERIES 256
#define GROUP_NS (100 * 1000)

/* Where each series' answer goes: c's entries [lo, lo + n), borrowed (a
 * head is only valid under the lock), for the k-th id asked. */
typedef struct {
    void (*put)(void *arg, size_t k, const tm_cols *c, size_t lo, size_t n); /* c NULL: not read */
    void *arg;
    int heads_only; /* a series that needs more than its head is not read */
    int (*full)(void *arg);      /* end the group (and its lock hold) now; NULL: never */
    void (*unlocked)(void *arg); /* after each group's lock is released; NULL: nothing */
} sink;

typedef struct {
    size_t k;
    uint32_t id;
    const char *key;
    int type, sql; /* sql: persisted data may be in the range */
    tm_cols mem;
} deferred;

static int64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* first i with ts[i] > t (after = 1) or ts[i] >= t (after = 0), ts sorted */
static size_t bound(const int64_t *ts, size_t n, int64_t t, int after) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ts[mid] < t || (after && ts[mid] == t)) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Step 1 for one series: 1 when answered from its head, else 0 with d filled. */
static int from_memory(tm_store *s, const tm_series *se, size_t k, int64_t from, int64_t until, const sink *out,
                       deferred *d) {
    if (se->closed_max < from && se->head_sorted) {
        tm_cols h = {.type = se->type};
        if (se->head) head_decode(se->head, se->type, &h);
        size_t lo = bound(h.ts, h.n, from, 0), e = bound(h.ts, h.n, until, 1);
        out->put(out->arg, k, &h, lo, e > lo ? e - lo : 0);
        cols_free(&h);
        return 1;
    }
    if (out->heads_only) {
        out->put(out->arg, k, NULL, 0, 0);
        return 1;
    }
    *d = (deferred){k, se->id, se->key, se->type, se->closed_max >= from, {.type = se->type}};
    size_t cap = 0;
    read_memory(s, se, from, until, &d->mem, &cap);
    return 0;
}

/* Step 2: persisted data first (older writes), then the memory copy. */
static void finish(tm_reader *rd, deferred *d, int64_t from, int64_t until, const sink *out) {
    tm_cols all = {.type = d->type};
    size_t cap = 0;
    if (d->sql) {
        read_persisted(rd, d->id, d->key, d->type, from, until, 1, &all, &cap);
        for (size_t i = 0; i < d->mem.n; i++) cols_append(&all, &cap, &d->mem, i);
        cols_free(&d->mem);
    } else {
        all = d->mem;
    }
    cols_sort_dedup(&all);
    out->put(out->arg, d->k, &all, 0, all.n);
    cols_free(&all);
}

static size_t read_many(tm_reader *rd, const uint32_t *ids, size_t n, int64_t from, int64_t until, const sink *out) {
    tm_store *s = rd->s;
    deferred *d = xmalloc(GROUP_SERIES * sizeof *d);
    size_t found = 0;
    for (size_t at = 0; at < n;) {
        size_t nd = 0, end = at + GROUP_SERIES < n ? at + GROUP_SERIES : n;
        int64_t t0 = mono_ns();
        pthread_rwlock_rdlock(&s->lock);
        for (; at < end; at++) {
            const tm_series *se = catalog_get(&s->cat, ids[at]);
            if (!se) {
                out->put(out->arg, at, &(tm_cols){0}, 0, 0);
                continue;
            }
            found++;
            if (!from_memory(s, se, at, from, until, out, &d[nd])) nd++;
            if ((out->full && out->full(out->arg)) || (at % 32 == 31 && mono_ns() - t0 > GROUP_NS)) {
                at++;
                break;
            }
        }
        pthread_rwlock_unlock(&s->lock);
        if (out->unlocked) out->unlocked(out->arg);
        size_t nsql = 0;
        for (size_t i = 0; i < nd; i++) nsql += d[i].sql;
        /* one snapshot for the group, taken after its memory was copied; a
         * shared connection (--memory) cannot hold a transaction per thread */
        int tx = nsql > 1 && rd->db != s->rdb && sqlite3_exec(rd->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
        for (size_t i = 0; i < nd; i++) finish(rd, &d[i], from, until, out);
        if (tx) sqlite3_exec(rd->db, "COMMIT", NULL, NULL, NULL);
    }
    free(d);
    return found;
}

/* reader_read_many's sink: a copy of each run into out[k]. */
static void put_cols(void *arg, size_t k, const tm_cols *c, size_t lo, size_t n) {
    tm_cols *o = &((tm_cols *)arg)[k];
    memset(o, 0, sizeof *o);
    o->type = c->type;
    if (!n) return;
    cols_alloc(o, c->type, n);
    o->n = n;
    memcpy(o->ts, c->ts + lo, n * sizeof *o->ts);
    if (c->type == TM_STRING) {
        for (size_t i = 0; i < n; i++) o->str[i] = xstrndup(c->str[lo + i], strlen(c->str[lo + i]));
        return;
    }
    memcpy(o->v, c->v + lo, n * sizeof *o->v);
    if (c->v2 && o->v2) memcpy(o->v2, c->v2 + lo, n * sizeof *o->v2);
}

size_t reader_read_many(tm_reader *r, const uint32_t *ids, size_t n, int64_t from, int64_t until, tm_cols *out) {
    sink sk = {put_cols, out, 0, NULL, NULL};
    return read_many(r, ids, n, from, until, &sk);
}

typedef struct {
    tm_run *run;
    size_t *at, *len;
} run_sink;

static void put_run(void *arg, size_t k, const tm_cols *c, size_t lo, size_t n) {
    run_sink *rs = arg;
    tm_run *r = rs->run;
    rs->at[k] = r->n;
    rs->len[k] = c->type != TM_NUMBER ? 0 : n;
    if (c->type != TM_NUMBER) return;
    if (!n) return;
    if (r->n + n > r->cap) {
        r->cap = (r->n + n) * 2 > 1024 ? (r->n + n) * 2 : 1024;
        r->ts = xrealloc(r->ts, r->cap * sizeof *r->ts);
        r->v = xrealloc(r->v, r->cap * sizeof *r->v);
    }
    memcpy(r->ts + r->n, c->ts + lo, n * sizeof *r->ts);
    memcpy(r->v + r->n, c->v + lo, n * sizeof *r->v);
    r->n += n;
}

size_t reader_read_run(tm_reader *r, const uint32_t *ids, size_t n, int64_t from, int64_t until, tm_run *run,
                       size_t *at, size_t *len) {
    run_sink rs = {run, at, len};
    sink sk = {put_run, &rs, 0, NULL, NULL};
    return read_many(r, ids, n, from, until, &sk);
}

/* reader_heads_each's sink: heads are copied (a memcpy is the least the
 * lock can be held for) into a small staging run that is reused group after
 * group, and handed to fn once the lock is released. */
#define STAGE_SAMPLES 4096

typedef struct {
    tm_head_fn fn;
    void *arg;
    uint8_t *unread;
    tm_run run;
    size_t ns, k[GROUP_SERIES], at[GROUP_SERIES], len[GROUP_SERIES];
} each_sink;

static void put_each(void *arg, size_t k, const tm_cols *c, size_t lo, size_t n) {
    each_sink *es = arg;
    es->unread[k] = !c;
    if (!c || c->type != TM_NUMBER) return;
    size_t at[1], len[1];
    run_sink rs = {&es->run, at, len};
    put_run(&rs, 0, c, lo, n);
    es->k[es->ns] = k;
    es->at[es->ns] = at[0];
    es->len[es->ns++] = len[0];
}

static int full_each(void *arg) {
    const each_sink *es = arg;
    return es->run.n >= STAGE_SAMPLES || es->ns == GROUP_SERIES;
}

static void unlocked_each(void *arg) {
    each_sink *es = arg;
    for (size_t i = 0; i < es->ns; i++) {
        const int64_t *ts = es->len[i] ? es->run.ts + es->at[i] : NULL; /* no run yet: only empty heads */
        const double *v = es->len[i] ? es->run.v + es->at[i] : NULL;
        es->fn(es->arg, es->k[i], ts, v, es->len[i]);
    }
    es->ns = es->run.n = 0;
}

size_t reader_heads_each(tm_reader *r, const uint32_t *ids, size_t n, int64_t from, int64_t until, tm_head_fn fn,
                         void *arg, uint8_t *unread) {
    each_sink *es = xcalloc(1, sizeof *es);
    es->fn = fn;
    es->arg = arg;
    es->unread = unread;
    sink sk = {put_each, es, 1, full_each, unlocked_each};
    size_t found = read_many(r, ids, n, from, until, &sk);
    free(es->run.ts);
    free(es->run.v);
    free(es);
    return found;
}
