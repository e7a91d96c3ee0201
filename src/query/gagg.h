/* gagg.h — graphite-web's aggregation functions (functions/aggfuncs.py and
 * safe.py) over one row of values, NaN for None, exactly as it computes them
 * (multiply is None when any value is; stddev is the two-pass population
 * deviation; diff is the first minus the rest). */
#ifndef TM_GAGG_H
#define TM_GAGG_H
#include <stddef.h>

enum { GA_AVG, GA_AVG_ZERO, GA_MEDIAN, GA_SUM, GA_MIN, GA_MAX, GA_DIFF, GA_STDDEV, GA_COUNT, GA_RANGE, GA_MULTIPLY,
       GA_LAST, GA_N };
/* average avg avg_zero median sum total min max diff stddev count range rangeOf multiply last current; -1 */
int gagg_parse(const char *name);
double gagg(const double *row, size_t n, int f);
/* graphite's xff(): some value, and nonNull/total >= xff */
int gxff(const double *row, size_t n, double xff);
#endif
