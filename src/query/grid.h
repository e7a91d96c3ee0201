/* grid.h — series on a fixed step grid: what every function evaluates.
 *
 * A series is its identity (the store's key "name;k=v...", a display name,
 * the source id or 0 when computed) and a dense array of doubles: v[i] is
 * the value at start + i*step (ms), NaN for a gap (Graphite's None). Series
 * of one set may have different grids (summarize changes a step);
 * sset_aggregate folds series of one grid into one dense series in a single
 * pass per input, nothing sorted per point. */
#ifndef TM_GRID_H
#define TM_GRID_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *key;   /* name and tags (canonical key form) */
    char *name;  /* what a front end prints (Graphite: the target name) */
    uint32_t id; /* source series, 0 when computed */
    int64_t start, step;
    size_t n;
    double *v;
    /* Graphite's per-series state: end (its TimeSeries.end, ms; may differ
     * from start + n*step after some functions), consolidateBy's function
     * (AGG_*), valuesPerPoint, xFilesFactor, pathExpression */
    int64_t end;
    int cons, vpp;
    double xff;
    char *path;
} tm_gser;

typedef struct {
    tm_gser *s;
    size_t n, cap;
} tm_sset;

enum { AGG_AVG, AGG_MIN, AGG_MAX, AGG_SUM, AGG_COUNT, AGG_LAST, AGG_FIRST, AGG_MEDIAN, AGG_MULTIPLY, AGG_DIFF,
       AGG_STDDEV, AGG_RANGE, AGG_N };
/* "avg"/"average", "min", "max", "sum"/"total", "count", "last"/"current", "first", "median",
 * "multiply", "diff", "stddev", "range"/"rangeOf"; -1 when unknown. */
int agg_parse(const char *s, size_t n);
const char *agg_name(int agg);

/* A new series (name and key copied, v allocated NaN-filled) appended to set. */
tm_gser *sset_add(tm_sset *set, const char *key, const char *name, int64_t start, int64_t step, size_t n);
void gser_free(tm_gser *g);
void gser_set_name(tm_gser *g, const char *name, size_t n);
void gser_copy(tm_gser *dst, const tm_gser *src); /* deep */
void sset_free(tm_sset *set);
void sset_take(tm_sset *into, tm_gser *g); /* move g into the set (g is emptied) */

/* Fold the values of the n series at in (one grid) into out->v. NaN inputs
 * are skipped; a point with no value in any input is NaN (count too). */
void grid_aggregate(tm_gser *const *in, size_t n, int agg, tm_gser *out);
/* Aggregate of one run of doubles, skipping NaN (NaN when none). */
double agg_values(const double *v, size_t n, int agg);
#endif
