/* log.h — one line per event on stderr: "2026-11-25T10:00:00Z info msg".
 * log_limited() drops repeats of a noisy event to one line per second per
 * call site (bad input from a chatty client must not flood the log). */
#ifndef TM_LOG_H
#define TM_LOG_H
enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
extern int log_level;
int log_level_parse(const char *s); /* -1 if unknown */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
/* at most one line a second per site; counts what it dropped */
#define log_limited(level, ...)                                                   \
    do {                                                                          \
        static long long last_;                                                   \
        static unsigned dropped_;                                                 \
        if (log_should(&last_, &dropped_)) log_msg(level, __VA_ARGS__);           \
    } while (0)
int log_should(long long *last, unsigned *dropped);
#endif
