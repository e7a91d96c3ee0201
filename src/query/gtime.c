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

static int64_t utc(int y, int m, int d, int hh, int mm) {
    struct tm t = {0};
    t.tm_year = y - 1900;
    t.tm_mon = m - 1;
    t.tm_mday = d;
    t.tm_hour = hh;
    t.tm_min = mm;
    return (int64_t)timegm(&t);
}

/* attime.parseTimeReference */
static int reference(char *ref, int64_t now, int64_t *out) {
    if (!*ref || !strcmp(ref, "now")) {
        *out = now;
        return 1;
    }
    int hour = 0, minute = 0;
    char *c = strchr(ref, ':');
    if (c && c > ref && c - ref < 3) {
        hour = atoi(ref);
        if (!isdigit((unsigned char)c[1]) || !isdigit((unsigned char)c[2])) return 0;
        minute = (c[1] - '0') * 10 + (c[2] - '0');
        ref = c + 3;
        if (!strncmp(ref, "am", 2)) ref += 2;
        else if (!strncmp(ref, "pm", 2)) hour = (hour + 12) % 24, ref += 2;
    }
    char *am = strstr(ref, "am");
    if (am && am > ref && am - ref < 3) hour = atoi(ref), ref = am + 2;
    char *pm = strstr(ref, "pm");
    if (pm && pm > ref && pm - ref < 3) hour = (atoi(ref) + 12) % 24, ref = pm + 2;
    if (!strncmp(ref, "noon", 4)) hour = 12, minute = 0, ref += 4;
    else if (!strncmp(ref, "midnight", 8)) hour = 0, minute = 0, ref += 8;
    else if (!strncmp(ref, "teatime", 7)) hour = 16, minute = 0, ref += 7;
    time_t nt = (time_t)now;
    struct tm t;
    gmtime_r(&nt, &t);
    int64_t day = utc(t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, hour, minute);
    size_t n = strlen(ref);
    if (!strcmp(ref, "yesterday")) day -= 86400;
    else if (!strcmp(ref, "tomorrow")) day += 86400;
    else if (!strcmp(ref, "today") || !n) {
    } else if (strchr(ref, '/') && strchr(strchr(ref, '/') + 1, '/')) {
        int m, d, y;
        if (sscanf(ref, "%d/%d/%d", &m, &d, &y) != 3) return 0;
        if (m < 1 || m > 12 || d < 1 || d > 31 || y < 0 || y > 9999) return 0; /* no date: and no overflow */
        if (y < 1900) y += 1900;
        if (y < 1970) y += 100;
        day = utc(y, m, d, hour, minute);
    } else if (n == 8 && all_digits(ref, 8)) {
        int y = atoi(ref) / 10000, m = atoi(ref) / 100 % 100, d = atoi(ref) % 100;
        day = utc(y, m, d, hour, minute);
    } else {
        for (int i = 0; i < 12; i++)
            if (!strncmp(ref, MONTHS[i], 3)) {
                int d = isdigit((unsigned char)ref[n - 1]) ? ref[n - 1] - '0' : -1;
                if (d < 0) return 0;
                if (n >= 2 && isdigit((unsigned char)ref[n - 2])) d += (ref[n - 2] - '0') * 10;
                *out = utc(t.tm_year + 1900, i + 1, d, hour, minute);
                return 1;
            }
        for (int i = 0; i < 7; i++)
            if (!strncmp(ref, WDAYS[i], 3)) {
                int off = t.tm_wday - i;
                if (off < 0) off += 7;
                *out = day - off * 86400LL;
                return 1;
            }
        return 0;
    }
    *out = day;
    return 1;
}

int gtime_parse(const char *s, int64_t now, int64_t *out) {
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
            return 1;
        }
    }
    char *sep = strchr(b, '+');
    if (!sep) sep = strchr(b, '-');
    int64_t off = 0, ref;
    if (sep) {
        if (!offset_of(sep, &off)) return 0;
        *sep = 0;
    }
    if (!reference(b, now, &ref)) return 0;
    *out = ref + off;
    return 1;
}
