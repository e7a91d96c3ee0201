/* influx_bench.c — influx_parse throughput on Telegraf-like lines (cpu plugin:
 * three tags, ten float fields, ns timestamps).
 * Usage: influx_bench [LINES]    Links against tmcore:
 *   cc -O2 -Isrc bench/influx_bench.c BUILD/libtmcore.a -lm -o /tmp/influx_bench */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "ingest/influx.h"

static void parse(const char *buf, size_t n, tm_batch *b) { influx_parse(buf, n, 1, TM_TS_NOW, b); }

int main(int argc, char **argv) {
    size_t lines = argc > 1 ? (size_t)atol(argv[1]) : 200000;
    char *buf = malloc(lines * 400);
    size_t n = 0;
    for (size_t i = 0; i < lines; i++) {
        n += (size_t)sprintf(buf + n, "cpu,cpu=cpu%zu,host=web-%03zu,dc=eu-west-1 ", i % 8, i % 500);
        static const char *const f[] = {"usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait",
                                        "usage_irq", "usage_softirq", "usage_steal", "usage_guest",
                                        "usage_guest_nice"};
        for (int k = 0; k < 10; k++)
            n += (size_t)sprintf(buf + n, "%s%s=%zu.%06zu", k ? "," : "", f[k], (i * 7 + (size_t)k) % 100,
                                 (i * 7919 + (size_t)k * 104729) % 1000000);
        n += (size_t)sprintf(buf + n, " %llu\n", 1764072000000000000ULL + (unsigned long long)i * 10000000000ULL);
    }
    tm_batch b;
    batch_init(&b);
    double best = bench_best(parse, buf, n, &b, lines * 10);
    if (best < 0) return 1;
    printf("%zu lines (%zu samples), %.1f MB: best %.1f ms, %.2f M lines/s, %.2f M samples/s, %.0f MB/s\n", lines,
           lines * 10, (double)n / 1e6, best * 1e3, (double)lines / best / 1e6, (double)lines * 10 / best / 1e6,
           (double)n / best / 1e6);
    batch_free(&b);
    free(buf);
    return 0;
}
