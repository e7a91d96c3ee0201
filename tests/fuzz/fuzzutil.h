/* fuzzutil.h — the invariants several fuzz targets check on a batch; each
 * aborts (libFuzzer's crash) when one fails. Header only, static inline:
 * every fuzz target stays one file and uses what it needs.
 *
 * fz_canon_key: a key as key_canon writes it (Graphite, Influx): within the
 *   arena and NUL-terminated, a name and tag keys free of the bytes a key
 *   cannot hold, values escaped as batch.h says, tags sorted with no key
 *   twice. Returns the name's length.
 * fz_plain_key: the looser check of the JSON and remote write targets.
 * fz_value: a sample's value: a number, a location in range, or a string
 *   of 1..TM_STR_MAX bytes within the arena (with no_nul, holding no NUL). */
#ifndef TM_FUZZUTIL_H
#define TM_FUZZUTIL_H
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model/batch.h"

#define FZ_TAGS (TM_KEY_MAX / 4 + 1)

static inline int fz_bad_byte(unsigned char c) { return c <= ' ' || c == ';' || c == 0x7f; }

/* s's key: 1..TM_KEY_MAX bytes inside b's arena, with a name; split. */
static inline size_t fz_key_split(const tm_batch *b, const tm_sample *s, size_t *nlen, tm_tag *t) {
    if (!s->key_len || s->key_len > TM_KEY_MAX) abort();
    if ((size_t)s->key_off + s->key_len >= b->alen) abort();
    size_t nt = key_split(batch_key(b, s), s->key_len, nlen, t, FZ_TAGS);
    if (!*nlen) abort();
    return nt;
}

/* A stored tag value: every '\\' escapes '\\', ';' or NUL ("\\0"), and no
 * ';' or NUL stands alone (key_split would have cut there). */
static inline void fz_escaped_value(const char *v, size_t n) {
    for (size_t j = 0; j < n; j++) {
        if (v[j] == ';' || v[j] == 0) abort();
        if (v[j] != '\\') continue;
        if (++j >= n || (v[j] != '\\' && v[j] != ';' && v[j] != '0')) abort();
    }
}

/* No empty tag key or value; keys ascending, so none twice. */
static inline void fz_tags_sorted(const tm_tag *t, size_t nt) {
    for (size_t i = 0; i < nt; i++) {
        if (!t[i].klen || !t[i].vlen) abort();
        if (i) {
            size_t m = t[i].klen < t[i - 1].klen ? t[i].klen : t[i - 1].klen;
            int c = memcmp(t[i - 1].k, t[i].k, m);
            if (c > 0 || (c == 0 && t[i - 1].klen >= t[i].klen)) abort();
        }
    }
}

static inline size_t fz_canon_key(const tm_batch *b, const tm_sample *s) {
    tm_tag t[FZ_TAGS];
    size_t nlen, nt = fz_key_split(b, s, &nlen, t);
    const char *k = batch_key(b, s);
    if (k[s->key_len] != 0) abort();
    for (size_t i = 0; i < nlen; i++)
        if (fz_bad_byte((unsigned char)k[i])) abort();
    for (size_t i = 0; i < nt; i++) {
        for (size_t j = 0; j < t[i].klen; j++)
            if (fz_bad_byte((unsigned char)t[i].k[j]) || t[i].k[j] == '=' || t[i].k[j] == '~') abort();
        fz_escaped_value(t[i].v, t[i].vlen);
    }
    fz_tags_sorted(t, nt);
    return nlen;
}

static inline void fz_plain_key(const tm_batch *b, const tm_sample *s) {
    tm_tag t[FZ_TAGS];
    size_t nlen, nt = fz_key_split(b, s, &nlen, t);
    const char *k = batch_key(b, s);
    for (size_t i = 0; i < nlen; i++)
        if (fz_bad_byte((unsigned char)k[i])) abort();
    for (size_t i = 0; i < nt; i++) {
        if (memchr(t[i].k, '~', t[i].klen)) abort();
        for (size_t j = 0; j < t[i].klen; j++)
            if (fz_bad_byte((unsigned char)t[i].k[j])) abort();
        fz_escaped_value(t[i].v, t[i].vlen);
    }
    fz_tags_sorted(t, nt);
}

static inline void fz_value(const tm_batch *b, const tm_sample *s, int no_nul) {
    if (s->type == TM_STRING) {
        if (!s->str_len || s->str_len > TM_STR_MAX || (size_t)s->str_off + s->str_len >= b->alen) abort();
        if (no_nul && memchr(batch_str(b, s), 0, s->str_len)) abort();
    } else if (s->type == TM_LOCATION) {
        if (!(s->v >= -90 && s->v <= 90 && s->v2 >= -180 && s->v2 <= 180)) abort();
    } else if (s->type != TM_NUMBER) {
        abort();
    }
}
#endif
