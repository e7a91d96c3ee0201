#include "sink.h"

#include "../ingest/graphite.h"
#include "../util/counters.h"
#include "../util/log.h"
#include "../util/timeparse.h"

void sink_init(tm_sink *k, tm_store *store, tm_parse_fn parse, void *ctx, int proto) {
    *k = (tm_sink){store, parse, ctx, proto, {0}};
    batch_init(&k->batch);
}

void sink_free(tm_sink *k) { batch_free(&k->batch); }

void sink_graphite(void *ctx, const char *buf, size_t len, size_t first_line, tm_batch *b) {
    (void)ctx;
    graphite_parse(buf, len, first_line, b);
}

void sink_parse(tm_sink *k, const char *buf, size_t len, size_t first_line) {
    k->parse(k->ctx, buf, len, first_line, &k->batch);
}

size_t sink_flush(tm_sink *k, const char *peer) {
    tm_batch *b = &k->batch;
    size_t stored = b->n ? store_write(k->store, b, now_ms()) : 0;
    count_add(&counters.received[k->proto], stored);
    if (b->nerr) {
        count_add(&counters.rejected[k->proto], b->nerr);
        log_limited(LOG_WARN, "%s from %s: %zu bad line(s), first: line %zu: %s", proto_names[k->proto], peer,
                    b->nerr, b->err_line, b->err);
    }
    batch_reset(b);
    return stored;
}
