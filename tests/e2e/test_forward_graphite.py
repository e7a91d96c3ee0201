"""Forwarding by Graphite plaintext: tidemark → a real carbon-c-relay →
a second tidemark, read back from the second one's own API with the same
names, Graphite 1.1 tags, values and (second) times; a per-target tag filter.
Then sharding straight to three tidemarks: with --forward-shard and
--forward-replicas 2 every series lands on exactly two of them, always the
same two, and the three share the load; --forward-match keeps the rest home."""
import time

import peers as P
import tmlib as T


def series_of(s):
    return {(m["metric"], tuple(sorted(m["tags"].items()))): m["points"] for m in s.metrics()}


def main(t):
    back = t.server("back")
    relay = P.CarbonRelay(t, "127.0.0.1:%d" % back.graphite_port).start()
    side = t.server("side")
    front = t.server("front", args=[
        "--forward-graphite", "127.0.0.1:%d" % relay.port,
        "--forward-graphite", "127.0.0.1:%d tag=dc:eu" % side.graphite_port,
        "--forward-flush", "200ms"])

    t.step("through carbon-c-relay: names, tags, values, times")
    now = int(time.time()) - 120
    body = []
    for k in range(30):
        body.append({"metric": "web.req.count", "value": k * 1.5, "time": now + k, "tags": {"dc": "eu", "host": "a.b"}})
        body.append({"metric": "db.load", "value": 100 - k, "time": now + k})
    front.write(body)
    t.require(T.wait_until(lambda: len(back.export("web.req.count", {"from": now - 10})) == 30 and
                           len(back.export("db.load", {"from": now - 10})) == 30, 30),
              "60 samples at the far tidemark:\n%s\n%s" % (front.prom()[-2500:], relay.log()[-1500:]))
    got = back.export("web.req.count", {"from": now - 10, "dc": "eu", "host": "a.b"})
    t.eq([(p["time"], p["value"]) for p in got], [(now + k, k * 1.5) for k in range(30)], "values and times")
    t.eq(set(series_of(back)), {("web.req.count", (("dc", "eu"), ("host", "a.b"))), ("db.load", ())},
         "names and tags")
    t.require(T.wait_until(lambda: len(side.export("web.req.count", {"from": now - 10})) == 30, 20),
              "the tag-filtered target got dc=eu")
    t.eq([m["metric"] for m in side.metrics()], ["web.req.count"], "and nothing else")

    t.step("sharded over three tidemarks, two replicas each")
    nodes = [t.server("node%d" % i) for i in range(3)]
    args = ["--forward-shard", "--forward-replicas", "2", "--forward-flush", "200ms", "--forward-match", "shard.*"]
    for n in nodes:
        args += ["--forward-graphite", "127.0.0.1:%d" % n.graphite_port]
    edge = t.server("edge", args=args)
    names = ["shard.s%02d" % i for i in range(30)]
    edge.write([{"metric": m, "value": 1, "time": now} for m in names] +
               [{"metric": "local.only", "value": 1, "time": now}])  # --forward-match leaves it out

    def placed():
        return [set(m["metric"] for m in n.metrics()) for n in nodes]

    T.wait_until(lambda: sum(len(p) for p in placed()) == 60, 30)
    where = placed()
    t.eq(sum(len(p) for p in where), 60, "30 series x 2 replicas, nothing unmatched")
    t.check(all(sum(m in p for p in where) == 2 for m in names), "every series on exactly two nodes: %r" % where)
    t.check(all(len(p) >= 10 for p in where), "each node a fair share: %r" % [len(p) for p in where])
    edge.write([{"metric": m, "value": 2, "time": now + 1} for m in names])
    T.wait_until(lambda: all(len(n.export(m, {"from": now - 10})) == 2 for n, p in zip(nodes, where) for m in p), 30)
    t.check(all(len(n.export(m, {"from": now - 10})) == 2 for n, p in zip(nodes, where) for m in p),
            "a series keeps its nodes")


T.run(main, timeout=150)
