/* numparse.h — the one decimal number parser of the text protocols.
 *
 * parse_number reads the whole of [p, e) (no NUL needed) as
 *   [+-] digits [. digits] [(e|E) [+-] digits]   (at least one mantissa digit)
 * or, after the optional sign, "nan", "inf" or "infinity" in any case (".inf"
 * and "nan(...)" are no numbers). The value is the correctly rounded double,
 * bit for bit what strtod gives: exact without strtod for up to 19
 * significant digits and a small exponent, strtod otherwise. Overflow gives
 * ±inf as strtod does, so a caller that wants finite values checks isfinite.
 * Returns NUM_BAD, NUM_OK, or NUM_NAN for "nan" (*out then a NaN carrying
 * the sign written). Callers narrow the grammar by what they hand it.
 *
 * Inline because Graphite and Influx call it for every value: a call across
 * files cost them 3-4% of their throughput. */
#ifndef TM_NUMPARSE_H
#define TM_NUMPARSE_H
#include <stdint.h>

enum { NUM_BAD = 0, NUM_OK = 1, NUM_NAN = 2 };

static inline int parse_number(const char *p, const char *e, double *out);

/* ---- the rest is parse_number's inside ---- */

/* Every power of ten up to 1e22 is exact in a double, so one multiply or
 * divide by it of an integer up to 2^53 rounds exactly once: the correctly
 * rounded result (Clinger's fast path). */
extern const double numparse_pow10[23];
/* The rare cases, out of line: "nan"/"inf" after sign neg, and strtod. */
int numparse_special(const char *p, const char *e, int neg, double *out);
double numparse_strtod(const char *p, const char *e);

static inline int parse_number(const char *p, const char *e, double *out) {
    const char *start = p;
    int neg = 0;
    if (p < e && (*p == '-' || *p == '+')) neg = *p++ == '-';
    const char *digits = p;
    uint64_t m = 0;
    int nd = 0, any = 0, trunc = 0;
    long exp = 0;
    for (; p < e && (unsigned)(*p - '0') < 10; p++) {
        unsigned d = (unsigned)(*p - '0');
        any = 1;
        if (nd < 19) {
            m = m * 10 + d;
            nd += m != 0; /* leading zeros are not significant */
        } else {
            exp++;
            trunc |= d != 0;
        }
    }
    if (p < e && *p == '.') {
        for (p++; p < e && (unsigned)(*p - '0') < 10; p++) {
            unsigned d = (unsigned)(*p - '0');
            any = 1;
            if (nd < 19) {
                m = m * 10 + d;
                nd += m != 0;
                exp--;
            } else {
                trunc |= d != 0;
            }
        }
    }
    if (!any) return p == digits ? numparse_special(p, e, neg, out) : NUM_BAD; /* ".inf" is no number */
    if (p < e && (*p | 0x20) == 'e') {
        p++;
        int eneg = 0;
        if (p < e && (*p == '-' || *p == '+')) eneg = *p++ == '-';
        if (p == e) return NUM_BAD;
        long x = 0;
        for (; p < e && (unsigned)(*p - '0') < 10; p++)
            if (x < 100000) x = x * 10 + (*p - '0');
        exp += eneg ? -x : x;
    }
    if (p != e) return NUM_BAD;
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
    } else if (!trunc && m <= (1ULL << 53) && exp >= -22 && exp <= 22) {
        double d = (double)m;
        d = exp < 0 ? d / numparse_pow10[-exp] : d * numparse_pow10[exp];
        *out = neg ? -d : d;
    } else {
        *out = numparse_strtod(start, e);
    }
    return NUM_OK;
}
#endif
