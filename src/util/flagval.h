/* flagval.h — a flag's value as a duration, number, size or log level,
 * checked against its range, with one wording for every refusal:
 * `--NAME must be KIND from A to B (EXAMPLES), not "VALUE"`. Every command
 * (serve, agent, glance) checks its flags through these, so the same
 * mistake reads the same everywhere. Each returns 0, or -1 with the message
 * in err. */
#ifndef TM_FLAGVAL_H
#define TM_FLAGVAL_H
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* min_ms..max_ms inclusive; max_ms 0: no upper bound. */
int flag_duration(const tm_config *c, const char *flag, int64_t min_ms, int64_t max_ms, int64_t *out, char *err,
                  size_t n);
/* A decimal number (fractions allowed) in lo..hi. */
int flag_number(const tm_config *c, const char *flag, double lo, double hi, double *out, char *err, size_t n);
/* A whole number in lo..hi. */
int flag_integer(const tm_config *c, const char *flag, long long lo, long long hi, long long *out, char *err,
                 size_t n);
/* A size (64KiB, 1GiB, bytes) of at least min bytes, at most max (0: no bound). */
int flag_size(const tm_config *c, const char *flag, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t n);
/* --log-level: debug, info, warn or error (util/log.h's levels). */
int flag_log_level(const tm_config *c, int *out, char *err, size_t n);
#endif
