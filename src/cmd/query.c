/* query.c — `tidemark query NAME`: a series as a table people read, over
 * the HTTP API (GET /api/v1/query).
 *
 * Numbers print as a person writes them (humannum.h). When several series
 * match, the server folds them into one answer; the table then says so
 * ("temp: 4 series, avg, 10s buckets"), and --each prints every series
 * apart instead (each one named, asked for with exact=1). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/config.h"
#include "../util/httpc.h"
#include "../util/humannum.h"
#include "cmd.h"

static const tm_flag QUERY_FLAGS[] = {
    {"config", NULL, "JSON file whose keys are these flags' long names", FLAG_STR},
    {"server", "http://127.0.0.1:8080", "tidemark's HTTP address", FLAG_STR},
    {"token", NULL, "API token (X-AUTH-TOKEN)", FLAG_STR},
    {"tag", NULL, "only series with tag k=v", FLAG_LIST},
    {"from", "-1h", "start: Unix seconds, RFC 3339, now or -1h", FLAG_STR},
    {"until", "now", "end, same forms", FLAG_STR},
    {"step", NULL, "bucket width (10s, 1m...); raw samples without it", FLAG_STR},
    {"agg", "avg", "avg, min, max, sum, count or last", FLAG_STR},
    {"each", "false", "print every matching series apart instead of folded into one", FLAG_BOOL},
    {"json", "false", "print the server's JSON answer", FLAG_BOOL},
};
#define NQUERY (sizeof QUERY_FLAGS / sizeof *QUERY_FLAGS)

/* GET server + path: the answer as JSON (its bytes appended to raw, when
 * given), or NULL with the reason printed. */
static json_t *get_json(const tm_config *c, const char *path, tm_buf *raw) {
    tm_buf url = {0}, resp = {0};
    char err[512];
    buf_printf(&url, "%s%s%c", config_get(c, "server"), path, 0);
    long code = httpc_request("GET", (char *)url.p, config_get(c, "token"), NULL, NULL, 0, &resp, err, sizeof err);
    json_t *root = NULL;
    if (code < 0) fprintf(stderr, "tidemark query: %s\n", err);
    else if (code != 200) fprintf(stderr, "tidemark query: HTTP %ld: %.*s\n", code, (int)resp.n, (char *)resp.p);
    else if (!(root = json_loadb((char *)resp.p, resp.n, 0, NULL)))
        fprintf(stderr, "tidemark query: the answer is not JSON\n");
    if (root && raw) buf_put(raw, resp.p, resp.n);
    buf_free(&url);
    buf_free(&resp);
    return root;
}

/* "&tag=k:v" for every --tag k=v */
static void flag_tags(tm_buf *b, const tm_config *c) {
    char **tl;
    size_t nt = config_list(c, "tag", &tl);
    for (size_t i = 0; i < nt; i++) {
        const char *eq = strchr(tl[i], '=');
        if (!eq) continue;
        buf_printf(b, "&tag=%.*s%%3A", (int)(eq - tl[i]), tl[i]);
        url_encode(b, eq + 1);
    }
}

/* the /api/v1/query path for metric: with tags (a series' own), exactly it */
static void query_path(tm_buf *b, const tm_config *c, const char *metric, json_t *tags) {
    buf_printf(b, "/api/v1/query?metric=");
    url_encode(b, metric);
    static const char *const keys[] = {"from", "until", "step", "agg"};
    for (int i = 0; i < 4; i++) {
        const char *v = config_get(c, keys[i]);
        if (!v) continue;
        buf_printf(b, "&%s=", keys[i]);
        url_encode(b, v);
    }
    if (!tags) {
        flag_tags(b, c);
    } else {
        const char *k;
        json_t *v;
        buf_printf(b, "&exact=1");
        json_object_foreach(tags, k, v) {
            buf_printf(b, "&tag=");
            url_encode(b, k);
            buf_printf(b, "%%3A");
            url_encode(b, json_string_value(v));
        }
    }
    buf_putc(b, 0);
}

static void print_value(json_t *v) {
    char n[64], m[64];
    if (json_is_number(v)) {
        human_number(json_number_value(v), n, sizeof n);
        printf("%s\n", n);
    } else if (json_is_string(v)) {
        printf("%s\n", json_string_value(v));
    } else if (json_is_array(v) && json_array_size(v) == 2) {
        human_number(json_number_value(json_array_get(v, 0)), n, sizeof n);
        human_number(json_number_value(json_array_get(v, 1)), m, sizeof m);
        printf("%s, %s\n", n, m);
    } else {
        printf("null\n");
    }
}

/* title: a series' name and tags ("temp;host=a"), or NULL */
static void print_table(json_t *root, const tm_config *c, const char *title) {
    json_int_t folded = json_integer_value(json_object_get(root, "series"));
    char step[64];
    human_number(json_number_value(json_object_get(root, "step")), step, sizeof step);
    if (title) printf("%s\n", title);
    if (folded > 1)
        printf("%s: %lld series, %s, %ss buckets (--each prints them apart)\n",
               json_string_value(json_object_get(root, "metric")), (long long)folded, config_get(c, "agg"), step);
    printf("%-20s  %s\n", "time", "value");
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(root, "points"), i, p) {
        double t = json_number_value(json_array_get(p, 0));
        time_t s = (time_t)t;
        struct tm tm;
        char ts[32];
        gmtime_r(&s, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        printf("%-20s  ", ts);
        print_value(json_array_get(p, 1));
    }
}

/* "temp;host=a": the series an entry of /api/v1/metrics names */
static void series_title(json_t *m, tm_buf *b) {
    buf_printf(b, "%s", json_string_value(json_object_get(m, "metric")));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(m, "tags"), k, v) buf_printf(b, ";%s=%s", k, json_string_value(v));
    buf_putc(b, 0);
}

/* --each: the matching series, then each one's own query */
static int query_each(const tm_config *c, const char *metric) {
    tm_buf path = {0};
    buf_printf(&path, "/api/v1/metrics?match=");
    url_encode(&path, metric);
    flag_tags(&path, c);
    buf_putc(&path, 0);
    json_t *list = get_json(c, (char *)path.p, NULL);
    tm_buf all = {0};
    buf_free(&path);
    int rc = list ? 0 : 1;
    if (list && !json_array_size(list)) {
        fprintf(stderr, "tidemark query: no series matches %s\n", metric);
        rc = 1;
    }
    size_t i;
    json_t *m;
    json_array_foreach(list, i, m) {
        tm_buf q = {0}, title = {0};
        query_path(&q, c, json_string_value(json_object_get(m, "metric")), json_object_get(m, "tags"));
        buf_putc(&all, i ? ',' : '[');
        json_t *root = get_json(c, (char *)q.p, &all);
        series_title(m, &title);
        if (!root) rc = 1;
        else if (!config_bool(c, "json")) {
            if (i) printf("\n");
            print_table(root, c, (char *)title.p);
        }
        json_decref(root);
        buf_free(&q);
        buf_free(&title);
    }
    if (config_bool(c, "json") && !rc) printf("%.*s]\n", (int)all.n, (char *)all.p);
    buf_free(&all);
    json_decref(list);
    return rc;
}

int cmd_query(int argc, char **argv) {
    if (config_help(argc, argv)) {
        config_usage(stdout, "query", "NAME", QUERY_FLAGS, NQUERY);
        return 0;
    }
    tm_config c;
    char err[512];
    int bad = config_parse(&c, QUERY_FLAGS, NQUERY, argc, argv, err, sizeof err);
    if (bad || c.npos != 1) {
        fprintf(stderr, "tidemark query: %s\n", bad ? err : "usage: query NAME [flags] (see --help)");
        config_free(&c);
        return 2;
    }
    int rc = 0;
    if (config_bool(&c, "each")) {
        rc = query_each(&c, c.pos[0]);
    } else {
        tm_buf q = {0};
        query_path(&q, &c, c.pos[0], NULL);
        tm_buf raw = {0};
        json_t *root = get_json(&c, (char *)q.p, &raw);
        if (!root) rc = 1;
        else if (config_bool(&c, "json")) printf("%.*s\n", (int)raw.n, (char *)raw.p);
        else print_table(root, &c, NULL);
        json_decref(root);
        buf_free(&q);
        buf_free(&raw);
    }
    config_free(&c);
    return rc;
}
