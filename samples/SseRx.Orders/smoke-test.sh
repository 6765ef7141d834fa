#!/usr/bin/env bash
# Starts the orders sample (already built: dotnet build samples/SseRx.Orders -c Release) on a free loopback port and
# checks: a heartbeat first on both streams, a bad status refused with problem details naming the field, updates of two
# orders reaching the all-orders stream while the per-order stream gets only its order's, and a resume from
# Last-Event-ID that gets the later update and not the earlier one. Used by tests/run.sh; takes a few seconds.
set -euo pipefail
cd "$(dirname "$0")"
name=orders
out="../../artifacts/orders-smoke"
logs=(app.log all.txt order.txt resumed.txt)
source ../smoke-test-lib.sh

has() { grep -q "$2" "$out/$1"; }
first_event_is_heartbeat() { [ "$(grep -m 1 '^event: ' "$out/$1")" = "event: heartbeat" ]; }
post_status() {
  curl -s -w '\n%{http_code}' -X POST "$url/orders/$1/status" -H 'Content-Type: application/json' -d "{\"status\":\"$2\"}"
}

start_app bin/Release/net10.0/SseRx.Orders.dll

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
