/* admit.h — what every listener asks before it takes a connection or holds
 * more bytes, so that no client (or crowd of clients) can take the server's
 * descriptors or memory.
 *
 * Connections: a listener holds at most --max-connections; past it the
 * newest is shed (accepted and closed at once). Descriptors: one spare is
 * kept open, so when accept() fails for want of descriptors the pending
 * connection can still be accepted and closed instead of waking the loop
 * again and again; stream listeners (Graphite, StatsD TCP, relay) also leave
 * the last eighth of the descriptor limit to HTTP (/healthz) and the store.
 * Idle: --idle-timeout closes a TCP connection that sent nothing that long.
 * Bytes in flight: every connection reports the bytes it holds (partial
 * lines, request bodies being read); past --max-inflight-bytes in all, TCP
 * connections stop reading (admit_wait) and HTTP answers 503 until there is
 * room. Each refusal logs one line a second at most. Loop thread only. */
#ifndef TM_ADMIT_H
#define TM_ADMIT_H
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct {
    size_t max_conns;    /* per listener */
    int64_t idle_ms;     /* 0: never */
    size_t max_inflight; /* bytes, over every connection */
} tm_limits;

#define ADMIT_DEFAULT_CONNS 10000
#define ADMIT_DEFAULT_IDLE_MS (5 * 60 * 1000)
#define ADMIT_DEFAULT_INFLIGHT ((size_t)256 << 20)

/* The limits in force (defaults until admit_init). */
extern tm_limits admit_limits;

/* Take the limits, open the spare descriptor, read RLIMIT_NOFILE. */
void admit_init(struct event_base *base, const tm_limits *l);
void admit_shutdown(void);

/* The idle timeout as a timeval, or NULL when there is none. */
const struct timeval *admit_idle_tv(void);

enum { ADMIT_NONE = -1, ADMIT_SHED = -2, ADMIT_STUCK = -3 };
/* accept4() one connection on a stream listener holding `live` connections:
 * its descriptor, ADMIT_NONE when nothing is pending, ADMIT_SHED when one was
 * refused (try the next), ADMIT_STUCK when none could be accepted even to be
 * shed (stop listening a moment: admit_backoff). */
int admit_accept(int lfd, struct sockaddr_storage *ss, socklen_t *sl, const char *what, size_t live);
/* For listeners that accept for us (libevent's): 1 keep fd, 0 it was closed.
 * stream: apply the descriptor reserve too. */
int admit_check(int fd, const char *what, size_t live, int stream);
/* accept() failed (errno says why): shed what is pending with the spare
 * descriptor. Returns 0 when out of descriptors and none could be shed. */
int admit_accept_failed(int lfd, const char *what);
/* Call resume(-1, EV_TIMEOUT, arg) from the loop in 100 ms. */
void admit_backoff(void (*resume)(evutil_socket_t, short, void *), void *arg);

/* Bytes in flight: set what one connection holds now (it remembers *held). */
void admit_hold(size_t *held, size_t now);
int admit_full(void); /* over the bound: read nothing more */
size_t admit_inflight(void);

/* A connection waiting for room: wake() runs once there is some (from the
 * loop, not from inside admit_hold); it only re-arms reading, closing
 * nothing. Unlink it before freeing it. */
typedef struct tm_waiter {
    struct tm_waiter *prev, *next;
    void (*wake)(struct tm_waiter *w);
    int waiting;
} tm_waiter;
void admit_wait(tm_waiter *w);
void admit_unwait(tm_waiter *w);
#endif
