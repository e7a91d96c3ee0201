#!/usr/bin/env bash
# The agent's cost beside collectd's: both collect cpu, memory, disk space,
# network interfaces and load every second for DURATION seconds and send to
# one fresh tidemark (collectd over write_graphite TCP, the agent over HTTP).
# Prints peak RSS and CPU seconds of each, measured from /proc in the same run.
# The agent is the small tidemark-agent binary (`tidemark agent` is the same
# code inside the server's binary, with libcurl's TLS stack mapped in).
#
#   bench/agent.sh [path/to/tidemark]      env: DURATION (60)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "${1:-$here/../build/tidemark}")
AGENT=$(dirname "$BIN")/tidemark-agent # the small binary, as installed for the agent
DURATION=${DURATION:-60}
COLLECTD=/usr/sbin/collectd
[ -x "$COLLECTD" ] || { echo "bench-agent: $COLLECTD not found (apt-get install collectd-core)" >&2; exit 1; }
work=$(mktemp -d /tmp/tmbench-agent.XXXXXX)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null || true; done; rm -rf "$work"' EXIT

HTTP=127.0.0.1:18095 GPORT=12095
"$BIN" serve --memory --http-listen $HTTP --graphite-listen 127.0.0.1:$GPORT --statsd-listen 127.0.0.1:18125 \
  --relay-listen 127.0.0.1:13095 >"$work/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -sf "http://$HTTP/healthz" >/dev/null && break; sleep 0.1; done

cat >"$work/collectd.conf" <<EOF
Hostname "bench-collectd"
FQDNLookup false
BaseDir "$work"
PIDFile "$work/collectd.pid"
TypesDB "/usr/share/collectd/types.db"
Interval 1
LoadPlugin cpu
LoadPlugin memory
LoadPlugin df
LoadPlugin interface
LoadPlugin load
LoadPlugin write_graphite
<Plugin write_graphite>
  <Node "tm">
    Host "127.0.0.1"
    Port "$GPORT"
    Protocol "tcp"
  </Node>
</Plugin>
EOF
"$COLLECTD" -f -C "$work/collectd.conf" >"$work/collectd.log" 2>&1 &
CPID=$!
PIDS+=($CPID)
(cd "$work" && exec "$AGENT" --server "http://$HTTP" --host bench-agent --interval 1s \
  --plugins cpu,memory,diskspace,network,load --spool-dir "$work/spool" >"$work/agent.log" 2>&1) &
APID=$!
PIDS+=($APID)

sleep "$DURATION"
cpu_s() { awk '{printf "%.2f", ($14+$15)/100}' /proc/$1/stat; }
hwm_mib() { awk '/^VmHWM/ {printf "%.1f", $2/1024}' /proc/$1/status; }
# series each one sent: collectd's names begin with its host, the agent's carry host=
count() {
  curl -s "http://$HTTP/api/v1/metrics" | python3 -c 'import json,sys; h=sys.argv[1]
print(sum(1 for m in json.load(sys.stdin) if m["metric"].startswith(h + ".") or m["tags"].get("host") == h))' "$1"
}
per_hour() { awk -v c="$1" -v d="$DURATION" 'BEGIN {printf "%.1f", c * 3600 / d}'; }
row() {
  local c; c=$(cpu_s $2)
  printf "| %-14s | %8s | %12s | %10s | %14s | %6s |\n" "$1" "$DURATION" "$(hwm_mib $2)" "$c" "$(per_hour $c)" "$(count $3)"
}
printf "| %-14s | %8s | %12s | %10s | %14s | %6s |\n" program seconds "peak RSS MiB" "CPU s" "CPU s per hour" series
printf "|%s|%s|%s|%s|%s|%s|\n" ---------------- ---------- -------------- ------------ ---------------- --------
row collectd $CPID bench-collectd
row tidemark-agent $APID bench-agent
