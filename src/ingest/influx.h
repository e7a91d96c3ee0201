/* influx.h — InfluxDB line protocol, as InfluxDB 1.x reads it.
 *
 *   measurement[,tag=v...] field=v[,field2=v2...] [timestamp]
 *
 * Each field becomes one sample of series "measurement.field" with the line's
 * tags. Values: floats (1, -1.5, 1e3, .5), integers "12i", unsigned "12u",
 * booleans (t T true True TRUE f F false False FALSE, stored as 1 and 0) and
 * double-quoted strings (\" and \\ escapes; they may span lines, as InfluxDB
 * allows). Backslash escapes ',' and ' ' in measurements, and ',' ' ' '='
 * in tag keys, tag values and field keys; any other backslash is literal.
 * Blank lines, '#' comments, leading blanks and CRLF endings are fine.
 *
 * Tag values keep every byte as sent ("host=my\ box" is "my box"). A
 * measurement, field or tag key cannot hold blanks, ';' or control bytes
 * (nor '=' or '~' in tag keys), which line protocol allows once escaped:
 * there each such byte becomes '_'.
 *
 * A bad line (or a string left open) is an error for its first physical
 * line alone: no sample of it is kept, parsing goes on at the next line.
 * Bounds: a line of INFLUX_LINE_MAX bytes, INFLUX_FIELDS_MAX fields, keys of
 * TM_KEY_MAX, strings of TM_STR_MAX. */
#ifndef TM_INFLUX_H
#define TM_INFLUX_H
#include <stddef.h>
#include <stdint.h>

#include "../model/batch.h"

#define INFLUX_LINE_MAX (64 * 1024)
#define INFLUX_FIELDS_MAX 1024

/* Nanoseconds per unit of a "precision" parameter: "" or NULL, "n", "ns"
 * → 1; "u", "us", "µ" → 1e3; "ms" → 1e6; "s" → 1e9; "m" → 60e9; "h" →
 * 3600e9. Returns 0 for anything else. */
int64_t influx_precision(const char *s);

/* Parse buf (whole lines; the last may lack its newline) with timestamps in
 * units of unit_ns (from influx_precision). A line without a timestamp gets
 * now (ms) cut down to the precision when it is coarser than a millisecond,
 * as InfluxDB does; with now == TM_TS_NOW the store stamps it instead.
 * Lines are numbered from 1. */
void influx_parse(const char *buf, size_t len, int64_t unit_ns, int64_t now, tm_batch *b);
#endif
