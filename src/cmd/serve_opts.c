#include "serve_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../net/listen.h"
#include "../util/log.h"
#include "../util/sizeparse.h"
#include "../util/timeparse.h"

int listener_off(const char *addr) { return addr && !strcmp(addr, "off"); }

/* Every --X-listen flag of the table, so a listener added later is checked too. */
static int check_listeners(const tm_config *c, char *err, size_t errlen) {
    for (size_t i = 0; i < c->nflags; i++) {
        const char *name = c->flags[i].name;
        size_t n = strlen(name);
        if (n < 7 || strcmp(name + n - 7, "-listen")) continue;
        const char *a = config_get(c, name);
        struct sockaddr_storage ss;
        int len;
        if (!a || listener_off(a) || !parse_addr(a, &ss, &len)) continue;
        snprintf(err, errlen, "--%s \"%s\": %s, or off", name, a, ADDR_FORMS);
        return -1;
    }
    return 0;
}

static int check_duration(const tm_config *c, const char *flag, char *err, size_t errlen) {
    const char *v = config_get(c, flag);
    int64_t ms;
    if (v && parse_duration_ms(v, strlen(v), &ms) && ms > 0) return 0;
    snprintf(err, errlen, "--%s must be a duration such as 500ms, 10s or 5m, not \"%s\"", flag, v ? v : "");
    return -1;
}

static int check_plain(const tm_config *c, char *err, size_t errlen) {
    const char *lv = config_get(c, "log-level"), *pre = config_get(c, "url-prefix");
    if (c->npos) {
        snprintf(err, errlen, "unexpected \"%s\": serve takes only flags (see --help)", c->pos[0]);
        return -1;
    }
    if (log_level_parse(lv) < 0) {
        snprintf(err, errlen, "--log-level must be debug, info, warn or error, not \"%s\"", lv);
        return -1;
    }
    if (pre && *pre && *pre != '/') {
        snprintf(err, errlen, "--url-prefix must begin with a slash (/%s), not \"%s\"", pre, pre);
        return -1;
    }
    if (pre && strpbrk(pre, "?# ")) {
        snprintf(err, errlen, "--url-prefix is a path such as /tidemark, not \"%s\"", pre);
        return -1;
    }
    return check_listeners(c, err, errlen) || check_duration(c, "statsd-flush", err, errlen) ||
           check_duration(c, "poll-interval", err, errlen);
}

int serve_check(const tm_config *c, tm_store_opts *o, char *err, size_t errlen) {
    if (check_plain(c, err, errlen)) return -1;
    memset(o, 0, sizeof *o);
    o->memory = config_bool(c, "memory");
    o->data_dir = config_get(c, "data-dir");
    const char *fs = config_get(c, "fsync"), *ret = config_get(c, "retention"), *wm = config_get(c, "wal-max");
    if (strcmp(fs, "always") && strcmp(fs, "off") && strcmp(fs, "1s")) {
        snprintf(err, errlen, "--fsync must be always, 1s or off, not \"%s\"", fs);
        return -1;
    }
    o->fsync = !strcmp(fs, "always") ? TM_FSYNC_ALWAYS : !strcmp(fs, "off") ? TM_FSYNC_OFF : TM_FSYNC_1S;
    char why[256];
    o->narch = parse_retention_why(ret, o->step, o->keep, TM_MAX_ARCHIVES, why, sizeof why);
    if (!o->narch) {
        snprintf(err, errlen, "bad --retention \"%s\": %s", ret, why);
        return -1;
    }
    uint64_t bytes;
    if (!parse_size(wm, &bytes) || !bytes) {
        snprintf(err, errlen, "--wal-max must be a size above 0, such as 64MiB, 1GiB or 100000 (bytes), not \"%s\"",
                 wm);
        return -1;
    }
    o->wal_max_bytes = (size_t)bytes;
    if (o->memory) return 0;
    if (!o->data_dir || !*o->data_dir) {
        snprintf(err, errlen, "--data-dir must name a directory (or use --memory)");
        return -1;
    }
    return 0;
}

int forward_check(const tm_config *c, const tm_store_opts *so, tm_forward_opts *o, char *err, size_t errlen) {
    memset(o, 0, sizeof *o);
    o->data_dir = so->memory ? NULL : so->data_dir;
    static const char *kinds[] = {"forward-prometheus", "forward-influx", "forward-graphite"};
    for (int k = 0; k < 3; k++) o->nspecs[k] = config_list(c, kinds[k], &o->specs[k]);
    o->nmatch = config_list(c, "forward-match", &o->match);
    o->shard = config_bool(c, "forward-shard");
    const char *rep = config_get(c, "forward-replicas"), *bat = config_get(c, "forward-batch"),
               *fl = config_get(c, "forward-flush"), *md = config_get(c, "forward-max-disk");
    char *e1, *e2;
    long r = strtol(rep, &e1, 10), b = strtol(bat, &e2, 10);
    int64_t fms = 0;
    if (*e1 || r < 1 || r > 31) {
        snprintf(err, errlen, "--forward-replicas must be a number from 1 to 31, not \"%s\"", rep);
        return -1;
    }
    if (*e2 || b < 1 || b > 1000000) {
        snprintf(err, errlen, "--forward-batch must be a number from 1 to 1000000, not \"%s\"", bat);
        return -1;
    }
    if (check_duration(c, "forward-flush", err, errlen)) return -1;
    parse_duration_ms(fl, strlen(fl), &fms);
    if (!parse_size(md, &o->max_disk) || o->max_disk < (64u << 10)) {
        snprintf(err, errlen, "--forward-max-disk must be a size of at least 64KiB, such as 1GiB, not \"%s\"", md);
        return -1;
    }
    o->replicas = (size_t)r;
    o->batch = (size_t)b;
    o->flush_ms = (int)fms;
    return 0;
}
