/* walrec.h — what the store puts in a write-ahead log record's payload.
 *
 * A payload is a run of entries, each a kind byte then its fields:
 *   'C' u32 count      the record's sample count (first entry; for loss reports)
 *   'S' uvarint id, type byte, uvarint key length, key   a new series
 *   'N' uvarint id, svarint ts, f64            a number
 *   'L' uvarint id, svarint ts, f64 lat, f64 lon
 *   'T' uvarint id, svarint ts, uvarint length, bytes   a string
 *   'D' uvarint id                             the series was deleted (a record of its own)
 * Every field is checked against the payload's end while reading: records
 * come from disk and may be damaged. */
#ifndef TM_WALREC_H
#define TM_WALREC_H
#include <stddef.h>
#include <stdint.h>

enum { W_COUNT = 'C', W_SERIES = 'S', W_NUM = 'N', W_LOC = 'L', W_STR = 'T', W_DELETE = 'D' };

typedef struct {
    uint8_t kind;
    uint64_t id;     /* S and samples */
    int type;        /* S */
    int64_t ts;      /* samples */
    double v, v2;
    const uint8_t *bytes; /* S: key; T: string */
    uint64_t len;
    uint32_t count;  /* C */
} wal_entry;

/* Read the entry at *p (advancing it): 1, or 0 when it is malformed or runs past end. */
int walrec_next(const uint8_t **p, const uint8_t *end, wal_entry *e);
/* Whether b can begin a payload (the log resynchronises on it). */
int walrec_kind_ok(uint8_t b);
/* Samples in a damaged run of bytes that began with a record header:
 * exact from its count entry when that is readable, else estimated. */
size_t walrec_count_lost(const uint8_t *p, size_t n, int *exact);
#endif
