"""One flipped bit in the middle of the write-ahead log costs only the
record it hit. Five acknowledged batches of 100 samples, kill -9, a bit
flipped inside the third batch's record: the restart keeps the other 400
samples (the records after the damage are found again by their framing and
CRC), logs the loss in samples ("100 sample(s) lost"), and keeps a copy of
the damaged segment under DATA/wal/damaged/. A flipped bit in a record's
length field is survived the same way.
"""
import os
import re
import struct
import time

import tmlib as T


def records(seg):
    """(offset, length) of every record of a segment, by its framing."""
    with open(seg, "rb") as f:
        data = f.read()
    out, off = [], 0
    while off + 8 <= len(data):
        n, crc = struct.unpack_from("<II", data, off)
        out.append((off, n))
        off += 8 + n
    return out


def flip(path, off, mask):
    with open(path, "r+b") as f:
        f.seek(off)
        b = f.read(1)[0]
        f.seek(off)
        f.write(bytes([b ^ mask]))


def round_(t, s, name, t0, where, mask):
    for k in range(5):
        s.write([{"metric": name, "value": k * 1000 + i, "time": t0 + k * 100 + i} for i in range(100)])
    s.kill9()
    wal = os.path.join(s.data_dir, "wal")
    seg = os.path.join(wal, sorted(f for f in os.listdir(wal) if re.match(r"wal-\d+\.log$", f))[-1])
    recs = records(seg)
    t.require(len(recs) == 5, "five records in the segment: %r" % recs)
    off, n = recs[2]
    flip(seg, off + where(n), mask)
    s.start()
    log = s.log()
    t.check(re.search(r"damaged at byte %d: 100 sample\(s\) lost" % off, log), "the loss is logged in samples: %r" % log[-700:])
    got = s.export(name)
    wantv = [{"time": t0 + k * 100 + i, "value": k * 1000 + i} for k in (0, 1, 3, 4) for i in range(100)]
    t.eq(got, wantv, "%s: every sample but the damaged record's" % name)
    copies = os.listdir(os.path.join(wal, "damaged"))
    t.check(copies, "a copy of the damaged segment is kept: %r" % copies)


def main(t):
    s = t.server(args=["--fsync", "1s"])
    t0 = int(time.time()) - 3000
    t.step("a bit in a record's payload")
    round_(t, s, "wd.payload", t0, lambda n: 8 + n // 2, 0x08)
    t.step("a bit in a record's length")
    round_(t, s, "wd.length", t0, lambda n: 1, 0x01)
    s.restart()
    t.check(not re.search(r"damaged", s.log()), "a clean restart finds nothing damaged")
    t.eq(s.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main)
