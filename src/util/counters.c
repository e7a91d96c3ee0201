#include "counters.h"

const char *const proto_names[P_NPROTO] = {"graphite", "statsd", "influx", "prometheus", "add", "json", "relay"};
const double http_bucket_le[HTTP_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,   0.025,   0.05,   0.1,   0.5,    1};
struct tm_counters counters;

void count_http(double seconds) {
    int i = 0;
    while (i < HTTP_BUCKETS && seconds > http_bucket_le[i]) i++;
    count_add(&counters.http_hist[i], 1);
    count_add(&counters.http_count, 1);
    counters.http_sum += seconds; /* loop thread only */
}
