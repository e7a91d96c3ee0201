#include "gagg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/sort.h"

static const struct {
    const char *name;
    int f;
} NAMES[] = {{"average", GA_AVG}, {"avg", GA_AVG},     {"avg_zero", GA_AVG_ZERO}, {"median", GA_MEDIAN},
             {"sum", GA_SUM},     {"total", GA_SUM},   {"min", GA_MIN},           {"max", GA_MAX},
             {"diff", GA_DIFF},   {"stddev", GA_STDDEV}, {"count", GA_COUNT},     {"range", GA_RANGE},
             {"rangeOf", GA_RANGE}, {"multiply", GA_MULTIPLY}, {"last", GA_LAST}, {"current", GA_LAST}};

int gagg_parse(const char *name) {
    for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++)
        if (!strcmp(NAMES[i].name, name)) return NAMES[i].f;
    return -1;
}

int gxff(const double *row, size_t n, double xff) {
    size_t nn = 0;
    for (size_t i = 0; i < n; i++) nn += !isnan(row[i]);
    return nn && n && (double)nn / (double)n >= xff;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double gagg(const double *row, size_t n, int f) {
    double sum = 0, mn = INFINITY, mx = -INFINITY, last = NAN, first = NAN, diff = 0;
    size_t nn = 0;
    for (size_t i = 0; i < n; i++) {
        double x = row[i];
        if (isnan(x)) {
            if (f == GA_MULTIPLY) return NAN;
            continue;
        }
        sum += x;
        if (!nn) first = x, diff = x;
        else diff += x * -1;
        if (x < mn) mn = x;
        if (x > mx) mx = x;
        last = x;
        nn++;
    }
    if (f == GA_AVG_ZERO) return n ? sum / (double)n : NAN;
    if (!nn) return NAN;
    switch (f) {
    case GA_AVG: return sum / (double)nn;
    case GA_SUM: return sum;
    case GA_MIN: return mn;
    case GA_MAX: return mx;
    case GA_DIFF: return diff;
    case GA_COUNT: return (double)nn;
    case GA_RANGE: return mx - mn;
    case GA_LAST: return last;
    case GA_MULTIPLY: {
        double p = row[0];
        for (size_t i = 1; i < n; i++) p *= row[i];
        return p;
    }
    case GA_STDDEV: {
        double avg = sum / (double)nn, s = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(row[i])) s += (row[i] - avg) * (row[i] - avg);
        return sqrt(s / (double)nn);
    }
    case GA_MEDIAN: {
        double *v = xmalloc(nn * sizeof *v);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(row[i])) v[k++] = row[i];
        sort_n(v, k, sizeof *v, cmp_d);
        double m = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
        free(v);
        return m;
    }
    default: (void)first; return NAN;
    }
}
