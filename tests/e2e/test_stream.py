"""GET /api/v1/stream: Server-Sent Events of new samples.

Proves: a subscriber gets one event per new sample of the series its glob and
tag filters select (numbers, strings and locations, with the JSON shape of the
rest of the API) and nothing else; and a client that stops reading is dropped
with a final event while ingestion goes on at full speed, losing nothing.
"""
import json
import socket
import time

import tmlib as T


def open_stream(s, query, rcvbuf=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:  # before connect, or the kernel's autotuning grows it to many MiB
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", s.http_port))
    sock.sendall(("GET /api/v1/stream?%s HTTP/1.1\r\nHost: x\r\n\r\n" % query).encode())
    return sock


def read_until(sock, done, timeout=10):
    """Read until done(buffer) holds (or the time is up); returns the bytes."""
    buf = b""
    deadline = time.monotonic() + timeout
    sock.settimeout(0.2)
    while not done(buf) and time.monotonic() < deadline:
        try:
            chunk = sock.recv(1 << 20)
        except socket.timeout:
            continue
        if not chunk:
            break
        buf += chunk
    return buf


def events_in(buf):
    """The data events of whole lines (the reply is chunked: a read may end mid-line)."""
    lines = buf.decode("utf-8", "replace").split("\n")[:-1]
    return [json.loads(l[6:]) for l in lines if l.startswith("data: {")]


def read_events(sock, want, timeout=10):
    buf = read_until(sock, lambda b: b.count(b"\ndata: {") >= want, timeout)
    return events_in(buf), buf


def main(t):
    s = t.server()
    t.step("a glob and a tag filter select the events")
    sock = open_stream(s, "metric=room.*&host=a")
    time.sleep(0.3)
    s.post("/add?host=a&room.temp=21.5&room.door=open&room.gps=52.5,13.4&other=1", b"", ctype="text/plain")
    s.post("/add?host=b&room.temp=19", b"", ctype="text/plain")
    s.write({"metric": "room.temp", "value": 22.5, "time": int(time.time()), "tags": {"host": "a"}})
    events, raw = read_events(sock, 4)
    t.eq(len(events), 4, "events for host=a room.* only: %r" % raw[-500:])
    byname = {}
    for e in events:
        byname.setdefault(e["metric"], []).append(e)
    t.eq(sorted(byname), ["room.door", "room.gps", "room.temp"], "metrics in the stream")
    t.eq([e["value"] for e in byname.get("room.temp", [])], [21.5, 22.5], "number values in order")
    t.eq(byname.get("room.door", [{}])[0].get("value"), "open", "string value")
    t.eq(byname.get("room.gps", [{}])[0].get("value"), [52.5, 13.4], "location value")
    t.eq(events[0].get("tags"), {"host": "a"}, "tags")
    t.check(all(e.get("type") in ("number", "string", "location") for e in events), "types named")
    sock.close()

    t.step("a client that stops reading is dropped; ingestion loses nothing")
    slow = open_stream(s, "metric=load.*.*", rcvbuf=4096)
    time.sleep(0.3)
    n_series, rounds = 100, 600
    now = int(time.time()) - rounds
    t0 = time.monotonic()
    lines = []
    for r in range(rounds):
        for i in range(n_series):
            lines.append("load.s%03d.padding_to_make_events_longer %d.%d %d\n" % (i, r, i, now + r))
    data = "".join(lines).encode()
    s.tcp(data)
    n = n_series * rounds
    got = T.wait_until(lambda: s.counter("tidemark_samples_received_total", {"protocol": "graphite"}) >= n, 30)
    t.require(got, "all %d samples stored while a client did not read" % n)
    t.check(time.monotonic() - t0 < 30, "ingestion was not held up by the slow client")
    raw = read_until(slow, lambda b: b"event: dropped" in b, timeout=15)
    t.check(b"event: dropped" in raw, "the slow client got a final 'dropped' event")
    slow.close()
    pts = s.export("load.s007.padding_to_make_events_longer")
    t.eq(len(pts), rounds, "every sample of one series is there")


T.run(main)
