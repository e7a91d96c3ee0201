#!/usr/bin/env bash
# Memory per series: a fresh tidemark takes SERIES x POINTS of bench/loadgen.c (Graphite plaintext
# over TCP, as /work/shared/bench/peers.sh sends it), then answers one query, which builds the
# query index over every series; prints one row.
#
#   bench/memory.sh [path/to/tidemark]      env: SERIES (1000000) POINTS (6) CONNS (2)
#
# Columns: samples stored, server CPU seconds until the last one is stored, samples per
# CPU-second, peak RSS when the last sample is stored (what peers.sh reports), peak RSS once
# the index holds every series, and both as bytes per series.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$here/../build/tidemark}
SERIES=${SERIES:-1000000} POINTS=${POINTS:-6} CONNS=${CONNS:-2}
N=$((SERIES * POINTS))
work=$(mktemp -d /tmp/tmbench-mem.XXXXXX)
PID=""
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/loadgen" "$here/loadgen.c"

HTTP=127.0.0.1:18091 GPORT=12091
"$BIN" serve --data-dir "$work/data" --http-listen $HTTP --graphite-listen 127.0.0.1:$GPORT \
  --statsd-listen 127.0.0.1:18126 --relay-listen 127.0.0.1:13001 >"$work/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sf "http://$HTTP/healthz" >/dev/null && break; sleep 0.1; done

cpu_s() { awk '{print ($14+$15)/100}' /proc/$PID/stat; }
hwm_kib() { awk '/VmHWM/ {print $2}' /proc/$PID/status; }
stored() { curl -s "http://$HTTP/metrics" | awk '/^tidemark_samples_received_total/ {s+=$2} END {print s+0}'; }
c0=$(cpu_s)
"$work/loadgen" -H 127.0.0.1 -p $GPORT -s "$SERIES" -n "$POINTS" -c "$CONNS" 2>"$work/loadgen.log"
deadline=$(( $(date +%s) + 600 ))
while [ "$(stored)" -lt "$N" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
c1=$(cpu_s); got=$(stored); h1=$(hwm_kib)
# any query brings the index up to date first (query/index.h)
curl -s -o /dev/null "http://$HTTP/metrics/find?query=host000000.*"
h2=$(hwm_kib)
kill -TERM $PID; for _ in $(seq 1 600); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done; PID=""

printf '%-9s %9s %9s %7s %13s %12s %11s %13s %12s\n' server series samples cpu_s samples/cpu_s rss_ingest_MiB \
  B/series rss_index_MiB B/series
awk -v s="$SERIES" -v n="$got" -v c0="$c0" -v c1="$c1" -v h1="$h1" -v h2="$h2" 'BEGIN {
  c=c1-c0; if (c<=0) c=1e-9;
  printf "%-9s %9d %9d %7.2f %13.0f %12.0f %11.0f %13.0f %12.0f\n", "tidemark", s, n, c, n/c, h1/1024, h1*1024/s,
    h2/1024, h2*1024/s }'
[ "$got" -ge "$N" ] || echo "(incomplete: $got of $N samples stored)"
