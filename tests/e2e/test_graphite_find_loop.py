"""/metrics/find answered on the event loop or on a query worker, end to
end: the same answers either way, and the loop keeps only small walks.

- a series written over HTTP is found by the very next find (the index is
  behind the store then: the find goes to a worker, which syncs first), and
  the find after it is answered on the loop (tidemark_queries_total);
- treejson, completer, json, wildcards and leavesOnly answer alike from the
  loop and from a worker (a first find after a write goes to a worker);
- a glob whose walk looks at more nodes than the loop's budget (12000
  children of one node: `big.*`), or that answers too many (3000), runs on
  a worker and answers every node; `big.h0000*` then visits only its
  prefix's range in big's children (put in order by that worker) and is
  answered on the loop;
- a deleted series is gone from the next find;
- Graphite lines sent while big finds run back to back are all stored.
"""
import json
import threading

import tmlib as T

WHERE = "tidemark_queries_total"


def counts(s):
    text = s.prom()
    return (T.prom_value(text, WHERE, {"where": "loop"}) or 0, T.prom_value(text, WHERE, {"where": "worker"}) or 0)


def find(s, query, **params):
    p = dict(params, query=query)
    return s.get_json("/metrics/find", p)


def sample(name, t, v=1.0):
    return {"metric": name, "time": t, "value": v}


def main(t):
    s = t.server()
    now = 1700000000
    s.write([sample("small.%s.x" % h, now) for h in "ab"] + [sample("small.a", now)])

    t.step("a write, then find: the index catches up on a worker, then the loop answers")
    loop0, work0 = counts(s)
    got = [n["id"] for n in find(s, "small.*")]
    t.eq(got, ["small.a", "small.b"], "small.* after the first write")
    loop1, work1 = counts(s)
    t.eq((loop1 - loop0, work1 - work0), (0, 1), "the first find after a write ran on a worker")
    again = find(s, "small.*")
    loop2, work2 = counts(s)
    t.eq((loop2 - loop1, work2 - work1), (1, 0), "the next one on the loop")
    t.eq([n["id"] for n in again], got, "the same answer from the loop")
    s.write([sample("small.c.x", now)])
    t.eq([n["id"] for n in find(s, "small.*")], ["small.a", "small.b", "small.c"], "small.c found at once")

    t.step("every format alike from a worker and from the loop")
    forms = [("small.*", {}), ("small.*", {"wildcards": "1"}), ("small.*", {"leavesOnly": "1"}),
             ("small.", {"format": "completer"}), ("small..x", {"format": "completer", "wildcards": "1"}),
             ("small.{a,c}*", {"format": "json"}), ("small.[a-b]", {"format": "treejson", "jsonp": "cb"}),
             ("small.*.x", {}), ("small.*.x", {"format": "completer"})]
    for i, (q, p) in enumerate(forms):
        s.write([sample("other.n%d" % i, now)])  # the index is behind again: the first find goes to a worker
        loop0, work0 = counts(s)
        first = s.get("/metrics/find?" + T.qs(dict(p, query=q)))
        second = s.get("/metrics/find?" + T.qs(dict(p, query=q)))
        loop1, work1 = counts(s)
        t.eq((loop1 - loop0, work1 - work0), (1, 1), "%s %s: one from a worker, one from the loop" % (q, p))
        t.eq((second.status, second.text), (first.status, first.text), "%s %s: the same answer" % (q, p))
    for where in ("a worker", "the loop"):
        body = find(s, "small.*.x") if where == "the loop" else (s.write([sample("other.x", now)]), find(s, "small.*.x"))[1]
        t.eq([(n["text"], n["id"], n["leaf"]) for n in body], [("x", "small.*.x", 1)],
             "treejson from %s: small.a.x, small.b.x, small.c.x are one name" % where)
    s.write([sample("small.z", now)])
    for where in ("a worker", "the loop"):
        body = json.loads(s.get("/metrics/find?" + T.qs({"query": "small.*", "wildcards": "1"})).text)
        t.eq([(n["text"], n["id"], n["leaf"]) for n in body],
             [("*", "small.*", 0), ("a", "small.a", 0), ("b", "small.b", 0), ("c", "small.c", 0),
              ("z", "small.z", 1)], "wildcards from %s: '*', branches (small.a is both), then leaves" % where)

    t.step("a walk past the loop's budget runs on a worker")
    names = ["big.h%05d.m" % i for i in range(12000)]
    for i in range(0, len(names), 4000):
        s.write([sample(n, now) for n in names[i:i + 4000]])
    find(s, "small.*")  # a worker syncs the index
    loop0, work0 = counts(s)
    every = find(s, "big.*")
    t.eq(len(every), 12000, "big.*: every child")
    t.eq([n["id"] for n in every[:2]], ["big.h00000", "big.h00001"], "big.*: sorted")
    t.check(all(n["expandable"] == 1 and n["leaf"] == 0 for n in every), "big.*: all branches")
    loop1, work1 = counts(s)
    t.eq((loop1 - loop0, work1 - work0), (0, 1), "big.* ran on a worker (which put big's children in order)")
    ten = find(s, "big.h0000*")
    t.eq([n["text"] for n in ten], ["h%05d" % i for i in range(10)], "big.h0000*: 10 of 12000")
    t.eq(len(find(s, "big.h00001.*")), 1, "a literal path down one host")
    loop2, work2 = counts(s)
    t.eq((loop2 - loop1, work2 - work1), (2, 0), "both on the loop: a prefix's range in big's order is short")
    s.write([sample("mid.r%04d" % i, now) for i in range(3000)])
    t.eq(len(find(s, "mid.*")), 3000, "mid.*: every child")
    t.eq(len(find(s, "mid.*")), 3000, "mid.*: again")
    t.eq([n["id"] for n in find(s, "mid.r00*")][-1], "mid.r0099", "mid.r00*: 100 of them")
    loop3, work3 = counts(s)
    t.eq((loop3 - loop2, work3 - work2), (1, 2), "3000 answers go to a worker, 100 do not")

    t.step("a delete is seen by the next find")
    r = T.http("DELETE", s.url("/api/v1/series?" + T.qs({"match": "small.c.x"})))
    t.eq(r.status, 200, "DELETE small.c.x")
    t.eq([n["id"] for n in find(s, "small.*")], ["small.a", "small.b", "small.z"], "small.c is gone")

    t.step("ingestion goes on beside big finds")
    stop = threading.Event()
    done = [0]

    def finds():
        while not stop.is_set() and done[0] < 2000:
            find(s, "big.*")
            done[0] += 1
    th = threading.Thread(target=finds)
    th.start()
    base = s.counter("tidemark_samples_received_total", {"protocol": "graphite"})
    lines = "".join("feed.m%d %d %d\n" % (i % 50, i, now + i) for i in range(5000))
    s.tcp(lines)
    stored = T.wait_until(lambda: s.counter("tidemark_samples_received_total", {"protocol": "graphite"}) - base
                          >= 5000, timeout=30)
    stop.set()
    th.join(60)
    t.check(stored, "5000 Graphite lines stored while %d big finds ran" % done[0])


if __name__ == "__main__":
    T.run(main)
