"""Tag and label values keep every character their sender gave them.

InfluxDB `host=server\\ 01` is `server 01` (not `server_01`), a Prometheus
label `path="/a b;c"` stays `/a b;c`, a JSON tag may hold ';', '\\', '=' and
blanks. Each comes back as sent in /api/v1/metrics, /api/v1/query and the
live stream's JSON, a filter on the real value finds it, plain values keep
the Graphite 1.1 form, and all of it survives a restart (the keys are
stored escaped in the log and in SQLite).
"""
import json
import time
import urllib.parse

import test_promwrite as PW
import tmlib as T


def main(t):
    s = t.server()
    t0 = int(time.time()) - 600
    t.step("three protocols, values with blanks, ';', '\\\\', ',' and '='")
    r = s.post("/write?precision=s", "tv_influx,host=server\\ 01,path=/a\\,b\\=c v=1.5 %d\n" % t0, "text/plain")
    t.eq(r.status, 204, "InfluxDB write: %r" % r)
    body = PW.write_request([([("__name__", "tv_prom"), ("path", "/a b;c"), ("job", "plain")], [(2.5, t0 * 1000)])])
    r = PW.post_write(s, PW.snappy(body), headers={})
    t.eq(r.status, 204, "remote write: %r" % r)
    s.write({"metric": "tv.json", "value": 3, "time": t0, "tags": {"k": "a;b\\c d", "z": "\\;"}})
    s.write({"metric": "tv.plain", "value": 4, "time": t0, "tags": {"host": "web1"}})

    want = {
        "tv_influx.v": {"host": "server 01", "path": "/a,b=c"},
        "tv_prom": {"path": "/a b;c", "job": "plain"},
        "tv.json": {"k": "a;b\\c d", "z": "\\;"},
        "tv.plain": {"host": "web1"},
    }

    def check_all(when):
        got = {m["metric"]: m["tags"] for m in s.metrics() if m["metric"].startswith("tv")}
        t.eq(got, want, "%s: /api/v1/metrics shows every value as sent" % when)
        for metric, tags in want.items():
            q = s.query(dict({"metric": metric, "from": t0 - 10, "until": t0 + 10}, **tags))
            t.check(q.get("tags") == tags and q.get("points"),
                    "%s: /api/v1/query %s filtered on its real values: %r" % (when, metric, q))
        s.query({"metric": "tv_prom", "from": t0 - 10, "until": t0 + 10, "path": "/a_b_c"}, want=404)
        # the Prometheus API (labels) and graphite-web routes (names, tags) answer with values as sent
        r = s.get_json("/api/v1/series", {"match[]": '{__name__="tv_prom",path="/a b;c"}'})
        t.eq(r.get("data"), [{"__name__": "tv_prom", "path": "/a b;c", "job": "plain"}],
             "%s: /api/v1/series matched on the real label value" % when)
        r = s.get_json("/render", {"format": "json", "from": t0 - 60, "until": t0 + 60,
                                   "target": "seriesByTag('name=tv.json')"})
        t.eq([(x["target"], x["tags"]) for x in r],
             [("tv.json;k=a;b\\c d;z=\\;", {"name": "tv.json", "k": "a;b\\c d", "z": "\\;"})],
             "%s: /render names a tagged series name;k=v with values as sent" % when)
        r = s.get_json("/render", {"format": "json", "from": t0 - 60, "until": t0 + 60,
                                   "target": "seriesByTag('name=tv.plain')"})
        t.eq([x["target"] for x in r], ["tv.plain;host=web1"], "%s: a plain value keeps the Graphite 1.1 form" % when)
        t.eq(s.get_json("/tags/autoComplete/values", {"tag": "host"}), ["server 01", "web1"],
             "%s: /tags/autoComplete/values" % when)

    check_all("live")
    t.step("the live stream")
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=10)
    conn.request("GET", "/api/v1/stream?metric=tv.json")
    resp = conn.getresponse()
    t.require(T.wait_until(lambda: s.write({"metric": "tv.json", "value": 5, "time": t0 + 1,
                                             "tags": {"k": "a;b\\c d", "z": "\\;"}}) is not None, 5), "write")
    seen = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and seen is None:
        line = resp.fp.readline().decode()
        if line.startswith("data:"):
            ev = json.loads(line[5:])
            evs = ev if isinstance(ev, list) else [ev]
            for e in evs:
                if e.get("metric") == "tv.json":
                    seen = e
    conn.close()
    t.eq(seen and seen.get("tags"), want["tv.json"], "the stream's JSON shows the values as sent")

    s.restart()
    check_all("after a restart")
    t.eq(s.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main)
