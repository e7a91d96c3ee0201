/* alert.c — a ring of per-second counts and the two-state machine. */
#include "alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../util/buf.h"
#include "logfmt.h"

struct glance_alert {
    int window_s;
    double threshold;
    uint64_t *ring; /* complete seconds, second % window_s */
    uint64_t sum;   /* of the ring */
    int64_t cur_s;  /* the second being counted; INT64_MIN before the first hit */
    uint64_t cur;
    int firing;
};

glance_alert *alert_new(int window_s, double threshold) {
    glance_alert *a = xcalloc(1, sizeof *a);
    a->window_s = window_s < 1 ? 1 : window_s;
    a->threshold = threshold;
    a->ring = xcalloc((size_t)a->window_s, sizeof *a->ring);
    a->cur_s = INT64_MIN;
    return a;
}

void alert_free(glance_alert *a) {
    if (!a) return;
    free(a->ring);
    free(a);
}

void alert_hit(glance_alert *a, int64_t t_ms) {
    int64_t s = log_second(t_ms);
    if (a->cur_s == INT64_MIN) a->cur_s = s;
    if (s == a->cur_s) a->cur++;
    else if (s > a->cur_s) { /* the caller did not advance: a later second starts here */
        char m[8];
        double v;
        int64_t at;
        while (alert_advance(a, t_ms, m, 0, &v, &at)) {
        }
        a->cur++;
    } else if (s > a->cur_s - a->window_s) { /* late, but inside the window: count it there */
        a->ring[((s % a->window_s) + a->window_s) % a->window_s]++;
        a->sum++;
    }
}

double alert_average(const glance_alert *a) { return (double)a->sum / a->window_s; }
int alert_firing(const glance_alert *a) { return a->firing; }

static void stamp(char *out, size_t cap, int64_t ms) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int alert_advance(glance_alert *a, int64_t t_ms, char *msg, size_t cap, double *value, int64_t *at_ms) {
    int64_t s = log_second(t_ms);
    while (a->cur_s != INT64_MIN && s > a->cur_s) {
        /* close the current second into the ring */
        uint64_t *slot = &a->ring[((a->cur_s % a->window_s) + a->window_s) % a->window_s];
        a->sum -= *slot;
        *slot = a->cur;
        a->sum += a->cur;
        a->cur = 0;
        a->cur_s++;
        if (s - a->cur_s > a->window_s && !a->sum) a->cur_s = s - a->window_s; /* quiet: skip ahead */
        double avg = alert_average(a);
        int fire = !a->firing && avg > a->threshold, recover = a->firing && avg <= a->threshold;
        if (!fire && !recover) continue;
        a->firing = fire;
        char when[32];
        *at_ms = a->cur_s * 1000; /* the window was judged at the end of its last second */
        stamp(when, sizeof when, *at_ms);
        *value = avg;
        if (cap)
            snprintf(msg, cap, fire ? "High traffic generated an alert - hits = %.2f, triggered at %s"
                                    : "Traffic recovered - hits = %.2f, recovered at %s",
                     avg, when);
        return fire ? 1 : -1;
    }
    return 0;
}
