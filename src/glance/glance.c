/* glance.c — the loop of `tidemark glance`: read, count, judge, draw. */
#include "glance.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/buf.h"
#include "../util/jsonw.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "alert.h"
#include "follow.h"
#include "logfmt.h"

#define ALERTS_KEPT 200
#define LIVE_LAG_MS (3600 * 1000) /* a log whose newest line is this close to now is live */

static volatile sig_atomic_t stop_flag;
static void on_stop(int sig) {
    (void)sig;
    stop_flag = 1;
}

typedef struct {
    const glance_opts *o;
    log_format *fmt;
    log_follow *in;
    glance_win *win;
    glance_alert *alert;
    FILE *alert_log;
    uint64_t lines, malformed;
    int64_t next_log_report; /* replay: the log time of the next summary */
    char *alerts[ALERTS_KEPT];
    size_t nalerts;
    int tui, paused, by_name;
} glance_state;

static int64_t line_time(void *arg, const char *line, size_t n) {
    log_rec r;
    return logfmt_parse(arg, line, n, &r) ? r.ts_ms : INT64_MIN;
}

static void record_alert(glance_state *g, int dir, const char *msg, double value, int64_t at) {
    if (!g->tui) printf("%s\n", msg), fflush(stdout);
    if (g->nalerts == ALERTS_KEPT) free(g->alerts[0]), memmove(g->alerts, g->alerts + 1, --g->nalerts * sizeof(char *));
    g->alerts[g->nalerts++] = xstrndup(msg, strlen(msg));
    if (!g->alert_log) return;
    tm_buf b = {0};
    buf_put(&b, "{\"time\":", 8);
    json_put_time(&b, at);
    buf_printf(&b, ",\"state\":\"%s\",\"hits\":", dir > 0 ? "firing" : "ok");
    json_put_number(&b, value);
    buf_put(&b, ",\"threshold\":", 13);
    json_put_number(&b, g->o->threshold);
    buf_put(&b, ",\"message\":", 11);
    json_put_string(&b, msg, strlen(msg));
    buf_put(&b, "}\n", 2);
    fwrite(b.p, 1, b.n, g->alert_log);
    fflush(g->alert_log);
    buf_free(&b);
}

static void summary(glance_state *g) {
    win_summary s;
    win_summarize(g->win, (size_t)g->o->top, g->by_name, &s);
    if (g->tui)
        tui_draw(g->o, &s, win_now_ms(g->win), g->lines, g->malformed, (const char *const *)g->alerts, g->nalerts,
                 g->paused, g->by_name);
    else
        glance_report(stdout, &s, win_now_ms(g->win), g->lines, g->malformed);
}

/* Move the log clock to t, judging the alert on the way. */
static void clock_to(glance_state *g, int64_t t) {
    char msg[256];
    double v;
    int64_t at;
    int d;
    while ((d = alert_advance(g->alert, t, msg, sizeof msg, &v, &at))) record_alert(g, d, msg, v, at);
    win_advance(g->win, t);
}

static void take_line(glance_state *g, const char *p, size_t n) {
    log_rec r;
    g->lines++;
    if (!n) return;
    if (!logfmt_parse(g->fmt, p, n, &r)) {
        g->malformed++;
        return;
    }
    int64_t ts = r.ts_ms == INT64_MIN ? now_ms() : r.ts_ms;
    int64_t now = win_now_ms(g->win);
    if (g->next_log_report != INT64_MIN && now != INT64_MIN && ts >= g->next_log_report) {
        clock_to(g, g->next_log_report); /* the summary of that moment, before this line counts */
        summary(g);
        int64_t step = g->o->refresh_ms;
        g->next_log_report += ((ts - g->next_log_report) / step + 1) * step;
    }
    if (g->next_log_report == INT64_MIN && (g->o->replay || !strcmp(g->o->path, "-")))
        g->next_log_report = (ts / g->o->refresh_ms + 1) * g->o->refresh_ms;
    if (now == INT64_MIN || ts > now) clock_to(g, ts);
    win_add(g->win, &r, ts);
    alert_hit(g->alert, ts);
}

static int open_all(glance_state *g, const glance_opts *o) {
    char err[512];
    memset(g, 0, sizeof *g);
    g->o = o;
    g->next_log_report = INT64_MIN;
    if (!(g->fmt = logfmt_compile(o->format, err, sizeof err))) {
        fprintf(stderr, "tidemark glance: %s\n", err);
        return 2;
    }
    int64_t back = (int64_t)(o->window_s > o->alert_window_s ? o->window_s : o->alert_window_s) * 1000;
    if (back < WIN_SPARK * 1000) back = WIN_SPARK * 1000;
    if (!(g->in = follow_open(o->path, o->replay ? 0 : back, line_time, g->fmt, -1, 0, err, sizeof err))) {
        fprintf(stderr, "tidemark glance: %s\n", err);
        return 1;
    }
    if (o->alert_log && !(g->alert_log = fopen(o->alert_log, "a"))) {
        fprintf(stderr, "tidemark glance: cannot open --alert-log %s: %s\n", o->alert_log, strerror(errno));
        return 1;
    }
    g->win = win_new(o->window_s);
    g->alert = alert_new(o->alert_window_s, o->threshold);
    return 0;
}

static void close_all(glance_state *g) {
    for (size_t i = 0; i < g->nalerts; i++) free(g->alerts[i]);
    if (g->alert_log) fclose(g->alert_log);
    win_free(g->win);
    alert_free(g->alert);
    follow_close(g->in);
    logfmt_free(g->fmt);
}

/* Read what there is, for at most budget_ms; the last follow_line result. */
static int read_some(glance_state *g, int64_t budget_ms) {
    int64_t end = now_ms() + budget_ms;
    const char *p;
    size_t n;
    int r;
    for (int i = 0; (r = follow_line(g->in, &p, &n)) == 1; i++) {
        take_line(g, p, n);
        if ((i & 4095) == 4095 && now_ms() > end) break;
    }
    return r;
}

static void handle_key(glance_state *g, int c) {
    if (c == 'q' || c == 'Q') stop_flag = 1;
    else if (c == 'p' || c == 'P' || c == ' ') g->paused = !g->paused;
    else if (c == 's' || c == 'S') g->by_name = !g->by_name;
    if (c >= 0 && c != 'q' && c != 'Q') summary(g);
}

int glance_run(const glance_opts *o) {
    glance_state g;
    int rc = open_all(&g, o);
    if (rc) {
        close_all(&g);
        return rc;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    g.tui = !o->no_tui && !o->once && !tui_start();
    int64_t next_draw = now_ms();
    int log_clock = !g.tui && (o->replay || !strcmp(o->path, "-")); /* summaries on the log's time instead */
    while (!stop_flag) {
        int r = g.paused ? 0 : read_some(&g, 50);
        if (r == -1 || (r == 0 && (o->replay || o->once))) break; /* the end of a stream or a replay */
        int64_t now = now_ms(), newest = win_now_ms(g.win);
        if (r == 0 && !g.paused && newest != INT64_MIN && now - newest < LIVE_LAG_MS && now > newest)
            clock_to(&g, now); /* a live log gone quiet: its windows empty as time goes by */
        if (now >= next_draw && !g.paused && !log_clock) {
            summary(&g);
            next_draw = now + o->refresh_ms;
        }
        if (g.tui) handle_key(&g, tui_key(r == 1 ? 0 : 100));
        else if (r == 0) {
            struct timespec ts = {0, 100 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    if (!g.tui) summary(&g); /* where it ended */
    if (g.tui) tui_stop();
    close_all(&g);
    return 0;
}
