/* promql_eval.h — PromQL evaluation on the query engine.
 *
 * A query runs on one engine worker (engine.h): selectors pick series
 * through the engine's label matchers and postings (matcher.h), their raw
 * samples are fetched once, in bulk, for the whole query (fetch_raw), and
 * every node is then evaluated on the query's step grid at once: an
 * instant vector is a set of series, each a value per step plus whether it
 * has one there (NaN is a value in PromQL, not a gap). An instant query is
 * the grid of one step.
 *
 * Semantics follow Prometheus 2.42: 5 m lookback, windows closed at both
 * ends ([t - range, t], as 2.x has them), extrapolatedRate for rate,
 * increase and delta, bucketQuantile for histogram_quantile, Prometheus'
 * vector matching and its errors. Failures say what went wrong in q->err
 * with q->code: 422 for an expression that cannot run, 503 past the time
 * bound (the engine's). */
#ifndef TM_PROMQL_EVAL_H
#define TM_PROMQL_EVAL_H
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "promql.h"

#define PQ_LOOKBACK_MS (5 * 60 * 1000)

typedef struct {
    const char *n, *v;
} pq_lab;

/* labels sorted by name */
typedef struct {
    pq_lab *l;
    size_t n;
} pq_lset;

typedef struct {
    pq_lset ls;
    double *v;         /* one per step */
    unsigned char *has; /* one per step: 1 where the series has a value */
    /* a range vector (PQ_T_MATRIX): its samples, oldest first */
    int64_t *sts;
    double *sv;
    size_t ns;
} pq_series;

typedef struct {
    int type; /* enum pq_type */
    pq_series *s;
    size_t n, cap;
    double *scalar;   /* PQ_T_SCALAR: one per step */
    const char *str;  /* PQ_T_STRING */
} pq_value;

typedef struct pq_ctx pq_ctx;

/* The result of a query: its type and, for vectors and matrices, series
 * sorted as Prometheus' API sorts a matrix (by label set). Owned by the
 * context: pq_ctx_free releases it. */
typedef struct {
    int64_t start, step;
    size_t nsteps;
    pq_value v;
} pq_result;

/* Evaluate e over the grid start, start+step, ... end (ms; one step when
 * start == end). 0, or -1 with q failed. */
int pq_eval(tm_query *q, const pq_node *e, int64_t start, int64_t end, int64_t step, pq_ctx **ctx, pq_result *out);
void pq_ctx_free(pq_ctx *c);
/* The evaluator's failure in full (q->err may cut it), or NULL. */
const char *pq_error(const pq_ctx *c);

/* Series whose labels pass every matcher of a selector, with those labels:
 * for /api/v1/series and the label routes (match[]). 0 or -1. */
int pq_select(tm_query *q, const pq_node *sel, pq_ctx **ctx, pq_lset **out, uint32_t **ids, size_t *n);

/* Go's strconv.FormatFloat(v, verb, -1, 64) for verb 'e' (how Prometheus'
 * rules API writes an alert's value) and 'g' (its %v in error messages):
 * the fewest digits that read back as v; NaN, +Inf, -Inf. */
void pq_format_go(double v, int verb, char *out, size_t cap);
/* ms / 1000 as pq_format_float writes it (the API's timestamps), faster. */
void pq_format_ms(int64_t ms, char *out, size_t cap);

/* A series key ("name;k=v;...") as PromQL labels (__name__ first unless the
 * name is empty), strings in the context's arena. */
pq_lset pq_key_labels(pq_ctx *c, const char *key, size_t klen);
#endif
