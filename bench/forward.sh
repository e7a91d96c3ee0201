#!/usr/bin/env bash
# Forwarding benchmark: the same loadgen dataset (Graphite plaintext over TCP, as peers.sh sends it)
# into a fresh tidemark, without forwarding, with one remote write target and with two (each a
# VictoriaMetrics from Debian), REPS times in turn, in one run. One row per pass:
#
#   bench/forward.sh [path/to/tidemark]      env: SERIES (10000) POINTS (360) CONNS (2) REPS (3)
#                                                 RECEIVER_IDLE (0) FWD_ARGS (more serve flags
#                                                 for the passes with targets, e.g. --forward-batch-max)
#
# The receivers share the cores with tidemark and loadgen, and VictoriaMetrics spends about 1.1 us
# of CPU on a sample received (tidemark about 0.25 us on one ingested), so what they take while the
# load runs comes out of tidemark's rate. RECEIVER_IDLE=1 runs them at idle priority (chrt -i 0),
# as if they were on other machines, the way forwarding is deployed: then the rows show what
# forwarding itself costs the local ingest.
#
# Columns: pass, targets, samples, wall seconds from the first byte sent until tidemark stored the
# last sample (tidemark_samples_received_total), its samples/s and that as a share of the same
# pass without forwarding (the goal: >= 85%), tidemark's CPU seconds and samples per CPU-second
# over the ingest, then the seconds until every VictoriaMetrics had every sample
# (vm_rows_inserted_total) and the forwarded samples/s into each (counted from the start of the
# load), how long after the ingest that was (behind_s), the receivers' CPU seconds within the
# ingest window (rcv_cpu_in: what they took from it; steadier on a loaded machine than the wall
# time) and per sample received (rcv_us/sample, over the whole pass: what a remote pays for each
# forwarded sample), the
# samples per remote write request, how long a sender held its requests while the ingest was busy
# (held_s: the longest of the targets' tidemark_forward_yield_seconds_total), and peak RSS. A summary follows: each configuration's
# fastest pass and its share of the fastest without forwarding (other work only ever slows a pass down, so the fastest of a few is
# the one least disturbed), and the median of the passes' own shares; `uptime` is printed with it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$here/../build/tidemark}
SERIES=${SERIES:-10000} POINTS=${POINTS:-360} CONNS=${CONNS:-2} REPS=${REPS:-3} RECEIVER_IDLE=${RECEIVER_IDLE:-0}
read -r -a FWD_ARGS <<<"${FWD_ARGS:-}"
N=$((SERIES * POINTS))
VM=$(command -v victoria-metrics || echo /usr/bin/victoria-metrics)
[ -x "$VM" ] || { echo "bench: victoria-metrics not found (scripts/deps.sh)" >&2; exit 1; }
work=$(mktemp -d /tmp/tmfwd.XXXXXX)
PIDS=()
# (|| true: under set -e a kill of a process already gone would fail the whole run)
trap 'for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/loadgen" "$here/loadgen.c"

HTTP=127.0.0.1:18190 GPORT=12190 VMPORTS=(18528 18529)
cpu_s() { awk '{print ($14+$15)/100}' /proc/$1/stat; }
stored() { curl -s "http://$HTTP/metrics" | awk '/^tidemark_samples_received_total/ {s+=$2} END {print s+0}'; }
requests() { curl -s "http://$HTTP/metrics" | awk '/^tidemark_forward_requests_total/ {s+=$2} END {print s+0}'; }
held() { curl -s "http://$HTTP/metrics" | awk '/^tidemark_forward_yield_seconds_total/ {if ($2>s) s=$2} END {print s+0}'; }
rcv_cpu() { local t=0 v; for v in "$@"; do t=$(awk -v a="$t" -v b="$(cpu_s ${v%%:*})" 'BEGIN {print a+b}'); done; echo $t; }
vm_rows() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^vm_rows_inserted_total\{type="promremotewrite"\}/ {print $2+0}'; }
wait_http() { for _ in $(seq 1 200); do curl -sf "$1" >/dev/null && return 0; sleep 0.05; done; return 1; }

printf '%-5s %-8s %9s %8s %11s %7s %7s %13s %10s %13s %8s %10s %13s %11s %7s %8s\n' pass targets samples wall_s samples/s \
  share cpu_s samples/cpu_s fwd_done_s fwd_samples/s behind_s rcv_cpu_in rcv_us/sample samples/req held_s rss_MiB
declare -A best bestfwd shares
prio=""
if [ "$RECEIVER_IDLE" = 1 ]; then prio="chrt -i 0"; fi
# One pass with $1 targets: prints its row, leaves its rate in $rate and forwarded rate in $fwdrate.
one() {
  local targets=$1 pass=$2 args=() vms=() i p v
  sync # the pass before's writes are flushed now, not during this one's load
  for i in $(seq 1 "$targets"); do
    p=${VMPORTS[$((i - 1))]}
    $prio "$VM" -storageDataPath="$work/vm$targets-$i" -httpListenAddr=127.0.0.1:$p >"$work/vm$targets-$i.log" 2>&1 &
    PIDS+=($!)
    vms+=("$!:$p")
    wait_http "http://127.0.0.1:$p/health"
    args+=(--forward-prometheus "http://127.0.0.1:$p/api/v1/write")
  done
  if [ "$targets" != 0 ]; then args+=("${FWD_ARGS[@]}"); fi
  "$BIN" serve --data-dir "$work/data$targets" --http-listen $HTTP --graphite-listen 127.0.0.1:$GPORT \
    --statsd-listen off --relay-listen off "${args[@]}" >"$work/server$targets.log" 2>&1 &
  PID=$!
  PIDS+=($PID)
  wait_http "http://$HTTP/healthz"
  r0=$(rcv_cpu "${vms[@]}"); c0=$(cpu_s $PID); t0=$(date +%s.%N)
  "$work/loadgen" -H 127.0.0.1 -p $GPORT -s "$SERIES" -n "$POINTS" -c "$CONNS" 2>"$work/loadgen.log"
  deadline=$(( $(date +%s) + 300 ))
  while [ "$(stored)" -lt "$N" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
  t1=$(date +%s.%N); c1=$(cpu_s $PID); r1=$(rcv_cpu "${vms[@]}"); got=$(stored)
  t2=$t1
  for v in "${vms[@]}"; do
    while [ "$(vm_rows ${v#*:})" -lt "$N" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.1; done
    t2=$(date +%s.%N)
  done
  rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$PID/status)
  rcpu=$(rcv_cpu "${vms[@]}")
  reqs=$(requests); hold=$(held)
  kill -TERM $PID; for _ in $(seq 1 600); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done
  for v in "${vms[@]}"; do kill -TERM ${v%%:*}; wait ${v%%:*} 2>/dev/null || true; done
  rm -rf "$work/data$targets" "$work"/vm$targets-*
  rate=$(awk -v n="$got" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n/(b-a)}')
  fwdrate=$(awk -v n="$got" -v a="$t0" -v b="$t2" 'BEGIN {printf "%.0f", n/(b-a)}')
  if [ "$targets" = 0 ]; then base=$rate; fi
  awk -v p="$pass" -v k="$targets" -v n="$got" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v c0="$c0" -v c1="$c1" \
      -v r="$rate" -v base="$base" -v rss="$rss" -v rc="$rcpu" -v q="$reqs" -v r0="$r0" -v r1="$r1" -v h="$hold" 'BEGIN {
    w=t1-t0; c=c1-c0; if (c<=0) c=1e-9; f=t2-t0;
    printf "%-5d %-8d %9d %8.2f %11.0f %6.0f%% %7.2f %13.0f %10s %13s %8s %10s %13s %11s %7s %8s\n", p, k, n, w, r, 100*r/base,
      c, n/c, k ? sprintf("%.2f", f) : "-", k ? sprintf("%.0f", n/f) : "-", k ? sprintf("%.2f", t2-t1) : "-",
      k ? sprintf("%.2f", r1-r0) : "-", k ? sprintf("%.2f", 1e6*rc/(n*k)) : "-", k && q ? sprintf("%.0f", n*k/q) : "-", k ? sprintf("%.2f", h) : "-", rss }'
}
for pass in $(seq 1 "$REPS"); do
  for targets in 0 1 2; do
    one $targets $pass
    shares[$targets]="${shares[$targets]:-} $(awk -v r="$rate" -v b="$base" 'BEGIN {printf "%.0f", 100*r/b}')"
    if [ "${best[$targets]:-0}" -lt "$rate" ]; then best[$targets]=$rate; fi
    if [ "${bestfwd[$targets]:-0}" -lt "$fwdrate" ]; then bestfwd[$targets]=$fwdrate; fi
  done
done
echo "fastest of $REPS passes; receivers at $([ -n "$prio" ] && echo idle || echo normal) priority; $(uptime | sed 's/.*load/load/'):"
for targets in 0 1 2; do
  med=$(echo ${shares[$targets]} | tr ' ' '\n' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
  awk -v k=$targets -v r="${best[$targets]}" -v b="${best[0]}" -v f="${bestfwd[$targets]}" -v m="$med" 'BEGIN {
    printf "  targets %d: %9.0f samples/s, %3.0f%% of no forwarding (median of passes %s%%)%s\n", k, r, 100*r/b, m,
      k ? sprintf("; forwarded %.0f samples/s into each VictoriaMetrics", f) : "" }'
done
