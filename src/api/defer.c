#include "defer.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    struct evhttp_request *req;
    tm_work work;
    void *arg;
    void (*free_arg)(void *);
    tm_reply out;
} deferred;

static void run(tm_query *q, void *arg) {
    deferred *d = arg;
    d->work(q, d->arg, &d->out);
}

static void reply_to(tm_query *q, deferred *d) {
    tm_req r = {.req = d->req};
    if (q->code) http_error(&r, q->code > 0 ? q->code : 500, q->err, 0);
    else http_reply(&r, d->out.code ? d->out.code : 200, d->out.ctype ? d->out.ctype : "application/json",
                    d->out.body.p, d->out.body.n);
    buf_free(&d->out.body);
    if (d->free_arg) d->free_arg(d->arg);
}

static void done(tm_query *q, void *arg) {
    reply_to(q, arg);
    free(arg);
}

void api_defer(tm_api *api, tm_req *r, tm_work work, void *arg, void (*free_arg)(void *)) {
    deferred *d = xcalloc(1, sizeof *d);
    *d = (deferred){r->req, work, arg, free_arg, {0}};
    engine_submit(api->engine, run, done, d);
}

void api_answer(tm_api *api, tm_req *r, tm_work work, void *arg, void (*free_arg)(void *)) {
    deferred d = {r->req, work, arg, free_arg, {0}};
    tm_query q;
    if (engine_here(api->engine, run, &d, &q)) {
        reply_to(&q, &d);
        return;
    }
    buf_free(&d.out.body); /* what it wrote before it gave up */
    api_defer(api, r, work, arg, free_arg);
}

char *param_dup(const tm_req *r, const char *name) {
    const char *v = req_param(r, name);
    return v ? xstrndup(v, strlen(v)) : NULL;
}
