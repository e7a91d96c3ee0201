/* send.h — the agent's way to the server: POST /api/v1/data over one
 * keep-alive connection, in order behind the spool.
 *
 * A body goes out only when everything spooled before it has gone, so the
 * server sees every series in time order. When the server cannot take it
 * (unreachable, 5xx, 429, 401/403: an answer that may change) the body is
 * spooled and retried; a 400 means the server kept the good samples and
 * refused the rest for good, so it is logged and not retried. */
#ifndef TM_AGENT_SEND_H
#define TM_AGENT_SEND_H
#include <stdint.h>

#include "../model/batch.h"
#include "http.h"
#include "spool.h"

typedef struct {
    agent_http *http;
    char url[1024]; /* SERVER/api/v1/data */
    const char *token;
    tm_spool *spool;
    tm_buf scratch;
    int64_t retry_at;  /* ms: no try before this while the server is down */
    int64_t backoff;   /* ms */
    uint64_t sent, spooled;
} tm_sender;

int sender_init(tm_sender *s, const char *server, const char *token, tm_spool *spool, char *err, size_t errlen);
void sender_free(tm_sender *s);
/* The JSON body of a batch: [{"metric","tags","time","value"},...] */
void batch_json(const tm_batch *b, tm_buf *out);
/* Send (or spool) one body; drains the spool first, within budget_ms. */
void sender_deliver(tm_sender *s, const void *body, size_t n, int64_t now, int64_t budget_ms);
/* Send what the spool holds, within budget_ms (the loop calls it when idle). */
void sender_drain(tm_sender *s, int64_t now, int64_t budget_ms);
#endif
