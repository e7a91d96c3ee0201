#include "match.h"

#include <stdlib.h>
#include <string.h>

#include "../query/index.h"
#include "../util/glob.h"

static const char *const reserved[] = {
    "metric", "from", "until", "step", "agg", "match", "token", "format", "u", "p", "db", "rp", "precision",
    "consistency", "start", "stop", "backfill", "maxDataPoints", "target", "tag", "json", "jsonp", "callback",
    "_", "query", "q", "limit", "noNullPoints", "id", "exact", NULL};

static int is_reserved(const char *k) {
    for (const char *const *r = reserved; *r; r++)
        if (!strcmp(*r, k)) return 1;
    return 0;
}

void match_from_req(const tm_req *r, const char *metric, tm_match *m) {
    memset(m, 0, sizeof *m);
    m->metric = metric && *metric ? metric : NULL;
    m->mlen = m->metric ? strlen(metric) : 0;
    const char *ex = req_param(r, "exact");
    m->exact = ex && (!strcmp(ex, "1") || !strcmp(ex, "true"));
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, &r->params, next) {
        if (m->nf == MATCH_MAX_TAGS) break;
        if (!strcmp(kv->key, "tag")) {
            const char *c = strchr(kv->value, ':');
            if (!c) continue;
            m->filt[m->nf++] = (tm_tag){kv->value, (size_t)(c - kv->value), c + 1, strlen(c + 1)};
        } else if (!is_reserved(kv->key)) {
            m->filt[m->nf++] = (tm_tag){kv->key, strlen(kv->key), kv->value, strlen(kv->value)};
        }
    }
}

static int same(const char *a, size_t an, const char *b, size_t bn) { return an == bn && !memcmp(a, b, an); }

int match_series(const tm_match *m, const char *key, size_t klen) {
    tm_tag tags[64];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, 64);
    if (m->metric && !(m->exact ? same(m->metric, m->mlen, key, nlen) : glob_match(m->metric, m->mlen, key, nlen)))
        return 0;
    if (m->exact && nt != m->nf) return 0; /* repeated filters of one tag never match exactly */
    for (size_t i = 0; i < m->nf; i++) {
        size_t j = 0;
        while (j < nt && !same(tags[j].k, tags[j].klen, m->filt[i].k, m->filt[i].klen)) j++;
        if (j == nt) return 0;
        const tm_tag *f = &m->filt[i];
        char v[TM_KEY_MAX];
        size_t vn = tag_value(tags[j].v, tags[j].vlen, v); /* filters name values as sent */
        if (!(m->exact ? same(f->v, f->vlen, v, vn) : glob_match(f->v, f->vlen, v, vn))) return 0;
    }
    return 1;
}

typedef struct {
    const tm_match *m;
    uint32_t *ids;
    size_t n, cap;
} collect;

static int collect_one(const tm_series_info *in, void *arg) {
    collect *c = arg;
    if (!match_series(c->m, in->key, in->klen)) return 0;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->ids = xrealloc(c->ids, c->cap * sizeof *c->ids);
    }
    c->ids[c->n++] = in->id;
    return 0;
}

static int cmp_id(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

size_t match_ids(tm_store *s, const tm_match *m, uint32_t **ids) {
    collect c = {m, NULL, 0, 0};
    if (m->metric && (m->exact || !glob_is_pattern(m->metric, m->mlen))) {
        store_each_named(s, m->metric, m->mlen, collect_one, &c);
        if (c.n > 1) qsort(c.ids, c.n, sizeof *c.ids, cmp_id); /* the name chain has its own order */
    } else {
        store_each(s, collect_one, &c);
    }
    *ids = c.ids;
    return c.n;
}

void match_select(tm_index *ix, const tm_match *m, tm_ids *out) {
    tm_ids cand = {0};
    if (m->metric && (m->exact || !glob_is_pattern(m->metric, m->mlen))) {
        index_postings_eq(ix, "__name__", 8, m->metric, m->mlen, &cand);
    } else if (m->metric) {
        index_glob(ix, m->metric, m->mlen, 1, &cand);
    } else {
        size_t i = 0; /* a literal filter narrows through its postings */
        while (i < m->nf && !m->exact && glob_is_pattern(m->filt[i].v, m->filt[i].vlen)) i++;
        if (i < m->nf) index_postings_eq(ix, m->filt[i].k, m->filt[i].klen, m->filt[i].v, m->filt[i].vlen, &cand);
        else index_all(ix, &cand);
    }
    for (size_t i = 0; i < cand.n; i++) {
        size_t kl;
        const char *k = index_key(ix, cand.v[i], &kl);
        if (k && match_series(m, k, kl)) ids_push(out, cand.v[i]);
    }
    ids_free(&cand);
}

char *match_own(tm_match *m) {
    size_t n = m->mlen + 1;
    for (size_t i = 0; i < m->nf; i++) n += m->filt[i].klen + m->filt[i].vlen + 2;
    char *p = xmalloc(n), *strs = p;
    if (m->metric) {
        memcpy(p, m->metric, m->mlen);
        m->metric = p;
        p += m->mlen;
    }
    for (size_t i = 0; i < m->nf; i++) {
        tm_tag *t = &m->filt[i];
        memcpy(p, t->k, t->klen);
        t->k = p;
        p += t->klen;
        memcpy(p, t->v, t->vlen);
        t->v = p;
        p += t->vlen;
    }
    return strs;
}
