"""Memory across connections is bounded (issue 14), by the real process's RSS.

HTTP: ten 40 MiB bodies posted at once to a server with
--max-inflight-bytes 64MiB: some are stored, the rest answered 503 with
Retry-After (never a reset), and the peak RSS (VmHWM) stays far below the
400 MiB the bodies add up to. Graphite: 2000 connections each holding
255 KB without a newline cost no buffer each (a line is at most 4096 bytes:
the overlong ones are dropped and counted), and the connections still
work. TCP with a tiny bound: connections past it stop being read and are
read again once the lines holding the room complete; every line arrives.
"""
import socket
import threading
import time

import tmlib as T

MiB = 1 << 20


SAN = T.SANITIZED  # RSS bounds mean nothing under ASan


def vm(pid, key):
    for line in open("/proc/%d/status" % pid):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def post_raw(port, path, body, out, i):
    """POST with a plain socket: the status line and headers, or the error."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                  % (path.encode(), len(body)))
        s.sendall(body)
        resp = T.recv_until(s, lambda got: b"\r\n\r\n" in got)
        s.close()
        out[i] = resp.decode("latin-1")
    except OSError as e:
        out[i] = "error: %s" % e


def http_phase(t):
    s = t.server("http", args=["--memory", "--max-inflight-bytes", "64MiB"])
    pid = s.proc.pid
    T0 = int(time.time()) - 100
    pad = (b"# " + b"x" * 1021 + b"\n") * (40 * 1024)
    t.step("ten 40 MiB bodies at once, --max-inflight-bytes 64MiB")
    out = [None] * 10
    threads = []
    for i in range(10):
        body = pad + b"lim.mem.body,n=%d v=%d %d\n" % (i, i, T0 * 10**9)
        threads.append(threading.Thread(target=post_raw, args=(s.http_port, "/write?db=x", body, out, i)))
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    codes = [o.split(" ", 2)[1] if o and o.startswith("HTTP/") else o for o in out]
    ok = codes.count("204")
    busy = [o for o in out if o and o.startswith("HTTP/1.1 503")]
    t.check(ok >= 1, "some bodies are stored: %r" % codes)
    t.check(busy, "the others are answered 503: %r" % codes)
    t.check(all(c in ("204", "503") for c in codes), "every client got an answer, no reset: %r" % codes)
    t.check(all("Retry-After: 1" in b for b in busy), "503 carries Retry-After")
    hwm = vm(pid, "VmHWM")
    t.check(SAN or hwm < 220 * MiB, "peak RSS %.0f MiB with 400 MiB of bodies sent at once" % (hwm / MiB))
    stored = T.wait_until(lambda: len(s.metrics(match="lim.mem.body.v")) == ok or None, timeout=10)
    t.check(stored, "each 204 body's sample is stored: %r" % s.metrics(match="lim.mem.body.v"))
    print("bodies: %s; peak RSS %.0f MiB" % (codes, hwm / MiB))
    t.eq(s.get("/healthz").status, 200, "healthy after")


def graphite_phase(t):
    s = t.server("graphite", args=["--memory"])
    pid = s.proc.pid
    T0 = int(time.time()) - 100
    rss0 = vm(pid, "VmRSS")
    t.step("2000 Graphite connections holding 255 KB without a newline")
    socks = []
    blob = b"a" * (255 * 1000)
    for i in range(2000):
        c = socket.create_connection(("127.0.0.1", s.graphite_port), timeout=30)
        c.sendall(blob)
        socks.append(c)
    rej = ("tidemark_lines_rejected_total", {"protocol": "graphite"})
    T.wait_until(lambda: s.counter(*rej) >= 2000, timeout=60)
    t.eq(s.counter(*rej), 2000.0, "each overlong line is dropped and counted once")
    grown = vm(pid, "VmRSS") - rss0
    t.check(SAN or grown < 48 * MiB, "RSS grew %.1f MiB for 2000 connections" % (grown / MiB))
    print("2000 connections: RSS grew %.1f MiB" % (grown / MiB))
    for i, c in enumerate(socks[:50]):
        c.sendall(b"\nlim.mem.g%d 1 %d\n" % (i, T0))
    got = T.wait_until(lambda: len(s.metrics(match="lim.mem.g*")) == 50 or None, timeout=20)
    t.check(got, "lines after the overlong ones are stored")
    for c in socks:
        c.close()


def pause_phase(t):
    s = t.server("pause", args=["--memory", "--max-inflight-bytes", "16KiB"])
    T0 = int(time.time()) - 100
    t.step("40 connections with 3 KB partial lines, --max-inflight-bytes 16KiB")
    socks = []
    for i in range(40):
        c = socket.create_connection(("127.0.0.1", s.graphite_port), timeout=30)
        c.sendall(b"lim.pause.c%d %d %d" % (i, i, T0) + b" " * 3000)
        socks.append(c)
    t.check(T.wait_until(lambda: "pausing reads" in s.log(), timeout=10), "reads pause past the bound")
    for c in socks:
        c.sendall(b"\n")
    got = T.wait_until(lambda: len(s.metrics(match="lim.pause.*")) == 40 or None, timeout=20)
    t.check(got, "every paused connection is read again: %d of 40 series" % len(s.metrics(match="lim.pause.*")))
    for c in socks:
        c.close()


def main(t):
    http_phase(t)
    graphite_phase(t)
    pause_phase(t)


T.run(main, timeout=240)
