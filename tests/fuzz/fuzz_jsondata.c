/* fuzz_jsondata.c — arbitrary bodies into jsondata_parse.
 *
 * Invariants: keys are valid canonical keys within the arena; strings are
 * within the arena and bounded; locations in range; times in range; an
 * error always carries a message and a 1-based line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/jsondata.h"

static int bad_byte(unsigned char c) { return c <= ' ' || c == ';' || c == 0x7f; }

static void check_key(const tm_batch *b, const tm_sample *s) {
    if (!s->key_len || s->key_len > TM_KEY_MAX) abort();
    if ((size_t)s->key_off + s->key_len >= b->alen) abort();
    const char *k = batch_key(b, s);
    tm_tag t[TM_KEY_MAX / 4 + 1];
    size_t nlen;
    size_t nt = key_split(k, s->key_len, &nlen, t, TM_KEY_MAX / 4 + 1);
    if (!nlen) abort();
    for (size_t i = 0; i < s->key_len; i++)
        if (k[i] != ';' && bad_byte((unsigned char)k[i])) abort();
    for (size_t i = 0; i < nt; i++) {
        if (!t[i].klen || !t[i].vlen || memchr(t[i].k, '~', t[i].klen)) abort();
        if (i) {
            size_t m = t[i].klen < t[i - 1].klen ? t[i].klen : t[i - 1].klen;
            int c = memcmp(t[i - 1].k, t[i].k, m);
            if (c > 0 || (c == 0 && t[i - 1].klen >= t[i].klen)) abort();
        }
    }
}

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
        check_key(&b, s);
        if (s->ts != TM_TS_NOW && (s->ts > 253402300800000LL || s->ts < -253402300800000LL)) abort();
        if (s->type == TM_STRING) {
            if (!s->str_len || s->str_len > TM_STR_MAX || (size_t)s->str_off + s->str_len >= b.alen) abort();
        } else if (s->type == TM_LOCATION) {
            if (!(s->v >= -90 && s->v <= 90 && s->v2 >= -180 && s->v2 <= 180)) abort();
        } else if (s->type != TM_NUMBER) {
            abort();
        }
    }
    batch_free(&b);
    return 0;
}
