#!/usr/bin/env bash
# Starts the embedding sample (already built: dotnet build samples/SseRx.Embedding -c Release) on a free loopback
# port, opens its SSE stream and checks: a heartbeat at connect, the stats state event at connect (before any review),
# a bad review refused with problem details naming the field, and a posted review arriving as a review event followed
# by stats that count it. Used by tests/run.sh; takes a few seconds.
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
curl -sN --max-time 60 "$url/reviews/stream" >"$out/stream.txt" &
stream_pid=$!
first_event() { [ "$(grep -m 1 '^event: ' "$out/stream.txt")" = "event: heartbeat" ]; }
wait_for 10 first_event || fail "the stream's first event is not a heartbeat"
empty_stats() { grep -q '^data: {"reviews":0,"averageRating":null}$' "$out/stream.txt"; }
wait_for 10 empty_stats || fail "no stats state event at connect"

problem="$(curl -s -w '\n%{http_code}' -X POST "$url/reviews" -H 'Content-Type: application/json' \
  -d '{"product":"kettle-2","rating":9}')"
[ "$(tail -n 1 <<<"$problem")" = 400 ] || fail "a rating of 9 was not refused with 400: $problem"
grep -q '"rating":\["Must be a whole number from 1 to 5."\]' <<<"$problem" || fail "the 400 does not name the field: $problem"

status="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/reviews" -H 'Content-Type: application/json' \
  -d '{"product":"kettle-2","rating":4,"text":"Boils fast."}')"
[ "$status" = 202 ] || fail "POST /reviews answered $status, not 202"

review() { grep -q '^data: {"id":"0000000000000001","product":"kettle-2","rating":4,"text":"Boils fast.",' "$out/stream.txt"; }
wait_for 10 review || fail "the posted review did not arrive as an event"
counted() { grep -q '^data: {"reviews":1,"averageRating":4}$' "$out/stream.txt"; }
wait_for 10 counted || fail "no stats event counted the review"
grep -q '^event: review$' "$out/stream.txt" || fail "the review's event type is not review"
echo "embedding smoke test: $url/reviews/stream carried a heartbeat, stats at connect, the posted review and its stats"
