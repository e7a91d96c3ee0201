/* report.c — the --no-tui summary block. */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "glance.h"

static void tops(FILE *out, const char *what, const win_top *t, size_t n) {
    fprintf(out, "  %-9s", what);
    for (size_t i = 0; i < n; i++) fprintf(out, "%s %s %llu", i ? "," : "", t[i].key, (unsigned long long)t[i].hits);
    fputc('\n', out);
}

void glance_report(FILE *out, const win_summary *s, int64_t now_ms, uint64_t lines, uint64_t malformed) {
    char when[32] = "-";
    if (now_ms != INT64_MIN) {
        time_t t = (time_t)(now_ms / 1000);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    fprintf(out, "== %s, last %d s\n", when, s->window_s);
    fprintf(out, "  requests/s %.2f  bytes/s %.1f  requests %llu  lines %llu  malformed %llu\n", s->req_s,
            s->bytes_s, (unsigned long long)s->requests, (unsigned long long)lines, (unsigned long long)malformed);
    fprintf(out, "  status    1xx %llu, 2xx %llu, 3xx %llu, 4xx %llu, 5xx %llu\n", (unsigned long long)s->status[ST_1XX],
            (unsigned long long)s->status[ST_2XX], (unsigned long long)s->status[ST_3XX],
            (unsigned long long)s->status[ST_4XX], (unsigned long long)s->status[ST_5XX]);
    if (!isnan(s->latency_ms)) fprintf(out, "  latency   %.1f ms\n", s->latency_ms);
    tops(out, "sections", s->sections, s->nsections);
    tops(out, "hosts", s->hosts, s->nhosts);
    tops(out, "methods", s->methods, s->nmethods);
    fflush(out);
}
