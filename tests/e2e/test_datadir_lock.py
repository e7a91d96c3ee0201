"""One server per data directory: a second one started on the same
--data-dir (typing `tidemark` while `make run` is up) exits non-zero before
it touches anything, saying which process holds the directory.

Server A takes writes; server B on the same directory (its own ports) must
exit non-zero with a message naming A's PID, and leave A's write-ahead log
exactly as it was (same files, same bytes). A then takes more acknowledged
writes, is killed with SIGKILL, and restarts: every sample, from before
and after B's attempt, is there. The lock does not outlive its holder:
the restart after kill -9 takes it again at once.
"""
import os
import re
import subprocess
import time

import tmlib as T


def wal_snapshot(data_dir):
    d = os.path.join(data_dir, "wal")
    out = {}
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        if os.path.isfile(p):
            with open(p, "rb") as fh:
                out[f] = fh.read()
    return out


def main(t):
    a = t.server("a", args=["--fsync", "always"])
    t0 = int(time.time()) - 600
    a.write([{"metric": "lock.before", "value": i, "time": t0 + i} for i in range(50)])
    before = wal_snapshot(a.data_dir)
    t.require(sum(len(v) for v in before.values()) > 0, "A's write-ahead log holds the acknowledged writes")

    t.step("a second server on the same data directory")
    b = T.Server(t, "b", args=["--fsync", "always"], data_dir=a.data_dir)
    t.servers.append(b)
    with open(b.log_path, "wb") as lf:
        b.proc = subprocess.Popen(b.command(), stdout=lf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  cwd=b.dir)
    t.procs.append(b.proc)
    try:
        rc = b.proc.wait(20)
    except subprocess.TimeoutExpired:  # it runs beside A: the failure this test is about
        rc = "still running"
        b.stop()
    log = b.log()
    t.check(rc not in (0, "still running"), "the second server exits non-zero: %s" % rc)
    t.check(re.search(r"in use by another tidemark \(pid %d\b" % a.proc.pid, log),
            "its message names the data directory's holder (pid %d): %r" % (a.proc.pid, log[-500:]))
    t.check(not re.search(r"listening|replayed", log), "it touched nothing before giving up: %r" % log[-500:])
    t.eq(wal_snapshot(a.data_dir), before, "A's write-ahead log is untouched")
    t.check(a.alive() and a.get("/healthz").status == 200, "A still runs")

    t.step("A keeps its writes through kill -9")
    a.write([{"metric": "lock.after", "value": i * 2, "time": t0 + i} for i in range(50)])
    a.kill9()
    a.start()
    t.eq(a.export("lock.before"), [{"time": t0 + i, "value": i} for i in range(50)], "writes before B's attempt")
    t.eq(a.export("lock.after"), [{"time": t0 + i, "value": i * 2} for i in range(50)], "writes after B's attempt")
    t.eq(a.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main)
