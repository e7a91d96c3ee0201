/* sink.h — where a stream listener's bytes go: a parser, then the store.
 * sink_parse appends one buffer's samples to the pending batch; sink_flush
 * writes the batch to the store, counts it, and logs bad lines (rate
 * limited). Stream listeners call both per read, datagram listeners flush
 * once per burst of datagrams. */
#ifndef TM_SINK_H
#define TM_SINK_H
#include <stddef.h>

#include "../core/store.h"
#include "../model/batch.h"

/* A parser bound to its context: appends samples (or only errors, for
 * protocols such as StatsD that aggregate elsewhere) to b. */
typedef void (*tm_parse_fn)(void *ctx, const char *buf, size_t len, size_t first_line, tm_batch *b);

typedef struct {
    tm_store *store;
    tm_parse_fn parse;
    void *ctx;
    int proto; /* enum tm_proto */
    tm_batch batch;
} tm_sink;

void sink_init(tm_sink *k, tm_store *store, tm_parse_fn parse, void *ctx, int proto);
void sink_free(tm_sink *k);
/* Graphite plaintext as a tm_parse_fn (ctx unused). */
void sink_graphite(void *ctx, const char *buf, size_t len, size_t first_line, tm_batch *b);

void sink_parse(tm_sink *k, const char *buf, size_t len, size_t first_line);
size_t sink_flush(tm_sink *k, const char *peer);
#endif
