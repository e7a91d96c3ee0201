#!/usr/bin/env python3
"""PromQL beside VictoriaMetrics: the same data in both, the same queries,
median latency of each over HTTP on one kept-alive connection per server
(peerlib; VictoriaMetrics with nocache=1, so both compute every answer), one
table.

    python3 bench/promql_bench.py [path/to/tidemark]     env: RUNS (15: answers at least, and 1 s at least, per server and row)

Data (counters, 40 points at 15 s): x1k{job,instance} 1000 series,
x10k{job,instance} 10000 series, h_bucket{instance,le} 200 x 11 buckets,
and 100000 series of 10000 names (n0..n9999, one point each) for the
label values route. tidemark loads it through /api/v1/data (JSON),
VictoriaMetrics through /api/v1/import (JSON lines), and runs at the nice
of tidemark's query workers (peerlib.QUERY_NICE). Both listen on
127.0.0.1 only, on free ports, in a temp dir removed at the end."""
import json
import os
import sys
import time
import urllib.parse

from peerlib import Peers, client_note, get, median_runs, post, timed

RUNS = int(os.environ.get("RUNS", "15"))
STEP, POINTS = 15, 40


def series(end):
    times = [end - STEP * (POINTS - 1 - i) for i in range(POINTS)]
    for name, n in (("x1k", 1000), ("x10k", 10000)):
        for i in range(n):
            yield {"__name__": name, "job": "j%d" % (i % 10), "instance": "i%d" % i}, times, \
                [float(i + 7 * p + (i * p) % 13) for p in range(POINTS)]
    les = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf")
    for i in range(200):
        for k, le in enumerate(les):
            yield {"__name__": "h_bucket", "instance": "i%d" % i, "le": le}, times, \
                [float((k + 1) * (p * 3 + i % 17)) for p in range(POINTS)]
    for i in range(100000):
        yield {"__name__": "n%d" % (i // 10), "k": "v%d" % (i % 10)}, times[-1:], [1.0]


def load(tm, vm, end):
    tm_batch, vm_lines = [], []

    def flush():
        if tm_batch:
            post(tm + "/api/v1/data", json.dumps(tm_batch).encode(), "application/json")
        if vm_lines:
            post(vm + "/api/v1/import", "\n".join(vm_lines).encode(), "application/json")
        tm_batch.clear()
        vm_lines.clear()

    for labels, ts, vs in series(end):
        tags = {k: v for k, v in labels.items() if k != "__name__"}
        for t, v in zip(ts, vs):
            tm_batch.append({"metric": labels["__name__"], "value": v, "time": t, "tags": tags})
        vm_lines.append(json.dumps({"metric": labels, "values": vs, "timestamps": [t * 1000 for t in ts]}))
        if len(tm_batch) >= 20000:
            flush()
    flush()


def both(tm_url, vm_url):
    """(tidemark ms, VictoriaMetrics ms, "runs tm/vm")"""
    (mt, nt), (mv, nv) = median_runs(tm_url, RUNS), median_runs(vm_url, RUNS)
    return mt, mv, "%d/%d" % (nt, nv)


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/tidemark")
    with Peers("tmpromql.") as peers:
        tm, _ = peers.tidemark(binary)
        vm, _ = peers.victoria()
        end = int(time.time()) // 60 * 60 - 600
        load(tm, vm, end)
        get(vm + "/internal/force_flush", 60)
        rows = [
            ("sum by (job)(rate(x1k[5m])), 1000 series", "sum by (job)(rate(x1k[5m]))"),
            ("sum by (job)(rate(x10k[5m])), 10000 series", "sum by (job)(rate(x10k[5m]))"),
            ("histogram_quantile(0.99, sum by (le)(rate(h_bucket[5m])))",
             "histogram_quantile(0.99, sum by (le)(rate(h_bucket[5m])))"),
            ("topk(10, rate(x10k[5m])), 10000 series", "topk(10, rate(x10k[5m]))"),
        ]
        print("%-60s %12s %12s %8s %11s" % ("query (instant unless said, median)", "tidemark_ms", "vm_ms", "ratio",
                                            "runs tm/vm"))
        for label, q in rows:
            p = urllib.parse.urlencode({"query": q, "time": end})
            _, a = timed(tm + "/api/v1/query?" + p)
            _, b = timed(vm + "/api/v1/query?nocache=1&" + p)
            if len(a["data"]["result"]) != len(b["data"]["result"]):
                print("  (answers differ in size: tidemark %d, vm %d)" % (len(a["data"]["result"]),
                                                                          len(b["data"]["result"])))
            mt, mv, n = both(tm + "/api/v1/query?" + p, vm + "/api/v1/query?nocache=1&" + p)
            print("%-60s %12.2f %12.2f %7.1fx %11s" % (label, mt, mv, mv / mt, n))
        rq = urllib.parse.urlencode({"query": "sum by (job)(rate(x10k[5m]))", "start": end - 600, "end": end,
                                     "step": 15})
        mt, mv, n = both(tm + "/api/v1/query_range?" + rq, vm + "/api/v1/query_range?nocache=1&" + rq)
        print("%-60s %12.2f %12.2f %7.1fx %11s" % ("the same, range 10 m at 15 s", mt, mv, mv / mt, n))
        _, a = timed(tm + "/api/v1/label/__name__/values")
        _, b = timed(vm + "/api/v1/label/__name__/values")
        mt, mv, n = both(tm + "/api/v1/label/__name__/values", vm + "/api/v1/label/__name__/values")
        print("%-60s %12.2f %12.2f %7.1fx %11s" % ("/api/v1/label/__name__/values, 112200 series, %d names" %
                                                   len(a["data"]), mt, mv, mv / mt, n))
        print("  " + client_note(RUNS, tidemark=tm, victoria_metrics=vm))


if __name__ == "__main__":
    main()
