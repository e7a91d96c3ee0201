"""tidemark answers as graphite-web 1.1 does: every request of
graphite_dataset.py (every function, time form, format and route) against
the answers graphite-web itself gave on the same data, recorded by
scripts/graphite_fixture.py into graphite/fixture.json.

Proves: for each request the status, and the values, nulls, timestamps,
target names and their order (render), or the whole JSON (find, expand,
index.json, tags) are exactly graphite-web's. Differences are listed one a
line, naming the request.
"""
import json
import os
import time

import graphite_dataset as D
import tmlib as T

FIXTURE = os.path.join(T.HERE, "graphite", "fixture.json")


def first_diff(a, b, path=""):
    """Where two JSON values first differ, for the failure message."""
    if type(a) != type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return "%s: %r vs %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (path, k, "tidemark" if k in a else "graphite-web")
            d = first_diff(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d vs %d entries (%r... vs %r...)" % (path, len(a), len(b), a[:3], b[:3])
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r vs %r" % (path, a, b)


# The functions the issue and SPEC name: each must be one of tidemark's.
REQUIRED = """sumSeries averageSeries maxSeries minSeries scale offset derivative nonNegativeDerivative perSecond
movingAverage summarize alias aliasByNode groupByNode highestCurrent constantLine consolidateBy asPercent diffSeries
divideSeries multiplySeries countSeries group sumSeriesWithWildcards averageSeriesWithWildcards aliasSub
removeBelowValue removeAboveValue keepLastValue transformNull integral timeShift delay absolute hitcount
scaleToSeconds sortByMaxima sortByName sortByTotal limit exclude grep highestAverage highestMax lowestAverage
lowestCurrent currentAbove currentBelow averageAbove maximumAbove nPercentile percentileOfSeries stdev applyByNode
seriesByTag groupByTags aliasByTags""".split()


def functions_covered(t, s, fixture):
    """/functions lists exactly the dataset's FUNCTIONS, the required ones
    among them, and each is called by a render graphite-web answered 200."""
    import re
    listed = set(s.get_json("/functions"))
    t.eq(sorted(listed), sorted(D.FUNCTIONS), "/functions lists the functions the comparison covers")
    t.eq([f for f in REQUIRED if f not in listed], [], "every function the issue names is served")
    called = set()
    for ans in fixture:
        if ans["path"] == "/render" and ans["status"] == 200:
            for tg in ans["params"]["target"] if isinstance(ans["params"]["target"], list) else [ans["params"]["target"]]:
                called |= set(re.findall(r"([A-Za-z]+)\(", tg))
    t.eq([f for f in D.FUNCTIONS if f not in called], [], "every function has an answer of graphite-web compared")


def main(t):
    with open(FIXTURE) as f:
        fixture = json.load(f)["answers"]
    s = t.server(args=["--retention", D.RETENTION])
    now = int(time.time())
    base = now - now % 86400 - 86400
    T.graphite_tcp(s.graphite_port, D.lines(base))
    s.write(D.tidemark_events(base))
    want = {n: len(p) for n, p in D.series()}

    def loaded():
        got = s.get_json("/api/v1/metrics")
        return sum(m["points"] for m in got) == sum(want.values()) + len(D.EVENTS)
    T.wait_until(loaded, timeout=60)
    bad = 0
    for ans in fixture:
        params = D.resolve(ans["params"], base)
        if ans["method"] == "POST":
            r = s.post(ans["path"], D.encode(params), "application/x-www-form-urlencoded", timeout=60)
        else:
            r = s.get(ans["path"] + "?" + D.encode(params), timeout=60)
        mine = D.normalize(ans["params"], r.status, r.headers.get("Content-Type", ""), r.text, base)
        theirs = {k: v for k, v in ans.items() if k not in ("label", "method", "path", "params")}
        d = first_diff(D.comparable(ans["path"], mine), D.comparable(ans["path"], theirs))
        t.check(d is None, "%s: %s" % (ans["label"], d))
        bad += d is not None
    print("%d of %d requests differ from graphite-web" % (bad, len(fixture)))
    functions_covered(t, s, fixture)
    t.eq(s.stop(), 0, "clean stop")


if __name__ == "__main__":
    T.run(main)
