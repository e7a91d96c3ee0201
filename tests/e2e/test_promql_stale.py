"""Staleness markers against Prometheus itself (Debian's 2.42).

promdata.stale_samples (series whose targets go away and come back,
counters and a histogram that end with a marker, a gauge with an ordinary
NaN) goes by remote write, markers and all, into one Prometheus
(--web.enable-remote-write-receiver, started once on a free loopback port)
and into tidemark. Then the same PromQL runs on both: instant queries just
before, at and after each marker (and past the 5 m lookback), and range
queries on several step grids, some not aligned with the scrapes; the
answers must be the same (types, label sets, timestamps, values to 1e-9).

The rest of tidemark must never show a marker as a number: the JSON export
leaves it out (the ordinary NaN stays, as null), Graphite /render has null
there, /api/v1/metrics keeps the last real value, the bucketed query keeps
finite min/max/sum over a minute holding a marker, and the live stream
sends no event for it. A tidemark forwarding by remote write to that
Prometheus passes the marker on, so the series ends there as well; killed
(-9) and started again, it replays the marker from its log."""
import json
import math
import os
import socket
import sys
import time
import urllib.parse

import tmlib as T
from peers import Prometheus
from promcmp import Comparer, get
from promdata import STALE, STALE_BITS, stale_samples

QUERIES = [
    "svc_up", 'svc_up{instance="a"}', "svc_up offset 2m", "timestamp(svc_up)", "svc_temp", "svc_up[5m]",
    "svc_temp[2m]", "sum(svc_up)", "count(svc_up)", 'absent(svc_up{instance="a"})', "svc_up == 1",
    "rate(svc_requests_total[5m])", "increase(svc_requests_total[10m])", "irate(svc_requests_total[1m])",
    "resets(svc_requests_total[20m])", "delta(svc_temp[5m])", "idelta(svc_temp[2m])", "deriv(svc_temp[10m])",
    "count_over_time(svc_up[10m])", "last_over_time(svc_up[10m])", "present_over_time(svc_up[3m])",
    'absent_over_time(svc_up{instance="a"}[2m])', "changes(svc_up[10m])", "max_over_time(svc_temp[10m])",
    "min_over_time(svc_temp[5m])", "sum_over_time(svc_temp[5m])", "avg_over_time(svc_temp[5m])",
    "last_over_time(svc_temp[1m])", "quantile_over_time(0.5, svc_temp[10m])",
    "histogram_quantile(0.9, rate(svc_latency_bucket[5m]))", "sum by (instance) (rate(svc_requests_total[5m]))",
    "max_over_time(svc_up[10m:1m])", "rate(svc_requests_total[5m])[10m:]", "count_over_time(svc_up[5m:30s])",
]


def send(t, url, body, what):
    r = T.http("POST", url, T.snappy_literals(body), {
        "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
        "X-Prometheus-Remote-Write-Version": "0.1.0"}, timeout=30)
    t.require(r.status in (200, 204), "%s remote write: %s %s" % (what, r.status, r.text[:300]))


def write_request(data):
    series = []
    for name, labels, pts in data:
        lab = [("__name__", name)] + sorted(labels.items())
        series.append((lab, [(STALE_BITS if v == STALE else v, ts) for ts, v in pts]))
    return T.prom_write_request(series)


def secs(ms):
    return "%.3f" % (ms / 1000)


def compare_queries(t, compare, mine, prom, times, end):
    t.step("instant queries around every marker, range queries on four grids")
    marks = (times[80], times[100], times[120], times[130], times[131])
    ats = sorted({m + d for m in marks for d in (-1000, 0, 1, 7500, 15000, 299000, 301000)} | {end + 250000})
    for q in QUERIES:
        for at in ats:
            p = {"query": q, "time": secs(at)}
            compare("%s @%s" % (q, secs(at - times[0])), get(mine, "/api/v1/query", p),
                    get(prom, "/api/v1/query", p))
        for st, step in ((times[0] - 60000, 15), (times[0], 37), (times[40] + 7, 23), (times[2], 60)):
            p = {"query": q, "start": secs(st), "end": secs(end + 400000), "step": step}
            compare("%s [step %d from %s]" % (q, step, secs(st - times[0])),
                    get(mine, "/api/v1/query_range", p), get(prom, "/api/v1/query_range", p))
    n = len(compare.answered)
    t.check(n > 0.8 * len(QUERIES) * (len(ats) + 4), "only %d comparisons had data" % n)
    print("compared %d answers with data" % n)


def no_marker_elsewhere(t, s, data, times):
    t.step("the export, /render, /api/v1/metrics and the bucketed query show no marker as a number")
    frm, until = times[0] // 1000 - 60, times[-1] // 1000 + 60
    for name, labels, pts in data:
        if name != "svc_up" and name != "svc_temp":
            continue
        params = dict(labels, **{"from": frm, "until": until})
        got = [(round(p["time"] * 1000), p["value"]) for p in s.export(name, params)]
        want = [(ts, None if isinstance(v, float) and math.isnan(v) else v) for ts, v in pts if v != STALE]
        t.eq(got, want, "export of %s %r: every sample but the markers" % (name, labels))
    target = "seriesByTag('name=svc_up','instance=a')"
    r = s.get("/render?" + urllib.parse.urlencode({"target": target, "from": frm, "until": until, "format": "json"}))
    t.require(r.status == 200, "render: %s %s" % (r.status, r.text[:200]))
    dps = r.json()[0]["datapoints"]
    t.eq(sorted({v for v, _ in dps if v is not None}), [1.0], "render: only real values")
    t.eq(sum(v is not None for v, _ in dps), 80 + 40, "render: one point per real sample")
    marker_at = times[80] // 10000 * 10
    t.eq([v for v, ts in dps if ts == marker_at], [None], "render: null in the marker's bucket")
    m = {e["tags"]["instance"]: e for e in s.metrics("svc_requests_total")}
    want = [v for _, v in next(p for n, lb, p in data if n == "svc_requests_total" and lb["instance"] == "a")]
    t.eq((m["a"]["last_value"], m["a"]["last_time"]), (want[-2], times[99] / 1000), "metrics: the last real value")
    q = s.query({"metric": "svc_requests_total", "instance": "a", "from": times[90] // 1000,
                 "until": times[101] // 1000, "step": "60s", "agg": "max"})
    vals = [v for _, v in q["points"]]
    t.check(vals and all(isinstance(v, (int, float)) and math.isfinite(v) for v in vals),
            "bucketed max over minutes holding the marker: %r" % vals)


def stream_skips_markers(t, s):
    t.step("the live stream sends the real sample, not the marker")
    sock = socket.create_connection(("127.0.0.1", s.http_port), timeout=10)
    sock.sendall(b"GET /api/v1/stream?metric=svc_live HTTP/1.1\r\nHost: x\r\n\r\n")
    got = b""
    while b": connected" not in got:
        got += sock.recv(4096)
    now = int(time.time() * 1000)
    send(t, s.url("/api/v1/write"), T.prom_write_request([([("__name__", "svc_live")], [(1.5, now)])]), "tidemark")
    send(t, s.url("/api/v1/write"), T.prom_write_request([([("__name__", "svc_live")], [(STALE_BITS, now + 1)])]),
         "tidemark")
    send(t, s.url("/api/v1/write"), T.prom_write_request([([("__name__", "svc_live")], [(2.5, now + 2)])]), "tidemark")
    events = []
    deadline = time.monotonic() + 15
    while len(events) < 2 and time.monotonic() < deadline:
        got += sock.recv(4096)
        events = [json.loads(line[6:]) for line in got.decode().splitlines() if line.startswith("data: {")]
    sock.close()
    t.eq([e["value"] for e in events], [1.5, 2.5], "stream events")


def forwarded(t, prom):
    t.step("forwarding by remote write passes the marker on: Prometheus ends the series too")
    s = t.server("fwd", args=["--forward-prometheus", prom.write_url(), "--forward-match", "svc_fwd"])
    t0 = int(time.time() * 1000) - 60000
    pts = [(2.5, t0), (STALE_BITS, t0 + 15000)]
    send(t, s.url("/api/v1/write"), T.prom_write_request([([("__name__", "svc_fwd"), ("job", "fwd")], pts)]),
         "tidemark")

    def arrived():
        r = prom.get_json("/api/v1/query", {"query": "count_over_time(svc_fwd[10m])", "time": secs(t0 + 60000)})
        return r.json()["data"]["result"]
    t.require(T.wait_until(arrived, 30, 0.2), "svc_fwd never reached Prometheus")
    for at, want in ((t0 + 5000, ["2.5"]), (t0 + 20000, []), (t0 + 120000, [])):
        r = prom.get_json("/api/v1/query", {"query": "svc_fwd", "time": secs(at)}).json()
        t.eq([x["value"][1] for x in r["data"]["result"]], want, "Prometheus' svc_fwd %+d ms past the sample" % (
            at - t0))
    return s, t0


def after_crash(t, s, t0):
    t.step("after kill -9 and the log's replay the marker still ends the series")
    s.kill9()
    s.start()
    for at, want in ((t0 + 5000, ["2.5"]), (t0 + 20000, [])):
        r = s.get_json("/api/v1/query", {"query": "svc_fwd", "time": secs(at)})
        t.eq([x["value"][1] for x in r["data"]["result"]], want, "tidemark's svc_fwd %+d ms past the sample" % (
            at - t0))


def main(t):
    end = int(time.time()) // 60 * 60 * 1000 - 5 * 60000  # five minutes ago, on a minute
    data, times = stale_samples(end)
    body = write_request(data)
    prom = Prometheus(t).start()
    send(t, prom.write_url(), body, "Prometheus")
    s = t.server(args=["--memory"])
    send(t, s.url("/api/v1/write"), body, "tidemark")
    compare = Comparer(t)
    compare_queries(t, compare, s.url(""), prom.url(""), times, end)
    no_marker_elsewhere(t, s, data, times)
    stream_skips_markers(t, s)
    fwd, t0 = forwarded(t, prom)
    after_crash(t, fwd, t0)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    T.run(main, timeout=280)
