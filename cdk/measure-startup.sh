#!/usr/bin/env bash
# Start-up time of a published host, on loopback: from process start to the first byte of a response
# (default: the first SSE byte of the global stream), and the CPU time the process used until then
# (Linux /proc). Uses the in-memory store, so no AWS is needed.
#   bash cdk/measure-startup.sh [asset-dir] [path] [runs]
#   e.g. bash cdk/measure-startup.sh artifacts/lambda /api/v2/stream 5
set -euo pipefail
asset="$(cd "${1:-artifacts/lambda}" && pwd)"
path="${2:-/api/v2/stream}"
runs="${3:-5}"
port="${PORT_UNDER_TEST:-18787}"
url="http://127.0.0.1:$port$path"

for i in $(seq "$runs"); do
  start=$(date +%s%N)
  ASPNETCORE_URLS="http://127.0.0.1:$port" SseRx__Store=memory "$asset/SseRx.Host" >/dev/null 2>&1 &
  pid=$!
  byte=""
  deadline=$((start + 30000000000))
  while [ -z "$byte" ]; do
    # head returns on the first byte; curl (an open stream) ends by itself at --max-time.
    byte=$(head -c 1 < <(curl -sN --max-time 3 "$url" 2>/dev/null) || true)
    now=$(date +%s%N)
    if [ "$now" -gt "$deadline" ]; then echo "no response from $url within 30 s" >&2; kill "$pid"; exit 1; fi
    [ -z "$byte" ] && sleep 0.005
  done
  # CPU the process burned to get there: less sensitive than wall time to a busy machine.
  read -r -a stat < "/proc/$pid/stat"
  cpu_ms=$(( (stat[13] + stat[14]) * 1000 / $(getconf CLK_TCK) ))
  echo "run $i: $(( (now - start) / 1000000 )) ms wall, ${cpu_ms} ms CPU to the first byte of $path"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done
