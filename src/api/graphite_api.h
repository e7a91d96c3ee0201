/* graphite_api.h — the graphite-web 1.1 routes, one file per group:
 * graphite_render.c (/render), graphite_metrics.c (/metrics/find, expand,
 * index.json, /version, /functions), graphite_tags.c (/tags..., events). */
#ifndef TM_GRAPHITE_API_H
#define TM_GRAPHITE_API_H
#include <stdint.h>

#include "../util/tzone.h"
#include "api.h"

void routes_graphite_render(tm_http *h, tm_api *api);
void routes_graphite_metrics(tm_http *h, tm_api *api);
void routes_graphite_tags(tm_http *h, tm_api *api);
/* from, until and now (Unix seconds) as graphite-web reads them (from
 * defaults to -1d, until to now; swapped when reversed), references read
 * in zone tz (NULL: UTC); -1 when answered 400. */
int graphite_times(tm_req *r, const tm_tz *tz, int64_t *from, int64_t *until, int64_t *now);
#endif
