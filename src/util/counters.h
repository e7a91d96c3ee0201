/* counters.h — the server's own health counters, exported at GET /metrics.
 * Listeners add to them; nothing reads them on a hot path. */
#ifndef TM_COUNTERS_H
#define TM_COUNTERS_H
#include <stdint.h>

enum tm_proto { P_GRAPHITE, P_STATSD, P_INFLUX, P_PROMWRITE, P_ADD, P_JSON, P_RELAY, P_NPROTO };
extern const char *const proto_names[P_NPROTO];

#define HTTP_BUCKETS 12
extern const double http_bucket_le[HTTP_BUCKETS]; /* seconds */

struct tm_counters {
    uint64_t received[P_NPROTO]; /* samples stored */
    uint64_t rejected[P_NPROTO]; /* lines or fields refused */
    uint64_t http_hist[HTTP_BUCKETS + 1];
    uint64_t http_count;
    double http_sum;
    uint64_t queries_loop, queries_worker; /* answered on the loop thread (engine_here), on a worker */
};
extern struct tm_counters counters;

static inline void count_add(uint64_t *c, uint64_t n) { __atomic_add_fetch(c, n, __ATOMIC_RELAXED); }
void count_http(double seconds);
#endif
