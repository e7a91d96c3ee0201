/* auth.h — does a request carry the --token?
 *
 * It may come as X-AUTH-TOKEN, "Authorization: Bearer", HTTP Basic (any
 * user, the token as password), ?token= or InfluxDB's ?p= (in the query
 * string, or in a form body the caller passes). Every candidate is taken at
 * its exact length, so an embedded NUL (?token=s3cret%00junk, a Basic
 * password "s3cret\0junk") is no match, and compared in constant time (only
 * the length can be told from the time taken). A NUL in a header line never
 * gets here: httpconn refuses the request. */
#ifndef TM_AUTH_H
#define TM_AUTH_H
#include <event2/http.h>
#include <stddef.h>

int auth_token_ok(const char *token, struct evhttp_request *req, const char *form, size_t form_len);
/* 1 when a (alen bytes) is exactly t (tlen bytes); time independent of the bytes. */
int auth_same(const char *a, size_t alen, const char *t, size_t tlen);
#endif
