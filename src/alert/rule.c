/* rule.c — reading and validating a rule's JSON (see rule.h). */
#include "rule.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/batch.h"
#include "../util/buf.h"
#include "../util/glob.h"
#include "../util/timeparse.h"

const char *const level_names[LVL_N] = {"", "info", "warn", "crit"};
const char *const op_names[6] = {">", ">=", "<", "<=", "==", "!="};
const char *const agg_names[7] = {"avg", "min", "max", "sum", "count", "last", "rate"};

typedef struct {
    char *field, *err;
    size_t flen, elen;
} why;

static int bad(why *w, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(why *w, const char *field, const char *fmt, ...) {
    snprintf(w->field, w->flen, "%s", field);
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(w->err, w->elen, "%s: %s", field, msg);
    return -1;
}

static int pick(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

static int opt_string(json_t *o, const char *k, char **out, size_t max, why *w) {
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v)) return bad(w, k, "must be a string");
    size_t n = json_string_length(v);
    if (n > max) return bad(w, k, "longer than %zu bytes", max);
    *out = xstrndup(json_string_value(v), n);
    return 0;
}

static int opt_duration(json_t *o, const char *k, int64_t *ms, why *w) {
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) return 0;
    if (json_is_number(v)) {
        double s = json_number_value(v);
        if (!(s >= 0 && s < 3.2e9)) return bad(w, k, "must be a duration such as \"30s\" or \"5m\"");
        *ms = (int64_t)(s * 1000);
        return 0;
    }
    if (!json_is_string(v) || !parse_duration_ms(json_string_value(v), json_string_length(v), ms) ||
        *ms > 3650LL * 86400000)
        return bad(w, k, "must be a duration such as \"30s\" or \"5m\"");
    return 0;
}

static int parse_enum(json_t *o, const char *k, const char *const *names, int n, int *out, why *w) {
    json_t *v = json_object_get(o, k);
    if (!v || json_is_null(v)) return 0;
    int i = json_is_string(v) ? pick(json_string_value(v), names, n) : -1;
    if (i < 0) {
        char list[200] = "";
        for (int j = 0; j < n; j++)
            if (names[j][0]) snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? ", " : "",
                                      names[j]);
        return bad(w, k, "must be one of %s", list);
    }
    *out = i;
    return 0;
}

/* A number, or {"warn":70,"crit":90}: per level into v/has. */
static int per_level(json_t *x, const char *k, int deflevel, double *v, uint8_t *has, why *w) {
    if (json_is_number(x)) {
        v[deflevel] = json_number_value(x);
        has[deflevel] = 1;
        return 0;
    }
    if (!json_is_object(x) || !json_object_size(x))
        return bad(w, k, "must be a number, or an object of levels such as {\"warn\":70,\"crit\":90}");
    const char *lk;
    json_t *lv;
    json_object_foreach(x, lk, lv) {
        int l = pick(lk, level_names, LVL_N);
        if (l <= 0) return bad(w, k, "\"%s\" is not a level (info, warn, crit)", lk);
        if (!json_is_number(lv)) return bad(w, k, "the %s value must be a number", lk);
        v[l] = json_number_value(lv);
        has[l] = 1;
    }
    return 0;
}

static int ordered_up(int op) { return op == AOP_GT || op == AOP_GE; }

/* Escalating thresholds must escalate; a recover value must sit on the ok side. */
static int check_levels(alert_rule *r, why *w) {
    int up = ordered_up(r->op), prev = 0;
    for (int l = 1; l < LVL_N; l++) {
        if (!r->has_thr[l]) continue;
        if (!isfinite(r->thr[l])) return bad(w, "threshold", "must be finite");
        if (prev && (up ? r->thr[l] <= r->thr[prev] : r->thr[l] >= r->thr[prev]))
            return bad(w, "threshold", "%s must be %s than %s for op %s", level_names[l], up ? "higher" : "lower",
                       level_names[prev], op_names[r->op]);
        if (prev && (r->op == AOP_EQ || r->op == AOP_NE))
            return bad(w, "threshold", "several levels need an ordering op (>, >=, <, <=)");
        prev = l;
    }
    for (int l = 1; l < LVL_N; l++) {
        if (!r->has_rec[l]) continue;
        if (!r->has_thr[l]) return bad(w, "recover", "%s has no threshold", level_names[l]);
        if (r->op == AOP_EQ || r->op == AOP_NE) return bad(w, "recover", "needs an op of >, >=, < or <=");
        if (!isfinite(r->rec[l]) || (up ? r->rec[l] > r->thr[l] : r->rec[l] < r->thr[l]))
            return bad(w, "recover", "must be %s the threshold for op %s", up ? "at or below" : "at or above",
                       op_names[r->op]);
    }
    return 0;
}

int rule_base_level(const alert_rule *r) {
    for (int l = 1; l < LVL_N; l++)
        if (r->has_thr[l]) return l;
    return r->level;
}

static int parse_threshold(json_t *o, alert_rule *r, why *w) {
    json_t *t = json_object_get(o, "threshold");
    if (t && json_is_string(t)) {
        if (r->op != AOP_EQ && r->op != AOP_NE) return bad(w, "op", "a string threshold needs == or !=");
        if (json_string_length(t) > TM_STR_MAX) return bad(w, "threshold", "longer than %d bytes", TM_STR_MAX);
        r->str_thr = xstrndup(json_string_value(t), json_string_length(t));
    } else if (t && !json_is_null(t) && per_level(t, "threshold", r->level, r->thr, r->has_thr, w)) {
        return -1;
    }
    json_t *rc = json_object_get(o, "recover");
    if (rc && !json_is_null(rc)) {
        if (r->str_thr) return bad(w, "recover", "a string rule has no recovery threshold");
        if (json_is_number(rc)) { /* a single value belongs to the lowest level: the one ok is measured against */
            r->rec[rule_base_level(r)] = json_number_value(rc);
            r->has_rec[rule_base_level(r)] = 1;
        } else if (per_level(rc, "recover", r->level, r->rec, r->has_rec, w)) {
            return -1;
        }
    }
    int any = 0;
    for (int l = 1; l < LVL_N; l++) any |= r->has_thr[l];
    if (!r->str_thr && !any && !r->nodata_ms && !r->expr) return bad(w, "threshold", "is required (or give nodata)");
    return check_levels(r, w);
}

static int parse_tags(json_t *o, alert_rule *r, why *w) {
    json_t *t = json_object_get(o, "tags");
    if (!t || json_is_null(t)) return 0;
    if (!json_is_object(t)) return bad(w, "tags", "must be an object of strings");
    const char *k;
    json_t *v;
    json_object_foreach(t, k, v) {
        if (!json_is_string(v)) return bad(w, "tags", "the value of \"%s\" must be a string", k);
        if (r->ntags == RULE_MAX_TAGS) return bad(w, "tags", "at most %d", RULE_MAX_TAGS);
        if (!*k || strlen(k) > 200 || strpbrk(k, " ;=~")) return bad(w, "tags", "\"%s\" is not a tag name", k);
        if (!json_string_length(v) || json_string_length(v) > 200 || strpbrk(json_string_value(v), " ;"))
            return bad(w, "tags", "the value of \"%s\" is not a tag value", k);
        r->tag_k[r->ntags] = xstrndup(k, strlen(k));
        r->tag_v[r->ntags++] = xstrndup(json_string_value(v), json_string_length(v));
    }
    return 0;
}

static int parse_url(const char *u, why *w) {
    if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)) return bad(w, "post", "must be an http:// or https:// URL");
    if (strlen(u) > 2000 || strpbrk(u, " \r\n\t")) return bad(w, "post", "is not a URL");
    return 0;
}

static int parse_post(json_t *o, alert_rule *r, why *w) {
    json_t *p = json_object_get(o, "post");
    if (!p || json_is_null(p)) return 0;
    json_t *one[1] = {p};
    size_t n = json_is_array(p) ? json_array_size(p) : 1;
    if (n > RULE_MAX_POST) return bad(w, "post", "at most %d URLs", RULE_MAX_POST);
    for (size_t i = 0; i < n; i++) {
        json_t *u = json_is_array(p) ? json_array_get(p, i) : one[0];
        if (!json_is_string(u)) return bad(w, "post", "must be a URL or an array of URLs");
        if (parse_url(json_string_value(u), w)) return -1;
        r->post[r->npost++] = xstrndup(json_string_value(u), json_string_length(u));
    }
    return 0;
}

static int parse_id(json_t *o, alert_rule *r, why *w) {
    json_t *v = json_object_get(o, "id");
    if (!v || json_is_null(v)) return 0;
    char num[32];
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (json_is_integer(v)) { /* Pulse clients send numbers */
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        s = num;
    }
    if (!s || !*s || strlen(s) > RULE_ID_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789_.-") != strlen(s))
        return bad(w, "id", "must be 1-%d letters, digits, '_', '.' or '-'", RULE_ID_MAX);
    snprintf(r->id, sizeof r->id, "%s", s);
    return 0;
}

static const char *const KNOWN[] = {"id", "name", "metric", "tags", "expr", "lang", "level", "op", "threshold",
                                    "duration", "agg", "for", "keep_firing_for", "recover", "nodata", "summary",
                                    "post", "format", "created", "state", "states", "firing_level", "series"};

static int unknown_field(json_t *o, why *w) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        size_t i = 0;
        while (i < sizeof KNOWN / sizeof *KNOWN && strcmp(k, KNOWN[i])) i++;
        if (i == sizeof KNOWN / sizeof *KNOWN) return bad(w, *k ? k : "\"\"", "is not a field of a rule");
    }
    return 0;
}

static int parse_what(json_t *o, alert_rule *r, why *w) {
    if (opt_string(o, "metric", &r->metric, 512, w) || opt_string(o, "expr", &r->expr, 4096, w)) return -1;
    if (r->metric && r->expr) return bad(w, "expr", "give either metric or expr, not both");
    if (!r->metric && !r->expr) return bad(w, "metric", "is required (or give expr)");
    if (r->metric && (!*r->metric || strpbrk(r->metric, " ;"))) return bad(w, "metric", "is not a metric name or glob");
    if (r->expr) {
        static const char *const langs[] = {"", "promql", "graphite"};
        r->expr_lang = EXPR_PROMQL;
        if (parse_enum(o, "lang", langs, 3, &r->expr_lang, w)) return -1;
        if (r->expr_lang == EXPR_NONE) return bad(w, "lang", "must be promql or graphite");
        if (!*r->expr) return bad(w, "expr", "is empty");
        char why[300];
        if (expr_check(r->expr, r->expr_lang, why, sizeof why)) return bad(w, "expr", "%s", why);
        json_t *tg = json_object_get(o, "tags");
        int tagged = json_is_object(tg) && json_object_size(tg);
        if (json_object_get(o, "nodata") || tagged)
            return bad(w, tagged ? "tags" : "nodata", "is for metric rules (an expr selects its own series)");
    }
    return parse_tags(o, r, w);
}

static int parse_fields(json_t *o, alert_rule *r, why *w) {
    r->level = LVL_WARN;
    r->op = AOP_GT;
    if (unknown_field(o, w) || parse_id(o, r, w) || parse_what(o, r, w) ||
        opt_string(o, "name", &r->name, 200, w) || opt_string(o, "summary", &r->summary, 4096, w) ||
        parse_enum(o, "level", level_names, LVL_N, &r->level, w) || parse_enum(o, "op", op_names, 6, &r->op, w) ||
        opt_duration(o, "duration", &r->duration, w) || opt_duration(o, "for", &r->for_ms, w) ||
        opt_duration(o, "keep_firing_for", &r->keep_firing_ms, w) || opt_duration(o, "nodata", &r->nodata_ms, w) ||
        parse_post(o, r, w))
        return -1;
    if (r->level == LVL_NONE) return bad(w, "level", "must be one of info, warn, crit");
    json_t *nd = json_object_get(o, "nodata");
    if (nd && !json_is_null(nd) && !r->nodata_ms) return bad(w, "nodata", "must be longer than 0");
    json_t *t = json_object_get(o, "threshold");
    r->agg = t && json_is_string(t) ? RAGG_LAST : RAGG_AVG;
    if (parse_enum(o, "agg", agg_names, 7, &r->agg, w)) return -1;
    if (t && json_is_string(t) && r->agg != RAGG_LAST) return bad(w, "agg", "a string rule compares the last value");
    if (json_object_get(o, "duration") && !r->duration) return bad(w, "duration", "must be longer than 0");
    static const char *const fmts[] = {"post", "alertmanager"};
    if (parse_enum(o, "format", fmts, 2, &r->format, w)) return -1;
    json_t *c = json_object_get(o, "created");
    if (json_is_number(c) && fabs(json_number_value(c)) < 1e13) /* seconds; beyond that a cast is undefined */
        r->created = (int64_t)(json_number_value(c) * 1000);
    return parse_threshold(o, r, w);
}

int rule_parse(const char *json, size_t n, int64_t created, alert_rule *r, char *field, size_t flen, char *err,
               size_t elen) {
    why w = {field, err, flen, elen};
    memset(r, 0, sizeof *r);
    r->created = created;
    field[0] = err[0] = 0;
    json_error_t je;
    json_t *o = json_loadb(json, n, JSON_REJECT_DUPLICATES, &je);
    if (!o || !json_is_object(o)) {
        if (o) json_decref(o);
        return bad(&w, "body", "must be a JSON object (%s)", o ? "not an object" : je.text);
    }
    int rc = parse_fields(o, r, &w);
    json_decref(o);
    if (rc) rule_free(r);
    return rc;
}

void rule_free(alert_rule *r) {
    free(r->name);
    free(r->metric);
    free(r->expr);
    free(r->str_thr);
    free(r->summary);
    for (size_t i = 0; i < r->ntags; i++) {
        free(r->tag_k[i]);
        free(r->tag_v[i]);
    }
    for (size_t i = 0; i < r->npost; i++) free(r->post[i]);
    memset(r, 0, sizeof *r);
}

int rule_is_exact(const alert_rule *r) {
    if (!r->metric || glob_is_pattern(r->metric, strlen(r->metric))) return 0;
    for (size_t i = 0; i < r->ntags; i++)
        if (glob_is_pattern(r->tag_v[i], strlen(r->tag_v[i]))) return 0;
    return 1;
}

int rule_exact_key(const alert_rule *r, char *out, size_t cap) {
    tm_tag t[RULE_MAX_TAGS];
    for (size_t i = 0; i < r->ntags; i++)
        t[i] = (tm_tag){r->tag_k[i], strlen(r->tag_k[i]), r->tag_v[i], strlen(r->tag_v[i])};
    const char *why;
    int n = key_canon(r->metric, strlen(r->metric), t, r->ntags, out, cap, &why);
    return n < 0 ? 0 : n;
}

int rule_matches(const alert_rule *r, const char *key, size_t klen) {
    if (!r->metric) return 1;
    tm_tag t[64];
    size_t nlen, nt = key_split(key, klen, &nlen, t, 64);
    if (!glob_match(r->metric, strlen(r->metric), key, nlen)) return 0;
    for (size_t i = 0; i < r->ntags; i++) {
        size_t j = 0, kl = strlen(r->tag_k[i]);
        while (j < nt && (t[j].klen != kl || memcmp(t[j].k, r->tag_k[i], kl))) j++;
        if (j == nt) return 0;
        char v[TM_KEY_MAX];
        if (!glob_match(r->tag_v[i], strlen(r->tag_v[i]), v, tag_value(t[j].v, t[j].vlen, v))) return 0;
    }
    return 1;
}
