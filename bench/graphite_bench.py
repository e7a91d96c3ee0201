#!/usr/bin/env python3
"""Graphite queries beside VictoriaMetrics: the same loadgen data in both
(20000 series x 360 points at 10 s, so host*.mem.used is 1000 series), the
same questions, median latency over HTTP on one kept-alive connection per
server (peerlib; VictoriaMetrics with nocache=1,
so both compute every answer), and the ingest rate while a heavy query
(every series, the whole range) runs in a loop beside it. One table.

    python3 bench/graphite_bench.py [path/to/tidemark]     env: RUNS (15: answers at least, and 1 s at least, per server and row) SERIES (20000)

tidemark answers graphite-web's /render and /metrics/find; Debian's
VictoriaMetrics 1.79 has /metrics/find but no /render, so it answers the
same selections through PromQL ({__graphite__="host*.mem.used"}) on
/api/v1/query_range. VictoriaMetrics runs at the nice of tidemark's query
workers (peerlib.QUERY_NICE). Both listen on 127.0.0.1 only, on free
ports, in a temp dir removed at the end."""
import os
import subprocess
import sys
import threading
import time
import urllib.parse

from peerlib import Peers, client_note, get, median_runs, wait

RUNS = int(os.environ.get("RUNS", "15"))
SERIES = int(os.environ.get("SERIES", "20000"))
POINTS, STEP = 360, 10
HERE = os.path.dirname(os.path.abspath(__file__))


def counter(url, prefix):
    total = 0.0
    for line in get(url + "/metrics").decode().splitlines():
        if line.startswith(prefix):
            total += float(line.rsplit(" ", 1)[1])
    return total


TM_STORED = "tidemark_samples_received_total"
VM_STORED = 'vm_rows_inserted_total{type="graphite"}'


def ingest_rate(loadgen, gport, url, stored, t0, points, heavy=None):
    """samples/s of one loadgen run until every sample is stored; heavy
    (a URL) is asked back to back beside it the whole time"""
    before = counter(url, stored)
    n = SERIES * points
    stop = threading.Event()
    count = [0]

    def loop():
        while not stop.is_set():
            get(heavy)
            count[0] += 1
    th = threading.Thread(target=loop) if heavy else None
    if th:
        th.start()
        time.sleep(0.5)  # the query is running when the load starts
    t = time.perf_counter()
    subprocess.run([loadgen, "-H", "127.0.0.1", "-p", str(gport), "-s", str(SERIES), "-n", str(points), "-c", "2",
                    "-t", str(t0)], check=True, stderr=subprocess.DEVNULL)
    wait(lambda: counter(url, stored) - before >= n, 300, "ingest")
    rate = n / (time.perf_counter() - t)
    stop.set()
    if th:
        th.join(300)
    return rate, count[0]


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/tidemark")
    with Peers("tmgraphite.") as peers:
        work = peers.work
        loadgen = work + "/loadgen"
        subprocess.run(["cc", "-O2", "-pthread", "-o", loadgen, HERE + "/loadgen.c"], check=True)
        null = subprocess.DEVNULL
        tm, tg = peers.tidemark(binary, graphite=True)
        vm, vg = peers.victoria(graphite=True)
        now = int(time.time())
        t0 = (now - 3 * 3600) // 3600 * 3600  # the main data: an hour, starting 2-3 h ago
        end = t0 + (POINTS - 1) * STEP
        for url, gport, stored in ((tm, tg, TM_STORED), (vm, vg, VM_STORED)):
            subprocess.run([loadgen, "-H", "127.0.0.1", "-p", str(gport), "-s", str(SERIES), "-n", str(POINTS),
                            "-c", "2", "-t", str(t0)], check=True, stderr=null)
            wait(lambda: counter(url, stored) >= SERIES * POINTS, 300, "the load")
        get(vm + "/internal/force_flush", 60)
        rng = {"from": t0 - 1, "until": end, "format": "json"}

        def render(target, **kw):
            return tm + "/render?" + urllib.parse.urlencode(dict(rng, target=target, **kw))

        def prom(q, step):
            return vm + "/api/v1/query_range?nocache=1&" + urllib.parse.urlencode(
                {"query": q, "start": t0, "end": end, "step": step})
        one = '{__graphite__="host000.mem.used"}'
        mem = '{__graphite__="host*.mem.used"}'
        rows = [
            ("one series, its whole range (360 points)", render("host000.mem.used"), prom(one, "10s")),
            ("sumSeries of 1000 series at 10 s", render("sumSeries(host*.mem.used)"), prom("sum(%s)" % mem, "10s")),
            ("sumSeries of 1000 series at 1 m (maxDataPoints=60)", render("sumSeries(host*.mem.used)",
                                                                           maxDataPoints=60),
             prom("sum(%s)" % mem, "1m")),
            ("the same at 1 m by /api/v1/query?agg=sum&step=1m", tm + "/api/v1/query?" + urllib.parse.urlencode(
                {"metric": "host*.mem.used", "agg": "sum", "step": "1m", "from": t0, "until": end}),
             prom("sum(%s)" % mem, "1m")),
            ("/metrics/find of a 50-node glob (host0[0-4]*)", tm + "/metrics/find?query=host0%5B0-4%5D%2A",
             vm + "/metrics/find?query=host0%5B0-4%5D%2A"),
        ]
        print("%-58s %12s %12s %8s %11s" % ("Graphite query (median)", "tidemark_ms", "vm_ms", "vm/tm", "runs tm/vm"))
        for label, a, b in rows:
            (mt, nt), (mv, nv) = median_runs(a, RUNS), median_runs(b, RUNS)
            print("%-58s %12.2f %12.2f %7.1fx %11s" % (label, mt, mv, mv / mt, "%d/%d" % (nt, nv)))
        print("  " + client_note(RUNS, tidemark=tm, victoria_metrics=vm))
        # ingest while every series (the whole range) is queried in a loop
        heavy_tm = render("sumSeries(host*.*,host*.*.*,host*.*.*.*)")
        heavy_vm = prom('sum({__name__=~"host.*"})', "10s")
        base = end + STEP
        print("%-58s %12s %12s" % ("ingest, 20000 series x 60 points (samples/s)", "tidemark", "vm"))
        res = {}
        for name, url, gport, stored, heavy in (("tm", tm, tg, TM_STORED, heavy_tm), ("vm", vm, vg, VM_STORED, heavy_vm)):
            quiet, _ = ingest_rate(loadgen, gport, url, stored, base, 60)
            busy, nq = ingest_rate(loadgen, gport, url, stored, base + 600, 60, heavy)
            res[name] = (quiet, busy, nq)
        print("%-58s %12.0f %12.0f" % ("  alone", res["tm"][0], res["vm"][0]))
        print("%-58s %12.0f %12.0f" % ("  beside the heavy query in a loop", res["tm"][1], res["vm"][1]))
        print("%-58s %11.0f%% %11.0f%%" % ("  kept", 100 * res["tm"][1] / res["tm"][0], 100 * res["vm"][1] / res["vm"][0]))
        print("%-58s %12d %12d" % ("  heavy queries answered meanwhile", res["tm"][2], res["vm"][2]))


if __name__ == "__main__":
    main()
