/* promql_lex.c — PromQL tokens, with Prometheus' lexer states and words.
 *
 * Three contexts differ: statements, inside {...} (label names, matcher
 * operators, strings), and inside [...] (durations and one ':'). Keywords
 * are case-insensitive; "inf" and "nan" are numbers. Errors become a
 * T_ERROR token carrying Prometheus' message, positioned where it does. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "promql_int.h"

static const struct {
    const char *w;
    int t;
} keywords[] = {
    {"and", T_LAND},       {"or", T_LOR},          {"unless", T_LUNLESS},
    {"atan2", T_ATAN2},    {"sum", T_SUM},         {"avg", T_AVG},
    {"count", T_COUNT},    {"min", T_MIN},         {"max", T_MAX},
    {"group", T_GROUP},    {"stddev", T_STDDEV},   {"stdvar", T_STDVAR},
    {"topk", T_TOPK},      {"bottomk", T_BOTTOMK}, {"count_values", T_COUNT_VALUES},
    {"quantile", T_QUANTILE}, {"offset", T_OFFSET}, {"by", T_BY},
    {"without", T_WITHOUT}, {"on", T_ON},          {"ignoring", T_IGNORING},
    {"group_left", T_GROUP_LEFT}, {"group_right", T_GROUP_RIGHT}, {"bool", T_BOOL},
    {"start", T_START},    {"end", T_END},
};

static int is_alpha(int c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alnum(int c) { return is_alpha(c) || is_digit(c); }
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static int at(const pq_parser *p, int i) { return i < p->n ? (unsigned char)p->q[i] : -1; }

static pq_tok tok(int t, int pos, int end) { return (pq_tok){t, pos, end - pos, NULL}; }

static pq_tok lex_error(pq_parser *p, int pos, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->msg, sizeof p->msg, fmt, ap);
    va_end(ap);
    p->pos = p->n; /* nothing after an error is read */
    return (pq_tok){T_ERROR, pos, 0, p->msg};
}

/* Go's %q of one character, as Prometheus' messages print it. */
static const char *quote_char(int c, char *buf) {
    if (c == '\'') return "'\\''";
    if (c >= 0x20 && c < 0x7f) snprintf(buf, 12, "'%c'", c);
    else if (c < 0x80) snprintf(buf, 12, "'\\x%02x'", c);
    else snprintf(buf, 12, "'\\u%04x'", c);
    return buf;
}

static int word_end(const pq_parser *p, int i, int colons) {
    while (is_alnum(at(p, i)) || (colons && at(p, i) == ':')) i++;
    return i;
}

static pq_tok lex_word(pq_parser *p, int s) {
    int e = word_end(p, s, 1);
    p->pos = e;
    int len = e - s;
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
        if ((int)strlen(keywords[k].w) == len && !strncasecmp(keywords[k].w, p->q + s, len))
            return tok(keywords[k].t, s, e);
    if ((len == 3) && (!strncasecmp(p->q + s, "inf", 3) || !strncasecmp(p->q + s, "nan", 3))) return tok(T_NUMBER, s, e);
    return tok(memchr(p->q + s, ':', len) ? T_METRIC_IDENT : T_IDENT, s, e);
}

/* Prometheus' scanNumber: hex after 0x, digits, '.', exponent; then the
 * next character must not be alphanumeric (else it may be a duration). */
static int scan_number(const pq_parser *p, int i, int *end) {
    int hex = 0;
    if (at(p, i) == '0' && (at(p, i + 1) == 'x' || at(p, i + 1) == 'X')) {
        hex = 1;
        i += 2;
    }
    while (hex ? isxdigit(at(p, i)) : is_digit(at(p, i))) i++;
    if (at(p, i) == '.') {
        i++;
        while (hex ? isxdigit(at(p, i)) : is_digit(at(p, i))) i++;
    }
    if (at(p, i) == 'e' || at(p, i) == 'E') {
        i++;
        if (at(p, i) == '+' || at(p, i) == '-') i++;
        while (is_digit(at(p, i))) i++;
    }
    *end = i;
    return !is_alnum(at(p, i));
}

static pq_tok lex_number(pq_parser *p, int s) {
    int e;
    if (scan_number(p, s, &e)) {
        p->pos = e;
        return tok(T_NUMBER, s, e);
    }
    /* a duration: digits and unit letters; its syntax is checked when read */
    e = s;
    while (is_alnum(at(p, e))) e++;
    int i = s;
    while (is_digit(at(p, i))) i++;
    if (i > s && i < e && strchr("smhdwy", at(p, i))) {
        p->pos = e;
        return tok(T_DURATION, s, e);
    }
    scan_number(p, s, &e);
    if (p->bracket) return lex_error(p, s, "bad duration syntax: \"%.*s\"", e - s, p->q + s);
    return lex_error(p, s, "bad number or duration syntax: \"%.*s\"", e - s, p->q + s);
}

static pq_tok lex_string(pq_parser *p, int s) {
    int q = at(p, s), i = s + 1;
    char cb[12];
    for (;;) {
        int c = at(p, i);
        if (c < 0 || (q != '`' && c == '\n')) return lex_error(p, s, "unterminated quoted string");
        if (c == q) break;
        if (c == '\\' && q != '`') {
            int d = at(p, i + 1);
            if (d < 0) return lex_error(p, s, "unterminated quoted string");
            if (!strchr("abfnrtv\\xuU01234567", d) && d != q) {
                if (d < 0x80) return lex_error(p, s, "unknown escape sequence U+%04X %s", d, quote_char(d, cb));
                return lex_error(p, s, "unknown escape sequence");
            }
            i += 2;
            continue;
        }
        i++;
    }
    p->pos = i + 1;
    return tok(T_STRING, s, i + 1);
}

static pq_tok lex_braces(pq_parser *p) {
    while (is_space(at(p, p->pos))) p->pos++;
    int s = p->pos, c = at(p, s), d = at(p, s + 1);
    char cb[12];
    if (c < 0) return lex_error(p, s, "unexpected end of input inside braces");
    if (is_alpha(c)) {
        p->pos = word_end(p, s, 0);
        return tok(T_IDENT, s, p->pos);
    }
    if (c == '"' || c == '\'' || c == '`') return lex_string(p, s);
    p->pos = s + 1;
    switch (c) {
    case ',': return tok(T_COMMA, s, s + 1);
    case '}': p->brace = 0; return tok(T_RBRACE, s, s + 1);
    case '{': return lex_error(p, s, "unexpected left brace '{' inside braces");
    case '=':
        if (d == '~') return p->pos++, tok(T_EQL_REGEX, s, s + 2);
        return tok(T_ASSIGN, s, s + 1);
    case '!':
        if (d == '~') return p->pos++, tok(T_NEQ_REGEX, s, s + 2);
        if (d == '=') return p->pos++, tok(T_NEQ, s, s + 2);
        return lex_error(p, s, "unexpected character after '!' inside braces: %s", quote_char(d, cb));
    }
    return lex_error(p, s, "unexpected character inside braces: %s", quote_char(c, cb));
}

static pq_tok lex_op(pq_parser *p, int s, int c, int d) {
    char cb[12];
    static const char single[] = "*/%+-^,@";
    static const int singles[] = {T_MUL, T_DIV, T_MOD, T_ADD, T_SUB, T_POW, T_COMMA, T_AT};
    const char *k = strchr(single, c);
    if (k && c) return tok(singles[k - single], s, s + 1);
    switch (c) {
    case '=':
        if (d == '=') return p->pos++, tok(T_EQLC, s, s + 2);
        if (d == '~') return lex_error(p, s, "unexpected character after '=': '~'");
        return tok(T_ASSIGN, s, s + 1);
    case '!':
        if (d != '=') return lex_error(p, s, "unexpected character after '!': %s", quote_char(d < 0 ? 0 : d, cb));
        return p->pos++, tok(T_NEQ, s, s + 2);
    case '<':
        if (d == '=') return p->pos++, tok(T_LTE, s, s + 2);
        return tok(T_LSS, s, s + 1);
    case '>':
        if (d == '=') return p->pos++, tok(T_GTE, s, s + 2);
        return tok(T_GTR, s, s + 1);
    case '(': p->paren++; return tok(T_LPAREN, s, s + 1);
    case ')':
        if (--p->paren < 0) return lex_error(p, s + 1, "unexpected right parenthesis ')'");
        return tok(T_RPAREN, s, s + 1);
    case '{': p->brace = 1; return tok(T_LBRACE, s, s + 1);
    case '}': return lex_error(p, s, "unexpected right brace '}'");
    case '[':
        if (p->bracket) return lex_error(p, s, "unexpected left bracket '['");
        p->bracket = 1;
        p->got_colon = 0;
        return tok(T_LBRACKET, s, s + 1);
    case ']':
        if (!p->bracket) return lex_error(p, s, "unexpected right bracket ']'");
        p->bracket = 0;
        return tok(T_RBRACKET, s, s + 1);
    }
    return lex_error(p, s, "unexpected character: %s", quote_char(c, cb));
}

static pq_tok lex(pq_parser *p) {
    if (p->brace) return lex_braces(p);
    for (;;) {
        while (is_space(at(p, p->pos))) p->pos++;
        if (at(p, p->pos) != '#') break;
        while (at(p, p->pos) >= 0 && at(p, p->pos) != '\n') p->pos++;
    }
    int s = p->pos, c = at(p, s), d = at(p, s + 1);
    char cb[12];
    if (c < 0) {
        if (p->paren) return lex_error(p, s, "unclosed left parenthesis");
        if (p->bracket) return lex_error(p, s, "unclosed left bracket");
        return tok(T_EOF, s, s);
    }
    if (is_digit(c) || (c == '.' && is_digit(d))) return lex_number(p, s);
    if (c == '"' || c == '\'' || c == '`') return lex_string(p, s);
    if (is_alpha(c) || c == ':') {
        if (!p->bracket) return lex_word(p, s);
        if (c == ':' && !p->got_colon) {
            p->got_colon = 1;
            p->pos = s + 1;
            return tok(T_COLON, s, s + 1);
        }
        if (c == ':') return lex_error(p, s, "unexpected colon ':'");
        return lex_error(p, s, "unexpected character: %s, expected ':'", quote_char(c, cb));
    }
    p->pos = s + 1;
    return lex_op(p, s, c, d);
}

pq_tok pq_peek(pq_parser *p) {
    if (!p->has_la) {
        p->la = lex(p);
        p->has_la = 1;
    }
    return p->la;
}

pq_tok pq_next(pq_parser *p) {
    pq_tok t = pq_peek(p);
    p->has_la = 0;
    if (t.t == T_ERROR) pq_fail(p, t.pos, "%s", t.msg);
    return t;
}

static const char *const tok_names[] = {
    [T_LPAREN] = "(", [T_RPAREN] = ")", [T_LBRACE] = "{", [T_RBRACE] = "}", [T_LBRACKET] = "[",
    [T_RBRACKET] = "]", [T_COMMA] = ",", [T_COLON] = ":", [T_ASSIGN] = "=",
};

void pq_tok_desc(const pq_parser *p, const pq_tok *t, char *out, size_t cap) {
    const char *txt = p->q + t->pos;
    switch (t->t) {
    case T_EOF: snprintf(out, cap, "end of input"); return;
    case T_IDENT: snprintf(out, cap, "identifier \"%.*s\"", t->len, txt); return;
    case T_METRIC_IDENT: snprintf(out, cap, "metric identifier \"%.*s\"", t->len, txt); return;
    case T_NUMBER: snprintf(out, cap, "number \"%.*s\"", t->len, txt); return;
    case T_DURATION: snprintf(out, cap, "duration \"%.*s\"", t->len, txt); return;
    case T_STRING: snprintf(out, cap, "string \"%.*s\"", t->len > 10 ? 10 : t->len, txt); return;
    default: break;
    }
    if (t->t < (int)(sizeof tok_names / sizeof tok_names[0]) && tok_names[t->t])
        snprintf(out, cap, "\"%s\"", tok_names[t->t]);
    else if (tok_is_agg(t->t)) snprintf(out, cap, "<aggr:%.*s>", t->len, txt);
    else if (tok_is_keyword(t->t)) snprintf(out, cap, "<%.*s>", t->len, txt);
    else snprintf(out, cap, "<op:%.*s>", t->len, txt);
}
