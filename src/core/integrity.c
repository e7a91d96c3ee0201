/* integrity.c — tidemark.db is checked before the store uses it: SQLite's
 * quick_check (page and b-tree structure) and the CRC-32C every chunk and
 * rollup block carries (a flipped bit inside a blob). Damage stops the
 * start with a message naming what is damaged; nothing is changed, so the
 * file can still be restored or salvaged. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

#define ADVICE "nothing was changed; restore it from a backup, or salvage it with sqlite3's .recover"

int db_quick_check(tm_store *s, const char *path, char *err, size_t errlen) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->wdb, "PRAGMA quick_check(3)", -1, &st, NULL)) {
        snprintf(err, errlen, "%s is damaged or not a tidemark database (%s); " ADVICE, path, sqlite3_errmsg(s->wdb));
        return -1;
    }
    char what[400] = "";
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(st, 0);
        if (m && strcmp(m, "ok") && strlen(what) < 200)
            snprintf(what + strlen(what), sizeof what - strlen(what), "%s%s", *what ? "; " : "", m);
    }
    if (rc != SQLITE_DONE && !*what) snprintf(what, sizeof what, "%s", sqlite3_errmsg(s->wdb));
    sqlite3_finalize(st);
    if (!*what) return 0;
    snprintf(err, errlen, "%s is damaged (SQLite quick_check: %.300s); " ADVICE, path, what);
    return -1;
}

static void utc(int64_t ms, char *out, size_t n) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* What a row names: a chunk or rollup block its series, a pack the series
 * of its group (the first three keys). */
static void name_row(tm_store *s, sqlite3_stmt *st, int pack, char *out, size_t n) {
    int64_t id = sqlite3_column_int64(st, 1);
    if (!pack) {
        tm_series *se = catalog_get(&s->cat, (uint32_t)id);
        snprintf(out, n, "series %.200s (id %lld)", se ? se->key : "?", (long long)id);
        return;
    }
    size_t k = (size_t)snprintf(out, n, "series ids %lld-%lld", (long long)id * PACK_SERIES,
                                (long long)id * PACK_SERIES + PACK_SERIES - 1);
    const char *sep = " (";
    for (int i = 0, named = 0; i < PACK_SERIES && named < 3 && k < n; i++) {
        tm_series *se = catalog_get(&s->cat, (uint32_t)(id * PACK_SERIES + i));
        if (!se) continue;
        k += (size_t)snprintf(out + k, n - k, "%s%.60s", sep, se->key);
        sep = ", ";
        named++;
    }
    if (*sep == ',' && k < n) snprintf(out + k, n - k, ")");
}

/* Count the blobs of one table that fail their checksum; describe the first. */
static size_t bad_blobs(tm_store *s, const char *sql, const char *kind, int pack, char *first, size_t n,
                        int64_t *first_id) {
    sqlite3_stmt *st;
    size_t bad = 0;
    if (sqlite3_prepare_v2(s->wdb, sql, -1, &st, NULL)) return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (blob_ok(st, 4, 5)) continue;
        if (!bad++) {
            char t0[40], t1[40], who[300];
            utc(sqlite3_column_int64(st, 2), t0, sizeof t0);
            utc(sqlite3_column_int64(st, 3), t1, sizeof t1);
            name_row(s, st, pack, who, sizeof who);
            *first_id = sqlite3_column_int64(st, 0);
            snprintf(first, n, "%s %lld of %s, %s to %s", kind, (long long)*first_id, who, t0, t1);
        }
    }
    sqlite3_finalize(st);
    return bad;
}

int db_check_blobs(tm_store *s, const char *path, char *err, size_t errlen) {
    static const struct { const char *sql, *kind, *table, *rowid; int pack; } T[] = {
        {"SELECT id, grp, start, end, data, crc FROM packs", "pack", "packs", "id", 1},
        /* a database made before packs, checked before its rows move (packs_migrate) */
        {"SELECT id, series, start, end, data, crc FROM chunks", "chunk", "chunks", "id", 0},
        {"SELECT rowid, series, start, end, data, crc FROM rollups", "rollup block", "rollups", "rowid", 0},
    };
    for (size_t t = 0; t < sizeof T / sizeof *T; t++) {
        char first[400];
        int64_t id = 0;
        size_t bad = bad_blobs(s, T[t].sql, T[t].kind, T[t].pack, first, sizeof first, &id);
        if (!bad) continue;
        snprintf(err, errlen,
                 "%s is damaged: %zu %s(s) fail their checksum, the first is %s; " ADVICE
                 ", or drop it: sqlite3 %s \"DELETE FROM %s WHERE %s=%lld\"",
                 path, bad, T[t].kind, first, path, T[t].table, T[t].rowid, (long long)id);
        return -1;
    }
    return 0;
}
