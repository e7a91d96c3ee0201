/* promql_funcs.c — the signature of every PromQL function (Prometheus 2.42's
 * promql/parser/functions.go): argument types, how many may be left out or
 * repeated, result type. Sorted by name for pq_func_find's binary search. */
#include <string.h>

#include "promql.h"

const pq_func pq_funcs[] = {
    {"abs", PQ_F_ABS, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"absent", PQ_F_ABSENT, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"absent_over_time", PQ_F_ABSENT_OVER_TIME, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"acos", PQ_F_ACOS, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"acosh", PQ_F_ACOSH, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"asin", PQ_F_ASIN, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"asinh", PQ_F_ASINH, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"atan", PQ_F_ATAN, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"atanh", PQ_F_ATANH, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"avg_over_time", PQ_F_AVG_OVER_TIME, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"ceil", PQ_F_CEIL, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"changes", PQ_F_CHANGES, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"clamp", PQ_F_CLAMP, 3, {PQ_T_VECTOR, PQ_T_SCALAR, PQ_T_SCALAR}, 0, PQ_T_VECTOR},
    {"clamp_max", PQ_F_CLAMP_MAX, 2, {PQ_T_VECTOR, PQ_T_SCALAR}, 0, PQ_T_VECTOR},
    {"clamp_min", PQ_F_CLAMP_MIN, 2, {PQ_T_VECTOR, PQ_T_SCALAR}, 0, PQ_T_VECTOR},
    {"cos", PQ_F_COS, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"cosh", PQ_F_COSH, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"count_over_time", PQ_F_COUNT_OVER_TIME, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"day_of_month", PQ_F_DAY_OF_MONTH, 1, {PQ_T_VECTOR}, 1, PQ_T_VECTOR},
    {"day_of_week", PQ_F_DAY_OF_WEEK, 1, {PQ_T_VECTOR}, 1, PQ_T_VECTOR},
    {"day_of_year", PQ_F_DAY_OF_YEAR, 1, {PQ_T_VECTOR}, 1, PQ_T_VECTOR},
    {"days_in_month", PQ_F_DAYS_IN_MONTH, 1, {PQ_T_VECTOR}, 1, PQ_T_VECTOR},
    {"deg", PQ_F_DEG, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"delta", PQ_F_DELTA, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"deriv", PQ_F_DERIV, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"exp", PQ_F_EXP, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"floor", PQ_F_FLOOR, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"histogram_quantile", PQ_F_HISTOGRAM_QUANTILE, 2, {PQ_T_SCALAR, PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"holt_winters", PQ_F_HOLT_WINTERS, 3, {PQ_T_MATRIX, PQ_T_SCALAR, PQ_T_SCALAR}, 0, PQ_T_VECTOR},
    {"hour", PQ_F_HOUR, 1, {PQ_T_VECTOR}, 1, PQ_T_VECTOR},
    {"idelta", PQ_F_IDELTA, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"increase", PQ_F_INCREASE, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"irate", PQ_F_IRATE, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"label_join", PQ_F_LABEL_JOIN, 4, {PQ_T_VECTOR, PQ_T_STRING, PQ_T_STRING, PQ_T_STRING}, -1, PQ_T_VECTOR},
    {"label_replace", PQ_F_LABEL_REPLACE, 5, {PQ_T_VECTOR, PQ_T_STRING, PQ_T_STRING, PQ_T_STRING, PQ_T_STRING}, 0, PQ_T_VECTOR},
    {"last_over_time", PQ_F_LAST_OVER_TIME, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"ln", PQ_F_LN, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"log10", PQ_F_LOG10, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"log2", PQ_F_LOG2, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"max_over_time", PQ_F_MAX_OVER_TIME, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"min_over_time", PQ_F_MIN_OVER_TIME, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"minute", PQ_F_MINUTE, 1, {PQ_T_VECTOR}, 1, PQ_T_VECTOR},
    {"month", PQ_F_MONTH, 1, {PQ_T_VECTOR}, 1, PQ_T_VECTOR},
    {"pi", PQ_F_PI, 0, {0}, 0, PQ_T_SCALAR},
    {"predict_linear", PQ_F_PREDICT_LINEAR, 2, {PQ_T_MATRIX, PQ_T_SCALAR}, 0, PQ_T_VECTOR},
    {"present_over_time", PQ_F_PRESENT_OVER_TIME, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"quantile_over_time", PQ_F_QUANTILE_OVER_TIME, 2, {PQ_T_SCALAR, PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"rad", PQ_F_RAD, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"rate", PQ_F_RATE, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"resets", PQ_F_RESETS, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"round", PQ_F_ROUND, 2, {PQ_T_VECTOR, PQ_T_SCALAR}, 1, PQ_T_VECTOR},
    {"scalar", PQ_F_SCALAR, 1, {PQ_T_VECTOR}, 0, PQ_T_SCALAR},
    {"sgn", PQ_F_SGN, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"sin", PQ_F_SIN, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"sinh", PQ_F_SINH, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"sort", PQ_F_SORT, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"sort_desc", PQ_F_SORT_DESC, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"sqrt", PQ_F_SQRT, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"stddev_over_time", PQ_F_STDDEV_OVER_TIME, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"stdvar_over_time", PQ_F_STDVAR_OVER_TIME, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"sum_over_time", PQ_F_SUM_OVER_TIME, 1, {PQ_T_MATRIX}, 0, PQ_T_VECTOR},
    {"tan", PQ_F_TAN, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"tanh", PQ_F_TANH, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"time", PQ_F_TIME, 0, {0}, 0, PQ_T_SCALAR},
    {"timestamp", PQ_F_TIMESTAMP, 1, {PQ_T_VECTOR}, 0, PQ_T_VECTOR},
    {"vector", PQ_F_VECTOR, 1, {PQ_T_SCALAR}, 0, PQ_T_VECTOR},
    {"year", PQ_F_YEAR, 1, {PQ_T_VECTOR}, 1, PQ_T_VECTOR},
};
const size_t pq_nfuncs = sizeof pq_funcs / sizeof pq_funcs[0];

const pq_func *pq_func_find(const char *name, size_t n) {
    size_t lo = 0, hi = pq_nfuncs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(pq_funcs[mid].name, name, n);
        if (!c && pq_funcs[mid].name[n]) c = 1;
        if (!c) return &pq_funcs[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}
