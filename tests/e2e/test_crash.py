"""The crash test: acknowledged writes survive kill -9.

A disk-backed server (--fsync 1s) takes batches on POST /api/v1/data from two
writer threads; each batch holds unique metric/timestamp pairs and is counted
as acknowledged only once it got HTTP 200. Three times, at a random moment
1-2 s into the writing, the server is killed with SIGKILL and restarted; after
each restart every acknowledged sample must be there with its exact value
(and nothing that is there may hold a value that was never written). Then a
clean SIGTERM stop: the write-ahead log directory is (nearly) empty afterwards,
and the restarted server still has everything.

Set TIDEMARK_E2E_SEED to replay a run's kill moments.
"""
import http.client
import json
import os
import random
import threading
import time

import tmlib as T

WRITERS = 2
METRICS = 4          # per writer
BATCH = 20           # samples per POST
MAX_BATCHES = 20000  # per writer per round: bounds the loop even if the kill never comes
PACE = 0.001         # seconds between batches: keeps the volume to verify modest


def value_of(seq):
    return seq * 1.5 + 0.25


class Writer(threading.Thread):
    def __init__(self, w, port, base_ms, seq0):
        super().__init__(daemon=True)
        self.w, self.port, self.base_ms = w, port, base_ms
        self.seq = seq0
        self.acked = []       # seqs acknowledged with HTTP 200
        self.stop = threading.Event()
        self.errors = 0
        self.bad_status = []

    def metric(self, seq):
        return "crash.w%d.m%d" % (self.w, seq % METRICS)

    def run(self):
        conn = None
        for _ in range(MAX_BATCHES):
            if self.stop.is_set():
                break
            seqs = list(range(self.seq, self.seq + BATCH))
            self.seq += BATCH
            body = json.dumps([{"metric": self.metric(q), "value": value_of(q),
                                "time": (self.base_ms + q) / 1000.0} for q in seqs])
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("POST", "/api/v1/data", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                if r.status == 200:
                    self.acked.extend(seqs)
                else:
                    self.bad_status.append(r.status)
                time.sleep(PACE)
            except (OSError, http.client.HTTPException):
                self.errors += 1
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.02)  # the server is gone; wait for the stop flag
        if conn is not None:
            conn.close()


def verify(t, s, writers, base_ms, what):
    """Every acked sample present with its value; nothing present that was never written."""
    acked = {}
    for w in writers:
        for q in w.acked:
            acked.setdefault(w.metric(q), set()).add(q)
    missing = wrong = present = 0
    example = None
    for wid in range(WRITERS):
        for k in range(METRICS):
            name = "crash.w%d.m%d" % (wid, k)
            r = s.get("/api/v1/data/" + name + "?" + T.qs({"from": base_ms / 1000.0 - 1,
                                                           "until": base_ms / 1000.0 + 10000}), timeout=60)
            if r.status == 404 and not acked.get(name):
                continue
            if r.status != 200:
                t.check(False, "%s: GET /api/v1/data/%s: %r" % (what, name, r))
                continue
            got = {}
            for e in r.json():
                q = int(round(e["time"] * 1000)) - base_ms
                got[q] = e["value"]
                if q < 0 or q % METRICS != k or value_of(q) != e["value"]:
                    wrong += 1
                    example = example or (name, e)
            present += len(got)
            for q in acked.get(name, ()):
                if q not in got:
                    missing += 1
                    example = example or (name, "seq %d missing" % q)
    total = sum(len(v) for v in acked.values())
    t.check(missing == 0 and wrong == 0,
            "%s: %d of %d acknowledged samples missing, %d with a wrong value (e.g. %r)" %
            (what, missing, total, wrong, example))
    print("   %s: %d acknowledged, %d present, %d missing" % (what, total, present, missing), flush=True)
    return total


def wal_bytes_on_disk(data_dir):
    d = os.path.join(data_dir, "wal")
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)) if os.path.isdir(d) else 0


def main(t):
    seed = int(os.environ.get("TIDEMARK_E2E_SEED") or time.time_ns() % 1000000)
    print("seed %d (TIDEMARK_E2E_SEED=%d replays the kill moments)" % (seed, seed), flush=True)
    rnd = random.Random(seed)
    s = t.server(args=["--fsync", "1s"])
    base_ms = (int(time.time()) - 1800) * 1000
    next_seq = [0] * WRITERS
    all_writers = []

    def write_round(secs):
        ws = [Writer(w, s.http_port, base_ms, next_seq[w]) for w in range(WRITERS)]
        for w in ws:
            w.start()
        time.sleep(secs)
        return ws

    def finish(ws):
        for w in ws:
            w.stop.set()
        for w in ws:
            w.join(20)
            t.require(not w.is_alive(), "writer thread did not stop")
            next_seq[w.w] = w.seq + 1000  # fresh timestamps next round
            t.check(not w.bad_status, "writer %d got non-200 answers: %r" % (w.w, w.bad_status[:5]))
        all_writers.extend(ws)

    for rnd_no in range(1, 4):
        t.step("round %d: write, kill -9 at a random moment" % rnd_no)
        ws = write_round(rnd.uniform(1.0, 2.0))
        busy = all(w.is_alive() for w in ws)
        s.kill9()
        t.check(busy, "round %d: the writers were still writing when the kill came" % rnd_no)
        finish(ws)
        acked = sum(len(w.acked) for w in ws)
        t.check(acked > 0, "round %d: some writes were acknowledged before the kill (%d)" % (rnd_no, acked))
        s.start()
        verify(t, s, all_writers, base_ms, "after kill -9 #%d" % rnd_no)

    t.step("clean stop with SIGTERM")
    ws = write_round(1.0)
    finish(ws)
    t.eq(s.stop(), 0, "exit code after SIGTERM")
    wb = wal_bytes_on_disk(s.data_dir)
    t.check(wb <= 4096, "WAL directory nearly empty after a clean stop: %d bytes" % wb)
    s.start()
    total = verify(t, s, all_writers, base_ms, "after SIGTERM + restart")
    t.check(total > 0, "something was written")
    t.check(s.counter("tidemark_wal_bytes") <= 4096, "tidemark_wal_bytes small after a clean restart: %r" %
            s.counter("tidemark_wal_bytes"))
    t.step("one more kill -9 right after a restart, without new writes")
    s.kill9()
    s.start()
    verify(t, s, all_writers, base_ms, "after an idle kill -9")
    t.eq(s.stop(), 0, "final clean stop")


if __name__ == "__main__":
    T.run(main)
