/* forward.h — every forward target of the server, fed by the store.
 *
 * forward_start subscribes to the store (store_observe): each accepted
 * sample, after the local write, is appended to the queue (queue.h) of
 * every target that wants it, on the loop thread, with one write() per
 * target and batch of a record encoded once for all the targets that take
 * the whole batch; a sender thread per target (sender.h) drains its queue.
 *
 * Which targets want a series is decided once per series and remembered:
 * its name must match a global --forward-match glob (if any) and the
 * target's own filters (target.h), and its type the protocol. Several
 * targets of one kind replicate: each gets everything. With shard, the
 * series of one kind are spread over its targets by rendezvous hashing of
 * the key, each series always to the same `replicas` of them (a target that
 * goes away moves only its own share).
 *
 * Each store_write also feeds the ingest's busy meter (yield.h), which
 * the senders consult before each request. */
#ifndef TM_FORWARD_H
#define TM_FORWARD_H
#include <stddef.h>
#include <stdint.h>

#include "../core/store.h"
#include "../util/buf.h"

#define FWD_MAX_TARGETS 31

typedef struct {
    const char *data_dir;
    char **specs[3]; /* per kind (target.h's FWD_*): target specs */
    size_t nspecs[3];
    char **match; /* global name globs */
    size_t nmatch;
    int shard;
    size_t replicas, batch, batch_max; /* sender.h */
    int flush_ms;
    int64_t yield_ms;  /* yield.h: 0 never waits for a busy ingest */
    uint64_t max_disk; /* bytes per target */
} tm_forward_opts;

typedef struct tm_forward tm_forward;

/* NULL with err set on a bad target; NULL and err empty when there are none. */
tm_forward *forward_start(tm_store *s, const tm_forward_opts *o, char *err, size_t errlen);
/* Unsubscribe, stop the senders; what is queued stays for the next start. */
void forward_stop(tm_forward *f);
/* Per target, Prometheus text: pending bytes and samples, sent, dropped,
 * failed, retries, lag. Fits api's metrics hook. */
void forward_metrics(tm_buf *b, void *f);
#endif
