/* generate.c — `tidemark glance --generate`: a Combined-format log that
 * looks like a small site's (a few hot clients and sections, a long tail,
 * mostly 200s, some 304/404, rare 500s, bursts), for demos and benchmarks.
 * With a line count it writes that many as fast as it can, stamped rate
 * lines a second from start; without one it writes in real time, forever. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "../util/timeparse.h"
#include "glance.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull; /* fixed: the same log every run, for benchmarks */
static uint64_t next(void) {
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}
/* Skewed pick in [0, n): small indexes much more often, as real traffic is. */
static unsigned skew(unsigned n) {
    uint64_t a = next() % n, b = next() % n;
    return (unsigned)(a < b ? a : b); /* the smaller of two: index i has weight 2(n - i) - 1 */
}

static const char *const SECTIONS[] = {"/", "/api", "/pages", "/static", "/blog", "/login", "/search", "/images",
                                       "/docs", "/admin", "/feed", "/wp-login.php"};
static const char *const LEAVES[] = {"", "/index", "/create", "/list", "/42", "/style.css", "/app.js",
                                     "/user/7", "/v1/items", "/logo.png"};
static const char *const AGENTS[] = {
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1",
    "curl/7.88.1", "Googlebot/2.1 (+http://www.google.com/bot.html)", "Prometheus/2.42.0"};

static void line(FILE *out, int64_t ms) {
    static const char MON[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    unsigned host = skew(250), sec = skew(sizeof SECTIONS / sizeof *SECTIONS);
    unsigned r = (unsigned)(next() % 1000), st = r < 850 ? 200 : r < 920 ? 304 : r < 960 ? 404 : r < 980 ? 301
                                                               : r < 995 ? 403 : 500;
    unsigned m = (unsigned)(next() % 100);
    const char *method = m < 80 ? "GET" : m < 94 ? "POST" : m < 98 ? "PUT" : "DELETE";
    const char *leaf = sec == 0 ? "" : LEAVES[next() % (sizeof LEAVES / sizeof *LEAVES)];
    unsigned bytes = st == 304 ? 0 : (unsigned)(200 + next() % 40000);
    fprintf(out,
            "10.%u.%u.%u - %s [%02d/%s/%04d:%02d:%02d:%02d +0000] \"%s %s%s%s HTTP/1.1\" %u %u \"%s\" \"%s\"\n",
            host / 64, (host / 8) % 8, host % 8 + 1, host % 7 ? "-" : "frank", tm.tm_mday, MON[tm.tm_mon],
            tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, method, SECTIONS[sec], leaf,
            next() % 5 ? "" : "?q=1", st, bytes, next() % 3 ? "-" : "https://example.org/",
            AGENTS[skew(sizeof AGENTS / sizeof *AGENTS)]);
}

int glance_generate(FILE *out, double rate, int64_t lines, int64_t start_ms) {
    if (rate <= 0) rate = 10;
    if (lines > 0) {
        for (int64_t i = 0; i < lines; i++) line(out, start_ms + (int64_t)((double)i * 1000.0 / rate));
        return fflush(out) ? 1 : 0;
    }
    for (;;) { /* real time: bursts of a few seconds at ten times the rate */
        int64_t now = now_ms();
        int burst = (now / 1000) % 60 < 5;
        line(out, now);
        if (fflush(out)) return 1;
        double gap = 1000.0 / (burst ? rate * 10 : rate);
        struct timespec ts = {(time_t)(gap / 1000), (long)((gap - 1000 * (int)(gap / 1000)) * 1e6)};
        nanosleep(&ts, NULL);
    }
}
