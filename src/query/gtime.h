/* gtime.h — graphite-web's time forms (render/attime.py), in UTC or in a
 * named zone (graphite-web's `tz`): Unix seconds; "now"; a reference
 * (HH:MM, 9am/5pm, noon, midnight, teatime, today/yesterday/tomorrow,
 * MM/DD/YY[YY], YYYYMMDD, month name + day, weekday name) followed by an
 * offset ("-1h", "+3d", "-5min", "-1mon", "-2y", several units in a row:
 * "-1h30min"). '_', ',' and spaces are ignored, so "04:00_20240101" works.
 * A reference is a wall clock in the zone (pytz's localize); offsets are
 * seconds. A date or time that cannot be (Feb 30, month 13, hour 25) or
 * falls outside years 1..9999 is no time, as Python's datetime refuses it. */
#ifndef TM_GTIME_H
#define TM_GTIME_H
#include <stddef.h>
#include <stdint.h>

#include "../util/tzone.h"

/* 1 and *out (Unix seconds), or 0 when s is no Graphite time. tz NULL: UTC. */
int gtime_parse_tz(const char *s, int64_t now, const tm_tz *tz, int64_t *out);
int gtime_parse(const char *s, int64_t now, int64_t *out); /* in UTC */
/* An offset alone ("-1h", "5min", "1d"): seconds, signed; 1 ok, 0 bad. */
int gtime_offset(const char *s, int64_t *secs);
#endif
