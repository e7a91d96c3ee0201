"""`tidemark query` prints what a person reads.

Proves: numbers print as a person writes them (an average of 38.8468333...
prints 38.85; a stored 21.5 prints 21.5; 1234.5678 stays exact); when the
server folds several series into one answer the table says so
(`temp: 4 series, avg, 10s buckets`) and a single series says nothing of
the kind; `--each` prints every matching series apart, each under its own
name and tags, values its own (and with --tag, only those); `--each --json`
is a JSON array of one answer per series; strings and locations print
plainly; an unknown name with --each fails with a message.
"""
import time

import tmlib as T


def rows(out):
    """[(time, value)] of a table."""
    got = []
    for ln in out.splitlines():
        parts = ln.split(None, 1)
        if len(parts) == 2 and parts[0][:2] == "20" and parts[0].endswith("Z"):
            got.append((parts[0], parts[1]))
    return got


def main(t):
    s = t.server()
    srv = ["--server", "http://127.0.0.1:%d" % s.http_port]
    base = (int(time.time()) - 600) // 60 * 60
    # four hosts; the avg of their first minute is 38.84640375000001
    vals = {"a": [38.1, 38.2], "b": [39.70123, 39.6], "c": [38.5, 38.7], "d": [38.77, 39.2]}
    s.write([{"metric": "temp", "value": v, "time": base + 10 * i, "tags": {"host": h}}
             for h, vs in vals.items() for i, v in enumerate(vs)])
    s.write([{"metric": "one", "value": 21.5, "time": base}, {"metric": "one", "value": 1234.5678, "time": base + 10},
             {"metric": "note", "value": "deploy v1.2", "time": base},
             {"metric": "pos", "value": [52.5, 13.4], "time": base}])
    window = ["--from", str(base - 1), "--until", str(base + 59)]

    t.step("folded: the table says so, numbers as people write them")
    r = t.cli(["query", "temp", "--step", "1m"] + window + srv)
    t.eq(r.returncode, 0, "query temp: %r" % r.stderr)
    t.check("temp: 4 series, avg, 60s buckets" in r.stdout, "says it folded 4 series by avg: %r" % r.stdout)
    avg = sum(sum(v) for v in vals.values()) / 8
    t.check(len(repr(avg)) > 10, "the fixture's average has many digits: %r" % avg)
    t.eq([v for _, v in rows(r.stdout)], ["%.2f" % avg], "the average prints rounded, as a person writes it")
    r = t.cli(["query", "temp", "--step", "1m", "--agg", "max"] + window + srv)
    t.check("4 series, max" in r.stdout, "the fold names its agg: %r" % r.stdout)
    t.eq([v for _, v in rows(r.stdout)], ["39.70123"], "a stored value prints exactly")

    t.step("one series: exact values, nothing about folding")
    r = t.cli(["query", "one"] + window + srv)
    t.eq([v for _, v in rows(r.stdout)], ["21.5", "1234.5678"], "raw values as written")
    t.check("series" not in r.stdout, "a single series is not called folded: %r" % r.stdout)
    r = t.cli(["query", "note"] + window + srv)
    t.eq([v for _, v in rows(r.stdout)], ["deploy v1.2"], "a string prints plainly")
    r = t.cli(["query", "pos"] + window + srv)
    t.eq([v for _, v in rows(r.stdout)], ["52.5, 13.4"], "a location prints as lat, lon")

    t.step("--each prints them apart")
    r = t.cli(["query", "temp", "--each"] + window + srv)
    t.eq(r.returncode, 0, "--each: %r" % r.stderr)
    blocks = [b for b in r.stdout.strip().split("\n\n")]
    t.eq([b.splitlines()[0] for b in blocks], ["temp;host=%s" % h for h in "abcd"], "one block per series, named")
    for b, h in zip(blocks, "abcd"):
        t.eq([v for _, v in rows(b)], [("%.5f" % v).rstrip("0").rstrip(".") for v in vals[h]],
             "--each: host=%s has its own values" % h)
    t.check("4 series" not in r.stdout, "--each folds nothing")
    r = t.cli(["query", "temp", "--each", "--tag", "host=c"] + window + srv)
    t.eq([b.splitlines()[0] for b in r.stdout.strip().split("\n\n")], ["temp;host=c"], "--each with --tag")
    r = t.cli(["query", "temp", "--each", "--json"] + window + srv)
    try:
        j = T.strict_json(r.stdout)
        t.eq([(a["tags"], [p[1] for p in a["points"]]) for a in j], [({"host": h}, vals[h]) for h in "abcd"],
             "--each --json: one answer per series")
    except ValueError:
        t.check(False, "--each --json prints JSON: %r" % r.stdout)
    r = t.cli(["query", "no.such", "--each"] + srv)
    t.check(r.returncode != 0 and "no series" in r.stderr, "--each of nothing says so: %r" % r.stderr)
    r = t.cli(["query", "--help"])
    t.check("--each" in r.stdout, "query --help lists --each")


T.run(main)
