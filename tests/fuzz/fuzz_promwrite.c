/* fuzz_promwrite.c — arbitrary remote write bodies into the parser.
 *
 * The first byte picks the path: 0 mod 3 hands the rest over as a request
 * body (snappy, then protobuf); 1 as uncompressed protobuf to
 * promwrite_parse_pb under a small memory cap, so the arena's refusal is
 * reached too; 2 compresses the rest here first, so mutations of protobuf
 * bytes also travel the whole snappy path.
 *
 * Invariants: a refused body leaves no samples and one error without a
 * line; otherwise every sample is a number under a valid canonical key,
 * within the time range, numbered by its series (1-based), and the stats
 * agree with the batch (staleness markers are counted among the samples). */
#include <snappy-c.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "ingest/promwrite.h"

static void check(const tm_batch *b, const tm_pw_stats *st, int rc) {
    if (rc < 0) {
        if (b->n || b->nerr != 1 || b->err_line || !b->err[0]) abort();
        return;
    }
    if (rc != 0 || st->samples != b->n) abort();
    if (b->nerr && (!b->err[0] || !b->err_line || b->err_line > st->series)) abort();
    size_t stale = 0;
    for (size_t i = 0; i < b->n; i++) {
        const tm_sample *s = &b->s[i];
        fz_plain_key(b, s);
        if (s->type != TM_NUMBER) abort();
        stale += tm_is_stale(s->v);
        if (s->ts > 253402300800000LL || s->ts < -253402300800000LL) abort();
        if (!s->line || s->line > st->series || (i && s->line < b->s[i - 1].line)) abort();
    }
    if (stale != st->stale) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!size) return 0;
    tm_batch b;
    tm_pw_stats st;
    batch_init(&b);
    int mode = data[0] % 3, rc;
    data++, size--;
    if (mode == 0) {
        rc = promwrite_parse(data, size, &b, &st);
    } else if (mode == 1) {
        rc = promwrite_parse_pb(data, size, 1u << 20, &b, &st);
    } else {
        size_t clen = snappy_max_compressed_length(size);
        char *c = malloc(clen);
        if (snappy_compress((const char *)data, size, c, &clen) != SNAPPY_OK) abort();
        rc = promwrite_parse(c, clen, &b, &st);
        free(c);
    }
    check(&b, &st, rc);
    batch_free(&b);
    return 0;
}
