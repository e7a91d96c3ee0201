#!/usr/bin/env bash
# Alert evaluation benchmark: a fresh tidemark (--alert-interval 1s) holding
# SERIES series (bench.hNNN.mM: 10 metrics on each of SERIES/10 hosts, a
# sample every 10 s over the last 5 minutes), with RULES rules (each a glob
# over one host's 10 series, aggs avg/max/last/rate/count in turn, half of
# them firing). Then SECS seconds without ingestion: the server's CPU per
# second, with the rules and (first) without any, and the alert rounds'
# own time from /metrics. Target: < 10% of one core for 1000 x 10000.
#
#   bench/alerts.sh [path/to/tidemark]      env: SERIES (10000) RULES (1000) SECS (10)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$here/../build/tidemark}
SERIES=${SERIES:-10000} RULES=${RULES:-1000} SECS=${SECS:-10}
work=$(mktemp -d /tmp/tmalerts.XXXXXX)
PID=""
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$work"' EXIT
HP=18093
"$BIN" serve --data-dir "$work/data" --http-listen 127.0.0.1:$HP --graphite-listen 127.0.0.1:12093 \
  --statsd-listen 127.0.0.1:18193 --relay-listen 127.0.0.1:13093 --alert-interval 1s >"$work/server.log" 2>&1 &
PID=$!
URL=http://127.0.0.1:$HP
for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done

cpu() { awk '{print ($14+$15)/100}' /proc/$PID/stat; }
metric() { curl -s "$URL/metrics" | awk -v n="$1" '$1 == n {print $2}'; }
idle_cpu() { local c0 c1; c0=$(cpu); sleep "$SECS"; c1=$(cpu); awk -v a="$c0" -v b="$c1" -v s="$SECS" 'BEGIN {printf "%.4f", (b-a)/s}'; }

python3 - "$URL" "$SERIES" "$RULES" <<'PY'
import json, sys, time, urllib.request
url, series, rules = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
hosts = series // 10
now = time.time()
def post(path, body):
    req = urllib.request.Request(url + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    return urllib.request.urlopen(req, timeout=120).status
batch = []
for h in range(hosts):
    for m in range(10):
        for k in range(30):  # every 10 s over the last 5 minutes
            batch.append({"metric": "bench.h%04d.m%d" % (h, m), "value": (h * 7 + m + k) % 100, "time": now - 300 + k * 10})
        if len(batch) >= 30000:
            post("/api/v1/data", batch); batch = []
if batch:
    post("/api/v1/data", batch)
PY
base=$(idle_cpu)
python3 - "$URL" "$SERIES" "$RULES" <<'PY'
import json, sys, urllib.request
url, series, rules = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
hosts = series // 10
aggs = ["avg", "max", "last", "rate", "count"]
for r in range(rules):
    body = {"id": "b%d" % r, "metric": "bench.h%04d.*" % (r % hosts), "agg": aggs[r % 5], "duration": "5m",
            "op": ">", "threshold": {"warn": 50 if r % 2 else 1e9, "crit": 2e9}}
    req = urllib.request.Request(url + "/alerts", json.dumps(body).encode(), {"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=60)
PY
sleep 3 # the first rounds make every series' state
e0=$(metric tidemark_alert_evaluation_seconds_total); n0=$(metric tidemark_alert_evaluations_total)
x0=$(metric tidemark_alert_transitions_total)
with=$(idle_cpu)
e1=$(metric tidemark_alert_evaluation_seconds_total); n1=$(metric tidemark_alert_evaluations_total)
x1=$(metric tidemark_alert_transitions_total)
firing=$(metric tidemark_alert_firing)
kill -TERM $PID; for _ in $(seq 1 600); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done; PID=""
printf '%-6s %7s %7s %7s %12s %15s %16s %12s %13s\n' rules series firing rounds transitions cpu_idle_%core cpu_rules_%core alert_%core wall_ms/round
awk -v x="$((x1 - x0))" -v r="$RULES" -v s="$SERIES" -v f="$firing" -v b="$base" -v w="$with" -v e0="$e0" -v e1="$e1" -v n0="$n0" -v n1="$n1" -v secs="$SECS" 'BEGIN {
  rounds = (n1 - n0) / r; if (rounds < 1) rounds = 1;
  printf "%-6d %7d %7d %7d %12d %15.2f %16.2f %12.2f %13.1f\n", r, s, f, rounds, x, b*100, w*100, (w-b)*100, (e1-e0)/rounds*1000 }'
