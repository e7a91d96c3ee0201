/* bench.h — the timing harness of the parse benches: bench_best parses buf
 * BENCH_REPS times into b and returns the best wall time in seconds, or -1
 * after saying why when a run did not give want samples without an error
 * (a fast wrong parser measures nothing). Best of several, not the mean:
 * what is measured is the parser, not the machine's other work. */
#ifndef TM_BENCH_H
#define TM_BENCH_H
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "model/batch.h"

#define BENCH_REPS 7

static inline double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static inline double bench_best(void (*parse)(const char *buf, size_t n, tm_batch *b), const char *buf, size_t n,
                                tm_batch *b, size_t want) {
    double best = 1e9;
    for (int rep = 0; rep < BENCH_REPS; rep++) {
        batch_reset(b);
        double t0 = now_s();
        parse(buf, n, b);
        double dt = now_s() - t0;
        if (dt < best) best = dt;
        if (b->n != want || b->nerr) {
            fprintf(stderr, "parsed %zu of %zu, %zu errors: %s\n", b->n, want, b->nerr, b->err);
            return -1;
        }
    }
    return best;
}
#endif
