/* graphite.c — Graphite plaintext, the server's hottest path.
 *
 * Per line: memchr for its end, one scan per field (names, fields' ends and
 * timestamps eight bytes at a time where they can: util/swar.h), the shared exact decimal
 * parser (numparse.h: no strtod for the values people send), and no
 * allocation besides the batch's own amortized growth. numparse's grammar
 * is Python float()'s without blanks or underscores: what carbon accepts. */
#include "graphite.h"

#include <math.h>
#include <string.h>

#include "../util/numparse.h"
#include "../util/swar.h"
#include "lines.h"
#include "textcheck.h"

/* Seconds; "-1" means now. A value above 1e11 (year 5138) can only be
 * milliseconds someone sent by mistake, and is read as such, as everywhere
 * else in tidemark. The common form, whole seconds, never gets here: the
 * line's scan reads it (seconds_field). */
static int parse_ts(const char *p, const char *e, int64_t *ts) {
    double d;
    if (parse_number(p, e, &d) != NUM_OK || !isfinite(d)) return 0;
    if (d == -1) {
        *ts = TM_TS_NOW;
        return 1;
    }
    if (!(fabs(d) < 1e14)) return 0;
    *ts = fabs(d) > 1e11 ? llround(d) : llround(d * 1000);
    return 1;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The common timestamp, whole seconds in at most 11 digits, read in the same
 * pass that finds the field's end: *p moves past it and *ts is set, or
 * nothing moves and parse_ts reads the field as it ends. */
static int seconds_field(const char **pp, const char *e, int64_t *ts) {
    const char *p = *pp;
    uint64_t v = 0;
#ifdef SWAR_LE
    if (e - p >= 8) {
        int64_t d8 = swar_digits8(swar_load(p));
        if (d8 >= 0) {
            v = (uint64_t)d8;
            p += 8;
        }
    }
#endif
    for (; p < e && (unsigned)(*p - '0') < 10; p++) v = v * 10 + (uint64_t)(*p - '0');
    if (p == *pp || p - *pp > 11 || (p < e && !is_blank(*p))) return 0;
    *ts = (int64_t)v * 1000;
    *pp = p;
    return 1;
}

/* The end of a field: its first blank, or e. */
static const char *field_end(const char *p, const char *e) {
#ifdef SWAR_LE
    while (e - p >= 8) {
        uint64_t x = swar_load(p), m = swar_has(x, ' ') | swar_has(x, '\t') | swar_has(x, '\r');
        if (m) return p + swar_first(m);
        p += 8;
    }
#endif
    while (p < e && !is_blank(*p)) p++;
    return p;
}

/* Past the longest run of whole words of a name that need no look: no
 * blank or control byte, no ';' (tags), no DEL, nothing above ASCII. */
static const char *plain_prefix(const char *p, const char *e) {
    while (e - p >= 8) {
        uint64_t x = swar_load(p);
        if (swar_below(x, 0x21) | swar_has(x, ';') | swar_has(x, 0x7f) | (x & SWAR_HIGHS)) break;
        p += 8;
    }
    return p;
}

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
    if (!line_begin(b, line, TM_LINE_MAX, &p, &e)) return;
    const char *name = p;
    int tagged = 0;
    unsigned char high = 0;
    p = plain_prefix(p, e);
    for (; p < e && (unsigned char)*p > ' ' && *p != 0x7f; p++) {
        tagged |= *p == ';';
        high |= (unsigned char)*p;
    }
    const char *name_end = p;
    if (p < e && *p != ' ' && *p != '\t') {
        batch_error(b, line, "control character in name");
        return;
    }
    if ((high & 0x80) && !text_ok(b, line, TEXT_BAD_KEY, name, (size_t)(name_end - name))) return;
    while (p < e && is_blank(*p)) p++;
    const char *val = p;
    const char *val_end = p = field_end(p, e);
    while (p < e && is_blank(*p)) p++;
    const char *tsp = p;
    int64_t ts = TM_TS_NOW;
    int ts_done = seconds_field(&p, e, &ts);
    const char *ts_end = p = field_end(p, e);
    while (p < e && is_blank(*p)) p++;
    if (val == val_end || p != e) {
        batch_error(b, line, "expected 'name value timestamp'");
        return;
    }

    double v;
    int r = parse_number(val, val_end, &v);
    if (r == NUM_NAN) return;
    if (r == NUM_BAD) {
        batch_error(b, line, "bad value '%.*s'", SNIP(val, val_end));
        return;
    }
    if (!ts_done && tsp != ts_end && !parse_ts(tsp, ts_end, &ts)) {
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
    tm_lines it = lines_start(buf, len, first_line);
    const char *p, *e;
    while (lines_next(&it, &p, &e)) parse_line(p, e, it.line, b);
}
