#!/usr/bin/env bash
# Process start to first SSE byte for SseRx.Host, ReadyToRun against a plain (JIT) build.
# Publishes both framework-dependent for linux-x64, then starts each RUNS times (default 5) and times, from just
# before the process starts, the first complete event on /api/v2/stream (the connect heartbeat). Prints the medians.
#
#   samples/SseRx.LoadClient/run-startup.sh
#   RUNS=9 samples/SseRx.LoadClient/run-startup.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$ROOT/artifacts/perf/startup}
RUNS=${RUNS:-5}
PORT=${PORT:-5082}
CLIENT_DLL=$ROOT/samples/SseRx.LoadClient/bin/Release/net10.0/SseRx.LoadClient.dll
RESULTS=$OUT/startup.jsonl
NICE=${NICE:-0} # e.g. -10 (root) on a machine shared with other work
PUBLISH=${PUBLISH:-1}

mkdir -p "$OUT"
rm -f "$RESULTS"
dotnet build -c Release --nologo -v quiet "$ROOT/samples/SseRx.LoadClient" >&2

# ReadyToRun needs the Crossgen2 pack (microsoft.netcore.app.crossgen2.linux-x64) from the package registry;
# it restores like any package, so the first publish needs the registry and later ones run offline.
if [[ $PUBLISH == 1 ]]; then
  dotnet publish "$ROOT/src/SseRx.Host" -c Release -r linux-x64 --self-contained false --nologo -v quiet \
    -p:PublishReadyToRun=true -o "$OUT/r2r" >&2
  dotnet publish "$ROOT/src/SseRx.Host" -c Release -r linux-x64 --self-contained false --nologo -v quiet \
    -p:PublishReadyToRun=false -o "$OUT/jit" >&2
fi

for build in r2r jit; do
  # The content root is the working directory: run from the publish folder, as a container would.
  (cd "$OUT/$build" && env \
    ASPNETCORE_URLS="http://127.0.0.1:$PORT" SseRx__Store=memory Logging__LogLevel__Default=Warning \
    nice -n "$NICE" dotnet "$CLIENT_DLL" startup --url "http://127.0.0.1:$PORT/api/v2/stream" --runs "$RUNS" \
      --label "$build" --json "$RESULTS" -- ./SseRx.Host) | grep -v '^{'
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
