/* httpc.h — blocking HTTP requests through libcurl, for the command-line
 * clients (send, query) and the agent. The token goes out as X-AUTH-TOKEN.
 *
 * A tm_httpc keeps its connection open between requests (keep-alive), so a
 * program that sends every few seconds pays for one TCP handshake, not one
 * per batch. One thread at a time per tm_httpc. */
#ifndef TM_HTTPC_H
#define TM_HTTPC_H
#include <stddef.h>

#include "buf.h"

typedef struct tm_httpc tm_httpc;
/* timeout_s bounds each whole request; connecting is bounded at 5 s. */
tm_httpc *httpc_new(long timeout_s);
void httpc_free(tm_httpc *h);
/* Returns the HTTP status, or -1 with err set when no answer came. The
 * answer's body is appended to resp. */
long httpc_do(tm_httpc *h, const char *method, const char *url, const char *token, const char *ctype,
              const void *body, size_t n, tm_buf *resp, char *err, size_t errlen);

/* One request on a connection of its own (30 s timeout). */
long httpc_request(const char *method, const char *url, const char *token, const char *ctype, const void *body,
                   size_t n, tm_buf *resp, char *err, size_t errlen);
/* Append s percent-encoded for a query string. */
void url_encode(tm_buf *b, const char *s);
#endif
