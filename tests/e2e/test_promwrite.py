"""Prometheus remote write: a real Prometheus (Debian's /usr/bin/prometheus)
and hand-built requests into POST /api/v1/write.

A Prometheus of our own (temp config and TSDB, 127.0.0.1 only) scrapes
tidemark's GET /metrics and itself every second and remote_writes to
tidemark, authenticating both ways with HTTP Basic auth and tidemark's token
as the password. Proves that within 45 s tidemark holds `up`,
`prometheus_build_info` and `tidemark_series` as series tagged job= and
instance=, with plausible values (up == 1 for both targets, build_info == 1,
tidemark_series between 1 and tidemark's own count), millisecond
timestamps about 1 s apart and close to now, histogram buckets tagged
le=+Inf; that Prometheus itself counts samples and metadata sent and none
failed (so every request, metadata-only ones included, got a 2xx); and that
tidemark rejected nothing.

Then hand-built snappy+protobuf bodies: a good request answers 204; the
staleness marker is not stored while an ordinary NaN is (and reads back as
null); label values with spaces and ';' map to '_'; a series without
__name__ is a 400 naming series 2 while series 1 and 3 are stored; garbage
and truncated snappy are a 400 that stores nothing; no token is a 401; a
remote write 2.0 body is a 415.
When the write-ahead log cannot be written (a server under a file size
limit), the answer is 503, so Prometheus retries, and the server lives on.
"""
import os
import shutil
import signal
import struct
import subprocess
import sys
import time

import tmlib as T

PROM = shutil.which("prometheus") or "/usr/bin/prometheus"
TOKEN = "s3cret-token"
AUTH = {"Authorization": T.basic_auth("prometheus", TOKEN)}


# ------------------------------------------------------- request building

fld, write_request, snappy = T.pb_field, T.prom_write_request, T.snappy_literals


def post_write(s, body, headers=AUTH):
    h = {"Content-Encoding": "snappy", "X-Prometheus-Remote-Write-Version": "0.1.0"}
    h.update(headers)
    return s.post("/api/v1/write", body, "application/x-protobuf", h)


# ------------------------------------------------------- helpers

def metrics(s, match):
    return s.get_json("/api/v1/metrics", {"match": match, "token": TOKEN})


def own_counter(s, name, labels=None):
    r = s.get("/metrics", headers=AUTH)
    v = T.prom_value(r.text, name, labels) if r.status == 200 else None
    return 0.0 if v is None else v


def find(entries, **tags):
    for e in entries:
        if all(e["tags"].get(k) == v for k, v in tags.items()):
            return e
    return None


def start_prometheus(t, s):
    port = T.free_port(udp_too=False)
    d = os.path.join(t.tmp, "prometheus")
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "prometheus.yml")
    target = "127.0.0.1:%d" % s.http_port
    with open(cfg, "w") as f:
        f.write("""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: tidemark
    basic_auth: {username: prometheus, password: "%(tok)s"}
    static_configs: [{targets: ["%(target)s"]}]
  - job_name: prometheus
    static_configs: [{targets: ["127.0.0.1:%(port)d"]}]
remote_write:
  - url: http://%(target)s/api/v1/write
    basic_auth: {username: prometheus, password: "%(tok)s"}
    queue_config: {batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s}
    metadata_config: {send: true, send_interval: 2s}
""" % {"tok": TOKEN, "target": target, "port": port})
    log = open(os.path.join(d, "prometheus.log"), "wb")
    p = subprocess.Popen([PROM, "--config.file=" + cfg, "--storage.tsdb.path=" + os.path.join(d, "tsdb"),
                          "--web.listen-address=127.0.0.1:%d" % port, "--log.level=info"],
                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=d)
    t.procs.append(p)
    return p, port, os.path.join(d, "prometheus.log")


def prom_log(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-3000:]
    except OSError:
        return ""


# ------------------------------------------------------- the test

def real_prometheus(t, s):
    t.require(os.path.exists(PROM), "%s is missing: run scripts/deps.sh (Debian package prometheus)" % PROM)
    t.step("a real Prometheus scrapes tidemark and itself and remote_writes to tidemark")
    rej0 = own_counter(s, "tidemark_lines_rejected_total", {"protocol": "prometheus"})
    p, pport, plog = start_prometheus(t, s)
    target = "127.0.0.1:%d" % s.http_port
    self_target = "127.0.0.1:%d" % pport

    def ready():
        up = metrics(s, "up")
        bi = metrics(s, "prometheus_build_info")
        ts = metrics(s, "tidemark_series")
        ok = (find(up, job="tidemark", instance=target) and find(up, job="prometheus", instance=self_target)
              and find(bi, job="prometheus") and find(ts, job="tidemark", instance=target))
        return ok and find(up, job="tidemark")["points"] >= 3 and (up, bi, ts)

    got = T.wait_until(ready, timeout=45, interval=0.5)
    if not got:
        t.require(p.poll() is None, "prometheus exited with %s:\n%s" % (p.returncode, prom_log(plog)))
        t.require(False, "no up/prometheus_build_info/tidemark_series in tidemark within 45 s; "
                         "prometheus log:\n%s" % prom_log(plog))
    up, bi, tss = got
    now = time.time()
    for job, inst in (("tidemark", target), ("prometheus", self_target)):
        e = find(up, job=job, instance=inst)
        t.eq((e["type"], e["last_value"]), ("number", 1), "up{job=%s}" % job)
        t.eq(set(e["tags"]), {"job", "instance"}, "tags of up{job=%s}" % job)
        t.check(abs(e["last_time"] - now) < 30, "up{job=%s} last_time %r is close to now" % (job, e["last_time"]))
    e = find(bi, job="prometheus")
    t.eq(e["last_value"], 1, "prometheus_build_info")
    t.check(e["tags"].get("version", "").startswith("2."), "build_info tags: %r" % e["tags"])
    e = find(tss, job="tidemark", instance=target)
    ours = own_counter(s, "tidemark_series")
    t.check(1 <= e["last_value"] <= ours, "tidemark_series %r is within 1..%r" % (e["last_value"], ours))

    t.step("timestamps are milliseconds, about one scrape interval apart")
    pts = s.export("up", {"job": "tidemark", "instance": target, "token": TOKEN})
    times = [x["time"] for x in pts]
    t.check(len(times) >= 3, "several points of up: %r" % pts)
    gaps = [b - a for a, b in zip(times, times[1:])]
    t.check(all(0.5 <= g <= 3 for g in gaps), "gaps between scrapes ~1 s: %r" % gaps)
    t.check(all(v["value"] == 1 for v in pts), "every up sample is 1: %r" % pts)

    t.step("histograms keep le=+Inf")
    buckets = metrics(s, "prometheus_http_request_duration_seconds_bucket")
    t.check(find(buckets, le="+Inf") is not None, "a bucket tagged le=+Inf: %r" % buckets[:3])

    t.step("Prometheus saw every request accepted, metadata included")

    def sent():
        r = T.http("GET", "http://%s/metrics" % self_target)
        if r.status != 200:
            return None
        v = {n: T.prom_value(r.text, n, {"remote_name": rn, "url": "http://%s/api/v1/write" % target})
             for n in ("prometheus_remote_storage_samples_total", "prometheus_remote_storage_metadata_total",
                       "prometheus_remote_storage_samples_failed_total",
                       "prometheus_remote_storage_metadata_failed_total")
             for rn in [remote_name(r.text)]}
        return v if (v["prometheus_remote_storage_samples_total"] or 0) > 0 and \
            (v["prometheus_remote_storage_metadata_total"] or 0) > 0 else None

    v = T.wait_until(sent, timeout=15, interval=0.5)
    t.require(v, "Prometheus reports no samples or metadata sent")
    t.eq(v["prometheus_remote_storage_samples_failed_total"] or 0, 0, "samples Prometheus failed to send")
    t.eq(v["prometheus_remote_storage_metadata_failed_total"] or 0, 0, "metadata Prometheus failed to send")
    t.check(own_counter(s, "tidemark_samples_received_total", {"protocol": "prometheus"}) > 100,
            "tidemark counted the samples it received")
    t.eq(own_counter(s, "tidemark_lines_rejected_total", {"protocol": "prometheus"}) - rej0, 0,
         "tidemark rejected nothing Prometheus sent")

    p.send_signal(signal.SIGTERM)
    try:
        p.wait(15)
    except subprocess.TimeoutExpired:
        p.kill()


def remote_name(text):
    """The remote_name label Prometheus gives our remote_write (a hash)."""
    for line in text.splitlines():
        if line.startswith("prometheus_remote_storage_samples_total{"):
            i = line.find('remote_name="')
            if i >= 0:
                return line[i + 13:line.index('"', i + 13)]
    return ""


def hand_built(t, s):
    t.step("hand-built requests")
    T0 = int(time.time() * 1000) - 60000
    stale = 0x7ff0000000000002
    body = write_request([
        ([("__name__", "hb_gauge"), ("job", "hb"), ("path", "/a b;c")],
         [(1.5, T0), (stale, T0 + 1000), (float("nan"), T0 + 2000), (2.5, T0 + 3000)]),
    ], metadata=[("hb_gauge", "A gauge.")])
    r = post_write(s, snappy(body))
    t.eq((r.status, r.body), (204, b""), "good request")
    pts = s.export("hb_gauge", {"job": "hb", "token": TOKEN})
    t.eq([(round(p["time"] * 1000), p["value"]) for p in pts],
         [(T0, 1.5), (T0 + 2000, None), (T0 + 3000, 2.5)], "stale marker skipped, NaN kept as null, ms times")
    m = metrics(s, "hb_gauge")
    t.eq([e["tags"] for e in m], [{"job": "hb", "path": "/a b;c"}], "a label value keeps its space and ';'")

    r = post_write(s, snappy(write_request([], metadata=[("x", "only metadata")])))
    t.eq(r.status, 204, "metadata-only request")

    rej0 = own_counter(s, "tidemark_lines_rejected_total", {"protocol": "prometheus"})
    body = write_request([
        ([("__name__", "hb_ok"), ("n", "1")], [(1.0, T0)]),
        ([("job", "noname")], [(2.0, T0)]),
        ([("__name__", "hb_ok"), ("n", "3")], [(3.0, T0)]),
    ])
    r = post_write(s, snappy(body))
    t.eq(r.status, 400, "a series without __name__")
    j = r.json()
    t.eq(j.get("line"), 2, "the 400 names series 2")
    t.check("__name__" in j.get("error", ""), "error says why: %r" % j)
    t.eq(sorted(e["tags"]["n"] for e in metrics(s, "hb_ok")), ["1", "3"], "the good series were stored")
    t.eq(own_counter(s, "tidemark_lines_rejected_total", {"protocol": "prometheus"}) - rej0, 1,
         "one rejected series counted")

    for what, bad in (("garbage", b"\xff\xfe not snappy"), ("truncated snappy", snappy(body)[:-7]),
                      ("snappy around garbage", snappy(b"\x0a\xff\xff\xff\xff\x0f"))):
        r = post_write(s, bad)
        t.eq(r.status, 400, what)
        t.check("malformed" in r.json().get("error", ""), "%s: clear error %r" % (what, r))
    r = post_write(s, snappy(body), headers={})
    t.eq(r.status, 401, "no credentials")
    h = dict(AUTH, **{"Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request"})
    r = s.post("/api/v1/write", snappy(body), None, h)
    t.eq(r.status, 415, "remote write 2.0 is refused, not misread")


class FileLimited(T.Server):
    """A server whose files may not grow past LIMIT bytes: writes beyond it
    fail with EFBIG (SIGXFSZ ignored, which exec keeps)."""
    LIMIT = 2 << 20

    def command(self):
        pre = ("import os,resource,signal,sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
               "resource.setrlimit(resource.RLIMIT_FSIZE, (%d, %d)); os.execv(sys.argv[1], sys.argv[1:])"
               % (self.LIMIT, self.LIMIT))
        return [sys.executable, "-c", pre] + super().command()


def store_full(t):
    t.step("a store that cannot write its log answers 503")
    s = FileLimited(t, "full", ["--token", TOKEN])
    t.servers.append(s)
    s.start()
    T0 = int(time.time() * 1000)
    codes = []
    for i in range(60):  # ~100 KiB of log each: the limit falls within ~20
        body = write_request([([("__name__", "fill_%d_%d" % (i, j)), ("job", "x" * 20)], [(float(j), T0)])
                              for j in range(1500)])
        r = post_write(s, snappy(body))
        codes.append(r.status)
        if r.status != 204:
            break
    t.eq(codes[-1], 503, "answer once the log cannot grow (after %d writes)" % len(codes))
    t.check("retry" in r.text, "503 says to retry: %r" % r)
    t.eq(set(codes[:-1]), {204}, "answers before that")
    t.eq(s.get("/healthz").status, 200, "the server lives on")


def main(t):
    s = t.server(args=["--token", TOKEN])
    hand_built(t, s)
    real_prometheus(t, s)
    store_full(t)


if __name__ == "__main__":
    T.run(main, timeout=58)
