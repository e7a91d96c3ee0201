#include "sizeparse.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int parse_size(const char *s, uint64_t *bytes) {
    if (!s || !isdigit((unsigned char)*s)) return 0;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0) return 0;
    static const struct {
        const char *unit;
        double mul;
    } U[] = {{"", 1},
             {"b", 1},
             {"k", 1024.0},
             {"kb", 1024.0},
             {"kib", 1024.0},
             {"m", 1048576.0},
             {"mb", 1048576.0},
             {"mib", 1048576.0},
             {"g", 1073741824.0},
             {"gb", 1073741824.0},
             {"gib", 1073741824.0},
             {"t", 1099511627776.0},
             {"tb", 1099511627776.0},
             {"tib", 1099511627776.0}};
    for (size_t i = 0; i < sizeof U / sizeof *U; i++)
        if (!strcasecmp(end, U[i].unit)) {
            double b = v * U[i].mul;
            if (b >= 18446744073709551615.0) return 0;
            *bytes = (uint64_t)b;
            return 1;
        }
    return 0;
}
