/* deliver.h — the thread that empties the outbox.
 *
 * It sends the head entry of every target at once through one libcurl multi
 * handle (a slow target does not hold up the others), never touches the
 * event loop, and sleeps until the next retry is due or deliver_kick says
 * something new was committed. */
#ifndef TM_ALERT_DELIVER_H
#define TM_ALERT_DELIVER_H
#include <stdint.h>

#include "db.h"

typedef struct alert_deliver alert_deliver;

alert_deliver *deliver_start(alert_db *d, int64_t retry_for_ms);
void deliver_kick(alert_deliver *x);
void deliver_stop(alert_deliver *x); /* waits for the request in flight (bounded by its timeout) */
#endif
