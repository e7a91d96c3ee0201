/* statsd.c — StatsD and DogStatsD lines into events.
 *
 * A line is checked whole before any of its events is emitted, so a bad
 * line leaves no trace in the aggregation. Everything lives on the stack:
 * nothing is allocated per line or per value. */
#include "statsd.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../util/numparse.h"
#include "lines.h"
#include "textcheck.h"

#define NUM_MAX 128 /* longest numeric field; "10.000000" is typical */
#define MAX_TAGS (TM_KEY_MAX / 4)
#define SNIP(p, n) (int)((n) > 64 ? 64 : (n)), (p)

typedef struct {
    const char *p;
    size_t n;
    int kind;
    double rate;
} span;

typedef struct {
    span v[STATSD_VALUES_MAX];
    size_t nv, group; /* group: first value still waiting for its type */
    const char *tags; /* DogStatsD "#..." field, without the '#' */
    size_t tlen;
    int have_tags;
    const char *why;
    char msg[160];
} parts;

static int is_digit(char c) { return (unsigned)(c - '0') < 10; }

/* The decimal grammar Etsy's Number() accepts that people send: no hex, no
 * "Infinity", no blanks; and the result must be finite (which also refuses
 * numparse's "nan" and "inf"). */
static int parse_num(const char *p, size_t n, double *out) {
    double v;
    if (!n || n > NUM_MAX || parse_number(p, p + n, &v) != NUM_OK || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

static int kind_of(const char *p, size_t n) {
    if (n == 1 && *p == 'c') return SD_COUNTER;
    if (n == 1 && *p == 'g') return SD_GAUGE;
    if (n == 1 && *p == 's') return SD_SET;
    if ((n == 1 && (*p == 'h' || *p == 'd')) || (n == 2 && p[0] == 'm' && p[1] == 's')) return SD_TIMER;
    return -1;
}

/* "1:2:3" (DogStatsD packing) appended as a new group of values. */
static int add_values(parts *x, const char *p, const char *e) {
    x->group = x->nv;
    for (;;) {
        const char *c = memchr(p, ':', (size_t)(e - p));
        const char *ve = c ? c : e;
        if (x->nv == STATSD_VALUES_MAX) return x->why = "too many values in one line", 0;
        x->v[x->nv++] = (span){p, (size_t)(ve - p), -1, 1.0};
        if (!c) return 1;
        p = c + 1;
    }
}

/* After the type or the rate, ":VALUE" starts Etsy's next value. */
static int group_end(parts *x, const char *colon, const char *fe, int *state) {
    if (!colon) return 1;
    *state = 1;
    return add_values(x, colon + 1, fe);
}

static int type_field(parts *x, const char *f, const char *fe, int *state) {
    const char *colon = memchr(f, ':', (size_t)(fe - f));
    const char *te = colon ? colon : fe;
    int kind = kind_of(f, (size_t)(te - f));
    if (kind < 0) {
        snprintf(x->msg, sizeof x->msg, "unknown type '%.*s' (want c, g, ms, h, d or s)", SNIP(f, (size_t)(te - f)));
        return x->why = x->msg, 0;
    }
    for (size_t i = x->group; i < x->nv; i++) x->v[i].kind = kind;
    *state = 2;
    return group_end(x, colon, fe, state);
}

static int option_field(parts *x, const char *f, const char *fe, int *state) {
    size_t n = (size_t)(fe - f);
    if (n && *f == '@') {
        const char *colon = memchr(f, ':', n);
        const char *re = colon ? colon : fe;
        double r;
        if (!parse_num(f + 1, (size_t)(re - f - 1), &r) || !(r > 0)) {
            snprintf(x->msg, sizeof x->msg, "bad sample rate '%.*s' (want @R with R > 0)", SNIP(f, (size_t)(re - f)));
            return x->why = x->msg, 0;
        }
        for (size_t i = x->group; i < x->nv; i++) x->v[i].rate = r;
        return group_end(x, colon, fe, state);
    }
    if (n && *f == '#') {
        if (x->have_tags) return x->why = "more than one tag field", 0;
        x->have_tags = 1;
        x->tags = f + 1;
        x->tlen = n - 1;
        return 1;
    }
    if ((n >= 2 && f[0] == 'c' && f[1] == ':') || (n >= 2 && f[0] == 'T' && is_digit(f[1])))
        return 1; /* DogStatsD container id and timestamp: nothing to keep */
    snprintf(x->msg, sizeof x->msg, "unknown field '%.*s' after the type", SNIP(f, n));
    return x->why = x->msg, 0;
}

/* Everything after "name:", split at '|'. */
static int split_fields(parts *x, const char *p, const char *e) {
    int state = 0; /* 0 value, 1 type, 2 options */
    for (;;) {
        const char *fe = memchr(p, '|', (size_t)(e - p));
        if (!fe) fe = e;
        int ok = state == 0 ? (state = 1, add_values(x, p, fe))
                 : state == 1 ? type_field(x, p, fe, &state)
                              : option_field(x, p, fe, &state);
        if (!ok) return 0;
        if (fe == e) break;
        p = fe + 1;
    }
    if (state == 1) return x->why = "missing '|type' after the value", 0;
    return 1;
}

/* Etsy's statsd rewrites names the same way, so dashboards built for it
 * find the same series here. */
static size_t clean_name(const char *p, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == ' ' || c == '\t') {
            if (!i || (p[i - 1] != ' ' && p[i - 1] != '\t')) out[o++] = '_'; /* one per run */
        } else if (c == '/') {
            out[o++] = '-';
        } else if (c >= 0x20 && c != 0x7f) {
            out[o++] = (char)c;
        }
    }
    return o;
}

static int tag_list(const char *p, const char *e, tm_tag *tags, size_t *nt, const char **why) {
    while (p < e) {
        const char *te = memchr(p, ',', (size_t)(e - p));
        if (!te) te = e;
        if (te > p) {
            if (*nt == MAX_TAGS) return *why = "too many tags", 0;
            const char *c = memchr(p, ':', (size_t)(te - p));
            if (c) tags[(*nt)++] = (tm_tag){p, (size_t)(c - p), c + 1, (size_t)(te - c - 1)};
            else tags[(*nt)++] = (tm_tag){p, (size_t)(te - p), "true", 4};
        }
        p = te + 1;
    }
    return 1;
}

/* Name (with optional Graphite ";k=v" tags) plus DogStatsD tags into a
 * canonical key; returns its length or -1. */
static int build_key(const char *name, size_t nlen, const parts *x, char *out, const char **why) {
    tm_tag tags[MAX_TAGS];
    size_t nt = 0;
    const char *semi = memchr(name, ';', nlen), *end = name + nlen;
    size_t base = semi ? (size_t)(semi - name) : nlen;
    if (base > TM_KEY_MAX) return *why = "name too long", -1;
    char clean[TM_KEY_MAX];
    size_t cl = clean_name(name, base, clean);
    for (const char *p = semi; p && p < end;) {
        const char *s = p + 1, *se = memchr(s, ';', (size_t)(end - s));
        if (!se) se = end;
        const char *eq = memchr(s, '=', (size_t)(se - s));
        if (!eq) return *why = "tag in the name without '='", -1;
        if (nt == MAX_TAGS) return *why = "too many tags", -1;
        tags[nt++] = (tm_tag){s, (size_t)(eq - s), eq + 1, (size_t)(se - eq - 1)};
        p = se;
    }
    if (x->have_tags && !tag_list(x->tags, x->tags + x->tlen, tags, &nt, why)) return -1;
    int klen = key_canon(clean, cl, tags, nt, out, STATSD_KEY_MAX, why);
    if (klen >= 0 && utf8_check(out, (size_t)klen) != (size_t)klen) return *why = TEXT_BAD_KEY, -1;
    return klen;
}

static void parse_line(const char *p, const char *e, size_t line, tm_batch *b, statsd_event_fn fn, void *ctx) {
    if (!line_begin(b, line, STATSD_LINE_MAX, &p, &e)) return;
    if ((e - p >= 3 && !memcmp(p, "_e{", 3)) || (e - p >= 4 && !memcmp(p, "_sc|", 4))) {
        batch_error(b, line, "DogStatsD events and service checks are not supported");
        return;
    }
    const char *colon = memchr(p, ':', (size_t)(e - p));
    const char *bar = memchr(p, '|', (size_t)(e - p));
    if (!colon || (bar && bar < colon)) {
        batch_error(b, line, "expected 'name:value|type', got '%.*s'", SNIP(p, (size_t)(e - p)));
        return;
    }
    parts x;
    x.nv = x.group = 0;
    x.have_tags = 0;
    x.tags = NULL;
    x.tlen = 0;
    x.why = "bad line";
    double vals[STATSD_VALUES_MAX];
    char key[STATSD_KEY_MAX + 1];
    int klen = 0;
    if (!split_fields(&x, colon + 1, e) || (klen = build_key(p, (size_t)(colon - p), &x, key, &x.why)) < 0) {
        if (!strcmp(x.why, "key too long"))
            batch_error(b, line, "name and tags longer than %d bytes", STATSD_KEY_MAX);
        else
            batch_error(b, line, "%s", x.why);
        return;
    }
    for (size_t i = 0; i < x.nv; i++) {
        const span *v = &x.v[i];
        if (v->kind != SD_SET && !parse_num(v->p, v->n, &vals[i])) {
            batch_error(b, line, "bad value '%.*s'", SNIP(v->p, v->n));
            return;
        }
    }
    int failed = 0;
    for (size_t i = 0; i < x.nv; i++) {
        const span *v = &x.v[i];
        statsd_event ev = {key, (size_t)klen, v->kind, 0, 0, v->rate, v->p, v->n, line};
        if (v->kind == SD_SET) {
            if (!v->n) ev.member = "0", ev.mlen = 1;
        } else {
            ev.value = vals[i];
            ev.delta = v->kind == SD_GAUGE && (*v->p == '+' || *v->p == '-');
        }
        const char *why = fn(ctx, &ev);
        if (why && !failed++) batch_error(b, line, "%s", why);
    }
}

void statsd_parse(const char *buf, size_t len, size_t first_line, tm_batch *b, statsd_event_fn fn, void *ctx) {
    tm_lines it = lines_start(buf, len, first_line);
    const char *p, *e;
    while (lines_next(&it, &p, &e)) parse_line(p, e, it.line, b, fn, ctx);
}
