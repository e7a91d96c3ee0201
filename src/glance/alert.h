/* alert.h — the traffic alert: the average requests per second over the
 * last --alert-window, against --alert-threshold, on the log's own clock.
 *
 * Seconds are counted as records arrive; each time the clock enters a new
 * second, the seconds before it are complete and the average over the last
 * window of them is compared: above the threshold fires (once), back at or
 * below it recovers (once). The messages are SPEC's, word for word. */
#ifndef TM_GLANCE_ALERT_H
#define TM_GLANCE_ALERT_H
#include <stddef.h>
#include <stdint.h>

typedef struct glance_alert glance_alert;

glance_alert *alert_new(int window_s, double threshold);
void alert_free(glance_alert *a);
/* One request at t_ms (its second may be the current one or a later one). */
void alert_hit(glance_alert *a, int64_t t_ms);
/* Move the clock to t_ms. On a transition, msg gets its line and *value
 * the average; returns 1 fired, -1 recovered, 0 nothing. Call until 0: a
 * jump may complete several seconds, each is judged in turn. */
int alert_advance(glance_alert *a, int64_t t_ms, char *msg, size_t cap, double *value, int64_t *at_ms);
int alert_firing(const glance_alert *a);
/* The average over the window of complete seconds, now. */
double alert_average(const glance_alert *a);
#endif
