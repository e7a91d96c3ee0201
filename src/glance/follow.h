/* follow.h — reading an access log as it grows, like `tail -F`.
 *
 * Lines come out whole, in order, once each. At the end of the file the
 * follower waits for more (the caller polls); when the file is renamed away
 * (logrotate's default) the rest of the old file is read before the new
 * one is opened from its start, and when it is cut short in place
 * (copytruncate) reading starts over from its beginning. "-" is standard
 * input, read to its end.
 *
 * Starting on a large log, it reads backwards from the end only as far as
 * the caller's window needs (by the lines' own times), so the first screen
 * of a 1 GB log takes no longer than that of a small one. */
#ifndef TM_FOLLOW_H
#define TM_FOLLOW_H
#include <stddef.h>
#include <stdint.h>

typedef struct log_follow log_follow;

/* The time of a line, for seeking back; INT64_MIN when it has none. */
typedef int64_t (*line_time_fn)(void *arg, const char *line, size_t n);

/* Open path. back_ms > 0: start at the first line no older than the last
 * line's time minus back_ms; 0: from the start; at_offset >= 0 (with
 * its inode, 0 for any): resume there (a restart that kept its place). */
log_follow *follow_open(const char *path, int64_t back_ms, line_time_fn fn, void *arg, int64_t at_offset,
                        uint64_t at_inode, char *err, size_t errlen);
void follow_close(log_follow *f);
/* 1: a line in (*p, *n), without its '\n', valid until the next call;
 * 0: nothing more yet (rotation has been checked); -1: the end of a
 * stream that does not grow (standard input). */
int follow_line(log_follow *f, const char **p, size_t *n);
/* Where the next line begins, and in which file: what a restart resumes from. */
int64_t follow_offset(const log_follow *f);
uint64_t follow_inode(const log_follow *f);
#endif
