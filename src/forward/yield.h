/* yield.h — forwarding waits while ingestion is busy, within a bound.
 *
 * A burst of ingest (a backfill, clients reconnecting) wants every core;
 * forwarding it at the same time takes CPU from it, and so does a receiver
 * on the same machine working on what we send. So a sender holds its next
 * request while the ingest is busy: the queue (on disk, bounded) absorbs
 * the burst, which then goes out in big requests (sender.h), cheaper for
 * the remote per sample, as soon as the burst ends.
 *
 * Busy: the thread that stores samples (the loop thread: it parses every
 * protocol's input) used at least a quarter of a core over its last window
 * of at least BUSY_WINDOW_NS, measured by its CPU clock; the state lasts
 * two windows past the last busy one, so it ends by itself once samples
 * stop coming. A steady trickle of ingest is never busy.
 *
 * Bounded: a sender waits at most yield_ms in all between two moments it
 * has caught up (at most one batch unread); once it has waited that long
 * it sends until it has caught up before it waits again. Nor does it wait
 * while its queue takes half the disk bound or more. So forwarding
 * never starves: under sustained saturation it lags by at most yield_ms
 * plus the time to send what came meanwhile (tidemark_forward_lag_seconds).
 *
 * The meter: one writer (the loop thread), any number of readers. The
 * policy: one per sender. Times are passed in, for the tests. */
#ifndef TM_YIELD_H
#define TM_YIELD_H
#include <stddef.h>
#include <stdint.h>

#define BUSY_WINDOW_NS 100000000LL /* 100 ms */

typedef struct {
    int64_t win_wall, win_cpu; /* writer only: where the window began (wall 0: none yet) */
    int64_t busy_until;        /* ns on the monotonic clock; atomic */
} tm_busy;

/* Writer: samples were just stored; now and the thread's CPU time, ns. */
void busy_note(tm_busy *m, int64_t now_ns, int64_t cpu_ns);
/* Writer: busy_note with the clocks (the thread CPU clock once a window). */
void busy_note_now(tm_busy *m);
int busy_at(const tm_busy *m, int64_t now_ns);

typedef struct {
    int64_t yield_ms;  /* 0: never wait */
    int64_t waited_ms; /* since the sender last caught up */
} tm_yield;

/* Before a request: 1 to wait (step_ms, then ask again), 0 to send now.
 * unread: samples waiting in the queue; at most batch is caught up, and
 * then it never waits (a small request costs little, and a busy loop
 * thread with little to forward must not hold it forever). half_full: the
 * queue takes half its disk bound or more; then it never waits either,
 * so holding never makes the bound drop what would have gone out. */
int yield_wait(tm_yield *y, int busy, int half_full, uint64_t unread, size_t batch, int64_t step_ms);
#endif
