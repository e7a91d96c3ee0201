/* silence.c — silences: parse, match, JSON (see silence.h). */
#include "silence.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/batch.h"
#include "../util/buf.h"
#include "../util/glob.h"
#include "../util/timeparse.h"

static int bad(char *field, size_t flen, char *err, size_t elen, const char *f, const char *msg) {
    snprintf(field, flen, "%s", f);
    snprintf(err, elen, "%s: %s", f, msg);
    return -1;
}

static int parse_matchers(json_t *m, alert_silence *s, char *field, size_t flen, char *err, size_t elen) {
    if (!json_is_object(m) || !json_object_size(m))
        return bad(field, flen, err, elen, "matchers", "must be an object such as {\"host\":\"pi\"}");
    if (json_object_size(m) > SILENCE_MAX_MATCHERS)
        return bad(field, flen, err, elen, "matchers", "too many (at most 16)");
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v) {
        if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 512 || !*k || strlen(k) > 200)
            return bad(field, flen, err, elen, "matchers", "each matcher is a name and a non-empty string");
        s->mk[s->n] = xstrndup(k, strlen(k));
        s->mv[s->n++] = xstrndup(json_string_value(v), json_string_length(v));
    }
    return 0;
}

static int parse_until(json_t *o, int64_t now, alert_silence *s, char *field, size_t flen, char *err, size_t elen) {
    json_t *u = json_object_get(o, "until");
    char num[40];
    const char *t = json_is_string(u) ? json_string_value(u) : NULL;
    if (json_is_number(u)) {
        snprintf(num, sizeof num, "%.3f", json_number_value(u));
        t = num;
    }
    if (!t || !parse_time_ms(t, strlen(t), now, &s->until))
        return bad(field, flen, err, elen, "until", "must be a time: Unix seconds, RFC 3339 or relative \"+2h\"");
    if (s->until <= now) return bad(field, flen, err, elen, "until", "is in the past");
    return 0;
}

int silence_parse(const char *json, size_t n, int64_t now, alert_silence *s, char *field, size_t flen, char *err,
                  size_t elen) {
    memset(s, 0, sizeof *s);
    s->created = now;
    field[0] = err[0] = 0;
    json_t *o = json_loadb(json, n, JSON_REJECT_DUPLICATES, NULL);
    int rc = 0;
    if (!json_is_object(o)) rc = bad(field, flen, err, elen, "body", "must be a JSON object");
    else {
        json_t *c = json_object_get(o, "comment"), *id = json_object_get(o, "id"), *cr = json_object_get(o, "created");
        rc = parse_matchers(json_object_get(o, "matchers"), s, field, flen, err, elen);
        if (!rc) rc = parse_until(o, now, s, field, flen, err, elen);
        if (!rc && c && !json_is_null(c) && (!json_is_string(c) || json_string_length(c) > 4096))
            rc = bad(field, flen, err, elen, "comment", "must be a string (at most 4096 bytes)");
        if (!rc && json_is_string(c)) s->comment = xstrndup(json_string_value(c), json_string_length(c));
        if (!rc && json_is_string(id) && json_string_length(id) <= RULE_ID_MAX)
            snprintf(s->id, sizeof s->id, "%s", json_string_value(id));
        if (!rc && json_is_number(cr) && fabs(json_number_value(cr)) < 1e13)
            s->created = (int64_t)(json_number_value(cr) * 1000);
    }
    if (o) json_decref(o);
    if (rc) silence_free(s);
    return rc;
}

void silence_free(alert_silence *s) {
    for (size_t i = 0; i < s->n; i++) {
        free(s->mk[i]);
        free(s->mv[i]);
    }
    free(s->comment);
    memset(s, 0, sizeof *s);
}

char *silence_json(const alert_silence *s, int64_t now) {
    json_t *o = json_object(), *m = json_object();
    json_object_set_new(o, "id", json_string(s->id));
    for (size_t i = 0; i < s->n; i++) json_object_set_new(m, s->mk[i], json_string(s->mv[i]));
    json_object_set_new(o, "matchers", m);
    json_object_set_new(o, "until", json_real((double)s->until / 1000.0));
    json_object_set_new(o, "created", json_real((double)s->created / 1000.0));
    if (s->comment) json_object_set_new(o, "comment", json_string(s->comment));
    json_object_set_new(o, "active", json_boolean(now < s->until));
    char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(o);
    return out;
}

static int glob_is(const char *pat, const char *s, size_t n) { return glob_match(pat, strlen(pat), s, n); }

int silence_matches(const alert_silence *s, const alert_rule *r, const char *key, size_t klen, int level,
                    int64_t now) {
    if (now >= s->until) return 0;
    tm_tag tags[64];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, 64);
    for (size_t i = 0; i < s->n; i++) {
        const char *k = s->mk[i], *v = s->mv[i];
        int ok;
        if (!strcmp(k, "metric")) ok = glob_is(v, key, nlen);
        else if (!strcmp(k, "id")) ok = glob_is(v, r->id, strlen(r->id));
        else if (!strcmp(k, "alertname")) ok = glob_is(v, r->name ? r->name : r->id, strlen(r->name ? r->name : r->id));
        else if (!strcmp(k, "level")) ok = glob_is(v, level_names[level], strlen(level_names[level]));
        else {
            ok = 0;
            for (size_t j = 0; j < nt && !ok; j++)
                if (tags[j].klen == strlen(k) && !memcmp(tags[j].k, k, tags[j].klen)) {
                    char tv[TM_KEY_MAX];
                    ok = glob_is(v, tv, tag_value(tags[j].v, tags[j].vlen, tv));
                }
        }
        if (!ok) return 0;
    }
    return 1;
}
