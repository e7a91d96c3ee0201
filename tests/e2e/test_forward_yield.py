"""Forwarding gives way to a burst of ingest (--forward-yield): a real
VictoriaMetrics behind one tidemark, a burst of Graphite lines over two TCP
connections. Every sample arrives exactly once with its exact value, while the
burst the sender held its requests (when the loop thread, which stores every
sample, was busy for at least a window: checked from its CPU time) and only
then, and with --forward-yield 0 it never holds. (The bound on holding is
test_forward_yield.c's.)"""
import os
import threading
import time

import peers as P
import tmlib as T

SERIES, POINTS = 1000, 2000  # 2M samples: about 0.7 s of ingest here, several seconds under ASan
YIELD_S = 5.0


def lines(conn, start):
    """conn's half of the series, every point (ts = start + k, value k + i/1000)."""
    out = []
    for i in range(conn, SERIES, 2):
        name = b"burst.s%d " % i
        out.append(b"".join(name + b"%d.%03d %d\n" % (k, i, start + k) for k in range(POINTS)))
    return b"".join(out)


def thread_cpu_s(pid):
    """The loop thread's CPU seconds (the main thread: tid = pid)."""
    with open("/proc/%d/task/%d/stat" % (pid, pid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_rows(vm):
    r = T.http("GET", vm.url("/metrics"), timeout=10)
    for line in r.text.splitlines():
        if line.startswith('vm_rows_inserted_total{type="promremotewrite"}'):
            return int(float(line.split()[-1]))
    return 0


def fwd(s, name, vm):
    return s.counter(name, {"kind": "prometheus", "target": vm.write_url()})


def burst(t, s, vm, start):
    """Send the burst; returns the loop thread's share of a core over it, and
    how long it took (from the first byte until all is stored)."""
    data = [lines(c, start) for c in (0, 1)]
    rows0, sent0 = vm_rows(vm), fwd(s, "tidemark_forward_sent_samples_total", vm)
    n0 = s.counter("tidemark_samples_received_total", {"protocol": "graphite"})
    c0, w0 = thread_cpu_s(s.proc.pid), time.monotonic()
    senders = [threading.Thread(target=s.tcp, args=(d,)) for d in data]
    for th in senders:
        th.start()
    for th in senders:
        th.join()
    n = SERIES * POINTS
    t.require(T.wait_until(lambda: s.counter("tidemark_samples_received_total", {"protocol": "graphite"}) >= n0 + n,
                           T.scaled(60)), "tidemark stored the burst")
    wall = time.monotonic() - w0
    share = (thread_cpu_s(s.proc.pid) - c0) / wall
    t.require(T.wait_until(lambda: fwd(s, "tidemark_forward_sent_samples_total", vm) >= sent0 + n, T.scaled(90)),
              "the burst was forwarded:\n" + s.prom()[-2000:])
    T.wait_until(lambda: vm_rows(vm) >= rows0 + n, 15)
    t.eq(vm_rows(vm) - rows0, n, "VictoriaMetrics took every sample of the burst once")
    t.eq(fwd(s, "tidemark_forward_pending_samples", vm), 0, "nothing pending")
    return share, wall


def main(t):
    vm = P.VictoriaMetrics(t).start()
    s = t.server(args=["--forward-prometheus", vm.write_url(), "--forward-yield", "%gs" % YIELD_S])
    start = int(time.time()) - 3 * 3600

    t.step("a burst: every sample arrives; the sender held while the loop was busy")
    share, wall = burst(t, s, vm, start)
    held = fwd(s, "tidemark_forward_yield_seconds_total", vm)
    print("burst stored in %.2f s, the loop thread at %.0f%% of a core; the sender held %.2f s" %
          (wall, 100 * share, held))
    if share >= 0.5:  # then some 100 ms window was at a quarter of a core or more
        t.check(held > 0, "the sender held its requests during the burst (loop at %.0f%%)" % (100 * share))
    # only while busy: the burst, and two windows (0.2 s) and a step past its end
    t.check(held <= wall + 0.25, "held %.2f s, only during the burst (%.2f s)" % (held, wall))
    want = [((start + k) * 1000, float("%d.007" % k)) for k in range(POINTS)]
    got = lambda: list(vm.export('{__name__="burst_s7"}').values())  # noqa: E731
    T.wait_until(lambda: got() == [want], 15, 0.2)  # searchable within about a second
    have = got()
    t.check(have == [want], "burst.s7 with every exact value, in order: %d series, %s samples, first %r" %
            (len(have), [len(v) for v in have], have[0][:2] if have else None))

    t.step("--forward-yield 0: never holds")
    s.stop()
    s.args = ["--forward-prometheus", vm.write_url(), "--forward-yield", "0"]
    s.start()
    burst(t, s, vm, start + POINTS)
    t.eq(fwd(s, "tidemark_forward_yield_seconds_total", vm), 0, "held nothing")


T.run(main, timeout=300)
