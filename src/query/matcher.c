#define PCRE2_CODE_UNIT_WIDTH 8
#include "matcher.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/batch.h"
#include "../util/buf.h"

int matcher_init(tm_matcher *m, const char *name, size_t nlen, int op, const char *val, size_t vlen, int full_anchor,
                 char *err, size_t errlen) {
    memset(m, 0, sizeof *m);
    m->name = xstrndup(name, nlen);
    m->nlen = nlen;
    m->value = xstrndup(val, vlen);
    m->vlen = vlen;
    m->op = op;
    if (op != MT_RE && op != MT_NRE) return 0;
    int code;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_ANCHORED | PCRE2_DOTALL | PCRE2_UTF | (full_anchor ? PCRE2_ENDANCHORED : 0);
    m->re = pcre2_compile((PCRE2_SPTR)val, vlen, opts, &code, &off, NULL);
    if (!m->re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "bad regex \"%.*s\" for %.*s at %zu: %s", (int)vlen, val, (int)nlen, name, (size_t)off,
                 (char *)msg);
        matcher_free(m);
        return -1;
    }
    pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE); /* best effort: the interpreter is the same answer */
    m->md = pcre2_match_data_create_from_pattern(m->re, NULL);
    return 0;
}

void matcher_free(tm_matcher *m) {
    free(m->name);
    free(m->value);
    if (m->md) pcre2_match_data_free(m->md);
    if (m->re) pcre2_code_free(m->re);
    memset(m, 0, sizeof *m);
}

int matcher_test(tm_matcher *m, const char *v, size_t n) {
    switch (m->op) {
    case MT_EQ: return n == m->vlen && !memcmp(v, m->value, n);
    case MT_NE: return !(n == m->vlen && !memcmp(v, m->value, n));
    default: {
        int rc = pcre2_match(m->re, (PCRE2_SPTR)v, n, 0, 0, m->md, NULL);
        return (rc >= 0) == (m->op == MT_RE);
    }
    }
}

int matcher_test_key(tm_matcher *m, const char *key, size_t klen) {
    tm_tag tags[64];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, 64);
    if (m->nlen == 8 && !memcmp(m->name, "__name__", 8)) return matcher_test(m, key, nlen);
    for (size_t i = 0; i < nt; i++)
        if (tags[i].klen == m->nlen && !memcmp(tags[i].k, m->name, m->nlen)) {
            char v[TM_KEY_MAX];
            return matcher_test(m, v, tag_value(tags[i].v, tags[i].vlen, v)); /* as sent */
        }
    return matcher_test(m, "", 0);
}

static int test_cb(const char *v, size_t n, void *arg) { return matcher_test(arg, v, n); }

void select_matchers(tm_index *ix, tm_matcher *m, size_t n, tm_ids *out) {
    tm_ids acc = {0}, one = {0};
    int started = 0;
    char *narrows = xcalloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++) {
        if (matcher_test(&m[i], "", 0)) continue; /* matches series without the label: cannot narrow */
        narrows[i] = 1;
        one.n = 0;
        if (m[i].op == MT_EQ) index_postings_eq(ix, m[i].name, m[i].nlen, m[i].value, m[i].vlen, &one);
        else index_postings(ix, m[i].name, m[i].nlen, test_cb, &m[i], &one);
        if (!started) {
            acc = one;
            one = (tm_ids){0};
            started = 1;
        } else {
            ids_intersect(&acc, &one);
        }
        if (!acc.n) break;
    }
    if (!started) index_all(ix, &acc);
    for (size_t at = 0; at < acc.n; at += INDEX_KEYS_CHUNK) {
        const char *key[INDEX_KEYS_CHUNK];
        size_t kl[INDEX_KEYS_CHUNK], nk = acc.n - at < INDEX_KEYS_CHUNK ? acc.n - at : INDEX_KEYS_CHUNK;
        index_keys(ix, acc.v + at, nk, key, kl);
        for (size_t k = 0; k < nk; k++) {
            int ok = key[k] != NULL;
            for (size_t i = 0; i < n && ok; i++)
                if (!narrows[i]) ok = matcher_test_key(&m[i], key[k], kl[k]);
            if (ok) ids_push(out, acc.v[at + k]);
        }
    }
    free(narrows);
    ids_free(&acc);
    ids_free(&one);
}
