#include "serve_opts.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../net/listen.h"
#include "../util/flagval.h"
#include "../util/log.h"
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

static int check_plain(const tm_config *c, char *err, size_t errlen) {
    const char *pre = config_get(c, "url-prefix");
    int64_t ms;
    int lvl;
    if (c->npos) {
        snprintf(err, errlen, "unexpected \"%s\": serve takes only flags (see --help)", c->pos[0]);
        return -1;
    }
    if (flag_log_level(c, &lvl, err, errlen)) return -1;
    if (pre && *pre && *pre != '/') {
        snprintf(err, errlen, "--url-prefix must begin with a slash (/%s), not \"%s\"", pre, pre);
        return -1;
    }
    if (pre && strpbrk(pre, "?# ")) {
        snprintf(err, errlen, "--url-prefix is a path such as /tidemark, not \"%s\"", pre);
        return -1;
    }
    return check_listeners(c, err, errlen) || flag_duration(c, "statsd-flush", 1, 0, &ms, err, errlen) ||
           flag_duration(c, "poll-interval", 1, 0, &ms, err, errlen);
}

int serve_check(const tm_config *c, tm_store_opts *o, char *err, size_t errlen) {
    if (check_plain(c, err, errlen)) return -1;
    memset(o, 0, sizeof *o);
    o->memory = config_bool(c, "memory");
    o->data_dir = config_get(c, "data-dir");
    const char *fs = config_get(c, "fsync"), *ret = config_get(c, "retention");
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
    if (flag_size(c, "wal-max", 1, SIZE_MAX, &bytes, err, errlen)) return -1;
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
    long long r, b, bm;
    int64_t fms, yms;
    if (flag_integer(c, "forward-replicas", 1, 31, &r, err, errlen) ||
        flag_integer(c, "forward-batch", 1, 1000000, &b, err, errlen) ||
        flag_integer(c, "forward-batch-max", 1, 1000000, &bm, err, errlen) ||
        flag_duration(c, "forward-flush", 1, 0, &fms, err, errlen) ||
        flag_duration(c, "forward-yield", 0, 0, &yms, err, errlen) ||
        flag_size(c, "forward-max-disk", 64u << 10, 0, &o->max_disk, err, errlen))
        return -1;
    o->replicas = (size_t)r;
    o->batch = (size_t)b;
    o->batch_max = (size_t)bm;
    o->flush_ms = (int)fms;
    o->yield_ms = yms;
    return 0;
}
