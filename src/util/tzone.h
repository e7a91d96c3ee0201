/* tzone.h — named time zones from the system's tz database
 * (/usr/share/zoneinfo, Debian's tzdata), as Python's pytz answers for
 * them: graphite-web's `tz` parameter.
 *
 * A zone is found by name as pytz.timezone() finds it (any case; "UTC";
 * no "posix/", "right/", "Factory", "localtime" or "posixrules"). The C
 * library converts: the zone is the process' TZ, switched under one lock.
 * No other code of tidemark reads local time, so switching it is safe;
 * a NULL or zero zone is UTC and takes no lock. As pytz, offsets are whole
 * minutes and stay as they are after the zone's last change before 2038. */
#ifndef TM_TZONE_H
#define TM_TZONE_H
#include <stdint.h>

typedef struct {
    char file[400]; /* the zone's file; "" is UTC */
    char name[128]; /* its canonical name ("Europe/Berlin") */
} tm_tz;

/* 1 and *out when name is a zone, 0 when it is unknown (out is UTC). */
int tz_find(const char *name, tm_tz *out);
/* Seconds east of UTC at instant t (and whether it is summer time). */
int32_t tz_offset(const tm_tz *z, int64_t t, int *isdst);
/* The instant of wall clock `wall` (its fields as timegm reads them),
 * as pytz's localize(is_dst=False) picks it: a time that exists twice is
 * the standard-time one, a time that does not exist is read at the
 * offset before the change. */
int64_t tz_localize(const tm_tz *z, int64_t wall);
#endif
