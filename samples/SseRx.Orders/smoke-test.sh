#!/usr/bin/env bash
# Starts the orders sample (already built: dotnet build samples/SseRx.Orders -c Release) on a free loopback port and
# checks: a heartbeat first on both streams, a bad status refused with problem details naming the field, updates of two
# orders reaching the all-orders stream while the per-order stream gets only its order's, and a resume from
# Last-Event-ID that gets the later update and not the earlier one. Used by tests/run.sh; takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
out="../../artifacts/orders-smoke"
mkdir -p "$out"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

fail() {
  echo "orders smoke test: $1" >&2
  for file in app.log all.txt order.txt resumed.txt; do echo "--- $file" >&2; cat "$out/$file" >&2 || true; done
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

has() { grep -q "$2" "$out/$1"; }
first_event_is_heartbeat() { [ "$(grep -m 1 '^event: ' "$out/$1")" = "event: heartbeat" ]; }
post_status() {
  curl -s -w '\n%{http_code}' -X POST "$url/orders/$1/status" -H 'Content-Type: application/json' -d "{\"status\":\"$2\"}"
}

# The built app, not `dotnet run`, so the process started here is the one stopped here.
dotnet bin/Release/net10.0/SseRx.Orders.dll --urls http://127.0.0.1:0 >"$out/app.log" 2>&1 &
pids+=($!)
wait_for 30 has app.log "Now listening on: http://127.0.0.1:" || fail "the app did not start listening"
url="$(sed -n 's/.*Now listening on: \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$out/app.log" | head -n 1)"

: >"$out/all.txt"; : >"$out/order.txt"; : >"$out/resumed.txt"
curl -sN --max-time 60 "$url/orders/stream" >"$out/all.txt" & pids+=($!)
curl -sN --max-time 60 "$url/orders/A-1001/stream" >"$out/order.txt" & pids+=($!)
wait_for 10 first_event_is_heartbeat all.txt || fail "the all-orders stream's first event is not a heartbeat"
wait_for 10 first_event_is_heartbeat order.txt || fail "the order stream's first event is not a heartbeat"

problem="$(post_status A-1001 lost)"
[ "$(tail -n 1 <<<"$problem")" = 400 ] || fail "status 'lost' was not refused with 400: $problem"
grep -q '"status":\["Must be one of: ' <<<"$problem" || fail "the 400 does not name the field: $problem"

[ "$(post_status A-1002 paid | tail -n 1)" = 202 ] || fail "POST A-1002 paid was not accepted"
[ "$(post_status A-1001 shipped | tail -n 1)" = 202 ] || fail "POST A-1001 shipped was not accepted"
wait_for 10 has all.txt '"orderId":"A-1001","status":"shipped"' || fail "the all-orders stream did not get A-1001 shipped"
has all.txt '"orderId":"A-1002","status":"paid"' || fail "the all-orders stream did not get A-1002 paid"
wait_for 10 has order.txt '"orderId":"A-1001","status":"shipped"' || fail "the order stream did not get A-1001 shipped"
! has order.txt 'A-1002' || fail "the order stream of A-1001 carried an update of A-1002"

# Resume after the shipped update: the stream carries the later update, not the one the client already has.
shipped_id="$(grep -A 1 '"status":"shipped"' "$out/order.txt" | sed -n 's/^id: //p' | head -n 1)"
[ "$(post_status A-1001 delivered | tail -n 1)" = 202 ] || fail "POST A-1001 delivered was not accepted"
curl -sN --max-time 60 -H "Last-Event-ID: $shipped_id" "$url/orders/A-1001/stream" >"$out/resumed.txt" & pids+=($!)
wait_for 10 has resumed.txt '"orderId":"A-1001","status":"delivered"' || fail "the resumed stream did not get A-1001 delivered"
! has resumed.txt '"status":"shipped"' || fail "the resumed stream repeated an update from before its Last-Event-ID"
! has resumed.txt '^event: resync' || fail "the resumed stream was told to resync"
echo "orders smoke test: $url carried heartbeats, per-order filtering and a resume from Last-Event-ID $shipped_id"
