/* store_int.h — the store's insides, shared by its files (store.c: writes
 * and heads; persist.c: the SQLite side and the persister thread; rollup.c:
 * buckets and retention; read.c: queries). Nothing outside core/ includes it. */
#ifndef TM_STORE_INT_H
#define TM_STORE_INT_H
#include <pthread.h>
#include <sqlite3.h>

#include "catalog.h"
#include "pack.h"
#include "store.h"
#include "wal.h"

/* Bigger chunks compress better and cost fewer SQLite rows; the head takes
 * about 3 B a sample until it closes (head.h), so this also bounds its memory. */
#define HEAD_MAX 512                   /* samples per chunk */
#define HEAD_SPAN (6 * 3600 * 1000LL)  /* ms a chunk may span */
#define ROLLUP_BLOCK 256               /* buckets per rollup block */

#include "walrec.h" /* the WAL payload entries */

typedef struct {
    int64_t id, crc;
    size_t off; /* of the member whose times t holds, in the row */
    tm_cols t;  /* t.n == 0: none */
} tm_memo_row;

/* A read context: its own SQLite statements (and, on disk, connection), so
 * threads read in parallel. The store holds one for the loop thread. */
struct tm_reader {
    tm_store *s;
    sqlite3 *db; /* owned unless it is the store's */
    sqlite3_stmt *chunks, *chunks_by_id, *rollups; /* chunks: a group's packs by time, chunks_by_id in write order */
    char *last_str; /* reader_get's copy of a string series' last value */
    /* The series of a group are read one after another (readmany reads by
     * id) and share rows (pack.h): within one read (gen, counted by
     * read_begin), the rows of the group last read whose checksum held,
     * each with the times last decoded for members that share them. */
    uint64_t gen;
    struct {
        uint64_t gen;
        int64_t grp;
        size_t n;
        tm_memo_row row[32];
    } memo;
};

typedef struct {
    uint64_t *w;
    size_t n; /* words */
} tm_bits;

struct tm_store {
    tm_store_opts o;
    char *dir;
    tm_catalog cat;
    tm_wal *wal;
    tm_buf walbuf;
    uint64_t walpos; /* of the record being applied */
    tm_series **ser; /* per sample of the batch being written */
    uint32_t *ids;
    size_t capids;
    struct {
        tm_observer fn;
        void *arg;
    } obs[TM_MAX_OBSERVERS];
    size_t nobs;

    sqlite3 *wdb, *rdb; /* the same connection with --memory */
    struct tm_reader own; /* the loop thread's reads, on rdb */
    /* The loop thread holds it for writing around every change of the
     * catalog or a head (store_write, store_tick); other threads read only
     * through reader_*, each call under it for reading. Writer-preferring, so
     * ingestion waits at most one series' read per reading thread. */
    pthread_rwlock_t lock;

    pthread_mutex_t mu; /* guards everything below, and every series' pending list */
    pthread_cond_t wake, done;
    pthread_t thr;
    int stop;
    tm_pending *qhead, *qtail; /* closed chunks, oldest first */
    uint64_t enq_seq, done_seq;
    int64_t now;               /* the loop's clock, for retention */
    uint32_t cut_seg;          /* WAL segments before it wait for done_seq >= cut_seq */
    uint64_t cut_seq;
    int cutting;

    int failures;        /* persister: failed attempts in a row (mu) */
    int persist_failed;  /* a stop could not persist everything: keep the log */
    char persist_err[256];
    int lockfd;          /* dirlock.h */
    uint64_t replay_orphans; /* replayed samples of a series no intact record defined */

    uint64_t chunks_persisted, rollup_blocks, samples_stored, rejected_type, rejected_old, rejected_io;

    /* deletes (delete.c): ids whose rows the persister is to drop, under mu,
     * and every id deleted since the start, in order, under lock (readers
     * such as the query index catch up on them) */
    uint32_t *dels;
    size_t ndels, capdels;
    uint64_t del_req, del_done;
    uint32_t *gone;
    size_t ngone, capgone;

    /* keys.c, persister thread (and open): per id, whether its key is in a
     * `keys` row, or in the `series` table of an older database; the ids
     * the open transaction added */
    tm_bits in_keys, in_series;
    struct {
        uint32_t *v;
        size_t n, cap;
    } knew;
    int has_series; /* the database has the older `series` table */
    /* the rollups table exists (committed; set once, atomic: readers prepare
     * their statement when they see it), and the open transaction made it */
    int has_rollups, rollups_made;
};

/* persist.c */
int persist_prepare_reader(tm_store *s, struct tm_reader *r, sqlite3 *db, char *err, size_t errlen);
/* The reader's rollups statement, prepared once the table exists: 1 when it is there. */
int persist_reader_rollups(struct tm_reader *r);
extern const char *const ROLLUPS_SCHEMA;
int persist_open(tm_store *s, char *err, size_t errlen);
void persist_start(tm_store *s);
/* Drains the queue first; -1 when some chunks could not be committed (they
 * stay queued: the write-ahead log must be kept). */
int persist_stop(tm_store *s);
void persist_close(tm_store *s);
/* Until every chunk up to seq is committed (0), or a commit failed (-1). */
int persist_wait(tm_store *s, uint64_t seq);
/* COMMIT when ok, else (or when COMMIT fails) ROLLBACK; 0 only if committed. */
int tx_end(sqlite3 *db, int ok);
/* The blob in column data_col matches the CRC-32C in crc_col (NULL: unchecked). */
int blob_ok(sqlite3_stmt *st, int data_col, int crc_col);

/* states.c (persister thread, inside its transaction; states_load at open):
 * each series' sample count, last value and log position, 64 to a row */
int states_load(tm_store *s, const char *path, char *err, size_t errlen);
int states_save(tm_store *s, tm_pending *list); /* the latest state of each series in list (skip ones aside) */
int states_drop(tm_store *s, const uint32_t *ids, size_t n);

/* keys.c: the catalog's rows (persister thread, inside its transaction;
 * keys_load at open, after the older `series` table's rows, each marked
 * with keys_loaded_old). keys_save writes the keys of the series in list
 * that no row holds yet; keys_end(committed) after the transaction keeps
 * or forgets that they are written. */
int keys_load(tm_store *s, const char *path, char *err, size_t errlen);
void keys_loaded_old(tm_store *s, uint32_t id);
int keys_save(tm_store *s, tm_pending *list);
void keys_end(tm_store *s, int committed);
int keys_drop(tm_store *s, const uint32_t *ids, size_t n);
void keys_free(tm_store *s);

/* packrows.c: the packs table (pack.h), on the persister thread inside its
 * transaction. packs_write writes the closed chunks of list (not the ones
 * set aside). An editor's packs_filter keeps, in each row of group grp that
 * ends before `before`, only the members keep() accepts (0, or -1 when a
 * write failed); packs_drop_series takes out every member of a series.
 * packs_max_id is the highest series id a row holds; packs_migrate moves an
 * older database's `chunks` rows in (at open). */
typedef struct {
    sqlite3_stmt *sel, *del, *upd;
} pack_editor;
int packs_write(tm_store *s, tm_pending *list);
int packs_editor_open(sqlite3 *db, pack_editor *e);
void packs_editor_close(pack_editor *e);
int packs_filter(pack_editor *e, int64_t grp, int64_t before, pack_keep_fn keep, void *arg);
int packs_drop_series(pack_editor *e, uint32_t id);
int64_t packs_max_id(sqlite3 *db);
int packs_migrate(tm_store *s, char *err, size_t errlen);

/* integrity.c: 0, or -1 with what is damaged in err */
int db_quick_check(tm_store *s, const char *path, char *err, size_t errlen);
int db_check_blobs(tm_store *s, const char *path, char *err, size_t errlen);

/* delete.c */
/* Forget n series in memory and queue their rows for the persister; under
 * the write lock (or during replay). */
void delete_apply(tm_store *s, tm_series *const *v, size_t n);
/* persister thread: drop the queued series' rows (chunks, rollups, catalog) */
void delete_rows(tm_store *s);

/* read.c: reads through a reader (the caller holds what it needs: the loop
 * thread nothing, others the read lock) */
int read_series(struct tm_reader *rd, uint32_t id, int64_t from, int64_t until, tm_cols *out);
int read_buckets(struct tm_reader *rd, uint32_t id, int64_t from, int64_t until, int64_t step, tm_cols *out);
void info_of(const tm_series *se, tm_series_info *out);
/* The parts of a read: a series' chunks in flight (oldest first) then its
 * head, appended to out (the caller holds the read lock; this takes mu);
 * and its persisted data (rollups as each bucket's last value when asked,
 * then chunks) from the reader's connection, which needs no store lock.
 * Memory must be copied before SQLite is read (read.c says why). */
void read_memory(tm_store *s, const tm_series *se, int64_t from, int64_t until, tm_cols *out, size_t *cap);
void read_persisted(struct tm_reader *rd, uint32_t id, const char *key, int type, int64_t from, int64_t until,
                    int rollups, tm_cols *out, size_t *cap);
void read_begin(struct tm_reader *rd);  /* a new read: no row is taken as checked from before */
void read_forget(struct tm_reader *rd); /* what a reader keeps between reads, at its close */

/* rollup.c (persister thread) */
/* The table, made inside the open transaction when it is not there yet;
 * rollups_settle after that transaction (committed or not). */
int rollups_table(tm_store *s);
void rollups_settle(tm_store *s, int committed);
/* Fold n buckets (any order) into archive a's blocks of series sid. */
int rollup_fold(tm_store *s, uint32_t sid, size_t a, const tm_bucket *b, size_t n);
/* Fold raw samples (sorted by time) into the archives their age calls for. */
int rollup_fold_raw(tm_store *s, uint32_t sid, const int64_t *ts, const double *v, size_t n, int64_t now);
/* Expire what is older than each archive keeps, rolling it into the next. */
void rollup_expire(tm_store *s, int64_t now);
/* Bucket raw samples at step (ms); returns the count written to out (n at most). */
size_t rollup_bucketize(const int64_t *ts, const double *v, size_t n, int64_t step, tm_bucket *out);
#endif
