/* jsondata.c — POST /api/v1/data bodies, through jansson. */
#include "jsondata.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/timeparse.h"
#include "jsonvalue.h"
#include "textcheck.h"

#define MAX_TAGS (TM_KEY_MAX / 4)

/* Largest |ms| accepted: the year 9999, which RFC 3339 can still write. */
#define MAX_MS 253402300800000.0

/* Shortest form that reads back to the same double, so tag {"port":8080}
 * is "8080" whether jansson saw an integer or a real. */
static size_t num_text(double d, char *out, size_t cap) {
    int k = snprintf(out, cap, "%.15g", d);
    if (strtod(out, NULL) != d) k = snprintf(out, cap, "%.17g", d);
    return k < 0 ? 0 : (size_t)k;
}

/* Tag values may be strings, numbers or booleans. tbuf holds the text of
 * numbers, 32 bytes per tag. Returns NULL or the reason it failed. */
static const char *read_tags(json_t *jt, tm_tag *tags, size_t *nt, char *tbuf) {
    *nt = 0;
    if (!jt || json_is_null(jt)) return NULL;
    if (!json_is_object(jt)) return "\"tags\" must be an object";
    if (json_object_size(jt) > MAX_TAGS) return "too many tags";
    const char *k;
    json_t *v;
    json_object_foreach(jt, k, v) {
        tm_tag *t = &tags[(*nt)++];
        t->k = k;
        t->klen = strlen(k);
        if (json_is_string(v)) {
            t->v = json_string_value(v);
            t->vlen = json_string_length(v);
        } else if (json_is_number(v)) {
            char *o = tbuf + 32 * (*nt - 1);
            t->v = o;
            t->vlen = num_text(json_number_value(v), o, 32);
        } else if (json_is_boolean(v)) {
            t->v = json_is_true(v) ? "true" : "false";
            t->vlen = strlen(t->v);
        } else {
            return "tag values must be strings or numbers";
        }
    }
    return NULL;
}

/* Seconds, or ms above 1e11; a string takes any parse_time_ms form. */
static const char *read_time(json_t *jt, int64_t *ts) {
    *ts = TM_TS_NOW;
    if (!jt || json_is_null(jt)) return NULL;
    if (json_is_number(jt)) {
        double d = json_number_value(jt);
        double ms = fabs(d) > 1e11 ? d : d * 1000;
        if (!isfinite(ms) || fabs(ms) >= MAX_MS) return "bad \"time\"";
        *ts = llround(ms);
        return NULL;
    }
    if (json_is_string(jt) && parse_time_ms(json_string_value(jt), json_string_length(jt), now_ms(), ts))
        return NULL;
    return "bad \"time\"";
}

/* The reasons, worded for /api/v1/data; "value":null is no value here. A
 * NUL cannot reach jv_add: jansson refuses \u0000 without JSON_ALLOW_NUL. */
static const char *const value_why[JV_NRESULTS] = {
    [JV_NULL] = "\"value\" must be a number, string or [lat, lon]",
    [JV_TYPE] = "\"value\" must be a number, string or [lat, lon]",
    [JV_ARRAY] = "an array \"value\" must be [lat, lon]",
    [JV_RANGE] = "location out of range",
    [JV_EMPTY] = "empty \"value\"",
    [JV_LONG] = "string \"value\" too long",
    [JV_NUL] = "string \"value\" holds a NUL byte",
};

static const char *add_value(json_t *jv, const char *key, size_t klen, int64_t ts, tm_batch *b) {
    if (!jv) return "missing \"value\"";
    return value_why[jv_add(jv, key, klen, ts, b)];
}

static void one(json_t *o, size_t pos, tm_batch *b) {
    b->line = pos;
    if (!json_is_object(o)) {
        batch_error(b, pos, "expected an object");
        return;
    }
    json_t *jm = json_object_get(o, "metric");
    if (!json_is_string(jm)) {
        batch_error(b, pos, "missing \"metric\"");
        return;
    }
    tm_tag tags[MAX_TAGS];
    char tbuf[MAX_TAGS * 32];
    size_t nt;
    const char *why = read_tags(json_object_get(o, "tags"), tags, &nt, tbuf);
    char key[TM_KEY_MAX + 1];
    int klen = -1;
    if (!why) {
        why = "bad key";
        klen = key_canon(json_string_value(jm), json_string_length(jm), tags, nt, key, sizeof key, &why);
        if (klen >= 0 && utf8_check(key, (size_t)klen) != (size_t)klen) why = TEXT_BAD_KEY, klen = -1;
    }
    if (klen < 0) {
        batch_error(b, pos, "%s", why);
        return;
    }
    int64_t ts;
    why = read_time(json_object_get(o, "time"), &ts);
    if (!why) why = add_value(json_object_get(o, "value"), key, (size_t)klen, ts, b);
    if (why) batch_error(b, pos, "%s", why);
}

void jsondata_parse(const char *body, size_t len, tm_batch *b) {
    json_error_t err;
    /* INT_AS_REAL: a millisecond time or a counter past 2^63 is a number,
     * not a parse error. */
    json_t *root = json_loadb(body, len, JSON_DECODE_INT_AS_REAL, &err);
    if (!root) {
        batch_error(b, err.line > 0 ? (size_t)err.line : 1, "invalid JSON: %s", err.text);
        return;
    }
    if (json_is_array(root)) {
        for (size_t i = 0; i < json_array_size(root); i++) one(json_array_get(root, i), i + 1, b);
    } else if (json_is_object(root)) {
        one(root, 1, b);
    } else {
        batch_error(b, 1, "expected an object or an array of objects");
    }
    json_decref(root);
}
