/* payload.c — notification bodies: SPEC's, Alertmanager webhook v4, and
 * Alertmanager's API v2 (see payload.h). */
#include "payload.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static json_t *rfc3339(int64_t ms) {
    char s[40];
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(s + n, sizeof s - n, ".%03dZ", (int)(ms % 1000));
    return json_string(s);
}

static int64_t ms_of(json_t *v) { return (int64_t)(json_number_value(v) * 1000.0 + 0.5); }

static void label_name(char *out, size_t cap, const char *k) {
    size_t i = 0;
    for (; k[i] && i + 1 < cap; i++) {
        char c = k[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i && c >= '0' && c <= '9');
        out[i] = ok ? c : '_';
    }
    out[i] = 0;
}

static char *text_of(json_t *v) {
    if (json_is_string(v)) return strdup(json_string_value(v));
    if (json_is_null(v) || !v) return strdup("");
    return json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
}

json_t *payload_labels(json_t *ev) {
    json_t *l = json_object(), *tags = json_object_get(ev, "tags");
    const char *k;
    json_t *v;
    char name[256];
    json_object_foreach(tags, k, v) {
        label_name(name, sizeof name, k);
        json_object_set(l, name, v);
    }
    json_object_set(l, "alertname", json_object_get(ev, "name"));
    json_object_set(l, "severity", json_object_get(ev, "level"));
    json_object_set(l, "tidemark_rule", json_object_get(ev, "id"));
    json_object_set(l, "metric", json_object_get(ev, "metric"));
    return l;
}

json_t *payload_annotations(json_t *ev) {
    json_t *a = json_object();
    const char *keys[] = {"summary", "value", "threshold"};
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_object_get(ev, keys[i]);
        if (!v) continue;
        char *s = text_of(v);
        json_object_set_new(a, keys[i], json_string(s));
        free(s);
    }
    return a;
}

/* FNV-1a over the sorted labels: stable for one series of one rule */
static json_t *fingerprint(json_t *l) {
    char *s = json_dumps(l, JSON_COMPACT | JSON_SORT_KEYS);
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = s; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    free(s);
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    return json_string(hex);
}

/* one alert in Alertmanager's shape */
static json_t *am_alert(json_t *ev, int64_t now, int webhook) {
    int firing = !strcmp(json_string_value(json_object_get(ev, "state")), "firing");
    json_t *since = json_object_get(ev, "since"), *a = json_object();
    json_t *l = payload_labels(ev);
    int64_t t = ms_of(json_object_get(ev, "time"));
    json_object_set_new(a, "labels", l);
    json_object_set_new(a, "annotations", payload_annotations(ev));
    json_object_set_new(a, "startsAt", rfc3339(since ? ms_of(since) : t));
    if (firing) json_object_set_new(a, "endsAt", webhook ? json_string("0001-01-01T00:00:00Z")
                                                          : rfc3339(now + AM_ENDS_AFTER_MS));
    else json_object_set_new(a, "endsAt", rfc3339(t));
    json_object_set_new(a, "generatorURL", json_string(""));
    if (webhook) {
        json_object_set_new(a, "status", json_string(firing ? "firing" : "resolved"));
        json_object_set_new(a, "fingerprint", fingerprint(l));
    }
    return a;
}

static json_t *am_webhook(json_t *ev, int64_t now) {
    json_t *a = am_alert(ev, now, 1), *o = json_object(), *g = json_object();
    json_object_set(g, "alertname", json_object_get(ev, "name"));
    char *gl = json_dumps(g, JSON_COMPACT);
    char key[600];
    snprintf(key, sizeof key, "{}:%s", gl);
    free(gl);
    json_object_set_new(o, "version", json_string("4"));
    json_object_set_new(o, "groupKey", json_string(key));
    json_object_set_new(o, "truncatedAlerts", json_integer(0));
    json_object_set(o, "status", json_object_get(a, "status"));
    json_object_set_new(o, "receiver", json_string("tidemark"));
    json_object_set_new(o, "groupLabels", g);
    json_object_set(o, "commonLabels", json_object_get(a, "labels"));
    json_object_set(o, "commonAnnotations", json_object_get(a, "annotations"));
    json_object_set_new(o, "externalURL", json_string(""));
    json_t *arr = json_array();
    json_array_append_new(arr, a);
    json_object_set_new(o, "alerts", arr);
    return o;
}

int payload_render(int kind, const char *event_json, int64_t now, tm_buf *out) {
    if (kind == NOTIFY_POST) {
        buf_put(out, event_json, strlen(event_json));
        return 0;
    }
    json_t *ev = json_loads(event_json, 0, NULL);
    if (!json_is_object(ev) || !json_is_string(json_object_get(ev, "state")) ||
        !json_is_number(json_object_get(ev, "time"))) {
        json_decref(ev);
        return -1;
    }
    json_t *body;
    if (kind == NOTIFY_AM_HOOK) body = am_webhook(ev, now);
    else {
        body = json_array();
        json_array_append_new(body, am_alert(ev, now, 0));
    }
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    buf_put(out, s, strlen(s));
    free(s);
    json_decref(body);
    json_decref(ev);
    return 0;
}
