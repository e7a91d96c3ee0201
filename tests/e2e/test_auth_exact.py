"""The token is compared whole (issue 14): no NUL trick passes.

With --token s3cret, each way of carrying it (X-AUTH-TOKEN, Bearer, Basic,
?token=, InfluxDB's u=&p=, a form body) lets a request in with the token
itself, and keeps it out with the token plus an embedded NUL and junk
(?token=s3cret%00junk, a Basic password "s3cret\\0junk", a raw NUL byte in a
header: 400, as evhttp would cut the value there), with a prefix of it, or
with it plus more. The comparison's constant time is checked by the unit
test of auth_same, not by timing here.
"""
import base64
import socket

import tmlib as T

TOK = "s3cret"
BAD = ["s3cret%00junk", "s3cret%00", "s3cre", "s3cretX", "S3CRET", "", "%00s3cret"]


def raw_get(port, path, header):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + header + b"\r\nConnection: close\r\n\r\n")
    d = T.recv_until(s)
    s.close()
    return int(d.split(b" ", 2)[1]) if d.startswith(b"HTTP/") else d


def main(t):
    s = t.server(args=["--token", TOK, "--memory"])
    P = "/api/v1/metrics"
    t.step("query string: ?token= and InfluxDB's ?u=&p=")
    t.eq(s.get(P + "?token=" + TOK).status, 200, "?token=s3cret")
    t.eq(T.http("GET", s.url("/query?db=x&q=SHOW+DATABASES&u=me&p=" + TOK)).status, 200, "?u=me&p=s3cret")
    for bad in BAD:
        t.eq(s.get(P + "?token=" + bad).status, 401, "?token=%s" % bad)
        t.eq(T.http("GET", s.url("/query?db=x&q=SHOW+DATABASES&u=me&p=" + bad)).status, 401, "?p=%s" % bad)

    t.step("form body")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = T.http("POST", s.url("/add"), body="host=h1&t=1&token=" + TOK, headers=form)
    t.eq(r.status, 200, "token in a form body")
    r = T.http("POST", s.url("/add"), body="host=h1&t=1&token=s3cret%00junk", headers=form)
    t.eq(r.status, 401, "token%00junk in a form body")

    t.step("Basic, Bearer, X-AUTH-TOKEN")
    def basic(pw):
        return {"Authorization": "Basic " + base64.b64encode(b"user:" + pw).decode()}
    t.eq(s.get(P, headers=basic(TOK.encode())).status, 200, "Basic user:s3cret")
    t.eq(s.get(P, headers=basic(b"s3c:ret")).status, 401, "Basic password with a colon, not the token")
    for pw in (b"s3cret\x00junk", b"s3cret\x00", b"s3cre", b"s3cretX"):
        t.eq(s.get(P, headers=basic(pw)).status, 401, "Basic password %r" % pw)
    t.eq(s.get(P, headers={"Authorization": "Bearer " + TOK}).status, 200, "Bearer s3cret")
    t.eq(s.get(P, headers={"X-AUTH-TOKEN": TOK}).status, 200, "X-AUTH-TOKEN s3cret")
    for v in ("s3cre", "s3cretX"):  # trailing blanks are no part of a header value (RFC 9110)
        t.eq(s.get(P, headers={"Authorization": "Bearer " + v}).status, 401, "Bearer %r" % v)
        t.eq(s.get(P, headers={"X-AUTH-TOKEN": v}).status, 401, "X-AUTH-TOKEN %r" % v)
    t.eq(raw_get(s.http_port, P.encode(), b"Authorization: Bearer s3cret\x00junk"), 400, "Bearer with a raw NUL")
    t.eq(raw_get(s.http_port, P.encode(), b"X-AUTH-TOKEN: s3cret\x00junk"), 400, "X-AUTH-TOKEN with a raw NUL")
    t.eq(raw_get(s.http_port, b"/healthz", b"X-Junk: a\x00b"), 400, "any raw NUL in a head is refused")
    t.eq(raw_get(s.http_port, P.encode(), b"X-AUTH-TOKEN: " + TOK.encode()), 200, "the same request without it")

    t.step("keep-alive: a NUL in one request's head does not taint the next")
    c = socket.create_connection(("127.0.0.1", s.http_port), timeout=10)
    body = b"[" + b"\x00" * 10 + b"]"
    c.sendall(b"POST /api/v1/data HTTP/1.1\r\nHost: x\r\nX-AUTH-TOKEN: s3cret\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    d = T.recv_until(c, lambda got: got.count(b"HTTP/1.1 ") >= 2)
    c.close()
    codes = [int(p.split(b" ", 1)[0]) for p in d.split(b"HTTP/1.1 ")[1:]]
    t.eq(codes, [400, 200], "a NUL in a body is the route's business (bad JSON), the next request is fine")


T.run(main)
