/* spin.h — wait a moment awake before sleeping.
 *
 * A thread that sleeps (epoll_wait, a condition variable) and is woken on an
 * idle core of a virtual machine pays tens of microseconds for the wake: more
 * than the answer of a small query. The event loop and the query workers so
 * poll for SPIN_NS after they last had work, and only then sleep; Go's
 * scheduler does the same. SPIN_NS is longer than a kept-alive client's turn
 * between two requests. */
#ifndef TM_SPIN_H
#define TM_SPIN_H
#include "clock.h"

#define SPIN_NS 250000

static inline void spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}
#endif
