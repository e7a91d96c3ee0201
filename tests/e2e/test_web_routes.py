"""The web UI's HTTP side: the page and its assets as a browser gets them.

Proves: /, /series and /alerting answer the page (HTML, no token needed even
with --token); /assets/NAME answers each embedded file with its content type,
a strong ETag (304 on If-None-Match), "no-cache", and gzip only to clients
that accept it; unknown or path-like asset names are 404; HEAD works; under
--url-prefix the bare prefix redirects to "prefix/" (the page finds its base
from its own path), keeping the query; the whole page weighs under 200 KB as
sent; and a browser tab closed in the middle of its live stream leaves the
server to stop cleanly (exit 0; under ASan, with nothing leaked).
"""
import gzip
import http.client
import re
import socket
import time

import tmlib as T


def raw_get(s, path, headers=None, method="GET"):
    """One request without following redirects or decoding: (status, headers, body)."""
    c = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=15)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def check_page(t, s, prefix=""):
    for page in ("/", "/series", "/alerting"):
        st, h, body = raw_get(s, prefix + page + ("?metric=x" if page == "/series" else ""))
        t.eq(st, 200, "GET %s%s" % (prefix, page))
        t.eq(h.get("content-type"), "text/html; charset=utf-8", "page content type")
        t.check(b'src="assets/app.js"' in body, "the page loads assets/app.js relatively")
        t.check("default-src 'self'" in h.get("content-security-policy", ""), "page CSP")
    return body


def main(t):
    s = t.server(args=["--token", "s3cret"])
    t.step("the page and its assets need no token")
    body = check_page(t, s)
    t.eq(s.get("/api/v1/metrics").status, 401, "the data still needs the token")
    names = re.findall(r'(?:src|href)="assets/([^"]+)"', body.decode())
    t.require(len(names) >= 4, "the page names its assets: %r" % names)

    t.step("assets: types, ETag, 304, gzip")
    st, h, raw = raw_get(s, "/assets/app.js")
    t.eq((st, h.get("content-type")), (200, "text/javascript; charset=utf-8"), "app.js")
    t.eq(h.get("cache-control"), "no-cache", "revalidated each time")
    etag = h.get("etag", "")
    t.check(re.fullmatch(r'"[0-9a-f]{20}"', etag), "strong ETag: %r" % etag)
    st, h, b = raw_get(s, "/assets/app.js", {"If-None-Match": etag})
    t.eq((st, b), (304, b""), "If-None-Match answers 304")
    st, h, b = raw_get(s, "/assets/app.js", {"If-None-Match": '"other"'})
    t.eq(st, 200, "another ETag gets the file")
    st, h, gz = raw_get(s, "/assets/app.js", {"Accept-Encoding": "gzip, deflate, br"})
    t.eq(h.get("content-encoding"), "gzip", "gzip to who accepts it")
    t.eq(gzip.decompress(gz), raw, "the gzip copy is the file")
    t.check("Accept-Encoding" in h.get("vary", ""), "Vary: Accept-Encoding")
    st, h, b = raw_get(s, "/assets/app.js", {"Accept-Encoding": "gzip;q=0, identity"})
    t.eq((h.get("content-encoding"), b), (None, raw), "gzip;q=0 is a refusal")
    for name, ctype in (("style.css", "text/css; charset=utf-8"), ("uPlot.iife.min.js", "text/javascript; charset=utf-8"),
                        ("uPlot.min.css", "text/css; charset=utf-8"), ("icon.svg", "image/svg+xml")):
        st, h, _ = raw_get(s, "/assets/" + name)
        t.eq((st, h.get("content-type")), (200, ctype), name)
    for bad in ("/assets/nope.js", "/assets/index.html", "/assets/../api/v1/metrics", "/assets/x/app.js"):
        t.eq(raw_get(s, bad)[0], 404, bad)
    st, h, b = raw_get(s, "/", method="HEAD")
    t.eq((st, b), (200, b""), "HEAD /")

    t.step("page weight as sent")
    total = 0
    for page_asset in set(names) | {"api.js", "fmt.js", "live.js", "home.js", "series.js", "alerts.js",
                                    "chart.js", "track.js", "widgets.js"}:
        st, h, b = raw_get(s, "/assets/" + page_asset, {"Accept-Encoding": "gzip"})
        t.eq(st, 200, page_asset)
        total += len(b)
    total += len(raw_get(s, "/", {"Accept-Encoding": "gzip"})[2])
    print("page weight: %d bytes gzip'ed" % total)
    t.check(total < 200 * 1024, "page under 200 KB: %d" % total)

    t.step("a tab closed mid-stream")
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", s.http_port), timeout=10)
        sock.sendall(b"GET /api/v1/stream?token=s3cret HTTP/1.1\r\nHost: x\r\n\r\n")
        t.check(b"200" in sock.recv(4096), "the stream opens")
        sock.close()
    r = s.post_json("/api/v1/data", [{"metric": "after.close", "value": 1}], headers={"X-AUTH-TOKEN": "s3cret"})
    t.eq(r.status, 200, "a write after the tabs closed (no stale client)")
    t.check(T.wait_until(lambda: s.get("/healthz").status == 200, 5), "still serving")
    time.sleep(0.2)
    t.eq(s.stop(), 0, "stops cleanly")

    t.step("under --url-prefix")
    p = t.server(name="prefixed", args=["--url-prefix", "/tm"], prefix="/tm")
    st, h, _ = raw_get(p, "/tm")
    t.eq((st, h.get("location")), (301, "/tm/"), "the bare prefix redirects")
    st, h, _ = raw_get(p, "/tm?tiles=x")
    t.eq((st, h.get("location")), (301, "/tm/?tiles=x"), "the redirect keeps the query")
    check_page(t, p, "/tm")
    t.eq(raw_get(p, "/tm/assets/app.js")[0], 200, "assets under the prefix")
    t.eq(raw_get(p, "/")[0], 404, "nothing outside the prefix")
    t.eq(p.stop(), 0, "stops cleanly")


T.run(main)
