/* relay.c — Pulse relay lines into commands and samples. */
#include "relay.h"

#include <jansson.h>
#include <string.h>

#include "../util/timeparse.h"
#include "jsonvalue.h"
#include "textcheck.h"

#define BAD_NAME "(at most 200 bytes; no blanks, control bytes, ';', ',' or ':')"

int relay_name_ok(const char *s, size_t n) {
    if (!n || n > RELAY_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f || c == ';' || c == ',' || c == ':') return 0;
    }
    return utf8_check(s, n) == n;
}

static int word_is(const char *w, size_t n, const char *lit) { return n == strlen(lit) && !memcmp(w, lit, n); }

/* Series key "STAT;relay=ID"; -1 with *why when the stat cannot be a name. */
static int relay_key(const char *stat, size_t n, const char *id, size_t idlen, char *key, size_t cap,
                     const char **why) {
    tm_tag t = {"relay", 5, id, idlen};
    return key_canon(stat, n, &t, 1, key, cap, why);
}

/* The reasons for one stat's value, which is read as /api/v1/data reads it;
 * null is no reason: the relay has nothing yet. */
static const char *const value_why[JV_NRESULTS] = {
    [JV_TYPE] = "value must be a number, string or [lat, lon]",
    [JV_ARRAY] = "an array must be [lat, lon]",
    [JV_RANGE] = "location out of range",
    [JV_EMPTY] = "empty string",
    [JV_LONG] = "string too long",
    [JV_NUL] = "string holds a NUL byte",
};

static void got_json(const char *p, size_t n, const char *id, size_t idlen, int64_t ts, size_t lineno, tm_batch *b) {
    json_error_t err;
    /* INT_AS_REAL: a counter past 2^63 is still a number */
    json_t *root = json_loadb(p, n, JSON_DECODE_INT_AS_REAL, &err);
    if (!json_is_object(root)) {
        if (root) batch_error(b, lineno, "got: expected a JSON object {\"stat\":value,...}");
        else batch_error(b, lineno, "got: invalid JSON: %s", err.text);
        json_decref(root);
        return;
    }
    const char *k;
    json_t *v;
    char key[TM_KEY_MAX + 1];
    json_object_foreach(root, k, v) {
        const char *why = "bad stat name " BAD_NAME;
        size_t kn = strlen(k);
        int klen = relay_name_ok(k, kn) ? relay_key(k, kn, id, idlen, key, sizeof key, &why) : -1;
        if (klen < 0 || (why = value_why[jv_add(v, key, (size_t)klen, ts, b)]))
            batch_error(b, lineno, "got: stat \"%.64s\": %s", k, why);
    }
    json_decref(root);
}

/* Pulse 0.x relays answer "got COLLECTOR-FIELD:VALUE,..." (FIELD is the
 * stat; a lone "STAT:VALUE" is read too). */
static void got_legacy(const char *p, size_t n, const char *id, size_t idlen, int64_t ts, size_t lineno,
                       tm_batch *b) {
    const char *end = p + n;
    char key[TM_KEY_MAX + 1];
    while (p < end) {
        const char *e = memchr(p, ',', (size_t)(end - p));
        if (!e) e = end;
        const char *colon = memchr(p, ':', (size_t)(e - p));
        if (!colon) {
            batch_error(b, lineno, "got: \"%.*s\" is not stat:value", (int)((e - p) > 64 ? 64 : (e - p)), p);
        } else {
            const char *name = p, *dash = memchr(p, '-', (size_t)(colon - p));
            if (dash) name = dash + 1;
            const char *why = "bad stat name";
            double x, y;
            size_t nn = (size_t)(colon - name), vn = (size_t)(e - colon - 1);
            int klen = relay_name_ok(name, nn) ? relay_key(name, nn, id, idlen, key, sizeof key, &why) : -1;
            if (klen < 0) batch_error(b, lineno, "got: stat \"%.*s\": %s", (int)(nn > 64 ? 64 : nn), name, why);
            else if (vn && value_detect(colon + 1, vn, &x, &y) == TM_NUMBER)
                batch_add_number(b, key, (size_t)klen, ts, x);
            else if (vn && !text_ok(b, lineno, TEXT_BAD_STR, colon + 1, vn))
                ;
            else if (vn && vn <= TM_STR_MAX && !memchr(colon + 1, 0, vn)) batch_add_string(b, key, (size_t)klen, ts, colon + 1, vn);
            else batch_error(b, lineno, "got: stat \"%.*s\": empty, overlong or NUL in value", (int)(nn > 64 ? 64 : nn), name);
        }
        if (e == end) break;
        p = e + 1;
    }
}

static void bad(tm_relay_cmd *out, const char *why) {
    out->cmd = RC_BAD;
    out->err = why;
}

/* "add STAT" or Pulse's "add STAT:tag,tag" (its tags are not kept). */
static void stat_arg(const char *a, size_t n, int cmd, tm_relay_cmd *out) {
    const char *colon = cmd == RC_ADD ? memchr(a, ':', n) : NULL;
    if (colon) n = (size_t)(colon - a);
    if (!n) bad(out, cmd == RC_ADD ? "add needs a stat name: add STAT" : "remove needs a stat name: remove STAT");
    else if (!relay_name_ok(a, n)) bad(out, "bad stat name " BAD_NAME);
    else *out = (tm_relay_cmd){cmd, a, n, NULL};
}

void relay_parse_line(const char *line, size_t len, const char *id, size_t idlen, int64_t ts, size_t lineno,
                      tm_batch *b, tm_relay_cmd *out) {
    memset(out, 0, sizeof *out);
    if (len > RELAY_LINE_MAX) {
        bad(out, "line too long");
        return;
    }
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) len--;
    while (len && (*line == ' ' || *line == '\t')) line++, len--;
    if (!len) return; /* blank: RC_NONE */
    const char *sp = memchr(line, ' ', len);
    size_t wn = sp ? (size_t)(sp - line) : len;
    const char *a = sp ? sp + 1 : line + len;
    size_t an = len - (size_t)(a - line);
    while (an && *a == ' ') a++, an--;
    if (word_is(line, wn, "id")) {
        if (!an) bad(out, "id needs a name: id NAME");
        else if (!relay_name_ok(a, an)) bad(out, "bad relay id " BAD_NAME);
        else *out = (tm_relay_cmd){RC_ID, a, an, NULL};
    } else if (word_is(line, wn, "add")) {
        stat_arg(a, an, RC_ADD, out);
    } else if (word_is(line, wn, "remove")) {
        stat_arg(a, an, RC_REMOVE, out);
    } else if (word_is(line, wn, "got") && !id) {
        bad(out, "identify first: id NAME");
    } else if (word_is(line, wn, "got")) {
        out->cmd = RC_GOT;
        b->line = lineno;
        if (an && (*a == '{' || *a == '[')) got_json(a, an, id, idlen, ts, lineno, b);
        else if (an) got_legacy(a, an, id, idlen, ts, lineno, b);
    } else if (word_is(line, wn, "ok")) {
        out->cmd = RC_OK;
    } else if (word_is(line, wn, "ping")) {
        out->cmd = RC_PING;
    } else if (word_is(line, wn, "close")) {
        out->cmd = RC_CLOSE;
    } else {
        bad(out, "unknown command (want id, add, remove or got)");
    }
}

int relay_override_line(tm_buf *out, const char *duration, const tm_relay_pair *p, size_t n, const char **why) {
    int64_t ms;
    size_t dn = duration ? strlen(duration) : 0;
    if (!relay_name_ok(duration, dn) || !parse_duration_ms(duration, dn, &ms) || ms <= 0)
        return *why = "duration must be a positive duration such as 60s", 0;
    if (!n) return *why = "stats must name at least one stat: {\"cpu\":\"1s\"}", 0;
    if (n > RELAY_MAX_STATS) return *why = "too many stats", 0;
    for (size_t i = 0; i < n; i++) {
        size_t sn = p[i].stat ? strlen(p[i].stat) : 0, in = p[i].interval ? strlen(p[i].interval) : 0;
        if (!relay_name_ok(p[i].stat, sn)) return *why = "bad stat name", 0;
        if (!relay_name_ok(p[i].interval, in) || !parse_duration_ms(p[i].interval, in, &ms) || ms <= 0)
            return *why = "each stat's interval must be a positive duration such as 1s", 0;
    }
    buf_printf(out, "override %s ", duration);
    for (size_t i = 0; i < n; i++) buf_printf(out, "%s%s:%s", i ? "," : "", p[i].stat, p[i].interval);
    buf_putc(out, '\n');
    return 1;
}
