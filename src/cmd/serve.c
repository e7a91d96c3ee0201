/* serve.c — `tidemark serve`: wires listeners, parsers, store and API on one
 * event loop, and stops cleanly on SIGINT/SIGTERM. */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../api/api.h"
#include "../core/store.h"
#include "../net/http.h"
#include "../net/listen.h"
#include "../net/relay.h"
#include "../net/statsd_server.h"
#include "../util/config.h"
#include "../util/counters.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "cmd.h"

static const tm_flag FLAGS[] = {
    {"config", NULL, "JSON file whose keys are these flags' long names", FLAG_STR},
    {"data-dir", "./tidemark-data", "where everything durable lives", FLAG_STR},
    {"memory", "false", "in-memory only, nothing written to disk", FLAG_BOOL},
    {"http-listen", "127.0.0.1:8080", "HTTP API and web UI", FLAG_STR},
    {"graphite-listen", "127.0.0.1:2003", "Graphite plaintext, TCP and UDP", FLAG_STR},
    {"statsd-listen", "127.0.0.1:8125", "StatsD, UDP and TCP", FLAG_STR},
    {"statsd-flush", "10s", "StatsD aggregation interval", FLAG_STR},
    {"relay-listen", "127.0.0.1:3000", "Pulse relay protocol, TCP", FLAG_STR},
    {"poll-interval", "60s", "how often relays are polled", FLAG_STR},
    {"retention", "10s:7d,1m:90d,1h:5y", "archives STEP:KEEP; raw samples for the first, rollups after", FLAG_STR},
    {"token", NULL, "when set, every API call needs it", FLAG_STR},
    {"read-open", "false", "with a token: reads and the UI need none, writes still do", FLAG_BOOL},
    {"cors-allow", NULL, "sets Access-Control-Allow-Origin", FLAG_STR},
    {"url-prefix", "", "serve everything under a prefix (reverse proxies)", FLAG_STR},
    {"fsync", "1s", "durability of acknowledged writes: always, 1s or off", FLAG_STR},
    {"wal-max", "256MiB", "write-ahead log size that triggers persisting every head", FLAG_STR},
    {"log-level", "info", "debug, info, warn or error", FLAG_STR},
};
#define NFLAGS (sizeof FLAGS / sizeof *FLAGS)

void serve_usage(FILE *f) { config_usage(f, "serve", NULL, FLAGS, NFLAGS); }

typedef struct {
    struct event_base *base;
    tm_store *store;
    const char *why;
} serve_ctx;

static void on_signal(evutil_socket_t sig, short what, void *arg) {
    (void)what;
    serve_ctx *x = arg;
    x->why = sig == SIGINT ? "SIGINT" : "SIGTERM";
    event_base_loopexit(x->base, NULL);
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    serve_ctx *x = arg;
    store_tick(x->store, now_ms());
}

static int store_opts(const tm_config *c, tm_store_opts *o, char *err, size_t errlen) {
    memset(o, 0, sizeof *o);
    o->memory = config_bool(c, "memory");
    o->data_dir = config_get(c, "data-dir");
    const char *fs = config_get(c, "fsync"), *ret = config_get(c, "retention"), *wm = config_get(c, "wal-max");
    o->fsync = !strcmp(fs, "always") ? TM_FSYNC_ALWAYS : !strcmp(fs, "off") ? TM_FSYNC_OFF : TM_FSYNC_1S;
    if (strcmp(fs, "always") && strcmp(fs, "off") && strcmp(fs, "1s")) {
        snprintf(err, errlen, "--fsync must be always, 1s or off, not \"%s\"", fs);
        return -1;
    }
    o->narch = parse_retention(ret, o->step, o->keep, TM_MAX_ARCHIVES);
    if (!o->narch) {
        snprintf(err, errlen, "bad --retention \"%s\" (want STEP:KEEP,... such as 10s:7d,1m:90d)", ret);
        return -1;
    }
    char *end;
    double mb = strtod(wm, &end);
    o->wal_max_bytes = (size_t)(mb * (strstr(end, "G") ? 1 << 30 : strstr(end, "K") ? 1 << 10 : 1 << 20));
    return 0;
}

int cmd_serve(int argc, char **argv) {
    tm_config c;
    char err[512];
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            serve_usage(stdout);
            return 0;
        }
    tm_store_opts so;
    if (config_parse(&c, FLAGS, NFLAGS, argc, argv, err, sizeof err) || store_opts(&c, &so, err, sizeof err)) {
        fprintf(stderr, "tidemark serve: %s\n", err);
        config_free(&c);
        return 2;
    }
    int lvl = log_level_parse(config_get(&c, "log-level"));
    if (lvl >= 0) log_level = lvl;
    signal(SIGPIPE, SIG_IGN);
    log_info("tidemark starting: %s, retention %s, fsync %s", so.memory ? "in memory" : so.data_dir,
             config_get(&c, "retention"), config_get(&c, "fsync"));
    serve_ctx x = {0};
    x.store = store_open(&so, err, sizeof err);
    if (!x.store) {
        log_error("cannot open the store: %s", err);
        config_free(&c);
        return 1;
    }
    x.base = event_base_new();
    tm_http_opts ho = {config_get(&c, "url-prefix"), config_get(&c, "token"), config_get(&c, "cors-allow"),
                       config_bool(&c, "read-open"), 0};
    tm_api api = {x.store, so.step[0], NULL};
    tm_sink graphite;
    sink_init(&graphite, x.store, sink_graphite, NULL, P_GRAPHITE);
    tm_http *http = http_listen(x.base, config_get(&c, "http-listen"), &ho, err, sizeof err);
    tm_listener *gt = http ? tcp_listen(x.base, "Graphite plaintext", config_get(&c, "graphite-listen"), &graphite,
                                        err, sizeof err) : NULL;
    tm_listener *gu = gt ? udp_listen(x.base, "Graphite plaintext", config_get(&c, "graphite-listen"), &graphite,
                                      err, sizeof err) : NULL;
    tm_statsd *statsd = gu ? statsd_start(x.base, x.store, config_get(&c, "statsd-listen"),
                                          config_get(&c, "statsd-flush"), err, sizeof err) : NULL;
    const char *pi = config_get(&c, "poll-interval");
    int64_t poll_ms = 0; /* relay_listen refuses 0, so a bad flag is reported */
    parse_duration_ms(pi, strlen(pi), &poll_ms);
    tm_relays *relays = statsd ? relay_listen(x.base, config_get(&c, "relay-listen"), x.store, poll_ms, err, sizeof err)
                           : NULL;
    api.relays = relays;
    int rc = 0;
    if (!relays) {
        log_error("cannot start: %s", err);
        x.why = "a listener could not start";
        rc = 1;
    } else {
        api_register(http, &api);
        routes_stream(http, &api, x.base);
        struct event *sint = evsignal_new(x.base, SIGINT, on_signal, &x);
        struct event *sterm = evsignal_new(x.base, SIGTERM, on_signal, &x);
        struct event *tick = event_new(x.base, -1, EV_PERSIST, on_tick, &x);
        struct timeval sec = {1, 0};
        event_add(sint, NULL);
        event_add(sterm, NULL);
        event_add(tick, &sec);
        log_info("ready");
        event_base_dispatch(x.base);
        event_free(sint);
        event_free(sterm);
        event_free(tick);
    }
    log_info("stopping: %s", x.why ? x.why : "event loop ended");
    streams_close();
    listener_free(gt);
    listener_free(gu);
    relay_free(relays);
    statsd_stop(statsd); /* its last flush goes to the store */
    http_free(http);
    store_close(x.store);
    sink_free(&graphite);
    event_base_free(x.base);
    config_free(&c);
    log_info("stopped");
    return rc;
}
