"""Alerts into a real Alertmanager (Debian's prometheus-alertmanager), and
Alertmanager's webhook format straight from tidemark.

Alertmanager runs as a plain process on a free loopback port, in a temp
dir, with a config that routes severity=crit to one webhook path of the
test's receiver and everything else to another, resolved notices on.
tidemark (--alertmanager URL) pushes to its /api/v2/alerts: a crit rule and
a warn rule fire, Alertmanager lists both and routes each to its receiver
(webhook v4 bodies carrying our labels and annotations), then the crit one
recovers and Alertmanager sends it resolved. A rule with
"format":"alertmanager" posts the same v4 payload to a webhook directly."""
import os
import shutil
import subprocess

import hooklib
import tmlib as T

AM = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")

CONFIG = """
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="crit"']
      receiver: pager
receivers:
  - name: default
    webhook_configs: [{url: '%(hook)s/default', send_resolved: true}]
  - name: pager
    webhook_configs: [{url: '%(hook)s/pager', send_resolved: true}]
"""


def start_am(t, hook):
    d = os.path.join(t.tmp, "am")
    os.makedirs(d)
    port = T.free_port(udp_too=False)
    cfg = os.path.join(d, "am.yml")
    with open(cfg, "w") as f:
        f.write(CONFIG % {"hook": "http://127.0.0.1:%d" % hook.port})
    log = open(os.path.join(d, "am.log"), "wb")
    p = subprocess.Popen([AM, "--config.file=" + cfg, "--storage.path=" + os.path.join(d, "data"),
                          "--web.listen-address=127.0.0.1:%d" % port, "--cluster.listen-address="],
                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=d)
    t.procs.append(p)
    url = "http://127.0.0.1:%d" % port
    ok = T.wait_until(lambda: T.http("GET", url + "/-/ready", timeout=2).status == 200, 30)
    t.require(ok and p.poll() is None, "alertmanager started: %s" % open(os.path.join(d, "am.log")).read()[-2000:])
    return url


def am_alerts(url):
    return T.http("GET", url + "/api/v2/alerts").json()


def main(t):
    t.require(AM is not None, "prometheus-alertmanager is installed (scripts/deps.sh)")
    hook = hooklib.Receiver().start()
    am = start_am(t, hook)
    s = t.server(args=["--alert-interval", "250ms", "--alertmanager", am])

    t.step("two rules fire; Alertmanager has them and routes each")
    for body in ({"id": "pihot", "name": "PiHot", "metric": "am.temp", "tags": {"host": "pi"}, "threshold": 70,
                  "level": "crit", "duration": "10s", "agg": "last", "summary": "{{tags.host}} is {{value}}"},
                 {"id": "disk", "metric": "am.disk", "threshold": 90, "duration": "10s", "agg": "last"}):
        t.eq(s.post_json("/alerts", body).status, 201, "POST /alerts %s" % body["id"])
    s.write([{"metric": "am.temp", "value": 81, "tags": {"host": "pi"}}, {"metric": "am.disk", "value": 95}])
    ok = T.wait_until(lambda: len(am_alerts(am)) == 2, 30)
    t.check(ok, "Alertmanager lists both alerts: %r" % am_alerts(am))
    names = sorted(a["labels"]["alertname"] for a in am_alerts(am))
    t.eq(names, ["PiHot", "disk"], "their alertnames")
    pager = hook.wait(1, "/pager", 30)
    t.require(pager, "the crit alert reaches the pager route")
    b = pager[0]
    t.eq((b.get("version"), b.get("status"), b.get("receiver")), ("4", "firing", "pager"), "a v4 webhook from Alertmanager")
    a = b["alerts"][0]
    t.eq({k: a["labels"].get(k) for k in ("alertname", "severity", "host", "metric", "tidemark_rule")},
         {"alertname": "PiHot", "severity": "crit", "host": "pi", "metric": "am.temp", "tidemark_rule": "pihot"},
         "our labels")
    t.eq(a["annotations"].get("summary"), "pi is 81", "our summary annotation")
    default = hook.wait(1, "/default", 30)
    t.eq([x["alerts"][0]["labels"]["alertname"] for x in default][:1], ["disk"], "the warn alert takes the default route")

    t.step("the crit alert recovers: Alertmanager sends it resolved")
    s.write({"metric": "am.temp", "value": 40, "tags": {"host": "pi"}})
    ok = T.wait_until(lambda: any(x.get("status") == "resolved" for x in hook.bodies("/pager")), 40)
    t.check(ok, "a resolved notice on the pager route: %r" % hook.bodies("/pager"))
    firing = [x for x in am_alerts(am) if x["status"]["state"] == "active"]
    t.eq([x["labels"]["alertname"] for x in firing], ["disk"], "only disk is still active in Alertmanager")
    t.eq(s.counter("tidemark_alert_notifications_failed_total"), 0, "nothing given up")

    t.step("format alertmanager: the v4 payload straight from tidemark")
    t.eq(s.post_json("/alerts", {"id": "direct", "metric": "am.direct", "threshold": 1, "duration": "10s",
                                 "agg": "last", "format": "alertmanager", "post": hook.url("/direct")}).status,
         201, "POST a rule with format alertmanager")
    s.write({"metric": "am.direct", "value": 5, "tags": {"dc": "eu"}})
    got = hook.wait(1, "/direct", 30)
    t.require(got, "the webhook gets it")
    b = got[0]
    t.eq((b["version"], b["status"], len(b["alerts"])), ("4", "firing", 1), "version, status, one alert")
    for k in ("groupKey", "truncatedAlerts", "receiver", "groupLabels", "commonLabels", "commonAnnotations",
              "externalURL"):
        t.check(k in b, "the payload has %s" % k)
    a = b["alerts"][0]
    for k in ("status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"):
        t.check(k in a, "the alert has %s" % k)
    t.eq((a["labels"]["alertname"], a["labels"]["dc"]), ("direct", "eu"), "its labels")
    s.write({"metric": "am.direct", "value": 0, "tags": {"dc": "eu"}})
    got = hook.wait(2, "/direct", 30)
    t.eq([x["status"] for x in got], ["firing", "resolved"], "then resolved")
    hook.stop()


T.run(main, timeout=200)
