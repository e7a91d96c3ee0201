/* timeparse.h — durations and points in time as users write them.
 *
 * Durations: "500ms", "10s", "5m" (minutes), "5min", "2h", "7d", "1w",
 * "1mon" (30 d), "1y" (365 d); a bare number is seconds. Times: Unix
 * seconds (fractional allowed), Unix milliseconds when > 1e11, RFC 3339
 * ("2026-11-25T10:00:00Z", offsets, fractions), "now", relative "-1h" /
 * "now-1h" / "+5m", Graphite's "-1min" / "-1d". All results in ms. */
#ifndef TM_TIMEPARSE_H
#define TM_TIMEPARSE_H
#include <stddef.h>
#include <stdint.h>

int parse_duration_ms(const char *s, size_t n, int64_t *ms);  /* 1 ok, 0 bad */
int parse_time_ms(const char *s, size_t n, int64_t now_ms, int64_t *ms);
int64_t now_ms(void);
/* "[...]" retention "10s:7d,1m:90d": up to max archives (step, keep) in ms,
 * steps increasing; returns the count, 0 if malformed. */
size_t parse_retention(const char *s, int64_t *step, int64_t *keep, size_t max);
/* The same, with why it is malformed in why (which archive, and what is
 * wrong with it: its form, keeping less than its step, a step that does not
 * grow or divide, a keep that does not grow, too many archives). */
size_t parse_retention_why(const char *s, int64_t *step, int64_t *keep, size_t max, char *why, size_t whylen);
#endif
