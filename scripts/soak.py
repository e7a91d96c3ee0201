#!/usr/bin/env python3
"""soak — tidemark under faults and over time (`make soak`; not in CI).

1. kill -9 cycles (SOAK_CYCLES, default 20): a server with --fsync always
   takes JSON writes from 4 writers (every sample a distinct time of its
   writer's series) and a Graphite stream, is killed with SIGKILL at a
   random moment, restarted, and every sample it had acknowledged (a 200)
   must read back.
2. A disk-full episode (when a tmpfs can be mounted, i.e. as root): the
   data directory is a 64 MiB tmpfs; a filler file takes the rest of it
   while writers go on, is removed after a while, then the server is
   killed and restarted: every acknowledged sample must be there, and what
   the writers were answered while the disk was full is printed.
3. A soak (SOAK_MINUTES, default 10) of every protocol at once (Graphite
   TCP and UDP, StatsD UDP and TCP, InfluxDB, remote write, /add, JSON, a
   Pulse relay) with 20 live-stream clients, printing every 30 s the RSS,
   the open descriptors and the p99 query latency.

Every loop is bounded in count and time. Exit 0 only if nothing acknowledged
was lost and the server lived through it all. Run one phase alone with
SOAK_PHASES=kill9,diskfull,soak (a comma list).
"""
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "e2e"))
import tmlib as T  # noqa: E402

CYCLES = int(os.environ.get("SOAK_CYCLES", "20"))
MINUTES = float(os.environ.get("SOAK_MINUTES", "10"))
PHASES = os.environ.get("SOAK_PHASES", "kill9,diskfull,soak").split(",")
T0 = int(time.time()) - 6 * 86400  # inside the raw archive, clear of now


def rss_mib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


# ------------------------------------------------------------- acknowledged writers

class Writer(threading.Thread):
    """POSTs batches of 50 samples to its own series until stopped or the
    server goes; remembers the times the server acknowledged."""

    def __init__(self, s, name, start_seq, stop, deadline):
        super().__init__(daemon=True)
        self.s, self.name, self.seq, self.stop, self.deadline = s, name, start_seq, stop, deadline
        self.acked, self.answers = [], {}

    def run(self):
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            batch = [{"metric": self.name, "value": self.seq + i, "time": T0 + (self.seq + i) / 1000.0}
                     for i in range(50)]
            try:
                r = self.s.post_json("/api/v1/data", batch, timeout=5)
            except OSError:
                time.sleep(0.05)
                if not self.s.alive():
                    return
                continue
            self.answers[r.status] = self.answers.get(r.status, 0) + 1
            if r.status == 200:
                self.acked.extend(self.seq + i for i in range(50))
            self.seq += 50


def stored_seqs(s, name):
    r = s.get("/api/v1/data/" + name, timeout=60)
    if r.status != 200:
        return set()
    return {round((p["time"] - T0) * 1000) for p in r.json()}


def graphite_load(port, stop, deadline, tag):
    """A Graphite TCP stream beside the writers (not checked: not acknowledged)."""
    n = 0
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                while not stop.is_set() and time.monotonic() < deadline:
                    now = int(time.time())
                    c.sendall("".join("soak.%s.g%d %d %d\n" % (tag, i, n, now) for i in range(100)).encode())
                    n += 1
                    time.sleep(0.01)
        except OSError:
            time.sleep(0.1)


def check_acked(t, s, writers, what):
    lost = 0
    for w in writers:
        have = stored_seqs(s, w.name)
        missing = [q for q in w.acked if q not in have]
        lost += len(missing)
        if missing:
            print("   %s: %d of %d acknowledged samples of %s missing (first %r)" %
                  (what, len(missing), len(w.acked), w.name, missing[:5]), flush=True)
    return lost


# ------------------------------------------------------------- 1: kill -9 cycles

def kill9(t):
    t.step("%d kill -9 cycles under load, --fsync always" % CYCLES)
    s = t.server("kill9", args=["--fsync", "always"])
    seqs = [0] * 4
    all_writers = []
    total_lost = total_acked = 0
    for cycle in range(1, CYCLES + 1):
        if not s.alive():
            s.start(timeout=60)
        stop = threading.Event()
        deadline = time.monotonic() + 20
        ws = [Writer(s, "soak.k9.w%d" % i, seqs[i], stop, deadline) for i in range(4)]
        g = threading.Thread(target=graphite_load, args=(s.graphite_port, stop, deadline, "k9"), daemon=True)
        for w in ws:
            w.start()
        g.start()
        time.sleep(random.uniform(1.0, 3.0))
        s.kill9()
        stop.set()
        for w in ws:
            w.join(10)
        g.join(10)
        t0 = time.monotonic()
        s.start(timeout=120)
        took = time.monotonic() - t0
        # a writer's next cycle starts past anything it sent, acknowledged or not
        for i, w in enumerate(ws):
            seqs[i] = w.seq + 50
        all_writers.extend(ws)
        lost = check_acked(t, s, all_writers, "cycle %d" % cycle)
        acked = sum(len(w.acked) for w in ws)
        total_acked += acked
        total_lost = lost
        print("   cycle %2d: %6d acknowledged this cycle, %d lost of %d so far; restart took %.1f s" %
              (cycle, acked, lost, total_acked, took), flush=True)
    t.eq(total_lost, 0, "kill -9: acknowledged samples lost over %d cycles (of %d)" % (CYCLES, total_acked))
    s.stop()


# ------------------------------------------------------------- 2: disk full

def diskfull(t):
    mnt = tempfile.mkdtemp(prefix="tidemark-soak-full-")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", mnt],
                      capture_output=True).returncode:
        print("-- disk full: skipped (cannot mount a tmpfs here; run as root)", flush=True)
        return
    try:
        t.step("disk full: data directory on a 64 MiB tmpfs, filled while writers go on")
        s = t.server("full", args=["--fsync", "always"], data_dir=os.path.join(mnt, "data"))
        stop = threading.Event()
        deadline = time.monotonic() + 120
        ws = [Writer(s, "soak.full.w%d" % i, 0, stop, deadline) for i in range(4)]
        for w in ws:
            w.start()
        time.sleep(2)
        filler = os.path.join(mnt, "filler")
        subprocess.run(["dd", "if=/dev/zero", "of=" + filler, "bs=1M"], capture_output=True)
        before = {w.name: dict(w.answers) for w in ws}
        time.sleep(5)
        during = {}
        for w in ws:
            for k, v in w.answers.items():
                during[k] = during.get(k, 0) + v - before[w.name].get(k, 0)
        print("   answers while full: %r" % during, flush=True)
        os.unlink(filler)
        time.sleep(5)
        stop.set()
        for w in ws:
            w.join(10)
        t.check(s.alive(), "the server lived through the full disk")
        s.kill9()
        s.start(timeout=120)
        lost = check_acked(t, s, ws, "disk full")
        acked = sum(len(w.acked) for w in ws)
        t.eq(lost, 0, "disk full: acknowledged samples lost (of %d)" % acked)
        t.check(all(k in (200, 503, 507) for k in during),
                "while full, writes are acknowledged or answered 503/507 (retry), not %r" % during)
        s.stop()
    finally:
        for srv in t.servers:
            if srv.name == "full":
                srv.kill9()
        subprocess.run(["umount", "-l", mnt], capture_output=True)
        shutil.rmtree(mnt, ignore_errors=True)


# ------------------------------------------------------------- 3: soak

def every_protocol(s, stop, deadline, counts):
    """One thread per protocol, each a modest steady rate."""
    def loop(name, fn, pause):
        def run():
            n = 0
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    fn(n)
                    counts[name] = counts.get(name, 0) + 1
                except OSError:
                    counts[name + " errors"] = counts.get(name + " errors", 0) + 1
                n += 1
                time.sleep(pause)
        return threading.Thread(target=run, daemon=True)

    gt = {"c": None}

    def graphite_tcp(n):
        if gt["c"] is None:
            gt["c"] = socket.create_connection(("127.0.0.1", s.graphite_port), timeout=5)
        now = int(time.time())
        try:
            gt["c"].sendall("".join("soak.g.tcp%d %d %d\n" % (i, n, now) for i in range(200)).encode())
        except OSError:
            gt["c"] = None
            raise

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def graphite_udp(n):
        udp.sendto(("soak.g.udp%d %d\n" % (n % 50, n)).encode(), ("127.0.0.1", s.graphite_port))

    def statsd_udp(n):
        udp.sendto(("soak.s.c%d:1|c\nsoak.s.t:%d|ms\nsoak.s.g:%d|g" % (n % 20, n % 100, n)).encode(),
                   ("127.0.0.1", s.statsd_port))

    st = {"c": None}

    def statsd_tcp(n):
        if st["c"] is None:
            st["c"] = socket.create_connection(("127.0.0.1", s.statsd_port), timeout=5)
        try:
            st["c"].sendall(("soak.s.tcp:%d|c\n" % n).encode())
        except OSError:
            st["c"] = None
            raise

    def influx(n):
        body = "".join("soak_i,host=h%d v=%d,w=%d\n" % (i, n, i) for i in range(50))
        s.post("/write?db=soak", body, "text/plain", timeout=10)

    def promwrite(n):
        req = T.prom_write_request([([("__name__", "soak_p"), ("i", str(i))], [(float(n), int(time.time() * 1000))])
                                    for i in range(20)])
        s.post("/api/v1/write", T.snappy_literals(req), "application/x-protobuf",
               {"Content-Encoding": "snappy", "X-Prometheus-Remote-Write-Version": "0.1.0"}, timeout=10)

    def add(n):
        s.get("/add?host=soak&soak.a.t=%d&soak.a.door=%s&soak.a.gps=52.5,13.%d" % (n, "open" if n % 2 else "shut",
                                                                                 n % 10), timeout=10)

    def jsondata(n):
        s.post_json("/api/v1/data", [{"metric": "soak.j.%d" % i, "value": n} for i in range(50)], timeout=10)

    return [loop("graphite tcp", graphite_tcp, 0.02), loop("graphite udp", graphite_udp, 0.01),
            loop("statsd udp", statsd_udp, 0.01), loop("statsd tcp", statsd_tcp, 0.02),
            loop("influx", influx, 0.05), loop("remote write", promwrite, 0.05), loop("/add", add, 0.05),
            loop("json", jsondata, 0.05)]


def relay_client(port, stop, deadline, counts):
    """A Pulse relay: identifies itself, offers stats, answers every get."""
    def run():
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                    c.sendall(b"id soak\nadd cpu\nadd mem\n")
                    f = c.makefile("rb")
                    c.settimeout(2)
                    while not stop.is_set() and time.monotonic() < deadline:
                        try:
                            line = f.readline()
                        except socket.timeout:
                            continue
                        if not line:
                            break
                        if line.startswith(b"get "):
                            c.sendall(b'got {"cpu":%.2f,"mem":%d}\n' % (random.random(), random.randint(1, 99)))
                            counts["relay"] = counts.get("relay", 0) + 1
            except OSError:
                time.sleep(0.5)
    return threading.Thread(target=run, daemon=True)


def stream_client(port, stop, deadline, counts, i):
    def run():
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                    c.sendall(b"GET /api/v1/stream?metric=soak.j.* HTTP/1.1\r\nHost: x\r\n\r\n")
                    c.settimeout(2)
                    while not stop.is_set() and time.monotonic() < deadline:
                        try:
                            d = c.recv(65536)
                        except socket.timeout:
                            continue
                        if not d:
                            counts["stream reconnects"] = counts.get("stream reconnects", 0) + 1
                            break
                        counts["stream events"] = counts.get("stream events", 0) + d.count(b"\ndata: ")
            except OSError:
                time.sleep(0.5)
    return threading.Thread(target=run, daemon=True)


def received(s):
    """Samples stored so far, every protocol."""
    try:
        text = s.prom()
    except (OSError, T.TestFailure):
        return -1
    return int(sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("tidemark_samples_received_total{")))


def p99(xs):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * 0.99))]


def soak(t):
    t.step("soak: every protocol and 20 stream clients for %.1f minutes" % MINUTES)
    s = t.server("soak", args=["--poll-interval", "1s"])
    pid = s.proc.pid
    stop = threading.Event()
    end = time.monotonic() + MINUTES * 60
    counts = {}
    threads = every_protocol(s, stop, end, counts) + [relay_client(s.relay_port, stop, end, counts)]
    threads += [stream_client(s.http_port, stop, end, counts, i) for i in range(20)]
    for th in threads:
        th.start()
    lat = []
    print("   %7s %8s %5s %9s %10s %9s" % ("elapsed", "RSS MiB", "fds", "p99 ms", "received", "streamed"),
          flush=True)
    rss = []
    start = time.monotonic()
    next_report = start + 30
    while time.monotonic() < end and s.alive():
        q0 = time.monotonic()
        try:
            s.get("/api/v1/query?" + T.qs({"metric": "soak.j.1", "from": "-10m", "step": "10s"}), timeout=10)
            lat.append((time.monotonic() - q0) * 1000)
        except OSError:
            lat.append(10000.0)
        time.sleep(0.2)
        if time.monotonic() >= next_report or time.monotonic() >= end:
            recv = received(s)
            rss.append(rss_mib(pid))
            print("   %6.0fs %8.1f %5d %9.1f %10d %9d" % (time.monotonic() - start, rss[-1], fds(pid), p99(lat), recv,
                                                         counts.get("stream events", 0)), flush=True)
            lat = []
            next_report += 30
    stop.set()
    for th in threads:
        th.join(5)
    t.check(s.alive(), "the server lived through the soak")
    print("   per protocol (requests or batches sent): %s" % json.dumps(counts, sort_keys=True), flush=True)
    if len(rss) >= 4:
        t.check(rss[-1] < 2 * max(rss[1], 32), "RSS steady: %.1f MiB at the end, %.1f after 1 min" % (rss[-1], rss[1]))
    t.eq(s.stop(), 0, "clean stop after the soak")


def main(t):
    if "kill9" in PHASES:
        kill9(t)
    if "diskfull" in PHASES:
        diskfull(t)
    if "soak" in PHASES:
        soak(t)


T.run(main, timeout=int(CYCLES * 40 + MINUTES * 60 + 600))
