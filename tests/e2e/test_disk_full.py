"""A full disk loses nothing that was acknowledged, and says so in a way
clients act on. Each data directory lives on a small tmpfs of its own
(mounted by the test; it needs root, as CI has, and is skipped elsewhere
with the reason printed).

1. The write-ahead log cannot be written: HTTP writes (JSON, /add, InfluxDB
   /write) answer 503 with Retry-After, so Telegraf and the like keep the
   batch, and count every refused sample (500 of 500, not 1).
2. A half-written log record (the disk filled in the middle of it) is cut
   back before the next append: the same batch sent again once space
   returns, and another after it, survive kill -9 (before, the next start
   cut them all as a "torn tail", and a new series' definition stayed in
   the half record only).
3. SQLite cannot commit (the log is on another disk, so writes keep being
   acknowledged): closed chunks stay readable in memory and in the log,
   the failure is logged once, and once space returns they are persisted
   and survive kill -9.
4. A stop on a full disk keeps the log and exits non-zero; the next start
   (with space again) has every sample.
"""
import errno
import os
import re
import time

import tmlib as T

MiB = 1 << 20


class Disk:
    """A filler file that takes every free byte of a filesystem, or all but `leave`."""

    def __init__(self, mount):
        self.path = os.path.join(mount, "filler")

    def fill(self, leave=0):
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            for size in (MiB, 65536, 4096, 1):  # down to the last byte
                block = b"\xa5" * size
                try:
                    while True:
                        os.write(fd, block)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
        finally:
            os.close(fd)
        if leave:
            os.truncate(self.path, max(0, os.path.getsize(self.path) - leave))

    def free(self):
        if os.path.exists(self.path):
            os.remove(self.path)


def samples(name, t0, n, scale=1.0, tags=None):
    out = [{"metric": name, "value": i * scale, "time": t0 + i} for i in range(n)]
    if tags:
        for x in out:
            x["tags"] = tags
    return out


def want(t0, n, scale=1.0):
    return [{"time": t0 + i, "value": i * scale} for i in range(n)]


def wal_full(t, mount):
    t.step("the log cannot be written: 503 with Retry-After, every sample counted")
    disk = Disk(mount)
    s = t.server("walfull", data_dir=os.path.join(mount, "data"))
    t0 = int(time.time()) - 3000
    s.write(samples("full.ok", t0, 10))
    disk.fill()
    r = s.post_json("/api/v1/data", samples("full.refused", t0, 500))
    t.eq(r.status, 503, "JSON write on a full disk: %r" % r)
    t.check(r.headers.get("Retry-After", "").isdigit(), "Retry-After on 503: %r" % r.headers.get("Retry-After"))
    t.check("500 rejected" in r.text and "0 stored" in r.text, "all 500 samples counted as rejected: %r" % r)
    # batches above a page: a log file's last page may still have room
    lines = "".join("full_influx,host=h%d v=%d %d\n" % (i, i, t0) for i in range(300))
    r = s.post("/write?db=x&precision=s", lines, "text/plain")
    t.eq(r.status, 503, "InfluxDB write on a full disk: %r" % r)
    t.check(r.headers.get("Retry-After"), "InfluxDB write: Retry-After")
    t.check("300 rejected" in r.text, "every line counted: %r" % r)
    r = s.get("/add?host=dev&" + "&".join("field%d=%d" % (i, i) for i in range(300)))
    t.eq(r.status, 503, "/add on a full disk: %r" % r)
    t.check(s.counter("tidemark_samples_refused_total", {"reason": "wal_write"}) >= 1100,
            "/metrics counts the refused samples")
    disk.free()
    s.write(samples("full.refused", t0, 500))
    t.eq(len(s.export("full.refused")), 500, "the retried batch is stored once space returns")

    t.step("a half-written record is cut back before the next append")
    disk.fill(leave=8192)
    big = [{"metric": "full.half.%d" % (i % 20), "value": i, "time": t0 + i} for i in range(2000)]
    r = s.post_json("/api/v1/data", big)
    t.eq(r.status, 503, "a batch larger than the space left: %r" % r)
    disk.free()
    r = s.post_json("/api/v1/data", big)
    t.eq(r.status, 200, "the same batch once space returns: %r" % r)
    s.write(samples("full.later", t0, 100, 3.0))
    s.kill9()
    s.start()
    t.check(not re.search(r"(?i)torn", s.log()), "no torn tail at restart: %r" % s.log()[-600:])
    for k in range(20):
        got = s.export("full.half.%d" % k)
        t.eq(len(got), 100, "full.half.%d: every acknowledged sample after kill -9" % k)
    t.eq(s.export("full.later"), want(t0, 100, 3.0), "a later batch after kill -9")
    t.eq(s.export("full.refused"), want(t0, 500), "the retried batch after kill -9")
    t.eq(s.stop(), 0, "clean stop with space")


def sqlite_full(t, mount, elsewhere):
    t.step("SQLite cannot commit: chunks stay in memory and in the log, retried")
    disk = Disk(mount)
    data = os.path.join(mount, "data")
    os.makedirs(data)
    os.symlink(elsewhere, os.path.join(data, "wal"))  # the log keeps its space
    s = t.server("dbfull", data_dir=data)
    t0 = int(time.time()) - 3000
    s.write(samples("full.early", t0, 100))
    disk.fill()
    s.write(samples("full.persist", t0, 1200, 0.5))  # closes two 512-sample chunks
    t.require(T.wait_until(lambda: re.search(r"sqlite:.*(full|cannot persist)", s.log()), 15),
              "the failed commit is logged: %r" % s.log()[-800:])
    t.eq(s.export("full.persist"), want(t0, 1200, 0.5), "closed chunks stay readable while commits fail")
    t.check("cannot persist" in s.log(), "the log says the chunks are kept and retried: %r" % s.log()[-800:])
    time.sleep(1.5)  # a few retries
    t.eq(len(re.findall(r"cannot persist", s.log())), 1, "one log line per episode, not per retry")
    disk.free()
    t.require(T.wait_until(lambda: "persisted again" in s.log(), 20), "commits resume: %r" % s.log()[-800:])
    s.kill9()
    s.start()
    t.eq(s.export("full.persist"), want(t0, 1200, 0.5), "every sample after the episode and kill -9")
    t.eq(s.export("full.early"), want(t0, 100), "the samples from before the episode")

    t.step("a stop on a full disk keeps the log and exits non-zero")
    s.write(samples("full.stop", t0, 300, 2.0))
    disk.fill()
    rc = s.stop(timeout=60)
    t.check(rc not in (0, None), "exit code of a stop that could not persist: %r" % rc)
    t.check(re.search(r"write-ahead log.* kept", s.log()), "the log says the write-ahead log is kept: %r" % s.log()[-600:])
    t.check(sum(os.path.getsize(os.path.join(elsewhere, f)) for f in os.listdir(elsewhere)) > 0,
            "the write-ahead log still holds the samples")
    disk.free()
    s.start()
    t.eq(s.export("full.stop"), want(t0, 300, 2.0), "the next start has every sample")
    t.eq(s.export("full.persist"), want(t0, 1200, 0.5), "and the earlier ones")
    t.eq(s.stop(), 0, "clean stop with space")


def main(t):
    wal_full(t, t.tmpfs("small1", 4 * MiB))
    elsewhere = os.path.join(t.tmp, "wal-elsewhere")
    os.makedirs(elsewhere)
    sqlite_full(t, t.tmpfs("small2", 4 * MiB), elsewhere)


if __name__ == "__main__":
    T.run(main, timeout=200)
