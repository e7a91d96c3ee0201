#!/usr/bin/env bash
# tidemark glance beside goaccess on the same generated Combined log, one run:
# CPU seconds, lines per CPU-second and peak RSS to read and summarize it
# all, then the time to the first screen of a 1 GB log (which glance reads
# backwards from its end only as far as its windows need).
#
#   bench/glance.sh [path/to/tidemark]      env: LINES (1000000), BIG_MB (1024)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BIN=$(realpath "${1:-$here/../build/tidemark}")
LINES=${LINES:-1000000} BIG_MB=${BIG_MB:-1024}
work=$(mktemp -d /tmp/tmbench-glance.XXXXXX)
trap 'rm -rf "$work"' EXIT
command -v goaccess >/dev/null || { echo "bench-glance: goaccess not found (apt-get install goaccess)" >&2; exit 1; }

echo "generating $LINES lines..." >&2
"$BIN" glance --generate --lines "$LINES" --rate 200 >"$work/access.log"
# CPU seconds (user+sys) and peak RSS of a command, from GNU time's format
measure() { /usr/bin/time -f "%U %S %M" -o "$work/time" "$@" >/dev/null 2>&1; awk '{printf "%.2f %.1f", $1+$2, $3/1024}' "$work/time"; }
row() { # name cpu rss
  awk -v n="$1" -v c="$2" -v r="$3" -v l="$LINES" 'BEGIN {
    printf "| %-15s | %8d | %8.2f | %14.0f | %12.1f |\n", n, l, c, (c > 0 ? l / c : 0), r }'
}
printf "| %-15s | %8s | %8s | %14s | %12s |\n" program lines "CPU s" "lines per CPU-s" "peak RSS MiB"
printf "|%s|%s|%s|%s|%s|\n" ----------------- ---------- ---------- ---------------- --------------
read -r c r <<<"$(measure goaccess "$work/access.log" --log-format=COMBINED --no-global-config -o "$work/report.json")"
row "goaccess $(goaccess --version 2>/dev/null | awk 'NR==1 {sub(/\.$/, "", $3); print $3}')" "$c" "$r"
read -r c r <<<"$(measure "$BIN" glance -f "$work/access.log" --replay --no-tui --refresh 3600s)"
row "tidemark glance" "$c" "$r"

echo "generating a ${BIG_MB} MB log..." >&2
"$BIN" glance --generate --lines $((BIG_MB * 1024 * 1024 / 170)) --rate 500 >"$work/big.log"
size=$(stat -c %s "$work/big.log")
t0=$(date +%s.%N)
"$BIN" glance -f "$work/big.log" --once --no-tui >/dev/null
t1=$(date +%s.%N)
awk -v s="$size" -v a="$t0" -v b="$t1" 'BEGIN { printf "first screen of a %.0f MB log: %.3f s\n", s / 1048576, b - a }'
