/* clock.h — the monotonic clock, for intervals and deadlines (never for a
 * sample's time: that is the wall clock, timeparse.h's now_ms). */
#ifndef TM_CLOCK_H
#define TM_CLOCK_H
#include <stdint.h>
#include <time.h>

static inline int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t mono_ms(void) { return mono_ns() / 1000000; }
#endif
