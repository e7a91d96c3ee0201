/* store.h — the only way into stored samples.
 *
 * Writes: store_write appends a parsed batch to the write-ahead log (and
 * fsyncs it under --fsync always) before it touches memory, so a write that
 * was acknowledged survives kill -9. Samples go to their series' open head
 * chunk; a full head (240 samples or 2 h) is closed and handed to the
 * persister thread, which encodes it (codec.h) into SQLite. Samples older
 * than the raw archive's keep go straight to the rollup archives.
 *
 * Threads: one thread (the event loop) calls every store_* function; the
 * persister and fsync threads are internal. Reads see everything written
 * before them: head, chunks in flight, persisted chunks and rollups.
 *
 * Archives (--retention): archive 0 keeps raw samples; each later archive
 * keeps buckets (min, max, sum, count, last) of its step. Raw data is rolled
 * into archive 1 when it ages out of archive 0, and so on; a sample lives in
 * exactly one archive at any time, so queries fold whatever covers a range. */
#ifndef TM_STORE_H
#define TM_STORE_H
#include <stddef.h>
#include <stdint.h>

#include "../model/batch.h"
#include "chunk.h"

#define TM_MAX_ARCHIVES 8
enum { TM_FSYNC_OFF = 0, TM_FSYNC_1S = 1, TM_FSYNC_ALWAYS = 2 };

typedef struct {
    const char *data_dir; /* NULL with memory */
    int memory;
    int fsync;
    size_t narch;
    int64_t step[TM_MAX_ARCHIVES], keep[TM_MAX_ARCHIVES]; /* ms */
    size_t wal_max_bytes; /* flush every head and cut the log past this (0: 256 MiB) */
} tm_store_opts;

typedef struct tm_store tm_store;

/* What the rest of the server may know of a series. */
typedef struct {
    uint32_t id;
    int type;
    const char *key; /* canonical "name;k=v..." */
    size_t klen;
    int64_t last_ts; /* INT64_MIN when it has no sample yet */
    double last_v, last_v2;
    const char *last_str;
    uint64_t points;
} tm_series_info;

tm_store *store_open(const tm_store_opts *o, char *err, size_t errlen);
/* Persist every head, wait for the persister, cut the log. -1 when some
 * chunks could not be persisted (disk full...): the log is then kept, so the
 * next start replays them. */
int store_close(tm_store *s);

/* Append good samples of b (stamping TM_TS_NOW with now). A sample whose type
 * differs from its series' type, or older than every archive keeps, is
 * rejected into b's error slot. When the write-ahead log cannot be written
 * (disk full), every sample is refused with batch_refuse: the caller should
 * ask its client to retry. Returns the number of samples stored. */
size_t store_write(tm_store *s, tm_batch *b, int64_t now);

/* Called after each store_write with the batch and, per sample, the id of
 * its series (0: refused). Live views and forwarders subscribe here, each
 * called in the order it subscribed; the loop thread calls them, so they
 * must be quick. Up to TM_MAX_OBSERVERS; store_unobserve removes the pair. */
#define TM_MAX_OBSERVERS 8
typedef void (*tm_observer)(void *arg, const tm_batch *b, const uint32_t *ids);
int store_observe(tm_store *s, tm_observer fn, void *arg); /* 0, or -1 when full */
void store_unobserve(tm_store *s, tm_observer fn, void *arg);

/* Delete series (n ids): their heads, persisted chunks, rollups and
 * catalog rows, in one go. Logged first (a crash after the answer still
 * deletes them at replay), then waits until SQLite no longer holds them.
 * Ids are not given again; a later sample of the same key makes a new
 * series. Returns how many were deleted (ids of no series are skipped), or
 * -1 when the log could not be written (nothing deleted). */
long store_delete(tm_store *s, const uint32_t *ids, size_t n);

/* Every series in id order; stop early when fn returns nonzero. */
void store_each(tm_store *s, int (*fn)(const tm_series_info *, void *), void *arg);
/* Only the series of one name (any tags), in id order. A scan (the catalog
 * keeps no table by name: 12 bytes a series for a lookup only a delete
 * by name needs; the query index has one). */
void store_each_named(tm_store *s, const char *name, size_t n, int (*fn)(const tm_series_info *, void *), void *arg);
int store_find(tm_store *s, const char *key, size_t klen, tm_series_info *out);
int store_get(tm_store *s, uint32_t id, tm_series_info *out);

/* Raw samples of one series in [from, until], oldest first, one per time
 * (the last written wins). Data held only as rollups appears as each
 * bucket's last value at the bucket's start. out is allocated (cols_free). */
int store_read(tm_store *s, uint32_t id, int64_t from, int64_t until, tm_cols *out);

typedef struct {
    int64_t ts;
    double min, max, sum, cnt, last;
    int64_t lt; /* time of the last sample */
} tm_bucket;
/* Fold b into a bucket of the same start: the last value is the one of the latest time (on a
 * tie, b's: it was written later). */
void bucket_merge(tm_bucket *into, const tm_bucket *b);
/* Fold buckets stamped with their starts, in any order, into out (TM_ROLLUP
 * columns, one per start, oldest first); for equal starts the later entry
 * counts as written later. Memory follows the data, not the time range. */
void buckets_fold(const tm_bucket *x, size_t n, tm_cols *out);

/* Buckets of step ms over [from, until] (aligned to multiples of step),
 * folded from raw samples and every archive: out is TM_ROLLUP columns, one
 * entry per non-empty bucket, ts = bucket start. Numbers only. */
int store_buckets(tm_store *s, uint32_t id, int64_t from, int64_t until, int64_t step, tm_cols *out);

/* Reading from other threads (the query engine's workers). Each such thread
 * opens its own reader (its own SQLite connection on disk) and reads only
 * through reader_*; every call holds the store's read lock while it reads
 * memory (the bulk reads: per group of series, see reader_read_many), and
 * the loop thread holds the write lock around each store_write and
 * store_tick, so a reader sees every series whole (never a head mid-append,
 * never the catalog mid-growth). The lock prefers the writer: ingestion
 * waits for at most one series' read, or one group's copy, per reading
 * thread. The loop thread
 * itself keeps using store_read/store_buckets (it is the writer: no lock).
 * Ids are dense (1..reader_max_id) and never reused; a series' key pointer
 * stays valid for the store's life. */
typedef struct tm_reader tm_reader;
tm_reader *store_reader_open(tm_store *s, char *err, size_t errlen);
void store_reader_close(tm_reader *r);
int reader_read(tm_reader *r, uint32_t id, int64_t from, int64_t until, tm_cols *out);
int reader_buckets(tm_reader *r, uint32_t id, int64_t from, int64_t until, int64_t step, tm_cols *out);
/* Many series at once, the query engine's bulk read: out[k] is what
 * reader_read(ids[k]) gives (empty for an id of no series); returns how
 * many ids are series. The read lock is held for a group of a few hundred
 * series at most (and about 0.1 ms), only while heads and chunks in flight
 * are copied; persisted chunks are read after it, one SQLite read
 * transaction per group. A series with nothing closed in the range is
 * answered from its head without SQLite. Each series is seen whole as of
 * its group's lock hold. */
size_t reader_read_many(tm_reader *r, const uint32_t *ids, size_t n, int64_t from, int64_t until, tm_cols *out);
/* The same for number series, into one growing run (run->ts and run->v,
 * n used of cap; start it zeroed, end it with run_free): series k's samples
 * are at [at[k], at[k] + len[k]), oldest first (len 0 for other types). */
typedef struct {
    size_t n, cap;
    int64_t *ts;
    double *v;
} tm_run;
size_t reader_read_run(tm_reader *r, const uint32_t *ids, size_t n, int64_t from, int64_t until, tm_run *run,
                       size_t *at, size_t *len);
void run_free(tm_run *run);
/* The fast road for recent data: for each number series whose open head
 * alone holds every sample of it in [from, until] (no closed chunk reaches
 * the range), fn(arg, k, ts, v, n) gets those samples (valid during the
 * call; NULL when n is 0), outside the lock: heads are copied a few thousand samples at a
 * time into a small buffer reused throughout, so the lock is held for
 * memcpy only and no buffer grows with the query. unread[k] is 1 for a
 * series the head cannot answer (read it through reader_read or
 * reader_buckets), else 0 (also for a series that is no number, or no
 * series: nothing to read). */
typedef void (*tm_head_fn)(void *arg, size_t k, const int64_t *ts, const double *v, size_t n);
size_t reader_heads_each(tm_reader *r, const uint32_t *ids, size_t n, int64_t from, int64_t until, tm_head_fn fn,
                         void *arg, uint8_t *unread);
/* last_str (a copy) is valid until the reader's next reader_get */
int reader_get(tm_reader *r, uint32_t id, tm_series_info *out);
uint32_t reader_max_id(tm_reader *r);
/* The same without a reader (any thread): the highest id, and how many
 * series were deleted (reader_deleted's count). */
uint32_t store_counts(tm_store *s, size_t *ngone);
/* A series' key by id with no lock, deleted series included (NULL for an id
 * that never held one): a key never changes and its record never moves, so
 * any thread may ask for an id it learned through a reader. */
const char *store_key(tm_store *s, uint32_t id, size_t *klen);
tm_store *reader_store(tm_reader *r);
/* Series deleted since the store opened, in order: the count, and (when
 * from < count) the ids from the from-th on, allocated into *ids. */
size_t reader_deleted(tm_reader *r, size_t from, uint32_t **ids);
/* Archives as the store was opened with them (narch, step, keep). */
const tm_store_opts *store_options(const tm_store *s);

/* Counters for /metrics. */
typedef struct {
    uint64_t series, wal_bytes, chunks_persisted, samples_stored, rollup_blocks;
    uint64_t rejected_type, rejected_old, rejected_io; /* io: refused because the log could not be written */
} tm_store_stats;
void store_stats(tm_store *s, tm_store_stats *st);

/* Run the periodic work the store needs (retention, rollups, WAL size check);
 * the server calls it about once a second from the loop thread. */
void store_tick(tm_store *s, int64_t now);
#endif
