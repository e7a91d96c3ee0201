/* httpconn.h — the HTTP listener's connections, counted and bounded as
 * admit.h says, on top of libevent's evhttp (which keeps its connections to
 * itself): each gets our bufferevent, so we see every byte read and every
 * close.
 *  - past --max-connections the newest is shed;
 *  - out of descriptors, what is pending is accepted and closed;
 *  - the bytes read for a request count in flight until it is answered;
 *    past --max-inflight-bytes the request being read is answered 503 with
 *    Retry-After, its body read and dropped, and the connection closed;
 *  - a NUL byte in a request head is noticed (evhttp hides it).
 * evhttp's own close callback is ours: callers that want to hear of a close
 * use httpconn_on_close instead. Loop thread only. */
#ifndef TM_HTTPCONN_H
#define TM_HTTPCONN_H
#include <event2/http.h>

typedef struct tm_httpconns tm_httpconns;

tm_httpconns *httpconns_attach(struct evhttp *eh, struct evhttp_bound_socket *bound, const char *what);
void httpconns_free(tm_httpconns *hs); /* after evhttp_free */
/* The request has been read whole and is handled now: its bytes are no
 * longer in flight. Returns 1 when its head held a NUL byte (evhttp cuts
 * header values there): answer 400, never trust its headers. */
int httpconns_done(struct evhttp_request *req);
/* cb(con, arg) when con closes (NULL cb: no longer). */
void httpconn_on_close(struct evhttp_connection *con, void (*cb)(struct evhttp_connection *, void *), void *arg);
size_t httpconns_count(const tm_httpconns *hs);
#endif
