/* statsd.h — StatsD lines into events; a pure parser (no sockets, no state).
 *
 * A line is "name:value|type[|@rate][|#k:v,k2:v2]", types c (counter),
 * g (gauge; a leading '+'/'-' marks a delta), ms and h (timers; DogStatsD's
 * d too), s (set; the value is any string). Lines end in "\n" or "\r\n";
 * blank lines are skipped. Also accepted: Etsy's several values per line
 * ("a:1|c:2|c"), DogStatsD's packed values ("a:1:2:3|h"), bare DogStatsD
 * tags (#canary, value "true"), Graphite 1.1 tags in the name
 * ("a;k=v:1|c"), and DogStatsD's container "|c:ID" and "|T<unix>" fields
 * (ignored: aggregation sets the time). Names are cleaned as Etsy's statsd
 * does where a series key could not hold them: blank runs become '_',
 * '/' becomes '-', control bytes are dropped. A malformed line is recorded
 * with batch_error (1-based line, clear message) and emits nothing; the rest
 * are kept. fn sees each event of a good line and may refuse it with a
 * message, which is recorded the same way. */
#ifndef TM_STATSD_H
#define TM_STATSD_H
#include <stddef.h>

#include "../model/batch.h"

#define STATSD_LINE_MAX 4096                 /* a longer line is rejected */
#define STATSD_KEY_MAX (TM_KEY_MAX - 32)     /* room for "stats.timers." and ".sum_squares_90" */
#define STATSD_VALUES_MAX 64                 /* values in one line */

enum statsd_kind { SD_COUNTER, SD_GAUGE, SD_TIMER, SD_SET };

typedef struct {
    const char *key; /* canonical series key "name;k=v..." (valid during the call) */
    size_t klen;
    int kind;       /* enum statsd_kind */
    int delta;      /* gauge: the value was signed, so it adjusts */
    double value;   /* counter, gauge, timer */
    double rate;    /* sample rate in (0, inf), 1 when absent */
    const char *member; /* set: the value as sent ("0" when empty, as Etsy) */
    size_t mlen;
    size_t line;
} statsd_event;

typedef const char *(*statsd_event_fn)(void *ctx, const statsd_event *ev);

void statsd_parse(const char *buf, size_t len, size_t first_line, tm_batch *b, statsd_event_fn fn, void *ctx);
#endif
