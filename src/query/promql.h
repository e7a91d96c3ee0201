/* promql.h — PromQL text to a checked syntax tree, as Prometheus 2.x parses it.
 *
 * pq_parse reads a whole expression: selectors with = != =~ !~ (regexes
 * anchored), range vectors, offset (negative too), @ <time> / @ start() /
 * @ end(), subqueries [range:step], numbers (decimal, hex, octal, Inf, NaN),
 * strings ("..." '...' `...`), unary minus, the binary operators at
 * Prometheus' precedence (^ right-associative), bool, on/ignoring with
 * group_left/group_right, aggregations with by/without before or after the
 * arguments, and calls of the functions in pq_funcs. The tree is type
 * checked as Prometheus' checkAST does, so an expression that parses can run.
 *
 * Errors are worded as Prometheus words them: err holds
 * "LINE:COL: parse error: MESSAGE" (1-based, columns in bytes), the form
 * the HTTP API hands back inside its bad_data error. Every node lives in the
 * tree's arena: pq_free releases it all at once. */
#ifndef TM_PROMQL_H
#define TM_PROMQL_H
#include <stddef.h>
#include <stdint.h>

/* value types, as Prometheus names them in its errors */
enum pq_type { PQ_T_NONE, PQ_T_SCALAR, PQ_T_VECTOR, PQ_T_MATRIX, PQ_T_STRING };

enum pq_kind {
    PQ_NUM,      /* num */
    PQ_STR,      /* str */
    PQ_SEL,      /* vector selector; range > 0 makes it a matrix selector */
    PQ_SUBQUERY, /* expr[range:step] */
    PQ_CALL,     /* fn(args) */
    PQ_AGG,      /* op [by|without (labels)] (param, expr) */
    PQ_BIN,      /* lhs op rhs */
    PQ_NEG,      /* -expr (unary + is dropped while parsing) */
    PQ_PAREN,    /* (expr): kept so a subquery or @ can apply to it */
};

/* binary operators, lowest precedence first; PQ_OP_ATAN2 binds as '*' */
enum pq_binop {
    PQ_OP_OR, PQ_OP_AND, PQ_OP_UNLESS,
    PQ_OP_EQ, PQ_OP_NE, PQ_OP_LE, PQ_OP_LT, PQ_OP_GE, PQ_OP_GT,
    PQ_OP_ADD, PQ_OP_SUB, PQ_OP_MUL, PQ_OP_DIV, PQ_OP_MOD, PQ_OP_ATAN2, PQ_OP_POW,
};
static inline int pq_op_is_cmp(int op) { return op >= PQ_OP_EQ && op <= PQ_OP_GT; }
static inline int pq_op_is_set(int op) { return op <= PQ_OP_UNLESS; }

enum pq_aggop {
    PQ_SUM, PQ_AVG, PQ_COUNT, PQ_MIN, PQ_MAX, PQ_GROUP, PQ_STDDEV, PQ_STDVAR,
    PQ_TOPK, PQ_BOTTOMK, PQ_COUNT_VALUES, PQ_QUANTILE,
};

enum pq_matchop { PQ_M_EQ, PQ_M_NE, PQ_M_RE, PQ_M_NRE };
enum pq_card { PQ_ONE_TO_ONE, PQ_MANY_TO_ONE, PQ_ONE_TO_MANY, PQ_MANY_TO_MANY };
enum pq_at { PQ_AT_NONE, PQ_AT_TIME, PQ_AT_START, PQ_AT_END };

typedef struct {
    const char *name, *value; /* NUL-terminated, unescaped */
    int op;                   /* enum pq_matchop */
    struct tm_matcher_s *re;  /* =~ and !~: compiled, anchored (the engine's matcher.h) */
    int pos;                  /* of its label name in the query */
} pq_matcher;

typedef struct {
    const char **v;
    size_t n;
} pq_labels;

enum pq_fn {
    PQ_F_ABS,
    PQ_F_ABSENT,
    PQ_F_ABSENT_OVER_TIME,
    PQ_F_ACOS,
    PQ_F_ACOSH,
    PQ_F_ASIN,
    PQ_F_ASINH,
    PQ_F_ATAN,
    PQ_F_ATANH,
    PQ_F_AVG_OVER_TIME,
    PQ_F_CEIL,
    PQ_F_CHANGES,
    PQ_F_CLAMP,
    PQ_F_CLAMP_MAX,
    PQ_F_CLAMP_MIN,
    PQ_F_COS,
    PQ_F_COSH,
    PQ_F_COUNT_OVER_TIME,
    PQ_F_DAY_OF_MONTH,
    PQ_F_DAY_OF_WEEK,
    PQ_F_DAY_OF_YEAR,
    PQ_F_DAYS_IN_MONTH,
    PQ_F_DEG,
    PQ_F_DELTA,
    PQ_F_DERIV,
    PQ_F_EXP,
    PQ_F_FLOOR,
    PQ_F_HISTOGRAM_QUANTILE,
    PQ_F_HOLT_WINTERS,
    PQ_F_HOUR,
    PQ_F_IDELTA,
    PQ_F_INCREASE,
    PQ_F_IRATE,
    PQ_F_LABEL_JOIN,
    PQ_F_LABEL_REPLACE,
    PQ_F_LAST_OVER_TIME,
    PQ_F_LN,
    PQ_F_LOG10,
    PQ_F_LOG2,
    PQ_F_MAX_OVER_TIME,
    PQ_F_MIN_OVER_TIME,
    PQ_F_MINUTE,
    PQ_F_MONTH,
    PQ_F_PI,
    PQ_F_PREDICT_LINEAR,
    PQ_F_PRESENT_OVER_TIME,
    PQ_F_QUANTILE_OVER_TIME,
    PQ_F_RAD,
    PQ_F_RATE,
    PQ_F_RESETS,
    PQ_F_ROUND,
    PQ_F_SCALAR,
    PQ_F_SGN,
    PQ_F_SIN,
    PQ_F_SINH,
    PQ_F_SORT,
    PQ_F_SORT_DESC,
    PQ_F_SQRT,
    PQ_F_STDDEV_OVER_TIME,
    PQ_F_STDVAR_OVER_TIME,
    PQ_F_SUM_OVER_TIME,
    PQ_F_TAN,
    PQ_F_TANH,
    PQ_F_TIME,
    PQ_F_TIMESTAMP,
    PQ_F_VECTOR,
    PQ_F_YEAR,
};

/* One function's signature; the evaluator keys its implementations on id. */
typedef struct {
    const char *name;
    int id;
    int nargs;          /* declared argument types in args[] */
    int args[5];        /* enum pq_type of each */
    int variadic;       /* 0 exact; -1 the last may repeat; k>0 up to k optional trailing */
    int ret;            /* enum pq_type */
} pq_func;
const pq_func *pq_func_find(const char *name, size_t n);
extern const pq_func pq_funcs[];
extern const size_t pq_nfuncs;

typedef struct pq_node pq_node;
struct pq_node {
    int kind;  /* enum pq_kind */
    int type;  /* enum pq_type of its value */
    int pos;   /* byte offset where it starts */
    double num;
    const char *str;
    /* PQ_SEL */
    const char *metric; /* the name matcher's value when it is an equality (may be NULL) */
    pq_matcher *m;
    size_t nm;
    /* PQ_SEL (matrix) and PQ_SUBQUERY: ms; step 0 = the query's default */
    int64_t range, step;
    /* PQ_SEL and PQ_SUBQUERY modifiers */
    int64_t offset; /* ms */
    int at;         /* enum pq_at */
    int64_t at_ms;
    /* PQ_CALL */
    const pq_func *fn;
    /* PQ_CALL args, PQ_AGG param+expr in args[0..1], PQ_BIN lhs/rhs, PQ_NEG / PQ_PAREN /
     * PQ_SUBQUERY operand in args[0] */
    pq_node **args;
    size_t nargs;
    int op; /* enum pq_binop or enum pq_aggop */
    /* PQ_AGG: grouping (by, or without when without is set) */
    pq_labels grouping;
    int without, has_grouping;
    /* PQ_BIN */
    int bool_mod, card, on, has_matching;
    pq_labels match, include; /* on/ignoring labels; group_x extra labels */
};

typedef struct pq_expr pq_expr; /* the arena owning a tree */

/* Parse q[0..n). Returns the tree's root and its arena in *arena, or NULL
 * with the message in err. */
pq_node *pq_parse(const char *q, size_t n, pq_expr **arena, char *err, size_t errlen);
void pq_free(pq_expr *arena);

/* The type's name in Prometheus' words ("instant vector", ...). */
const char *pq_type_name(int t);
const char *pq_op_name(int op);   /* "+", "and", "atan2", ... */
const char *pq_agg_name(int op);  /* "sum", "count_values", ... */

/* Does label value v[0..n) satisfy m? (An absent label is the value "".) */
int pq_matcher_match(const pq_matcher *m, const char *v, size_t n);
/* A regex anchored as Prometheus anchors them (the whole value), for
 * label_replace too. With an arena it is released with it, else by
 * pq_regex_free. NULL with Prometheus' message in err when re does not
 * compile. */
struct tm_matcher_s *pq_regex(pq_expr *arena, const char *re, char *err, size_t errlen);
void pq_regex_free(struct tm_matcher_s *m);
/* A canonical text of the tree, fully parenthesised where precedence
 * decides, so tests can state what a query parsed to. */
void pq_format(const pq_node *e, char *out, size_t cap);
#endif
