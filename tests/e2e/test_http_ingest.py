"""HTTP ingestion: /add (Vapor Trail style) and POST /api/v1/data (JSON).

Proves: the SPEC's /add example over GET and over a POST form body stores a
number, a string and a location series tagged host=, whose /api/v1/metrics
entries have the SPEC's shape (location as [lat, lon]); /add without host is
a 400 that stores nothing; /api/v1/data takes one object or an array; a bad
element in the middle of an array is a 400 with "line":2 while the other
elements are stored; a type mismatch (string into a number series) is a 400
naming the element while the rest is kept; samples arriving out of order come
back sorted from /api/v1/data/{metric}, and a later write at the same
timestamp replaces the earlier one, also across chunks and restarts.
"""
import time

import tmlib as T

KEYS = {"metric", "tags", "type", "last_time", "last_value", "points"}


def by_metric(entries):
    return {e["metric"]: e for e in entries}


def main(t):
    s = t.server()
    now = time.time()
    T0 = int(now) - 3600

    t.step("/add over GET, the SPEC example")
    r = s.get("/add?host=dev&temperature=30.5&door=open&gps=52.5,13.4")
    t.eq(r.status, 200, "GET /add status")
    t.eq(r.json(), {"stored": 3}, "GET /add answer")
    m = by_metric(s.metrics(params={"host": "dev"}))
    t.eq(sorted(m), ["door", "gps", "temperature"], "series made by /add")
    for e in m.values():
        t.eq(set(e), KEYS, "keys of a /api/v1/metrics entry")
        t.eq(e["tags"], {"host": "dev"}, "tags of %s" % e["metric"])
        t.eq(e["points"], 1, "points of %s" % e["metric"])
        t.check(isinstance(e["last_time"], (int, float)) and abs(e["last_time"] - now) < 60,
                "last_time of %s is now as Unix seconds: %r" % (e["metric"], e["last_time"]))
    t.eq((m["temperature"]["type"], m["temperature"]["last_value"]), ("number", 30.5), "temperature")
    t.eq((m["door"]["type"], m["door"]["last_value"]), ("string", "open"), "door")
    t.eq((m["gps"]["type"], m["gps"]["last_value"]), ("location", [52.5, 13.4]), "gps as [lat, lon]")
    ex = s.export("gps", {"host": "dev"})
    t.eq([e["value"] for e in ex], [[52.5, 13.4]], "export of a location")
    ex = s.export("door", {"host": "dev"})
    t.eq([e["value"] for e in ex], ["open"], "export of a string")

    t.step("/add with time= and a POST form body")
    r = s.get("/add?" + T.qs([("host", "dev3"), ("time", T0), ("temperature", "-4"), ("door", "deploy v1.2")]))
    t.eq((r.status, r.json()), (200, {"stored": 2}), "GET /add with time=")
    t.eq(s.export("temperature", {"host": "dev3"}), [{"time": T0, "value": -4}], "time= stamps the samples")
    t.eq(s.export("door", {"host": "dev3"}), [{"time": T0, "value": "deploy v1.2"}], "'+' decodes to a space")
    r = s.post("/add", "host=dev2&temperature=31.5&door=closed&gps=48.1%2C11.6&time=" + str(T0),
               "application/x-www-form-urlencoded")
    t.eq((r.status, r.json()), (200, {"stored": 3}), "POST /add with a form body")
    m = by_metric(s.metrics(params={"host": "dev2"}))
    t.eq({k: (v["type"], v["last_value"], v["last_time"]) for k, v in m.items()},
         {"temperature": ("number", 31.5, T0), "door": ("string", "closed", T0),
          "gps": ("location", [48.1, 11.6], T0)}, "series of the form POST")

    t.step("/add without host")
    series0 = s.counter("tidemark_series")
    r = s.get("/add?temperature=1&door=x")
    t.eq(r.status, 400, "GET /add without host")
    t.check("error" in r.json(), "400 body has an error: %r" % r)
    r = s.post("/add", "temperature=1", "application/x-www-form-urlencoded")
    t.eq(r.status, 400, "POST /add without host")
    t.eq(s.counter("tidemark_series"), series0, "nothing stored without host")
    t.eq(len(s.metrics(match="temperature")), 3, "still three temperature series")

    t.step("POST /api/v1/data: one object, an array")
    r = s.post_json("/api/v1/data", {"metric": "h.obj", "value": 52.88, "time": T0, "tags": {"host": "a"}})
    t.eq((r.status, r.json()), (200, {"stored": 1}), "one object")
    t.eq(s.export("h.obj", {"host": "a"}), [{"time": T0, "value": 52.88}], "the object stored")
    t.eq(by_metric(s.metrics(match="h.obj"))["h.obj"]["tags"], {"host": "a"}, "its tags")
    r = s.post_json("/api/v1/data", [
        {"metric": "h.arr.num", "value": 1.25, "time": T0},
        {"metric": "h.arr.str", "value": "deploy v1.2", "time": T0 + 0.25},
        {"metric": "h.arr.loc", "value": [-33.9, 151.2], "time": T0},
        {"metric": "h.arr.now", "value": 7},
    ])
    t.eq((r.status, r.json()), (200, {"stored": 4}), "an array")
    m = by_metric(s.metrics(match="h.arr.*"))
    t.eq({k: (v["type"], v["last_value"]) for k, v in m.items()},
         {"h.arr.num": ("number", 1.25), "h.arr.str": ("string", "deploy v1.2"),
          "h.arr.loc": ("location", [-33.9, 151.2]), "h.arr.now": ("number", 7)}, "array elements stored")
    t.eq(m["h.arr.str"]["last_time"], T0 + 0.25, "fractional time kept to the millisecond")
    t.check(abs(m["h.arr.now"]["last_time"] - time.time()) < 60, "no time: now")

    t.step("a bad element in the middle")
    r = s.post_json("/api/v1/data", [
        {"metric": "h.mid.a", "value": 1, "time": T0},
        {"metric": "h.mid.b", "time": T0},
        {"metric": "h.mid.c", "value": 3, "time": T0},
    ])
    t.eq(r.status, 400, "bad element: status")
    body = r.json()
    t.check(isinstance(body.get("error"), str) and body["error"], "bad element: error message %r" % body)
    t.eq(body.get("line"), 2, "bad element: line")
    t.eq(s.export("h.mid.a"), [{"time": T0, "value": 1}], "element 1 stored")
    t.eq(s.export("h.mid.c"), [{"time": T0, "value": 3}], "element 3 stored")
    t.eq(s.metrics(match="h.mid.b"), [], "element 2 not stored")
    r = s.post("/api/v1/data", '[{"metric":"h.bad.json","value":1,', "application/json")
    t.eq(r.status, 400, "malformed JSON: status")
    t.check("line" in r.json(), "malformed JSON names a line: %r" % r)

    t.step("type mismatch")
    s.write({"metric": "h.num", "value": 1, "time": T0})
    r = s.post_json("/api/v1/data", [
        {"metric": "h.tm.a", "value": 1, "time": T0},
        {"metric": "h.num", "value": "text", "time": T0 + 1},
        {"metric": "h.tm.c", "value": 2, "time": T0},
    ])
    t.eq(r.status, 400, "type mismatch: status")
    body = r.json()
    t.check("h.num" in body.get("error", ""), "type mismatch: the error names the series: %r" % body)
    t.eq(body.get("line"), 2, "type mismatch: line (SPEC: 400 with {\"error\",\"line\":N})")
    t.eq(s.export("h.tm.a"), [{"time": T0, "value": 1}], "type mismatch: element 1 kept")
    t.eq(s.export("h.tm.c"), [{"time": T0, "value": 2}], "type mismatch: element 3 kept")
    t.eq(s.export("h.num"), [{"time": T0, "value": 1}], "type mismatch: the number series untouched")
    t.eq(by_metric(s.metrics(match="h.num"))["h.num"]["type"], "number", "type mismatch: type unchanged")
    r = s.get("/add?host=dev&temperature=warm")
    t.eq(r.status, 400, "/add: a string into a number series is a 400")
    t.eq(s.export("temperature", {"host": "dev"})[-1]["value"], 30.5, "/add: the number series untouched")

    t.step("out of order and overwrite")
    for dt, v in ((3, 30), (1, 10), (2, 20), (0, 0)):
        s.write({"metric": "h.ooo", "value": v, "time": T0 + dt})
    t.eq(s.export("h.ooo"), [{"time": T0 + i, "value": 10 * i} for i in range(4)], "out of order: sorted")
    t.eq(by_metric(s.metrics(match="h.ooo"))["h.ooo"]["last_value"], 30, "last_value is the newest sample")
    s.write({"metric": "h.ow", "value": 1, "time": T0})
    s.write({"metric": "h.ow", "value": 2, "time": T0})
    s.write([{"metric": "h.ow", "value": 5, "time": T0 + 1}, {"metric": "h.ow", "value": 6, "time": T0 + 1}])
    s.write([{"metric": "h.ows", "value": "first", "time": T0}, {"metric": "h.ows", "value": "second", "time": T0}])
    t.eq(s.export("h.ow"), [{"time": T0, "value": 2}, {"time": T0 + 1, "value": 6}], "overwrite: later wins")
    t.eq(s.export("h.ows"), [{"time": T0, "value": "second"}], "overwrite of a string: later wins")
    t.eq(s.query({"metric": "h.ow", "from": T0 - 10, "until": T0 + 10})["points"], [[T0, 2], [T0 + 1, 6]],
         "overwrite seen by /api/v1/query")
    t.eq(s.stop(), 0, "clean stop")
    s.start()
    t.eq(s.export("h.ow"), [{"time": T0, "value": 2}, {"time": T0 + 1, "value": 6}], "overwrite after restart")
    s.write({"metric": "h.ow", "value": 3, "time": T0})  # over a persisted chunk
    t.eq(s.export("h.ow"), [{"time": T0, "value": 3}, {"time": T0 + 1, "value": 6}],
         "overwrite of a persisted sample")
    s.stop()
    s.start()
    t.eq(s.export("h.ow"), [{"time": T0, "value": 3}, {"time": T0 + 1, "value": 6}],
         "overwrite of a persisted sample, after restart")
    t.eq(s.export("h.ooo"), [{"time": T0 + i, "value": 10 * i} for i in range(4)], "out of order after restart")
    t.eq(s.export("gps", {"host": "dev"})[0]["value"], [52.5, 13.4], "location after restart")
    t.eq(s.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main)
