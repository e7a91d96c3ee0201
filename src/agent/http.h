/* http.h — the agent's HTTP client.
 *
 * Plain http:// goes over a socket of our own: HTTP/1.1, one keep-alive
 * connection per client, Content-Length or chunked answers. That keeps the
 * small `tidemark-agent` binary free of libcurl, whose TLS libraries alone
 * cost it 8 MiB of resident memory, three times collectd's whole. https://
 * goes to the TLS client a binary registers in agent_tls (the full
 * `tidemark` binary registers libcurl); without one it is refused with a
 * clear error. One thread at a time per client. */
#ifndef TM_AGENT_HTTP_H
#define TM_AGENT_HTTP_H
#include <stddef.h>

#include "../util/buf.h"

typedef struct {
    void *(*open)(long timeout_s);
    long (*request)(void *h, const char *method, const char *url, const char *token, const char *ctype,
                    const void *body, size_t n, tm_buf *resp, char *err, size_t errlen);
    void (*close)(void *h);
} agent_tls_client;
extern const agent_tls_client *agent_tls;

typedef struct agent_http agent_http;
agent_http *agent_http_new(long timeout_s);
void agent_http_free(agent_http *h);
/* The HTTP status, or -1 with err set when no answer came. The answer's
 * body is appended to resp. */
long agent_http_do(agent_http *h, const char *method, const char *url, const char *token, const char *ctype,
                   const void *body, size_t n, tm_buf *resp, char *err, size_t errlen);

/* Parsing an answer (pure, fuzzed): given the bytes received so far (eof:
 * and the server closed), 1 when a whole answer is there (status, body
 * span, keep-alive), 0 when more are needed, -1 when it is no HTTP/1.x
 * answer. A chunked body is decoded in place, so body points into p. A
 * body of neither length nor chunks runs to the close. */
typedef struct {
    int status;
    int keep_alive;
    const char *body;
    size_t body_len;
    size_t consumed; /* bytes of p the answer took */
} http_answer;
int http_answer_parse(char *p, size_t n, int eof, http_answer *a);
#endif
