"""The Prometheus API over tidemark's own data, where Prometheus has no twin
to compare with: series from other protocols (a Graphite name with dots is
{__name__="a.b.c"}, Influx fields and tags), values JSON cannot hold
("NaN", "+Inf" as strings), the query bounds (422 past --query-max-points
or --query-max-series, 503 past timeout=), a token, and tidemark's own
/api/v1/query?metric= beside PromQL on the same route."""
import time
import urllib.parse

import tmlib as T

TOKEN = "s3cret"


def q(s, path, params, headers=None):
    return s.get(path + "?" + urllib.parse.urlencode(params), headers={"X-AUTH-TOKEN": TOKEN} if headers is None else headers)


def main(t):
    s = t.server(args=["--memory", "--token", TOKEN, "--query-max-points", "20000", "--query-max-series", "50"])
    now = int(time.time())
    auth = {"X-AUTH-TOKEN": TOKEN}
    T.graphite_tcp(s.graphite_port, "".join("host1.cpu.user %d %d\n" % (10 + i, now - 60 + i * 10) for i in range(6)))
    r = s.post("/write?precision=s", "".join("disk,host=a,dev=sda used=%di %d\n" % (i, now - 50 + i * 10)
                                             for i in range(5)).encode(), "text/plain", auth)
    t.require(r.status == 204, "influx write: %s" % r)
    pts = [{"metric": "ratio", "value": v, "time": now - 5, "tags": {"k": k}}
           for k, v in (("zero", 0), ("one", 1), ("two", 2))]
    pts += [{"metric": "many", "value": i, "time": now - 5, "tags": {"i": str(i)}} for i in range(60)]
    t.require(s.post_json("/api/v1/data", pts, headers=auth).status in (200, 204), "json write")
    t.require(T.wait_until(lambda: q(s, "/api/v1/query", {"query": 'count({__name__=~"host1.*"})'}).status == 200 and
                           q(s, "/api/v1/query", {"query": '{__name__="host1.cpu.user"}'}).json()["data"]["result"],
                           10), "the Graphite sample is not queryable")

    t.step("other protocols' series, by name and labels")
    r = q(s, "/api/v1/query", {"query": '{__name__="host1.cpu.user"}', "time": now})
    res = r.json()["data"]["result"]
    t.eq([(x["metric"], x["value"][1]) for x in res], [({"__name__": "host1.cpu.user"}, "15")], "Graphite series")
    r = q(s, "/api/v1/query", {"query": 'sum by (host) ({__name__="disk.used", dev="sda"})', "time": now})
    t.eq([(x["metric"], x["value"][1]) for x in r.json()["data"]["result"]], [({"host": "a"}, "4")], "Influx series")
    r = q(s, "/api/v1/label/__name__/values", {})
    t.check({"host1.cpu.user", "disk.used", "ratio"} <= set(r.json()["data"]), "names: %s" % r.text[:200])

    t.step("values JSON has no numbers for")
    r = q(s, "/api/v1/query", {"query": "ratio / 0", "time": now})
    got = {x["metric"]["k"]: x["value"][1] for x in r.json()["data"]["result"]}
    t.eq(got, {"zero": "NaN", "one": "+Inf", "two": "+Inf"}, "x / 0")
    r = q(s, "/api/v1/query", {"query": "-ratio / 0 < 0", "time": now})
    t.eq(sorted(x["value"][1] for x in r.json()["data"]["result"]), ["-Inf", "-Inf"], "-x / 0, NaN filtered")
    r = q(s, "/api/v1/query", {"query": "1e-7", "time": now})
    t.eq(r.json()["data"]["result"][1], "0.0000001", "no exponent")

    t.step("bounds: series, points, time")
    r = q(s, "/api/v1/query", {"query": "many", "time": now})
    t.check(r.status == 422 and r.json()["errorType"] == "execution" and "series" in r.json()["error"],
            "max series: %s" % r.text[:200])
    r = q(s, "/api/v1/query_range", {"query": "ratio + 1", "start": now - 86400, "end": now, "step": 10})
    t.check(r.status == 422 and r.json()["errorType"] == "execution" and "points" in r.json()["error"],
            "max points: %s" % r.text[:200])
    r = q(s, "/api/v1/query_range", {"query": "ratio", "start": now - 3000, "end": now, "step": 10})
    t.check(r.status == 200, "under the bound: %s" % r.text[:200])
    # a day of 1 s steps for each of 20 series: tens of milliseconds of work
    s2 = t.server(args=["--memory"])
    t.require(s2.post_json("/api/v1/data", pts[3:23]).status in (200, 204), "json write")
    r = q(s2, "/api/v1/query", {"query": "count_over_time(many[1d:1s])", "time": now, "timeout": "0.001"})
    t.check(r.status == 503 and r.json()["errorType"] == "timeout", "timeout: %s" % r.text[:200])
    r = q(s2, "/api/v1/query", {"query": "count_over_time(many[1d:1s])", "time": now})
    t.check(r.status == 200 and {x["value"][1] for x in r.json()["data"]["result"]} == {"6"},  # 5 s ago to now
            "without the timeout: %s" % r.text[:200])

    t.step("a token, and tidemark's own query on the same route")
    r = q(s, "/api/v1/query", {"query": "1+1"}, headers={})
    t.eq(r.status, 401, "no token")
    r = q(s, "/api/v1/query", {"metric": "host1.cpu.user", "from": now - 120})
    t.check(r.status == 200 and r.json()["metric"] == "host1.cpu.user" and len(r.json()["points"]) == 6,
            "metric=: %s" % r.text[:200])
    r = s.post("/api/v1/query", urllib.parse.urlencode({"query": "vector(3)", "time": now}).encode(),
               "application/x-www-form-urlencoded", auth)
    t.eq(r.json()["data"]["result"], [{"metric": {}, "value": [now, "3"]}], "POST form")


if __name__ == "__main__":
    T.run(main)
