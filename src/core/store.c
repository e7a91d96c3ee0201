/* store.c — writes: WAL first, then heads; closing heads; start and stop. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/log.h"
#include "../util/timeparse.h"
#include "dirlock.h"
#include "merge.h"
#include "store_int.h"
#include "walrec.h"


/* Move the head to the persister's queue. upto: a WAL position no earlier
 * than the head's newest sample and before any sample of the series not in
 * it, so replay may skip the series' samples up to it once the chunk is
 * saved. The last sample applied is one (every sample of the series so far
 * is in the head or an earlier chunk), or, while a sample is being applied,
 * the one just before it. */
static void head_close(tm_store *s, tm_series *se, uint64_t upto) {
    if (!se->head) return;
    tm_pending *p = xcalloc(1, sizeof *p);
    head_decode(se->head, se->type, &p->c);
    if (!se->head_sorted) cols_sort_dedup(&p->c);
    se->head_sorted = 1;
    if (p->c.ts[p->c.n - 1] > se->closed_max) se->closed_max = p->c.ts[p->c.n - 1];
    p->sid = se->id;
    p->se = se;
    p->points = se->points;
    p->last_ts = se->last_ts;
    p->last_v = se->last_v;
    p->last_v2 = se->type == TM_LOCATION ? se->last_v2 : 0;
    p->last_str = se->type == TM_STRING && se->last_str ? xstrndup(se->last_str, strlen(se->last_str)) : NULL;
    free(se->head);
    se->head = NULL;
    pthread_mutex_lock(&s->mu);
    p->seq = ++s->enq_seq;
    p->walpos = upto;
    p->next_in_series = se->pending;
    se->pending = p;
    if (s->qtail) s->qtail->next_in_queue = p;
    else s->qhead = p;
    s->qtail = p;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
}

/* Every head to the persister: before the log is cut, and at a stop. */
static void close_all_heads(tm_store *s) {
    for (size_t i = 1; i < s->cat.nids; i++) {
        tm_series *se = catalog_at(&s->cat, i);
        if (se) head_close(s, se, s->walpos);
    }
}

/* Apply one sample to memory; the WAL already has it. */
static void apply(tm_store *s, tm_series *se, int64_t ts, double v, double v2, const char *str, size_t slen) {
    /* samples older than archive 0 keeps take this road too: they are read
     * like any other until the retention pass rolls their chunk up */
    tm_head *h = se->head;
    if (h && (h->n >= HEAD_MAX || ts - h->first_ts >= HEAD_SPAN || h->first_ts - ts >= HEAD_SPAN)) {
        head_close(s, se, s->walpos ? s->walpos - 1 : 0);
        h = NULL;
    }
    if (h && ts <= h->first_ts + h->prev_off) se->head_sorted = 0;
    head_append(&se->head, se->type, ts, v, v2, str, slen);
    se->points++;
    /* the last value is the last real one: a marker (kept in the chunk for
     * PromQL) says the series stopped, not what it was */
    if (ts >= se->last_ts && !(se->type == TM_NUMBER && tm_is_stale(v))) {
        se->last_ts = ts;
        se->last_v = v;
        if (se->type == TM_LOCATION) se->last_v2 = v2;
        if (se->type == TM_STRING) {
            free(se->last_str);
            se->last_str = xstrndup(str, slen);
        }
    }
    s->samples_stored++;
}

/* A series' definition goes into the log with its first samples; if that
 * record could not be written, the next one carries it again (logged). */
static tm_series *series_get(tm_store *s, const char *key, size_t klen, int type, tm_buf *wal) {
    uint64_t h = key_hash(key, klen);
    tm_series *se = catalog_find(&s->cat, key, klen, h);
    if (se && se->logged) return se;
    if (!se) se = catalog_add(&s->cat, 0, key, klen, h, type);
    type = se->type;
    se->logged = wal ? LOGGED_NOW : LOGGED;
    if (wal) {
        buf_putc(wal, W_SERIES);
        buf_put_uvarint(wal, se->id);
        buf_putc(wal, (uint8_t)type);
        buf_put_uvarint(wal, klen);
        buf_put(wal, key, klen);
    }
    return se;
}

static void wal_sample(tm_buf *w, const tm_series *se, int64_t ts, const tm_sample *x, const char *str) {
    buf_reserve(w, 40);
    buf_putc(w, se->type == TM_NUMBER ? W_NUM : se->type == TM_LOCATION ? W_LOC : W_STR);
    buf_put_uvarint(w, se->id);
    buf_put_svarint(w, ts);
    if (se->type == TM_STRING) {
        buf_put_uvarint(w, x->str_len);
        buf_put(w, str, x->str_len);
        return;
    }
    buf_put(w, &x->v, 8);
    if (se->type == TM_LOCATION) buf_put(w, &x->v2, 8);
}

/* Does a staleness marker for key have a number series to end? */
static int ends_series(tm_store *s, const char *key, size_t klen) {
    tm_series *se = catalog_find(&s->cat, key, klen, key_hash(key, klen));
    return se && se->type == TM_NUMBER;
}

static size_t write_locked(tm_store *s, tm_batch *b, int64_t now);
size_t store_write(tm_store *s, tm_batch *b, int64_t now) {
    pthread_rwlock_wrlock(&s->lock);
    size_t ok = write_locked(s, b, now);
    pthread_rwlock_unlock(&s->lock);
    /* outside the lock: observers may take their time (they run on this thread) */
    for (size_t i = 0; ok && i < s->nobs; i++) s->obs[i].fn(s->obs[i].arg, b, s->ids);
    return ok;
}

static size_t write_locked(tm_store *s, tm_batch *b, int64_t now) {
    s->now = now;
    int64_t oldest = now - s->o.keep[s->o.narch - 1];
    tm_buf *w = &s->walbuf;
    w->n = 0;
    /* first pass: resolve series and log; the WAL record goes out before any
     * sample reaches memory */
    if (b->n > s->capids) {
        s->capids = b->n * 2;
        s->ser = xrealloc(s->ser, s->capids * sizeof *s->ser);
        s->ids = xrealloc(s->ids, s->capids * sizeof *s->ids);
    }
    tm_series **ser = s->ser;
    size_t ok = 0, head = 0;
    if (s->wal) { /* the sample count, patched in below: a damaged record's loss can be told exactly */
        buf_putc(w, W_COUNT);
        buf_put(w, &(uint32_t){0}, 4);
        head = w->n;
    }
    for (size_t i = 0; i < b->n; i++) {
        tm_sample *x = &b->s[i];
        if (x->ts == TM_TS_NOW) x->ts = now;
        ser[i] = NULL;
        if (x->ts < oldest) {
            s->rejected_old++;
            batch_error(b, x->line, "sample of %.*s is older than the retention keeps", (int)x->key_len, batch_key(b, x));
            continue;
        }
        if (x->type == TM_NUMBER && tm_is_stale(x->v) && !ends_series(s, batch_key(b, x), x->key_len))
            continue; /* a staleness marker ends a number series; with none to end it is no sample */
        tm_series *se = series_get(s, batch_key(b, x), x->key_len, x->type, s->wal ? w : NULL);
        if (se->type != x->type) {
            static const char *tn[] = {"number", "string", "location"};
            s->rejected_type++;
            batch_error(b, x->line, "series %.*s holds %s values, not %s", (int)x->key_len, batch_key(b, x),
                        tn[se->type], tn[x->type]);
            continue;
        }
        ser[i] = se;
        if (s->wal) wal_sample(w, se, x->ts, x, batch_str(b, x));
        ok++;
    }
    uint64_t rec = 0;
    if (head) memcpy(w->p + 1, &(uint32_t){(uint32_t)ok}, 4);
    if (s->wal && w->n > head && wal_append(s->wal, w->p, w->n, &rec)) {
        int e = errno;
        log_limited(LOG_ERROR, "wal: write failed: %s; samples refused", strerror(e));
        s->rejected_io += ok;
        for (size_t i = 0; i < b->n; i++)
            if (ser[i] && ser[i]->logged == LOGGED_NOW) ser[i]->logged = 0;
        batch_refuse(b, ok, "cannot write the write-ahead log: %s; nothing of this write was stored; retry later",
                     strerror(e));
        for (size_t i = 0; i < b->n; i++) s->ids[i] = 0;
        return 0;
    }
    for (size_t i = 0, k = 0; i < b->n; i++) {
        s->ids[i] = ser[i] ? ser[i]->id : 0;
        if (!ser[i]) continue;
        ser[i]->logged = LOGGED;
        tm_sample *x = &b->s[i];
        s->walpos = rec ? rec + k++ : 0; /* the k-th sample of the record, as replay counts */
        apply(s, ser[i], x->ts, x->v, x->v2, batch_str(b, x), x->str_len);
    }
    return ok;
}

/* Replay one WAL record into memory. */
static void replay_record(const uint8_t *p, size_t n, uint64_t pos, void *arg) {
    tm_store *s = arg;
    const uint8_t *end = p + n;
    wal_entry e;
    /* a sample's position is its record's plus its ordinal among the record's
     * samples: unique, growing, and below the next record's (every entry
     * takes more than a byte) */
    for (uint64_t k = 0; p < end && walrec_next(&p, end, &e);) {
        if (e.kind == W_COUNT) continue;
        if (e.kind == W_DELETE) {
            tm_series *gone = e.id <= UINT32_MAX ? catalog_get(&s->cat, (uint32_t)e.id) : NULL;
            if (gone) delete_apply(s, &gone, 1);
            continue;
        }
        if (e.kind == W_SERIES) {
            uint64_t h = key_hash((const char *)e.bytes, e.len);
            if (!catalog_find(&s->cat, (const char *)e.bytes, e.len, h) && !catalog_get(&s->cat, (uint32_t)e.id))
                catalog_add(&s->cat, (uint32_t)e.id, (const char *)e.bytes, e.len, h, e.type);
            continue;
        }
        tm_series *se = e.id <= UINT32_MAX ? catalog_get(&s->cat, (uint32_t)e.id) : NULL;
        s->walpos = pos + k++;
        if (!se) { /* its definition was in a damaged record: the id stays retired */
            s->replay_orphans++;
            if (e.id && e.id < UINT32_MAX) catalog_retire(&s->cat, (uint32_t)e.id);
            continue;
        }
        /* older than the series' last persisted chunk: in SQLite already */
        if ((e.kind == W_STR) != (se->type == TM_STRING) || s->walpos <= catalog_saved(&s->cat, se->id)) continue;
        apply(s, se, e.ts, e.v, e.v2, (const char *)e.bytes, (size_t)e.len);
    }
}

tm_store *store_open(const tm_store_opts *o, char *err, size_t errlen) {
    tm_store *s = xcalloc(1, sizeof *s);
    s->o = *o;
    if (!s->o.wal_max_bytes) s->o.wal_max_bytes = 256u << 20;
    s->now = now_ms();
    catalog_init(&s->cat);
    pthread_mutex_init(&s->mu, NULL);
    pthread_rwlockattr_t la;
    pthread_rwlockattr_init(&la);
    pthread_rwlockattr_setkind_np(&la, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->lock, &la);
    pthread_rwlockattr_destroy(&la);
    pthread_cond_init(&s->wake, NULL);
    pthread_cond_init(&s->done, NULL);
    s->lockfd = -1;
    if (!o->memory) {
        s->dir = xstrndup(o->data_dir, strlen(o->data_dir));
        if (mkdir(s->dir, 0755) && errno != EEXIST) {
            snprintf(err, errlen, "cannot create data directory %s: %s", s->dir, strerror(errno));
            goto fail;
        }
        /* before anything in it is read: a second server must not replay
         * and cut the log of the one running */
        if ((s->lockfd = dirlock_take(s->dir, err, errlen)) < 0) goto fail;
    }
    if (persist_open(s, err, errlen)) goto fail;
    if (!o->memory) {
        char wdir[4096];
        snprintf(wdir, sizeof wdir, "%s/wal", s->dir);
        uint64_t maxpos = 0;
        for (size_t i = 0; i < s->cat.nsaved; i++)
            if (s->cat.saved[i] > maxpos) maxpos = s->cat.saved[i];
        if (!(s->wal = wal_open(wdir, o->fsync, (uint32_t)(maxpos >> 40) + 1, err, errlen))) goto fail;
        wal_payload_hooks(s->wal, walrec_kind_ok, walrec_count_lost);
        uint64_t before = s->samples_stored;
        wal_replay(s->wal, replay_record, s);
        s->samples_stored = before; /* replayed samples were counted before */
        if (s->replay_orphans)
            log_error("wal: %llu sample(s) lost: their series was defined in a damaged record",
                      (unsigned long long)s->replay_orphans);
    }
    catalog_drop_saved(&s->cat); /* replay was its only reader */
    persist_start(s);
    if (s->wal && wal_bytes(s->wal) > 0) {
        /* make the replayed heads durable in SQLite, then drop the old log */
        size_t n = 0;
        for (size_t i = 1; i < s->cat.nids; i++) {
            tm_series *se = catalog_at(&s->cat, i);
            if (se && se->head) n += se->head->n;
        }
        if (n) log_info("wal: replayed %zu samples", n);
        uint32_t seg = wal_rotate(s->wal);
        close_all_heads(s);
        if (!persist_wait(s, s->enq_seq)) {
            wal_drop_before(s->wal, seg);
        } else { /* the log is cut once the persister gets through (store_tick) */
            s->cut_seg = seg;
            s->cut_seq = s->enq_seq;
            s->cutting = 1;
        }
    }
    return s;
fail:
    store_close(s);
    return NULL;
}

int store_observe(tm_store *s, tm_observer fn, void *arg) {
    if (s->nobs >= TM_MAX_OBSERVERS) return -1;
    s->obs[s->nobs].fn = fn;
    s->obs[s->nobs++].arg = arg;
    return 0;
}

void store_unobserve(tm_store *s, tm_observer fn, void *arg) {
    for (size_t i = 0; i < s->nobs; i++)
        if (s->obs[i].fn == fn && s->obs[i].arg == arg) {
            memmove(&s->obs[i], &s->obs[i + 1], (s->nobs - i - 1) * sizeof s->obs[0]);
            s->nobs--;
            return;
        }
}

int store_close(tm_store *s) {
    if (!s) return 0;
    int rc = 0;
    if (s->thr) {
        uint32_t seg = s->wal ? wal_rotate(s->wal) : 0;
        close_all_heads(s);
        if (persist_stop(s)) {
            rc = -1;
            log_error("stopping without persisting every chunk (%s): the write-ahead log%s is kept and will be "
                      "replayed at the next start", s->persist_err, s->wal ? "" : " (none: --memory)");
        } else if (s->wal) {
            wal_drop_before(s->wal, seg);
        }
    }
    wal_close(s->wal);
    persist_close(s);
    keys_free(s);
    catalog_free(&s->cat);
    buf_free(&s->walbuf);
    free(s->ser);
    free(s->ids);
    free(s->dels);
    free(s->gone);
    pthread_mutex_destroy(&s->mu);
    pthread_rwlock_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->done);
    dirlock_release(s->lockfd);
    free(s->dir);
    free(s);
    return rc;
}

static void tick_locked(tm_store *s, int64_t now);
void store_tick(tm_store *s, int64_t now) {
    pthread_rwlock_wrlock(&s->lock);
    tick_locked(s, now);
    pthread_rwlock_unlock(&s->lock);
}

static void tick_locked(tm_store *s, int64_t now) {
    s->now = now;
    pthread_mutex_lock(&s->mu);
    int cut_done = s->cutting && s->done_seq >= s->cut_seq;
    pthread_cond_signal(&s->wake); /* lets the persister run retention */
    pthread_mutex_unlock(&s->mu);
    if (!s->wal) return;
    if (cut_done) {
        wal_drop_before(s->wal, s->cut_seg);
        s->cutting = 0;
    }
    /* the log is cut only after every head is in SQLite: close them all */
    if (!s->cutting && wal_bytes(s->wal) > s->o.wal_max_bytes) {
        s->cut_seg = wal_rotate(s->wal);
        close_all_heads(s);
        pthread_mutex_lock(&s->mu);
        s->cut_seq = s->enq_seq;
        s->cutting = 1;
        pthread_mutex_unlock(&s->mu);
    }
    /* heads that hold samples about to age out of archive 0 go to disk, so
     * retention can roll them up */
    if (s->o.narch > 1) {
        for (size_t i = 1; i < s->cat.nids; i++) {
            tm_series *se = catalog_at(&s->cat, i);
            if (se && se->head && now - se->head->first_ts > s->o.keep[0] / 2) head_close(s, se, s->walpos);
        }
    }
}

void info_of(const tm_series *se, tm_series_info *out) {
    out->id = se->id;
    out->type = se->type;
    out->key = se->key;
    out->klen = se->klen;
    out->last_ts = se->last_ts;
    out->last_v = se->last_v;
    out->last_v2 = se->type == TM_LOCATION ? se->last_v2 : 0;
    out->last_str = se->type == TM_STRING ? se->last_str : NULL;
    out->points = se->points;
}

void store_each(tm_store *s, int (*fn)(const tm_series_info *, void *), void *arg) {
    for (size_t i = 1; i < s->cat.nids; i++) {
        tm_series *se = catalog_get(&s->cat, (uint32_t)i);
        if (!se) continue;
        tm_series_info in;
        info_of(se, &in);
        if (fn(&in, arg)) return;
    }
}

void store_each_named(tm_store *s, const char *name, size_t n, int (*fn)(const tm_series_info *, void *), void *arg) {
    for (size_t i = 1; i < s->cat.nids; i++) {
        tm_series *se = catalog_get(&s->cat, (uint32_t)i);
        if (!se || se->klen < n || memcmp(se->key, name, n) || (se->klen > n && se->key[n] != ';')) continue;
        tm_series_info in;
        info_of(se, &in);
        if (fn(&in, arg)) return;
    }
}

int store_find(tm_store *s, const char *key, size_t klen, tm_series_info *out) {
    tm_series *se = catalog_find(&s->cat, key, klen, key_hash(key, klen));
    if (!se) return 0;
    info_of(se, out);
    return 1;
}

const tm_store_opts *store_options(const tm_store *s) { return &s->o; }

int store_get(tm_store *s, uint32_t id, tm_series_info *out) {
    tm_series *se = catalog_get(&s->cat, id);
    if (!se) return 0;
    info_of(se, out);
    return 1;
}

void store_stats(tm_store *s, tm_store_stats *st) {
    memset(st, 0, sizeof *st);
    st->series = s->cat.count - s->cat.ndeleted;
    st->wal_bytes = s->wal ? wal_bytes(s->wal) : 0;
    pthread_mutex_lock(&s->mu);
    st->chunks_persisted = s->chunks_persisted;
    st->rollup_blocks = s->rollup_blocks;
    pthread_mutex_unlock(&s->mu);
    st->samples_stored = s->samples_stored;
    st->rejected_type = s->rejected_type;
    st->rejected_old = s->rejected_old;
    st->rejected_io = s->rejected_io;
}
