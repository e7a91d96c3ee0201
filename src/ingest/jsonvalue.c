/* jsonvalue.c — a JSON value into the batch (jsonvalue.h). */
#include "jsonvalue.h"

#include <string.h>

static int add_string(const char *s, size_t n, const char *key, size_t klen, int64_t ts, tm_batch *b) {
    double x, y;
    switch (value_detect(s, n, &x, &y)) {
    case TM_NUMBER: batch_add_number(b, key, klen, ts, x); return JV_OK;
    case TM_LOCATION: batch_add_location(b, key, klen, ts, x, y); return JV_OK;
    default:
        if (!n) return JV_EMPTY;
        if (n > TM_STR_MAX) return JV_LONG;
        if (memchr(s, 0, n)) return JV_NUL;
        batch_add_string(b, key, klen, ts, s, n);
        return JV_OK;
    }
}

int jv_add(const json_t *v, const char *key, size_t klen, int64_t ts, tm_batch *b) {
    if (json_is_null(v)) return JV_NULL;
    if (json_is_number(v)) {
        batch_add_number(b, key, klen, ts, json_number_value(v));
    } else if (json_is_boolean(v)) {
        /* Devices report switches as true/false; a 1/0 series charts. */
        batch_add_number(b, key, klen, ts, json_is_true(v) ? 1 : 0);
    } else if (json_is_array(v)) {
        const json_t *a = json_array_get(v, 0), *o = json_array_get(v, 1);
        if (json_array_size(v) != 2 || !json_is_number(a) || !json_is_number(o)) return JV_ARRAY;
        double lat = json_number_value(a), lon = json_number_value(o);
        if (!location_ok(lat, lon)) return JV_RANGE;
        batch_add_location(b, key, klen, ts, lat, lon);
    } else if (json_is_string(v)) {
        return add_string(json_string_value(v), json_string_length(v), key, klen, ts, b);
    } else {
        return JV_TYPE;
    }
    return JV_OK;
}
