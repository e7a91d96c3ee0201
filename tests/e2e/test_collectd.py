"""A real collectd (Debian's collectd-core) feeding tidemark over Graphite.

collectd runs unchanged with `Interval 1`, the load, memory and cpu plugins
and write_graphite with one TCP node and one UDP node (Prefix "tcp." and
"udp.") pointed at tidemark's Graphite port on 127.0.0.1; when this collectd
supports it, a third node sends with `UseTags true` (Prefix "tagged.").
Proves that what collectd really sends -- "\\r\\n" line endings, "nan" as the
first value of every rate (cpu), many lines per UDP datagram, and with
UseTags many series sharing one name and differing only in tags whose
values hold dots (host=e2e.host.example) -- arrives as the right series:
load, memory and cpu from both nodes appear in /api/v1/metrics within 30 s,
read back through /api/v1/query as plausible numbers (load >= 0, memory > 0,
cpu >= 0), and no line is rejected.
"""
import os
import re
import shutil
import signal
import subprocess
import time

import tmlib as T

COLLECTD = "/usr/sbin/collectd"
WG_SO = "/usr/lib/collectd/write_graphite.so"
HOST = "e2e.host.example"
HOSTNODE = "e2e_host_example"  # write_graphite escapes the dots of the host in plain names


def ensure_collectd(t):
    if os.path.exists(COLLECTD):
        return
    t.step("installing collectd-core with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    subprocess.run(sudo + ["apt-get", "update", "-q"], env=env, timeout=150, capture_output=True)
    r = subprocess.run(sudo + ["apt-get", "install", "-y", "-q", "--no-install-recommends", "collectd-core"],
                       env=env, timeout=200, capture_output=True, text=True)
    t.require(os.path.exists(COLLECTD), "collectd-core could not be installed: %s" % r.stderr[-500:])


def collectd_version():
    r = subprocess.run([COLLECTD, "-h"], capture_output=True, text=True, timeout=10)
    m = re.search(r"collectd (\d+)\.(\d+)", r.stdout + r.stderr)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def supports_tags():
    if collectd_version() < (5, 10):
        return False
    try:
        with open(WG_SO, "rb") as f:
            return b"UseTags" in f.read()
    except OSError:
        return False


def node(name, port, proto, prefix, tags=False):
    return """  <Node "%s">
    Host "127.0.0.1"
    Port "%d"
    Protocol "%s"
    Prefix "%s"
    LogSendErrors true
%s  </Node>
""" % (name, port, proto, prefix, "    UseTags true\n" if tags else "")


def main(t):
    ensure_collectd(t)
    tags = supports_tags()
    print("collectd %s.%s, UseTags %s" % (collectd_version() + ("supported" if tags else "not supported",)))
    s = t.server()
    cdir = os.path.join(t.tmp, "collectd")
    os.makedirs(cdir)
    conf = os.path.join(cdir, "collectd.conf")
    logf = os.path.join(cdir, "collectd.log")
    with open(conf, "w") as f:
        f.write("""Hostname "%s"
FQDNLookup false
BaseDir "%s"
PIDFile "%s/collectd.pid"
TypesDB "/usr/share/collectd/types.db"
Interval 1
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "%s"
  Timestamp true
</Plugin>
LoadPlugin load
LoadPlugin memory
LoadPlugin cpu
LoadPlugin write_graphite
<Plugin write_graphite>
%s%s%s</Plugin>
""" % (HOST, cdir, cdir, logf, node("tcp", s.graphite_port, "tcp", "tcp."),
            node("udp", s.graphite_port, "udp", "udp."),
            node("tags", s.graphite_port, "udp", "tagged.", True) if tags else ""))
    r = subprocess.run([COLLECTD, "-t", "-C", conf], capture_output=True, text=True, timeout=20)
    t.require(r.returncode == 0, "collectd -t accepts the config: %s %s" % (r.stdout, r.stderr))

    t.step("run collectd -f")
    out = open(os.path.join(cdir, "stdout.log"), "wb")
    p = subprocess.Popen([COLLECTD, "-f", "-C", conf], stdout=out, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, cwd=cdir)
    t.procs.append(p)
    plain = {}
    for pre in ("tcp", "udp"):
        plain[pre] = {"load": "%s.%s.load.load.shortterm" % (pre, HOSTNODE),
                      "memory": "%s.%s.memory.memory-used" % (pre, HOSTNODE),
                      "cpu": "%s.%s.cpu-0.cpu-idle" % (pre, HOSTNODE)}
    want = set(n for d in plain.values() for n in d.values())
    tagged_want = {("tagged.load.load.shortterm", ()),
                   ("tagged.memory.memory", (("type_instance", "used"),)),
                   ("tagged.cpu.cpu", (("plugin_instance", "0"), ("type_instance", "idle")))} if tags else set()

    def have():
        m = s.metrics()
        names = {e["metric"] for e in m}
        ok = want <= names
        for name, tv in tagged_want:
            ok = ok and any(e["metric"] == name and e["tags"].get("host") == HOST and
                            all(e["tags"].get(k) == v for k, v in tv) for e in m)
        return m if ok else None

    entries = T.wait_until(have, timeout=30, interval=0.5)
    if p.poll() is not None:
        t.check(False, "collectd exited early (%s)" % p.returncode)
    if not entries:
        names = sorted(e["metric"] for e in s.metrics())
        log = open(logf).read() if os.path.exists(logf) else ""
        t.require(False, "within 30 s: want %s (and tagged %s); have %s\ncollectd log:\n%s" %
                  (sorted(want), sorted(tagged_want), names[:60], log[-2000:]))

    t.step("read back")
    now = time.time()
    by = {}
    for e in entries:
        by.setdefault(e["metric"], []).append(e)
    for pre in ("tcp", "udp"):
        for kind, name in plain[pre].items():
            e = by[name][0]
            t.eq(e["type"], "number", "%s is a number series" % name)
            t.check(abs(e["last_time"] - now) < 60, "%s is recent: %r" % (name, e["last_time"]))
            pts = s.query({"metric": name, "from": "-5m"})["points"]
            vals = [v for _, v in pts]
            t.check(vals and all(isinstance(v, (int, float)) for v in vals), "%s: numbers: %r" % (name, vals))
            if kind == "memory":
                t.check(vals and all(v > 0 for v in vals), "%s > 0: %r" % (name, vals))
            else:
                t.check(vals and all(v >= 0 for v in vals), "%s >= 0: %r" % (name, vals))
        t.check(all(("%s.%s.load.load.%s" % (pre, HOSTNODE, x)) in by for x in ("midterm", "longterm")),
                "%s: all three load series" % pre)
        t.check(not any(n.endswith("\r") or "\r" in n for n in by), "no name carries a \\r")

    if tags:
        t.step("UseTags: one name, many tag sets, dotted tag values")
        mem = [e for e in by.get("tagged.memory.memory", [])]
        insts = {e["tags"].get("type_instance") for e in mem}
        t.check(len(mem) >= 3 and len(insts) == len(mem),
                "tagged.memory.memory: several series differing only in tags: %r" % sorted(insts))
        t.check(all(e["tags"].get("host") == HOST for e in mem), "host tag keeps its dots: %r" %
                [e["tags"] for e in mem][:3])
        t.check(all(e["tags"].get("plugin") == "memory" for e in mem), "plugin tag: %r" % [e["tags"] for e in mem][:3])
        q = s.query({"metric": "tagged.memory.memory", "host": HOST, "type_instance": "used", "from": "-5m"})
        t.check(q["tags"].get("type_instance") == "used" and q["tags"].get("host") == HOST,
                "query by tags picks one series: %r" % q["tags"])
        t.check(q["points"] and all(v > 0 for _, v in q["points"]), "tagged memory used > 0: %r" % q["points"])
        q = s.query([("metric", "tagged.cpu.cpu"), ("tag", "host:" + HOST), ("tag", "plugin_instance:0"),
                     ("type_instance", "idle"), ("from", "-5m")])
        t.check(q["points"] and all(v >= 0 for _, v in q["points"]), "tagged cpu idle >= 0: %r" % q["points"])
        cpu = by.get("tagged.cpu.cpu", [])
        t.check(len({(e["tags"].get("plugin_instance"), e["tags"].get("type_instance")) for e in cpu}) >= 2,
                "tagged.cpu.cpu: several tag sets")
        q = s.query({"metric": "tagged.load.load.shortterm", "host": HOST, "from": "-5m"})
        t.check(q["points"] and all(v >= 0 for _, v in q["points"]), "tagged load >= 0: %r" % q["points"])

    t.step("nothing rejected")
    t.eq(s.counter("tidemark_lines_rejected_total", {"protocol": "graphite"}), 0,
         "collectd's lines (CRLF, nan) are all accepted")
    t.check(s.counter("tidemark_samples_received_total", {"protocol": "graphite"}) > 0, "samples counted")
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(5)
    out.close()
    t.eq(s.stop(), 0, "tidemark stops cleanly")
    shutil.rmtree(cdir, ignore_errors=True)


if __name__ == "__main__":
    T.run(main)
