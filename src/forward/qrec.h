/* qrec.h — what one forward-queue record holds: samples, each naming its
 * series by the store's id, with the id's key defined once per segment.
 *
 * payload = u32 count, i64 newest ts (little endian), then entries:
 *   'S' uvarint id, u8 type, uvarint klen, key   defines id for the rest of the segment
 *   'n' uvarint id, svarint dt, f64              a number
 *   'l' uvarint id, svarint dt, f64 lat, f64 lon a location
 *   't' uvarint id, svarint dt, uvarint n, bytes a string
 * dt is the time minus that of the record's sample before (the first: minus
 * 0); 'N', 'L' and 'T' (written before) carry the time itself instead.
 * Keys take most of a sample's bytes; defining them once per segment, and
 * times as differences, keep a queued number near 11 bytes. A reader that
 * starts inside a segment reads the segment's records from its start with
 * want = 0 to learn the keys. */
#ifndef TM_QREC_H
#define TM_QREC_H
#include <stddef.h>
#include <stdint.h>

#include "../model/batch.h"
#include "../util/buf.h"

#define QREC_HEAD 12 /* count + newest ts */

/* id → key, for the records of one segment */
typedef struct {
    uint32_t *ids, *idx; /* open addressing: ids[slot], idx[slot] = entry + 1 */
    size_t cap, n;
    uint32_t *off, *len; /* per entry: key in arena */
    uint8_t *type;
    tm_buf arena;
} tm_qdict;

void qdict_reset(tm_qdict *d);
void qdict_free(tm_qdict *d);

/* Writer side. A record is written as its head, the definitions its
 * segment lacks, then the sample entries: those are encoded once into a
 * body and the same body goes to every queue that takes all of them. */
typedef struct {
    tm_buf ent; /* sample entries */
    uint32_t count;
    int64_t newest, last; /* newest time; time of the last entry */
} tm_qbody;

void qbody_clear(tm_qbody *bd);
void qbody_add(tm_qbody *bd, uint32_t id, const tm_batch *b, const tm_sample *x);
/* The same for every sample of b whose id is not 0, at less cost a sample. */
void qbody_add_all(tm_qbody *bd, const tm_batch *b, const uint32_t *ids);
void qrec_head_put(tm_buf *w, uint32_t count, int64_t newest);
void qrec_def(tm_buf *w, uint32_t id, int type, const char *key, size_t klen);

/* Decode one payload: every definition goes to d; samples skip .. skip+want-1
 * (in record order) are appended to out with their keys, each sample's
 * `line` set to its series id (what the sender's encoders key on). Returns the
 * record's sample count, or -1 when it is malformed (then nothing of it
 * should be trusted; out may hold part of it). */
long qrec_decode(tm_qdict *d, const uint8_t *p, size_t n, size_t skip, size_t want, tm_batch *out);

/* The same in steps, so a record read a batch at a time is decoded once:
 * from where *at says the last step stopped (zeroed: the start), until want
 * more samples went to out (out NULL: were passed over) or the record
 * ended. Returns the record's count (the last step: once its entries
 * agreed with it), or -1 when malformed; at->k samples are behind. */
typedef struct {
    size_t pos;   /* bytes of the payload behind */
    uint64_t k;   /* samples behind */
    int64_t last; /* time of the sample before */
    uint32_t count;
} tm_qrpos;
long qrec_decode_step(tm_qdict *d, const uint8_t *p, size_t n, tm_qrpos *at, size_t want, tm_batch *out);
/* The head alone (count and newest ts); -1 when too short. */
int qrec_head(const uint8_t *p, size_t n, uint32_t *count, int64_t *newest);
#endif
