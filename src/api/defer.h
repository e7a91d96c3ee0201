/* defer.h — a route answered by the query engine: the handler parses on the
 * loop thread and copies what it needs (the request's parameters die when
 * it returns), work(q, arg, reply) runs on a worker and fills the reply,
 * and the reply goes out from the loop thread. A failed query (q->code,
 * e.g. a bound) answers {"error": q->err} with its code. */
#ifndef TM_DEFER_H
#define TM_DEFER_H
#include "../query/engine.h"
#include "api.h"

typedef struct {
    int code;          /* 200 unless set */
    const char *ctype; /* application/json unless set */
    tm_buf body;
} tm_reply;

typedef void (*tm_work)(tm_query *q, void *arg, tm_reply *out);
/* free_arg (may be NULL) releases arg after the reply went out. */
void api_defer(tm_api *api, tm_req *r, tm_work work, void *arg, void (*free_arg)(void *));
/* The same for a lookup that may answer at once on the loop thread
 * (engine_here: work sees q->budget and calls query_elsewhere when it is
 * too big for it); otherwise as api_defer. */
void api_answer(tm_api *api, tm_req *r, tm_work work, void *arg, void (*free_arg)(void *));
/* Copy of a parameter (NULL when absent). */
char *param_dup(const tm_req *r, const char *name);
#endif
