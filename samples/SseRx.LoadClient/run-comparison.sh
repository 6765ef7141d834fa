#!/usr/bin/env bash
# SseRx.Host against the stock ASP.NET Core baseline, in one invocation, on this machine, loopback only.
# For each scenario and each server: start the server (Release build, `dotnet <dll>` so the PID is the server's),
# run the load client against it, stop it. Then print a markdown comparison with ratios.
#
#   samples/SseRx.LoadClient/run-comparison.sh                       # every scenario, both servers (about 8 minutes)
#   SCENARIOS="fanout" samples/SseRx.LoadClient/run-comparison.sh    # one scenario
#   SERVERS="sserx" SCENARIOS="polls" samples/SseRx.LoadClient/run-comparison.sh
#   SSERX_ENV="DOTNET_gcServer=1" samples/SseRx.LoadClient/run-comparison.sh   # extra environment for SseRx.Host only
#   SERVERS="sserx stock sserx-aot" samples/SseRx.LoadClient/run-comparison.sh   # also the Native AOT host (published first)
#
# Scenarios (each run is bounded: ramp + warmup + DURATION seconds, with a hard deadline in the client):
#   idle       IDLE_STREAMS (19,000) streams, no events (SseRx: simulator off, heartbeats only; stock: 0.2 events/s so
#              its responses start): RSS growth per stream
#   fanout     5,000 streams, 10 events/s: broadcast spread p50/p99/max, memory per stream
#   saturated  5,000 streams offered SATURATED_RATE events/s (default 100): deliveries/s, spread p99
#              Add "floor" to SERVERS for the floor of any Kestrel stream: the baseline binary's /api/v2/floor, which
#              starts the response, writes one comment and waits (idle scenario), and /api/v2/floor-fanout, which copies
#              one pre-built batch the size of SseRx's into every response 10 times a second (fanout scenario), on
#              SseRx.Host's runtime settings (workstation GC, inline socket scheduling).
#   polls      SseRx only: 1, 100 and 10,000 streams at POLLS_RATE events/s (default 100): store fetches/s read from the
#              server's /health (poll.fetches) at the start and end of the window, and distinct metrics ids/s
#
# Event rates: SseRx's simulator adds items to the in-memory store at the rate; the shared feed polls the store every
# POLL_INTERVAL (100 ms), so items reach clients in batches, one batch per poll, with a metrics event (and
# sentiment_update events) per poll that changed them. The baseline publishes each item the moment it is made.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${OUT:-$ROOT/artifacts/perf/$(date +%Y%m%d-%H%M%S)}
SCENARIOS=${SCENARIOS:-"idle fanout saturated polls"}
SERVERS=${SERVERS:-"sserx stock"}
IDLE_STREAMS=${IDLE_STREAMS:-19000}
FANOUT_STREAMS=${FANOUT_STREAMS:-5000}
SATURATED_RATE=${SATURATED_RATE:-100}
POLLS_RATE=${POLLS_RATE:-100}
RAMP=${RAMP:-2000}
DURATION=${DURATION:-20}
POLL_INTERVAL=${POLL_INTERVAL:-00:00:00.100}
SSERX_PORT=${SSERX_PORT:-5081}
STOCK_PORT=${STOCK_PORT:-5091}
SSERX_ENV=${SSERX_ENV:-}
# On a machine shared with other work, NICE=-10 (root only) gives the servers and the client a larger CPU share so
# the numbers say more about the servers than about the neighbours; the load average is recorded with every run.
NICE=${NICE:-0}
BUILD=${BUILD:-1}
# Streams per source address. SseRx.Host caps streams per client (default 10, keyed by remote address) and limits
# stream connections per client (default 20 per 10 s); 10 per address keeps both at their defaults, so the runs
# measure the host as deployed. 19,000 streams then come from 1,900 addresses in 127.0.0.0/8.
PER_SOURCE=${PER_SOURCE:-10}

HOST_BIN=$ROOT/src/SseRx.Host/bin/Release/net10.0
AOT_BIN=$ROOT/artifacts/aot-perf
STOCK_BIN=$ROOT/samples/SseRx.StockBaseline/bin/Release/net10.0
CLIENT_DLL=$ROOT/samples/SseRx.LoadClient/bin/Release/net10.0/SseRx.LoadClient.dll
COUNTERS_DLL=$ROOT/tests/SseRx.Benchmarks/bin/Release/net10.0/SseRx.Benchmarks.dll
COUNTERS=${COUNTERS:-1}
RESULTS=$OUT/results.jsonl
SERVER_PID=

mkdir -p "$OUT"
log() { echo "== $*" >&2; }

if [[ $BUILD == 1 ]]; then
  for project in src/SseRx.Host samples/SseRx.StockBaseline samples/SseRx.LoadClient tests/SseRx.Benchmarks; do
    dotnet build -c Release --nologo -v quiet "$ROOT/$project" >&2
  done
fi
if [[ " $SERVERS " == *" sserx-aot "* ]]; then
  # The host as the Lambda asset and the container image ship it.
  dotnet publish "$ROOT/src/SseRx.Host" -c Release -r linux-x64 --nologo -v quiet -o "$AOT_BIN" >&2
fi

# Both the server and the client hold one descriptor per stream.
limit=$(ulimit -n)
if [[ $limit != unlimited && $((IDLE_STREAMS + 200)) -gt $limit ]]; then
  echo "IDLE_STREAMS=$IDLE_STREAMS needs about $((IDLE_STREAMS + 200)) open files per process; ulimit -n is $limit." >&2
  exit 2
fi

stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
trap stop_server EXIT INT TERM

# start_server sserx|stock RATE SCENARIO: starts it, waits for /health, sets SERVER_PID and URL.
start_server() {
  local server=$1 rate=$2 scenario=$3 port
  if [[ $server == sserx || $server == sserx-aot ]]; then
    port=$SSERX_PORT
    local command=(dotnet SseRx.Host.dll) bin=$HOST_BIN
    [[ $server == sserx-aot ]] && command=(./SseRx.Host) bin=$AOT_BIN
    local simulator=(SseRx__Simulator__Enabled=true "SseRx__Simulator__EventsPerSecond=$rate")
    [[ $rate == 0 ]] && simulator=(SseRx__Simulator__Enabled=false)
    # The content root is the working directory, so run from the build output (appsettings.json, wwwroot).
    (cd "$bin" && exec env \
      ASPNETCORE_URLS="http://127.0.0.1:$port" ASPNETCORE_ENVIRONMENT=Production \
      SseRx__Store=memory "${simulator[@]}" \
      SseRx__PollInterval="$POLL_INTERVAL" SseRx__MaxConnections=20000 \
      SseRx__HeartbeatInterval=00:00:30 SseRx__MaxStreamLifetime=01:00:00 \
      Logging__LogLevel__Default=Warning $SSERX_ENV \
      nice -n "$NICE" "${command[@]}") > "$OUT/$server-$scenario.log" 2>&1 &
  elif [[ $server == floor ]]; then
    port=$STOCK_PORT
    (cd "$STOCK_BIN" && exec env Logging__LogLevel__Default=Warning DOTNET_gcServer=0 \
      nice -n "$NICE" dotnet SseRx.StockBaseline.dll --urls "http://127.0.0.1:$port" --events-per-second 0.001 \
      --floor-batches-per-second 10 --inline-scheduling true) > "$OUT/floor-$scenario.log" 2>&1 &
  else
    port=$STOCK_PORT
    # Stock TypedResults.ServerSentEvents sends the response head only with the first event, so an idle stream would
    # never start its response (a browser's EventSource would not even fire onopen). One event per 5 s starts every
    # response during the warmup and keeps the streams otherwise idle, like SseRx's connect heartbeat.
    [[ $rate == 0 ]] && rate=0.2
    (cd "$STOCK_BIN" && exec env Logging__LogLevel__Default=Warning \
      nice -n "$NICE" dotnet SseRx.StockBaseline.dll --urls "http://127.0.0.1:$port" --events-per-second "$rate") > "$OUT/stock-$scenario.log" 2>&1 &
  fi
  SERVER_PID=$!
  URL="http://127.0.0.1:$port/api/v2/stream"
  [[ $server == floor ]] && URL="http://127.0.0.1:$port/api/v2/floor"
  [[ $server == floor && $scenario == fanout ]] && URL="http://127.0.0.1:$port/api/v2/floor-fanout"
  for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/health" 2>/dev/null; then
      sleep 2 # let start-up work (JIT, first polls) finish before the baseline RSS is read
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "$server exited during start-up; see $OUT" >&2; exit 1; }
    sleep 0.1
  done
  echo "$server did not become healthy in 30 s" >&2
  exit 1
}

# load LABEL STREAMS WARMUP [extra client args]
# With COUNTERS=1 the server's runtime counters (GC heap, generations, allocation rate, thread pool) are read over
# EventPipe during the warmup, once every stream is open, so the reader never runs inside the measured window.
# With FULL_GC=1 (the idle scenario) the reader first makes the server run a full blocking GC, before the streams
# connect and again once they are open, so the heap sizes are live data: (open - base) / streams = live bytes per stream.
load() {
  local label=$1 streams=$2 warmup=$3 marker="$OUT/open-marker" watcher= gc=()
  shift 3
  rm -f "$marker"
  if [[ $COUNTERS == 1 ]]; then
    if [[ ${FULL_GC:-0} == 1 ]]; then
      gc=(--full-gc)
      dotnet "$COUNTERS_DLL" counters --pid "$SERVER_PID" --seconds 2 --label "$label/base" "${gc[@]}" \
        --json "$OUT/counters.jsonl" > /dev/null 2>&1 || true
    fi
    (for _ in $(seq 1 1200); do [[ -f $marker ]] && break; sleep 0.1; done
     [[ -f $marker ]] && dotnet "$COUNTERS_DLL" counters --pid "$SERVER_PID" --seconds "$((warmup - 3))" --label "$label" \
       "${gc[@]}" --json "$OUT/counters.jsonl" > /dev/null 2>&1) &
    watcher=$!
  fi
  nice -n "$NICE" dotnet "$CLIENT_DLL" run --url "$URL" --streams "$streams" --ramp "$RAMP" --warmup "$warmup" --duration "$DURATION" \
    --per-source "$PER_SOURCE" \
    --server-pid "$SERVER_PID" --label "$label" --json "$RESULTS" --open-marker "$marker" "$@" | grep -v '^{' || true
  if [[ -n $watcher ]]; then wait "$watcher" 2>/dev/null || true; fi
}

for scenario in $SCENARIOS; do
  for server in $SERVERS; do
    [[ $server == floor && $scenario != idle && $scenario != fanout ]] && continue
    case $scenario in
      idle)
        log "$server / idle: $IDLE_STREAMS streams, no events"
        start_server "$server" 0 idle
        FULL_GC=1 RAMP=${IDLE_RAMP:-1000} load "$server/idle" "$IDLE_STREAMS" 10 --connect-timeout 30
        ;;
      fanout)
        log "$server / fanout: $FANOUT_STREAMS streams at 10 events/s"
        start_server "$server" 10 fanout
        load "$server/fanout" "$FANOUT_STREAMS" 7
        ;;
      saturated)
        log "$server / saturated: $FANOUT_STREAMS streams offered $SATURATED_RATE events/s"
        start_server "$server" "$SATURATED_RATE" saturated
        load "$server/saturated" "$FANOUT_STREAMS" 7
        ;;
      polls)
        [[ $server == sserx* ]] || continue # the baseline has no store to poll
        log "$server / polls: 1, 100, 10,000 streams at $POLLS_RATE events/s, poll interval $POLL_INTERVAL"
        start_server "$server" "$POLLS_RATE" polls
        for n in 1 100 10000; do
          DURATION=10 COUNTERS=0 load "$server/polls-$n" "$n" 3
        done
        ;;
      *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
    stop_server
  done
done

{
  echo "## SseRx vs stock ASP.NET Core 10 SSE ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -h | awk '/^Mem:/ {print $2}') RAM," \
    ".NET $(dotnet --list-runtimes | awk '/NETCore.App/ {v=$2} END {print v}'), ulimit -n $(ulimit -n)"
  echo
  dotnet "$CLIENT_DLL" compare "$RESULTS"
  if [[ -s $OUT/counters.jsonl ]]; then
    echo
    echo "Server runtime counters while the streams were open (EventPipe, during the warmup):"
    echo
    echo "| run | full GC first | GC heap MiB | committed MiB | gen0 | gen1 | gen2 | LOH | POH MiB | alloc MB in window | gen0/1/2 GCs | time in GC % | pool threads | pool queue | lock contentions |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    jq -r '"| \(.label) | \(.full_gc_first // false) | \(.gc_heap_size_mb) | \(.gc_committed_mb) | \(.gen0_size_mb) | \(.gen1_size_mb) | \(.gen2_size_mb) | \(.loh_size_mb) | \(.poh_size_mb) | \((.alloc_bytes // 0) / 1e6 | floor) | \(.gen0_gcs)/\(.gen1_gcs)/\(.gen2_gcs) | \(.time_in_gc_pct) | \(.threadpool_threads) | \(.threadpool_queue) | \(.lock_contentions) |"' "$OUT/counters.jsonl"
  fi
  for server in $SERVERS; do
    base=$(jq -r "select(.label == \"$server/idle/base\") | .gc_heap_size_mb" "$OUT/counters.jsonl" 2>/dev/null | tail -1)
    open=$(jq -r "select(.label == \"$server/idle\" and .full_gc_first) | .gc_heap_size_mb" "$OUT/counters.jsonl" 2>/dev/null | tail -1)
    if [[ -n $base && -n $open ]]; then
      echo
      echo "$server: live managed heap per idle stream after a full GC: ($open - $base) MiB / $IDLE_STREAMS =" \
        "$(awk -v o="$open" -v b="$base" -v n="$IDLE_STREAMS" 'BEGIN { printf "%.2f KiB", (o - b) * 1024 / n }')"
    fi
  done
} | tee "$OUT/comparison.md"
log "results: $RESULTS; table: $OUT/comparison.md; server logs: $OUT"
