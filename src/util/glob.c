/* glob.c — Graphite globs matched by a Thompson NFA over pattern positions.
 *
 * Backtracking matchers go exponential on "*a*a*a*a*b" or nested braces;
 * simulating every live pattern position at once costs at most
 * O(len(pattern) * len(string)) whatever the input. Braces need no stack at
 * match time: where an alternative ends (at its ',' or '}') the match always
 * continues after the group's '}', so a pattern position alone is a state. */
#include "glob.h"

#include <stdint.h>
#include <string.h>

#define GLOB_MAX 2048 /* longer patterns match nothing */

enum { T_LIT, T_ANY, T_STAR, T_CLASS, T_OPEN, T_COMMA, T_CLOSE, T_SKIP, T_END };

typedef struct {
    const char *pat;
    size_t plen;
    size_t pre, suf; /* literal bytes every match starts and ends with */
    char copy[GLOB_MAX]; /* the pattern compiled last (pat points here) */
    uint8_t type[GLOB_MAX + 1];
    /* T_OPEN, T_COMMA: the group's next ',' or '}'. T_CLASS: its ']'. */
    uint16_t link[GLOB_MAX + 1];
    /* T_OPEN, T_COMMA: the group's '}'. */
    uint16_t close[GLOB_MAX + 1];
} prog;

/* The ']' closing a class opened at i, or 0 if it is a literal '['. */
static size_t class_end(const char *p, size_t n, size_t i) {
    size_t j = i + 1;
    if (j < n && (p[j] == '!' || p[j] == '^')) j++;
    if (j < n && p[j] == ']') j++; /* "[]x]": a leading ']' is a member */
    while (j < n && p[j] != ']') j++;
    return j < n ? j : 0;
}

/* Pass 1 types every position and pairs braces; unpaired ones, and commas
 * of unpaired groups, are literals. */
static void compile_types(prog *g) {
    const char *p = g->pat;
    size_t n = g->plen, sp = 0;
    uint16_t stack[GLOB_MAX];
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        size_t ce;
        g->type[i] = T_LIT;
        if (c == '*') {
            g->type[i] = T_STAR;
        } else if (c == '?') {
            g->type[i] = T_ANY;
        } else if (c == '[' && (ce = class_end(p, n, i))) {
            g->type[i] = T_CLASS;
            g->link[i] = (uint16_t)ce;
            for (size_t j = i + 1; j <= ce; j++) g->type[j] = T_SKIP;
            i = ce;
        } else if (c == '{') {
            g->type[i] = T_OPEN;
            stack[sp++] = (uint16_t)i;
        } else if (c == ',' && sp) {
            g->type[i] = T_COMMA;
            g->close[i] = stack[sp - 1]; /* its owner, for now */
        } else if (c == '}' && sp) {
            g->type[i] = T_CLOSE;
            g->close[stack[--sp]] = (uint16_t)i;
        }
    }
    g->type[n] = T_END;
    while (sp) g->type[stack[--sp]] = T_LIT;
    for (size_t i = 0; i < n; i++) {
        if (g->type[i] != T_COMMA) continue;
        size_t owner = g->close[i];
        if (g->type[owner] == T_OPEN)
            g->close[i] = g->close[owner];
        else
            g->type[i] = T_LIT;
    }
}

/* Pass 2 chains each group's '{' → ',' → ... → '}'. Paired groups nest
 * properly, so the innermost open one owns each ',' and '}'. */
static void compile_links(prog *g) {
    uint16_t stack[GLOB_MAX];
    size_t sp = 0;
    for (size_t i = 0; i < g->plen; i++) {
        switch (g->type[i]) {
        case T_OPEN: stack[sp++] = (uint16_t)i; break;
        case T_COMMA:
            g->link[stack[sp - 1]] = (uint16_t)i;
            stack[sp - 1] = (uint16_t)i;
            break;
        case T_CLOSE: g->link[stack[--sp]] = (uint16_t)i; break;
        default: break;
        }
    }
}

static int class_has(const prog *g, size_t q, unsigned char c) {
    const char *p = g->pat;
    size_t i = q + 1, end = g->link[q];
    int neg = p[i] == '!' || p[i] == '^';
    if (neg) i++;
    int hit = 0;
    for (; i < end; i++) {
        unsigned char lo = (unsigned char)p[i], hi = lo;
        if (i + 2 < end && p[i + 1] == '-') {
            hi = (unsigned char)p[i + 2];
            i += 2;
        }
        if (c >= lo && c <= hi) hit = 1;
    }
    return hit != neg;
}

typedef struct {
    uint64_t bits[GLOB_MAX / 64 + 1];
    uint16_t list[GLOB_MAX + 1];
    size_t n;
} stateset;

/* Add q and every position reachable from it without consuming a byte. */
static void add(const prog *g, stateset *s, size_t q, uint16_t *stack) {
    size_t sp = 0;
#define PUSH(x)                                                         \
    do {                                                                \
        size_t x_ = (x);                                                \
        if (!(s->bits[x_ >> 6] >> (x_ & 63) & 1)) {                     \
            s->bits[x_ >> 6] |= 1ULL << (x_ & 63);                      \
            stack[sp++] = (uint16_t)x_;                                 \
        }                                                               \
    } while (0)
    PUSH(q);
    while (sp) {
        size_t r = stack[--sp];
        s->list[s->n++] = (uint16_t)r;
        switch (g->type[r]) {
        case T_STAR: PUSH(r + 1); break;
        case T_CLOSE: PUSH(r + 1); break;
        case T_COMMA: PUSH(g->close[r] + 1u); break;
        case T_OPEN:
            for (size_t a = r;; a = g->link[a]) {
                PUSH(a + 1);
                if (g->type[g->link[a]] != T_COMMA) break;
            }
            break;
        default: break;
        }
    }
#undef PUSH
}

static void clear(stateset *s) {
    for (size_t i = 0; i < s->n; i++) s->bits[s->list[i] >> 6] = 0;
    s->n = 0;
}

static int run(const prog *g, const char *str, size_t slen) {
    static _Thread_local stateset sets[2];
    uint16_t stack[GLOB_MAX + 1];
    stateset *cur = &sets[0], *nxt = &sets[1];
    clear(cur);
    clear(nxt);
    add(g, cur, 0, stack);
    for (size_t i = 0; i < slen && cur->n; i++) {
        unsigned char c = (unsigned char)str[i];
        for (size_t k = 0; k < cur->n; k++) {
            size_t q = cur->list[k];
            switch (g->type[q]) {
            case T_LIT:
                if ((unsigned char)g->pat[q] == c) add(g, nxt, q + 1, stack);
                break;
            case T_ANY:
                if (c != '.') add(g, nxt, q + 1, stack);
                break;
            case T_STAR:
                if (c != '.') add(g, nxt, q, stack);
                break;
            case T_CLASS:
                if (c != '.' && class_has(g, q, c)) add(g, nxt, g->link[q] + 1u, stack);
                break;
            default: break;
            }
        }
        clear(cur);
        stateset *t = cur;
        cur = nxt;
        nxt = t;
    }
    int ok = (cur->bits[g->plen >> 6] >> (g->plen & 63)) & 1;
    clear(cur);
    return ok;
}

static int has_special(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] == '*' || p[i] == '?' || p[i] == '[' || p[i] == '{') return 1;
    return 0;
}

/* The runs of literal positions at both ends: a match must start with the
 * one and end with the other, so most candidates are turned down by a
 * memcmp before the NFA runs (the index matches one glob segment against
 * every child of a node). Positions inside a group are no literals here
 * ('{', ',' and '}' end the runs). */
static void compile_ends(prog *g) {
    size_t n = g->plen;
    g->pre = g->suf = 0;
    while (g->pre < n && g->type[g->pre] == T_LIT) g->pre++;
    while (g->suf < n - g->pre && g->type[n - 1 - g->suf] == T_LIT) g->suf++;
}

int glob_match(const char *pat, size_t plen, const char *s, size_t slen) {
    if (!has_special(pat, plen)) return plen == slen && memcmp(pat, s, plen) == 0;
    if (plen > GLOB_MAX) return 0;
    /* compiled once for a run of calls with the same pattern (by content:
     * a caller may reuse its buffer) */
    static _Thread_local prog g;
    if (g.plen != plen || !g.pat || memcmp(g.copy, pat, plen)) {
        memcpy(g.copy, pat, plen);
        g.pat = g.copy;
        g.plen = plen;
        compile_types(&g);
        compile_links(&g);
        compile_ends(&g);
    }
    if (slen < g.pre + g.suf || memcmp(s, g.pat, g.pre) || memcmp(s + slen - g.suf, g.pat + plen - g.suf, g.suf))
        return 0;
    return run(&g, s, slen);
}

int glob_is_pattern(const char *pat, size_t plen) {
    for (size_t i = 0; i < plen; i++) {
        char c = pat[i];
        if (c == '*' || c == '?') return 1;
        if (c == '[' && class_end(pat, plen, i)) return 1;
        if (c == '{' && memchr(pat + i, '}', plen - i)) return 1;
    }
    return 0;
}
