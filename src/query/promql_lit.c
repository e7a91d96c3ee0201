/* promql_lit.c — PromQL literals (numbers, durations, strings) and the
 * parse tree's arena. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/buf.h"
#include "../util/reuse.h"
#include "promql_int.h"

/* Blocks come from reuse.h: a query's arena is most of its memory, and
 * the next query takes it over already mapped. */
void *pq_alloc(pq_expr *ar, size_t n) {
    n = (n + 15) & ~(size_t)15;
    pq_block *b = ar->blocks;
    if (!b || b->cap - b->used < n) {
        size_t bytes;
        b = reuse_get(sizeof *b + n, &bytes);
        b->cap = bytes - sizeof *b;
        b->used = 0;
        b->next = ar->blocks;
        ar->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *pq_strdup(pq_expr *ar, const char *s, size_t n) {
    char *d = pq_alloc(ar, n + 1);
    if (n) memcpy(d, s, n);
    return d;
}

/* Go's strconv.ParseInt(s, 0, 64), then ParseFloat: so "010" is 8, "0x1f"
 * is 31, "1e3" and "Inf" are floats. */
int pq_number(const char *s, size_t n, double *v) {
    char buf[128];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (!strcasecmp(buf, "inf")) return *v = INFINITY, 1;
    if (!strcasecmp(buf, "nan")) return *v = NAN, 1;
    char *e;
    errno = 0;
    long long i = strtoll(buf, &e, 0);
    if (!*e && !errno) return *v = (double)i, 1;
    if ((buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))) {
        /* Go's ParseFloat reads hex only with a 'p' exponent: a hex token that
         * overflows int64 is still an integer value */
        if (strpbrk(buf, ".")) return 0;
        errno = 0;
        *v = (double)strtoull(buf, &e, 16);
        return !*e;
    }
    *v = strtod(buf, &e);
    return !*e;
}

/* model.ParseDuration: units in the order y w d h m s ms, each at most once. */
int pq_duration(const char *s, size_t n, int64_t *ms) {
    static const struct {
        const char *u;
        int64_t ms;
    } units[] = {{"y", 365LL * 86400000}, {"w", 7LL * 86400000}, {"d", 86400000}, {"h", 3600000},
                 {"m", 60000},            {"s", 1000},           {"ms", 1}};
    size_t i = 0, next = 0;
    int64_t total = 0;
    if (n == 1 && s[0] == '0') return *ms = 0, 1;
    if (!n) return 0;
    while (i < n) {
        size_t d = i;
        uint64_t x = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            x = x * 10 + (uint64_t)(s[i++] - '0');
            if (x > (uint64_t)INT64_MAX / 1000) return 0;
        }
        if (i == d) return 0;
        size_t ul = (i + 1 < n && s[i] == 'm' && s[i + 1] == 's') ? 2 : 1;
        if (i >= n) return 0;
        size_t k = next;
        while (k < 7 && (strlen(units[k].u) != ul || strncmp(units[k].u, s + i, ul))) k++;
        if (k == 7) return 0;
        next = k + 1;
        i += ul;
        if (x > (uint64_t)(INT64_MAX - total) / (uint64_t)units[k].ms) return 0;
        total += (int64_t)x * units[k].ms;
    }
    *ms = total;
    return 1;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void put_utf8(tm_buf *b, uint32_t r) {
    if (r > 0x10ffff || (r >= 0xd800 && r < 0xe000)) r = 0xfffd;
    if (r < 0x80) buf_putc(b, (uint8_t)r);
    else if (r < 0x800) {
        buf_putc(b, (uint8_t)(0xc0 | r >> 6));
        buf_putc(b, (uint8_t)(0x80 | (r & 63)));
    } else if (r < 0x10000) {
        buf_putc(b, (uint8_t)(0xe0 | r >> 12));
        buf_putc(b, (uint8_t)(0x80 | ((r >> 6) & 63)));
        buf_putc(b, (uint8_t)(0x80 | (r & 63)));
    } else {
        buf_putc(b, (uint8_t)(0xf0 | r >> 18));
        buf_putc(b, (uint8_t)(0x80 | ((r >> 12) & 63)));
        buf_putc(b, (uint8_t)(0x80 | ((r >> 6) & 63)));
        buf_putc(b, (uint8_t)(0x80 | (r & 63)));
    }
}

/* One escape after the backslash at s[0]; returns its length or 0. */
static size_t unescape(const char *s, size_t n, tm_buf *b) {
    static const char from[] = "abfnrtv\\'\"", to[] = "\a\b\f\n\r\t\v\\'\"";
    if (n < 2) return 0;
    const char *k = strchr(from, s[1]);
    if (k && s[1]) return buf_putc(b, (uint8_t)to[k - from]), 2;
    if (s[1] >= '0' && s[1] <= '7') {
        if (n < 4) return 0;
        int v = 0;
        for (int i = 1; i <= 3; i++) {
            if (s[i] < '0' || s[i] > '7') return 0;
            v = v * 8 + (s[i] - '0');
        }
        if (v > 255) return 0;
        return buf_putc(b, (uint8_t)v), 4;
    }
    size_t w = s[1] == 'x' ? 2 : s[1] == 'u' ? 4 : s[1] == 'U' ? 8 : 0;
    if (!w || n < 2 + w) return 0;
    uint32_t v = 0;
    for (size_t i = 0; i < w; i++) {
        int h = hexval((unsigned char)s[2 + i]);
        if (h < 0) return 0;
        v = v * 16 + (uint32_t)h;
    }
    if (w == 2) buf_putc(b, (uint8_t)v);
    else if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return 0;
    else put_utf8(b, v);
    return 2 + w;
}

char *pq_unquote(pq_parser *p, const pq_tok *t) {
    const char *s = p->q + t->pos + 1;
    size_t n = (size_t)t->len - 2;
    if (p->q[t->pos] == '`') return pq_strdup(p->ar, s, n);
    tm_buf b = {0};
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            buf_putc(&b, (uint8_t)s[i++]);
            continue;
        }
        size_t k = unescape(s + i, n - i, &b);
        if (!k) {
            buf_free(&b);
            pq_fail(p, t->pos, "invalid syntax");
        }
        i += k;
    }
    char *r = pq_strdup(p->ar, (const char *)b.p, b.n);
    buf_free(&b);
    return r;
}
