"""A torn write-ahead log tail is cut, not fatal, and loses nothing acknowledged.

Three rounds, each: write acknowledged samples, kill -9 the server, damage the
tail of the newest WAL segment in DATA/wal/, restart. Round 1 appends garbage
bytes; round 2 appends a record with a valid-looking header (length and
CRC-32C of its payload, which would create a series "torn.ghost") and then
chops the file's last 5 bytes, leaving half a record; round 3 appends the
first 3 bytes of a header. Each time the server must start, log a line saying
it cut the torn tail, and still hold every sample written before the damage,
and nothing of the half record; it must keep taking writes afterwards, and a
clean restart at the end still has everything.
"""
import os
import random
import re
import struct
import time

import tmlib as T

TORN_LINE = re.compile(r"(?i)^.*\btorn\b.*$", re.M)


def newest_segment(data_dir):
    d = os.path.join(data_dir, "wal")
    segs = sorted(f for f in os.listdir(d) if re.match(r"^wal-\d+\.log$", f))
    return os.path.join(d, segs[-1]) if segs else None


def zigzag(x):
    return (x << 1) ^ (x >> 63)


def ghost_record(ts_ms):
    key = b"torn.ghost"
    sid = 4000
    payload = (b"S" + T.uvarint(sid) + b"\x00" + T.uvarint(len(key)) + key +
               b"N" + T.uvarint(sid) + T.uvarint(zigzag(ts_ms) & (2 ** 64 - 1)) + struct.pack("<d", 99.5))
    return T.pack_u32le(len(payload), T.crc32c(payload)) + payload


def write_batch(s, name, t0, n):
    s.write([{"metric": name, "value": i * 2.5, "time": t0 + i} for i in range(n)])


def batch_want(t0, n):
    return [{"time": t0 + i, "value": i * 2.5} for i in range(n)]


def check_export(t, s, name, want, what):
    r = s.get("/api/v1/data/" + name)
    t.check(r.status == 200 and r.json() == want,
            "%s: %s holds every acknowledged sample: %r" % (what, name, r if r.status != 200 else len(r.json())))


def main(t):
    s = t.server(args=["--fsync", "1s"])
    t0 = int(time.time()) - 1200
    written = []  # (name, expected export)
    rng = random.Random(20240229)

    def damage(round_no, how):
        seg = newest_segment(s.data_dir)
        t.require(seg is not None, "round %d: a WAL segment exists after kill -9" % round_no)
        size = os.path.getsize(seg)
        t.require(size > 0, "round %d: the newest WAL segment holds the acknowledged writes" % round_no)
        how(seg)
        print("   round %d: %s: %d -> %d bytes" % (round_no, os.path.basename(seg), size, os.path.getsize(seg)))

    def garbage(seg):
        with open(seg, "ab") as f:
            f.write(rng.randbytes(37))

    def half_record(seg):
        with open(seg, "ab") as f:
            f.write(ghost_record((t0 + 500) * 1000))
        with open(seg, "r+b") as f:
            f.truncate(os.path.getsize(seg) - 5)

    def half_header(seg):
        with open(seg, "ab") as f:
            f.write(T.pack_u32le(64)[:3])

    for round_no, (what, how) in enumerate((("garbage bytes", garbage), ("a truncated record", half_record),
                                            ("3 bytes of a header", half_header)), 1):
        t.step("round %d: %s" % (round_no, what))
        name, start, n = "torn.r%d" % round_no, t0 + 100 * round_no, 50 + round_no
        write_batch(s, name, start, n)
        written.append((name, batch_want(start, n)))
        s.kill9()
        damage(round_no, how)
        s.start()
        log = s.log()
        lines = TORN_LINE.findall(log)
        t.check(lines and re.search(r"(?i)\b(cut|truncat|drop)", lines[0]),
                "round %d: the log says the torn tail was cut: %r" % (round_no, log[-800:]))
        for nm, want in written:
            check_export(t, s, nm, want, "round %d, after restart" % round_no)
        t.eq(s.metrics(match="torn.ghost"), [], "round %d: nothing of the torn record" % round_no)
        s.write({"metric": "torn.after%d" % round_no, "value": 1, "time": t0})
        t.eq(s.export("torn.after%d" % round_no), [{"time": t0, "value": 1}],
             "round %d: writes work after the cut" % round_no)
        written.append(("torn.after%d" % round_no, [{"time": t0, "value": 1}]))

    t.step("clean restart")
    s.restart()
    t.check(not TORN_LINE.findall(s.log()), "no torn tail after a clean stop: %r" % TORN_LINE.findall(s.log()))
    for nm, want in written:
        check_export(t, s, nm, want, "after a clean restart")
    t.eq(s.metrics(match="torn.ghost"), [], "nothing of the torn record after a clean restart")
    t.eq(s.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main)
