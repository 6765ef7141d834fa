#!/usr/bin/env bash
# Process start to first SSE byte, and the resident set at that moment, for SseRx.Host built each way:
#   aot  Native AOT (what the Lambda asset and the container image ship)
#   jit  a plain framework-dependent build (the baseline the others are compared with, measured in the same run)
#   r2r  framework-dependent ReadyToRun (the documented fallback)
# Publishes each for linux-x64, then starts each RUNS times (default 5) from a working directory that is not the
# publish folder (the content root does not depend on it) and times, from just before the process starts, the first
# complete event on /api/v2/stream (the connect heartbeat). Prints the medians and the ratios to jit.
#
#   samples/SseRx.LoadClient/run-startup.sh
#   RUNS=9 BUILDS="aot jit" samples/SseRx.LoadClient/run-startup.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$ROOT/artifacts/perf/startup}
RUNS=${RUNS:-5}
PORT=${PORT:-5082}
BUILDS=${BUILDS:-aot jit r2r}
CLIENT_DLL=$ROOT/samples/SseRx.LoadClient/bin/Release/net10.0/SseRx.LoadClient.dll
RESULTS=$OUT/startup.jsonl
NICE=${NICE:-0} # e.g. -10 (root) on a machine shared with other work
PUBLISH=${PUBLISH:-1}

mkdir -p "$OUT/cwd"
rm -f "$RESULTS"
dotnet build -c Release --nologo -v quiet "$ROOT/samples/SseRx.LoadClient" >&2

# ReadyToRun needs the Crossgen2 pack and Native AOT the ILCompiler pack from the package registry; they restore like
# any package, so the first publish needs the registry and later ones run offline. Native AOT also needs clang (or
# gcc) and zlib1g-dev.
if [[ $PUBLISH == 1 ]]; then
  for build in $BUILDS; do
    case $build in
      aot) flags=(-p:PublishAot=true) ;;
      jit) flags=(-p:PublishAot=false --self-contained false -p:PublishReadyToRun=false) ;;
      r2r) flags=(-p:PublishAot=false --self-contained false -p:PublishReadyToRun=true) ;;
      *) echo "unknown build '$build'" >&2; exit 2 ;;
    esac
    rm -rf "${OUT:?}/$build"
    dotnet publish "$ROOT/src/SseRx.Host" -c Release -r linux-x64 --nologo -v quiet "${flags[@]}" -o "$OUT/$build" >&2
  done
fi

for build in $BUILDS; do
  (cd "$OUT/cwd" && env \
    ASPNETCORE_URLS="http://127.0.0.1:$PORT" SseRx__Store=memory Logging__LogLevel__Default=Warning \
    nice -n "$NICE" dotnet "$CLIENT_DLL" startup --url "http://127.0.0.1:$PORT/api/v2/stream" --runs "$RUNS" \
      --label "$build" --json "$RESULTS" -- "$OUT/$build/SseRx.Host") | grep -v '^{'
done

# The ratios to the JIT build of this same run (the machine may be shared: absolute numbers move, ratios less).
python3 - "$RESULTS" <<'PY'
import json, sys
rows = {r["label"]: r for r in map(json.loads, open(sys.argv[1]))}
base = rows.get("jit")
for label, r in rows.items():
    line = f"{label}: first SSE event {r['median_first_event_ms']:.1f} ms, RSS {r['median_rss_mb']:.1f} MiB, CPU {r['median_cpu_ms']:.0f} ms"
    if base and label != "jit":
        line += (f" ({r['median_first_event_ms'] / base['median_first_event_ms']:.2f}x the JIT time,"
                 f" {r['median_rss_mb'] / base['median_rss_mb']:.2f}x its RSS)")
    print(line)
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
