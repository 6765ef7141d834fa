#!/usr/bin/env bash
# Starts the embedding sample (already built: dotnet build samples/SseRx.Embedding -c Release) on a free loopback
# port, opens its SSE stream and checks: a heartbeat at connect, the stats state event at connect (before any review),
# a bad review refused with problem details naming the field, and a posted review arriving as a review event followed
# by stats that count it. Used by tests/run.sh; takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
name=embedding
out="../../artifacts/embedding-smoke"
logs=(app.log stream.txt)
source ../smoke-test-lib.sh

start_app bin/Release/net10.0/SseRx.Embedding.dll

: >"$out/stream.txt"
curl -sN --max-time 60 "$url/reviews/stream" >"$out/stream.txt" &
pids+=($!)
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
