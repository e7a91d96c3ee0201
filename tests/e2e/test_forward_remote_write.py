"""Forwarding by Prometheus remote write into a real VictoriaMetrics and a
real Prometheus (--web.enable-remote-write-receiver), both targets of one
tidemark (they replicate). Samples sent into tidemark are read back from each
receiver's own query API with Prometheus-safe names, tags as labels, exact
values and times. Then both receivers are stopped, tidemark goes on taking
samples, is killed with -9, and everything is started again: every sample
arrives, the backlog in requests bigger than --forward-batch, at most one
request (--forward-batch-max samples) twice, and Prometheus (which refuses
samples out of order) refuses none."""
import time

import peers as P
import tmlib as T

BATCH = 20  # --forward-batch: a request's samples while the sender keeps up
BATCH_MAX = 100  # --forward-batch-max: sending a backlog; what a kill -9 may send twice
SERIES = [
    ("host1.cpu", {"dc": "eu", "host": "web1"}, "host1_cpu"),
    ("host2.mem.free", {}, "host2_mem_free"),
    ("app-x.req", {"zone.name": "eu-west.1"}, "app_x_req"),
]


def value(i, k):
    return round(i * 1000 + k * 0.25, 2)


def send(s, start, n):
    """n seconds of samples for every series from start (Unix s); returns
    {prom name: [(ts_ms, value)]}."""
    want, body = {}, []
    for k in range(n):
        for i, (name, tags, pname) in enumerate(SERIES):
            body.append({"metric": name, "value": value(i, start + k), "time": start + k, "tags": tags})
            want.setdefault(pname, []).append(((start + k) * 1000, value(i, start + k)))
    s.write(body)
    return want


def merge(a, b):
    for k, v in b.items():
        a.setdefault(k, []).extend(v)


def fwd(s, name, target):
    return s.counter(name, {"kind": "prometheus", "target": target})


def drained(s, targets, sent=True):
    """Nothing pending (and, with sent, something sent since the start)."""
    return all(fwd(s, "tidemark_forward_pending_samples", u) == 0 and
               (not sent or fwd(s, "tidemark_forward_sent_samples_total", u) > 0) for u in targets)


def vm_samples(vm):
    got = vm.export('{__name__=~"host1_cpu|host2_mem_free|app_x_req"}')
    return {name: v for (name, labels), v in got.items()}, got


def prom_samples(pr):
    out = {}
    for _, _, pname in SERIES:
        res = pr.raw(pname, time.time() + 5, "2h")
        for r in res:
            out.setdefault(r["metric"]["__name__"], []).extend(
                (int(round(float(ts) * 1000)), float(v)) for ts, v in r["values"])
    return out


def diff(got, want):
    """'' when every wanted sample is there (duplicates aside), else a short account."""
    out = []
    for name, samples in want.items():
        have = set(got.get(name, []))
        missing = [x for x in samples if x not in have]
        extra = have - set(samples)
        if missing or extra:
            out.append("%s: %d of %d missing (first %r), %d unexpected" %
                       (name, len(missing), len(samples), missing[:1], len(extra)))
    return "; ".join(out)


def check_labels(t, got):
    keys = set(got)
    t.check(("host1_cpu", (("dc", "eu"), ("host", "web1"))) in keys, "host1_cpu labels dc, host: %r" % keys)
    t.check(("app_x_req", (("zone_name", "eu-west.1"),)) in keys, "tag zone.name as label zone_name: %r" % keys)
    t.check(("host2_mem_free", ()) in keys, "host2.mem.free without labels: %r" % keys)


def main(t):
    vm = P.VictoriaMetrics(t).start()
    pr = P.Prometheus(t).start()
    targets = [vm.write_url(), pr.write_url()]
    args = ["--forward-batch", str(BATCH), "--forward-batch-max", str(BATCH_MAX), "--forward-flush", "200ms"]
    for u in targets:
        args += ["--forward-prometheus", u]
    s = t.server(args=args)

    t.step("samples arrive with safe names, labels and values")
    start = int(time.time()) - 4300  # every sample in the past: receivers answer up to now
    want = send(s, start, 40)
    t.require(T.wait_until(lambda: drained(s, targets), 30), "queues did not drain:\n" + s.prom()[-3000:])
    # VictoriaMetrics makes what it took searchable within about a second
    T.wait_until(lambda: not diff(vm_samples(vm)[0], want), 15)
    got, full = vm_samples(vm)
    check_labels(t, full)
    t.eq(diff(got, want), "", "VictoriaMetrics has every sample")
    t.eq(sum(len(v) for v in got.values()), 120, "VictoriaMetrics: each sample once")
    T.wait_until(lambda: not diff(prom_samples(pr), want), 15)
    t.eq(diff(prom_samples(pr), want), "", "Prometheus has every sample")
    t.eq(fwd(s, "tidemark_forward_sent_samples_total", vm.write_url()), 120, "sent counter")

    t.step("receivers stopped: tidemark keeps taking samples, queues grow, sends fail")
    vm.proc.terminate()
    pr.proc.terminate()
    vm.proc.wait(30)
    pr.proc.wait(30)
    for r in range(5):
        merge(want, send(s, start + 40 + r * 40, 40))
        time.sleep(0.2)
    t.require(T.wait_until(lambda: all(fwd(s, "tidemark_forward_failed_requests_total", u) >= 1 for u in targets),
                           15), "sends fail while the receivers are away")
    t.eq(fwd(s, "tidemark_forward_pending_samples", vm.write_url()), 600, "pending while away")
    t.check(fwd(s, "tidemark_forward_pending_bytes", vm.write_url()) > 600 * 10, "pending bytes")
    t.check(fwd(s, "tidemark_forward_lag_seconds", vm.write_url()) >= 199, "lag: newest queued - newest acked")

    t.step("kill -9 tidemark, start everything again: every sample arrives")
    s.kill9()
    vm.start()
    pr.start()
    s.start()
    t.require(T.wait_until(lambda: drained(s, targets), 60), "queues did not drain after restart:\n" + s.prom()[-3000:])
    T.wait_until(lambda: not diff(vm_samples(vm)[0], want), 15)
    got, _ = vm_samples(vm)
    t.eq(diff(got, want), "", "VictoriaMetrics: every sample after the outage")
    reqs = fwd(s, "tidemark_forward_requests_total", vm.write_url())
    t.check(reqs < 600 // BATCH, "the 600 waiting went out in %d requests, bigger than --forward-batch" % reqs)
    dups = sum(len(v) - len(set(v)) for v in got.values())
    t.check(dups <= BATCH_MAX, "at most one request twice (%d duplicates)" % dups)
    T.wait_until(lambda: not diff(prom_samples(pr), want), 15)
    t.eq(diff(prom_samples(pr), want), "", "Prometheus: every sample after the outage")
    t.eq(s.counter("tidemark_forward_dropped_samples_total",
                   {"kind": "prometheus", "reason": "rejected", "target": pr.write_url()}), 0,
         "Prometheus refused nothing (no sample out of order)")
    t.eq(s.counter("tidemark_forward_lag_seconds", {"kind": "prometheus", "target": vm.write_url()}), 0, "no lag")

    t.step("kill -9 while a backlog is being delivered: at most the request in flight arrives twice")
    vm.proc.terminate()
    pr.proc.terminate()  # Prometheus refuses a resent batch (out of order): it waits for the end
    vm.proc.wait(30)
    pr.proc.wait(30)
    base = start + 240
    for r in range(10):
        merge(want, send(s, base + r * 400, 400))
    vm.start()
    sent0 = fwd(s, "tidemark_forward_sent_samples_total", vm.write_url())
    t.require(T.wait_until(lambda: fwd(s, "tidemark_forward_sent_samples_total", vm.write_url()) > sent0, 60, 0.01),
              "delivery resumed")
    mid = fwd(s, "tidemark_forward_pending_samples", vm.write_url())
    s.kill9()
    s.start()
    pr.start()
    # (pending alone: had VictoriaMetrics' queue drained before the kill, this start sends it nothing)
    t.require(T.wait_until(lambda: drained(s, targets, sent=False), 90), "queues did not drain:\n" + s.prom()[-3000:])
    T.wait_until(lambda: not diff(vm_samples(vm)[0], want), 15)
    got, _ = vm_samples(vm)
    t.eq(diff(got, want), "", "VictoriaMetrics: every sample")
    dups = sum(len(v) - len(set(v)) for v in got.values())
    t.check(dups <= BATCH_MAX, "killed with %d of 12000 pending: %d samples arrived twice, one request (%d) at most" %
            (mid, dups, BATCH_MAX))
    print("killed with %d of 12000 pending; %d samples twice" % (mid, dups))
    T.wait_until(lambda: not diff(prom_samples(pr), want), 15)
    t.eq(diff(prom_samples(pr), want), "", "Prometheus: every sample")


T.run(main, timeout=240)
