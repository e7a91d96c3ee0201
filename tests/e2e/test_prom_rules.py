"""GET /api/v1/rules and /api/v1/alerts against Prometheus itself.

One Prometheus 2.42 (started once, on a free loopback port) holds rules
written as the PromQL of three tidemark rules: one that fires at once, one
pending for an hour (with keep_firing_for), one that fails at every
evaluation (ambiguous vector matching). The same samples go to both by
remote write. Once both have evaluated, the answers must have the same
shape: the same keys in the envelope, the group, every rule and every
alert; the same state, name, query (where tidemark's rule is the same
PromQL, as Prometheus does not reformat it), duration, keepFiringFor, health and type; the same alerts with
the same state and value string, Prometheus' labels a subset of tidemark's
(which adds metric and tidemark_rule), times in RFC 3339. type=record and
a bad type answer as Prometheus does. Requests go as Grafana's Prometheus
data source sends them (its Accept header, a Bearer token: without one the
answer is 401)."""
import os
import re
import sys
import time

import tmlib as T
from peers import Prometheus

TOKEN = "grafana-token"
GRAFANA = {"Accept": "application/json, text/plain, */*", "User-Agent": "Grafana/10.4.1",
           "Authorization": "Bearer " + TOKEN}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")

RULES_YML = """groups:
  - name: tidemark
    interval: 1s
    rules:
      - alert: hot
        expr: temp > 50
        labels: {severity: crit}
        annotations: {summary: "hot"}
      - alert: warm
        expr: max_over_time(temp{host="a"}[1m]) > 10
        for: 1h
        keep_firing_for: 5m
        labels: {severity: warn}
      - alert: broken
        expr: temp + on() vector(1)
        labels: {severity: warn}
"""
TIDEMARK_RULES = [
    {"id": "hot", "expr": "temp > 50", "level": "crit", "summary": "hot"},
    {"id": "warm", "metric": "temp", "tags": {"host": "a"}, "agg": "max", "duration": "1m", "threshold": 10,
     "for": "1h", "keep_firing_for": "5m"},
    {"id": "broken", "expr": "temp + on() vector(1)"},
]


class RulesPrometheus(Prometheus):
    def command(self):
        cmd = super().command()
        rules = os.path.join(self.dir, "rules.yml")
        with open(rules, "w") as f:
            f.write(RULES_YML)
        with open(os.path.join(self.dir, "prometheus.yml"), "a") as f:
            f.write("  evaluation_interval: 1s\nrule_files: [%s]\n" % rules)
        return cmd


def write_body(now_ms):
    return T.snappy_literals(T.prom_write_request([
        ([("__name__", "temp"), ("host", "a")], [(60.0, now_ms)]),
        ([("__name__", "temp"), ("host", "b")], [(40.0, now_ms)]),
    ]))


def send(t, url, body, headers=None):
    h = {"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
         "X-Prometheus-Remote-Write-Version": "0.1.0"}
    h.update(headers or {})
    r = T.http("POST", url, body, h, timeout=15)
    t.require(r.status in (200, 204), "remote write to %s: %s %s" % (url, r.status, r.text[:200]))


def settled(body):
    """every rule evaluated, hot firing, warm pending"""
    if not body or body.get("status") != "success":
        return False
    rules = {r["name"]: r for g in body["data"]["groups"] for r in g["rules"]}
    return (len(rules) == 3 and all(r["health"] != "unknown" for r in rules.values())
            and rules["hot"]["state"] == "firing" and rules["warm"]["state"] == "pending")


def fetch(url, path, headers=None):
    r = T.http("GET", url + path, headers=headers, timeout=15)
    return r.json() if r.status == 200 else None


def compare_rule(t, name, mine, theirs):
    t.eq(sorted(mine), sorted(theirs), "rule %s: keys" % name)
    for k in ("state", "name", "duration", "keepFiringFor", "health", "type"):
        t.eq(mine.get(k), theirs.get(k), "rule %s: %s" % (name, k))
    if name == "hot":  # warm is tidemark's rendering of a metric rule; broken Prometheus reformats
        t.eq(mine["query"], theirs["query"], "rule %s: query" % name)
    t.eq(mine["labels"].get("severity"), theirs["labels"].get("severity"), "rule %s: severity" % name)
    t.check(isinstance(mine["evaluationTime"], (int, float)), "rule %s: evaluationTime %r" % (
        name, mine["evaluationTime"]))
    t.check(RFC3339.match(mine["lastEvaluation"]), "rule %s: lastEvaluation %r" % (name, mine["lastEvaluation"]))
    t.eq(len(mine["alerts"]), len(theirs["alerts"]), "rule %s: alerts" % name)
    for a, b in zip(mine["alerts"], theirs["alerts"]):
        compare_alert(t, "rule %s" % name, a, b)


def compare_alert(t, what, a, b):
    t.eq(sorted(a), sorted(b), what + ": alert keys")
    t.eq((a["state"], a["value"]), (b["state"], b["value"]), what + ": alert state and value")
    t.check(set(b["labels"].items()) <= set(a["labels"].items()), "%s: labels %r lack some of Prometheus' %r" % (
        what, a["labels"], b["labels"]))
    t.check(RFC3339.match(a["activeAt"]), "%s: activeAt %r" % (what, a["activeAt"]))


def main(t):
    prom = RulesPrometheus(t).start()
    s = t.server(args=["--memory", "--token", TOKEN])
    now = int(time.time() * 1000)
    send(t, prom.write_url(), write_body(now))
    send(t, s.url("/api/v1/write"), write_body(now), {"Authorization": "Bearer " + TOKEN})
    for rule in TIDEMARK_RULES:
        r = s.post_json("/alerts", rule, headers={"Authorization": "Bearer " + TOKEN})
        t.require(r.status == 201, "create %s: %s %s" % (rule["id"], r.status, r.text))

    t.step("both evaluate: hot fires, warm is pending, broken fails")
    mine_url, prom_url = s.url(""), prom.url("")
    t.require(T.wait_until(lambda: settled(fetch(prom_url, "/api/v1/rules")), 60, 0.2), "Prometheus never settled")
    t.require(T.wait_until(lambda: settled(fetch(mine_url, "/api/v1/rules", GRAFANA)), 30, 0.2),
              "tidemark never settled: %r" % fetch(mine_url, "/api/v1/rules", GRAFANA))

    t.step("/api/v1/rules as Grafana asks for it")
    mine, theirs = fetch(mine_url, "/api/v1/rules", GRAFANA), fetch(prom_url, "/api/v1/rules")
    t.eq(sorted(mine), sorted(theirs), "envelope keys")
    t.eq(sorted(mine["data"]), sorted(theirs["data"]), "data keys")
    gm, gp = mine["data"]["groups"][0], theirs["data"]["groups"][0]
    t.eq(sorted(gm), sorted(gp), "group keys")
    t.eq((gm["name"], gm["interval"], gm["limit"]), (gp["name"], gp["interval"], gp["limit"]), "group")
    t.check(RFC3339.match(gm["lastEvaluation"]), "group lastEvaluation %r" % gm["lastEvaluation"])
    rm = {r["name"]: r for r in gm["rules"]}
    rp = {r["name"]: r for r in gp["rules"]}
    t.eq(sorted(rm), sorted(rp), "rule names")
    for name in rp:
        compare_rule(t, name, rm[name], rp[name])
    t.check("multiple matches for labels" in rm["broken"].get("lastError", ""),
            "broken: lastError %r (Prometheus: %r)" % (rm["broken"].get("lastError"), rp["broken"].get("lastError")))
    t.eq(rm["hot"]["alerts"][0]["annotations"].get("summary"), "hot", "hot: the summary annotation")

    t.step("/api/v1/alerts")
    am, ap = fetch(mine_url, "/api/v1/alerts", GRAFANA), fetch(prom_url, "/api/v1/alerts")
    t.eq(sorted(am["data"]), sorted(ap["data"]), "alerts data keys")
    key = lambda a: a["labels"]["alertname"]  # noqa: E731
    ma, pa = sorted(am["data"]["alerts"], key=key), sorted(ap["data"]["alerts"], key=key)
    t.eq([key(a) for a in ma], [key(a) for a in pa], "alerts")
    for a, b in zip(ma, pa):
        compare_alert(t, "alert %s" % key(b), a, b)

    t.step("type=record, type=alert, a bad type; no token")
    for q in ("?type=record", "?type=alert", "?type=bogus"):
        a = T.http("GET", mine_url + "/api/v1/rules" + q, headers=GRAFANA, timeout=15)
        b = T.http("GET", prom_url + "/api/v1/rules" + q, timeout=15)
        t.eq(a.status, b.status, q + " status")
        ja, jb = a.json(), b.json()
        if jb["status"] == "error":
            t.eq(ja, jb, q)
        else:
            t.eq([[r["name"] for r in g["rules"]] for g in ja["data"]["groups"]],
                 [[r["name"] for r in g["rules"]] for g in jb["data"]["groups"]], q + " rules")
    for path in ("/api/v1/rules", "/api/v1/alerts"):
        t.eq(T.http("GET", mine_url + path, timeout=15).status, 401, path + " without the token")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    T.run(main, timeout=150)
