/* statsd_server.c — StatsD listeners, aggregator and flush timer on the
 * event loop thread (so the aggregator needs no lock). */
#include "statsd_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ingest/statsd.h"
#include "../ingest/statsd_agg.h"
#include "../util/buf.h"
#include "../util/counters.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "listen.h"
#include "sink.h"

struct tm_statsd {
    tm_store *store;
    statsd_agg *agg;
    tm_sink sink; /* its batch carries only the bad lines */
    tm_listener *tcp, *udp;
    struct event *timer;
    int64_t every, last; /* flush interval; stamp of the last flush (ms) */
    tm_batch out;
};

static void sink_statsd(void *ctx, const char *buf, size_t len, size_t first_line, tm_batch *b) {
    statsd_parse(buf, len, first_line, b, statsd_agg_event, ctx);
}

static void flush(tm_statsd *s, int64_t stamp) {
    if (stamp <= s->last) stamp = s->last + 1; /* never overwrite the previous flush */
    s->last = stamp;
    batch_reset(&s->out);
    statsd_agg_flush(s->agg, stamp, s->every, &s->out);
    size_t stored = s->out.n ? store_write(s->store, &s->out, now_ms()) : 0;
    count_add(&counters.received[P_STATSD], stored);
    if (s->out.nerr) {
        count_add(&counters.rejected[P_STATSD], s->out.nerr);
        log_limited(LOG_WARN, "statsd flush: %zu sample(s) refused by the store, first: %s", s->out.nerr,
                    s->out.err);
    }
}

static void arm_at(tm_statsd *s, int64_t when) {
    int64_t wait = when - now_ms();
    if (wait < 0) wait = 0;
    struct timeval tv = {(time_t)(wait / 1000), (suseconds_t)(wait % 1000) * 1000};
    evtimer_add(s->timer, &tv);
}

static void on_flush(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    tm_statsd *s = arg;
    /* stamp the boundary this timer was set for: the loop may wake a few ms
     * early (clocks differ) or late (busy) */
    int64_t slack = s->every / 4 < 50 ? s->every / 4 : 50;
    int64_t now = now_ms(), at = (now + slack) / s->every * s->every;
    flush(s, at);
    now = now_ms();
    arm_at(s, at + s->every > now ? at + s->every : (now / s->every + 1) * s->every);
}

tm_statsd *statsd_start(struct event_base *base, tm_store *store, const char *addr, const char *flush, char *err,
                        size_t errlen) {
    int64_t every = 0;
    if (!flush || !parse_duration_ms(flush, strlen(flush), &every) || every <= 0) {
        snprintf(err, errlen, "bad --statsd-flush \"%s\" (want a duration such as 10s or 500ms)", flush ? flush : "");
        return NULL;
    }
    tm_statsd *s = xcalloc(1, sizeof *s);
    s->store = store;
    s->every = every;
    s->agg = statsd_agg_new(0, 0);
    batch_init(&s->out);
    sink_init(&s->sink, store, sink_statsd, s->agg, P_STATSD);
    s->tcp = tcp_listen(base, "StatsD", addr, &s->sink, err, errlen);
    s->udp = s->tcp ? udp_listen(base, "StatsD", addr, &s->sink, err, errlen) : NULL;
    if (!s->udp) {
        statsd_stop(s);
        return NULL;
    }
    s->timer = evtimer_new(base, on_flush, s);
    arm_at(s, (now_ms() / s->every + 1) * s->every);
    return s;
}

void statsd_stop(tm_statsd *s) {
    if (!s) return;
    listener_free(s->tcp);
    listener_free(s->udp);
    if (s->timer) {
        event_free(s->timer);
        if (statsd_agg_events(s->agg)) flush(s, now_ms());
    }
    statsd_agg_free(s->agg);
    sink_free(&s->sink);
    batch_free(&s->out);
    free(s);
}
