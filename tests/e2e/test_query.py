"""The query side: /api/v1/query, /api/v1/metrics, /api/v1/data/{metric}, and
the `tidemark send` / `tidemark query` clients.

Proves: raw points come back exactly; step + agg (avg, min, max, sum, count,
last) give exact values on data written at known aligned times, each bucket
stamped with its start; from/until accept Unix seconds, RFC 3339, `now` and
relative `-1h`; tag filters work as TAG=VAL and as tag=NAME:VALUE, including
a tag named like a reserved parameter (`step`); Graphite globs `*`, `?`,
`[a-c]`, `{a,b}` never cross a dot, in match= and in metric=; JSON answers
never hold NaN or Infinity (raw bytes scanned) even when stored values are
NaN or infinite; unknown series are a 404 and bad parameters a 400; the CLI
sends and queries (table and --json) against a running server.
"""
import datetime
import json
import time

import tmlib as T

VALS = [4, -2, 9.5, 0, 7, 3, 12, 1.5, -6, 8, 2, 5]  # at base + 10 s * i


def rfc3339(ts, offset_h=0):
    tz = datetime.timezone(datetime.timedelta(hours=offset_h))
    d = datetime.datetime.fromtimestamp(ts, tz)
    return d.isoformat() if offset_h else d.strftime("%Y-%m-%dT%H:%M:%SZ")


def expected_buckets(base, step, agg):
    out = []
    for b in range(base, base + 120, step):
        vs = [v for i, v in enumerate(VALS) if b <= base + 10 * i < b + step]
        val = {"avg": sum(vs) / len(vs), "min": min(vs), "max": max(vs), "sum": sum(vs), "count": len(vs),
               "last": vs[-1]}[agg]
        out.append([b, val])
    return out


def names(entries):
    return sorted(e["metric"] for e in entries)


def no_nan_bytes(t, r, what):
    t.check(r.status == 200, "%s: status %r" % (what, r))
    t.check(b"NaN" not in r.body and b"Infinity" not in r.body, "%s: raw JSON holds NaN/Infinity: %r" % (what, r.body))
    try:
        return r.json()
    except ValueError as e:
        t.check(False, "%s: not strict JSON (%s): %r" % (what, e, r.body))
        return None


def main(t):
    s = t.server()
    now = int(time.time())
    base = (now - 3600) // 60 * 60
    srv = ["--server", "http://127.0.0.1:%d" % s.http_port]

    t.step("raw points and aggregates on aligned data")
    s.write([{"metric": "q.agg", "value": v, "time": base + 10 * i} for i, v in enumerate(VALS)] +
            [{"metric": "q.agg", "value": 100, "time": base - 10},
             {"metric": "q.agg", "value": 200, "time": base + 120}])
    rng = {"metric": "q.agg", "from": base, "until": base + 119}
    q = s.query(rng)
    t.eq(q.get("points"), [[base + 10 * i, v] for i, v in enumerate(VALS)], "raw points in [from, until]")
    t.eq((q.get("metric"), q.get("tags"), q.get("step")), ("q.agg", {}, None), "raw answer head")
    for step in (60, 30):
        for agg in ("avg", "min", "max", "sum", "count", "last"):
            q = s.query(dict(rng, step="%ds" % step if step == 30 else "1m", agg=agg))
            want = expected_buckets(base, step, agg)
            got = q.get("points")
            ok = got is not None and len(got) == len(want) and all(
                g[0] == w[0] and abs(g[1] - w[1]) < 1e-9 for g, w in zip(got, want))
            t.check(ok, "step=%ds agg=%s: got %r, want %r" % (step, agg, got, want))
            t.eq(q.get("step"), step, "step in the answer (seconds)")
    q = s.query({"metric": "q.agg", "from": base, "until": base + 119, "step": "1m"})
    t.eq([p[0] for p in q["points"]], [base, base + 60], "default agg: buckets stamped with their start")
    t.check(abs(q["points"][0][1] - 21.5 / 6) < 1e-9, "default agg is avg: %r" % q["points"])
    q = s.query({"metric": "q.agg", "from": base - 60, "until": base + 179, "step": "1m", "agg": "count"})
    t.eq(q["points"], [[base - 60, 1], [base, 6], [base + 60, 6], [base + 120, 1]], "empty buckets left out")

    t.step("time forms")
    for frm, until, what in ((rfc3339(base), rfc3339(base + 119), "RFC 3339 Z"),
                             (rfc3339(base, 2), rfc3339(base + 119, -5), "RFC 3339 with offsets"),
                             (str(base) + ".0", str(base + 119) + ".5", "fractional Unix seconds")):
        q = s.query({"metric": "q.agg", "from": frm, "until": until, "step": "1m", "agg": "sum"})
        t.eq(q["points"], [[base, 21.5], [base + 60, 22.5]], "from/until as " + what)
    s.write([{"metric": "q.rel", "value": v, "time": now - age} for v, age in ((1, 7200), (2, 1800), (3, 300))])
    for frm, until, want in (("-1h", "now", [2, 3]), ("-3h", "now", [1, 2, 3]), ("-1h", "-10m", [2]),
                             ("now-1h", "now", [2, 3]), ("-2h30m", "-20m", [1, 2]), (None, None, [1, 2, 3])):
        p = {"metric": "q.rel"}
        if frm:
            p.update({"from": frm, "until": until})
        got = [v for _, v in s.query(p)["points"]]
        t.eq(got, want, "from=%s until=%s" % (frm, until))
    for bad in ({"from": "yesterday-ish"}, {"until": "2024-13-01"}, {"step": "fast"}, {"agg": "median"}):
        r = s.get("/api/v1/query?" + T.qs(dict({"metric": "q.agg"}, **bad)))
        t.eq(r.status, 400, "bad parameter %r" % bad)
    t.eq(s.get("/api/v1/query").status, 400, "query without metric")

    t.step("tag filters")
    T1 = base + 5
    s.write([{"metric": "q.tag", "value": 1, "time": T1, "tags": {"host": "a"}},
             {"metric": "q.tag", "value": 2, "time": T1, "tags": {"host": "b"}},
             {"metric": "q.tag", "value": 3, "time": T1, "tags": {"host": "c", "step": "x"}},
             {"metric": "q.tag", "value": 4, "time": T1, "tags": {"host": "web1.example.com", "from": "here"}}])
    rng = {"metric": "q.tag", "from": base, "until": base + 60}
    q = s.query(dict(rng, host="a"))
    t.eq((q["tags"], q["points"], q["step"]), ({"host": "a"}, [[T1, 1]], None), "TAG=VAL")
    q = s.query(dict(rng, host="web1.example.com"))
    t.eq((q["tags"], q["points"]), ({"host": "web1.example.com", "from": "here"}, [[T1, 4]]), "TAG=VAL with dots")
    q = s.query(list(rng.items()) + [("tag", "step:x")])
    t.eq((q["tags"], q["points"], q["step"]), ({"host": "c", "step": "x"}, [[T1, 3]], None),
         "tag=step:x filters on the tag, not the step parameter")
    q = s.query(list(rng.items()) + [("tag", "from:here")])
    t.eq(q["points"], [[T1, 4]], "tag=from:here")
    q = s.query(list(rng.items()) + [("tag", "host:b")])
    t.eq(q["points"], [[T1, 2]], "tag=host:b")
    s.query(list(rng.items()) + [("host", "a"), ("tag", "step:x")], want=404)
    t.check(True, "contradicting filters: 404")
    s.query(dict(rng, host="zzz"), want=404)
    q = s.query(dict(rng, step="1m", agg="sum"))
    t.eq(q["points"], [[base, 10]], "several series folded: sum")
    q = s.query(dict(rng, step="1m", agg="count"))
    t.eq(q["points"], [[base, 4]], "several series folded: count")
    m = s.metrics(match="q.tag", params=[("tag", "step:x")])
    t.eq([e["tags"] for e in m], [{"host": "c", "step": "x"}], "/api/v1/metrics with tag=step:x")
    m = s.metrics(match="q.tag", params={"host": "b"})
    t.eq([e["tags"] for e in m], [{"host": "b"}], "/api/v1/metrics with host=b")

    t.step("globs")
    gl = ["glob.a.x", "glob.b.x", "glob.c.x", "glob.d.x", "glob.ab.x", "glob.a.x.deep", "glob.e.y", "globa.x"]
    s.write([{"metric": n, "value": i + 1, "time": T1 + i} for i, n in enumerate(gl)])
    for pat, want in (("glob.*.x", ["glob.a.x", "glob.ab.x", "glob.b.x", "glob.c.x", "glob.d.x"]),
                      ("glob.?.x", ["glob.a.x", "glob.b.x", "glob.c.x", "glob.d.x"]),
                      ("glob.[a-c].x", ["glob.a.x", "glob.b.x", "glob.c.x"]),
                      ("glob.{a,ab}.x", ["glob.a.x", "glob.ab.x"]),
                      ("glob.a*.x", ["glob.a.x", "glob.ab.x"]),
                      ("glob.*", []), ("glob*", []), ("glob?x", []), ("glob.*x", []),
                      ("glob.*.*.deep", ["glob.a.x.deep"]), ("*.a.x", ["glob.a.x"]),
                      ("glob.{e,f}.*", ["glob.e.y"]), ("glob*.x", ["globa.x"]),
                      ("glob.a.x", ["glob.a.x"])):
        t.eq(names(s.metrics(match=pat)), want, "match=" + pat)
    rng = {"from": base, "until": base + 60}
    q = s.query(dict(rng, metric="glob.{a,b}.x", step="1m", agg="sum"))
    t.eq(q["points"], [[base, 1 + 2]], "metric=glob.{a,b}.x sums two series")
    q = s.query(dict(rng, metric="glob.?.x", step="1m", agg="count"))
    t.eq(q["points"], [[base, 4]], "metric=glob.?.x counts four series")
    q = s.query(dict(rng, metric="glob.*.y"))
    t.eq(q["points"], [[T1 + 6, 7]], "metric=glob.*.y: the one series, raw")
    s.query(dict(rng, metric="glob.*"), want=404)
    t.eq(s.export("glob.[a-c].x"), [{"time": T1 + i, "value": i + 1} for i in range(3)],
         "/api/v1/data/ with a glob merges the series")

    t.step("NaN and Infinity never reach JSON")
    s.tcp("q.inf inf %d\nq.inf -inf %d\nq.inf 1 %d\nq.inf2 1 %d\nq.inf2 +Infinity %d\n" %
          (T1, T1 + 1, T1 + 2, T1, T1 + 1))
    s.write([{"metric": "q.nan", "value": "nan", "time": T1}, {"metric": "q.nan", "value": 2, "time": T1 + 1},
             {"metric": "q.nan2", "value": "-inf", "time": T1}])
    T.wait_until(lambda: len(s.metrics(match="q.inf*")) == 2 and
                 s.query({"metric": "q.inf", "from": base})["points"][-1][0] == T1 + 2, timeout=10)
    for path in ("/api/v1/metrics", "/api/v1/metrics?match=q.*",
                 "/api/v1/query?" + T.qs({"metric": "q.inf", "from": base}),
                 "/api/v1/query?" + T.qs({"metric": "q.inf", "from": base, "step": "1m", "agg": "avg"}),
                 "/api/v1/query?" + T.qs({"metric": "q.inf", "from": base, "step": "1m", "agg": "sum"}),
                 "/api/v1/query?" + T.qs({"metric": "q.inf", "from": base, "step": "1m", "agg": "max"}),
                 "/api/v1/query?" + T.qs({"metric": "q.inf2", "from": base, "step": "1m", "agg": "last"}),
                 "/api/v1/query?" + T.qs({"metric": "q.nan", "from": base}),
                 "/api/v1/query?" + T.qs({"metric": "q.nan2", "from": base}),
                 "/api/v1/query?" + T.qs({"metric": "q.{inf,nan}", "from": base, "step": "1m"}),
                 "/api/v1/data/q.inf", "/api/v1/data/q.nan", "/api/v1/data/q.inf2"):
        no_nan_bytes(t, s.get(path), path)
    q = no_nan_bytes(t, s.get("/api/v1/query?" + T.qs({"metric": "q.inf", "from": base})), "q.inf raw")
    t.eq(q and q["points"], [[T1, None], [T1 + 1, None], [T1 + 2, 1]], "infinite values are null")
    m = {e["metric"]: e for e in s.metrics(match="q.*")}
    t.eq(m.get("q.inf2", {}).get("last_value", "missing"), None, "an infinite last_value is null")
    t.eq(m.get("q.nan2", {}).get("last_value", "missing"), None, "a -inf last_value is null")
    q = s.query({"metric": "q.inf", "from": base, "step": "1m", "agg": "avg"})
    t.eq(q["points"], [[base, None]], "avg of inf, -inf and 1 is null")

    t.step("/api/v1/data/{metric} and 404s")
    ex = s.export("q.agg", {"from": base, "until": base + 59})
    t.eq(ex, [{"time": base + 10 * i, "value": v} for i, v in enumerate(VALS[:6])], "export with from/until")
    ex = s.export("q.agg")
    t.eq(len(ex), 14, "export of everything")
    t.eq([e["time"] for e in ex], sorted(e["time"] for e in ex), "export oldest first")
    t.eq(s.export("q.tag", {"host": "b"}), [{"time": T1, "value": 2}], "export with host=")
    for path in ("/api/v1/data/no.such.metric", "/api/v1/query?metric=no.such.metric"):
        r = s.get(path)
        t.eq(r.status, 404, path)
        t.check("error" in r.json(), "404 body has an error: %r" % r)

    t.step("exact=1 names one series: literal name, exactly these tags")
    TE = base + 40
    s.write([{"metric": "ex.t", "value": 1, "time": TE}, {"metric": "ex.t", "value": 2, "time": TE, "tags": {"host": "a"}},
             {"metric": "ex.t", "value": 4, "time": TE, "tags": {"host": "a", "dc": "eu"}},
             {"metric": "ex.*", "value": 8, "time": TE}])
    def val(params):
        r = s.get("/api/v1/query?" + T.qs(params + [("from", TE - 1), ("until", TE + 1), ("step", "10s"),
                                                     ("agg", "sum")]))
        return r.status == 200 and [p[1] for p in r.json()["points"]]
    t.eq(val([("metric", "ex.t")]), [7], "without exact: every ex.t folded")
    t.eq(val([("metric", "ex.t"), ("exact", "1")]), [1], "exact: the untagged ex.t alone")
    t.eq(val([("metric", "ex.t"), ("tag", "host:a"), ("exact", "1")]), [2], "exact: host=a and no other tag")
    t.eq(val([("metric", "ex.t"), ("host", "a")]), [6], "without exact: host=a and anything else")
    t.eq(val([("metric", "ex.*"), ("exact", "1")]), [8], "exact: a '*' in a name is a character")
    t.eq(val([("metric", "ex.*")]), [15], "without exact: ex.* is a glob")
    t.eq(s.export("ex.t", {"exact": "1"}), [{"time": TE, "value": 1}], "export with exact")

    t.step("tidemark send and tidemark query")
    TC = base + 30
    r = t.cli(["send", "cli.metric", "42.5", str(TC), "--tag", "host=x"] + srv)
    t.eq(r.returncode, 0, "send a number: %s" % r.stderr)
    r = t.cli(["send", "cli.event", "deploy v1.2", str(TC)] + srv)
    t.eq(r.returncode, 0, "send a string: %s" % r.stderr)
    r = t.cli(["send", "cli.now", "7"] + srv)
    t.eq(r.returncode, 0, "send without time: %s" % r.stderr)
    t.eq(s.export("cli.metric", {"host": "x"}), [{"time": TC, "value": 42.5}], "sent number stored with its tag")
    t.eq(s.export("cli.event"), [{"time": TC, "value": "deploy v1.2"}], "sent string stored")
    t.check(abs(s.export("cli.now")[0]["time"] - time.time()) < 60, "sent without time: now")
    r = t.cli(["query", "cli.metric", "--from", str(TC - 10), "--until", str(TC + 10), "--tag", "host=x",
               "--json"] + srv)
    t.eq(r.returncode, 0, "query --json: %s" % r.stderr)
    try:
        j = T.strict_json(r.stdout)
        t.eq((j["metric"], j["tags"], j["points"]), ("cli.metric", {"host": "x"}, [[TC, 42.5]]), "query --json")
    except ValueError:
        t.check(False, "query --json prints JSON: %r" % r.stdout)
    r = t.cli(["query", "cli.metric", "--from", str(TC - 10), "--until", str(TC + 10)] + srv)
    t.eq(r.returncode, 0, "query table: %s" % r.stderr)
    when = datetime.datetime.fromtimestamp(TC, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    rows = [ln.split() for ln in r.stdout.splitlines() if when in ln]
    t.check(len(rows) == 1 and "42.5" in rows[0], "table row of %s with 42.5: %r" % (when, r.stdout))
    r = t.cli(["query", "q.agg", "--from", str(base), "--until", str(base + 119), "--step", "1m", "--agg", "max",
               "--json"] + srv)
    t.eq(r.returncode == 0 and T.strict_json(r.stdout)["points"], [[base, 9.5], [base + 60, 12]],
         "query --step 1m --agg max")
    r = t.cli(["query", "no.such.metric", "--json"] + srv)
    t.check(r.returncode != 0, "query of a missing series fails: rc %d" % r.returncode)
    dead = ["--server", "http://127.0.0.1:%d" % T.free_port(udp_too=False)]
    r = t.cli(["send", "cli.metric", "1"] + dead)
    t.check(r.returncode != 0, "send to a dead server fails: rc %d" % r.returncode)
    t.eq(s.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main)
