#!/usr/bin/env bash
# Install what building and testing tidemark needs, on Debian, as root.
# Runs apt-get update once, and only when a package is missing.
set -eu
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev python3
      libevent-dev libsqlite3-dev libjansson-dev libzstd-dev libcmocka-dev
      libcurl4-openssl-dev curl collectd-core python3-statsd procps
      zlib1g-dev influxdb-client libpcre2-dev graphite-web graphite-carbon libncurses-dev tmux goaccess
      protobuf-c-compiler libprotobuf-c-dev libsnappy-dev prometheus chromium
      wrk victoria-metrics influxdb carbon-c-relay prometheus-alertmanager tzdata)
# node and npm (the web UI's build and tests) from Debian only when absent:
# a newer Node from elsewhere is fine
command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
