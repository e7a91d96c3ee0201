/* gtime.h — graphite-web's time forms (render/attime.py), in UTC:
 * Unix seconds; "now"; a reference (HH:MM, 9am/5pm, noon, midnight,
 * teatime, today/yesterday/tomorrow, MM/DD/YY[YY], YYYYMMDD, month name +
 * day, weekday name) followed by an offset ("-1h", "+3d", "-5min",
 * "-1mon", "-2y", several units in a row: "-1h30min"). '_', ',' and spaces
 * are ignored, so "04:00_20240101" works. */
#ifndef TM_GTIME_H
#define TM_GTIME_H
#include <stddef.h>
#include <stdint.h>

/* 1 and *out (Unix seconds), or 0 when s is no Graphite time. */
int gtime_parse(const char *s, int64_t now, int64_t *out);
/* An offset alone ("-1h", "5min", "1d"): seconds, signed; 1 ok, 0 bad. */
int gtime_offset(const char *s, int64_t *secs);
#endif
