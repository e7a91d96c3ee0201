/* glance.c — `tidemark glance`: its flags, checked, then the console
 * monitor (src/glance) or, with --generate, a fake log for demos. */
#include "../glance/glance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/config.h"
#include "../util/flagval.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "cmd.h"

static const tm_flag GLANCE_FLAGS[] = {
    {"config", NULL, "JSON file whose keys are these flags' long names", FLAG_STR},
    {"file", NULL, "the access log to follow (also -f FILE); - is standard input", FLAG_STR},
    {"format", "auto", "auto, common, combined, json, or an nginx log_format / Apache LogFormat", FLAG_STR},
    {"window", "10s", "the span the summary covers", FLAG_STR},
    {"refresh", "2s", "how often the summary is drawn", FLAG_STR},
    {"top", "5", "how many sections, hosts and methods are listed", FLAG_STR},
    {"alert-window", "2m", "the span the traffic alert averages over", FLAG_STR},
    {"alert-threshold", "10", "requests per second (averaged) above which the alert fires", FLAG_STR},
    {"alert-log", NULL, "append every alert transition to this file, one JSON line each", FLAG_STR},
    {"no-tui", "false", "plain text summaries instead of the console screen", FLAG_BOOL},
    {"replay", "false", "read the log from its start on its own clock, then exit", FLAG_BOOL},
    {"once", "false", "print one summary of the log's last window and exit", FLAG_BOOL},
    {"generate", "false", "write a realistic fake access log to standard output", FLAG_BOOL},
    {"rate", "10", "--generate: lines a second", FLAG_STR},
    {"lines", "0", "--generate: this many lines as fast as possible (0: in real time, forever)", FLAG_STR},
    {"log-level", "info", "debug, info, warn or error", FLAG_STR},
};
#define NGLANCE (sizeof GLANCE_FLAGS / sizeof *GLANCE_FLAGS)

/* Whole seconds from 1 s to max_s. */
static int seconds(const tm_config *c, const char *flag, int max_s, int *out, char *err, size_t n) {
    int64_t ms;
    if (flag_duration(c, flag, 1000, (int64_t)max_s * 1000, &ms, err, n)) return -1;
    *out = (int)(ms / 1000);
    return 0;
}

static int opts_from(const tm_config *c, glance_opts *o, char *err, size_t n) {
    memset(o, 0, sizeof *o);
    long long top;
    int refresh_s, lvl;
    if (seconds(c, "window", 3600, &o->window_s, err, n) || seconds(c, "alert-window", 86400, &o->alert_window_s, err, n) ||
        seconds(c, "refresh", 3600, &refresh_s, err, n) || flag_integer(c, "top", 1, 32, &top, err, n) ||
        flag_number(c, "alert-threshold", 0, 1e12, &o->threshold, err, n) || flag_log_level(c, &lvl, err, n))
        return -1;
    o->refresh_ms = (int64_t)refresh_s * 1000;
    o->top = (int)top;
    o->path = config_get(c, "file");
    o->format = config_get(c, "format");
    o->alert_log = config_get(c, "alert-log");
    o->no_tui = config_bool(c, "no-tui");
    o->replay = config_bool(c, "replay");
    o->once = config_bool(c, "once");
    if (c->npos) return snprintf(err, n, "unexpected argument \"%s\" (the log is -f FILE)", c->pos[0]), -1;
    log_level = lvl;
    return 0;
}

static int generate(const tm_config *c, char *err, size_t n) {
    double rate;
    long long lines;
    if (flag_number(c, "rate", 0.001, 1e7, &rate, err, n) || flag_integer(c, "lines", 0, 1000000000000LL, &lines, err, n))
        return -1;
    int64_t start = now_ms() - (int64_t)(lines * 1000.0 / rate); /* a finite log ends now */
    return glance_generate(stdout, rate, (int64_t)lines, start) ? (snprintf(err, n, "cannot write"), -1) : 0;
}

int cmd_glance(int argc, char **argv) {
    if (config_help(argc, argv)) {
        config_usage(stdout, "glance", NULL, GLANCE_FLAGS, NGLANCE);
        return 0;
    }
    char **args = malloc(((size_t)argc + 1) * sizeof *args); /* -f is the one short flag, as tail's */
    for (int i = 0; i < argc; i++) args[i] = !strcmp(argv[i], "-f") ? "--file" : argv[i];
    tm_config c;
    char err[512];
    glance_opts o;
    int rc = 2;
    if (config_parse(&c, GLANCE_FLAGS, NGLANCE, argc, args, err, sizeof err)) goto bad;
    if (config_bool(&c, "generate")) {
        rc = generate(&c, err, sizeof err) ? 1 : 0;
        if (rc) goto bad;
        goto done;
    }
    if (opts_from(&c, &o, err, sizeof err)) goto bad;
    if (!o.path) {
        snprintf(err, sizeof err, "which log? -f FILE (or -f - for standard input)");
        goto bad;
    }
    rc = glance_run(&o);
    goto done;
bad:
    fprintf(stderr, "tidemark glance: %s\n", err);
done:
    config_free(&c);
    free(args);
    return rc;
}
