/* readmany.c — many series in one call (store.h: reader_read_many,
 * reader_read_run, reader_heads_each), the query engine's bulk fetch.
 *
 * Per group of series, two steps:
 *  1. under the read lock (held for GROUP_SERIES series, STAGE_BYTES of
 *     heads or GROUP_NS at most, so ingestion waits for one short group,
 *     never a whole query), memory is copied and nothing else is done: a
 *     series none of whose closed chunks can reach the range (closed_max <
 *     from: every sample of it since is in the head) has its encoded head
 *     copied as it is (head.h: about 3 bytes a sample) into a staging
 *     buffer reused group after group; any other has its chunks in flight
 *     and its head copied (read_memory), memory before SQLite as read.c
 *     requires.
 *  2. without any store lock (only ids, types and keys are used, which never
 *     change), staged heads are decoded and handed over; the other series
 *     read their persisted data, all in one SQLite read transaction on the
 *     reader's own connection, then the memory copy goes after it and the
 *     run is sorted (the last written wins).
 * A head seen in step 1 may be persisted before step 2 reads SQLite: it is
 * then seen twice, and deduplicated. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/reuse.h"
#include "merge.h"
#include "store_int.h"
#include "../util/clock.h"

#define GROUP_SERIES 256
#define GROUP_NS (100 * 1000)
#define STAGE_BYTES (64 * 1024)

/* Where each series' answer goes: c's entries [lo, lo + n), borrowed (valid
 * during the call), for the k-th id asked; always called without the lock. */
typedef struct {
    void (*put)(void *arg, size_t k, const tm_cols *c, size_t lo, size_t n); /* c NULL: not read */
    void (*reserve)(void *arg, size_t n); /* NULL, or: about n more samples are coming */
    void *arg;
    int heads_only; /* a series that needs more than its head is not read */
} sink;

/* Encoded heads copied under the lock, decoded after it. */
typedef struct {
    uint8_t *p;
    size_t n, cap;
    size_t count, k[GROUP_SERIES], off[GROUP_SERIES]; /* off SIZE_MAX: an empty head */
    int type[GROUP_SERIES];
    size_t samples; /* in the staged heads */
    /* number heads decode here, series after series (no allocation each) */
    int64_t *ts;
    double *v;
    size_t room;
} staging;

static void stage_head(staging *st, size_t k, const tm_series *se) {
    size_t i = st->count++, len = se->head ? sizeof *se->head + se->head->len : 0;
    st->k[i] = k;
    st->type[i] = se->type;
    st->off[i] = len ? st->n : SIZE_MAX;
    if (!len) return;
    if (st->n + len > st->cap) {
        st->cap = (st->n + len) * 2;
        st->p = xrealloc(st->p, st->cap);
    }
    memcpy(st->p + st->n, se->head, len);
    st->n += (len + 7) & ~(size_t)7; /* the next head starts aligned for its header */
    st->samples += se->head->n;
}

/* Step 2 for the staged heads: each decoded, cut to the range, handed over. */
static void unstage(staging *st, int64_t from, int64_t until, const sink *out);

typedef struct {
    size_t k;
    uint32_t id;
    const char *key;
    int type, sql; /* sql: persisted data may be in the range */
    tm_cols mem;
} deferred;


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
                       staging *st, deferred *d) {
    if (se->closed_max < from && se->head_sorted) {
        stage_head(st, k, se);
        return 1;
    }
    if (out->heads_only) {
        st->k[st->count] = k;
        st->type[st->count] = -1; /* not read */
        st->off[st->count++] = SIZE_MAX;
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

/* One staged head decoded: a number head into the staging's reused arrays
 * (h borrows them), any other allocated (h owns it: *owned). */
static void decode_staged(staging *st, size_t i, tm_cols *h, int *owned) {
    const tm_head *hd = st->off[i] != SIZE_MAX ? (const tm_head *)(st->p + st->off[i]) : NULL;
    *h = (tm_cols){.type = st->type[i]};
    *owned = 0;
    if (!hd) return;
    if (st->type[i] != TM_NUMBER) {
        head_decode(hd, st->type[i], h);
        *owned = 1;
        return;
    }
    if (hd->n > st->room) {
        st->room = (size_t)hd->n * 2;
        st->ts = xrealloc(st->ts, st->room * sizeof *st->ts);
        st->v = xrealloc(st->v, st->room * sizeof *st->v);
    }
    head_decode_numbers(hd, st->ts, st->v);
    h->ts = st->ts, h->v = st->v, h->n = hd->n;
}

static void unstage(staging *st, int64_t from, int64_t until, const sink *out) {
    if (out->reserve) out->reserve(out->arg, st->samples);
    for (size_t i = 0; i < st->count; i++) {
        if (st->type[i] < 0) {
            out->put(out->arg, st->k[i], NULL, 0, 0);
            continue;
        }
        tm_cols h;
        int owned;
        decode_staged(st, i, &h, &owned);
        size_t lo = bound(h.ts, h.n, from, 0), e = bound(h.ts, h.n, until, 1);
        out->put(out->arg, st->k[i], &h, lo, e > lo ? e - lo : 0);
        if (owned) cols_free(&h);
    }
    st->count = st->n = st->samples = 0;
}

static size_t read_many(tm_reader *rd, const uint32_t *ids, size_t n, int64_t from, int64_t until, const sink *out) {
    tm_store *s = rd->s;
    read_begin(rd);
    deferred *d = xmalloc(GROUP_SERIES * sizeof *d);
    staging *st = xcalloc(1, sizeof *st);
    size_t found = 0;
    for (size_t at = 0; at < n;) {
        size_t nd = 0, end = at + GROUP_SERIES < n ? at + GROUP_SERIES : n;
        int64_t t0 = mono_ns();
        pthread_rwlock_rdlock(&s->lock);
        for (; at < end; at++) {
            const tm_series *se = catalog_get(&s->cat, ids[at]);
            if (!se) { /* nothing to read: an empty run */
                st->k[st->count] = at;
                st->type[st->count] = TM_NUMBER;
                st->off[st->count++] = SIZE_MAX;
                continue;
            }
            found++;
            if (!from_memory(s, se, at, from, until, out, st, &d[nd])) nd++;
            if (st->n >= STAGE_BYTES || (at % 32 == 31 && mono_ns() - t0 > GROUP_NS)) {
                at++;
                break;
            }
        }
        pthread_rwlock_unlock(&s->lock);
        unstage(st, from, until, out);
        size_t nsql = 0;
        for (size_t i = 0; i < nd; i++) nsql += d[i].sql;
        /* one snapshot for the group, taken after its memory was copied; a
         * shared connection (--memory) cannot hold a transaction per thread */
        int tx = nsql > 1 && rd->db != s->rdb && sqlite3_exec(rd->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
        for (size_t i = 0; i < nd; i++) finish(rd, &d[i], from, until, out);
        if (tx) sqlite3_exec(rd->db, "COMMIT", NULL, NULL, NULL);
    }
    free(d);
    free(st->p);
    free(st->ts);
    free(st->v);
    free(st);
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
    sink sk = {put_cols, NULL, out, 0};
    return read_many(r, ids, n, from, until, &sk);
}

typedef struct {
    tm_run *run;
    size_t *at, *len;
} run_sink;

/* Runs live in reuse.h's blocks: a query's samples are most of what it
 * holds, and the next query's runs take them over already mapped. */
static void run_room(tm_run *r, size_t need) {
    size_t bytes, bv;
    int64_t *ts = reuse_get(need * sizeof *ts, &bytes);
    double *v = reuse_get(need * sizeof *v, &bv);
    if (r->n) memcpy(ts, r->ts, r->n * sizeof *ts), memcpy(v, r->v, r->n * sizeof *v);
    run_free(r);
    r->ts = ts, r->v = v;
    r->cap = bytes / sizeof *ts; /* both blocks of one size */
}

void run_free(tm_run *r) {
    reuse_put(r->ts, r->cap * sizeof *r->ts);
    reuse_put(r->v, r->cap * sizeof *r->v);
    r->ts = NULL, r->v = NULL, r->cap = 0;
}

/* a group's heads are about to come: room for all of them at once */
static void reserve_run(void *arg, size_t n) {
    tm_run *r = ((run_sink *)arg)->run;
    if (r->n + n > r->cap) run_room(r, r->n + n);
}

static void put_run(void *arg, size_t k, const tm_cols *c, size_t lo, size_t n) {
    run_sink *rs = arg;
    tm_run *r = rs->run;
    rs->at[k] = r->n;
    rs->len[k] = c->type != TM_NUMBER ? 0 : n;
    if (c->type != TM_NUMBER) return;
    if (!n) return;
    if (r->n + n > r->cap) run_room(r, (r->n + n) * 2); /* reserve_run mostly made room already */
    memcpy(r->ts + r->n, c->ts + lo, n * sizeof *r->ts);
    memcpy(r->v + r->n, c->v + lo, n * sizeof *r->v);
    r->n += n;
}

size_t reader_read_run(tm_reader *r, const uint32_t *ids, size_t n, int64_t from, int64_t until, tm_run *run,
                       size_t *at, size_t *len) {
    run_sink rs = {run, at, len};
    sink sk = {put_run, reserve_run, &rs, 0};
    return read_many(r, ids, n, from, until, &sk);
}

/* reader_heads_each's sink: puts come without the lock, so fn is called
 * straight from the decoded head. */
typedef struct {
    tm_head_fn fn;
    void *arg;
    uint8_t *unread;
} each_sink;

static void put_each(void *arg, size_t k, const tm_cols *c, size_t lo, size_t n) {
    each_sink *es = arg;
    es->unread[k] = !c;
    if (c && c->type == TM_NUMBER) es->fn(es->arg, k, n ? c->ts + lo : NULL, n ? c->v + lo : NULL, n);
}

size_t reader_heads_each(tm_reader *r, const uint32_t *ids, size_t n, int64_t from, int64_t until, tm_head_fn fn,
                         void *arg, uint8_t *unread) {
    each_sink es = {fn, arg, unread};
    sink sk = {put_each, NULL, &es, 1};
    return read_many(r, ids, n, from, until, &sk);
}
