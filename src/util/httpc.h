/* httpc.h — a blocking HTTP request through libcurl, for the command-line
 * clients (send, query). The token goes out as X-AUTH-TOKEN. */
#ifndef TM_HTTPC_H
#define TM_HTTPC_H
#include <stddef.h>

#include "buf.h"

/* Returns the HTTP status, or -1 with err set when no answer came. */
long httpc_request(const char *method, const char *url, const char *token, const char *ctype, const void *body,
                   size_t n, tm_buf *resp, char *err, size_t errlen);
/* Append s percent-encoded for a query string. */
void url_encode(tm_buf *b, const char *s);
#endif
