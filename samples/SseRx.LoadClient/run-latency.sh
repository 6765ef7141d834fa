#!/usr/bin/env bash
# Ingest to client: how long after an item is stamped (just before the store write) its new_item event reaches a
# client. Starts SseRx.Host (Release, Production settings: the embedded store, its simulator at 1 item/s, the 5 s
# poll) on a loopback port, reads one stream for DURATION seconds, prints p50/p90/p99/max, stops the host.
# With a poll every P seconds and a visibility bound S, an item waits for the first poll at least S after its stamp:
# between S and P + S, plus the fetch, the fan-out and the flush.
#
#   samples/SseRx.LoadClient/run-latency.sh                                   # 120 s at the defaults
#   DURATION=300 SSERX_ENV="SseRx__PollInterval=00:00:02" samples/SseRx.LoadClient/run-latency.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DURATION=${DURATION:-120}
PORT=${PORT:-5083}
SSERX_ENV=${SSERX_ENV:-}
HOST_DLL=$ROOT/src/SseRx.Host/bin/Release/net10.0/SseRx.Host.dll
CLIENT_DLL=$ROOT/samples/SseRx.LoadClient/bin/Release/net10.0/SseRx.LoadClient.dll

dotnet build -c Release --nologo -v quiet "$ROOT/src/SseRx.Host" >&2
dotnet build -c Release --nologo -v quiet "$ROOT/samples/SseRx.LoadClient" >&2

# shellcheck disable=SC2086
env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$PORT" Logging__LogLevel__Default=Warning \
  $SSERX_ENV dotnet "$HOST_DLL" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the host exited during start-up" >&2; exit 1; }
  sleep 0.2
done

echo "== ingest to client, $DURATION s, host settings: Production defaults ${SSERX_ENV:+plus $SSERX_ENV}" >&2
dotnet "$CLIENT_DLL" latency --url "http://127.0.0.1:$PORT/api/v2/stream" --duration "$DURATION"
