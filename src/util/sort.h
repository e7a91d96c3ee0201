/* sort.h — qsort and qsort_r for arrays that may be empty: with fewer than
 * two elements (base possibly NULL) nothing is called, since handing qsort a
 * NULL base is undefined behaviour even for n = 0 (UBSan reports it). */
#ifndef TM_SORT_H
#define TM_SORT_H
#include <stddef.h>
#include <stdlib.h>

static inline void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
    if (n > 1) qsort(base, n, size, cmp);
}

static inline void sort_r(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
                          void *arg) {
    if (n > 1) qsort_r(base, n, size, cmp, arg);
}
#endif
