/* promql_int.h — what the PromQL lexer, parser and checker share (not for
 * other modules: they see promql.h).
 *
 * The lexer hands out one token at a time with a one-token lookahead; it
 * tracks Prometheus' lexer state (inside braces, inside brackets, paren
 * depth) because the token grammar differs there. Durations are lexed as
 * their own token kind, as Prometheus does, so "5m" is never a number. */
#ifndef TM_PROMQL_INT_H
#define TM_PROMQL_INT_H
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "promql.h"

enum tok {
    T_EOF, T_ERROR, T_IDENT, T_METRIC_IDENT, T_NUMBER, T_DURATION, T_STRING,
    T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_LBRACKET, T_RBRACKET, T_COMMA, T_COLON, T_AT,
    T_ASSIGN, T_EQL_REGEX, T_NEQ_REGEX,
    /* operators */
    T_ADD, T_SUB, T_MUL, T_DIV, T_MOD, T_POW, T_EQLC, T_NEQ, T_LTE, T_LSS, T_GTE, T_GTR,
    T_LAND, T_LOR, T_LUNLESS, T_ATAN2,
    /* aggregators */
    T_SUM, T_AVG, T_COUNT, T_MIN, T_MAX, T_GROUP, T_STDDEV, T_STDVAR, T_TOPK, T_BOTTOMK,
    T_COUNT_VALUES, T_QUANTILE,
    /* keywords */
    T_OFFSET, T_BY, T_WITHOUT, T_ON, T_IGNORING, T_GROUP_LEFT, T_GROUP_RIGHT, T_BOOL, T_START, T_END,
};
static inline int tok_is_agg(int t) { return t >= T_SUM && t <= T_QUANTILE; }
static inline int tok_is_keyword(int t) { return t >= T_OFFSET; }
/* words that may stand for a label or metric name though they are keywords */
static inline int tok_is_word(int t) { return t == T_IDENT || t == T_METRIC_IDENT || t >= T_LAND; }

typedef struct {
    int t;
    int pos, len; /* bytes in the query; for T_ERROR, msg holds the text */
    const char *msg;
} pq_tok;

typedef struct pq_block {
    struct pq_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} pq_block;

struct pq_expr {
    pq_block *blocks;
    void **res; /* compiled regexes to release */
    size_t nres, capres;
};

typedef struct {
    const char *q;
    int n;
    int pos;
    int paren, brace, bracket, got_colon;
    int depth; /* of parse_expr calls */
    pq_tok la; /* lookahead, valid when has_la */
    int has_la;
    pq_expr *ar;
    jmp_buf fail;
    char *err;
    size_t errlen;
    char msg[256];
} pq_parser;

void *pq_alloc(pq_expr *ar, size_t n);
char *pq_strdup(pq_expr *ar, const char *s, size_t n);

pq_tok pq_peek(pq_parser *p);
pq_tok pq_next(pq_parser *p);
/* Stop parsing with "LINE:COL: parse error: fmt" at byte pos. */
_Noreturn void pq_fail(pq_parser *p, int pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A token as Prometheus names it in "unexpected X" messages. */
void pq_tok_desc(const pq_parser *p, const pq_tok *t, char *out, size_t cap);

/* Token text to a value: Prometheus' number rules (ParseInt base 0, then
 * ParseFloat), its duration syntax ("1h30m", units ms s m h d w y), and Go's
 * quoted-string escapes. Each returns 0 with a message in p->msg when bad. */
int pq_number(const char *s, size_t n, double *v);
int pq_duration(const char *s, size_t n, int64_t *ms);
char *pq_unquote(pq_parser *p, const pq_tok *t);

/* Checks as each node is built (Prometheus' checkAST, node by node); they
 * fail the parse with Prometheus' message. Selectors get their regexes
 * compiled here. */
void pq_check_selector(pq_parser *p, pq_node *e);
void pq_check_agg(pq_parser *p, pq_node *e);
void pq_check_call(pq_parser *p, pq_node *e);
void pq_check_subquery(pq_parser *p, pq_node *e);
void pq_check_binary(pq_parser *p, pq_node *e, int oppos);
void pq_unary_type(pq_parser *p, int pos, int type);
#endif
