/* mkpromwrite: writes one snappy-compressed remote write request of SERIES
 * series x SAMPLES samples (8 labels each, Prometheus' usual shape) to stdout,
 * for bench/protocols.sh. Built against the generated protobuf-c code. */
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "remote.pb-c.h"

int main(int argc, char **argv) {
    size_t ns = argc > 1 ? (size_t)atol(argv[1]) : 2000, np = argc > 2 ? (size_t)atol(argv[2]) : 1;
    long long t = (long long)time(NULL) * 1000 - 60000;
    Prometheus__WriteRequest req = PROMETHEUS__WRITE_REQUEST__INIT;
    Prometheus__TimeSeries *ts = calloc(ns, sizeof *ts), **tsp = calloc(ns, sizeof *tsp);
    static const char *keys[] = {"__name__", "instance", "job", "le", "method", "code", "handler", "zone"};
    for (size_t i = 0; i < ns; i++) {
        prometheus__time_series__init(&ts[i]);
        ts[i].n_labels = 8;
        ts[i].labels = calloc(8, sizeof *ts[i].labels);
        for (int k = 0; k < 8; k++) {
            Prometheus__Label *l = calloc(1, sizeof *l);
            prometheus__label__init(l);
            l->name = (char *)keys[k];
            l->value = malloc(32);
            snprintf(l->value, 32, k == 0 ? "bench_metric_%zu" : "value%zu_%d", k == 0 ? i / 10 : i % 10, k);
            ts[i].labels[k] = l;
        }
        ts[i].n_samples = np;
        ts[i].samples = calloc(np, sizeof *ts[i].samples);
        for (size_t p = 0; p < np; p++) {
            Prometheus__Sample *s = calloc(1, sizeof *s);
            prometheus__sample__init(s);
            s->value = (double)(i * 7 + p);
            s->timestamp = t + (long long)p * 1000;
            ts[i].samples[p] = s;
        }
        tsp[i] = &ts[i];
    }
    req.n_timeseries = ns;
    req.timeseries = tsp;
    size_t n = prometheus__write_request__get_packed_size(&req);
    uint8_t *raw = malloc(n);
    prometheus__write_request__pack(&req, raw);
    size_t cn = snappy_max_compressed_length(n);
    char *c = malloc(cn);
    if (snappy_compress((char *)raw, n, c, &cn) != SNAPPY_OK) return 1;
    fwrite(c, 1, cn, stdout);
    return 0;
}
