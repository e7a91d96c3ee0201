#include "loopwait.h"

#include "../util/spin.h"

static int64_t touched; /* loop thread only */

void loop_touch(void) { touched = mono_ns(); }

void loop_run(struct event_base *b) {
    for (;;) {
        int polling = mono_ns() - touched < SPIN_NS;
        if (event_base_loop(b, polling ? EVLOOP_NONBLOCK : EVLOOP_ONCE)) break; /* 1: no events left */
        if (event_base_got_exit(b) || event_base_got_break(b)) break;
    }
}
