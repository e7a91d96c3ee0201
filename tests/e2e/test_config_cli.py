"""Flags, config file, memory mode, tokens, URL prefix: the server's knobs.

Proves: `tidemark --help` and `tidemark serve --help` list every flag of the
SPEC's server table that the server has, each with the SPEC's default, and
`send`/`query --help` list --server (with its default) and --token; a
--config JSON file sets http-listen and graphite-listen (and JSON booleans
set switches); an unknown flag, an unknown config key or a bad value exits
with code 2 and a message naming it; --memory leaves nothing on disk;
--token gives 401 without the token and accepts it via X-AUTH-TOKEN, Bearer,
?token=, Basic auth (any user, token as password) and p=, for reads and
writes and for the CLI's --token; /healthz needs no token; --read-open lets
reads through without it but not writes; --url-prefix /tm serves /tm/healthz
and /tm/api/v1/... (and nothing outside it); --cors-allow sets the header.
"""
import json
import os
import re
import time

import tmlib as T

# SPEC's server table: flag -> default as the SPEC writes it (None: "none")
SPEC_FLAGS = {
    "config": None, "data-dir": "./tidemark-data", "memory": "off", "http-listen": "127.0.0.1:8080",
    "graphite-listen": "127.0.0.1:2003", "statsd-listen": "127.0.0.1:8125", "relay-listen": "127.0.0.1:3000",
    "retention": "10s:7d,1m:90d,1h:5y", "token": None, "read-open": "off", "cors-allow": None,
    "url-prefix": "", "statsd-flush": "10s", "poll-interval": "60s", "forward-prometheus": None,
    "forward-graphite": None, "tail-log": None, "alert-log": "DATA/alerts.log", "fsync": "1s",
    "log-level": "info",
}
# the ones tidemark serve has today; the others are checked only if listed
BUILT = ["config", "data-dir", "memory", "http-listen", "graphite-listen", "retention", "token", "read-open",
         "cors-allow", "url-prefix", "fsync", "log-level"]
TOKEN = "s3cret-T0ken"


def flag_line(help_text, name):
    for ln in help_text.splitlines():
        if re.match(r"^\s*--%s(\s|=|$)" % re.escape(name), ln):
            return ln
    return None


def default_ok(line, default):
    if default is None:
        return True
    m = re.search(r"default:?\s*([^)]*)\)?\s*$", line)
    if not m:
        return False
    got = m.group(1).strip().strip('"')
    if default == "off":
        return got in ("off", "false")
    if default == "":
        return got in ("", "empty", "none")
    return got == default


def check_help(t, text, what, names):
    missing = [n for n in names if flag_line(text, n) is None]
    t.check(not missing, "%s lists every server flag; missing: %s" % (what, ", ".join("--" + n for n in missing)))
    wrong = ["--%s (want %r): %r" % (n, SPEC_FLAGS[n], flag_line(text, n).strip()) for n in names
             if n not in missing and not default_ok(flag_line(text, n), SPEC_FLAGS[n])]
    t.check(not wrong, "%s shows the SPEC's defaults; wrong: %s" % (what, "; ".join(wrong)))


def main(t):
    t.step("--help")
    for args, what in ((["--help"], "tidemark --help"), (["serve", "--help"], "tidemark serve --help")):
        r = t.cli(args)
        t.eq(r.returncode, 0, what + " exit code")
        listed = [n for n in SPEC_FLAGS if flag_line(r.stdout, n)]
        check_help(t, r.stdout, what, sorted(set(BUILT) | set(listed)))
    for cmd, extra in (("send", {}), ("query", {"from": "-1h", "until": "now", "agg": "avg"})):
        r = t.cli([cmd, "--help"])
        t.eq(r.returncode, 0, "%s --help exit code" % cmd)
        ln = flag_line(r.stdout, "server")
        t.check(ln and "http://127.0.0.1:8080" in ln, "%s --help: --server with its default: %r" % (cmd, ln))
        t.check(flag_line(r.stdout, "token"), "%s --help lists --token" % cmd)
        t.check(flag_line(r.stdout, "tag"), "%s --help lists --tag" % cmd)
        for name, dflt in extra.items():
            ln = flag_line(r.stdout, name)
            t.check(ln and re.search(r"default:?\s*%s\b" % re.escape(dflt), ln),
                    "%s --help: --%s with default %s: %r" % (cmd, name, dflt, ln))
    r = t.cli(["query", "--help"])
    for name in ("step", "json"):
        t.check(flag_line(r.stdout, name), "query --help lists --%s" % name)

    t.step("unknown flags and bad values exit 2")
    # should one of these start a server after all, it binds only free loopback ports
    dummy = t.server("dummy", start=False)
    safe = ["--memory"] + [x for kv in dummy.listen_config().items() for x in ("--" + kv[0], kv[1])]
    bad_cfg = os.path.join(t.tmp, "bad.json")
    with open(bad_cfg, "w") as f:
        json.dump(dict(dummy.listen_config(), **{"no-such-key": 1}), f)
    for args, needle in ((["serve", "--no-such-flag"] + safe, "no-such-flag"),
                         (["--no-such-flag"] + safe, "no-such-flag"),
                         (["serve"] + safe + ["--fsync", "sometimes"], "fsync"),
                         (["serve"] + safe + ["--retention", "1m:10s"], "retention"),
                         (["serve", "--config", bad_cfg] + safe, "no-such-key"),
                         (["send", "x", "1", "--no-such-flag"], "no-such-flag"),
                         (["query", "x", "--no-such-flag"], "no-such-flag")):
        r = t.cli(args, timeout=15)
        t.eq(r.returncode, 2, "exit code of tidemark %s" % " ".join(args[:2]))
        t.check(needle in r.stderr, "the message names %r: %r" % (needle, r.stderr))

    t.step("--config JSON file")
    cfg = os.path.join(t.tmp, "tidemark.json")
    s = t.server("cfg", start=False, listen_flags=False, data_dir=None)
    data = os.path.join(s.dir, "cfgdata")
    with open(cfg, "w") as f:
        json.dump(dict(s.listen_config(), **{"data-dir": data, "fsync": "always"}), f)
    s.args = ["--config", cfg]
    s.start()
    t.check(not any("-listen" in a for a in s.command()), "the listen addresses come only from the file")
    T0 = int(time.time()) - 60
    s.tcp("cfg.metric 5 %d\n" % T0)
    got = T.wait_until(lambda: s.query({"metric": "cfg.metric", "from": T0 - 1})["points"] == [[T0, 5]], 10)
    t.check(got, "graphite-listen from the config file takes lines")
    t.check(os.path.exists(os.path.join(data, "tidemark.db")), "data-dir from the config file is used")
    s.stop()
    mem_cfg = os.path.join(t.tmp, "memory.json")
    memdir = os.path.join(t.tmp, "memdata")
    with open(mem_cfg, "w") as f:
        json.dump({"memory": True, "data-dir": memdir}, f)
    s2 = t.server("cfgmem", data_dir=None, args=["--config", mem_cfg])
    s2.write({"metric": "cfgmem.x", "value": 1})
    s2.stop()
    t.check(not os.path.exists(memdir) or not os.listdir(memdir), "\"memory\": true in a config file works")

    t.step("--memory")
    s = t.server("mem", args=["--memory"])
    s.write([{"metric": "mem.x", "value": 1.5, "time": T0}, {"metric": "mem.s", "value": "hello", "time": T0}])
    s.tcp("mem.g 3 %d\n" % T0)
    t.eq(s.export("mem.x"), [{"time": T0, "value": 1.5}], "memory mode stores")
    got = T.wait_until(lambda: s.export("mem.g") == [{"time": T0, "value": 3}], 10)
    t.check(got, "memory mode takes Graphite")
    t.eq(s.stop(), 0, "memory mode stops cleanly")
    t.check(not os.path.exists(s.data_dir) or os.listdir(s.data_dir) == [],
            "--memory leaves no files in the data dir: %r" % (os.path.exists(s.data_dir) and os.listdir(s.data_dir)))
    t.eq(sorted(os.listdir(s.dir)), ["server.log"], "--memory creates nothing in its working directory")
    s.start()
    r = s.get("/api/v1/data/mem.x")
    t.eq(r.status, 404, "--memory: nothing survives a restart")
    s.stop()

    t.step("--token")
    s = t.server("tok", args=["--token", TOKEN])
    q = "/api/v1/metrics"
    for path in (q, "/api/v1/query?metric=x", "/api/v1/data/x", "/add?host=h&v=1"):
        r = s.get(path)
        t.eq(r.status, 401, "no token: GET " + path)
    t.check("error" in s.get(q).json(), "401 body is a JSON error")
    t.eq(s.get("/healthz").status, 200, "/healthz needs no token")
    t.eq(s.get(q, {"X-AUTH-TOKEN": TOKEN}).status, 200, "X-AUTH-TOKEN")
    t.eq(s.get(q, {"X-AUTH-TOKEN": "wrong"}).status, 401, "wrong X-AUTH-TOKEN")
    t.eq(s.get(q, {"Authorization": "Bearer " + TOKEN}).status, 200, "Authorization: Bearer")
    t.eq(s.get(q, {"Authorization": "Bearer wrong"}).status, 401, "wrong Bearer")
    t.eq(s.get(q + "?token=" + TOKEN).status, 200, "?token=")
    t.eq(s.get(q + "?token=wrong").status, 401, "wrong ?token=")
    t.eq(s.get(q, {"Authorization": T.basic_auth("grafana", TOKEN)}).status, 200, "Basic auth, token as password")
    t.eq(s.get(q, {"Authorization": T.basic_auth("anyone-else", TOKEN)}).status, 200, "Basic auth, any user")
    t.eq(s.get(q, {"Authorization": T.basic_auth(TOKEN, "wrong")}).status, 401, "Basic auth, wrong password")
    t.eq(s.get(q + "?u=telegraf&p=" + TOKEN).status, 200, "InfluxDB-style p=")
    body = {"metric": "tok.x", "value": 1, "time": T0}
    t.eq(s.post_json("/api/v1/data", body).status, 401, "write without token")
    t.eq(s.post_json("/api/v1/data", body, {"X-AUTH-TOKEN": TOKEN}).status, 200, "write with token")
    r = s.get("/add?host=h&v=2&token=" + TOKEN)
    t.eq((r.status, r.json()), (200, {"stored": 1}), "/add with token=: the token is not a series")
    t.eq(s.get("/api/v1/metrics?match=token", {"X-AUTH-TOKEN": TOKEN}).json(), [], "no series named token")
    srv = ["--server", "http://127.0.0.1:%d" % s.http_port]
    r = t.cli(["send", "tok.cli", "4", str(T0)] + srv)
    t.check(r.returncode != 0, "send without --token fails: rc %d" % r.returncode)
    r = t.cli(["send", "tok.cli", "4", str(T0), "--token", TOKEN] + srv)
    t.eq(r.returncode, 0, "send --token: %s" % r.stderr)
    r = t.cli(["query", "tok.cli", "--from", str(T0 - 5), "--json", "--token", TOKEN] + srv)
    t.check(r.returncode == 0 and T.strict_json(r.stdout)["points"] == [[T0, 4]],
            "query --token: %r %r" % (r.stdout, r.stderr))
    r = t.cli(["query", "tok.cli", "--from", str(T0 - 5), "--json"] + srv)
    t.check(r.returncode != 0, "query without --token fails")
    s.stop()

    t.step("--read-open")
    s = t.server("ro", args=["--token", TOKEN, "--read-open"])
    t.eq(s.post_json("/api/v1/data", body).status, 401, "read-open: write without token refused")
    t.eq(s.get("/add?host=h&v=1").status, 401, "read-open: GET /add is a write, refused without token")
    t.eq(s.post_json("/api/v1/data", body, {"Authorization": "Bearer " + TOKEN}).status, 200,
         "read-open: write with token")
    t.eq(s.get("/api/v1/metrics").status, 200, "read-open: /api/v1/metrics without token")
    r = s.get("/api/v1/query?" + T.qs({"metric": "tok.x", "from": T0 - 5}))
    t.eq((r.status, r.status == 200 and r.json()["points"]), (200, [[T0, 1]]), "read-open: query without token")
    t.eq(s.get("/api/v1/data/tok.x").status, 200, "read-open: export without token")
    s.stop()

    t.step("--url-prefix and --cors-allow")
    s = t.server("pfx", args=["--url-prefix", "/tm", "--cors-allow", "https://dash.example.org"], prefix="/tm")
    s.prefix = ""  # from here on, paths are written out whole
    r = s.get("/tm/healthz")
    t.eq((r.status, r.text.strip()), (200, "ok"), "/tm/healthz")
    t.eq(s.post_json("/tm/api/v1/data", body).status, 200, "POST /tm/api/v1/data")
    r = s.get("/tm/api/v1/query?" + T.qs({"metric": "tok.x", "from": T0 - 5}))
    t.eq((r.status, r.status == 200 and r.json()["points"]), (200, [[T0, 1]]), "/tm/api/v1/query")
    t.eq(s.get("/api/v1/query?metric=tok.x").status, 404, "outside the prefix: 404")
    t.eq(s.get("/healthz").status, 404, "/healthz outside the prefix: 404")
    t.eq(s.get("/tmx/healthz").status, 404, "/tmx is not under /tm")
    t.eq(r.headers.get("Access-Control-Allow-Origin"), "https://dash.example.org", "--cors-allow header")
    r = T.http("OPTIONS", s.url("/tm/api/v1/data"), headers={
        "Origin": "https://dash.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-auth-token"})
    t.eq(r.status, 204, "CORS preflight answered without a token")
    t.eq(r.headers.get("Access-Control-Allow-Origin"), "https://dash.example.org", "preflight: origin")
    t.check("POST" in (r.headers.get("Access-Control-Allow-Methods") or ""), "preflight: methods %r" % r.headers)
    t.check("x-auth-token" in (r.headers.get("Access-Control-Allow-Headers") or "").lower(), "preflight: headers")
    r = t.cli(["query", "tok.x", "--from", str(T0 - 5), "--json", "--server",
               "http://127.0.0.1:%d/tm" % s.http_port])
    t.check(r.returncode == 0 and T.strict_json(r.stdout)["points"] == [[T0, 1]],
            "tidemark query --server with a prefix: %r %r" % (r.stdout, r.stderr))
    s.stop()


if __name__ == "__main__":
    T.run(main)
