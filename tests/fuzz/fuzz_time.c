/* fuzz_time.c — durations, times, retention specs and globs.
 *
 * The input is split at its first NUL (else in half): the first part is
 * parsed as each kind of text, and matched as a glob against the second.
 * Invariants: results in range; "-" + duration is now minus it; retention
 * archives well-ordered; globs made only of literals, '?' and '*' agree
 * with a plain dynamic-programming matcher. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/glob.h"
#include "util/timeparse.h"

#define NOW 1764072000000LL
#define TIME_MAX 253402300800000LL

static void check_time(const char *a, size_t n) {
    int64_t d = -1, t;
    if (parse_duration_ms(a, n, &d) && d < 0) abort();
    if (parse_time_ms(a, n, NOW, &t) && (t > TIME_MAX || t < -TIME_MAX)) abort();
    if (d >= 0 && d < TIME_MAX / 2 && n < 256) {
        char rel[260];
        rel[0] = '-';
        memcpy(rel + 1, a, n);
        if (!parse_time_ms(rel, n + 1, NOW, &t) || t != NOW - d) abort();
    }
}

static void check_retention(const char *a, size_t n) {
    char *s = malloc(n + 1);
    memcpy(s, a, n);
    s[n] = 0;
    int64_t step[8], keep[8];
    size_t k = parse_retention(s, step, keep, 8);
    if (k > 8) abort();
    for (size_t i = 0; i < k; i++) {
        if (step[i] <= 0 || keep[i] < step[i]) abort();
        if (i && (step[i] <= step[i - 1] || step[i] % step[i - 1] || keep[i] <= keep[i - 1])) abort();
    }
    free(s);
}

/* Reference for patterns of literals, '?' and '*' only. */
static int ref_match(const char *p, size_t pn, const char *s, size_t sn) {
    char *row = calloc(sn + 1, 1), *nxt = calloc(sn + 1, 1);
    row[0] = 1;
    for (size_t j = 1; j <= sn; j++) row[j] = 0;
    for (size_t i = 0; i < pn; i++) {
        memset(nxt, 0, sn + 1);
        for (size_t j = 0; j <= sn; j++) {
            if (p[i] == '*') {
                nxt[j] = row[j] || (j && nxt[j - 1] && s[j - 1] != '.');
            } else if (j) {
                int ok = p[i] == '?' ? s[j - 1] != '.' : p[i] == s[j - 1];
                nxt[j] = ok && row[j - 1];
            }
        }
        char *t = row;
        row = nxt;
        nxt = t;
    }
    int r = row[sn];
    free(row);
    free(nxt);
    return r;
}

static void check_glob(const char *p, size_t pn, const char *s, size_t sn) {
    int m = glob_match(p, pn, s, sn);
    if (m != 0 && m != 1) abort();
    int special = 0, simple = 1;
    for (size_t i = 0; i < pn; i++) {
        if (strchr("*?[{", p[i]) && p[i]) special = 1;
        if ((p[i] == '[' || p[i] == '{') && p[i]) simple = 0;
    }
    if (!special && m != (pn == sn && !memcmp(p, s, pn))) abort();
    if (glob_is_pattern(p, pn) && !special) abort();
    if (!special && !glob_match(p, pn, p, pn)) abort();
    if (simple && pn <= 2048 && m != ref_match(p, pn, s, sn)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *in = (const char *)data;
    const char *z = memchr(in, 0, size);
    size_t an = z ? (size_t)(z - in) : size / 2;
    const char *b = in + an + (z ? 1 : 0);
    size_t bn = size - (size_t)(b - in);
    check_time(in, an);
    check_retention(in, an);
    check_glob(in, an, b, bn);
    return 0;
}
