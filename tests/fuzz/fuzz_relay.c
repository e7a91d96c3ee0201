/* fuzz_relay.c — arbitrary bytes, split into lines as the listener does,
 * into relay_parse_line, carrying the relay's id across lines as the
 * listener does.
 *
 * Invariants: every command is one of the enum; RC_BAD has a reason;
 * RC_ID/RC_ADD/RC_REMOVE name a valid name inside the line; only "got"
 * adds samples, and each is "STAT;relay=ID" for the current id with a
 * valid stat name, stamped with the given time and line; strings are
 * bounded and non-empty, locations in range; errors name their line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "ingest/relay.h"

#define TS 1700000000000LL

static void check_sample(const tm_batch *b, const tm_sample *s, const char *id, size_t idlen, size_t lineno) {
    if ((size_t)s->key_off + s->key_len >= b->alen || s->ts != TS || s->line != lineno) abort();
    const char *k = batch_key(b, s);
    tm_tag t[4];
    size_t nlen, nt = key_split(k, s->key_len, &nlen, t, 4);
    if (nt != 1 || !relay_name_ok(k, nlen)) abort();
    char v[TM_KEY_MAX];
    size_t vn = tag_value(t[0].v, t[0].vlen, v); /* the id as sent */
    if (t[0].klen != 5 || memcmp(t[0].k, "relay", 5) || vn != idlen || memcmp(v, id, idlen)) abort();
    fz_value(b, s, 1);
}

static void one_line(const char *p, size_t n, char *id, size_t *idlen, size_t lineno, tm_batch *b) {
    tm_relay_cmd c;
    batch_reset(b);
    relay_parse_line(p, n, *idlen ? id : NULL, *idlen, TS, lineno, b, &c);
    if (c.cmd < RC_NONE || c.cmd > RC_BAD) abort();
    if (c.cmd == RC_BAD && (!c.err || !*c.err)) abort();
    if (c.cmd == RC_ID || c.cmd == RC_ADD || c.cmd == RC_REMOVE) {
        if (c.arg < p || c.arg + c.alen > p + n || !relay_name_ok(c.arg, c.alen)) abort();
    }
    if (c.cmd != RC_GOT && (b->n || b->nerr)) abort();
    if (c.cmd == RC_GOT && !*idlen) abort();
    if (b->nerr && (b->err_line != lineno || !b->err[0])) abort();
    for (size_t i = 0; i < b->n; i++) check_sample(b, &b->s[i], id, *idlen, lineno);
    if (c.cmd == RC_ID) {
        memcpy(id, c.arg, c.alen);
        *idlen = c.alen;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tm_batch b;
    batch_init(&b);
    char id[RELAY_NAME_MAX + 1];
    size_t idlen = 0, lineno = 1;
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        one_line(p, (size_t)(e - p), id, &idlen, lineno++, &b);
        if (!nl) break;
        p = nl + 1;
    }
    batch_free(&b);
    return 0;
}
