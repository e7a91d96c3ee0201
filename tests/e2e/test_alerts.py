"""Alerts end to end: a real server, a real webhook receiver on loopback.

One server (--alert-interval 250ms) and one receiver for the whole file;
every case uses its own metric, so their notifications never mix.
  - a crossing: exactly one firing and one resolved, with SPEC's body, also
    in /alerts/events, --alert-log, the live stream and /metrics;
  - `for` (pending first) and hysteresis (`recover`): one firing, one resolved
    for a value wobbling around the threshold;
  - nodata: a sender that stops, and an exact series that never arrived;
  - escalating levels, a string rule, a summary template, a silence;
  - a webhook that is down (and the server killed -9 meanwhile), then up:
    every transition, in order;
  - kill -9 while firing: after the restart the rule is still firing and
    nothing is sent again; the recovery is sent once;
  - expr rules: PromQL (the comparison inside, series by their labels)
    and Graphite (a function over globs, with a threshold);
  - bad rules get 400 naming the field; PUT, GET one, DELETE.
"""
import json
import os
import socket
import time

import hooklib
import tmlib as T


def rule(s, body, want=201):
    r = s.post_json("/alerts", body)
    if r.status != want:
        raise T.TestFailure("POST /alerts %s: want %s, got %r" % (body, want, r))
    return r.json()


def send(s, metric, value, tags=None):
    s.write({"metric": metric, "value": value, "tags": tags or {}})


def send_until(s, hook, path, n, metric, value, tags=None, timeout=30):
    """Keep reporting value, as a live sender does, until n bodies came to path.
    A window holding no sample changes nothing, so one sample sent once may
    leave the window in the same round as the old one it was to replace, if
    the evaluator runs late (a loaded machine); a sender that goes on does not."""
    deadline = time.monotonic() + timeout
    while len(hook.bodies(path)) < n and time.monotonic() < deadline:
        send(s, metric, value, tags)
        hook.wait(n, path, 0.25)
    return hook.bodies(path)


def states(s, rid):
    return s.get_json("/alerts/" + rid)["states"]


def state_of(s, rid):
    return s.get_json("/alerts/" + rid)["state"]


def wait_state(t, s, rid, want, timeout=20):
    ok = T.wait_until(lambda: state_of(s, rid) == want, timeout)
    t.check(ok, "rule %s reaches %s (now %s)" % (rid, want, state_of(s, rid)))


def crossing(t, s, hook):
    t.step("a crossing: one firing, one resolved, with SPEC's body")
    r = rule(s, {"id": "cross", "metric": "cross.cpu", "tags": {"host": "a"}, "op": ">", "threshold": 80,
                 "duration": "3s", "agg": "max", "level": "crit", "post": hook.url("/cross"),
                 "summary": "{{tags.host}} at {{value}} over {{threshold}}"})
    t.eq(r["id"], "cross", "201 answers the rule with its id")
    send(s, "cross.cpu", 50, {"host": "a"})
    send(s, "cross.cpu", 99, {"host": "b"})  # another host: not this rule's
    time.sleep(1.0)
    t.eq(hook.bodies("/cross"), [], "below the threshold: nothing sent")
    send(s, "cross.cpu", 90.5, {"host": "a"})
    got = hook.wait(1, "/cross")
    t.require(len(got) == 1, "one firing arrives: %r" % got)
    b = got[0]
    for k in ("id", "metric", "tags", "level", "state", "value", "threshold", "time"):
        t.check(k in b, "the body has %s: %r" % (k, b))
    t.eq((b["id"], b["metric"], b["tags"], b["level"], b["state"], b["value"], b["threshold"]),
         ("cross", "cross.cpu", {"host": "a"}, "crit", "firing", 90.5, 80), "the firing body")
    t.check(abs(b["time"] - time.time()) < 30, "time is now in Unix seconds: %r" % b["time"])
    t.eq(b.get("summary"), "a at 90.5 over 80", "the summary template")
    st = states(s, "cross")
    t.eq([(x["series"], x["state"]) for x in st], [("cross.cpu;host=a", "firing")], "GET /alerts/{id}: per series")
    got = send_until(s, hook, "/cross", 2, "cross.cpu", 40, {"host": "a"})
    t.eq([x["state"] for x in got], ["firing", "ok"], "then one resolved")
    if len(got) == 2:
        t.eq((got[1]["value"], got[1]["level"]), (40, "crit"), "the resolved body: value now, level it had")
    time.sleep(1.0)
    t.eq(len(hook.bodies("/cross")), 2, "nothing more while it stays ok")
    ev = s.get_json("/alerts/events", {"id": "cross"})
    t.eq([e["state"] for e in ev], ["ok", "firing"], "/alerts/events: newest first")
    t.eq(len(s.get_json("/alerts/events", {"id": "cross", "limit": 1})), 1, "?limit=")
    t.eq(s.get_json("/alerts/events", {"id": "cross", "since": "+1h"}), [], "?since=")
    log = os.path.join(s.data_dir, "alerts.log")
    lines = [json.loads(l) for l in open(log)] if os.path.exists(log) else []
    t.eq([(l["id"], l["state"]) for l in lines if l["id"] == "cross"], [("cross", "firing"), ("cross", "ok")],
         "DATA/alerts.log: one JSON line per transition")
    t.check(s.counter("tidemark_alert_evaluations_total") > 0, "/metrics counts evaluations")
    t.check(s.counter("tidemark_alert_transitions_total") >= 2, "/metrics counts transitions")
    t.check(s.counter("tidemark_alert_notifications_sent_total") >= 2, "/metrics counts notifications sent")


def for_and_hysteresis(t, s, hook):
    t.step("for: pending first; recover: a wobble at the threshold does not flap")
    rule(s, {"id": "hyst", "metric": "hyst.temp", "threshold": 70, "recover": 65, "for": "3s",
             "duration": "10s", "agg": "last", "post": hook.url("/hyst")})
    send(s, "hyst.temp", 75)
    wait_state(t, s, "hyst", "pending", 10)
    t.eq(hook.bodies("/hyst"), [], "pending is not notified")
    deadline = time.time() + 20
    while state_of(s, "hyst") != "firing" and time.time() < deadline:
        send(s, "hyst.temp", 75)
        time.sleep(0.2)
    t.eq(state_of(s, "hyst"), "firing", "firing once for has passed")
    for v in (69, 71, 68, 72, 66, 69):  # below 70 but above 65: still firing
        send(s, "hyst.temp", v)
        time.sleep(0.4)
    t.eq(state_of(s, "hyst"), "firing", "held by hysteresis above recover")
    send(s, "hyst.temp", 60)
    got = hook.wait(2, "/hyst")
    t.eq([x["state"] for x in got], ["firing", "ok"], "one firing, one resolved")


def nodata(t, s, hook):
    t.step("nodata: a sender that stops, a series that never arrived")
    rule(s, {"id": "pi", "metric": "pi.temp", "tags": {"host": "pi"}, "nodata": "3s", "level": "crit",
             "post": hook.url("/pi")})
    rule(s, {"id": "ghost", "metric": "ghost.temp", "nodata": "1s", "post": hook.url("/ghost")})
    for _ in range(6):
        send(s, "pi.temp", 41.5, {"host": "pi"})
        time.sleep(0.3)
    t.eq(hook.bodies("/pi"), [], "while it reports: nothing")
    got = hook.wait(1, "/pi")  # it stopped
    t.require(len(got) == 1, "the silence fires: %r" % got)
    t.eq((got[0]["state"], got[0]["level"], got[0].get("nodata"), got[0]["tags"]),
         ("firing", "crit", True, {"host": "pi"}), "the nodata body")
    send(s, "pi.temp", 42, {"host": "pi"})
    got = hook.wait(2, "/pi")
    t.eq([x["state"] for x in got], ["firing", "ok"], "data again: resolved")
    got = hook.wait(1, "/ghost")
    t.eq([(x["metric"], x["state"]) for x in got], [("ghost.temp", "firing")], "never arrived: fires too")


def levels_strings_silences(t, s, hook):
    t.step("escalating levels")
    rule(s, {"id": "lv", "metric": "lv.load", "threshold": {"warn": 5, "crit": 10}, "duration": "10s",
             "agg": "last", "post": hook.url("/lv")})
    for v, n in ((6, 1), (12, 2), (7, 3), (1, 4)):
        send(s, "lv.load", v)
        hook.wait(n, "/lv", 15)
    t.eq([(x["state"], x["level"], x["threshold"]) for x in hook.bodies("/lv")],
         [("firing", "warn", 5), ("firing", "crit", 10), ("firing", "warn", 5), ("ok", "warn", 5)],
         "warn, crit, back to warn, ok")

    t.step("a string rule: door == open")
    rule(s, {"id": "door", "metric": "door", "tags": {"host": "shed"}, "op": "==", "threshold": "open",
             "post": hook.url("/door")})
    send(s, "door", "open", {"host": "shed"})
    hook.wait(1, "/door")
    send(s, "door", "closed", {"host": "shed"})
    got = hook.wait(2, "/door")
    t.eq([(x["state"], x["value"]) for x in got], [("firing", "open"), ("ok", "closed")], "string values")

    t.step("a silence: recorded, not notified")
    r = s.post_json("/alerts/silences", {"matchers": {"host": "quiet*"}, "until": "+1h", "comment": "maintenance"})
    t.eq(r.status, 201, "POST /alerts/silences")
    sid = r.json()["id"]
    rule(s, {"id": "sil", "metric": "sil.x", "threshold": 1, "duration": "10s", "agg": "last",
             "post": hook.url("/sil")})
    send(s, "sil.x", 5, {"host": "quiet1"})
    send(s, "sil.x", 5, {"host": "loud"})
    got = hook.wait(1, "/sil")
    time.sleep(1.0)
    got = hook.bodies("/sil")
    t.eq([x["tags"]["host"] for x in got], ["loud"], "only the series outside the silence is notified")
    ev = s.get_json("/alerts/events", {"id": "sil"})
    t.eq(sorted((e["tags"]["host"], e.get("silenced", False)) for e in ev), [("loud", False), ("quiet1", True)],
         "both transitions recorded, one marked silenced")
    t.eq([x["id"] for x in s.get_json("/alerts/silences")], [sid], "GET /alerts/silences")
    t.eq(s.http_delete("/alerts/silences/" + sid).status, 200, "DELETE /alerts/silences/{id}")
    got = hook.wait(2, "/sil")
    t.eq(sorted(x["tags"]["host"] for x in got), ["loud", "quiet1"], "the silence gone, the firing is told")


def down_then_up(t, s):
    t.step("a webhook down, then up: every transition, in order")
    late = hooklib.Receiver()  # its port is chosen, nobody listens yet
    rule(s, {"id": "down", "metric": "down.x", "threshold": 10, "duration": "10s", "agg": "last",
             "post": late.url("/down")})
    want = []
    for v in (20, 1, 30, 2, 40):
        send(s, "down.x", v)
        want.append("firing" if v > 10 else "ok")
        T.wait_until(lambda: len(s.get_json("/alerts/events", {"id": "down"})) >= len(want), 10)
    t.eq(len(s.get_json("/alerts/events", {"id": "down"})), 5, "five transitions recorded while it is down")
    t.check(s.counter("tidemark_alert_notifications_pending") >= 1, "/metrics shows them pending")
    T.wait_until(lambda: s.counter("tidemark_alert_notification_attempts_failed_total") >= 1, 10)
    t.check(s.counter("tidemark_alert_notification_attempts_failed_total") >= 1, "/metrics counts failed attempts")
    s.kill9()  # the outbox is on disk: kill -9 loses none of them
    s.start()
    late.start()
    got = late.wait(5, "/down", 60)
    t.eq([(x["state"], x["value"]) for x in got],
         [("firing", 20), ("ok", 1), ("firing", 30), ("ok", 2), ("firing", 40)], "all five, in order")
    late.stop()


def kill9(t, s, hook):
    t.step("kill -9 while firing: still firing after restart, nothing sent twice")
    rule(s, {"id": "k9", "metric": "k9.x", "threshold": 10, "duration": "5s", "agg": "max", "post": hook.url("/k9")})
    T.wait_until(lambda: s.counter("tidemark_alert_notifications_pending") == 0, 10)  # the earlier ones counted
    sent = s.counter("tidemark_alert_notifications_sent_total")
    send(s, "k9.x", 50)
    t.require(len(hook.wait(1, "/k9")) == 1, "it fires")
    # delivery is at least once: a kill -9 between the receiver's 200 and the
    # server crossing it off its outbox sends it again; "nothing sent twice"
    # is about what the server knows it delivered
    t.require(T.wait_until(lambda: s.counter("tidemark_alert_notifications_sent_total") > sent, 10),
              "the firing is crossed off the outbox")
    s.kill9()
    s.start()
    t.eq(state_of(s, "k9"), "firing", "the state survived kill -9")
    send(s, "k9.x", 60)
    time.sleep(2.5)  # many rounds
    t.eq([x["state"] for x in hook.bodies("/k9")], ["firing"], "no second firing after the restart")
    got = send_until(s, hook, "/k9", 2, "k9.x", 1)
    t.eq([x["state"] for x in got], ["firing", "ok"], "the recovery is sent once")
    t.eq(state_of(s, "cross"), "ok", "other rules came back too")


def expr_rules(t, s, hook):
    t.step("expr: PromQL and Graphite through the query engine")
    rule(s, {"id": "pq", "expr": "max by (host) (exprload) > 5", "level": "crit", "post": hook.url("/pq"),
             "summary": "{{tags.host}} load {{value}}"})
    rule(s, {"id": "gr", "expr": "sumSeries(gexpr.*.req)", "lang": "graphite", "threshold": 10, "agg": "last",
             "duration": "2m", "post": hook.url("/gr")})
    send(s, "exprload", 3, {"host": "a", "core": "0"})
    send(s, "exprload", 9, {"host": "b", "core": "0"})
    send(s, "exprload", 2, {"host": "b", "core": "1"})
    got = hook.wait(1, "/pq")
    t.eq([(x["series"], x["state"], x["value"], x.get("summary")) for x in got],
         [("pq;host=b", "firing", 9, "b load 9")], "PromQL: the series the comparison keeps fires, by its labels")
    send(s, "exprload", 1, {"host": "b", "core": "0"})
    got = hook.wait(2, "/pq")
    t.eq([x["state"] for x in got], ["firing", "ok"], "PromQL: leaving the result resolves")
    s.write([{"metric": "gexpr.w1.req", "value": 4}, {"metric": "gexpr.w2.req", "value": 8}])
    got = hook.wait(1, "/gr")
    t.eq([(x["metric"], x["state"], x["value"]) for x in got], [("sumSeries(gexpr.*.req)", "firing", 12)],
         "Graphite: sumSeries over the glob crosses 10")
    r = s.post_json("/alerts", {"expr": "rate(x[", "post": hook.url("/x")})
    t.eq((r.status, r.json().get("field")), (400, "expr"), "a PromQL syntax error: 400 on expr")
    t.check("parse error" in r.json().get("error", ""), "with Prometheus' message: %r" % r.json())


def api_shapes(t, s):
    t.step("bad rules get 400 naming the field; PUT, GET, DELETE")
    for body, field in (({"metric": "a"}, "threshold"), ({"threshold": 1}, "metric"),
                        ({"metric": "a", "threshold": 1, "op": "=>"}, "op"),
                        ({"metric": "a", "threshold": 1, "duration": "soon"}, "duration"),
                        ({"metric": "a", "threshold": 1, "post": "ftp://x"}, "post")):
        r = s.post_json("/alerts", body)
        t.eq(r.status, 400, "400 for %s" % body)
        if r.status == 400:
            t.eq(r.json().get("field"), field, "the field of %s" % body)
            t.check(field in r.json()["error"], "the message names %s: %r" % (field, r.json()))
    r = s.post("/alerts", "{not json")
    t.eq(r.status, 400, "400 for a body that is not JSON")
    made = rule(s, {"metric": "shape.x", "threshold": 3})
    t.check(len(made["id"]) > 0, "an id is made when none is given")
    t.eq(s.post_json("/alerts", {"id": made["id"], "metric": "y", "threshold": 1}).status, 409, "a taken id: 409")
    r = T.http("PUT", s.url("/alerts"), json.dumps({"id": made["id"], "metric": "shape.x", "threshold": 4}),
               {"Content-Type": "application/json"})
    t.eq((r.status, r.json().get("threshold")), (200, 4), "PUT /alerts updates by id")
    r = T.http("PUT", s.url("/alerts/nope"), json.dumps({"metric": "x", "threshold": 4}),
               {"Content-Type": "application/json"})
    t.eq(r.status, 404, "PUT of an unknown id: 404")
    t.check(any(a["id"] == made["id"] for a in s.get_json("/alerts")), "GET /alerts lists it")
    t.eq(s.http_delete("/alerts/" + made["id"]).status, 200, "DELETE /alerts/{id}")
    t.eq(s.get("/alerts/" + made["id"]).status, 404, "gone")
    t.eq(s.http_delete("/alerts/" + made["id"]).status, 404, "DELETE again: 404")


def stream(t, s):
    t.step("the live stream carries alert events")
    rule(s, {"id": "live", "metric": "live.x", "threshold": 1, "duration": "10s", "agg": "last"})
    sock = socket.create_connection(("127.0.0.1", s.http_port), timeout=15)
    sock.sendall(b"GET /api/v1/stream?metric=nothing.here HTTP/1.1\r\nHost: x\r\n\r\n")
    buf = b""
    deadline = time.time() + 5
    while b"connected" not in buf and time.time() < deadline:
        buf += sock.recv(4096)
    send(s, "live.x", 5)
    deadline = time.time() + 15
    while b"event: alert" not in buf and time.time() < deadline:
        try:
            buf += sock.recv(4096)
        except socket.timeout:
            break
    sock.close()
    t.check(b"event: alert" in buf and b'"id":"live"' in buf, "an alert event on the stream: %r" % buf[-300:])


def main(t):
    hook = hooklib.Receiver().start()
    s = t.server(args=["--alert-interval", "250ms"])
    s.http_delete = lambda p: T.http("DELETE", s.url(p))
    api_shapes(t, s)
    crossing(t, s, hook)
    stream(t, s)
    for_and_hysteresis(t, s, hook)
    nodata(t, s, hook)
    levels_strings_silences(t, s, hook)
    expr_rules(t, s, hook)
    down_then_up(t, s)
    kill9(t, s, hook)
    hook.stop()


T.run(main, timeout=280)
