"""promdata.py — the dataset the PromQL comparison loads into Prometheus
and into tidemark: deterministic (a fixed seed), one hour at a 15 s scrape
interval ending at END.

- http_requests_total{job,instance,code}: counters, two of them reset
  (a restart) midway;
- node_cpu_seconds_total{instance,cpu,mode}: counters, Grafana's node
  exporter dashboard's favourite;
- temperature_celsius{instance,room}: gauges with two decimals, one of them
  negative at times;
- request_duration_seconds_bucket{job,le} (+Inf included), _sum, _count:
  a classic histogram;
- batch_last_success_timestamp{job="batch"}: a series that stops 20 minutes
  before the end (so it goes stale after the 5 m lookback);
- up{job,instance}: 0/1 values.

Values never tie across series at one time (topk and sort have one answer).
samples() yields (name, labels dict, [(ts seconds, value)]); openmetrics()
writes what `promtool tsdb create-blocks-from openmetrics` reads."""
import random

STEP = 15
POINTS = 240  # one hour


def samples(end):
    rnd = random.Random(42)
    start = end - STEP * (POINTS - 1)
    times = [start + i * STEP for i in range(POINTS)]
    out = []
    for inst_i, inst in enumerate(("a", "b", "c")):
        for code_i, code in enumerate(("200", "500")):
            v, pts = 1000.0 * (inst_i + 1) + code_i * 7, []
            reset = POINTS // 2 + inst_i * 10 if code == "200" and inst != "c" else None
            for i, t in enumerate(times):
                if i == reset:
                    v = rnd.randint(1, 5)
                v += rnd.randint(0, 40 if code == "200" else 4) + (inst_i * 0.001 + code_i * 0.0001)
                pts.append((t, round(v, 4)))
            out.append(("http_requests_total", {"job": "api", "instance": inst, "code": code}, pts))
        for cpu in ("0", "1"):
            for mode_i, mode in enumerate(("idle", "user", "system")):
                v, pts = 5000.0 * (inst_i + 1) + mode_i * 100 + int(cpu) * 3, []
                for t in times:
                    v += rnd.uniform(0.5, 14.5) if mode == "idle" else rnd.uniform(0.01, 3.0)
                    pts.append((t, round(v, 3)))
                out.append(("node_cpu_seconds_total", {"job": "node", "instance": inst, "cpu": cpu, "mode": mode},
                            pts))
        for room_i, room in enumerate(("lab", "roof")):
            base, pts = (21.0 if room == "lab" else 2.0) + inst_i * 0.37 + room_i * 0.011, []
            for i, t in enumerate(times):
                pts.append((t, round(base + rnd.uniform(-3, 3) + (i % 40) * 0.01, 2)))
            out.append(("temperature_celsius", {"job": "env", "instance": inst, "room": room}, pts))
        pts = [(t, 1.0 if (i // 37 + inst_i) % 5 else 0.0) for i, t in enumerate(times)]
        out.append(("up", {"job": "node", "instance": inst}, pts))
    bounds = ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf")
    for job_i, job in enumerate(("api", "web")):
        counts = [0.0] * len(bounds)
        s, series = 0.0, [[] for _ in bounds]
        sums, cnts = [], []
        for t in times:
            for _ in range(rnd.randint(5, 30)):
                x = rnd.expovariate(3.0 + job_i)
                s += x
                for k, b in enumerate(bounds):
                    if b == "+Inf" or x <= float(b):
                        counts[k] += 1
            for k in range(len(bounds)):
                series[k].append((t, counts[k]))
            sums.append((t, round(s, 6)))
            cnts.append((t, counts[-1]))
        for k, b in enumerate(bounds):
            out.append(("request_duration_seconds_bucket", {"job": job, "le": b}, series[k]))
        out.append(("request_duration_seconds_sum", {"job": job}, sums))
        out.append(("request_duration_seconds_count", {"job": job}, cnts))
    stop = POINTS - 80
    out.append(("batch_last_success_timestamp", {"job": "batch"}, [(t, float(t - 30)) for t in times[:stop]]))
    return out


def fmt(v):
    return repr(float(v)) if v == v else "NaN"


def openmetrics(data):
    lines = []
    for name, labels, pts in sorted(data, key=lambda x: x[0]):
        lab = ",".join('%s="%s"' % (k, labels[k]) for k in sorted(labels))
        for t, v in pts:
            lines.append("%s{%s} %s %d" % (name, lab, fmt(v), t))
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


STALE = "stale"  # stands for Prometheus' staleness marker (the NaN with bits 0x7ff0000000000002)
STALE_BITS = 0x7ff0000000000002


def stale_samples(end_ms):
    """The staleness dataset (test_promql_stale.py), sent by remote write:
    40 minutes at a 15 s interval ending at end_ms, each scrape 123 ms past
    the interval (as real scrapes are), with staleness markers (STALE)
    where Prometheus writes them:

    - svc_up{instance="a"}: the target goes away at step 80 (a marker) and
      comes back at step 120; {instance="b"} never goes;
    - svc_requests_total: counters; "a" ends with a marker at step 100, "b"
      resets at step 60 and goes on;
    - svc_latency_bucket{instance="a",le}: a histogram whose target goes
      away at step 100 (a marker in every bucket);
    - svc_temp{instance="a"}: a gauge with an ordinary NaN at step 50 (a
      value, not a marker) and a marker at step 130 with samples again
      from step 131.
    Returns [(name, labels, [(ts_ms, value or STALE)])], each series in time order."""
    rnd = random.Random(7)
    n = 160
    start = end_ms - (n - 1) * 15000
    times = [start + i * 15000 + 123 for i in range(n)]
    out = []
    up_a = [(t, 1.0) for t in times[:80]] + [(times[80], STALE)] + [(t, 1.0) for t in times[120:]]
    out.append(("svc_up", {"job": "svc", "instance": "a"}, up_a))
    out.append(("svc_up", {"job": "svc", "instance": "b"}, [(t, 1.0) for t in times]))
    for inst in ("a", "b"):
        v, pts = 100.0, []
        for i, t in enumerate(times):
            if inst == "a" and i == 100:
                pts.append((t, STALE))
                break
            if inst == "b" and i == 60:
                v = 3.0
            v += rnd.randint(1, 30)
            pts.append((t, v))
        out.append(("svc_requests_total", {"job": "svc", "instance": inst}, pts))
    counts = [0.0] * 5
    series = [[] for _ in counts]
    for i, t in enumerate(times):
        for _ in range(rnd.randint(3, 20)):
            x = rnd.expovariate(4.0)
            for k, b in enumerate((0.05, 0.1, 0.25, 1.0, float("inf"))):
                counts[k] += x <= b
        for k in range(5):
            series[k].append((t, STALE if i == 100 else counts[k]))
        if i == 100:
            break
    for k, le in enumerate(("0.05", "0.1", "0.25", "1", "+Inf")):
        out.append(("svc_latency_bucket", {"job": "svc", "instance": "a", "le": le}, series[k]))
    temp = []
    for i, t in enumerate(times):
        v = round(20 + rnd.uniform(-2, 2), 2)
        temp.append((t, float("nan") if i == 50 else STALE if i == 130 else v))
    out.append(("svc_temp", {"job": "svc", "instance": "a"}, temp))
    return out, times
