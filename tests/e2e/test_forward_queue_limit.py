"""The forward queue at its bound, and credentials. A remote write target is
down while 400 000 samples come in over Graphite with --forward-max-disk
64KiB: the queue stays within its bound on disk, the oldest is dropped and
counted, memory stays flat; once the receiver (a second tidemark, which takes
remote write) is up, it gets exactly what was queued minus what was dropped,
the newest of every series. Meanwhile a receiver with --token gets
everything through basic auth, and a wrong bearer token is refused (401):
dropped, counted, logged once."""
import os
import time

import tmlib as T

SERIES, POINTS = 200, 2000
BOUND = 64 << 10


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def du(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def main(t):
    # the receiver that comes up after the load: started once and stopped, so its ports are its own
    # (a first start that finds a port taken picks others, which the edge's target would not know;
    # a later start keeps them and waits for the taker)
    late = t.server("late")
    late.stop()
    locked = t.server("locked", args=["--token", "SECRET"])
    url_late = late.url("/api/v1/write")
    url_locked = locked.url("/api/v1/write")
    s = t.server("edge", args=[
        "--forward-max-disk", "64KiB",
        "--forward-prometheus", url_late,
        "--forward-prometheus", url_locked + " user=any password=SECRET",
        "--forward-prometheus", url_locked.replace("http://", "http://x:WRONG@")])
    lab = lambda u, **kw: dict({"kind": "prometheus", "target": u}, **kw)  # noqa: E731

    t.step("the receiver is down: the queue keeps to its bound, memory stays flat")
    start = int(time.time()) - POINTS - 60
    peak_pending, rss = 0, []
    for part in range(4):
        lines = "".join("fq.s%03d.v %d %d\n" % (i, k, start + k) for k in range(part * POINTS // 4, (part + 1) * POINTS // 4)
                        for i in range(SERIES))
        s.tcp(lines)
        want = (part + 1) * SERIES * POINTS // 4
        t.require(T.wait_until(lambda: s.counter("tidemark_forward_queued_samples_total", lab(url_late)) >= want, 60),
                  "samples queued: %s" % s.counter("tidemark_forward_queued_samples_total", lab(url_late)))
        peak_pending = max(peak_pending, s.counter("tidemark_forward_pending_bytes", lab(url_late)))
        rss.append(rss_kib(s.proc.pid))
    n = SERIES * POINTS
    qdir = [os.path.join(s.data_dir, "forward", d) for d in os.listdir(os.path.join(s.data_dir, "forward"))]
    t.check(peak_pending <= 2 * BOUND, "pending bytes within the bound: %d" % peak_pending)
    t.check(max(du(d) for d in qdir) <= 2 * BOUND + 4096, "queue on disk within the bound: %r" % [du(d) for d in qdir])
    dropped = s.counter("tidemark_forward_dropped_samples_total", lab(url_late, reason="queue_full"))
    pending = s.counter("tidemark_forward_pending_samples", lab(url_late))
    t.check(dropped > n / 2, "the oldest dropped and counted: %d of %d" % (dropped, n))
    t.eq(dropped + pending, n, "every sample either dropped or pending")
    t.check(T.SANITIZED or rss[-1] - rss[0] < 6 * 1024, "memory flat while %d samples passed a 64 KiB queue: RSS %r KiB" % (n, rss))

    t.step("a wrong token: 401, dropped, counted, logged once; basic auth goes through")
    bad = url_locked.replace("http://", "http://x@")  # the password is not shown
    # both drain as fast as they can, yet may still meet the bound under this load
    full = lambda u: s.counter("tidemark_forward_dropped_samples_total", lab(u, reason="queue_full"))  # noqa: E731
    t.require(T.wait_until(lambda: s.counter("tidemark_forward_dropped_samples_total",
                                             lab(bad, reason="rejected")) + full(bad) == n, 60),
              "every sample refused (or dropped at the bound)")
    t.eq(s.log().count("refused, dropped"), 1, "logged once")
    t.check("HTTP 401" in s.log(), "with the status")
    ok = url_locked
    t.require(T.wait_until(lambda: s.counter("tidemark_forward_pending_samples", lab(ok)) == 0, 60), "drained")
    text = locked.get("/metrics", headers={"X-AUTH-TOKEN": "SECRET"}).text
    t.eq(T.prom_value(text, "tidemark_samples_received_total", {"protocol": "prometheus"}), n - full(ok),
         "the locked receiver got everything queued, through basic auth")

    t.step("the receiver comes up: exactly what was queued arrives, the newest of each series")
    late.start()
    t.require(T.wait_until(lambda: s.counter("tidemark_forward_pending_samples", lab(url_late)) == 0, 90),
              "queue drained")
    got = late.counter("tidemark_samples_received_total", {"protocol": "prometheus"})
    t.eq(got, n - dropped, "received = queued - dropped")
    t.eq(s.counter("tidemark_forward_sent_samples_total", lab(url_late)), n - dropped, "sent counter")
    for i in (0, SERIES - 1):
        pts = late.export("fq_s%03d_v" % i, {"from": start - 10})
        t.eq(pts[-1]["time"] if pts else None, start + POINTS - 1, "series %d: its newest sample arrived" % i)
        t.check(len(pts) < POINTS / 2, "series %d: most of its oldest dropped (%d of %d left)" % (i, len(pts), POINTS))
        # the batch that was in flight when its segment went is still delivered: one gap at most
        gaps = sum(b["time"] - a["time"] != 1 for a, b in zip(pts, pts[1:]))
        t.check(gaps <= 1, "series %d: one cut, nothing lost after it (%d gaps)" % (i, gaps))


T.run(main, timeout=200)
