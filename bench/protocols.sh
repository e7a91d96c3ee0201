#!/usr/bin/env bash
# Per-protocol ingest benchmark: one fresh tidemark (--fsync 1s), each protocol driven for
# $SECS seconds by a load generator on loopback, and a table of samples stored per second,
# server CPU per sample, and what the server refused. Then the same Influx load again while
# a flood of malformed UDP datagrams hits the Graphite and StatsD ports.
#
#   bench/protocols.sh [path/to/tidemark] [path/to/build]     env: SECS (10)
#
# Needs wrk (Debian package; scripts/deps.sh installs it). Everything stays on 127.0.0.1.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$here/../build/tidemark}
BUILD=${2:-$(dirname "$BIN")}
SECS=${SECS:-10}
command -v wrk >/dev/null || { echo "bench: wrk is missing (make deps installs it)" >&2; exit 1; }
work=$(mktemp -d /tmp/tmproto.XXXXXX)
PID=""
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$work"' EXIT
cc -O2 -o "$work/udpload" "$here/udpload.c"
cc -O2 -I"$BUILD/gen" -o "$work/mkpromwrite" "$here/mkpromwrite.c" "$BUILD/gen/remote.pb-c.c" -lprotobuf-c -lsnappy

HP=18091 GP=12091 SP=18191
"$BIN" serve --data-dir "$work/data" --http-listen 127.0.0.1:$HP --graphite-listen 127.0.0.1:$GP \
  --statsd-listen 127.0.0.1:$SP --relay-listen 127.0.0.1:13091 --statsd-flush 1s --fsync 1s >"$work/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$HP/healthz" >/dev/null && break; sleep 0.1; done
URL=http://127.0.0.1:$HP

cpu() { awk '{print ($14+$15)/100}' /proc/$PID/stat; }
counter() { curl -s "$URL/metrics" | awk -v p="$1" -v n="$2" '$1 == n"{protocol=\""p"\"}" {print $2}'; }
received() { counter "$1" tidemark_samples_received_total; }
rejected() { counter "$1" tidemark_lines_rejected_total; }

# Influx body: 5000 lines, 5000 series, one field each
now=$(date +%s)
awk -v t="$now" 'BEGIN { for (i = 0; i < 5000; i++) printf "cpu,host=h%04d,dc=eu usage_user=%d.%02d %d000000000\n", i, i % 100, i % 97, t - 30 }' >"$work/influx.lp"
gzip -c "$work/influx.lp" >"$work/influx.lp.gz"
"$work/mkpromwrite" 2000 1 >"$work/prom.bin"

printf '%-34s %12s %10s %13s %10s\n' protocol samples/s cpu_s us_cpu/sample refused
row() { # name proto samples secs cpu refused
  awk -v n="$1" -v s="$3" -v w="$4" -v c="$5" -v r="$6" 'BEGIN {
    printf "%-34s %12.0f %10.2f %13.2f %10d\n", n, s / w, c, (s > 0 ? c / s * 1e6 : 0), r }'
}
wrk_run() { # name proto url [env for post.lua]
  local name=$1 proto=$2 url=$3 r0 j0 c0 t0 r1 j1 c1 t1
  r0=$(received "$proto"); j0=$(rejected "$proto"); c0=$(cpu); t0=$(date +%s.%N)
  if [ -n "${BODY:-}" ]; then wrk -t1 -c4 -d"${SECS}s" -s "$here/post.lua" "$url" >"$work/wrk.out" 2>&1
  else wrk -t1 -c4 -d"${SECS}s" "$url" >"$work/wrk.out" 2>&1; fi
  t1=$(date +%s.%N); c1=$(cpu); r1=$(received "$proto"); j1=$(rejected "$proto")
  row "$name" "$proto" "$(echo "$r1 - $r0" | bc)" "$(echo "$t1 - $t0" | bc)" "$(echo "$c1 - $c0" | bc)" "$(echo "$j1 - $j0" | bc)"
}

BODY=$work/influx.lp.gz CTYPE=text/plain CENC=gzip wrk_run "Influx HTTP, 5k-line gzip batches" influx "$URL/write?db=bench&precision=ns"
BODY=$work/prom.bin CTYPE=application/x-protobuf CENC=snappy EXTRA_HEADER="X-Prometheus-Remote-Write-Version: 0.1.0" \
  wrk_run "Prometheus remote write, 2k series" prometheus "$URL/api/v1/write"
BODY= wrk_run "/add, 1 sample a request, keep-alive" add "$URL/add?host=bench&temp=21.5"

# StatsD: lines sent vs. the counts the flushes stored
c0=$(cpu)
read -r lines grams secs < <("$work/udpload" statsd $SP "$SECS")
sleep 2.5 # two flushes
c1=$(cpu)
got=$(curl -s "$URL/api/v1/query?metric=stats.counters.bench.*.count&from=-10m&step=1h&agg=sum" |
  python3 -c 'import json,sys; print(int(sum(p[1] or 0 for p in json.load(sys.stdin)["points"])))')
row "StatsD UDP counters (received)" statsd "$got" "$secs" "$(echo "$c1 - $c0" | bc)" "$((lines - got))"
echo "  (StatsD: $lines lines sent in $grams datagrams, $got counted; refused = lost before parsing)"

# Flood: the Influx load again with malformed datagrams hammering two UDP ports, each
# paced at FLOOD datagrams/s (~35 bad lines each) so the flooders do not simply take
# the 2 cores away from everyone
FLOOD=${FLOOD:-20000}
"$work/udpload" garbage $GP "$SECS" "$FLOOD" >"$work/flood1" &
f1=$!
"$work/udpload" garbage $SP "$SECS" "$FLOOD" >"$work/flood2" &
f2=$!
BODY=$work/influx.lp.gz CTYPE=text/plain CENC=gzip wrk_run "Influx HTTP during a malformed flood" influx "$URL/write?db=bench&precision=ns"
wait $f1 $f2
echo "  (flood: $(awk '{print $2}' "$work/flood1") + $(awk '{print $2}' "$work/flood2") malformed datagrams;" \
  "since start, graphite refused $(rejected graphite) lines, statsd $(rejected statsd))"
kill -TERM $PID; wait $PID 2>/dev/null || true; PID=""
