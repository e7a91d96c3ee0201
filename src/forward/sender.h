/* sender.h — one thread per target: reads batches from its queue, sends
 * them, and acknowledges them in the queue only once the remote has.
 *
 * A batch (one request) is up to `batch` samples, sent as soon as it is
 * full or `flush_ms` after its first sample was read; while more than
 * `batch` samples wait unread, it takes them all, up to `batch_max` (and
 * about SENDER_KEY_BYTES of series keys, below receivers' body limits).
 * What a crash sends twice is the one batch in flight: at most
 * max(batch, batch_max) samples. Remote write's rules for every HTTP
 * target: 2xx is delivered; 5xx, 429 and no answer are retried with
 * exponential backoff from 1 s to 1 min (the same batch, so order holds);
 * any other 4xx drops the batch, counted and logged once with the remote's
 * message. Graphite has no answer: a batch is one connection, delivered when
 * the peer has read it all and closed its side after our shutdown. Before
 * each request it waits while the ingest is busy, within a bound (yield.h). */
#ifndef TM_SENDER_H
#define TM_SENDER_H
#include <stdint.h>

#include "queue.h"
#include "target.h"
#include "yield.h"

#define SENDER_KEY_BYTES (8u << 20)

typedef struct {
    uint64_t sent, rejected, failed, retries; /* samples, samples, requests, requests */
    uint64_t requests;                         /* delivered */
    uint64_t yielded_ms;                       /* waited for a busy ingest */
} tm_sender_stats;

typedef struct {
    size_t batch, batch_max;
    int flush_ms;
    int64_t yield_ms;     /* yield.h; 0: never wait */
    const tm_busy *busy;  /* the ingest's meter */
} tm_sender_opts;

typedef struct tm_sender tm_sender;

tm_sender *sender_start(const tm_target_spec *t, tm_queue *q, const tm_sender_opts *o);
/* Ends the thread: an attempt in flight is abandoned, nothing acknowledged is lost. */
void sender_stop(tm_sender *s);
void sender_stats(tm_sender *s, tm_sender_stats *st);
#endif
