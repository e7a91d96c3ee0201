#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static int find(const tm_flag *f, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++)
        if (strlen(f[i].name) == len && !strncmp(f[i].name, name, len)) return (int)i;
    return -1;
}

static int is_bool(const char *v) {
    static const char *const words[] = {"true", "false", "1", "0", "yes", "no", "on", "off"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (!strcmp(v, words[i])) return 1;
    return 0;
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
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "config file %s: %s", path, strerror(errno));
        return -1;
    }
    json_t *root = json_loadf(f, 0, &je);
    fclose(f);
    if (!root || !json_is_object(root)) {
        if (root) snprintf(err, errlen, "config %s: not a JSON object", path);
        else snprintf(err, errlen, "config %s: %s (line %d)", path, je.text, je.line);
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
            else s = NULL;
            if (!s || (c->flags[i].kind == FLAG_BOOL && !is_bool(s))) {
                snprintf(err, errlen, "config %s: bad value for \"%s\" (%s)", path, key,
                         c->flags[i].kind == FLAG_BOOL ? "a switch: true or false" : "a string or a number");
                json_decref(root);
                return -1;
            }
            push(c, i, s, c->flags[i].kind != FLAG_LIST);
        }
    }
    json_decref(root);
    return 0;
}

/* "-memory" (one dash, then a letter; not "-5" nor "-1h"): refused, named */
static int single_dash(const tm_flag *flags, size_t n, const char *a, char *err, size_t errlen) {
    if (a[0] != '-' || a[1] == '-' || !((a[1] >= 'a' && a[1] <= 'z') || (a[1] >= 'A' && a[1] <= 'Z'))) return 0;
    const char *eq = strchr(a + 1, '=');
    size_t len = eq ? (size_t)(eq - a - 1) : strlen(a + 1);
    if (find(flags, n, a + 1, len) >= 0) snprintf(err, errlen, "unknown flag %s: flags take two dashes (-%s)", a, a);
    else snprintf(err, errlen, "unknown flag %s (flags take two dashes; see --help)", a);
    return 1;
}

/* argv[*i] is "--name" or "--name=value": its value pushed; 0 ok */
static int long_flag(tm_config *c, int argc, char **argv, int *i, char *err, size_t errlen) {
    const char *a = argv[*i], *eq = strchr(a + 2, '=');
    size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
    int f = find(c->flags, c->nflags, a + 2, len);
    if (f < 0) {
        snprintf(err, errlen, "unknown flag %.*s (see --help)", (int)len + 2, a);
        return -1;
    }
    const tm_flag *fl = &c->flags[f];
    const char *v = eq ? eq + 1 : fl->kind == FLAG_BOOL ? "true" : NULL;
    if (!v) {
        if (*i + 1 >= argc) {
            snprintf(err, errlen, "flag --%s needs a value", fl->name);
            return -1;
        }
        v = argv[++*i];
    }
    if (fl->kind == FLAG_BOOL && !is_bool(v)) {
        snprintf(err, errlen, "--%s is a switch: --%s, --%s=true or --%s=false, not \"%s\"", fl->name, fl->name,
                 fl->name, fl->name, v);
        return -1;
    }
    if (strcmp(fl->name, "config")) push(c, f, v, fl->kind != FLAG_LIST);
    return 0;
}

int config_parse(tm_config *c, const tm_flag *flags, size_t n, int argc, char **argv, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    c->flags = flags;
    c->nflags = n;
    c->vals = xcalloc(n, sizeof *c->vals);
    c->pos = xcalloc((size_t)argc + 1, sizeof *c->pos);
    /* the file first, so the command line overrides it */
    for (int i = 0; find(flags, n, "config", 6) >= 0 && i < argc && strcmp(argv[i], "--"); i++) {
        const char *a = argv[i], *file = NULL;
        if (!strcmp(a, "--config") && i + 1 < argc) file = argv[i + 1];
        else if (!strncmp(a, "--config=", 9)) file = a + 9;
        if (file && load_file(c, file, err, errlen)) return -1;
    }
    int flags_end = 0; /* after a lone "--" every word is positional */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (flags_end || strncmp(a, "--", 2)) {
            if (!flags_end && single_dash(flags, n, a, err, errlen)) return -1;
            c->pos[c->npos++] = argv[i];
        } else if (!a[2]) {
            flags_end = 1;
        } else if (long_flag(c, argc, argv, &i, err, errlen)) {
            return -1;
        }
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

int config_help(int argc, char **argv) {
    for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}
