"""Retention and rollups with a tiny --retention 1s:5s,5s:3m,30s:10m.

Proves: samples from now-50s to now (one a second, one POST) and a few at
now-5m are accepted, and folded at once into the archive their age calls for
(a query right after the 200 sees them); a sample older than the last
archive keeps (now-11m) is refused with a 400 that mentions retention while a
good sample sent with it is kept; within a bounded wait the retention pass
rolls the raw samples into the 5 s archive, after which raw reads return one
point per 5 s bucket, at the bucket's start, holding its last value (the
store's contract: data held only as rollups appears as each bucket's last
value at the bucket's start), and no sample older than 5 s is returned raw;
step=5s and step=30s queries give exact count, sum, min, max, avg and last
per bucket, "last" being the value of the latest sample even when the
samples arrived out of order; all of it survives a clean restart (series
held only as rollups included) and a kill -9 after new writes were rolled up
(the write-ahead log replay counts nothing twice).
"""
import time

import tmlib as T

RET = "1s:5s,5s:3m,30s:10m"  # the 5 s archive keeps 3m: room for a slow run before now-50s ages out of it
BLOCK = 5 * 256  # seconds a block of the 5 s archive spans (blocks are cut from the 5 s archive as a whole)


def val(ts):
    return ((ts * 7) % 13) - 4 + 0.5  # distinct-ish, exact in binary


def buckets(samples, step):
    """{bucket start: (count, sum, min, max, last by time)} of [(ts, v)]."""
    out = {}
    for ts, v in sorted(samples):
        b = ts - ts % step
        c, s, lo, hi, _ = out.get(b, (0, 0.0, v, v, v))
        out[b] = (c + 1, s + v, min(lo, v), max(hi, v), v)
    return out


def check_buckets(t, s, metric, frm, until, step, samples, what, only_from=None):
    want = buckets(samples, step)
    for agg, idx in (("count", 0), ("sum", 1), ("min", 2), ("max", 3), ("last", 4), ("avg", None)):
        r = s.get("/api/v1/query?" + T.qs({"metric": metric, "from": frm, "until": until, "step": "%ds" % step,
                                            "agg": agg}))
        if not t.check(r.status == 200, "%s: step=%ds agg=%s: %s: %r" % (what, step, agg, metric, r)):
            return
        got = {p[0]: p[1] for p in r.json()["points"]}
        exp = {b: (w[1] / w[0] if idx is None else w[idx]) for b, w in want.items()}
        if only_from is not None:
            got = {b: v for b, v in got.items() if b >= only_from}
            exp = {b: v for b, v in exp.items() if b >= only_from}
        ok = sorted(got) == sorted(exp) and all(abs(got[b] - exp[b]) < 1e-9 for b in exp)
        t.check(ok, "%s: step=%ds agg=%s: got %r, want %r" % (what, step, agg, sorted(got.items()),
                                                               sorted(exp.items())))


def main(t):
    s = t.server(args=["--retention", RET])
    t0 = int(time.time())
    recent = [(ts, val(ts)) for ts in range(t0 - 50, t0 + 1)]
    B = (t0 - 300) // 30 * 30
    old = {B + 3: 2.0, B + 9: 4.5, B + 15: -1.0, B + 21: 7.0}
    # out of order on purpose, in two writes: the later samples arrive first
    old_first, old_second = [B + 21, B + 9], [B + 15, B + 3]

    t.step("writes: now-50s..now, now-5m (out of order), and too old")
    r = s.post_json("/api/v1/data", [{"metric": "r.m", "value": v, "time": ts} for ts, v in recent])
    t.eq((r.status, r.json()), (200, {"stored": 51}), "51 recent samples accepted")
    r = s.post_json("/api/v1/data", [{"metric": "r.old", "value": old[ts], "time": ts} for ts in old_first])
    t.eq((r.status, r.json()), (200, {"stored": 2}), "2 samples at now-5m accepted")
    r = s.post_json("/api/v1/data", {"metric": "r.ancient", "value": 1, "time": t0 - 660})
    t.eq(r.status, 400, "a sample older than 10m: status")
    t.check("retention" in r.json().get("error", ""), "the 400 mentions retention: %r" % r)
    r = s.post_json("/api/v1/data", [{"metric": "r.mix", "value": 1, "time": t0 - 700},
                                     {"metric": "r.mix", "value": 2, "time": t0 - 120}])
    t.eq(r.status, 400, "too old + good in one array: status")

    t.step("read-after-write: the folded samples are visible at once")
    q = s.query({"metric": "r.m", "from": t0 - 60, "until": t0, "step": "30s", "agg": "count"})
    t.eq(sum(p[1] for p in q["points"]), 51, "all 51 recent samples counted right after the write")
    oldq = {"metric": "r.old", "from": B, "until": B + 29, "step": "30s", "agg": "count"}
    t.eq(s.query(oldq)["points"], [[B, 2]], "the now-5m samples counted right after the write")
    t.check(T.wait_until(lambda: s.query(oldq)["points"] == [[B, 2]], timeout=5),
            "the now-5m samples are folded within 5 s: %r" % s.query(oldq))
    r = s.post_json("/api/v1/data", [{"metric": "r.old", "value": old[ts], "time": ts} for ts in old_second])
    t.eq((r.status, r.json()), (200, {"stored": 2}), "2 earlier samples at now-5m accepted after the later ones")
    t.check(T.wait_until(lambda: s.query(oldq)["points"] == [[B, 4]], timeout=5),
            "all 4 now-5m samples folded within 5 s: %r" % s.query(oldq))
    mix = {"metric": "r.mix", "from": t0 - 900, "until": t0, "step": "30s", "agg": "sum"}
    mix_want = [[(t0 - 120) // 30 * 30, 2]]
    got = T.wait_until(lambda: s.query(mix)["points"] == mix_want, timeout=5)
    t.check(got, "the good sample next to a too-old one kept: %r" % s.query(mix)["points"])

    t.step("wait for the retention pass to roll raw data into the 5 s archive")
    f5 = (t0 - 50) - (t0 - 50) % 5
    block = t0 - t0 % BLOCK  # buckets before it may already sit in the 30 s archive

    def raw():
        return s.query({"metric": "r.m", "from": f5, "until": t0})["points"]

    rolled = T.wait_until(lambda: raw() and all(p[0] % 5 == 0 for p in raw()) and raw(), timeout=20, interval=0.2)
    t.require(rolled, "within 20 s every raw sample older than 5 s is rolled up: %r" % raw())
    print("   rolled after %.1fs" % (time.time() - t0), flush=True)
    want_raw = sorted((b, w[4]) for b, w in buckets(recent, 5).items() if b >= block)
    got_raw = [tuple(p) for p in rolled if p[0] >= block]
    t.eq(got_raw, want_raw, "raw read: one point per 5 s bucket, at its start, holding its last value")
    t.check(all(p[0] % 5 == 0 for p in rolled), "no raw sample older than 5 s is returned: %r" % rolled)
    t.check(time.time() < t0 + 50, "checks ran while the data still sits in the 5 s archive")
    check_buckets(t, s, "r.m", f5, t0, 5, recent, "rolled", only_from=block)
    check_buckets(t, s, "r.m", (t0 - 50) - (t0 - 50) % 30, t0, 30, recent, "rolled")
    check_buckets(t, s, "r.old", B, B + 29, 30, list(old.items()), "now-5m")
    q = s.query({"metric": "r.old", "from": B, "until": B + 29})
    t.eq(q["points"], [[B, 7.0]], "raw read of the now-5m data: its bucket's last value at its start")
    m = {e["metric"]: e for e in s.metrics(match="r.*")}
    t.eq((m.get("r.old", {}).get("last_time"), m.get("r.old", {}).get("last_value"), m.get("r.old", {}).get("points")),
         (B + 21, 7.0, 4), "r.old in /api/v1/metrics: the newest sample, 4 points")

    def after_restart(what, more=()):
        check_buckets(t, s, "r.m", (t0 - 50) - (t0 - 50) % 30, t0, 30, recent, what)
        check_buckets(t, s, "r.old", B, B + 29, 30, list(old.items()), "now-5m, " + what)
        check_buckets(t, s, "r.mix", (t0 - 120) // 30 * 30, t0, 30, [(t0 - 120, 2)], "r.mix, " + what)
        if time.time() < t0 + 50:  # still inside the 5 s archive's keep
            check_buckets(t, s, "r.m", f5, t0, 5, recent, what, only_from=block)
        m = {e["metric"]: e for e in s.metrics(match="r.*")}
        t.eq(sorted(m), sorted(["r.m", "r.mix", "r.old"] + list(more)), "series listed " + what)
        for name, lt, lv in (("r.m", t0, val(t0)), ("r.old", B + 21, 7.0), ("r.mix", t0 - 120, 2)):
            t.eq((m.get(name, {}).get("last_time"), m.get(name, {}).get("last_value")), (lt, lv),
                 "%s: last_time/last_value %s" % (name, what))

    t.step("clean restart")
    t.eq(s.stop(), 0, "clean stop")
    s.start()
    after_restart("after a clean restart")

    t.step("new writes, rolled up, then kill -9: the write-ahead log is replayed")
    t1 = int(time.time())
    fresh = [(ts, val(ts) + 100) for ts in range(t1 - 30, t1 + 1)]
    s.write([{"metric": "r.k", "value": v, "time": ts} for ts, v in fresh])
    s.write([{"metric": "r.k.old", "value": 3.5, "time": t1 - 200}])
    k30 = (t1 - 30) - (t1 - 30) % 30

    def k_rolled():
        p = s.query({"metric": "r.k", "from": k30, "until": t1})["points"]
        return p and all(x[0] % 5 == 0 for x in p)

    t.require(T.wait_until(k_rolled, timeout=20, interval=0.2), "r.k rolled up within 20 s")
    check_buckets(t, s, "r.k", k30, t1, 30, fresh, "r.k before kill -9")
    s.kill9()
    s.start()
    check_buckets(t, s, "r.k", k30, t1, 30, fresh, "r.k after kill -9")
    check_buckets(t, s, "r.k.old", t1 - 240, t1, 30, [(t1 - 200, 3.5)], "r.k.old after kill -9")
    after_restart("after kill -9", ["r.k"])
    t.eq(s.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main)
