"""promcmp — comparing tidemark's Prometheus API answers with Prometheus'
own: the same request to both, then the same status, result type, label
sets and timestamps, values equal to 1e-9 relative, and the same error
(errorType and message) where Prometheus fails. Shared by the PromQL
comparison tests (test_promql_compare.py, test_promql_stale.py)."""
import math
import urllib.parse

import tmlib as T


def close(a, b):
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) or abs(a - b) < 1e-12


def val(s):
    return float(s)  # "NaN", "+Inf", "-Inf" read as such


def shape(body):
    """What can be compared of an answer: type, and per label set its points."""
    d = body["data"]
    kind, res = d["resultType"], d["result"]
    if kind in ("scalar", "string"):
        return kind, {(): [(res[0], res[1] if kind == "string" else val(res[1]))]}
    out = {}
    for s in res:
        key = tuple(sorted(s["metric"].items()))
        pts = [s["value"]] if kind == "vector" else s["values"]
        out[key] = [(p[0], val(p[1])) for p in pts]
    return kind, out


class Comparer:
    def __init__(self, t):
        self.t = t
        self.answered = []  # comparisons where Prometheus had series to compare

    def __call__(self, what, mine, theirs):
        t = self.t
        if not t.check(mine.status == theirs.status, "%s: status %s, Prometheus %s: %s / %s" % (
                what, mine.status, theirs.status, mine.text[:300], theirs.text[:300])):
            return
        a, b = mine.json(), theirs.json()
        if b["status"] != "success":
            t.eq((a.get("errorType"), a.get("error")), (b.get("errorType"), b.get("error")), what)
            return
        (ka, sa), (kb, sb) = shape(a), shape(b)
        if not t.eq(ka, kb, what + ": result type"):
            return
        if not t.eq(sorted(sa), sorted(sb), what + ": label sets"):
            return
        if sb:
            self.answered.append(what)
        for key, pb in sb.items():
            pa = sa[key]
            ta, tb = [p[0] for p in pa], [p[0] for p in pb]
            i = next((i for i, (x, y) in enumerate(zip(ta, tb)) if x != y), min(len(ta), len(tb)))
            if not t.check(ta == tb, "%s %s: timestamps differ from the %d-th on: tidemark %r, Prometheus %r" % (
                    what, key, i, ta[i:i + 3], tb[i:i + 3])):
                continue
            bad = [(x, y) for (_, x), (_, y) in zip(pa, pb)
                   if not (x == y if isinstance(x, str) else close(x, y))]
            t.check(not bad, "%s %s: values differ (tidemark, Prometheus): %s" % (what, key, bad[:3]))
        if "sort" in what and ka == "vector":  # the one case where a vector's order is the answer
            t.eq([tuple(sorted(s["metric"].items())) for s in a["data"]["result"]],
                 [tuple(sorted(s["metric"].items())) for s in b["data"]["result"]], what + ": order")


def get(base, path, params):
    return T.http("GET", base + path + "?" + urllib.parse.urlencode(params, doseq=True), timeout=30)


def post(base, path, params):
    return T.http("POST", base + path, urllib.parse.urlencode(params, doseq=True).encode(),
                  {"Content-Type": "application/x-www-form-urlencoded"}, timeout=30)


def compare_meta(t, mine, prom, path, params):
    """/api/v1/series, labels, label values: the same status and data (series in any order)."""
    a, b = get(mine, path, params), get(prom, path, params)
    if not t.eq(a.status, b.status, "%s %r status" % (path, params)):
        return
    if b.json()["status"] != "success":
        t.eq(a.json(), b.json(), "%s %r: the error" % (path, params))
        return
    ka, kb = a.json()["data"], b.json()["data"]
    if path.endswith("series"):
        ka = sorted(tuple(sorted(x.items())) for x in ka)
        kb = sorted(tuple(sorted(x.items())) for x in kb)
    t.eq(ka, kb, "%s %r" % (path, params))
