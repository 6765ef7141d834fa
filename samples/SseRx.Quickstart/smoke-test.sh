#!/usr/bin/env bash
# Starts the quickstart (already built: dotnet build samples/SseRx.Quickstart -c Release) on a free loopback port,
# reads its stream until it has three counts, then reconnects with the second count's id as Last-Event-ID and checks
# that the stream resumes with the third: nothing lost, nothing repeated. Used by tests/run.sh; runs for about 5 s.
set -euo pipefail
cd "$(dirname "$0")"
out="../../artifacts/quickstart-smoke"
mkdir -p "$out"
app_pid=""
stream_pid=""
cleanup() {
  [ -z "$stream_pid" ] || kill "$stream_pid" 2>/dev/null || true
  [ -z "$app_pid" ] || kill "$app_pid" 2>/dev/null || true
}
trap cleanup EXIT

fail() {
  echo "quickstart smoke test: $1" >&2
  echo "--- app log" >&2; cat "$out/app.log" >&2 || true
  echo "--- first stream" >&2; cat "$out/first.txt" >&2 || true
  echo "--- resumed stream" >&2; cat "$out/resumed.txt" >&2 || true
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

: >"$out/first.txt"
: >"$out/resumed.txt"
dotnet bin/Release/net10.0/SseRx.Quickstart.dll --urls http://127.0.0.1:0 >"$out/app.log" 2>&1 &
app_pid=$!
listening() { grep -q "Now listening on: http://127.0.0.1:" "$out/app.log"; }
wait_for 30 listening || fail "the app did not start listening"
url="$(sed -n 's/.*Now listening on: \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$out/app.log" | head -n 1)"

counts() { grep -c '^event: count$' "$1" || true; }

curl -sN --max-time 20 "$url/events" >"$out/first.txt" &
stream_pid=$!
three() { [ "$(counts "$out/first.txt")" -ge 3 ]; }
wait_for 15 three || fail "the stream did not carry three counts"
kill "$stream_pid" 2>/dev/null || true
wait "$stream_pid" 2>/dev/null || true
stream_pid=""

head -n 1 "$out/first.txt" | grep -q '^event: heartbeat$' || fail "the first event at connect was not a heartbeat"
# The ids and data of the counts, in order: "id data" per line.
pairs="$(awk '/^event: count$/{c=1} c&&/^data: /{d=substr($0,7)} c&&/^id: /{i=substr($0,5)} c&&/^$/{print i" "d; c=0}' "$out/first.txt")"
second_id="$(sed -n 2p <<<"$pairs" | cut -d' ' -f1)"
third_data="$(sed -n 3p <<<"$pairs" | cut -d' ' -f2)"
[ -n "$second_id" ] && [ -n "$third_data" ] || fail "could not read the counts' ids and data"

curl -sN --max-time 20 -H "Last-Event-ID: $second_id" "$url/events" >"$out/resumed.txt" &
stream_pid=$!
one() { [ "$(counts "$out/resumed.txt")" -ge 1 ]; }
wait_for 15 one || fail "the resumed stream carried no count"
kill "$stream_pid" 2>/dev/null || true
stream_pid=""

first_resumed="$(awk '/^event: count$/{c=1} c&&/^data: /{print substr($0,7); exit}' "$out/resumed.txt")"
[ "$first_resumed" = "$third_data" ] || fail "resumed after count $(sed -n 2p <<<"$pairs" | cut -d' ' -f2) with count $first_resumed, not $third_data"
echo "quickstart smoke test: $url/events sent a heartbeat at connect, then counts; a reconnect with Last-Event-ID resumed with the next count ($third_data)"
