/* chunk_v1_fill.h — the columns behind the checked-in version-1 chunk blobs
 * (chunk_v1_blobs.h): one deterministic fill per kind of chunk, shared by
 * the generator that wrote the blobs with the codec of commit ac271b3
 * (tests/unit/gen_chunk_v1.c) and by test_chunk_compat.c, which decodes them
 * with today's codec. Changing a fill invalidates the blobs: never do it. */
#ifndef TM_CHUNK_V1_FILL_H
#define TM_CHUNK_V1_FILL_H
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/chunk.h"
#include "model/batch.h"

#define GOLD_KINDS 10

static uint64_t gold_rng(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void gold_fill(tm_cols *c, int kind) {
    static const int types[GOLD_KINDS] = {TM_NUMBER, TM_NUMBER, TM_NUMBER, TM_NUMBER, TM_NUMBER,
                                          TM_NUMBER, TM_LOCATION, TM_STRING, TM_ROLLUP, TM_NUMBER};
    static const size_t ns[GOLD_KINDS] = {360, 512, 300, 200, 360, 360, 50, 40, 256, 100};
    uint64_t s = 0x9E3779B97F4A7C15ULL + (uint64_t)kind;
    cols_alloc(c, types[kind], ns[kind]);
    int64_t m = 5000, t = 1700000000000LL;
    for (size_t i = 0; i < c->n; i++) {
        uint64_t r = gold_rng(&s);
        c->ts[i] = kind == 9 ? (t += (int64_t)(r % 20000)) : 1700000000000LL + 10000 * (int64_t)i;
        switch (kind) {
        case 0: /* two-decimal random walk */
            m += (int64_t)(r % 401) - 200;
            c->v[i] = (double)m / 100;
            break;
        case 1: /* counter */
            m += (int64_t)(r % 5000);
            c->v[i] = (double)m;
            break;
        case 2: /* a ramp with small wiggles: delta-of-delta */
            c->v[i] = (double)(1000 + 37 * (int64_t)i + (int64_t)(r % 3)) / 10;
            break;
        case 3: /* not decimal, a NaN now and then: Gorilla */
            c->v[i] = i % 17 ? (double)(r % 1000) / 3.0 : NAN;
            break;
        case 4: /* near constant */
            c->v[i] = r % 20 ? 2350 : 2400;
            break;
        case 5: /* slow large integers */
            if (r % 10 == 0) m += (int64_t)(r >> 40) - (1 << 23);
            c->v[i] = (double)(m * 1000);
            break;
        case 6:
            c->v[i] = 52.520008 + (double)(r % 1000) / 1e6;
            c->v2[i] = i == 7 ? -0.0 : 13.404954 - (double)(r % 777) / 1e6;
            break;
        case 7: {
            char b[64] = "";
            if (i % 3) snprintf(b, sizeof b, "deploy finished: version=1.%u", (unsigned)(r % 4));
            c->str[i] = strdup(b);
            break;
        }
        case 8: {
            double a = (double)(r % 10000) / 100, b2 = a + (double)((r >> 20) % 1000) / 100;
            c->ts[i] = 1700000000000LL + 300000 * (int64_t)i;
            c->v[i] = a;
            c->v2[i] = b2;
            c->cnt[i] = (double)(1 + (r >> 32) % 30);
            c->sum[i] = (a + b2) / 2 * c->cnt[i];
            c->last[i] = b2;
            c->lt[i] = c->ts[i] + (int64_t)((r >> 12) % 300000);
            break;
        }
        case 9: /* irregular timestamps, integer values */
            c->v[i] = (double)(r % 100);
            break;
        }
    }
}
#endif
