#!/usr/bin/env bash
# Brings up a local SseRx fleet to try by hand, as the fleet tests run it: dynalite (the shared store), the ingest
# simulator, three stream instances (Role=stream, ports 5081-5083), one api instance (Role=api, port 5084) and nginx
# with samples/SseRx.Fleet/nginx.conf in front of them. Loopback only. Ctrl+C stops everything; so does the end of
# FLEET_SECONDS when it is set (e.g. FLEET_SECONDS=120).
#
#   bash samples/SseRx.Fleet/run-fleet.sh
#
# Then open http://127.0.0.1:8080 (HTTP/1.1: the dashboard's tabs share one stream) or https://127.0.0.1:8443 (HTTP/2,
# a self-signed certificate to accept; add ?share=0 to give every tab its own stream). Stop an instance with
# `kill -TERM` or `kill -KILL` and its pid (printed below, and in artifacts/fleet/stream-PORT.pid): the script starts
# it again two seconds later, as an orchestrator replaces a task, and the dashboards stay live meanwhile.
# Needs: dotnet, node and npm, nginx and openssl (Debian: apt-get install nginx openssl).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
run="$root/artifacts/fleet"
mkdir -p "$run/nginx"

command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { echo "nginx is not installed (Debian: apt-get install nginx)" >&2; exit 1; }
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

[ -f tests/node_modules/dynalite/cli.js ] || npm ci --prefix tests --no-audit --no-fund --loglevel=error
dotnet build src/SseRx.Host -c Release --nologo -v q
dotnet build samples/SseRx.Simulator -c Release --nologo -v q
host_dll="$root/src/SseRx.Host/bin/Release/net10.0/SseRx.Host.dll"
simulator_dll="$root/samples/SseRx.Simulator/bin/Release/net10.0/SseRx.Simulator.dll"

if [ ! -f "$run/nginx/fleet.crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$run/nginx/fleet.key" -out "$run/nginx/fleet.crt" 2>/dev/null
fi
cp samples/SseRx.Fleet/nginx.conf "$run/nginx/nginx.conf"

pids=()
stopping=""
cleanup() {
  stopping=1
  trap - EXIT INT TERM
  echo; echo "Stopping the fleet..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for file in "$run"/stream-*.pid; do [ -f "$file" ] && kill -TERM "$(cat "$file")" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

export SseRx__Store=dynamodb
export SseRx__DynamoDb__ServiceUrl=http://127.0.0.1:8000
export SseRx__DynamoDb__CreateTables=true
export SseRx__PollInterval=00:00:01
export ASPNETCORE_FORWARDEDHEADERS_ENABLED=true

wait_for() { # url, what
  for _ in $(seq 1 150); do curl -fs -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "$2 did not answer at $1; see $run/*.log" >&2; exit 1
}

echo "==> dynalite on 127.0.0.1:8000 (data in $run/dynalite)"
node tests/node_modules/dynalite/cli.js --host 127.0.0.1 --port 8000 --path "$run/dynalite" > "$run/dynalite.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do curl -s -o /dev/null http://127.0.0.1:8000 && break; sleep 0.2; done

echo "==> api instance on 127.0.0.1:5084 (creates the tables)"
SseRx__Role=api ASPNETCORE_URLS=http://127.0.0.1:5084 ASPNETCORE_CONTENTROOT="$root/src/SseRx.Host" \
  dotnet "$host_dll" > "$run/api-5084.log" 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:5084/health "the api instance"

# Each stream instance runs under a small supervisor: when it exits (SIGTERM, SIGKILL, a crash) it is started again.
supervise() { # port
  while [ -z "$stopping" ]; do
    SseRx__Role=stream ASPNETCORE_URLS="http://127.0.0.1:$1" dotnet "$host_dll" >> "$run/stream-$1.log" 2>&1 &
    echo $! > "$run/stream-$1.pid"
    wait "$!" || true
    [ -z "$stopping" ] && echo "stream instance $1 exited; starting it again in 2 s" && sleep 2
  done
}
for port in 5081 5082 5083; do
  supervise "$port" &
  pids+=($!)
done
for port in 5081 5082 5083; do wait_for "http://127.0.0.1:$port/health" "stream instance $port"; done

echo "==> ingest simulator: 2 items/s"
dotnet "$simulator_dll" --service-url http://127.0.0.1:8000 --rate 2 > "$run/simulator.log" 2>&1 &
pids+=($!)

echo "==> nginx on 127.0.0.1:8080 (HTTP/1.1) and 127.0.0.1:8443 (HTTP/2, TLS)"
"$nginx_bin" -p "$run/nginx/" -c "$run/nginx/nginx.conf" -g 'daemon off;' > "$run/nginx.log" 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:8080/health "nginx"

cat <<INFO

The fleet is up (logs in $run):
  dashboard           http://127.0.0.1:8080   https://127.0.0.1:8443 (HTTP/2)
  stream instances    5081 (pid $(cat "$run/stream-5081.pid")), 5082 (pid $(cat "$run/stream-5082.pid")), 5083 (pid $(cat "$run/stream-5083.pid"))
  stop one            kill -TERM \$(cat $run/stream-5082.pid)      (graceful; or -KILL); it comes back in 2 s
  what nginx did      tail -f $run/nginx/access.log $run/nginx/error.log
  each instance       curl -s http://127.0.0.1:5081/health
Ctrl+C stops everything.
INFO

if [ -n "${FLEET_SECONDS:-}" ]; then
  sleep "$FLEET_SECONDS"
else
  wait
fi
