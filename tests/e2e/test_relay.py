"""Pulse relay protocol over TCP, end to end.

A relay written here (a real socket on --relay-listen) says "id r1", "add
cpu", "add mem" and gets "ok" to each; the server (--poll-interval 1s) polls
it with "get cpu,mem", and its answer `got {"cpu":1.5,"mem":42}` becomes
series cpu and mem tagged relay=r1, readable through /api/v1/metrics,
/api/v1/query and /latest/cpu?relay=r1, stamped at the time of the answer.
"remove mem" stops mem being polled. POST /relays/flush and POST
/relays/override reach the relays connected at that moment ("flush",
"override 60s cpu:1s") and say how many; a relay connecting afterwards
receives neither. Bad lines (unknown command, bad names, got before id,
malformed JSON, an overlong line) are answered "error: ..." and counted in
tidemark_lines_rejected_total{protocol="relay"} while the connection keeps
working; Pulse's own relay habits (ping → pong, "add STAT:tags",
"got coll-stat:value") work too.
"""
import socket
import time

import tmlib as T

REJ = ("tidemark_lines_rejected_total", {"protocol": "relay"})
RECV = ("tidemark_samples_received_total", {"protocol": "relay"})


class Relay:
    """A Pulse relay: line I/O on one TCP connection, every wait bounded."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.seen = []  # every line received, in order

    def send(self, line):
        self.s.sendall(line.encode() + b"\n")

    def line(self, timeout=5.0):
        """The next line from the server, or None after timeout seconds."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                return None
            if not d:
                return None
            self.buf += d
        ln, _, self.buf = self.buf.partition(b"\n")
        ln = ln.decode("utf-8", "replace")
        self.seen.append(ln)
        return ln

    def until(self, pred, timeout=5.0):
        """Lines up to the first one pred accepts (returned), or None."""
        deadline = time.monotonic() + timeout
        while True:
            ln = self.line(max(0.0, deadline - time.monotonic()))
            if ln is None or pred(ln):
                return ln

    def reply(self, line, timeout=5.0):
        """Send a line; the server's answer to it (polls in between skipped)."""
        self.send(line)
        return self.until(lambda ln: not ln.startswith("get "), timeout)

    def lines_for(self, seconds):
        """Every line that arrives within seconds."""
        out, deadline = [], time.monotonic() + seconds
        while True:
            ln = self.line(max(0.0, deadline - time.monotonic()))
            if ln is None:
                return out
            out.append(ln)

    def close(self):
        self.s.close()


def wait_counter(t, s, ctr, pred, what):
    got = T.wait_until(lambda: pred(s.counter(*ctr)), timeout=10)
    t.check(got, "%s: %s = %r" % (what, ctr, s.counter(*ctr)))


def main(t):
    s = t.server(args=["--poll-interval", "1s"])
    t.require(s.relay_port, "the binary has --relay-listen")
    t.check("listening: Pulse relay on tcp 127.0.0.1:%d" % s.relay_port in s.log(), "one log line when listening")

    t.step("id, add: answered ok; polled with get cpu,mem")
    r1 = Relay(s.relay_port)
    t.eq(r1.reply("id r1"), "ok", "id r1")
    t.eq(r1.reply("add cpu"), "ok", "add cpu")
    t.eq(r1.reply("add mem"), "ok", "add mem")
    get = r1.until(lambda ln: ln.startswith("get "), timeout=4)
    t.eq(get, "get cpu,mem", "first poll after adding both")

    t.step("got: stored as series tagged relay=r1 at the time of the answer")
    t0 = time.time()
    r1.send('got {"cpu":1.5,"mem":42}')
    latest = T.wait_until(lambda: s.get_json("/latest/cpu", {"relay": "r1"}), timeout=10)
    t1 = time.time()
    t.require(latest, "/latest/cpu?relay=r1 answers")
    t.eq(latest.get("value"), 1.5, "/latest/cpu?relay=r1 value")
    t.check(t0 - 1 <= latest.get("time", 0) <= t1 + 1, "/latest time %r is the time of the answer [%s, %s]" %
            (latest.get("time"), t0, t1))
    for name, val in (("cpu", 1.5), ("mem", 42)):
        m = s.metrics(match=name)
        t.eq([(e["metric"], e["tags"], e["type"], e["last_value"]) for e in m],
             [(name, {"relay": "r1"}, "number", val)], "/api/v1/metrics?match=%s" % name)
        q = s.query({"metric": name, "relay": "r1", "from": int(t0) - 5, "until": int(t1) + 5})
        t.eq([p[1] for p in q["points"]], [val], "/api/v1/query %s relay=r1 points" % name)
    t.eq(s.counter(*RECV), 2, "samples received over relay")

    t.step("several gots: a sample each; bools, strings and locations too")
    r1.send('got {"cpu":2.5,"up":true,"event":"deploy v1.2","gps":[52.5,13.4],"none":null}')
    wait_counter(t, s, RECV, lambda v: v == 6, "4 more samples (null skipped)")
    t.eq(s.get_json("/latest/cpu", {"relay": "r1"}).get("value"), 2.5, "latest cpu after the second got")
    types = {e["metric"]: (e["type"], e["last_value"]) for e in s.metrics(params={"relay": "r1"})}
    t.eq(types.get("event"), ("string", "deploy v1.2"), "string stat")
    t.eq(types.get("gps"), ("location", [52.5, 13.4]), "location stat")
    t.eq(types.get("up"), ("number", 1), "boolean stat")

    t.step("remove mem: polled for cpu only")
    t.eq(r1.reply("remove mem"), "ok", "remove mem")
    r1.lines_for(0.2)
    polls = [ln for ln in r1.lines_for(2.6) if ln.startswith("get ")]
    t.check(len(polls) >= 2 and all(p == "get cpu" for p in polls), "polls after remove: %r" % polls)

    t.step("bad lines: answered with an error, counted, connection kept")
    rej0 = s.counter(*REJ)
    bad = ["hello there", "add bad name", "add a;b", 'got {"cpu":', 'got {"cpu":"", "ok.stat":7}', "id"]
    for b in bad:
        ans = r1.reply(b)
        t.check(ans is not None and ans.startswith("error: "), "%r answered %r" % (b, ans))
    wait_counter(t, s, REJ, lambda v: v == rej0 + len(bad), "rejected lines counted")
    t.eq(r1.reply("add disk"), "ok", "connection still usable after bad lines")
    m = s.metrics(match="ok.stat")
    t.eq([e["last_value"] for e in m], [7], "good stat of a got with a bad one is kept")
    t.eq(r1.reply("remove disk"), "ok", "remove disk")

    t.step("an overlong line is dropped, the connection kept")
    rej0 = s.counter(*REJ)
    r1.s.sendall(b"got {" + b" " * (300 * 1024) + b"}\n")
    ans = r1.until(lambda ln: not ln.startswith("get "))
    t.eq(ans, "error: line too long", "overlong line answered")
    t.eq(r1.reply("ping"), "pong", "ping after the overlong line")
    wait_counter(t, s, REJ, lambda v: v == rej0 + 1, "overlong line counted once")

    t.step("before id: commands refused, then id works")
    r0 = Relay(s.relay_port)
    for b in ("add x", 'got {"x":1}'):
        ans = r0.reply(b)
        t.check(ans is not None and ans.startswith("error: ") and "id" in ans, "%r before id: %r" % (b, ans))
    t.eq(r0.reply("id lester.tester"), "ok", "id after refusals")
    t.eq(r0.reply("add cpu_used:,service:web1"), "ok", "Pulse relay's add STAT:tags form")
    get = r0.until(lambda ln: ln.startswith("get "), timeout=4)
    t.eq(get, "get cpu_used", "Pulse relay polled by its stat name")
    r0.send("got cpu_used-cpu_used:0.2207")
    lt = T.wait_until(lambda: s.get_json("/latest/cpu_used", {"relay": "lester.tester"}), timeout=10)
    t.eq(lt and lt.get("value"), 0.2207, "Pulse relay's got coll-stat:value form")

    t.step("POST /relays/flush reaches the relays connected now")
    r = s.post("/relays/flush", "")
    t.eq((r.status, r.json() if r.status == 200 else r.text), (200, {"relays": 2}), "flush answer")
    t.eq(r1.until(lambda ln: not ln.startswith("get ")), "flush", "r1 received flush")
    t.eq(r0.until(lambda ln: not ln.startswith("get ")), "flush", "r0 received flush")

    t.step("POST /relays/override: sent to the relays connected now, not to later ones")
    r = s.post_json("/relays/override", {"duration": "60s", "stats": {"cpu": "1s"}})
    t.eq((r.status, r.json() if r.status == 200 else r.text), (200, {"relays": 2}), "override answer")
    t.eq(r1.until(lambda ln: not ln.startswith("get ")), "override 60s cpu:1s", "r1 received the override")
    r3 = Relay(s.relay_port)
    t.eq(r3.reply("id r3"), "ok", "a relay connecting after the override")
    t.eq(r3.reply("add cpu"), "ok", "r3 add cpu")
    later = r3.lines_for(2.5)
    t.check(later and all(ln == "get cpu" for ln in later), "r3 only polled, no override/flush: %r" % later)
    for body in ({"duration": "soon", "stats": {"cpu": "1s"}}, {"duration": "60s", "stats": {}},
                 {"duration": "60s", "stats": {"cpu": "fast"}}, {"duration": "60s", "stats": {"a b": "1s"}},
                 {"duration": "60s"}, [1]):
        r = s.post_json("/relays/override", body)
        t.check(r.status == 400 and "error" in r.json(), "bad override %r: %r" % (body, r))
    r = s.post("/relays/override", "{not json")
    t.eq(r.status, 400, "override with malformed JSON")
    after = r1.lines_for(0.5)
    t.check(not [ln for ln in after if not ln.startswith("get ")], "nothing sent for the bad requests: %r" % after)

    t.step("the registry follows disconnects; two relays' stats are two series")
    r3.send('got {"cpu":3.5}')
    T.wait_until(lambda: s.get_json("/latest/cpu", {"relay": "r3"}), timeout=10)
    avg = s.get_json("/latest/cpu")
    t.eq(avg.get("value"), (2.5 + 3.5) / 2, "/latest/cpu averages r1 and r3")
    t.eq(sorted(e["tags"]["relay"] for e in s.metrics(match="cpu")), ["r1", "r3"], "cpu series per relay")
    r0.send("close")
    r3.close()
    got = T.wait_until(lambda: s.post("/relays/flush", "").json() == {"relays": 1}, timeout=10)
    t.check(got, "after close and disconnect only r1 is left")
    t.check(s.alive(), "server alive")
    r1.close()


if __name__ == "__main__":
    T.run(main, timeout=55)
