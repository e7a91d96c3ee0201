/* graphite.h — Graphite plaintext: "name value timestamp" per line.
 *
 * Accepts "\n" and "\r\n" endings, blank lines, leading/trailing spaces or
 * tabs between fields, Graphite 1.1 tags "name;k=v;k2=v2" (tag values may
 * hold dots, keys may begin with '_'), a missing or "-1" timestamp (now),
 * fractional timestamps (seconds). A "nan" value is skipped silently
 * (collectd sends it for the first point of a rate); any other unparsable
 * line is an error for that line alone. The buffer holds whole lines; the
 * last may lack its newline. first_line numbers the first line (1-based). */
#ifndef TM_GRAPHITE_H
#define TM_GRAPHITE_H
#include <stddef.h>

#include "../model/batch.h"

#define TM_LINE_MAX 4096 /* a longer line is rejected */
void graphite_parse(const char *buf, size_t len, size_t first_line, tm_batch *b);
#endif
