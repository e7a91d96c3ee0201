/* jsonw.h — writing JSON straight into a buffer (answers can hold millions
 * of points; building a tree first would cost more than the query).
 * Numbers that JSON cannot hold (NaN, ±Inf) are written as null. */
#ifndef TM_JSONW_H
#define TM_JSONW_H
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

void json_put_string(tm_buf *b, const char *s, size_t n);
/* The inside of a string, no quotes: a string written in pieces. */
void json_put_chars(tm_buf *b, const char *s, size_t n);
void json_put_number(tm_buf *b, double v);      /* shortest form that reads back exactly */
void json_put_time(tm_buf *b, int64_t ms);      /* Unix seconds, fractional below one second */
/* "tags" of a canonical key as a JSON object {"k":"v",...} */
void json_put_tags(tm_buf *b, const char *key, size_t klen);
#endif
