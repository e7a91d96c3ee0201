/* glance.h — `tidemark glance`: an access log's last seconds on the console.
 *
 * The log is followed (follow.h), its lines read in its format (logfmt.h),
 * counted into a window of its own time (window.h) and judged by the
 * traffic alert (alert.h). Every --refresh the summary is drawn: an ncurses
 * screen, or with --no-tui plain text blocks (pipes, tests). Alert
 * transitions are printed as they happen, in SPEC's words, and appended to
 * --alert-log as JSON lines. Standard input and --replay read a log to its
 * end on its own clock (a summary each --refresh of log time) and exit. */
#ifndef TM_GLANCE_H
#define TM_GLANCE_H
#include <stdint.h>
#include <stdio.h>

#include "window.h"

typedef struct {
    const char *path, *format, *alert_log;
    int window_s, alert_window_s, top;
    double threshold;
    int64_t refresh_ms;
    int no_tui, replay, once;
} glance_opts;

int glance_run(const glance_opts *o);

/* The summary as text lines, as --no-tui prints it. */
void glance_report(FILE *out, const win_summary *s, int64_t now_ms, uint64_t lines, uint64_t malformed);

/* The console (tui.c): start, draw, read a key (-1: none within ms). */
int tui_start(void);
void tui_stop(void);
void tui_draw(const glance_opts *o, const win_summary *s, int64_t now_ms, uint64_t lines, uint64_t malformed,
              const char *const *alerts, size_t nalerts, int paused, int by_name);
int tui_key(int ms);

/* `tidemark glance --generate`: a realistic log, lines per second, to out (generate.c). */
int glance_generate(FILE *out, double rate, int64_t lines, int64_t start_ms);
#endif
