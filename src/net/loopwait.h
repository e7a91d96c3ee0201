/* loopwait.h — the server's event loop, which polls a moment before it sleeps
 * (util/spin.h says why): for SPIN_NS after HTTP input or a finished query it
 * polls without sleeping, so a kept-alive client's next request or a worker's
 * answer is taken at once. The polls cost nothing while the loop is busy and
 * stop by themselves when it is idle. Loop thread only. */
#ifndef TM_LOOPWAIT_H
#define TM_LOOPWAIT_H
#include <event2/event.h>

void loop_touch(void);               /* something a client waits on happened */
void loop_run(struct event_base *b); /* event_base_dispatch, with the polls */
#endif
