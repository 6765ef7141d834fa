#!/usr/bin/env bash
# Installs what the tests need, then runs every test. The README's test command.
#   npm packages from tests/package-lock.json (dynalite, the DynamoDB-compatible server)
#   Debian's chromium for the browser tests, through apt-get when it is missing
#   Debian's nginx for the fleet tests (the proxy in front of the host processes), through apt-get when it is missing
#   a C toolchain and zlib for Native AOT (clang or gcc, zlib1g-dev), through apt-get when missing
#   packs SseRx.Core into artifacts/packages, then builds and runs the samples that consume that package, and builds
#   the app the package contract tests start (tests/SseRx.Package.Tests/App, SSERX_PACKAGE_APP)
#   publishes the host once as Native AOT (artifacts/aot), which SseRx.Aot.Tests starts and tests
#   then `dotnet test` over the whole solution
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> npm packages (tests/package-lock.json)"
npm ci --prefix tests --no-audit --no-fund --loglevel=error

if ! command -v chromium >/dev/null 2>&1; then
  echo "==> Debian chromium (for the browser tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

# The fleet tests start nginx as their own process, with their own configuration and ports; they never use the system service.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "==> Debian nginx (for the fleet tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nginx >/dev/null
fi

# Native AOT links with the platform's C toolchain (clang, else gcc) and needs zlib's development files.
if ! { command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1; } || ! dpkg -s zlib1g-dev >/dev/null 2>&1; then
  echo "==> Debian clang and zlib1g-dev (for the Native AOT publish)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends clang zlib1g-dev >/dev/null
fi

# The samples below restore SseRx.Core from artifacts/packages into their own packages folder
# (artifacts/sample-packages, see their nuget.config). A re-pack keeps the version, so both old copies go first.
version="$(dotnet msbuild src/SseRx.Core/SseRx.Core.csproj -getProperty:Version)"
echo "==> dotnet pack SseRx.Core $version (artifacts/packages)"
rm -f "artifacts/packages/SseRx.Core.$version.nupkg" "artifacts/packages/SseRx.Core.$version.snupkg"
rm -rf "artifacts/sample-packages/sserx.core/$version"
dotnet pack src/SseRx.Core/SseRx.Core.csproj -c Release -o artifacts/packages

echo "==> samples/SseRx.Quickstart (against the package; the README's smallest app, streams on a loopback port for ~5 s)"
dotnet build samples/SseRx.Quickstart -c Release
timeout 120 bash samples/SseRx.Quickstart/smoke-test.sh

echo "==> samples/SseRx.LibraryUsage (against the package; virtual time, exits by itself)"
dotnet build samples/SseRx.LibraryUsage -c Release
timeout 60 dotnet run --project samples/SseRx.LibraryUsage -c Release --no-build

echo "==> samples/SseRx.Embedding (against the package; streams on a loopback port for a few seconds)"
dotnet build samples/SseRx.Embedding -c Release
timeout 120 bash samples/SseRx.Embedding/smoke-test.sh

echo "==> samples/SseRx.Orders (against the package; streams on a loopback port for a few seconds)"
dotnet build samples/SseRx.Orders -c Release
timeout 120 bash samples/SseRx.Orders/smoke-test.sh

# The package contract tests (SseRx.Package.Tests) start this app; built here so no compile runs during the tests.
echo "==> tests/SseRx.Package.Tests/App (against the package; started by the package contract tests)"
dotnet build tests/SseRx.Package.Tests/App -c Release
export SSERX_PACKAGE_APP="$PWD/tests/SseRx.Package.Tests/App/bin/Release/net10.0/SseRx.Package.App.dll"

# Once, before the tests, so the compile does not compete with timing-sensitive tests for the two cores.
echo "==> dotnet publish SseRx.Host as Native AOT (artifacts/aot)"
aot_started=$SECONDS
dotnet publish src/SseRx.Host -c Release -r linux-x64 -o artifacts/aot --nologo
echo "Native AOT publish: $((SECONDS - aot_started)) s, binary $(du -h artifacts/aot/SseRx.Host | cut -f1)"
export SSERX_AOT_HOST="$PWD/artifacts/aot/SseRx.Host"

echo "==> dotnet test"
log="$(mktemp)"
status=0
dotnet test SseRx.sln -c Release "$@" 2>&1 | tee "$log" || status=$?

# One closing line over every test assembly, e.g. "Tests: 812 passed, 0 failed, 0 skipped".
{ grep -E '^(Passed|Failed)!' "$log" || true; } | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
  awk '{p+=$1; f+=$2; s+=$3} END {printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s}'
rm -f "$log"
exit "$status"
