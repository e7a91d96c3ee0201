/* codec_bench.c — the chunk codec on a real dataset: bytes per sample of the
 * encoded chunks, and encode / decode time per sample (best of 7 passes over
 * every chunk, in CPU time: a loaded machine stretches wall time). Reads Graphite plaintext ("name value seconds") on stdin,
 * cuts each series into chunks of 512 samples (the store's HEAD_MAX), and
 * checks that every chunk decodes back bit for bit.
 *
 *   bench/codec.sh [BUILD]     (builds this and feeds it shared loadgen's dataset)
 *   codec_bench [-k] < data.txt      -k: also one line per metric kind (the name
 *                                        after its first dot: host000.cpu.0.user -> cpu.0.user)
 * Links against tmcore: cc -O2 -Isrc bench/codec_bench.c BUILD/libtmcore.a -lzstd -lm */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "core/chunk.h"
#include "model/batch.h"

#define CHUNK 512
#define MAX_SERIES (1 << 21)

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct {
    char *name;
    size_t n, cap;
    int64_t *ts;
    double *v;
} series;

static series *all;
static size_t nseries;
static size_t *slot; /* open addressing: index + 1, 0 empty */
static size_t nslot = (size_t)MAX_SERIES * 2;

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    while (*s) h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
    return h;
}

static series *find(const char *name) {
    for (size_t i = hash(name) & (nslot - 1);; i = (i + 1) & (nslot - 1)) {
        if (!slot[i]) {
            if (nseries == MAX_SERIES) return NULL;
            all[nseries] = (series){.name = strdup(name)};
            slot[i] = ++nseries;
            return &all[nseries - 1];
        }
        if (!strcmp(all[slot[i] - 1].name, name)) return &all[slot[i] - 1];
    }
}

static int load(FILE *f) {
    char line[512], name[400];
    double v;
    long long t;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%399s %lf %lld", name, &v, &t) != 3) continue;
        series *s = find(name);
        if (!s) return -1;
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 64;
            s->ts = realloc(s->ts, s->cap * sizeof *s->ts);
            s->v = realloc(s->v, s->cap * sizeof *s->v);
        }
        s->ts[s->n] = t * 1000;
        s->v[s->n++] = v;
    }
    return 0;
}

typedef struct {
    size_t series, off, n;
    size_t at, len; /* the blob in the arena */
} chunkref;

static const char *kind_of(const char *name) {
    const char *d = strchr(name, '.');
    return d ? d + 1 : name;
}

static void encode_all(chunkref *c, size_t nc, tm_buf *arena) {
    arena->n = 0;
    for (size_t i = 0; i < nc; i++) {
        series *s = &all[c[i].series];
        tm_cols col = {.type = TM_NUMBER, .n = c[i].n, .ts = s->ts + c[i].off, .v = s->v + c[i].off};
        c[i].at = arena->n;
        chunk_encode(&col, arena);
        c[i].len = arena->n - c[i].at;
    }
}

static int decode_all(const chunkref *c, size_t nc, const tm_buf *arena, int check) {
    for (size_t i = 0; i < nc; i++) {
        tm_cols col;
        if (!chunk_decode(arena->p + c[i].at, c[i].len, &col)) return -1;
        if (check) {
            series *s = &all[c[i].series];
            if (col.n != c[i].n || memcmp(col.ts, s->ts + c[i].off, col.n * sizeof *col.ts) ||
                memcmp(col.v, s->v + c[i].off, col.n * sizeof *col.v))
                return -1;
        }
        cols_free(&col);
    }
    return 0;
}

static void per_kind(const chunkref *c, size_t nc) {
    enum { KMAX = 64 };
    const char *k[KMAX];
    size_t bytes[KMAX] = {0}, samples[KMAX] = {0}, nk = 0;
    for (size_t i = 0; i < nc; i++) {
        const char *kn = kind_of(all[c[i].series].name);
        size_t j = 0;
        while (j < nk && strcmp(k[j], kn)) j++;
        if (j == nk) {
            if (nk == KMAX) continue;
            k[nk++] = kn;
        }
        bytes[j] += c[i].len;
        samples[j] += c[i].n;
    }
    for (size_t j = 0; j < nk; j++)
        printf("  %-22s %6.2f bits/sample\n", k[j], 8.0 * (double)bytes[j] / (double)samples[j]);
}

int main(int argc, char **argv) {
    int kinds = argc > 1 && !strcmp(argv[1], "-k");
    all = calloc(MAX_SERIES, sizeof *all);
    slot = calloc(nslot, sizeof *slot);
    if (load(stdin)) {
        fprintf(stderr, "codec_bench: more than %d series\n", MAX_SERIES);
        return 1;
    }
    size_t nc = 0, samples = 0;
    for (size_t i = 0; i < nseries; i++) nc += (all[i].n + CHUNK - 1) / CHUNK;
    chunkref *c = calloc(nc ? nc : 1, sizeof *c);
    nc = 0;
    for (size_t i = 0; i < nseries; i++)
        for (size_t off = 0; off < all[i].n; off += CHUNK) {
            size_t n = all[i].n - off < CHUNK ? all[i].n - off : CHUNK;
            c[nc++] = (chunkref){.series = i, .off = off, .n = n};
            samples += n;
        }
    if (!samples) {
        fprintf(stderr, "codec_bench: no samples on stdin\n");
        return 1;
    }
    tm_buf arena = {0};
    double enc = 1e9, dec = 1e9;
    for (int rep = 0; rep < BENCH_REPS; rep++) {
        double t0 = cpu_now();
        encode_all(c, nc, &arena);
        double t1 = cpu_now();
        if (decode_all(c, nc, &arena, 0)) {
            fprintf(stderr, "codec_bench: a chunk does not decode\n");
            return 1;
        }
        double t2 = cpu_now();
        if (t1 - t0 < enc) enc = t1 - t0;
        if (t2 - t1 < dec) dec = t2 - t1;
    }
    if (decode_all(c, nc, &arena, 1)) {
        fprintf(stderr, "codec_bench: a chunk does not round-trip\n");
        return 1;
    }
    printf("%zu series, %zu chunks, %zu samples: %.4f bytes/sample encoded, encode %.1f ns/sample, "
           "decode %.1f ns/sample\n",
           nseries, nc, samples, (double)arena.n / (double)samples, enc * 1e9 / (double)samples,
           dec * 1e9 / (double)samples);
    if (kinds) per_kind(c, nc);
    return 0;
}
