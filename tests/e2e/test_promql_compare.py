"""PromQL against Prometheus itself (Debian's 2.42): the same data, the same
queries, the same answers.

promdata.py's dataset (counters with resets, gauges, a histogram, a series
that stops) goes into Prometheus by backfill (`promtool tsdb
create-blocks-from openmetrics`, in a temp dir, started once on a free
loopback port) and into tidemark through its JSON ingestion API. Then every
query below runs on both, as instant queries at several times (one past the
data's end, where lookback and the stopped series matter, some off the
second) and as range queries on three step grids (one with an odd step and
a start off the second, so subqueries' steps, aligned to multiples of
their own step in absolute time, fall between the grid's): the result types, label sets and timestamps must
be the same and the values equal to 1e-9 relative. Bad queries must fail the
same way (status, errorType, the parse error with its position), as
instant and as range queries. The API routes Grafana calls (series,
labels, label values with and without start and end, buildinfo, POST
forms) are compared too."""
import os
import shutil
import subprocess
import sys
import time

import tmlib as T
from promcmp import Comparer, compare_meta, get, post
from promdata import openmetrics, samples

PROM = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"

QUERIES = [
    # Grafana's health check and the node exporter dashboard's CPU panel
    "1+1",
    '100 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100',
    # selectors
    "http_requests_total", 'http_requests_total{code!="200"}', 'http_requests_total{instance=~"a|b"}',
    'http_requests_total{instance!~"a.*"}', '{__name__=~"temperature_.*", room="lab"}',
    "http_requests_total offset 10m", "temperature_celsius @ end()", "batch_last_success_timestamp",
    # range functions
    "rate(http_requests_total[5m])", "irate(http_requests_total[1m])", "increase(http_requests_total[10m])",
    "delta(temperature_celsius[10m])", "idelta(temperature_celsius[2m])", "deriv(temperature_celsius[10m])",
    "predict_linear(temperature_celsius[15m], 600)", "changes(up[30m])", "resets(http_requests_total[1h])",
    "avg_over_time(temperature_celsius[10m])", "min_over_time(temperature_celsius[10m])",
    "max_over_time(temperature_celsius[10m])", "sum_over_time(temperature_celsius[5m])",
    "count_over_time(temperature_celsius[7m])", "quantile_over_time(0.9, temperature_celsius[20m])",
    "stddev_over_time(temperature_celsius[10m])", "stdvar_over_time(temperature_celsius[10m])",
    "last_over_time(batch_last_success_timestamp[30m])", "present_over_time(batch_last_success_timestamp[10m])",
    "absent_over_time(batch_last_success_timestamp[10m])", 'absent_over_time(nothing{job="x"}[5m])',
    "rate(http_requests_total[5m] offset 5m)", "max_over_time(rate(http_requests_total[2m])[10m:1m])",
    "avg_over_time(temperature_celsius[10m:30s])",
    # histograms
    "histogram_quantile(0.9, rate(request_duration_seconds_bucket[5m]))",
    "histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket[5m])))",
    "histogram_quantile(0.5, sum by (job, le) (increase(request_duration_seconds_bucket[10m])))",
    "rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])",
    "histogram_quantile(0, rate(request_duration_seconds_bucket[5m]))",
    "histogram_quantile(1, rate(request_duration_seconds_bucket[5m]))",
    "histogram_quantile(1.5, rate(request_duration_seconds_bucket[5m]))",
    "histogram_quantile(0.5, request_duration_seconds_bucket)",
    'histogram_quantile(0.5, request_duration_seconds_bucket{le!="+Inf"})',
    "histogram_quantile(0.75, sum without (job) (rate(request_duration_seconds_bucket[10m])))",
    # aggregations
    "sum(http_requests_total)", "sum by (instance) (rate(http_requests_total[5m]))",
    "sum without (code) (rate(http_requests_total[5m]))", "avg by (room) (temperature_celsius)",
    "min(temperature_celsius)", "max by (instance) (temperature_celsius)", "count(up)", "count by (job) (up == 1)",
    "group by (instance) (temperature_celsius)", "stddev(temperature_celsius)", "stdvar by (room) (temperature_celsius)",
    "topk(3, temperature_celsius)", "bottomk(2, rate(http_requests_total[5m]))", "topk by (room) (1, temperature_celsius)",
    "quantile(0.75, temperature_celsius)", "quantile by (room) (0.5, temperature_celsius)",
    'count_values("value", up)', "sum(rate(http_requests_total[5m])) by (code)",
    # instant functions
    "abs(temperature_celsius - 20)", "ceil(temperature_celsius)", "floor(temperature_celsius)",
    "round(temperature_celsius)", "round(temperature_celsius, 0.5)", "sqrt(temperature_celsius)",
    "exp(temperature_celsius / 10)", "ln(temperature_celsius)", "log2(temperature_celsius)",
    "log10(temperature_celsius)", "clamp(temperature_celsius, 3, 21)", "clamp_min(temperature_celsius, 20)",
    "clamp_max(temperature_celsius, 5)", "sgn(temperature_celsius - 10)", "absent(up)", 'absent(nothing{job="x"})',
    "scalar(sum(up))", "vector(1)", "time()", "timestamp(temperature_celsius)", "timestamp(up == 1)",
    'label_replace(up, "host", "$1-host", "instance", "(.*)")', 'label_replace(up, "instance", "", "job", "node")',
    'label_join(temperature_celsius, "where", "/", "instance", "room")', "sort(temperature_celsius)",
    "sort_desc(sum by (instance) (rate(http_requests_total[5m])))", "minute()", "hour()", "day_of_week()",
    "day_of_month()", "days_in_month()", "month()", "year()", "hour(batch_last_success_timestamp)",
    "minute(timestamp(up))",
    # operators
    "temperature_celsius + 1", "2 * temperature_celsius", "temperature_celsius - temperature_celsius offset 5m",
    "temperature_celsius / 3", "temperature_celsius % 4", "temperature_celsius ^ 2", "2 ^ 3 ^ 2", "-temperature_celsius",
    "temperature_celsius > 20", "temperature_celsius < bool 5", "20 < temperature_celsius", "temperature_celsius == bool 21",
    "temperature_celsius != 2", "temperature_celsius >= 21.5", "temperature_celsius <= 2.5",
    'temperature_celsius atan2 temperature_celsius{room="roof"}',
    'up and on (instance) temperature_celsius{room="lab"} > 21', "up or temperature_celsius", "up unless up == 0",
    'temperature_celsius{room="lab"} - on (instance) temperature_celsius{room="roof"}',
    'temperature_celsius{room="lab"} - ignoring (room) temperature_celsius{room="roof"}',
    "temperature_celsius * on (instance) group_left up", "up * on (instance) group_right temperature_celsius",
    'rate(http_requests_total[5m]) / on (instance) group_left sum by (instance) (rate(http_requests_total[5m]))',
    "sum by (instance) (rate(node_cpu_seconds_total[5m])) > bool 1", "1 > bool 2", "(1 + 2) * 3 - 4 / 8 % 3",
    # subqueries without a step (the 1m default evaluation interval), at odd steps and times
    "rate(http_requests_total[5m])[30m:]", "max_over_time(rate(http_requests_total[5m])[30m:])",
    "avg_over_time(temperature_celsius[10m:])", "min_over_time(temperature_celsius[7m:45s])",
    "sum_over_time(up[5m:7s] offset 3m)", "deriv(temperature_celsius[10m:20s])",
    "max_over_time(avg_over_time(temperature_celsius[5m:])[15m:2m])", "count_over_time(up[1h:])",
    "max_over_time(temperature_celsius[10m:] @ end())", "rate(http_requests_total[1m:15s])",
    "last_over_time(sum(up)[20m:90s])", "temperature_celsius[3m:]",
    # literals, offsets and @
    '"hello"', "'single'", "0x1f + 1e3", "Inf", "-Inf", "NaN", "-2 ^ 2", "2 ^ -1", "1 - 2 - 3",
    "2 * 3 + 4 ^ 2 / 8 % 3", "temperature_celsius offset -5m", "rate(http_requests_total[5m] @ start())",
    "temperature_celsius @ end() offset 5m", 'http_requests_total{nothing=""}', '{room=~"lab|"}',
    # aggregations and functions with their other forms
    "count without (instance) (up)", "avg without (cpu) (rate(node_cpu_seconds_total[5m]))",
    "stddev without (room) (temperature_celsius)", "group without (room) (temperature_celsius)",
    "topk(scalar(count(up)) - 1, temperature_celsius)", "bottomk without (room) (1, temperature_celsius)",
    "quantile(0, temperature_celsius)", "quantile(1.5, temperature_celsius)",
    'count_values by (instance) ("v", round(temperature_celsius))', "sort(rate(http_requests_total[5m]))",
    'label_replace(up, "x", "$1", "instance", "z(.*)")', 'label_join(up, "none", "-")',
    "clamp(temperature_celsius, 5, 3)", "round(temperature_celsius, 0.1)", "scalar(up)",
    "vector(time())", "time() - timestamp(temperature_celsius)", 'absent(nothing{job="x", instance=~"a"})',
    "days_in_month(timestamp(up))", "day_of_week(vector(1700000000))", "day_of_year()",
    "holt_winters(temperature_celsius[10m], 0.5, 0.5)", "sin(temperature_celsius)", "atan(temperature_celsius)",
    "deg(temperature_celsius)", "pi()", "absent_over_time(up[5m])",
    # vector matching in its other forms
    "temperature_celsius * on (instance) group_left (job) up",
    "rate(http_requests_total[5m]) / ignoring (code) group_left sum without (code) (rate(http_requests_total[5m]))",
    "up or on (instance) temperature_celsius", "up unless ignoring (job) up == 0", "1 == bool 1",
    "temperature_celsius > bool on (instance, room) temperature_celsius offset 5m",
]

ERRORS = ["1+", "sum(", "foo{", "rate(http_requests_total)", "up > 1 and 2", "unknown_fn(up)",
          "http_requests_total[5m] + 1", "1 > 2", "topk(up)", "", "foo offset", "sum by (a:b) (up)"]
EXEC_ERRORS = ["temperature_celsius + on (instance) up", "up * on (instance) group_left temperature_celsius"]


def start_prometheus(t, data):
    d = os.path.join(t.tmp, "prometheus")
    os.makedirs(d)
    om = os.path.join(d, "data.om")
    with open(om, "w") as f:
        f.write(openmetrics(data))
    r = subprocess.run([PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", om, os.path.join(d, "tsdb")],
                       capture_output=True, text=True, timeout=60)
    t.require(r.returncode == 0, "promtool backfill: %s %s" % (r.stdout, r.stderr))
    cfg = os.path.join(d, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global: {scrape_interval: 1h, evaluation_interval: 1m}\n")
    port = T.free_port(udp_too=False)
    log = open(os.path.join(d, "prometheus.log"), "wb")
    p = subprocess.Popen([PROM, "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(d, "tsdb"),
                          "--web.listen-address=127.0.0.1:%d" % port, "--storage.tsdb.retention.time=10y"],
                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=d)
    t.procs.append(p)
    url = "http://127.0.0.1:%d" % port
    t.require(T.wait_until(lambda: T.http("GET", url + "/-/ready", timeout=2).status == 200, 60),
              "Prometheus did not get ready")
    return url


def load_tidemark(t, s, data):
    batch = []
    for name, labels, pts in data:
        for ts, v in pts:
            batch.append({"metric": name, "value": v, "time": ts, "tags": labels})
    for i in range(0, len(batch), 2000):
        r = s.post_json("/api/v1/data", batch[i:i + 2000])
        t.require(r.status in (200, 204), "tidemark ingest: %s %s" % (r.status, r.text[:200]))


def main(t):
    end = int(time.time()) // 60 * 60 - 3600  # an hour ago, on a minute
    data = samples(end)
    prom = start_prometheus(t, data)
    s = t.server(args=["--memory"])
    load_tidemark(t, s, data)
    mine = s.url("")
    compare = Comparer(t)

    t.step("instant queries at five times, range queries on three grids")
    for q in QUERIES:
        for at in (end, end - 600, end - 1795, end + 250, end - 1234.567):
            p = {"query": q, "time": at}
            compare("%s @%s" % (q, at - end), get(mine, "/api/v1/query", p), get(prom, "/api/v1/query", p))
        for st, step in ((end - 3000, 60), (end - 1203, 37), (end - 2411.5, 23.5)):
            p = {"query": q, "start": st, "end": end + 400, "step": step}
            compare("%s [step %d]" % (q, step), get(mine, "/api/v1/query_range", p),
                    get(prom, "/api/v1/query_range", p))

    # the comparison means something only where Prometheus answers with data
    n = len(compare.answered)
    t.check(n > 0.85 * len(QUERIES) * 8, "only %d of %d comparisons had data" % (n, len(QUERIES) * 8))
    print("compared %d answers with data, of %d queries" % (n, len(QUERIES) * 8))

    t.step("errors: parse errors with positions, and expressions that cannot run")
    for q in ERRORS + EXEC_ERRORS:
        p = {"query": q, "time": end}
        compare("error %r" % q, get(mine, "/api/v1/query", p), get(prom, "/api/v1/query", p))
        p = {"query": q, "start": end - 600, "end": end, "step": 60}  # worded without the parameter's name
        compare("error %r [range]" % q, get(mine, "/api/v1/query_range", p), get(prom, "/api/v1/query_range", p))
    for p in ({"query": "up", "time": "soon"}, {"query": "up", "start": end, "end": end - 1, "step": 10},
              {"query": "up", "start": end, "end": end, "step": 0},
              {"query": "up", "start": end - 86400 * 365, "end": end, "step": 1},
              {"query": "up[5m]", "start": end, "end": end, "step": 10}):
        path = "/api/v1/query" if "time" in p else "/api/v1/query_range"
        compare("bad parameters %r" % p, get(mine, path, p), get(prom, path, p))

    # a regex error: Go's and PCRE2's wording differ after the prefix
    r = get(mine, "/api/v1/query", {"query": 'up{a=~"("}'})
    t.check(r.status == 400 and r.json()["error"].startswith(
        'invalid parameter "query": 1:4: parse error: error parsing regexp: '), "regex error: %s" % r.text)

    t.step("Grafana's requests: POST forms, series, labels, label values, buildinfo")
    p = {"query": "sum by (instance) (rate(http_requests_total[5m]))", "start": end - 1800, "end": end, "step": 30}
    compare("POST query_range", post(mine, "/api/v1/query_range", p), post(prom, "/api/v1/query_range", p))
    compare("POST query", post(mine, "/api/v1/query", {"query": "1+1", "time": end}),
            post(prom, "/api/v1/query", {"query": "1+1", "time": end}))
    for path, params in (("/api/v1/series", {"match[]": ["up", 'temperature_celsius{room="lab"}']}),
                         ("/api/v1/labels", {}), ("/api/v1/labels", {"match[]": "up"}),
                         ("/api/v1/label/__name__/values", {}), ("/api/v1/label/instance/values", {}),
                         ("/api/v1/label/le/values", {"match[]": 'request_duration_seconds_bucket{job="api"}'}),
                         ("/api/v1/label/nothing/values", {})):
        compare_meta(t, mine, prom, path, params)
    a, b = post(mine, "/api/v1/series", {"match[]": "up"}), post(prom, "/api/v1/series", {"match[]": "up"})
    t.eq(a.status, b.status, "POST series")
    t.step("series, labels and label values over a time range (start, end)")
    batch = end - 80 * 15  # batch_last_success_timestamp's last sample (promdata.py)
    # every range is clear of the TSDB's chunk boundaries (Prometheus answers /api/v1/series per
    # chunk); a start after the end is left out, as Prometheus then answers by whether a chunk spans both
    ranges = ({"start": end - 900, "end": end}, {"start": end - 3500, "end": end - 3000},
              {"start": end + 3600, "end": end + 7200}, {"start": end - 3 * 86400, "end": end - 2 * 86400},
              {"start": end - 900}, {"end": end - 3000}, {"start": batch - 60, "end": batch + 60},
              {"start": "soon"}, {"end": "2026-13-45"})
    for rng in ranges:
        for sel in (["up", "batch_last_success_timestamp"], ['{job=~"batch|env"}'], ["request_duration_seconds_count"]):
            compare_meta(t, mine, prom, "/api/v1/series", dict(rng, **{"match[]": sel}))
        compare_meta(t, mine, prom, "/api/v1/label/instance/values", rng)
        compare_meta(t, mine, prom, "/api/v1/labels", dict(rng, **{"match[]": "up"}))
        if "start" not in rng or not isinstance(rng["start"], int) or rng["start"] < batch:
            # Prometheus answers the label routes per TSDB block: inside the block, a series that
            # stopped still counts there; tidemark counts it only where it has samples
            compare_meta(t, mine, prom, "/api/v1/labels", rng)
            compare_meta(t, mine, prom, "/api/v1/label/__name__/values", rng)
            compare_meta(t, mine, prom, "/api/v1/label/job/values", rng)
    late = {"start": end - 900, "end": end}
    a = get(mine, "/api/v1/label/__name__/values", late).json()["data"]
    b = get(prom, "/api/v1/label/__name__/values", late).json()["data"]
    t.eq(a, [n for n in b if n != "batch_last_success_timestamp"], "names with samples in the last 15 minutes")
    a = get(mine, "/api/v1/label/job/values", dict(late, **{"match[]": "batch_last_success_timestamp"})).json()
    t.eq(a["data"], [], "a series that stopped has no label values after it stopped")
    a, b = post(mine, "/api/v1/series", dict(late, **{"match[]": "up"})), post(prom, "/api/v1/series", dict(
        late, **{"match[]": "up"}))
    t.eq((a.status, sorted(map(str, a.json()["data"]))), (b.status, sorted(map(str, b.json()["data"]))),
         "POST series with start and end")
    bi = get(mine, "/api/v1/status/buildinfo", {}).json()
    t.check(bi["status"] == "success" and bi["data"]["version"].startswith("2."), "buildinfo: %r" % bi)
    for path in ("/api/v1/metadata", "/api/v1/query_exemplars"):
        r = get(mine, path, {"query": "up", "start": end - 60, "end": end})
        t.check(r.status == 200 and r.json()["status"] == "success", "%s: %s %s" % (path, r.status, r.text[:100]))
    # tidemark's own /api/v1/query still answers metric=
    r = s.get("/api/v1/query?metric=up&from=%d&until=%d&instance=a" % (end - 120, end))
    t.check(r.status == 200 and r.json()["metric"] == "up", "tidemark's query: %s %s" % (r.status, r.text[:200]))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    T.run(main, timeout=280)
