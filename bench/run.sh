#!/usr/bin/env bash
# Ingest and query benchmark: drives a fresh tidemark with bench/loadgen.c
# (Graphite plaintext over TCP) and prints one table row.
#
#   bench/run.sh [path/to/tidemark]      env: SERIES (10000) POINTS (360) CONNS (2) FSYNC (1s)
#
# Columns: samples stored, wall seconds until the last sample is stored, samples/s end to end,
# server CPU seconds, samples per CPU-second, peak RSS, bytes on disk per sample after a clean
# stop, and the median latency of a 1-series x 1-day query (raw, and with step=1m).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$here/../build/tidemark}
SERIES=${SERIES:-10000} POINTS=${POINTS:-360} CONNS=${CONNS:-2} FSYNC=${FSYNC:-1s}
N=$((SERIES * POINTS))
work=$(mktemp -d /tmp/tmbench.XXXXXX)
PID=""
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/loadgen" "$here/loadgen.c"

HTTP=127.0.0.1:18090 GPORT=12090
"$BIN" serve --data-dir "$work/data" --http-listen $HTTP --graphite-listen 127.0.0.1:$GPORT \
  --fsync "$FSYNC" >"$work/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sf "http://$HTTP/healthz" >/dev/null && break; sleep 0.1; done

cpu_s() { awk '{print ($14+$15)/100}' /proc/$PID/stat; }
stored() { curl -s "http://$HTTP/metrics" | awk '/^tidemark_samples_received_total/ {s+=$2} END {print s+0}'; }
c0=$(cpu_s); t0=$(date +%s.%N)
"$work/loadgen" -H 127.0.0.1 -p $GPORT -s "$SERIES" -n "$POINTS" -c "$CONNS" 2>"$work/loadgen.log"
deadline=$(( $(date +%s) + 300 ))
while [ "$(stored)" -lt "$N" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
t1=$(date +%s.%N); c1=$(cpu_s); got=$(stored)
rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$PID/status)

# 1 series x 1 day: the last day holds this series' every point
q() { curl -s -o /dev/null -w '%{time_total}\n' "http://$HTTP/api/v1/query?metric=host000.cpu.0.user&from=-1d$1"; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]*1000}'; }
qraw=$(for _ in $(seq 1 21); do q ""; done | median)
qstep=$(for _ in $(seq 1 21); do q "&step=1m&agg=avg"; done | median)

kill -TERM $PID; for _ in $(seq 1 600); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done; PID=""
bytes=$(du -sb "$work/data" | awk '{print $1}')
printf '%-9s %9s %8s %11s %7s %13s %8s %9s %11s %12s\n' server samples wall_s samples/s cpu_s samples/cpu_s rss_MiB B/sample q_raw_ms q_1m_ms
awk -v n="$got" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v r="$rss" -v b="$bytes" -v qr="$qraw" -v qs="$qstep" 'BEGIN {
  w=t1-t0; c=c1-c0; if (c<=0) c=1e-9;
  printf "%-9s %9d %8.2f %11.0f %7.2f %13.0f %8s %9.2f %11s %12s\n", "tidemark", n, w, n/w, c, n/c, r, b/n, qr, qs }'
