/* serve_opts.h — the values of `tidemark serve`'s flags, checked before
 * anything starts: a bad one is refused with the flag's name and its valid
 * forms, never half-used (a --wal-max of "lots" is not 0, a --url-prefix
 * without its slash is not a server where every URL is a 404). */
#ifndef TM_SERVE_OPTS_H
#define TM_SERVE_OPTS_H
#include <stddef.h>

#include "../core/store.h"
#include "../forward/forward.h"
#include "../util/config.h"

/* 0 with the store's options filled in; -1 with the reason in err. */
int serve_check(const tm_config *c, tm_store_opts *o, char *err, size_t errlen);
/* The forwarding flags (docs/forwarding.md); the store's options say
 * whether there is a data directory for the queues. */
int forward_check(const tm_config *c, const tm_store_opts *so, tm_forward_opts *o, char *err, size_t errlen);
/* A --X-listen of "off": that listener is not started. */
int listener_off(const char *addr);
#endif
