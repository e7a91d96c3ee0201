#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static int find(const tm_flag *f, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++)
        if (strlen(f[i].name) == len && !strncmp(f[i].name, name, len)) return (int)i;
    return -1;
}

static void push(tm_config *c, int i, const char *v, int replace) {
    size_t k = 0;
    char **l = c->vals[i];
    if (l && replace) {
        for (k = 0; l[k]; k++) free(l[k]);
        k = 0;
    } else if (l) {
        while (l[k]) k++;
    }
    l = xrealloc(l, (k + 2) * sizeof *l);
    l[k] = xstrndup(v, strlen(v));
    l[k + 1] = NULL;
    c->vals[i] = l;
}

static int load_file(tm_config *c, const char *path, char *err, size_t errlen) {
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root || !json_is_object(root)) {
        snprintf(err, errlen, "config %s: %s (line %d)", path, root ? "not a JSON object" : je.text, je.line);
        json_decref(root);
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        int i = find(c->flags, c->nflags, key, strlen(key));
        if (i < 0) {
            snprintf(err, errlen, "config %s: unknown key \"%s\"", path, key);
            json_decref(root);
            return -1;
        }
        size_t n = json_is_array(v) ? json_array_size(v) : 1;
        for (size_t k = 0; k < n; k++) {
            json_t *x = json_is_array(v) ? json_array_get(v, k) : v;
            char tmp[64];
            const char *s = tmp;
            if (json_is_string(x)) s = json_string_value(x);
            else if (json_is_boolean(x)) s = json_is_true(x) ? "true" : "false";
            else if (json_is_integer(x)) snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(x));
            else if (json_is_real(x)) snprintf(tmp, sizeof tmp, "%g", json_real_value(x));
            else {
                snprintf(err, errlen, "config %s: bad value for \"%s\"", path, key);
                json_decref(root);
                return -1;
            }
            push(c, i, s, c->flags[i].kind != FLAG_LIST);
        }
    }
    json_decref(root);
    return 0;
}

int config_parse(tm_config *c, const tm_flag *flags, size_t n, int argc, char **argv, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    c->flags = flags;
    c->nflags = n;
    c->vals = xcalloc(n, sizeof *c->vals);
    c->pos = xcalloc((size_t)argc + 1, sizeof *c->pos);
    /* the file first, so the command line overrides it */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *file = NULL;
        if (!strcmp(a, "--config") && i + 1 < argc) file = argv[i + 1];
        else if (!strncmp(a, "--config=", 9)) file = a + 9;
        if (file && load_file(c, file, err, errlen)) return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) || !a[2]) {
            c->pos[c->npos++] = argv[i];
            continue;
        }
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        int f = find(flags, n, a + 2, len);
        if (f < 0) {
            snprintf(err, errlen, "unknown flag %.*s (see --help)", (int)len + 2, a);
            return -1;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v && flags[f].kind == FLAG_BOOL) v = "true";
        if (!v) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "flag --%s needs a value", flags[f].name);
                return -1;
            }
            v = argv[++i];
        }
        if (!strcmp(flags[f].name, "config")) continue;
        push(c, f, v, flags[f].kind != FLAG_LIST);
    }
    return 0;
}

void config_free(tm_config *c) {
    for (size_t i = 0; i < c->nflags; i++) {
        if (!c->vals[i]) continue;
        for (char **l = c->vals[i]; *l; l++) free(*l);
        free(c->vals[i]);
    }
    free(c->vals);
    free(c->pos);
    memset(c, 0, sizeof *c);
}

const char *config_get(const tm_config *c, const char *name) {
    int i = find(c->flags, c->nflags, name, strlen(name));
    if (i < 0) return NULL;
    char **l = c->vals[i];
    if (!l) return c->flags[i].def;
    while (l[1]) l++;
    return *l;
}

int config_bool(const tm_config *c, const char *name) {
    const char *v = config_get(c, name);
    return v && (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"));
}

size_t config_list(const tm_config *c, const char *name, char ***out) {
    int i = find(c->flags, c->nflags, name, strlen(name));
    size_t k = 0;
    *out = i >= 0 ? c->vals[i] : NULL;
    if (*out)
        while ((*out)[k]) k++;
    return k;
}

void config_usage(FILE *f, const char *cmd, const char *args, const tm_flag *flags, size_t n) {
    fprintf(f, "usage: tidemark %s%s%s [flags]\n\nflags (every flag is also a key of a --config JSON file):\n", cmd,
            args ? " " : "", args ? args : "");
    for (size_t i = 0; i < n; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s", flags[i].name,
                 flags[i].kind == FLAG_BOOL ? "" : flags[i].kind == FLAG_LIST ? " V (repeatable)" : " V");
        fprintf(f, "  %-34s %s", left, flags[i].help);
        fprintf(f, " (default: %s)", !flags[i].def ? "none" : !*flags[i].def ? "empty" : flags[i].def);
        fputc('\n', f);
    }
}
