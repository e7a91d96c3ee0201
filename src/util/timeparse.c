/* timeparse.c — durations and times as users, Graphite and Grafana write
 * them. No libc time or locale functions: results must not depend on TZ. */
#include "timeparse.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static int isdig(char c) { return c >= '0' && c <= '9'; }
static int isalpha_(char c) { return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
static int isblank_(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void trim(const char **s, size_t *n) {
    while (*n && isblank_(**s)) (*s)++, (*n)--;
    while (*n && isblank_((*s)[*n - 1])) (*n)--;
}

static int ieq(const char *p, size_t n, const char *lit) {
    if (strlen(lit) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != lit[i]) return 0;
    return 1;
}

/* Graphite spells units many ways ("min", "minutes", "d", "days"); only
 * whole words are taken, so a typo is an error rather than a guess. */
static const struct {
    const char *name;
    long long ms;
} units[] = {
    {"ms", 1},           {"msec", 1},         {"msecs", 1},         {"millisecond", 1}, {"milliseconds", 1},
    {"s", SEC},          {"sec", SEC},        {"secs", SEC},        {"second", SEC},    {"seconds", SEC},
    {"m", MIN},          {"min", MIN},        {"mins", MIN},        {"minute", MIN},    {"minutes", MIN},
    {"h", HOUR},         {"hr", HOUR},        {"hrs", HOUR},        {"hour", HOUR},     {"hours", HOUR},
    {"d", DAY},          {"day", DAY},        {"days", DAY},        {"w", 7 * DAY},     {"wk", 7 * DAY},
    {"wks", 7 * DAY},    {"week", 7 * DAY},   {"weeks", 7 * DAY},   {"mon", 30 * DAY},  {"mons", 30 * DAY},
    {"month", 30 * DAY}, {"months", 30 * DAY}, {"y", 365 * DAY},    {"yr", 365 * DAY},  {"yrs", 365 * DAY},
    {"year", 365 * DAY}, {"years", 365 * DAY},
};

static long long unit_ms(const char *p, size_t n) {
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ieq(p, n, units[i].name)) return units[i].ms;
    return 0;
}

/* Accepts a sum of parts, "1h30m" (as Graphite's offsets do), and fractions
 * "1.5h"; a bare number alone is seconds. */
int parse_duration_ms(const char *s, size_t n, int64_t *ms) {
    trim(&s, &n);
    if (!n) return 0;
    const char *p = s, *e = s + n;
    double total = 0;
    while (p < e) {
        double num = 0, scale = 1;
        const char *d0 = p;
        for (; p < e && isdig(*p); p++) num = num * 10 + (*p - '0');
        if (p < e && *p == '.') {
            for (p++; p < e && isdig(*p); p++) num += (*p - '0') * (scale /= 10);
        }
        if (p == d0 || (p - d0 == 1 && *d0 == '.')) return 0;
        const char *u0 = p;
        while (p < e && isalpha_(*p)) p++;
        long long u = 1000;
        if (p == u0) {
            if (d0 != s || p != e) return 0; /* "1h30": what is 30? */
        } else if (!(u = unit_ms(u0, (size_t)(p - u0)))) {
            return 0;
        }
        total += num * (double)u;
        if (total > 9.2e18) return 0;
    }
    *ms = (int64_t)(total + 0.5);
    return 1;
}

/* Unix seconds with an optional fraction, exact to the millisecond; a
 * value above 1e11 is already milliseconds. */
static int parse_unix(const char *s, size_t n, int64_t *ms) {
    size_t i = 0;
    uint64_t ip = 0;
    for (; i < n && isdig(s[i]); i++) {
        if (i >= 16) return 0;
        ip = ip * 10 + (uint64_t)(s[i] - '0');
    }
    if (!i) return 0;
    int is_ms = ip > 100000000000ULL;
    uint64_t frac = 0, fscale = 1;
    int round_up = 0;
    if (i < n && s[i] == '.') {
        size_t j = ++i, keep = is_ms ? 0 : 3;
        for (; i < n && isdig(s[i]); i++) {
            if (i - j < keep) {
                frac = frac * 10 + (uint64_t)(s[i] - '0');
                fscale *= 10;
            } else if (i - j == keep) {
                round_up = s[i] >= '5';
            }
        }
    }
    if (i != n) return 0;
    if (is_ms) {
        *ms = (int64_t)ip + round_up;
    } else {
        while (fscale < 1000) frac *= 10, fscale *= 10;
        *ms = (int64_t)(ip * 1000 + frac) + round_up;
    }
    return 1;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Exactly k digits at *p into *v. */
static int digits(const char **p, const char *e, int k, int *v) {
    if (e - *p < k) return 0;
    int x = 0;
    for (int i = 0; i < k; i++) {
        if (!isdig((*p)[i])) return 0;
        x = x * 10 + ((*p)[i] - '0');
    }
    *p += k;
    *v = x;
    return 1;
}

static int month_days(int y, int m) {
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return md[m - 1] + (m == 2 && leap);
}

/* "Z", "+05:30", "+0530", "+05", or nothing (UTC). */
static int parse_zone(const char *p, const char *e, int64_t *off_ms) {
    *off_ms = 0;
    if (p == e) return 1;
    if ((*p | 0x20) == 'z') return p + 1 == e;
    if (*p != '+' && *p != '-') return 0;
    int neg = *p++ == '-', hh, mm = 0;
    if (!digits(&p, e, 2, &hh) || hh > 23) return 0;
    if (p < e && *p == ':') p++;
    if (p < e && (!digits(&p, e, 2, &mm) || mm > 59)) return 0;
    if (p != e) return 0;
    *off_ms = (neg ? -1 : 1) * (hh * HOUR + mm * MIN);
    return 1;
}

/* RFC 3339, plus what people type: a space for 'T', no seconds, no zone
 * (UTC), a bare date. */
static int parse_rfc3339(const char *s, size_t n, int64_t *ms) {
    const char *p = s, *e = s + n;
    int y, mo, d, hh = 0, mi = 0, ss = 0;
    if (!digits(&p, e, 4, &y) || p >= e || *p++ != '-' || !digits(&p, e, 2, &mo) || p >= e || *p++ != '-' ||
        !digits(&p, e, 2, &d))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo)) return 0;
    int64_t frac = 0;
    if (p < e && ((*p | 0x20) == 't' || *p == ' ')) {
        p++;
        if (!digits(&p, e, 2, &hh) || p >= e || *p++ != ':' || !digits(&p, e, 2, &mi)) return 0;
        if (p < e && *p == ':') {
            p++;
            if (!digits(&p, e, 2, &ss)) return 0;
            if (p < e && (*p == '.' || *p == ',')) {
                const char *f0 = ++p;
                int64_t scale = 100;
                for (; p < e && isdig(*p); p++, scale /= 10) frac += (*p - '0') * scale;
                if (p == f0) return 0;
            }
        }
        if (hh > 23 || mi > 59 || ss > 60) return 0; /* 60: a leap second */
    }
    int64_t off;
    if (!parse_zone(p, e, &off)) return 0;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms = days * DAY + hh * HOUR + mi * MIN + ss * SEC + frac - off;
    return 1;
}

/* Times beyond year 9999 either way are typos, and bounding them keeps
 * "now + duration" from overflowing. */
#define TIME_MAX 253402300800000LL

static int parse_time_any(const char *s, size_t n, int64_t now, int64_t *ms) {
    trim(&s, &n);
    if (!n) return 0;
    if (n >= 3 && ieq(s, 3, "now")) {
        s += 3, n -= 3;
        trim(&s, &n);
        if (!n) return *ms = now, 1;
        if (*s != '-' && *s != '+') return 0;
    }
    if (*s == '-' || *s == '+') {
        int64_t d;
        if (!parse_duration_ms(s + 1, n - 1, &d) || d > 2 * TIME_MAX) return 0;
        *ms = *s == '-' ? now - d : now + d;
        return 1;
    }
    if (parse_unix(s, n, ms)) return 1;
    return parse_rfc3339(s, n, ms);
}

int parse_time_ms(const char *s, size_t n, int64_t now, int64_t *ms) {
    int64_t t;
    if (now > TIME_MAX || now < -TIME_MAX) return 0;
    if (!parse_time_any(s, n, now, &t) || t > TIME_MAX || t < -TIME_MAX) return 0;
    *ms = t;
    return 1;
}

int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One "step:keep": NULL, or why it is not one. A bare-number keep is a
 * count of points, as in carbon's storage-schemas.conf ("60:1440" is a day
 * of minutes). */
static const char *parse_archive(const char *s, size_t n, int64_t *step, int64_t *keep) {
    static const char *const form = "is not STEP:KEEP (durations, such as 10s:7d)";
    const char *colon = memchr(s, ':', n);
    if (!colon) return form;
    size_t sn = (size_t)(colon - s), kn = n - sn - 1;
    const char *k = colon + 1;
    if (!parse_duration_ms(s, sn, step) || *step <= 0) return form;
    trim(&k, &kn);
    size_t i = 0;
    while (i < kn && isdig(k[i])) i++;
    if (kn && i == kn) {
        int64_t pts;
        if (kn > 12 || !parse_duration_ms(k, kn, &pts)) return form;
        pts /= 1000;
        if (pts <= 0 || pts > INT64_MAX / *step) return form;
        *keep = pts * *step;
    } else if (!parse_duration_ms(k, kn, keep)) {
        return form;
    }
    return *keep >= *step ? NULL : "keeps less than its step";
}

/* ms as the largest unit that holds it whole: "10s", "90m", "7d" */
static void fmt_duration(int64_t ms, char *out, size_t n) {
    static const struct {
        const char *u;
        int64_t ms;
    } U[] = {{"y", 365 * 86400000LL}, {"d", 86400000LL}, {"h", 3600000}, {"m", 60000},
             {"s", 1000}};
    for (size_t i = 0; i < sizeof U / sizeof *U; i++)
        if (ms % U[i].ms == 0) {
            snprintf(out, n, "%lld%s", (long long)(ms / U[i].ms), U[i].u);
            return;
        }
    snprintf(out, n, "%lldms", (long long)ms);
}

/* Why archive k cannot follow the one before (into why); 0 when it can. */
static int archive_order(const int64_t *step, const int64_t *keep, size_t k, char *why, size_t n) {
    char s0[32], s1[32], k0[32], k1[32];
    fmt_duration(step[k - 1], s0, sizeof s0);
    fmt_duration(step[k], s1, sizeof s1);
    fmt_duration(keep[k - 1], k0, sizeof k0);
    fmt_duration(keep[k], k1, sizeof k1);
    int short_step = step[k] <= step[k - 1], short_keep = keep[k] <= keep[k - 1];
    if (short_step && short_keep)
        snprintf(why, n, "its step %s and keep %s are not longer than the archive before's %s and %s "
                         "(each archive is coarser and keeps longer than the one before)", s1, k1, s0, k0);
    else if (short_step)
        snprintf(why, n, "its step %s is not longer than the archive before's %s (list the finest step first)", s1,
                 s0);
    else if (step[k] % step[k - 1])
        snprintf(why, n, "its step %s is not a multiple of the archive before's %s (its buckets would straddle)", s1,
                 s0);
    else if (short_keep)
        snprintf(why, n, "it keeps %s, not longer than the archive before's %s (a coarser archive keeps longer)", k1,
                 k0);
    else
        return 0;
    return 1;
}

size_t parse_retention_why(const char *s, int64_t *step, int64_t *keep, size_t max, char *why, size_t whylen) {
    size_t n = strlen(s), cnt = 0;
    trim(&s, &n);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') s++, n -= 2;
    const char *p = s, *e = s + n;
    while (p <= e) {
        const char *c = memchr(p, ',', (size_t)(e - p));
        if (!c) c = e;
        if (cnt == max) {
            snprintf(why, whylen, "more than %zu archives", max);
            return 0;
        }
        const char *bad = parse_archive(p, (size_t)(c - p), &step[cnt], &keep[cnt]);
        char order[256];
        if (bad || (cnt && archive_order(step, keep, cnt, order, sizeof order))) {
            snprintf(why, whylen, "archive %zu \"%.*s\"%s%s", cnt + 1, (int)(c - p), p, bad ? " " : ": ",
                     bad ? bad : order);
            return 0;
        }
        cnt++;
        p = c + 1;
    }
    return cnt;
}

size_t parse_retention(const char *s, int64_t *step, int64_t *keep, size_t max) {
    char why[200];
    return parse_retention_why(s, step, keep, max, why, sizeof why);
}
