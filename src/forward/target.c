#include "target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/batch.h"
#include "../util/glob.h"

const char *const fwd_kind_names[FWD_NKIND] = {"prometheus", "influx", "graphite"};

static void push(char ***v, size_t *n, const char *s, size_t len) {
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrndup(s, len);
}

/* The URL with the password of any user:password@ cut out (the user stays,
 * so two targets that differ by it stay apart). */
static char *without_password(const char *url) {
    const char *scheme = strstr(url, "://"), *host = scheme ? scheme + 3 : url;
    const char *slash = strchr(host, '/'), *at = strchr(host, '@');
    if (!at || (slash && at > slash)) return xstrndup(url, strlen(url));
    const char *colon = memchr(host, ':', (size_t)(at - host));
    size_t pre = (size_t)((colon ? colon : at) - url);
    char *out = xmalloc(strlen(url) + 1);
    memcpy(out, url, pre);
    strcpy(out + pre, at);
    return out;
}

static int option(tm_target_spec *t, const char *w, size_t n, char *err, size_t errlen) {
    const char *eq = memchr(w, '=', n);
    size_t kl = eq ? (size_t)(eq - w) : n, vl = eq ? n - kl - 1 : 0;
    const char *v = eq ? eq + 1 : NULL;
#define IS(name) (kl == strlen(name) && !strncmp(w, name, kl) && v)
    if (IS("match")) push(&t->match, &t->nmatch, v, vl);
    else if (IS("tag") && memchr(v, ':', vl)) {
        const char *c = memchr(v, ':', vl);
        push(&t->tagk, &t->ntag, v, (size_t)(c - v));
        t->ntag--;
        push(&t->tagv, &t->ntag, c + 1, vl - (size_t)(c - v) - 1);
    } else if (IS("bearer")) t->bearer = xstrndup(v, vl);
    else if (IS("token")) t->token = xstrndup(v, vl);
    else if (IS("user")) t->user = xstrndup(v, vl);
    else if (IS("password")) t->password = xstrndup(v, vl);
    else {
        snprintf(err, errlen, "unknown target option \"%.*s\" (match=, tag=NAME:GLOB, bearer=, token=, user=, password=)",
                 (int)n, w);
        return -1;
    }
#undef IS
    return 0;
}

int target_parse(int kind, const char *spec, tm_target_spec *t, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    t->kind = kind;
    const char *p = spec;
    while (*p == ' ') p++;
    size_t ul = strcspn(p, " ");
    if (!ul) {
        snprintf(err, errlen, "forward target \"%s\" has no address", spec);
        return -1;
    }
    char *u = xstrndup(p, ul);
    if (kind != FWD_GRAPHITE && strncmp(u, "http://", 7) && strncmp(u, "https://", 8)) {
        snprintf(err, errlen, "forward target \"%s\": want an http:// or https:// URL", u);
        free(u);
        return -1;
    }
    if (kind == FWD_GRAPHITE && !strrchr(u, ':')) {
        snprintf(err, errlen, "forward target \"%s\": want HOST:PORT", u);
        free(u);
        return -1;
    }
    if (kind == FWD_INFLUX && !strstr(u, "precision=")) {
        t->url = xmalloc(ul + 16);
        snprintf(t->url, ul + 16, "%s%cprecision=ms", u, strchr(u, '?') ? '&' : '?');
        free(u);
    } else {
        t->url = u;
    }
    t->label = without_password(t->url);
    for (p += ul; *p;) {
        while (*p == ' ') p++;
        size_t n = strcspn(p, " ");
        if (n && option(t, p, n, err, errlen)) return -1;
        p += n;
    }
    return 0;
}

void target_free(tm_target_spec *t) {
    for (size_t i = 0; i < t->nmatch; i++) free(t->match[i]);
    for (size_t i = 0; i < t->ntag; i++) free(t->tagk[i]), free(t->tagv[i]);
    free(t->match), free(t->tagk), free(t->tagv);
    free(t->url), free(t->label), free(t->bearer), free(t->token), free(t->user), free(t->password);
    memset(t, 0, sizeof *t);
}

int globs_match(char *const *globs, size_t n, const char *name, size_t nlen) {
    for (size_t i = 0; i < n; i++)
        if (glob_match(globs[i], strlen(globs[i]), name, nlen)) return 1;
    return n == 0;
}

int target_wants(const tm_target_spec *t, const char *key, size_t klen, int type) {
    if (type != TM_NUMBER && t->kind != FWD_INFLUX) return 0;
    tm_tag tags[64];
    size_t nlen, nt = key_split(key, klen, &nlen, tags, 64);
    if (!globs_match(t->match, t->nmatch, key, nlen)) return 0;
    for (size_t f = 0; f < t->ntag; f++) {
        size_t i = 0;
        while (i < nt && (tags[i].klen != strlen(t->tagk[f]) || memcmp(tags[i].k, t->tagk[f], tags[i].klen))) i++;
        if (i == nt) return 0;
        char v[TM_KEY_MAX];
        if (!glob_match(t->tagv[f], strlen(t->tagv[f]), v, tag_value(tags[i].v, tags[i].vlen, v))) return 0;
    }
    return 1;
}
