/* logfmt.c — compiled log formats and the line reader.
 *
 * Speed matters here (a busy log replays at millions of lines a second), so
 * text formats are read field by field with memchr, numbers by hand, and
 * the time of the previous line is reused when its text is the same (a busy
 * log writes the same second many times). */
#include "logfmt.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/timeparse.h"

enum kind { LIT, SKIP, HOST, TIME_LOCAL, TIME_BRACKET, TIME_ISO, MSEC, REQUEST, METHOD, URI, STATUS, BYTES,
            SECONDS, MICROS, END };

typedef struct {
    int kind;
    char *lit; /* LIT: its text */
    size_t len;
} token;

struct log_format {
    int json, autodetect;
    token *t;
    size_t n;
    char last_time[40]; /* the time text of the previous line, and its value */
    size_t last_len;
    int64_t last_ms;
    tm_buf scratch;     /* JSON strings live here until the next line */
};

static const struct {
    const char *name;
    int kind;
} NGINX[] = {{"remote_addr", HOST},       {"time_local", TIME_LOCAL},
             {"time_iso8601", TIME_ISO},  {"msec", MSEC},
             {"request", REQUEST},        {"request_method", METHOD},
             {"request_uri", URI},        {"uri", URI},
             {"status", STATUS},          {"body_bytes_sent", BYTES},
             {"bytes_sent", BYTES},       {"request_time", SECONDS},
             {"upstream_response_time", SECONDS}};

static const char COMMON[] = "$remote_addr $remote_ident $remote_user [$time_local] \"$request\" $status $body_bytes_sent";

static void push(log_format *f, int kind, const char *lit, size_t len) {
    if (kind == LIT && f->n && f->t[f->n - 1].kind == LIT) { /* one literal, not two */
        token *p = &f->t[f->n - 1];
        p->lit = xrealloc(p->lit, p->len + len + 1);
        memcpy(p->lit + p->len, lit, len);
        p->len += len;
        p->lit[p->len] = 0;
        return;
    }
    f->t = xrealloc(f->t, (f->n + 1) * sizeof *f->t);
    f->t[f->n++] = (token){kind, kind == LIT ? xstrndup(lit, len) : NULL, len};
}

static int is_word(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

static int compile_nginx(log_format *f, const char *s, char *err, size_t errlen) {
    for (const char *p = s; *p;) {
        if (*p != '$') {
            push(f, LIT, p++, 1);
            continue;
        }
        int braced = p[1] == '{';
        const char *w = p + 1 + braced, *e = w;
        while (is_word(*e)) e++;
        if (e == w || (braced && *e != '}')) {
            snprintf(err, errlen, "--format: \"$\" without a variable name at \"%.20s\"", p);
            return -1;
        }
        int kind = SKIP;
        for (size_t i = 0; i < sizeof NGINX / sizeof *NGINX; i++)
            if (strlen(NGINX[i].name) == (size_t)(e - w) && !memcmp(NGINX[i].name, w, (size_t)(e - w)))
                kind = NGINX[i].kind;
        push(f, kind, NULL, 0);
        p = e + braced;
    }
    return 0;
}

static int compile_apache(log_format *f, const char *s, char *err, size_t errlen) {
    for (const char *p = s; *p;) {
        if (*p != '%') {
            push(f, LIT, p++, 1);
            continue;
        }
        const char *d = p + 1;
        if (*d == '%') {
            push(f, LIT, "%", 1);
            p = d + 1;
            continue;
        }
        while (*d == '>' || *d == '<') d++;
        if (*d == '{') {
            const char *c = strchr(d, '}');
            if (!c) {
                snprintf(err, errlen, "--format: \"%%{\" without its \"}\"");
                return -1;
            }
            d = c + 1;
        }
        int kind;
        switch (*d) {
        case 'h': case 'a': kind = HOST; break;
        case 't': kind = TIME_BRACKET; break;
        case 'r': kind = REQUEST; break;
        case 'm': kind = METHOD; break;
        case 'U': kind = URI; break;
        case 's': kind = STATUS; break;
        case 'b': case 'B': case 'O': kind = BYTES; break;
        case 'D': kind = MICROS; break;
        case 'T': kind = SECONDS; break;
        case 'l': case 'u': case 'i': case 'v': case 'V': case 'H': case 'q': case 'p': case 'P': case 'X':
        case 'I': case 'e': case 'n': case 'o': case 'f': kind = SKIP; break;
        default:
            snprintf(err, errlen, "--format: unknown directive \"%%%c\"", *d ? *d : ' ');
            return -1;
        }
        push(f, kind, NULL, 0);
        p = d + 1;
    }
    return 0;
}

log_format *logfmt_compile(const char *spec, char *err, size_t errlen) {
    log_format *f = xcalloc(1, sizeof *f);
    int rc = 0;
    if (!strcmp(spec, "json")) f->json = 1;
    else if (!strcmp(spec, "auto")) f->autodetect = 1, rc = compile_nginx(f, COMMON, err, errlen);
    else if (!strcmp(spec, "common") || !strcmp(spec, "combined")) rc = compile_nginx(f, COMMON, err, errlen);
    else if (strchr(spec, '$')) rc = compile_nginx(f, spec, err, errlen);
    else if (strchr(spec, '%')) rc = compile_apache(f, spec, err, errlen);
    else snprintf(err, errlen, "--format must be auto, common, combined, json, or a log_format with $fields, not \"%s\"",
                  spec), rc = -1;
    for (size_t i = 0; !rc && i + 1 < f->n; i++)
        if (f->t[i].kind != LIT && f->t[i + 1].kind != LIT) {
            snprintf(err, errlen, "--format: two fields with nothing between them cannot be told apart");
            rc = -1;
        }
    if (!rc && !f->json && f->n == 0) snprintf(err, errlen, "--format is empty"), rc = -1;
    if (rc) {
        logfmt_free(f);
        return NULL;
    }
    push(f, END, NULL, 0);
    return f;
}

void logfmt_free(log_format *f) {
    if (!f) return;
    for (size_t i = 0; i < f->n; i++) free(f->t[i].lit);
    free(f->t);
    buf_free(&f->scratch);
    free(f);
}

size_t log_section(const char *path, size_t n) {
    if (!n || path[0] != '/') return n;
    size_t i = 1;
    while (i < n && path[i] != '/' && path[i] != '?') i++;
    return i;
}

/* ---- numbers and times ---- */

static int digits(const char *p, size_t n, int64_t *out) {
    if (!n || n > 18) return 0;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 1;
}

static int seconds_ms(const char *p, size_t n, double *ms) {
    char tmp[40];
    if (!n || n >= sizeof tmp) return 0;
    memcpy(tmp, p, n);
    tmp[n] = 0;
    char *e;
    double v = strtod(tmp, &e);
    if (*e || !isfinite(v) || v < 0) return 0;
    *ms = v * 1000.0;
    return 1;
}

static int64_t days_from_civil(int64_t y, int m, int d) { /* Howard Hinnant's algorithm */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400, doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

int parse_clf_time(const char *p, size_t n, int64_t *ms) {
    /* 10/Oct/2000:13:55:36 -0700 */
    static const char MON[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (n < 26 || p[2] != '/' || p[6] != '/' || p[11] != ':' || p[14] != ':' || p[17] != ':' || p[20] != ' ')
        return 0;
    int64_t d, y, hh, mm, ss, off;
    if (!digits(p, 2, &d) || !digits(p + 7, 4, &y) || !digits(p + 12, 2, &hh) || !digits(p + 15, 2, &mm) ||
        !digits(p + 18, 2, &ss) || !digits(p + 22, 4, &off) || (p[21] != '+' && p[21] != '-'))
        return 0;
    int mon = 0;
    for (int i = 0; i < 12 && !mon; i++)
        if (!memcmp(p + 3, MON + 3 * i, 3)) mon = i + 1;
    if (!mon || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60) return 0;
    int64_t offs = (off / 100) * 3600 + (off % 100) * 60;
    int64_t t = days_from_civil(y, mon, (int)d) * 86400 + hh * 3600 + mm * 60 + ss - (p[21] == '-' ? -offs : offs);
    *ms = t * 1000;
    return 1;
}

/* The time text into ms, reusing the previous line's answer for the same text. */
static int field_time(log_format *f, int kind, const char *p, size_t n, int64_t *ms) {
    if (n == f->last_len && n && !memcmp(p, f->last_time, n)) {
        *ms = f->last_ms;
        return 1;
    }
    int ok;
    double s;
    if (kind == TIME_LOCAL) ok = parse_clf_time(p, n, ms);
    else if (kind == TIME_BRACKET) ok = n > 2 && p[0] == '[' && p[n - 1] == ']' && parse_clf_time(p + 1, n - 2, ms);
    else if (kind == MSEC) {
        ok = seconds_ms(p, n, &s) && s < 9e18; /* past int64's milliseconds is no time */
        if (ok) *ms = (int64_t)s;
    } else ok = parse_time_ms(p, n, 0, ms) && n > 10; /* ISO 8601: not a bare number */
    if (ok && n < sizeof f->last_time) {
        memcpy(f->last_time, p, n);
        f->last_len = n;
        f->last_ms = *ms;
    }
    return ok;
}

static void set_uri(log_rec *r, const char *p, size_t n) {
    const char *q = memchr(p, '?', n);
    r->path = p;
    r->path_len = q ? (size_t)(q - p) : n;
}

/* "GET /a?b HTTP/1.1": method and path; "-" (a request that never came) leaves both empty. */
static int set_request(log_rec *r, const char *p, size_t n) {
    if (n == 1 && *p == '-') return 1;
    const char *sp = memchr(p, ' ', n);
    if (!sp) return 0;
    r->method = p;
    r->method_len = (size_t)(sp - p);
    const char *u = sp + 1, *e = memchr(u, ' ', (size_t)(p + n - u));
    set_uri(r, u, e ? (size_t)(e - u) : (size_t)(p + n - u));
    return r->method_len > 0;
}

static int set_field(log_format *f, int kind, const char *p, size_t n, log_rec *r) {
    int64_t v;
    switch (kind) {
    case HOST: r->host = p, r->host_len = n; return n > 0;
    case TIME_LOCAL: case TIME_BRACKET: case TIME_ISO: case MSEC: return field_time(f, kind, p, n, &r->ts_ms);
    case REQUEST: return set_request(r, p, n);
    case METHOD: r->method = p, r->method_len = n; return 1;
    case URI: set_uri(r, p, n); return 1;
    case STATUS: return n == 3 && digits(p, 3, &v) && v >= 100 && (r->status = (int)v);
    case BYTES:
        if (n == 1 && *p == '-') return 1;
        return digits(p, n, &r->bytes);
    case SECONDS: return (n == 1 && *p == '-') || seconds_ms(p, n, &r->latency_ms);
    case MICROS: return digits(p, n, &v) && (r->latency_ms = (double)v / 1000.0, 1);
    default: return 1;
    }
}

static int parse_text(log_format *f, const char *line, size_t n, log_rec *r) {
    const char *p = line, *end = line + n;
    for (size_t i = 0; f->t[i].kind != END; i++) {
        const token *t = &f->t[i];
        if (t->kind == LIT) {
            if ((size_t)(end - p) < t->len || memcmp(p, t->lit, t->len)) return 0;
            p += t->len;
            continue;
        }
        const token *next = &f->t[i + 1];
        const char *e;
        if (next->kind == END) { /* the last field: up to a blank (Combined's extra fields) */
            e = memchr(p, ' ', (size_t)(end - p));
            if (!e) e = end;
        } else { /* up to the literal that follows */
            e = p;
            for (;;) {
                e = memchr(e, next->lit[0], (size_t)(end - e));
                if (!e) return 0;
                if ((size_t)(end - e) >= next->len && !memcmp(e, next->lit, next->len)) break;
                e++;
            }
        }
        if (!set_field(f, t->kind, p, (size_t)(e - p), r)) return 0;
        p = e;
    }
    return 1;
}

/* ---- JSON lines ---- */

static const char *jstr(json_t *o, const char *const *keys, size_t *n) {
    for (; *keys; keys++) {
        json_t *v = json_object_get(o, *keys);
        if (json_is_string(v)) {
            *n = json_string_length(v);
            return json_string_value(v);
        }
    }
    return NULL;
}

static int jnum(json_t *o, const char *const *keys, double *out) {
    for (; *keys; keys++) {
        json_t *v = json_object_get(o, *keys);
        if (json_is_number(v)) return *out = json_number_value(v), 1;
    }
    return 0;
}

/* Copy a string into the scratch buffer; an offset, so the buffer may move. */
static size_t keep(log_format *f, const char *s, size_t n) {
    size_t off = f->scratch.n;
    buf_put(&f->scratch, s, n);
    return off;
}

static int parse_json(log_format *f, const char *line, size_t n, log_rec *r) {
    json_t *o = json_loadb(line, n, 0, NULL);
    if (!json_is_object(o)) return json_decref(o), 0;
    json_t *req = json_object_get(o, "request"); /* Caddy nests the request */
    json_t *q = json_is_object(req) ? req : o;
    static const char *const K_HOST[] = {"remote_ip", "client_ip", "ClientHost", "remote_addr", "ip", NULL};
    static const char *const K_METHOD[] = {"method", "RequestMethod", NULL};
    static const char *const K_URI[] = {"uri", "RequestPath", "path", NULL};
    static const char *const K_STATUS[] = {"status", "DownstreamStatus", NULL};
    static const char *const K_SIZE[] = {"size", "DownstreamContentSize", "bytes", NULL};
    static const char *const K_TS[] = {"ts", "time", "StartUTC", "timestamp", NULL};
    f->scratch.n = 0;
    size_t hn = 0, mn = 0, un = 0, tn = 0, ho = 0, mo = 0, uo = 0;
    const char *s;
    if ((s = jstr(q, K_HOST, &hn)) || (s = jstr(o, K_HOST, &hn))) ho = keep(f, s, hn);
    if ((s = jstr(q, K_METHOD, &mn)) || (s = jstr(o, K_METHOD, &mn))) mo = keep(f, s, mn);
    if ((s = jstr(q, K_URI, &un)) || (s = jstr(o, K_URI, &un))) uo = keep(f, s, un);
    double v;
    if (jnum(o, K_STATUS, &v) && v >= 100 && v <= 999) r->status = (int)v;
    if (jnum(o, K_SIZE, &v) && v >= 0 && v < 9e18) r->bytes = (int64_t)v;
    if (jnum(o, K_TS, &v) && isfinite(v) && fabs(v) < 1e13) r->ts_ms = (int64_t)(v * 1000.0);
    else if ((s = jstr(o, K_TS, &tn)) && !parse_time_ms(s, tn, 0, &r->ts_ms)) r->ts_ms = INT64_MIN;
    json_t *d = json_object_get(o, "duration"); /* Caddy: seconds */
    if (json_is_number(d)) r->latency_ms = json_number_value(d) * 1000.0;
    else if ((d = json_object_get(o, "Duration")) && json_is_number(d)) r->latency_ms = json_number_value(d) / 1e6;
    json_decref(o);
    const char *base = (const char *)f->scratch.p;
    if (hn) r->host = base + ho, r->host_len = hn;
    if (mn) r->method = base + mo, r->method_len = mn;
    if (un) set_uri(r, base + uo, un);
    return r->status || r->path_len;
}

int logfmt_parse(log_format *f, const char *line, size_t n, log_rec *r) {
    if (n && line[n - 1] == '\r') n--;
    memset(r, 0, sizeof *r);
    r->ts_ms = INT64_MIN;
    r->bytes = -1;
    r->latency_ms = NAN;
    if (f->json || (f->autodetect && n && line[0] == '{')) return parse_json(f, line, n, r);
    return parse_text(f, line, n, r);
}
