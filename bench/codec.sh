#!/usr/bin/env bash
# Codec benchmark: the chunk codec alone on bench/loadgen.c's dataset (SERIES x POINTS,
# default 10000 x 360, 10 s apart): bytes per sample of the encoded chunks (what the
# codec contributes to disk, before SQLite's rows and pages) and encode / decode
# ns per sample (best of 7). KINDS=1 adds one line per metric kind.
#
#   bench/codec.sh [path/to/build]     env: SERIES (10000) POINTS (360) KINDS
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$here/../build}
SERIES=${SERIES:-10000} POINTS=${POINTS:-360}
work=$(mktemp -d /tmp/tmcodec.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -pthread -o "$work/loadgen" "$here/loadgen.c"
cc -O2 -I"$here/../src" -I"$here" -o "$work/codec_bench" "$here/codec_bench.c" "$BUILD/libtmcore.a" -lzstd -lm
"$work/loadgen" -s "$SERIES" -n "$POINTS" -t 1764000000 -m graphite >"$work/data.txt"
"$work/codec_bench" ${KINDS:+-k} <"$work/data.txt"
