"""Invalid UTF-8 in names, tags and string values is refused by every
protocol (issue 14), so every JSON answer stays valid.

Each protocol gets good lines (some with real multi-byte UTF-8: küche, €,
温度) mixed with lines holding bytes that are no UTF-8: a stray 0xff, an
overlong "/" (c0 af), a UTF-16 surrogate (ed a0 80), a truncated sequence.
The good ones are stored, each bad one is refused with a message that says
so (and counted), and /api/v1/metrics, /api/v1/query and the Influx and
Prometheus reads stay strict, valid JSON listing only the good series.
"""
import json
import socket
import time

import tmlib as T

BAD = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82"]  # stray, overlong, surrogate, truncated


def rejected(s, proto):
    return s.counter("tidemark_lines_rejected_total", {"protocol": proto})


def names(s, *matches):
    out = set()
    for match in matches:
        r = s.get("/api/v1/metrics?" + T.qs({"match": match}))
        out |= {m["metric"] for m in r.json()}  # strict: raises on anything that is not valid UTF-8 JSON
    return sorted(out)


def wait_names(t, s, match, want, what):
    """match: a glob, or a list of them (a glob's * stops at dots)"""
    ms = match if isinstance(match, list) else [match]
    got = T.wait_until(lambda: names(s, *ms) == sorted(want), timeout=15)
    t.check(got, "%s: stored %r, want %r" % (what, names(s, *ms), sorted(want)))


def main(t):
    s = t.server(args=["--statsd-flush", "1s"])
    T0 = int(time.time()) - 300

    t.step("Graphite TCP and UDP")
    r0 = rejected(s, "graphite")
    lines = [b"utf.g.k\xc3\xbcche 1 %d" % T0, b"utf.g.ok 2 %d" % T0]
    lines += [b"utf.g.bad%d%s 3 %d" % (i, bad, T0) for i, bad in enumerate(BAD)]
    lines += [b"utf.g.tag;host=a%s 4 %d" % (BAD[0], T0)]
    s.tcp(b"\n".join(lines) + b"\n")
    s.udp(b"utf.g.udp\xe2\x82\xac 5 %d\nutf.g.udpbad\xff 6 %d\n" % (T0, T0))
    wait_names(t, s, "utf.g.*", ["utf.g.küche", "utf.g.ok", "utf.g.udp€"], "Graphite")
    T.wait_until(lambda: rejected(s, "graphite") - r0 == 6, timeout=10)
    t.eq(rejected(s, "graphite") - r0, 6.0, "Graphite: each bad line counted")
    t.check("invalid UTF-8" in s.log(), "the log says why")

    t.step("StatsD")
    r0 = rejected(s, "statsd")
    s.statsd_udp(b"utf.s.ok:1|c\nutf.s.w\xc3\xa4rme:2|g\nutf.s.bad\xed\xa0\x80:1|c\nutf.s.t:1|c|#host:\xff\n")
    wait_names(t, s, ["stats.*.utf.s.*", "stats.*.utf.s.*.*"], ["stats.counters.utf.s.ok.count", "stats.counters.utf.s.ok.rate",
                                        "stats.gauges.utf.s.wärme"], "StatsD")
    t.eq(rejected(s, "statsd") - r0, 2.0, "StatsD: each bad line counted")

    t.step("InfluxDB line protocol")
    body = (b"utf_i,host=a v=1 %d\n" % (T0 * 10**9) +
            b"utf_i,host=\xff v=1 %d\n" % (T0 * 10**9) +
            b"utf_s s=\"caf\xc3\xa9\" %d\n" % (T0 * 10**9) +
            b"utf_s2 s=\"bad\xff\" %d\n" % (T0 * 10**9) +
            b"utf_f f\xc0\xaf=1 %d\n" % (T0 * 10**9) +
            b"\xe6\xb8\xa9\xe5\xba\xa6 v=21 %d\n" % (T0 * 10**9))
    r = s.post("/write?db=x", body, "text/plain")
    t.eq(r.status, 400, "Influx: a batch with bad lines is a 400")
    t.check("UTF-8" in r.json().get("error", ""), "Influx: the error says UTF-8: %r" % r)
    wait_names(t, s, "utf_*.*", ["utf_i.v", "utf_s.s"], "Influx")
    t.check("温度.v" in names(s, "*.v"), "Influx: a CJK measurement is kept")

    t.step("Prometheus remote write")
    req = T.prom_write_request([
        ([("__name__", "utf_p_ok"), ("path", "/ä")], [(1.0, T0 * 1000)]),
        ([("__name__", "utf_p_bad"), ("path", b"/\xff")], [(2.0, T0 * 1000)]),
        ([("__name__", b"utf_p_\xed\xa0\x80")], [(3.0, T0 * 1000)]),
    ])
    r = s.post("/api/v1/write", T.snappy_literals(req), "application/x-protobuf",
               {"Content-Encoding": "snappy", "X-Prometheus-Remote-Write-Version": "0.1.0"})
    t.eq(r.status, 400, "remote write: bad series are a 400")
    t.check("UTF-8" in r.text, "remote write: the error says UTF-8: %r" % r)
    wait_names(t, s, "utf_p*", ["utf_p_ok"], "remote write")

    t.step("/add")
    r = s.get("/add?host=h1&utf.a.ok=1&utf.a.bad%FF=2&utf.a.str=caf%C3%A9&utf.a.strbad=x%C0%AF")
    t.eq(r.status, 400, "/add: bad fields are a 400")
    t.check("UTF-8" in r.text, "/add: the error says UTF-8: %r" % r)
    wait_names(t, s, "utf.a.*", ["utf.a.ok", "utf.a.str"], "/add")
    r = s.get("/add?host=h%FF&utf.a.h=1")
    t.check(r.status == 400 and "UTF-8" in r.text, "/add: a bad host tag: %r" % r)

    t.step("JSON")
    r = s.post("/api/v1/data", b'[{"metric":"utf.j.bad\xff","value":1}]')
    t.eq(r.status, 400, "JSON with bytes that are no UTF-8 is no JSON")
    r = s.post("/api/v1/data", b'[{"metric":"utf.j.sur\\ud800","value":1},{"metric":"utf.j.ok","value":2}]')
    t.eq(r.status, 400, "a lone surrogate escape is refused")
    s.write([{"metric": "utf.j.ok", "value": 2, "tags": {"room": "k\u00fcche"}},
             {"metric": "utf.j.s", "value": "\u20ac5"}])
    wait_names(t, s, "utf.j.*", ["utf.j.ok", "utf.j.s"], "JSON")

    t.step("Pulse relay")
    c = socket.create_connection(("127.0.0.1", s.relay_port), timeout=10)
    f = c.makefile("rb")
    c.sendall(b"id r\xff\n")
    t.check(f.readline().startswith(b"error"), "relay: an id that is no UTF-8 is refused")
    c.sendall(b"id r1\nadd utf_r_ok\n")
    f.readline(), f.readline()
    c.sendall(b"add utf_r_\xc0\xaf\n")
    t.check(f.readline().startswith(b"error"), "relay: such a stat is refused")
    c.sendall(b"got utf_r_ok:1\ngot utf_r_bad\xff:2\ngot utf_r_s:x\xff\n")
    t.check(f.readline().startswith(b"error"), "relay: a got with a bad stat name")
    t.check(f.readline().startswith(b"error"), "relay: a got with a bad string value")
    wait_names(t, s, "utf_r*", ["utf_r_ok"], "relay")
    c.close()

    t.step("every JSON answer is valid")
    for path in ["/api/v1/metrics?match=*", "/api/v1/query?" + T.qs({"metric": "utf.g.küche", "from": T0 - 60,
                                                                    "until": T0 + 60}),
                 "/api/v1/series", "/api/v1/labels", "/api/v1/label/__name__/values",
                 "/query?db=x&q=" + T.qs({"q": "SHOW MEASUREMENTS"})[2:]]:
        r = s.get(path)
        try:
            json.loads(r.body.decode("utf-8"))
            ok = True
        except ValueError as e:  # UnicodeDecodeError is one
            ok = e
        t.check(r.status in (200, 400, 404) and ok is True, "%s: valid JSON (%s, %r)" % (path, r.status, ok))


T.run(main)
