/* batch.h — the one shape every parser produces and the store consumes.
 *
 * A batch is a growable array of samples plus an arena holding their series
 * keys and string values. Keys are canonical: "name" or "name;k1=v1;k2=v2"
 * with tags sorted by key (Graphite 1.1 form), so one series has one key
 * whatever order its tags arrived in. A parser appends good samples and
 * records bad lines (the first error's message and 1-based line, and a
 * count), so good data in the same input is never lost. */
#ifndef TM_BATCH_H
#define TM_BATCH_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum tm_type { TM_NUMBER = 0, TM_STRING = 1, TM_LOCATION = 2 };

#define TM_TS_NOW INT64_MIN /* sample carries no time: the store stamps it */
#define TM_KEY_MAX 1024     /* longest canonical series key accepted */
#define TM_STR_MAX 4096     /* longest string value accepted */

typedef struct {
    uint32_t key_off, key_len; /* canonical key in the arena */
    uint32_t str_off, str_len; /* TM_STRING: value in the arena */
    int64_t ts;                /* milliseconds since the epoch, or TM_TS_NOW */
    double v, v2;              /* TM_NUMBER: v; TM_LOCATION: lat=v, lon=v2 */
    uint32_t line;             /* where it came from (b->line when added), for errors found later */
    uint8_t type;              /* enum tm_type */
} tm_sample;

typedef struct {
    tm_sample *s;
    size_t n, cap;
    char *arena;
    size_t alen, acap;
    size_t line;        /* parsers set it to the current line before adding */
    size_t nerr;        /* rejected lines/fields (and samples refused below) */
    size_t refused;     /* good samples the store could not take now (disk full): worth a retry */
    size_t err_line;    /* 1-based line of the first error, 0 if none */
    char err[256];      /* message of the first error */
} tm_batch;

void batch_init(tm_batch *b);
void batch_reset(tm_batch *b); /* empty it, keep the memory */
void batch_free(tm_batch *b);

/* Store bytes in the arena; returns the offset. */
uint32_t batch_put(tm_batch *b, const char *p, size_t n);
static inline const char *batch_key(const tm_batch *b, const tm_sample *s) { return b->arena + s->key_off; }
static inline const char *batch_str(const tm_batch *b, const tm_sample *s) { return b->arena + s->str_off; }

/* Append samples; the key (and string) are copied into the arena.
 * The key must already be canonical (see key_canon). */
void batch_add_number(tm_batch *b, const char *key, size_t klen, int64_t ts, double v);
void batch_add_string(tm_batch *b, const char *key, size_t klen, int64_t ts, const char *s, size_t slen);
void batch_add_location(tm_batch *b, const char *key, size_t klen, int64_t ts, double lat, double lon);

/* Record a rejected line (printf-style message); keeps the first one. */
void batch_error(tm_batch *b, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The store could not take n good samples for a reason of its own (the
 * write-ahead log cannot be written): they count as rejected, the message
 * replaces the first error's (it is what the client must act on: retry). */
void batch_refuse(tm_batch *b, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Canonical series key from a name and tag pairs: writes "name;k=v;..." with
 * tags sorted by key (a repeated key keeps its last value) into out (cap
 * bytes). Returns the length, or -1 with a reason in *why when the name, a
 * tag key or a value is empty, the name or a tag key holds a character not
 * allowed (space, ';', control bytes, and '=' or '~' in keys), or the key
 * exceeds TM_KEY_MAX / cap. A tag value may hold any byte: its '\', ';'
 * and NUL are stored escaped as "\\", "\;" and "\0", so a plain value
 * keeps the Graphite 1.1 form and every value comes back as it was sent
 * (tag_value). */
typedef struct { const char *k; size_t klen; const char *v; size_t vlen; } tm_tag;
int key_canon(const char *name, size_t nlen, const tm_tag *tags, size_t ntags, char *out, size_t cap,
              const char **why);

/* Split a canonical key into its name and tags (pointers into key). Returns
 * the number of tags written to tags (at most max). Values are as stored,
 * escaped: whatever shows a value or compares it with one from outside
 * passes it through tag_value first. */
size_t key_split(const char *key, size_t klen, size_t *nlen, tm_tag *tags, size_t max);
/* A stored (escaped) value as it was sent, into out (n bytes suffice);
 * returns its length. Plain values come out unchanged. */
size_t tag_value(const char *v, size_t n, char *out);
/* The key as its sender wrote it, "name;k=v..." with values unescaped (for
 * Graphite-style names in answers; identical for plain values). out needs
 * klen bytes; returns the length. */
size_t key_display(const char *key, size_t klen, char *out);

/* Parse a value as the SPEC's /add and JSON do: a number ("21.5", "1e3"),
 * a location ("52.5,13.4" with lat in [-90,90], lon in [-180,180]), else a
 * string. Returns its enum tm_type. */
int value_detect(const char *p, size_t n, double *v, double *v2);

/* Prometheus' staleness marker: the NaN with exactly these bits, sent by
 * remote write when a target or series goes away. It is kept as a number
 * sample (the codec, the log and the chunks keep every bit), so PromQL can
 * end the series there; every other reader treats it as a gap, like any
 * NaN, and no answer shows it as a value. */
#define TM_STALE_BITS 0x7ff0000000000002ULL
static inline int tm_is_stale(double v) {
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b == TM_STALE_BITS;
}
static inline double tm_stale_marker(void) {
    uint64_t b = TM_STALE_BITS;
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* A location's range, wherever one is read: lat in [-90,90], lon in
 * [-180,180] (NaN is neither). */
static inline int location_ok(double lat, double lon) { return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180; }

#endif
