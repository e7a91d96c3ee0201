/* fuzz_jsondata.c — arbitrary bodies into jsondata_parse.
 *
 * Invariants: keys are valid canonical keys within the arena; strings are
 * within the arena and bounded; locations in range; times in range; an
 * error always carries a message and a 1-based line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "ingest/jsondata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tm_batch b;
    batch_init(&b);
    jsondata_parse((const char *)data, size, &b);
    if (b.nerr && (!b.err[0] || !b.err_line)) abort();
    if (!b.n && !b.nerr) {
        /* Nothing and no complaint: only an empty array does that. */
        size_t i = 0;
        while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) i++;
        if (i >= size || data[i] != '[') abort();
    }
    for (size_t i = 0; i < b.n; i++) {
        const tm_sample *s = &b.s[i];
        fz_plain_key(&b, s);
        if (s->ts != TM_TS_NOW && (s->ts > 253402300800000LL || s->ts < -253402300800000LL)) abort();
        fz_value(&b, s, 0);
    }
    batch_free(&b);
    return 0;
}
