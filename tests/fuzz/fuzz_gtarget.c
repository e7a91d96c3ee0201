/* fuzz_gtarget.c — Graphite render targets (query/gparse.h), Graphite
 * times (query/gtime.h), in UTC and in a zone, and zone names (util/tzone.h).
 *
 * Invariants: a parsed tree is well formed (calls have a name and their
 * raw text, paths are non-empty, no node deeper than GP_MAX_DEPTH calls),
 * a refused target says why, any time parsed stays in years 1..9999 and
 * in a zone lies within a day of its UTC reading; a zone found is a file
 * under /usr/share/zoneinfo, never reached through ".."; the input read as
 * a zone file (TZif) is refused or answers offsets it holds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/gparse.h"
#include "query/gtime.h"
#include "util/tzone.h"

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

/* the input as a zone file: read or refused, and a zone read answers
 * offsets it has and instants near the wall clocks asked */
static void check_zone_file(const uint8_t *data, size_t size) {
    static tm_tz z;
    if (!tz_load(data, size, &z)) return;
    if (z.n > TZ_MAX_CHANGES + 1) abort();
    static const int64_t walls[] = {-5364662400LL, 0, 1711848600, 1729992600, 2224753200LL};
    for (size_t i = 0; i < sizeof walls / sizeof *walls; i++) {
        int64_t t = tz_localize(&z, walls[i]), d = t - walls[i];
        if (d > 2147483648LL + 86400 || d < -2147483648LL - 86400) abort();
        int dst;
        int32_t off = tz_offset(&z, t, &dst);
        int known = !z.n && off == z.fixed_off;
        for (size_t k = 0; k < z.n && !known; k++) known = z.off[k] == off;
        if (!known) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_zone_file(data, size);
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
        int64_t t, tz_t;
        int ok = gtime_parse(s, 1764072000, &t);
        if (ok && (t > 253402300799LL || t < -62135596800LL)) abort();
        static tm_tz berlin;
        if (!berlin.file[0] && !tz_find("Europe/Berlin", &berlin)) abort();
        /* a zone moves a reference by its offset only: it can push one out of range, no more */
        int in_range = ok && t > -62135596800LL + 2 * 86400 && t < 253402300799LL - 2 * 86400;
        if (gtime_parse_tz(s, 1764072000, &berlin, &tz_t) != ok && in_range) abort();
        if (ok && in_range && (tz_t - t > 86400 || t - tz_t > 86400)) abort();
        tm_tz z;
        int found = tz_find(s, &z); /* "UTC" is found with no file */
        if (found && z.file[0] && (strncmp(z.file, "/usr/share/zoneinfo/", 20) || strstr(z.file, "/../"))) abort();
    }
    return 0;
}
