"""`tidemark agent` end to end, against a real server.

--once prints "name;host=H value" lines; pushing, the agent's series appear
in the server tagged with its host; an exec plugin's key=value lines become
series as written, and one that hangs is killed at its interval while the
others go on; with the server down the agent spools, is restarted
meanwhile, and once the server is back every sample arrives (an exec plugin
counting its runs proves none is missing or doubled); --relay answers the
server's polls on its relay port and its flush; ssh_tunnel restarts a dying
ssh with backoff and reports up/down; bad flags are refused by name.
"""
import os
import signal
import stat
import subprocess

import tmlib as T


def script(t, name, body):
    path = os.path.join(t.tmp, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


SMALL = os.path.join(os.path.dirname(os.path.abspath(T.BIN)), "tidemark-agent")


class Agent:
    """`tidemark agent ARGS`, or with small the tidemark-agent binary."""

    def __init__(self, t, args, name="agent", small=False):
        self.t = t
        self.log_path = os.path.join(t.tmp, name + ".log")
        self.args = ([SMALL] if small else [T.BIN, "agent"]) + list(args)
        self.proc = None

    def start(self):
        lf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=lf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.t.tmp)
        self.t.procs.append(self.proc)
        return self

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(T.scaled(20))

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


def points(s, metric, params=None):
    r = s.get_json("/api/v1/data/" + metric, params)
    return r if isinstance(r, list) else []


def main(t):
    t.step("--once prints one round as name;tags value lines")
    r = t.cli(["agent", "--once", "--host", "box1", "--plugins", "cpu,memory,load,uptime,sine"], timeout=20)
    t.eq(r.returncode, 0, "agent --once exit code")
    lines = dict(ln.split(" ", 1) for ln in r.stdout.splitlines() if " " in ln)
    for key in ("cpu.busy;host=box1", "cpu.idle;host=box1", "mem.total;host=box1", "system.load1;host=box1",
                "system.uptime;host=box1", "sine;host=box1"):
        t.check(key in lines, "--once has %s: %r" % (key, sorted(lines)[:8]))
    if "mem.total;host=box1" in lines:
        with open("/proc/meminfo") as f:
            want = int(f.readline().split()[1]) * 1024
        t.eq(float(lines["mem.total;host=box1"]), want, "mem.total is MemTotal in bytes")

    t.step("--config: a JSON file of the same flags")
    conf = os.path.join(t.tmp, "agent.json")
    with open(conf, "w") as f:
        f.write('{"host": "fromfile", "plugins": "load,sine", "interval": "5s"}')
    r = t.cli(["agent", "--once", "--config", conf], timeout=20)
    keys = [ln.split(" ")[0] for ln in r.stdout.splitlines()]
    t.check(r.returncode == 0 and "system.load1;host=fromfile" in keys and "sine;host=fromfile" in keys
            and not [k for k in keys if k.startswith("cpu")], "--config host and plugins: %r" % keys)

    t.step("bad flags are refused by name")
    for args, word in ((["--interval", "0"], "--interval"), (["--spool-max", "lots"], "--spool-max"),
                       (["--plugins", "cpu,nope"], "nope"), (["--cpu-peak", "150"], "--cpu-peak"),
                       (["--plugins", "external_ip"], "--external-ip-url"), (["stray"], "stray")):
        r = t.cli(["agent", "--once"] + args, timeout=20)
        t.check(r.returncode == 2 and word in r.stderr, "agent %s: %d %r" % (args, r.returncode, r.stderr))

    r = subprocess.run([SMALL, "--once", "--plugins", "load"], capture_output=True, text=True, timeout=20)
    t.check(r.returncode == 0 and r.stdout.startswith("system.load1;host="), "tidemark-agent --once: %r" % r.stdout)
    r = subprocess.run([SMALL, "--server", "https://127.0.0.1:1"], capture_output=True, text=True, timeout=20)
    t.check(r.returncode == 2 and "tidemark agent" in r.stderr, "tidemark-agent refuses https://: %r" % r.stderr)

    s = t.server(args=["--poll-interval", "1s"])
    url = "http://127.0.0.1:%d" % s.http_port
    spool = os.path.join(t.tmp, "spool")
    counter = os.path.join(t.tmp, "runs")
    count = script(t, "count.sh", 'n=$(cat %s 2>/dev/null || echo 0)\necho $((n+1)) > %s\n'
                                  'echo "runs=$n"\necho "note=run $n"\necho "where;room=lab=52.5,13.4"\n'
                   % (counter, counter))
    marker = "tm-agent-hang-%d" % os.getpid()
    hang = script(t, "hang.sh", 'echo "slow=1"\nexec sleep 300 # %s\n' % marker)

    t.step("push (the small tidemark-agent): plugins and exec plugins arrive tagged with the agent's host")
    a = Agent(t, ["--server", url, "--host", "pi", "--interval", "1s", "--spool-dir", spool,
                  "--plugins", "sine,memory,exec:%s:1s,exec:%s:1s" % (count, hang)], small=True).start()
    got = T.wait_until(lambda: len(points(s, "runs", {"host": "pi"})) >= 3 and points(s, "sine"), timeout=20)
    t.require(got, "runs and sine arrive from the agent\n" + a.log())
    t.check(points(s, "mem.used_percent", {"host": "pi"}), "memory plugin's series")
    notes = points(s, "note")
    t.check(notes and str(notes[0]["value"]).startswith("run "), "a string value from exec: %r" % notes[:1])
    where = s.metrics(match="where")
    t.check(where and where[0]["tags"] == {"host": "pi", "room": "lab"} and where[0]["type"] == "location",
            "exec key with its own tags, a location value: %r" % where)
    t.check(points(s, "slow"), "the hanging plugin's first line is kept")
    T.wait_until(lambda: "killed" in a.log(), timeout=10)
    t.check("killed" in a.log(), "the hanging exec plugin is killed at its interval\n" + a.log()[-800:])
    n0 = len(points(s, "runs"))
    T.wait_until(lambda: len(points(s, "runs")) >= n0 + 2, timeout=10)
    t.check(len(points(s, "runs")) >= n0 + 2, "the good exec plugin goes on while the other hangs")

    t.step("server down: the agent spools, is restarted meanwhile, and everything arrives after")
    s.stop()
    T.wait_until(lambda: "spooling" in a.log(), timeout=15)  # a round or more fails while it is down
    t.eq(a.stop(), 0, "agent exits 0 on SIGTERM")
    t.check("spooling" in a.log(), "the agent says it spools\n" + a.log()[-600:])
    a = Agent(t, ["--server", url, "--host", "pi", "--interval", "1s", "--spool-dir", spool,
                  "--plugins", "exec:%s:1s" % count], name="agent2", small=True).start()
    T.wait_until(lambda: "spooling" in a.log(), timeout=15)  # the restarted agent spools too
    s.start()
    T.wait_until(lambda: "the spool is sent" in a.log(), timeout=15)
    t.eq(a.stop(), 0, "restarted agent exits 0")
    with open(counter) as f:
        runs = int(f.read())

    def all_runs():
        vals = sorted(p["value"] for p in points(s, "runs", {"host": "pi"}))
        return vals if vals == list(range(runs)) else None
    got = T.wait_until(all_runs, timeout=10)
    vals = sorted(p["value"] for p in points(s, "runs", {"host": "pi"}))
    t.check(got, "every exec run arrived exactly once: %d runs, got %d (%s)" % (runs, len(vals), vals[-5:]))
    t.check("the spool is sent" in open(a.log_path).read(), "the spool was sent after the server came back")
    t.check(not subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout,
            "no hanging exec child is left behind")

    t.step("--relay: the agent answers the server's polls and its flush")
    a = Agent(t, ["--relay", "127.0.0.1:%d" % s.relay_port, "--host", "r9", "--interval", "1s",
                  "--plugins", "sine,load"], name="relay").start()
    got = T.wait_until(lambda: len(points(s, "sine", {"relay": "r9"})) >= 2, timeout=15)
    t.check(got, "sine;relay=r9 polled from the agent\n" + a.log())
    t.check(points(s, "system.load1", {"relay": "r9"}), "system.load1;relay=r9")
    r = s.post("/relays/flush", "")
    t.eq(r.json(), {"relays": 1}, "the agent is a connected relay")
    a.stop()

    t.step("ssh_tunnel: restarts a dying ssh with backoff, reports its state")
    args_file = os.path.join(t.tmp, "ssh-args")
    fake = script(t, "fake-ssh.sh", 'echo "$@" >> %s\nexit 3\n' % args_file)
    a = Agent(t, ["--server", url, "--host", "tun", "--interval", "1s", "--spool-dir", spool + "2",
                  "--plugins", "ssh_tunnel", "--ssh-relay", "me@relay.example", "--ssh-port", "2222",
                  "--ssh-command", fake], name="ssh").start()
    got = T.wait_until(lambda: any(p["value"] >= 2 for p in points(s, "ssh_tunnel.restarts", {"host": "tun"})),
                       timeout=15)
    t.check(got, "ssh restarted twice\n" + a.log())
    states = [p["value"] for p in points(s, "ssh_tunnel.state", {"host": "tun"})]
    t.check("connecting" in states and "down: ssh exited with status 3" in states, "states: %r" % states)
    with open(args_file) as f:
        first = f.readline().split()
    t.check("-N" in first and "2222:localhost:22" in first and first[-1] == "me@relay.example"
            and "ExitOnForwardFailure=yes" in first, "ssh arguments: %r" % first)
    a.stop()


if __name__ == "__main__":
    T.run(main, timeout=150)
