/* jsondata.h — POST /api/v1/data: one object or an array of them,
 * {"metric":"foo.bar","value":52.88,"time":1700000000,"tags":{"host":"a"}}.
 *
 * value: number, string, or [lat, lon] (or a string "lat,lon"); time: Unix
 * seconds (number, fractional ok) or a time string, optional. A bad element
 * is an error with line = its 1-based position in the array (1 for a lone
 * object); the other elements are kept. Malformed JSON is one error, line 1
 * or the parser's line. */
#ifndef TM_JSONDATA_H
#define TM_JSONDATA_H
#include <stddef.h>

#include "../model/batch.h"

void jsondata_parse(const char *body, size_t len, tm_batch *b);
#endif
