/* textcheck.h — the one check every parser makes on names, tags and string
 * values: they must be UTF-8 (util/utf8.h), or the line (field, series) is
 * refused with one message, the good ones around it kept. Refused here,
 * such bytes never reach a JSON answer. */
#ifndef TM_TEXTCHECK_H
#define TM_TEXTCHECK_H
#include "../model/batch.h"
#include "../util/utf8.h"

#define TEXT_BAD_KEY "invalid UTF-8 in the series name or a tag"
#define TEXT_BAD_STR "invalid UTF-8 in a string value"

/* 1 when [p, p+n) is UTF-8; else 0 and the error recorded for line. */
static inline int text_ok(tm_batch *b, size_t line, const char *msg, const char *p, size_t n) {
    if (utf8_check(p, n) == n) return 1;
    batch_error(b, line, "%s", msg);
    return 0;
}
#endif
