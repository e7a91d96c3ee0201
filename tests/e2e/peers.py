"""peers — real receivers from Debian for the forwarding tests, started as
plain processes on free loopback ports in the test's temp dir: VictoriaMetrics
and Prometheus (remote write), InfluxDB 1.x (line protocol), carbon-c-relay
(Graphite). A peer keeps its data dir and port across restarts, so a test can
stop one, go on sending, and start it again."""
import json
import os
import shutil
import subprocess
import urllib.parse

import tmlib as T


def need(t, prog, package):
    path = shutil.which(prog) or os.path.join("/usr/bin", prog)
    t.require(os.path.exists(path), "%s is missing: run scripts/deps.sh (Debian package %s)" % (prog, package))
    return path


class Peer:
    def __init__(self, t, name, ready_path=None):
        self.t = t
        self.name = name
        self.dir = os.path.join(t.tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = T.free_port(udp_too=False)
        self.log_path = os.path.join(self.dir, name + ".log")
        self.ready_path = ready_path
        self.proc = None

    def command(self):
        raise NotImplementedError

    def ready(self):
        return T.http("GET", self.url(self.ready_path), timeout=2).status < 300

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def start(self, timeout=60):
        with open(self.log_path, "ab") as lf:
            self.proc = subprocess.Popen(self.command(), stdout=lf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.dir)
        self.t.procs.append(self.proc)
        ok = T.wait_until(lambda: self.proc.poll() is not None or self.ready(), timeout, 0.1)
        self.t.require(ok and self.proc.poll() is None,
                       "%s did not come up within %ss:\n%s" % (self.name, timeout, self.log()[-3000:]))
        return self

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(15)

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def get_json(self, path, params):
        r = T.http("GET", self.url(path) + "?" + T.qs(params), timeout=15)
        if r.status != 200:
            raise T.TestFailure("%s GET %s: %r" % (self.name, path, r))
        return r


class VictoriaMetrics(Peer):
    def __init__(self, t):
        self.bin = need(t, "victoria-metrics", "victoria-metrics")
        super().__init__(t, "victoriametrics", "/health")

    def command(self):
        return [self.bin, "-storageDataPath=" + os.path.join(self.dir, "data"),
                "-httpListenAddr=127.0.0.1:%d" % self.port, "-search.latencyOffset=0s"]

    def write_url(self):
        return self.url("/api/v1/write")

    def export(self, match):
        """{(name, labels tuple): [(ts_ms, value), ...]} of the raw samples, duplicates kept."""
        r = self.get_json("/api/v1/export", {"match[]": match})
        out = {}
        for line in r.text.splitlines():
            if not line.strip():
                continue
            e = json.loads(line)
            m = dict(e["metric"])
            name = m.pop("__name__")
            out.setdefault((name, tuple(sorted(m.items()))), []).extend(zip(e["timestamps"], e["values"]))
        for v in out.values():
            v.sort()
        return out


class Prometheus(Peer):
    def __init__(self, t):
        self.bin = need(t, "prometheus", "prometheus")
        super().__init__(t, "prometheus", "/-/ready")

    def command(self):
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1h\n")
        return [self.bin, "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(self.dir, "tsdb"),
                "--web.listen-address=127.0.0.1:%d" % self.port, "--web.enable-remote-write-receiver"]

    def write_url(self):
        return self.url("/api/v1/write")

    def query_range(self, q, start, end, step="1s"):
        r = self.get_json("/api/v1/query_range", {"query": q, "start": start, "end": end, "step": step})
        return r.json()["data"]["result"]

    def raw(self, selector, at, window):
        """Every raw sample of selector over [at-window, at] (a range vector)."""
        r = self.get_json("/api/v1/query", {"query": "%s[%s]" % (selector, window), "time": at})
        return r.json()["data"]["result"]


class InfluxDB(Peer):
    def __init__(self, t):
        self.bin = need(t, "influxd", "influxdb")
        super().__init__(t, "influxdb", "/ping")
        self.rpc = T.free_port(udp_too=False)

    def command(self):
        d = self.dir
        cfg = os.path.join(d, "influxdb.conf")
        with open(cfg, "w") as f:
            f.write("""reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = "%s/meta"
[data]
  dir = "%s/data"
  wal-dir = "%s/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:%d"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
""" % (self.rpc, d, d, d, self.port))
        return [self.bin, "-config", cfg]

    def query(self, db, q):
        r = T.http("POST", self.url("/query"), body="db=%s&epoch=ms&q=%s" % (db, urllib.parse.quote(q)),
                   headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=15)
        if r.status != 200:
            raise T.TestFailure("influx %s: %r" % (q, r))
        return r.json()


class CarbonRelay(Peer):
    """carbon-c-relay listening on a free port, forwarding everything to dest (host:port)."""

    def __init__(self, t, dest):
        self.bin = need(t, "carbon-c-relay", "carbon-c-relay")
        super().__init__(t, "carbon-c-relay")
        self.dest = dest

    def command(self):
        cfg = os.path.join(self.dir, "relay.conf")
        with open(cfg, "w") as f:
            f.write("listen type linemode transport plain 127.0.0.1:%d proto tcp;\n"
                    "cluster out forward %s;\nmatch * send to out stop;\n" % (self.port, self.dest))
        return [self.bin, "-f", cfg, "-p", str(self.port), "-w", "1"]

    def ready(self):
        import socket
        with socket.create_connection(("127.0.0.1", self.port), timeout=1):
            return True
