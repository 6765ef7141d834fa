# Shared by the samples' smoke tests, which source it after setting:
#   name  the sample's name, for messages
#   out   the folder for the app's log and what the streams received
#   logs  the files in $out to print when the test fails
# It gives them: pids (killed on exit), fail MESSAGE, wait_for SECONDS COMMAND..., and start_app DLL, which starts
# the built app (not `dotnet run`, so the process started is the one stopped) on a free loopback port and sets url.
mkdir -p "$out"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

fail() {
  echo "$name smoke test: $1" >&2
  for file in "${logs[@]}"; do echo "--- $file" >&2; cat "$out/$file" >&2 || true; done
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

start_app() {
  dotnet "$1" --urls http://127.0.0.1:0 >"$out/app.log" 2>&1 &
  pids+=($!)
  wait_for 30 grep -q "Now listening on: http://127.0.0.1:" "$out/app.log" || fail "the app did not start listening"
  url="$(sed -n 's/.*Now listening on: \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$out/app.log" | head -n 1)"
}
