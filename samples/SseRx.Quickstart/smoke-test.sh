#!/usr/bin/env bash
# Starts the quickstart (already built: dotnet build samples/SseRx.Quickstart -c Release) on a free loopback port,
# reads its stream until it has three counts, then reconnects with the second count's id as Last-Event-ID and checks
# that the stream resumes with the third: nothing lost, nothing repeated. Used by tests/run.sh; runs for about 5 s.
set -euo pipefail
cd "$(dirname "$0")"
name=quickstart
out="../../artifacts/quickstart-smoke"
logs=(app.log first.txt resumed.txt)
source ../smoke-test-lib.sh

: >"$out/first.txt"
: >"$out/resumed.txt"
start_app bin/Release/net10.0/SseRx.Quickstart.dll

counts() { grep -c '^event: count$' "$1" || true; }

curl -sN --max-time 20 "$url/events" >"$out/first.txt" &
stream_pid=$!
pids+=("$stream_pid")
three() { [ "$(counts "$out/first.txt")" -ge 3 ]; }
wait_for 15 three || fail "the stream did not carry three counts"
kill "$stream_pid" 2>/dev/null || true
wait "$stream_pid" 2>/dev/null || true

head -n 1 "$out/first.txt" | grep -q '^event: heartbeat$' || fail "the first event at connect was not a heartbeat"
# The ids and data of the counts, in order: "id data" per line.
pairs="$(awk '/^event: count$/{c=1} c&&/^data: /{d=substr($0,7)} c&&/^id: /{i=substr($0,5)} c&&/^$/{print i" "d; c=0}' "$out/first.txt")"
second_id="$(sed -n 2p <<<"$pairs" | cut -d' ' -f1)"
third_data="$(sed -n 3p <<<"$pairs" | cut -d' ' -f2)"
[ -n "$second_id" ] && [ -n "$third_data" ] || fail "could not read the counts' ids and data"

curl -sN --max-time 20 -H "Last-Event-ID: $second_id" "$url/events" >"$out/resumed.txt" &
stream_pid=$!
pids+=("$stream_pid")
one() { [ "$(counts "$out/resumed.txt")" -ge 1 ]; }
wait_for 15 one || fail "the resumed stream carried no count"
kill "$stream_pid" 2>/dev/null || true

first_resumed="$(awk '/^event: count$/{c=1} c&&/^data: /{print substr($0,7); exit}' "$out/resumed.txt")"
[ "$first_resumed" = "$third_data" ] || fail "resumed after count $(sed -n 2p <<<"$pairs" | cut -d' ' -f2) with count $first_resumed, not $third_data"
echo "quickstart smoke test: $url/events sent a heartbeat at connect, then counts; a reconnect with Last-Event-ID resumed with the next count ($third_data)"
