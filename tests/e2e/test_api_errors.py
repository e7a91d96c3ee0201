"""The HTTP API says what is wrong, in the user's words.

Proves: an inverted range (from after until) is a 400 that says so, for
/api/v1/query, /api/v1/data/{metric} and `tidemark query`, never "too many
points" nor an empty answer; `/api/v1/data/` with an empty name is a 400
(not every series mixed together); a type conflict on /add names the field
and the series (`field 3 (door): series door;host=h holds string values`),
by GET and by POST form, and keeps the good fields; the docs promise no
/render nor alerts in the README while `tidemark routes` has none (docs/ is
held to the route table by test_docs).
"""
import os
import re
import time

import tmlib as T


def main(t):
    s = t.server()
    now = int(time.time())
    s.write([{"metric": "e.temp", "value": 20 + i, "time": now - 300 + 10 * i, "tags": {"host": "a"}}
             for i in range(10)])

    t.step("an inverted range says so")
    for path, params in (("/api/v1/query", {"metric": "e.temp", "from": "now", "until": "-1h"}),
                         ("/api/v1/query", {"metric": "e.temp", "from": now, "until": now - 600, "step": "1m"}),
                         ("/api/v1/data/e.temp", {"from": now + 3600})):
        r = s.get(path + "?" + T.qs(params))
        t.eq(r.status, 400, "inverted %s %r: status" % (path, params))
        msg = r.json().get("error", "") if r.status == 400 else r.text
        t.check("inverted" in msg and "from" in msg and "until" in msg, "%s: the error says so: %r" % (path, msg))
        t.check("too many points" not in msg, "%s: not 'too many points': %r" % (path, msg))
    r = t.cli(["query", "e.temp", "--from", "now", "--until", "-1h", "--server",
               "http://127.0.0.1:%d" % s.http_port])
    t.check(r.returncode != 0 and "inverted" in r.stderr, "tidemark query: an inverted range: %r" % r.stderr)
    pts = s.query({"metric": "e.temp", "from": now - 600, "until": now})["points"]
    t.eq(len(pts), 10, "a range the right way round still answers")

    t.step("/api/v1/data/ needs a name")
    for path in ("/api/v1/data/", "/api/v1/data/?host=a"):
        r = s.get(path)
        t.eq(r.status, 400, "%s: status" % path)
        t.check(r.status == 400 and "name" in r.json().get("error", ""), "%s: the error asks for a name: %r" % (path, r))
    t.eq(len(s.export("e.temp")), 10, "/api/v1/data/NAME still answers")

    t.step("a type conflict on /add names the field and the series")
    t.eq(s.get("/add?host=h&door=open").json(), {"stored": 1}, "door is a string series")
    r = s.get("/add?host=h&temp=1&door=5")
    t.eq(r.status, 400, "/add with a number for a string series: status")
    err = r.json()
    t.check("door" in err["error"].split(":")[0] and "series door;host=h holds string values" in err["error"],
            "the error names the field and the series: %r" % err)
    t.eq(err.get("line"), 3, "line is the field's position")
    t.check("1 stored" in err["error"], "the good field was stored: %r" % err)
    t.eq([p["value"] for p in s.export("temp", {"host": "h"})], [1], "temp was kept")
    r = s.post("/add", "host=h&door=6&x=2", "application/x-www-form-urlencoded")
    t.check(r.status == 400 and r.json()["error"].startswith("field 2 (door)"), "POST form: named too: %r" % r)
    r = s.post_json("/api/v1/data", [{"metric": "x", "value": 1, "tags": {"host": "h"}},
                                     {"metric": "door", "value": 3, "tags": {"host": "h"}}])
    t.check(r.status == 400 and "door;host=h" in r.json()["error"] and r.json()["line"] == 2,
            "JSON: the element and its series: %r" % r)

    t.step("no promise of routes that are not there")
    # docs/ pages are held to `tidemark routes` by test_docs (every METHOD /path
    # span); the README, the newcomer's page, names neither before they exist
    routes = t.cli(["routes"]).stdout
    with open(os.path.join(T.REPO, "README.md"), encoding="utf-8") as f:
        text = f.read()
    for route, word in (("/render", r"/render\b"), ("/alerts", r"/alerts\b|\balert(s|ing)\b")):
        if not re.search(r"\s%s\s" % re.escape(route), routes):
            t.check(not re.search(word, text, re.I), "no %s route, and the README does not promise one" % route)
    r = s.get("/render?target=e.temp")
    if not re.search(r"\s/render\s", routes):
        t.eq(r.status, 404, "/render is not answered while there is none")


T.run(main)
