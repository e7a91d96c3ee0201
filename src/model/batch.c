/* batch.c — the sample batch every parser fills, and the key rules. */
#include "batch.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/numparse.h"

void batch_init(tm_batch *b) { memset(b, 0, sizeof *b); }

void batch_reset(tm_batch *b) {
    b->n = 0;
    b->alen = 0;
    b->nerr = 0;
    b->refused = 0;
    b->err_line = 0;
    b->err[0] = 0;
}

void batch_free(tm_batch *b) {
    free(b->s);
    free(b->arena);
    batch_init(b);
}

/* Offsets are 32-bit; parsers bound their input far below 4 GiB, so running
 * past it is a bug, not an input error. */
static void arena_grow(tm_batch *b, size_t need) {
    size_t c = b->acap ? b->acap : 4096;
    while (c < need) c *= 2;
    if (c > UINT32_MAX) c = UINT32_MAX;
    if (need > c) abort();
    b->arena = xrealloc(b->arena, c);
    b->acap = c;
}

/* Every stored run is followed by a NUL so keys and strings can be used as C
 * strings too (their lengths stay authoritative). */
uint32_t batch_put(tm_batch *b, const char *p, size_t n) {
    size_t need = b->alen + n + 1;
    if (need > b->acap) arena_grow(b, need);
    uint32_t off = (uint32_t)b->alen;
    if (n) memcpy(b->arena + off, p, n);
    b->arena[off + n] = 0;
    b->alen = need;
    return off;
}

static tm_sample *sample_new(tm_batch *b, const char *key, size_t klen, int64_t ts, uint8_t type) {
    XGROW(b->s, b->n, b->cap, 256);
    tm_sample *s = &b->s[b->n++];
    /* Consecutive samples of one series (common in Graphite and JSON
     * batches) share the stored key instead of copying it again. */
    if (b->n > 1 && s[-1].key_len == klen && memcmp(b->arena + s[-1].key_off, key, klen) == 0)
        s->key_off = s[-1].key_off;
    else
        s->key_off = batch_put(b, key, klen);
    s->key_len = (uint32_t)klen;
    s->str_off = s->str_len = 0;
    s->ts = ts;
    s->v = s->v2 = 0;
    s->line = (uint32_t)b->line;
    s->type = type;
    return s;
}

void batch_add_number(tm_batch *b, const char *key, size_t klen, int64_t ts, double v) {
    sample_new(b, key, klen, ts, TM_NUMBER)->v = v;
}

void batch_add_string(tm_batch *b, const char *key, size_t klen, int64_t ts, const char *s, size_t slen) {
    tm_sample *x = sample_new(b, key, klen, ts, TM_STRING);
    x->str_off = batch_put(b, s, slen); /* the arena is apart: x stays valid */
    x->str_len = (uint32_t)slen;
}

void batch_add_location(tm_batch *b, const char *key, size_t klen, int64_t ts, double lat, double lon) {
    tm_sample *s = sample_new(b, key, klen, ts, TM_LOCATION);
    s->v = lat;
    s->v2 = lon;
}

void batch_error(tm_batch *b, size_t line, const char *fmt, ...) {
    b->nerr++;
    if (b->nerr > 1) return;
    b->err_line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, sizeof b->err, fmt, ap);
    va_end(ap);
}

void batch_refuse(tm_batch *b, size_t n, const char *fmt, ...) {
    b->nerr += n;
    b->refused += n;
    b->err_line = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, sizeof b->err, fmt, ap);
    va_end(ap);
}

/* ---- keys ---- */

/* Bytes >= 0x80 pass so UTF-8 names work; what is refused would break the
 * "name;k=v" form or the Graphite line form that forwards it. */
static int bad_byte(unsigned char c) { return c <= ' ' || c == ';' || c == 0x7f; }

static const char *check_part(const char *p, size_t n, int is_tagkey) {
    if (!n) return is_tagkey ? "empty tag key" : "empty tag value";
    if (!is_tagkey) return NULL; /* any byte: escaped where the key needs it (put_value) */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (bad_byte(c)) return is_tagkey ? "bad character in tag key" : "bad character in tag value";
        if (is_tagkey && (c == '=' || c == '~')) return "bad character in tag key";
    }
    return NULL;
}

static int tag_cmp(const tm_tag *a, const tm_tag *b) {
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->k, b->k, n);
    if (c) return c;
    return (a->klen > b->klen) - (a->klen < b->klen);
}

/* A tag value into the key at out[*len], escaped (batch.h); 0 when it
 * would pass limit. Plain values are copied as they are. */
static int put_value(char *out, size_t *len, size_t limit, const char *v, size_t n) {
    size_t o = *len;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        int esc = c == '\\' || c == ';' || c == 0;
        if (o + 1 + (size_t)esc > limit) return 0;
        if (esc) out[o++] = '\\';
        out[o++] = c ? c : '0';
    }
    *len = o;
    return 1;
}

size_t tag_value(const char *v, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '\\' && i + 1 < n && (v[i + 1] == '\\' || v[i + 1] == ';' || v[i + 1] == '0')) {
            i++;
            out[o++] = v[i] == '0' ? 0 : v[i];
        } else {
            out[o++] = v[i];
        }
    }
    return o;
}

size_t key_display(const char *key, size_t klen, char *out) {
    tm_tag t[TM_KEY_MAX / 4];
    size_t nlen, nt = key_split(key, klen, &nlen, t, TM_KEY_MAX / 4), o = nlen;
    memcpy(out, key, nlen);
    for (size_t i = 0; i < nt; i++) {
        out[o++] = ';';
        memcpy(out + o, t[i].k, t[i].klen);
        o += t[i].klen;
        out[o++] = '=';
        o += tag_value(t[i].v, t[i].vlen, out + o);
    }
    return o;
}

/* Each tag costs at least ";k=v", so more than this can never fit. */
#define MAX_TAGS (TM_KEY_MAX / 4)

int key_canon(const char *name, size_t nlen, const tm_tag *tags, size_t ntags, char *out, size_t cap,
              const char **why) {
    const char *dummy;
    if (!why) why = &dummy;
    if (!nlen) return *why = "empty name", -1;
    for (size_t i = 0; i < nlen; i++)
        if (bad_byte((unsigned char)name[i])) return *why = "bad character in name", -1;
    if (ntags > MAX_TAGS) return *why = "too many tags", -1;
    size_t limit = cap < TM_KEY_MAX ? cap : TM_KEY_MAX;
    if (nlen > limit) return *why = "key too long", -1;

    /* Stable insertion sort of indices: tag lists are short, and stability
     * lets the last of a repeated key win below. */
    uint16_t idx[MAX_TAGS];
    for (size_t i = 0; i < ntags; i++) {
        const char *e = check_part(tags[i].k, tags[i].klen, 1);
        if (!e) e = check_part(tags[i].v, tags[i].vlen, 0);
        if (e) return *why = e, -1;
        size_t j = i;
        while (j > 0 && tag_cmp(&tags[idx[j - 1]], &tags[i]) > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = (uint16_t)i;
    }
    memcpy(out, name, nlen);
    size_t len = nlen;
    for (size_t i = 0; i < ntags; i++) {
        if (i + 1 < ntags && tag_cmp(&tags[idx[i]], &tags[idx[i + 1]]) == 0) continue;
        const tm_tag *t = &tags[idx[i]];
        if (len + 2 + t->klen + t->vlen > limit) return *why = "key too long", -1;
        out[len++] = ';';
        memcpy(out + len, t->k, t->klen);
        len += t->klen;
        out[len++] = '=';
        if (!put_value(out, &len, limit, t->v, t->vlen)) return *why = "key too long", -1;
    }
    if (len < cap) out[len] = 0;
    return (int)len;
}

size_t key_split(const char *key, size_t klen, size_t *nlen, tm_tag *tags, size_t max) {
    const char *end = key + klen;
    const char *p = memchr(key, ';', klen);
    if (!p) p = end;
    *nlen = (size_t)(p - key);
    size_t n = 0;
    while (p < end && n < max) {
        const char *s = p + 1;
        /* tag keys hold neither ';' nor '=', so the value begins at the
         * first '=' and ends at the first ';' a backslash does not escape */
        const char *e = memchr(s, ';', (size_t)(end - s));
        if (!e) e = end;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (!eq) eq = e; /* not canonical; keep it as a key without value */
        for (const char *q = eq; q < e; q++) {
            if (*q != '\\') continue;
            if (++q >= end) break;
            if (q >= e) { /* an escaped ';': the value goes on */
                e = memchr(q + 1, ';', (size_t)(end - q - 1));
                if (!e) e = end;
            }
        }
        tags[n].k = s;
        tags[n].klen = (size_t)(eq - s);
        tags[n].v = eq < e ? eq + 1 : e;
        tags[n].vlen = (size_t)(e - tags[n].v);
        n++;
        p = e;
    }
    return n;
}

/* ---- values ---- */

/* numparse's grammar is strtod's minus what strtod also takes that no user
 * means as a number here: leading blanks, hex floats, "nan(...)". A "nan"
 * is a number (NaN) here, as strtod reads it. */
static int to_number(const char *p, size_t n, double *v) { return parse_number(p, p + n, v) != NUM_BAD; }

int value_detect(const char *p, size_t n, double *v, double *v2) {
    if (to_number(p, n, v)) return TM_NUMBER;
    const char *comma = memchr(p, ',', n);
    if (comma) {
        double lat, lon;
        size_t a = (size_t)(comma - p);
        if (to_number(p, a, &lat) && to_number(comma + 1, n - a - 1, &lon) && location_ok(lat, lon)) {
            *v = lat;
            *v2 = lon;
            return TM_LOCATION;
        }
    }
    return TM_STRING;
}
