/* yield.c — the ingest's busy meter and the sender's waiting policy. */
#include "yield.h"

#include <time.h>

#include "../util/clock.h"

void busy_note(tm_busy *m, int64_t now_ns, int64_t cpu_ns) {
    int64_t span = now_ns - m->win_wall;
    if (m->win_wall && span < BUSY_WINDOW_NS) return;
    /* a quarter of a core: well above what a steady stream costs, well
     * below what a burst takes even when other work shares the cores */
    if (m->win_wall && (cpu_ns - m->win_cpu) * 4 >= span)
        __atomic_store_n(&m->busy_until, now_ns + 2 * BUSY_WINDOW_NS, __ATOMIC_RELAXED);
    m->win_wall = now_ns;
    m->win_cpu = cpu_ns;
}

void busy_note_now(tm_busy *m) {
    int64_t now = mono_ns();
    if (m->win_wall && now - m->win_wall < BUSY_WINDOW_NS) return; /* the CPU clock is a system call */
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    busy_note(m, now, (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec);
}

int busy_at(const tm_busy *m, int64_t now_ns) {
    return now_ns < __atomic_load_n(&m->busy_until, __ATOMIC_RELAXED);
}

int yield_wait(tm_yield *y, int busy, int half_full, uint64_t unread, size_t batch, int64_t step_ms) {
    if (unread <= batch) { /* caught up: what is left costs little, and the budget is whole again */
        y->waited_ms = 0;
        return 0;
    }
    if (!y->yield_ms || !busy || half_full || y->waited_ms >= y->yield_ms) return 0;
    y->waited_ms += step_ms;
    return 1;
}
