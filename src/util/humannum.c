#include "humannum.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "38.8500" → "38.85", "3.000" → "3"; leaves exponent forms alone */
static void trim_zeros(char *s) {
    if (!strchr(s, '.') || strchr(s, 'e')) return;
    size_t n = strlen(s);
    while (n && s[n - 1] == '0') s[--n] = 0;
    if (n && s[n - 1] == '.') s[--n] = 0;
}

/* The shortest form with at most 10 significant digits that reads back as
 * v, written without an exponent (v is within [1e-6, 1e15)); 0 if none. */
static int short_exact(double v, char *out, size_t n) {
    for (int p = 1; p <= 10; p++) {
        snprintf(out, n, "%.*g", p, v);
        if (strtod(out, NULL) != v) continue;
        if (strchr(out, 'e')) { /* %g chose an exponent: the same digits, fixed */
            int decimals = p - 1 - (int)floor(log10(fabs(v)));
            snprintf(out, n, "%.*f", decimals > 0 ? decimals : 0, v);
            trim_zeros(out);
        }
        return 1;
    }
    return 0;
}

void human_number(double v, char *out, size_t n) {
    if (isnan(v)) {
        snprintf(out, n, "null");
        return;
    }
    if (isinf(v)) {
        snprintf(out, n, v > 0 ? "inf" : "-inf");
        return;
    }
    double a = fabs(v);
    if (a != 0 && (a >= 1e15 || a < 1e-6)) {
        snprintf(out, n, "%.4g", v);
        return;
    }
    if (short_exact(v, out, n)) return;
    /* 10 and up: 2 decimals; below: 4 significant digits */
    int decimals = a >= 10 ? 2 : 3 - (int)floor(log10(a));
    snprintf(out, n, "%.*f", decimals, v);
    trim_zeros(out);
    if (!strcmp(out, "-0")) snprintf(out, n, "0");
}
