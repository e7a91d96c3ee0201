/* matcher.h — label matchers (`=`, `!=`, `=~`, `!~`) and the selection of
 * series through the postings (index.h).
 *
 * A regex is PCRE2, anchored at the start always and at the end when
 * full_anchor (PromQL anchors both ends; Graphite's seriesByTag only the
 * start, as Python's re.match). A series without the label has the value
 * "" for it, so `x!="a"` and `x=~".*"` match series that lack x. The name is
 * the label "__name__". Selection intersects the postings of the matchers
 * that cannot match "" (each one a union over just that label's values),
 * then tests the rest on the survivors' own keys; only when no matcher
 * narrows at all does it start from every series. */
#ifndef TM_MATCHER_H
#define TM_MATCHER_H
#include <stddef.h>

#include "ids.h"
#include "index.h"

enum { MT_EQ, MT_NE, MT_RE, MT_NRE };

typedef struct tm_matcher_s {
    char *name, *value;
    size_t nlen, vlen;
    int op;
    void *re; /* pcre2_code */
    void *md; /* pcre2_match_data */
} tm_matcher;

/* 0, or -1 with a message naming the bad regex in err. */
int matcher_init(tm_matcher *m, const char *name, size_t nlen, int op, const char *val, size_t vlen, int full_anchor,
                 char *err, size_t errlen);
void matcher_free(tm_matcher *m);
/* Does a label value ("" when the series lacks the label) pass? Not thread-safe on one matcher. */
int matcher_test(tm_matcher *m, const char *v, size_t n);
/* Does a whole series key ("name;k=v...") pass m? */
int matcher_test_key(tm_matcher *m, const char *key, size_t klen);

/* Series passing every matcher, into out (sorted). */
void select_matchers(tm_index *ix, tm_matcher *m, size_t n, tm_ids *out);
#endif
