/* event.c — an alert transition as JSON, and its summary template. */
#include "event.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../model/batch.h"
#include "../util/jsonw.h"

void event_put_threshold(tm_buf *b, const alert_event *e) {
    const alert_rule *r = e->rule;
    int l = e->level && r->has_thr[e->level] ? e->level : rule_base_level(r);
    if (r->str_thr) json_put_string(b, r->str_thr, strlen(r->str_thr));
    else if (r->has_thr[l]) json_put_number(b, r->thr[l]);
    else buf_put(b, "null", 4);
}

static void put_value(tm_buf *b, const alert_event *e, int quoted) {
    if (e->sval) {
        if (quoted) json_put_string(b, e->sval, e->slen);
        else buf_put(b, e->sval, e->slen);
    } else if (quoted) {
        json_put_number(b, e->value);
    } else if (isnan(e->value)) {
        buf_put(b, "none", 4);
    } else {
        buf_printf(b, "%g", e->value);
    }
}

static size_t name_len(const alert_event *e) {
    const char *semi = memchr(e->key, ';', e->klen);
    return semi ? (size_t)(semi - e->key) : e->klen;
}

/* one {{name}} of a template; unknown names render as nothing */
static void placeholder(tm_buf *b, const alert_event *e, const char *n, size_t len) {
    const alert_rule *r = e->rule;
#define IS(s) (len == sizeof s - 1 && !memcmp(n, s, len))
    if (IS("metric")) buf_put(b, e->key, name_len(e));
    else if (IS("series")) buf_put(b, e->key, e->klen);
    else if (IS("value")) put_value(b, e, 0);
    else if (IS("level")) buf_put(b, level_names[e->level], strlen(level_names[e->level]));
    else if (IS("state")) buf_put(b, e->firing ? "firing" : "ok", e->firing ? 6 : 2);
    else if (IS("id")) buf_put(b, r->id, strlen(r->id));
    else if (IS("name")) buf_put(b, r->name ? r->name : r->id, strlen(r->name ? r->name : r->id));
    else if (IS("threshold")) {
        tm_buf t = {0};
        event_put_threshold(&t, e);
        size_t q = t.n && t.p[0] == '"'; /* a string threshold shows without its quotes */
        buf_put(b, t.p + q, t.n - 2 * q);
        buf_free(&t);
    } else if (len > 5 && !memcmp(n, "tags.", 5)) {
        tm_tag tags[64];
        size_t nl, nt = key_split(e->key, e->klen, &nl, tags, 64);
        for (size_t i = 0; i < nt; i++)
            if (tags[i].klen == len - 5 && !memcmp(tags[i].k, n + 5, len - 5)) {
                char v[TM_KEY_MAX];
                buf_put(b, v, tag_value(tags[i].v, tags[i].vlen, v));
            }
    }
#undef IS
}

void event_summary(tm_buf *b, const alert_event *e) {
    const char *t = e->rule->summary;
    if (!t) return;
    for (const char *p = t; *p;) {
        const char *open = strstr(p, "{{"), *close = open ? strstr(open + 2, "}}") : NULL;
        if (!close) {
            buf_put(b, p, strlen(p));
            return;
        }
        buf_put(b, p, (size_t)(open - p));
        const char *n = open + 2, *end = close;
        while (n < end && *n == ' ') n++;
        while (end > n && end[-1] == ' ') end--;
        placeholder(b, e, n, (size_t)(end - n));
        p = close + 2;
    }
}

void event_json(tm_buf *b, const alert_event *e) {
    const alert_rule *r = e->rule;
    buf_put(b, "{\"id\":", 6);
    json_put_string(b, r->id, strlen(r->id));
    buf_put(b, ",\"name\":", 8);
    const char *nm = r->name ? r->name : r->id;
    json_put_string(b, nm, strlen(nm));
    buf_put(b, ",\"metric\":", 10);
    json_put_string(b, e->key, name_len(e));
    buf_put(b, ",\"tags\":", 8);
    json_put_tags(b, e->key, e->klen);
    buf_put(b, ",\"series\":", 10);
    json_put_string(b, e->key, e->klen);
    buf_printf(b, ",\"level\":\"%s\",\"state\":\"%s\",\"value\":", level_names[e->level], e->firing ? "firing" : "ok");
    put_value(b, e, 1);
    buf_put(b, ",\"threshold\":", 13);
    event_put_threshold(b, e);
    buf_put(b, ",\"time\":", 8);
    json_put_time(b, e->time);
    if (e->firing || e->active_at) {
        buf_put(b, ",\"since\":", 9);
        json_put_time(b, e->active_at);
    }
    if (r->summary) {
        tm_buf s = {0};
        event_summary(&s, e);
        buf_put(b, ",\"summary\":", 11);
        json_put_string(b, (const char *)s.p, s.n);
        buf_free(&s);
    }
    if (e->nodata) buf_put(b, ",\"nodata\":true", 14);
    if (e->silenced) buf_put(b, ",\"silenced\":true", 16);
    buf_putc(b, '}');
}
