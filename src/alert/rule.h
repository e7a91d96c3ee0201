/* rule.h — an alert rule: what to watch, when it fires, whom to tell.
 *
 * A rule is read from the JSON of POST/PUT /alerts (rule_parse) and written
 * back in one canonical form (rule_json), which is also what is persisted,
 * so a rule reads back exactly as the server understood it. rule_parse
 * names the field at fault in every error ("threshold: ..."), so the API
 * can answer 400 with it.
 *
 * Two forms: the simple one (metric glob + tags, agg over duration, op,
 * threshold) and expr (a PromQL or Graphite expression through the query
 * engine, compared with op/threshold when one is given). Either may carry
 * nodata: fire when a matching series has sent nothing for that long. */
#ifndef TM_ALERT_RULE_H
#define TM_ALERT_RULE_H
#include <stddef.h>
#include <stdint.h>

enum { AOP_GT, AOP_GE, AOP_LT, AOP_LE, AOP_EQ, AOP_NE };
enum { RAGG_AVG, RAGG_MIN, RAGG_MAX, RAGG_SUM, RAGG_COUNT, RAGG_LAST, RAGG_RATE };
/* levels, ordered: a higher one escalates */
enum { LVL_NONE = 0, LVL_INFO = 1, LVL_WARN = 2, LVL_CRIT = 3, LVL_N = 4 };
enum { FMT_POST, FMT_ALERTMANAGER };
enum { EXPR_NONE, EXPR_PROMQL, EXPR_GRAPHITE };

#define RULE_ID_MAX 64
#define RULE_MAX_TAGS 16
#define RULE_MAX_POST 8

typedef struct {
    char id[RULE_ID_MAX + 1];
    char *name;   /* shown as alertname (default: id) */
    char *metric; /* glob; NULL with expr */
    char *tag_k[RULE_MAX_TAGS], *tag_v[RULE_MAX_TAGS]; /* tag filters, values may be globs */
    size_t ntags;
    char *expr;
    int expr_lang; /* EXPR_* */
    int agg, op, level, format;
    int64_t duration, for_ms, keep_firing_ms, nodata_ms; /* 0: not set */
    double thr[LVL_N], rec[LVL_N];                       /* per level */
    uint8_t has_thr[LVL_N], has_rec[LVL_N];
    char *str_thr; /* a string rule: op == or != against this */
    char *summary;
    char *post[RULE_MAX_POST];
    size_t npost;
    int64_t created; /* ms; a never-arrived exact series counts nodata from here */
} alert_rule;

/* Parse and validate one rule. created is stamped when the JSON has none.
 * 0 ok; -1 with the field at fault in field and the reason in err. */
int rule_parse(const char *json, size_t n, int64_t created, alert_rule *r, char *field, size_t flen, char *err,
               size_t elen);
void rule_free(alert_rule *r);
/* The canonical JSON of a rule (allocated, NUL-terminated). */
char *rule_json(const alert_rule *r);

/* Does the rule name one series exactly (no glob anywhere)? Then nodata
 * also covers that series before it ever arrives. */
int rule_is_exact(const alert_rule *r);
/* the series key an exact rule names, canonical (0 when it cannot be built) */
int rule_exact_key(const alert_rule *r, char *out, size_t cap);
/* Does the series (canonical key) belong to the rule's metric and tags? */
int rule_matches(const alert_rule *r, const char *key, size_t klen);
/* 0 when an expr reads in its language (EXPR_*): the query engine's own
 * parsers (eval_expr.c); else -1 with the reason in err. */
int expr_check(const char *expr, int lang, char *err, size_t errlen);
/* the lowest level with a threshold (the one "ok" is measured against) */
int rule_base_level(const alert_rule *r);

extern const char *const level_names[LVL_N]; /* "", "info", "warn", "crit" */
extern const char *const op_names[6];
extern const char *const agg_names[7];
#endif
