/* promql_parse.c — PromQL's grammar by recursive descent with precedence
 * climbing. Levels, loosest first: or; and unless; comparisons; + -;
 * * / % atan2; unary - +; ^ (right-associative); then the postfix forms
 * [range], [range:step], offset and @, which bind to the term before them.
 * Unary minus sits between * and ^ as in Prometheus' grammar ("%prec MUL"),
 * so -2^2 is -4 and -a*b is (-a)*b. A node is checked when it is built
 * (promql_check.c), so the first error stops the parse, as a yacc error does. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promql_int.h"

static pq_node *parse_expr(pq_parser *p, int minprec);

_Noreturn void pq_fail(pq_parser *p, int pos, const char *fmt, ...) {
    int line = 1, last = -1;
    for (int i = 0; i < pos && i < p->n; i++)
        if (p->q[i] == '\n') line++, last = i;
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "%d:%d: parse error: %s", line, pos - last, msg);
    longjmp(p->fail, 1);
}

_Noreturn static void unexpected(pq_parser *p, const pq_tok *t, const char *ctx, const char *want) {
    char d[96];
    pq_tok_desc(p, t, d, sizeof d);
    pq_fail(p, t->pos, "unexpected %s%s%s%s%s", d, ctx ? " in " : "", ctx ? ctx : "", want ? ", expected " : "",
            want ? want : "");
}

static pq_tok expect(pq_parser *p, int t, const char *ctx, const char *want) {
    pq_tok k = pq_next(p);
    if (k.t != t) unexpected(p, &k, ctx, want);
    return k;
}

static pq_node *node(pq_parser *p, int kind, int type, int pos) {
    pq_node *e = pq_alloc(p->ar, sizeof *e);
    e->kind = kind;
    e->type = type;
    e->pos = pos;
    return e;
}

static void push(pq_parser *p, pq_node ***v, size_t *n, pq_node *x) {
    /* the arena cannot grow a block: double into a fresh one */
    if (!(*n & (*n - 1)) || !*n) {
        size_t cap = *n ? *n * 2 : 2;
        pq_node **w = pq_alloc(p->ar, cap * sizeof *w);
        if (*n) memcpy(w, *v, *n * sizeof *w);
        *v = w;
    }
    (*v)[(*n)++] = x;
}

static const char *label_name(pq_parser *p, const pq_tok *t) {
    return pq_strdup(p->ar, p->q + t->pos, (size_t)t->len);
}

static int is_label(const pq_parser *p, const pq_tok *t) {
    if (!tok_is_word(t->t) && !(t->t >= T_SUM)) return 0;
    return !memchr(p->q + t->pos, ':', (size_t)t->len);
}

/* '(' label, ... [','] ')' for by/without/on/ignoring/group_x */
static pq_labels grouping(pq_parser *p) {
    pq_labels l = {0};
    expect(p, T_LPAREN, "grouping opts", "\"(\"");
    for (;;) {
        pq_tok t = pq_next(p);
        if (t.t == T_RPAREN) break;
        if (!is_label(p, &t)) unexpected(p, &t, "grouping opts", "label");
        if (!(l.n & (l.n - 1)) || !l.n) {
            const char **w = pq_alloc(p->ar, (l.n ? l.n * 2 : 2) * sizeof *w);
            if (l.n) memcpy(w, l.v, l.n * sizeof *w);
            l.v = w;
        }
        l.v[l.n++] = label_name(p, &t);
        t = pq_next(p);
        if (t.t == T_RPAREN) break;
        if (t.t != T_COMMA) unexpected(p, &t, "grouping opts", "\",\" or \")\"");
    }
    return l;
}

static void matchers(pq_parser *p, pq_node *e) {
    size_t cap = 0;
    for (;;) {
        pq_tok t = pq_next(p);
        if (t.t == T_RBRACE) return;
        if (t.t != T_IDENT) unexpected(p, &t, "label matching", "identifier or \"}\"");
        pq_tok op = pq_next(p);
        int mop = op.t == T_ASSIGN ? PQ_M_EQ : op.t == T_NEQ ? PQ_M_NE : op.t == T_EQL_REGEX ? PQ_M_RE
                : op.t == T_NEQ_REGEX ? PQ_M_NRE : -1;
        if (mop < 0) unexpected(p, &op, "label matching", "label matching operator");
        pq_tok v = pq_next(p);
        if (v.t != T_STRING) unexpected(p, &v, "label matching", "string");
        if (e->nm == cap) {
            cap = cap ? cap * 2 : 4;
            pq_matcher *w = pq_alloc(p->ar, cap * sizeof *w);
            if (e->nm) memcpy(w, e->m, e->nm * sizeof *w);
            e->m = w;
        }
        e->m[e->nm++] = (pq_matcher){label_name(p, &t), pq_unquote(p, &v), mop, NULL, t.pos};
        t = pq_next(p);
        if (t.t == T_RBRACE) return;
        if (t.t != T_COMMA) unexpected(p, &t, "label matching", "\",\" or \"}\"");
    }
}

static pq_node *selector(pq_parser *p, const pq_tok *name) {
    pq_node *e = node(p, PQ_SEL, PQ_T_VECTOR, name ? name->pos : pq_peek(p).pos);
    if (name) e->metric = label_name(p, name);
    if (pq_peek(p).t == T_LBRACE) {
        pq_next(p);
        matchers(p, e);
    }
    pq_check_selector(p, e);
    return e;
}

static int64_t duration(pq_parser *p, const char *ctx, const char *want) {
    pq_tok t = pq_next(p);
    if (t.t != T_DURATION) unexpected(p, &t, ctx, want);
    int64_t ms;
    if (!pq_duration(p->q + t.pos, (size_t)t.len, &ms))
        pq_fail(p, t.pos, "not a valid duration string: \"%.*s\"", t.len, p->q + t.pos);
    if (ms == 0) pq_fail(p, t.pos, "duration must be greater than 0");
    return ms;
}

static pq_node *call_args(pq_parser *p, pq_node *e, const char *ctx) {
    expect(p, T_LPAREN, ctx, "\"(\"");
    if (pq_peek(p).t == T_RPAREN) {
        pq_next(p);
        return e;
    }
    for (;;) {
        push(p, &e->args, &e->nargs, parse_expr(p, 0));
        pq_tok t = pq_next(p);
        if (t.t == T_RPAREN) return e;
        if (t.t != T_COMMA) unexpected(p, &t, ctx, "\",\" or \")\"");
        if (pq_peek(p).t == T_RPAREN) pq_fail(p, t.pos, "trailing commas not allowed in function call args");
    }
}

static pq_node *aggregation(pq_parser *p, const pq_tok *op) {
    pq_node *e = node(p, PQ_AGG, PQ_T_VECTOR, op->pos);
    e->op = op->t - T_SUM;
    int k = pq_peek(p).t;
    if (k == T_BY || k == T_WITHOUT) {
        pq_next(p);
        e->without = k == T_WITHOUT;
        e->has_grouping = 1;
        e->grouping = grouping(p);
    }
    call_args(p, e, "aggregation");
    k = pq_peek(p).t;
    if (!e->has_grouping && (k == T_BY || k == T_WITHOUT)) {
        pq_next(p);
        e->without = k == T_WITHOUT;
        e->has_grouping = 1;
        e->grouping = grouping(p);
    }
    pq_check_agg(p, e);
    return e;
}

static pq_node *primary(pq_parser *p) {
    pq_tok t = pq_next(p);
    switch (t.t) {
    case T_NUMBER: {
        pq_node *e = node(p, PQ_NUM, PQ_T_SCALAR, t.pos);
        if (!pq_number(p->q + t.pos, (size_t)t.len, &e->num))
            pq_fail(p, t.pos, "error parsing number: strconv.ParseFloat: parsing \"%.*s\": invalid syntax", t.len,
                    p->q + t.pos);
        return e;
    }
    case T_STRING: {
        pq_node *e = node(p, PQ_STR, PQ_T_STRING, t.pos);
        e->str = pq_unquote(p, &t);
        return e;
    }
    case T_LPAREN: {
        pq_node *e = node(p, PQ_PAREN, PQ_T_NONE, t.pos);
        push(p, &e->args, &e->nargs, parse_expr(p, 0));
        e->type = e->args[0]->type;
        expect(p, T_RPAREN, NULL, NULL);
        return e;
    }
    case T_LBRACE: p->has_la = 1, p->la = t; return selector(p, NULL);
    case T_IDENT:
        if (pq_peek(p).t == T_LPAREN) {
            const pq_func *f = pq_func_find(p->q + t.pos, (size_t)t.len);
            if (!f) pq_fail(p, t.pos, "unknown function with name \"%.*s\"", t.len, p->q + t.pos);
            pq_node *e = node(p, PQ_CALL, f->ret, t.pos);
            e->fn = f;
            call_args(p, e, "function call");
            pq_check_call(p, e);
            return e;
        }
        return selector(p, &t);
    case T_METRIC_IDENT: return selector(p, &t);
    default: break;
    }
    if (tok_is_agg(t.t)) {
        int k = pq_peek(p).t;
        if (k == T_LPAREN || k == T_BY || k == T_WITHOUT) return aggregation(p, &t);
        return selector(p, &t);
    }
    if (t.t == T_BY || t.t == T_WITHOUT || t.t == T_LAND || t.t == T_LOR || t.t == T_LUNLESS || t.t == T_OFFSET ||
        t.t == T_START || t.t == T_END)
        return selector(p, &t);
    unexpected(p, &t, NULL, NULL);
}

/* '[' after a term: a range (selectors only) or a subquery. */
static pq_node *bracket(pq_parser *p, pq_node *e, int pos) {
    int64_t range = duration(p, NULL, NULL);
    pq_tok t = pq_next(p);
    if (t.t == T_RBRACKET) {
        if (e->kind != PQ_SEL || e->range) pq_fail(p, pos, "ranges only allowed for vector selectors");
        if (e->offset || e->at) pq_fail(p, pos, "no offset modifiers allowed before range");
        e->range = range;
        e->type = PQ_T_MATRIX;
        return e;
    }
    if (t.t != T_COLON) unexpected(p, &t, "subquery or range", "\":\" or \"]\"");
    pq_node *s = node(p, PQ_SUBQUERY, PQ_T_MATRIX, e->pos);
    push(p, &s->args, &s->nargs, e);
    s->range = range;
    if (pq_peek(p).t != T_RBRACKET) s->step = duration(p, "subquery selector", "duration or \"]\"");
    expect(p, T_RBRACKET, "subquery selector", "\"]\"");
    pq_check_subquery(p, s);
    return s;
}

static void offset(pq_parser *p, pq_node *e, int pos) {
    int neg = 0;
    if (pq_peek(p).t == T_SUB) pq_next(p), neg = 1;
    int64_t d = duration(p, "offset", "duration");
    if (e->kind != PQ_SEL && e->kind != PQ_SUBQUERY)
        pq_fail(p, e->pos,
                "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    if (e->offset) pq_fail(p, e->pos, "offset may not be set multiple times");
    e->offset = neg ? -d : d;
    (void)pos;
}

static void at_modifier(pq_parser *p, pq_node *e) {
    pq_tok t = pq_next(p);
    int at;
    double ts = 0;
    if (t.t == T_START || t.t == T_END) {
        at = t.t == T_START ? PQ_AT_START : PQ_AT_END;
        expect(p, T_LPAREN, NULL, NULL);
        expect(p, T_RPAREN, NULL, NULL);
    } else {
        int neg = 0;
        if (t.t == T_SUB || t.t == T_ADD) neg = t.t == T_SUB, t = pq_next(p);
        if (t.t != T_NUMBER || !pq_number(p->q + t.pos, (size_t)t.len, &ts)) unexpected(p, &t, "@", "timestamp");
        if (neg) ts = -ts;
        at = PQ_AT_TIME;
        if (!isfinite(ts) || ts >= 9.2e15 || ts <= -9.2e15)
            pq_fail(p, e->pos, "timestamp out of bounds for @ modifier: %f", ts);
    }
    if (e->kind != PQ_SEL && e->kind != PQ_SUBQUERY)
        pq_fail(p, e->pos,
                "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    if (e->at) pq_fail(p, e->pos, "@ <timestamp> may not be set multiple times");
    e->at = at;
    e->at_ms = (int64_t)llround(ts * 1000);
}

static pq_node *postfix(pq_parser *p) {
    pq_node *e = primary(p);
    for (;;) {
        pq_tok t = pq_peek(p);
        if (t.t == T_LBRACKET) pq_next(p), e = bracket(p, e, t.pos);
        else if (t.t == T_OFFSET) pq_next(p), offset(p, e, t.pos);
        else if (t.t == T_AT) pq_next(p), at_modifier(p, e);
        else return e;
    }
}

/* binding power of a binary operator token; 0: none */
static int prec(int t, int *op) {
    static const struct {
        int t, op, prec;
    } ops[] = {
        {T_LOR, PQ_OP_OR, 1},     {T_LAND, PQ_OP_AND, 2},   {T_LUNLESS, PQ_OP_UNLESS, 2}, {T_EQLC, PQ_OP_EQ, 3},
        {T_NEQ, PQ_OP_NE, 3},     {T_LTE, PQ_OP_LE, 3},     {T_LSS, PQ_OP_LT, 3},         {T_GTE, PQ_OP_GE, 3},
        {T_GTR, PQ_OP_GT, 3},     {T_ADD, PQ_OP_ADD, 4},    {T_SUB, PQ_OP_SUB, 4},        {T_MUL, PQ_OP_MUL, 5},
        {T_DIV, PQ_OP_DIV, 5},    {T_MOD, PQ_OP_MOD, 5},    {T_ATAN2, PQ_OP_ATAN2, 5},    {T_POW, PQ_OP_POW, 7},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].t == t) return *op = ops[i].op, ops[i].prec;
    return 0;
}
#define PREC_UNARY 6

static pq_node *unary(pq_parser *p) {
    pq_tok t = pq_peek(p);
    if (t.t != T_SUB && t.t != T_ADD) return postfix(p);
    pq_next(p);
    pq_node *x = parse_expr(p, PREC_UNARY + 1);
    pq_unary_type(p, t.pos, x->type);
    if (x->kind == PQ_NUM) { /* Prometheus folds the sign into the literal */
        if (t.t == T_SUB) x->num = -x->num;
        x->pos = t.pos;
        return x;
    }
    if (t.t == T_ADD) return x;
    pq_node *e = node(p, PQ_NEG, x->type, t.pos);
    push(p, &e->args, &e->nargs, x);
    return e;
}

/* bool, on/ignoring (labels), group_left/group_right [(labels)] */
static void bin_modifiers(pq_parser *p, pq_node *e) {
    if (pq_peek(p).t == T_BOOL) pq_next(p), e->bool_mod = 1;
    int k = pq_peek(p).t;
    if (k != T_ON && k != T_IGNORING) return;
    pq_next(p);
    e->has_matching = 1;
    e->on = k == T_ON;
    e->match = grouping(p);
    k = pq_peek(p).t;
    if (k != T_GROUP_LEFT && k != T_GROUP_RIGHT) return;
    pq_next(p);
    e->card = k == T_GROUP_LEFT ? PQ_MANY_TO_ONE : PQ_ONE_TO_MANY;
    if (pq_peek(p).t == T_LPAREN) e->include = grouping(p);
}

/* Recursion follows nesting, so nesting is bounded (Prometheus has no bound,
 * but a server must not let a query exhaust its stack). */
#define PQ_MAX_DEPTH 200

static pq_node *parse_expr(pq_parser *p, int minprec) {
    if (++p->depth > PQ_MAX_DEPTH) pq_fail(p, pq_peek(p).pos, "expression nests deeper than %d levels", PQ_MAX_DEPTH);
    pq_node *lhs = unary(p);
    for (;;) {
        int op, pr = prec(pq_peek(p).t, &op);
        if (!pr || pr < minprec) break;
        pq_tok t = pq_next(p);
        pq_node *e = node(p, PQ_BIN, PQ_T_VECTOR, lhs->pos);
        e->op = op;
        bin_modifiers(p, e);
        /* '^' is right-associative and its right side may carry a sign */
        pq_node *rhs = op == PQ_OP_POW ? parse_expr(p, PREC_UNARY) : parse_expr(p, pr + 1);
        e->args = pq_alloc(p->ar, 2 * sizeof *e->args);
        e->args[0] = lhs;
        e->args[1] = rhs;
        e->nargs = 2;
        pq_check_binary(p, e, t.pos);
        lhs = e;
    }
    p->depth--;
    return lhs;
}

pq_node *pq_parse(const char *q, size_t n, pq_expr **arena, char *err, size_t errlen) {
    pq_parser *p = calloc(1, sizeof *p);
    pq_expr *ar = calloc(1, sizeof *ar);
    if (!p || !ar) abort();
    p->q = q;
    p->n = n > (size_t)1 << 30 ? 1 << 30 : (int)n;
    p->ar = ar;
    p->err = err;
    p->errlen = errlen;
    pq_node *volatile root = NULL;
    if (!setjmp(p->fail)) {
        if (pq_peek(p).t == T_EOF) pq_fail(p, 0, "no expression found in input");
        root = parse_expr(p, 0);
        pq_tok t = pq_next(p);
        if (t.t != T_EOF) unexpected(p, &t, NULL, NULL);
    } else {
        root = NULL;
    }
    free(p);
    if (!root) {
        pq_free(ar);
        *arena = NULL;
        return NULL;
    }
    *arena = ar;
    return root;
}
