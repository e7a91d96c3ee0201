#include "auth.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../ingest/vapor.h"
#include "../util/buf.h"

int auth_same(const char *a, size_t alen, const char *t, size_t tlen) {
    unsigned char d = alen != tlen;
    if (!tlen) return !alen;
    for (size_t i = 0; i < alen; i++) d |= (unsigned char)(a[i] ^ t[i % tlen]);
    return !d;
}

/* The password of "Basic base64(user:password)", decoded into out at its
 * length; -1 when it is no such thing. */
static long basic_password(const char *v, char *out, size_t n) {
    static const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t k = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *v && *v != '='; v++) {
        const char *p = strchr(tab, *v);
        if (!p) return -1;
        acc = acc << 6 | (unsigned)(p - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (k >= n) return -1;
            out[k++] = (char)(acc >> bits & 0xff);
        }
    }
    char *colon = memchr(out, ':', k);
    if (!colon) return -1;
    size_t user = (size_t)(colon - out) + 1;
    memmove(out, colon + 1, k - user);
    return (long)(k - user);
}

/* Does the first NAME= of a query string or form body, percent-decoded at
 * its length, equal the token? */
static int param_is(const char *q, size_t n, const char *name, const char *t, size_t tlen) {
    size_t nl = strlen(name);
    for (const char *p = q, *e = q + n; p < e;) {
        const char *amp = memchr(p, '&', (size_t)(e - p));
        if (!amp) amp = e;
        if ((size_t)(amp - p) > nl && !memcmp(p, name, nl) && p[nl] == '=') {
            size_t vn = (size_t)(amp - p) - nl - 1;
            char *v = xmalloc(vn + 1);
            size_t dn = url_decode(p + nl + 1, vn, v);
            int ok = auth_same(v, dn, t, tlen);
            free(v);
            return ok;
        }
        p = amp + 1;
    }
    return 0;
}

int auth_token_ok(const char *t, struct evhttp_request *req, const char *form, size_t form_len) {
    size_t tl = strlen(t);
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *x = evhttp_find_header(in, "X-AUTH-TOKEN");
    if (x && auth_same(x, strlen(x), t, tl)) return 1;
    const char *a = evhttp_find_header(in, "Authorization");
    if (a && !strncasecmp(a, "Bearer ", 7) && auth_same(a + 7, strlen(a + 7), t, tl)) return 1;
    char pw[768];
    long pn = a && !strncasecmp(a, "Basic ", 6) ? basic_password(a + 6, pw, sizeof pw) : -1;
    if (pn >= 0 && auth_same(pw, (size_t)pn, t, tl)) return 1;
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    if (q && (param_is(q, strlen(q), "token", t, tl) || param_is(q, strlen(q), "p", t, tl))) return 1;
    return form && (param_is(form, form_len, "token", t, tl) || param_is(form, form_len, "p", t, tl));
}
