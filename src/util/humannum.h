/* humannum.h — a number as a person writes it, for tables people read.
 *
 * A value that someone wrote (21.5, 1234.5678, 0.001) prints exactly: its
 * shortest form that reads back the same, when that has at most 10
 * significant digits. A computed one (an average such as
 * 38.846833333333329, or 0.1 + 0.2) is rounded: to 2 decimals from 10
 * upwards, to 4 significant digits below (3.142, 0.0001235), with trailing
 * zeros dropped. Beyond 1e15 or below 1e-6, exponent form. NaN and the
 * infinities print as "null", "inf", "-inf". */
#ifndef TM_HUMANNUM_H
#define TM_HUMANNUM_H
#include <stddef.h>

void human_number(double v, char *out, size_t n);
#endif
