"""Forwarding by InfluxDB line protocol into a real InfluxDB 1.x (influxd
with a temporary config): numbers, strings and locations sent into tidemark
come back from InfluxDB's own /query as measurement + field, tags as tags,
exact values and millisecond times. A target whose database does not exist
answers 404: its batches are dropped, counted and logged once with
InfluxDB's message, and the good target is not held up."""
import json
import os
import time

import peers as P
import tmlib as T


def main(t):
    db = P.InfluxDB(t).start()
    t.eq(db.query("", "CREATE DATABASE fwd")["results"][0].get("error"), None, "CREATE DATABASE")
    good = db.url("/write?db=fwd")
    bad = db.url("/write?db=nosuchdb")
    # one target from a config file (an array, as for every repeatable flag), one from the command line
    cfg = os.path.join(t.tmp, "forward.json")
    with open(cfg, "w") as f:
        json.dump({"forward-influx": [good + " match=sys.*.* match=app.*"], "forward-flush": "200ms"}, f)
    s = t.server(args=["--config", cfg, "--forward-influx", bad])
    now = int(time.time()) - 300
    body = []
    for k in range(20):
        body.append({"metric": "sys.cpu.user", "value": 10 + k * 0.5, "time": now + k, "tags": {"host": "web.1"}})
        body.append({"metric": "sys.cpu.user", "value": k, "time": now + k, "tags": {"host": "db,2"}})
    body.append({"metric": "app.deploy", "value": 'v1.2 "blue"', "time": now})
    body.append({"metric": "app.gps", "value": "52.5,13.4", "time": now + 1})
    body.append({"metric": "other.thing", "value": 1, "time": now})  # not matched: not forwarded
    s.write(body)

    def sent(u):
        return s.counter("tidemark_forward_sent_samples_total", {"kind": "influx", "target": u + "&precision=ms"})

    t.require(T.wait_until(lambda: sent(good) == 42, 30), "42 samples acknowledged: %s" % sent(good))

    t.step("numbers: measurement sys.cpu, field user, tag host")
    r = db.query("fwd", 'SELECT "user", "host" FROM "sys.cpu" ORDER BY time')["results"][0]["series"][0]
    t.eq(r["columns"], ["time", "user", "host"], "columns")
    got = sorted((v[2], v[0], v[1]) for v in r["values"])
    want = sorted([("web.1", (now + k) * 1000, 10 + k * 0.5) for k in range(20)] +
                  [("db,2", (now + k) * 1000, float(k)) for k in range(20)])
    t.eq(got, want, "every number with its tag and millisecond time")

    t.step("a string field, a location as two fields")
    r = db.query("fwd", 'SELECT * FROM "app"')["results"][0]["series"][0]
    rows = [dict(zip(r["columns"], v)) for v in r["values"]]
    t.eq([x["deploy"] for x in rows if x.get("deploy") is not None], ['v1.2 "blue"'], "string")
    loc = [x for x in rows if x.get("gps_lat") is not None]
    t.eq([(x["gps_lat"], x["gps_lon"], x["time"]) for x in loc], [(52.5, 13.4, (now + 1) * 1000)], "location")
    t.eq(db.query("fwd", 'SHOW MEASUREMENTS')["results"][0]["series"][0]["values"], [["app"], ["sys.cpu"]],
         "only matched series forwarded")

    t.step("a 4xx target: dropped, counted, logged once with the remote's message")
    lb = {"kind": "influx", "reason": "rejected", "target": bad + "&precision=ms"}
    t.require(T.wait_until(lambda: s.counter("tidemark_forward_dropped_samples_total", lb) == 43, 20),
              "rejected samples counted: %s" % s.counter("tidemark_forward_dropped_samples_total", lb))
    s.write([{"metric": "sys.cpu.user", "value": 1, "time": now + 100}])
    t.require(T.wait_until(lambda: s.counter("tidemark_forward_dropped_samples_total", lb) == 44, 20), "again")
    log = s.log()
    t.eq(log.count("refused, dropped"), 1, "logged once")
    t.check("database not found" in log, "with InfluxDB's message: %s" % log[-800:])
    t.eq(s.counter("tidemark_forward_pending_samples", {"kind": "influx", "target": bad + "&precision=ms"}), 0,
         "nothing stays queued for it")


    t.step("flags refused with the reason")
    r = t.cli(["serve", "--memory", "--forward-influx", good])
    t.check(r.returncode != 0 and "needs --data-dir" in r.stderr + r.stdout, "--memory: %r" % r.stderr[-300:])
    for flag, value, why in (("--forward-max-disk", "1k", "at least 64KiB"), ("--forward-batch", "0", "1 to 1000000"),
                             ("--forward-batch-max", "2000000", "1 to 1000000"),
                             ("--forward-replicas", "x", "1 to 31"), ("--forward-flush", "soon", "duration")):
        r = t.cli(["serve", "--data-dir", os.path.join(t.tmp, "x"), "--forward-influx", good, flag, value])
        t.check(r.returncode == 2 and flag in r.stderr and why in r.stderr, "%s %s: %r" % (flag, value, r.stderr))
    r = t.cli(["serve", "--data-dir", os.path.join(t.tmp, "x"), "--forward-influx", good + " colour=red"])
    t.check(r.returncode != 0 and "unknown target option" in r.stderr, "unknown option: %r" % r.stderr[-300:])


T.run(main, timeout=120)
