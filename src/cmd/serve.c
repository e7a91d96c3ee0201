/* serve.c — `tidemark serve`: wires listeners, parsers, store and API on one
 * event loop, and stops cleanly on SIGINT/SIGTERM. */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../api/api.h"
#include "../core/store.h"
#include "../forward/forward.h"
#include "../net/admit.h"
#include "../net/loopwait.h"
#include "../net/http.h"
#include "../net/listen.h"
#include "../net/relay.h"
#include "../net/statsd_server.h"
#include "../alert/alerts.h"
#include "../query/engine.h"
#include "../glance/logtail.h"
#include "../util/config.h"
#include "../util/counters.h"
#include "../util/flagval.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "cmd.h"
#include "serve_opts.h"

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
    {"max-connections", "10000", "per listener; past it the newest connections are shed", FLAG_STR},
    {"idle-timeout", "5m", "close TCP connections (Graphite, StatsD, relay, HTTP keep-alive) idle this long; 0: never",
     FLAG_STR},
    {"max-inflight-bytes", "256MiB", "bytes held across all connections; past it HTTP answers 503, TCP waits",
     FLAG_STR},
    {"log-level", "info", "debug, info, warn or error", FLAG_STR},
    {"tail-log", NULL, "follow this access log and record its traffic as series tagged log=BASENAME", FLAG_LIST},
    {"alert-interval", "1s", "how often every alert rule is evaluated", FLAG_STR},
    {"alert-log", "DATA/alerts.log", "every alert transition, one JSON line each (DATA: the data dir)", FLAG_STR},
    {"alertmanager", NULL, "also push alerts to this Alertmanager (/api/v2/alerts)", FLAG_STR},
    {"alert-retry-for", "24h", "how long an alert notification is retried before it is given up", FLAG_STR},
    {"query-workers", "0", "threads that run queries off the ingest loop (0: one per core)", FLAG_STR},
    {"query-max-series", "100000", "series one query may select", FLAG_STR},
    {"query-max-points", "50000000", "points one query may hold", FLAG_STR},
    {"query-timeout", "30s", "wall time one query may take", FLAG_STR},
    {"forward-prometheus", NULL, "Prometheus remote write target: URL [match=GLOB] [tag=K:GLOB] [bearer=T]", FLAG_LIST},
    {"forward-influx", NULL, "InfluxDB target: 1.x URL/write?db=DB or 2.x URL/api/v2/write?org=O&bucket=B [token=T]",
     FLAG_LIST},
    {"forward-graphite", NULL, "Graphite plaintext target: HOST:PORT [match=GLOB] [tag=K:GLOB]", FLAG_LIST},
    {"forward-match", NULL, "forward only series whose name matches one of these globs (none: all)",
     FLAG_LIST},
    {"forward-shard", "false", "spread series over the targets of a kind instead of replicating", FLAG_BOOL},
    {"forward-replicas", "1", "with --forward-shard: targets each series goes to", FLAG_STR},
    {"forward-batch", "2000", "samples per forwarded request while the sender keeps up", FLAG_STR},
    {"forward-batch-max", "50000", "samples per forwarded request at most, sending a backlog (what a crash resends)",
     FLAG_STR},
    {"forward-flush", "1s", "a forwarded batch waits at most this long to fill", FLAG_STR},
    {"forward-yield", "5s", "forwarding waits at most this long for a busy ingest before it catches up (0: never)",
     FLAG_STR},
    {"forward-max-disk", "1GiB", "on-disk queue bound per target; past it the oldest is dropped and counted",
     FLAG_STR},
};
#define NFLAGS (sizeof FLAGS / sizeof *FLAGS)

void serve_usage(FILE *f) { config_usage(f, "serve", NULL, FLAGS, NFLAGS); }

typedef struct {
    struct event_base *base;
    tm_store *store;
    tm_forward *fwd;
    tm_tails *tails;
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
    tails_tick(x->tails, now_ms());
    store_tick(x->store, now_ms());
}

/* Every HTTP route of the server, and only here: `tidemark routes` prints
 * what this registers, and the docs test compares that with docs/. */
void serve_routes(tm_http *h, tm_api *api, struct event_base *base) {
    api_register(h, api);
    routes_stream(h, api, base);
}

/* --max-connections, --idle-timeout, --max-inflight-bytes. */
static int limits_opts(const tm_config *c, tm_limits *l, char *err, size_t errlen) {
    long long n;
    uint64_t bytes;
    if (flag_integer(c, "max-connections", 1, INT32_MAX, &n, err, errlen) ||
        flag_size(c, "max-inflight-bytes", 1, SIZE_MAX / 2, &bytes, err, errlen))
        return -1;
    l->max_conns = (size_t)n;
    l->max_inflight = (size_t)bytes;
    l->idle_ms = 0; /* "0": never */
    return strcmp(config_get(c, "idle-timeout"), "0") ? flag_duration(c, "idle-timeout", 1, 0, &l->idle_ms, err, errlen)
                                                      : 0;
}

/* Every listener of the server; NULL where it is not (yet) running. */
typedef struct {
    tm_sink graphite;
    tm_http *http;
    tm_listener *gt, *gu;
    tm_statsd *statsd;
    tm_relays *relays;
    tm_engine *engine;
    alerts *alerts;
    tm_api api;
} listeners;

/* The query engine's workers and bounds from the flags. */
static tm_engine *engine_start(const tm_config *c, serve_ctx *x, char *err, size_t n) {
    tm_bounds b = {0};
    long long workers, series, points;
    if (flag_integer(c, "query-workers", 0, 256, &workers, err, n) ||
        flag_integer(c, "query-max-series", 1, INT64_MAX, &series, err, n) ||
        flag_integer(c, "query-max-points", 1, INT64_MAX, &points, err, n) ||
        flag_duration(c, "query-timeout", 1, 0, &b.max_ms, err, n))
        return NULL;
    b.max_series = (size_t)series;
    b.max_points = (size_t)points;
    return engine_new(x->store, x->base, (int)workers, &b, err, n);
}

/* "DATA/x" is x in the data dir; with --memory, nothing (unless the flag names a file). */
static char *data_path(const tm_config *c, const char *v) {
    if (strncmp(v, "DATA/", 5)) return strdup(v);
    if (config_bool(c, "memory")) return NULL;
    tm_buf b = {0};
    buf_printf(&b, "%s/%s", config_get(c, "data-dir"), v + 5);
    buf_putc(&b, 0);
    return (char *)b.p;
}

/* The alerting service (alert/alerts.h) from the flags, evaluating through the engine. */
static alerts *alerts_start(const tm_config *c, serve_ctx *x, tm_engine *e, char *err, size_t n) {
    alerts_opts o = {0};
    if (flag_duration(c, "alert-interval", 10, 0, &o.interval_ms, err, n) ||
        flag_duration(c, "alert-retry-for", 1, 0, &o.retry_for_ms, err, n))
        return NULL;
    const char *am = config_get(c, "alertmanager");
    if (am && strncmp(am, "http://", 7) && strncmp(am, "https://", 8)) {
        snprintf(err, n, "--alertmanager must be an http:// or https:// URL, not \"%s\"", am);
        return NULL;
    }
    char *db = data_path(c, "DATA/alerts.db"), *log = data_path(c, config_get(c, "alert-log"));
    o.db_path = db;
    o.log_path = log;
    o.alertmanager = am;
    o.engine = e;
    o.base = x->base;
    o.publish = stream_publish;
    alerts *a = alerts_open(&o, err, n);
    free(db);
    free(log);
    return a;
}


/* "--graphite-listen: cannot listen on ...": which listener could not start */
static int failed(const char *flag, char *err, size_t n) {
    char why[512];
    snprintf(why, sizeof why, "%s", err);
    snprintf(err, n, "--%s: %.400s", flag, why);
    return -1;
}

static int off(const char *flag, const char *addr) {
    if (listener_off(addr)) log_info("not listening: --%s off", flag);
    return listener_off(addr);
}

/* Start every listener in turn, leaving out those set to "off"; 0, or -1
 * with the reason in err. */
static int listeners_start(listeners *l, const tm_config *c, serve_ctx *x, int64_t step0, char *err, size_t n) {
    tm_http_opts ho = {config_get(c, "url-prefix"), config_get(c, "token"), config_get(c, "cors-allow"),
                       config_bool(c, "read-open"), 0};
    if (!(l->engine = engine_start(c, x, err, n))) return -1;
    l->api = (tm_api){x->store, step0, NULL, l->engine, forward_metrics, x->fwd, NULL};
    if (!(l->alerts = alerts_start(c, x, l->engine, err, n))) return -1;
    l->api.alerts = l->alerts;
    sink_init(&l->graphite, x->store, sink_graphite, NULL, P_GRAPHITE);
    const char *ga = config_get(c, "graphite-listen"), *pi = config_get(c, "poll-interval");
    const char *ha = config_get(c, "http-listen"), *sa = config_get(c, "statsd-listen");
    const char *ra = config_get(c, "relay-listen");
    int64_t poll_ms = 0; /* relay_listen refuses 0, so a bad flag is reported */
    parse_duration_ms(pi, strlen(pi), &poll_ms);
    if (!off("http-listen", ha) && !(l->http = http_listen(x->base, ha, &ho, err, n)))
        return failed("http-listen", err, n);
    if (!off("graphite-listen", ga) &&
        (!(l->gt = tcp_listen(x->base, "Graphite plaintext", ga, &l->graphite, err, n)) ||
         !(l->gu = udp_listen(x->base, "Graphite plaintext", ga, &l->graphite, err, n))))
        return failed("graphite-listen", err, n);
    if (!off("statsd-listen", sa) &&
        !(l->statsd = statsd_start(x->base, x->store, sa, config_get(c, "statsd-flush"), err, n)))
        return failed("statsd-listen", err, n);
    if (!off("relay-listen", ra) && !(l->relays = relay_listen(x->base, ra, x->store, poll_ms, err, n)))
        return failed("relay-listen", err, n);
    l->api.relays = l->relays;
    if (l->http) serve_routes(l->http, &l->api, x->base);
    return 0;
}

/* Stop in the order data flows, so what a listener still holds reaches the store. */
static void listeners_stop(listeners *l) {
    engine_free(l->engine); /* answers the queries in flight while HTTP still can */
    alerts_close(l->alerts); /* after the engine: its last round has ended */
    streams_close();
    listener_free(l->gt);
    listener_free(l->gu);
    relay_free(l->relays);
    statsd_stop(l->statsd); /* its last flush goes to the store */
    http_free(l->http);
}

/* Caught before any listener binds: a SIGTERM sent once a port answers (and
 * before "ready") is a clean stop when the loop starts, never the default death. */
static void signals_catch(serve_ctx *x, struct event **ev) {
    ev[0] = evsignal_new(x->base, SIGINT, on_signal, x);
    ev[1] = evsignal_new(x->base, SIGTERM, on_signal, x);
    event_add(ev[0], NULL);
    event_add(ev[1], NULL);
}

static void run_loop(serve_ctx *x) {
    struct event *tick = event_new(x->base, -1, EV_PERSIST, on_tick, x);
    struct timeval sec = {1, 0};
    event_add(tick, &sec);
    log_info("ready");
    loop_run(x->base);
    event_free(tick);
}

int cmd_serve(int argc, char **argv) {
    tm_config c;
    char err[512];
    if (config_help(argc, argv)) {
        serve_usage(stdout);
        return 0;
    }
    tm_store_opts so;
    tm_limits lim;
    tm_forward_opts fo;
    if (config_parse(&c, FLAGS, NFLAGS, argc, argv, err, sizeof err) || serve_check(&c, &so, err, sizeof err) ||
        limits_opts(&c, &lim, err, sizeof err) || forward_check(&c, &so, &fo, err, sizeof err)) {
        fprintf(stderr, "tidemark serve: %s\n", err);
        config_free(&c);
        return 2;
    }
    log_level = log_level_parse(config_get(&c, "log-level")); /* serve_check refused the others */
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
    x.fwd = forward_start(x.store, &fo, err, sizeof err);
    if (!x.fwd && err[0]) {
        log_error("cannot start forwarding: %s", err);
        store_close(x.store);
        config_free(&c);
        return 1;
    }
    char **logs;
    size_t nlogs = config_list(&c, "tail-log", &logs);
    if (nlogs && !(x.tails = tails_start(x.store, logs, nlogs, so.memory ? NULL : so.data_dir, err, sizeof err))) {
        log_error("cannot follow --tail-log: %s", err);
        forward_stop(x.fwd);
        store_close(x.store);
        config_free(&c);
        return 1;
    }
    /* the changelist folds each request's add/remove of read and write
     * interest into one epoll_ctl: a third fewer syscalls per HTTP request */
    struct event_config *ec = event_config_new();
    event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    x.base = event_base_new_with_config(ec);
    event_config_free(ec);
    admit_init(x.base, &lim);
    struct event *sigs[2];
    signals_catch(&x, sigs);
    listeners l = {0};
    int rc = 0;
    if (listeners_start(&l, &c, &x, so.step[0], err, sizeof err)) {
        log_error("cannot start: %s", err);
        x.why = "a listener could not start";
        rc = 1;
    } else {
        run_loop(&x);
    }
    log_info("stopping: %s", x.why ? x.why : "event loop ended");
    listeners_stop(&l);
    event_free(sigs[0]);
    event_free(sigs[1]);
    tails_stop(x.tails);
    forward_stop(x.fwd); /* after the listeners: their last samples are queued too */
    if (store_close(x.store)) rc = 1; /* data is safe in the log, but the stop was not clean */
    sink_free(&l.graphite);
    admit_shutdown();
    event_base_free(x.base);
    config_free(&c);
    log_info("stopped");
    return rc;
}

/* `tidemark routes`: the table serve_routes builds, printed without opening
 * a socket; an in-memory store stands in for the data directory. */
int cmd_routes(int argc, char **argv) {
    if (argc && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        printf("usage: tidemark routes\n\nprints every HTTP route of `tidemark serve`, one a line: its methods, its\n"
               "path (* ends a prefix route) and who may call it (public, read, write)\n");
        return 0;
    }
    if (argc) {
        fprintf(stderr, "tidemark routes: takes no arguments, not \"%s\"\n", argv[0]);
        return 2;
    }
    tm_config c;
    tm_store_opts so;
    char err[512], *mem[] = {"--memory"};
    if (config_parse(&c, FLAGS, NFLAGS, 1, mem, err, sizeof err) || serve_check(&c, &so, err, sizeof err)) {
        fprintf(stderr, "tidemark routes: %s\n", err);
        config_free(&c);
        return 1;
    }
    tm_store *st = store_open(&so, err, sizeof err);
    if (!st) {
        fprintf(stderr, "tidemark routes: %s\n", err);
        config_free(&c);
        return 1;
    }
    struct event_base *base = event_base_new();
    tm_http_opts ho = {0};
    tm_http *h = http_new(base, &ho);
    tm_api api = {st, so.step[0], NULL, NULL, NULL, NULL, NULL};
    serve_routes(h, &api, base);
    http_routes_print(h, stdout);
    streams_close();
    http_free(h);
    store_close(st);
    event_base_free(base);
    config_free(&c);
    return 0;
}
