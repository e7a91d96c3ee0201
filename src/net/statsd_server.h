/* statsd_server.h — the StatsD service: UDP and TCP listeners on one
 * address feeding an aggregator (ingest/statsd_agg.h), flushed into the
 * store every interval.
 *
 * Flushes fall on wall-clock multiples of the interval (10s: at :00, :10,
 * ...) and are stamped with that boundary, so points line up with archive
 * steps. Each flush is one store_write; its samples count as received
 * (tidemark_samples_received_total{protocol="statsd"}), bad lines and
 * refused events as rejected. statsd_stop flushes what arrived since the
 * last flush (stamped now) before it closes the listeners; call it before
 * store_close. */
#ifndef TM_STATSD_SERVER_H
#define TM_STATSD_SERVER_H
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/store.h"

typedef struct tm_statsd tm_statsd;

/* flush: the --statsd-flush duration ("10s"). NULL with a message in err
 * when it is not a positive duration or a socket cannot be bound. */
tm_statsd *statsd_start(struct event_base *base, tm_store *store, const char *addr, const char *flush, char *err,
                        size_t errlen);
void statsd_stop(tm_statsd *s);
#endif
