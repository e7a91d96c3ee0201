#include "flagval.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sizeparse.h"
#include "timeparse.h"

static const char *value(const tm_config *c, const char *flag) {
    const char *v = config_get(c, flag);
    return v ? v : "";
}

/* 1500 → "1500ms", 60000 → "1m": the shortest way the flag itself accepts. */
static void fmt_ms(int64_t ms, char *out, size_t n) {
    static const struct {
        int64_t ms;
        const char *unit;
    } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (ms >= units[i].ms && ms % units[i].ms == 0) {
            snprintf(out, n, "%" PRId64 "%s", ms / units[i].ms, units[i].unit);
            return;
        }
    snprintf(out, n, "%" PRId64 "ms", ms);
}

int flag_duration(const tm_config *c, const char *flag, int64_t min_ms, int64_t max_ms, int64_t *out, char *err,
                  size_t n) {
    const char *v = value(c, flag);
    int64_t ms;
    if (parse_duration_ms(v, strlen(v), &ms) && ms >= min_ms && (!max_ms || ms <= max_ms)) {
        *out = ms;
        return 0;
    }
    char lo[32], hi[32];
    fmt_ms(min_ms, lo, sizeof lo);
    fmt_ms(max_ms, hi, sizeof hi);
    if (max_ms)
        snprintf(err, n, "--%s must be a duration from %s to %s (500ms, 10s, 5m...), not \"%s\"", flag, lo, hi, v);
    else
        snprintf(err, n, "--%s must be a duration of at least %s (500ms, 10s, 5m...), not \"%s\"", flag, lo, v);
    return -1;
}

int flag_number(const tm_config *c, const char *flag, double lo, double hi, double *out, char *err, size_t n) {
    const char *v = value(c, flag);
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end != v && !*end && !errno && isfinite(d) && d >= lo && d <= hi) {
        *out = d;
        return 0;
    }
    snprintf(err, n, "--%s must be a number from %g to %g, not \"%s\"", flag, lo, hi, v);
    return -1;
}

int flag_integer(const tm_config *c, const char *flag, long long lo, long long hi, long long *out, char *err,
                 size_t n) {
    const char *v = value(c, flag);
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (end != v && !*end && !errno && x >= lo && x <= hi) {
        *out = x;
        return 0;
    }
    snprintf(err, n, "--%s must be a whole number from %lld to %lld, not \"%s\"", flag, lo, hi, v);
    return -1;
}

/* 65536 → "64KiB": as the flag is written. */
static void fmt_bytes(uint64_t b, char *out, size_t n) {
    static const char *units[] = {"GiB", "MiB", "KiB"};
    for (int i = 0; i < 3; i++) {
        uint64_t u = 1ULL << (10 * (3 - i));
        if (b >= u && b % u == 0) {
            snprintf(out, n, "%" PRIu64 "%s", b / u, units[i]);
            return;
        }
    }
    snprintf(out, n, "%" PRIu64 " bytes", b);
}

int flag_size(const tm_config *c, const char *flag, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t n) {
    const char *v = value(c, flag);
    uint64_t b;
    if (parse_size(v, &b) && b >= min && (!max || b <= max)) {
        *out = b;
        return 0;
    }
    char lo[32];
    fmt_bytes(min, lo, sizeof lo);
    if (min > 1)
        snprintf(err, n, "--%s must be a size of at least %s (64KiB, 256MiB, 1GiB...), not \"%s\"", flag, lo, v);
    else
        snprintf(err, n, "--%s must be a size above 0 (64KiB, 256MiB, 1GiB or bytes), not \"%s\"", flag, v);
    return -1;
}

int flag_log_level(const tm_config *c, int *out, char *err, size_t n) {
    const char *v = value(c, "log-level");
    int lvl = log_level_parse(v);
    if (lvl >= 0) {
        *out = lvl;
        return 0;
    }
    snprintf(err, n, "--log-level must be debug, info, warn or error, not \"%s\"", v);
    return -1;
}
