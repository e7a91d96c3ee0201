"""Flags that refuse nonsense, by name, before anything starts.

Proves: each bad value below exits 2 with a message naming the flag (or the
word) and its valid forms, and starts nothing: --wal-max lots / 0,
--log-level verbose, a switch given a value it cannot mean, -memory (one
dash; also -tag for send), a stray word (`tidemark foo`, `serve foo`),
--url-prefix without its slash, --http-listen :8080 (no libevent
getaddrinfo warning leaks), a listen address without a port, each kind of
bad --retention with its own reason, a missing --config file (named, with
the OS's reason, not "line -1"); `send --config FILE` takes the server from
the file; a port already in use says "address already in use" and names
the listener, for each of the four; `--X-listen off` turns each listener
off and the others keep working. The good forms still work: a negative
value and a relative time for `send`, a lone `--`.
"""
import json
import os
import socket
import subprocess
import time

import tmlib as T


def refused(t, args, needles, what):
    r = t.cli(args, timeout=15)
    t.eq(r.returncode, 2, "%s: exit code (stderr %r)" % (what, r.stderr))
    for n in needles:
        t.check(n.lower() in r.stderr.lower(), "%s: the message says %r: %r" % (what, n, r.stderr))
    t.check("getaddrinfo" not in r.stderr and "[warn]" not in r.stderr,
            "%s: no libevent warning leaks: %r" % (what, r.stderr))
    return r.stderr


def main(t):
    # should one of these start a server after all, it binds only free loopback ports
    dummy = t.server("dummy", start=False)
    safe = ["--memory"] + [x for kv in dummy.listen_config().items() for x in ("--" + kv[0], kv[1])]
    serve = ["serve"] + safe

    t.step("bad values name the flag and the valid forms")
    refused(t, serve + ["--wal-max", "lots"], ["--wal-max", "lots", "MiB"], "--wal-max lots")
    refused(t, serve + ["--wal-max", "0"], ["--wal-max", "above 0"], "--wal-max 0")
    refused(t, serve + ["--log-level", "verbose"], ["--log-level", "verbose", "debug, info, warn or error"],
            "--log-level verbose")
    refused(t, serve + ["--fsync", "sometimes"], ["--fsync", "always, 1s or off"], "--fsync sometimes")
    refused(t, serve + ["--memory=maybe"], ["--memory", "maybe", "--memory=false"], "--memory=maybe")
    refused(t, serve + ["--url-prefix", "tm"], ["--url-prefix", "slash", "/tm"], "--url-prefix tm")
    refused(t, serve + ["--statsd-flush", "0"], ["--statsd-flush", "duration"], "--statsd-flush 0")
    for flag in ("http-listen", "graphite-listen"):
        refused(t, serve + ["--" + flag, ":8080"], ["--" + flag, ":8080", "127.0.0.1:", "off"], "--%s :8080" % flag)
    refused(t, serve + ["--statsd-listen", "127.0.0.1"], ["--statsd-listen", "host:port"], "a listen address without port")

    t.step("one dash, stray words")
    refused(t, ["-memory"] + safe[1:], ["-memory", "two dashes", "--memory"], "tidemark -memory")
    refused(t, serve + ["-memory"], ["-memory", "--memory"], "serve -memory")
    refused(t, serve + ["-x"], ["-x", "two dashes"], "serve -x")
    refused(t, ["foo"], ["unknown command", "foo"], "tidemark foo")
    refused(t, serve + ["foo"], ["unexpected", "foo", "only flags"], "serve foo")
    refused(t, ["send", "-tag", "a=b", "x", "1"], ["-tag", "--tag"], "send -tag")

    t.step("--retention: each kind of mistake has its own reason")
    reasons = {
        "10s:7d,5s:1d": ["archive 2", "5s", "7d", "keeps longer"],
        "1m:1h,10s:7d": ["archive 2", "10s", "1m", "finest step first"],
        "10s:7d,15s:30d": ["archive 2", "multiple"],
        "10s:7d,1m:1d": ["archive 2", "keeps 1d", "7d"],
        "10s:1s": ["archive 1", "keeps less than its step"],
        "ten:7d": ["archive 1", "STEP:KEEP"],
        "10s:7d,": ["archive 2", "STEP:KEEP"],
    }
    seen = set()
    for spec, needles in reasons.items():
        err = refused(t, serve + ["--retention", spec], ["--retention", spec] + needles, "--retention " + spec)
        reason = err.split(": ", 2)[-1].split("(")[0]
        t.check(reason not in seen, "--retention %s has a reason of its own: %r" % (spec, err))
        seen.add(reason)

    t.step("config files")
    missing = os.path.join(t.tmp, "no-such.json")
    err = refused(t, serve + ["--config", missing], [missing, "No such file"], "a missing --config file")
    t.check("line -1" not in err, "no 'line -1' for a missing file: %r" % err)
    refused(t, ["send", "--config", missing, "x", "1"], [missing, "No such file"], "send: a missing --config")
    refused(t, ["query", "--config", missing, "x"], [missing, "No such file"], "query: a missing --config")
    bad = os.path.join(t.tmp, "bad.json")
    with open(bad, "w") as f:
        f.write('{"memory": tru}')
    refused(t, serve + ["--config", bad], [bad, "line 1"], "a malformed --config file")
    with open(bad, "w") as f:
        json.dump({"memory": "perhaps"}, f)
    refused(t, serve + ["--config", bad], [bad, "memory", "true or false"], "a switch in a file that is no boolean")

    s = t.server("srv")
    cfg = os.path.join(t.tmp, "send.json")
    with open(cfg, "w") as f:
        json.dump({"server": "http://127.0.0.1:%d" % s.http_port, "tag": ["host=cfg"]}, f)
    now = int(time.time())
    r = t.cli(["send", "--config", cfg, "cfg.temp", "-5", str(now - 30)])
    t.eq(r.returncode, 0, "send --config: %r" % r.stderr)
    r = t.cli(["send", "--config", cfg, "cfg.temp", "7", "-10s"])
    t.eq(r.returncode, 0, "send: a relative time: %r" % r.stderr)
    r = t.cli(["send", "--config", cfg, "cfg.note", "--", "-rc1"])
    t.eq(r.returncode, 0, "send: a value after -- may begin with a dash: %r" % r.stderr)
    pts = s.query({"metric": "cfg.temp", "host": "cfg", "from": now - 60})["points"]
    t.eq([p[1] for p in pts], [-5, 7], "send --config: the server and the tag came from the file")
    t.eq(s.export("cfg.note", {"host": "cfg"})[0]["value"], "-rc1", "the value after --")
    r = t.cli(["query", "--config", cfg, "cfg.temp", "--from", str(now - 60), "--json"])
    t.check(r.returncode == 0 and len(T.strict_json(r.stdout)["points"]) == 2, "query --config: %r" % r.stderr)

    t.step("a port in use: 'address already in use', and which listener")
    for name in T.listeners():
        other = t.server("other-" + name, start=False)
        args = ["serve", "--memory"]
        for flag, addr in other.listen_config().items():
            args += ["--" + flag, s.listen_config()[flag] if flag == name + "-listen" else addr]
        r = t.cli(args, timeout=20)
        t.eq(r.returncode, 1, "--%s-listen in use: exit code" % name)
        t.check("address already in use" in r.stderr.lower() and "--%s-listen" % name in r.stderr,
                "--%s-listen in use: the message names it: %r" % (name, r.stderr))

    t.step("--X-listen off")
    for name in T.listeners():
        o = t.server("off-" + name, start=False)
        port = o.ports[name]
        if name == "http":
            http_off(t, o)
            continue
        o.args = ["--memory", "--%s-listen" % name, "off"]
        o.listen_flags = True
        # the flag given last wins, so "off" overrides the port tmlib picked
        o.start()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            t.check(False, "--%s-listen off: nothing listens on its TCP port" % name)
        except OSError:
            t.check(True, "--%s-listen off: nothing listens" % name)
        t.eq(o.get("/healthz").status, 200, "--%s-listen off: HTTP still answers" % name)
        t.check("not listening: --%s-listen off" % name in o.log(), "the log says --%s-listen is off" % name)
        o.stop()


def http_off(t, o):
    """No HTTP to poll: the Graphite port is the sign of life."""
    args = ["serve", "--memory", "--http-listen", "off"]
    for flag, addr in o.listen_config().items():
        if flag != "http-listen":
            args += ["--" + flag, addr]
    proc = subprocess.Popen([T.BIN] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, cwd=o.dir)
    t.procs.append(proc)

    def graphite_up():
        with socket.create_connection(("127.0.0.1", o.graphite_port), timeout=2):
            return True
    t.check(T.wait_until(graphite_up, 15), "--http-listen off: Graphite still listens")
    t.check(proc.poll() is None, "--http-listen off: the server runs")
    try:
        socket.create_connection(("127.0.0.1", o.http_port), timeout=2).close()
        t.check(False, "--http-listen off: nothing listens on the HTTP port")
    except OSError:
        t.check(True, "--http-listen off: nothing listens")
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    t.eq(proc.returncode, 0, "--http-listen off: a clean stop")
    t.check(b"not listening: --http-listen off" in err, "the log says HTTP is off: %r" % err[-300:])


T.run(main)
