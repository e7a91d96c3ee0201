#include "httpc.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t on_data(char *p, size_t sz, size_t n, void *arg) {
    buf_put(arg, p, sz * n);
    return sz * n;
}

struct tm_httpc {
    CURL *c;
    long timeout_s;
};

tm_httpc *httpc_new(long timeout_s) {
    CURL *c = curl_easy_init();
    if (!c) return NULL;
    tm_httpc *h = xcalloc(1, sizeof *h);
    h->c = c;
    h->timeout_s = timeout_s;
    return h;
}

void httpc_free(tm_httpc *h) {
    if (!h) return;
    curl_easy_cleanup(h->c);
    free(h);
}

long httpc_do(tm_httpc *hc, const char *method, const char *url, const char *token, const char *ctype,
              const void *body, size_t n, tm_buf *resp, char *err, size_t errlen) {
    CURL *c = hc->c;
    curl_easy_reset(c); /* options go, the connection cache stays */
    struct curl_slist *h = NULL;
    char line[1024];
    if (token) {
        snprintf(line, sizeof line, "X-AUTH-TOKEN: %s", token);
        h = curl_slist_append(h, line);
    }
    if (ctype) {
        snprintf(line, sizeof line, "Content-Type: %s", ctype);
        h = curl_slist_append(h, line);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, hc->timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)n);
    }
    CURLcode rc = curl_easy_perform(c);
    long code = -1;
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    else snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
    curl_slist_free_all(h);
    return code;
}

long httpc_request(const char *method, const char *url, const char *token, const char *ctype, const void *body,
                   size_t n, tm_buf *resp, char *err, size_t errlen) {
    tm_httpc *h = httpc_new(30);
    if (!h) {
        snprintf(err, errlen, "cannot start libcurl");
        return -1;
    }
    long code = httpc_do(h, method, url, token, ctype, body, n, resp, err, errlen);
    httpc_free(h);
    return code;
}

void url_encode(tm_buf *b, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("-_.~", ch))
            buf_putc(b, ch);
        else {
            buf_putc(b, '%');
            buf_putc(b, (uint8_t)hex[ch >> 4]);
            buf_putc(b, (uint8_t)hex[ch & 15]);
        }
    }
}
