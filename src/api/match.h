/* match.h — which series a request means: a metric name or Graphite glob
 * plus tag filters. Every query parameter that is not one of the routes'
 * own (metric, from, until, step, agg, match, token, ...) is a tag filter
 * TAG=VALUE; tag=NAME:VALUE (repeatable) filters on any tag, whatever its
 * name. Filter values may be globs too. With exact=1 the request names one
 * series: the metric and the filter values are taken literally, and the
 * series must have exactly the filtered tags, no others (a series page of
 * "temp" must not fold in "temp;host=a", nor read "a*b" as a glob). */
#ifndef TM_MATCH_H
#define TM_MATCH_H
#include <stddef.h>

#include "../core/store.h"
#include "../model/batch.h"
#include "../net/http.h"
#include "../query/index.h"

#define MATCH_MAX_TAGS 32
typedef struct {
    const char *metric; /* NULL: any */
    size_t mlen;
    tm_tag filt[MATCH_MAX_TAGS];
    size_t nf;
    int exact;
} tm_match;

/* Fill m from the request (metric given separately; may be NULL). */
void match_from_req(const tm_req *r, const char *metric, tm_match *m);
int match_series(const tm_match *m, const char *key, size_t klen);
/* ids of every matching series, in id order (allocated); returns the count */
size_t match_ids(tm_store *s, const tm_match *m, uint32_t **ids);
/* The same through the query engine's indexes, from any worker. */
void match_select(tm_index *ix, const tm_match *m, tm_ids *out);
/* Copy m's strings into one allocation (returned, to free) so m outlives
 * the request it came from. */
char *match_own(tm_match *m);
#endif
