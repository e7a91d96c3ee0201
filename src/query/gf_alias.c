/* gf_alias.c — Graphite's Alias family and its Special functions
 * (constantLine, applyByNode). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "graphite.h"
#include "../util/sort.h"

static int f_alias(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    for (size_t i = 0; i < a[0].set.n; i++) {
        gser_set_name(&a[0].set.s[i], a[1].str, strlen(a[1].str));
        sset_take(out, &a[0].set.s[i]);
    }
    return 0;
}

/* aliasByNode(seriesList, *nodes): nodes or tags joined by '.' */
static int f_alias_by_node(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        tm_buf b = {0};
        for (size_t k = 1; k < n; k++) {
            if (!a[k].given) continue;
            char *v = gnode_or_tag(s, &a[k]);
            if (b.n || k > 1) buf_putc(&b, '.');
            buf_put(&b, v, strlen(v));
            free(v);
        }
        buf_putc(&b, 0);
        gser_set_name(s, (const char *)b.p, strlen((const char *)b.p));
        buf_free(&b);
        sset_take(out, s);
    }
    return 0;
}

static int f_alias_by_metric(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)ev, (void)n;
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        char *first = s->name[0] && s->name[strlen(s->name) - 1] == ')' ? gfirst_path(s->name) : NULL;
        const char *nm = first ? first : s->name, *semi = strchr(nm, ';');
        size_t len = semi ? (size_t)(semi - nm) : strlen(nm);
        const char *dot = memrchr(nm, '.', len);
        const char *p = dot ? dot + 1 : nm;
        char *last = xstrndup(p, len - (size_t)(p - nm));
        gser_set_name(s, last, strlen(last));
        free(last);
        free(first);
        sset_take(out, s);
    }
    return 0;
}

/* Python's re.sub replacement (\1, \g<1>, \g<name>) as PCRE2's ($1, ${1}) */
static char *py_replacement(const char *r) {
    tm_buf b = {0};
    for (; *r; r++) {
        if (*r == '$') buf_put(&b, "$$", 2);
        else if (*r == '\\' && r[1] >= '0' && r[1] <= '9') buf_printf(&b, "${%c}", *++r);
        else if (*r == '\\' && r[1] == 'g' && r[2] == '<' && strchr(r, '>')) {
            const char *e = strchr(r, '>');
            buf_printf(&b, "${%.*s}", (int)(e - r - 3), r + 3);
            r = e;
        } else if (*r == '\\' && r[1] == 'n') buf_putc(&b, '\n'), r++;
        else if (*r == '\\' && r[1] == '\\') buf_putc(&b, '\\'), r++;
        else buf_putc(&b, (uint8_t)*r);
    }
    buf_putc(&b, 0);
    return (char *)b.p;
}

static int f_alias_sub(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)a[1].str, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    if (!re) return gfail(ev, "aliasSub", "bad regex %s", a[1].str);
    char *rep = py_replacement(a[2].str);
    for (size_t i = 0; i < a[0].set.n; i++) {
        tm_gser *s = &a[0].set.s[i];
        PCRE2_UCHAR buf[4096];
        PCRE2_SIZE len = sizeof buf;
        int rc = pcre2_substitute(re, (PCRE2_SPTR)s->name, PCRE2_ZERO_TERMINATED, 0, PCRE2_SUBSTITUTE_GLOBAL, NULL, NULL,
                                  (PCRE2_SPTR)rep, PCRE2_ZERO_TERMINATED, buf, &len);
        if (rc < 0) {
            free(rep);
            pcre2_code_free(re);
            return gfail(ev, "aliasSub", "cannot replace with %s", a[2].str);
        }
        gser_set_name(s, (const char *)buf, len);
        sset_take(out, s);
    }
    free(rep);
    pcre2_code_free(re);
    return 0;
}

static int f_constant_line(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    char num[64], name[96];
    gfmt_num(a[0].num, 0, num, sizeof num); /* graphite's float parameter: str(100.0) */
    int64_t st = ev->from, en = ev->until, step = (en - st) / 2;
    tm_gser *g = sset_add(out, num, num, st * 1000, step * 1000, 3);
    g->end = en * 1000;
    g->v[0] = g->v[1] = g->v[2] = a[0].num;
    snprintf(name, sizeof name, "constantLine(%s)", num);
    g->path = xstrndup(name, strlen(name));
    g->xff = ev->xff;
    if (!step) g->step = 1000; /* a zero range: graphite refuses it before this */
    return 0;
}

/* applyByNode(seriesList, nodeNum, templateFunction, newName): the template
 * (with % as each prefix of the series' names up to nodeNum) evaluated once
 * per distinct prefix, in sorted order */
static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static char *replace_pct(const char *t, const char *with) {
    tm_buf b = {0};
    for (; *t; t++)
        if (*t == '%') buf_put(&b, with, strlen(with));
        else buf_putc(&b, (uint8_t)*t);
    buf_putc(&b, 0);
    return (char *)b.p;
}

static int f_apply_by_node(geval *ev, garg *a, size_t n, tm_sset *out) {
    (void)n;
    tm_sset *in = &a[0].set;
    char **pre = xmalloc((in->n ? in->n : 1) * sizeof *pre);
    size_t np = 0;
    long node = (long)a[1].num;
    for (size_t i = 0; i < in->n; i++) {
        const char *nm = in->s[i].name, *p = nm;
        for (long k = 0; k <= node && p; k++) {
            p = strchr(p, '.');
            if (p && k < node) p++;
        }
        pre[np++] = xstrndup(nm, p ? (size_t)(p - nm) : strlen(nm));
    }
    sort_n(pre, np, sizeof *pre, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < np && !rc; i++) {
        if (i && !strcmp(pre[i], pre[i - 1])) continue;
        char *target = replace_pct(a[2].str, pre[i]), err[256];
        gnode *g = gparse(target, strlen(target), err, sizeof err);
        if (!g) rc = gfail(ev, "applyByNode", "%s", err);
        tm_sset got = {0};
        if (g && !(rc = geval_target(ev, g, &got)))
            for (size_t k = 0; k < got.n; k++) {
                tm_gser *s = &got.s[k];
                if (a[3].given) {
                    char *nn = replace_pct(a[3].str, pre[i]);
                    gser_set_name(s, nn, strlen(nn));
                    free(nn);
                }
                free(s->path);
                s->path = xstrndup(pre[i], strlen(pre[i]));
                if (in->n) { /* graphite stamps the last input series' range on each */
                    s->start = in->s[in->n - 1].start;
                    s->end = in->s[in->n - 1].end;
                }
                sset_take(out, s);
            }
        sset_free(&got);
        gnode_free(g);
        free(target);
    }
    for (size_t i = 0; i < np; i++) free(pre[i]);
    free(pre);
    return rc;
}

#define SL(name) {name, GT_SERIES, 1, 0, NULL}

const gfunc GF_ALIAS[] = {
    {"alias", "Alias", "Name the series newName.", f_alias, {SL("seriesList"), {"newName", GT_STRING, 1, 0, NULL}}},
    {"aliasByNode", "Alias", "Name each series by some of its nodes (or tags).", f_alias_by_node,
     {SL("seriesList"), {"nodes", GT_NODE_OR_TAG, 1, 1, NULL}}},
    {"aliasByTags", "Alias", "Name each series by some of its tags (or nodes).", f_alias_by_node,
     {SL("seriesList"), {"tags", GT_NODE_OR_TAG, 1, 1, NULL}}},
    {"aliasByMetric", "Alias", "Name each series by its last node.", f_alias_by_metric, {SL("seriesList")}},
    {"aliasSub", "Alias", "Name each series by a regex substitution of its name.", f_alias_sub,
     {SL("seriesList"), {"search", GT_STRING, 1, 0, NULL}, {"replace", GT_STRING, 1, 0, NULL}}},
    {NULL, NULL, NULL, NULL, {{0}}},
};

const gfunc GF_SPECIAL[] = {
    {"seriesByTag", "Special", "The series whose tags match every expression ('tag=v', 'tag!=v', 'tag=~re', "
     "'tag!=~re'; the tag name is the name).", gseries_by_tag, {{"tagExpressions", GT_STRING, 1, 1, NULL}}},
    {"constantLine", "Special", "A horizontal line at value over the whole range.", f_constant_line,
     {{"value", GT_FLOAT, 1, 0, NULL}}},
    {"applyByNode", "Combine", "Evaluate a template (% is each prefix up to nodeNum) once per prefix.", f_apply_by_node,
     {SL("seriesList"), {"nodeNum", GT_NODE, 1, 0, NULL}, {"templateFunction", GT_STRING, 1, 0, NULL},
      {"newName", GT_STRING, 0, 0, NULL}}},
    {NULL, NULL, NULL, NULL, {{0}}},
};
