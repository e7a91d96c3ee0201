/* fuzz_promql.c — arbitrary text into the PromQL parser.
 *
 * Invariants: an error is positioned ("LINE:COL: parse error: ..."), with
 * its line and column inside the input; a tree's canonical text parses
 * again to the same text (the printer and the parser agree on precedence,
 * literals and modifiers), unless its added parentheses nest too deep. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/promql.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char err[512], a1[16384], a2[16384];
    pq_expr *ar;
    pq_node *e = pq_parse((const char *)data, size, &ar, err, sizeof err);
    if (!e) {
        int line, col;
        if (sscanf(err, "%d:%d: parse error: ", &line, &col) != 2 || !strstr(err, ": parse error: ")) abort();
        if (line < 1 || col < 1 || (size_t)col > size + 1) abort();
        return 0;
    }
    pq_format(e, a1, sizeof a1);
    pq_free(ar);
    if (strlen(a1) + 1 >= sizeof a1) return 0;
    e = pq_parse(a1, strlen(a1), &ar, err, sizeof err);
    if (!e && strstr(err, "nests deeper")) return 0; /* long chains gain a paren per operator */
    if (!e) {
        fprintf(stderr, "canonical text %s does not parse: %s\n", a1, err);
        abort();
    }
    pq_format(e, a2, sizeof a2);
    pq_free(ar);
    if (strcmp(a1, a2)) {
        fprintf(stderr, "%s\n reparsed as\n%s\n", a1, a2);
        abort();
    }
    return 0;
}
