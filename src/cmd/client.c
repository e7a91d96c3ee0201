/* client.c — `tidemark send` and `tidemark query`, over the HTTP API. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../model/batch.h"
#include "../util/config.h"
#include "../util/httpc.h"
#include "../util/timeparse.h"
#include "cmd.h"

static const tm_flag SEND_FLAGS[] = {
    {"config", NULL, "JSON file whose keys are these flags' long names", FLAG_STR},
    {"server", "http://127.0.0.1:8080", "tidemark's HTTP address", FLAG_STR},
    {"token", NULL, "API token (X-AUTH-TOKEN)", FLAG_STR},
    {"tag", NULL, "a tag k=v of the series", FLAG_LIST},
};
static const tm_flag QUERY_FLAGS[] = {
    {"config", NULL, "JSON file whose keys are these flags' long names", FLAG_STR},
    {"server", "http://127.0.0.1:8080", "tidemark's HTTP address", FLAG_STR},
    {"token", NULL, "API token (X-AUTH-TOKEN)", FLAG_STR},
    {"tag", NULL, "only series with tag k=v", FLAG_LIST},
    {"from", "-1h", "start: Unix seconds, RFC 3339, now or -1h", FLAG_STR},
    {"until", "now", "end, same forms", FLAG_STR},
    {"step", NULL, "bucket width (10s, 1m...); raw samples without it", FLAG_STR},
    {"agg", "avg", "avg, min, max, sum, count or last", FLAG_STR},
    {"json", "false", "print the server's JSON answer", FLAG_BOOL},
};

#define NSEND (sizeof SEND_FLAGS / sizeof *SEND_FLAGS)

static int want_help(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

static json_t *value_json(const char *s) {
    double v, v2;
    int t = value_detect(s, strlen(s), &v, &v2);
    if (t == TM_NUMBER) return json_real(v);
    if (t == TM_LOCATION) return json_pack("[ff]", v, v2);
    return json_string(s);
}

/* The JSON object of the sample the command line describes, or NULL. */
static json_t *send_body(tm_config *c, char *err, size_t errlen) {
    json_t *o = json_object(), *tags = json_object();
    json_object_set_new(o, "metric", json_string(c->pos[0]));
    json_object_set_new(o, "value", value_json(c->pos[1]));
    json_object_set_new(o, "tags", tags);
    if (c->npos == 3) {
        int64_t ms;
        if (!parse_time_ms(c->pos[2], strlen(c->pos[2]), now_ms(), &ms)) {
            snprintf(err, errlen, "bad time \"%s\"", c->pos[2]);
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, "time", json_real((double)ms / 1000.0));
    }
    char **tl;
    size_t nt = config_list(c, "tag", &tl);
    for (size_t i = 0; i < nt; i++) {
        char *eq = strchr(tl[i], '=');
        if (!eq) {
            snprintf(err, errlen, "--tag wants k=v, not \"%s\"", tl[i]);
            json_decref(o);
            return NULL;
        }
        char *k = xstrndup(tl[i], (size_t)(eq - tl[i]));
        json_object_set_new(tags, k, json_string(eq + 1));
        free(k);
    }
    return o;
}

int cmd_send(int argc, char **argv) {
    if (want_help(argc, argv)) {
        config_usage(stdout, "send", "NAME VALUE [TIME]", SEND_FLAGS, NSEND);
        return 0;
    }
    tm_config c;
    char err[512];
    int bad = config_parse(&c, SEND_FLAGS, NSEND, argc, argv, err, sizeof err);
    if (bad || c.npos < 2 || c.npos > 3) {
        fprintf(stderr, "tidemark send: %s\n", bad ? err : "usage: send NAME VALUE [TIME] [flags] (see --help)");
        config_free(&c);
        return 2;
    }
    json_t *o = send_body(&c, err, sizeof err);
    if (!o) {
        fprintf(stderr, "tidemark send: %s\n", err);
        config_free(&c);
        return 2;
    }
    char *body = json_dumps(o, JSON_COMPACT);
    tm_buf url = {0}, resp = {0};
    buf_printf(&url, "%s/api/v1/data%c", config_get(&c, "server"), 0);
    long code = httpc_request("POST", (char *)url.p, config_get(&c, "token"), "application/json", body, strlen(body),
                              &resp, err, sizeof err);
    int rc = code == 200 ? 0 : 1;
    if (code < 0) fprintf(stderr, "tidemark send: %s\n", err);
    else if (code != 200) fprintf(stderr, "tidemark send: HTTP %ld: %.*s\n", code, (int)resp.n, (char *)resp.p);
    free(body);
    json_decref(o);
    buf_free(&url);
    buf_free(&resp);
    config_free(&c);
    return rc;
}

static void print_table(json_t *root) {
    json_t *pts = json_object_get(root, "points");
    size_t i;
    json_t *p;
    printf("%-20s  %s\n", "time", "value");
    json_array_foreach(pts, i, p) {
        double t = json_number_value(json_array_get(p, 0));
        time_t s = (time_t)t;
        struct tm tm;
        char ts[32];
        gmtime_r(&s, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        char *v = json_dumps(json_array_get(p, 1), JSON_COMPACT | JSON_ENCODE_ANY);
        printf("%-20s  %s\n", ts, v ? v : "null");
        free(v);
    }
}

int cmd_query(int argc, char **argv) {
    size_t nf = sizeof QUERY_FLAGS / sizeof *QUERY_FLAGS;
    if (want_help(argc, argv)) {
        config_usage(stdout, "query", "NAME", QUERY_FLAGS, nf);
        return 0;
    }
    tm_config c;
    char err[512];
    int bad = config_parse(&c, QUERY_FLAGS, nf, argc, argv, err, sizeof err);
    if (bad || c.npos != 1) {
        fprintf(stderr, "tidemark query: %s\n", bad ? err : "usage: query NAME [flags] (see --help)");
        config_free(&c);
        return 2;
    }
    tm_buf url = {0}, resp = {0};
    buf_printf(&url, "%s/api/v1/query?metric=", config_get(&c, "server"));
    url_encode(&url, c.pos[0]);
    const char *keys[] = {"from", "until", "step", "agg"};
    for (int i = 0; i < 4; i++) {
        const char *v = config_get(&c, keys[i]);
        if (!v) continue;
        buf_printf(&url, "&%s=", keys[i]);
        url_encode(&url, v);
    }
    char **tl;
    size_t nt = config_list(&c, "tag", &tl);
    for (size_t i = 0; i < nt; i++) {
        char *eq = strchr(tl[i], '=');
        if (!eq) continue;
        *eq = ':';
        buf_printf(&url, "&tag=");
        url_encode(&url, tl[i]);
    }
    buf_putc(&url, 0);
    long code = httpc_request("GET", (char *)url.p, config_get(&c, "token"), NULL, NULL, 0, &resp, err, sizeof err);
    int rc = 1;
    if (code < 0) fprintf(stderr, "tidemark query: %s\n", err);
    else if (code != 200) fprintf(stderr, "tidemark query: HTTP %ld: %.*s\n", code, (int)resp.n, (char *)resp.p);
    else if (config_bool(&c, "json")) {
        printf("%.*s\n", (int)resp.n, (char *)resp.p);
        rc = 0;
    } else {
        json_t *root = json_loadb((char *)resp.p, resp.n, 0, NULL);
        if (root) print_table(root);
        json_decref(root);
        rc = root ? 0 : 1;
    }
    buf_free(&url);
    buf_free(&resp);
    config_free(&c);
    return rc;
}
