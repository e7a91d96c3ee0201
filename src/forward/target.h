/* target.h — one forward target as the user wrote it:
 *
 *   URL [match=GLOB]... [tag=NAME:GLOB]... [bearer=TOKEN] [token=TOKEN] [user=U password=P]
 *
 * (options separated by spaces; a URL holds none). match= globs the series
 * name (any of them may match), tag= requires the tag to be present with a
 * value the glob matches (all of them must). bearer= sends
 * "Authorization: Bearer", token= InfluxDB 2's "Authorization: Token";
 * user:password@ in the URL or user=/password= send basic auth. A Graphite
 * target is HOST:PORT. */
#ifndef TM_TARGET_H
#define TM_TARGET_H
#include <stddef.h>

#include "../util/buf.h"

enum { FWD_PROM, FWD_INFLUX, FWD_GRAPHITE, FWD_NKIND };
extern const char *const fwd_kind_names[FWD_NKIND];

typedef struct {
    int kind;
    char *url;    /* what is dialled (Influx: with precision=ms added) */
    char *label;  /* for /metrics and logs: the URL without its password */
    char *bearer, *token, *user, *password;
    char **match; /* name globs */
    size_t nmatch;
    char **tagk, **tagv; /* tag filters */
    size_t ntag;
} tm_target_spec;

/* 0, or -1 with a message (unknown option, bad URL). */
int target_parse(int kind, const char *spec, tm_target_spec *t, char *err, size_t errlen);
void target_free(tm_target_spec *t);
/* Does the series (canonical key, its type) go to this target? */
int target_wants(const tm_target_spec *t, const char *key, size_t klen, int type);
/* Any of n name globs matches (n == 0: all). */
int globs_match(char *const *globs, size_t n, const char *name, size_t nlen);
#endif
