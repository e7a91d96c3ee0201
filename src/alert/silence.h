/* silence.h — "don't tell anyone about these until then".
 *
 * {"matchers":{"host":"pi*","metric":"temp.*"},"until":"+2h","comment":".."}:
 * every matcher must hold; values are globs. A matcher's key is a tag name,
 * or one of "metric" (the series name), "id" / "alertname" (the rule's id or
 * name), "level". "until" is a time (Unix seconds, RFC 3339, "+2h"); a
 * transition inside a silence is recorded but not notified. */
#ifndef TM_ALERT_SILENCE_H
#define TM_ALERT_SILENCE_H
#include <stddef.h>
#include <stdint.h>

#include "rule.h"

#define SILENCE_MAX_MATCHERS 16

typedef struct {
    char id[RULE_ID_MAX + 1];
    char *mk[SILENCE_MAX_MATCHERS], *mv[SILENCE_MAX_MATCHERS];
    size_t n;
    int64_t until, created; /* ms */
    char *comment;
} alert_silence;

/* 0 ok; -1 with the field at fault and the reason (as rule_parse). */
int silence_parse(const char *json, size_t n, int64_t now, alert_silence *s, char *field, size_t flen, char *err,
                  size_t elen);
void silence_free(alert_silence *s);
char *silence_json(const alert_silence *s, int64_t now); /* allocated; "active" says whether it still holds */
int silence_matches(const alert_silence *s, const alert_rule *r, const char *key, size_t klen, int level,
                    int64_t now);
#endif
