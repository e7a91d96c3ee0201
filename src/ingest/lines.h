/* lines.h — the line loop Graphite and StatsD share.
 *
 *   tm_lines it = lines_start(buf, len, first_line);
 *   while (lines_next(&it, &p, &e)) parse_line(p, e, it.line, ...);
 *   parse_line: if (!line_begin(b, line, MAX, &p, &e)) return; ...
 *
 * lines_next hands out every line of buf without its '\n' (the last may lack
 * one), it.line its number counted from first_line. line_begin sets b->line,
 * makes a line longer than max bytes an error for that line alone, trims
 * blanks (' ', '\t', '\r': "\r\n" endings are fine) and returns 0 when
 * nothing is left to parse. Inline: this runs once per line of the hottest
 * path. */
#ifndef TM_LINES_H
#define TM_LINES_H
#include <stddef.h>
#include <string.h>

#include "../model/batch.h"

typedef struct {
    const char *p, *end;
    size_t line; /* of the line last handed out */
} tm_lines;

static inline tm_lines lines_start(const char *buf, size_t len, size_t first_line) {
    return (tm_lines){buf, buf + len, first_line - 1}; /* wraps for 0; the first ++ undoes it */
}

static inline int lines_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The next line, as it is; 0 at the end. */
static inline int lines_next(tm_lines *it, const char **ps, const char **pe) {
    if (it->p >= it->end) return 0;
    const char *p = it->p, *nl = memchr(p, '\n', (size_t)(it->end - p));
    *ps = p;
    *pe = nl ? nl : it->end;
    it->p = nl ? nl + 1 : it->end;
    it->line++;
    return 1;
}

/* Ready line for parsing: sets b->line, refuses it when over max, trims it;
 * 0 when nothing is left to parse. */
static inline int line_begin(tm_batch *b, size_t line, size_t max, const char **ps, const char **pe) {
    const char *p = *ps, *e = *pe;
    b->line = line;
    if ((size_t)(e - p) > max) {
        batch_error(b, line, "line longer than %zu bytes", max);
        return 0;
    }
    while (e > p && lines_blank(e[-1])) e--;
    while (p < e && lines_blank(*p)) p++;
    *ps = p;
    *pe = e;
    return p != e;
}
#endif
