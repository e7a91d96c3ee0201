/* gparse.c — a recursive-descent reader of graphite-web 1.1's grammar. */
#include "gparse.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"

typedef struct {
    const char *p;
    size_t n, i;
    int depth;
    char *err;
    size_t errlen;
    int failed;
} rd;

static gnode *expr(rd *r);

static void fail(rd *r, const char *what) {
    if (r->failed) return;
    r->failed = 1;
    snprintf(r->err, r->errlen, "bad target at offset %zu: %s", r->i, what);
}

static void ws(rd *r) {
    while (r->i < r->n && isspace((unsigned char)r->p[r->i])) r->i++;
}

static gnode *node_new(int kind, size_t pos) {
    gnode *g = xcalloc(1, sizeof *g);
    g->kind = kind;
    g->pos = pos;
    return g;
}

void gnode_free(gnode *g) {
    if (!g) return;
    for (size_t i = 0; i < g->nargs; i++) {
        gnode_free(g->args[i]);
        free(g->kw[i]);
    }
    free(g->args);
    free(g->kw);
    free(g->s);
    free(g->raw);
    free(g);
}

static void add_arg(gnode *call, gnode *a, char *kw) {
    if (!(call->nargs & (call->nargs - 1)) || !call->nargs) {
        size_t cap = call->nargs ? call->nargs * 2 : 4;
        call->args = xrealloc(call->args, cap * sizeof *call->args);
        call->kw = xrealloc(call->kw, cap * sizeof *call->kw);
    }
    call->args[call->nargs] = a;
    call->kw[call->nargs++] = kw;
}

static int is_symbol(char c) { return c && strchr("(){},.'\"\\|", c) != NULL; }
static int metric_char(char c) { return (unsigned char)c > ' ' && c != 0x7f && !is_symbol(c); }
static int ident_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static int ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* A path expression: elements joined by '.', each of metric characters,
 * backslash escapes and {a,b} groups (whose commas belong to the group). */
static gnode *path(rd *r) {
    size_t start = r->i;
    tm_buf b = {0};
    int depth = 0;
    while (r->i < r->n) {
        char c = r->p[r->i];
        if (c == '\\' && r->i + 1 < r->n && (is_symbol(r->p[r->i + 1]) || r->p[r->i + 1] == '=')) {
            buf_putc(&b, (uint8_t)r->p[r->i + 1]);
            r->i += 2;
        } else if (c == '{') {
            depth++;
            buf_putc(&b, '{');
            r->i++;
        } else if (c == '}' && depth) {
            depth--;
            buf_putc(&b, '}');
            r->i++;
        } else if ((c == ',' && depth) || c == '.' || metric_char(c)) {
            buf_putc(&b, (uint8_t)c);
            r->i++;
        } else {
            break;
        }
    }
    if (depth) fail(r, "unclosed {");
    if (!b.n && !r->failed) fail(r, "expected a path, a call or a literal");
    if (r->failed) {
        buf_free(&b);
        return NULL;
    }
    gnode *g = node_new(GN_PATH, start);
    g->s = xstrndup((const char *)b.p, b.n);
    buf_free(&b);
    return g;
}

static gnode *string(rd *r) {
    char q = r->p[r->i];
    size_t start = r->i++;
    tm_buf b = {0};
    while (r->i < r->n && r->p[r->i] != q) { /* kept as written, backslashes too (graphite strips only the quotes) */
        if (r->p[r->i] == '\\' && r->i + 1 < r->n) buf_putc(&b, (uint8_t)r->p[r->i++]);
        buf_putc(&b, (uint8_t)r->p[r->i++]);
    }
    if (r->i >= r->n) {
        buf_free(&b);
        fail(r, "unterminated string");
        return NULL;
    }
    r->i++;
    gnode *g = node_new(GN_STR, start);
    g->s = xstrndup(b.p ? (const char *)b.p : "", b.n);
    buf_free(&b);
    return g;
}

/* What may follow a literal: ',', ')' or the end (graphite's afterNumber). */
static int at_arg_end(rd *r, size_t j) {
    while (j < r->n && isspace((unsigned char)r->p[j])) j++;
    return j >= r->n || r->p[j] == ',' || r->p[j] == ')';
}

static gnode *number(rd *r) {
    size_t j = r->i, start = j;
    if (j < r->n && r->p[j] == '-') j++;
    size_t d0 = j;
    while (j < r->n && isdigit((unsigned char)r->p[j])) j++;
    if (j == d0) return NULL;
    int is_int = 1;
    if (j + 1 < r->n && r->p[j] == '.' && isdigit((unsigned char)r->p[j + 1])) {
        is_int = 0;
        j++;
        while (j < r->n && isdigit((unsigned char)r->p[j])) j++;
    }
    if (j < r->n && (r->p[j] == 'e' || r->p[j] == 'E')) {
        size_t k = j + 1;
        if (k < r->n && r->p[k] == '-') k++;
        size_t e0 = k;
        while (k < r->n && isdigit((unsigned char)r->p[k])) k++;
        if (k > e0) {
            j = k;
            is_int = 0;
        }
    }
    if (!at_arg_end(r, j)) return NULL;
    gnode *g = node_new(GN_NUM, start);
    char tmp[64];
    size_t len = j - start < sizeof tmp - 1 ? j - start : sizeof tmp - 1;
    memcpy(tmp, r->p + start, len);
    tmp[len] = 0;
    g->num = strtod(tmp, NULL);
    g->is_int = is_int;
    r->i = j;
    return g;
}

static int keyword(rd *r, const char *kw) {
    size_t k = strlen(kw);
    if (r->i + k > r->n || strncasecmp(r->p + r->i, kw, k)) return 0;
    if (r->i + k < r->n && ident_char(r->p[r->i + k])) return 0;
    return at_arg_end(r, r->i + k);
}

static gnode *literal_or_expr(rd *r) {
    ws(r);
    if (r->i >= r->n) {
        fail(r, "expected an argument");
        return NULL;
    }
    char c = r->p[r->i];
    size_t at = r->i;
    if (keyword(r, "true") || keyword(r, "false")) {
        gnode *g = node_new(GN_BOOL, at);
        g->num = tolower((unsigned char)c) == 't';
        r->i += g->num ? 4 : 5;
        return g;
    }
    if (keyword(r, "none")) {
        r->i += 4;
        return node_new(GN_NONE, at);
    }
    if (keyword(r, "inf")) {
        gnode *g = node_new(GN_NUM, at);
        g->num = INFINITY;
        r->i += 3;
        return g;
    }
    gnode *g = number(r);
    if (g) return g;
    if (c == '\'' || c == '"') return string(r);
    return expr(r);
}

static gnode *call(rd *r, size_t start, char *name) {
    gnode *g = node_new(GN_CALL, start);
    g->s = name;
    r->i++; /* '(' */
    if (++r->depth > GP_MAX_DEPTH) {
        fail(r, "calls nested too deep");
        gnode_free(g);
        return NULL;
    }
    ws(r);
    int kwargs = 0;
    while (!r->failed && r->i < r->n && r->p[r->i] != ')') {
        if (g->nargs >= GP_MAX_ARGS) {
            fail(r, "too many arguments");
            break;
        }
        ws(r);
        /* name=value, but not a path such as a=~b or a==b */
        size_t j = r->i;
        char *kw = NULL;
        if (j < r->n && ident_start(r->p[j])) {
            while (j < r->n && ident_char(r->p[j])) j++;
            size_t e = j;
            while (j < r->n && isspace((unsigned char)r->p[j])) j++;
            if (j < r->n && r->p[j] == '=' && (j + 1 >= r->n || (r->p[j + 1] != '=' && r->p[j + 1] != '~'))) {
                kw = xstrndup(r->p + r->i, e - r->i);
                r->i = j + 1;
            }
        }
        if (!kw && kwargs) {
            fail(r, "a positional argument after a keyword argument");
            break;
        }
        kwargs |= kw != NULL;
        gnode *a = literal_or_expr(r);
        if (!a) {
            free(kw);
            break;
        }
        add_arg(g, a, kw);
        ws(r);
        if (r->i < r->n && r->p[r->i] == ',') {
            r->i++;
            ws(r);
            if (r->i < r->n && r->p[r->i] == ')') fail(r, "expected an argument after ','");
        } else if (r->i < r->n && r->p[r->i] != ')') {
            fail(r, "expected ',' or ')'");
        }
    }
    if (!r->failed && r->i >= r->n) fail(r, "missing ')'");
    if (r->failed) {
        gnode_free(g);
        return NULL;
    }
    r->i++;
    r->depth--;
    g->raw = xstrndup(r->p + start, r->i - start);
    return g;
}

/* A call, a path, then any piped calls. */
static gnode *expr(rd *r) {
    ws(r);
    size_t start = r->i, j = r->i;
    gnode *g;
    while (j < r->n && ident_char(r->p[j])) j++;
    if (j > start && ident_start(r->p[start]) && j < r->n && r->p[j] == '(')
        g = (r->i = j, call(r, start, xstrndup(r->p + start, j - start)));
    else
        g = path(r);
    for (int pipes = 0; g;) {
        ws(r);
        if (r->i >= r->n || r->p[r->i] != '|') break;
        if (++pipes + r->depth > GP_MAX_DEPTH) { /* each pipe nests the tree one deeper */
            fail(r, "calls nested too deep");
            gnode_free(g);
            return NULL;
        }
        r->i++;
        ws(r);
        size_t s2 = r->i, k = r->i;
        while (k < r->n && ident_char(r->p[k])) k++;
        if (k == s2 || !ident_start(r->p[s2]) || k >= r->n || r->p[k] != '(') {
            fail(r, "expected a call after '|'");
            gnode_free(g);
            return NULL;
        }
        r->i = k;
        gnode *c = call(r, s2, xstrndup(r->p + s2, k - s2));
        if (!c) {
            gnode_free(g);
            return NULL;
        }
        /* the left side becomes the first argument */
        add_arg(c, NULL, NULL);
        memmove(c->args + 1, c->args, (c->nargs - 1) * sizeof *c->args);
        memmove(c->kw + 1, c->kw, (c->nargs - 1) * sizeof *c->kw);
        c->args[0] = g;
        c->kw[0] = NULL;
        g = c;
    }
    return g;
}

gnode *gparse(const char *target, size_t n, char *err, size_t errlen) {
    rd r = {target, n, 0, 0, err, errlen, 0};
    if (n > GP_MAX_LEN) {
        snprintf(err, errlen, "bad target: longer than %d bytes", GP_MAX_LEN);
        return NULL;
    }
    if (memchr(target, 0, n)) {
        snprintf(err, errlen, "bad target: it holds a NUL byte");
        return NULL;
    }
    gnode *g = expr(&r);
    ws(&r);
    if (g && r.i < r.n) {
        fail(&r, "unexpected text after the expression");
        gnode_free(g);
        return NULL;
    }
    return g;
}
