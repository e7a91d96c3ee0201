"""Grafana's Graphite data source, as it sends its requests: POST /render
with a form body (target, from and until as Unix seconds, format=json,
maxDataPoints), the "Save & test" health check constantLine(100), POST
/metrics/find with a form body (from/until in the query string), GET
/metrics/expand, GET /functions, GET /version, the tag editor's
/tags/autoComplete/tags and /values, and annotations from /events/get_data.

Proves: every answer has graphite-web's shape and the exact numbers (data
written at known aligned times), consolidation to maxDataPoints averages as
graphite-web does, tagged series are found by seriesByTag and grouped by
groupByTags, unknown functions are a 400 naming them, a deleted series leaves the
tree, and a heavy render
runs off the ingest loop (writes are answered while it runs).
"""
import threading
import time
import urllib.parse

import tmlib as T

FORM = "application/x-www-form-urlencoded"


def form(d):
    return urllib.parse.urlencode(d, doseq=True)


def main(t):
    s = t.server(args=["--retention", "10s:7d,1m:90d"])
    now = int(time.time())
    base = now - now % 3600 - 3600  # an hour boundary an hour ago: all in the raw archive
    lines = []
    for i in range(120):
        ts = base + 10 * i
        lines.append("web.host1.cpu %d %d" % (i, ts))
        lines.append("web.host2.cpu %d %d" % (2 * i, ts))
        lines.append("disk.used;host=h1;dc=eu %d %d" % (i, ts))
        lines.append("disk.used;host=h2;dc=eu %d %d" % (10 + i, ts))
        lines.append("disk.used;host=h3;dc=us %d %d" % (100 + i, ts))
    T.graphite_tcp(s.graphite_port, "\n".join(lines) + "\n")
    s.write([{"metric": "deploys", "value": "deploy v1.2", "time": base + 600, "tags": {"app": "shop"}}])
    T.wait_until(lambda: len(s.get_json("/render", {"target": "web.*.cpu", "from": base, "until": base + 1200,
                                                     "format": "json"})) == 2 and
                 s.get_json("/render", {"target": "web.host2.cpu", "from": base, "until": base + 1200,
                                        "format": "json"})[0]["datapoints"][-2][0] == 238, timeout=20)

    # the health check
    r = s.post("/render", form({"target": "constantLine(100)", "from": "-5min", "until": "now", "format": "json",
                                "maxDataPoints": 300}), FORM)
    t.eq(r.status, 200, "constantLine(100): %r" % r)
    j = r.json()
    t.eq([e["target"] for e in j], ["100.0"], "constantLine names its series by the value (a float, as graphite-web)")
    t.eq([p[0] for p in j[0]["datapoints"]], [100, 100, 100], "three points of 100")

    # a panel: POST form, Unix seconds, maxDataPoints
    body = form({"target": ["sumSeries(web.*.cpu)", "alias(web.host1.cpu,'one')"], "from": base, "until": base + 600,
                 "format": "json", "maxDataPoints": 1000})
    j = s.post("/render", body, FORM).json()
    t.eq([e["target"] for e in j], ["sumSeries(web.*.cpu)", "one"], "targets in order, named as graphite-web")
    pts = j[0]["datapoints"]
    t.eq(pts[0], [3.0, base + 10], "first point at from+step (whisper's fromInterval)")
    t.eq(pts[-1][1], base + 600, "last point at until")
    t.eq(len(pts), 60, "60 points")
    # consolidation: 60 points to at most 20 -> 3 a point, averaged, start nudged
    j = s.post("/render", form({"target": "web.host1.cpu", "from": base, "until": base + 600, "format": "json",
                                "maxDataPoints": 20}), FORM).json()
    pts = j[0]["datapoints"]
    # graphite-web nudges the start to base+30 and drops one point: (2+3+4)/3
    t.eq(pts[0], [3.0, base + 30], "consolidated: averaged at the nudged start")
    t.eq(len(pts), 20, "20 points")
    j = s.post("/render", form({"target": "consolidateBy(web.host1.cpu,'max')", "from": base, "until": base + 600,
                                "format": "json", "maxDataPoints": 20}), FORM).json()
    t.eq(j[0]["datapoints"][0], [4.0, base + 30], "consolidateBy max")

    # tags
    j = s.get_json("/render", {"target": "groupByTags(seriesByTag('name=disk.used','dc=~e.*'),'sum','dc')",
                               "from": base, "until": base + 20, "format": "json"})
    t.eq([(e["target"], e["datapoints"]) for e in j],
         [("disk.used;dc=eu", [[12.0, base + 10], [14.0, base + 20]])], "groupByTags over seriesByTag")
    t.eq(s.get_json("/tags/autoComplete/tags", {"expr": "name=disk.used"}), ["dc", "host"], "autoComplete tags")
    t.eq(s.get_json("/tags/autoComplete/values", {"tag": "host", "expr": "dc=eu"}), ["h1", "h2"],
         "autoComplete values")
    t.eq(s.get_json("/tags/findSeries", {"expr": ["dc=us"]}), ["disk.used;dc=us;host=h3"], "findSeries")

    # the metric tree
    r = s.post("/metrics/find?from=%d&until=%d" % (base, base + 600), form({"query": "web.*"}), FORM)
    t.eq(r.json(), [{"text": "host1", "id": "web.host1", "allowChildren": 1, "expandable": 1, "leaf": 0},
                    {"text": "host2", "id": "web.host2", "allowChildren": 1, "expandable": 1, "leaf": 0}],
         "find web.*")
    t.eq(s.get_json("/metrics/find", {"query": "web.host1.*"}),
         [{"text": "cpu", "id": "web.host1.cpu", "allowChildren": 0, "expandable": 0, "leaf": 1}], "find leaves")
    t.eq(s.get_json("/metrics/expand", {"query": "web.*.cpu"}), {"results": ["web.host1.cpu", "web.host2.cpu"]},
         "expand")
    t.eq(s.get("/version").text, "1.1.10", "version")
    fns = s.get_json("/functions")
    for f in ("sumSeries", "constantLine", "seriesByTag", "groupByTags", "aliasByTags", "summarize"):
        t.check(f in fns and fns[f]["name"] == f and "params" in fns[f], "/functions has %s" % f)

    # annotations
    ev = s.get_json("/events/get_data", {"from": base, "until": base + 1200, "tags": "shop"})
    t.eq([(e["what"], e["when"]) for e in ev], [("deploy v1.2", base + 600)], "events from a string series")

    # errors name what is wrong
    r = s.get("/render?" + form({"target": "nosuch(web.*.cpu)", "format": "json"}))
    t.check(r.status == 400 and "nosuch" in r.text, "unknown function: %r" % r)
    r = s.get("/render?" + form({"target": "scale(web.*.cpu,'x')", "format": "json"}))
    t.check(r.status == 400 and "scale" in r.text and "factor" in r.text, "bad argument: %r" % r)

    # a heavy render does not stall ingestion: writes are answered while it runs
    heavy = {"target": "sumSeries(" + ",".join(["web.*.cpu"] * 200) + ")", "from": base, "until": base + 1200,
             "format": "json"}
    done, wrote = [], threading.Event()

    def renders():  # at least 5, and on (200 at most) until the writes below have been answered
        out = []
        while len(out) < 200 and (len(out) < 5 or not wrote.is_set()):
            out.append(s.get("/render?" + form(heavy), timeout=60))
        done.append(out)

    th = threading.Thread(target=renders)
    th.start()
    writes = 0
    while th.is_alive() and writes < 200:
        s.write([{"metric": "during.heavy", "value": writes}])
        writes += 1
        if writes == 20:
            wrote.set()
    wrote.set()
    th.join(90)
    t.check(done and all(r.status == 200 for r in done[0]), "heavy renders answered")
    t.check(writes > 0, "writes answered while the renders ran: %d" % writes)
    # a deleted series leaves the tree
    r = T.http("DELETE", s.url("/api/v1/series?match=web.host2.cpu"))
    t.eq(r.status, 200, "delete: %r" % r)
    t.eq([n["id"] for n in s.get_json("/metrics/find", {"query": "web.*"})], ["web.host1"], "find after a delete")
    t.eq(s.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main)
