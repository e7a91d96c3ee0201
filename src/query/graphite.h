/* graphite.h — the Graphite front end on the engine: evaluate a parsed
 * target (gparse.h) into a series set, as graphite-web 1.1 does.
 *
 * A path expression selects untagged series through the name tree, sorted
 * by name, and fetches each on its archive's grid: the first archive whose
 * keep covers now - from gives the step; points lie at
 * floor(from/step)*step + step ... floor(until/step)*step (whisper's
 * fromInterval/untilInterval), each the last sample of its step (archive 0)
 * or the average of its bucket (rollups). seriesByTag selects through the
 * postings. Calls go through one function table (gfunc), whose entries the
 * families gf_*.c define: name, parameters, implementation, description,
 * the same table /functions serves. */
#ifndef TM_GRAPHITE_H
#define TM_GRAPHITE_H
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "gparse.h"
#include "grid.h"
#include "ids.h"
#include "index.h"
#include "../util/tzone.h"

typedef struct geval {
    tm_query *q;
    int64_t from, until, now; /* seconds */
    double xff;               /* the request's xFilesFactor */
    const gnode *call;        /* the call being evaluated (its raw text names seriesByTag's series) */
    const tm_tz *tz;          /* the request's `tz` (hitcount's alignment); NULL: UTC */
} geval;

/* Parameter types, named as graphite-web's ParamTypes for /functions. */
enum { GT_SERIES, GT_FLOAT, GT_INT, GT_STRING, GT_BOOL, GT_NODE, GT_NODE_OR_TAG, GT_TAG, GT_AGG, GT_INTERVAL,
       GT_INT_OR_INTERVAL, GT_ANY, GT_AGG_OR_SERIES, GT_INT_OR_INF, GT_N };

typedef struct {
    const char *name;
    int type;
    int required, multiple;
    const char *dflt; /* shown by /functions; NULL: none */
} gparam;

typedef struct {
    int given;
    int type;         /* what was passed: GN_* of the node */
    tm_sset set;      /* GT_SERIES: evaluated */
    double num;
    const char *str;  /* strings (and a node or tag name) */
    const gnode *node;
} garg;

typedef struct geval geval;
/* a[i] for param i; a multiple (last) param holds a[k..n). 0, or -1 with ev->q failed. */
typedef int (*gimpl)(geval *ev, garg *a, size_t n, tm_sset *out);

typedef struct {
    const char *name, *group, *desc;
    gimpl fn;
    gparam p[8];
} gfunc;

/* Families (one file each); every table ends with a {NULL} entry. */
extern const gfunc GF_COMBINE[], GF_TRANSFORM[], GF_FILTER[], GF_ALIAS[], GF_SPECIAL[], GF_CALC[];
const gfunc *gfunc_find(const char *name);
/* Every function, in table order; stop at NULL. */
const gfunc *gfunc_at(size_t i);
const char *gtype_name(int type);

/* A tag expression of seriesByTag and /tags ('t=v', 't!=v', 't=~re',
 * 't!=~re'; the tag "name" is the name) as a matcher; -1 with a message. */
int gtagspec(const char *spec, void *matcher, char *err, size_t errlen);
/* Series matching tag expressions, as graphite's tag database finds them
 * (at least one must not match the empty string). 0, or -1 with err. */
int gtag_select(tm_index *ix, char *const *exprs, size_t n, tm_ids *out, char *err, size_t errlen);

int gseries_by_tag(geval *ev, garg *a, size_t n, tm_sset *out); /* the table's seriesByTag */

/* Evaluate one target into out (appended). -1 when the query failed. */
int geval_target(geval *ev, const gnode *g, tm_sset *out);
/* Evaluate a series argument again over another range (movingAverage's
 * preview, timeShift): ev2 is a copy of ev with other from/until. */
int geval_series(geval *ev, const gnode *g, tm_sset *out);
/* Fail with a 400 naming the function. */
int gfail(geval *ev, const char *fn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Helpers the families share. */
void gnormalize(tm_gser **s, size_t n, int64_t *start, int64_t *end, int64_t *step); /* to one grid (LCM step) */
double gvalue(const tm_gser *s, size_t i); /* point i, through its valuesPerPoint consolidation */
size_t glen(const tm_gser *s);             /* points after consolidation */
void gconsolidate(tm_gser *s, int vpp);    /* apply valuesPerPoint into the array */
/* A number as Python's str() prints it (100, 1.5, 1e-05; a float gets ".0") */
void gfmt_num(double v, int is_int, char *out, size_t n);
double gpercentile(double *pts, size_t n, double pct, int interpolate); /* _getPercentile; reorders pts */
char *gpath_list(tm_gser *const *s, size_t n); /* formatPathExpressions: unique paths joined by ',' */
void gset_name(tm_gser *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The name's node n ('.'-separated, before any ';'), or the tag of that
 * name; "" when absent. Allocated. */
char *gnode_or_tag(const tm_gser *s, const garg *n);
char *gfirst_path(const char *name); /* _getFirstPathExpression (allocated; NULL: none) */
#endif
