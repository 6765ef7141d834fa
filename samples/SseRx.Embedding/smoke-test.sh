#!/usr/bin/env bash
# Starts the embedding sample (already built: dotnet build samples/SseRx.Embedding -c Release) on a free loopback
# port, opens its SSE stream, posts a review through the app's own endpoint, and checks that the stream carried
# a heartbeat, the metrics snapshot and the review as new_item, sentiment_update and changed metrics.
# Used by tests/run.sh; runs for about 5 seconds.
set -euo pipefail
cd "$(dirname "$0")"
out="../../artifacts/embedding-smoke"
mkdir -p "$out"
app_pid=""
stream_pid=""
cleanup() {
  [ -z "$stream_pid" ] || kill "$stream_pid" 2>/dev/null || true
  [ -z "$app_pid" ] || kill "$app_pid" 2>/dev/null || true
}
trap cleanup EXIT

fail() {
  echo "embedding smoke test: $1" >&2
  echo "--- app log" >&2; cat "$out/app.log" >&2 || true
  echo "--- stream" >&2; cat "$out/stream.txt" >&2 || true
  exit 1
}

# Wait for a condition, checking every 0.2 s, for at most $1 seconds.
wait_for() {
  local seconds=$1; shift
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  return 1
}

# The built app, not `dotnet run`, so the process started here is the one stopped here.
dotnet bin/Release/net10.0/SseRx.Embedding.dll --urls http://127.0.0.1:0 >"$out/app.log" 2>&1 &
app_pid=$!
listening() { grep -q "Now listening on: http://127.0.0.1:" "$out/app.log"; }
wait_for 30 listening || fail "the app did not start listening"
url="$(sed -n 's/.*Now listening on: \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$out/app.log" | head -n 1)"

: >"$out/stream.txt"
curl -sN --max-time 5 "$url/live/stream" >"$out/stream.txt" &
stream_pid=$!
connected() { grep -q "^event: heartbeat" "$out/stream.txt"; }
wait_for 10 connected || fail "the stream sent no heartbeat at connect"

status="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/reviews" -H 'Content-Type: application/json' \
  -d '{"product":"WIDGET","score":0.8}')"
[ "$status" = 202 ] || fail "POST /reviews answered $status, not 202"

wait "$stream_pid" || true # curl ends at --max-time (exit 28): the stream itself never ends
stream_pid=""
for event in heartbeat metrics new_item sentiment_update; do
  grep -q "^event: $event\$" "$out/stream.txt" || fail "the stream carried no $event event"
done
grep -q '"item_id":"review-00000001","ticker":"WIDGET"' "$out/stream.txt" || fail "the new_item is not the posted review"
grep -q '"total":1,' "$out/stream.txt" || fail "no metrics event counted the review"
echo "embedding smoke test: stream at $url/live/stream carried heartbeat, metrics, new_item and sentiment_update"
