"""Graphite plaintext over TCP and UDP, end to end.

Proves that `name value timestamp` lines sent over TCP and UDP are stored and
read back exactly through /api/v1/query and /api/v1/metrics (type,
last_value, last_time, points): "\\n" and "\\r\\n" endings, many lines in one
UDP datagram, Graphite 1.1 tags (values with dots, keys starting with '_',
any tag order = one series), "nan" values skipped while the rest is kept, a
bad line between good ones (good kept, tidemark_lines_rejected_total rises),
an overlong line (dropped, the connection stays usable, later lines stored),
and a line split across two TCP sends.
"""
import time

import tmlib as T

REJ = ("tidemark_lines_rejected_total", {"protocol": "graphite"})
RECV = ("tidemark_samples_received_total", {"protocol": "graphite"})


def pts(s, metric, frm, until, **tags):
    p = {"metric": metric, "from": frm, "until": until}
    p.update(tags)
    return s.query(p)["points"]


def wait_points(t, s, metric, frm, until, want, what, **tags):
    got = T.wait_until(lambda: pts(s, metric, frm, until, **tags) == want and want, timeout=10)
    if not got:
        r = s.get("/api/v1/query?" + T.qs(dict(metric=metric, **{"from": frm, "until": until}, **tags)))
        t.check(False, "%s: %s points: got %r, want %r" % (what, metric, r, want))
        return False
    t.check(True, what)
    return True


def one_metric(t, s, name):
    m = s.metrics(match=name)
    t.eq(len(m), 1, "/api/v1/metrics?match=%s entries" % name)
    return m[0] if m else {}


def wait_counter(t, s, ctr, want, what):
    got = T.wait_until(lambda: s.counter(*ctr) == want, timeout=10)
    if not got:
        t.check(False, "%s: %s = %r, want %r" % (what, ctr, s.counter(*ctr), want))


def main(t):
    s = t.server()
    T0 = int(time.time()) - 600
    F, U = T0 - 60, T0 + 400
    rej0 = s.counter(*REJ)
    recv0 = s.counter(*RECV)
    stored = 0

    t.step("TCP: plain lines, CRLF endings, tags, nan")
    s.tcp("g.tcp.plain 1.5 %d\ng.tcp.plain 2.5 %d\n" % (T0, T0 + 1) +
          "g.tcp.crlf 7 %d\r\ng.tcp.crlf -3.25 %d\r\n" % (T0, T0 + 1) +
          "g.tcp.tagged;host=web1.example.com;_dc=eu.west.1 42 %d\r\n" % T0 +
          "g.tcp.tagged;_dc=eu.west.1;host=web1.example.com 43 %d\n" % (T0 + 1) +
          "g.tcp.nan nan %d\ng.tcp.nan 5 %d\ng.tcp.nan NaN %d\r\n" % (T0, T0 + 1, T0 + 2))
    stored += 2 + 2 + 2 + 1
    wait_points(t, s, "g.tcp.plain", F, U, [[T0, 1.5], [T0 + 1, 2.5]], "tcp plain")
    m = one_metric(t, s, "g.tcp.plain")
    t.eq((m.get("metric"), m.get("tags"), m.get("type"), m.get("last_value"), m.get("last_time"), m.get("points")),
         ("g.tcp.plain", {}, "number", 2.5, T0 + 1, 2), "metrics entry of g.tcp.plain")
    wait_points(t, s, "g.tcp.crlf", F, U, [[T0, 7], [T0 + 1, -3.25]], "tcp CRLF")
    m = one_metric(t, s, "g.tcp.crlf")
    t.eq(m.get("metric"), "g.tcp.crlf", "CRLF: the name carries no \\r")
    tags = {"_dc": "eu.west.1", "host": "web1.example.com"}
    wait_points(t, s, "g.tcp.tagged", F, U, [[T0, 42], [T0 + 1, 43]], "tagged, by TAG=VAL",
                host="web1.example.com", _dc="eu.west.1")
    m = one_metric(t, s, "g.tcp.tagged")
    t.eq((m.get("tags"), m.get("points"), m.get("last_value")), (tags, 2, 43),
         "tags with dots and '_' keys, both tag orders are one series")
    q = s.query([("metric", "g.tcp.tagged"), ("from", F), ("until", U), ("tag", "_dc:eu.west.1")])
    t.eq((q.get("tags"), q.get("points")), (tags, [[T0, 42], [T0 + 1, 43]]), "tagged, by tag=_dc:eu.west.1")
    wait_points(t, s, "g.tcp.nan", F, U, [[T0 + 1, 5]], "nan skipped, the rest kept")
    m = one_metric(t, s, "g.tcp.nan")
    t.eq((m.get("points"), m.get("last_value")), (1, 5), "nan is not a point")
    t.eq(s.counter(*REJ), rej0, "nan lines are not counted as rejected")

    t.step("TCP: bad lines between good ones")
    s.tcp("g.tcp.bad.a 1 %d\nthis line is not graphite at all\ng.tcp.bad.b 2 %d\n"
          "g.tcp.bad.c notanumber %d\ng.tcp.bad.d 4 %d\n" % (T0, T0, T0, T0))
    stored += 3
    for name, v in (("g.tcp.bad.a", 1), ("g.tcp.bad.b", 2), ("g.tcp.bad.d", 4)):
        wait_points(t, s, name, F, U, [[T0, v]], "good line next to bad ones kept")
    t.eq(s.metrics(match="g.tcp.bad.c"), [], "the line with a bad value stored nothing")
    t.eq(s.metrics(match="this*"), [], "the garbage line stored nothing")
    wait_counter(t, s, REJ, rej0 + 2, "two bad lines rejected")

    t.step("TCP: overlong lines")
    rej1 = s.counter(*REJ)
    # 1) an overlong line arriving in two reads, the first without a newline
    s.tcp(["g.tcp.pre 1 %d\n" % T0 + "g.long." + "x" * 5000,
           "x" * 5000 + " 1 %d\n" % T0 + "g.tcp.after.long 9 %d\n" % T0,
           "g.tcp.after.long 10 %d\n" % (T0 + 1)], pause=0.3)
    # 2) an overlong line inside one send, good lines around it
    s.tcp("g.tcp.before.long2 3 %d\n" % T0 + "g.long2." + "y" * 6000 + " 1 %d\n" % T0 +
          "g.tcp.after.long2 11 %d\n" % T0)
    stored += 1 + 2 + 2
    wait_points(t, s, "g.tcp.pre", F, U, [[T0, 1]], "line before an overlong one kept")
    wait_points(t, s, "g.tcp.after.long", F, U, [[T0, 9], [T0 + 1, 10]],
                "connection kept after an overlong line, later lines stored")
    wait_points(t, s, "g.tcp.before.long2", F, U, [[T0, 3]], "line before an overlong one (one send)")
    wait_points(t, s, "g.tcp.after.long2", F, U, [[T0, 11]], "line after an overlong one (one send)")
    longs = [m["metric"] for m in s.metrics(match="*") if m["metric"].startswith("g.long")]
    longs += [m["metric"] for m in s.metrics(match="g.*") if m["metric"].startswith("g.long")]
    t.eq(longs, [], "overlong lines stored nothing")
    wait_counter(t, s, REJ, rej1 + 2, "each overlong line counted once as rejected")

    t.step("TCP: a line split across two sends")
    s.tcp(["g.tcp.split 12", ".5 %d\n" % T0], pause=0.3)
    s.tcp(["g.tcp.sp", "lit2 3 %d\r" % T0, "\n"], pause=0.3)
    stored += 2
    wait_points(t, s, "g.tcp.split", F, U, [[T0, 12.5]], "split value joined")
    wait_points(t, s, "g.tcp.split2", F, U, [[T0, 3]], "split name joined, CR and LF in separate sends")
    t.eq(s.metrics(match="g.tcp.sp"), [], "no series from half a line")

    t.step("UDP: many lines per datagram")
    s.udp("".join("g.udp.many %d %d\r\n" % (i * 3, T0 + i) for i in range(100)))
    s.udp("".join("g.udp.series.s%02d %d.25 %d\n" % (i, i, T0) for i in range(40)))
    stored += 140
    wait_points(t, s, "g.udp.many", F, U, [[T0 + i, i * 3] for i in range(100)], "100 lines in one datagram")
    m = one_metric(t, s, "g.udp.many")
    t.eq((m.get("type"), m.get("points"), m.get("last_value"), m.get("last_time")),
         ("number", 100, 297, T0 + 99), "metrics entry of g.udp.many")
    got = T.wait_until(lambda: len(s.metrics(match="g.udp.series.*")) == 40, timeout=10)
    t.check(got, "40 series from one datagram")
    for m in s.metrics(match="g.udp.series.*"):
        i = int(m["metric"][-2:])
        t.eq((m["last_value"], m["points"]), (i + 0.25, 1), "value of " + m["metric"])

    t.step("UDP: tags, nan and a bad line in one datagram")
    rej2 = s.counter(*REJ)
    s.udp("g.udp.tagged;host=a.b.example;_k=v.1.2 1 %d\n" % T0 +
          "g.udp.nan nan %d\ng.udp.nan 4 %d\n" % (T0, T0 + 1) +
          "bad line here with too many fields\n" +
          "g.udp.good 6 %d\n" % T0)
    stored += 3
    wait_points(t, s, "g.udp.good", F, U, [[T0, 6]], "udp line after a bad one kept")
    wait_points(t, s, "g.udp.nan", F, U, [[T0 + 1, 4]], "udp nan skipped")
    wait_points(t, s, "g.udp.tagged", F, U, [[T0, 1]], "udp tagged", host="a.b.example", _k="v.1.2")
    m = one_metric(t, s, "g.udp.tagged")
    t.eq(m.get("tags"), {"host": "a.b.example", "_k": "v.1.2"}, "udp tags with dots")
    wait_counter(t, s, REJ, rej2 + 1, "udp bad line rejected")

    t.step("counters")
    wait_counter(t, s, RECV, recv0 + stored, "tidemark_samples_received_total{protocol=graphite}")
    t.eq(s.stop(), 0, "clean stop exit code")


if __name__ == "__main__":
    T.run(main)
