/* relay.h — the Pulse relay protocol, one line at a time (pure: no sockets,
 * no store, no clock).
 *
 * A relay connects over TCP and sends newline-terminated lines:
 *   id NAME        who it is (first)          server answers "ok"
 *   add STAT       a stat it can report       "ok"   (Pulse's "add STAT:tags" form too)
 *   remove STAT    a stat it no longer has    "ok"
 *   got {"cpu":1.5,"mem":42}   answer to "get cpu,mem"; values are numbers,
 *                  booleans, strings (detected as /add does: number,
 *                  "lat,lon" location, else a string event) or [lat, lon];
 *                  null means "no value yet" and is skipped. Pulse's older
 *                  "got cpu-cpu:1.5,mem-mem:42" form is read too.
 *   ok, ping, close   acks of our commands, keep-alive (answered "pong"), goodbye
 * A "got" adds one sample per stat, series STAT tagged relay=ID, at the time
 * given. Anything else is RC_BAD with a reason; bad stats of a "got" are
 * errors in the batch while the good ones are kept. */
#ifndef TM_RELAY_PARSE_H
#define TM_RELAY_PARSE_H
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"
#include "../model/batch.h"

#define RELAY_LINE_MAX (256 * 1024) /* longest line accepted, without its newline */
#define RELAY_NAME_MAX 200          /* longest relay id or stat name */
#define RELAY_MAX_STATS 512         /* stats one relay may add (so a "get" line stays bounded) */

enum relay_cmd { RC_NONE, RC_ID, RC_ADD, RC_REMOVE, RC_GOT, RC_OK, RC_PING, RC_CLOSE, RC_BAD };

typedef struct {
    int cmd;         /* enum relay_cmd; RC_NONE for a blank line */
    const char *arg; /* RC_ID: the id; RC_ADD, RC_REMOVE: the stat (points into the line) */
    size_t alen;
    const char *err; /* RC_BAD: why, a static string */
} tm_relay_cmd;

/* Parse one line (without its '\n'; a trailing '\r' is ignored). For "got",
 * samples go to b stamped ts and b->line = lineno; with no id yet (id NULL)
 * a "got" is RC_BAD. */
void relay_parse_line(const char *line, size_t len, const char *id, size_t idlen, int64_t ts, size_t lineno,
                      tm_batch *b, tm_relay_cmd *out);

/* Is this a name a relay id or stat may have? (non-empty, at most
 * RELAY_NAME_MAX bytes, no blanks, control bytes, ';', ',' or ':') */
int relay_name_ok(const char *s, size_t n);

/* The override command the server sends:
 * "override DURATION stat:INTERVAL[,stat2:INTERVAL]\n", appended to out.
 * Durations must parse (timeparse.h) and be positive; they are sent as
 * written. Returns 1, or 0 with a reason in *why (out untouched). */
typedef struct {
    const char *stat, *interval;
} tm_relay_pair;
int relay_override_line(tm_buf *out, const char *duration, const tm_relay_pair *p, size_t n, const char **why);
#endif
