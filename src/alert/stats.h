/* stats.h — alerts' counters for GET /metrics (one server per process).
 * Written by the evaluator and the delivery thread, read by /metrics. */
#ifndef TM_ALERT_STATS_H
#define TM_ALERT_STATS_H
#include <stdint.h>

struct alert_stats {
    uint64_t evaluations;   /* rule evaluations */
    uint64_t transitions;   /* visible state changes (firing, level, resolved) */
    uint64_t sent, failed;  /* notifications delivered / given up on */
    uint64_t attempts_failed; /* delivery attempts that failed (each retry counts) */
    uint64_t eval_ns;       /* time spent evaluating */
    uint64_t pending;       /* waiting in the outbox (a gauge) */
    uint64_t firing;        /* series firing now (a gauge) */
};
extern struct alert_stats alert_stats;

static inline void astat_add(uint64_t *c, uint64_t n) { __atomic_add_fetch(c, n, __ATOMIC_RELAXED); }
static inline void astat_set(uint64_t *c, uint64_t n) { __atomic_store_n(c, n, __ATOMIC_RELAXED); }
static inline uint64_t astat_get(const uint64_t *c) { return __atomic_load_n(c, __ATOMIC_RELAXED); }
#endif
