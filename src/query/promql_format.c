/* promql_format.c — a parse tree back to text, every binary expression in
 * parentheses, so a test can say in one string how a query was read. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "promql.h"

typedef struct {
    char *p;
    size_t n, cap;
} out_t;

static void put(out_t *o, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (o->n + 1 < o->cap) o->p[o->n] = s[i];
        o->n++;
    }
    if (o->cap) o->p[o->n < o->cap ? o->n : o->cap - 1] = 0;
}
static void puts_(out_t *o, const char *s) { put(o, s, strlen(s)); }

static void put_num(out_t *o, double v) {
    char b[40];
    if (isnan(v)) snprintf(b, sizeof b, "NaN");
    else if (isinf(v)) snprintf(b, sizeof b, v > 0 ? "+Inf" : "-Inf");
    else snprintf(b, sizeof b, "%.15g", v);
    puts_(o, b);
}

/* Prometheus' duration form: 1h30m, 90s, 1500ms */
static void put_dur(out_t *o, int64_t ms) {
    static const struct {
        const char *u;
        int64_t ms;
    } units[] = {{"y", 365LL * 86400000}, {"w", 7LL * 86400000}, {"d", 86400000}, {"h", 3600000},
                 {"m", 60000},            {"s", 1000},           {"ms", 1}};
    char b[32];
    if (ms < 0) puts_(o, "-"), ms = -ms;
    if (!ms) puts_(o, "0s");
    for (size_t i = 0; i < 7 && ms; i++)
        if (ms >= units[i].ms) {
            snprintf(b, sizeof b, "%lld%s", (long long)(ms / units[i].ms), units[i].u);
            puts_(o, b);
            ms %= units[i].ms;
        }
}

static void put_str(out_t *o, const char *s) {
    puts_(o, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') puts_(o, "\\");
        if ((unsigned char)*s < 0x20) {
            char b[8];
            snprintf(b, sizeof b, "\\x%02x", (unsigned char)*s);
            puts_(o, b);
        } else put(o, s, 1);
    }
    puts_(o, "\"");
}

static void put_labels(out_t *o, const pq_labels *l) {
    puts_(o, "(");
    for (size_t i = 0; i < l->n; i++) {
        if (i) puts_(o, ", ");
        puts_(o, l->v[i]);
    }
    puts_(o, ")");
}

static void put_mods(out_t *o, const pq_node *e) {
    if (e->offset) puts_(o, " offset "), put_dur(o, e->offset);
    if (e->at == PQ_AT_START) puts_(o, " @ start()");
    else if (e->at == PQ_AT_END) puts_(o, " @ end()");
    else if (e->at) {
        char b[40];
        snprintf(b, sizeof b, " @ %.3f", (double)e->at_ms / 1000);
        puts_(o, b);
    }
}

static void fmt(out_t *o, const pq_node *e);

static void put_args(out_t *o, pq_node *const *a, size_t n) {
    puts_(o, "(");
    for (size_t i = 0; i < n; i++) {
        if (!a[i]) continue;
        if (i && a[i - 1]) puts_(o, ", ");
        fmt(o, a[i]);
    }
    puts_(o, ")");
}

/* a name written bare must read back as one: [a-zA-Z_:][a-zA-Z0-9_:]* and
 * not a word that reads as a number or an operator's keyword */
static int bare_name(const char *s) {
    static const char *const words[] = {"inf", "nan", "on", "ignoring", "group_left", "group_right", "bool", "atan2"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (!strcasecmp(s, words[i])) return 0;
    if (!*s || (*s >= '0' && *s <= '9')) return 0;
    for (; *s; s++)
        if (!(*s == '_' || *s == ':' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static void fmt_sel(out_t *o, const pq_node *e) {
    static const char *const mops[] = {"=", "!=", "=~", "!~"};
    int first = 1, bare = e->metric && bare_name(e->metric);
    if (bare) puts_(o, e->metric);
    for (size_t i = 0; i < e->nm; i++) {
        if (bare && !strcmp(e->m[i].name, "__name__") && e->m[i].op == PQ_M_EQ) continue;
        puts_(o, first ? "{" : ", ");
        first = 0;
        puts_(o, e->m[i].name);
        puts_(o, mops[e->m[i].op]);
        put_str(o, e->m[i].value);
    }
    if (!first) puts_(o, "}");
    if (e->range) puts_(o, "["), put_dur(o, e->range), puts_(o, "]");
    put_mods(o, e);
}

static void fmt_bin(out_t *o, const pq_node *e) {
    puts_(o, "(");
    fmt(o, e->args[0]);
    puts_(o, " ");
    puts_(o, pq_op_name(e->op));
    if (e->bool_mod) puts_(o, " bool");
    if (e->has_matching) {
        puts_(o, e->on ? " on" : " ignoring");
        put_labels(o, &e->match);
        if (e->card == PQ_MANY_TO_ONE || e->card == PQ_ONE_TO_MANY) {
            puts_(o, e->card == PQ_MANY_TO_ONE ? " group_left" : " group_right");
            put_labels(o, &e->include);
        }
    }
    puts_(o, " ");
    fmt(o, e->args[1]);
    puts_(o, ")");
}

static void fmt(out_t *o, const pq_node *e) {
    switch (e->kind) {
    case PQ_NUM: put_num(o, e->num); break;
    case PQ_STR: put_str(o, e->str); break;
    case PQ_SEL: fmt_sel(o, e); break;
    case PQ_SUBQUERY:
        fmt(o, e->args[0]);
        puts_(o, "[");
        put_dur(o, e->range);
        puts_(o, ":");
        if (e->step) put_dur(o, e->step);
        puts_(o, "]");
        put_mods(o, e);
        break;
    case PQ_CALL: puts_(o, e->fn->name), put_args(o, e->args, e->nargs); break;
    case PQ_AGG:
        puts_(o, pq_agg_name(e->op));
        if (e->has_grouping) puts_(o, e->without ? " without" : " by"), put_labels(o, &e->grouping);
        put_args(o, e->args, e->nargs);
        break;
    case PQ_BIN: fmt_bin(o, e); break;
    case PQ_NEG: puts_(o, "-"), fmt(o, e->args[0]); break;
    case PQ_PAREN: /* a binary expression brings its own */
        if (e->args[0]->kind == PQ_BIN) fmt(o, e->args[0]);
        else puts_(o, "("), fmt(o, e->args[0]), puts_(o, ")");
        break;
    }
}

void pq_format(const pq_node *e, char *out, size_t cap) {
    out_t o = {out, 0, cap};
    if (cap) out[0] = 0;
    fmt(&o, e);
}
