"""peerlib.py — what the side-by-side benchmarks (graphite_bench.py,
promql_bench.py) share: free loopback ports, HTTP helpers, the median
latency of a URL, and a Peers context that starts tidemark and
VictoriaMetrics as plain processes on 127.0.0.1 in one temp dir, then stops
them and removes the dir, whatever happened.

Every request goes over one persistent HTTP/1.1 connection per server and
thread (http.client, as Grafana keeps its connections alive), so a timed
answer is the server's work plus one loopback round trip, not a TCP
handshake and urllib's per-request set-up, the same fixed cost on both
sides that squeezed every ratio toward 1. median_runs checks that its runs
opened no connection (a server that closed it would pay a reconnect)."""
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse

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


class _Conn(http.client.HTTPConnection):
    """counts the TCP connections it opens (OPENED[(host, port)])"""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with _LOCK:
            OPENED[(self.host, self.port)] = OPENED.get((self.host, self.port), 0) + 1


OPENED = {}
_LOCK = threading.Lock()
_MINE = threading.local()  # (host, port) -> _Conn, per thread: a connection is not shared


class HTTPError(Exception):
    pass


def _conn(host, port, timeout):
    conns = _MINE.__dict__.setdefault("conns", {})
    c = conns.get((host, port))
    if c is None:
        c = conns[(host, port)] = _Conn(host, port, timeout=timeout)
    c.timeout = timeout
    if c.sock:
        c.sock.settimeout(timeout)
    return c


def request(method, url, body=None, headers=None, timeout=300):
    """(status, body) over this thread's kept-alive connection to url's
    server; a connection the server closed while idle is opened again once"""
    u = urllib.parse.urlsplit(url)
    target = u.path + ("?" + u.query if u.query else "")
    for attempt in (0, 1):
        c = _conn(u.hostname, u.port, timeout)
        reused = c.sock is not None
        try:
            c.request(method, target, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            if r.will_close:
                c.close()
            return r.status, data
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            c.close()
            if attempt or not reused:
                raise
        except Exception:
            c.close()
            raise


def get(url, timeout=300):
    status, data = request("GET", url, timeout=timeout)
    if status >= 400:
        raise HTTPError("%s: HTTP %d: %s" % (url, status, data[:200]))
    return data


def post(url, body, ctype, timeout=120):
    status, data = request("POST", url, body, {"Content-Type": ctype}, timeout)
    if status >= 400:
        raise HTTPError("%s: HTTP %d: %s" % (url, status, data[:200]))
    return status


def opened(url):
    u = urllib.parse.urlsplit(url)
    return OPENED.get((u.hostname, u.port), 0)


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


def median_runs(url, runs, secs=1.0, most=5000):
    """(median ms, answers timed): at least runs answers and at least secs
    of asking (at most `most` answers), on the kept-alive connection, warmed
    by one answer first (both servers keep their indexes in memory after a
    first touch). A sub-millisecond answer is asked a few thousand times,
    so a burst of other load on the machine moves its median less. Fails
    when a run had to open a connection."""
    get(url)
    before = opened(url)
    ts = []
    end = time.perf_counter() + secs
    while len(ts) < runs or (time.perf_counter() < end and len(ts) < most):
        t = time.perf_counter()
        get(url)
        ts.append(time.perf_counter() - t)
    if opened(url) != before:
        raise SystemExit("bench: %s closed the connection during the runs (%d reconnects)" %
                         (url.split("/")[2], opened(url) - before))
    return statistics.median(ts) * 1000, len(ts)


def client_note(runs, **servers):
    """one line: how the figures were taken, and the connections each server
    (name=base URL) took in all, loading and polling included"""
    return "median of at least %d answers and 1 s each (the runs column), on one kept-alive HTTP/1.1 " \
           "connection per server and thread, no reconnect during the timed runs (connections opened in " \
           "all: %s)" % (runs, ", ".join("%s %d" % (name, opened(u)) for name, u in servers.items()))


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
