#include "gtime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *MONTHS[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *WDAYS[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static int64_t unit_secs(const char *u, size_t n) {
    if (!n) return -1;
    if (u[0] == 's') return 1;
    if (n >= 3 && !strncmp(u, "min", 3)) return 60;
    if (u[0] == 'h') return 3600;
    if (u[0] == 'd') return 86400;
    if (u[0] == 'w') return 7 * 86400;
    if (n >= 3 && !strncmp(u, "mon", 3)) return 30 * 86400;
    if (u[0] == 'y') return 365 * 86400;
    return -1;
}

static int offset_of(const char *s, int64_t *out) {
    *out = 0;
    if (!*s) return 1;
    int sign = 1;
    if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
    else if (!isdigit((unsigned char)*s)) return 0;
    while (*s) {
        if (!isdigit((unsigned char)*s)) return 0;
        int64_t num = 0;
        while (isdigit((unsigned char)*s)) {
            num = num * 10 + (*s++ - '0');
            if (num > 100000000000LL) return 0;
        }
        const char *u = s;
        while (isalpha((unsigned char)*s)) s++;
        int64_t k = unit_secs(u, (size_t)(s - u));
        if (k < 0) return 0;
        *out += sign * num * k;
        if (*out > 100000000000LL || *out < -100000000000LL) return 0; /* 3000 years: no time, and no overflow */
    }
    return 1;
}

int gtime_offset(const char *s, int64_t *secs) {
    char b[128];
    size_t k = 0;
    for (; *s && k < sizeof b - 1; s++)
        if (*s != ' ' && *s != '_' && *s != ',') b[k++] = (char)tolower((unsigned char)*s);
    b[k] = 0;
    return offset_of(b, secs);
}

static int all_digits(const char *s, size_t n) {
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

/* days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil) */
static int64_t days_of(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The one check of a date and time of day, as Python's datetime() makes
 * them: year 1..9999, month 1..12, a day the month has, hour 0..23,
 * minute 0..59; else 0 (Feb 30, month 13, hour 25 are no time). *out: the
 * wall clock as seconds, read as timegm reads it. */
static int wall_clock(int64_t y, int64_t m, int64_t d, int64_t hh, int64_t mm, int64_t *out) {
    static const int MDAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || hh < 0 || hh > 23 || mm < 0 || mm > 59) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d < 1 || d > MDAYS[m - 1] + (m == 2 && leap)) return 0;
    *out = days_of(y, (int)m, (int)d) * 86400 + hh * 3600 + mm * 60;
    return 1;
}

#define TIME_MIN (-62135596800LL) /* 0001-01-01: datetime's range */
#define TIME_MAX 253402300799LL   /* 9999-12-31 23:59:59 */

/* a number of 1..maxd digits at s, its length in *n; -1 when none */
static int64_t digits(const char *s, size_t maxd, size_t *n) {
    int64_t v = 0;
    size_t k = 0;
    while (k < maxd && isdigit((unsigned char)s[k])) v = v * 10 + (s[k++] - '0');
    *n = k;
    return k ? v : -1;
}

static size_t slashes(const char *s) {
    size_t k = 0;
    for (; *s; s++) k += *s == '/';
    return k;
}

/* MM/DD/YY[YY]: numbers between the two slashes */
static int slash_date(const char *ref, int64_t *m, int64_t *d, int64_t *y) {
    int64_t *f[3] = {m, d, y};
    size_t n;
    for (int i = 0; i < 3; i++) {
        *f[i] = digits(ref, 18, &n);
        if (*f[i] < 0) return 0;
        ref += n;
        if (*ref != (i < 2 ? '/' : 0)) return 0;
        ref += i < 2;
    }
    return 1;
}

/* attime.parseTimeReference: the wall clock it names, in tz */
static int reference(char *ref, int64_t now, const tm_tz *tz, int64_t *out) {
    if (!*ref || !strcmp(ref, "now")) {
        *out = now;
        return 1;
    }
    int64_t hour = 0, minute = 0;
    size_t n;
    char *c = strchr(ref, ':');
    if (c && c > ref && c - ref < 3) {
        if (digits(ref, 2, &n) < 0 || ref + n != c) return 0;
        hour = digits(ref, 2, &n);
        minute = digits(c + 1, 2, &n);
        if (minute < 0 || (c[1 + n] && n < 2)) return 0;
        ref = c + 1 + n;
        if (!strncmp(ref, "am", 2)) ref += 2;
        else if (!strncmp(ref, "pm", 2)) hour = (hour + 12) % 24, ref += 2;
    }
    char *am = strstr(ref, "am");
    if (am && am > ref && am - ref < 3) {
        if ((hour = digits(ref, 2, &n)) < 0 || ref + n != am) return 0;
        ref = am + 2;
    }
    char *pm = strstr(ref, "pm");
    if (pm && pm > ref && pm - ref < 3) {
        if ((hour = digits(ref, 2, &n)) < 0 || ref + n != pm) return 0;
        hour = (hour + 12) % 24, ref = pm + 2;
    }
    if (!strncmp(ref, "noon", 4)) hour = 12, minute = 0, ref += 4;
    else if (!strncmp(ref, "midnight", 8)) hour = 0, minute = 0, ref += 8;
    else if (!strncmp(ref, "teatime", 7)) hour = 16, minute = 0, ref += 7;
    time_t nt = (time_t)(now + tz_offset(tz, now, NULL)); /* now's wall clock in tz */
    struct tm t;
    if (!gmtime_r(&nt, &t)) return 0;
    int64_t wall, y, m, d;
    if (!wall_clock(t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, hour, minute, &wall)) return 0;
    n = strlen(ref);
    if (!strcmp(ref, "yesterday")) wall -= 86400;
    else if (!strcmp(ref, "tomorrow")) wall += 86400;
    else if (!strcmp(ref, "today") || !n) {
    } else if (slashes(ref) == 2) {
        if (!slash_date(ref, &m, &d, &y)) return 0;
        if (y < 1900) y += 1900;
        if (y < 1970) y += 100;
        if (!wall_clock(y, m, d, hour, minute, &wall)) return 0;
    } else if (n == 8 && all_digits(ref, 8)) {
        y = atoi(ref) / 10000, m = atoi(ref) / 100 % 100, d = atoi(ref) % 100;
        if (!wall_clock(y, m, d, hour, minute, &wall)) return 0;
    } else {
        int found = 0;
        for (int i = 0; i < 12 && !found; i++)
            if (!strncmp(ref, MONTHS[i], 3)) {
                d = isdigit((unsigned char)ref[n - 1]) ? ref[n - 1] - '0' : -1;
                if (d < 0) return 0;
                if (n >= 2 && isdigit((unsigned char)ref[n - 2])) d += (ref[n - 2] - '0') * 10;
                if (!wall_clock(t.tm_year + 1900, i + 1, d, hour, minute, &wall)) return 0;
                found = 1;
            }
        for (int i = 0; i < 7 && !found; i++)
            if (!strncmp(ref, WDAYS[i], 3)) {
                int off = t.tm_wday - i;
                if (off < 0) off += 7;
                wall -= off * 86400LL;
                found = 1;
            }
        if (!found) return 0;
    }
    if (wall < TIME_MIN || wall > TIME_MAX) return 0;
    *out = tz_localize(tz, wall);
    return 1;
}

int gtime_parse_tz(const char *s, int64_t now, const tm_tz *tz, int64_t *out) {
    char b[128];
    size_t k = 0;
    for (; *s; s++) {
        if (*s == ' ' || *s == '_' || *s == ',') continue;
        if (k == sizeof b - 1) return 0;
        b[k++] = (char)tolower((unsigned char)*s);
    }
    b[k] = 0;
    if (all_digits(b, k)) {
        int y = k == 8 ? atoi(b) / 10000 : 0, m = k == 8 ? atoi(b) / 100 % 100 : 0, d = k == 8 ? atoi(b) % 100 : 0;
        if (!(k == 8 && y > 1900 && m < 13 && d < 32)) {
            if (k > 12) return 0;
            *out = strtoll(b, NULL, 10);
            return *out <= TIME_MAX;
        }
    }
    char *sep = strchr(b, '+');
    if (!sep) sep = strchr(b, '-');
    int64_t off = 0, ref;
    if (sep) {
        if (!offset_of(sep, &off)) return 0;
        *sep = 0;
    }
    if (!reference(b, now, tz, &ref)) return 0;
    *out = ref + off;
    return *out >= TIME_MIN && *out <= TIME_MAX; /* datetime's OverflowError */
}

int gtime_parse(const char *s, int64_t now, int64_t *out) { return gtime_parse_tz(s, now, NULL, out); }
