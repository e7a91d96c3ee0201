/* glob.h — Graphite path globs: '*', '?', '[a-z]', '[!x]', '{a,b}'; none
 * of them ever matches a '.', so "a.*" matches "a.b" but not "a.b.c". */
#ifndef TM_GLOB_H
#define TM_GLOB_H
#include <stddef.h>
int glob_match(const char *pat, size_t plen, const char *s, size_t slen);
int glob_is_pattern(const char *pat, size_t plen); /* any wildcard at all? */
#endif
