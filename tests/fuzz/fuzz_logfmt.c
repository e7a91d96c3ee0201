/* fuzz_logfmt.c — access-log formats and lines, and the window and alert
 * they feed. The first input line is the format (auto, json, common, or a
 * custom one when it holds '$' or '%'; an uncompilable one is dropped for
 * auto); every further line is parsed and counted. Invariants: a parsed
 * record's strings lie within the line (or, for JSON, are NUL-free copies
 * of its length), its status is 0 or 100-999, a section never outgrows its
 * path, and the window never counts more than was added. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glance/alert.h"
#include "glance/logfmt.h"
#include "glance/window.h"

static void within(const char *s, size_t n, const char *line, size_t len, int json) {
    if (!n || json) return;
    if (s < line || s + n > line + len) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *p = (const char *)data, *end = p + size;
    const char *nl = memchr(p, '\n', size);
    char spec[256];
    size_t sl = nl ? (size_t)(nl - p) : 0;
    if (sl >= sizeof spec) sl = sizeof spec - 1;
    memcpy(spec, p, sl);
    spec[sl] = 0;
    if (memchr(spec, 0, sl)) spec[0] = 0;
    char err[256];
    log_format *f = logfmt_compile(spec[0] ? spec : "auto", err, sizeof err);
    if (!f) f = logfmt_compile("auto", err, sizeof err);
    glance_win *w = win_new(5);
    glance_alert *a = alert_new(3, 1);
    uint64_t added = 0;
    for (p = nl ? nl + 1 : p; p < end;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        size_t n = (size_t)(e - p);
        char *line = malloc(n ? n : 1); /* exactly the line: ASan sees a read past it */
        memcpy(line, p, n);
        log_rec r;
        if (logfmt_parse(f, line, n, &r)) {
            int json = !strcmp(spec, "json") || (n && line[0] == '{'); /* --format json reads every line as JSON */
            within(r.host, r.host_len, line, n, json);
            within(r.method, r.method_len, line, n, json);
            within(r.path, r.path_len, line, n, json);
            if (r.status && (r.status < 100 || r.status > 999)) abort();
            if (log_section(r.path, r.path_len) > r.path_len) abort();
            int64_t ts = r.ts_ms == INT64_MIN ? 0 : r.ts_ms;
            if (ts > -1000000000000000LL && ts < 1000000000000000LL) {
                char m[256];
                double v;
                int64_t at;
                while (alert_advance(a, ts, m, sizeof m, &v, &at)) {
                }
                alert_hit(a, ts);
                win_add(w, &r, ts);
                added++;
            }
        }
        free(line);
        p = e + 1;
    }
    win_summary s;
    win_summarize(w, 5, 0, &s);
    if (s.requests > added || s.total != added) abort();
    win_free(w);
    alert_free(a);
    logfmt_free(f);
    return 0;
}
