/* dirlock.h — one server per data directory.
 *
 * DIR/tidemark.lock is flock()ed (exclusive, non-blocking) before anything
 * else in DIR is read or written, and holds the owner's PID as text so a
 * second instance can say who has it. The kernel drops the lock when the
 * owner exits, kill -9 included, so a stale file never blocks a start. */
#ifndef TM_DIRLOCK_H
#define TM_DIRLOCK_H
#include <stddef.h>

/* The lock's descriptor (keep it open while the directory is used), or -1
 * with the reason in err (naming the holder's PID when it is known). */
int dirlock_take(const char *dir, char *err, size_t errlen);
void dirlock_release(int fd);
#endif
