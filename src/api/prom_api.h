/* prom_api.h — the Prometheus HTTP API's pieces shared by its route files
 * (prom_api.c: queries; prom_meta.c: series, labels, metadata). */
#ifndef TM_PROM_API_H
#define TM_PROM_API_H
#include "../query/promql_eval.h"
#include "defer.h"

/* /api/v1/query with query= (query_routes.c hands it over) */
void prom_route_query(tm_req *r, void *arg);
void prom_meta_routes(tm_http *h, tm_api *api);
/* {"status":"error","errorType":type,"error":msg} with code */
void prom_error(tm_reply *out, int code, const char *type, const char *msg);
void prom_put_labels(tm_buf *b, const pq_lset *ls);
/* A time parameter (float seconds or RFC 3339) into ms, dflt when absent
 * (with !wrapped, INT64_MIN makes it required); else a 400 bad_data
 * answered, worded as Prometheus' parseTime (wrapped: parseTimeParam). */
int prom_time_param(tm_req *r, const char *name, int64_t dflt, int wrapped, int64_t *ms);
#endif
