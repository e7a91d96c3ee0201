/* window.h — what an access log says over its last few seconds.
 *
 * Time is the log's own: "now" is the newest second a record (or the
 * caller, for a live log gone quiet) has brought, so an old log replays
 * with the same windows it had live. A summary covers the last window of
 * complete seconds: the one still being counted would read low. Records are added to per-second slots;
 * as now moves on, seconds older than the window leave and their counts are
 * taken off running totals, so a summary costs the number of distinct keys
 * in the window, not the number of records. Keys no record in the window
 * holds are dropped from time to time, so memory follows the window, not
 * the log's length. */
#ifndef TM_WINDOW_H
#define TM_WINDOW_H
#include <stddef.h>
#include <stdint.h>

#include "logfmt.h"

#define WIN_TOP_MAX 32
#define WIN_SPARK 60 /* seconds of req/s history for the sparkline */

typedef struct glance_win glance_win;

glance_win *win_new(int window_s);
void win_free(glance_win *w);
/* Count a record at its time (ms); one older than the window counts in
 * the totals only. A time ahead of now moves now there first. */
void win_add(glance_win *w, const log_rec *r, int64_t ts_ms);
/* Move now to t_ms if it is later (a live log's clock). */
void win_advance(glance_win *w, int64_t t_ms);
int64_t win_now_ms(const glance_win *w); /* INT64_MIN before the first record */

typedef struct {
    char key[96];
    uint64_t hits;
} win_top;

enum { ST_1XX, ST_2XX, ST_3XX, ST_4XX, ST_5XX, ST_OTHER, ST_N };

typedef struct {
    int window_s;
    double req_s, bytes_s, latency_ms; /* latency: mean over records that had one, NaN if none */
    uint64_t requests, bytes, status[ST_N];
    uint64_t total;                       /* every record since the start */
    win_top sections[WIN_TOP_MAX], hosts[WIN_TOP_MAX], methods[WIN_TOP_MAX];
    size_t nsections, nhosts, nmethods;
    uint32_t spark[WIN_SPARK]; /* requests per second, oldest first, the newest second last */
} win_summary;

/* The window now, with the top n (<= WIN_TOP_MAX) of each kind, by hits
 * (by_name: alphabetically instead). */
void win_summarize(glance_win *w, size_t n, int by_name, win_summary *out);
#endif
