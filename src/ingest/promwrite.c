/* promwrite.c — Prometheus remote write bodies into a batch. The protobuf
 * decoding is protoc-c's (gen/remote.pb-c.c from proto/remote.proto); its
 * messages are carved from an arena freed at once, so decoding allocates a
 * handful of blocks per request instead of one object per sample. */
#include "promwrite.h"

#include <snappy-c.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "remote.pb-c.h"
#include "textcheck.h"

#define MAX_MS 253402300800000LL        /* year 10000, as the other parsers */

/* ---- arena for protobuf-c ---- */

typedef struct blk {
    struct blk *next;
    size_t cap, used;
    alignas(max_align_t) unsigned char data[];
} blk;

typedef struct {
    blk *head;
    size_t total, max, first;
    int refused; /* the cap was hit: tell it apart from a malformed body */
} arena;

static void *ar_alloc(void *d, size_t n) {
    arena *a = d;
    const size_t al = alignof(max_align_t);
    if (n > a->max) return a->refused = 1, NULL;
    n = (n + al - 1) & ~(al - 1);
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = a->head ? a->head->cap * 2 : a->first;
        if (cap < n) cap = n;
        if (cap > a->max - a->total) cap = a->max - a->total;
        if (cap < n) return a->refused = 1, NULL;
        blk *b = malloc(sizeof *b + cap);
        if (!b) return a->refused = 1, NULL;
        b->next = a->head;
        b->cap = cap;
        b->used = 0;
        a->head = b;
        a->total += cap;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

static void ar_free(void *d, void *p) {
    (void)d; /* everything goes at once in ar_release */
    (void)p;
}

static void ar_release(arena *a) {
    while (a->head) {
        blk *n = a->head->next;
        free(a->head);
        a->head = n;
    }
}

/* ---- series keys ---- */

/* Bytes a canonical key cannot hold: bit 0 anywhere, bit 1 in a tag key
 * (a table: this runs for every byte of every label). */
#define X8 3, 3, 3, 3, 3, 3, 3, 3
static const unsigned char bad[256] = {X8, X8, X8, X8, [' '] = 3, [';'] = 3, [0x7f] = 3, ['='] = 2, ['~'] = 2};
#undef X8

/* Copy s into dst with the bytes a canonical key cannot hold made '_'. */
static void sanitize(char *dst, const char *s, size_t n, int is_tagkey) {
    unsigned char mask = is_tagkey ? 2 : 1;
    for (size_t i = 0; i < n; i++) dst[i] = bad[(unsigned char)s[i]] & mask ? '_' : s[i];
}

/* Canonical key of one TimeSeries into key (TM_KEY_MAX + 1 bytes); returns
 * its length, or -1 with the reason in *why. */
static int series_key(const Prometheus__TimeSeries *ts, char *key, const char **why) {
    tm_tag tags[PW_MAX_LABELS];
    char scratch[TM_KEY_MAX];
    size_t used = 0, nt = 0, nlen = 0;
    const char *name = NULL;
    if (ts->n_labels > PW_MAX_LABELS) return *why = "too many labels", -1;
    for (size_t i = 0; i < ts->n_labels; i++) {
        const Prometheus__Label *l = ts->labels[i];
        size_t kl = l->name ? strlen(l->name) : 0, vl = l->value ? strlen(l->value) : 0;
        if (!vl) continue; /* empty is absent, for Prometheus too */
        if (!kl) return *why = "a label has an empty name", -1;
        int is_name = kl == 8 && !memcmp(l->name, "__name__", 8);
        size_t need = is_name ? vl : kl + vl;
        /* every byte copied here also lands in the key, so this bounds it */
        if (need > sizeof scratch - used) return *why = "key too long", -1;
        char *p = scratch + used;
        used += need;
        if (is_name) {
            sanitize(p, l->value, vl, 0);
            name = p;
            nlen = vl;
        } else {
            sanitize(p, l->name, kl, 1);
            memcpy(p + kl, l->value, vl); /* values keep every byte (batch.h escapes them) */
            tags[nt++] = (tm_tag){p, kl, p + kl, vl};
        }
    }
    if (!name) return *why = "no __name__ label", -1;
    int klen = key_canon(name, nlen, tags, nt, key, TM_KEY_MAX + 1, why);
    if (klen >= 0 && utf8_check(key, (size_t)klen) != (size_t)klen) return *why = TEXT_BAD_KEY, -1;
    return klen;
}

/* ---- samples ---- */

static void add_series(const Prometheus__TimeSeries *ts, size_t line, tm_batch *b, tm_pw_stats *st) {
    char key[TM_KEY_MAX + 1];
    const char *why = "bad series";
    b->line = line;
    int klen = series_key(ts, key, &why);
    if (klen < 0) {
        const char *nm = "?";
        for (size_t i = 0; i < ts->n_labels; i++)
            if (ts->labels[i]->name && !strcmp(ts->labels[i]->name, "__name__") && ts->labels[i]->value)
                nm = ts->labels[i]->value;
        batch_error(b, line, "series %zu (%.200s): %s", line, nm, why);
        return;
    }
    for (size_t i = 0; i < ts->n_samples; i++) {
        const Prometheus__Sample *s = ts->samples[i];
        if (s->timestamp > MAX_MS || s->timestamp < -MAX_MS) {
            batch_error(b, line, "series %zu (%.*s): timestamp %lld ms is beyond year 9999", line, klen, key,
                        (long long)s->timestamp);
            continue;
        }
        batch_add_number(b, key, (size_t)klen, s->timestamp, s->value);
        st->samples++;
        st->stale += tm_is_stale(s->value);
    }
}

int promwrite_parse_pb(const void *pb, size_t n, size_t mem_max, tm_batch *b, tm_pw_stats *st) {
    tm_pw_stats dummy;
    if (!st) st = &dummy;
    memset(st, 0, sizeof *st);
    arena a = {.max = mem_max ? mem_max : PW_MAX_MEM};
    a.first = n < (16u << 10) ? (64u << 10) : 4 * n;
    if (a.first > a.max) a.first = a.max;
    ProtobufCAllocator alloc = {ar_alloc, ar_free, &a};
    Prometheus__WriteRequest *wr = prometheus__write_request__unpack(&alloc, n, pb);
    if (!wr) {
        if (a.refused)
            batch_error(b, 0, "remote write request too large: it decodes into more than %zu MiB",
                        a.max >> 20);
        else
            batch_error(b, 0, "malformed remote write request: not a protobuf WriteRequest");
        ar_release(&a);
        return -1;
    }
    st->series = wr->n_timeseries;
    st->metadata = wr->n_metadata;
    for (size_t i = 0; i < wr->n_timeseries; i++) add_series(wr->timeseries[i], i + 1, b, st);
    ar_release(&a);
    return 0;
}

int promwrite_parse(const void *body, size_t n, tm_batch *b, tm_pw_stats *st) {
    size_t raw;
    if (st) memset(st, 0, sizeof *st);
    if (!n) {
        batch_error(b, 0, "empty remote write request");
        return -1;
    }
    if (snappy_uncompressed_length(body, n, &raw) != SNAPPY_OK) {
        batch_error(b, 0, "malformed remote write request: not snappy-compressed (block format)");
        return -1;
    }
    if (raw > PW_MAX_RAW) {
        batch_error(b, 0, "remote write request too large: %zu bytes decompressed, limit %u MiB", raw,
                    PW_MAX_RAW >> 20);
        return -1;
    }
    char *pb = malloc(raw ? raw : 1);
    if (!pb) {
        batch_error(b, 0, "out of memory for a %zu-byte request", raw);
        return -1;
    }
    if (snappy_uncompress(body, n, pb, &raw) != SNAPPY_OK) {
        free(pb);
        batch_error(b, 0, "malformed remote write request: corrupt snappy data");
        return -1;
    }
    int rc = promwrite_parse_pb(pb, raw, 0, b, st);
    free(pb);
    return rc;
}
