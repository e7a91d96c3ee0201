/* numparse.c — parse_number's rare cases, kept out of the callers' loops. */
#include "numparse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

const double numparse_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int ieq(const char *p, const char *e, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(e - p) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != lit[i]) return 0;
    return 1;
}

int numparse_special(const char *p, const char *e, int neg, double *out) {
    if (ieq(p, e, "nan")) {
        *out = neg ? -NAN : NAN; /* signed as strtod signs it */
        return NUM_NAN;
    }
    if (ieq(p, e, "inf") || ieq(p, e, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return NUM_OK;
    }
    return NUM_BAD;
}

/* The heap only for numbers no one writes by hand. */
double numparse_strtod(const char *p, const char *e) {
    char small[512];
    size_t n = (size_t)(e - p);
    char *tmp = n < sizeof small ? small : xmalloc(n + 1);
    memcpy(tmp, p, n);
    tmp[n] = 0;
    double d = strtod(tmp, NULL);
    if (tmp != small) free(tmp);
    return d;
}
