/* eval.h — what one round of evaluation sees, read through the query engine.
 *
 * eval_rules runs inside an engine query (on a worker, engine.h): for each
 * rule it selects the matching series through the engine's index, fetches
 * their samples over the rule's window (one bulk fetch per distinct window
 * for all the rules that share it), and folds each series into one
 * observation: agg over the window (numbers), the last value (strings),
 * and whether the series has gone silent for the rule's nodata. A rule
 * naming one series exactly that has never arrived gets an observation too,
 * silent since the rule was created. Expr rules run last, through the
 * engine's PromQL and Graphite front ends (eval_expr.c). */
#ifndef TM_ALERT_EVAL_H
#define TM_ALERT_EVAL_H
#include <stddef.h>
#include <stdint.h>

#include "../query/engine.h"
#include "rule.h"
#include "state.h"

#define EVAL_DEFAULT_WINDOW_MS 60000 /* a rule without duration looks at the last minute */

typedef struct {
    const char *key; /* the index's key (stable), or the rule's exact key (owned: free_key) */
    size_t klen;
    int free_key;
    uint32_t id;     /* 0: a series that never arrived */
    alert_obs o;     /* o.s is owned */
} eval_obs;

typedef struct {
    eval_obs *v;
    size_t n, cap;
    int failed; /* the rule could not be evaluated (err says why) */
    char err[300];
} eval_out;

/* An expr rule's observations (eval_expr.c); a failure is the rule's alone. */
void eval_expr(tm_query *q, const alert_rule *r, int64_t now, eval_out *out);

/* outs[i] receives rule i's observations. */
void eval_rules(tm_query *q, alert_rule *const *rules, size_t n, int64_t now, eval_out *outs);
void eval_out_free(eval_out *o);
/* the value of agg over samples (ts, v) in time order; NaN when none
 * (count: 0); rate: per-second increase, counter resets counted as such */
double eval_agg(int agg, const int64_t *ts, const double *v, size_t n);
#endif
