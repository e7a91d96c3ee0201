/* logtail.c — per-second counts of followed access logs, into the store. */
#include "logtail.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../model/batch.h"
#include "../util/buf.h"
#include "../util/log.h"
#include "../util/timeparse.h"
#include "follow.h"
#include "logfmt.h"

#define LINES_PER_TICK 200000 /* a big backlog is read over several ticks */
#define SECTIONS_MAX 64       /* distinct sections in one second; the rest count as "other" */
#define QUIET_MS 2000
#define ZERO_FILL_S 60

typedef struct {
    char name[64];
    uint64_t hits;
} section;

typedef struct {
    char path[1024], tag[128], pos_file[1200];
    log_format *fmt;
    log_follow *in;
    int64_t sec;        /* the second being counted; INT64_MIN: none */
    int64_t sec_start;  /* file offset of its first line */
    int64_t last_emitted, last_line_wall;
    uint64_t requests, bytes, status[5], lat_n;
    double lat_sum;
    section sections[SECTIONS_MAX + 1];
    size_t nsections;
    uint64_t malformed;
} tail;

struct tm_tails {
    tm_store *store;
    tail *t;
    size_t n;
    tm_batch b;
};

static int64_t line_time(void *arg, const char *line, size_t n) {
    log_rec r;
    return logfmt_parse(arg, line, n, &r) ? r.ts_ms : INT64_MIN;
}

/* What a tag value or a name part may hold: the rest becomes '_'. */
static void clean(char *out, size_t cap, const char *p, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        char c = p[i];
        out[o++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                           c == '_' || c == '.'
                       ? c
                       : '_';
    }
    out[o] = 0;
}

static int load_pos(const tail *t, int64_t *off, uint64_t *ino) {
    FILE *f = t->pos_file[0] ? fopen(t->pos_file, "r") : NULL;
    if (!f) return 0;
    int ok = fscanf(f, "%" SCNu64 " %" SCNd64, ino, off) == 2;
    fclose(f);
    return ok;
}

static void save_pos(const tail *t) {
    if (!t->pos_file[0]) return;
    char tmp[1300];
    snprintf(tmp, sizeof tmp, "%s.tmp", t->pos_file);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        log_limited(LOG_WARN, "tail-log: cannot write %s: %s", tmp, strerror(errno));
        return;
    }
    int64_t off = t->sec == INT64_MIN ? follow_offset(t->in) : t->sec_start;
    fprintf(f, "%" PRIu64 " %" PRId64 "\n", follow_inode(t->in), off);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
    rename(tmp, t->pos_file);
}

static int tail_open(tail *t, const char *path, const char *state_dir, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    clean(t->tag, sizeof t->tag, base, strlen(base));
    if (state_dir) snprintf(t->pos_file, sizeof t->pos_file, "%s/tail-%s.pos", state_dir, t->tag);
    t->fmt = logfmt_compile("auto", err, errlen);
    int64_t off = -1;
    uint64_t ino = 0;
    load_pos(t, &off, &ino);
    if (!(t->in = follow_open(path, 0, line_time, t->fmt, off, ino, err, errlen))) return -1;
    t->sec = t->last_emitted = INT64_MIN;
    log_info("tail-log: following %s (log=%s) from byte %lld", path, t->tag, (long long)follow_offset(t->in));
    return 0;
}

static void add_sample(tm_batch *b, const tail *t, const char *name, int64_t sec, double v) {
    tm_tag tag = {"log", 3, t->tag, strlen(t->tag)};
    char key[TM_KEY_MAX];
    const char *why;
    int k = key_canon(name, strlen(name), &tag, 1, key, sizeof key, &why);
    if (k > 0) batch_add_number(b, key, (size_t)k, sec * 1000, v);
}

/* The counts of the current second as samples, then the zeros of the quiet seconds before it. */
static void emit(tail *t, tm_batch *b) {
    static const char *const ST[] = {"http.status.1xx", "http.status.2xx", "http.status.3xx", "http.status.4xx",
                                     "http.status.5xx"};
    for (int64_t s = t->last_emitted == INT64_MIN ? t->sec : t->last_emitted + 1;
         s < t->sec && t->sec - s <= ZERO_FILL_S; s++) {
        add_sample(b, t, "http.requests", s, 0);
        add_sample(b, t, "http.bytes", s, 0);
    }
    add_sample(b, t, "http.requests", t->sec, (double)t->requests);
    add_sample(b, t, "http.bytes", t->sec, (double)t->bytes);
    for (int i = 0; i < 5; i++) add_sample(b, t, ST[i], t->sec, (double)t->status[i]);
    if (t->lat_n) add_sample(b, t, "http.latency_ms", t->sec, t->lat_sum / (double)t->lat_n);
    for (size_t i = 0; i < t->nsections; i++) {
        char name[96];
        snprintf(name, sizeof name, "http.section.%s", t->sections[i].name);
        add_sample(b, t, name, t->sec, (double)t->sections[i].hits);
    }
    t->last_emitted = t->sec;
    t->sec = INT64_MIN;
    t->requests = t->bytes = t->lat_n = 0;
    t->lat_sum = 0;
    memset(t->status, 0, sizeof t->status);
    t->nsections = 0;
}

static void count(tail *t, const log_rec *r) {
    t->requests++;
    if (r->bytes > 0) t->bytes += (uint64_t)r->bytes;
    if (r->status >= 100 && r->status < 600) t->status[r->status / 100 - 1]++;
    if (!isnan(r->latency_ms)) t->lat_n++, t->lat_sum += r->latency_ms;
    size_t sl = log_section(r->path, r->path_len);
    char name[64];
    if (sl <= 1) snprintf(name, sizeof name, sl ? "root" : "none");
    else clean(name, sizeof name, r->path + 1, sl - 1);
    size_t i = 0;
    while (i < t->nsections && strcmp(t->sections[i].name, name)) i++;
    if (i == t->nsections) {
        if (t->nsections == SECTIONS_MAX) {
            i = SECTIONS_MAX - 1;
            snprintf(t->sections[i].name, sizeof t->sections[i].name, "other");
        } else {
            snprintf(t->sections[t->nsections].name, sizeof t->sections[0].name, "%s", name);
            t->sections[t->nsections++].hits = 0;
        }
    }
    t->sections[i].hits++;
}

static void tail_read(tail *t, tm_batch *b, int64_t now) {
    const char *p;
    size_t n;
    int r = 0;
    for (int i = 0; i < LINES_PER_TICK; i++) {
        int64_t at = follow_offset(t->in);
        if ((r = follow_line(t->in, &p, &n)) != 1) break;
        log_rec rec;
        if (!n) continue;
        if (!logfmt_parse(t->fmt, p, n, &rec)) {
            if (!t->malformed++) log_warn("tail-log: %s: a line that is no access log line: %.80s", t->path, p);
            continue;
        }
        t->last_line_wall = now;
        int64_t sec = (rec.ts_ms == INT64_MIN ? now : rec.ts_ms) / 1000;
        if (t->sec != INT64_MIN && sec > t->sec) emit(t, b);
        if (t->sec == INT64_MIN) t->sec = sec > t->last_emitted ? sec : t->last_emitted + 1, t->sec_start = at;
        count(t, &rec); /* a late line counts in the second being counted */
    }
    if (r != 1 && t->sec != INT64_MIN && now - t->last_line_wall >= QUIET_MS) emit(t, b);
}

tm_tails *tails_start(tm_store *s, char **paths, size_t n, const char *state_dir, char *err, size_t errlen) {
    tm_tails *ts = xcalloc(1, sizeof *ts);
    ts->store = s;
    batch_init(&ts->b);
    ts->t = xcalloc(n ? n : 1, sizeof *ts->t);
    for (size_t i = 0; i < n; i++, ts->n++)
        if (tail_open(&ts->t[i], paths[i], state_dir, err, errlen)) {
            tails_stop(ts);
            return NULL;
        }
    return ts;
}

void tails_tick(tm_tails *ts, int64_t now) {
    for (size_t i = 0; ts && i < ts->n; i++) {
        tail *t = &ts->t[i];
        batch_reset(&ts->b);
        tail_read(t, &ts->b, now);
        if (!ts->b.n) continue;
        store_write(ts->store, &ts->b, now);
        if (!ts->b.nerr) save_pos(t); /* only what the store took: otherwise read it again */
        else log_limited(LOG_WARN, "tail-log: %s: %zu sample(s) refused: %s", t->path, ts->b.nerr, ts->b.err);
    }
}

void tails_stop(tm_tails *ts) {
    if (!ts) return;
    for (size_t i = 0; i < ts->n; i++) {
        follow_close(ts->t[i].in);
        logfmt_free(ts->t[i].fmt);
    }
    free(ts->t);
    batch_free(&ts->b);
    free(ts);
}
