"""Connections and descriptors are bounded (issue 14), on the real server.

Idle: after answers from the loop and from the query workers, the server
sleeps (their short polls before sleeping, util/spin.h, end by themselves).

Descriptors: the server is limited to 1024 with prlimit, then 1100 idle
Graphite connections arrive, then 1100 idle HTTP ones. The server must not
spin (CPU stays low), must not flood its log, and /healthz must keep
answering while the Graphite ones are open (stream listeners leave the last
descriptors to HTTP and the store); once they close, Graphite works again.
Connections: with --max-connections 20 the 21st connection to Graphite,
StatsD TCP, the relay listener and HTTP is shed (closed by the server at
once) while the first 20 stay; --idle-timeout 2s then closes the idle ones
(HTTP keep-alive too, but not a live stream, which only reads), and after many HTTP connections of every kind have
come and gone 20 fit again (the count does not leak).
"""
import os
import select
import socket
import subprocess
import time

import tmlib as T


def cpu_seconds(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def cpu_share(pid, seconds=2.0):
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def open_many(port, n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        socks.append(s)
    return socks


def closed_by_server(socks, timeout):
    """Indexes of the sockets the server closed within timeout seconds."""
    closed, deadline = set(), time.monotonic() + timeout
    while time.monotonic() < deadline and len(closed) < len(socks):
        live = [s for i, s in enumerate(socks) if i not in closed]
        r, _, _ = select.select(live, [], [], max(0.0, min(0.2, deadline - time.monotonic())))
        for s in r:
            try:
                d = s.recv(4096)
            except ConnectionResetError:
                d = b""
            except BlockingIOError:
                continue
            if not d:
                closed.add(socks.index(s))
    return closed


def close_all(socks):
    for s in socks:
        s.close()


def fd_phase(t):
    s = t.server("fds")
    T0 = int(time.time()) - 300
    pid = s.proc.pid
    subprocess.run(["prlimit", "--pid", str(pid), "--nofile=1024:1024"], check=True)
    log0 = os.path.getsize(s.log_path)

    t.step("an idle server sleeps: the loop's and the workers' polls after work end by themselves")
    s.tcp("lim.idle 1 %d\n" % T0)
    T.wait_until(lambda: s.query({"metric": "lim.idle", "from": T0 - 10, "until": T0 + 10})["points"])
    for i in range(50):
        s.get("/healthz")
        s.query({"metric": "lim.idle", "from": T0 - 10, "until": T0 + 10})
    time.sleep(0.5)
    share = cpu_share(pid)
    t.check(share < 0.1, "idle after answers: the server used %.0f%% of a CPU" % (share * 100))

    t.step("1100 idle Graphite connections under a 1024-descriptor limit")
    socks = open_many(s.graphite_port, 1100)
    T.wait_until(lambda: len(os.listdir("/proc/%d/fd" % pid)) > 850, timeout=15)
    share = cpu_share(pid)
    t.check(share < 0.3, "no accept() spin: the server used %.0f%% of a CPU while idle" % (share * 100))
    r = s.get("/healthz", timeout=5)
    t.eq(r.status, 200, "/healthz answers with every Graphite descriptor taken")
    nfd = len(os.listdir("/proc/%d/fd" % pid))
    t.check(nfd < 1024, "descriptors left free: %d of 1024 in use" % nfd)
    close_all(socks)
    T.wait_until(lambda: len(os.listdir("/proc/%d/fd" % pid)) < 100, timeout=15)
    s.tcp("lim.fd.after 7 %d\n" % T0)
    got = T.wait_until(lambda: s.query({"metric": "lim.fd.after", "from": T0 - 10, "until": T0 + 10})["points"])
    t.eq(got, [[T0, 7]], "Graphite stores again once the connections are gone")

    t.step("1100 idle HTTP connections under the same limit")
    socks = open_many(s.http_port, 1100)
    T.wait_until(lambda: len(os.listdir("/proc/%d/fd" % pid)) > 1000, timeout=15)
    share = cpu_share(pid)
    t.check(share < 0.3, "no accept() spin on HTTP: %.0f%% of a CPU" % (share * 100))
    close_all(socks)
    r = T.wait_until(lambda: s.get("/healthz", timeout=3).status == 200, timeout=15)
    t.check(r, "/healthz answers once the HTTP connections are gone")
    grown = os.path.getsize(s.log_path) - log0
    t.check(grown < 64 * 1024, "the log grew %d bytes, not a flood" % grown)
    t.check("shedding" in s.log() or "out of descriptors" in s.log(), "the shedding is logged")


def cap_phase(t):
    s = t.server("caps", args=["--max-connections", "20", "--idle-timeout", "2s"])
    ports = {"Graphite": s.graphite_port, "StatsD": s.statsd_port, "relay": s.relay_port, "HTTP": s.http_port}
    for name, port in ports.items():
        t.step("--max-connections 20 on %s" % name)
        first = open_many(port, 20)
        time.sleep(0.3)  # the first twenty are in before the rest knock
        extra = open_many(port, 5)
        shed = closed_by_server(extra, 5)
        t.eq(len(shed), 5, "%s: the 5 connections past 20 are shed" % name)
        early = closed_by_server(first, 0.5)
        t.eq(len(early), 0, "%s: the first 20 stay" % name)
        t.step("--idle-timeout 2s on %s" % name)
        gone = closed_by_server(first, 10)
        t.eq(len(gone), 20, "%s: idle connections closed after --idle-timeout" % name)
        close_all(first + extra)

    t.step("HTTP keep-alive connection closed when idle")
    c = socket.create_connection(("127.0.0.1", s.http_port), timeout=10)
    c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    head = c.recv(4096)
    t.check(head.startswith(b"HTTP/1.1 200"), "keep-alive request answered: %r" % head[:40])
    t.eq(len(closed_by_server([c], 10)), 1, "the kept-alive connection closed after --idle-timeout")
    c.close()

    t.step("a live stream is not idle: it outlives --idle-timeout")
    c = socket.create_connection(("127.0.0.1", s.http_port), timeout=10)
    c.sendall(b"GET /api/v1/stream?metric=lim.* HTTP/1.1\r\nHost: x\r\n\r\n")
    t.eq(len(closed_by_server([c], 3.5)), 0, "the stream is open after 3.5 s with --idle-timeout 2s")
    s.write([{"metric": "lim.live", "value": 1}])
    c.settimeout(10)
    got = T.recv_until(c, lambda got: b"lim.live" in got)
    t.check(b"lim.live" in got, "and still delivers samples")
    c.close()

    t.step("HTTP connections of every kind come and go; the count does not leak")
    for i in range(30):
        T.http("GET", s.url("/healthz"))
        T.http("POST", s.url("/api/v1/data"), body=b"[{bad", headers={"Content-Type": "application/json"})
        k = socket.create_connection(("127.0.0.1", s.http_port), timeout=10)
        k.sendall(b"POST /api/v1/data HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[{")
        k.close()  # gone mid-body
        k = socket.create_connection(("127.0.0.1", s.http_port), timeout=10)
        k.close()  # gone before a byte
    time.sleep(0.5)
    first = open_many(s.http_port, 20)
    t.eq(len(closed_by_server(first, 1.0)), 0, "20 HTTP connections fit again")
    close_all(first)
    t.eq(s.get("/healthz").status, 200, "still healthy")


def main(t):
    fd_phase(t)
    cap_phase(t)


T.run(main, timeout=240)
