/* parse_bench.c — graphite_parse throughput on typical lines.
 * Usage: parse_bench [LINES] [t]   ("t": Graphite 1.1 tagged names)
 * Links against tmcore (only batch.c, graphite.c and buf.c are used). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "ingest/graphite.h"

static void parse(const char *buf, size_t n, tm_batch *b) { graphite_parse(buf, n, 1, b); }

int main(int argc, char **argv) {
    size_t lines = argc > 1 ? (size_t)atol(argv[1]) : 1000000;
    int tagged = argc > 2 && argv[2][0] == 't';
    char *buf = malloc(lines * 96);
    size_t n = 0;
    for (size_t i = 0; i < lines; i++) {
        size_t ts = 1764072000 + i / 1000;
        if (tagged)
            n += (size_t)sprintf(buf + n, "cpu.user;host=host%03zu;cpu=%zu %zu.%02zu %zu\n", i % 1000, i % 8,
                                 i % 100, i % 97, ts);
        else
            n += (size_t)sprintf(buf + n, "host%03zu.cpu.%zu.user %zu.%02zu %zu\n", i % 1000, i % 8, i % 100,
                                 i % 97, ts);
    }
    tm_batch b;
    batch_init(&b);
    double best = bench_best(parse, buf, n, &b, lines);
    if (best < 0) return 1;
    printf("%zu %s lines, %.1f MB: best %.1f ms, %.2f M lines/s, %.0f MB/s\n", lines, tagged ? "tagged" : "plain",
           (double)n / 1e6, best * 1e3, (double)lines / best / 1e6, (double)n / best / 1e6);
    batch_free(&b);
    free(buf);
    return 0;
}
