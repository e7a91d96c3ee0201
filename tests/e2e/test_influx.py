"""InfluxDB 1.x line protocol over HTTP, driven as its real clients drive it.

Telegraf's outputs.influxdb (not in Debian, so replayed from its code): POST
/query with a form body `q=CREATE DATABASE "telegraf"`, then gzip'ed batches
to POST /write?db=telegraf with User-Agent Telegraf and Basic auth; a 4xx
makes it drop the batch, so the good lines of a batch with a bad one must be
stored already. Then the influx CLI from Debian's influxdb-client (-execute
and -import), /ping, precisions, tokens, corrupt and oversized gzip bodies.
"""
import gzip
import math
import os
import random
import shutil
import subprocess
import time
import urllib.parse
import zlib

import tmlib as T

TOKEN = "s3cret"
UA = "Telegraf/1.28.5 Go/1.21.4"


def lp_tag(s):
    return s.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def lp_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def go_float(v):
    """strconv.FormatFloat(v, 'f', -1, 64), as Telegraf writes floats."""
    r = repr(v)
    if "e" not in r:
        return r[:-2] if r.endswith(".0") else r
    d = __import__("decimal").Decimal(r)
    return format(d, "f")


def telegraf_write(s, body_lines, params=None, auth=None, gz=True):
    body = ("\n".join(body_lines) + "\n").encode()
    h = {"User-Agent": UA, "Content-Type": "text/plain; charset=utf-8"}
    if gz:
        body = gzip.compress(body)
        h["Content-Encoding"] = "gzip"
    if auth:
        h["Authorization"] = auth
    p = {"db": "telegraf"}
    p.update(params or {})
    return T.http("POST", s.url("/write?" + T.qs(p)), body=body, headers=h, timeout=30)


def telegraf_query(s, q, auth=None):
    h = {"User-Agent": UA, "Content-Type": "application/x-www-form-urlencoded"}
    if auth:
        h["Authorization"] = auth
    return T.http("POST", s.url("/query"), body=T.qs({"q": q}), headers=h)


def ms_of(sec):
    return int(round(sec * 1000))


def check_ping(t, s):
    t.step("ping")
    for method in ("GET", "HEAD"):
        r = T.http(method, s.url("/ping"))
        t.eq(r.status, 204, "%s /ping status" % method)
        t.eq(r.headers.get("X-Influxdb-Version"), "1.8.10", "%s /ping X-Influxdb-Version" % method)
        t.eq(r.body, b"", "%s /ping body" % method)
    r = s.get("/ping?verbose=true")
    t.eq(r.status, 200, "/ping?verbose=true status")
    t.eq(r.json(), {"version": "1.8.10"}, "/ping?verbose=true body")


def check_query(t, s):
    t.step("query: CREATE DATABASE, SHOW DATABASES, the rest refused")
    r = telegraf_query(s, 'CREATE DATABASE "telegraf"')
    t.eq(r.status, 200, "CREATE DATABASE status")
    t.eq(r.json(), {"results": [{"statement_id": 0}]}, "CREATE DATABASE answer")
    t.eq(r.headers.get("X-Influxdb-Version"), "1.8.10", "/query X-Influxdb-Version")
    r = s.get("/query?" + T.qs({"q": "create database other_db; Create Database \"we\\\"ird db\""}))
    t.eq(r.status, 200, "GET /query two statements")
    t.eq(r.json(), {"results": [{"statement_id": 0}, {"statement_id": 1}]}, "two statements, two results")
    r = s.get("/query?" + T.qs({"q": "SHOW DATABASES"}))
    t.eq(r.status, 200, "SHOW DATABASES status")
    series = r.json()["results"][0]["series"][0]
    t.eq(series["name"], "databases", "SHOW DATABASES series name")
    t.eq(series["columns"], ["name"], "SHOW DATABASES columns")
    t.eq(sorted(v[0] for v in series["values"]), ["other_db", "telegraf", 'we"ird db'], "databases listed")
    for q in ("SELECT * FROM cpu", "DROP DATABASE telegraf", "CREATE DATABASE", ""):
        r = s.get("/query?" + T.qs({"q": q}))
        t.eq(r.status, 400, "query %r refused" % q)
        t.check("error" in r.json(), "query %r: JSON error" % q)


def make_batch(base_s):
    """5000 lines as Telegraf sends them: 50 hosts x 100 times, five fields each
    (float, int, bool, string, float in exponent-free Go form)."""
    rnd = random.Random(7)
    lines, want = [], {}
    for i in range(100):
        for h in range(50):
            host = "web-%02d" % h
            ns = (base_s + i * 10) * 10**9 + rnd.randrange(10**9)
            user = rnd.uniform(0, 100)
            small = rnd.choice([1e-7, 2.5e-5, 0.1, 123456.789, -0.5])
            procs = rnd.randrange(-5, 10**12)
            up = rnd.choice(["true", "false", "t", "F", "True", "FALSE"])
            state = rnd.choice(["running", "sleep, deep", 'say "hi"', "back\\slash", "a=b c"])
            fields = "usage_user=%s,small=%s,procs=%di,up=%s,state=%s" % (
                go_float(user), go_float(small), procs, up, lp_str(state))
            tags = "cpu=cpu-total,dc=%s,host=%s" % (lp_tag("eu west"), host)
            lines.append("cpu,%s %s %d" % (tags, fields, ns))
            ms = ns // 10**6
            upv = 1.0 if up.lower() in ("true", "t") else 0.0
            for f, v in (("usage_user", user), ("small", small), ("procs", float(procs)), ("up", upv),
                         ("state", state)):
                want.setdefault((f, host), []).append((ms, v))
    return lines, want


def check_telegraf_batch(t, s):
    t.step("Telegraf: a 5000-line gzip batch")
    base = int(time.time()) - 2000
    lines, want = make_batch(base)
    raw = ("\n".join(lines) + "\n").encode()
    t0 = time.monotonic()
    r = telegraf_write(s, lines)
    took = time.monotonic() - t0
    t.eq(r.status, 204, "5000-line batch status (%r)" % r)
    t.eq(r.headers.get("X-Influxdb-Version"), "1.8.10", "/write X-Influxdb-Version")
    print("   %d lines, %d bytes (%d gzip'ed), 25000 samples in %.3fs" %
          (len(lines), len(raw), len(gzip.compress(raw)), took))
    t.eq(s.counter("tidemark_samples_received_total", {"protocol": "influx"}), 25000.0, "influx samples counted")
    ms = s.metrics(match="cpu.*")
    t.eq(len(ms), 250, "series from the batch")
    for e in ms:
        t.eq(e["tags"], {"cpu": "cpu-total", "dc": "eu west", "host": e["tags"].get("host")},
             "tags of %s" % e["metric"])
        t.eq(e["points"], 100, "points of %s %s" % (e["metric"], e["tags"]))
        want_type = "string" if e["metric"] == "cpu.state" else "number"
        t.eq(e["type"], want_type, "type of %s" % e["metric"])
    bad = 0
    for (f, host), pts in sorted(want.items()):
        got = s.export("cpu." + f, {"host": host, "from": base - 10, "until": base + 3000})
        gotp = [(ms_of(p["time"]), p["value"]) for p in got]
        if gotp != pts:
            bad += 1
            if bad <= 3:
                t.check(False, "cpu.%s host=%s: first difference %r" %
                        (f, host, next((a, b) for a, b in zip(gotp + [None] * 100, pts) if a != b)))
    t.eq(bad, 0, "series whose exported points differ from what was sent")


def check_bad_line(t, s):
    t.step("a batch with one bad line: 400 JSON naming it, the good lines kept")
    base = int(time.time()) - 500
    lines = ["mixed,host=a v=%d %d" % (i, (base + i) * 10**9) for i in range(10)]
    lines[6] = "mixed,host=a v=notanumber %d" % ((base + 6) * 10**9)
    r = telegraf_write(s, lines)
    t.eq(r.status, 400, "status of a batch with a bad line")
    body = r.json()
    t.eq(body.get("line"), 7, "the bad line's number")
    t.check("error" in body and "v=notanumber" in body["error"], "error names the bad line: %r" % body)
    got = s.export("mixed.v", {"host": "a", "from": base - 10})
    t.eq([p["value"] for p in got], [0, 1, 2, 3, 4, 5, 7, 8, 9], "the good lines of that batch")
    t.eq(s.counter("tidemark_lines_rejected_total", {"protocol": "influx"}), 1.0, "rejected line counted")
    r = telegraf_write(s, ["nofields", "alsobad x"])
    t.eq(r.status, 400, "all-bad batch")
    t.eq(r.json().get("line"), 1, "all-bad batch: first bad line")


def check_precisions(t, s):
    t.step("precision=s/ms/u/ns/m/h, missing timestamps, leading blanks, CRLF, comments")
    now = int(time.time())
    base = now - 3600  # whole hours below are still within the raw archive
    cases = [("s", base, base * 1000), ("ms", base * 1000 + 123, base * 1000 + 123),
             ("u", base * 10**6 + 456789, base * 1000 + 456), ("ns", base * 10**9 + 999999, base * 1000),
             ("m", base // 60, (base // 60) * 60000), ("h", base // 3600, (base // 3600) * 3600000)]
    for prec, ts, want_ms in cases:
        r = telegraf_write(s, ["prec,unit=%s v=1.25 %d" % (prec, ts)], {"precision": prec}, gz=False)
        t.eq(r.status, 204, "precision=%s status" % prec)
        got = s.export("prec.v", {"unit": prec, "from": base - 7200})
        t.eq([(ms_of(p["time"]), p["value"]) for p in got], [(want_ms, 1.25)], "precision=%s time" % prec)
    r = telegraf_write(s, ["prec v=1 1"], {"precision": "sec"}, gz=False)
    t.eq(r.status, 400, "unknown precision refused")
    body = "# comment\r\n\r\n   layout,k=crlf v=1\r\n\tlayout,k=tab v=2 %d\n" % (now * 10**9)
    r = T.http("POST", s.url("/write?db=x&rp=autogen&consistency=one&precision=s"), body=body.replace(
        " %d\n" % (now * 10**9), " %d\n" % now), headers={})
    t.eq(r.status, 204, "layout body without Content-Type (%r)" % r)
    crlf = s.export("layout.v", {"k": "crlf"})
    t.check(len(crlf) == 1 and abs(crlf[0]["time"] - now) <= 5, "missing timestamp is now: %r" % crlf)
    t.check(crlf and crlf[0]["time"] == int(crlf[0]["time"]), "with precision=s, now is cut to the second")
    t.eq([p["value"] for p in s.export("layout.v", {"k": "tab"})], [2], "tab-indented line")


def check_gzip_errors(t, s):
    t.step("corrupt and oversized gzip bodies")
    h = {"Content-Encoding": "gzip", "User-Agent": UA}
    r = T.http("POST", s.url("/write?db=telegraf"), body=b"\x1f\x8b\x08\x00garbage" * 10, headers=h)
    t.eq(r.status, 400, "corrupt gzip status")
    t.check("gzip" in r.json().get("error", ""), "corrupt gzip error: %r" % r)
    packed = gzip.compress(b"".join(b"trunc v=%d\n" % i for i in range(1000)))
    r = T.http("POST", s.url("/write?db=telegraf"), body=packed[:len(packed) // 2], headers=h)
    t.eq(r.status, 400, "truncated gzip status")
    co = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b"\0" * (1 << 20)
    bomb = b"".join(co.compress(chunk) for _ in range(65)) + co.flush()  # 65 MiB > the 64 MiB bound
    r = T.http("POST", s.url("/write?db=telegraf"), body=bomb, headers=h, timeout=30)
    t.eq(r.status, 413, "gzip bomb (%d bytes packed) status" % len(bomb))
    t.eq(s.get("/healthz").status, 200, "server alive after the bomb")


def check_tokens(t):
    t.step("--token: u=/p=, Basic auth, and none")
    s = t.server("tok", args=["--token", TOKEN])
    line = ["auth,via=%s v=1"]
    r = telegraf_write(s, [line[0] % "none"])
    t.eq(r.status, 401, "write without credentials")
    r = telegraf_write(s, [line[0] % "up"], {"u": "telegraf", "p": TOKEN})
    t.eq(r.status, 204, "write with u=/p=")
    r = telegraf_write(s, [line[0] % "wrongp"], {"u": "telegraf", "p": "nope"})
    t.eq(r.status, 401, "write with a wrong p=")
    r = telegraf_write(s, [line[0] % "basic"], auth=T.basic_auth("telegraf", TOKEN))
    t.eq(r.status, 204, "write with Basic auth")
    r = telegraf_query(s, 'CREATE DATABASE "telegraf"', auth=T.basic_auth("telegraf", TOKEN))
    t.eq(r.status, 200, "query with Basic auth")
    t.eq(telegraf_query(s, "SHOW DATABASES").status, 401, "query without credentials")
    t.eq(T.http("GET", s.url("/ping")).status, 204, "ping needs no token")
    got = s.get_json("/api/v1/metrics", {"match": "auth.v", "token": TOKEN})
    t.eq(sorted(e["tags"]["via"] for e in got), ["basic", "up"], "only authorized writes stored")


def check_influx_cli(t, s):
    cli = shutil.which("influx")
    t.require(cli, "the influx CLI (Debian influxdb-client) is installed (scripts/deps.sh)")
    t.step("influx CLI (%s): -execute and -import" % cli)
    base = ["influx", "-host", "127.0.0.1", "-port", str(s.http_port)]
    p = subprocess.run(base + ["-execute", "CREATE DATABASE clidb"], capture_output=True, text=True,
                       timeout=30, stdin=subprocess.DEVNULL)
    t.eq(p.returncode, 0, "influx -execute CREATE DATABASE (stdout %r stderr %r)" % (p.stdout, p.stderr))
    now = int(time.time())
    path = os.path.join(t.tmp, "import.lp")
    with open(path, "w") as f:
        f.write("# DDL\nCREATE DATABASE clidb2\n\n# DML\n# CONTEXT-DATABASE: clidb2\n")
        for i in range(12000):  # more than the CLI's 5000-line batches
            f.write("%sclitest,host=cli,batch=%d v=%d,s=\"n %d\" %d\n" % ("   " if i % 7 == 0 else "", i // 5000,
                                                                          i, i, now - 12000 + i))
    p = subprocess.run(base + ["-import", "-path", path, "-precision", "s"], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    out = p.stdout + p.stderr
    t.eq(p.returncode, 0, "influx -import exit code (%s)" % out.strip()[-500:])
    t.check("Failed 0 inserts" in out, "influx -import reports no failure: %r" % out[-300:])
    got = s.export("clitest.v", {"host": "cli", "from": now - 13000})
    t.eq(len(got), 12000, "points imported by the CLI")
    t.check(all(ms_of(p["time"]) == (now - 12000 + int(p["value"])) * 1000 for p in got),
            "imported points at their times")
    r = s.get("/query?" + T.qs({"q": "SHOW DATABASES"}))
    names = [v[0] for v in r.json()["results"][0]["series"][0].get("values", [])]
    t.check("clidb" in names and "clidb2" in names, "CLI databases remembered: %r" % names)


def main(t):
    s = t.server("influx")
    check_ping(t, s)
    check_query(t, s)
    check_telegraf_batch(t, s)
    check_bad_line(t, s)
    check_precisions(t, s)
    check_gzip_errors(t, s)
    check_influx_cli(t, s)
    check_tokens(t)
    t.eq(s.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main, timeout=55)
