/* fuzz_gtarget.c — Graphite render targets (query/gparse.h) and Graphite
 * times (query/gtime.h).
 *
 * Invariants: a parsed tree is well formed (calls have a name and their
 * raw text, paths are non-empty, no node deeper than GP_MAX_DEPTH calls),
 * a refused target says why, and any time parsed stays in range. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/gparse.h"
#include "query/gtime.h"

static void check(const gnode *g, int depth) {
    if (depth > GP_MAX_DEPTH + 1) abort();
    if (g->kind == GN_PATH && (!g->s || !*g->s)) abort();
    if (g->kind == GN_CALL && (!g->s || !*g->s || !g->raw)) abort();
    if (g->kind == GN_STR && !g->s) abort();
    for (size_t i = 0; i < g->nargs; i++) {
        if (!g->args[i]) abort();
        check(g->args[i], depth + (g->kind == GN_CALL));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[256];
    err[0] = 0;
    gnode *g = gparse((const char *)data, size, err, sizeof err);
    if (g) check(g, 0);
    else if (!err[0]) abort();
    gnode_free(g);
    if (size < 200) {
        char s[201];
        memcpy(s, data, size);
        s[size] = 0;
        int64_t t;
        if (gtime_parse(s, 1764072000, &t) && (t > 1000000000000000LL || t < -1000000000000000LL)) abort();
    }
    return 0;
}
