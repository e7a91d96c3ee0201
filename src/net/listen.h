/* listen.h — sockets for stream and datagram protocols, on libevent.
 * tcp_listen: newline-delimited streams, as many connections as admit.h
 * lets in; a line longer than TM_LINE_MAX is dropped and counted, the
 * connection kept. A connection holds only its partial last line.
 * udp_listen: each datagram holds whole lines. Both log one line when they
 * start listening. ADDR is "host:port" ("127.0.0.1:2003", "[::1]:2003"). */
#ifndef TM_LISTEN_H
#define TM_LISTEN_H
#include <event2/event.h>

#include "sink.h"

typedef struct tm_listener tm_listener;
tm_listener *tcp_listen(struct event_base *base, const char *what, const char *addr, tm_sink *sink, char *err,
                        size_t errlen);
tm_listener *udp_listen(struct event_base *base, const char *what, const char *addr, tm_sink *sink, char *err,
                        size_t errlen);
void listener_free(tm_listener *l); /* closes every connection too */
/* parse "host:port" (a numeric address and a port) into a sockaddr; 0 ok */
int parse_addr(const char *addr, struct sockaddr_storage *ss, int *len);
#define ADDR_FORMS "want host:port with a numeric host, such as 127.0.0.1:2003, [::1]:2003 or 0.0.0.0:2003"
/* A bound socket (SOCK_STREAM: listening too), non-blocking; -1 with the
 * reason in err ("cannot listen on ADDR (TCP): Address already in use"). */
int listen_socket(const char *addr, int type, char *err, size_t errlen);
#endif
