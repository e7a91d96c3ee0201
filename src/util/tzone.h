/* tzone.h — named time zones from the system's tz database
 * (/usr/share/zoneinfo, Debian's tzdata), as Python's pytz reads them:
 * graphite-web's `tz` parameter.
 *
 * A zone is found by name as pytz.timezone() finds it (any case; "UTC";
 * no "posix/", "right/", "Factory", "localtime" or "posixrules") and read
 * as pytz's build_tzinfo reads its file: the 32-bit table only (so no
 * change after 2037), offsets rounded to whole minutes, times before the
 * first change at the first standard time. Read once, then a zone is
 * plain data: no process state (TZ), no lock. A NULL or zeroed zone is UTC. */
#ifndef TM_TZONE_H
#define TM_TZONE_H
#include <stddef.h>
#include <stdint.h>

#define TZ_MAX_CHANGES 1200 /* the most of tzdata's (GB-Eire) is 242 */

typedef struct {
    char file[400];   /* the zone's file; "" is UTC */
    char name[128];   /* its canonical name ("Europe/Berlin") */
    size_t n;         /* changes; 0: one offset, fixed_off */
    int32_t fixed_off;
    int64_t at[TZ_MAX_CHANGES + 1];  /* UTC seconds each offset starts at; at[0] is the beginning of time */
    int32_t off[TZ_MAX_CHANGES + 1]; /* seconds east of UTC */
    uint8_t dst[TZ_MAX_CHANGES + 1]; /* pytz's bool(_dst): summer time */
} tm_tz;

/* 1 and *out when name is a zone, 0 when it is unknown (out is UTC). */
int tz_find(const char *name, tm_tz *out);
/* Read a zone file's bytes (TZif) into z; 0 when they are no zone pytz reads. */
int tz_load(const uint8_t *p, size_t len, tm_tz *z);
/* Seconds east of UTC at instant t (and whether it is summer time). */
int32_t tz_offset(const tm_tz *z, int64_t t, int *isdst);
/* The instant of wall clock `wall` (its fields as timegm reads them),
 * as pytz's localize(is_dst=False) picks it: a time that exists twice is
 * the standard-time one, a time that does not exist is read at the
 * offset before the change. */
int64_t tz_localize(const tm_tz *z, int64_t wall);
#endif
