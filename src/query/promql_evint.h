/* promql_evint.h — what the files of the PromQL evaluator share.
 *
 * Every allocation of a query (label strings, series, value arrays) comes
 * from the context's arena and goes at once with it. The grid being
 * evaluated is ctx->t0 + i*ctx->step for i < ctx->n (a subquery swaps in
 * its own while its inner expression runs). */
#ifndef TM_PROMQL_EVINT_H
#define TM_PROMQL_EVINT_H
#include <stddef.h>
#include <stdint.h>

#include "fetch.h"
#include "promql_eval.h"
#include "promql_int.h"

struct pq_ctx {
    tm_query *q;
    pq_expr *ar;
    int64_t t0, step; /* the grid being evaluated */
    size_t n;
    int64_t qstart, qend; /* the query's own, for @ start() and @ end() */
    char err[1024];       /* the whole message (the query's own holds 256 bytes) */
    size_t held;          /* grid points of its series, counted against the points bound */
    size_t prepaid;       /* of held, not yet given to a series (pq_add_series) */
    pq_series sink;       /* what series past the bound write into, while the query unwinds */
    tm_raw *raws;         /* fetched samples range vectors point into, freed with the context */
    size_t nraws;
};

/* A range vector as a function sees it: every series' samples, and the
 * window of step i: [t(i) - offset - range, t(i) - offset], t(i) being the
 * step's time or the @ time. */
typedef struct {
    pq_value v;
    int64_t range, offset;
    int at;
    int64_t at_ms;
} pq_matrix;

static inline int64_t pq_step_time(const pq_ctx *c, size_t i) { return c->t0 + (int64_t)i * c->step; }
static inline void *pq_new(pq_ctx *c, size_t n) { return pq_alloc(c->ar, n); }

int pq_fail_q(pq_ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* values */
pq_series *pq_add_series(pq_ctx *c, pq_value *v, pq_lset ls); /* value arrays for ctx->n steps */
/* A range vector's series: samples (sts, sv, ns, set by the caller), no value arrays. */
pq_series *pq_add_samples(pq_ctx *c, pq_value *v, pq_lset ls);
void pq_reserve(pq_ctx *c, pq_value *v, size_t n); /* room for n more series */
pq_value pq_vector(void);
pq_value pq_scalar(pq_ctx *c, double x); /* the same at every step */
const char *pq_get(const pq_lset *ls, const char *name); /* NULL when absent */
/* copy without the names in drop (NULL-terminated list), or only those in keep */
pq_lset pq_drop(pq_ctx *c, const pq_lset *ls, const char *const *names, size_t n, int keep);
pq_lset pq_drop_name(pq_ctx *c, const pq_lset *ls);
pq_lset pq_set(pq_ctx *c, const pq_lset *ls, const char *name, const char *val); /* "" deletes */
int pq_lset_cmp(const pq_lset *a, const pq_lset *b);
/* A string naming a label set exactly (map keys, signatures). */
char *pq_lset_key(pq_ctx *c, const pq_lset *ls);
/* The signature of ls for on(names) (on) or ignoring(names) (!on; the name always ignored). */
char *pq_signature(pq_ctx *c, const pq_lset *ls, const pq_labels *names, int on);

/* string → index map (open addressing) */
typedef struct {
    const char **k;
    size_t *v;
    size_t n, cap;
} pq_map;
size_t *pq_map_get(pq_ctx *c, pq_map *m, const char *k, int *fresh);

/* Go's strconv.FormatFloat(v, 'f', -1, 64), as count_values labels its values. */
void pq_format_float(double v, char *out, size_t cap);

/* evaluation */
int pq_eval_node(pq_ctx *c, const pq_node *e, pq_value *out);
int pq_eval_matrix(pq_ctx *c, const pq_node *e, pq_matrix *out);
int pq_eval_call(pq_ctx *c, const pq_node *e, pq_value *out);
int pq_eval_range_fn(pq_ctx *c, const pq_node *e, pq_value *out);
int pq_eval_agg(pq_ctx *c, const pq_node *e, pq_value *out);
int pq_eval_binary(pq_ctx *c, const pq_node *e, pq_value *out);
double pq_quantile(double q, double *v, size_t n); /* sorts v */
int pq_eval_selector(pq_ctx *c, const pq_node *e, int sample_ts, pq_value *out);
pq_lset pq_absent_labels(pq_ctx *c, const pq_node *sel);
int pq_label_fn(pq_ctx *c, const pq_node *e, pq_value *out);
int pq_histogram_quantile(pq_ctx *c, const pq_node *e, pq_value *out);
#endif
