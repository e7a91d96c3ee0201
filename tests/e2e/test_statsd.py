"""StatsD over UDP and TCP, end to end, with --statsd-flush 1s.

Flushes fall on whole seconds, so a stream sent early in a second is
aggregated into one interval and stamped with the next whole second; every
value is then read back exactly through /api/v1/data/{metric} at that stamp.

Proves: counters with sample rates (.count and .rate = count / 1 s), gauges
with +/- deltas and the "0|g then -N|g" negative gauge, timers in
"10.000000|ms" form with Etsy's mean/upper/lower/count/upper_90/sum/median,
|h histograms, sets, DogStatsD tags as series tags, several lines per
datagram; the next flush's Etsy defaults (idle counter 0, gauge kept, idle
set 0, idle timer count 0 without upper); TCP with CRLF and a line split
across sends; a burst of malformed packets between good ones (good kept,
tidemark_lines_rejected_total{protocol="statsd"} rises by exactly the bad
lines); the real client library python3-statsd (UDP, pipeline and TCP
clients); and the flush on clean shutdown, read back after a restart.
"""
import math
import os
import subprocess
import sys
import time
import urllib.parse

import tmlib as T

REJ = ("tidemark_lines_rejected_total", {"protocol": "statsd"})
RECV = ("tidemark_samples_received_total", {"protocol": "statsd"})


def align(t, lo=0.15, hi=0.35):
    """Sleep until early in a second; return the stamp of the flush that will
    hold what is sent now (the next whole second)."""
    for _ in range(10):
        f = time.time() % 1
        if lo <= f < hi:
            return int(time.time()) + 1
        time.sleep((lo - f if f < lo else 1 - f + lo) + 0.005)
    raise T.TestFailure("could not align to the flush clock")


def sent_in_time(t, stamp):
    t.require(time.time() < stamp - 0.05, "the stream was sent within one flush interval (machine too slow?)")


def points(s, metric, frm, until, tags=None):
    p = {"from": frm, "until": until}
    p.update(tags or {})
    r = s.get("/api/v1/data/%s?%s" % (urllib.parse.quote(metric, safe=""), T.qs(p)))
    return r.json() if r.status == 200 else None


def at(t, s, metric, stamp, want, tags=None):
    """The one point of metric at stamp is exactly want."""
    got = T.wait_until(lambda: points(s, metric, stamp, stamp, tags), timeout=6)
    return t.eq(got, [{"time": stamp, "value": want}], "%s%s at %d" % (metric, tags or "", stamp))


def absent(t, s, metric, stamp):
    got = points(s, metric, stamp, stamp)
    t.check(not got, "%s has no point at %d: got %r" % (metric, stamp, got))


def wait_counter(t, s, ctr, want, what):
    if not T.wait_until(lambda: s.counter(*ctr) == want, timeout=6):
        t.check(False, "%s: %s = %r, want %r" % (what, ctr, s.counter(*ctr), want))


def udp_stream(t, s):
    t.step("UDP: a known stream in one interval")
    ten = [7, 3, 10, 1, 5, 9, 2, 8, 6, 4]
    stamp = align(t)
    s.statsd_udp("e2e.cnt:1|c\ne2e.cnt:2|c|@0.1\ne2e.cnt:3|c|@0.5\n")
    s.statsd_udp("e2e.gauge:5|g\ne2e.gauge:+3|g\ne2e.gauge:-10|g\ne2e.neg:0|g\ne2e.neg:-7|g")
    s.statsd_udp("\n".join("e2e.timer:%0.6f|ms" % v for v in ten))
    s.statsd_udp("e2e.rt:4|ms|@0.1\ne2e.rt:2|ms|@0.1\ne2e.rt:6|ms|@0.1\ne2e.h:1.5|h\ne2e.h:2.5|h\r\n")
    s.statsd_udp("e2e.set:alice|s\ne2e.set:bob|s\ne2e.set:alice|s")
    s.statsd_udp("e2e.tagged:1|c|#env:prod,az:b\ne2e.tagged:2|c|#az:b,env:prod\ne2e.tagged:5|c|#env:dev")
    sent_in_time(t, stamp)

    at(t, s, "stats.counters.e2e.cnt.count", stamp, 27)  # 1 + 2/0.1 + 3/0.5
    at(t, s, "stats.counters.e2e.cnt.rate", stamp, 27)   # per second, 1 s interval
    at(t, s, "stats.gauges.e2e.gauge", stamp, -2)
    at(t, s, "stats.gauges.e2e.neg", stamp, -7)
    for suffix, want in (("count", 10), ("count_ps", 10), ("lower", 1), ("upper", 10), ("mean", 5.5),
                         ("median", 5.5), ("sum", 55), ("upper_90", 9), ("mean_90", 5), ("sum_90", 45),
                         ("count_90", 9), ("std", math.sqrt(82.5 / 10))):
        at(t, s, "stats.timers.e2e.timer." + suffix, stamp, want)
    at(t, s, "stats.timers.e2e.rt.count", stamp, 30)  # 3 values at @0.1
    at(t, s, "stats.timers.e2e.rt.mean", stamp, 4)
    at(t, s, "stats.timers.e2e.rt.upper_90", stamp, 6)  # round(0.9 * 3) = 3 values
    at(t, s, "stats.timers.e2e.h.upper", stamp, 2.5)
    at(t, s, "stats.timers.e2e.h.mean", stamp, 2)
    at(t, s, "stats.sets.e2e.set.count", stamp, 2)
    at(t, s, "stats.counters.e2e.tagged.count", stamp, 3, {"env": "prod", "az": "b"})
    at(t, s, "stats.counters.e2e.tagged.count", stamp, 5, {"env": "dev"})
    tagged = sorted(((m["tags"], m["last_value"]) for m in s.metrics(match="stats.counters.e2e.tagged.count")),
                    key=lambda x: x[1])
    t.eq(tagged, [({"az": "b", "env": "prod"}, 3), ({"env": "dev"}, 5)], "DogStatsD tags became series tags")

    t.step("UDP: the next flush, Etsy's defaults")
    nxt = stamp + 1
    at(t, s, "stats.counters.e2e.cnt.count", nxt, 0)
    at(t, s, "stats.counters.e2e.cnt.rate", nxt, 0)
    at(t, s, "stats.gauges.e2e.gauge", nxt, -2)
    at(t, s, "stats.gauges.e2e.neg", nxt, -7)
    at(t, s, "stats.sets.e2e.set.count", nxt, 0)
    at(t, s, "stats.timers.e2e.timer.count", nxt, 0)
    absent(t, s, "stats.timers.e2e.timer.upper", nxt)
    q = s.query({"metric": "stats.counters.e2e.cnt.count", "from": stamp - 60, "until": nxt + 1, "step": "1h",
                 "agg": "sum"})
    t.eq(sum(v for _, v in q["points"]), 27, "/api/v1/query sums the counter's flushes to the count sent")
    return stamp


def tcp_stream(t, s):
    t.step("TCP: CRLF lines, a line split across sends")
    stamp = align(t)
    s.statsd_tcp(["e2e.tcp:4|c\r\ne2e.tcp:6|c\r\ne2e.tcp.t:10.000000|ms\ne2e.tcp.t:30.000000|ms\ne2e.tcp.g:4",
                  "2|g\r\ne2e.tcp.g:-0.5|g\n"], pause=0.15)
    sent_in_time(t, stamp)
    at(t, s, "stats.counters.e2e.tcp.count", stamp, 10)
    at(t, s, "stats.timers.e2e.tcp.t.mean", stamp, 20)
    at(t, s, "stats.timers.e2e.tcp.t.upper_90", stamp, 30)
    at(t, s, "stats.gauges.e2e.tcp.g", stamp, 41.5)


def malformed(t, s):
    t.step("a burst of malformed packets between good ones")
    rej0 = s.counter(*REJ)
    garbage = ["garbage", "e2e.bad:1|x", "e2e.bad:abc|c", "e2e.bad:1|c|@0", "e2e.bad:1", "_e{1,1}:a|b",
               "e2e.bad:nan|g", ":1|c", "e2e.bad:1|c|#a:b|#c:d", "e2e.bad:" + "x" * 5000 + ":1|c",
               b"\xff\xfe\x00|||", "e2e.bad:1|c|zz"] * 2
    stamp = align(t)
    s.statsd_udp("e2e.mix:1|c")
    for g in garbage:
        s.statsd_udp(g)
    s.statsd_udp("e2e.mix:2|c\nbroken line\ne2e.mix:4|c")
    s.statsd_tcp("e2e.mix:16|c\nalso broken\n")
    s.statsd_udp("e2e.mix:8|c")
    sent_in_time(t, stamp)
    at(t, s, "stats.counters.e2e.mix.count", stamp, 31)
    wait_counter(t, s, REJ, rej0 + len(garbage) + 2, "each bad line counted once")
    t.eq([m["metric"] for m in s.metrics() if "e2e.bad" in m["metric"]], [], "bad lines stored nothing")
    t.check("statsd from 127.0.0.1" in s.log(), "bad lines are logged with their sender")


CLIENT = r"""
import datetime, sys, time
import statsd
port = int(sys.argv[1])
for _ in range(10):
    f = time.time() % 1
    if 0.15 <= f < 0.35:
        break
    time.sleep((0.15 - f if f < 0.15 else 1.15 - f) + 0.005)
t0 = time.time()
c = statsd.StatsClient("127.0.0.1", port, prefix="e2e.lib")
c.incr("hits"); c.incr("hits", 5); c.decr("hits", 2)
c.gauge("temp", 21.5); c.gauge("temp", 2, delta=True); c.gauge("temp", -1.5, delta=True)
c.gauge("below", -12)
c.timing("lat", 10); c.timing("lat", 20.5); c.timing("lat", datetime.timedelta(milliseconds=30))
with c.timer("timed"):
    pass
c.set("users", "alice"); c.set("users", "bob"); c.set("users", "alice")
with c.pipeline() as p:
    p.incr("piped", 2)
    p.incr("piped", 3)
    p.timing("piped.lat", 7)
k = statsd.TCPStatsClient("127.0.0.1", port, prefix="e2e.libtcp")
k.incr("hits", 7); k.timing("lat", 12); k.gauge("g", -3); k.set("s", "x")
k.close()
print(t0, time.time())
"""


def client_python():
    """An interpreter that has python3-statsd: this one, else Debian's."""
    for py in (sys.executable, "/usr/bin/python3"):
        if os.path.exists(py) and subprocess.run([py, "-c", "import statsd"], capture_output=True,
                                                 timeout=30).returncode == 0:
            return py
    return None


def real_client(t, s):
    t.step("the real client library: python3-statsd")
    py = client_python()
    t.require(py, "python3-statsd is installed (scripts/deps.sh)")
    r = subprocess.run([py, "-c", CLIENT, str(s.statsd_port)], capture_output=True, text=True, timeout=30)
    t.require(r.returncode == 0, "the statsd client ran: %s" % r.stderr[-500:])
    t0, t1 = map(float, r.stdout.split())
    stamp = int(t0) + 1
    t.require(t1 < stamp - 0.05, "the client sent everything within one flush interval")
    at(t, s, "stats.counters.e2e.lib.hits.count", stamp, 4)
    at(t, s, "stats.counters.e2e.lib.hits.rate", stamp, 4)
    at(t, s, "stats.gauges.e2e.lib.temp", stamp, 22)
    at(t, s, "stats.gauges.e2e.lib.below", stamp, -12)
    for suffix, want in (("count", 3), ("lower", 10), ("upper", 30), ("mean", 60.5 / 3), ("median", 20.5),
                         ("sum", 60.5), ("upper_90", 30)):
        at(t, s, "stats.timers.e2e.lib.lat." + suffix, stamp, want)
    at(t, s, "stats.timers.e2e.lib.timed.count", stamp, 1)
    at(t, s, "stats.sets.e2e.lib.users.count", stamp, 2)
    at(t, s, "stats.counters.e2e.lib.piped.count", stamp, 5)
    at(t, s, "stats.timers.e2e.lib.piped.lat.upper", stamp, 7)
    at(t, s, "stats.counters.e2e.libtcp.hits.count", stamp, 7)
    at(t, s, "stats.timers.e2e.libtcp.lat.mean", stamp, 12)
    at(t, s, "stats.gauges.e2e.libtcp.g", stamp, -3)
    at(t, s, "stats.sets.e2e.libtcp.s.count", stamp, 1)


def shutdown_flush(t, s):
    t.step("clean shutdown flushes what arrived since the last flush")
    stamp = align(t)
    s.statsd_tcp("e2e.last:9|c\ne2e.last.g:3|g\n")
    time.sleep(0.2)  # the loop reads it; SIGTERM comes before the next whole second
    t0 = time.time()
    t.require(t0 < stamp - 0.05, "stopped within the interval")
    t.eq(s.stop(), 0, "clean exit")
    t.check("StatsD on udp" in s.log() and "StatsD on tcp" in s.log(), "one log line per StatsD listener")
    s.start()
    got = T.wait_until(lambda: points(s, "stats.counters.e2e.last.count", stamp - 1, stamp + 2), timeout=6)
    vals = [p["value"] for p in got or []]
    t.eq(vals, [9], "the shutdown flush holds the count, after a restart")
    if got:
        t.check(stamp - 1 < got[0]["time"] < stamp, "stamped at the stop, not a boundary: %r" % got)


def main(t):
    s = t.server(args=["--statsd-flush", "1s"])
    recv0 = s.counter(*RECV)
    udp_stream(t, s)
    tcp_stream(t, s)
    malformed(t, s)
    real_client(t, s)
    t.check(s.counter(*RECV) > recv0, "flushed samples are counted as received")
    shutdown_flush(t, s)

    t.step("a bad --statsd-flush is refused at start")
    bad = t.server(name="badflush", args=["--memory", "--statsd-flush", "soon"], data_dir=None, start=False)
    r = subprocess.run(bad.command(), capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    t.check(r.returncode != 0 and "--statsd-flush" in r.stderr, "bad flush: rc %r, %r" % (r.returncode,
                                                                                          r.stderr[-300:]))


T.run(main, timeout=90)
