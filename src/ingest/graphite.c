/* graphite.c — Graphite plaintext, the server's hottest path.
 *
 * Per line: memchr for its end, one scan per field, a decimal parser that is
 * exact without strtod for the values people send (up to 19 significant
 * digits with a small exponent), and no allocation besides the batch's own
 * amortized growth. Anything unusual drops to a slower exact path. */
#include "graphite.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NUM_BAD = 0, NUM_OK = 1, NUM_NAN = 2 };

/* Every power of ten up to 1e22 is exact in a double, so one multiply or
 * divide by it of an integer up to 2^53 rounds exactly once: the correctly
 * rounded result (Clinger's fast path). */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int ieq(const char *p, const char *e, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(e - p) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != lit[i]) return 0;
    return 1;
}

/* Kept out of line so the fast path's frame stays small. */
static __attribute__((noinline)) double slow_strtod(const char *p, const char *e) {
    char tmp[TM_LINE_MAX + 1];
    size_t n = (size_t)(e - p);
    if (n > TM_LINE_MAX) n = TM_LINE_MAX; /* callers pass fields of one bounded line */
    memcpy(tmp, p, n);
    tmp[n] = 0;
    return strtod(tmp, NULL);
}

static int special_value(const char *p, const char *e, int neg, double *out) {
    if (ieq(p, e, "nan")) return NUM_NAN;
    if (ieq(p, e, "inf") || ieq(p, e, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return NUM_OK;
    }
    return NUM_BAD;
}

/* The whole of [p,e) as a decimal number (Python float() grammar without
 * blanks or underscores, which is what carbon accepts). */
static int parse_double(const char *p, const char *e, double *out) {
    const char *start = p;
    int neg = 0;
    if (p < e && (*p == '-' || *p == '+')) neg = *p++ == '-';
    const char *digits = p;
    uint64_t m = 0;
    int nd = 0, any = 0, trunc = 0;
    long exp = 0;
    for (; p < e && (unsigned)(*p - '0') < 10; p++) {
        unsigned d = (unsigned)(*p - '0');
        any = 1;
        if (nd < 19) {
            m = m * 10 + d;
            nd += m != 0; /* leading zeros are not significant */
        } else {
            exp++;
            trunc |= d != 0;
        }
    }
    if (p < e && *p == '.') {
        for (p++; p < e && (unsigned)(*p - '0') < 10; p++) {
            unsigned d = (unsigned)(*p - '0');
            any = 1;
            if (nd < 19) {
                m = m * 10 + d;
                nd += m != 0;
                exp--;
            } else {
                trunc |= d != 0;
            }
        }
    }
    if (!any) return p == digits ? special_value(p, e, neg, out) : NUM_BAD; /* ".inf" is no number */
    if (p < e && (*p | 0x20) == 'e') {
        p++;
        int eneg = 0;
        if (p < e && (*p == '-' || *p == '+')) eneg = *p++ == '-';
        if (p == e) return NUM_BAD;
        long x = 0;
        for (; p < e && (unsigned)(*p - '0') < 10; p++)
            if (x < 100000) x = x * 10 + (*p - '0');
        exp += eneg ? -x : x;
    }
    if (p != e) return NUM_BAD;
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
    } else if (!trunc && m <= (1ULL << 53) && exp >= -22 && exp <= 22) {
        double d = (double)m;
        d = exp < 0 ? d / pow10_exact[-exp] : d * pow10_exact[exp];
        *out = neg ? -d : d;
    } else {
        *out = slow_strtod(start, e);
    }
    return NUM_OK;
}

/* Seconds; "-1" means now. A value above 1e11 (year 5138) can only be
 * milliseconds someone sent by mistake, and is read as such, as everywhere
 * else in tidemark. */
static int parse_ts(const char *p, const char *e, int64_t *ts) {
    size_t n = (size_t)(e - p);
    if (n && n <= 11) {
        uint64_t v = 0;
        size_t i = 0;
        for (; i < n && (unsigned)(p[i] - '0') < 10; i++) v = v * 10 + (uint64_t)(p[i] - '0');
        if (i == n) {
            *ts = (int64_t)v * 1000;
            return 1;
        }
    }
    double d;
    if (parse_double(p, e, &d) != NUM_OK || !isfinite(d)) return 0;
    if (d == -1) {
        *ts = TM_TS_NOW;
        return 1;
    }
    if (!(fabs(d) < 1e14)) return 0;
    *ts = fabs(d) > 1e11 ? llround(d) : llround(d * 1000);
    return 1;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

#define MAX_TAGS (TM_KEY_MAX / 4)

/* "name;k=v;k2=v2" to its canonical key in out. Returns its length or -1. */
static int canon_tagged(const char *n, size_t len, char *out, const char **why) {
    tm_tag tags[MAX_TAGS];
    size_t nt = 0;
    const char *end = n + len;
    const char *p = memchr(n, ';', len);
    size_t nlen = (size_t)(p - n);
    while (p < end) {
        const char *s = p + 1;
        const char *se = memchr(s, ';', (size_t)(end - s));
        if (!se) se = end;
        const char *eq = memchr(s, '=', (size_t)(se - s));
        if (!eq) return *why = "tag without '='", -1;
        if (nt == MAX_TAGS) return *why = "too many tags", -1;
        tags[nt++] = (tm_tag){s, (size_t)(eq - s), eq + 1, (size_t)(se - eq - 1)};
        p = se;
    }
    return key_canon(n, nlen, tags, nt, out, TM_KEY_MAX + 1, why);
}

#define SNIP(p, e) (int)((e) - (p) > 64 ? 64 : (e) - (p)), (p)

static void parse_line(const char *p, const char *e, size_t line, tm_batch *b) {
    b->line = line;
    if ((size_t)(e - p) > TM_LINE_MAX) {
        batch_error(b, line, "line longer than %d bytes", TM_LINE_MAX);
        return;
    }
    while (e > p && is_blank(e[-1])) e--;
    while (p < e && is_blank(*p)) p++;
    if (p == e) return;

    const char *name = p;
    int tagged = 0;
    for (; p < e && (unsigned char)*p > ' ' && *p != 0x7f; p++) tagged |= *p == ';';
    const char *name_end = p;
    if (p < e && *p != ' ' && *p != '\t') {
        batch_error(b, line, "control character in name");
        return;
    }
    while (p < e && is_blank(*p)) p++;
    const char *val = p;
    while (p < e && !is_blank(*p)) p++;
    const char *val_end = p;
    while (p < e && is_blank(*p)) p++;
    const char *tsp = p;
    while (p < e && !is_blank(*p)) p++;
    const char *ts_end = p;
    while (p < e && is_blank(*p)) p++;
    if (val == val_end || p != e) {
        batch_error(b, line, "expected 'name value timestamp'");
        return;
    }

    double v;
    int r = parse_double(val, val_end, &v);
    if (r == NUM_NAN) return;
    if (r == NUM_BAD) {
        batch_error(b, line, "bad value '%.*s'", SNIP(val, val_end));
        return;
    }
    int64_t ts = TM_TS_NOW;
    if (tsp != ts_end && !parse_ts(tsp, ts_end, &ts)) {
        batch_error(b, line, "bad timestamp '%.*s'", SNIP(tsp, ts_end));
        return;
    }
    size_t nlen = (size_t)(name_end - name);
    if (!tagged) {
        if (nlen > TM_KEY_MAX) {
            batch_error(b, line, "name longer than %d bytes", TM_KEY_MAX);
            return;
        }
        batch_add_number(b, name, nlen, ts, v);
        return;
    }
    char key[TM_KEY_MAX + 1];
    const char *why = "bad key";
    int klen = canon_tagged(name, nlen, key, &why);
    if (klen < 0) {
        batch_error(b, line, "bad tag: %s", why);
        return;
    }
    batch_add_number(b, key, (size_t)klen, ts, v);
}

void graphite_parse(const char *buf, size_t len, size_t first_line, tm_batch *b) {
    const char *p = buf, *end = buf + len;
    for (size_t line = first_line; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        parse_line(p, le, line, b);
        p = nl ? nl + 1 : end;
    }
}
