/* glob.h — Graphite path globs: '*', '?', '[a-z]', '[!x]', '{a,b}'; none
 * of them ever matches a '.', so "a.*" matches "a.b" but not "a.b.c". */
#ifndef TM_GLOB_H
#define TM_GLOB_H
#include <stddef.h>
int glob_match(const char *pat, size_t plen, const char *s, size_t slen);
/* The same, the pattern compiled once for many strings (the name tree
 * matches one segment against every child of a node). */
typedef struct glob_prog glob_prog;
glob_prog *glob_compile(const char *pat, size_t plen);
int glob_exec(const glob_prog *g, const char *s, size_t slen);
void glob_free(glob_prog *g);
/* The literal bytes every match begins with (*pre: the pattern's own): their count. */
size_t glob_prefix(const glob_prog *g, const char **pre);
int glob_is_pattern(const char *pat, size_t plen); /* any wildcard at all? */
#endif
