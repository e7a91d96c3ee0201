/* statsd_agg.h — StatsD aggregation between flushes, as Etsy's statsd does
 * with its defaults (no sockets, no store, no clock).
 *
 * Counters sum value/rate; gauges keep their value across flushes (a delta
 * adjusts it); timers keep every value and count 1/rate each; sets count
 * distinct members (by 64-bit hash). A flush writes, stamped ts:
 *   stats.counters.X.count, .rate (count / interval in seconds)
 *   stats.gauges.X
 *   stats.timers.X.count, .count_ps, .lower, .upper, .mean, .median, .std,
 *     .sum, .sum_squares, .upper_90, .mean_90, .sum_90, .sum_squares_90,
 *     .count_90 (Etsy's percentile: sort, keep the round(0.9 * n) lowest);
 *     an idle timer writes only .count and .count_ps, both 0
 *   stats.sets.X.count
 * then zeroes counters, timers and sets. Metrics are never forgotten (an
 * idle counter is written as 0, as Etsy does without deleteCounters). A
 * value that overflowed to infinity (or NaN) is not written.
 * Tags ride on the series key. Bounds: max_metrics distinct (kind, key)
 * pairs, max_values timer values plus set members held per interval; past
 * them the event is refused with a message. One thread only. */
#ifndef TM_STATSD_AGG_H
#define TM_STATSD_AGG_H
#include <stddef.h>
#include <stdint.h>

#include "../model/batch.h"
#include "statsd.h"

#define STATSD_MAX_METRICS 100000
#define STATSD_MAX_VALUES (4u << 20)

typedef struct statsd_agg statsd_agg;

statsd_agg *statsd_agg_new(size_t max_metrics, size_t max_values); /* 0: the defaults above */
void statsd_agg_free(statsd_agg *a);

/* Fold one event in; NULL, or why it was refused. */
const char *statsd_agg_add(statsd_agg *a, const statsd_event *ev);
/* statsd_agg_add as a statsd_event_fn (ctx is the aggregator). */
const char *statsd_agg_event(void *ctx, const statsd_event *ev);

/* Append every metric's values stamped ts (ms) to b and start a new
 * interval; interval_ms is the flush period (for rates). Returns the number
 * of samples added. */
size_t statsd_agg_flush(statsd_agg *a, int64_t ts, int64_t interval_ms, tm_batch *b);

size_t statsd_agg_metrics(const statsd_agg *a);  /* distinct metrics held */
uint64_t statsd_agg_events(const statsd_agg *a); /* events folded since the last flush */
#endif
