/* influx.c — InfluxDB line protocol into samples.
 *
 * One pass per point: each part is scanned and unescaped at once into small
 * fixed buffers, the tags are made canonical once per line and shared by its
 * fields, and samples go straight into the batch (rolled back if the line
 * turns out bad). Escapes follow InfluxDB 1.x's parser (models/points.go):
 * in the measurement and tags a character is escaped when a backslash comes
 * right before it; in the field section a backslash takes the next byte. */
#include "influx.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../util/numparse.h"
#include "textcheck.h"

#define MAX_TAGS (TM_KEY_MAX / 4)
#define NUM_MAX 400 /* longest number token read (InfluxDB reads any; nobody sends more) */

typedef struct {
    tm_batch *b;
    int64_t unit_ns, now;
    const char *lim;  /* a point may not reach past this (INFLUX_LINE_MAX) */
    size_t nl;        /* newlines crossed inside strings */
    char names[TM_KEY_MAX + 1]; /* unescaped measurement, tag keys and values */
    size_t nlen, mlen;
    tm_tag tags[MAX_TAGS];
    char canon[TM_KEY_MAX + 1]; /* "measurement;k=v..." */
    char key[TM_KEY_MAX + 1];   /* "measurement.field;k=v..." */
    char str[TM_STR_MAX];
    char why[128];
} pstate;

int64_t influx_precision(const char *s) {
    if (!s || !*s || !strcmp(s, "n") || !strcmp(s, "ns")) return 1;
    if (!strcmp(s, "u") || !strcmp(s, "us") || !strcmp(s, "\xc2\xb5")) return 1000;
    if (!strcmp(s, "ms")) return 1000000;
    if (!strcmp(s, "s")) return 1000000000;
    if (!strcmp(s, "m")) return 60000000000LL;
    if (!strcmp(s, "h")) return 3600000000000LL;
    return 0;
}

/* ---- identifiers ---- */

enum { ID_NAME, ID_TAGKEY, ID_TAGVAL };

/* A key cannot hold these (batch.h); line protocol can, once escaped. */
static char id_byte(unsigned char c, int kind) {
    if (kind == ID_TAGVAL) return (char)c; /* values keep every byte (batch.h escapes them) */
    if (c <= ' ' || c == ';' || c == 0x7f) return '_';
    if (kind == ID_TAGKEY && (c == '=' || c == '~')) return '_';
    return (char)c;
}

static int in_set(char c, const char *set) { return c && strchr(set, c) != NULL; }

/* Byte classes of each part: what ends it, what a backslash escapes. Tables,
 * because this test runs for every byte of every line. */
enum { STOP = 1, ESC = 2 };
typedef uint8_t id_class[256];
static const id_class MEAS = {[','] = STOP | ESC, [' '] = STOP | ESC, ['\n'] = STOP};
static const id_class TAG = {[','] = STOP | ESC, [' '] = STOP | ESC, ['='] = STOP | ESC, ['\n'] = STOP};
static const id_class FIELD = {[','] = STOP | ESC, [' '] = STOP | ESC, ['='] = STOP | ESC, ['"'] = ESC, ['\n'] = STOP};

/* Scan [p, e) up to the first stop byte of cls not escaped, unescaping its
 * ESC bytes and mapping what a key cannot hold. pairwise: a backslash takes the
 * next byte whatever it is (field section); else a stop counts unless the
 * byte before it is a backslash (measurement and tags). Appends to st->names
 * when out is NULL. Returns the stop (or e), or NULL when too long. */
static const char *scan_id(pstate *st, const char *p, const char *e, const uint8_t *cls, int kind, int pairwise,
                           char *out, size_t cap, size_t *olen) {
    char *dst = out ? out : st->names;
    size_t n = out ? 0 : st->nlen;
    if (!out) cap = sizeof st->names;
    const char *start = p;
    while (p < e) {
        char c = *p, emit[2];
        size_t k = 1;
        if (c == '\n') break; /* outside strings a newline always ends the line */
        if (c == '\\' && p + 1 < e && p[1] != '\n' && (pairwise || cls[(unsigned char)p[1]] & ESC)) {
            if (cls[(unsigned char)p[1]] & ESC) emit[0] = id_byte((unsigned char)p[1], kind);
            else emit[0] = '\\', emit[1] = id_byte((unsigned char)p[1], kind), k = 2;
            p += 2;
        } else {
            if (cls[(unsigned char)c] & STOP && (pairwise || p == start || p[-1] != '\\')) break;
            emit[0] = id_byte((unsigned char)c, kind);
            p++;
        }
        if (n + k > cap) return NULL;
        memcpy(dst + n, emit, k);
        n += k;
    }
    if (out) *olen = n;
    else st->nlen = n;
    return p;
}

/* ---- values ---- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Decimal float as InfluxDB takes it: -?digits[.digits][e[+-]digits], at
 * least one digit; no NaN or Inf, no hex. number_value never hands a leading
 * '+' here; numparse's "nan"/"inf" and overflow are refused as not finite. */
static int parse_float(const char *p, const char *e, double *v) {
    if ((size_t)(e - p) > NUM_MAX) return 0;
    return parse_number(p, e, v) == NUM_OK && isfinite(*v);
}

/* -?digits (neg allowed) into a magnitude; 0 on overflow of max. */
static int parse_int(const char *p, const char *e, int neg_ok, uint64_t max, int *neg, uint64_t *mag) {
    *neg = 0;
    if (neg_ok && p < e && *p == '-') *neg = 1, p++;
    if (p == e) return 0;
    uint64_t x = 0;
    for (; p < e; p++) {
        if (!is_digit(*p)) return 0;
        unsigned d = (unsigned)(*p - '0');
        if (x > (max - d) / 10) return 0;
        x = x * 10 + d;
    }
    *mag = x;
    return 1;
}

static int parse_bool(const char *p, size_t n, double *v) {
    static const char *const t[] = {"t", "T", "true", "True", "TRUE"}, *const f[] = {"f", "F", "false", "False", "FALSE"};
    for (size_t i = 0; i < 5; i++) {
        if (strlen(t[i]) == n && !memcmp(p, t[i], n)) return *v = 1, 1;
        if (strlen(f[i]) == n && !memcmp(p, f[i], n)) return *v = 0, 1;
    }
    return 0;
}

/* An unquoted field value [p, e): number or boolean. */
static const char *number_value(const char *p, const char *e, double *v) {
    size_t n = (size_t)(e - p);
    char last = p[n - 1];
    int neg;
    uint64_t mag;
    if (last == 'i') {
        if (!parse_int(p, e - 1, 1, (uint64_t)INT64_MAX + 1, &neg, &mag) || (!neg && mag > (uint64_t)INT64_MAX))
            return "invalid integer";
        *v = neg && mag ? -(double)mag : (double)mag;
        return NULL;
    }
    if (last == 'u') {
        if (!parse_int(p, e - 1, 0, UINT64_MAX, &neg, &mag)) return "invalid unsigned integer";
        *v = (double)mag;
        return NULL;
    }
    if (is_digit(*p) || *p == '-' || *p == '.') return parse_float(p, e, v) ? NULL : "invalid number";
    return parse_bool(p, n, v) ? NULL : "invalid boolean";
}

/* A quoted string from just after its opening quote; may cross newlines (as
 * InfluxDB allows), never st->lim. Returns past the closing quote or NULL. */
static const char *string_value(pstate *st, const char *p, const char *e, size_t *slen, const char **why) {
    size_t n = 0, nl = 0;
    int capped = st->lim < e;
    if (capped) e = st->lim;
    while (p < e && *p != '"') {
        char c = *p++;
        if (c == '\\' && p < e && (*p == '"' || *p == '\\')) c = *p++;
        else if (c == '\n') nl++;
        if (n == sizeof st->str) return *why = "string field longer than " "4096 bytes", NULL;
        st->str[n++] = c;
    }
    if (p == e) return *why = capped ? "line too long" : "unterminated string", NULL;
    st->nl += nl;
    *slen = n;
    return p + 1;
}

/* ---- points ---- */

static int is_blank(char c) { return c == ' ' || c == '\t'; }
static int at_eol(const char *p, const char *e) { return p == e || *p == '\n' || (*p == '\r' && (p + 1 == e || p[1] == '\n')); }

/* measurement[,k=v...] into st->names / st->tags; returns where the fields
 * begin, or NULL with *why. */
static const char *parse_series(pstate *st, const char *p, const char *e, size_t *ntags, const char **why) {
    st->nlen = 0;
    *ntags = 0;
    p = scan_id(st, p, e, MEAS, ID_NAME, 0, NULL, 0, NULL);
    if (!p) return *why = "series key too long", NULL;
    st->mlen = st->nlen;
    if (!st->mlen) return *why = "missing measurement", NULL;
    while (p < e && *p == ',') {
        if (*ntags == MAX_TAGS) return *why = "too many tags", NULL;
        size_t k0 = st->nlen;
        p = scan_id(st, p + 1, e, TAG, ID_TAGKEY, 0, NULL, 0, NULL);
        if (!p) return *why = "series key too long", NULL;
        if (st->nlen == k0) return *why = "missing tag key", NULL;
        if (p == e || *p != '=') return *why = "missing tag value", NULL;
        size_t v0 = st->nlen;
        p = scan_id(st, p + 1, e, TAG, ID_TAGVAL, 0, NULL, 0, NULL);
        if (!p) return *why = "series key too long", NULL;
        if (st->nlen == v0) return *why = "missing tag value", NULL;
        if (p < e && *p == '=') return *why = "invalid tag format", NULL;
        st->tags[(*ntags)++] = (tm_tag){st->names + k0, v0 - k0, st->names + v0, st->nlen - v0};
    }
    if (p == e || *p != ' ') return *why = "missing fields", NULL;
    while (p < e && is_blank(*p)) p++;
    if (at_eol(p, e)) return *why = "missing fields", NULL;
    return p;
}

/* One field "key=value"; adds its sample. Returns past the value or NULL. */
static const char *parse_field(pstate *st, const char *p, const char *e, size_t mlen, size_t clen, const char **why) {
    char *k = st->key;
    memcpy(k, st->canon, mlen);
    k[mlen] = '.';
    size_t flen;
    const char *q = scan_id(st, p, e, FIELD, ID_NAME, 1, k + mlen + 1, TM_KEY_MAX - mlen - 1, &flen);
    if (!q) return *why = "series key too long", NULL;
    if (!flen) return *why = "missing field key", NULL;
    if (q == e || *q != '=') return *why = "invalid field format", NULL;
    size_t klen = mlen + 1 + flen + (clen - mlen);
    if (klen > TM_KEY_MAX) return *why = "series key too long", NULL;
    if (utf8_check(k + mlen + 1, flen) != flen) return *why = TEXT_BAD_KEY, NULL;
    memcpy(k + mlen + 1 + flen, st->canon + mlen, clen - mlen);
    p = q + 1;
    if (p < e && *p == '"') {
        size_t slen;
        p = string_value(st, p + 1, e, &slen, why);
        if (p && utf8_check(st->str, slen) != slen) return *why = TEXT_BAD_STR, NULL;
        if (p) batch_add_string(st->b, k, klen, TM_TS_NOW, st->str, slen);
        return p;
    }
    const char *v0 = p;
    while (p < e && *p != ',' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') p++;
    if (p == v0) return *why = "missing field value", NULL;
    double v;
    if ((*why = number_value(v0, p, &v))) return NULL;
    batch_add_number(st->b, k, klen, TM_TS_NOW, v);
    return p;
}

/* Timestamp in st->unit_ns units to ms; 0 if malformed or out of range. */
static int parse_ts(pstate *st, const char *p, const char *e, int64_t *ms) {
    int neg;
    uint64_t mag;
    if (!parse_int(p, e, 1, (uint64_t)INT64_MAX, &neg, &mag)) return 0;
    if (mag > (uint64_t)(INT64_MAX / st->unit_ns)) return 0; /* InfluxDB keeps times in int64 ns */
    int64_t t = neg ? -(int64_t)mag : (int64_t)mag;
    if (st->unit_ns >= 1000000) {
        *ms = t * (st->unit_ns / 1000000);
    } else {
        int64_t d = 1000000 / st->unit_ns;
        *ms = t / d - (t % d < 0); /* floor: -1 ns is still the millisecond before 0 */
    }
    return 1;
}

static int64_t default_ts(const pstate *st) {
    if (st->now == TM_TS_NOW || st->unit_ns <= 1000000) return st->now;
    int64_t u = st->unit_ns / 1000000;
    return st->now / u * u - (st->now % u < 0 ? u : 0);
}

/* One point at p (blanks skipped, not a comment). On success returns where
 * the next line begins; else NULL with *why and nothing added. */
static const char *parse_point(pstate *st, const char *p, const char *e, const char **why) {
    tm_batch *b = st->b;
    size_t n0 = b->n, a0 = b->alen, ntags;
    st->nl = 0;
    p = parse_series(st, p, e, &ntags, why);
    if (!p) return NULL;
    int clen = key_canon(st->names, st->mlen, st->tags, ntags, st->canon, sizeof st->canon, why);
    if (clen < 0) return NULL;
    if (utf8_check(st->canon, (size_t)clen) != (size_t)clen) return *why = TEXT_BAD_KEY, NULL;
    if (st->mlen + 2 > TM_KEY_MAX) return *why = "series key too long", NULL;
    for (size_t nf = 0;; nf++) {
        if (nf == INFLUX_FIELDS_MAX) {
            *why = "too many fields";
            goto bad;
        }
        p = parse_field(st, p, e, st->mlen, (size_t)clen, why);
        if (!p) goto bad;
        if (p < e && !in_set(*p, ", \t\r\n")) {
            *why = "invalid field format";
            goto bad;
        }
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        break;
    }
    int64_t ts = default_ts(st);
    while (p < e && is_blank(*p)) p++;
    if (!at_eol(p, e)) {
        const char *t0 = p;
        while (p < e && !is_blank(*p) && *p != '\n' && *p != '\r') p++;
        if (!parse_ts(st, t0, p, &ts)) {
            *why = "bad timestamp";
            goto bad;
        }
        while (p < e && is_blank(*p)) p++;
        if (!at_eol(p, e)) {
            *why = "unexpected text after the timestamp";
            goto bad;
        }
    }
    for (size_t i = n0; i < b->n; i++) b->s[i].ts = ts;
    if (p < e && *p == '\r') p++;
    return p < e ? p + 1 : e;
bad:
    b->n = n0;
    b->alen = a0;
    return NULL;
}

void influx_parse(const char *buf, size_t len, int64_t unit_ns, int64_t now, tm_batch *b) {
    pstate st;
    st.b = b;
    st.unit_ns = unit_ns > 0 ? unit_ns : 1;
    st.now = now;
    const char *p = buf, *end = buf + len;
    size_t line = 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *next = nl ? nl + 1 : end;
        const char *s = p;
        while (s < le && (is_blank(*s) || *s == 0)) s++;
        b->line = line;
        if (s == le || *s == '#' || (*s == '\r' && s + 1 == le)) {
            p = next, line++;
            continue;
        }
        const char *why = NULL, *after = NULL;
        if ((size_t)(le - p) > INFLUX_LINE_MAX) {
            why = "line too long";
        } else {
            st.lim = p + INFLUX_LINE_MAX < end ? p + INFLUX_LINE_MAX : end;
            after = parse_point(&st, s, end, &why);
        }
        if (after) {
            p = after;
            line += 1 + st.nl;
            continue;
        }
        size_t n = (size_t)(le - s);
        if (n && s[n - 1] == '\r') n--;
        batch_error(b, line, "unable to parse '%.*s%s': %s", (int)(n > 80 ? 80 : n), s, n > 80 ? "..." : "", why);
        p = next, line++;
    }
}
