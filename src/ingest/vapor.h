/* vapor.h — Vapor Trail style "/add?host=dev&temp=21.5&door=open&gps=52.5,13.4".
 *
 * Parses a URL query string (percent- and '+'-decoded). "host" is required
 * and becomes tag host=; "time" (any parse_time_ms form) stamps every sample;
 * "token" is ignored; every other key is a series named by the key whose
 * value is detected as number, location or string (value_detect). A bad key
 * or value is an error for that field alone (line = its 1-based position
 * in the query string). Returns 0 when host is missing (nothing added). */
#ifndef TM_VAPOR_H
#define TM_VAPOR_H
#include <stddef.h>
#include <stdint.h>

#include "../model/batch.h"

int vapor_parse(const char *query, size_t len, int64_t now_ms, tm_batch *b);
/* Percent-decode (and '+' to space) n bytes into out (at least n bytes);
 * returns the decoded length. Shared with the HTTP layer. */
size_t url_decode(const char *in, size_t n, char *out);
#endif
