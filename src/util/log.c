#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int log_level = LOG_INFO;

int log_level_parse(const char *s) {
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

void log_msg(int level, const char *fmt, ...) {
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (level < log_level) return;
    char line[2048];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    n += (size_t)snprintf(line + n, sizeof line - n, "%s ", names[level]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    /* one write per line so lines from threads never interleave */
    fprintf(stderr, "%s\n", line);
}

int log_should(long long *last, unsigned *dropped) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long now = ts.tv_sec;
    if (now == *last) {
        __atomic_add_fetch(dropped, 1, __ATOMIC_RELAXED);
        return 0;
    }
    *last = now;
    unsigned d = __atomic_exchange_n(dropped, 0, __ATOMIC_RELAXED);
    if (d) log_msg(LOG_INFO, "(%u similar lines suppressed)", d);
    return 1;
}
