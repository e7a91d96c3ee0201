/* tui.c — the ncurses screen of `tidemark glance`: totals, status classes,
 * a sparkline of req/s, the top sections, hosts and methods, and the alert
 * history; keys p (pause), s (sort by hits or name), q (quit). Plain ASCII,
 * so it reads the same in any terminal and locale. */
#include <curses.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>

#include "glance.h"

int tui_start(void) {
    /* the log may be standard input (-f -): the keys then come from the terminal itself */
    if (!isatty(0)) {
        FILE *tty = fopen("/dev/tty", "r");
        if (!tty || !newterm(NULL, stdout, tty)) return -1;
    } else if (!initscr()) {
        return -1;
    }
    cbreak();
    noecho();
    curs_set(0);
    keypad(stdscr, TRUE);
    return 0;
}

void tui_stop(void) { endwin(); }

int tui_key(int ms) {
    timeout(ms);
    int c = getch();
    return c == ERR ? -1 : c;
}

static void spark(int y, int x, int width, const uint32_t *v, size_t n) {
    static const char LEVELS[] = " .:-=+*#%@";
    uint32_t max = 1;
    for (size_t i = 0; i < n; i++) max = v[i] > max ? v[i] : max;
    size_t from = n > (size_t)width ? n - (size_t)width : 0;
    move(y, x);
    for (size_t i = from; i < n; i++) addch((chtype)LEVELS[v[i] ? 1 + (v[i] * 8) / max : 0]);
    printw("  max %u/s", max);
}

static void column(int y, int x, int w, const char *title, const win_top *t, size_t n, int rows) {
    attron(A_BOLD);
    mvprintw(y, x, "%-*.*s", w, w, title);
    attroff(A_BOLD);
    for (int i = 0; i < rows; i++) {
        move(y + 1 + i, x);
        if ((size_t)i < n) printw("%-*.*s %7llu", w - 8, w - 8, t[i].key, (unsigned long long)t[i].hits);
    }
}

void tui_draw(const glance_opts *o, const win_summary *s, int64_t now_ms, uint64_t lines, uint64_t malformed,
              const char *const *alerts, size_t nalerts, int paused, int by_name) {
    int rows, cols;
    getmaxyx(stdscr, rows, cols);
    erase();
    char when[32] = "-";
    if (now_ms != INT64_MIN) {
        time_t t = (time_t)(now_ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    }
    attron(A_REVERSE);
    mvprintw(0, 0, "%-*.*s", cols, cols, "");
    mvprintw(0, 0, " tidemark glance  %s  %s UTC  last %ds%s", o->path, when, s->window_s, paused ? "  [PAUSED]" : "");
    attroff(A_REVERSE);
    mvprintw(2, 1, "requests/s %8.2f   bytes/s %10.1f   requests %llu   lines %llu   malformed %llu", s->req_s,
             s->bytes_s, (unsigned long long)s->requests, (unsigned long long)lines, (unsigned long long)malformed);
    double all = (double)(s->requests ? s->requests : 1);
    mvprintw(3, 1, "status  2xx %5.1f%%  3xx %5.1f%%  4xx %5.1f%%  5xx %5.1f%%", 100 * s->status[ST_2XX] / all,
             100 * s->status[ST_3XX] / all, 100 * s->status[ST_4XX] / all, 100 * s->status[ST_5XX] / all);
    if (!isnan(s->latency_ms)) printw("   latency %.1f ms", s->latency_ms);
    mvprintw(4, 1, "req/s   ");
    spark(4, 9, cols - 24 > 0 ? cols - 24 : 1, s->spark, WIN_SPARK);
    int w = (cols - 2) / 3, top = o->top < rows - 12 ? o->top : rows - 12;
    if (top < 1) top = 1;
    column(6, 1, w - 1, by_name ? "sections (by name)" : "sections", s->sections, s->nsections, top);
    column(6, 1 + w, w - 1, "hosts", s->hosts, s->nhosts, top);
    column(6, 1 + 2 * w, w - 1, "methods", s->methods, s->nmethods, top);
    int ay = 8 + top;
    attron(A_BOLD);
    mvprintw(ay, 1, "alerts (average over %ds, threshold %g req/s)", o->alert_window_s, o->threshold);
    attroff(A_BOLD);
    size_t show = rows - ay - 3 > 0 ? (size_t)(rows - ay - 3) : 0;
    size_t from = nalerts > show ? nalerts - show : 0;
    for (size_t i = from; i < nalerts; i++) mvprintw(ay + 1 + (int)(i - from), 1, "%.*s", cols - 2, alerts[i]);
    mvprintw(rows - 1, 0, " p pause   s sort by %s   q quit", by_name ? "hits" : "name");
    refresh();
}
