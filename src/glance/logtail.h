/* logtail.h — `tidemark serve --tail-log FILE`: access logs as series.
 *
 * Each log is followed as glance follows it (rotation included) and read
 * in its format (auto: Common, Combined or JSON lines). Every second of the
 * log's own time becomes samples at that second, tagged log=BASENAME:
 * http.requests and http.bytes (per second), http.status.1xx ... 5xx,
 * http.section.NAME (the first path segment; "root" for "/"), and
 * http.latency_ms (mean) when the format has latency. A second is written
 * once it is complete: a line of a later second has come, or the log has
 * been quiet for two seconds of wall time. Quiet seconds of a busy log read
 * as zeros (for up to a minute), so a graph falls to 0 rather than
 * stopping.
 *
 * Where each log was read to is kept beside the data (DATA/tail-BASENAME.pos:
 * inode and the offset of the first line not yet written) and replaced
 * after each write the store acknowledged, so a restart neither loses nor
 * doubles a second. */
#ifndef TM_LOGTAIL_H
#define TM_LOGTAIL_H
#include <stddef.h>
#include <stdint.h>

#include "../core/store.h"

typedef struct tm_tails tm_tails;

/* NULL with a reason in err (a file that cannot be opened). state_dir NULL:
 * positions are not kept (--memory). */
tm_tails *tails_start(tm_store *s, char **paths, size_t n, const char *state_dir, char *err, size_t errlen);
/* Read what is new in each log (bounded, so the loop stays responsive) and
 * write its complete seconds. The server calls it every second. */
void tails_tick(tm_tails *t, int64_t now_ms);
void tails_stop(tm_tails *t);
#endif
