/* glob.c — Graphite globs matched by a Thompson NFA over pattern positions.
 *
 * Backtracking matchers go exponential on "*a*a*a*a*b" or nested braces;
 * simulating every live pattern position at once costs at most
 * O(len(pattern) * len(string)) whatever the input. Braces need no stack at
 * match time: where an alternative ends (at its ',' or '}') the match always
 * continues after the group's '}', so a pattern position alone is a state.
 * Most globs a dashboard sends ("host0[0-4]*", "*", "cpu?") are literal ends
 * around positions of one byte each and at most one '*': those are matched
 * by a compare per byte, no state sets (compile_simple). */
#include "glob.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define GLOB_MAX 2048 /* longer patterns match nothing */

enum { T_LIT, T_ANY, T_STAR, T_CLASS, T_OPEN, T_COMMA, T_CLOSE, T_SKIP, T_END };

struct glob_prog {
    const char *pat; /* copy, below */
    size_t plen;
    int literal;     /* no wildcard: the string is the pattern */
    size_t pre, suf; /* literal bytes every match starts and ends with */
    /* simple: between those ends only bytes of one position each (a
     * literal, '?', a class) and at most one '*' (at star, else SIZE_MAX):
     * matched by one compare per byte, no state sets */
    int simple;
    size_t star, head, tail; /* bytes the positions before and after the star take */
    uint8_t *type;   /* per position, and T_END at plen */
    /* T_OPEN, T_COMMA: the group's next ',' or '}'. T_CLASS: its ']'. */
    uint16_t *link;
    /* T_OPEN, T_COMMA: the group's '}'. */
    uint16_t *close;
};
typedef glob_prog prog;

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

/* Does str match the positions [from, to)? (Every position but the
 * literal ends: their bytes are checked already, and a literal position has
 * no moves without a byte, so the state after the prefix is from's closure.) */
static int run(const prog *g, size_t from, size_t to, const char *str, size_t slen) {
    static _Thread_local stateset sets[2];
    uint16_t stack[GLOB_MAX + 1];
    stateset *cur = &sets[0], *nxt = &sets[1];
    clear(cur);
    clear(nxt);
    add(g, cur, from, stack);
    for (size_t i = 0; i < slen && cur->n; i++) {
        unsigned char c = (unsigned char)str[i];
        for (size_t k = 0; k < cur->n; k++) {
            size_t q = cur->list[k];
            switch (g->type[q]) {
            case T_LIT:
                if (q < to && (unsigned char)g->pat[q] == c) add(g, nxt, q + 1, stack);
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
    int ok = (cur->bits[to >> 6] >> (to & 63)) & 1;
    clear(cur);
    return ok;
}

/* One position that takes one byte (simple patterns): where it moves to, or 0. */
static size_t step1(const prog *g, size_t q, unsigned char c) {
    switch (g->type[q]) {
    case T_LIT: return (unsigned char)g->pat[q] == c ? q + 1 : 0;
    case T_ANY: return c != '.' ? q + 1 : 0;
    case T_CLASS: return c != '.' && class_has(g, q, c) ? g->link[q] + 1u : 0;
    default: return 0;
    }
}

/* A simple pattern's middle on s (the literal ends cut off): the positions
 * before the star from the left, those after it from the right, the star
 * taking what is between but a '.'. */
static int run_simple(const prog *g, const char *s, size_t n) {
    size_t end = g->plen - g->suf, mid = g->star == SIZE_MAX ? end : g->star;
    if (g->star == SIZE_MAX ? n != g->head : n < g->head + g->tail) return 0;
    size_t q = g->pre, i = 0;
    for (; q < mid; i++)
        if (!(q = step1(g, q, (unsigned char)s[i]))) return 0;
    if (g->star == SIZE_MAX) return 1;
    size_t span = n - g->head - g->tail;
    if (span && memchr(s + i, '.', span)) return 0;
    for (q = g->star + 1, i += span; q < end; i++)
        if (!(q = step1(g, q, (unsigned char)s[i]))) return 0;
    return 1;
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

/* Is the middle simple (see prog)? Counts the bytes each side of the star takes. */
static void compile_simple(prog *g) {
    g->simple = 1;
    g->star = SIZE_MAX;
    g->head = g->tail = 0;
    for (size_t q = g->pre; q < g->plen - g->suf; q++) {
        switch (g->type[q]) {
        case T_STAR:
            if (g->star != SIZE_MAX) g->simple = 0;
            g->star = q;
            continue;
        case T_LIT: case T_ANY: case T_CLASS: break;
        case T_SKIP: continue;
        default: g->simple = 0; continue;
        }
        if (g->star == SIZE_MAX) g->head++;
        else g->tail++;
    }
}

/* A program for n pattern bytes takes prog_size(n): the struct, then its
 * arrays and its copy of the pattern. */
static size_t prog_size(size_t n) { return sizeof(prog) + (n + 1) * (2 * sizeof(uint16_t) + 1) + n + 1; }

static prog *compile_at(void *mem, const char *pat, size_t plen) {
    size_t n = plen > GLOB_MAX ? 0 : plen;
    prog *g = mem;
    memset(g, 0, sizeof *g);
    g->link = (uint16_t *)(g + 1);
    g->close = g->link + n + 1;
    g->type = (uint8_t *)(g->close + n + 1);
    char *copy = (char *)g->type + n + 1;
    memcpy(copy, pat, n);
    g->pat = copy;
    g->plen = plen; /* past GLOB_MAX: matches nothing (glob_exec) */
    if (plen > GLOB_MAX) return g;
    g->literal = !has_special(pat, plen);
    compile_types(g);
    compile_links(g);
    compile_ends(g);
    compile_simple(g);
    return g;
}

glob_prog *glob_compile(const char *pat, size_t plen) {
    return compile_at(xmalloc(prog_size(plen > GLOB_MAX ? 0 : plen)), pat, plen);
}

void glob_free(glob_prog *g) { free(g); }

size_t glob_prefix(const glob_prog *g, const char **pre) {
    *pre = g->pat;
    return g->plen > GLOB_MAX ? 0 : g->pre;
}

int glob_exec(const glob_prog *g, const char *s, size_t slen) {
    size_t plen = g->plen;
    if (g->literal) return plen == slen && memcmp(g->pat, s, plen) == 0;
    if (plen > GLOB_MAX || slen < g->pre + g->suf || memcmp(s, g->pat, g->pre) ||
        memcmp(s + slen - g->suf, g->pat + plen - g->suf, g->suf))
        return 0;
    if (g->simple) return run_simple(g, s + g->pre, slen - g->pre - g->suf);
    return run(g, g->pre, plen - g->suf, s + g->pre, slen - g->pre - g->suf);
}

int glob_match(const char *pat, size_t plen, const char *s, size_t slen) {
    if (!has_special(pat, plen)) return plen == slen && memcmp(pat, s, plen) == 0;
    /* compiled once for a run of calls with the same pattern (by content:
     * a caller may reuse its buffer) */
    static _Thread_local union {
        prog g;
        unsigned char mem[sizeof(prog) + (GLOB_MAX + 1) * (2 * sizeof(uint16_t) + 1) + GLOB_MAX + 1];
    } cache;
    prog *g = &cache.g;
    if (!g->type || g->plen != plen || (plen <= GLOB_MAX && memcmp(g->pat, pat, plen))) g = compile_at(&cache, pat, plen);
    return glob_exec(g, s, slen);
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
