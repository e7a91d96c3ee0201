/* promwrite.h — Prometheus remote write 1.0: a snappy-compressed (block
 * format) protobuf WriteRequest → samples.
 *
 * Each TimeSeries becomes one series: its __name__ label is the name, every
 * other label a tag. Label values keep every byte as sent (path="/a b;c"
 * stays /a b;c); in the name and label names the bytes a canonical key
 * cannot carry (space and other bytes <= 0x20, ';', DEL, and in label
 * names also '=' and '~') are each replaced by '_'. A label with an
 * empty value is left out, as Prometheus treats it as absent. Timestamps are
 * milliseconds. Staleness markers (the NaN with bits 0x7ff0000000000002,
 * tm_is_stale) are kept as they are, bit for bit: the store keeps them and
 * PromQL ends the series there; every other NaN is kept as a number. Metadata
 * is read and counted, never stored, so a request with only metadata yields
 * zero samples and no error.
 *
 * A series without __name__, with too many labels, a key over TM_KEY_MAX or
 * a timestamp beyond year 9999 is an error for that series (or sample)
 * alone; its "line" is the series' 1-based position in the request. Bad
 * snappy, a bad protobuf, a body decompressing beyond PW_MAX_RAW or decoding
 * into more than PW_MAX_MEM bytes of messages refuses the whole request
 * (return -1, message in b->err, line 0). */
#ifndef TM_PROMWRITE_H
#define TM_PROMWRITE_H
#include <stddef.h>

#include "../model/batch.h"

#define PW_MAX_RAW (64u << 20)   /* decompressed request bytes */
#define PW_MAX_MEM (256u << 20)  /* decoded messages; they take 2-24x the wire size */
#define PW_MAX_LABELS 256        /* labels of one series */

typedef struct {
    size_t series;   /* TimeSeries in the request */
    size_t samples;  /* samples added to the batch */
    size_t stale;    /* of the samples, staleness markers */
    size_t metadata; /* MetricMetadata entries (read, not stored) */
} tm_pw_stats;

/* A request body as Prometheus sends it (Content-Encoding: snappy).
 * Returns 0 when the body decoded (series may still have failed: b->nerr),
 * -1 when it is refused whole. st may be NULL. */
int promwrite_parse(const void *body, size_t n, tm_batch *b, tm_pw_stats *st);

/* The same from the uncompressed protobuf bytes; mem_max bounds the decoded
 * messages (0: PW_MAX_MEM). */
int promwrite_parse_pb(const void *pb, size_t n, size_t mem_max, tm_batch *b, tm_pw_stats *st);
#endif
