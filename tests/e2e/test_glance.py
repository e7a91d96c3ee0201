"""`tidemark glance` end to end.

A log made here (traffic at 20 req/s for 3 minutes, then 2 req/s) replayed
on standard input with --no-tui: the summary blocks follow the log's own
clock, the alert fires once and recovers once with SPEC's exact words, and
--alert-log holds one JSON line per transition. The console under tmux:
the screen shows the totals and sections, `p` pauses, `s` sorts by name,
the alert text appears when traffic passes the threshold while the file
grows, and `q` quits. Following a file: lines appended after a rename and
after a copytruncate are all counted. Bad flags are refused by name.
"""
import json
import os
import shutil
import subprocess
import time

import tmlib as T

MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def clf(ts, path="/pages/a", status=200, host="10.0.0.1", nbytes=512):
    tm = time.gmtime(ts)
    return '%s - - [%02d/%s/%04d:%02d:%02d:%02d +0000] "GET %s HTTP/1.1" %d %d "-" "test"\n' % (
        host, tm.tm_mday, MON[tm.tm_mon - 1], tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec, path, status, nbytes)


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def glance(t, args, stdin=None, timeout=30):
    return subprocess.run([T.BIN, "glance"] + args, input=stdin, capture_output=True, text=True, timeout=timeout,
                          cwd=t.tmp)


def main(t):
    t.step("bad flags are refused by name")
    for args, word in ((["-f", "x.log", "--window", "0"], "--window"), (["-f", "x.log", "--top", "lots"], "--top"),
                       (["-f", "x.log", "--format", "%Z"], "%Z"), ([], "-f FILE"),
                       (["-f", "/nonexistent/x.log", "--no-tui"], "/nonexistent/x.log")):
        r = glance(t, args)
        t.check(r.returncode != 0 and word in r.stderr, "glance %s: %d %r" % (args, r.returncode, r.stderr))

    t.step("replay on standard input: log-clock summaries, one alert and one recovery, the alert log")
    t0 = 1700000000  # 2023-11-14T22:13:20Z, a multiple of 10 s
    lines = []
    for s in range(180):  # 20 req/s, 3 minutes
        lines += [clf(t0 + s, "/api/v%d" % (i % 3) if i % 4 else "/pages/x", 500 if i == 0 else 200)
                  for i in range(20)]
    for s in range(180, 420):  # 2 req/s, 4 minutes
        lines += [clf(t0 + s, "/static/app.js", 304, nbytes=0) for _ in range(2)]
    lines.insert(5, "this is not a log line\n")
    alog = os.path.join(t.tmp, "alerts.jsonl")
    r = glance(t, ["-f", "-", "--no-tui", "--refresh", "60s", "--alert-log", alog], stdin="".join(lines))
    t.eq(r.returncode, 0, "glance exit code")
    out = r.stdout.splitlines()
    alerts = [ln for ln in out if "alert" in ln.lower() or "recovered" in ln]
    # the 2-minute average passes 10 req/s once 61 seconds of 20 req/s are in (judged at t0+61), and is
    # back at or below it when (20 (300 - k) + 2 (k - 180)) / 120 <= 10: k = 247, 9.95
    t.eq(alerts, ["High traffic generated an alert - hits = 10.17, triggered at %s" % iso(t0 + 61),
                  "Traffic recovered - hits = 9.95, recovered at %s" % iso(t0 + 247)],
         "alert lines, exactly")
    blocks = [ln for ln in out if ln.startswith("== ")]
    t.check(len(blocks) >= 7 and blocks[0] == "== %s, last 10 s" % iso(t0 + 40), "summaries on whole minutes of log time: %r"
            % blocks[:3])
    first = out[out.index(blocks[0]) + 1]
    t.check("requests/s 20.00" in first, "20 req/s in the first summary: %r" % first)
    t.check(any("malformed 1" in ln for ln in out), "the bad line is counted")
    sections = [ln for ln in out if ln.strip().startswith("sections")]
    t.check(sections and sections[0].split()[1] == "/api", "top section /api: %r" % sections[:1])
    with open(alog) as f:
        trans = [json.loads(ln) for ln in f]
    t.eq([(x["state"], x["time"]) for x in trans], [("firing", t0 + 61), ("ok", t0 + 247)], "alert log transitions")

    t.step("--generate writes a log glance reads without a malformed line")
    gen = subprocess.run([T.BIN, "glance", "--generate", "--lines", "5000", "--rate", "50"], capture_output=True,
                         text=True, timeout=30).stdout
    t.eq(len(gen.splitlines()), 5000, "generated lines")
    r = glance(t, ["-f", "-", "--no-tui", "--refresh", "600s"], stdin=gen)
    last = [ln for ln in r.stdout.splitlines() if "malformed" in ln][-1]
    t.check("lines 5000  malformed 0" in last, "generated log reads clean: %r" % last)

    t.step("following a file through a rename and a copytruncate")
    path = os.path.join(t.tmp, "access.log")
    now = int(time.time())
    with open(path, "w") as f:
        f.write("".join(clf(now, host="a") for _ in range(5)))
    p = subprocess.Popen([T.BIN, "glance", "-f", path, "--no-tui", "--refresh", "1s", "--window", "60s"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=t.tmp)
    t.procs.append(p)
    time.sleep(1.5)
    os.rename(path, path + ".1")
    with open(path, "w") as f:
        f.write("".join(clf(now, host="b") for _ in range(7)))
    time.sleep(1.5)
    with open(path, "r+") as f:
        f.truncate(0)
    with open(path, "a") as f:
        f.write("".join(clf(now, host="c") for _ in range(3)))
    time.sleep(2.5)
    p.terminate()
    out = p.communicate(timeout=10)[0]
    last = [ln for ln in out.splitlines() if "malformed" in ln][-1]
    t.check("lines 15 " in last, "5 + 7 + 3 lines counted once each: %r" % last)
    hosts = [ln for ln in out.splitlines() if ln.strip().startswith("hosts")][-1]
    t.check("b 7" in hosts and "a 5" in hosts and "c 3" in hosts, "hosts of all three files: %r" % hosts)

    t.step("serve --tail-log: per-second series tagged log=BASENAME, exact across a kill -9")
    tl = os.path.join(t.tmp, "web.log")
    base = int(time.time()) - 600  # ten minutes ago: inside the raw archive, seconds all complete
    want = {}

    def write_seconds(first, count):
        with open(tl, "a") as f:
            for sec in range(first, first + count):
                n = 3 + sec % 4
                want[base + sec] = n
                f.write("".join(clf(base + sec, "/shop/item" if i % 2 else "/", 404 if i == 0 else 200)
                                for i in range(n)))
    write_seconds(0, 20)
    srv = t.server(args=["--tail-log", tl])

    def got():
        pts = srv.export("http.requests", {"log": "web.log"})
        return {int(p["time"]): p["value"] for p in pts if p["value"]} if isinstance(pts, list) else {}
    T.wait_until(lambda: len(got()) == 20, timeout=15)
    t.eq(got(), want, "http.requests per second")
    shop = srv.export("http.section.shop", {"log": "web.log"})
    t.check(isinstance(shop, list) and sum(p["value"] for p in shop) == sum((n - 1) // 2 + (n - 1) % 2 for n in
            want.values()), "http.section.shop counts")
    four = srv.export("http.status.4xx", {"log": "web.log"})
    t.check(isinstance(four, list) and sum(p["value"] for p in four) == 20, "http.status.4xx: one a second")
    srv.kill9()
    write_seconds(20, 10)  # written while the server is down
    srv.start()
    t.check("following %s (log=web.log) from byte 0" % tl not in srv.log(), "the restart resumes where it was:\n"
            + srv.log()[-400:])
    write_seconds(30, 5)
    T.wait_until(lambda: len(got()) == 35, timeout=15)
    t.eq(got(), want, "after kill -9 and restart: every second once, none doubled")

    t.step("the console, under tmux")
    if not shutil.which("tmux"):
        t.check(False, "tmux is not installed (scripts/deps.sh installs it)")
        return
    live = os.path.join(t.tmp, "live.log")
    open(live, "w").close()
    sess = "tmglance%d" % os.getpid()

    def tmux(*a):
        return subprocess.run(["tmux"] + list(a), capture_output=True, text=True, timeout=10)

    def screen():
        return tmux("capture-pane", "-p", "-t", sess).stdout

    cmd = "%s glance -f %s --refresh 1s --alert-window 5s --alert-threshold 3" % (T.BIN, live)
    tmux("new-session", "-d", "-s", sess, "-x", "120", "-y", "40", cmd)
    try:
        t.check(T.wait_until(lambda: "tidemark glance" in screen(), timeout=10), "the console starts:\n" + screen())
        stop = time.monotonic() + 12
        while time.monotonic() < stop and "High traffic" not in screen():  # 10 req/s, live
            with open(live, "a") as f:
                f.write("".join(clf(int(time.time()), "/shop/cart") for _ in range(10)))
            time.sleep(1)
        sc = screen()
        t.check("High traffic generated an alert - hits = " in sc, "the alert on the console:\n" + sc)
        t.check("/shop" in sc and "requests/s" in sc, "sections and totals on the console:\n" + sc)
        tmux("send-keys", "-t", sess, "p")
        t.check(T.wait_until(lambda: "[PAUSED]" in screen(), timeout=5), "p pauses:\n" + screen())
        tmux("send-keys", "-t", sess, "p")
        tmux("send-keys", "-t", sess, "s")
        t.check(T.wait_until(lambda: "(by name)" in screen(), timeout=5), "s sorts by name:\n" + screen())
        t.check(T.wait_until(lambda: "Traffic recovered" in screen(), timeout=15), "recovers when traffic stops:\n"
                + screen())
        tmux("send-keys", "-t", sess, "q")
        gone = T.wait_until(lambda: tmux("has-session", "-t", sess).returncode != 0, timeout=5)
        t.check(gone, "q quits")
    finally:
        tmux("kill-session", "-t", sess)


if __name__ == "__main__":
    T.run(main, timeout=120)
