/* rule_json.c — a rule's canonical JSON: what GET /alerts shows and what is
 * persisted, so reading it back gives the same rule. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "rule.h"

/* "90s" stays "90s": only whole units are folded, so it reads back exactly */
static json_t *duration(int64_t ms) {
    static const struct {
        int64_t ms;
        const char *u;
    } units[] = {{604800000, "w"}, {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
    size_t i = 0;
    while (ms % units[i].ms) i++;
    char s[40];
    snprintf(s, sizeof s, "%lld%s", (long long)(ms / units[i].ms), units[i].u);
    return json_string(s);
}

/* integral values as integers: a threshold of 70 reads "70", not "70.0" */
static json_t *num(double v) {
    if (v > -1e15 && v < 1e15 && v == (double)(long long)v) return json_integer((json_int_t)v);
    return json_real(v);
}

static json_t *per_level(const double *v, const uint8_t *has, int deflevel) {
    int n = 0, only = 0;
    for (int l = 1; l < LVL_N; l++)
        if (has[l]) n++, only = l;
    if (n == 1 && only == deflevel) return num(v[only]);
    json_t *o = json_object();
    for (int l = 1; l < LVL_N; l++)
        if (has[l]) json_object_set_new(o, level_names[l], num(v[l]));
    return o;
}

static void set_str(json_t *o, const char *k, const char *v) {
    if (v) json_object_set_new(o, k, json_string(v));
}

static void set_dur(json_t *o, const char *k, int64_t ms) {
    if (ms) json_object_set_new(o, k, duration(ms));
}

static void put_condition(json_t *o, const alert_rule *r) {
    json_object_set_new(o, "op", json_string(op_names[r->op]));
    int any = 0;
    for (int l = 1; l < LVL_N; l++) any |= r->has_thr[l];
    if (r->str_thr) json_object_set_new(o, "threshold", json_string(r->str_thr));
    else if (any) json_object_set_new(o, "threshold", per_level(r->thr, r->has_thr, r->level));
    int rec = 0;
    for (int l = 1; l < LVL_N; l++) rec |= r->has_rec[l];
    if (rec) json_object_set_new(o, "recover", per_level(r->rec, r->has_rec, rule_base_level(r)));
    json_object_set_new(o, "agg", json_string(agg_names[r->agg]));
    set_dur(o, "duration", r->duration);
    set_dur(o, "for", r->for_ms);
    set_dur(o, "keep_firing_for", r->keep_firing_ms);
    set_dur(o, "nodata", r->nodata_ms);
}

char *rule_json(const alert_rule *r) {
    json_t *o = json_object();
    if (r->id[0]) json_object_set_new(o, "id", json_string(r->id));
    set_str(o, "name", r->name);
    set_str(o, "metric", r->metric);
    if (r->expr) {
        set_str(o, "expr", r->expr);
        json_object_set_new(o, "lang", json_string(r->expr_lang == EXPR_GRAPHITE ? "graphite" : "promql"));
    }
    json_t *tags = json_object();
    for (size_t i = 0; i < r->ntags; i++) json_object_set_new(tags, r->tag_k[i], json_string(r->tag_v[i]));
    json_object_set_new(o, "tags", tags);
    json_object_set_new(o, "level", json_string(level_names[r->level]));
    put_condition(o, r);
    set_str(o, "summary", r->summary);
    if (r->npost == 1) set_str(o, "post", r->post[0]);
    else if (r->npost) {
        json_t *a = json_array();
        for (size_t i = 0; i < r->npost; i++) json_array_append_new(a, json_string(r->post[i]));
        json_object_set_new(o, "post", a);
    }
    json_object_set_new(o, "format", json_string(r->format == FMT_ALERTMANAGER ? "alertmanager" : "post"));
    json_object_set_new(o, "created", json_real((double)r->created / 1000.0));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(o);
    return s;
}
