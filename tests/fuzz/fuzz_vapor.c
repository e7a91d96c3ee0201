/* fuzz_vapor.c — arbitrary query strings into vapor_parse and url_decode.
 *
 * Invariants: keys are valid canonical keys tagged host=, within the arena;
 * strings are within the arena and bounded; locations are in range; no
 * host means nothing added; every field yields one sample or one error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "ingest/vapor.h"

static void check_key(const tm_batch *b, const tm_sample *s) {
    if (!s->key_len || s->key_len > TM_KEY_MAX) abort();
    if ((size_t)s->key_off + s->key_len >= b->alen) abort();
    const char *k = batch_key(b, s);
    tm_tag t[2];
    size_t nlen;
    if (key_split(k, s->key_len, &nlen, t, 2) != 1) abort();
    if (!nlen || t[0].klen != 4 || memcmp(t[0].k, "host", 4) || !t[0].vlen) abort();
    for (size_t i = 0; i < nlen; i++)
        if (fz_bad_byte((unsigned char)k[i])) abort();
    fz_escaped_value(t[0].v, t[0].vlen); /* the host as sent, escaped where the key needs it */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *q = (const char *)data;
    char *out = malloc(size + 1);
    size_t n = url_decode(q, size, out);
    if (n > size) abort();
    if (!memchr(q, '%', size) && !memchr(q, '+', size) && (n != size || memcmp(q, out, n))) abort();
    free(out);

    tm_batch b;
    batch_init(&b);
    int r = vapor_parse(q, size, 1764072000000LL, &b);
    if (r != 0 && r != 1) abort();
    if (!r && (b.n || b.nerr != 1)) abort();
    if (b.nerr && !b.err[0]) abort();
    size_t fields = 1;
    for (size_t i = 0; i < size; i++) fields += q[i] == '&';
    if (b.n + b.nerr > fields + 1) abort();
    for (size_t i = 0; i < b.n; i++) {
        const tm_sample *s = &b.s[i];
        check_key(&b, s);
        fz_value(&b, s, 1);
    }
    batch_free(&b);
    return 0;
}
