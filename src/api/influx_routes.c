/* influx_routes.c — the part of InfluxDB 1.x's HTTP API that writers use,
 * so Telegraf's outputs.influxdb and the influx CLI work unchanged:
 *
 *   POST /write?db=&rp=&precision=&consistency=  line protocol; 204, or 400
 *        {"error","line"} naming the first bad line (the good ones are kept)
 *   GET|POST /query?q=  CREATE DATABASE (remembered, nothing else to do: all
 *        data goes to one store) and SHOW DATABASES; anything else is a 400
 *   GET|HEAD /ping      204 (200 {"version"} with verbose=true)
 *
 * Every answer carries X-Influxdb-Version, which clients read to tell what
 * they talk to. db, rp and consistency are accepted and ignored. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "../ingest/influx.h"
#include "../util/counters.h"
#include "../util/jsonw.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "api.h"

#define INFLUX_VERSION "1.8.10"
#define DB_MAX 64     /* databases remembered for SHOW DATABASES */
#define DB_NAME_MAX 64

/* The loop thread alone serves HTTP, so this needs no lock. */
static struct {
    char name[DB_MAX][DB_NAME_MAX + 1];
    size_t n;
} dbs;

static void remember_db(const char *name, size_t n) {
    if (!n || n > DB_NAME_MAX) return;
    for (size_t i = 0; i < dbs.n; i++)
        if (strlen(dbs.name[i]) == n && !memcmp(dbs.name[i], name, n)) return;
    if (dbs.n == DB_MAX) return;
    memcpy(dbs.name[dbs.n], name, n);
    dbs.name[dbs.n++][n] = 0;
}

static void version_header(tm_req *r) {
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(h, "X-Influxdb-Version", INFLUX_VERSION);
    evhttp_add_header(h, "X-Influxdb-Build", "OSS");
}

static void route_ping(tm_req *r, void *arg) {
    (void)arg;
    version_header(r);
    const char *v = req_param(r, "verbose");
    if (v && (!strcmp(v, "true") || !strcmp(v, "1"))) {
        static const char body[] = "{\"version\":\"" INFLUX_VERSION "\"}";
        http_reply(r, 200, "application/json", body, sizeof body - 1);
        return;
    }
    http_reply(r, 204, NULL, "", 0);
}

static void route_write(tm_req *r, void *arg) {
    tm_api *api = arg;
    version_header(r);
    const char *prec = req_param(r, "precision");
    int64_t unit = influx_precision(prec);
    if (!unit) {
        char msg[160];
        snprintf(msg, sizeof msg, "invalid precision \"%.40s\" (use n, u, ms, s, m or h)", prec);
        http_error(r, 400, msg, 0);
        return;
    }
    const char *db = req_param(r, "db");
    if (db) remember_db(db, strlen(db));
    tm_batch b;
    batch_init(&b);
    int64_t now = now_ms();
    influx_parse(r->body, r->body_len, unit, now, &b);
    size_t stored = b.n ? store_write(api->store, &b, now) : 0;
    count_add(&counters.received[P_INFLUX], stored);
    if (b.nerr) count_add(&counters.rejected[P_INFLUX], b.nerr);
    if (api_refused(r, &b, stored)) {
        /* Telegraf keeps a batch answered 5xx and sends it again */
    } else if (b.nerr) {
        char msg[512];
        snprintf(msg, sizeof msg, "partial write: %s (%zu stored, %zu rejected)", b.err, stored, b.nerr);
        log_limited(LOG_WARN, "influx write: line %zu: %s", b.err_line, msg);
        http_error(r, 400, msg, b.err_line);
    } else {
        http_reply(r, 204, NULL, "", 0);
    }
    batch_free(&b);
}

/* ---- /query: just enough InfluxQL ---- */

static const char *skip_ws(const char *p, const char *e) {
    while (p < e && isspace((unsigned char)*p)) p++;
    return p;
}

/* A case-insensitive keyword followed by a non-identifier byte. */
static int keyword(const char **pp, const char *e, const char *kw) {
    const char *p = skip_ws(*pp, e);
    size_t n = strlen(kw);
    if ((size_t)(e - p) < n || strncasecmp(p, kw, n)) return 0;
    if (p + n < e && (isalnum((unsigned char)p[n]) || p[n] == '_')) return 0;
    *pp = p + n;
    return 1;
}

/* An InfluxQL identifier: "quoted" (backslash escapes) or [A-Za-z_][A-Za-z0-9_]*. */
static int identifier(const char **pp, const char *e, char *out, size_t cap, size_t *n) {
    const char *p = skip_ws(*pp, e);
    *n = 0;
    if (p < e && *p == '"') {
        for (p++; p < e && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < e) p++;
            if (*n + 1 >= cap) return 0;
            out[(*n)++] = *p;
        }
        if (p == e) return 0;
        p++;
    } else {
        if (p == e || !(isalpha((unsigned char)*p) || *p == '_')) return 0;
        for (; p < e && (isalnum((unsigned char)*p) || *p == '_'); p++) {
            if (*n + 1 >= cap) return 0;
            out[(*n)++] = *p;
        }
    }
    out[*n] = 0;
    *pp = p;
    return 1;
}

/* One statement [p, e) answered into out; returns 0 with *why if unknown. */
static int statement(const char *p, const char *e, size_t id, tm_buf *out, const char **why) {
    char name[DB_NAME_MAX + 1];
    size_t n;
    if (keyword(&p, e, "CREATE")) {
        if (!keyword(&p, e, "DATABASE")) return *why = "only CREATE DATABASE is supported", 0;
        if (!identifier(&p, e, name, sizeof name, &n)) return *why = "expected a database name (at most 64 bytes)", 0;
        p = skip_ws(p, e);
        if (p < e && !keyword(&p, e, "WITH")) return *why = "unexpected text after the database name", 0;
        remember_db(name, n);
        buf_printf(out, "{\"statement_id\":%zu}", id);
        return 1;
    }
    if (keyword(&p, e, "SHOW") && keyword(&p, e, "DATABASES") && skip_ws(p, e) == e) {
        buf_printf(out, "{\"statement_id\":%zu,\"series\":[{\"name\":\"databases\",\"columns\":[\"name\"]", id);
        if (dbs.n) {
            buf_printf(out, ",\"values\":[");
            for (size_t i = 0; i < dbs.n; i++) {
                buf_printf(out, i ? ",[" : "[");
                json_put_string(out, dbs.name[i], strlen(dbs.name[i]));
                buf_putc(out, ']');
            }
            buf_putc(out, ']');
        }
        buf_printf(out, "}]}");
        return 1;
    }
    return *why = "tidemark answers only CREATE DATABASE and SHOW DATABASES here; "
                  "read data with /api/v1/query",
           0;
}

/* The end of the statement at p: the next ';' outside quotes. */
static const char *statement_end(const char *p, const char *e) {
    char quote = 0;
    for (; p < e; p++) {
        if (quote) {
            if (*p == '\\' && p + 1 < e) p++;
            else if (*p == quote) quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == ';') {
            break;
        }
    }
    return p;
}

static void route_query(tm_req *r, void *arg) {
    (void)arg;
    version_header(r);
    const char *q = req_param(r, "q");
    if (!q || !*skip_ws(q, q + strlen(q))) {
        http_error(r, 400, "missing required parameter \"q\"", 0);
        return;
    }
    tm_buf out = {0};
    buf_printf(&out, "{\"results\":[");
    const char *p = q, *e = q + strlen(q);
    size_t id = 0;
    while (p < e) {
        const char *se = statement_end(p, e);
        if (skip_ws(p, se) < se) {
            const char *why = NULL;
            if (id) buf_putc(&out, ',');
            if (!statement(p, se, id, &out, &why)) {
                char msg[300];
                snprintf(msg, sizeof msg, "error parsing query: %s", why);
                http_error(r, 400, msg, 0);
                buf_free(&out);
                return;
            }
            id++;
        }
        p = se < e ? se + 1 : e;
    }
    buf_printf(&out, "]}");
    http_json(r, 200, &out);
    buf_free(&out);
}

void routes_influx(tm_http *h, tm_api *api) {
    http_route(h, M_POST, "/write", 0, R_WRITE, route_write, api);
    http_route(h, M_GET | M_POST, "/query", 0, R_READ, route_query, api);
    http_route(h, M_GET | M_HEAD, "/ping", 0, R_PUBLIC, route_ping, api);
}
