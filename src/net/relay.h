/* relay.h — the Pulse relay listener (--relay-listen) and the registry of
 * connected relays.
 *
 * Each connection answers "ok" to id/add/remove (and "error: ..." to a bad
 * line, keeping the connection); it keeps the relay's id and stat set for as
 * long as it is connected. Every poll interval each identified relay with
 * stats is sent "get stat1,stat2"; its "got" answers are stored as series
 * STAT tagged relay=ID (counted under protocol "relay"). relays_send
 * delivers a command (flush, override) to the relays connected right now:
 * one that connects later never sees it, as in Pulse.
 * Bounds: --max-connections and the rest of admit.h, RELAY_LINE_MAX per line (a longer
 * line is dropped and counted, the connection kept), RELAY_MAX_STATS stats
 * per relay, RELAY_OUT_MAX bytes waiting to be sent to a relay (a relay that
 * stops reading is disconnected). Loop thread only. */
#ifndef TM_RELAY_NET_H
#define TM_RELAY_NET_H
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/store.h"

#define RELAY_OUT_MAX (4u << 20)

typedef struct tm_relays tm_relays;

/* Listen on addr ("host:port"); logs one line. NULL with a reason in err. */
tm_relays *relay_listen(struct event_base *base, const char *addr, tm_store *store, int64_t poll_ms, char *err,
                        size_t errlen);
void relay_free(tm_relays *r); /* closes every connection too */

/* Send one command line (with its '\n') to every identified relay connected
 * now; returns how many were sent it. */
size_t relays_send(tm_relays *r, const char *line, size_t n);
#endif
