/* client.c — `tidemark send`: one sample, over the HTTP API (POST /api/v1/data). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define NSEND (sizeof SEND_FLAGS / sizeof *SEND_FLAGS)

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
    if (config_help(argc, argv)) {
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
