/* jsonvalue.h — one JSON value as one sample, read alike by POST
 * /api/v1/data and a Pulse relay's "got {...}".
 *
 * A number is a number, true/false are 1/0, [lat, lon] (two numbers, in
 * range) is a location, a string is what value_detect makes of it (number,
 * "lat,lon" location, else a string event of 1..TM_STR_MAX bytes without
 * NUL). jv_add returns JV_OK with the sample added to b, or what was wrong
 * with nothing added: the callers word the reasons for their own users and
 * decide what null means. */
#ifndef TM_JSONVALUE_H
#define TM_JSONVALUE_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../model/batch.h"

enum jv_result {
    JV_OK,
    JV_NULL,  /* JSON null: nothing added */
    JV_TYPE,  /* an object, or no value at all (v NULL) */
    JV_ARRAY, /* an array but not [number, number] */
    JV_RANGE, /* a location outside lat [-90,90], lon [-180,180] */
    JV_EMPTY, /* "" */
    JV_LONG,  /* a string event longer than TM_STR_MAX */
    JV_NUL,   /* a string event holding a NUL byte */
    JV_NRESULTS
};

int jv_add(const json_t *v, const char *key, size_t klen, int64_t ts, tm_batch *b);
#endif
