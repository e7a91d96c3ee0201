/* graphite_metrics.c — graphite-web's /metrics/find (treejson, completer,
 * json), /metrics/expand, /metrics/index.json, /version and /functions,
 * by GET or POST form alike. Lookups run on the engine's workers (they
 * read the name tree, query/index.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../query/graphite.h"
#include "../query/gtime.h"
#include "../query/strmap.h"
#include "../util/jsonw.h"
#include "../util/timeparse.h"
#include "defer.h"
#include "graphite_api.h"

typedef struct {
    char **q; /* query (or several, for expand) */
    size_t nq;
    char *fmt, *jsonp;
    int wildcards, leaves_only, group_by_expr;
} find_job;

static void find_free(void *arg) {
    find_job *j = arg;
    for (size_t i = 0; i < j->nq; i++) free(j->q[i]);
    free(j->q);
    free(j->fmt);
    free(j->jsonp);
    free(j);
}

static find_job *find_job_new(tm_req *r) {
    find_job *j = xcalloc(1, sizeof *j);
    struct evkeyval *kv;
    size_t cap = 0;
    TAILQ_FOREACH(kv, &r->params, next) {
        if (strcmp(kv->key, "query")) continue;
        if (j->nq == cap) j->q = xrealloc(j->q, (cap = cap ? cap * 2 : 2) * sizeof *j->q);
        j->q[j->nq++] = xstrndup(kv->value, strlen(kv->value));
    }
    j->fmt = param_dup(r, "format");
    j->jsonp = param_dup(r, "jsonp");
    const char *w = req_param(r, "wildcards"), *l = req_param(r, "leavesOnly"), *g = req_param(r, "groupByExpr");
    j->wildcards = w && atoi(w);
    j->leaves_only = l && atoi(l);
    j->group_by_expr = g && atoi(g);
    return j;
}

static void jsonp_open(tm_reply *out, const char *jsonp) {
    if (jsonp && *jsonp) {
        buf_printf(&out->body, "%s(", jsonp);
        out->ctype = "text/javascript";
    }
}
static void jsonp_close(tm_reply *out, const char *jsonp) {
    if (jsonp && *jsonp) buf_putc(&out->body, ')');
}

static void name_key(const void *owner, uint32_t val, uint32_t *scope, const char **s, size_t *n) {
    const tm_node *x = &((const tm_node *)owner)[val];
    *scope = 0;
    *s = x->path + x->name;
    *n = x->len - x->name;
}

static const char *const TAIL_BRANCH = ",\"allowChildren\":1,\"expandable\":1,\"leaf\":0}";
static const char *const TAIL_LEAF = ",\"allowChildren\":0,\"expandable\":0,\"leaf\":1}";

/* treejson: branches, then leaves, each name once; ids under the query's own prefix */
static void put_treejson(tm_buf *b, const char *query, const tm_node *v, size_t n, int wildcards) {
    const char *dot = strrchr(query, '.');
    size_t base = dot ? (size_t)(dot - query) + 1 : 0;
    int first = 1, any_branch = 0;
    buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) any_branch |= v[i].branch || !v[i].leaf;
    if (n > 1 && wildcards) {
        buf_put(b, "{\"text\":\"*\",\"id\":\"", 18);
        json_put_chars(b, query, base);
        buf_put(b, "*\"", 2);
        buf_put(b, any_branch ? TAIL_BRANCH : TAIL_LEAF, strlen(TAIL_BRANCH));
        first = 0;
    }
    char *seen = xcalloc(n ? n : 1, 1); /* each name once: the first node of that name (graphite's found set) */
    size_t one = 1; /* under one parent (the glob's last segment alone has a wildcard), names differ */
    while (one < n && v[one].name == v[0].name && !memcmp(v[one].path, v[0].path, v[0].name)) one++;
    tm_strmap names; /* a set of the names so far: no scan of the earlier nodes per node */
    strmap_init(&names, name_key, v);
    for (size_t i = 0; i < n && one < n; i++) {
        const char *name = v[i].path + v[i].name;
        size_t len = v[i].len - v[i].name;
        seen[i] = strmap_get(&names, 0, name, len) != UINT32_MAX;
        if (!seen[i]) strmap_put(&names, 0, name, len, (uint32_t)i);
    }
    strmap_free(&names);
    for (int pass = 0; pass < 2; pass++) /* branches first, then leaves */
        for (size_t i = 0; i < n; i++) {
            int is_leaf = v[i].leaf && !v[i].branch;
            if (is_leaf != pass || seen[i]) continue;
            const char *name = v[i].path + v[i].name;
            size_t len = v[i].len - v[i].name;
            buf_put(b, first ? "{\"text\":" : ",{\"text\":", first ? 8 : 9);
            first = 0;
            json_put_string(b, name, len);
            buf_put(b, ",\"id\":\"", 7);
            json_put_chars(b, query, base);
            json_put_chars(b, name, len);
            buf_putc(b, '"');
            buf_put(b, is_leaf ? TAIL_LEAF : TAIL_BRANCH, strlen(TAIL_LEAF));
        }
    free(seen);
    buf_putc(b, ']');
}

static void put_completer(tm_buf *b, const tm_node *v, size_t n, int wildcards) {
    buf_put(b, "{\"metrics\":[", 12);
    for (size_t i = 0; i < n; i++) {
        int is_leaf = v[i].leaf && !v[i].branch;
        buf_put(b, i ? ",{\"path\":\"" : "{\"path\":\"", i ? 10 : 9);
        json_put_chars(b, v[i].path, v[i].len);
        buf_put(b, is_leaf ? "\"" : ".\"", is_leaf ? 1 : 2);
        buf_put(b, ",\"name\":", 8);
        json_put_string(b, v[i].path + v[i].name, v[i].len - v[i].name);
        buf_put(b, is_leaf ? ",\"is_leaf\":\"1\"}" : ",\"is_leaf\":\"0\"}", 15);
    }
    if (n > 1 && wildcards) buf_put(b, ",{\"name\":\"*\"}", 13);
    buf_put(b, "]}", 2);
}

/* The glob a find asks: completer's '..' means '*.', and a prefix matches */
static void find_glob(const char *q, int completer, tm_buf *out) {
    size_t n = strlen(q);
    if (!completer) {
        buf_put(out, q, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && q[i] == '.' && q[i + 1] == '.') {
            buf_put(out, "*.", 2);
            i++;
        } else {
            buf_putc(out, (uint8_t)q[i]);
        }
    }
    if (!out->n || out->p[out->n - 1] != '*') buf_putc(out, '*');
}

static void work_find(tm_query *q, void *arg, tm_reply *out) {
    find_job *j = arg;
    const char *fmt = j->fmt ? j->fmt : "treejson";
    tm_buf query = {0};
    find_glob(j->q[0], !strcmp(fmt, "completer"), &query);
    tm_node *v;
    size_t n = index_find_within(q->ix, (const char *)query.p, query.n, q->budget, &v);
    buf_free(&query);
    if (n == SIZE_MAX) { /* too big for the loop thread: a worker finds it */
        query_elsewhere(q);
        return;
    }
    if (j->leaves_only) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (v[i].leaf) v[k++] = v[i];
        n = k;
    }
    jsonp_open(out, j->jsonp);
    if (!strcmp(fmt, "treejson")) {
        put_treejson(&out->body, j->q[0], v, n, j->wildcards);
    } else if (!strcmp(fmt, "completer")) {
        put_completer(&out->body, v, n, j->wildcards);
    } else if (!strcmp(fmt, "json")) {
        buf_putc(&out->body, '[');
        for (size_t i = 0; i < n; i++) {
            buf_put(&out->body, i ? ",{\"path\":" : "{\"path\":", i ? 9 : 8);
            json_put_string(&out->body, v[i].path, v[i].len);
            buf_printf(&out->body, ",\"is_leaf\":%s}", v[i].leaf && !v[i].branch ? "true" : "false");
        }
        buf_putc(&out->body, ']');
    } else {
        query_fail(q, 400, "Invalid value for 'format' parameter");
    }
    jsonp_close(out, j->jsonp);
    nodes_free(v, n);
}

/* graphite-web's find reads from, until and now (in tz; "-1" is none) and
 * refuses a bad one with a 400, though the tree has no times to filter by */
static int find_times_ok(tm_req *r) {
    tm_tz tz;
    tz_find(req_param(r, "tz"), &tz);
    int64_t now = now_ms() / 1000, t;
    static const char *const names[] = {"now", "from", "until"};
    for (size_t i = 0; i < 3; i++) {
        const char *v = req_param(r, names[i]);
        if (!v || (i && !strcmp(v, "-1")) || gtime_parse_tz(v, now, &tz, i ? &t : &now)) continue;
        char msg[96];
        snprintf(msg, sizeof msg, "Invalid value for param %s: use a Graphite time", names[i]);
        http_error(r, 400, msg, 0);
        return 0;
    }
    return 1;
}

static void route_find(tm_req *r, void *arg) {
    if (!find_times_ok(r)) return;
    find_job *j = find_job_new(r);
    if (!j->nq || !*j->q[0]) {
        http_error(r, 400, j->nq ? "Required parameter 'query' is empty" : "Missing required parameter 'query'", 0);
        find_free(j);
        return;
    }
    api_answer(arg, r, work_find, j, find_free);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* expand: every matching path, sorted and unique (per query with groupByExpr) */
static void work_expand(tm_query *q, void *arg, tm_reply *out) {
    find_job *j = arg;
    tm_buf *b = &out->body;
    jsonp_open(out, j->jsonp);
    buf_put(b, j->group_by_expr ? "{\"results\":{" : "{\"results\":[", 12);
    char **all = NULL;
    size_t na = 0, cap = 0;
    for (size_t k = 0; k < j->nq; k++) {
        tm_node *v;
        size_t n = index_find(q->ix, j->q[k], strlen(j->q[k]), &v), from = na;
        for (size_t i = 0; i < n; i++) {
            if (j->leaves_only && !v[i].leaf) continue;
            if (na == cap) all = xrealloc(all, (cap = cap ? cap * 2 : 16) * sizeof *all);
            all[na++] = xstrndup(v[i].path, strlen(v[i].path));
        }
        nodes_free(v, n);
        if (!j->group_by_expr) continue;
        if (na - from > 1) qsort(all + from, na - from, sizeof *all, cmp_str);
        if (k) buf_putc(b, ',');
        json_put_string(b, j->q[k], strlen(j->q[k]));
        buf_put(b, ":[", 2);
        for (size_t i = from, w = 0; i < na; i++) {
            if (i > from && !strcmp(all[i], all[i - 1])) continue;
            if (w++) buf_putc(b, ',');
            json_put_string(b, all[i], strlen(all[i]));
        }
        buf_putc(b, ']');
    }
    if (!j->group_by_expr) {
        if (na > 1) qsort(all, na, sizeof *all, cmp_str);
        for (size_t i = 0, w = 0; i < na; i++) {
            if (i && !strcmp(all[i], all[i - 1])) continue;
            if (w++) buf_putc(b, ',');
            json_put_string(b, all[i], strlen(all[i]));
        }
    }
    buf_put(b, j->group_by_expr ? "}}" : "]}", 2);
    jsonp_close(out, j->jsonp);
    for (size_t i = 0; i < na; i++) free(all[i]);
    free(all);
}

static void route_expand(tm_req *r, void *arg) { api_defer(arg, r, work_expand, find_job_new(r), find_free); }

/* index.json: every untagged series' name, sorted */
static void work_index(tm_query *q, void *arg, tm_reply *out) {
    find_job *j = arg;
    size_t n = index_size(q->ix), k = 0;
    char **v = xmalloc((n ? n : 1) * sizeof *v);
    for (uint32_t id = 1; id <= n; id++) {
        size_t kl;
        const char *key = index_key(q->ix, id, &kl);
        if (key && !memchr(key, ';', kl) && index_type(q->ix, id) == TM_NUMBER) v[k++] = xstrndup(key, kl);
    }
    qsort(v, k, sizeof *v, cmp_str);
    jsonp_open(out, j->jsonp);
    buf_putc(&out->body, '[');
    for (size_t i = 0; i < k; i++) {
        if (i) buf_putc(&out->body, ',');
        json_put_string(&out->body, v[i], strlen(v[i]));
        free(v[i]);
    }
    buf_putc(&out->body, ']');
    jsonp_close(out, j->jsonp);
    free(v);
}

static void route_index(tm_req *r, void *arg) { api_defer(arg, r, work_index, find_job_new(r), find_free); }

static void route_version(tm_req *r, void *arg) {
    (void)arg;
    http_reply(r, 200, "text/plain", "1.1.10", 6);
}

/* graphite-web's functionInfo: name, function (its signature), description, module, group, params */
static void put_function(tm_buf *b, const gfunc *f) {
    json_put_string(b, f->name, strlen(f->name));
    buf_put(b, ":{\"name\":", 9);
    json_put_string(b, f->name, strlen(f->name));
    tm_buf sig = {0};
    buf_printf(&sig, "%s(", f->name);
    for (size_t i = 0; i < 8 && f->p[i].name; i++) {
        const gparam *p = &f->p[i];
        buf_printf(&sig, "%s%s%s", i ? ", " : "", p->multiple ? "*" : "", p->name);
        if (!p->required && !p->multiple) buf_printf(&sig, "=%s", p->dflt ? p->dflt : "None");
    }
    buf_putc(&sig, ')');
    buf_put(b, ",\"function\":", 12);
    json_put_string(b, (const char *)sig.p, sig.n);
    buf_free(&sig);
    buf_put(b, ",\"description\":", 15);
    json_put_string(b, f->desc, strlen(f->desc));
    buf_put(b, ",\"module\":\"graphite.render.functions\",\"group\":", 46);
    json_put_string(b, f->group, strlen(f->group));
    buf_put(b, ",\"params\":[", 11);
    for (size_t i = 0; i < 8 && f->p[i].name; i++) {
        const gparam *p = &f->p[i];
        buf_put(b, i ? ",{\"name\":" : "{\"name\":", i ? 9 : 8);
        json_put_string(b, p->name, strlen(p->name));
        buf_printf(b, ",\"type\":\"%s\"", gtype_name(p->type));
        if (p->required) buf_put(b, ",\"required\":true", 16);
        if (p->multiple) buf_put(b, ",\"multiple\":true", 16);
        if (p->dflt) {
            buf_put(b, ",\"default\":", 11);
            if (p->type == GT_STRING || p->type == GT_AGG || p->type == GT_AGG_OR_SERIES || p->type == GT_INTERVAL)
                json_put_string(b, p->dflt, strlen(p->dflt));
            else if (!strcmp(p->dflt, "INF")) buf_put(b, "1e9999", 6);
            else buf_put(b, p->dflt, strlen(p->dflt));
        }
        buf_putc(b, '}');
    }
    buf_put(b, "]}", 2);
}

static void route_functions(tm_req *r, void *arg) {
    (void)arg;
    const char *grp = req_param(r, "group"), *gd = req_param(r, "grouped"), *jp = req_param(r, "jsonp");
    int grouped = gd && (!strcmp(gd, "1") || !strcasecmp(gd, "true"));
    tm_buf b = {0};
    if (jp) buf_printf(&b, "%s(", jp);
    buf_putc(&b, '{');
    const gfunc *f;
    int first = 1;
    if (!grouped) {
        for (size_t i = 0; (f = gfunc_at(i)); i++) {
            if (grp && strcmp(grp, f->group)) continue;
            if (!first) buf_putc(&b, ',');
            first = 0;
            put_function(&b, f);
        }
    } else { /* {"group": {"name": info}} in the order groups first appear */
        for (size_t i = 0; (f = gfunc_at(i)); i++) {
            int seen = 0;
            for (size_t k = 0; k < i && !seen; k++) seen = !strcmp(gfunc_at(k)->group, f->group);
            if (seen || (grp && strcmp(grp, f->group))) continue;
            if (!first) buf_putc(&b, ',');
            first = 0;
            json_put_string(&b, f->group, strlen(f->group));
            buf_put(&b, ":{", 2);
            const gfunc *g;
            for (size_t k = i, n = 0; (g = gfunc_at(k)); k++)
                if (!strcmp(g->group, f->group)) {
                    if (n++) buf_putc(&b, ',');
                    put_function(&b, g);
                }
            buf_putc(&b, '}');
        }
    }
    buf_putc(&b, '}');
    if (jp) buf_putc(&b, ')');
    http_reply(r, 200, jp ? "text/javascript" : "application/json", b.p, b.n);
    buf_free(&b);
}

static void route_function(tm_req *r, void *arg) {
    (void)arg;
    const gfunc *f = gfunc_find(r->rest);
    if (!f) {
        char msg[300];
        snprintf(msg, sizeof msg, "Function not found: %s", r->rest);
        http_error(r, 404, msg, 0);
        return;
    }
    tm_buf b = {0};
    put_function(&b, f);
    /* put_function writes "name":{...}: answer the object alone */
    const char *obj = memchr(b.p, '{', b.n);
    http_reply(r, 200, "application/json", obj, b.n - (size_t)(obj - (const char *)b.p));
    buf_free(&b);
}

void routes_graphite_metrics(tm_http *h, tm_api *api) {
    http_route(h, M_GET | M_POST, "/metrics/find", 0, R_READ, route_find, api);
    http_route(h, M_GET | M_POST, "/metrics/expand", 0, R_READ, route_expand, api);
    http_route(h, M_GET | M_POST, "/metrics/index.json", 0, R_READ, route_index, api);
    http_route(h, M_GET | M_POST, "/version", 0, R_READ, route_version, api);
    http_route(h, M_GET, "/functions", 0, R_READ, route_functions, api);
    http_route(h, M_GET, "/functions/", 1, R_READ, route_function, api);
}
