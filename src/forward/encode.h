/* encode.h — a batch of queued samples as each remote wants it.
 *
 * Each encoder writes the whole body to out (reset first) and returns the
 * number of samples it carries; samples a protocol cannot carry are left
 * out (Prometheus and Graphite take numbers only, and Graphite and Influx
 * no NaN or infinity). */
#ifndef TM_ENCODE_H
#define TM_ENCODE_H
#include <stddef.h>

#include "../model/batch.h"
#include "../util/buf.h"

#define PROM_MAX_TAGS 64 /* labels past it are left out */

/* Remote write 1.0: snappy-compressed WriteRequest, one TimeSeries per
 * series of the batch (its samples in batch order). The name becomes
 * __name__ with every byte outside [a-zA-Z0-9_:] made '_' (host1.cpu →
 * host1_cpu), tags become labels (names likewise, without ':'). A
 * tm_prom_enc is one sender's: it keeps each series' labels encoded
 * (bounded: it starts again past 32 MiB), found by the sample's `line`
 * taken as a series id (the queue reader's batches: qrec.h) and its key;
 * any other line value only makes the lookup slower. */
typedef struct tm_prom_enc tm_prom_enc;
tm_prom_enc *prom_enc_new(void);
void prom_enc_free(tm_prom_enc *e);
size_t enc_prom(tm_prom_enc *e, const tm_batch *b, tm_buf *out);
/* s made a Prometheus name (colon_ok) or label name; not NUL-terminated. */
void prom_safe(tm_buf *out, const char *s, size_t n, int colon_ok);

/* Graphite plaintext with 1.1 tags: "name;k=v value seconds\n". */
size_t enc_graphite(const tm_batch *b, tm_buf *out);

/* InfluxDB line protocol, millisecond timestamps: the series a.b.c becomes
 * measurement a.b with field c (a name without a dot: field "value"), tags
 * as tags; strings are string fields, locations two fields c_lat, c_lon. */
size_t enc_influx(const tm_batch *b, tm_buf *out);
#endif
