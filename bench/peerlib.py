"""peerlib.py — what the side-by-side benchmarks (graphite_bench.py,
promql_bench.py) share: free loopback ports, HTTP helpers, the median
latency of a URL, and a Peers context that starts tidemark and
VictoriaMetrics as plain processes on 127.0.0.1 in one temp dir, then stops
them and removes the dir, whatever happened."""
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request

# tidemark's query workers run at this nice (src/query/engine.c), and so
# does VictoriaMetrics beside it: on a loaded machine a query at nice 0
# against one at nice 10 would measure the scheduler, not the engines
QUERY_NICE = 10


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(url, timeout=300):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


def post(url, body, ctype, timeout=120):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": ctype})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status


def wait(pred, secs, what):
    """poll pred() until it is true (exceptions count as not yet)"""
    end = time.time() + secs
    while time.time() < end:
        try:
            if pred():
                return
        except Exception:  # noqa: BLE001
            pass
        time.sleep(0.1)
    raise SystemExit("bench: timed out waiting for " + what)


def timed(url):
    """seconds one answer took, and the answer parsed as JSON"""
    t = time.perf_counter()
    body = get(url, 120)
    return time.perf_counter() - t, json.loads(body)


def median_ms(url, runs):
    get(url)  # warm: both keep their indexes in memory after a first touch
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        get(url)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1000


class Peers:
    """with Peers("tmx.") as p: tm = p.tidemark(binary); vm = p.victoria()"""

    def __init__(self, prefix):
        self.work = tempfile.mkdtemp(prefix=prefix)
        self.procs = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.work, ignore_errors=True)

    def _start(self, argv):
        self.procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        return self.procs[-1]

    def tidemark(self, binary, graphite=False):
        """(base URL, Graphite plaintext port or None), once it answers"""
        hp, gp = free_port(), free_port() if graphite else None
        self.tm_proc = self._start([binary, "serve", "--data-dir", self.work + "/tm", "--http-listen",
                                    "127.0.0.1:%d" % hp, "--graphite-listen",
                                    "127.0.0.1:%d" % gp if gp else "off", "--statsd-listen", "off",
                                    "--relay-listen", "off"])
        url = "http://127.0.0.1:%d" % hp
        wait(lambda: get(url + "/healthz"), 30, "tidemark")
        return url, gp

    def victoria(self, graphite=False, nice=QUERY_NICE):
        """VictoriaMetrics (Debian), keeping everything and answering without
        its latency offset, at the query workers' nice: (base URL, Graphite
        port or None)"""
        vmbin = shutil.which("victoria-metrics")
        if not vmbin:
            raise SystemExit("bench: victoria-metrics is missing (Debian package victoria-metrics)")
        hp, gp = free_port(), free_port() if graphite else None
        argv = [vmbin, "-storageDataPath=" + self.work + "/vm", "-httpListenAddr=127.0.0.1:%d" % hp,
                "-retentionPeriod=100y", "-search.latencyOffset=0s"]
        if gp:
            argv.append("-graphiteListenAddr=127.0.0.1:%d" % gp)
        self._start((["nice", "-n", str(nice)] if nice else []) + argv)
        url = "http://127.0.0.1:%d" % hp
        wait(lambda: get(url + "/health"), 30, "VictoriaMetrics")
        return url, gp
