#include "sink.h"

#include "../util/counters.h"
#include "../util/log.h"
#include "../util/timeparse.h"

void sink_parse(tm_sink *k, const char *buf, size_t len, size_t first_line) {
    k->parse(buf, len, first_line, &k->batch);
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
